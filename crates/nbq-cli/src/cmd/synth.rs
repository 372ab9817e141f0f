//! `nbq synth`: synthesis flows for a design.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::ValueEnum;
use indicatif::ProgressBar;
use nbq_flow::zcu102;

use super::generate::load_and_generate;

/// Synthesize a design for a board.
///
/// zcu102: writes the Verilog, an out-of-context XDC (200 MHz clock) and a Vivado batch script (vivado.tcl) for
/// a user with Vivado, plus an open resource estimate from Yosys synth_xilinx -family xcup (report.json,
/// report.md). The folder appears complete or not at all.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TOML design file.
    #[arg(long, short = 'c')]
    pub config: PathBuf,
    /// Board to synthesize for.
    #[arg(long, short = 't', value_enum)]
    pub target: Target,
    /// Output folder [default: hdl-out/<name>-<target>/].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replace nbq's files in an existing non-empty output folder.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Target {
    /// Xilinx ZCU102 (XCZU9EG): Vivado script + XDC, open Yosys estimate
    Zcu102,
}

pub fn run(a: Args) -> Result<()> {
    let t0 = Instant::now();
    let (cfg, g) = load_and_generate(&a.config)?;
    let spinner = ProgressBar::new_spinner().with_message(format!("Yosys synth_xilinx -family xcup on {}", cfg.name));
    spinner.enable_steady_tick(Duration::from_millis(200));
    let report = match a.target {
        Target::Zcu102 => zcu102::estimate(&g.params, &g.verilog).context("estimating resources with Yosys")?,
    };
    spinner.finish_and_clear();
    let out = a.out.unwrap_or_else(|| PathBuf::from("hdl-out").join(format!("{}-zcu102", cfg.name)));
    let mut json = serde_json::to_vec_pretty(&report)?;
    json.push(b'\n');
    let md = report.markdown();
    let files = [
        (format!("{}.v", cfg.name), g.verilog.into_bytes()),
        (format!("{}.xdc", cfg.name), zcu102::xdc(&g.params).into_bytes()),
        ("vivado.tcl".to_string(), zcu102::vivado_tcl(&g.params).into_bytes()),
        ("report.json".to_string(), json),
        ("report.md".to_string(), md.clone().into_bytes()),
    ];
    nbq_quant::atomic::write_folder(&out, &files, a.force)?;
    print!("{md}");
    println!("\nwrote {} in {:.1} s", out.display(), t0.elapsed().as_secs_f64());
    Ok(())
}
