//! SVPE processing element: `psum_out <= psum_in ± (x << shift)`, the n-BQ-NN paper's shift PE, where `x` is the
//! pixel of the previous enabled edge (held in the PE's first pixel register).
//!
//! Ports (all synchronous to `clock`; in order, [`crate::conv::Ports::pe`]):
//! * `load`, `weight_in` ([`BUS_BITS`] = 16 bits, the n-bit code in the low bits), `weight_out`: when `load` is
//!   high at a rising edge the code register takes `weight_in`; `weight_out` shows the register, so PEs chain into
//!   one shift register for loading weights.
//! * `off_pos`, `off_neg` ([`SHIFT_BITS`] = 8 bits): GSNQ's per-sign shift offsets of the layer (0 for symmetric
//!   methods), sampled while `load` is high: the PE decodes the code into sign, zero flag and shift amount as it
//!   loads, so the offsets must be valid during loading (they are per-layer constants) and may change only with a
//!   reload. Until the first load the PE holds the zero weight (as the multiplier PE does). A design without
//!   offsets at n = 2 to 4 ignores both ports and decodes the held code in the datapath
//!   ([`ShiftPe::decodes_held_code`]).
//! * `enable`: the datapath registers advance only on edges where it is high (a stall holds them).
//! * `act_in` (16 bits; the low A bits are the two's complement pixel, the rest is ignored), `psum_in` (ACC tier).
//! * `psum_out`: `psum_in + term(code) * x`, with `x` the `act_in` of the previous enabled edge, reduced to ACC
//!   bits and sign-extended to the tier; registered, latency 1 enabled edge. Computing from the registered pixel
//!   keeps block-RAM outputs and long routes off the arithmetic path (the line buffers feed PEs directly).
//! * `act_out`: the pixel sign-extended to 16 bits, through two registers: latency 2 enabled edges, for a
//!   systolic chain (pixels at half the speed of the partial sums). nbq's convolver does not use it: its
//!   transposed chain gives every PE of a row the row's pixel (see `conv::array`), and synthesis removes the
//!   unused registers.
//!
//! Code decoding as in `nbq_quant::code`: sign bit n-1, magnitude `m` below it; `m = 0` is zero (the unused
//! "negative zero" code too); otherwise shift = `m - 1 + offset`. For n = 1 the code is the sign and
//! shift = offset. Bit growth: the A-bit pixel is sign-extended *explicitly* (masks OR-ed in, never a cast),
//! shifted and added or subtracted at the tier width; the analysis-derived ACC keeps it from overflowing. The
//! shift amount is masked to the bits the design's largest shift (`Widths::shift`) needs, so the barrel shifter
//! has only those stages; larger offsets than the design's are therefore not supported.

use rust_hdl::prelude::*;

use crate::widths::{bit, high_mask, low_mask, Widths, BUS_BITS};

/// Width of the shift amount and offsets (shifts up to 255).
pub const SHIFT_BITS: usize = 8;

/// The shift PE over an accumulator tier of `ACC` bits.
#[derive(LogicBlock)]
pub struct ShiftPe<const ACC: usize> {
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
    code: DFF<Bits<BUS_BITS>>,
    neg_q: DFF<Bit>,
    // The shift amount split for speed: a one-hot select of its low two bits (all zero for the zero code, so the
    // first stage also zeroes the product) and the rest as a plain amount. Power-up state 0: the PE holds the
    // zero weight until the first load (also for n = 1, which has no zero code).
    sel_q: DFF<Bits<4>>,
    shift_hi_q: DFF<Bits<SHIFT_BITS>>,
    act_q1: DFF<Bits<BUS_BITS>>,
    act_q2: DFF<Bits<BUS_BITS>>,
    psum_q: DFF<Bits<ACC>>,
    // Build-time constants (see `new`).
    act_mask: Constant<Bits<BUS_BITS>>,
    act_sign: Constant<Bits<BUS_BITS>>,
    act_ext: Constant<Bits<BUS_BITS>>,
    bus_sign: Constant<Bits<BUS_BITS>>,
    tier_ext: Constant<Bits<ACC>>,
    code_mask: Constant<Bits<BUS_BITS>>,
    code_sign: Constant<Bits<BUS_BITS>>,
    mag_mask: Constant<Bits<BUS_BITS>>,
    sign_only: Constant<Bit>,
    shift_mask: Constant<Bits<SHIFT_BITS>>,
    acc_mask: Constant<Bits<ACC>>,
    acc_sign: Constant<Bits<ACC>>,
    acc_ext: Constant<Bits<ACC>>,
    // Combinational temporaries.
    a16: Signal<Local, Bits<BUS_BITS>>,
    ext: Signal<Local, Bits<ACC>>,
    negative: Signal<Local, Bit>,
    mag: Signal<Local, Bits<SHIFT_BITS>>,
    offset: Signal<Local, Bits<SHIFT_BITS>>,
    shift: Signal<Local, Bits<SHIFT_BITS>>,
    is_zero: Signal<Local, Bit>,
    sel: Signal<Local, Bits<4>>,
    low_bits: Constant<Bits<SHIFT_BITS>>,
    sel_mask: Constant<Bits<4>>,
    direct: Constant<Bit>,
    held_mag: Signal<Local, Bits<SHIFT_BITS>>,
    sel_use: Signal<Local, Bits<4>>,
    neg_use: Signal<Local, Bit>,
    hi_use: Signal<Local, Bits<SHIFT_BITS>>,
    sel_t: Signal<Local, Bits<4>>,
    neg_t: Signal<Local, Bit>,
    hi_t: Signal<Local, Bits<SHIFT_BITS>>,
    four: Constant<Bits<SHIFT_BITS>>,
    stage: Signal<Local, Bits<ACC>>,
    product: Signal<Local, Bits<ACC>>,
    addend: Signal<Local, Bits<ACC>>,
    carry_in: Signal<Local, Bits<ACC>>,
    ones: Constant<Bits<ACC>>,
    one: Constant<Bits<ACC>>,
    raw: Signal<Local, Bits<ACC>>,
    sum: Signal<Local, Bits<ACC>>,
}

impl<const ACC: usize> ShiftPe<ACC> {
    /// The largest left shift of a pixel in a product: the design's.
    pub fn max_shift(w: Widths) -> usize {
        w.shift
    }

    /// Whether the datapath decodes the held code itself, by comparisons of its magnitude (shift = m - 1),
    /// instead of registering its decoded form at load: for n = 2 to 4 without GSNQ offsets (the design's
    /// largest shift is the code's own, 2^(n-1) - 2). The comparisons fold into the shifter's stages; the sign,
    /// select and upper-shift flip-flops go, and so does the load-time subtraction with the offset ports (a carry
    /// chain per PE, kept because the ports are live inputs). Such a design ignores `off_pos`/`off_neg`, which it
    /// requires to be 0. Not for n = 1, whose zero code does not exist (the PE must hold the zero weight until the
    /// first load).
    pub fn decodes_held_code(w: Widths) -> bool {
        (2..=4).contains(&w.code) && w.shift + 2 == 1 << (w.code - 1)
    }

    /// Panics on widths the design config rejects first.
    pub fn new(w: Widths) -> Self {
        assert!((2..=16).contains(&w.act), "activation bits {} outside 2..=16", w.act);
        assert!((1..=8).contains(&w.code), "code bits {} outside 1..=8", w.code);
        assert!(w.acc > w.act && w.acc <= ACC, "accumulator bits {} outside {}..={ACC}", w.acc, w.act + 1);
        assert!(ACC >= 17, "accumulator tier {ACC} must exceed the 16-bit bus");
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
            code: Default::default(),
            neg_q: Default::default(),
            sel_q: Default::default(),
            shift_hi_q: Default::default(),
            act_q1: Default::default(),
            act_q2: Default::default(),
            psum_q: Default::default(),
            act_mask: Constant::new(low_mask(w.act)),
            act_sign: Constant::new(bit(w.act - 1)),
            act_ext: Constant::new(high_mask(w.act)),
            bus_sign: Constant::new(bit(BUS_BITS - 1)),
            tier_ext: Constant::new(high_mask(BUS_BITS)),
            code_mask: Constant::new(low_mask(w.code)),
            code_sign: Constant::new(bit(w.code - 1)),
            mag_mask: Constant::new(low_mask(w.code - 1)),
            sign_only: Constant::new(w.code == 1),
            shift_mask: Constant::new(low_mask(w.shift_bits().min(SHIFT_BITS))),
            acc_mask: Constant::new(low_mask(w.acc)),
            acc_sign: Constant::new(bit(w.acc - 1)),
            acc_ext: Constant::new(high_mask(w.acc)),
            a16: Default::default(),
            ext: Default::default(),
            negative: Default::default(),
            mag: Default::default(),
            offset: Default::default(),
            shift: Default::default(),
            is_zero: Default::default(),
            sel: Default::default(),
            low_bits: Constant::new(Bits::<SHIFT_BITS>::from(3u64)),
            // Low shift amounts above the design's largest are never selected: their flip-flops are constants.
            sel_mask: Constant::new(low_mask((w.shift + 1).min(4))),
            direct: Constant::new(Self::decodes_held_code(w)),
            held_mag: Default::default(),
            sel_use: Default::default(),
            neg_use: Default::default(),
            hi_use: Default::default(),
            sel_t: Default::default(),
            neg_t: Default::default(),
            hi_t: Default::default(),
            four: Constant::new(Bits::<SHIFT_BITS>::from(4u64)),
            stage: Default::default(),
            product: Default::default(),
            addend: Default::default(),
            carry_in: Default::default(),
            ones: Constant::new(Bits::<ACC>::mask()),
            one: Constant::new(Bits::<ACC>::from(1u64)),
            raw: Default::default(),
            sum: Default::default(),
        }
    }
}

impl<const ACC: usize> Logic for ShiftPe<ACC> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, code, neg_q, sel_q, shift_hi_q, act_q1, act_q2, psum_q);
        // Decode the code arriving on the weight chain: sign, magnitude, shift (registered with the code when it
        // loads, so the datapath below starts from flip-flops); where `direct`, these registers go unused.
        self.negative.next = (self.weight_in.val() & self.code_sign.val()) != 0;
        self.mag.next = bit_cast::<SHIFT_BITS, BUS_BITS>(self.weight_in.val() & self.mag_mask.val());
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
        self.sel.next = 0.into();
        if !self.is_zero.val() {
            self.sel.next = 1.into();
            if (self.shift.val() & self.low_bits.val()) == 1 {
                self.sel.next = 2.into();
            }
            if (self.shift.val() & self.low_bits.val()) == 2 {
                self.sel.next = 4.into();
            }
            if (self.shift.val() & self.low_bits.val()) == 3 {
                self.sel.next = 8.into();
            }
        }
        // Where `direct` (no offsets, m <= 7): the held code's magnitude m selects shift m - 1, as comparisons
        // (logic that merges into the shifter's stages) rather than the subtraction above.
        self.held_mag.next = bit_cast::<SHIFT_BITS, BUS_BITS>(self.code.q.val() & self.mag_mask.val());
        self.sel_t.next = 0.into();
        self.hi_t.next = 0.into();
        if (self.held_mag.val() == 1) | (self.held_mag.val() == 5) {
            self.sel_t.next = 1.into();
        }
        if (self.held_mag.val() == 2) | (self.held_mag.val() == 6) {
            self.sel_t.next = 2.into();
        }
        if (self.held_mag.val() == 3) | (self.held_mag.val() == 7) {
            self.sel_t.next = 4.into();
        }
        if self.held_mag.val() == 4 {
            self.sel_t.next = 8.into();
        }
        if (self.held_mag.val() == 5) | (self.held_mag.val() == 6) | (self.held_mag.val() == 7) {
            self.hi_t.next = self.four.val();
        }
        self.neg_t.next = ((self.code.q.val() & self.code_sign.val()) != 0) & (self.held_mag.val() != 0);
        if self.load.val() {
            self.code.d.next = self.weight_in.val() & self.code_mask.val();
            self.neg_q.d.next = self.negative.val() & !self.is_zero.val();
            self.sel_q.d.next = self.sel.val() & self.sel_mask.val();
            // Only the stages a design's largest shift needs: offsets beyond the design's are not supported.
            self.shift_hi_q.d.next = self.shift.val() & self.shift_mask.val() & !self.low_bits.val();
        }
        self.weight_out.next = self.code.q.val();
        self.sel_use.next = self.sel_q.q.val();
        self.neg_use.next = self.neg_q.q.val();
        self.hi_use.next = self.shift_hi_q.q.val();
        if self.direct.val() {
            self.sel_use.next = self.sel_t.val();
            self.neg_use.next = self.neg_t.val();
            self.hi_use.next = self.hi_t.val();
        }
        // Explicit sign extension: A bits to the bus, then the bus to the accumulator tier.
        self.a16.next = self.act_in.val() & self.act_mask.val();
        if (self.act_in.val() & self.act_sign.val()) != 0 {
            self.a16.next = (self.act_in.val() & self.act_mask.val()) | self.act_ext.val();
        }
        self.ext.next = bit_cast::<ACC, BUS_BITS>(self.act_q1.q.val());
        if (self.act_q1.q.val() & self.bus_sign.val()) != 0 {
            self.ext.next = bit_cast::<ACC, BUS_BITS>(self.act_q1.q.val()) | self.tier_ext.val();
        }
        // Shift by the low two bits with the one-hot select (two LUT levels on a 4-input-LUT fabric), then by
        // the rest.
        self.stage.next = 0.into();
        if self.sel_use.val().get_bit(0) {
            self.stage.next = self.stage.val() | self.ext.val();
        }
        if self.sel_use.val().get_bit(1) {
            self.stage.next = self.stage.val() | (self.ext.val() << 1);
        }
        if self.sel_use.val().get_bit(2) {
            self.stage.next = self.stage.val() | (self.ext.val() << 2);
        }
        if self.sel_use.val().get_bit(3) {
            self.stage.next = self.stage.val() | (self.ext.val() << 3);
        }
        self.product.next = self.stage.val() << self.hi_use.val();
        // psum ± product in one carry chain: subtracting adds the complement and a carry in.
        self.addend.next = self.product.val();
        self.carry_in.next = 0.into();
        if self.neg_use.val() {
            self.addend.next = self.product.val() ^ self.ones.val();
            self.carry_in.next = self.one.val();
        }
        self.raw.next = self.psum_in.val() + self.addend.val() + self.carry_in.val();
        // Reduce to ACC bits and sign-extend to the tier.
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
