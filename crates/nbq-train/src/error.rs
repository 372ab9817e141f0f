//! Errors of training. Each names the value given and what is allowed; data and checkpoint errors come from
//! `nbq-model`.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum TrainError {
    #[error("training setting {key} = {value} is not allowed: {allowed}")]
    Setting { key: &'static str, value: String, allowed: &'static str },
    #[error("the network does not fit the data: {0}")]
    Shape(String),
    #[error(transparent)]
    Quant(#[from] nbq_quant::QuantError),
    #[error(transparent)]
    Model(#[from] nbq_model::ModelError),
    #[error("tensor computation failed: {0}")]
    Candle(#[from] candle_core::Error),
}

pub type Result<T, E = TrainError> = std::result::Result<T, E>;
