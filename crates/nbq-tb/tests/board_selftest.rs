//! The self-testing board top, simulated as emitted Verilog: it reports pass for the golden model's sums and
//! fail when one expected sum is altered.
#![allow(clippy::unwrap_used)]

use nbq_rtl::DesignConfig;
use nbq_tb::board::{run_self_test, BoardSim};
use nbq_tb::engine::self_test_data;

fn design(toml: &str) -> DesignConfig {
    DesignConfig::from_toml(toml, "test.toml").unwrap()
}

fn check(c: &DesignConfig, sim: BoardSim) {
    let data = self_test_data(c, 7).unwrap();
    let limit = 4 * (data.weights.len() + data.pixels.len()) as u64 + 100;
    let v = run_self_test(&nbq_rtl::generate_self_test(c, &data).unwrap(), sim, limit).unwrap();
    assert!(v.pass && !v.fail, "{}: golden sums should pass, got {v:?}", c.name);
    // One expected window sum off by one: the top must notice.
    let mut bad = data.clone();
    let i = bad.expected.len() / 2;
    bad.expected[i][0] ^= 1;
    let v = run_self_test(&nbq_rtl::generate_self_test(c, &bad).unwrap(), sim, limit).unwrap();
    assert!(!v.pass && v.fail, "{}: an altered sum should fail, got {v:?}", c.name);
    // One window too few expected: the extra window is a failure too.
    let mut short = data;
    short.expected.pop();
    let v = run_self_test(&nbq_rtl::generate_self_test(c, &short).unwrap(), sim, limit).unwrap();
    assert!(!v.pass && v.fail, "{}: an unexpected window should fail, got {v:?}", c.name);
}

#[test]
fn shift_top_passes_and_fails_under_icarus() {
    let c = design("name = \"b\"\npe = \"shift\"\nk = 3\nimage_width = 16\nact_bits = 16\ncode_bits = 3\n");
    check(&c, BoardSim::Icarus);
}

#[test]
fn gsnq_shift_top_passes_and_fails_under_icarus() {
    let c =
        design("name = \"g\"\npe = \"shift\"\nk = 2\nimage_width = 7\nact_bits = 8\ncode_bits = 4\noffsets = [2, 1]\n");
    check(&c, BoardSim::Icarus);
}

#[test]
fn multiplier_top_passes_and_fails_under_icarus() {
    let c = design("name = \"m\"\npe = \"mul\"\nk = 3\nimage_width = 8\nact_bits = 16\n");
    check(&c, BoardSim::Icarus);
}

#[test]
fn shift_top_passes_and_fails_under_verilator() {
    let c = design("name = \"v\"\npe = \"shift\"\nk = 3\nimage_width = 32\nact_bits = 16\ncode_bits = 3\n");
    check(&c, BoardSim::Verilator);
}
