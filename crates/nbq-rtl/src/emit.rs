//! Verilog emission with rust-hdl's design checks turned into errors instead of panics.

use rust_hdl::prelude::*;

/// Why a design could not be emitted.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error("the design failed rust-hdl's checks: {0}")]
    Check(String),
    /// A block whose ports are not its port list ([`crate::conv::Ports`], what `params.json` states): a bug in
    /// nbq, caught before any Verilog is written.
    #[error("the generated block's ports differ from its port list: {0}")]
    Ports(String),
    /// Self-test data that does not fit the board top's ROMs.
    #[error("the self-test does not fit the board top: {0}")]
    SelfTestData(String),
}

/// Connects, checks and emits `uut` as Verilog (top module `top`).
pub fn verilog<U: Block>(uut: &mut U) -> Result<String, EmitError> {
    uut.connect_all();
    check_all(uut).map_err(|e| EmitError::Check(format!("{e:?}")))?;
    Ok(generate_verilog(uut))
}
