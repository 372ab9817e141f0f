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
            ".nbq-files",
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
fn force_never_replaces_a_users_file_of_the_same_name() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("q");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("report.md"), "my notes").unwrap();
    let m = model();
    let o = nbq(&["quantize", m.to_str().unwrap(), "--bits", "2", "--out", out.to_str().unwrap(), "--force"]);
    let e = stderr(&o);
    assert!(!o.status.success() && e.contains("holds 'report.md', which nbq did not write"), "{e}");
    assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "my notes");
    assert_eq!(fs::read_dir(&out).unwrap().count(), 1, "nothing written");
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1, "no staging folder left behind");
}

/// `quantize --force` into `out` with `HOME` set to `home`; must be refused before the model is read.
fn quantize_into(out: &Path, home: &Path) -> Output {
    let m = model();
    let args = ["quantize", m.to_str().unwrap(), "--bits", "2", "--out", out.to_str().unwrap(), "--force"];
    Command::new(env!("CARGO_BIN_EXE_nbq")).args(args).env("HOME", home).output().unwrap()
}

#[test]
fn the_root_and_home_folders_and_a_dangling_link_are_refused_as_output_folders() {
    let d = tempfile::tempdir().unwrap();
    let home = d.path().join("home");
    fs::create_dir(&home).unwrap();
    fs::write(home.join("thesis.tex"), "mine").unwrap();
    // `--out / --force` wrote nbq's files into the root folder.
    let o = quantize_into(Path::new("/"), &home);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("'/' is the root folder") && e.contains("a folder of their own"), "{e}");
    assert!(!Path::new("/manifest.json").exists() && !Path::new("/.nbq-files").exists());
    // The home folder, named directly or through a link, whatever the flags; the user's file stays.
    let to_home = d.path().join("to-home");
    std::os::unix::fs::symlink(&home, &to_home).unwrap();
    for out in [&home, &to_home] {
        let o = quantize_into(out, &home);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert!(e.contains("is your home folder") && e.contains(&*out.to_string_lossy()), "{e}");
    }
    let names: Vec<_> = fs::read_dir(&home).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["thesis.tex"], "nothing written into the home folder");
    assert_eq!(fs::read_to_string(home.join("thesis.tex")).unwrap(), "mine");
    // A dangling link is named with its target ("Not a directory (os error 20)" before); the target is not made.
    let dangling = d.path().join("dangling");
    std::os::unix::fs::symlink(d.path().join("nowhere"), &dangling).unwrap();
    let o = quantize_into(&dangling, &home);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("is a symbolic link to") && e.contains("nowhere") && e.contains("does not exist"), "{e}");
    assert!(!d.path().join("nowhere").exists());
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 3, "no staging folder left behind");
}

#[test]
fn a_symlink_to_an_empty_folder_is_followed() {
    let d = tempfile::tempdir().unwrap();
    let real = d.path().join("real");
    fs::create_dir(&real).unwrap();
    let link = d.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let o = quantize_into(&link, d.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(real.join("manifest.json").exists(), "the files are in the link's target");
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 2, "no staging folder left behind");
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
fn thresholds_refuse_an_lsb_that_does_not_fit_the_data() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("act.npy");
    let data: Vec<f32> = (0..1000).map(|i| ((i as f32) * 0.37).sin() * 2.0 + 0.5).collect();
    ndarray_npy::write_npy(&p, &ndarray::Array1::from(data)).unwrap();
    let run = |lsb: &str| {
        let out = d.path().join("t.json");
        let o = nbq(&["thresholds", "--calib", p.to_str().unwrap(), "--bits", "2", "--lsb", lsb, "--out"]
            .into_iter()
            .chain([out.to_str().unwrap()])
            .collect::<Vec<_>>());
        assert!(!o.status.success(), "--lsb {lsb} must be refused");
        assert!(!out.exists(), "nothing written for --lsb {lsb}");
        stderr(&o)
    };
    // A negative LSB is a value, not a flag.
    let e = run("-1");
    assert!(e.contains("must be a positive finite number, got -1"), "{e}");
    // Too fine: the thresholds would not be exact integers.
    let e = run("1e-300");
    assert!(e.contains("at most 2^53 units") && e.contains("1e-300"), "{e}");
    // Too coarse: every value falls below the first threshold, and the message says why (the data is positive).
    let e = run("100");
    assert!(e.contains("LSB 100") && e.contains("too coarse") && !e.contains("no positive activations"), "{e}");
}

/// A 176-byte `.npy` whose header (ndarray-npy's own writer) claims shape (1000000, 1000000) of float32 (4 TB).
fn npy_bomb(path: &Path) {
    use ndarray_npy::npy::header::{Header, Layout};
    let h = Header {
        type_descriptor: py_literal::Value::String("<f4".into()),
        layout: Layout::Standard,
        shape: vec![1000000, 1000000],
    };
    fs::write(path, [h.to_bytes().unwrap(), vec![0u8; 48]].concat()).unwrap();
}

#[test]
fn a_forged_npy_header_is_refused_with_bounded_memory() {
    let d = tempfile::tempdir().unwrap();
    let bomb = d.path().join("bomb.npy");
    npy_bomb(&bomb);
    refused(&bomb, &["--bits", "3"], &["shape [1000000, 1000000]", "4000000000000 bytes", "only 48 bytes of data"]);
    // Under a 1 GiB address-space limit the refusal still comes from the header arithmetic, not an abort.
    let out = d.path().join("t.json");
    let cmd = format!(
        "ulimit -v 1048576; exec '{}' thresholds --calib '{}' --bits 2 --lsb 0.01 --out '{}'",
        env!("CARGO_BIN_EXE_nbq"),
        bomb.display(),
        out.display()
    );
    let o = Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "a clean refusal, not a signal: {e}");
    assert!(e.contains("4000000000000 bytes") && !e.contains("memory allocation"), "{e}");
    assert!(!out.exists());
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
    assert!(
        s.contains("60 images through the board top's UART pins (simulated, divisor 8): every class and score"),
        "{s}"
    );
    assert!(s.contains("| the whole network on the chip (one board top, UART; simulated board, 60 images) |"), "{s}");
}

#[test]
fn demo_never_writes_over_a_users_folder() {
    let d = tempfile::tempdir().unwrap();
    // A folder with the user's own files, even ones named like the demo's, is refused with or without --force.
    let mine = d.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("float.safetensors"), b"my model").unwrap();
    for force in [false, true] {
        let mut args = vec!["demo", "--out", mine.to_str().unwrap(), "--no-synth"];
        if force {
            args.push("--force");
        }
        let o = nbq(&args);
        let e = stderr(&o);
        assert!(!o.status.success() && e.contains("1 entries that nbq demo did not write"), "{e}");
        assert_eq!(fs::read(mine.join("float.safetensors")).unwrap(), b"my model");
        assert_eq!(fs::read_dir(&mine).unwrap().count(), 1, "nothing added");
    }
    // An earlier demo's folder (it has the marker) is replaced only with --force.
    let old = d.path().join("old");
    fs::create_dir(&old).unwrap();
    fs::write(old.join(".nbq-demo"), b"made by nbq demo\n").unwrap();
    fs::write(old.join("digits.csv.gz"), b"old").unwrap();
    let o = nbq(&["demo", "--out", old.to_str().unwrap(), "--no-synth"]);
    assert!(!o.status.success() && stderr(&o).contains("pass --force to replace them"), "{}", stderr(&o));
    assert_eq!(fs::read(old.join("digits.csv.gz")).unwrap(), b"old");
    // The root folder is never an output folder.
    let o = nbq(&["demo", "--out", "/", "--force", "--no-synth"]);
    assert!(!o.status.success() && stderr(&o).contains("is the root folder"), "{}", stderr(&o));
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
        (vec!["--seeds", "1,2"], "--seeds: only the alchitry-cu target places and routes"),
        (vec!["--target", "alchitry-cu", "--seeds", "1,1"], "--seeds: seed 1 is given twice"),
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

/// Writes an .npz of `x` (float32, `shape`) and, unless `y` is None, `y` (int64).
fn write_npz(path: &Path, shape: &[usize], x: Vec<f32>, y: Option<Vec<i64>>) {
    let mut z = ndarray_npy::NpzWriter::new(fs::File::create(path).unwrap());
    z.add_array("x", &ndarray::ArrayD::from_shape_vec(shape.to_vec(), x).unwrap()).unwrap();
    if let Some(y) = y {
        z.add_array("y", &ndarray::Array1::from(y)).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn run_sim_classifies_images_from_an_npz_and_refuses_bad_input() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ck = root.join("models/digits-lenet-rg-3bit.safetensors");
    let split = nbq_model::data::load_digits(&root.join("testdata/digits.csv.gz")).unwrap();
    let test = split.test.take(5);
    let x: Vec<f32> = test.pixels.iter().map(|&p| f32::from(p) / 16.0).collect();
    let y: Vec<i64> = test.labels.iter().map(|&l| i64::from(l)).collect();
    let d = tempfile::tempdir().unwrap();
    let good = d.path().join("five.npz");
    write_npz(&good, &[5, 1, 8, 8], x.clone(), Some(y.clone()));
    let base = ["run", "-m", ck.to_str().unwrap(), "--pm", "1,2"];
    let o = nbq(&[&base[..], &["--sim", "--data", good.to_str().unwrap()]].concat());
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(s.contains("simulated board: 5 images") && s.contains("every score equal on 5 of 5"), "{s}");

    let mut bright = x.clone();
    bright[70] = 1.5;
    type Case<'a> = (&'a str, Vec<usize>, Vec<f32>, Option<Vec<i64>>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "bright.npz",
            vec![5, 1, 8, 8],
            bright,
            Some(y.clone()),
            "image 1, pixel 6 of x is 1.5; float images lie in [0, 1]",
        ),
        (
            "wide.npz",
            vec![5, 1, 4, 16],
            x.clone(),
            Some(y.clone()),
            "x has shape [5, 1, 4, 16]; the network takes (N, 1, 8, 8)",
        ),
        ("nolabels.npz", vec![5, 1, 8, 8], x.clone(), None, "it has no array 'y'"),
        (
            "label.npz",
            vec![5, 1, 8, 8],
            x,
            Some(vec![0, 1, 2, 3, 10]),
            "label 4 (y) is 10; the network has classes 0..=9",
        ),
    ];
    for (name, shape, x, y, want) in cases {
        let f = d.path().join(name);
        write_npz(&f, &shape, x, y);
        let o = nbq(&[&base[..], &["--sim", "--data", f.to_str().unwrap()]].concat());
        assert!(!o.status.success(), "{name}");
        assert!(stderr(&o).contains(want), "{name}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
    let file = d.path().join("not-a-port");
    fs::write(&file, b"").unwrap();
    for (args, want) in [
        (
            vec!["--data", good.to_str().unwrap(), "--port", "/nonexistent/ttyUSB9"],
            "cannot open serial port '/nonexistent/ttyUSB9'",
        ),
        (
            vec!["--data", good.to_str().unwrap(), "--port", file.to_str().unwrap()],
            "is a regular file, not a serial device",
        ),
        (
            vec!["--sim", "--data", "cifar"],
            "'cifar' is neither a data set nor an .npz file; allowed: digits, mnist, FILE.npz",
        ),
    ] {
        let o = nbq(&[&base[..], &args[..]].concat());
        assert!(!o.status.success(), "{args:?}");
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn an_interrupted_run_removes_its_temporary_files_and_a_later_one_removes_a_killed_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ck = root.join("models/digits-lenet-rg-3bit.safetensors");
    let tmp = tempfile::tempdir().unwrap();
    // What a SIGKILLed run leaves (PID 4194304 is above Linux's largest), and a file of the user's.
    let stale = tmp.path().join(".nbq-tmp-4194304-old");
    fs::create_dir(&stale).unwrap();
    fs::write(tmp.path().join("mine.txt"), b"keep").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nbq"))
        .args(["run", "-m", ck.to_str().unwrap(), "--pm", "1,2", "--sim", "--data", "digits"])
        .env("TMPDIR", tmp.path())
        .current_dir(&root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let own = format!(".nbq-tmp-{}-", child.id());
    let t0 = std::time::Instant::now();
    let names = || -> Vec<String> {
        fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
    };
    // The simulator's folder appears once the top is generated; then the Verilator build takes seconds.
    while !names().iter().any(|n| n.starts_with(&own)) {
        assert!(t0.elapsed().as_secs() < 120, "no temporary folder appeared: {:?}", names());
        assert!(child.try_wait().unwrap().is_none(), "nbq run ended before it was interrupted");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!stale.exists(), "the killed run's folder is removed by this run");
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{e}");
    assert!(e.contains("interrupted; temporary files removed"), "{e}");
    // (The compiler nbq started may still hold its own temporary files there for a moment.)
    let left = names();
    assert!(left.iter().all(|n| !n.contains("nbq-tmp-")) && left.contains(&"mine.txt".to_string()), "{left:?}");
}
