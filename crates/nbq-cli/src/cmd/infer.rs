//! `nbq infer`: classify a data set's test images with a quantized checkpoint, every conv layer on the emitted
//! Verilog of a generated SVPE engine (or the golden model alone), and report accuracy and images/s.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use nbq_model::checkpoint;
use nbq_model::data::DataName;
use nbq_tb::network::{NetHardware, Simulator};

use super::train::default_path;

/// Classify test images with a quantized checkpoint through the generated hardware.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A quantized checkpoint (`nbq train` writes `<method>-<n>bit.safetensors`).
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    /// Data set the checkpoint was trained on.
    #[arg(long, value_enum, default_value_t = DataName::Digits)]
    pub data: DataName,
    /// Where the data set is (default: testdata/digits.csv.gz or data/mnist).
    #[arg(long)]
    pub data_path: Option<PathBuf>,
    /// verilator or icarus (the emitted Verilog), or golden (the integer model alone).
    #[arg(long, value_enum, default_value_t = Engine::Verilator)]
    pub simulator: Engine,
    /// Test images (default: all).
    #[arg(long)]
    pub images: Option<usize>,
    /// Engine parallelism per layer (clipped to the layer's channels).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub pn: u64,
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub pm: u64,
    /// Images per simulation run.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    Verilator,
    Icarus,
    Golden,
}

pub fn run(a: Args) -> Result<()> {
    let data = a.data;
    let ck = checkpoint::load(&a.model)?;
    let net = ck.net.with_context(|| {
        format!("'{}' is a float checkpoint; infer needs a quantized one (nbq train writes them)", a.model.display())
    })?;
    let split = data.load(&a.data_path.clone().unwrap_or_else(|| default_path(data)))?;
    ck.arch.check_data(&split.test).with_context(|| format!("checkpoint '{}'", a.model.display()))?;
    let n = a.images.unwrap_or(split.test.len()).clamp(1, split.test.len());
    let test = split.test.take(n);
    let t0 = Instant::now();
    let golden = net.classify(&test.pixels, n)?;
    let golden_s = t0.elapsed().as_secs_f64();
    let golden_acc = test.accuracy(&golden);
    if a.simulator == Engine::Golden {
        println!("golden integer model: {golden_acc:.2} % of {n} images, {:.0} images/s", n as f64 / golden_s);
        return Ok(());
    }
    let sim = if a.simulator == Engine::Verilator { Simulator::Verilator } else { Simulator::Icarus };
    let t0 = Instant::now();
    let mut hw = NetHardware::build(&net, &format!("{}_net", data.name()), a.pn as usize, a.pm as usize, sim, |_| ())?;
    let build_s = t0.elapsed().as_secs_f64();
    let bar = super::images_bar(n, &format!("{sim:?}"));
    let t1 = Instant::now();
    let pred = hw.classify_batched(&net, &test.pixels, n, a.batch as usize, |m| bar.inc(m as u64))?;
    bar.finish_and_clear();
    let secs = t1.elapsed().as_secs_f64();
    // Every convolution sum was checked against the golden model inside NetHardware::conv, so `pred` is the
    // golden model's classification; no second comparison is needed.
    println!(
        "{sim:?}: {n} images, every convolution sum equal to the golden model's; accuracy {:.2} % (golden {golden_acc:.2} %); \
         {} cycles in {secs:.1} s = {:.1} images/s ({:.0} cycles/s); engines generated{} in {build_s:.1} s",
        test.accuracy(&pred),
        hw.cycles,
        n as f64 / secs,
        hw.cycles as f64 / secs,
        if sim == Simulator::Verilator { " and compiled" } else { "" }
    );
    Ok(())
}
