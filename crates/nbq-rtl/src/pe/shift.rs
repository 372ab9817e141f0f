//! SVPE processing element: `psum_out <= psum_in ± (act_in << shift)`, the n-BQ-NN paper's shift PE.
//!
//! Ports (all synchronous to `clock`; widths in [`crate::widths`]):
//! * `load`, `weight_in` (16 bits, the n-bit code in the low bits), `weight_out`: when `load` is high at a rising
//!   edge the code register takes `weight_in`; `weight_out` shows the register, so PEs chain into one shift
//!   register for loading weights.
//! * `off_pos`, `off_neg` (8 bits): GSNQ's per-sign shift offsets of the layer (0 for symmetric methods).
//! * `enable`: the datapath registers advance only on edges where it is high (a stall holds them).
//! * `act_in` (16 bits; the low A bits are the two's complement pixel, the rest is ignored), `psum_in` (ACC tier).
//! * `psum_out`: `psum_in + term(code) * act_in`, reduced to ACC bits and sign-extended to the tier; registered,
//!   latency 1 enabled edge.
//! * `act_out`: the pixel sign-extended to 16 bits, through two registers: latency 2 enabled edges. Pixels move
//!   along a chain of PEs at half the speed of the partial sums: the systolic FIR arrangement in which chained PEs
//!   compute a convolution with their weights held in place.
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
    product: Signal<Local, Bits<ACC>>,
    raw: Signal<Local, Bits<ACC>>,
    sum: Signal<Local, Bits<ACC>>,
}

impl<const ACC: usize> ShiftPe<ACC> {
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
            product: Default::default(),
            raw: Default::default(),
            sum: Default::default(),
        }
    }
}

impl<const ACC: usize> Logic for ShiftPe<ACC> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, code, act_q1, act_q2, psum_q);
        if self.load.val() {
            self.code.d.next = self.weight_in.val() & self.code_mask.val();
        }
        self.weight_out.next = self.code.q.val();
        // Explicit sign extension: A bits to the bus, then the bus to the accumulator tier.
        self.a16.next = self.act_in.val() & self.act_mask.val();
        if (self.act_in.val() & self.act_sign.val()) != 0 {
            self.a16.next = (self.act_in.val() & self.act_mask.val()) | self.act_ext.val();
        }
        self.ext.next = bit_cast::<ACC, BUS_BITS>(self.a16.val());
        if (self.a16.val() & self.bus_sign.val()) != 0 {
            self.ext.next = bit_cast::<ACC, BUS_BITS>(self.a16.val()) | self.tier_ext.val();
        }
        // Decode the code: sign, magnitude, shift.
        self.negative.next = (self.code.q.val() & self.code_sign.val()) != 0;
        self.mag.next = bit_cast::<SHIFT_BITS, BUS_BITS>(self.code.q.val() & self.mag_mask.val());
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
        // Only the stages a design's largest shift needs: offsets beyond the design's are not supported.
        self.product.next = self.ext.val() << (self.shift.val() & self.shift_mask.val());
        // Add or subtract into the passing partial sum, then reduce to ACC bits and sign-extend to the tier.
        self.raw.next = self.psum_in.val() + self.product.val();
        if self.negative.val() {
            self.raw.next = self.psum_in.val() - self.product.val();
        }
        if self.is_zero.val() {
            self.raw.next = self.psum_in.val();
        }
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
