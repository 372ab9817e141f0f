//! The k×k shift convolver's emitted Verilog under Icarus Verilog against the golden convolution.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use nbq_quant::golden::accumulator_width;
use nbq_quant::{CodeFormat, ScaleGroup};
use nbq_rtl::conv::ShiftConv;
use nbq_tb::check::{icarus_check, Verdict};
use nbq_tb::conv::{harness, vectors, ConvSetup, Data};

fn vcd_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mismatch-vcd")
}

#[allow(clippy::too_many_arguments)]
fn check<const A: usize, const N: usize, const ACC: usize, const K: usize, const L: usize, const AW: usize>(
    width: usize,
    offsets: (u8, u8),
    data: Data,
) {
    let format = CodeFormat::new(N as u32).unwrap();
    let group = ScaleGroup { scale_exp: 0, offset_pos: offsets.0, offset_neg: offsets.1 };
    let need = accumulator_width(A as u32, format, group, K as u32, 1).unwrap() as usize;
    assert!(need <= ACC, "test config gives ACC = {ACC}, the analysis needs {need}");
    let s = ConvSetup {
        k: K,
        width,
        height: K + 3,
        act_bits: A as u32,
        format,
        offsets,
        acc_bits: ACC,
        images: 2,
        stall: 0.25,
    };
    let mut conv = ShiftConv::<A, N, ACC, K, L, AW>::new(width);
    let verilog = nbq_rtl::emit::verilog(&mut conv).unwrap();
    let (stim, exp) = vectors(&s, 11, data);
    let windows = exp.iter().filter(|e| e.port == 1).count();
    assert_eq!(windows, 2 * (s.height + 1 - K) * (width + 1 - K), "every output pixel of both images is checked");
    let name = format!("shift_conv_k{K}_w{width}_a{A}_n{N}_{data:?}");
    match icarus_check(&name, &verilog, &harness(&s), &stim, &exp, &vcd_dir()).unwrap() {
        Verdict::Match(n) => assert!(n > stim.len(), "compared {n} values"),
        Verdict::Mismatch(m) => panic!("{m}"),
    }
}

#[test]
fn k3_w7_a8_n3_random() {
    check::<8, 3, 24, 3, 2, 3>(7, (0, 0), Data::Random);
}

#[test]
fn k3_w7_a16_n3_extreme() {
    check::<16, 3, 22, 3, 2, 3>(7, (0, 0), Data::Extreme);
}

#[test]
fn k3_w3_gsnq_offsets_alternating() {
    check::<12, 4, 40, 3, 2, 2>(3, (2, 0), Data::Alternating);
}

#[test]
fn k1_w7_zero_codes_and_random() {
    check::<8, 2, 12, 1, 0, 3>(7, (0, 0), Data::ZeroCodes);
    check::<8, 2, 12, 1, 0, 3>(7, (0, 0), Data::Random);
}

#[test]
fn k5_w32_a16_n5() {
    check::<16, 5, 40, 5, 4, 5>(32, (0, 1), Data::Random);
}

#[test]
fn an_altered_expected_value_is_reported() {
    let format = CodeFormat::new(3).unwrap();
    let s = ConvSetup {
        k: 3,
        width: 5,
        height: 5,
        act_bits: 8,
        format,
        offsets: (0, 0),
        acc_bits: 24,
        images: 1,
        stall: 0.0,
    };
    let mut conv = ShiftConv::<8, 3, 24, 3, 2, 3>::new(5);
    let verilog = nbq_rtl::emit::verilog(&mut conv).unwrap();
    let (stim, mut exp) = vectors(&s, 5, Data::Random);
    let e = exp.iter_mut().filter(|e| e.port == 1).nth(4).unwrap();
    e.value = nbq_tb::Value::from_u64(e.value.0[0] ^ 1, 24);
    match icarus_check("altered", &verilog, &harness(&s), &stim, &exp, &vcd_dir()).unwrap() {
        Verdict::Match(_) => panic!("an altered expectation must be caught"),
        Verdict::Mismatch(m) => {
            assert_eq!(m.port, "sum_out");
            assert!(m.at.contains("output pixel (1, 1)"), "{m}");
        }
    }
}
