//! `nbq sweep`: a design-space sweep of synthesis jobs.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use nbq_flow::sweep::{expand, markdown, run as run_jobs, Spec};
use nbq_rtl::PeKind;

/// Sweep PE kind × code bits × k × Pn × Pm × target: synthesize every combination on a bounded pool of threads.
///
/// Writes jobs.jsonl (one job per line: id, target, the design's TOML, and the `nbq synth` command that runs it,
/// so a batch system can spread the jobs across machines), <id>.toml for every design, and, unless --jobs-only,
/// results.jsonl (each job's report or error) and summary.md. The Alchitry Cu flow places one convolver, so its
/// jobs ignore Pn and Pm. A job that fails (a design that does not fit) is recorded and the others go on; the exit
/// status is non-zero when every job failed.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// PE kinds.
    #[arg(long, value_delimiter = ',', default_value = "shift,mul")]
    pub pe: Vec<PeKind>,
    /// Code bits of the shift designs.
    #[arg(long, value_delimiter = ',', default_value = "2,3,4")]
    pub bits: Vec<usize>,
    /// Kernel sizes.
    #[arg(long, value_delimiter = ',', default_value = "3")]
    pub k: Vec<usize>,
    /// Input channels per cluster (Pn).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub pn: Vec<usize>,
    /// Clusters (Pm).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub pm: Vec<usize>,
    /// Targets.
    #[arg(long, short = 't', value_delimiter = ',', default_value = "zcu102")]
    pub target: Vec<nbq_flow::Target>,
    /// Image width of every design.
    #[arg(long, default_value_t = 32)]
    pub image_width: usize,
    /// Activation bits of every design.
    #[arg(long, default_value_t = 16)]
    pub act_bits: usize,
    /// Parallel jobs [default: the number of CPUs].
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Only write the job list and design files; run nothing.
    #[arg(long)]
    pub jobs_only: bool,
    /// Output folder [default: hdl-out/sweep/].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replace nbq's files (those its .nbq-files lists) in an existing non-empty output folder; others stay.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> Result<()> {
    let t0 = Instant::now();
    let workers = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if workers == 0 {
        bail!("--jobs 0: give at least 1");
    }
    let spec = Spec {
        pes: a.pe.clone(),
        bits: a.bits,
        ks: a.k,
        pns: a.pn,
        pms: a.pm,
        targets: a.target.clone(),
        image_width: a.image_width,
        act_bits: a.act_bits,
    };
    let jobs = expand(&spec).context("building the sweep")?;
    if jobs.is_empty() {
        bail!("the sweep is empty: every axis needs at least one value");
    }
    let out = a.out.unwrap_or_else(|| PathBuf::from("hdl-out").join("sweep"));
    nbq_quant::atomic::check_destination(&out, a.force)?;
    let mut files: Vec<(String, Vec<u8>)> =
        jobs.iter().map(|j| (format!("{}.toml", j.id), j.design.clone().into_bytes())).collect();
    let list: String = jobs.iter().map(|j| Ok(j.json_line()? + "\n")).collect::<Result<_>>()?;
    files.push(("jobs.jsonl".into(), list.into_bytes()));
    if a.jobs_only {
        nbq_quant::atomic::write_folder(&out, &files, a.force)?;
        println!("wrote {} jobs to {}/jobs.jsonl", jobs.len(), out.display());
        return Ok(());
    }
    let bar = super::job_bar("synth jobs");
    let done = |label: &str, total: usize| super::job_done(&bar, label, total);
    let outcomes = run_jobs(&jobs, workers, &done).context("running the sweep")?;
    bar.finish_and_clear();
    let results: String = outcomes
        .iter()
        .map(|o| {
            let line = serde_json::to_string(o)
                .with_context(|| format!("writing the result of {} on {} as JSON", o.id, o.target.name()))?;
            Ok(line + "\n")
        })
        .collect::<Result<_>>()?;
    let md = markdown(&outcomes);
    files.push(("results.jsonl".into(), results.into_bytes()));
    files.push(("summary.md".into(), md.clone().into_bytes()));
    nbq_quant::atomic::write_folder(&out, &files, a.force)?;
    print!("{md}");
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    println!(
        "\n{} jobs ({failed} failed) on {workers} threads in {:.1} s -> {}",
        outcomes.len(),
        t0.elapsed().as_secs_f64(),
        out.display()
    );
    if failed == outcomes.len() {
        let why = outcomes.iter().find_map(|o| o.error.as_deref()).unwrap_or("unknown");
        bail!("every one of the {failed} jobs failed (results.jsonl has each error); the first: {why}");
    }
    Ok(())
}
