//! Errors of the co-simulation harness.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TbError {
    #[error(
        "{tool} is not installed (looked for '{program}' on PATH); install the Debian package '{package}' \
             (scripts/setup.sh does this)"
    )]
    MissingTool { tool: &'static str, program: &'static str, package: &'static str },

    #[error("{tool} failed (exit status {status}) running `{command}`:\n{stderr}")]
    ToolFailed { tool: &'static str, command: String, status: String, stderr: String },

    #[error("{0}")]
    Harness(String),

    #[error("cannot {what} '{path}': {source}")]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },

    #[error(transparent)]
    Quant(#[from] nbq_quant::QuantError),

    #[error("simulation output is malformed at cycle {cycle}: {why}")]
    Output { cycle: usize, why: String },

    /// A whole-network run whose convolution sum differs from the golden model's.
    #[error(
        "conv layer {layer} on the emitted Verilog differs from the golden model: image {image}, output channel \
         {channel}, pixel ({y}, {x}): expected {expected}, got {actual}"
    )]
    NetMismatch { layer: usize, image: usize, channel: usize, y: usize, x: usize, expected: i64, actual: i64 },

    #[error("conv layer {layer} has no engine design: {source}")]
    LayerDesign { layer: usize, source: nbq_rtl::config::ConfigError },

    #[error("generating conv layer {layer}'s engine: {source}")]
    LayerEmit { layer: usize, source: nbq_rtl::emit::EmitError },
}
