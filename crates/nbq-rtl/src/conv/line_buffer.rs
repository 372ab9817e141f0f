//! A line buffer: the pixel stream delayed by exactly `width` consumed pixels, in a block RAM.
//!
//! Ports: `enable` (a pixel is consumed at each rising edge where it is high), `data_in` (16 bits), `data_out`.
//! `data_out`, seen before the edge that consumes pixel `s`, is pixel `s - width` (0 for the first `width`
//! pixels after power-up). Stalls (enable low) hold everything.
//!
//! The RAM (`2^AW` words, `width` used) has a registered read, so it reads one address ahead: on a consuming
//! edge it reads the slot the *next* pixel will overwrite, on a stalled edge the current slot. Needs
//! `width <= 2^AW`; a delay of 1 is one register and a delay of 0 a wire (the RAM is then unused and synthesis
//! removes it).

use rust_hdl::prelude::*;

use crate::widths::BUS_BITS;

#[derive(LogicBlock)]
pub struct LineBuffer<const AW: usize> {
    pub clock: Signal<In, Clock>,
    pub enable: Signal<In, Bit>,
    pub data_in: Signal<In, Bits<BUS_BITS>>,
    pub data_out: Signal<Out, Bits<BUS_BITS>>,
    ram: RAM<Bits<BUS_BITS>, AW>,
    ptr: DFF<Bits<AW>>,
    hold: DFF<Bits<BUS_BITS>>,
    last: Constant<Bits<AW>>,
    passthrough: Constant<Bit>,
    one: Constant<Bit>,
    next_ptr: Signal<Local, Bits<AW>>,
}

impl<const AW: usize> LineBuffer<AW> {
    /// A buffer delaying by `width` pixels; panics unless `width <= 2^AW`.
    pub fn new(width: usize) -> Self {
        assert!(width <= 1 << AW, "line width {width} outside 0..={}", 1usize << AW);
        let zeros = (0..(1usize << AW)).map(|i| (Bits::<AW>::from(i as u64), Bits::<BUS_BITS>::default())).collect();
        Self {
            clock: Default::default(),
            enable: Default::default(),
            data_in: Default::default(),
            data_out: Default::default(),
            ram: RAM::new(zeros),
            ptr: Default::default(),
            hold: Default::default(),
            last: Constant::new(Bits::<AW>::from(width.saturating_sub(1) as u64)),
            passthrough: Constant::new(width == 0),
            one: Constant::new(width == 1),
            next_ptr: Default::default(),
        }
    }
}

impl<const AW: usize> Logic for LineBuffer<AW> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, ptr, hold);
        self.ram.read_clock.next = self.clock.val();
        self.ram.write_clock.next = self.clock.val();
        self.next_ptr.next = self.ptr.q.val() + 1;
        if self.ptr.q.val() == self.last.val() {
            self.next_ptr.next = 0.into();
        }
        self.ram.write_address.next = self.ptr.q.val();
        self.ram.write_data.next = self.data_in.val();
        self.ram.write_enable.next = self.enable.val();
        self.ram.read_address.next = self.ptr.q.val();
        if self.enable.val() {
            self.ram.read_address.next = self.next_ptr.val();
            self.ptr.d.next = self.next_ptr.val();
        }
        if self.enable.val() {
            self.hold.d.next = self.data_in.val();
        }
        // Assigned once (a glitching output can keep event-driven simulators from settling; see conv::array).
        if self.passthrough.val() {
            self.data_out.next = self.data_in.val();
        } else if self.one.val() {
            self.data_out.next = self.hold.q.val();
        } else {
            self.data_out.next = self.ram.read_data.val();
        }
    }
}
