//! VPE processing element: `psum_out <= psum_in + x * weight` (`x` the pixel of the previous enabled edge, as in
//! the shift PE), the n-BQ-NN paper's 16-bit multiplier baseline, with exactly the ports and timing of
//! [`super::ShiftPe`] so that arrays differ only in the PE.
//!
//! The weight register holds a 16-bit two's complement weight (the whole `weight_in` bus) instead of an
//! exponent code; `off_pos`/`off_neg` are accepted and unused. Latencies as the shift PE: `psum_out` 1 enabled
//! edge, `act_out` 2. Bit growth: the A-bit pixel is sign-extended explicitly to 16 bits, multiplied as
//! `signed(16) x signed(16) -> signed(32)` (a DSP multiplier, or LUTs where there is none), the product
//! sign-extended explicitly to the tier, and each partial sum reduced to ACC bits and sign-extended, as in the
//! shift PE.

use rust_hdl::prelude::*;

use super::SHIFT_BITS;
use crate::widths::{bit, high_mask, low_mask, Widths, BUS_BITS};

/// The multiplier PE over an accumulator tier of `ACC >= 32` bits.
#[derive(LogicBlock)]
pub struct MulPe<const ACC: usize> {
    pub clock: Signal<In, Clock>,
    pub enable: Signal<In, Bit>,
    pub load: Signal<In, Bit>,
    pub weight_in: Signal<In, Bits<BUS_BITS>>,
    pub weight_out: Signal<Out, Bits<BUS_BITS>>,
    pub off_pos: Signal<In, Bits<SHIFT_BITS>>,
    pub off_neg: Signal<In, Bits<SHIFT_BITS>>,
    pub act_in: Signal<In, Bits<BUS_BITS>>,
    pub psum_in: Signal<In, Bits<ACC>>,
    pub act_out: Signal<Out, Bits<BUS_BITS>>,
    pub psum_out: Signal<Out, Bits<ACC>>,
    weight: DFF<Bits<BUS_BITS>>,
    act_q1: DFF<Bits<BUS_BITS>>,
    act_q2: DFF<Bits<BUS_BITS>>,
    psum_q: DFF<Bits<ACC>>,
    act_mask: Constant<Bits<BUS_BITS>>,
    act_sign: Constant<Bits<BUS_BITS>>,
    act_ext: Constant<Bits<BUS_BITS>>,
    prod_sign: Constant<Bits<32>>,
    prod_ext: Constant<Bits<ACC>>,
    acc_mask: Constant<Bits<ACC>>,
    acc_sign: Constant<Bits<ACC>>,
    acc_ext: Constant<Bits<ACC>>,
    a16: Signal<Local, Bits<BUS_BITS>>,
    a_s: Signal<Local, Signed<16>>,
    w_s: Signal<Local, Signed<16>>,
    prod_s: Signal<Local, Signed<32>>,
    prod_u: Signal<Local, Bits<32>>,
    product: Signal<Local, Bits<ACC>>,
    raw: Signal<Local, Bits<ACC>>,
    sum: Signal<Local, Bits<ACC>>,
}

impl<const ACC: usize> MulPe<ACC> {
    /// The largest left shift a product's weight amounts to: 15 for a 16-bit two's complement weight
    /// (-2^15 times the most negative pixel).
    pub fn max_shift(_w: Widths) -> usize {
        BUS_BITS - 1
    }

    /// Panics on widths the design config rejects first.
    pub fn new(w: Widths) -> Self {
        assert!((2..=16).contains(&w.act), "activation bits {} outside 2..=16", w.act);
        assert!(w.code == 16, "the multiplier PE takes 16-bit weights, not {}", w.code);
        assert!(w.acc > w.act && w.acc <= ACC, "accumulator bits {} outside {}..={ACC}", w.acc, w.act + 1);
        assert!(ACC >= 32, "accumulator tier {ACC} must hold the 32-bit product");
        Self {
            clock: Default::default(),
            enable: Default::default(),
            load: Default::default(),
            weight_in: Default::default(),
            weight_out: Default::default(),
            off_pos: Default::default(),
            off_neg: Default::default(),
            act_in: Default::default(),
            psum_in: Default::default(),
            act_out: Default::default(),
            psum_out: Default::default(),
            weight: Default::default(),
            act_q1: Default::default(),
            act_q2: Default::default(),
            psum_q: Default::default(),
            act_mask: Constant::new(low_mask(w.act)),
            act_sign: Constant::new(bit(w.act - 1)),
            act_ext: Constant::new(high_mask(w.act)),
            prod_sign: Constant::new(bit(31)),
            prod_ext: Constant::new(high_mask(32)),
            acc_mask: Constant::new(low_mask(w.acc)),
            acc_sign: Constant::new(bit(w.acc - 1)),
            acc_ext: Constant::new(high_mask(w.acc)),
            a16: Default::default(),
            a_s: Default::default(),
            w_s: Default::default(),
            prod_s: Default::default(),
            prod_u: Default::default(),
            product: Default::default(),
            raw: Default::default(),
            sum: Default::default(),
        }
    }
}

impl<const ACC: usize> Logic for MulPe<ACC> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, weight, act_q1, act_q2, psum_q);
        if self.load.val() {
            self.weight.d.next = self.weight_in.val();
        }
        self.weight_out.next = self.weight.q.val();
        // Explicit sign extension of the A-bit pixel to 16 bits.
        self.a16.next = self.act_in.val() & self.act_mask.val();
        if (self.act_in.val() & self.act_sign.val()) != 0 {
            self.a16.next = (self.act_in.val() & self.act_mask.val()) | self.act_ext.val();
        }
        self.a_s.next = signed_cast(self.act_q1.q.val());
        self.w_s.next = signed_cast(self.weight.q.val());
        self.prod_s.next = self.a_s.val() * self.w_s.val();
        self.prod_u.next = unsigned_cast(self.prod_s.val());
        // Explicit sign extension of the 32-bit product to the tier.
        self.product.next = bit_cast::<ACC, 32>(self.prod_u.val());
        if (self.prod_u.val() & self.prod_sign.val()) != 0 {
            self.product.next = bit_cast::<ACC, 32>(self.prod_u.val()) | self.prod_ext.val();
        }
        self.raw.next = self.psum_in.val() + self.product.val();
        self.sum.next = self.raw.val() & self.acc_mask.val();
        if (self.raw.val() & self.acc_sign.val()) != 0 {
            self.sum.next = (self.raw.val() & self.acc_mask.val()) | self.acc_ext.val();
        }
        if self.enable.val() {
            self.psum_q.d.next = self.sum.val();
            self.act_q1.d.next = self.a16.val();
            self.act_q2.d.next = self.act_q1.q.val();
        }
        self.act_out.next = self.act_q2.q.val();
        self.psum_out.next = self.psum_q.q.val();
    }
}
