//! Errors of data loading and checkpoints. Each names the file, the value given and what is allowed.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ModelError {
    #[error("{path}: {why}")]
    Data { path: PathBuf, why: String },
    #[error("cannot {what} '{path}': {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("checkpoint '{path}': {why}")]
    Checkpoint { path: PathBuf, why: String },
    #[error("cannot write the checkpoint: {0}")]
    Serialize(String),
    #[error("the network does not fit the data: {0}")]
    Shape(String),
    #[error(transparent)]
    Quant(#[from] nbq_quant::QuantError),
}

impl ModelError {
    pub fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ModelError::Io { what, path: path.into(), source }
    }
    pub fn data(path: impl Into<PathBuf>, why: impl Into<String>) -> Self {
        ModelError::Data { path: path.into(), why: why.into() }
    }
}

pub type Result<T, E = ModelError> = std::result::Result<T, E>;
