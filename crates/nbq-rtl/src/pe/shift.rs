//! SVPE processing element: `psum_out <= psum_in ± (act_in << shift)`, the n-BQ-NN paper's shift PE.
//!
//! Ports (all synchronous to `clock`):
//! * `load`, `code_in` (N bits), `code_out`: when `load` is high at a rising edge, the weight-code register takes
//!   `code_in`; `code_out` shows the register, so PEs chain into one shift register for loading weights.
//! * `off_pos`, `off_neg` (8 bits): GSNQ's per-sign shift offsets of the current layer (0 for symmetric methods).
//! * `enable`: the datapath registers advance only on edges where it is high (a stall holds them).
//! * `act_in` (A bits, two's complement), `psum_in` (ACC bits): the pixel and the partial sum entering the PE.
//! * `psum_out`: `psum_in + term(code) * act_in`, registered: latency 1 enabled edge.
//! * `act_out`: `act_in` through two registers: latency 2 enabled edges. Pixels thus move along a chain of PEs
//!   at half the speed of the partial sums: the systolic FIR arrangement in which chained PEs compute a
//!   convolution with weights held in place.
//!
//! The code is decoded as in `nbq_quant::code`: sign bit (MSB) and magnitude `m`; `m = 0` is zero (and the
//! "negative zero" code is treated as zero); otherwise shift = `m - 1 + offset`. For N = 1 the code is the sign
//! and shift = offset. Bit growth: the activation is sign-extended to ACC bits *explicitly* (the sign bit is
//! replicated by OR-ing a constant mask), then shifted and added or subtracted at ACC bits; ACC comes from the
//! width analysis, so nothing overflows.

use rust_hdl::prelude::*;

/// Width of the shift amount and offsets (shifts up to 255).
pub const SHIFT_BITS: usize = 8;

/// The shift PE; `A` activation bits, `N` code bits, `ACC` accumulator bits.
#[derive(LogicBlock)]
pub struct ShiftPe<const A: usize, const N: usize, const ACC: usize> {
    pub clock: Signal<In, Clock>,
    pub enable: Signal<In, Bit>,
    pub load: Signal<In, Bit>,
    pub code_in: Signal<In, Bits<N>>,
    pub code_out: Signal<Out, Bits<N>>,
    pub off_pos: Signal<In, Bits<SHIFT_BITS>>,
    pub off_neg: Signal<In, Bits<SHIFT_BITS>>,
    pub act_in: Signal<In, Bits<A>>,
    pub psum_in: Signal<In, Bits<ACC>>,
    pub act_out: Signal<Out, Bits<A>>,
    pub psum_out: Signal<Out, Bits<ACC>>,
    code: DFF<Bits<N>>,
    act_q1: DFF<Bits<A>>,
    act_q2: DFF<Bits<A>>,
    psum_q: DFF<Bits<ACC>>,
    // Build-time constants (see `new`).
    sign_ext: Constant<Bits<ACC>>,
    act_neg_min: Constant<Bits<A>>,
    code_neg_min: Constant<Bits<N>>,
    mag_mask: Constant<Bits<N>>,
    sign_only: Constant<Bit>,
    // Combinational temporaries.
    ext: Signal<Local, Bits<ACC>>,
    negative: Signal<Local, Bit>,
    mag: Signal<Local, Bits<SHIFT_BITS>>,
    offset: Signal<Local, Bits<SHIFT_BITS>>,
    shift: Signal<Local, Bits<SHIFT_BITS>>,
    is_zero: Signal<Local, Bit>,
    product: Signal<Local, Bits<ACC>>,
}

impl<const A: usize, const N: usize, const ACC: usize> ShiftPe<A, N, ACC> {
    /// Panics on impossible widths; callers pass widths validated by the design config.
    pub fn new() -> Self {
        assert!((2..=16).contains(&A), "activation bits {A} outside 2..=16");
        assert!((1..=8).contains(&N), "code bits {N} outside 1..=8");
        assert!(ACC > A && ACC <= 512, "accumulator bits {ACC} must exceed the activation's {A}");
        let ones_above_a = (Bits::<ACC>::mask() >> A as u64) << A as u64;
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
            code: Default::default(),
            act_q1: Default::default(),
            act_q2: Default::default(),
            psum_q: Default::default(),
            sign_ext: Constant::new(ones_above_a),
            act_neg_min: Constant::new(Bits::<A>::from(1u64 << (A - 1))),
            code_neg_min: Constant::new(Bits::<N>::from(1u64 << (N - 1))),
            mag_mask: Constant::new(Bits::<N>::from((1u64 << (N - 1)) - 1)),
            sign_only: Constant::new(N == 1),
            ext: Default::default(),
            negative: Default::default(),
            mag: Default::default(),
            offset: Default::default(),
            shift: Default::default(),
            is_zero: Default::default(),
            product: Default::default(),
        }
    }
}

impl<const A: usize, const N: usize, const ACC: usize> Default for ShiftPe<A, N, ACC> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const A: usize, const N: usize, const ACC: usize> Logic for ShiftPe<A, N, ACC> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, code, act_q1, act_q2, psum_q);
        if self.load.val() {
            self.code.d.next = self.code_in.val();
        }
        self.code_out.next = self.code.q.val();
        // Explicit sign extension: zero-extend, then set every bit above A-1 when the sign bit is set.
        self.ext.next = bit_cast::<ACC, A>(self.act_in.val());
        if self.act_in.val() >= self.act_neg_min.val() {
            self.ext.next = bit_cast::<ACC, A>(self.act_in.val()) | self.sign_ext.val();
        }
        // Decode the code: sign, magnitude, shift.
        self.negative.next = self.code.q.val() >= self.code_neg_min.val();
        self.mag.next = bit_cast::<SHIFT_BITS, N>(self.code.q.val() & self.mag_mask.val());
        self.offset.next = self.off_pos.val();
        if self.negative.val() {
            self.offset.next = self.off_neg.val();
        }
        self.is_zero.next = false;
        self.shift.next = self.offset.val();
        if !self.sign_only.val() {
            self.is_zero.next = self.mag.val() == 0;
            self.shift.next = self.mag.val() - 1 + self.offset.val();
        }
        self.product.next = self.ext.val() << self.shift.val();
        // Add or subtract into the passing partial sum.
        if self.enable.val() {
            self.psum_q.d.next = self.psum_in.val() + self.product.val();
            if self.negative.val() {
                self.psum_q.d.next = self.psum_in.val() - self.product.val();
            }
            if self.is_zero.val() {
                self.psum_q.d.next = self.psum_in.val();
            }
            self.act_q1.d.next = self.act_in.val();
            self.act_q2.d.next = self.act_q1.q.val();
        }
        self.act_out.next = self.act_q2.q.val();
        self.psum_out.next = self.psum_q.q.val();
    }
}
