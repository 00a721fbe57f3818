//! What the example binaries share: a runtime, and E3's exit statuses with one-line errors.

use std::future::Future;
use std::process::ExitCode;

/// Runs `main` on a multi-threaded tokio runtime and turns its result into the exit status of
/// E3: `Ok(code)` exits with `code` (0 all synced, 2 some records failed); `Err(message)` prints
/// `error: <message>` on one line and exits 1 (the run could not start). No panic, no backtrace.
pub fn run_to_exit<F>(main: F) -> ExitCode
where
    F: Future<Output = Result<u8, String>>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(main) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::from(1)
        }
    }
}
