//! The one error type of the quantizer crate. Every message says what was wrong, the value given and what is
//! allowed, because the CLI prints these messages to users unchanged.

use std::path::PathBuf;

/// Errors from code formats, quantizers, file I/O and the golden model.
#[derive(Debug, thiserror::Error)]
pub enum QuantError {
    #[error("bits must be in 1..=8, got {0}")]
    Bits(u32),

    #[error("activation bits must be in {min}..={max}, got {given}")]
    ActBits { given: u32, min: u32, max: u32 },

    #[error("tensor '{name}' is empty (shape {shape:?}); a weight tensor needs at least one element")]
    EmptyTensor { name: String, shape: Vec<usize> },

    #[error("tensor '{name}' has shape {shape:?} ({expected} elements) but {given} values")]
    ShapeMismatch { name: String, shape: Vec<usize>, expected: usize, given: usize },

    #[error("tensor '{name}' holds a non-finite value ({value}) at flat index {index}; weights must be finite")]
    NonFinite { name: String, index: usize, value: f32 },

    #[error("tensor '{name}': {what}")]
    Tensor { name: String, what: String },

    #[error("code {code:#x} is not a legal {bits}-bit code: {why}")]
    IllegalCode { code: u8, bits: u8, why: &'static str },

    #[error(
        "GSNQ offset {given} for {sign} weights is out of range: with {bits}-bit codes the largest shift \
             (magnitude {max_mag} + offset) must stay <= 255, so the offset must be <= {max}"
    )]
    Offset { sign: &'static str, given: u32, bits: u8, max_mag: u32, max: u32 },

    #[error("{0}")]
    Invalid(String),

    #[error("unsupported ONNX content in '{path}': {items}")]
    UnsupportedOnnx { path: PathBuf, items: String },

    #[error("cannot parse '{path}' as {kind}: {why}")]
    Parse { path: PathBuf, kind: &'static str, why: String },

    #[error("manifest '{path}' is inconsistent: {why}")]
    Manifest { path: PathBuf, why: String },

    #[error("output folder '{path}' {why}")]
    Output { path: PathBuf, why: String },

    #[error("{context} '{path}': {source}")]
    Io { context: &'static str, path: PathBuf, source: std::io::Error },

    #[error("accumulator overflow risk: {0}")]
    Overflow(String),
}

impl QuantError {
    /// Wraps an I/O error with the action and the path it concerned.
    pub fn io(context: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        QuantError::Io { context, path: path.into(), source }
    }
}

/// Result alias for this crate.
pub type Result<T, E = QuantError> = std::result::Result<T, E>;
