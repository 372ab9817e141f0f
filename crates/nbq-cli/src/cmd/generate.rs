//! `nbq generate`: a design file in, the engine's Verilog and params.json out.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use nbq_rtl::{generate, DesignConfig, Generated};

/// Generate the Verilog of a design: `<name>.v` (top module `top`) and `params.json` (every port with its width
/// and meaning, latency, streaming protocol, weight loading order), and nothing else.
///
/// The folder appears complete or not at all; the same design file always gives byte-identical files.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TOML design file (see designs/ for examples).
    #[arg(long, short = 'c')]
    pub config: PathBuf,
    /// Output folder [default: hdl-out/<name>/].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replace nbq's files (those its .nbq-files lists) in an existing non-empty output folder; others stay.
    #[arg(long)]
    pub force: bool,
    /// Also check the Verilog with Icarus Verilog, Verilator (lint) and Yosys before writing it.
    #[arg(long)]
    pub check: bool,
    /// Also write `<name>_pe.v`: one PE of the design alone (module `top`), for per-PE resource studies.
    #[arg(long)]
    pub pe: bool,
}

/// Loads, validates and generates a design.
pub fn load_and_generate(config: &Path) -> Result<(DesignConfig, Generated)> {
    let cfg = DesignConfig::load(config)?;
    let g = generate(&cfg).with_context(|| format!("generating design '{}'", cfg.name))?;
    Ok((cfg, g))
}

pub fn run(a: Args) -> Result<()> {
    let t0 = Instant::now();
    let cfg = DesignConfig::load(&a.config)?;
    // The output folder is checked before generating and linting, which can take seconds to minutes.
    let out = a.out.unwrap_or_else(|| PathBuf::from("hdl-out").join(&cfg.name));
    nbq_quant::atomic::check_destination(&out, a.force)?;
    let g = generate(&cfg).with_context(|| format!("generating design '{}'", cfg.name))?;
    let secs = t0.elapsed().as_secs_f64();
    if a.check {
        nbq_tb::lint::check(&g.verilog).context("checking the emitted Verilog")?;
        println!(
            "checks passed: iverilog -g2005, verilator --lint-only -Wall (waivers: {}), yosys check -assert",
            nbq_tb::lint::VERILATOR_WAIVERS.join(", ")
        );
    }
    let mut files = g.files(&cfg.name)?;
    if a.pe {
        let pe = nbq_rtl::generate_pe(&cfg).with_context(|| format!("generating one PE of '{}'", cfg.name))?;
        files.push((format!("{}_pe.v", cfg.name), pe.into_bytes()));
    }
    nbq_quant::atomic::write_folder(&out, &files, a.force)?;
    let modules = g.verilog.matches("\nmodule ").count() + usize::from(g.verilog.starts_with("module "));
    println!(
        "generated {} ({cfg}) in {secs:.2} s: {} bytes of Verilog, {modules} modules -> {}",
        cfg.name,
        g.verilog.len(),
        out.display()
    );
    Ok(())
}
