//! The thresholded non-uniform activation quantizer (Liss, Baskin et al., arXiv 1811.10869).
//!
//! A value's b-bit code is the number of thresholds it reaches: `code(acc) = #{ i : acc >= T_i }`, a comparator
//! bank in hardware. Codes are uniform integers with one scale (`value ≈ code * out_scale`), so the next layer
//! sees plain integers; the non-uniformity lives in the thresholds.
//!
//! Calibration, exactly:
//! 1. fit a normal `N(mu, sigma)` to the calibration values (the pre-activation outputs of the layer: sample mean
//!    and standard deviation);
//! 2. the ReLU sends the mass below 0 to code 0, `p0 = Phi(-mu / sigma)`; the mass above 0 is split into `2^b`
//!    parts of equal probability: `t_i = mu + sigma * Phi^-1(p0 + i * (1 - p0) / 2^b)` for `i = 1 .. 2^b - 1`
//!    (the hybrid of the normal CDF and the ReLU); code 0 holds the negative mass and the first part;
//! 3. integer thresholds at the accumulator's scale `lsb` (the real value of one accumulator unit):
//!    `T_i = ceil(t_i / lsb)`, so that `acc >= T_i` exactly when `acc * lsb >= t_i`; where rounding makes two
//!    equal, the later one is raised by one so the bank stays strictly increasing;
//! 4. the output scale is the least-squares fit of `relu(x) ≈ code(x) * out_scale` over the calibration values.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{QuantError, Result};

/// A calibrated comparator bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdQuantizer {
    pub bits: u8,
    /// Strictly increasing integer thresholds in accumulator units (`2^bits - 1` of them).
    pub thresholds: Vec<i64>,
    /// Real value of one accumulator unit.
    pub lsb: f64,
    /// Real value of one output code step.
    pub out_scale: f64,
    /// The fitted normal.
    pub mu: f64,
    pub sigma: f64,
}

impl ThresholdQuantizer {
    /// Calibrates a `bits`-bit (1..=8) quantizer on `samples` for an accumulator whose unit is worth `lsb`.
    pub fn calibrate(samples: &[f32], bits: u32, lsb: f64) -> Result<Self> {
        // Integers above 2^53 are no longer exact in f64, the type the thresholds are computed in.
        const MAX_THRESHOLD_UNITS: f64 = 9_007_199_254_740_992.0;
        if !(1..=8).contains(&bits) {
            return Err(QuantError::ActBits { given: bits, min: 1, max: 8 });
        }
        if !(lsb.is_finite() && lsb > 0.0) {
            return Err(QuantError::Invalid(format!("accumulator LSB must be a positive finite number, got {lsb}")));
        }
        if samples.len() < 2 {
            return Err(QuantError::Invalid(format!("calibration needs at least 2 values, got {}", samples.len())));
        }
        if let Some((i, v)) = samples.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(QuantError::Invalid(format!("calibration value {v} at index {i} is not finite")));
        }
        let n = samples.len() as f64;
        let mu = samples.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = samples.iter().map(|&v| (f64::from(v) - mu).powi(2)).sum::<f64>() / (n - 1.0);
        let sigma = var.sqrt();
        let normal = Normal::new(mu, sigma).map_err(|_| {
            QuantError::Invalid(format!("calibration values have standard deviation {sigma}; they must vary"))
        })?;
        let p0 = normal.cdf(0.0);
        let levels = 1u32 << bits;
        let mut thresholds: Vec<i64> = Vec::with_capacity(levels as usize - 1);
        for i in 1..levels {
            let p = p0 + f64::from(i) * (1.0 - p0) / f64::from(levels);
            let t = normal.inverse_cdf(p.min(1.0 - 1e-12)).max(0.0);
            let units = (t / lsb).ceil();
            if units > MAX_THRESHOLD_UNITS {
                return Err(QuantError::Invalid(format!(
                    "with the accumulator LSB {lsb:e}, threshold {i} is {t:.4} / {lsb:e} = {units:e} accumulator units; \
                     thresholds must stay at most 2^53 units, so the LSB must be at least {:e}",
                    t / MAX_THRESHOLD_UNITS
                )));
            }
            let mut ti = units as i64;
            if let Some(&prev) = thresholds.last() {
                ti = ti.max(prev + 1);
            }
            thresholds.push(ti);
        }
        let mut q = ThresholdQuantizer { bits: bits as u8, thresholds, lsb, out_scale: 0.0, mu, sigma };
        let (mut xy, mut yy) = (0f64, 0f64);
        for &v in samples {
            // The accumulator value nearest below v (what the hardware would see).
            let acc = (f64::from(v) / lsb).floor() as i64;
            let code = f64::from(q.code(acc));
            xy += f64::from(v).max(0.0) * code;
            yy += code * code;
        }
        if yy == 0.0 {
            let largest = samples.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            if largest > 0.0 {
                return Err(QuantError::Invalid(format!(
                    "with the accumulator LSB {lsb} every calibration value (the largest is {largest}) falls below the \
                     first threshold ({} units = {}); the LSB is too coarse for this data: it must be below {:e} \
                     (the largest value / 2^bits)",
                    q.thresholds[0],
                    q.thresholds[0] as f64 * lsb,
                    f64::from(largest) / f64::from(levels)
                )));
            }
            return Err(QuantError::Invalid(format!(
                "every calibration value is at most 0 (the largest is {largest}); after the ReLU the data has no \
                 positive activations to calibrate on"
            )));
        }
        q.out_scale = xy / yy;
        Ok(q)
    }

    /// Checks a bank read from a file: `bits` in 1..=8, exactly `2^bits - 1` strictly increasing thresholds (as
    /// [`Self::calibrate`] makes them), a positive finite `lsb` and a finite non-negative output scale. The
    /// message names the field, the value and what is allowed.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if !(1..=8).contains(&self.bits) {
            return Err(format!("bits = {}; allowed 1..=8", self.bits));
        }
        let want = (1usize << self.bits) - 1;
        if self.thresholds.len() != want {
            return Err(format!(
                "{} thresholds for {} bits; a {}-bit bank has 2^{} - 1 = {want}",
                self.thresholds.len(),
                self.bits,
                self.bits,
                self.bits
            ));
        }
        if let Some(i) = (1..want).find(|&i| self.thresholds[i] <= self.thresholds[i - 1]) {
            return Err(format!(
                "thresholds[{i}] = {} does not exceed thresholds[{}] = {}; thresholds must increase strictly",
                self.thresholds[i],
                i - 1,
                self.thresholds[i - 1]
            ));
        }
        if !(self.lsb.is_finite() && self.lsb > 0.0) {
            return Err(format!("lsb = {}; allowed a positive finite number", self.lsb));
        }
        if !(self.out_scale.is_finite() && self.out_scale >= 0.0) {
            return Err(format!("out_scale = {}; allowed a finite number >= 0", self.out_scale));
        }
        Ok(())
    }

    /// The code of accumulator value `acc`: how many thresholds it reaches.
    pub fn code(&self, acc: i64) -> u32 {
        self.thresholds.partition_point(|&t| t <= acc) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal_samples(n: usize, mu: f64, sigma: f64) -> Vec<f32> {
        let d = Normal::new(mu, sigma).unwrap();
        (0..n).map(|i| d.inverse_cdf((i as f64 + 0.5) / n as f64) as f32).collect()
    }

    #[test]
    fn bins_above_zero_are_equiprobable() {
        let s = normal_samples(20_000, 0.3, 1.0);
        let q = ThresholdQuantizer::calibrate(&s, 2, 1e-3).unwrap();
        assert_eq!(q.thresholds.len(), 3);
        let mut counts = [0usize; 4];
        for &v in &s {
            counts[q.code((f64::from(v) / 1e-3).floor() as i64) as usize] += 1;
        }
        let positive = s.iter().filter(|&&v| v > 0.0).count();
        // Mass below 0 plus the first quarter of the positive mass lands in code 0; each other code gets a quarter.
        for &c in &counts[1..] {
            let share = c as f64 / positive as f64;
            assert!((share - 0.25).abs() < 0.01, "{counts:?}");
        }
        assert!(q.thresholds.windows(2).all(|w| w[0] < w[1]));
        assert!(q.out_scale > 0.0);
    }

    #[test]
    fn code_counts_thresholds_reached() {
        let q =
            ThresholdQuantizer { bits: 2, thresholds: vec![3, 7, 20], lsb: 1.0, out_scale: 1.0, mu: 0.0, sigma: 1.0 };
        let codes: Vec<u32> = [-5, 2, 3, 6, 7, 19, 20, 1000].iter().map(|&a| q.code(a)).collect();
        assert_eq!(codes, vec![0, 0, 1, 1, 2, 2, 3, 3]);
    }

    #[test]
    fn degenerate_calibration_is_rejected() {
        let e = ThresholdQuantizer::calibrate(&[1.0, 1.0, 1.0], 2, 0.1).unwrap_err().to_string();
        assert!(e.contains("standard deviation 0"), "{e}");
        let e = ThresholdQuantizer::calibrate(&[1.0, 2.0], 9, 0.1).unwrap_err().to_string();
        assert_eq!(e, "activation bits must be in 1..=8, got 9");
        let e = ThresholdQuantizer::calibrate(&[1.0, f32::NAN], 2, 0.1).unwrap_err().to_string();
        assert!(e.contains("NaN at index 1"), "{e}");
    }
}
