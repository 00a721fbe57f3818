//! A terminal progress bar for long passes (indicatif), hidden when stderr is not a terminal.

use cin7_sparklayer_core::engine::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A [`Progress`] drawing one bar per phase on stderr.
#[derive(Debug)]
pub struct BarProgress {
    bar: ProgressBar,
}

impl BarProgress {
    /// A bar on stderr; it draws nothing when stderr is not a terminal (logs are used then).
    pub fn stderr() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        Self { bar }
    }

    /// A bar that never draws.
    pub fn hidden() -> Self {
        Self {
            bar: ProgressBar::hidden(),
        }
    }
}

impl Progress for BarProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        self.bar.reset();
        self.bar.set_length(total.unwrap_or(0));
        let template = if total.is_some() {
            "{prefix:>16} [{bar:30}] {pos}/{len} {per_sec}"
        } else {
            "{prefix:>16} {spinner} {pos} {per_sec}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_prefix(name.to_owned());
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
