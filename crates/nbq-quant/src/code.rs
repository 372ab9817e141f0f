//! The nbq exponent-code format: the one definition every other part (quantizers, files, golden model, RTL) uses.
//!
//! # Code word (n bits, 1 <= n <= 8)
//! ```text
//!   bit n-1        bits n-2 .. 0
//!   [ sign ] [ magnitude field m, n-1 bits ]
//! ```
//! * `n >= 2`: `m = 0` with sign 0 is the single zero code (`0x00`). `m = 0` with sign 1 ("negative zero") is
//!   illegal. `m` in `1..=r`, `r = 2^(n-1) - 1`, selects the shift index `m - 1` (`0..r-1`).
//! * `n = 1`: the whole code is the sign bit; there is no zero code and the shift index is always 0, so the
//!   quantized weight is `sign(w) * 2^scale_exp` (the sign function of the n-BQ-NN paper).
//!
//! # Value
//! For a weight in scale group `g` (the whole tensor, or one output channel):
//! ```text
//!   shift  = (m - 1) + offset_s          offset_s = g.offset_pos for sign 0, g.offset_neg for sign 1
//!   value  = (-1)^sign * 2^shift * 2^g.scale_exp
//! ```
//! `shift` is a non-negative left-shift amount (at most 255), so in hardware every product is the activation
//! shifted left, then added or subtracted; `2^scale_exp` is applied once per output channel, outside the array.
//! GSNQ's sign-based ranges are the two offsets: positive and negative weights get exponent windows that start at
//! `scale_exp + offset_pos` and `scale_exp + offset_neg`. At most one of the two offsets is non-zero after
//! [`ScaleGroup::from_windows`].

use serde::{Deserialize, Serialize};

use crate::error::{QuantError, Result};

/// A validated code width (1..=8 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct CodeFormat {
    bits: u8,
}

impl TryFrom<u8> for CodeFormat {
    type Error = QuantError;
    fn try_from(bits: u8) -> Result<Self> {
        CodeFormat::new(u32::from(bits))
    }
}

impl From<CodeFormat> for u8 {
    fn from(f: CodeFormat) -> u8 {
        f.bits
    }
}

/// A decoded weight: zero, or a signed power of two `±2^shift` (before the group's `2^scale_exp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Term {
    Zero,
    Shift { negative: bool, shift: u8 },
}

impl Term {
    /// The integer value `±2^shift` as i128 (shift <= 126), or None when it does not fit.
    pub fn to_i128(self) -> Option<i128> {
        match self {
            Term::Zero => Some(0),
            Term::Shift { negative, shift } if shift < 127 => {
                let v = 1i128 << shift;
                Some(if negative { -v } else { v })
            }
            Term::Shift { .. } => None,
        }
    }
}

impl CodeFormat {
    /// A format with `bits` bits per code; `bits` must be in 1..=8.
    pub fn new(bits: u32) -> Result<Self> {
        if (1..=8).contains(&bits) {
            Ok(CodeFormat { bits: bits as u8 })
        } else {
            Err(QuantError::Bits(bits))
        }
    }

    pub fn bits(self) -> u8 {
        self.bits
    }

    /// Number of distinct non-zero magnitudes: `r = 2^(n-1) - 1` for n >= 2, and 1 for n = 1.
    pub fn magnitudes(self) -> u8 {
        if self.bits == 1 {
            1
        } else {
            (1u8 << (self.bits - 1)) - 1
        }
    }

    /// Whether the format has a zero code (every width except n = 1).
    pub fn has_zero(self) -> bool {
        self.bits >= 2
    }

    /// Mask of the code's bits.
    pub fn mask(self) -> u8 {
        ((1u16 << self.bits) - 1) as u8
    }

    /// The zero code. For n = 1 there is none; 0 then means `+2^scale_exp`.
    pub const ZERO: u8 = 0;

    /// The code for sign `negative` and shift index `index` (0-based, `< magnitudes()`).
    pub fn encode(self, negative: bool, index: u8) -> u8 {
        debug_assert!(index < self.magnitudes());
        if self.bits == 1 {
            u8::from(negative)
        } else {
            (u8::from(negative) << (self.bits - 1)) | (index + 1)
        }
    }

    /// Splits a code into `None` (zero) or `Some((negative, shift index))`; rejects codes outside the format.
    pub fn split(self, code: u8) -> Result<Option<(bool, u8)>> {
        if code & !self.mask() != 0 {
            return Err(QuantError::IllegalCode { code, bits: self.bits, why: "it has bits set above the code width" });
        }
        if self.bits == 1 {
            return Ok(Some((code == 1, 0)));
        }
        let negative = code >> (self.bits - 1) == 1;
        let m = code & (self.mask() >> 1);
        match (m, negative) {
            (0, false) => Ok(None),
            (0, true) => Err(QuantError::IllegalCode {
                code,
                bits: self.bits,
                why: "sign 1 with magnitude 0 (negative zero) is not used; zero is code 0",
            }),
            (m, _) => Ok(Some((negative, m - 1))),
        }
    }
}

/// The power-of-two scale of one group of weights and GSNQ's per-sign offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleGroup {
    /// Exponent of the weight value of shift 0: value = ±2^(shift + scale_exp).
    pub scale_exp: i32,
    /// Added to the shift of positive weights.
    pub offset_pos: u8,
    /// Added to the shift of negative weights.
    pub offset_neg: u8,
}

impl ScaleGroup {
    /// A symmetric group whose smallest magnitude is `2^lowest_exp`.
    pub fn symmetric(lowest_exp: i32) -> Self {
        ScaleGroup { scale_exp: lowest_exp, offset_pos: 0, offset_neg: 0 }
    }

    /// The group for GSNQ's windows: positive magnitudes start at `2^pos_lowest`, negative at `2^neg_lowest`.
    pub fn from_windows(format: CodeFormat, pos_lowest: i32, neg_lowest: i32) -> Result<Self> {
        let scale_exp = pos_lowest.min(neg_lowest);
        let g = ScaleGroup {
            scale_exp,
            offset_pos: u8::try_from(pos_lowest - scale_exp).unwrap_or(u8::MAX),
            offset_neg: u8::try_from(neg_lowest - scale_exp).unwrap_or(u8::MAX),
        };
        g.check(format)?;
        Ok(g)
    }

    /// Checks that every shift of the format stays <= 255 with these offsets.
    pub fn check(self, format: CodeFormat) -> Result<()> {
        let max_mag = u32::from(format.magnitudes()) - 1;
        let max = 255 - max_mag;
        for (sign, off) in [("positive", self.offset_pos), ("negative", self.offset_neg)] {
            if u32::from(off) > max {
                return Err(QuantError::Offset { sign, given: off.into(), bits: format.bits(), max_mag, max });
            }
        }
        Ok(())
    }

    /// Largest shift a positive and a negative weight can have in this group.
    pub fn max_shifts(self, format: CodeFormat) -> (u8, u8) {
        let top = format.magnitudes() - 1;
        (top + self.offset_pos, top + self.offset_neg)
    }

    /// Decodes a code into the integer term `±2^shift` (the value divided by `2^scale_exp`).
    pub fn term(self, format: CodeFormat, code: u8) -> Result<Term> {
        Ok(match format.split(code)? {
            None => Term::Zero,
            Some((negative, index)) => {
                let off = if negative { self.offset_neg } else { self.offset_pos };
                Term::Shift { negative, shift: index + off }
            }
        })
    }

    /// Decodes a code into its real value `±2^(shift + scale_exp)`.
    pub fn value(self, format: CodeFormat, code: u8) -> Result<f64> {
        Ok(match self.term(format, code)? {
            Term::Zero => 0.0,
            Term::Shift { negative, shift } => {
                let v = pow2(i32::from(shift) + self.scale_exp);
                if negative {
                    -v
                } else {
                    v
                }
            }
        })
    }
}

/// `2^e` as f64 (exact for -1074 <= e <= 1023; 0 or infinity outside).
pub fn pow2(e: i32) -> f64 {
    2f64.powi(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_outside_range_are_rejected_with_the_value() {
        assert_eq!(CodeFormat::new(0).unwrap_err().to_string(), "bits must be in 1..=8, got 0");
        assert_eq!(CodeFormat::new(9).unwrap_err().to_string(), "bits must be in 1..=8, got 9");
    }

    #[test]
    fn three_bit_levels_are_the_papers() {
        // n = 3: {0, ±1/4, ±1/2, ±1} with scale 2^-2.
        let f = CodeFormat::new(3).unwrap();
        let g = ScaleGroup::symmetric(-2);
        let mut vals: Vec<f64> = (0..8u8).filter_map(|c| g.value(f, c).ok()).collect();
        vals.sort_by(f64::total_cmp);
        assert_eq!(vals, vec![-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0]);
        assert!(g.value(f, 0b100).is_err(), "negative zero must be illegal");
    }

    #[test]
    fn every_code_roundtrips_through_encode_and_split() {
        for bits in 1..=8 {
            let f = CodeFormat::new(bits).unwrap();
            for neg in [false, true] {
                for idx in 0..f.magnitudes() {
                    let c = f.encode(neg, idx);
                    assert_eq!(f.split(c).unwrap(), Some((neg, idx)), "bits {bits}");
                }
            }
        }
    }

    #[test]
    fn code_above_width_is_rejected() {
        let f = CodeFormat::new(2).unwrap();
        let e = f.split(0b100).unwrap_err().to_string();
        assert!(e.contains("bits set above the code width"), "{e}");
    }

    #[test]
    fn offsets_shift_each_sign_separately() {
        let f = CodeFormat::new(3).unwrap();
        let g = ScaleGroup::from_windows(f, -3, -1).unwrap();
        assert_eq!(g, ScaleGroup { scale_exp: -3, offset_pos: 0, offset_neg: 2 });
        assert_eq!(g.value(f, f.encode(false, 0)).unwrap(), 0.125);
        assert_eq!(g.value(f, f.encode(true, 0)).unwrap(), -0.5);
        assert_eq!(g.max_shifts(f), (2, 4));
    }

    #[test]
    fn offsets_that_overflow_the_shift_are_rejected() {
        let f = CodeFormat::new(8).unwrap();
        let e = ScaleGroup::from_windows(f, 0, 200).unwrap_err().to_string();
        assert!(e.contains("offset 200 for negative weights") && e.contains("<= 129"), "{e}");
    }
}
