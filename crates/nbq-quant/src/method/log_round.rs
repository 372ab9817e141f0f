//! `log-round` (LogQuant, DeepShift-Q): `q(w) = sign(w) * 2^round(log2|w|)`, clipped to the code's window.
//!
//! The window's top exponent is `e_hi = round(log2 max|W|)`; it holds `r` exponents `e_hi - r + 1 ..= e_hi`.
//! A weight whose rounded exponent is above the window takes `e_hi`; one below it becomes zero (for n = 1 there is
//! no zero: every weight is `sign(w) * 2^e_hi`). `round` rounds half up in the log domain, i.e. the boundary between
//! `2^e` and `2^(e+1)` is `sqrt(2) * 2^e`; the implementation compares mantissas and is exact for every f32.

use super::rule::SignRule;
use super::search::{floor_log2, GroupStats};
use crate::code::{pow2, CodeFormat, ScaleGroup};

/// The smallest f64 not below sqrt(2) (the f64 nearest sqrt(2) lies above it).
const SQRT2_UP: f64 = std::f64::consts::SQRT_2;

/// `round(log2(a))`, half up, exact for positive finite a.
pub fn round_log2(a: f64) -> i32 {
    let e = floor_log2(a);
    // a / 2^e is exact: the mantissa in [1, 2).
    e + i32::from(a / pow2(e) >= SQRT2_UP)
}

pub(super) fn choose(stats: &GroupStats, format: CodeFormat) -> (SignRule, ScaleGroup) {
    let r = format.magnitudes();
    let max = stats.max_abs();
    let e_hi = if max > 0.0 { round_log2(max) } else { 0 };
    let lowest = e_hi - i32::from(r) + 1;
    let zero_below = if format.has_zero() { SQRT2_UP * pow2(lowest - 1) } else { 0.0 };
    (SignRule::new(lowest, r, SQRT2_UP, zero_below), ScaleGroup::symmetric(lowest))
}
