//! nbq-flow: synthesis flows for generated designs. Each flow step runs an external tool with its exit status
//! checked and its output kept in the error; results are parsed from the tools' machine-readable outputs.

pub mod compare;
pub mod ecp5;
mod error;
pub mod ice40;
pub mod pool;
pub mod report;
pub mod sweep;
pub mod target;
pub mod yosys;
pub mod zcu102;

pub use error::FlowError;

pub use report::{Report, Resources};
pub use target::{synthesize, Target};
