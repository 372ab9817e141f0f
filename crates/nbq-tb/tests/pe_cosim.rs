//! Both PEs' emitted Verilog under Icarus Verilog, against the golden model, bit for bit.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use nbq_quant::CodeFormat;
use nbq_rtl::pe::{MulPe, ShiftPe};
use nbq_rtl::widths::Widths;
use nbq_tb::check::{icarus_check, Verdict};
use nbq_tb::pe::{harness, vectors, Model, PeKind, PeSetup};

fn vcd_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mismatch-vcd")
}

fn run_shift<const TIER: usize>(a: usize, n: usize, acc: usize, offsets: (u8, u8), seed: u64, model: Model) -> Verdict {
    let kind = PeKind::Shift { format: CodeFormat::new(n as u32).unwrap(), offsets };
    let setup = PeSetup { act_bits: a as u32, kind, acc_bits: acc, tier: TIER };
    let r = usize::from(CodeFormat::new(n as u32).unwrap().magnitudes());
    let shift = r - 1 + usize::from(offsets.0.max(offsets.1));
    let mut pe = ShiftPe::<TIER>::new(Widths { act: a, code: n, acc, shift });
    let verilog = nbq_rtl::emit::verilog(&mut pe).unwrap();
    let (stim, exp) = vectors(&setup, 400, seed, model);
    let name = format!("shift_pe_a{a}_n{n}_acc{acc}_tier{TIER}_off{}_{}", offsets.0, offsets.1);
    icarus_check(&name, &verilog, &harness(&setup), &stim, &exp, &vcd_dir()).unwrap()
}

fn assert_shift<const TIER: usize>(a: usize, n: usize, acc: usize) {
    for (i, offsets) in [(0, 0), (3, 0), (0, 2)].into_iter().enumerate() {
        match run_shift::<TIER>(a, n, acc, offsets, 7 + i as u64, Model::Golden) {
            Verdict::Match(count) => assert_eq!(count, 1200),
            Verdict::Mismatch(m) => panic!("{m}"),
        }
    }
}

#[test]
fn shift_pe_a2_n2() {
    assert_shift::<32>(2, 2, 8);
}

#[test]
fn shift_pe_a4_n1_sign_only() {
    assert_shift::<32>(4, 1, 12);
}

#[test]
fn shift_pe_a8_n3() {
    assert_shift::<32>(8, 3, 24);
}

/// n = 4 without offsets decodes its held code in the datapath (every shift 0..=6, the upper stage included);
/// with offsets it decodes at load.
#[test]
fn shift_pe_a8_n4_both_decodes() {
    assert!(ShiftPe::<32>::decodes_held_code(Widths { act: 8, code: 4, acc: 24, shift: 6 }));
    assert!(!ShiftPe::<32>::decodes_held_code(Widths { act: 8, code: 4, acc: 24, shift: 9 }));
    assert_shift::<32>(8, 4, 24);
}

#[test]
fn shift_pe_a12_n5_full_tier() {
    assert_shift::<64>(12, 5, 64);
}

#[test]
fn shift_pe_a16_n3_papers_width() {
    assert_shift::<64>(16, 3, 22);
}

#[test]
fn shift_pe_a16_n8_widest_shifts() {
    // 8-bit codes shift by up to 126 + offset: a 150-bit accumulator, beyond any machine word.
    assert_shift::<256>(16, 8, 150);
}

#[test]
fn shift_pe_a16_n8_in_the_widest_tier() {
    // The 512-bit tier: an accumulator wider than 256 bits.
    assert_shift::<512>(16, 8, 300);
}

#[test]
fn shift_pe_a6_n6_and_a10_n7() {
    assert_shift::<128>(6, 6, 40);
    assert_shift::<128>(10, 7, 80);
}

#[test]
fn zero_extension_model_is_caught_with_a_waveform() {
    match run_shift::<32>(8, 3, 24, (0, 0), 1, Model::WrongZeroExtension) {
        Verdict::Match(_) => panic!("a zero-extending model must disagree with the sign-extending hardware"),
        Verdict::Mismatch(m) => {
            assert_eq!(m.port, "psum_out");
            // Edge 0 loads the code while the PE's pixel register takes cycle 0's most negative pixel; edge 1
            // multiplies the two, so its partial sum (visible at cycle 2) is the first to differ.
            assert_eq!(m.cycle, 2);
            let text = m.to_string();
            assert!(text.starts_with("design shift_pe_a8_n3_acc24_tier32_off0_0: port psum_out at cycle 2"), "{text}");
            assert!(m.vcd.as_ref().is_some_and(|v| std::fs::metadata(v).is_ok_and(|md| md.len() > 0)), "{text}");
        }
    }
}

fn assert_mul<const TIER: usize>(a: usize, acc: usize) {
    let setup = PeSetup { act_bits: a as u32, kind: PeKind::Mul, acc_bits: acc, tier: TIER };
    let mut pe = MulPe::<TIER>::new(Widths { act: a, code: 16, acc, shift: 0 });
    let verilog = nbq_rtl::emit::verilog(&mut pe).unwrap();
    let (stim, exp) = vectors(&setup, 400, 3, Model::Golden);
    let name = format!("mul_pe_a{a}_acc{acc}_tier{TIER}");
    match icarus_check(&name, &verilog, &harness(&setup), &stim, &exp, &vcd_dir()).unwrap() {
        Verdict::Match(n) => assert_eq!(n, 1200),
        Verdict::Mismatch(m) => panic!("{m}"),
    }
}

#[test]
fn mul_pe_a16_papers_baseline() {
    assert_mul::<64>(16, 36);
}

#[test]
fn mul_pe_a8() {
    assert_mul::<32>(8, 32);
}

#[test]
fn mul_pe_a3_wide_accumulator() {
    assert_mul::<128>(3, 70);
}
