//! Accumulator integer types for the golden model: `i32`, `i64`, `i128` for speed, and `Wide` (512-bit, from
//! `bnum`) for the widest formats (8-bit codes shift by up to 255). Callers pick the narrowest type that holds
//! the width analysis's bound; the golden model refuses a narrower one.

use std::fmt::{Debug, Display};
use std::ops::{Add, Mul, Neg, Sub};

/// 512-bit two's complement integer.
pub type Wide = bnum::types::I512;

/// Integer arithmetic the golden model needs. Implementations never see an overflow: callers check the width
/// with [`super::width`] first.
pub trait Accumulator:
    Copy
    + Eq
    + Ord
    + Debug
    + Display
    + Send
    + Sync
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Neg<Output = Self>
{
    /// Width in bits.
    const BITS: u32;
    fn zero() -> Self;
    fn from_i32(v: i32) -> Self;
    /// `self * 2^s`.
    fn shl(self, s: u32) -> Self;
    /// The value as i128, when it fits.
    fn to_i128(self) -> Option<i128>;
    /// The low `width` bits of the two's complement value, as little-endian 64-bit words.
    fn to_words(self, width: u32) -> Vec<u64>;
}

macro_rules! prim {
    ($t:ty) => {
        impl Accumulator for $t {
            const BITS: u32 = <$t>::BITS;
            #[inline(always)]
            fn zero() -> Self {
                0
            }
            #[inline(always)]
            fn from_i32(v: i32) -> Self {
                v as $t
            }
            #[inline(always)]
            fn shl(self, s: u32) -> Self {
                self << s
            }
            fn to_i128(self) -> Option<i128> {
                Some(self as i128)
            }
            fn to_words(self, width: u32) -> Vec<u64> {
                words_from_i128(self as i128, width)
            }
        }
    };
}
prim!(i32);
prim!(i64);
prim!(i128);

fn words_from_i128(v: i128, width: u32) -> Vec<u64> {
    let n = width.div_ceil(64) as usize;
    let mut out: Vec<u64> = (0..n)
        .map(|i| {
            if i < 2 {
                (v >> (64 * i)) as u64
            } else if v < 0 {
                u64::MAX
            } else {
                0
            }
        })
        .collect();
    mask_top(&mut out, width);
    out
}

fn mask_top(words: &mut [u64], width: u32) {
    let rem = width % 64;
    if rem != 0 {
        if let Some(last) = words.last_mut() {
            *last &= (1u64 << rem) - 1;
        }
    }
}

impl Accumulator for Wide {
    const BITS: u32 = 512;
    fn zero() -> Self {
        Wide::ZERO
    }
    fn from_i32(v: i32) -> Self {
        Wide::from(v)
    }
    fn shl(self, s: u32) -> Self {
        self << s
    }
    fn to_i128(self) -> Option<i128> {
        i128::try_from(self).ok()
    }
    fn to_words(self, width: u32) -> Vec<u64> {
        let n = width.div_ceil(64) as usize;
        let low64 = Wide::from_i32(1).shl(64) - Wide::from_i32(1);
        // `>>` is arithmetic on the signed type; masked to 64 bits the value always fits a u64.
        let mut out: Vec<u64> = (0..n).map(|i| u64::try_from((self >> (64 * i as u32)) & low64).unwrap_or(0)).collect();
        mask_top(&mut out, width);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_twos_complement_low_bits() {
        assert_eq!((-1i64).to_words(70), vec![u64::MAX, 0x3f]);
        assert_eq!(5i32.to_words(3), vec![5]);
        let w = Wide::from_i32(-3).shl(100);
        let want = ((-3i128) << 100).to_words(130);
        assert_eq!(w.to_words(130), want);
        assert_eq!(Wide::from_i32(-7).to_words(200), (-7i128).to_words(200));
    }
}
