//! `nbq sim`: co-simulate a design's emitted Verilog against the golden model.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use nbq_tb::cosim::{self, EngineSimulator};

use super::generate::load_and_generate;

/// Co-simulate the emitted Verilog of a design against the golden integer model, bit for bit.
///
/// Loads every kernel through the weight chain, streams test images (random, extreme, alternating-sign and
/// all-zero-weight batches in rotation, with random stalls) on every input channel, and compares every output
/// of every channel and valid_out on every cycle. A mismatch names the output channel, pixel, cycle, expected
/// and actual values, and keeps a VCD waveform of the failing run.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TOML design file.
    #[arg(long, short = 'c')]
    pub config: PathBuf,
    /// Simulator that runs the emitted Verilog.
    #[arg(long, value_enum, default_value_t = EngineSimulator::Icarus)]
    pub simulator: EngineSimulator,
    /// Number of test images (each image_width × (k + 2) pixels per input channel).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub vectors: u64,
    /// Seed of the random test data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder for the waveform of a failing run.
    #[arg(long, default_value = "hdl-out/mismatch")]
    pub vcd_dir: PathBuf,
}

pub fn run(a: Args) -> Result<()> {
    let t0 = Instant::now();
    let (cfg, g) = load_and_generate(&a.config)?;
    let bar = ProgressBar::new(a.vectors).with_style(
        ProgressStyle::with_template("{spinner} simulating [{bar:30}] {pos}/{len} images {msg}")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let outcome = cosim::run(&cfg, &g, a.simulator, a.vectors as usize, a.seed, &a.vcd_dir, &mut |done, msg| {
        bar.set_position(done as u64);
        bar.set_message(msg.to_string());
    })
    .with_context(|| format!("co-simulating '{}'", cfg.name))?;
    let passed = match outcome {
        Ok(p) => p,
        Err(failed) => {
            bar.abandon();
            bail!("{failed}");
        }
    };
    bar.finish_and_clear();
    println!(
        "PASS {}: {} images, {} cycles, {} output values bit-exact against the golden model ({cfg}; {}) in {:.1} s",
        cfg.name,
        passed.images,
        passed.cycles,
        passed.compared,
        a.simulator.describe(),
        t0.elapsed().as_secs_f64(),
    );
    Ok(())
}
