//! Accumulator width analysis: the smallest two's complement width that no input can overflow.
//!
//! One product is `a * (±2^s)` with `a` in `[-2^(A-1), 2^(A-1) - 1]`. With largest shifts `sp` (positive weights)
//! and `sn` (negative weights), a product lies in `[min_term, max_term]`:
//! ```text
//!   max_term = max( (2^(A-1) - 1) * 2^sp ,  2^(A-1) * 2^sn )      (largest a, +w  |  most negative a, -w)
//!   min_term = min( -2^(A-1) * 2^sp      , -(2^(A-1) - 1) * 2^sn )
//! ```
//! A sum of `T = k*k*C` products (every partial sum too) lies in `[T * min_term, T * max_term]`, and both ends are
//! reached: every activation at the extreme value and every weight at the extreme code. The width is the smallest
//! `W` with `-2^(W-1) <= T * min_term` and `T * max_term <= 2^(W-1) - 1`; so one bit fewer overflows for that input.

use super::acc::{Accumulator, Wide};
use crate::code::{CodeFormat, ScaleGroup};
use crate::error::{QuantError, Result};

/// The exact range of a dot product of `terms` products and the width that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccBound {
    pub min: Wide,
    pub max: Wide,
    pub width: u32,
}

/// Largest number of products in one output (`k*k*C`) the analysis accepts.
pub const MAX_TERMS: u64 = 1 << 32;

/// Checks the activation width (2..=16 bits).
pub fn check_act_bits(act_bits: u32) -> Result<u8> {
    if (2..=16).contains(&act_bits) {
        Ok(act_bits as u8)
    } else {
        Err(QuantError::ActBits { given: act_bits, min: 2, max: 16 })
    }
}

fn bit_length(v: Wide) -> u32 {
    // v >= 0
    Wide::BITS - v.leading_zeros()
}

/// The range of a sum of `terms` products of A-bit activations with weights whose largest shift is
/// `max_shift_pos` / `max_shift_neg` (None when no weight of that sign occurs).
pub fn bound(act_bits: u32, max_shift_pos: Option<u8>, max_shift_neg: Option<u8>, terms: u64) -> Result<AccBound> {
    let a = check_act_bits(act_bits)?;
    if terms == 0 || terms > MAX_TERMS {
        return Err(QuantError::Invalid(format!("a dot product of {terms} terms is outside 1..={MAX_TERMS}")));
    }
    let one = Wide::from_i32(1);
    let half = one.shl(u32::from(a) - 1); // 2^(A-1)
    let (mut max_t, mut min_t) = (Wide::zero(), Wide::zero());
    if let Some(sp) = max_shift_pos {
        max_t = max_t.max((half - one).shl(sp.into()));
        min_t = min_t.min(-half.shl(sp.into()));
    }
    if let Some(sn) = max_shift_neg {
        max_t = max_t.max(half.shl(sn.into()));
        min_t = min_t.min(-(half - one).shl(sn.into()));
    }
    let t = Wide::from(terms as i64); // terms <= 2^32
    let (max, min) = (max_t * t, min_t * t);
    let need_max = if max > Wide::zero() { bit_length(max) + 1 } else { 1 };
    let need_min = if min < Wide::zero() { bit_length(-min - one) + 1 } else { 1 };
    Ok(AccBound { min, max, width: need_max.max(need_min) })
}

/// The accumulator width of a k×k convolution over `in_channels` channels for a code format and scale group.
pub fn accumulator_width(
    act_bits: u32,
    format: CodeFormat,
    group: ScaleGroup,
    k: u32,
    in_channels: u32,
) -> Result<u32> {
    let (sp, sn) = group.max_shifts(format);
    let terms = u64::from(k) * u64::from(k) * u64::from(in_channels);
    Ok(bound(act_bits, Some(sp), Some(sn), terms)?.width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_product_widths() {
        // 8-bit activation times ±1: -128 * -1 = 128 needs 9 bits.
        assert_eq!(bound(8, Some(0), Some(0), 1).unwrap().width, 9);
        // Only positive weights: [-128, 127] fits 8 bits.
        assert_eq!(bound(8, Some(0), None, 1).unwrap().width, 8);
        // 16-bit times 2^2 with sign, 9 terms: 9 * 2^15 * 4 = 1179648 -> 22 bits.
        let b = bound(16, Some(2), Some(2), 9).unwrap();
        assert_eq!(b.max, Wide::from(9i64 * 32768 * 4));
        assert_eq!(b.width, 22);
    }

    #[test]
    fn width_of_the_papers_array() {
        // k = 3, A = 16, n = 3 (shifts 0..2), one channel.
        let f = CodeFormat::new(3).unwrap();
        assert_eq!(accumulator_width(16, f, ScaleGroup::symmetric(-2), 3, 1).unwrap(), 22);
    }

    #[test]
    fn bad_activation_bits_are_named() {
        let e = bound(17, Some(0), Some(0), 1).unwrap_err().to_string();
        assert_eq!(e, "activation bits must be in 2..=16, got 17");
    }
}
