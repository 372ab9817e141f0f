//! The streaming network top: a whole quantized CNN behind an AXI4-Stream slave (pixels in) and an AXI4-Stream
//! master (the reply), one image at a time.
//!
//! # Input stream (`s_tdata` 8 bits, `s_tvalid`, `s_tready`, `s_tlast`)
//! One image is `H * W` pixels in raster order, `0..=max_pixel` each, with `s_tlast` on its last pixel. The top
//! accepts pixels (`s_tready` high) while it waits for an image; it then computes, with `s_tready` low, and
//! replies. A frame that ends early (`s_tlast` before pixel `H * W`), runs long (no `s_tlast` on pixel `H * W`:
//! the rest, up to and including the next `s_tlast`, is dropped) or holds a pixel above `max_pixel` is answered
//! with an error reply and not classified; the next frame is handled normally.
//!
//! # Reply (`m_tdata` 32 bits, `m_tvalid`, `m_tready`, `m_tlast`)
//! `1 + classes` words, `m_tlast` on the last, each held until `m_tready`, straight from a register (the word is
//! selected one cycle before it is offered, so `m_tvalid` is low for a cycle between words): first the status
//! word (bits 7..0 the class, bit 8 a short frame, bit 9 a long frame, bit 10 a pixel out of range; the class is
//! 0 when any error bit is set), then the integer score of each class ([`super::plan::SCORE_BITS`]-bit two's complement; 0 in an
//! error reply). The scores are the golden integer network's (`nbq_quant::net`) and the class is the first
//! largest score.

use rust_hdl::prelude::*;

use super::conv_unit::{ConvUnit, LANES_BITS};
use super::fc_unit::FcUnit;
use super::mem::MEM_ADDR_BITS;
use super::plan::NetPlan;

/// Status bits of the reply's first word.
pub const STATUS_SHORT: u32 = 1 << 8;
pub const STATUS_LONG: u32 = 1 << 9;
pub const STATUS_RANGE: u32 = 1 << 10;

#[derive(LogicBlock)]
pub struct NetTop<const ACC: usize, const AW: usize> {
    pub clock: Signal<In, Clock>,
    pub s_tdata: Signal<In, Bits<8>>,
    pub s_tvalid: Signal<In, Bit>,
    pub s_tready: Signal<Out, Bit>,
    pub s_tlast: Signal<In, Bit>,
    pub m_tdata: Signal<Out, Bits<32>>,
    pub m_tvalid: Signal<Out, Bit>,
    pub m_tready: Signal<In, Bit>,
    pub m_tlast: Signal<Out, Bit>,
    pub convs: Vec<ConvUnit<ACC, AW>>,
    pub fc: FcUnit,
    // state 0 receive, 1 skip to tlast, 2 compute, 3 reply.
    state: DFF<Bits<2>>,
    cnt: DFF<Bits<MEM_ADDR_BITS>>,
    err: DFF<Bits<3>>,
    beat: DFF<Bits<8>>,
    start_q: DFF<Bit>,
    // The reply word on offer, its m_tlast, and whether it is loaded.
    out_q: DFF<Bits<32>>,
    last_q: DFF<Bit>,
    primed: DFF<Bit>,
    hw_last: Constant<Bits<MEM_ADDR_BITS>>,
    max_pixel: Constant<Bits<8>>,
    beat_last: Constant<Bits<8>>,
    beat_id: Vec<Constant<Bits<8>>>,
    e_short: Constant<Bits<3>>,
    e_long: Constant<Bits<3>>,
    e_range: Constant<Bits<3>>,
    status_shift: Constant<Bits<32>>,
    err_px: Signal<Local, Bits<3>>,
    rx: Signal<Local, Bit>,
    bad: Signal<Local, Bit>,
    status: Signal<Local, Bits<32>>,
    word: Signal<Local, Bits<32>>,
    pick: Vec<Signal<Local, Bits<32>>>,
}

impl<const ACC: usize, const AW: usize> NetTop<ACC, AW> {
    pub fn new(p: &NetPlan) -> Self {
        let classes = p.fc.classes;
        Self {
            clock: Default::default(),
            s_tdata: Default::default(),
            s_tvalid: Default::default(),
            s_tready: Default::default(),
            s_tlast: Default::default(),
            m_tdata: Default::default(),
            m_tvalid: Default::default(),
            m_tready: Default::default(),
            m_tlast: Default::default(),
            convs: p.convs.iter().map(ConvUnit::new).collect(),
            fc: FcUnit::new(&p.fc),
            state: Default::default(),
            cnt: Default::default(),
            err: Default::default(),
            beat: Default::default(),
            start_q: Default::default(),
            out_q: Default::default(),
            last_q: Default::default(),
            primed: Default::default(),
            hw_last: Constant::new(Bits::<MEM_ADDR_BITS>::from((p.input.height * p.input.width - 1) as u64)),
            max_pixel: Constant::new(Bits::<8>::from(u64::from(p.input.max_pixel))),
            beat_last: Constant::new(Bits::<8>::from(classes as u64)),
            beat_id: (0..classes).map(|c| Constant::new(Bits::<8>::from(c as u64 + 1))).collect(),
            e_short: Constant::new(Bits::<3>::from(1u64)),
            e_long: Constant::new(Bits::<3>::from(2u64)),
            e_range: Constant::new(Bits::<3>::from(4u64)),
            status_shift: Constant::new(Bits::<32>::from(8u64)),
            err_px: Default::default(),
            rx: Default::default(),
            bad: Default::default(),
            status: Default::default(),
            word: Default::default(),
            pick: (0..classes).map(|_| Default::default()).collect(),
        }
    }
}

impl<const ACC: usize, const AW: usize> Logic for NetTop<ACC, AW> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, state, cnt, err, beat, start_q, out_q, last_q, primed);
        // Layers chained: each writes the next one's input memory and starts it when done.
        for l in 0..self.convs.len() {
            self.convs[l].clock.next = self.clock.val();
        }
        self.fc.clock.next = self.clock.val();
        for l in 1..self.convs.len() {
            self.convs[l].in_we.next = self.convs[l - 1].out_we.val();
            self.convs[l].in_addr.next = self.convs[l - 1].out_addr.val();
            self.convs[l].in_data.next = self.convs[l - 1].out_data.val();
            self.convs[l].start.next = self.convs[l - 1].done.val();
        }
        #[allow(unused_parens)] // rust-hdl pastes the bound before `.into()`
        for last in (self.convs.len() - 1)..self.convs.len() {
            self.fc.in_we.next = self.convs[last].out_we.val();
            self.fc.in_addr.next = self.convs[last].out_addr.val();
            self.fc.in_data.next = self.convs[last].out_data.val();
            self.fc.start.next = self.convs[last].done.val();
        }
        // Receiving: pixels go straight into layer 0's input memory.
        self.s_tready.next = (self.state.q.val() == 0) | (self.state.q.val() == 1);
        self.rx.next = self.s_tvalid.val() & ((self.state.q.val() == 0) | (self.state.q.val() == 1));
        self.bad.next = self.s_tdata.val() > self.max_pixel.val();
        self.convs[0].in_we.next = self.rx.val() & (self.state.q.val() == 0);
        self.convs[0].in_addr.next = self.cnt.q.val();
        self.convs[0].in_data.next = bit_cast::<LANES_BITS, 8>(self.s_tdata.val());
        self.convs[0].start.next = self.start_q.q.val();
        self.start_q.d.next = false;
        self.err_px.next = self.err.q.val();
        if self.bad.val() {
            self.err_px.next = self.err.q.val() | self.e_range.val();
        }
        if self.rx.val() & (self.state.q.val() == 0) {
            self.cnt.d.next = self.cnt.q.val() + 1;
            self.err.d.next = self.err_px.val();
            if self.s_tlast.val() {
                self.state.d.next = 3.into();
                self.beat.d.next = 0.into();
                if self.cnt.q.val() != self.hw_last.val() {
                    self.err.d.next = self.err_px.val() | self.e_short.val();
                } else if self.err_px.val() == 0 {
                    self.state.d.next = 2.into();
                    self.start_q.d.next = true;
                }
            } else if self.cnt.q.val() == self.hw_last.val() {
                self.state.d.next = 1.into();
                self.err.d.next = self.err_px.val() | self.e_long.val();
            }
        }
        if self.rx.val() & (self.state.q.val() == 1) & self.s_tlast.val() {
            self.state.d.next = 3.into();
            self.beat.d.next = 0.into();
        }
        if (self.state.q.val() == 2) & self.fc.done.val() {
            self.state.d.next = 3.into();
            self.beat.d.next = 0.into();
        }
        // Replying: the status word, then the scores. The word of beat `beat` is picked with an AND-OR (no
        // priority chain) into `out_q` while `primed` is low, then offered.
        self.status.next = bit_cast::<32, 3>(self.err.q.val()) << self.status_shift.val();
        if self.err.q.val() == 0 {
            self.status.next = bit_cast::<32, 8>(self.fc.winner.val());
        }
        self.word.next = 0.into();
        if self.beat.q.val() == 0 {
            self.word.next = self.status.val();
        }
        for c in 0..self.beat_id.len() {
            self.pick[c].next = 0.into();
            if (self.beat.q.val() == self.beat_id[c].val()) & (self.err.q.val() == 0) {
                self.pick[c].next = self.fc.score[c].val();
            }
            self.word.next = self.word.val() | self.pick[c].val();
        }
        self.m_tvalid.next = (self.state.q.val() == 3) & self.primed.q.val();
        self.m_tlast.next = self.last_q.q.val();
        self.m_tdata.next = self.out_q.q.val();
        if (self.state.q.val() == 3) & !self.primed.q.val() {
            self.out_q.d.next = self.word.val();
            self.last_q.d.next = self.beat.q.val() == self.beat_last.val();
            self.primed.d.next = true;
        }
        if (self.state.q.val() == 3) & self.primed.q.val() & self.m_tready.val() {
            self.primed.d.next = false;
            self.beat.d.next = self.beat.q.val() + 1;
            if self.last_q.q.val() {
                self.state.d.next = 0.into();
                self.cnt.d.next = 0.into();
                self.err.d.next = 0.into();
            }
        }
    }
}
