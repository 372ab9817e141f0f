//! `nbq train` and the checkpoints as a user meets them: a short real run writes the table and checkpoints the
//! quantizer reads; bad data, settings and checkpoints are refused with a clear message, a non-zero exit and
//! nothing written.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn nbq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nbq")).args(args).output().expect("nbq runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `nbq train` with `extra` into a fresh folder; it must fail saying `want`, and write nothing.
fn refused(extra: &[&str], want: &[&str]) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let digits = root().join("testdata/digits.csv.gz");
    let mut args = vec!["train", "--data-path", digits.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = nbq(&args);
    let e = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success(), "must fail: {args:?}");
    for w in want {
        assert!(e.contains(w), "stderr lacks {w:?}:\n{e}");
    }
    assert!(!e.contains("panicked"), "{e}");
    assert!(!out.exists(), "no output may be left behind");
}

#[test]
fn a_short_run_writes_table_and_checkpoints_the_quantizer_reads() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("t");
    let digits = root().join("testdata/digits.csv.gz");
    let o = nbq(&[
        "train",
        "--data-path",
        digits.to_str().unwrap(),
        "--bits",
        "3",
        "--methods",
        "ptq,rg",
        "--epochs",
        "3",
        "--qat-epochs",
        "2",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = fs::read_to_string(out.join("results.md")).unwrap();
    assert!(md.contains("| float | 32 (float) |") && md.contains("| rg | 3 |"), "{md}");
    let rows: serde_json::Value = serde_json::from_slice(&fs::read(out.join("results.json")).unwrap()).unwrap();
    let float = rows[0]["weights_only"].as_f64().unwrap();
    assert!(float > 80.0, "3 epochs on the digits already classify: {float}");
    // The quantized checkpoint is a network whose weights are exactly its codes, and the quantizer reads it.
    let q = out.join("rg-3bit.safetensors");
    let ck = nbq_model::checkpoint::load(&q).unwrap();
    let net = ck.net.unwrap();
    assert_eq!(ck.tensors[0], net.convs[0].weights.values().iter().map(|&v| v as f32).collect::<Vec<_>>());
    let codes = d.path().join("codes");
    let o = nbq(&["quantize", q.to_str().unwrap(), "--bits", "3", "--out", codes.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(codes.join("manifest.json").exists());
}

#[test]
fn bad_settings_are_refused() {
    refused(&["--lr", "-0.01"], &["training setting lr = -0.01 is not allowed: a learning rate in (0, 1]"]);
    refused(&["--epochs", "0"], &["training setting epochs = 0 is not allowed: 1..=10000"]);
    refused(&["--methods", "rg,sgd"], &["training setting method = sgd is not allowed: ptq, rg, gsnq"]);
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("train.toml");
    fs::write(&cfg, "epochs = 0\nlr = 0.001\n").unwrap();
    refused(&["--config", cfg.to_str().unwrap()], &["training setting epochs = 0"]);
    fs::write(&cfg, "epochs = 3\nlearning_rate = 0.001\n").unwrap();
    refused(&["--config", cfg.to_str().unwrap()], &["unknown field `learning_rate`"]);
}

#[test]
fn bad_data_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let row: Vec<String> = (0..64).map(|_| "3".to_string()).collect();
    let bad_label = d.path().join("labels.csv");
    fs::write(&bad_label, format!("{},1\n{},10\n", row.join(","), row.join(","))).unwrap();
    let short = d.path().join("short.csv");
    fs::write(&short, format!("{}\n", row[..60].join(","))).unwrap();
    for (p, want) in
        [(&bad_label, "line 2: label 10 is not an integer in 0..=9"), (&short, "line 1: 60 values, expected 65")]
    {
        let out = d.path().join("out");
        let o = nbq(&["train", "--data-path", p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && e.contains(want), "{e}");
        assert!(!out.exists());
    }
}

#[test]
fn a_checkpoint_of_another_network_is_refused() {
    // The bundled digits checkpoint cannot start an MNIST run (8x8 network, 28x28 images).
    let d = tempfile::tempdir().unwrap();
    let mnist = d.path().join("mnist");
    fs::create_dir(&mnist).unwrap();
    let img = vec!["0"; 784 * 5].join(",");
    for c in 0..10 {
        fs::write(mnist.join(format!("{c}.json")), format!("{{\"data\": [{img}]}}")).unwrap();
    }
    let init = root().join("models/digits-lenet-float.safetensors");
    let out = d.path().join("out");
    let o = nbq(&[
        "train",
        "--data",
        "mnist",
        "--data-path",
        mnist.to_str().unwrap(),
        "--init",
        init.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{e}");
    assert!(e.contains("the network takes 8x8 images of 10 classes; data set 'mnist-train' has 28x28 images"), "{e}");
    assert!(!out.exists());
    // A file that is not a checkpoint.
    let fake = d.path().join("x.safetensors");
    fs::write(&fake, b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ").unwrap();
    refused(&["--init", fake.to_str().unwrap()], &["x.safetensors", "metadata 'nbq.format' is missing"]);
}
