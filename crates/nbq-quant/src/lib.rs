//! nbq-quant: power-of-two weight quantization for shift-based CNN hardware.
//!
//! * [`code`]: the n-bit exponent-code format (one definition for the whole project);
//! * [`method`]: the quantizers (`nbq`, `log-round`, `inq`, `gsnq`) and [`activation`]: the thresholded
//!   activation quantizer;
//! * [`store`]: packed codes, manifest and `$readmemh` files; [`input`]: ONNX and NumPy model files;
//! * [`net`]: the network IR (layers, codes, thresholds, pooling, the integer head) every other part reads;
//! * [`golden`]: the exact integer shift-convolution model, the accumulator width analysis and the whole network;
//! * [`report`]: per-layer quantization quality.

pub mod activation;
pub mod atomic;
pub mod code;
pub mod error;
pub mod golden;
pub mod input;
pub mod method;
pub mod net;
pub mod quantized;
pub mod report;
pub mod scratch;
pub mod store;
pub mod tensor;

pub use code::{CodeFormat, ScaleGroup, Term};
pub use error::{QuantError, Result};
pub use method::{quantize, Granularity, Method};
pub use quantized::QuantizedTensor;
pub use tensor::FloatTensor;
