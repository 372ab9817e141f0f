//! `inq`: the level rule of Incremental Network Quantization (Zhou et al., ICLR 2017).
//!
//! `n1 = floor(log2(4 * max|W| / 3))` is the top exponent; the window holds the `r` exponents `n1 - r + 1 ..= n1`
//! and every weight goes to the nearest level in the linear domain (ties to the larger magnitude); magnitudes below
//! half the smallest level become zero. (INQ's incremental partition-and-retrain is a training schedule; the
//! level rule here is what that schedule converges to.)

use super::rule::SignRule;
use super::search::{floor_log2, GroupStats};
use crate::code::{pow2, CodeFormat, ScaleGroup};

/// The nearest-level rule with the window's smallest exponent `lowest`.
pub(super) fn nearest(format: CodeFormat, lowest: i32) -> SignRule {
    let zero_below = if format.has_zero() { 0.5 * pow2(lowest) } else { 0.0 };
    SignRule::new(lowest, format.magnitudes(), 1.5, zero_below)
}

pub(super) fn choose(stats: &GroupStats, format: CodeFormat) -> (SignRule, ScaleGroup) {
    let max = stats.max_abs();
    let n1 = if max > 0.0 { floor_log2(4.0 * max / 3.0) } else { 0 };
    let lowest = n1 - i32::from(format.magnitudes()) + 1;
    (nearest(format, lowest), ScaleGroup::symmetric(lowest))
}
