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
    /// sim: the streaming top (AXI4-Stream ports) for simulation; alchitry-cu: the board top with its UART,
    /// synthesized, placed, routed and packed into a bitstream (<name>.bin) with report.json / report.md;
    /// zcu102: the same streaming top as sim, with an out-of-context XDC (200 MHz), a Vivado batch script
    /// (vivado.tcl) and Yosys's synth_xilinx estimate (report.json / report.md).
    #[arg(long, short = 't', value_enum, default_value_t = BuildTarget::Sim)]
    pub target: BuildTarget,
    /// Baud rate of the board's UART (alchitry-cu): the divisor is the board's 100 MHz clock over it.
    #[arg(long, default_value_t = 1_000_000)]
    pub baud: u32,
    /// Output channels per engine, one value for every layer or one per layer (comma-separated, 1..=8).
    #[arg(long, value_delimiter = ',', default_values_t = vec![4u64], value_parser = clap::value_parser!(u64).range(1..=8))]
    pub pm: Vec<u64>,
    /// Output folder [default: hdl-out/<model name>-net/].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replace nbq's files (those its .nbq-files lists) in an existing non-empty output folder; others stay.
    #[arg(long)]
    pub force: bool,
    /// nextpnr seeds to place and route (alchitry-cu), comma-separated: the report gives each seed's Fmax and
    /// min / median / max, and the bitstream is the best seed's [default: 1].
    #[arg(long, value_delimiter = ',')]
    pub seeds: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BuildTarget {
    /// The streaming top (AXI4-Stream), for simulation
    Sim,
    /// The Alchitry Cu (iCE40-HX8K) with a UART host link: a bitstream
    AlchitryCu,
    /// The ZCU102: the AXI4-Stream top, out of context (XDC, Vivado script, Yosys estimate)
    Zcu102,
}

pub fn run(a: Args) -> Result<()> {
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
    let suffix = match a.target {
        BuildTarget::AlchitryCu => "alchitry-cu",
        BuildTarget::Zcu102 => "zcu102",
        BuildTarget::Sim => "net",
    };
    if a.target != BuildTarget::AlchitryCu && !a.seeds.is_empty() {
        bail!("--seeds: only the alchitry-cu target places and routes; leave it out for --target {suffix}");
    }
    let out = a.out.unwrap_or_else(|| PathBuf::from("hdl-out").join(format!("{stem}-{suffix}")));
    nbq_quant::atomic::check_destination(&out, a.force)?;
    let mut files = vec![
        ("network.v".to_string(), verilog.clone().into_bytes()),
        ("plan.json".to_string(), serde_json::to_vec_pretty(&report)?),
    ];
    let mut summary = String::new();
    if a.target == BuildTarget::AlchitryCu {
        let clock = 100_000_000u64;
        let divisor = (clock as f64 / f64::from(a.baud.max(1))).round() as usize;
        let actual = clock as f64 / divisor.max(1) as f64;
        if !(nbq_rtl::network::uart::MIN_DIVISOR..1 << 16).contains(&divisor)
            || (actual / f64::from(a.baud) - 1.0).abs() > 0.02
        {
            bail!(
                "--baud {}: the 100 MHz clock divides it to {divisor} clocks per bit ({actual:.0} baud); allowed are rates \
                 within 2 % of 100 MHz / d for d in {}..=65535, e.g. 1000000 or 3125000",
                a.baud,
                nbq_rtl::network::uart::MIN_DIVISOR
            );
        }
        let spinner = indicatif::ProgressBar::new_spinner();
        spinner.enable_steady_tick(std::time::Duration::from_millis(200));
        let steps = nbq_flow::ice40::NETWORK_STEPS;
        let b = nbq_flow::ice40::build_network(&plan, &stem, divisor, &a.seeds, &mut |i| {
            spinner.set_message(format!("[{}/{}] {stem}: {}", i + 1, steps.len(), steps[i]));
        })
        .context("Alchitry Cu flow")?;
        spinner.finish_and_clear();
        summary = b.report.markdown();
        files.extend(b.files);
        files.extend(b.report.files()?);
        summary += &format!(
            "\nprogram the board: iceprog {}\nthen classify: nbq run -m {} --port /dev/ttyUSB1 --baud {}\n",
            out.join(format!("{stem}.bin")).display(),
            a.model.display(),
            a.baud
        );
    }
    if a.target == BuildTarget::Zcu102 {
        let spinner = indicatif::ProgressBar::new_spinner();
        spinner.enable_steady_tick(std::time::Duration::from_millis(200));
        spinner.set_message(format!("{stem}: Yosys synth_xilinx -family xcup (an estimate of the network top)"));
        let r = nbq_flow::zcu102::estimate_of(&stem, &verilog).context("ZCU102 estimate")?;
        spinner.finish_and_clear();
        summary = r.markdown();
        files.push((format!("{stem}.xdc"), nbq_flow::zcu102::xdc_of(&stem).into_bytes()));
        files.push(("vivado.tcl".to_string(), nbq_flow::zcu102::vivado_tcl_of(&stem, "network.v").into_bytes()));
        files.extend(r.files()?);
        summary += &format!(
            "\nVivado (out of context, the AXI4-Stream ports internal to your design): cd {} && vivado -mode batch -source \
             vivado.tcl\n",
            out.display()
        );
    }
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
        "layer pipeline: an image every {} cycles on a full stream ({:.0} images/s at 100 MHz), {} cycles from its \
         first pixel to its reply; {} memories",
        report.interval_cycles,
        report.images_per_second_at_100mhz,
        report.latency_cycles,
        report.memories.len()
    );
    print!("{summary}");
    Ok(())
}
