//! An 8N1 UART (receiver and transmitter) and a CRC-8 stage, for the board's serial host link.
//!
//! The bit time is `divisor` clocks (100 for 1 Mbaud at 100 MHz), a build-time value; simulations may use a
//! smaller divisor with the same RTL. The receiver synchronises `rx` through two flip-flops, waits half a bit
//! after a falling edge, checks that the start bit is still low, then samples eight data bits (least significant
//! first) one bit time apart and the stop bit; a byte whose stop bit is low is dropped (a framing error). Idle
//! lines are high; the flip-flops store inverted levels so that their power-up state 0 means an idle line.

use rust_hdl::prelude::*;

/// The line's bit time in clocks must be at least this (the receiver samples at half a bit).
pub const MIN_DIVISOR: usize = 4;

#[derive(LogicBlock)]
pub struct UartRx {
    pub clock: Signal<In, Clock>,
    pub rx: Signal<In, Bit>,
    /// The received byte, valid while `valid` is high (one cycle per byte).
    pub data: Signal<Out, Bits<8>>,
    pub valid: Signal<Out, Bit>,
    n_sync1: DFF<Bit>,
    n_sync2: DFF<Bit>,
    state: DFF<Bits<2>>,
    count: DFF<Bits<16>>,
    nbit: DFF<Bits<4>>,
    shift: DFF<Bits<8>>,
    valid_q: DFF<Bit>,
    half: Constant<Bits<16>>,
    full: Constant<Bits<16>>,
    line: Signal<Local, Bit>,
    high: Constant<Bits<8>>,
}

impl UartRx {
    pub fn new(divisor: usize) -> Self {
        assert!((MIN_DIVISOR..1 << 16).contains(&divisor), "UART divisor {divisor}");
        Self {
            clock: Default::default(),
            rx: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            n_sync1: Default::default(),
            n_sync2: Default::default(),
            state: Default::default(),
            count: Default::default(),
            nbit: Default::default(),
            shift: Default::default(),
            valid_q: Default::default(),
            half: Constant::new(Bits::<16>::from((divisor / 2 - 1) as u64)),
            full: Constant::new(Bits::<16>::from((divisor - 1) as u64)),
            line: Default::default(),
            high: Constant::new(Bits::<8>::from(0x80u64)),
        }
    }
}

impl Logic for UartRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, n_sync1, n_sync2, state, count, nbit, shift, valid_q);
        self.n_sync1.d.next = !self.rx.val();
        self.n_sync2.d.next = self.n_sync1.q.val();
        self.line.next = !self.n_sync2.q.val();
        self.valid_q.d.next = false;
        self.count.d.next = self.count.q.val() + 1;
        // 0 idle, 1 start bit, 2 data bits, 3 stop bit.
        if self.state.q.val() == 0 {
            self.count.d.next = 0.into();
            if !self.line.val() {
                self.state.d.next = 1.into();
            }
        }
        if (self.state.q.val() == 1) & (self.count.q.val() == self.half.val()) {
            self.count.d.next = 0.into();
            self.nbit.d.next = 0.into();
            self.state.d.next = 2.into();
            if self.line.val() {
                self.state.d.next = 0.into();
            }
        }
        if (self.state.q.val() == 2) & (self.count.q.val() == self.full.val()) {
            self.count.d.next = 0.into();
            self.shift.d.next = self.shift.q.val() >> 1;
            if self.line.val() {
                self.shift.d.next = (self.shift.q.val() >> 1) | self.high.val();
            }
            self.nbit.d.next = self.nbit.q.val() + 1;
            if self.nbit.q.val() == 7 {
                self.state.d.next = 3.into();
            }
        }
        if (self.state.q.val() == 3) & (self.count.q.val() == self.full.val()) {
            self.state.d.next = 0.into();
            self.valid_q.d.next = self.line.val();
        }
        self.data.next = self.shift.q.val();
        self.valid.next = self.valid_q.q.val();
    }
}

#[derive(LogicBlock)]
pub struct UartTx {
    pub clock: Signal<In, Clock>,
    /// A byte to send, taken while `start` is high and `busy` low.
    pub data: Signal<In, Bits<8>>,
    pub start: Signal<In, Bit>,
    pub busy: Signal<Out, Bit>,
    pub tx: Signal<Out, Bit>,
    n_tx: DFF<Bit>,
    state: DFF<Bits<2>>,
    count: DFF<Bits<16>>,
    nbit: DFF<Bits<4>>,
    shift: DFF<Bits<8>>,
    // High in the bit time's last clock (`count == divisor - 1`), registered from the clock before so that the
    // 16-bit compare does not sit in front of the state logic.
    end_q: DFF<Bit>,
    before_end: Constant<Bits<16>>,
}

impl UartTx {
    pub fn new(divisor: usize) -> Self {
        assert!((MIN_DIVISOR..1 << 16).contains(&divisor), "UART divisor {divisor}");
        Self {
            clock: Default::default(),
            data: Default::default(),
            start: Default::default(),
            busy: Default::default(),
            tx: Default::default(),
            n_tx: Default::default(),
            state: Default::default(),
            count: Default::default(),
            nbit: Default::default(),
            shift: Default::default(),
            end_q: Default::default(),
            before_end: Constant::new(Bits::<16>::from((divisor - 2) as u64)),
        }
    }
}

impl Logic for UartTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, n_tx, state, count, nbit, shift, end_q);
        self.count.d.next = self.count.q.val() + 1;
        // The count only runs up (from 0) outside idle, and every bit time ends at `divisor - 1`.
        self.end_q.d.next = (self.count.q.val() == self.before_end.val()) & (self.state.q.val() != 0);
        // 0 idle (line high), 1 start bit, 2 data bits, 3 stop bit; the line is registered.
        if self.state.q.val() == 0 {
            self.count.d.next = 0.into();
            self.n_tx.d.next = false;
            if self.start.val() {
                self.shift.d.next = self.data.val();
                self.state.d.next = 1.into();
                self.n_tx.d.next = true;
            }
        }
        if (self.state.q.val() == 1) & self.end_q.q.val() {
            self.count.d.next = 0.into();
            self.nbit.d.next = 0.into();
            self.state.d.next = 2.into();
            self.n_tx.d.next = !self.shift.q.val().get_bit(0);
        }
        if (self.state.q.val() == 2) & self.end_q.q.val() {
            self.count.d.next = 0.into();
            self.shift.d.next = self.shift.q.val() >> 1;
            self.nbit.d.next = self.nbit.q.val() + 1;
            self.n_tx.d.next = !self.shift.q.val().get_bit(1);
            if self.nbit.q.val() == 7 {
                self.state.d.next = 3.into();
                self.n_tx.d.next = false;
            }
        }
        if (self.state.q.val() == 3) & self.end_q.q.val() {
            self.state.d.next = 0.into();
        }
        self.busy.next = self.state.q.val() != 0;
        self.tx.next = !self.n_tx.q.val();
    }
}

/// One byte of CRC-8 (polynomial x^8 + x^2 + x + 1, 0x07; no reflection, no final XOR), combinational:
/// `crc_out = crc8(crc_in, data_in)` as [`super::protocol::crc8`] computes it.
#[derive(LogicBlock)]
pub struct Crc8 {
    pub crc_in: Signal<In, Bits<8>>,
    pub data_in: Signal<In, Bits<8>>,
    pub crc_out: Signal<Out, Bits<8>>,
    stage: Vec<Signal<Local, Bits<8>>>,
    poly: Constant<Bits<8>>,
    one: Constant<Bits<8>>,
}

impl Default for Crc8 {
    fn default() -> Self {
        Self {
            crc_in: Default::default(),
            data_in: Default::default(),
            crc_out: Default::default(),
            stage: (0..9).map(|_| Default::default()).collect(),
            poly: Constant::new(Bits::<8>::from(0x07u64)),
            one: Constant::new(Bits::<8>::from(1u64)),
        }
    }
}

impl Logic for Crc8 {
    #[hdl_gen]
    fn update(&mut self) {
        self.stage[0].next = self.crc_in.val() ^ self.data_in.val();
        for i in 0..8 {
            self.stage[i + 1].next = self.stage[i].val() << self.one.val();
            if self.stage[i].val().get_bit(7) {
                self.stage[i + 1].next = (self.stage[i].val() << self.one.val()) ^ self.poly.val();
            }
        }
        self.crc_out.next = self.stage[8].val();
    }
}
