//! The pin table in constraints/ agrees with the board support crate rust-hdl-bsp-alchitry-cu.
#![allow(clippy::unwrap_used, missing_debug_implementations)]

use rust_hdl::fpga::toolchains::icestorm::generate_pcf;
use rust_hdl::prelude::*;
use rust_hdl_bsp_alchitry_cu::pins;

#[derive(LogicBlock)]
struct Top {
    pub clock: Signal<In, Clock>,
    pub leds: Signal<Out, Bits<8>>,
}

impl Logic for Top {
    #[hdl_gen]
    fn update(&mut self) {
        self.leds.next = 0.into();
    }
}

fn set_io_lines(pcf: &str) -> Vec<String> {
    let mut v: Vec<String> = pcf.lines().filter(|l| l.starts_with("set_io")).map(str::to_string).collect();
    v.sort();
    v
}

#[test]
fn pin_table_matches_the_board_support_crate() {
    let mut top = Top { clock: pins::clock(), leds: pins::leds() };
    top.connect_all();
    let theirs = set_io_lines(&generate_pcf(&top));
    let ours = set_io_lines(&nbq_flow::ice40::Board::alchitry_cu().unwrap().pcf());
    assert_eq!(ours, theirs);
}
