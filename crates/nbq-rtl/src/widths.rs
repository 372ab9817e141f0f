//! Significant widths of a design, and the build-time masks that apply them.
//!
//! nbq's blocks have fixed port widths (16-bit pixels and weight bus, an accumulator *tier* of 32 to 512 bits
//! chosen at compile time) and take the significant widths (A-bit activations, n-bit codes, ACC-bit accumulator)
//! at build time, applying them with constant masks: inputs are masked to their significant bits and
//! sign-extended, and every partial sum is reduced to ACC bits and sign-extended to the tier. The bits above the
//! significant widths are therefore constants or copies of a sign bit, which synthesis removes (constant and
//! duplicate flip-flops, unused adder bits), while one compiled block serves every width. Only the kernel size,
//! the image width and the array shape change the structure, and those are runtime too.

use rust_hdl::prelude::*;

/// Width of the pixel and weight buses.
pub const BUS_BITS: usize = 16;

/// The significant widths of a design (validated by the design config before any block is built).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Widths {
    /// Activation bits A, 2..=16.
    pub act: usize,
    /// Weight code bits n, 1..=8 (shift PE) or 16 (multiplier PE).
    pub code: usize,
    /// Accumulator bits ACC, at most the tier.
    pub acc: usize,
    /// Largest left shift a shift PE must support: `(r - 1) + max(offsets)` (0 for the multiplier PE). The
    /// shift amount is masked to the bits this needs, so the barrel shifter has only those stages.
    pub shift: usize,
}

impl Widths {
    /// Bits of a shift amount up to `self.shift` (at least 1).
    pub fn shift_bits(&self) -> usize {
        bits_of(self.shift)
    }

    /// The significant widths of a PE whose partial sum holds `terms` products whose weights shift A-bit pixels
    /// left by at most `max_shift` (the multiplier PE's 16-bit weights: 15): its accumulator is only as wide as
    /// that sum needs (never wider than `self.acc`), so a transposed row's early PEs register fewer bits. Exact:
    /// the sum never leaves the narrower range, so reducing to it wraps nothing.
    pub fn partial_sum(self, max_shift: usize, terms: usize) -> Widths {
        let s = Some(max_shift.min(u8::MAX as usize) as u8);
        let need =
            nbq_quant::golden::bound(self.act as u32, s, s, terms.max(1) as u64).map_or(self.acc, |b| b.width as usize);
        Widths { acc: need.min(self.acc), ..self }
    }
}

/// Bits of an unsigned value up to `max` (at least 1).
pub fn bits_of(max: usize) -> usize {
    (usize::BITS - max.leading_zeros()).max(1) as usize
}

/// Bits `0..n` set.
pub fn low_mask<const W: usize>(n: usize) -> Bits<W> {
    assert!(n <= W, "mask of {n} bits in a {W}-bit word");
    if n == W {
        Bits::<W>::mask()
    } else {
        (Bits::<W>::mask() >> (W - n) as u64) & Bits::<W>::mask()
    }
}

/// Only bit `i` set.
pub fn bit<const W: usize>(i: usize) -> Bits<W> {
    assert!(i < W, "bit {i} of a {W}-bit word");
    Bits::<W>::from(1u64) << i as u64
}

/// Bits `i..W` set (the sign-extension mask above bit `i - 1`).
pub fn high_mask<const W: usize>(i: usize) -> Bits<W> {
    !low_mask::<W>(i) & Bits::<W>::mask()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(low_mask::<8>(3), Bits::<8>::from(0b111u64));
        assert_eq!(low_mask::<8>(8), Bits::<8>::from(0xffu64));
        assert_eq!(high_mask::<8>(3), Bits::<8>::from(0b1111_1000u64));
        assert_eq!(high_mask::<8>(8), Bits::<8>::from(0u64));
        assert_eq!(bit::<70>(69), Bits::<70>::from(1u64) << 69u64);
        assert_eq!(high_mask::<70>(68).get_bits::<2>(68), Bits::<2>::from(3u64));
    }

    #[test]
    fn partial_sums_are_as_wide_as_their_terms_need() {
        // The paper's array: 16-bit pixels, shifts up to 2, a 22-bit accumulator for 9 terms.
        let w = Widths { act: 16, code: 3, acc: 22, shift: 2 };
        // One product spans [-2^17, 2^17] (19 bits); two and three fit 20 bits; never wider than the design's.
        let widths: Vec<usize> = [1, 2, 3, 9, 1000].iter().map(|&t| w.partial_sum(2, t).acc).collect();
        assert_eq!(widths, [19, 20, 20, 22, 22]);
        // 8-bit pixels times 16-bit weights: [-2^22, 2^22] needs 24 bits.
        assert_eq!(Widths { act: 8, code: 16, acc: 32, shift: 0 }.partial_sum(15, 1).acc, 24);
    }
}
