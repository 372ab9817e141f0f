//! `gsnq`: global sign-based quantization (Sui et al., Sensors 2022): positive and negative weights get separate
//! power-of-two windows.
//!
//! Each sign's window (its top exponent) is chosen on its own to minimize that sign's squared quantization error
//! with the nearest-level rule, over the candidates `floor(log2 max_s) - 8 ..= floor(log2 max_s) + 1`. The two
//! windows become one [`ScaleGroup`]: `scale_exp` is the lower window's smallest exponent and the other sign's
//! window is reached through its offset. A sign with no weights takes the other sign's window.

use super::inq::nearest;
use super::rule::SignRule;
use super::search::{floor_log2, GroupStats, SortedSide};
use crate::code::{CodeFormat, ScaleGroup};
use crate::error::Result;

fn best_lowest(side: &SortedSide, max: f64, format: CodeFormat) -> Option<i32> {
    if side.is_empty() || max <= 0.0 {
        return None;
    }
    let r = i32::from(format.magnitudes());
    let top = floor_log2(max);
    let mut best: Option<(f64, i32)> = None;
    for e_hi in (top - 8..=top + 1).rev() {
        let lowest = e_hi - r + 1;
        let err = side.cost(&nearest(format, lowest), format.magnitudes(), 1.0).sq_err;
        if best.is_none_or(|(b, _)| err < b) {
            best = Some((err, lowest));
        }
    }
    best.map(|(_, l)| l)
}

pub(super) fn choose(stats: &GroupStats, format: CodeFormat) -> Result<(SignRule, SignRule, ScaleGroup)> {
    let pos = best_lowest(&stats.pos, stats.max_pos, format);
    let neg = best_lowest(&stats.neg, stats.max_neg, format);
    let (p, n) = match (pos, neg) {
        (Some(p), Some(n)) => (p, n),
        (Some(p), None) => (p, p),
        (None, Some(n)) => (n, n),
        (None, None) => (0, 0),
    };
    Ok((nearest(format, p), nearest(format, n), ScaleGroup::from_windows(format, p, n)?))
}
