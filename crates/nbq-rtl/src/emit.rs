//! Verilog emission with rust-hdl's design checks turned into errors instead of panics.

use rust_hdl::prelude::*;

/// Why a design could not be emitted.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error("the design failed rust-hdl's checks: {0}")]
    Check(String),
}

/// Connects, checks and emits `uut` as Verilog (top module `top`).
pub fn verilog<U: Block>(uut: &mut U) -> Result<String, EmitError> {
    uut.connect_all();
    check_all(uut).map_err(|e| EmitError::Check(format!("{e:?}")))?;
    Ok(generate_verilog(uut))
}
