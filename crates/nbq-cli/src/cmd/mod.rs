//! One module per subcommand.

pub mod build;
pub mod compare;
pub mod demo;
pub mod generate;
pub mod infer;
pub mod inspect;
pub mod quantize;
pub mod run;
pub mod sim;
pub mod sweep;
pub mod synth;
pub mod thresholds;
pub mod train;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar for a pool of `what` (its length is set by the first finished job).
pub fn job_bar(what: &str) -> ProgressBar {
    ProgressBar::new(0).with_style(
        ProgressStyle::with_template(&format!("{{bar:30}} {{pos}}/{{len}} {what}, {{elapsed}} {{msg}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    )
}

/// Records one finished job of `total` on `bar`.
pub fn job_done(bar: &ProgressBar, label: &str, total: usize) {
    bar.set_length(total as u64);
    bar.inc(1);
    bar.set_message(label.to_string());
}

/// A progress bar over `n` images, labelled `what`.
pub fn images_bar(n: usize, what: &str) -> ProgressBar {
    ProgressBar::new(n as u64).with_style(
        ProgressStyle::with_template(&format!("{{spinner}} {what} [{{bar:30}}] {{pos}}/{{len}} images"))
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    )
}
