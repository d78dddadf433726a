//! The wasm build's runtime without std: a panic handler that traps and the
//! `talc` allocator.
//!
//! std's versions cost about half the binary: its panic handler formats
//! messages (all of `core::fmt`) and its allocator is dlmalloc. The SDK does
//! not panic by design, so the handler only guards the impossible.
//!
//! The allocator is talc's single-threaded wasm setup
//! (`talc::wasm::new_wasm_dynamic_allocator`): it grows wasm memory as
//! needed and extends its heap into the grown pages, so it never touches
//! the module's own data, stack or initial heap. talc replaced a
//! hand-written free-list allocator: it is actively maintained, written
//! for wasm and tested upstream (Miri included), for about 0.4 KiB gzip
//! more (docs/BENCHMARKS.md). Its `disable-realloc-in-place` feature
//! (Cargo.toml) trades in-place reallocation, which the SDK's small buffers
//! barely need, for size. `new_wasm` only builds for single-threaded wasm;
//! the SDK is not built with atomics.

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
