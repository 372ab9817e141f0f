//! The errors of the flows.

use nbq_tb::TbError;

/// Errors of the flows.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Tool(#[from] TbError),
    /// A program of a PyPI package that is in neither the virtual environment nor PATH.
    #[error(
        "{tool} is not installed (looked for '{program}' in $NBQ_VENV/bin, the repository's .venv/bin and on \
         PATH); install the PyPI package '{package}': {install} (scripts/setup.sh does this)"
    )]
    MissingPip { tool: &'static str, program: &'static str, package: &'static str, install: &'static str },
    #[error("cannot read Yosys's statistics: {0}")]
    Stat(String),
    #[error("cannot read nextpnr's report: {0}")]
    PnrReport(String),
    #[error(
        "{design} does not fit the {device}: about {estimated} {resource} needed, {available} available \
         ({basis}; place-and-route not attempted). {hint}"
    )]
    DoesNotFit {
        design: String,
        device: &'static str,
        resource: &'static str,
        estimated: u64,
        available: u64,
        /// Where the count comes from.
        basis: &'static str,
        /// What to change.
        hint: &'static str,
    },
    #[error("cannot build the self-test for {design}: {why}")]
    SelfTest { design: String, why: String },
    #[error(transparent)]
    Emit(#[from] nbq_rtl::emit::EmitError),
    #[error("the board's pin table {path} is invalid: {why}")]
    PinTable { path: &'static str, why: String },
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error(transparent)]
    Design(#[from] nbq_rtl::config::ConfigError),
    /// A co-simulation that disagrees with the golden model: the first differing output, typed.
    #[error("co-simulation disagrees with the golden model: {0}")]
    Mismatch(Box<nbq_tb::check::Mismatch>),
    /// A measurement that found nothing to measure.
    #[error("{0}")]
    Measure(String),
    /// A job of [`crate::pool::pool`] that failed in its own terms.
    #[error("{0}")]
    Job(String),
    #[error("cannot start {workers} worker threads: {source}")]
    Workers { workers: usize, source: rayon::ThreadPoolBuildError },
    #[error("cannot draw the chart: {0}")]
    Chart(String),
    #[error("cannot create {path}: {source}")]
    Io { path: std::path::PathBuf, source: std::io::Error },
    /// Bad `--seeds`: what was given and what is allowed.
    #[error("--seeds: {0}")]
    Seeds(String),
    #[error("cannot write {what} as JSON: {source}")]
    Json { what: String, source: serde_json::Error },
}
