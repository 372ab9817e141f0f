//! Statistics of one scale group, and the cost of a staircase on them, for the methods that search thresholds.
//!
//! A search evaluates hundreds of candidate staircases, so it works on a sorted, deterministic sample of the group
//! (every `stride`-th weight, at most [`SAMPLE_LIMIT`] of them) with prefix sums: the cost of one candidate is
//! `O(levels * log(sample))`, independent of the tensor size. The chosen staircase is then applied to every weight.

use super::rule::SignRule;
use crate::code::pow2;

/// Largest number of weights a search looks at per group.
pub const SAMPLE_LIMIT: usize = 16_384;

/// Exact extremes over the whole group and a sorted sample of its magnitudes, per sign.
#[derive(Debug, Clone)]
pub struct GroupStats {
    /// Largest |w| among w >= 0 and among w < 0 (0 when there is none), over every weight of the group.
    pub max_pos: f64,
    pub max_neg: f64,
    pub pos: SortedSide,
    pub neg: SortedSide,
}

/// One sign's sorted sample magnitudes with prefix sums of |w| and w^2.
#[derive(Debug, Clone, Default)]
pub struct SortedSide {
    mags: Vec<f64>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

/// Sums of the quantized values of one sign over the sample.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    pub n: f64,
    pub sum_w: f64,
    pub sum_w2: f64,
    pub sum_q: f64,
    pub sum_q2: f64,
    pub sq_err: f64,
}

impl Cost {
    pub fn plus(self, o: Cost) -> Cost {
        Cost {
            n: self.n + o.n,
            sum_w: self.sum_w + o.sum_w,
            sum_w2: self.sum_w2 + o.sum_w2,
            sum_q: self.sum_q + o.sum_q,
            sum_q2: self.sum_q2 + o.sum_q2,
            sq_err: self.sq_err + o.sq_err,
        }
    }

    /// n-BQ-NN's distribution mismatch: ((mean_q - mean_w)^2 + (std_q - std_w)^2) / var_w.
    pub fn moment_mismatch(&self) -> f64 {
        let (mw, mq) = (self.sum_w / self.n, self.sum_q / self.n);
        let vw = (self.sum_w2 / self.n - mw * mw).max(0.0);
        let vq = (self.sum_q2 / self.n - mq * mq).max(0.0);
        let d = (mq - mw).powi(2) + (vq.sqrt() - vw.sqrt()).powi(2);
        if vw > 0.0 {
            d / vw
        } else {
            d
        }
    }
}

impl SortedSide {
    fn new(mut mags: Vec<f64>) -> Self {
        mags.sort_unstable_by(f64::total_cmp);
        let mut sum = Vec::with_capacity(mags.len() + 1);
        let mut sum_sq = Vec::with_capacity(mags.len() + 1);
        let (mut s, mut s2) = (0.0, 0.0);
        sum.push(0.0);
        sum_sq.push(0.0);
        for &m in &mags {
            s += m;
            s2 += m * m;
            sum.push(s);
            sum_sq.push(s2);
        }
        SortedSide { mags, sum, sum_sq }
    }

    pub fn is_empty(&self) -> bool {
        self.mags.is_empty()
    }

    /// Cost of `rule` on this side; `sign` is +1 or -1.
    pub fn cost(&self, rule: &SignRule, levels: u8, sign: f64) -> Cost {
        let bounds = rule.lower_bounds();
        let idx: Vec<usize> = bounds.iter().map(|&b| self.mags.partition_point(|&m| m < b)).collect();
        let n_all = self.mags.len();
        let total_sum = self.sum[n_all];
        let total_sq = self.sum_sq[n_all];
        // Zero bin: [0, z).
        let z_end = idx[1];
        let mut c = Cost {
            n: n_all as f64,
            sum_w: sign * total_sum,
            sum_w2: total_sq,
            sq_err: self.sum_sq[z_end],
            ..Cost::default()
        };
        for j in 0..levels as usize {
            let lo = idx[j + 1];
            let hi = if j + 2 < idx.len() { idx[j + 2] } else { n_all };
            if hi <= lo {
                continue;
            }
            let cnt = (hi - lo) as f64;
            let s1 = self.sum[hi] - self.sum[lo];
            let s2 = self.sum_sq[hi] - self.sum_sq[lo];
            let l = pow2(rule.lowest_exp() + j as i32);
            c.sum_q += sign * l * cnt;
            c.sum_q2 += l * l * cnt;
            c.sq_err += s2 - 2.0 * l * s1 + l * l * cnt;
        }
        c
    }
}

impl GroupStats {
    /// Gathers the statistics of the weights yielded by `values` (`len` of them).
    pub fn gather<'a>(values: impl Iterator<Item = &'a f32> + Clone, len: usize) -> Self {
        let stride = len.div_ceil(SAMPLE_LIMIT).max(1);
        // Largest w and smallest w; lanes of 8 let the compiler vectorize the scan.
        let (mut hi, mut lo) = ([0f32; 8], [0f32; 8]);
        let mut it = values.clone();
        'scan: loop {
            for lane in 0..8 {
                let Some(&w) = it.next() else { break 'scan };
                hi[lane] = hi[lane].max(w);
                lo[lane] = lo[lane].min(w);
            }
        }
        let max_pos = f64::from(hi.iter().fold(0f32, |a, &b| a.max(b)));
        let max_neg = -f64::from(lo.iter().fold(0f32, |a, &b| a.min(b)));
        let (mut pos, mut neg) = (Vec::new(), Vec::new());
        for &w in values.step_by(stride) {
            if w < 0.0 {
                neg.push(f64::from(-w))
            } else {
                pos.push(f64::from(w))
            }
        }
        GroupStats { max_pos, max_neg, pos: SortedSide::new(pos), neg: SortedSide::new(neg) }
    }

    pub fn max_abs(&self) -> f64 {
        self.max_pos.max(self.max_neg)
    }
}

/// `floor(log2(a))` for a positive finite a (exact, from the exponent bits); `i32::MIN / 4` for 0.
pub fn floor_log2(a: f64) -> i32 {
    if a <= 0.0 {
        return i32::MIN / 4;
    }
    // f32 values are normal in f64, so the exponent field is exact.
    ((a.to_bits() >> 52) & 0x7ff) as i32 - 1023
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_matches_a_direct_sum() {
        let w: Vec<f32> = (0..200).map(|i| ((i as f32) * 0.731).sin() * 0.9).collect();
        let st = GroupStats::gather(w.iter(), w.len());
        let rule = SignRule::new(-3, 3, 1.5, 0.5 * pow2(-3));
        let c = st.pos.cost(&rule, 3, 1.0).plus(st.neg.cost(&rule, 3, -1.0));
        let (mut sq, mut sq_q, mut sum_q) = (0.0, 0.0, 0.0);
        for &x in &w {
            let a = f64::from(x.abs());
            let q = rule.index(a).map_or(0.0, |j| pow2(-3 + i32::from(j))) * if x < 0.0 { -1.0 } else { 1.0 };
            sq += (f64::from(x) - q).powi(2);
            sq_q += q * q;
            sum_q += q;
        }
        assert!((c.sq_err - sq).abs() < 1e-9, "{} vs {sq}", c.sq_err);
        assert!((c.sum_q2 - sq_q).abs() < 1e-9);
        assert!((c.sum_q - sum_q).abs() < 1e-9);
    }
}
