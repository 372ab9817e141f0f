//! The per-layer quantization report: levels used and their histogram, zero fraction, MSE and SQNR.

use serde::Serialize;

use crate::error::{QuantError, Result};
use crate::method::Granularity;
use crate::quantized::QuantizedTensor;
use crate::tensor::FloatTensor;

/// How often one code occurs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelCount {
    pub code: u8,
    /// `0`, or `±2^e` (tensor scale) / `±2^(s+k)` (per-channel scale `s`).
    pub level: String,
    pub count: usize,
}

/// Quantization quality of one tensor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerReport {
    pub name: String,
    pub shape: Vec<usize>,
    pub bits: u8,
    pub method: String,
    pub granularity: String,
    pub weights: usize,
    /// Codes that occur, ordered by value (per-channel: by sign and shift).
    pub levels: Vec<LevelCount>,
    pub zero_fraction: f64,
    /// Mean of (w - q)^2.
    pub mse: f64,
    /// 10 log10(sum w^2 / sum (w - q)^2); None when the error is exactly zero or every weight is zero.
    pub sqnr_db: Option<f64>,
}

impl LayerReport {
    /// Compares `q` with the float tensor it came from.
    pub fn new(float: &FloatTensor, q: &QuantizedTensor) -> Result<Self> {
        if float.len() != q.len() {
            return Err(QuantError::ShapeMismatch {
                name: q.name().to_string(),
                shape: q.shape().to_vec(),
                expected: q.len(),
                given: float.len(),
            });
        }
        let values = q.values();
        let (mut sig, mut err) = (0f64, 0f64);
        for (&w, &v) in float.data().iter().zip(&values) {
            let w = f64::from(w);
            sig += w * w;
            err += (w - v) * (w - v);
        }
        let mut hist = [0usize; 256];
        for &c in q.codes() {
            hist[c as usize] += 1;
        }
        let fmt = q.format();
        let mut levels: Vec<(i64, LevelCount)> = Vec::new();
        for (code, &count) in hist.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let code = code as u8;
            let (key, level) = match fmt.split(code)? {
                None => (0, "0".to_string()),
                Some((neg, idx)) => {
                    let sign = if neg { '-' } else { '+' };
                    let key = (i64::from(idx) + 1) * if neg { -1 } else { 1 };
                    let label = match q.granularity() {
                        Granularity::Tensor => {
                            let g = q.groups()[0];
                            let off = if neg { g.offset_neg } else { g.offset_pos };
                            format!("{sign}2^{}", g.scale_exp + i32::from(idx) + i32::from(off))
                        }
                        Granularity::Channel => format!("{sign}2^(s+{idx}+off)"),
                    };
                    (key, label)
                }
            };
            levels.push((key, LevelCount { code, level, count }));
        }
        levels.sort_by_key(|(k, _)| *k);
        let n = q.len() as f64;
        Ok(LayerReport {
            name: q.name().to_string(),
            shape: q.shape().to_vec(),
            bits: fmt.bits(),
            method: q.method().to_string(),
            granularity: q.granularity().to_string(),
            weights: q.len(),
            levels: levels.into_iter().map(|(_, l)| l).collect(),
            zero_fraction: if fmt.has_zero() { hist[0] as f64 / n } else { 0.0 },
            mse: err / n,
            sqnr_db: if err > 0.0 && sig > 0.0 { Some(10.0 * (sig / err).log10()) } else { None },
        })
    }
}

/// Renders reports as a Markdown table (one row per layer, then each layer's histogram).
pub fn markdown(reports: &[LayerReport]) -> String {
    let mut s = String::from(
        "| layer | shape | bits | method | scale | zero % | MSE | SQNR dB |\n|---|---|---|---|---|---:|---:|---:|\n",
    );
    for r in reports {
        let sqnr = r.sqnr_db.map_or("exact".to_string(), |v| format!("{v:.2}"));
        s += &format!(
            "| {} | {:?} | {} | {} | {} | {:.2} | {:.3e} | {} |\n",
            r.name,
            r.shape,
            r.bits,
            r.method,
            r.granularity,
            100.0 * r.zero_fraction,
            r.mse,
            sqnr
        );
    }
    s += "\nLevels used (level: count):\n";
    for r in reports {
        let h: Vec<String> = r.levels.iter().map(|l| format!("{}: {}", l.level, l.count)).collect();
        s += &format!("- {}: {}\n", r.name, h.join(", "));
    }
    s
}
