//! `nbq demo`: the main job, end to end on bundled data. The UCI digits; the bundled float and 3-bit CNN
//! checkpoints (or `--train` to train both here); the quantizers at 1..=5 bits; the network's conv layers as
//! generated SVPE engines whose emitted Verilog classifies the test split under Verilator (every sum checked
//! against the golden model); the bundled 3×3 SVPE and VPE arrays generated, co-simulated and synthesized for the
//! Alchitry Cu (open flow to a bitstream) and the ZCU102 (Yosys estimate); then the whole 3-bit CNN as one board
//! top (every layer in hardware, a UART host link): its Alchitry Cu bitstream, and the test split classified
//! through the simulated board's UART pins; one summary at the end.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use indicatif::ProgressBar;
use nbq_model::checkpoint;
use nbq_model::data::DataName;
use nbq_quant::{Granularity, Method};
use nbq_tb::cosim::EngineSimulator;
use nbq_tb::network::{NetHardware, Simulator as NetSim};
use nbq_train::experiment;
use nbq_train::train::{QuantMethod, TrainConfig};

use super::quantize::quantize_to;

/// The bundled checkpoints (`nbq train --data digits`: float.safetensors and rg-3bit.safetensors).
const BUNDLED_FLOAT: &[u8] = include_bytes!("../../../../models/digits-lenet-float.safetensors");
const BUNDLED_QUANT: &[u8] = include_bytes!("../../../../models/digits-lenet-rg-3bit.safetensors");
const DIGITS: &[u8] = include_bytes!("../../../../testdata/digits.csv.gz");

/// The bundled designs: the paper's single 3×3 array, shift and multiplier versions.
const BUNDLED_DESIGNS: [(&str, &str); 2] = [
    ("svpe_k3.toml", include_str!("../../../../designs/svpe_k3.toml")),
    ("vpe_k3.toml", include_str!("../../../../designs/vpe_k3.toml")),
];

/// Run nbq end to end on the bundled data and models and print one summary.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for all demo outputs: a new or empty folder, or, with --force, one an earlier demo made.
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
    /// Replace an earlier demo's outputs in --out (a folder holding other files is refused even so).
    #[arg(long)]
    pub force: bool,
    /// Train the float and 3-bit networks here (about a minute) instead of loading the bundled checkpoints.
    #[arg(long)]
    pub train: bool,
    /// Test images to classify through the emitted Verilog (default: the whole test split, 359).
    #[arg(long)]
    pub images: Option<usize>,
    /// Simulator for the network: verilator (fast) or icarus.
    #[arg(long, value_enum, default_value_t = NetSim::Verilator)]
    pub simulator: NetSim,
    /// Skip synthesis (the Alchitry Cu and ZCU102 flows).
    #[arg(long)]
    pub no_synth: bool,
}

const STEPS: usize = 7;

/// The file that marks a folder as one `nbq demo` made (and may therefore replace with --force).
const MARKER: &str = ".nbq-demo";

/// Makes `out` the demo's folder: a missing or empty folder is created and marked; a marked one is taken over
/// only with `force`; a folder with files and no marker is refused, so a user's own files are never overwritten.
fn claim_output(out: &std::path::Path, force: bool) -> Result<()> {
    let entries = match std::fs::read_dir(out) {
        Ok(it) => it.count(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) if out.exists() && !out.is_dir() => bail!("--out '{}' is not a folder ({e})", out.display()),
        Err(e) => return Err(e).with_context(|| format!("cannot read --out '{}'", out.display())),
    };
    if entries > 0 {
        if !out.join(MARKER).is_file() {
            bail!(
                "--out '{}' already holds {entries} entries that nbq demo did not write (it has no {MARKER} \
                 marker); choose a new or empty folder",
                out.display()
            );
        }
        if !force {
            bail!(
                "--out '{}' holds an earlier demo's outputs; pass --force to replace them, or choose another folder",
                out.display()
            );
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create '{}'", out.display()))?;
    nbq_quant::atomic::write_file(
        &out.join(MARKER),
        b"made by nbq demo; `nbq demo --force` may replace this folder\n",
    )?;
    Ok(())
}

fn step(i: usize, what: &str) {
    println!("\n[{i}/{STEPS}] {what}");
}

fn spinner() -> ProgressBar {
    super::train::stage_bar()
}

pub fn run(a: Args) -> Result<()> {
    let t_all = Instant::now();
    let out = &nbq_quant::atomic::output_folder(&a.out)?;
    claim_output(out, a.force)?;

    step(1, "data and networks");
    let data_path = out.join("digits.csv.gz");
    nbq_quant::atomic::write_file(&data_path, DIGITS)?;
    let split = DataName::Digits.load(&data_path)?;
    println!(
        "UCI digits: {} training / {} test images of 8x8 ({})",
        split.train.len(),
        split.test.len(),
        data_path.display()
    );
    let float_path = out.join("float.safetensors");
    let quant_path = out.join("rg-3bit.safetensors");
    if a.train {
        let bar = spinner();
        let mut progress =
            |s: &str, e: usize, n: usize, l: f64| bar.set_message(format!("{s}: epoch {e}/{n}, loss {l:.4}"));
        let cfg = TrainConfig::default();
        let o = experiment::run(&split, None, &[QuantMethod::Rg], &[3], 4, &cfg, &mut progress)?;
        bar.finish_and_clear();
        let arch = &o.float.arch;
        checkpoint::save(&float_path, arch, "digits", &o.float.values()?, None)?;
        let q = &o.quantized[0].net;
        checkpoint::save(&quant_path, arch, "digits", &checkpoint::decoded(q), Some(q))?;
        println!("trained in {:.1} s", t_all.elapsed().as_secs_f64());
    } else {
        nbq_quant::atomic::write_file(&float_path, BUNDLED_FLOAT)?;
        nbq_quant::atomic::write_file(&quant_path, BUNDLED_QUANT)?;
        println!("bundled checkpoints (from `nbq train --data digits`)");
    }
    println!("float: {}\n3-bit: {}", float_path.display(), quant_path.display());
    let float = super::train::float_net(&float_path, &split.train)?;
    let ck = checkpoint::load(&quant_path)?;
    let net = ck.net.context("the 3-bit checkpoint holds no quantized network")?;
    let float_acc = 100.0 * nbq_train::train::accuracy(&float, &float.weights(), &split.test)?;
    let golden = net.classify(&split.test.pixels, split.test.len())?;
    let quant_acc = split.test.accuracy(&golden);

    step(2, "quantize the float network with every method at 1..5 bits (nbq quantize)");
    println!("| method | bits | mean SQNR dB | zero % |\n|---|---:|---:|---:|");
    for method in Method::ALL {
        for bits in 1..=5u32 {
            let dir = out.join("quant").join(format!("{method}-{bits}bit"));
            let reports = quantize_to(&float_path, bits, method, Granularity::Tensor, &dir, true)?;
            let sq: Vec<f64> = reports.iter().filter_map(|r| r.sqnr_db).collect();
            let mean_sqnr = sq.iter().sum::<f64>() / sq.len().max(1) as f64;
            let zero = reports.iter().map(|r| r.zero_fraction * r.weights as f64).sum::<f64>()
                / reports.iter().map(|r| r.weights as f64).sum::<f64>();
            println!("| {method} | {bits} | {mean_sqnr:.2} | {:.1} |", 100.0 * zero);
        }
    }
    println!("codes folders: {}", out.join("quant").display());

    step(3, "generate the network's SVPE engines and classify test images through their emitted Verilog");
    let sim = a.simulator;
    let bar = spinner();
    bar.set_message("generating and compiling one engine per conv layer");
    let t_build = Instant::now();
    let mut hw = NetHardware::build(&net, "digits", 2, 8, sim, |l| bar.set_message(format!("conv layer {l} built")))?;
    let build_s = t_build.elapsed().as_secs_f64();
    bar.finish_and_clear();
    for l in &hw.layers {
        let p = out.join("hdl").join(format!("{}.v", l.design.name));
        nbq_quant::atomic::write_file(&p, l.generated.verilog.as_bytes())?;
        println!(
            "{}: {}x{} kernels, width {}, A = {}, n = {}, (Pn, Pm) = ({}, {}) -> {}",
            l.design.name,
            l.design.k,
            l.design.k,
            l.design.image_width,
            l.design.widths.act,
            l.design.widths.code,
            l.design.pn,
            l.design.pm,
            p.display()
        );
    }
    let n = a.images.unwrap_or(split.test.len()).min(split.test.len()).max(1);
    let test = split.test.take(n);
    let pb = super::images_bar(n, "classifying");
    let t_sim = Instant::now();
    let hw_pred = hw
        .classify_batched(&net, &test.pixels, n, 60, |m| pb.inc(m as u64))
        .context("classifying through the emitted Verilog")?;
    pb.finish_and_clear();
    let sim_s = t_sim.elapsed().as_secs_f64();
    let hw_acc = test.accuracy(&hw_pred);
    let golden_same = test.accuracy(&golden[..n]);
    // No separate check of the classes: NetHardware::conv already refused any convolution sum that differs from
    // the golden model's, and the rest of the network is the golden model's own code.
    println!(
        "{n} images: every convolution sum equal to the golden model's; hardware accuracy {hw_acc:.2} % (golden on the \
         same images {golden_same:.2} %); {} cycles in {sim_s:.1} s ({:.1} images/s; engines built in {build_s:.1} s)",
        hw.cycles,
        n as f64 / sim_s
    );

    step(4, "generate and co-simulate the bundled 3x3 SVPE and VPE arrays (Icarus)");
    let mut designs = Vec::new();
    for (file, text) in BUNDLED_DESIGNS {
        let cfg_path = out.join("designs").join(file);
        nbq_quant::atomic::write_file(&cfg_path, text.as_bytes())?;
        let cfg = nbq_rtl::DesignConfig::load(&cfg_path)?;
        let g = nbq_rtl::generate(&cfg).with_context(|| format!("generating design '{}'", cfg.name))?;
        let dir = out.join("hdl").join(&cfg.name);
        nbq_quant::atomic::write_folder(&dir, &g.files(&cfg.name)?, true)?;
        let images = 4;
        let passed =
            nbq_tb::cosim::run(&cfg, &g, EngineSimulator::Icarus, images, 1, &out.join("mismatch"), &mut |_, _| {})
                .with_context(|| format!("co-simulating '{}'", cfg.name))?
                .map_err(|failed| anyhow::anyhow!("{failed}"))?;
        println!(
            "PASS {}: {images} images, {} cycles, {} output values bit-exact against the golden model ({cfg}; {}) -> {}",
            cfg.name,
            passed.cycles,
            passed.compared,
            EngineSimulator::Icarus.describe(),
            dir.display()
        );
        designs.push(cfg_path);
    }

    let mut synth_rows = Vec::new();
    if a.no_synth {
        step(5, "synthesis skipped (--no-synth)");
    } else {
        step(5, "synthesize: Alchitry Cu (Yosys, nextpnr-ice40, icepack) and ZCU102 (Yosys estimate)");
        for cfg_path in &designs {
            let cfg = nbq_rtl::DesignConfig::load(cfg_path)?;
            for target in [nbq_flow::Target::Zcu102, nbq_flow::Target::AlchitryCu] {
                let bar = spinner();
                let steps = target.steps();
                let r = nbq_flow::synthesize(&cfg, target, &[], &mut |i| {
                    bar.set_message(format!(
                        "{} {}: [{}/{}] {}",
                        cfg.name,
                        target.name(),
                        i + 1,
                        steps.len(),
                        steps[i]
                    ));
                });
                bar.finish_and_clear();
                match r {
                    Ok((report, mut files)) => {
                        let dir = out.join("synth").join(format!("{}-{}", cfg.name, target.name()));
                        files.extend(report.files()?);
                        nbq_quant::atomic::write_folder(&dir, &files, true)?;
                        synth_rows.push(synth_row(&cfg.name, &report));
                    }
                    Err(nbq_flow::FlowError::DoesNotFit { resource, estimated, available, .. }) => synth_rows.push(
                        format!(
                            "| {} | {} | does not fit: about {estimated} {resource} needed, {available} available | | | | |",
                            cfg.name,
                            target.name()
                        ),
                    ),
                    Err(e) => return Err(e).with_context(|| format!("{} flow for {}", target.name(), cfg.name)),
                }
            }
        }
    }

    step(6, "the whole network on the chip: the 3-bit CNN as one board top (nbq build, nbq run --sim)");
    // Pm 1, 2: the board top that fits the HX8K (plan.rs has the schedule).
    let plan = nbq_rtl::network::NetPlan::new(&net, &[1, 2]).context("planning the network top")?;
    let net_dir = out.join("network-alchitry-cu");
    let stem = "digits-lenet-rg-3bit";
    let mut bitstream = None;
    if a.no_synth {
        println!("bitstream skipped (--no-synth)");
    } else {
        let bar = spinner();
        let steps = nbq_flow::ice40::NETWORK_STEPS;
        let b = nbq_flow::ice40::build_network(&plan, stem, 100, &[], &mut |i| {
            bar.set_message(format!("[{}/{}] {stem}: {}", i + 1, steps.len(), steps[i]));
        })
        .context("Alchitry Cu flow of the network")?;
        bar.finish_and_clear();
        let mut files = b.files;
        files.extend(b.report.files()?);
        nbq_quant::atomic::write_folder(&net_dir, &files, true)?;
        let u = b.report.used;
        let fmax = b.report.fmax_mhz.unwrap_or(0.0);
        println!(
            "bitstream {}: {} of {} logic cells, {} of {} RAM4K, Fmax {fmax:.1} MHz (target {} MHz)",
            net_dir.join(format!("{stem}.bin")).display(),
            u.lut,
            b.report.available.lut,
            u.bram,
            b.report.available.bram,
            b.report.target_mhz
        );
        bitstream = Some((net_dir.join(format!("{stem}.bin")), u.lut, fmax));
    }
    let divisor = 8;
    let frames = super::run::frames_of(&net, &test)?;
    let t_board = Instant::now();
    let (replies, rate) = super::run::sim_exchange(&plan, divisor, &frames)?;
    let board_s = t_board.elapsed().as_secs_f64();
    let c = super::run::check(&net, &test, plan.fc.classes, &replies)?;
    if c.same_scores != n {
        anyhow::bail!(
            "the simulated board differs from the golden integer network on {} of {n} images",
            n - c.same_scores
        );
    }
    println!(
        "{n} images through the board top's UART pins (simulated, divisor {divisor}): every class and score equal to the \
         golden network's; accuracy {:.2} % in {board_s:.1} s\n{rate}",
        c.accuracy
    );

    step(7, "summary");
    println!("\n| accuracy on the digits test split | % |\n|---|---:|");
    println!("| float CNN ({} test images) | {float_acc:.2} |", split.test.len());
    println!("| 3-bit weights, 4-bit thresholded activations, golden integer model | {quant_acc:.2} |");
    println!("| the same on the emitted Verilog (SVPE engines under {sim:?}, {n} images) | {hw_acc:.2} |");
    println!(
        "| the whole network on the chip (one board top, UART; simulated board, {n} images) | {:.2} |",
        c.accuracy
    );
    if !synth_rows.is_empty() {
        println!(
            "\n| array | target | LUT | FF | DSP | RAM | Fmax MHz |\n|---|---|---:|---:|---:|---:|---:|\n{}",
            synth_rows.join("\n")
        );
    }
    println!("\nhardware simulation: {:.1} images/s through both conv layers ({:?})", n as f64 / sim_s, sim);
    match &bitstream {
        Some((bin, lcs, fmax)) => println!(
            "\nthe whole network on the Alchitry Cu: {} ({lcs} logic cells, {fmax:.1} MHz)\n  program: iceprog {}\n  \
             classify: nbq run -m {} --port /dev/ttyUSB1 --baud 1000000",
            bin.display(),
            bin.display(),
            quant_path.display()
        ),
        None => println!(
            "\nthe whole network's bitstream: skipped (--no-synth); nbq build -m {} -t alchitry-cu --pm 1,2",
            quant_path.display()
        ),
    }
    println!("files: {} (checkpoints, codes, hdl/, synth/, network-alchitry-cu/)", out.display());
    println!("demo finished in {:.1} s", t_all.elapsed().as_secs_f64());
    Ok(())
}

fn synth_row(name: &str, r: &nbq_flow::Report) -> String {
    let u = r.used;
    let fmax = r.fmax_mhz.map_or("-".to_string(), |f| format!("{f:.1}"));
    format!("| {name} | {} | {} | {} | {} | {} | {fmax} |", r.target.name(), u.lut, u.ff, u.dsp, u.bram)
}
