//! Threshold activation requantizer (the non-uniform quantizer paper's comparator bank): the b-bit code of a
//! window sum is the number of integer thresholds it reaches, `code = #{ i : sum >= T_i }`, exactly
//! `nbq_quant::activation::ThresholdQuantizer::code`.
//!
//! Ports: `sum_in` (ACC tier, two's complement), `code_out` ([`CODE_OUT_BITS`] bits; the low b bits are the
//! code). Combinational: the engine feeds it from its registered sums, so codes appear with the sums. Signed
//! comparison is done unsigned after flipping the sign bit of both sides (order-preserving); the thresholds are
//! flipped at build time. The comparators' results are added in a chain; thresholds are sorted, so the sum is a
//! thermometer count.

use rust_hdl::prelude::*;

use crate::widths::bit;

/// Width of `code_out`: codes count up to 255 thresholds.
pub const CODE_OUT_BITS: usize = 8;

/// A comparator bank of `thresholds.len()` (at most `2^CODE_OUT_BITS - 1` = 255) signed thresholds; its count on
/// `OUT` bits (at least [`CODE_OUT_BITS`]).
#[derive(LogicBlock)]
pub struct Requantizer<const ACC: usize, const OUT: usize = CODE_OUT_BITS> {
    pub sum_in: Signal<In, Bits<ACC>>,
    pub code_out: Signal<Out, Bits<OUT>>,
    thresholds: Vec<Constant<Bits<ACC>>>,
    flip: Constant<Bits<ACC>>,
    flipped: Signal<Local, Bits<ACC>>,
    count: Signal<Local, Bits<OUT>>,
}

/// `t` as an ACC-bit two's complement word with its sign bit flipped.
fn flipped<const ACC: usize>(t: i64) -> Bits<ACC> {
    let magnitude = Bits::<ACC>::from(t.unsigned_abs());
    let twos = if t < 0 { (!magnitude + 1) & Bits::<ACC>::mask() } else { magnitude };
    twos ^ bit::<ACC>(ACC - 1)
}

impl<const ACC: usize, const OUT: usize> Requantizer<ACC, OUT> {
    /// Panics on threshold lists the design config rejects first (empty, over 255, unsorted, out of range).
    pub fn new(thresholds: &[i64]) -> Self {
        let most = (1 << CODE_OUT_BITS) - 1;
        assert!((1..=most).contains(&thresholds.len()), "1..={most} thresholds, got {}", thresholds.len());
        assert!(thresholds.windows(2).all(|w| w[0] <= w[1]), "thresholds must not decrease");
        Self {
            sum_in: Default::default(),
            code_out: Default::default(),
            thresholds: thresholds.iter().map(|&t| Constant::new(flipped::<ACC>(t))).collect(),
            flip: Constant::new(bit(ACC - 1)),
            flipped: Default::default(),
            count: Default::default(),
        }
    }
}

impl<const ACC: usize, const OUT: usize> Logic for Requantizer<ACC, OUT> {
    #[hdl_gen]
    fn update(&mut self) {
        self.flipped.next = self.sum_in.val() ^ self.flip.val();
        self.count.next = 0.into();
        for i in 0..self.thresholds.len() {
            if self.flipped.val() >= self.thresholds[i].val() {
                self.count.next = self.count.val() + 1;
            }
        }
        self.code_out.next = self.count.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flipping_preserves_signed_order() {
        let vals = [-(1i64 << 20), -5, -1, 0, 1, 7, 1 << 20];
        let f: Vec<Bits<32>> = vals.iter().map(|&v| flipped::<32>(v)).collect();
        assert!(f.windows(2).all(|w| w[0] < w[1]), "{f:?}");
    }
}
