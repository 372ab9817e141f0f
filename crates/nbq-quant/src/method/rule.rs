//! The staircase that maps one sign's magnitudes to shift indices, exactly and fast.
//!
//! Level `j` (0-based, `j < levels`) has magnitude `2^(lowest_exp + j)`. A rule has a zero threshold `z` and a
//! threshold factor `c`: the boundary between level `j` and `j + 1` is `c * 2^(lowest_exp + j)`, so
//! ```text
//!   |w| <  z                                  -> zero (only when the format has a zero code)
//!   |w| >= z:  j = clamp(floor(log2(|w| / c)) - lowest_exp + 1, 0, levels - 1)
//! ```
//! `c = 1.5` puts every boundary at the arithmetic midpoint of its two levels (nearest level, INQ and GSNQ);
//! `c = sqrt(2)` at the geometric midpoint (rounding in the log domain, LogQuant); `c = 1.5 * beta` scales all
//! boundaries (n-BQ-NN's adjusted staircase). `floor(log2(|w| / c))` is computed without division or logarithm,
//! from the IEEE-754 exponent of `|w|` and a comparison of its mantissa with `c`'s, so the result is exact for every
//! finite f32 when `c` is given as the smallest f64 not below the real factor.

/// One sign's staircase; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignRule {
    lowest_exp: i32,
    levels: u8,
    c_exp: i32,
    c_mant: u64,
    zero_below: f64,
}

const MANT_MASK: u64 = (1u64 << 52) - 1;

fn exponent_and_mantissa(a: f64) -> (i32, u64) {
    let bits = a.to_bits();
    (((bits >> 52) & 0x7ff) as i32 - 1023, bits & MANT_MASK)
}

impl SignRule {
    /// `c` must be a positive normal f64; `zero_below` is 0 for formats without a zero code.
    pub fn new(lowest_exp: i32, levels: u8, c: f64, zero_below: f64) -> Self {
        debug_assert!(c.is_normal() && c > 0.0 && levels >= 1);
        let (c_exp, c_mant) = exponent_and_mantissa(c);
        SignRule { lowest_exp, levels, c_exp, c_mant, zero_below }
    }

    /// The same rule on raw f32 bits, when its boundaries are normal f32 values (see [`F32Rule`]).
    pub fn for_f32(&self) -> Option<F32Rule> {
        let c = f64::from_bits(((self.c_exp + 1023) as u64) << 52 | self.c_mant);
        // Boundary between level 0 and level 1 is c * 2^lowest; `base` is one octave below it.
        let base = c * crate::code::pow2(self.lowest_exp - 1);
        let base32 = ceil_f32(base)?;
        if !base32.is_normal() {
            return None;
        }
        let zero_bits = if self.zero_below > f64::from(f32::MAX) {
            f32::INFINITY.to_bits()
        } else {
            ceil_f32(self.zero_below)?.to_bits()
        };
        Some(F32Rule { zero_bits, base_bits: base32.to_bits() as i32, top: i32::from(self.levels) - 1 })
    }

    pub fn lowest_exp(&self) -> i32 {
        self.lowest_exp
    }

    /// The shift index of magnitude `a` (finite, >= 0), or None for zero.
    #[inline(always)]
    pub fn index(&self, a: f64) -> Option<u8> {
        if a < self.zero_below {
            return None;
        }
        let (e, m) = exponent_and_mantissa(a);
        let floor_log2 = e - self.c_exp - i32::from(m < self.c_mant);
        let j = (floor_log2 - self.lowest_exp + 1).clamp(0, i32::from(self.levels) - 1);
        Some(j as u8)
    }

    /// Lower boundaries of the zero bin and each level: `[0, z, b_1, ..., b_{levels-1}]`; level j spans
    /// `[bounds[j + 1], bounds[j + 2])` with an open top. Used by the threshold searches.
    pub fn lower_bounds(&self) -> Vec<f64> {
        let c = f64::from_bits(((self.c_exp + 1023) as u64) << 52 | self.c_mant);
        let mut b = Vec::with_capacity(self.levels as usize + 1);
        b.push(0.0);
        b.push(self.zero_below);
        for j in 1..i32::from(self.levels) {
            b.push((c * crate::code::pow2(self.lowest_exp + j - 1)).max(self.zero_below));
        }
        b
    }
}

/// The smallest f32 not below `v` (v finite, non-negative, at most f32::MAX).
fn ceil_f32(v: f64) -> Option<f32> {
    if !(0.0..=f64::from(f32::MAX)).contains(&v) {
        return None;
    }
    let f = v as f32; // round to nearest
    Some(if f64::from(f) < v { f32::from_bits(f.to_bits() + 1) } else { f })
}

/// A [`SignRule`] evaluated on the bits of an f32 magnitude `a` (sign bit cleared), without branches:
/// ```text
///   a < zero           <=> bits(a) < zero_bits                        (non-negative floats order like their bits)
///   floor(log2(a / b)) == (bits(a) - bits(b)) >> 23  (arithmetic)     for normal b = c * 2^(lowest - 1)
/// ```
/// so the level index is `clamp((bits(a) - base_bits) >> 23, 0, top)`. Because `b` is rounded up to an f32 and
/// `a` is an f32, `a >= b * 2^j` holds exactly when it holds for the real boundary: the result equals
/// [`SignRule::index`] for every finite f32, subnormals included (they fall below `b` and clamp to level 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct F32Rule {
    pub zero_bits: u32,
    pub base_bits: i32,
    pub top: i32,
}

impl F32Rule {
    /// Level index of the magnitude with bits `a_bits` (its zero test is separate: `a_bits < zero_bits`).
    #[inline(always)]
    pub fn level(&self, a_bits: u32) -> u8 {
        ((a_bits as i32 - self.base_bits) >> 23).clamp(0, self.top) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_level_rule_picks_the_nearest_power_of_two() {
        // levels 1/4, 1/2, 1; zero below 1/8.
        let r = SignRule::new(-2, 3, 1.5, 0.125);
        let cases = [
            (0.1, None),
            (0.125, Some(0)),
            (0.37, Some(0)),
            (0.375, Some(1)),
            (0.74, Some(1)),
            (0.75, Some(2)),
            (9.0, Some(2)),
        ];
        for (a, want) in cases {
            assert_eq!(r.index(a), want, "|w| = {a}");
        }
    }

    #[test]
    fn rule_without_zero_maps_zero_to_lowest_level() {
        let r = SignRule::new(3, 1, 1.5, 0.0);
        assert_eq!(r.index(0.0), Some(0));
        assert_eq!(r.index(1e30), Some(0));
    }

    #[test]
    fn f32_rule_agrees_with_the_f64_rule_everywhere() {
        let rules = [
            SignRule::new(-2, 3, 1.5, 0.125),
            SignRule::new(-9, 7, std::f64::consts::SQRT_2, std::f64::consts::SQRT_2 * 2f64.powi(-10)),
            SignRule::new(-30, 127, 1.5 * 1.171875, 0.5 * 1.171875 * 2f64.powi(-30)),
            SignRule::new(4, 1, 1.5, 0.0),
        ];
        let mut s = 0x1234_5678u32;
        for r in rules {
            let f = r.for_f32().expect("normal boundaries");
            // Every boundary and its neighbours, then random bit patterns (all finite non-negative f32).
            let mut probes: Vec<u32> = r.lower_bounds().iter().filter_map(|&b| ceil_f32(b)).map(f32::to_bits).collect();
            probes.extend(probes.clone().iter().flat_map(|&b| [b.saturating_sub(1), b + 1]));
            probes.extend([0, 1, 0x007f_ffff, 0x0080_0000, 0x7f7f_ffff]);
            for _ in 0..200_000 {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                probes.push(s % 0x7f80_0000);
            }
            for bits in probes {
                let a = f32::from_bits(bits);
                let fast = if bits < f.zero_bits { None } else { Some(f.level(bits)) };
                assert_eq!(fast, r.index(f64::from(a)), "a = {a:e} ({bits:#x}) rule {r:?}");
            }
        }
    }

    #[test]
    fn lower_bounds_match_index() {
        let r = SignRule::new(-4, 5, 1.5 * 1.2, 0.5 * 1.2 * 2f64.powi(-4));
        let b = r.lower_bounds();
        for j in 0..5usize {
            assert_eq!(r.index(b[j + 1]), Some(j as u8), "bound {j}");
            assert_eq!(r.index(b[j + 1] * (1.0 - 1e-12)), if j == 0 { None } else { Some(j as u8 - 1) });
        }
    }
}
