//! ZCU102 (Zynq UltraScale+ XCZU9EG-2FFVB1156E): Verilog, an out-of-context XDC and a Vivado batch script for
//! a user with Vivado, and an open estimate from Yosys `synth_xilinx -family xcup`.
//!
//! Out of context: the engine is a block inside a larger design (fed by the Zynq's processing system), so its
//! ports get no package pins; the XDC constrains the clock only (200 MHz, the paper's clock) and Vivado
//! synthesizes with `-mode out_of_context`.

use nbq_rtl::Params;

use crate::error::FlowError;
use crate::report::{Report, Resources};
use crate::target::Target;
use crate::yosys::{cell_counts, xilinx_resources};

pub const PART: &str = "xczu9eg-ffvb1156-2-e";
pub const TARGET_MHZ: f64 = 200.0;

/// XCZU9EG resources (Xilinx DS891): 274,080 LUTs, 548,160 FFs, 2,520 DSP48E2, 912 RAMB36; carry chains are
/// one CARRY8 per 8 LUTs.
pub const AVAILABLE: Resources =
    Resources { lut: 274_080, ff: 548_160, carry: 34_260, dsp: 2_520, bram: 912.0, lutram: 144_000, io: 0 };

/// The XDC: the clock constraint only (out of context).
pub fn xdc(p: &Params) -> String {
    xdc_of(&p.name)
}

/// The XDC of design `name` (top module `top`, port `clock`).
pub fn xdc_of(name: &str) -> String {
    format!(
        "# nbq: out-of-context constraints of {name} for the ZCU102 ({PART}).\n\
         # The design's ports are internal to a larger design, so they get no package pins.\n\
         create_clock -period {:.3} -name clock [get_ports clock]\n",
        1000.0 / TARGET_MHZ
    )
}

/// The Vivado batch script (run next to the files: `vivado -mode batch -source vivado.tcl`).
pub fn vivado_tcl(p: &Params) -> String {
    vivado_tcl_of(&p.name, &format!("{}.v", p.name))
}

/// The Vivado batch script of design `name` whose Verilog (top module `top`) is `verilog_file`.
pub fn vivado_tcl_of(n: &str, verilog_file: &str) -> String {
    format!(
        "# nbq: Vivado batch flow of {n} for the ZCU102 ({PART}), out of context.\n\
         # Run in this folder: vivado -mode batch -source vivado.tcl\n\
         set here [file dirname [file normalize [info script]]]\n\
         read_verilog $here/{verilog_file}\n\
         read_xdc -mode out_of_context $here/{n}.xdc\n\
         synth_design -top top -part {PART} -mode out_of_context\n\
         opt_design\nplace_design\nroute_design\n\
         report_utilization -file $here/vivado_utilization.rpt\n\
         report_timing_summary -file $here/vivado_timing.rpt\n\
         report_power -file $here/vivado_power.rpt\n"
    )
}

/// Yosys's open estimate of the design's resources on the XCZU9EG.
pub fn estimate(p: &Params, verilog: &str) -> Result<Report, FlowError> {
    estimate_of(&p.name, verilog)
}

/// Yosys's open estimate of design `name` (top module `top`) on the XCZU9EG.
pub fn estimate_of(name: &str, verilog: &str) -> Result<Report, FlowError> {
    let cells = cell_counts(verilog, "synth_xilinx -family xcup -top top -flatten -noiopad")?;
    Ok(Report {
        design: name.to_string(),
        target: Target::Zcu102,
        device: PART.into(),
        source: "Yosys synth_xilinx -family xcup (estimate; Vivado's figures come from vivado.tcl)".into(),
        used: xilinx_resources(&cells),
        available: AVAILABLE,
        design_alone: None,
        fmax_mhz: None,
        target_mhz: TARGET_MHZ,
        fmax_seeds: Vec::new(),
    })
}
