//! The network top's head: the fully connected layer as shift-adds on its codes, the integer bias, the argmax.
//!
//! Features are read in PyTorch's flatten order (channel, row, column) from the input memory (laid out as
//! [`super::plan`] says), one per cycle, together with the word of every class's code for that feature. Each
//! class decodes its code as the shift PE does (`nbq_quant::code`: sign bit n-1, magnitude below it, zero
//! magnitude = zero weight, shift = magnitude - 1 + the sign's offset; n = 1: the code is the sign) and adds or
//! subtracts `x << shift`. Then the argmax, one class every second cycle, the first largest score kept.
//!
//! The bias costs no adder: `score = sum * 2^F + B` has `B`'s low `F` bits as its low bits, so each class's sum
//! starts at `floor(B / 2^F)` and the score is the final sum shifted up by `F` with `B mod 2^F` below it, wires
//! and constants (`score[c]`, valid from `done` until the next `start`).
//!
//! Area: every datapath value is held in the bits it needs and no more (synthesis removes the constant upper
//! bits): the shift amounts in the bits of the largest shift, the sums in the plan's `sum_bits` without sign
//! copies (sign-extended only where the score is formed), add and subtract in one carry chain.
//!
//! Ports: `start`/`done` pulses as in [`super::conv_unit`], `rhalf` (the input memory's slot to read, sampled with
//! `start`), the input memory's write port, `score$c` ([`SCORE_BITS`]-bit two's complement) and `winner` (the
//! class; `class` is a SystemVerilog keyword), valid from `done` until the next `start`.

use rust_hdl::prelude::*;

use super::conv_unit::LANES_BITS;
use super::mem::{BlockRam, MEM_ADDR_BITS};
use super::plan::{FcPlan, SCORE_BITS, SLOTS};
use nbq_quant::net::HEAD_BIAS_FRACTION_BITS;

type Addr = Bits<MEM_ADDR_BITS>;
type Score = Bits<SCORE_BITS>;

#[derive(LogicBlock)]
pub struct FcUnit {
    pub clock: Signal<In, Clock>,
    pub start: Signal<In, Bit>,
    pub rhalf: Signal<In, Bit>,
    pub done: Signal<Out, Bit>,
    pub in_we: Signal<In, Bit>,
    pub in_addr: Signal<In, Addr>,
    pub in_data: Signal<In, Bits<LANES_BITS>>,
    pub score: Vec<Signal<Out, Score>>,
    pub winner: Signal<Out, Bits<8>>,
    banks: Vec<BlockRam<SCORE_BITS>>,
    rom: BlockRam<128>,
    // phase 0 idle, 1 features, 2 and 3 settle, 5 argmax.
    phase: DFF<Bits<3>>,
    pos: DFF<Addr>,
    rbank: DFF<Bits<8>>,
    rbase: DFF<Addr>,
    feat: DFF<Addr>,
    x_v: DFF<Bit>,
    bank_q: DFF<Bits<8>>,
    sums: Vec<DFF<Score>>,
    // The argmax's first stage: the picked class's sum and the score's low bits.
    s_v: DFF<Bit>,
    s_i: DFF<Bits<8>>,
    s_sum: DFF<Score>,
    s_low: DFF<Score>,
    arg: DFF<Bits<8>>,
    best: DFF<Score>,
    best_i: DFF<Bits<8>>,
    done_q: DFF<Bit>,
    cand_q: DFF<Score>,
    cand_i: DFF<Bits<8>>,
    cand_v: DFF<Bit>,
    odd: DFF<Bit>,
    gt_v: DFF<Bit>,
    gt_q: DFF<Bit>,
    // The decoded feature (x, and each class's sign, zero flag and shift), registered.
    d_v: DFF<Bit>,
    d_x: DFF<Score>,
    d_neg: Vec<DFF<Bit>>,
    d_zero: Vec<DFF<Bit>>,
    d_shift: Vec<DFF<Score>>,
    sum_mask: Constant<Score>,
    sum_sign: Constant<Score>,
    sum_ext: Constant<Score>,
    raw: Vec<Signal<Local, Score>>,
    // Build-time constants.
    plane: Constant<Addr>,
    // Words of one slot of the input memory.
    in_slot: Constant<Addr>,
    plane_last: Constant<Addr>,
    feat_last: Constant<Addr>,
    bank_last: Constant<Bits<8>>,
    bank_id: Vec<Constant<Bits<8>>>,
    lane8: Vec<Constant<Bits<LANES_BITS>>>,
    cls_shift: Vec<Constant<Bits<128>>>,
    cls_id: Vec<Constant<Bits<8>>>,
    cls_last: Constant<Bits<8>>,
    code_mask: Constant<Score>,
    sign_mask: Constant<Score>,
    mag_mask: Constant<Score>,
    mag_bias: Constant<Score>,
    shift_mask: Constant<Score>,
    sign_only: Constant<Bit>,
    off_pos: Constant<Score>,
    off_neg: Constant<Score>,
    // Each class's sum's start, floor(B / 2^F) in sum_bits, and the score's low bits, B mod 2^F.
    init: Vec<Constant<Score>>,
    low: Vec<Constant<Score>>,
    frac: Constant<Score>,
    flip: Constant<Score>,
    // Combinational.
    in_sh: Vec<Signal<Local, Bits<LANES_BITS>>>,
    x: Signal<Local, Score>,
    word_sh: Vec<Signal<Local, Bits<128>>>,
    code: Vec<Signal<Local, Score>>,
    mag: Vec<Signal<Local, Score>>,
    neg: Vec<Signal<Local, Bit>>,
    zero: Vec<Signal<Local, Bit>>,
    shift: Vec<Signal<Local, Score>>,
    term: Vec<Signal<Local, Score>>,
    addend: Vec<Signal<Local, Score>>,
    carry: Vec<Signal<Local, Score>>,
    ones: Constant<Score>,
    one: Constant<Score>,
    cand: Signal<Local, Score>,
    cand_low: Signal<Local, Score>,
    cand_ext: Signal<Local, Score>,
    pick: Vec<Signal<Local, Score>>,
    pick_low: Vec<Signal<Local, Score>>,
    ext: Vec<Signal<Local, Score>>,
    score_now: Vec<Signal<Local, Score>>,
}

fn locals<T: Synth>(n: usize) -> Vec<Signal<Local, T>> {
    (0..n).map(|_| Default::default()).collect()
}

/// `v` as a `SCORE_BITS`-bit two's complement word.
fn score_word(v: i64) -> Score {
    let magnitude = Score::from(v.unsigned_abs());
    if v < 0 {
        (!magnitude + 1) & Score::mask()
    } else {
        magnitude
    }
}

impl FcUnit {
    pub fn new(p: &FcPlan) -> Self {
        let n = p.code_bits;
        let b8 = |v: usize| Constant::new(Bits::<8>::from(v as u64));
        let s32 = |v: usize| Constant::new(Score::from(v as u64));
        let (sign_mask, mag_mask, mag_bias) = if n == 1 { (1, 0, 0) } else { (1 << (n - 1), (1 << (n - 1)) - 1, 1) };
        let classes = p.classes;
        // The largest shift a code decodes to (magnitude - bias + offset), and the bits that hold it.
        let max_shift = mag_mask - mag_bias + usize::from(p.offsets.0.max(p.offsets.1));
        let shift_bits = crate::widths::bits_of(max_shift);
        Self {
            clock: Default::default(),
            start: Default::default(),
            rhalf: Default::default(),
            done: Default::default(),
            in_we: Default::default(),
            in_addr: Default::default(),
            in_data: Default::default(),
            score: (0..classes).map(|_| Default::default()).collect(),
            winner: Default::default(),
            banks: (0..p.p_in).map(|_| BlockRam::new(SLOTS * p.in_depth, p.in_value_bits, false, vec![])).collect(),
            rom: BlockRam::rom((classes * n).max(1), p.words.clone()),
            phase: Default::default(),
            pos: Default::default(),
            rbank: Default::default(),
            rbase: Default::default(),
            feat: Default::default(),
            x_v: Default::default(),
            bank_q: Default::default(),
            sums: (0..classes).map(|_| Default::default()).collect(),
            s_v: Default::default(),
            s_i: Default::default(),
            s_sum: Default::default(),
            s_low: Default::default(),
            arg: Default::default(),
            best: Default::default(),
            best_i: Default::default(),
            done_q: Default::default(),
            cand_q: Default::default(),
            cand_i: Default::default(),
            cand_v: Default::default(),
            odd: Default::default(),
            gt_v: Default::default(),
            gt_q: Default::default(),
            d_v: Default::default(),
            d_x: Default::default(),
            d_neg: (0..classes).map(|_| Default::default()).collect(),
            d_zero: (0..classes).map(|_| Default::default()).collect(),
            d_shift: (0..classes).map(|_| Default::default()).collect(),
            sum_mask: Constant::new(crate::widths::low_mask(p.sum_bits)),
            sum_sign: Constant::new(crate::widths::bit(p.sum_bits - 1)),
            sum_ext: Constant::new(crate::widths::high_mask(p.sum_bits)),
            raw: locals(classes),
            plane: Constant::new(Addr::from(p.plane as u64)),
            in_slot: Constant::new(Addr::from(p.in_depth as u64)),
            plane_last: Constant::new(Addr::from(p.plane as u64 - 1)),
            feat_last: Constant::new(Addr::from(p.features() as u64 - 1)),
            bank_last: b8(p.p_in - 1),
            bank_id: (0..p.p_in).map(b8).collect(),
            lane8: (0..p.p_in).map(|i| Constant::new(Bits::<LANES_BITS>::from(8 * i as u64))).collect(),
            cls_shift: (0..classes).map(|c| Constant::new(Bits::<128>::from((c * n) as u64))).collect(),
            cls_id: (0..classes).map(b8).collect(),
            cls_last: b8(classes - 1),
            code_mask: s32((1 << n) - 1),
            sign_mask: s32(sign_mask),
            mag_mask: s32(mag_mask),
            mag_bias: s32(mag_bias),
            shift_mask: s32((1 << shift_bits) - 1),
            sign_only: Constant::new(n == 1),
            off_pos: s32(usize::from(p.offsets.0)),
            off_neg: s32(usize::from(p.offsets.1)),
            init: p
                .bias
                .iter()
                .map(|&b| Constant::new(score_word(b >> HEAD_BIAS_FRACTION_BITS) & crate::widths::low_mask(p.sum_bits)))
                .collect(),
            low: p
                .bias
                .iter()
                .map(|&b| Constant::new(Score::from((b & ((1 << HEAD_BIAS_FRACTION_BITS) - 1)) as u64)))
                .collect(),
            frac: Constant::new(Score::from(u64::from(HEAD_BIAS_FRACTION_BITS))),
            flip: Constant::new(Score::from(1u64) << (SCORE_BITS as u64 - 1)),
            in_sh: locals(p.p_in),
            x: Default::default(),
            word_sh: locals(classes),
            code: locals(classes),
            mag: locals(classes),
            neg: locals(classes),
            zero: locals(classes),
            shift: locals(classes),
            term: locals(classes),
            addend: locals(classes),
            carry: locals(classes),
            ones: Constant::new(Score::mask()),
            one: Constant::new(Score::from(1u64)),
            cand: Default::default(),
            cand_low: Default::default(),
            cand_ext: Default::default(),
            pick: locals(classes),
            pick_low: locals(classes),
            ext: locals(classes),
            score_now: locals(classes),
        }
    }
}

impl Logic for FcUnit {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, phase, pos, rbank, rbase, feat, x_v, bank_q, arg, best, best_i, done_q, d_v, d_x, cand_q,
            cand_i, cand_v, odd, gt_v, gt_q, s_v, s_i, s_sum, s_low
        );
        for c in 0..self.d_neg.len() {
            self.d_neg[c].clock.next = self.clock.val();
            self.d_zero[c].clock.next = self.clock.val();
            self.d_shift[c].clock.next = self.clock.val();
            self.d_neg[c].d.next = self.d_neg[c].q.val();
            self.d_zero[c].d.next = self.d_zero[c].q.val();
            self.d_shift[c].d.next = self.d_shift[c].q.val();
        }
        for c in 0..self.sums.len() {
            self.sums[c].clock.next = self.clock.val();
            self.sums[c].d.next = self.sums[c].q.val();
        }
        for b in 0..self.banks.len() {
            self.banks[b].clock.next = self.clock.val();
            self.in_sh[b].next = self.in_data.val() >> self.lane8[b].val();
            self.banks[b].write_data.next = self.in_sh[b].val().get_bits::<SCORE_BITS>(0);
            self.banks[b].write_address.next = self.in_addr.val();
            self.banks[b].write_enable.next = self.in_we.val();
            self.banks[b].read_address.next = self.rbase.q.val() + self.pos.q.val();
        }
        self.rom.clock.next = self.clock.val();
        self.rom.read_address.next = self.feat.q.val();
        self.rom.write_address.next = 0.into();
        self.rom.write_data.next = 0.into();
        self.rom.write_enable.next = false;
        self.x_v.d.next = false;
        self.bank_q.d.next = self.rbank.q.val();
        self.done_q.d.next = false;
        if (self.phase.q.val() == 0) & self.start.val() {
            self.phase.d.next = 1.into();
            self.pos.d.next = 0.into();
            self.rbank.d.next = 0.into();
            self.rbase.d.next = 0.into();
            if self.rhalf.val() {
                self.rbase.d.next = self.in_slot.val();
            }
            self.feat.d.next = 0.into();
            for c in 0..self.sums.len() {
                self.sums[c].d.next = self.init[c].val();
            }
        }
        if self.phase.q.val() == 1 {
            self.x_v.d.next = true;
            self.feat.d.next = self.feat.q.val() + 1;
            self.pos.d.next = self.pos.q.val() + 1;
            if self.pos.q.val() == self.plane_last.val() {
                self.pos.d.next = 0.into();
                self.rbank.d.next = self.rbank.q.val() + 1;
                if self.rbank.q.val() == self.bank_last.val() {
                    self.rbank.d.next = 0.into();
                    self.rbase.d.next = self.rbase.q.val() + self.plane.val();
                }
            }
            if self.feat.q.val() == self.feat_last.val() {
                self.phase.d.next = 2.into();
            }
        }
        // One feature per cycle: x from its bank, each class's code from the word, decoded and shift-added.
        self.x.next = 0.into();
        for b in 0..self.banks.len() {
            if self.bank_q.q.val() == self.bank_id[b].val() {
                self.x.next = self.banks[b].read_data.val();
            }
        }
        self.d_v.d.next = self.x_v.q.val();
        self.d_x.d.next = self.x.val();
        for c in 0..self.sums.len() {
            self.word_sh[c].next = self.rom.read_data.val() >> self.cls_shift[c].val();
            self.code[c].next = self.word_sh[c].val().get_bits::<SCORE_BITS>(0) & self.code_mask.val();
            self.neg[c].next = (self.code[c].val() & self.sign_mask.val()) != 0;
            self.mag[c].next = self.code[c].val() & self.mag_mask.val();
            self.zero[c].next = !self.sign_only.val() & (self.mag[c].val() == 0);
            // Masked to the largest shift's bits: a zero code's wrapped value is never used (its zero flag).
            self.shift[c].next = (self.mag[c].val() + self.off_pos.val() - self.mag_bias.val()) & self.shift_mask.val();
            if self.neg[c].val() {
                self.shift[c].next =
                    (self.mag[c].val() + self.off_neg.val() - self.mag_bias.val()) & self.shift_mask.val();
            }
            self.d_neg[c].d.next = self.neg[c].val();
            self.d_zero[c].d.next = self.zero[c].val();
            self.d_shift[c].d.next = self.shift[c].val();
            // The registered feature: `sum ± (x << shift)` modulo 2^sum_bits (the sums hold no sign copies).
            self.term[c].next = self.d_x.q.val() << self.d_shift[c].q.val();
            // Adding or subtracting in one carry chain: subtracting adds the complement and a carry in.
            self.addend[c].next = self.term[c].val();
            self.carry[c].next = 0.into();
            if self.d_neg[c].q.val() {
                self.addend[c].next = self.term[c].val() ^ self.ones.val();
                self.carry[c].next = self.one.val();
            }
            self.raw[c].next = self.sums[c].q.val() + self.addend[c].val() + self.carry[c].val();
            if self.d_v.q.val() & !self.d_zero[c].q.val() {
                self.sums[c].d.next = self.raw[c].val() & self.sum_mask.val();
            }
            // The score on the ports: the sum sign-extended, shifted up by F, the bias's low bits below it. The
            // argmax forms the same score again after its registered pick of one class's sum: picking these
            // scores instead put the sign extension and shift on the pick's path (the digits top missed 100 MHz
            // on a seed).
            self.ext[c].next = self.sums[c].q.val();
            if (self.sums[c].q.val() & self.sum_sign.val()) != 0 {
                self.ext[c].next = self.sums[c].q.val() | self.sum_ext.val();
            }
            self.score_now[c].next = (self.ext[c].val() << self.frac.val()) | self.low[c].val();
            self.score[c].next = self.score_now[c].val();
        }
        // The last feature's sums land as phase 3 ends; then the argmax, class 0 first, the first largest kept.
        if self.phase.q.val() == 2 {
            self.phase.d.next = 3.into();
        }
        if self.phase.q.val() == 3 {
            self.phase.d.next = 5.into();
            self.arg.d.next = 0.into();
        }
        // The candidate's sum and low bits, AND-ORs over the classes (no priority chain).
        self.cand.next = 0.into();
        self.cand_low.next = 0.into();
        for c in 0..self.sums.len() {
            self.pick[c].next = 0.into();
            self.pick_low[c].next = 0.into();
            if self.arg.q.val() == self.cls_id[c].val() {
                self.pick[c].next = self.sums[c].q.val();
                self.pick_low[c].next = self.low[c].val();
            }
            self.cand.next = self.cand.val() | self.pick[c].val();
            self.cand_low.next = self.cand_low.val() | self.pick_low[c].val();
        }
        // The argmax in four registered steps, one class every second cycle: the candidate's sum, its score
        // ordered as an unsigned number, the comparison with the best so far, the update (which the next
        // candidate's comparison then sees).
        self.s_v.d.next = false;
        self.s_sum.d.next = self.cand.val();
        self.s_low.d.next = self.cand_low.val();
        self.s_i.d.next = self.arg.q.val();
        self.cand_ext.next = self.s_sum.q.val();
        if (self.s_sum.q.val() & self.sum_sign.val()) != 0 {
            self.cand_ext.next = self.s_sum.q.val() | self.sum_ext.val();
        }
        self.cand_v.d.next = self.s_v.q.val();
        self.cand_q.d.next = ((self.cand_ext.val() << self.frac.val()) | self.s_low.q.val()) ^ self.flip.val();
        self.cand_i.d.next = self.s_i.q.val();
        if self.phase.q.val() == 5 {
            self.odd.d.next = !self.odd.q.val();
            self.s_v.d.next = !self.odd.q.val();
            if self.odd.q.val() {
                self.arg.d.next = self.arg.q.val() + 1;
                if self.arg.q.val() == self.cls_last.val() {
                    self.phase.d.next = 0.into();
                }
            }
        }
        self.gt_v.d.next = self.cand_v.q.val();
        self.gt_q.d.next = (self.cand_i.q.val() == 0) | (self.cand_q.q.val() > self.best.q.val());
        if self.gt_v.q.val() {
            if self.gt_q.q.val() {
                self.best.d.next = self.cand_q.q.val();
                self.best_i.d.next = self.cand_i.q.val();
            }
            if self.cand_i.q.val() == self.cls_last.val() {
                self.done_q.d.next = true;
            }
        }
        self.done.next = self.done_q.q.val();
        self.winner.next = self.best_i.q.val();
    }
}
