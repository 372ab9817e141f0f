//! `nbq compare`: SVPE against VPE at equal geometry and at an equal budget.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use nbq_flow::compare::compare;
use nbq_rtl::DesignConfig;

/// Compare the shift array (SVPE) with the 16-bit multiplier array (VPE) that differs only in its PEs.
///
/// (a) Equal geometry (the paper's Table VII): one k×k convolver with the design's k, A and image width, shift PEs
/// at each of --bits against the VPE: ZCU102 LUT/FF/carry/DSP/BRAM (Yosys synth_xilinx -family xcup), iCE40 logic
/// cells and flip-flops (Yosys synth_ice40), logic cells per PE, and the latency measured in Icarus.
/// (b) Equal budget (Table VIII): the largest (Pn, Pm) within 768 DSPs on the ZCU102 and its GOP/s on AlexNet's
/// convolution layers, from cycle counts measured in co-simulation at 200 MHz; and how many PEs of each kind fit
/// the HX8K's 7,680 logic cells. The paper's figures stand beside ours, with what differs in the setup.
///
/// Prints a Markdown report and writes compare.md, compare.csv, compare.json and compare.svg (atomically).
/// Synthesis and simulation jobs run in parallel on --jobs threads.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TOML design file: its k, image width and activation bits set the geometry.
    #[arg(long, short = 'c')]
    pub config: PathBuf,
    /// Code bits of the shift arrays, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4,5")]
    pub bits: Vec<usize>,
    /// Parallel jobs [default: the number of CPUs].
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Output folder [default: hdl-out/<name>-compare/].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replace nbq's files (those its .nbq-files lists) in an existing non-empty output folder; others stay.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> Result<()> {
    let t0 = Instant::now();
    let cfg = DesignConfig::load(&a.config)?;
    if a.bits.is_empty() {
        bail!("--bits is empty; give code widths in 1..=8, e.g. --bits 1,2,3,4,5");
    }
    if let Some(&b) = a.bits.iter().find(|&&b| !(1..=8).contains(&b)) {
        bail!("--bits {b} is outside 1..=8 (the shift PE's code widths)");
    }
    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        bail!("--jobs 0: give at least 1");
    }
    let out = a.out.unwrap_or_else(|| PathBuf::from("hdl-out").join(format!("{}-compare", cfg.name)));
    nbq_quant::atomic::check_destination(&out, a.force)?;
    let bar = super::job_bar("jobs");
    let done = |label: &str, total: usize| super::job_done(&bar, label, total);
    let c = compare(&cfg, &a.bits, jobs, &done).context("comparing SVPE and VPE")?;
    bar.finish_and_clear();
    let md = c.markdown();
    let mut json = serde_json::to_vec_pretty(&c)?;
    json.push(b'\n');
    let files = [
        ("compare.md".to_string(), md.clone().into_bytes()),
        ("compare.csv".to_string(), c.csv().into_bytes()),
        ("compare.json".to_string(), json),
        ("compare.svg".to_string(), c.svg().context("drawing the chart")?.into_bytes()),
    ];
    nbq_quant::atomic::write_folder(&out, &files, a.force)?;
    print!("{md}");
    println!("\nwrote {} in {:.1} s ({jobs} parallel jobs)", out.display(), t0.elapsed().as_secs_f64());
    Ok(())
}
