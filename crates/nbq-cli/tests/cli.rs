//! The `nbq` binary as a user meets it: outputs, help text, and bad input refused with a clear message, a
//! non-zero exit and no output left behind.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn nbq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nbq")).args(args).output().expect("nbq runs")
}

fn model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/digits-mlp.onnx")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs a quantize that must fail; checks the message and that `out` was not created.
fn refused(input: &Path, extra: &[&str], want: &[&str]) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let mut args = vec!["quantize", input.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = nbq(&args);
    let e = stderr(&o);
    assert!(!o.status.success(), "must fail: {args:?}");
    for w in want {
        assert!(e.contains(w), "stderr lacks {w:?}:\n{e}");
    }
    assert!(!e.contains("panicked"), "{e}");
    assert!(!out.exists(), "no output may be left behind");
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0, "no staging folder may be left behind");
}

#[test]
fn quantize_writes_a_bundle_that_inspect_reads_back() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("q");
    let o =
        nbq(&["quantize", model().to_str().unwrap(), "--bits", "3", "--method", "nbq", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("| fc1.weight | [32, 64] | 3 | nbq | tensor |"), "{table}");
    let mut files: Vec<String> =
        fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(
        files,
        [
            "000_fc1_weight.codes",
            "000_fc1_weight.hex",
            "001_fc2_weight.codes",
            "001_fc2_weight.hex",
            "manifest.json",
            "report.json",
            "report.md"
        ]
    );
    let o = nbq(&["inspect", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 tensors OK"));
}

#[test]
fn existing_output_is_refused_without_force_and_left_alone() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("q");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let m = model();
    let args = ["quantize", m.to_str().unwrap(), "--bits", "2", "--out", out.to_str().unwrap()];
    let o = nbq(&args);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("already exists and is not empty"), "{}", stderr(&o));
    assert_eq!(fs::read_dir(&out).unwrap().count(), 1);
    let o = nbq(&[&args[..], &["--force"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    assert!(out.join("manifest.json").exists());
}

#[test]
fn bits_outside_range_are_refused() {
    refused(&model(), &["--bits", "0"], &["invalid value '0' for '--bits <BITS>'", "1..=8"]);
    refused(&model(), &["--bits", "9"], &["invalid value '9'", "1..=8"]);
}

#[test]
fn unknown_method_is_refused_with_the_choices() {
    refused(
        &model(),
        &["--bits", "3", "--method", "fancy"],
        &["invalid value 'fancy'", "nbq", "log-round", "inq", "gsnq"],
    );
}

#[test]
fn nan_weights_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("w.npy");
    ndarray_npy::write_npy(&p, &ndarray::arr1(&[0.5f32, f32::INFINITY])).unwrap();
    refused(&p, &["--bits", "3"], &["tensor 'w' holds a non-finite value (inf) at flat index 1"]);
}

#[test]
fn empty_tensor_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("empty.npy");
    ndarray_npy::write_npy(&p, &ndarray::Array2::<f32>::zeros((0, 3))).unwrap();
    refused(&p, &["--bits", "3"], &["tensor 'empty' is empty (shape [0, 3])"]);
}

#[test]
fn truncated_and_corrupt_files_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let bytes = fs::read(model()).unwrap();
    let p = d.path().join("cut.onnx");
    fs::write(&p, &bytes[..bytes.len() / 3]).unwrap();
    refused(&p, &["--bits", "3"], &["cannot parse", "as an ONNX model"]);
    let p = d.path().join("cut.npy");
    let mut npy = Vec::new();
    ndarray_npy::WriteNpyExt::write_npy(&ndarray::arr1(&[1.0f32, 2.0, 3.0]), &mut npy).unwrap();
    fs::write(&p, &npy[..npy.len() - 2]).unwrap();
    refused(&p, &["--bits", "3"], &["truncated"]);
    refused(Path::new("/nonexistent/model.onnx"), &["--bits", "3"], &["cannot read '/nonexistent/model.onnx'"]);
}

#[test]
fn help_explains_every_option() {
    let o = nbq(&["quantize", "--help"]);
    let h = String::from_utf8_lossy(&o.stdout);
    for opt in
        ["--bits", "--method", "--granularity", "--out", "--force", "--json", "log-round", "gsnq", "per output channel"]
    {
        assert!(h.contains(opt), "help lacks {opt}:\n{h}");
    }
}

#[test]
fn thresholds_are_calibrated_from_npy() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("act.npy");
    let data: Vec<f32> = (0..1000).map(|i| ((i as f32) * 0.37).sin() * 2.0 + 0.5).collect();
    ndarray_npy::write_npy(&p, &ndarray::Array1::from(data)).unwrap();
    let out = d.path().join("t.json");
    let o = nbq(&[
        "thresholds",
        "--calib",
        p.to_str().unwrap(),
        "--bits",
        "2",
        "--lsb",
        "0.01",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&out).unwrap()).unwrap();
    let t: Vec<i64> = v["thresholds"].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    assert_eq!(t.len(), 3);
    assert!(t.windows(2).all(|w| w[0] < w[1]) && t[0] > 0, "{t:?}");
}

#[test]
fn demo_runs_on_the_bundled_model() {
    // The main job without synthesis (tests/hardware.rs covers the flows) on 60 test images.
    let d = tempfile::tempdir().unwrap();
    let o = nbq(&["demo", "--out", d.path().to_str().unwrap(), "--no-synth", "--images", "60"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("| gsnq | 5 |"), "{s}");
    assert!(d.path().join("quant/inq-4bit/manifest.json").exists());
    assert!(s.contains("60 images: every convolution sum equal to the golden model's"), "{s}");
    assert!(s.contains("PASS svpe_k3: 4 images") && s.contains("PASS vpe_k3: 4 images"), "{s}");
    assert!(d.path().join("hdl/digits_conv1.v").exists() && d.path().join("hdl/vpe_k3/params.json").exists());
    assert!(s.contains("| float CNN (359 test images) |") && s.contains("demo finished"), "{s}");
}

#[test]
fn build_writes_the_network_top_and_its_plan() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ck = root.join("models/digits-lenet-rg-3bit.safetensors");
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("net");
    let o = nbq(&["build", "-m", ck.to_str().unwrap(), "--pm", "2,4", "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = fs::read_to_string(out.join("network.v")).unwrap();
    assert!(v.contains("module top(clock,s_tdata,s_tvalid,s_tready,s_tlast,m_tdata,m_tvalid,m_tready,m_tlast);"));
    let plan: serde_json::Value = serde_json::from_slice(&fs::read(out.join("plan.json")).unwrap()).unwrap();
    let pms: Vec<u64> = plan["layers"].as_array().unwrap().iter().map(|l| l["pm"].as_u64().unwrap()).collect();
    assert_eq!(pms, vec![2, 4]);
    // Layer 1: 8 input channels times 16 / 4 output tiles.
    assert_eq!(plan["layers"][1]["passes"].as_u64(), Some(32));
    assert_eq!(plan["classes"].as_u64(), Some(10));
    // Refusals name the value and what is allowed, and write nothing.
    let bad = d.path().join("bad");
    for (args, want) in [
        (vec!["--pm", "9"], "9 is not in 1..=8"),
        (vec!["--pm", "1,2,3"], "--pm lists 3 values; the network has 2 conv layers"),
        (vec!["--target", "zcu102"], "the ZCU102 top is not built yet"),
        (vec!["--target", "alchitry-cu", "--baud", "50000000"], "--baud 50000000: the 100 MHz clock divides it to 2"),
    ] {
        let mut a = vec!["build", "-m", ck.to_str().unwrap(), "-o", bad.to_str().unwrap()];
        a.extend(args);
        let o = nbq(&a);
        assert!(!o.status.success(), "{a:?}");
        assert!(stderr(&o).contains(want), "{a:?}: {}", stderr(&o));
        assert!(!bad.exists());
    }
    let float = root.join("models/digits-lenet-float.safetensors");
    let o = nbq(&["build", "-m", float.to_str().unwrap(), "-o", bad.to_str().unwrap()]);
    assert!(stderr(&o).contains("is a float checkpoint"), "{}", stderr(&o));
}
