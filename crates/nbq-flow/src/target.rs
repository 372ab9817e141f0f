//! The synthesis targets and one entry point that runs a target's whole flow.

use nbq_rtl::DesignConfig;
use serde::Serialize;

use crate::error::FlowError;
use crate::report::Report;
use crate::{ecp5, ice40, zcu102};

/// A board nbq synthesizes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Alchitry Cu (iCE40-HX8K): open flow to a bitstream with a self-test
    AlchitryCu,
    /// Xilinx ZCU102 (XCZU9EG): Vivado script + XDC, open Yosys estimate
    Zcu102,
    /// ULX3S (ECP5 LFE5U-85F): open flow (YoWASP Yosys and nextpnr-ecp5) to a bitstream with a self-test
    #[serde(rename = "ecp5-ulx3s")]
    #[cfg_attr(feature = "clap", value(name = "ecp5-ulx3s"))]
    Ecp5Ulx3s,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::AlchitryCu => "alchitry-cu",
            Target::Zcu102 => "zcu102",
            Target::Ecp5Ulx3s => "ecp5-ulx3s",
        }
    }

    /// Steps [`synthesize`] reports progress for.
    pub fn steps(self) -> &'static [&'static str] {
        match self {
            Target::AlchitryCu => &ice40::STEPS,
            Target::Zcu102 => &["Yosys synth_xilinx -family xcup"],
            Target::Ecp5Ulx3s => &ecp5::STEPS,
        }
    }

    /// Whether the flow places and routes (and so takes nextpnr seeds).
    pub fn routes(self) -> bool {
        self != Target::Zcu102
    }
}

/// Files of an output folder: (plain name, contents).
pub type Files = Vec<(String, Vec<u8>)>;

/// Runs `target`'s flow on `c`: the report and the files of the output folder (without the report files).
/// `seeds` are the nextpnr seeds to route (alchitry-cu, ecp5-ulx3s; empty: [`ice40::SEED`] alone).
pub fn synthesize(
    c: &DesignConfig,
    target: Target,
    seeds: &[u32],
    step: &mut dyn FnMut(usize),
) -> Result<(Report, Files), FlowError> {
    match target {
        Target::AlchitryCu => {
            let b = ice40::build(c, seeds, step)?;
            Ok((b.report, b.files))
        }
        Target::Ecp5Ulx3s => {
            let b = ecp5::build(c, seeds, step)?;
            Ok((b.report, b.files))
        }
        Target::Zcu102 => {
            step(0);
            let g = nbq_rtl::generate(c)?;
            let r = zcu102::estimate(&g.params, &g.verilog)?;
            let files = vec![
                (format!("{}.xdc", c.name), zcu102::xdc(&g.params).into_bytes()),
                ("vivado.tcl".to_string(), zcu102::vivado_tcl(&g.params).into_bytes()),
                (format!("{}.v", c.name), g.verilog.into_bytes()),
            ];
            Ok((r, files))
        }
    }
}
