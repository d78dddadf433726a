//! The wasm build's runtime without std: a panic handler that traps and a
//! small allocator.
//!
//! std's versions cost about half the binary: its panic handler formats
//! messages (all of `core::fmt`) and its allocator is dlmalloc. The SDK does
//! not panic by design, so the handler only guards the impossible.
//!
//! The allocator keeps one free list per power-of-two size class and carves
//! new blocks from memory it grows at the end, so it never touches the
//! module's own data, stack or initial heap. Freed blocks are reused for
//! their class; wasm memory never shrinks anyway. A single thread is
//! assumed (the SDK is not built with atomics).

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    wasm32::unreachable()
}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator(UnsafeCell::new(Heap { free: [ptr::null_mut(); CLASSES], next: 0, end: 0 }));

/// Size classes 2^0 ..= 2^31 bytes; blocks are at least 16 bytes.
const CLASSES: usize = 32;
const MIN_CLASS: u32 = 4;
/// Every block is aligned to this; larger alignments get fresh blocks.
const BLOCK_ALIGN: usize = 16;
const PAGE: usize = 65536;

struct Heap {
    /// Heads of the free lists; a free block's first word links to the next.
    free: [*mut u8; CLASSES],
    /// The bump region carved from grown memory.
    next: usize,
    end: usize,
}

struct Allocator(UnsafeCell<Heap>);

// SAFETY: wasm32-unknown-unknown without atomics runs a single thread.
unsafe impl Sync for Allocator {}

/// The size class of a layout: the log2 of its block size.
fn class(layout: &Layout) -> usize {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    (usize::BITS - (size - 1).leading_zeros()) as usize
}

impl Heap {
    /// A fresh block of `size` bytes aligned to `align`, or null when
    /// memory cannot grow.
    fn carve(&mut self, size: usize, align: usize) -> *mut u8 {
        let start = (self.next + align - 1) & !(align - 1);
        if start >= self.next && start.checked_add(size).is_some_and(|e| e <= self.end) {
            self.next = start + size;
            return start as *mut u8;
        }
        // Grow enough pages for the block at its alignment, and start a new
        // bump region there (the old region's rest is left unused).
        let pages = (size + align + PAGE - 1) / PAGE;
        let old = wasm32::memory_grow(0, pages);
        if old == usize::MAX {
            return ptr::null_mut();
        }
        self.next = old * PAGE;
        self.end = (old + pages) * PAGE;
        self.carve(size, align)
    }
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let c = class(&layout);
        // SAFETY: single thread, and no call below re-enters the allocator.
        let heap = &mut *self.0.get();
        if layout.align() > BLOCK_ALIGN {
            return heap.carve(1 << c, layout.align());
        }
        let Some(head) = heap.free.get_mut(c) else { return ptr::null_mut() };
        if !head.is_null() {
            let block = *head;
            *head = *(block as *mut *mut u8);
            return block;
        }
        heap.carve(1 << c, BLOCK_ALIGN)
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let heap = &mut *self.0.get();
        if let Some(head) = heap.free.get_mut(class(&layout)) {
            *(block as *mut *mut u8) = *head;
            *head = block;
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if class(&new_layout) == class(&layout) {
            return block;
        }
        let fresh = self.alloc(new_layout);
        if !fresh.is_null() {
            ptr::copy_nonoverlapping(block, fresh, layout.size().min(new_size));
            self.dealloc(block, layout);
        }
        fresh
    }
}
