//! One conv layer of the network top: its input memory, its engine with the kernels of every pass in a weight
//! memory, the partial sums over input channels, the comparator bank, the 2×2 max-pool and the write port into
//! the next layer's input memory (the schedule is in [`super::plan`]).
//!
//! Ports: `start` (a one-cycle pulse while idle runs the layer on the input memory's contents), `done` (a
//! one-cycle pulse once the last output is written), the input memory's write port `in_we`, `in_addr`,
//! `in_data` (bank `b` takes bits `8b..8b+8`), and the write port out, `out_we`, `out_addr`, `out_data`
//! (output channel `t * Pm + i` of tile `t` in bits `8i..8i+8`, at word `t * H' * W' + y * W' + x`).
//!
//! Each memory between layers holds two images (slots 0 and 1, slot `s` at words `s * depth ..`), so that a layer
//! can write one image while the next layer reads the other ([`super::top`]'s layer pipeline). `rhalf` and
//! `whalf`, sampled with `start`, are the slots this run reads and writes.

use rust_hdl::prelude::*;

use super::bank::CodeBank;
use super::mem::{BlockRam, MEM_ADDR_BITS};
use super::plan::{ConvPlan, SLOTS};
use crate::conv::ShiftEngine;
use crate::pe::SHIFT_BITS;
use crate::widths::BUS_BITS;

/// Bits of the packed code buses (8-bit lanes).
pub const LANES_BITS: usize = 64;

type Addr = Bits<MEM_ADDR_BITS>;

#[derive(LogicBlock)]
pub struct ConvUnit<const ACC: usize, const AW: usize> {
    pub clock: Signal<In, Clock>,
    pub start: Signal<In, Bit>,
    pub rhalf: Signal<In, Bit>,
    pub whalf: Signal<In, Bit>,
    pub done: Signal<Out, Bit>,
    pub in_we: Signal<In, Bit>,
    pub in_addr: Signal<In, Addr>,
    pub in_data: Signal<In, Bits<LANES_BITS>>,
    pub out_we: Signal<Out, Bit>,
    pub out_addr: Signal<Out, Addr>,
    pub out_data: Signal<Out, Bits<LANES_BITS>>,
    pub engine: ShiftEngine<ACC, AW>,
    banks: Vec<BlockRam<BUS_BITS>>,
    weights: BlockRam<BUS_BITS>,
    accs: Vec<BlockRam<ACC>>,
    requant: Vec<CodeBank<ACC, LANES_BITS>>,
    // Control: phase 0 idle, 1 load, 2 stream, 3 drain.
    phase: DFF<Bits<2>>,
    cnt: DFF<Addr>,
    tile: DFF<Addr>,
    ch: DFF<Addr>,
    // `ch == 0` and `ch == C - 1`, registered as `ch` moves: no 16-bit compare on the window path.
    ch_first: DFF<Bit>,
    ch_final: DFF<Bit>,
    rbank: DFF<Bits<8>>,
    rbase: DFF<Addr>,
    // The read slot's first word (rbase's value at each tile's first channel).
    rbase0: DFF<Addr>,
    wbase: DFF<Addr>,
    obase: DFF<Addr>,
    load_q: DFF<Bit>,
    valid_q: DFF<Bit>,
    clear_q: DFF<Bit>,
    flush_q: DFF<Bit>,
    bank_q: DFF<Bits<8>>,
    oidx: DFF<Addr>,
    ox: DFF<Addr>,
    oy: DFF<Addr>,
    tail: DFF<Bits<4>>,
    all_in: DFF<Bit>,
    done_q: DFF<Bit>,
    // The final sums of a window (after the last input channel), with its pool position.
    f_v: DFF<Bit>,
    f_xodd: DFF<Bit>,
    f_yodd: DFF<Bit>,
    f_inpool: DFF<Bit>,
    f_sum: Vec<DFF<Bits<ACC>>>,
    // The window's flags (valid, odd column, odd row, inside the pool) while the comparator banks search its
    // codes, one register per bank stage.
    g_line: Vec<DFF<Bits<4>>>,
    f_flags: Signal<Local, Bits<4>>,
    // The pool: the left window's codes, one row of pair maxima.
    c_v: DFF<Bit>,
    c_xodd: DFF<Bit>,
    c_yodd: DFF<Bit>,
    c_inpool: DFF<Bit>,
    codes_q: DFF<Bits<LANES_BITS>>,
    hreg: DFF<Bits<LANES_BITS>>,
    rowbuf: Vec<DFF<Bits<LANES_BITS>>>,
    pidx: DFF<Addr>,
    we_q: DFF<Bit>,
    addr_q: DFF<Addr>,
    data_q: DFF<Bits<LANES_BITS>>,
    // Build-time constants.
    load_last: Constant<Addr>,
    hw: Constant<Addr>,
    stream_last: Constant<Addr>,
    ch_pen: Constant<Addr>,
    single: Constant<Bit>,
    tile_last: Constant<Addr>,
    bank_last: Constant<Bits<8>>,
    bank_id: Vec<Constant<Bits<8>>>,
    load_n: Constant<Addr>,
    ohw: Constant<Addr>,
    ow_last: Constant<Addr>,
    pool_w2: Constant<Addr>,
    pool_h2: Constant<Addr>,
    out_plane: Constant<Addr>,
    // Words of one slot of the input memory and of the next layer's.
    in_slot: Constant<Addr>,
    out_slot: Constant<Addr>,
    tail_last: Constant<Bits<4>>,
    off_pos: Constant<Bits<SHIFT_BITS>>,
    off_neg: Constant<Bits<SHIFT_BITS>>,
    lane8: Vec<Constant<Bits<LANES_BITS>>>,
    pooling: Constant<Bit>,
    lane_mask: Constant<Bits<LANES_BITS>>,
    // Combinational.
    in_sh: Vec<Signal<Local, Bits<LANES_BITS>>>,
    pixel: Signal<Local, Bits<BUS_BITS>>,
    accept: Signal<Local, Bit>,
    oidx_next: Signal<Local, Addr>,
    total: Vec<Signal<Local, Bits<ACC>>>,
    codes: Signal<Local, Bits<LANES_BITS>>,
    pair: Signal<Local, Bits<LANES_BITS>>,
    best: Signal<Local, Bits<LANES_BITS>>,
    sh_a: Vec<Signal<Local, Bits<LANES_BITS>>>,
    sh_b: Vec<Signal<Local, Bits<LANES_BITS>>>,
    sh_r: Vec<Signal<Local, Bits<LANES_BITS>>>,
    lane_a: Vec<Signal<Local, Bits<LANES_BITS>>>,
    lane_b: Vec<Signal<Local, Bits<LANES_BITS>>>,
    lane_r: Vec<Signal<Local, Bits<LANES_BITS>>>,
    lane_p: Vec<Signal<Local, Bits<LANES_BITS>>>,
    lane_m: Vec<Signal<Local, Bits<LANES_BITS>>>,
}

fn addr(v: usize) -> Constant<Addr> {
    Constant::new(Addr::from(v as u64))
}

fn locals<T: Synth>(n: usize) -> Vec<Signal<Local, T>> {
    (0..n).map(|_| Default::default()).collect()
}

impl<const ACC: usize, const AW: usize> ConvUnit<ACC, AW> {
    pub fn new(p: &ConvPlan) -> Self {
        let l = &p.layer;
        let e = &p.engine;
        let hw = l.in_height * l.in_width;
        let pm = p.pm;
        let (pw, ph) = (p.next_w, p.next_h);
        let has_acc = l.in_channels > 1;
        let words: Vec<u128> = p.weight_words.iter().map(|&w| u128::from(w)).collect();
        Self {
            clock: Default::default(),
            start: Default::default(),
            rhalf: Default::default(),
            whalf: Default::default(),
            done: Default::default(),
            in_we: Default::default(),
            in_addr: Default::default(),
            in_data: Default::default(),
            out_we: Default::default(),
            out_addr: Default::default(),
            out_data: Default::default(),
            engine: ShiftEngine::new(pm, 1, l.k, l.in_width, e.widths, None),
            banks: (0..p.p_in).map(|_| BlockRam::new(SLOTS * p.in_depth, p.in_value_bits, false, vec![])).collect(),
            weights: BlockRam::rom(BUS_BITS, words),
            accs: (0..pm)
                .filter(|_| has_acc)
                .map(|_| BlockRam::new(p.out_h * p.out_w, p.total_bits, true, vec![]))
                .collect(),
            requant: (0..pm).map(|_| CodeBank::new(&p.thresholds, p.total_bits)).collect(),
            phase: Default::default(),
            cnt: Default::default(),
            tile: Default::default(),
            ch: Default::default(),
            ch_first: Default::default(),
            ch_final: Default::default(),
            rbank: Default::default(),
            rbase: Default::default(),
            rbase0: Default::default(),
            wbase: Default::default(),
            obase: Default::default(),
            load_q: Default::default(),
            valid_q: Default::default(),
            clear_q: Default::default(),
            flush_q: Default::default(),
            bank_q: Default::default(),
            oidx: Default::default(),
            ox: Default::default(),
            oy: Default::default(),
            tail: Default::default(),
            all_in: Default::default(),
            done_q: Default::default(),
            f_v: Default::default(),
            f_xodd: Default::default(),
            f_yodd: Default::default(),
            f_inpool: Default::default(),
            f_sum: (0..pm).map(|_| Default::default()).collect(),
            g_line: (0..p.bank_stages()).map(|_| Default::default()).collect(),
            f_flags: Default::default(),
            c_v: Default::default(),
            c_xodd: Default::default(),
            c_yodd: Default::default(),
            c_inpool: Default::default(),
            codes_q: Default::default(),
            hreg: Default::default(),
            rowbuf: (0..pw.max(1)).map(|_| Default::default()).collect(),
            pidx: Default::default(),
            we_q: Default::default(),
            addr_q: Default::default(),
            data_q: Default::default(),
            load_last: addr(p.load_cycles - 1),
            hw: addr(hw),
            stream_last: addr(hw + p.flush() - 1),
            ch_pen: addr(l.in_channels.saturating_sub(2)),
            single: Constant::new(l.in_channels == 1),
            tile_last: addr(p.tiles - 1),
            bank_last: Constant::new(Bits::<8>::from(p.p_in as u64 - 1)),
            bank_id: (0..p.p_in).map(|b| Constant::new(Bits::<8>::from(b as u64))).collect(),
            load_n: addr(p.load_cycles),
            ohw: addr(p.out_h * p.out_w),
            ow_last: addr(p.out_w - 1),
            pool_w2: addr(2 * pw),
            pool_h2: addr(2 * ph),
            out_plane: addr(ph * pw),
            in_slot: addr(p.in_depth),
            out_slot: addr(p.out_depth()),
            tail_last: Constant::new(Bits::<4>::from(p.tail() as u64 - 1)),
            off_pos: Constant::new(Bits::<SHIFT_BITS>::from(u64::from(e.offsets.0))),
            off_neg: Constant::new(Bits::<SHIFT_BITS>::from(u64::from(e.offsets.1))),
            lane8: (0..pm.max(p.p_in)).map(|i| Constant::new(Bits::<LANES_BITS>::from(8 * i as u64))).collect(),
            pooling: Constant::new(l.pool),
            lane_mask: Constant::new(Bits::<LANES_BITS>::from(0xffu64)),
            in_sh: locals(p.p_in),
            pixel: Default::default(),
            accept: Default::default(),
            oidx_next: Default::default(),
            total: locals(pm),
            codes: Default::default(),
            pair: Default::default(),
            best: Default::default(),
            sh_a: locals(pm),
            sh_b: locals(pm),
            sh_r: locals(pm),
            lane_a: locals(pm),
            lane_b: locals(pm),
            lane_r: locals(pm),
            lane_p: locals(pm),
            lane_m: locals(pm),
        }
    }
}

impl<const ACC: usize, const AW: usize> Logic for ConvUnit<ACC, AW> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, phase, cnt, tile, ch, ch_first, ch_final, rbank, rbase, rbase0, wbase, obase, load_q, valid_q,
            clear_q, flush_q, bank_q, oidx, ox, oy, tail, all_in, done_q, f_v, f_xodd, f_yodd, f_inpool, c_v, c_xodd,
            c_yodd, c_inpool, codes_q, hreg, pidx, we_q, addr_q, data_q
        );
        for i in 0..self.f_sum.len() {
            self.f_sum[i].clock.next = self.clock.val();
            self.f_sum[i].d.next = self.f_sum[i].q.val();
        }
        for j in 0..self.rowbuf.len() {
            self.rowbuf[j].clock.next = self.clock.val();
            self.rowbuf[j].d.next = self.rowbuf[j].q.val();
        }
        // The input memory: written through the port, read at the pass's channel base plus the pixel index.
        for b in 0..self.banks.len() {
            self.banks[b].clock.next = self.clock.val();
            self.in_sh[b].next = self.in_data.val() >> self.lane8[b].val();
            self.banks[b].write_data.next = self.in_sh[b].val().get_bits::<BUS_BITS>(0);
            self.banks[b].write_address.next = self.in_addr.val();
            self.banks[b].write_enable.next = self.in_we.val();
            self.banks[b].read_address.next = self.rbase.q.val() + self.cnt.q.val();
        }
        self.weights.clock.next = self.clock.val();
        self.weights.read_address.next = self.wbase.q.val() + self.cnt.q.val();
        self.weights.write_address.next = 0.into();
        self.weights.write_data.next = 0.into();
        self.weights.write_enable.next = false;
        // The engine: kernels from the weight memory, pixels from the bank of the pass's channel (zero flush).
        self.engine.clock.next = self.clock.val();
        self.engine.load.next = self.load_q.q.val();
        self.engine.weight_in.next = self.weights.read_data.val();
        self.engine.valid_in.next = self.valid_q.q.val();
        self.engine.clear.next = self.clear_q.q.val();
        // Each pass's flush starts with clear (NetPlan checks it completes no window), so neither end of frame
        // nor reset is needed; synthesis removes both.
        self.engine.reset.next = false;
        self.engine.last.next = false;
        self.engine.off_pos.next = self.off_pos.val();
        self.engine.off_neg.next = self.off_neg.val();
        self.pixel.next = 0.into();
        for b in 0..self.banks.len() {
            if self.bank_q.q.val() == self.bank_id[b].val() {
                self.pixel.next = self.banks[b].read_data.val();
            }
        }
        if self.flush_q.q.val() {
            self.pixel.next = 0.into();
        }
        for j in 0..self.engine.pixel_in.len() {
            self.engine.pixel_in[j].next = self.pixel.val();
        }
        // The pass sequence.
        self.load_q.d.next = false;
        self.valid_q.d.next = false;
        self.clear_q.d.next = false;
        self.flush_q.d.next = false;
        self.bank_q.d.next = self.rbank.q.val();
        self.done_q.d.next = false;
        self.done.next = self.done_q.q.val();
        // Registered: the pass has all its windows (its tail counts from here).
        self.all_in.d.next = self.oidx.q.val() == self.ohw.val();
        if (self.phase.q.val() == 0) & self.start.val() {
            self.phase.d.next = 1.into();
            self.cnt.d.next = 0.into();
            self.tile.d.next = 0.into();
            self.ch.d.next = 0.into();
            self.ch_first.d.next = true;
            self.ch_final.d.next = self.single.val();
            self.rbank.d.next = 0.into();
            self.rbase.d.next = 0.into();
            self.rbase0.d.next = 0.into();
            if self.rhalf.val() {
                self.rbase.d.next = self.in_slot.val();
                self.rbase0.d.next = self.in_slot.val();
            }
            self.wbase.d.next = 0.into();
            self.obase.d.next = 0.into();
            if self.whalf.val() {
                self.obase.d.next = self.out_slot.val();
            }
            self.oidx.d.next = 0.into();
            self.ox.d.next = 0.into();
            self.oy.d.next = 0.into();
            self.pidx.d.next = 0.into();
        }
        if self.phase.q.val() == 1 {
            self.load_q.d.next = true;
            self.cnt.d.next = self.cnt.q.val() + 1;
            if self.cnt.q.val() == self.load_last.val() {
                self.phase.d.next = 2.into();
                self.cnt.d.next = 0.into();
            }
        }
        if self.phase.q.val() == 2 {
            self.valid_q.d.next = true;
            self.clear_q.d.next = (self.cnt.q.val() == 0) | (self.cnt.q.val() == self.hw.val());
            self.flush_q.d.next = self.cnt.q.val() >= self.hw.val();
            self.cnt.d.next = self.cnt.q.val() + 1;
            if self.cnt.q.val() == self.stream_last.val() {
                self.phase.d.next = 3.into();
                self.cnt.d.next = 0.into();
                self.tail.d.next = 0.into();
            }
        }
        if (self.phase.q.val() == 3) & self.all_in.q.val() {
            self.tail.d.next = self.tail.q.val() + 1;
            if self.tail.q.val() == self.tail_last.val() {
                self.phase.d.next = 1.into();
                self.oidx.d.next = 0.into();
                self.all_in.d.next = false;
                self.ox.d.next = 0.into();
                self.oy.d.next = 0.into();
                self.wbase.d.next = self.wbase.q.val() + self.load_n.val();
                if self.ch_final.q.val() {
                    self.ch.d.next = 0.into();
                    self.ch_first.d.next = true;
                    self.ch_final.d.next = self.single.val();
                    self.rbank.d.next = 0.into();
                    self.rbase.d.next = self.rbase0.q.val();
                    self.tile.d.next = self.tile.q.val() + 1;
                    self.obase.d.next = self.obase.q.val() + self.out_plane.val();
                    self.pidx.d.next = 0.into();
                    if self.tile.q.val() == self.tile_last.val() {
                        self.phase.d.next = 0.into();
                        self.done_q.d.next = true;
                    }
                } else {
                    self.ch.d.next = self.ch.q.val() + 1;
                    self.ch_first.d.next = false;
                    self.ch_final.d.next = self.ch.q.val() == self.ch_pen.val();
                    self.rbank.d.next = self.rbank.q.val() + 1;
                    if self.rbank.q.val() == self.bank_last.val() {
                        self.rbank.d.next = 0.into();
                        self.rbase.d.next = self.rbase.q.val() + self.hw.val();
                    }
                }
            }
        }
        // Windows: the first out_h * out_w of a pass are its windows (in raster order); each is added to the
        // partial sums of the earlier input channels (read one window ahead from their memories).
        self.accept.next = self.engine.valid_out.val() & (self.oidx.q.val() != self.ohw.val());
        self.oidx_next.next = self.oidx.q.val();
        if self.accept.val() {
            self.oidx_next.next = self.oidx.q.val() + 1;
            self.oidx.d.next = self.oidx.q.val() + 1;
            self.ox.d.next = self.ox.q.val() + 1;
            if self.ox.q.val() == self.ow_last.val() {
                self.ox.d.next = 0.into();
                self.oy.d.next = self.oy.q.val() + 1;
            }
        }
        for i in 0..self.total.len() {
            self.total[i].next = self.engine.sum_out[i].val();
        }
        for i in 0..self.accs.len() {
            self.accs[i].clock.next = self.clock.val();
            self.accs[i].read_address.next = self.oidx_next.val();
            self.accs[i].write_address.next = self.oidx.q.val();
            self.accs[i].write_enable.next = self.accept.val() & !self.ch_final.q.val();
            if !self.ch_first.q.val() {
                self.total[i].next = self.engine.sum_out[i].val() + self.accs[i].read_data.val();
            }
            self.accs[i].write_data.next = self.total[i].val();
        }
        self.f_v.d.next = self.accept.val() & self.ch_final.q.val();
        self.f_xodd.d.next = self.ox.q.val().get_bit(0);
        self.f_yodd.d.next = self.oy.q.val().get_bit(0);
        self.f_inpool.d.next = (self.ox.q.val() < self.pool_w2.val()) & (self.oy.q.val() < self.pool_h2.val());
        if self.accept.val() {
            for i in 0..self.f_sum.len() {
                self.f_sum[i].d.next = self.total[i].val();
            }
        }
        // Codes of the final sums (the banks' latency after them), packed; the pool's pair and block maxima, lane by
        // lane.
        self.codes.next = 0.into();
        for i in 0..self.requant.len() {
            self.requant[i].clock.next = self.clock.val();
            self.requant[i].sum_in.next = self.f_sum[i].q.val();
            self.codes.next = self.codes.val() | (self.requant[i].code_out.val() << self.lane8[i].val());
        }
        self.f_flags.next = 0.into();
        if self.f_v.q.val() {
            self.f_flags.next = self.f_flags.val() | 1;
        }
        if self.f_xodd.q.val() {
            self.f_flags.next = self.f_flags.val() | 2;
        }
        if self.f_yodd.q.val() {
            self.f_flags.next = self.f_flags.val() | 4;
        }
        if self.f_inpool.q.val() {
            self.f_flags.next = self.f_flags.val() | 8;
        }
        for j in 0..self.g_line.len() {
            self.g_line[j].clock.next = self.clock.val();
        }
        self.g_line[0].d.next = self.f_flags.val();
        for j in 1..self.g_line.len() {
            self.g_line[j].d.next = self.g_line[j - 1].q.val();
        }
        for j in 0..self.g_line.len() {
            self.c_v.d.next = self.g_line[j].q.val().get_bit(0);
            self.c_xodd.d.next = self.g_line[j].q.val().get_bit(1);
            self.c_yodd.d.next = self.g_line[j].q.val().get_bit(2);
            self.c_inpool.d.next = self.g_line[j].q.val().get_bit(3);
        }
        self.codes_q.d.next = self.codes.val();
        self.pair.next = 0.into();
        self.best.next = 0.into();
        #[allow(unused_parens)] // rust-hdl pastes the bound before `.into()`
        for last in (self.rowbuf.len() - 1)..self.rowbuf.len() {
            for i in 0..self.sh_a.len() {
                self.sh_a[i].next = self.hreg.q.val() >> self.lane8[i].val();
                self.sh_b[i].next = self.codes_q.q.val() >> self.lane8[i].val();
                self.sh_r[i].next = self.rowbuf[last].q.val() >> self.lane8[i].val();
                self.lane_a[i].next = self.sh_a[i].val() & self.lane_mask.val();
                self.lane_b[i].next = self.sh_b[i].val() & self.lane_mask.val();
                self.lane_r[i].next = self.sh_r[i].val() & self.lane_mask.val();
                self.lane_p[i].next = self.lane_b[i].val();
                if self.lane_a[i].val() > self.lane_b[i].val() {
                    self.lane_p[i].next = self.lane_a[i].val();
                }
                self.lane_m[i].next = self.lane_p[i].val();
                if self.lane_r[i].val() > self.lane_p[i].val() {
                    self.lane_m[i].next = self.lane_r[i].val();
                }
                self.pair.next = self.pair.val() | (self.lane_p[i].val() << self.lane8[i].val());
                self.best.next = self.best.val() | (self.lane_m[i].val() << self.lane8[i].val());
            }
        }
        self.we_q.d.next = false;
        self.addr_q.d.next = self.obase.q.val() + self.pidx.q.val();
        self.data_q.d.next = self.codes_q.q.val();
        if self.c_v.q.val() & !self.pooling.val() {
            self.we_q.d.next = true;
            self.pidx.d.next = self.pidx.q.val() + 1;
        }
        if self.c_v.q.val() & self.pooling.val() & self.c_inpool.q.val() {
            if !self.c_xodd.q.val() {
                self.hreg.d.next = self.codes_q.q.val();
            } else {
                self.rowbuf[0].d.next = self.pair.val();
                for j in 1..self.rowbuf.len() {
                    self.rowbuf[j].d.next = self.rowbuf[j - 1].q.val();
                }
                if self.c_yodd.q.val() {
                    self.data_q.d.next = self.best.val();
                    self.we_q.d.next = true;
                    self.pidx.d.next = self.pidx.q.val() + 1;
                }
            }
        }
        self.out_we.next = self.we_q.q.val();
        self.out_addr.next = self.addr_q.q.val();
        self.out_data.next = self.data_q.q.val();
    }
}
