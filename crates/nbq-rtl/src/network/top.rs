//! The streaming network top: a whole quantized CNN behind an AXI4-Stream slave (pixels in) and an AXI4-Stream
//! master (the reply), its layers a pipeline over successive images.
//!
//! # The layer pipeline
//! The stages are the receiver, each conv layer and the head, then the reply. Between two stages sits a memory
//! of two slots, each holding one image's feature map (the layer's input memory, [`super::conv_unit`]); the head's
//! scores are a one-slot buffer before the reply. A stage starts on its next image as soon as its input buffer
//! holds one and its output buffer has a free slot, so every stage works on a different image at once and an
//! image leaves every `max(stage)` cycles ([`super::plan::NetPlan::interval_cycles`]). Each slot carries its
//! image's error bits; a stage passes an image with errors on without computing it, so the replies keep the
//! frames' order.
//!
//! # Input stream (`s_tdata` 8 bits, `s_tvalid`, `s_tready`, `s_tlast`)
//! One image is `H * W` pixels in raster order, `0..=max_pixel` each, with `s_tlast` on its last pixel. The top
//! accepts pixels (`s_tready` high) while the first layer's input memory has a free slot, so the next image
//! streams in while the earlier ones are computed. A frame that ends early (`s_tlast` before pixel `H * W`),
//! runs long (no `s_tlast` on pixel `H * W`: the rest, up to and including the next `s_tlast`, is dropped) or
//! holds a pixel above `max_pixel` is answered with an error reply and not classified; the next frame is
//! handled normally.
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
    // The two-slot buffers: buffer b is conv layer b's input memory (b = layers: the head's). Full slots (0..=2),
    // the producer's and the consumer's slot, each slot's error bits.
    full: Vec<DFF<Bits<2>>>,
    wp: Vec<DFF<Bit>>,
    rp: Vec<DFF<Bit>>,
    tag0: Vec<DFF<Bits<3>>>,
    tag1: Vec<DFF<Bits<3>>>,
    // Per buffer: a slot filled, a slot freed, the filled slot's error bits, the error bits of the consumer's slot.
    inc: Vec<Signal<Local, Bit>>,
    dec: Vec<Signal<Local, Bit>>,
    tag_in: Vec<Signal<Local, Bits<3>>>,
    tag_rd: Vec<Signal<Local, Bits<3>>>,
    // Each conv layer and the head: running; may start; its image is done or passed on.
    run: Vec<DFF<Bit>>,
    launch: Vec<DFF<Bit>>,
    go: Vec<Signal<Local, Bit>>,
    fin: Vec<Signal<Local, Bit>>,
    f_run: DFF<Bit>,
    f_launch: DFF<Bit>,
    f_go: Signal<Local, Bit>,
    f_fin: Signal<Local, Bit>,
    // The head's scores as a one-slot buffer before the reply, with the image's error bits.
    s_full: DFF<Bit>,
    s_tag: DFF<Bits<3>>,
    // The receiver: 0 receiving, 1 skipping to tlast.
    state: DFF<Bit>,
    cnt: DFF<Bits<MEM_ADDR_BITS>>,
    err: DFF<Bits<3>>,
    // The reply: sending; its beat; the word on offer, its m_tlast, and whether it is loaded.
    tx: DFF<Bit>,
    beat: DFF<Bits<8>>,
    out_q: DFF<Bits<32>>,
    last_q: DFF<Bit>,
    primed: DFF<Bit>,
    hw: Constant<Bits<MEM_ADDR_BITS>>,
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
    room: Signal<Local, Bit>,
    base: Signal<Local, Bits<MEM_ADDR_BITS>>,
    bad: Signal<Local, Bit>,
    status: Signal<Local, Bits<32>>,
    word: Signal<Local, Bits<32>>,
    pick: Vec<Signal<Local, Bits<32>>>,
}

fn locals<T: Synth>(n: usize) -> Vec<Signal<Local, T>> {
    (0..n).map(|_| Default::default()).collect()
}

fn dffs<T: Synth>(n: usize) -> Vec<DFF<T>> {
    (0..n).map(|_| Default::default()).collect()
}

impl<const ACC: usize, const AW: usize> NetTop<ACC, AW> {
    pub fn new(p: &NetPlan) -> Self {
        let classes = p.fc.classes;
        let layers = p.convs.len();
        let hw = p.input.height * p.input.width;
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
            full: dffs(layers + 1),
            wp: dffs(layers + 1),
            rp: dffs(layers + 1),
            tag0: dffs(layers + 1),
            tag1: dffs(layers + 1),
            inc: locals(layers + 1),
            dec: locals(layers + 1),
            tag_in: locals(layers + 1),
            tag_rd: locals(layers + 1),
            run: dffs(layers),
            launch: dffs(layers),
            go: locals(layers),
            fin: locals(layers),
            f_run: Default::default(),
            f_launch: Default::default(),
            f_go: Default::default(),
            f_fin: Default::default(),
            s_full: Default::default(),
            s_tag: Default::default(),
            state: Default::default(),
            cnt: Default::default(),
            err: Default::default(),
            tx: Default::default(),
            beat: Default::default(),
            out_q: Default::default(),
            last_q: Default::default(),
            primed: Default::default(),
            hw: Constant::new(Bits::<MEM_ADDR_BITS>::from(hw as u64)),
            hw_last: Constant::new(Bits::<MEM_ADDR_BITS>::from((hw - 1) as u64)),
            max_pixel: Constant::new(Bits::<8>::from(u64::from(p.input.max_pixel))),
            beat_last: Constant::new(Bits::<8>::from(classes as u64)),
            beat_id: (0..classes).map(|c| Constant::new(Bits::<8>::from(c as u64 + 1))).collect(),
            e_short: Constant::new(Bits::<3>::from(1u64)),
            e_long: Constant::new(Bits::<3>::from(2u64)),
            e_range: Constant::new(Bits::<3>::from(4u64)),
            status_shift: Constant::new(Bits::<32>::from(8u64)),
            err_px: Default::default(),
            rx: Default::default(),
            room: Default::default(),
            base: Default::default(),
            bad: Default::default(),
            status: Default::default(),
            word: Default::default(),
            pick: locals(classes),
        }
    }
}

impl<const ACC: usize, const AW: usize> Logic for NetTop<ACC, AW> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, f_run, f_launch, s_full, s_tag, state, cnt, err, tx, beat, out_q, last_q, primed);
        for b in 0..self.full.len() {
            self.full[b].clock.next = self.clock.val();
            self.wp[b].clock.next = self.clock.val();
            self.rp[b].clock.next = self.clock.val();
            self.tag0[b].clock.next = self.clock.val();
            self.tag1[b].clock.next = self.clock.val();
            self.full[b].d.next = self.full[b].q.val();
            self.wp[b].d.next = self.wp[b].q.val();
            self.rp[b].d.next = self.rp[b].q.val();
            self.tag0[b].d.next = self.tag0[b].q.val();
            self.tag1[b].d.next = self.tag1[b].q.val();
            self.inc[b].next = false;
            self.dec[b].next = false;
            self.tag_in[b].next = 0.into();
            self.tag_rd[b].next = self.tag0[b].q.val();
            if self.rp[b].q.val() {
                self.tag_rd[b].next = self.tag1[b].q.val();
            }
        }
        for l in 0..self.convs.len() {
            self.convs[l].clock.next = self.clock.val();
            self.run[l].clock.next = self.clock.val();
            self.run[l].d.next = self.run[l].q.val();
            self.launch[l].clock.next = self.clock.val();
            self.launch[l].d.next = false;
        }
        self.fc.clock.next = self.clock.val();
        // Layers chained: each writes the next one's input memory (the slot it was started on).
        for l in 1..self.convs.len() {
            self.convs[l].in_we.next = self.convs[l - 1].out_we.val();
            self.convs[l].in_addr.next = self.convs[l - 1].out_addr.val();
            self.convs[l].in_data.next = self.convs[l - 1].out_data.val();
        }
        #[allow(unused_parens)] // rust-hdl pastes the bound before `.into()`
        for last in (self.convs.len() - 1)..self.convs.len() {
            self.fc.in_we.next = self.convs[last].out_we.val();
            self.fc.in_addr.next = self.convs[last].out_addr.val();
            self.fc.in_data.next = self.convs[last].out_data.val();
        }
        // Conv layer l: from buffer l to buffer l + 1. An image with error bits is passed on at once. The start
        // pulse is registered (`launch`), so that the buffers' counts do not reach the engine's control logic
        // in the same cycle; the slots it samples with it stay put while the layer runs.
        for l in 0..self.convs.len() {
            self.go[l].next = !self.run[l].q.val() & (self.full[l].q.val() != 0) & (self.full[l + 1].q.val() != 2);
            self.convs[l].start.next = self.launch[l].q.val();
            self.convs[l].rhalf.next = self.rp[l].q.val();
            self.convs[l].whalf.next = self.wp[l + 1].q.val();
            if self.go[l].val() & (self.tag_rd[l].val() == 0) {
                self.run[l].d.next = true;
                self.launch[l].d.next = true;
            }
            self.fin[l].next =
                (self.go[l].val() & (self.tag_rd[l].val() != 0)) | (self.run[l].q.val() & self.convs[l].done.val());
            if self.run[l].q.val() & self.convs[l].done.val() {
                self.run[l].d.next = false;
            }
            self.dec[l].next = self.fin[l].val();
            self.inc[l + 1].next = self.fin[l].val();
            self.tag_in[l + 1].next = self.tag_rd[l].val();
        }
        // The head: from the last buffer to the scores.
        #[allow(unused_parens)] // rust-hdl pastes the bound before `.into()`
        for b in (self.full.len() - 1)..self.full.len() {
            self.f_go.next = !self.f_run.q.val() & (self.full[b].q.val() != 0) & !self.s_full.q.val();
            self.fc.start.next = self.f_launch.q.val();
            self.fc.rhalf.next = self.rp[b].q.val();
            self.f_launch.d.next = false;
            if self.f_go.val() & (self.tag_rd[b].val() == 0) {
                self.f_run.d.next = true;
                self.f_launch.d.next = true;
            }
            self.f_fin.next =
                (self.f_go.val() & (self.tag_rd[b].val() != 0)) | (self.f_run.q.val() & self.fc.done.val());
            if self.f_run.q.val() & self.fc.done.val() {
                self.f_run.d.next = false;
            }
            self.dec[b].next = self.f_fin.val();
            if self.f_fin.val() {
                self.s_full.d.next = true;
                self.s_tag.d.next = self.tag_rd[b].val();
            }
        }
        // Receiving: pixels go straight into the free slot of layer 0's input memory.
        self.room.next = self.full[0].q.val() != 2;
        self.s_tready.next = (!self.state.q.val() & self.room.val()) | self.state.q.val();
        self.rx.next = self.s_tvalid.val() & ((!self.state.q.val() & self.room.val()) | self.state.q.val());
        self.bad.next = self.s_tdata.val() > self.max_pixel.val();
        self.base.next = 0.into();
        if self.wp[0].q.val() {
            self.base.next = self.hw.val();
        }
        self.convs[0].in_we.next = self.rx.val() & !self.state.q.val();
        self.convs[0].in_addr.next = self.base.val() + self.cnt.q.val();
        self.convs[0].in_data.next = bit_cast::<LANES_BITS, 8>(self.s_tdata.val());
        self.err_px.next = self.err.q.val();
        if self.bad.val() {
            self.err_px.next = self.err.q.val() | self.e_range.val();
        }
        if self.rx.val() & !self.state.q.val() {
            self.cnt.d.next = self.cnt.q.val() + 1;
            self.err.d.next = self.err_px.val();
            if self.s_tlast.val() {
                self.inc[0].next = true;
                self.tag_in[0].next = self.err_px.val();
                if self.cnt.q.val() != self.hw_last.val() {
                    self.tag_in[0].next = self.err_px.val() | self.e_short.val();
                }
                self.cnt.d.next = 0.into();
                self.err.d.next = 0.into();
            } else if self.cnt.q.val() == self.hw_last.val() {
                self.state.d.next = true;
                self.err.d.next = self.err_px.val() | self.e_long.val();
            }
        }
        if self.rx.val() & self.state.q.val() & self.s_tlast.val() {
            self.inc[0].next = true;
            self.tag_in[0].next = self.err.q.val();
            self.state.d.next = false;
            self.cnt.d.next = 0.into();
            self.err.d.next = 0.into();
        }
        // The buffers' slots.
        for b in 0..self.full.len() {
            if self.inc[b].val() & !self.dec[b].val() {
                self.full[b].d.next = self.full[b].q.val() + 1;
            }
            if self.dec[b].val() & !self.inc[b].val() {
                self.full[b].d.next = self.full[b].q.val() - 1;
            }
            if self.inc[b].val() {
                self.wp[b].d.next = !self.wp[b].q.val();
                if self.wp[b].q.val() {
                    self.tag1[b].d.next = self.tag_in[b].val();
                } else {
                    self.tag0[b].d.next = self.tag_in[b].val();
                }
            }
            if self.dec[b].val() {
                self.rp[b].d.next = !self.rp[b].q.val();
            }
        }
        // Replying: the status word, then the scores. The word of beat `beat` is picked with an AND-OR (no
        // priority chain) into `out_q` while `primed` is low, then offered.
        if self.s_full.q.val() & !self.tx.q.val() {
            self.tx.d.next = true;
            self.beat.d.next = 0.into();
        }
        self.status.next = bit_cast::<32, 3>(self.s_tag.q.val()) << self.status_shift.val();
        if self.s_tag.q.val() == 0 {
            self.status.next = bit_cast::<32, 8>(self.fc.winner.val());
        }
        self.word.next = 0.into();
        if self.beat.q.val() == 0 {
            self.word.next = self.status.val();
        }
        for c in 0..self.beat_id.len() {
            self.pick[c].next = 0.into();
            if (self.beat.q.val() == self.beat_id[c].val()) & (self.s_tag.q.val() == 0) {
                self.pick[c].next = self.fc.score[c].val();
            }
            self.word.next = self.word.val() | self.pick[c].val();
        }
        self.m_tvalid.next = self.tx.q.val() & self.primed.q.val();
        self.m_tlast.next = self.last_q.q.val();
        self.m_tdata.next = self.out_q.q.val();
        if self.tx.q.val() & !self.primed.q.val() {
            self.out_q.d.next = self.word.val();
            self.last_q.d.next = self.beat.q.val() == self.beat_last.val();
            self.primed.d.next = true;
        }
        if self.tx.q.val() & self.primed.q.val() & self.m_tready.val() {
            self.primed.d.next = false;
            self.beat.d.next = self.beat.q.val() + 1;
            if self.last_q.q.val() {
                self.tx.d.next = false;
                self.s_full.d.next = false;
            }
        }
    }
}
