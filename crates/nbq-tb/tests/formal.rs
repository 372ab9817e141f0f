//! Formal proofs on the emitted Verilog (`nbq_tb::formal`): each must hold on nbq's designs and fail on a mutated
//! design, so that a proof that holds means something.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use nbq_rtl::config::RawDesign;
use nbq_rtl::{DesignConfig, PeKind};
use nbq_tb::formal::prove_pe_equivalence;

fn shift_design(n: usize, act: usize, offsets: (u8, u8)) -> DesignConfig {
    let raw = RawDesign::new(&format!("pe_n{n}_a{act}"), PeKind::Shift, 3, 8, act).code_bits(n).offsets(offsets);
    DesignConfig::new(raw, "formal").unwrap()
}

/// Proves `c`'s emitted shift PE equal to the multiplier PE loaded with each code's value.
fn assert_proved(n: usize, act: usize, offsets: (u8, u8)) {
    let c = shift_design(n, act, offsets);
    let p = prove_pe_equivalence(&c, &nbq_rtl::generate_pe(&c).unwrap()).unwrap();
    assert!(p.holds, "n = {n}, A = {act}, offsets {offsets:?}: the proof fails:\n{}", p.log);
    // One proof per code and offset pair, each of them a success.
    let cases = (1usize << n) * (usize::from(offsets.0) + 1) * (usize::from(offsets.1) + 1);
    assert_eq!(p.log.matches("SAT proof finished - no model found: SUCCESS").count(), cases, "{}", p.log);
}

// The shift PE equals the multiplier PE loaded with each code's value, for every code, pixel and partial sum, at
// several (n, A), with and without GSNQ offsets, on both decode paths (at load: n = 1, n = 5 and designs with
// offsets; of the held code: n = 2 to 4 without). Split in four for the test runner's parallelism (about 2
// minutes of SAT in all on this machine; A = 16 takes about 10 s per code).

#[test]
fn pe_proof_one_bit_codes_with_and_without_offsets() {
    assert_proved(1, 8, (0, 0));
    assert_proved(1, 4, (3, 1));
}

#[test]
fn pe_proof_two_and_three_bit_codes_decoding_the_held_code() {
    assert_proved(2, 8, (0, 0));
    assert_proved(3, 8, (0, 0));
    assert_proved(2, 16, (0, 0));
}

#[test]
fn pe_proof_gsnq_offsets_decoded_at_load() {
    assert_proved(3, 8, (2, 1));
    assert_proved(4, 6, (1, 1));
}

#[test]
fn pe_proof_four_and_five_bit_codes() {
    assert_proved(4, 8, (0, 0));
    assert_proved(5, 8, (0, 0));
}

/// Each mutation of the emitted shift PE makes the proof fail with a counterexample.
#[test]
fn a_mutated_shift_pe_fails_the_proof() {
    let c = shift_design(3, 8, (2, 1));
    let good = nbq_rtl::generate_pe(&c).unwrap();
    // A design of other offsets: the hardware decodes shifts one stage off.
    let other = nbq_rtl::generate_pe(&shift_design(3, 8, (1, 1))).unwrap();
    // Halve the accumulator mask: the partial sum keeps one bit fewer.
    let narrow = |v: &str| {
        let line = v.lines().find(|l| l.contains("localparam  acc_mask = ")).unwrap().to_string();
        let (head, hex) = line.trim_end_matches(';').rsplit_once("'h").unwrap();
        let mask = u64::from_str_radix(hex, 16).unwrap();
        v.replace(&line, &format!("{head}'h{:x};", mask >> 1))
    };
    for (what, v) in [("offsets of another design", other), ("an accumulator one bit narrower", narrow(&good))] {
        assert!(v != good, "{what}: the mutation changed nothing");
        let p = prove_pe_equivalence(&c, &v).unwrap();
        assert!(!p.holds, "{what}: the proof holds on a mutated PE:\n{}", p.log);
        assert!(p.log.contains("model found: FAIL"), "{}", p.log);
    }
}
