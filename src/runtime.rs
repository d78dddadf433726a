//! The wasm build's runtime without std: a panic handler that traps and the
//! `lol_alloc` free-list allocator.
//!
//! std's versions cost about half the binary: its panic handler formats
//! messages (all of `core::fmt`) and its allocator is dlmalloc. The SDK does
//! not panic by design, so the handler only guards the impossible.
//!
//! The allocator is lol_alloc's `FreeListAllocator`: free blocks in a list
//! sorted by address, each freed block merged with the free ones beside it,
//! and wasm memory grown (a page at a time, or what a larger block needs)
//! when no free block fits. Memory is never given back to the browser, but
//! every freed byte is reused, so a long-lived page does not grow with use:
//! the SDK's allocations are small buffers that live for one call, and a few
//! objects that live as long as their `Gatehouse`. It is O(length of the
//! free list) per call, which stays short for such use. It replaced `talc`
//! (and talc a hand-written free list before it) for about 0.45 KiB gzip
//! less (docs/BENCHMARKS.md). `AssumeSingleThreaded` is sound because the
//! SDK is not built with atomics: wasm without threads has one thread.

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// SAFETY: the wasm build has no threads (no atomics target feature), so
// nothing can call the allocator concurrently.
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
