//! `nbq thresholds`: calibrate the thresholded activation quantizer.

use std::path::PathBuf;

use anyhow::{Context, Result};
use nbq_quant::activation::ThresholdQuantizer;
use nbq_quant::atomic;

/// Calibrate the non-uniform activation quantizer: integer comparator thresholds from calibration data.
///
/// The calibration file holds a layer's pre-activation outputs (any shape, float32/float64 .npy). The thresholds
/// split the normal fit of that data, after the ReLU, into equiprobable bins; they are integers in accumulator
/// units of --lsb, ready for a comparator bank.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// NumPy .npy file of calibration values.
    #[arg(long)]
    pub calib: PathBuf,
    /// Activation code bits, 1..=8 (2^bits - 1 thresholds).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub bits: u32,
    /// Real value of one accumulator unit (weight scale × input activation scale); a positive number.
    #[arg(long, allow_negative_numbers = true)]
    pub lsb: f64,
    /// Write the result as JSON to this file (atomically) instead of only printing it.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<()> {
    let tensors = nbq_quant::input::npy::read_npy(&a.calib)?;
    let data = tensors.first().map(|t| t.data()).context("calibration file holds no values")?;
    let q = ThresholdQuantizer::calibrate(data, a.bits, a.lsb)?;
    let json = serde_json::to_string_pretty(&q)? + "\n";
    if let Some(out) = &a.out {
        atomic::write_file(out, json.as_bytes())?;
    }
    print!("{json}");
    Ok(())
}
