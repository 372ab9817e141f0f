//! nbq-tb: drives nbq's *emitted* Verilog under an independent simulator and compares every output with the
//! golden model. rust-hdl's own simulator can disagree with the Verilog it emits, so only this counts as
//! verification.

pub mod board;
pub mod check;
pub mod cosim;
pub mod engine;
pub mod error;
pub mod formal;
pub mod harness;
pub mod icarus;
pub mod lint;
pub mod nettop;
pub mod network;
pub mod pe;
pub mod rusthdl;
pub mod tool;
pub mod value;
pub mod verilator;

pub use error::TbError;
pub use harness::{Harness, Port};
pub use value::Value;
