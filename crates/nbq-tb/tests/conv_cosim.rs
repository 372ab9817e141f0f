//! The k×k shift convolver's emitted Verilog under Icarus Verilog against the golden convolution.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use nbq_quant::golden::accumulator_width;
use nbq_quant::{CodeFormat, ScaleGroup};
use nbq_rtl::conv::ShiftConv;
use nbq_rtl::widths::Widths;
use nbq_tb::check::{icarus_check, Verdict};
use nbq_tb::conv::{harness, vectors, ConvSetup, Data};

fn vcd_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mismatch-vcd")
}

/// Co-simulates a k×k shift convolver whose accumulator is exactly the width analysis's.
fn check<const TIER: usize, const AW: usize>(
    k: usize,
    width: usize,
    a: usize,
    n: usize,
    offsets: (u8, u8),
    data: Data,
) {
    let format = CodeFormat::new(n as u32).unwrap();
    let group = ScaleGroup { scale_exp: 0, offset_pos: offsets.0, offset_neg: offsets.1 };
    let acc = accumulator_width(a as u32, format, group, k as u32, 1).unwrap() as usize;
    let s = ConvSetup {
        k,
        width,
        height: k + 3,
        act_bits: a as u32,
        format,
        offsets,
        acc_bits: acc,
        tier: TIER,
        images: 2,
        stall: 0.25,
    };
    let mut conv = ShiftConv::<TIER, AW>::new(k, width, Widths { act: a, code: n, acc });
    let verilog = nbq_rtl::emit::verilog(&mut conv).unwrap();
    let (stim, exp) = vectors(&s, 11, data);
    let windows = exp.iter().filter(|e| e.port == 1).count();
    assert_eq!(windows, 2 * (s.height + 1 - k) * (width + 1 - k), "every output pixel of both images is checked");
    let name = format!("shift_conv_k{k}_w{width}_a{a}_n{n}_{data:?}");
    match icarus_check(&name, &verilog, &harness(&s), &stim, &exp, &vcd_dir()).unwrap() {
        Verdict::Match(n) => assert!(n > stim.len(), "compared {n} values"),
        Verdict::Mismatch(m) => panic!("{m}"),
    }
}

#[test]
fn k3_w7_a8_n3_random() {
    check::<32, 3>(3, 7, 8, 3, (0, 0), Data::Random);
}

#[test]
fn k3_w7_a16_n3_extreme() {
    check::<32, 3>(3, 7, 16, 3, (0, 0), Data::Extreme);
}

#[test]
fn k3_w3_gsnq_offsets_alternating() {
    check::<64, 2>(3, 3, 12, 4, (2, 0), Data::Alternating);
}

#[test]
fn k1_w7_zero_codes_and_random() {
    check::<32, 3>(1, 7, 8, 2, (0, 0), Data::ZeroCodes);
    check::<32, 3>(1, 7, 8, 2, (0, 0), Data::Random);
}

#[test]
fn k5_w32_a16_n5() {
    check::<64, 5>(5, 32, 16, 5, (0, 1), Data::Random);
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
        tier: 32,
        images: 1,
        stall: 0.0,
    };
    let mut conv = ShiftConv::<32, 3>::new(3, 5, Widths { act: 8, code: 3, acc: 24 });
    let verilog = nbq_rtl::emit::verilog(&mut conv).unwrap();
    let (stim, mut exp) = vectors(&s, 5, Data::Random);
    let e = exp.iter_mut().filter(|e| e.port == 1).nth(4).unwrap();
    e.value = nbq_tb::Value::from_u64(e.value.0[0] ^ 1, 32);
    match icarus_check("altered", &verilog, &harness(&s), &stim, &exp, &vcd_dir()).unwrap() {
        Verdict::Match(_) => panic!("an altered expectation must be caught"),
        Verdict::Mismatch(m) => {
            assert_eq!(m.port, "sum_out");
            assert!(m.at.contains("output pixel (1, 1)"), "{m}");
        }
    }
}
