//! `nbq build`: a quantized checkpoint in, the Verilog of the whole network on the chip out.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use nbq_model::checkpoint;
use nbq_rtl::network::{generate_top, NetPlan};

/// Build the whole network as one accelerator: every conv layer on its SVPE engine, the comparator banks, the
/// 2×2 max-pools, the fully connected head (shift-adds on its codes, integer bias) and the argmax, behind an
/// AXI4-Stream input (pixels) and output (class and scores). Writes `network.v` (top module `top`) and
/// `plan.json` (schedule, memories, cycles per image, the stream protocol).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A quantized checkpoint (`nbq train` writes `<method>-<n>bit.safetensors`).
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    /// sim: the streaming top for simulation (AXI4-Stream ports). The board tops (alchitry-cu with its UART,
    /// zcu102) are not built yet.
    #[arg(long, short = 't', value_enum, default_value_t = BuildTarget::Sim)]
    pub target: BuildTarget,
    /// Output channels per engine, one value for every layer or one per layer (comma-separated, 1..=8).
    #[arg(long, value_delimiter = ',', default_values_t = vec![4u64], value_parser = clap::value_parser!(u64).range(1..=8))]
    pub pm: Vec<u64>,
    /// Output folder [default: hdl-out/<model name>-net/].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replace nbq's files in an existing non-empty output folder.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BuildTarget {
    /// The streaming top (AXI4-Stream), for simulation
    Sim,
    /// The Alchitry Cu (iCE40-HX8K) with a UART host link (not built yet)
    AlchitryCu,
    /// The ZCU102 behind AXI4-Stream (not built yet)
    Zcu102,
}

pub fn run(a: Args) -> Result<()> {
    if a.target != BuildTarget::Sim {
        bail!(
            "--target {}: the board tops are not built yet; only --target sim (the streaming top) is available",
            if a.target == BuildTarget::AlchitryCu { "alchitry-cu" } else { "zcu102" }
        );
    }
    let t0 = Instant::now();
    let ck = checkpoint::load(&a.model)?;
    let net = ck.net.with_context(|| {
        format!("'{}' is a float checkpoint; build needs a quantized one (nbq train writes them)", a.model.display())
    })?;
    let pm: Vec<usize> = a.pm.iter().map(|&p| p as usize).collect();
    if pm.len() > 1 && pm.len() != net.convs.len() {
        bail!(
            "--pm lists {} values; the network has {} conv layers (give one value or one per layer)",
            pm.len(),
            net.convs.len()
        );
    }
    let plan = NetPlan::new(&net, &pm).with_context(|| format!("planning the network of '{}'", a.model.display()))?;
    let verilog = generate_top(&plan).context("emitting the network top")?;
    let report = plan.report();
    let stem = a.model.file_stem().and_then(|s| s.to_str()).unwrap_or("model").to_string();
    let out = a.out.unwrap_or_else(|| PathBuf::from("hdl-out").join(format!("{stem}-net")));
    let files = vec![
        ("network.v".to_string(), verilog.clone().into_bytes()),
        ("plan.json".to_string(), serde_json::to_vec_pretty(&report)?),
    ];
    nbq_quant::atomic::write_folder(&out, &files, a.force)?;
    let layers: Vec<String> = report
        .layers
        .iter()
        .map(|l| {
            format!("{}x{} conv {}->{} (Pm {}, {} passes)", l.k, l.k, l.in_channels, l.out_channels, l.pm, l.passes)
        })
        .collect();
    println!(
        "built the {}x{} network ({}; head {} features -> {} classes) in {:.1} s: {} bytes of Verilog -> {}",
        net.input.height,
        net.input.width,
        layers.join(", "),
        report.head_features,
        report.classes,
        t0.elapsed().as_secs_f64(),
        verilog.len(),
        out.display()
    );
    println!(
        "about {} cycles per image without stalls ({:.0} images/s at 100 MHz); {} memories",
        report.cycles_per_image,
        report.images_per_second_at_100mhz,
        report.memories.len()
    );
    Ok(())
}
