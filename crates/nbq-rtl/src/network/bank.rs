//! The network top's comparator bank: `code = #{ i : sum >= T_i }` (`nbq_quant::activation::ThresholdQuantizer::
//! code`), as the engine's [`crate::requant::Requantizer`] computes it, built for speed and area inside the top.
//!
//! * The sum is compared on its `width` significant bits only (the layer's partial-sum width; the bits above are
//!   sign copies): input and thresholds are reduced to `width` bits with the sign bit flipped, which orders them
//!   as unsigned numbers. The unused upper bits are then constants that synthesis removes.
//! * The thresholds are sorted, so the comparators' results form a thermometer code (all ones, then all zeros),
//!   and its count is the XOR of `(i + 1) ^ i` over the comparators that hold: a telescoping XOR whose terms
//!   synthesis arranges as a shallow tree, where a chain of increments would be as deep as the bank is long.
//!
//! * The comparisons are registered and the count taken from the registers, so that the bank is two short paths
//!   (a comparator's carry chain, then the XOR tree) instead of one long one.
//!
//! Ports: `clock`, `sum_in` (ACC tier), `code_out` (`OUT` bits): the code of the `sum_in` of the cycle before.

use rust_hdl::prelude::*;

use crate::widths::{bit, low_mask};

#[derive(LogicBlock)]
pub struct CodeBank<const ACC: usize, const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub sum_in: Signal<In, Bits<ACC>>,
    pub code_out: Signal<Out, Bits<OUT>>,
    thresholds: Vec<Constant<Bits<ACC>>>,
    steps: Vec<Constant<Bits<OUT>>>,
    ge: Vec<DFF<Bit>>,
    mask: Constant<Bits<ACC>>,
    flip: Constant<Bits<ACC>>,
    key: Signal<Local, Bits<ACC>>,
    code: Signal<Local, Bits<OUT>>,
}

/// `t` as a `width`-bit two's complement word with its sign bit flipped.
fn key<const ACC: usize>(t: i64, width: usize) -> Bits<ACC> {
    let magnitude = Bits::<ACC>::from(t.unsigned_abs());
    let twos = if t < 0 { (!magnitude + 1) & Bits::<ACC>::mask() } else { magnitude };
    (twos & low_mask::<ACC>(width)) ^ bit::<ACC>(width - 1)
}

impl<const ACC: usize, const OUT: usize> CodeBank<ACC, OUT> {
    /// A bank of non-decreasing `thresholds` (1 to 255) on sums of `width` (2..=ACC) significant bits; each
    /// threshold must fit `width` bits.
    pub fn new(thresholds: &[i64], width: usize) -> Self {
        assert!((1..=255).contains(&thresholds.len()), "1..=255 thresholds, got {}", thresholds.len());
        assert!(thresholds.windows(2).all(|w| w[0] <= w[1]), "thresholds must not decrease");
        assert!((2..=ACC).contains(&width) && OUT >= 8, "width {width} in a {ACC}-bit tier, {OUT}-bit codes");
        Self {
            clock: Default::default(),
            ge: thresholds.iter().map(|_| Default::default()).collect(),
            sum_in: Default::default(),
            code_out: Default::default(),
            thresholds: thresholds.iter().map(|&t| Constant::new(key::<ACC>(t, width))).collect(),
            steps: (0..thresholds.len() as u64).map(|i| Constant::new(Bits::<OUT>::from((i + 1) ^ i))).collect(),
            mask: Constant::new(low_mask(width)),
            flip: Constant::new(bit(width - 1)),
            key: Default::default(),
            code: Default::default(),
        }
    }
}

impl<const ACC: usize, const OUT: usize> Logic for CodeBank<ACC, OUT> {
    #[hdl_gen]
    fn update(&mut self) {
        self.key.next = (self.sum_in.val() & self.mask.val()) ^ self.flip.val();
        self.code.next = 0.into();
        for i in 0..self.thresholds.len() {
            self.ge[i].clock.next = self.clock.val();
            self.ge[i].d.next = self.key.val() >= self.thresholds[i].val();
            if self.ge[i].q.val() {
                self.code.next = self.code.val() ^ self.steps[i].val();
            }
        }
        self.code_out.next = self.code.val();
    }
}
