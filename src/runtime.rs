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
//! assumed (the SDK is not built with atomics). The heap logic takes its
//! page source as a function, so it is tested natively.

use core::alloc::Layout;
use core::ptr;

/// Size classes 2^0 ..= 2^31 bytes; blocks are at least 16 bytes.
const CLASSES: usize = 32;
const MIN_CLASS: u32 = 4;
/// Every block is aligned to this; larger alignments get fresh blocks.
const BLOCK_ALIGN: usize = 16;
pub const PAGE: usize = 65536;

/// The allocator's state.
pub struct Heap {
    /// Heads of the free lists; a free block's first word links to the next.
    free: [*mut u8; CLASSES],
    /// The bump region carved from grown memory.
    next: usize,
    end: usize,
    /// Grows memory by this many pages; answers the old size in pages, or
    /// `usize::MAX` when it cannot.
    grow: fn(usize) -> usize,
}

/// The size class of a layout: the log2 of its block size.
fn class(layout: &Layout) -> usize {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    (usize::BITS - (size - 1).leading_zeros()) as usize
}

impl Heap {
    pub const fn new(grow: fn(usize) -> usize) -> Self {
        Heap {
            free: [ptr::null_mut(); CLASSES],
            next: 0,
            end: 0,
            grow,
        }
    }

    /// A fresh block of `size` bytes aligned to `align`, or null when
    /// memory cannot grow.
    fn carve(&mut self, size: usize, align: usize) -> *mut u8 {
        let start = (self.next + align - 1) & !(align - 1);
        if start >= self.next && start.checked_add(size).is_some_and(|e| e <= self.end) {
            self.next = start + size;
            return start as *mut u8;
        }
        // Grow enough pages for the block at its alignment. Memory grows
        // at its end, so the region usually just extends; after a gap (the
        // first time, or someone else grew memory) a new region starts.
        let Some(pages) = size.checked_add(align + PAGE - 1).map(|n| n / PAGE) else {
            return ptr::null_mut();
        };
        let old = (self.grow)(pages);
        if old == usize::MAX {
            return ptr::null_mut();
        }
        let (Some(start), Some(end)) = (
            old.checked_mul(PAGE),
            old.checked_add(pages).and_then(|p| p.checked_mul(PAGE)),
        ) else {
            return ptr::null_mut();
        };
        if start != self.end {
            self.next = start;
        }
        self.end = end;
        let start = (self.next + align - 1) & !(align - 1);
        self.next = start + size;
        start as *mut u8
    }

    /// # Safety
    /// As [`core::alloc::GlobalAlloc::alloc`].
    pub unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let c = class(&layout);
        let Some(head) = self.free.get_mut(c) else {
            return ptr::null_mut();
        };
        if layout.align() > BLOCK_ALIGN {
            return self.carve(1 << c, layout.align());
        }
        if !head.is_null() {
            let block = *head;
            *head = *(block as *mut *mut u8);
            return block;
        }
        self.carve(1 << c, BLOCK_ALIGN)
    }

    /// # Safety
    /// As [`core::alloc::GlobalAlloc::dealloc`].
    pub unsafe fn dealloc(&mut self, block: *mut u8, layout: Layout) {
        if let Some(head) = self.free.get_mut(class(&layout)) {
            *(block as *mut *mut u8) = *head;
            *head = block;
        }
    }

    /// # Safety
    /// As [`core::alloc::GlobalAlloc::realloc`].
    pub unsafe fn realloc(&mut self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
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

#[cfg(all(target_arch = "wasm32", feature = "runtime"))]
mod wasm {
    use super::Heap;
    use core::alloc::{GlobalAlloc, Layout};
    use core::arch::wasm32;
    use core::cell::UnsafeCell;

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        wasm32::unreachable()
    }

    struct Allocator(UnsafeCell<Heap>);

    // SAFETY: wasm32-unknown-unknown without atomics runs a single thread.
    unsafe impl Sync for Allocator {}

    #[global_allocator]
    static ALLOCATOR: Allocator = Allocator(UnsafeCell::new(Heap::new(wasm32::memory_grow::<0>)));

    // SAFETY: one thread, and the heap never calls back into the allocator.
    unsafe impl GlobalAlloc for Allocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            (*self.0.get()).alloc(layout)
        }

        unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
            (*self.0.get()).dealloc(block, layout)
        }

        unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            (*self.0.get()).realloc(block, layout, new_size)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::vec::Vec;

    const TEST_PAGES: usize = 1024;
    static BASE_PAGE: AtomicUsize = AtomicUsize::new(0);
    static USED_PAGES: AtomicUsize = AtomicUsize::new(0);

    /// Pages of a leaked, page-aligned buffer, numbered like wasm pages.
    fn fake_grow(pages: usize) -> usize {
        if BASE_PAGE.load(Ordering::SeqCst) == 0 {
            let buffer = Vec::<u8>::with_capacity((TEST_PAGES + 1) * PAGE).leak();
            BASE_PAGE.store((buffer.as_ptr() as usize).div_ceil(PAGE), Ordering::SeqCst);
        }
        let used = USED_PAGES.fetch_add(pages, Ordering::SeqCst);
        if used + pages > TEST_PAGES {
            return usize::MAX;
        }
        BASE_PAGE.load(Ordering::SeqCst) + used
    }

    /// A tiny deterministic generator, so the test needs no crate.
    fn next(seed: &mut u64) -> usize {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed as usize
    }

    #[test]
    fn classes_are_powers_of_two_of_at_least_16_bytes() {
        let l = |size, align| Layout::from_size_align(size, align).unwrap();
        assert_eq!(class(&l(1, 1)), 4);
        assert_eq!(class(&l(16, 8)), 4);
        assert_eq!(class(&l(17, 1)), 5);
        assert_eq!(class(&l(4096, 1)), 12);
        assert_eq!(class(&l(8, 64)), 6);
    }

    #[test]
    fn blocks_never_overlap_and_keep_their_contents() {
        let mut heap = Heap::new(fake_grow);
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let mut seed = 0x2545_f491_4f6c_dd1d;
        for round in 0..20_000u32 {
            let pick = next(&mut seed);
            if live.is_empty() || !pick.is_multiple_of(3) {
                let size = 1 + next(&mut seed) % if pick.is_multiple_of(17) { 20_000 } else { 300 };
                let align = [1, 2, 4, 8, 16, 32, 64][next(&mut seed) % 7];
                let layout = Layout::from_size_align(size, align).unwrap();
                let block = unsafe { heap.alloc(layout) };
                assert!(!block.is_null());
                assert_eq!(block as usize % align, 0, "alignment");
                let fill = round as u8;
                unsafe { ptr::write_bytes(block, fill, size) };
                live.push((block, layout, fill));
            } else {
                let (block, layout, fill) = live.swap_remove(pick % live.len());
                let bytes = unsafe { core::slice::from_raw_parts(block, layout.size()) };
                assert!(bytes.iter().all(|b| *b == fill), "a block was overwritten");
                if pick.is_multiple_of(2) {
                    unsafe { heap.dealloc(block, layout) };
                } else {
                    let new_size = 1 + next(&mut seed) % 5000;
                    let moved = unsafe { heap.realloc(block, layout, new_size) };
                    let kept =
                        unsafe { core::slice::from_raw_parts(moved, layout.size().min(new_size)) };
                    assert!(kept.iter().all(|b| *b == fill), "realloc lost the contents");
                    let layout = Layout::from_size_align(new_size, layout.align()).unwrap();
                    unsafe { ptr::write_bytes(moved, fill, new_size) };
                    live.push((moved, layout, fill));
                }
            }
        }
        for (block, layout, fill) in live {
            let bytes = unsafe { core::slice::from_raw_parts(block, layout.size()) };
            assert!(bytes.iter().all(|b| *b == fill), "a block was overwritten");
        }
    }

    #[test]
    fn out_of_memory_is_null_not_a_crash() {
        let mut heap = Heap::new(|_| usize::MAX);
        assert!(unsafe { heap.alloc(Layout::from_size_align(64, 8).unwrap()) }.is_null());
    }
}
