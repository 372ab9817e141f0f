//! `nbq quantize`: model file in, codes + manifest + hex + report out.

use std::path::{Path, PathBuf};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use nbq_quant::report::{markdown, LayerReport};
use nbq_quant::{store, Granularity, Method};

/// Quantize a model's Conv/Gemm/MatMul weights to n-bit power-of-two exponent codes.
///
/// Writes into --out: manifest.json (shapes, bits, method, scales, GSNQ offsets), one packed .codes file and one
/// $readmemh .hex file per tensor, report.json and report.md. The folder appears complete or not at all.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file: ONNX (.onnx), NumPy array (.npy), archive of arrays (.npz) or safetensors (.safetensors).
    pub model: PathBuf,
    /// Bits per weight code, 1..=8 (sign bit + magnitude field; n = 1 is the sign function).
    #[arg(long, short = 'b', value_parser = clap::value_parser!(u32).range(1..=8))]
    pub bits: u32,
    /// Quantization method.
    #[arg(long, short = 'm', value_enum, default_value_t = Method::Nbq)]
    pub method: Method,
    /// One power-of-two scale per tensor, or one per output channel.
    #[arg(long, value_enum, default_value_t = Granularity::Tensor)]
    pub granularity: Granularity,
    /// Output folder; must not exist or be empty unless --force.
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Replace nbq's files (those its .nbq-files lists) in an existing non-empty --out folder; others stay.
    #[arg(long)]
    pub force: bool,
    /// Print the report as JSON instead of a Markdown table.
    #[arg(long)]
    pub json: bool,
}

/// Quantizes `model` and writes the bundle, with a progress bar; returns the reports.
pub fn quantize_to(
    model: &Path,
    bits: u32,
    method: Method,
    granularity: Granularity,
    out: &Path,
    force: bool,
) -> Result<Vec<LayerReport>> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} quantizing [{bar:30}] {pos}/{len} {msg}")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let reports = store::quantize_model(model, bits, method, granularity, out, force, &mut |i, n, name| {
        bar.set_length(n as u64);
        bar.set_position(i as u64);
        bar.set_message(name.to_string());
    })?;
    bar.finish_and_clear();
    Ok(reports)
}

pub fn run(a: Args) -> Result<()> {
    let reports = quantize_to(&a.model, a.bits, a.method, a.granularity, &a.out, a.force)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        print!("{}", markdown(&reports));
        println!("\nwrote {} tensors to {}", reports.len(), a.out.display());
    }
    Ok(())
}
