//! nbq-model: the files a quantized network lives in, readable without the training crate (and so without
//! candle): checkpoints ([`checkpoint`], `.safetensors` with nbq's metadata), the architecture they describe
//! ([`arch`]), and the real data sets with their fixed train/test splits ([`data`]). A checkpoint's quantized part
//! is read into the network IR, [`nbq_quant::net::IntNet`], which the golden model, the generator, the test
//! bench and the flows read.

pub mod arch;
pub mod checkpoint;
pub mod data;
pub mod error;

pub use arch::{Arch, ConvSpec};
pub use error::{ModelError, Result};
