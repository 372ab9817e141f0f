//! nbq-rtl: rust-hdl descriptions of the SVPE (shift) and VPE (multiplier) convolution hardware, design files,
//! and checked Verilog emission.
#![allow(missing_debug_implementations)] // rust-hdl blocks hold simulator state that has no Debug

pub mod board;
pub mod config;
pub mod conv;
pub mod dedup;
pub mod emit;
pub mod generate;
pub mod network;
pub mod pe;
pub mod requant;
pub mod widths;

pub use config::{Adders, DesignConfig, PeKind};
pub use conv::{Dir, Latency, Level, Port, Ports, Role, Shape};
pub use generate::{generate, generate_mul_pe_like, generate_pe, generate_self_test, Generated, Params};
