//! One module per subcommand.

pub mod compare;
pub mod demo;
pub mod generate;
pub mod inspect;
pub mod quantize;
pub mod sim;
pub mod sweep;
pub mod synth;
pub mod thresholds;
