//! The golden model: exact integer shift-convolution, its multiply reference, the accumulator width analysis, and
//! the whole quantized network built on them. Every other part (RTL tests, co-simulation, accuracy runs)
//! compares against this module.

pub mod acc;
pub mod conv;
pub mod net;
pub mod width;

pub use acc::{Accumulator, Wide};
pub use conv::{conv2d_int, conv2d_mul, conv2d_shift, Activations, ConvOutput, ConvParams, ConvWeights};
pub use net::{IntNet, NetConv, NetInput};
pub use width::{accumulator_width, bound, AccBound};
