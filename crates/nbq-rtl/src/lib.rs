//! nbq-rtl: rust-hdl descriptions of the SVPE (shift) and VPE (multiplier) convolution hardware, and checked
//! Verilog emission.

#![allow(missing_debug_implementations)] // rust-hdl blocks hold simulator state that has no Debug

pub mod conv;
pub mod emit;
pub mod pe;
pub mod widths;
