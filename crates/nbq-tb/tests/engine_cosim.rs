//! Convolvers and whole engines, generated from design files, co-simulated as emitted Verilog under Icarus
//! Verilog against the golden convolution: every output of every channel, and valid_out on every cycle.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use nbq_rtl::config::RawDesign;
use nbq_rtl::conv::ShiftConv;
use nbq_rtl::{Adders, DesignConfig, PeKind};
use nbq_tb::check::{icarus_check, Verdict};
use nbq_tb::engine::{harness, vectors, Data, Level, Stream};

fn vcd_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mismatch-vcd")
}

#[allow(clippy::too_many_arguments)] // one design axis per argument reads best in the matrix
fn design(pe: &str, k: usize, w: usize, a: usize, n: usize, offsets: (u8, u8), pn: usize, pm: usize) -> DesignConfig {
    let kind = if pe == "shift" { PeKind::Shift } else { PeKind::Mul };
    let raw = RawDesign::new(&format!("{pe}_k{k}_w{w}_a{a}_n{n}"), kind, k, w, a).shape(pn, pm);
    let raw = if kind == PeKind::Shift { raw.code_bits(n).offsets(offsets) } else { raw };
    DesignConfig::new(raw, "test").unwrap()
}

/// Generates the engine from its config, streams `data` through it and asserts a bit-exact match.
fn engine_matches(c: &DesignConfig, data: Data, seed: u64) {
    let g = nbq_rtl::generate(c).unwrap();
    let s = Stream { height: c.k + 1, images: 2, stall: 0.2, data, seed, framed: true };
    let (stim, exp) = vectors(c, Level::Engine, &s);
    let windows = exp.iter().filter(|e| e.at.starts_with("image")).count();
    assert_eq!(windows, 2 * c.pm * 2 * (c.image_width + 1 - c.k), "every output of every channel is checked");
    let name = format!("{}_pn{}_pm{}_{data:?}", c.name, c.pn, c.pm);
    match icarus_check(&name, &g.verilog, &harness(c, Level::Engine), &stim, &exp, &vcd_dir()).unwrap() {
        Verdict::Match(_) => {}
        Verdict::Mismatch(m) => panic!("{m}"),
    }
}

const DATA: [Data; 4] = [Data::Random, Data::Extreme, Data::Alternating, Data::ZeroCodes];

/// The full configuration matrix for one kernel size and PE: every code width n in {1, 2, 3, 4, 5, 8} (16 for the
/// multiplier), activation width A in {4, 8, 12, 16}, image width W in {k, 7, 32}, GSNQ offsets on and off (shift
/// PE); (Pn, Pm) and the data kind (random, extreme, alternating, zero weights) rotate from design to design, and
/// every stream has random stalls.
fn matrix(pe: &str, k: usize, offsets: &[(u8, u8)]) {
    let codes: &[usize] = if pe == "shift" { &[1, 2, 3, 4, 5, 8] } else { &[16] };
    let mut i = offsets.first().map_or(0, |o| usize::from(o.0));
    for &n in codes {
        for a in [4, 8, 12, 16] {
            for w in [k.max(2), 7, 32] {
                for &off in offsets {
                    let (pn, pm) = [(1, 1), (2, 1), (1, 2), (2, 2)][i % 4];
                    let c = design(pe, k, w, a, n, off, pn, pm);
                    engine_matches(&c, DATA[(i / 4) % 4], i as u64);
                    i += 1;
                }
            }
        }
    }
}

// One test per (k, offsets) so that the test runner spreads the matrix over the cores.
const SYMMETRIC: &[(u8, u8)] = &[(0, 0)];
const GSNQ: &[(u8, u8)] = &[(2, 1)];

#[test]
fn matrix_shift_k1() {
    matrix("shift", 1, SYMMETRIC);
    matrix("shift", 1, GSNQ);
}

#[test]
fn matrix_shift_k3_symmetric() {
    matrix("shift", 3, SYMMETRIC);
}

#[test]
fn matrix_shift_k3_gsnq_offsets() {
    matrix("shift", 3, GSNQ);
}

#[test]
fn matrix_shift_k5_symmetric() {
    matrix("shift", 5, SYMMETRIC);
}

#[test]
fn matrix_shift_k5_gsnq_offsets() {
    matrix("shift", 5, GSNQ);
}

#[test]
fn matrix_mul() {
    for k in [1, 3, 5] {
        matrix("mul", k, SYMMETRIC);
    }
}

/// A covering subset of the matrix, small enough for the fast test profile: every code width n = 1..8 (6 and 7 are
/// not in the full matrix), both PEs, k 1..7, every (Pn, Pm) of the matrix, every data kind, GSNQ offsets, and an
/// accumulator in the widest (512-bit) tier. Each axis value meets several others (a pairwise-style walk).
/// One design of the covering set: (pe, k, W, A, n, offsets, Pn, Pm).
type Axes = (&'static str, usize, usize, usize, usize, (u8, u8), usize, usize);

#[test]
fn covering_engines_every_code_width_both_pes_and_the_widest_tier() {
    #[rustfmt::skip]
    let designs: [Axes; 12] = [
        ("shift", 3, 7, 8, 1, (0, 0), 1, 1),
        ("shift", 1, 5, 12, 2, (1, 0), 2, 1),
        ("shift", 5, 6, 4, 3, (0, 0), 1, 2),
        ("shift", 3, 32, 16, 4, (2, 1), 2, 2),
        ("shift", 2, 4, 6, 5, (0, 3), 1, 1),
        ("shift", 3, 9, 10, 6, (0, 0), 2, 1),
        ("shift", 5, 7, 16, 6, (3, 2), 1, 2),
        ("shift", 1, 3, 2, 7, (0, 0), 2, 2),
        ("shift", 3, 5, 8, 7, (4, 0), 1, 1),
        ("shift", 7, 9, 5, 8, (0, 1), 2, 1),
        ("mul", 3, 7, 16, 16, (0, 0), 2, 2),
        ("mul", 5, 8, 3, 16, (0, 0), 1, 2),
    ];
    let mut codes = std::collections::BTreeSet::new();
    for (i, &(pe, k, w, a, n, off, pn, pm)) in designs.iter().enumerate() {
        let c = design(pe, k, w, a, n, off, pn, pm);
        codes.insert(c.widths.code);
        engine_matches(&c, DATA[i % 4], 100 + i as u64);
    }
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6, 7, 8, 16], "every code width is covered");
    // The 512-bit tier: an accumulator wider than 256 bits, given explicitly (the analysis asks for far fewer).
    let raw = RawDesign::new("tier512", PeKind::Shift, 3, 5, 16).code_bits(8).offsets((5, 0)).shape(1, 2).acc_bits(300);
    let c = DesignConfig::new(raw, "test").unwrap();
    assert_eq!(c.acc_tier, 512);
    engine_matches(&c, Data::Extreme, 7);
}

#[test]
fn papers_svpe_convolver_block() {
    // The bare k = 3, A = 16, n = 3 convolver (no cluster register), as in the paper's Table VII.
    let c = design("shift", 3, 32, 16, 3, (0, 0), 1, 1);
    let mut conv = ShiftConv::<32, 6>::new(c.k, c.image_width, c.widths);
    let verilog = nbq_rtl::emit::verilog(&mut conv).unwrap();
    for (seed, data) in [(1, Data::Random), (2, Data::Extreme)] {
        let s = Stream { height: 6, images: 2, stall: 0.3, data, seed, framed: true };
        let (stim, exp) = vectors(&c, Level::Convolver, &s);
        match icarus_check("papers_svpe_convolver", &verilog, &harness(&c, Level::Convolver), &stim, &exp, &vcd_dir())
            .unwrap()
        {
            Verdict::Match(n) => assert!(n > stim.len()),
            Verdict::Mismatch(m) => panic!("{m}"),
        }
    }
}

#[test]
fn an_altered_expected_value_is_reported() {
    let c = design("shift", 3, 5, 8, 3, (0, 0), 1, 2);
    let g = nbq_rtl::generate(&c).unwrap();
    let s = Stream { height: 5, images: 1, stall: 0.0, data: Data::Random, seed: 5, framed: true };
    let (stim, mut exp) = vectors(&c, Level::Engine, &s);
    let e = exp.iter_mut().find(|e| e.at == "image 0, output channel 1, pixel (1, 1)").unwrap();
    e.value = nbq_tb::Value::from_u64(e.value.0[0] ^ 1, c.acc_tier);
    match icarus_check("altered", &g.verilog, &harness(&c, Level::Engine), &stim, &exp, &vcd_dir()).unwrap() {
        Verdict::Match(_) => panic!("an altered expectation must be caught"),
        Verdict::Mismatch(m) => {
            assert_eq!(m.port, "sum_out$1");
            assert!(m.to_string().contains("(image 0, output channel 1, pixel (1, 1)): expected"), "{m}");
        }
    }
}

/// The framed stream (a partial image cut off by `reset`, images ended by `last` and followed by flush pixels of
/// any value) checks that both controls work: with either held low, the engine emits windows that belong to no
/// image (the aborted image's, or phantom windows of a flush row), and the check reports them on `valid_out`.
#[test]
fn ignoring_reset_or_last_is_caught() {
    let c = design("shift", 3, 5, 8, 3, (0, 0), 2, 2);
    let g = nbq_rtl::generate(&c).unwrap();
    let h = harness(&c, Level::Engine);
    let s = Stream { height: 4, images: 3, stall: 0.1, data: Data::Random, seed: 12, framed: true };
    let (stim, exp) = vectors(&c, Level::Engine, &s);
    match icarus_check("framed", &g.verilog, &h, &stim, &exp, &vcd_dir()).unwrap() {
        Verdict::Match(n) => assert!(n > 0),
        Verdict::Mismatch(m) => panic!("{m}"),
    }
    let inputs: Vec<String> = nbq_rtl::Ports::design(&c, Level::Engine).inputs().map(|p| p.name.clone()).collect();
    for port in ["reset", "last"] {
        let col = inputs.iter().position(|n| n == port).unwrap();
        let held_low: Vec<Vec<nbq_tb::Value>> = stim
            .iter()
            .map(|cycle| {
                let mut cycle = cycle.clone();
                cycle[col] = nbq_tb::Value::from_u64(0, 1);
                cycle
            })
            .collect();
        assert_ne!(held_low, stim, "the stream drives {port}");
        match icarus_check(&format!("no_{port}"), &g.verilog, &h, &held_low, &exp, &vcd_dir()).unwrap() {
            Verdict::Match(_) => panic!("with {port} held low the engine must emit a window of no image"),
            Verdict::Mismatch(m) => assert_eq!(m.port, "valid_out", "{port}: {m}"),
        }
    }
}

#[test]
fn emitted_verilog_passes_icarus_verilator_and_yosys_checks() {
    for c in [
        design("shift", 3, 7, 8, 3, (1, 0), 2, 2),
        design("mul", 3, 7, 16, 16, (0, 0), 2, 1),
        design("shift", 1, 2, 4, 1, (0, 0), 1, 1),
    ] {
        let g = nbq_rtl::generate(&c).unwrap();
        if let Err(e) = nbq_tb::lint::check(&g.verilog) {
            panic!("{}: {e}", c.name);
        }
    }
}

#[test]
fn lint_failures_carry_the_tools_message() {
    let e = nbq_tb::lint::check("module top(input a, output b); assign b = c; endmodule\n").unwrap_err().to_string();
    assert!(e.starts_with("Icarus Verilog failed") && e.contains("Unable to bind wire/reg/memory `c'"), "{e}");
}

#[test]
fn collapsed_verilog_simulates_like_the_per_instance_verilog() {
    let c = design("shift", 3, 7, 8, 4, (0, 2), 2, 3);
    let collapsed = nbq_rtl::generate(&c).unwrap().verilog;
    let mut engine = nbq_rtl::conv::ShiftEngine::<32, 4>::new(c.pm, c.pn, c.k, c.image_width, c.widths, None);
    let per_instance = nbq_rtl::emit::verilog(&mut engine).unwrap();
    assert!(collapsed.len() * 5 < per_instance.len(), "{} vs {} bytes", collapsed.len(), per_instance.len());
    let s = Stream { height: 5, images: 2, stall: 0.2, data: Data::Random, seed: 9, framed: true };
    let (stim, exp) = vectors(&c, Level::Engine, &s);
    let h = harness(&c, Level::Engine);
    let got_a = nbq_tb::icarus::simulate(&collapsed, &h, &stim, None).unwrap();
    let got_b = nbq_tb::icarus::simulate(&per_instance, &h, &stim, None).unwrap();
    assert_eq!(got_a, got_b, "both forms must produce the same outputs on every cycle");
    assert!(nbq_tb::check::first_mismatch("collapsed", &h, &got_a, &exp).is_none());
}

#[test]
fn rust_hdl_simulator_agrees_with_the_golden_model() {
    for c in [design("shift", 3, 7, 8, 3, (1, 0), 2, 2), design("mul", 3, 5, 12, 16, (0, 0), 1, 2)] {
        let s = Stream { height: 5, images: 1, stall: 0.2, data: Data::Random, seed: 4, framed: true };
        let (stim, exp) = vectors(&c, Level::Engine, &s);
        let got = nbq_rtl::with_engine!(c, e => nbq_tb::rusthdl::run(&mut e, &stim)).unwrap();
        let h = harness(&c, Level::Engine);
        if let Some(m) = nbq_tb::check::first_mismatch(&c.name, &h, &got, &exp) {
            panic!("rust-hdl simulation: {m}");
        }
        // The comparison is live: one altered expectation is found.
        let mut bad = exp.clone();
        let e = bad.iter_mut().find(|e| e.at.starts_with("image 0, output channel 1")).unwrap();
        e.value = nbq_tb::Value::from_u64(e.value.0[0] ^ 4, c.acc_tier);
        assert!(nbq_tb::check::first_mismatch(&c.name, &h, &got, &bad).is_some());
    }
}

#[test]
fn verilator_runs_the_emitted_verilog_and_matches() {
    let c = design("shift", 3, 7, 16, 3, (0, 1), 2, 2);
    let g = nbq_rtl::generate(&c).unwrap();
    let h = harness(&c, Level::Engine);
    let model = nbq_tb::verilator::Model::build(&g.verilog, &h).unwrap();
    for (seed, data) in [(1, Data::Random), (2, Data::Extreme)] {
        let s = Stream { height: 6, images: 2, stall: 0.2, data, seed, framed: true };
        let (stim, exp) = vectors(&c, Level::Engine, &s);
        let (got, _) = model.run(&stim).unwrap();
        if let Some(m) = nbq_tb::check::first_mismatch(&c.name, &h, &got, &exp) {
            panic!("Verilator: {m}");
        }
        // Same outputs as Icarus on every cycle where Icarus defines them.
        let icarus = nbq_tb::icarus::simulate(&g.verilog, &h, &stim, None).unwrap();
        for (cycle, (a, b)) in got.iter().zip(&icarus).enumerate() {
            for (x, y) in a.iter().zip(b) {
                assert!(y.is_none() || x == y, "cycle {cycle}: verilator {x:?} vs icarus {y:?}");
            }
        }
    }
}

#[test]
fn requantizer_codes_match_the_threshold_quantizer() {
    for pe in ["shift", "mul"] {
        let n = if pe == "shift" { 4 } else { 16 };
        let base = design(pe, 3, 7, 8, n, (0, 0), 2, 2);
        let s = Stream { height: 5, images: 2, stall: 0.2, data: Data::Random, seed: 8, framed: true };
        // Calibrate the quantizer on the layer's own pre-activations (the golden sums of the same stream).
        let (_, plain) = vectors(&base, Level::Engine, &s);
        let sums: Vec<f32> = plain
            .iter()
            .filter(|e| e.at.starts_with("image") && e.port >= 1 && e.port <= base.pm)
            .map(|e| e.value.to_i128(base.acc_tier).unwrap() as f32)
            .collect();
        let q = nbq_quant::activation::ThresholdQuantizer::calibrate(&sums, 3, 1.0).unwrap();
        let c = base.with("rq", |r| r.name = format!("{pe}_rq")).unwrap();
        let c = DesignConfig::new(c.raw().clone().requantizer(3, q.thresholds.clone()), "rq").unwrap();
        assert_eq!(c.widths, base.widths);
        let g = nbq_rtl::generate(&c).unwrap();
        let (stim, exp) = vectors(&c, Level::Engine, &s);
        let codes: std::collections::BTreeSet<u64> =
            exp.iter().filter(|e| e.at.contains("activation code")).map(|e| e.value.0[0]).collect();
        assert!(codes.len() >= 4, "the test data must reach several codes: {codes:?}");
        // The hardware's code is the quantizer's: check the expectations against ThresholdQuantizer::code too.
        for e in exp.iter().filter(|e| e.at.contains("activation code")) {
            let sum = exp.iter().find(|x| x.cycle == e.cycle && x.port == e.port - base.pm - 1).unwrap();
            let acc = sum.value.to_i128(c.acc_tier).unwrap() as i64;
            assert_eq!(u64::from(q.code(acc)), e.value.0[0]);
        }
        match icarus_check(&c.name, &g.verilog, &harness(&c, Level::Engine), &stim, &exp, &vcd_dir()).unwrap() {
            Verdict::Match(_) => {}
            Verdict::Mismatch(m) => panic!("{m}"),
        }
        let got = nbq_rtl::with_engine!(c, e => nbq_tb::rusthdl::run(&mut e, &stim)).unwrap();
        assert!(nbq_tb::check::first_mismatch(&c.name, &harness(&c, Level::Engine), &got, &exp).is_none());
    }
}

#[test]
fn dsp_adder_marking_changes_no_result() {
    let raw = RawDesign::new("dsp", PeKind::Shift, 3, 7, 8).code_bits(3).shape(2, 2).adders(Adders::Dsp);
    let c = DesignConfig::new(raw, "dsp").unwrap();
    let g = nbq_rtl::generate(&c).unwrap();
    // The last PE of each of a convolver's k rows (one module per distinct width, the convolvers being alike) and
    // one channel adder per cluster.
    let widths: std::collections::BTreeSet<usize> =
        (0..c.k).map(|d| c.widths.partial_sum(c.widths.shift, (d + 1) * c.k).acc).collect();
    assert_eq!(g.verilog.matches("(* use_dsp = \"yes\" *)").count(), widths.len() + c.pm, "{}", g.verilog);
    nbq_tb::lint::check(&g.verilog).unwrap();
    let s = Stream { height: 5, images: 1, stall: 0.2, data: Data::Random, seed: 6, framed: true };
    let (stim, exp) = vectors(&c, Level::Engine, &s);
    match icarus_check(&c.name, &g.verilog, &harness(&c, Level::Engine), &stim, &exp, &vcd_dir()).unwrap() {
        Verdict::Match(_) => {}
        Verdict::Mismatch(m) => panic!("{m}"),
    }
}
