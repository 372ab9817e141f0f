//! `nbq quantize`: model file in, codes + manifest + hex + report out.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use nbq_quant::report::{markdown, LayerReport};
use nbq_quant::{input, quantize, store, CodeFormat, Granularity, Method};

/// Quantize a model's Conv/Gemm/MatMul weights to n-bit power-of-two exponent codes.
///
/// Writes into --out: manifest.json (shapes, bits, method, scales, GSNQ offsets), one packed .codes file and one
/// $readmemh .hex file per tensor, report.json and report.md. The folder appears complete or not at all.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file: ONNX (.onnx), NumPy array (.npy) or archive of arrays (.npz).
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
    /// Replace nbq's files in an existing non-empty --out folder (other files are left alone).
    #[arg(long)]
    pub force: bool,
    /// Print the report as JSON instead of a Markdown table.
    #[arg(long)]
    pub json: bool,
}

/// Quantizes `model` and writes the bundle; returns the reports.
pub fn quantize_to(
    model: &Path,
    bits: u32,
    method: Method,
    granularity: Granularity,
    out: &Path,
    force: bool,
) -> Result<Vec<LayerReport>> {
    let format = CodeFormat::new(bits)?;
    let tensors = input::read_weights(model)?;
    let bar = ProgressBar::new(tensors.len() as u64).with_style(
        ProgressStyle::with_template("{spinner} quantizing [{bar:30}] {pos}/{len} {msg}")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut quantized = Vec::with_capacity(tensors.len());
    let mut reports = Vec::with_capacity(tensors.len());
    for t in &tensors {
        bar.set_message(t.name().to_string());
        let q = quantize(t, method, format, granularity).with_context(|| format!("quantizing '{}'", t.name()))?;
        reports.push(LayerReport::new(t, &q)?);
        quantized.push(q);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut json = serde_json::to_vec_pretty(&reports)?;
    json.push(b'\n');
    let md = markdown(&reports).into_bytes();
    store::write_bundle(out, &quantized, &[("report.json", json), ("report.md", md)], force)?;
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
