//! Each small block's emitted Verilog: a snapshot (so any change to what nbq emits is seen in review) and the
//! Icarus / Verilator / Yosys checks. Refresh the snapshots with `NBQ_UPDATE_SNAPSHOTS=1 cargo test -p nbq-tb --test blocks`.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use nbq_rtl::conv::LineBuffer;
use nbq_rtl::pe::{MulPe, ShiftPe};
use nbq_rtl::requant::Requantizer;
use nbq_rtl::widths::Widths;

fn snapshot(name: &str, verilog: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(format!("{name}.v"));
    if std::env::var_os("NBQ_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, verilog).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == verilog,
        "emitted Verilog of {name} differs from {} (refresh with NBQ_UPDATE_SNAPSHOTS=1 after review)",
        path.display()
    );
    nbq_tb::lint::check(verilog).unwrap();
}

#[test]
fn shift_pe() {
    snapshot(
        "shift_pe_a8_n3_acc24",
        &nbq_rtl::emit::verilog(&mut ShiftPe::<32>::new(Widths { act: 8, code: 3, acc: 24, shift: 2 })).unwrap(),
    );
}

#[test]
fn mul_pe() {
    snapshot(
        "mul_pe_a8_acc32",
        &nbq_rtl::emit::verilog(&mut MulPe::<32>::new(Widths { act: 8, code: 16, acc: 32, shift: 0 })).unwrap(),
    );
}

#[test]
fn line_buffer() {
    snapshot("line_buffer_w7", &nbq_rtl::emit::verilog(&mut LineBuffer::<4>::new(7)).unwrap());
}

#[test]
fn requantizer() {
    snapshot("requantizer_3", &nbq_rtl::emit::verilog(&mut Requantizer::<32>::new(&[-5, 3, 9])).unwrap());
}
