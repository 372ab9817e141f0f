//! `nbq synth`: synthesis flows for a design.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::ProgressBar;

/// Synthesize a design for a board.
///
/// alchitry-cu: builds a self-testing board top (ROMs of a kernel, an image and the golden model's sums around one
/// convolver of the design; LEDs 0 pass, 1 fail, 2 done, 7 heartbeat), a PCF from constraints/alchitry-cu.toml,
/// runs yosys synth_ice40, checks the design fits the iCE40-HX8K, runs nextpnr-ice40 (100 MHz target, fixed seeds: --seeds)
/// and icepack, and writes the bitstream (<name>.bin) with report.json / report.md (logic cells, carry, RAM, IO,
/// Fmax) and the tools' logs. Program it with `iceprog <name>.bin`.
///
/// ecp5-ulx3s: the same self-testing top on the ULX3S (ECP5 LFE5U-85F; LEDs as above, 25 MHz oscillator), an
/// LPF from constraints/ulx3s.toml, Yosys synth_ecp5 (a VPE's multipliers become MULT18X18D), a fit check, then
/// nextpnr-ecp5 and ecppack from the YoWASP packages on PyPI (scripts/setup.sh installs them into .venv/); writes
/// <name>.bit and the report (logic cells, FF, DSP, EBR, IO, Fmax). Program it with `openFPGALoader -b ulx3s
/// <name>.bit`.
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
    pub target: nbq_flow::Target,
    /// Output folder [default: hdl-out/<name>-<target>/].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replace nbq's files (those its .nbq-files lists) in an existing non-empty output folder; others stay.
    #[arg(long)]
    pub force: bool,
    /// nextpnr seeds to place and route (alchitry-cu, ecp5-ulx3s), comma-separated: the report gives each seed's Fmax and
    /// min / median / max, and the bitstream is the best seed's [default: 1].
    #[arg(long, value_delimiter = ',')]
    pub seeds: Vec<u32>,
}

pub fn run(a: Args) -> Result<()> {
    let t0 = Instant::now();
    let cfg = nbq_rtl::DesignConfig::load(&a.config)?;
    let target = a.target;
    if !target.routes() && !a.seeds.is_empty() {
        anyhow::bail!(
            "--seeds: the {} flow does not place and route (it is a Yosys estimate); seeds apply to alchitry-cu \
             and ecp5-ulx3s",
            target.name()
        );
    }
    let out = a.out.unwrap_or_else(|| PathBuf::from("hdl-out").join(format!("{}-{}", cfg.name, target.name())));
    // Refuse an unusable output folder before the long tool runs.
    nbq_quant::atomic::check_destination(&out, a.force)?;
    let spinner = ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(200));
    let steps = target.steps();
    let (report, mut files) = nbq_flow::synthesize(&cfg, target, &a.seeds, &mut |i| {
        spinner.set_message(format!("[{}/{}] {}: {}", i + 1, steps.len(), cfg.name, steps[i]));
    })
    .with_context(|| format!("{} flow", target.name()))?;
    spinner.finish_and_clear();
    let md = report.markdown();
    files.extend(report.files()?);
    nbq_quant::atomic::write_folder(&out, &files, a.force)?;
    print!("{md}");
    println!("\nwrote {} in {:.1} s", out.display(), t0.elapsed().as_secs_f64());
    Ok(())
}
