//! nbq-train: float and quantization-aware training on the CPU (candle), and the bridge to the integer network
//! ([`nbq_quant::net`]) that the generated hardware runs. Data sets and checkpoints live in `nbq-model`, which
//! needs no candle; they are re-exported here as [`data`] and [`checkpoint`].

pub use nbq_model::{checkpoint, data};
pub mod error;
pub mod experiment;
pub mod model;
pub mod train;

pub use error::{Result, TrainError};
