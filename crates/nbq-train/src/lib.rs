//! nbq-train: the real data sets, float and quantization-aware training on the CPU (candle), checkpoints, and
//! the bridge to the integer network ([`nbq_quant::golden::net`]) that the generated hardware runs.

pub mod checkpoint;
pub mod data;
pub mod error;
pub mod experiment;
pub mod model;
pub mod train;

pub use error::{Result, TrainError};
