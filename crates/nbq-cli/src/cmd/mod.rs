//! One module per subcommand.

pub mod demo;
pub mod inspect;
pub mod quantize;
pub mod thresholds;
