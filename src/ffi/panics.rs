//! The panic hook of the C API: a panic inside the library goes to the log
//! callback (target `"tfe::panic"`, `TFE_LOG_ERROR`), never to the host's
//! stderr, where Rust's default hook would print it.
//!
//! The hook is installed once, by the first `tfe_*` call that goes through
//! the panic boundary, and chains to the hook it replaces: a panic is the
//! library's when it happens inside a `tfe_*` call (on the calling thread),
//! on a player thread of a local session (`tfe-<player>`) or on a
//! thread of the rayon pool the kernels use; any other panic goes to the
//! previous hook (by default, Rust's, which prints it), so a host's own
//! hook keeps working for its own panics. A host that sets a panic hook
//! after its first `tfe_*` call replaces this one (and sees the library's
//! panics too). A Rust program that uses only the Rust API never installs
//! it.
//!
//! The record holds the panic's message and location and, when
//! `RUST_BACKTRACE` (or `RUST_LIB_BACKTRACE`) asks for one, a backtrace.
//! The panic itself is still caught at the boundary and returned as
//! `TFE_ERR_PANIC` with its message.

use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::Cell;
use std::panic::{self, PanicHookInfo};
use std::sync::Once;

thread_local! {
    /// How many `tfe_*` calls are in progress on this thread (a callback
    /// may call back into the library).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Runs `body` as part of a `tfe_*` call: a panic in it is the library's.
/// Installs the hook first, once per process.
pub(crate) fn inside<R>(body: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            let _ = DEPTH.try_with(|depth| depth.set(depth.get().saturating_sub(1)));
        }
    }
    install();
    let _ = DEPTH.try_with(|depth| depth.set(depth.get() + 1));
    let _leave = Leave;
    body()
}

fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| if is_ours() { report(info) } else { previous(info) }));
    });
}

/// Whether the panicking thread is in a `tfe_*` call or is a library thread.
/// Only thread-locals that can be read during a thread's teardown are asked
/// (not `std::thread::current()`): a panic in this hook would abort the host.
fn is_ours() -> bool {
    DEPTH.try_with(|depth| depth.get() > 0).unwrap_or(false)
        || crate::session::on_player_thread()
        || rayon::current_thread_index().is_some()
}

fn report(info: &PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    let location = info.location().map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
    // `capture` honours RUST_BACKTRACE and RUST_LIB_BACKTRACE, as the default hook does.
    let backtrace = Backtrace::capture();
    if backtrace.status() == BacktraceStatus::Captured {
        log::error!(target: "tfe::panic", "panicked{location}: {message}\nbacktrace:\n{backtrace}");
    } else {
        log::error!(target: "tfe::panic", "panicked{location}: {message}");
    }
}
