//! Errors of data loading, training and checkpoints. Each names the file, the value given and what is allowed.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum TrainError {
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
    #[error("training setting {key} = {value} is not allowed: {allowed}")]
    Setting { key: &'static str, value: String, allowed: &'static str },
    #[error("cannot write the checkpoint: {0}")]
    Serialize(String),
    #[error("the network does not fit the data: {0}")]
    Shape(String),
    #[error(transparent)]
    Quant(#[from] nbq_quant::QuantError),
    #[error("tensor computation failed: {0}")]
    Candle(#[from] candle_core::Error),
}

impl TrainError {
    pub fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TrainError::Io { what, path: path.into(), source }
    }
    pub fn data(path: impl Into<PathBuf>, why: impl Into<String>) -> Self {
        TrainError::Data { path: path.into(), why: why.into() }
    }
}

pub type Result<T, E = TrainError> = std::result::Result<T, E>;
