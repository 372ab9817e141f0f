//! `nbq sim`: co-simulate a design's emitted Verilog against the golden model.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use nbq_tb::check::{first_mismatch, icarus_check, Verdict};
use nbq_tb::engine::{harness, vectors, Data, Level, Stream};

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
    #[arg(long, value_enum, default_value_t = Simulator::Icarus)]
    pub simulator: Simulator,
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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Simulator {
    /// Icarus Verilog (iverilog + vvp) on the emitted Verilog; Debian package `iverilog`
    Icarus,
    /// Verilator (compiled C++ model of the emitted Verilog: the fast path for long runs); Debian package `verilator`
    Verilator,
    /// rust-hdl's own simulator on the Rust model (a useful rung, not proof: it does not run the Verilog)
    RustHdl,
}

const BATCH: u64 = 4;

pub fn run(a: Args) -> Result<()> {
    let t0 = Instant::now();
    let (cfg, g) = load_and_generate(&a.config)?;
    let h = harness(&cfg, Level::Engine);
    let batches = a.vectors.div_ceil(BATCH);
    let bar = ProgressBar::new(a.vectors).with_style(
        ProgressStyle::with_template("{spinner} simulating [{bar:30}] {pos}/{len} images {msg}")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (mut compared, mut cycles) = (0usize, 0usize);
    let kinds = [Data::Random, Data::Extreme, Data::Alternating, Data::ZeroCodes];
    let verilated = match a.simulator {
        Simulator::Verilator => {
            bar.set_message("compiling with Verilator");
            Some(nbq_tb::verilator::Model::build(&g.verilog, &h).context("compiling the design with Verilator")?)
        }
        _ => None,
    };
    for b in 0..batches {
        let images = BATCH.min(a.vectors - b * BATCH) as usize;
        let data = if b == 0 { Data::Random } else { kinds[(b as usize) % kinds.len()] };
        let s = Stream { height: cfg.k + 2, images, stall: 0.2, data, seed: a.seed.wrapping_add(b) };
        let (stim, exp) = vectors(&cfg, Level::Engine, &s);
        bar.set_message(format!("{data:?}"));
        let verdict = match a.simulator {
            Simulator::Icarus => {
                icarus_check(&cfg.name, &g.verilog, &h, &stim, &exp, &a.vcd_dir).context("running Icarus Verilog")?
            }
            Simulator::Verilator => {
                let model = verilated.as_ref().context("the Verilator model was not built")?;
                let (got, _) = model.run(&stim).context("running the Verilator model")?;
                match first_mismatch(&cfg.name, &h, &got, &exp) {
                    None => Verdict::Match(exp.len()),
                    Some(m) => Verdict::Mismatch(Box::new(m)),
                }
            }
            Simulator::RustHdl => {
                let got = nbq_rtl::with_engine!(cfg, e => nbq_tb::rusthdl::run(&mut e, &stim))?;
                match first_mismatch(&cfg.name, &h, &got, &exp) {
                    None => Verdict::Match(exp.len()),
                    Some(m) => Verdict::Mismatch(Box::new(m)),
                }
            }
        };
        match verdict {
            Verdict::Match(n) => {
                compared += n;
                cycles += stim.len();
            }
            Verdict::Mismatch(m) => {
                bar.abandon();
                bail!("MISMATCH in batch {b} ({data:?} data, seed {}): {m}", a.seed.wrapping_add(b));
            }
        }
        bar.inc(images as u64);
    }
    bar.finish_and_clear();
    let simulator = match a.simulator {
        Simulator::Icarus => "Icarus Verilog on the emitted Verilog",
        Simulator::Verilator => "Verilator on the emitted Verilog",
        Simulator::RustHdl => "rust-hdl's simulator on the Rust model, not the Verilog",
    };
    println!(
        "PASS {}: {} images, {cycles} cycles, {compared} output values bit-exact against the golden model \
         ({cfg}; {simulator}) in {:.1} s",
        cfg.name,
        a.vectors,
        t0.elapsed().as_secs_f64(),
    );
    Ok(())
}
