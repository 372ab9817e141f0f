//! VPE processing element: `psum_out <= psum_in + act_in * weight`, the n-BQ-NN paper's 16-bit multiplier
//! baseline, with exactly the ports of [`super::ShiftPe`] so that arrays differ only in the PE.
//!
//! The weight register (`code_in`/`code_out`, W = 16 bits) holds a two's complement integer weight instead of an
//! exponent code; `off_pos`/`off_neg` are accepted and unused. Latencies as the shift PE: `psum_out` 1 enabled
//! edge, `act_out` 2. Bit growth: the A-bit activation is sign-extended explicitly to 16 bits, multiplied as
//! `signed(16) x signed(16) -> signed(32)` (a DSP multiplier, or LUTs where there is none), and the 32-bit
//! product is sign-extended explicitly (constant mask) to ACC >= 32 bits.

use rust_hdl::prelude::*;

use super::SHIFT_BITS;

/// The multiplier PE; `A` activation bits, `W` weight bits (must be 16), `ACC` accumulator bits.
#[derive(LogicBlock)]
pub struct MulPe<const A: usize, const W: usize, const ACC: usize> {
    pub clock: Signal<In, Clock>,
    pub enable: Signal<In, Bit>,
    pub load: Signal<In, Bit>,
    pub code_in: Signal<In, Bits<W>>,
    pub code_out: Signal<Out, Bits<W>>,
    pub off_pos: Signal<In, Bits<SHIFT_BITS>>,
    pub off_neg: Signal<In, Bits<SHIFT_BITS>>,
    pub act_in: Signal<In, Bits<A>>,
    pub psum_in: Signal<In, Bits<ACC>>,
    pub act_out: Signal<Out, Bits<A>>,
    pub psum_out: Signal<Out, Bits<ACC>>,
    weight: DFF<Bits<16>>,
    act_q1: DFF<Bits<A>>,
    act_q2: DFF<Bits<A>>,
    psum_q: DFF<Bits<ACC>>,
    act_sign_ext: Constant<Bits<16>>,
    act_neg_min: Constant<Bits<A>>,
    prod_sign_ext: Constant<Bits<ACC>>,
    prod_neg_min: Constant<Bits<32>>,
    act16: Signal<Local, Bits<16>>,
    a_s: Signal<Local, Signed<16>>,
    w_s: Signal<Local, Signed<16>>,
    prod_s: Signal<Local, Signed<32>>,
    prod_u: Signal<Local, Bits<32>>,
    product: Signal<Local, Bits<ACC>>,
}

impl<const A: usize, const W: usize, const ACC: usize> MulPe<A, W, ACC> {
    pub fn new() -> Self {
        assert!((2..=16).contains(&A), "activation bits {A} outside 2..=16");
        assert!(W == 16, "the multiplier PE takes 16-bit weights, not {W}");
        assert!((32..=512).contains(&ACC), "accumulator bits {ACC} must hold the 32-bit product");
        Self {
            clock: Default::default(),
            enable: Default::default(),
            load: Default::default(),
            code_in: Default::default(),
            code_out: Default::default(),
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
            act_sign_ext: Constant::new((Bits::<16>::mask() >> A as u64) << A as u64),
            act_neg_min: Constant::new(Bits::<A>::from(1u64 << (A - 1))),
            prod_sign_ext: Constant::new((Bits::<ACC>::mask() >> 32u64) << 32u64),
            prod_neg_min: Constant::new(Bits::<32>::from(1u64 << 31)),
            act16: Default::default(),
            a_s: Default::default(),
            w_s: Default::default(),
            prod_s: Default::default(),
            prod_u: Default::default(),
            product: Default::default(),
        }
    }
}

impl<const A: usize, const W: usize, const ACC: usize> Default for MulPe<A, W, ACC> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const A: usize, const W: usize, const ACC: usize> Logic for MulPe<A, W, ACC> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, weight, act_q1, act_q2, psum_q);
        if self.load.val() {
            self.weight.d.next = bit_cast::<16, W>(self.code_in.val());
        }
        self.code_out.next = bit_cast::<W, 16>(self.weight.q.val());
        // Explicit sign extension of the activation to 16 bits.
        self.act16.next = bit_cast::<16, A>(self.act_in.val());
        if self.act_in.val() >= self.act_neg_min.val() {
            self.act16.next = bit_cast::<16, A>(self.act_in.val()) | self.act_sign_ext.val();
        }
        self.a_s.next = signed_cast(self.act16.val());
        self.w_s.next = signed_cast(self.weight.q.val());
        self.prod_s.next = self.a_s.val() * self.w_s.val();
        self.prod_u.next = unsigned_cast(self.prod_s.val());
        // Explicit sign extension of the 32-bit product to ACC bits.
        self.product.next = bit_cast::<ACC, 32>(self.prod_u.val());
        if self.prod_u.val() >= self.prod_neg_min.val() {
            self.product.next = bit_cast::<ACC, 32>(self.prod_u.val()) | self.prod_sign_ext.val();
        }
        if self.enable.val() {
            self.psum_q.d.next = self.psum_in.val() + self.product.val();
            self.act_q1.d.next = self.act_in.val();
            self.act_q2.d.next = self.act_q1.q.val();
        }
        self.act_out.next = self.act_q2.q.val();
        self.psum_out.next = self.psum_q.q.val();
    }
}
