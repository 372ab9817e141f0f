//! Static checks of emitted Verilog by three independent tools: Icarus Verilog (`-g2005` elaboration), Verilator
//! (`--lint-only -Wall`) and Yosys (`hierarchy -check; proc; check -assert`).
//!
//! Documented Verilator waivers, all consequences of how rust-hdl 0.46 writes Verilog:
//! * `WIDTH`: rust-hdl writes every integer literal as `32'hN` and casts as `(x & W'hMASK)`, so most expressions
//!   mix widths; the semantics are pinned by co-simulation against the golden model instead.
//! * `DECLFILENAME`: the top module is always `top`, in a file named after the design.
//! * `UNUSEDSIGNAL`: outputs of sub-blocks that a design does not need (the last PE's pixel delay, the valid flags
//!   of all but one convolver) stay in the sub-block's port list; synthesis removes them.

use crate::tool::{workdir, Tool, IVERILOG};
use crate::TbError;

pub const VERILATOR: Tool = Tool { name: "Verilator", program: "verilator", package: "verilator" };
pub const YOSYS: Tool = Tool { name: "Yosys", program: "yosys", package: "yosys" };

/// Verilator warnings nbq waives (see the module docs).
pub const VERILATOR_WAIVERS: [&str; 3] = ["WIDTH", "DECLFILENAME", "UNUSEDSIGNAL"];

/// Runs the three checks on `verilog` (top module `top`); the first failure is returned with the tool's output.
pub fn check(verilog: &str) -> Result<(), TbError> {
    let dir = workdir(&[("design.v", verilog)])?;
    let d = dir.path();
    IVERILOG.run(&["-g2005", "-s", "top", "-o", "design.vvp", "design.v"], d)?;
    let mut args = vec!["--lint-only", "-Wall", "--top-module", "top"];
    let waivers: Vec<String> = VERILATOR_WAIVERS.iter().map(|w| format!("-Wno-{w}")).collect();
    args.extend(waivers.iter().map(String::as_str));
    args.push("design.v");
    VERILATOR.run(&args, d)?;
    YOSYS.run(&["-q", "-p", "read_verilog design.v; hierarchy -check -top top; proc; check -assert"], d)?;
    Ok(())
}
