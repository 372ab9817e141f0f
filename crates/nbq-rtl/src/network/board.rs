//! The board top with a serial host link: the streaming network top ([`super::top`]) behind a UART and the frame
//! parser and reply writer of [`super::protocol`]. On the Alchitry Cu the UART is the on-board FTDI chip's
//! (ports `uart_rx`, `uart_tx`); `leds[3:0]` show the parser's state and `leds[7]` a heartbeat.
//!
//! The pixels of a frame go to the network as they arrive (the network's input is ready while the board waits
//! for a frame); the CRC byte follows the last pixel, so a frame whose CRC is wrong is still computed and its
//! result replaced by the CRC error reply. A line that goes quiet inside a frame ends the frame: a partial image
//! already in the network is closed with `s_tlast` (the network answers it with a short-frame error, which the
//! board drops) and the host gets a timeout reply.

use rust_hdl::prelude::*;

use super::plan::NetPlan;
use super::protocol::{
    reply_len, FRAME_SYNC, QUIET_BYTES, REPLY_SYNC, STATUS_CRC, STATUS_LENGTH, STATUS_RANGE, STATUS_TIMEOUT,
};
use super::top::NetTop;
use super::uart::{Crc8, UartRx, UartTx};

// Parser states (literals in the logic): 0, 1 hunting for A5 5A; 2, 3 the pixel count; 4 pixels; 5 the CRC;
// 6 waiting for the network's reply; 7 replying; 8 draining a frame of the wrong count until the line is quiet.

#[derive(LogicBlock)]
pub struct UartTop<const ACC: usize, const AW: usize> {
    pub clock: Signal<In, Clock>,
    pub uart_rx: Signal<In, Bit>,
    pub uart_tx: Signal<Out, Bit>,
    pub leds: Signal<Out, Bits<8>>,
    pub net: NetTop<ACC, AW>,
    rx: UartRx,
    tx: UartTx,
    rcrc: Crc8,
    tcrc: Crc8,
    // Four bits: every state decode is one LUT4 of the register's bits.
    state: DFF<Bits<4>>,
    len_lo: DFF<Bits<16>>,
    cnt: DFF<Bits<16>>,
    crc: DFF<Bits<8>>,
    skipped: DFF<Bit>,
    quiet: DFF<Bits<24>>,
    // `quiet` has reached QUIET_BYTES characters, registered (kept equal to the compare as the counter moves):
    // no 24-bit compare on the parser's paths.
    is_quiet: DFF<Bit>,
    status: DFF<Bits<8>>,
    nstat: DFF<Bits<32>>,
    scores: Vec<DFF<Bits<32>>>,
    beat: DFF<Bits<8>>,
    netdone: DFF<Bit>,
    tidx: DFF<Bits<8>>,
    tcrc_q: DFF<Bits<8>>,
    go: DFF<Bit>,
    txb: DFF<Bits<8>>,
    loaded: DFF<Bit>,
    sv: DFF<Bit>,
    sl: DFF<Bit>,
    sd: DFF<Bits<8>>,
    rq: Vec<DFF<Bits<8>>>,
    heart: DFF<Bits<27>>,
    // The LEDs, registered so that the state register is not pulled to the pins.
    leds_q: DFF<Bits<8>>,
    hw: Constant<Bits<16>>,
    hw_last: Constant<Bits<16>>,
    quiet_near: Constant<Bits<24>>,
    reply_n: Constant<Bits<8>>,
    crc_idx: Constant<Bits<8>>,
    byte_sh: Vec<Constant<Bits<32>>>,
    beat_id: Vec<Constant<Bits<8>>>,
    sync0: Constant<Bits<8>>,
    sync1: Constant<Bits<8>>,
    rsync0: Constant<Bits<8>>,
    rsync1: Constant<Bits<8>>,
    s_timeout: Constant<Bits<8>>,
    s_length: Constant<Bits<8>>,
    s_crc: Constant<Bits<8>>,
    s_range: Constant<Bits<8>>,
    err_bits: Constant<Bits<32>>,
    eight: Constant<Bits<16>>,
    hi: Constant<Bits<8>>,
    len_full: Signal<Local, Bits<16>>,
    shifted: Vec<Signal<Local, Bits<32>>>,
}

fn b8(v: u64) -> Constant<Bits<8>> {
    Constant::new(Bits::<8>::from(v))
}

impl<const ACC: usize, const AW: usize> UartTop<ACC, AW> {
    /// The board top of `plan` with a UART of `divisor` clocks per bit.
    pub fn new(plan: &NetPlan, divisor: usize) -> Self {
        let classes = plan.fc.classes;
        let hw = plan.input.height * plan.input.width;
        Self {
            clock: Default::default(),
            uart_rx: Default::default(),
            uart_tx: Default::default(),
            leds: Default::default(),
            net: NetTop::new(plan),
            rx: UartRx::new(divisor),
            tx: UartTx::new(divisor),
            rcrc: Default::default(),
            tcrc: Default::default(),
            state: Default::default(),
            len_lo: Default::default(),
            cnt: Default::default(),
            crc: Default::default(),
            skipped: Default::default(),
            quiet: Default::default(),
            is_quiet: Default::default(),
            status: Default::default(),
            nstat: Default::default(),
            scores: (0..classes).map(|_| Default::default()).collect(),
            beat: Default::default(),
            netdone: Default::default(),
            tidx: Default::default(),
            tcrc_q: Default::default(),
            go: Default::default(),
            txb: Default::default(),
            loaded: Default::default(),
            sv: Default::default(),
            sl: Default::default(),
            sd: Default::default(),
            rq: (0..reply_len(classes) - 1).map(|_| Default::default()).collect(),
            heart: Default::default(),
            leds_q: Default::default(),
            hw: Constant::new(Bits::<16>::from(hw as u64)),
            hw_last: Constant::new(Bits::<16>::from(hw as u64 - 1)),
            quiet_near: Constant::new(Bits::<24>::from((QUIET_BYTES * 10 * divisor - 1) as u64)),
            reply_n: b8(reply_len(classes) as u64),
            crc_idx: b8(reply_len(classes) as u64 - 1),
            byte_sh: (0..4).map(|j| Constant::new(Bits::<32>::from(8 * j as u64))).collect(),
            beat_id: (0..classes).map(|c| b8(c as u64 + 1)).collect(),
            sync0: b8(u64::from(FRAME_SYNC[0])),
            sync1: b8(u64::from(FRAME_SYNC[1])),
            rsync0: b8(u64::from(REPLY_SYNC[0])),
            rsync1: b8(u64::from(REPLY_SYNC[1])),
            s_timeout: b8(u64::from(STATUS_TIMEOUT)),
            s_length: b8(u64::from(STATUS_LENGTH)),
            s_crc: b8(u64::from(STATUS_CRC)),
            s_range: b8(u64::from(STATUS_RANGE)),
            err_bits: Constant::new(Bits::<32>::from(0x700u64)),
            eight: Constant::new(Bits::<16>::from(8u64)),
            hi: b8(0x80),
            len_full: Default::default(),
            shifted: (0..4 * classes).map(|_| Default::default()).collect(),
        }
    }
}

impl<const ACC: usize, const AW: usize> Logic for UartTop<ACC, AW> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, len_lo, cnt, crc, skipped, quiet, is_quiet, status, nstat, beat, netdone, tidx, tcrc_q,
            go, txb, loaded, sv, sl, sd, heart, leds_q
        );
        for c in 0..self.scores.len() {
            self.scores[c].clock.next = self.clock.val();
            self.scores[c].d.next = self.scores[c].q.val();
        }
        self.rx.clock.next = self.clock.val();
        self.tx.clock.next = self.clock.val();
        self.net.clock.next = self.clock.val();
        self.rx.rx.next = self.uart_rx.val();
        self.uart_tx.next = self.tx.tx.val();
        self.heart.d.next = self.heart.q.val() + 1;
        self.leds.next = self.leds_q.q.val();
        self.leds_q.d.next = bit_cast::<8, 4>(self.state.q.val());
        if self.heart.q.val().get_bit(26) {
            self.leds_q.d.next = bit_cast::<8, 4>(self.state.q.val()) | self.hi.val();
        }
        self.rcrc.crc_in.next = self.crc.q.val();
        self.rcrc.data_in.next = self.rx.data.val();
        self.sv.d.next = false;
        self.sd.d.next = self.rx.data.val();
        self.sl.d.next = false;
        self.net.m_tready.next = true;
        // Bytes reach the network one cycle after they are parsed (registered, off the parser's paths).
        self.net.s_tvalid.next = self.sv.q.val();
        self.net.s_tlast.next = self.sl.q.val();
        self.net.s_tdata.next = self.sd.q.val();
        self.quiet.d.next = self.quiet.q.val() + 1;
        self.is_quiet.d.next =
            !self.rx.valid.val() & (self.is_quiet.q.val() | (self.quiet.q.val() == self.quiet_near.val()));
        if self.rx.valid.val() {
            self.quiet.d.next = 0.into();
        } else if self.is_quiet.q.val() {
            self.quiet.d.next = self.quiet.q.val();
        }
        self.len_full.next = (bit_cast::<16, 8>(self.rx.data.val()) << self.eight.val()) | self.len_lo.q.val();
        if self.rx.valid.val() {
            if self.state.q.val() == 0 {
                if self.rx.data.val() == self.sync0.val() {
                    self.state.d.next = 1.into();
                } else {
                    self.skipped.d.next = true;
                }
            }
            if self.state.q.val() == 1 {
                if self.rx.data.val() == self.sync1.val() {
                    self.state.d.next = 2.into();
                    self.crc.d.next = 0.into();
                } else if self.rx.data.val() == self.sync0.val() {
                    self.skipped.d.next = true;
                } else {
                    self.state.d.next = 0.into();
                    self.skipped.d.next = true;
                }
            }
            if self.state.q.val() == 2 {
                self.len_lo.d.next = bit_cast::<16, 8>(self.rx.data.val());
                self.crc.d.next = self.rcrc.crc_out.val();
                self.state.d.next = 3.into();
            }
            if self.state.q.val() == 3 {
                self.crc.d.next = self.rcrc.crc_out.val();
                self.cnt.d.next = 0.into();
                self.state.d.next = 4.into();
                if self.len_full.val() != self.hw.val() {
                    self.status.d.next = self.s_length.val();
                    self.state.d.next = 7.into();
                    self.tidx.d.next = 0.into();
                }
            }
            if self.state.q.val() == 4 {
                self.sv.d.next = true;
                self.sl.d.next = self.cnt.q.val() == self.hw_last.val();
                self.crc.d.next = self.rcrc.crc_out.val();
                self.cnt.d.next = self.cnt.q.val() + 1;
                if self.cnt.q.val() == self.hw_last.val() {
                    self.state.d.next = 5.into();
                }
            }
            if self.state.q.val() == 5 {
                self.state.d.next = 6.into();
                if self.rx.data.val() != self.crc.q.val() {
                    self.status.d.next = self.s_crc.val();
                }
            }
        }
        // A quiet line inside a frame ends it.
        if !self.rx.valid.val() & self.is_quiet.q.val() {
            if (self.state.q.val() == 2) | (self.state.q.val() == 3) {
                self.status.d.next = self.s_timeout.val();
                self.state.d.next = 7.into();
                self.tidx.d.next = 0.into();
            }
            if self.state.q.val() == 4 {
                self.status.d.next = self.s_timeout.val();
                self.tidx.d.next = 0.into();
                self.state.d.next = 7.into();
                if self.cnt.q.val() != 0 {
                    self.sv.d.next = true;
                    self.sl.d.next = true;
                    self.sd.d.next = 0.into();
                    self.state.d.next = 6.into();
                }
            }
            if self.state.q.val() == 5 {
                self.status.d.next = self.s_timeout.val();
                self.state.d.next = 6.into();
            }
            if self.state.q.val() == 8 {
                self.state.d.next = 0.into();
            }
        }
        // The network's reply (the status word, then the scores), taken whenever it comes: an image with a bad
        // pixel is answered as soon as its last pixel is in, before the frame's CRC byte.
        if self.net.m_tvalid.val() {
            self.beat.d.next = self.beat.q.val() + 1;
            if self.beat.q.val() == 0 {
                self.nstat.d.next = self.net.m_tdata.val();
            }
            for c in 0..self.scores.len() {
                if self.beat.q.val() == self.beat_id[c].val() {
                    self.scores[c].d.next = self.net.m_tdata.val();
                }
            }
            if self.net.m_tlast.val() {
                self.netdone.d.next = true;
                self.beat.d.next = 0.into();
            }
        }
        if (self.state.q.val() == 6) & self.netdone.q.val() {
            self.netdone.d.next = false;
            self.state.d.next = 7.into();
            self.tidx.d.next = 0.into();
            if (self.status.q.val() == 0) & ((self.nstat.q.val() & self.err_bits.val()) != 0) {
                self.status.d.next = self.s_range.val();
            }
        }
        // The reply: all its bytes but the CRC are loaded into a queue when the reply starts, then sent one per
        // UART character from the queue's head (no wide byte select), the CRC last.
        for i in 0..self.rq.len() {
            self.rq[i].clock.next = self.clock.val();
            self.rq[i].d.next = self.rq[i].q.val();
        }
        for c in 0..self.scores.len() {
            for j in 0..4 {
                self.shifted[c * 4 + j].next = self.scores[c].q.val() >> self.byte_sh[j].val();
            }
        }
        self.go.d.next = false;
        self.tx.start.next = self.go.q.val();
        self.tx.data.next = self.txb.q.val();
        self.tcrc.crc_in.next = self.tcrc_q.q.val();
        self.tcrc.data_in.next = self.rq[0].q.val();
        if (self.state.q.val() == 7) & !self.loaded.q.val() {
            self.loaded.d.next = true;
            self.tcrc_q.d.next = 0.into();
            self.rq[0].d.next = self.rsync0.val();
            self.rq[1].d.next = self.rsync1.val();
            self.rq[2].d.next = self.status.q.val();
            if self.skipped.q.val() {
                self.rq[2].d.next = self.status.q.val() | self.hi.val();
            }
            self.rq[3].d.next = 0.into();
            if self.status.q.val() == 0 {
                self.rq[3].d.next = self.nstat.q.val().get_bits::<8>(0);
            }
            for c in 0..self.scores.len() {
                for j in 0..4 {
                    self.rq[4 + c * 4 + j].d.next = 0.into();
                    if self.status.q.val() == 0 {
                        self.rq[4 + c * 4 + j].d.next = self.shifted[c * 4 + j].val().get_bits::<8>(0);
                    }
                }
            }
        }
        #[allow(clippy::collapsible_if)] // rust-hdl's hdl_gen takes no `&&`
        // `loaded` is only ever set in state 7 and cleared as it leaves, so it alone says the reply is going out
        // (no decode of the state register on this path).
        if self.loaded.q.val() {
            if !self.tx.busy.val() & !self.go.q.val() {
                if self.tidx.q.val() != self.reply_n.val() {
                    self.go.d.next = true;
                    self.tidx.d.next = self.tidx.q.val() + 1;
                    self.txb.d.next = self.rq[0].q.val();
                    if self.tidx.q.val() == self.crc_idx.val() {
                        self.txb.d.next = self.tcrc_q.q.val();
                    }
                    if self.tidx.q.val() >= 2 {
                        self.tcrc_q.d.next = self.tcrc.crc_out.val();
                    }
                    for i in 1..self.rq.len() {
                        self.rq[i - 1].d.next = self.rq[i].q.val();
                    }
                } else {
                    self.loaded.d.next = false;
                    self.state.d.next = 0.into();
                    if self.status.q.val() == self.s_length.val() {
                        self.state.d.next = 8.into();
                    }
                    self.status.d.next = 0.into();
                    self.skipped.d.next = false;
                }
            }
        }
    }
}
