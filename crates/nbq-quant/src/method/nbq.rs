//! `nbq`: the n-BQ-NN staircase (Chen et al., TNNLS 2021) with posterior-distribution adjustment.
//!
//! Levels are `{0, ±2^e_hi, ±2^(e_hi-1), ..., ±2^(e_hi-r+1)}`. The staircase's thresholds are the arithmetic
//! midpoints between neighbouring levels (and between 0 and the smallest level), all multiplied by one factor
//! `beta`, so they stay proportional to the tensor's scale as in the authors' code. Exactly how `(e_hi, beta)` is
//! chosen:
//! 1. candidates: `e_hi` in `floor(log2 max|W|) - 2 ..= floor(log2 max|W|) + 1` (for n = 1, whose single level
//!    sits near mean|W|, `- 8 ..= + 1`), and `beta` in `0.5, 0.5 + 1/32, ..., 2.0` (one value, 1, for n = 1, which
//!    has no thresholds);
//! 2. for each candidate, the moment mismatch `D = ((mean_q - mean_w)^2 + (std_q - std_w)^2) / var_w` between the
//!    quantized and the float weights (on the group's sample, see [`super::search`]);
//! 3. among the candidates whose `D` is within 0.01 of the smallest `D`, the one with the least squared error;
//!    ties go to the earlier candidate (higher `e_hi`, then smaller `beta`).
//!
//! Step 3 keeps the mean and variance as closely as the levels allow, and among staircases that do so equally
//! well, takes the most accurate one.

use super::rule::SignRule;
use super::search::{floor_log2, GroupStats};
use crate::code::{pow2, CodeFormat, ScaleGroup};

const BETA_STEPS: u32 = 48;

pub(super) fn rule(format: CodeFormat, lowest: i32, beta: f64) -> SignRule {
    let zero_below = if format.has_zero() { 0.5 * beta * pow2(lowest) } else { 0.0 };
    SignRule::new(lowest, format.magnitudes(), 1.5 * beta, zero_below)
}

pub(super) fn choose(stats: &GroupStats, format: CodeFormat) -> (SignRule, ScaleGroup) {
    let r = format.magnitudes();
    let max = stats.max_abs();
    let top = if max > 0.0 { floor_log2(max) } else { 0 };
    let (below, betas): (i32, Vec<f64>) = if format.has_zero() {
        (2, (0..=BETA_STEPS).map(|i| 0.5 + f64::from(i) / 32.0).collect())
    } else {
        (8, vec![1.0])
    };
    let mut cands = Vec::new();
    for e_hi in (top - below..=top + 1).rev() {
        let lowest = e_hi - i32::from(r) + 1;
        for &beta in &betas {
            let rl = rule(format, lowest, beta);
            let c = stats.pos.cost(&rl, r, 1.0).plus(stats.neg.cost(&rl, r, -1.0));
            cands.push((c.moment_mismatch(), c.sq_err, rl, lowest));
        }
    }
    let d_min = cands.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
    let mut best = &cands[0];
    for c in cands.iter().filter(|c| c.0 <= d_min + 0.01) {
        if c.1 < best.1 || best.0 > d_min + 0.01 {
            best = c;
        }
    }
    (best.2, ScaleGroup::symmetric(best.3))
}
