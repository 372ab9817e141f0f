//! File formats: codes bundles round-trip losslessly and refuse damage; ONNX and NumPy inputs are read right and
//! refused with named reasons.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::fs;
use std::path::Path;

use nbq_quant::input::onnx::proto::{
    tensor_proto::DataType, AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto,
};
use nbq_quant::input::read_weights;
use nbq_quant::store::{read_bundle, write_bundle};
use nbq_quant::{quantize, CodeFormat, FloatTensor, Granularity, Method};
use proptest::prelude::*;
use prost::Message;

fn bundle(dir: &Path, bits: u32, method: Method, gran: Granularity) -> Vec<nbq_quant::QuantizedTensor> {
    let a = FloatTensor::new("conv1.weight", vec![4, 2, 3, 3], 0, (0..72).map(|i| ((i as f32) * 0.77).sin()).collect())
        .unwrap();
    let b =
        FloatTensor::new("fc/W:0", vec![5, 3], 0, (0..15).map(|i| ((i as f32) * 1.3).cos() * 0.1).collect()).unwrap();
    let qs: Vec<_> =
        [a, b].iter().map(|t| quantize(t, method, CodeFormat::new(bits).unwrap(), gran).unwrap()).collect();
    write_bundle(dir, &qs, &[("report.md", b"hello".to_vec())], false).unwrap();
    qs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]
    #[test]
    fn encode_write_read_decode_is_lossless(bits in 1u32..=8, m in 0usize..4, per_channel: bool) {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("codes");
        let gran = if per_channel { Granularity::Channel } else { Granularity::Tensor };
        let written = bundle(&out, bits, Method::ALL[m], gran);
        let read = read_bundle(&out).unwrap();
        prop_assert_eq!(&read, &written);
        for (r, w) in read.iter().zip(&written) {
            prop_assert_eq!(r.values(), w.values());
        }
    }
}

#[test]
fn output_is_byte_identical_across_runs() {
    let d = tempfile::tempdir().unwrap();
    bundle(&d.path().join("a"), 3, Method::Gsnq, Granularity::Channel);
    bundle(&d.path().join("b"), 3, Method::Gsnq, Granularity::Channel);
    let mut names: Vec<_> = fs::read_dir(d.path().join("a")).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(names.len(), 7, "{names:?}");
    for n in names {
        assert_eq!(
            fs::read(d.path().join("a").join(&n)).unwrap(),
            fs::read(d.path().join("b").join(&n)).unwrap(),
            "{n:?}"
        );
    }
}

#[test]
fn hex_file_holds_one_code_per_line() {
    let d = tempfile::tempdir().unwrap();
    let qs = bundle(&d.path().join("c"), 5, Method::Nbq, Granularity::Tensor);
    let text = fs::read_to_string(d.path().join("c/000_conv1_weight.hex")).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with("//")).collect();
    assert_eq!(lines.len(), 72);
    let codes: Vec<u8> = lines.iter().map(|l| u8::from_str_radix(l, 16).unwrap()).collect();
    assert_eq!(codes, qs[0].codes());
    assert!(lines.iter().all(|l| l.len() == 2));
}

fn damaged(edit: impl FnOnce(&Path)) -> String {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("codes");
    bundle(&out, 3, Method::Nbq, Granularity::Tensor);
    edit(&out);
    read_bundle(&out).unwrap_err().to_string()
}

#[test]
fn truncated_codes_file_is_refused() {
    let e = damaged(|d| {
        let p = d.join("000_conv1_weight.codes");
        let b = fs::read(&p).unwrap();
        fs::write(&p, &b[..b.len() - 3]).unwrap();
    });
    assert!(
        e.contains("000_conv1_weight.codes") && e.contains("24 bytes but 72 codes of 3 bits need 27 (truncated?)"),
        "{e}"
    );
}

#[test]
fn manifest_shape_disagreeing_with_data_is_refused() {
    let e = damaged(|d| {
        let p = d.join("manifest.json");
        let t = fs::read_to_string(&p).unwrap().replacen("\n        4,\n", "\n        5,\n", 1);
        fs::write(&p, t).unwrap();
    });
    assert!(e.contains("shape [5, 2, 3, 3]") && e.contains("27 bytes but 90 codes of 3 bits need 34"), "{e}");
}

#[test]
fn illegal_code_in_file_is_refused() {
    let e = damaged(|d| {
        // 3-bit code 0b100 is negative zero; write it as the first code.
        let p = d.join("000_conv1_weight.codes");
        let mut b = fs::read(&p).unwrap();
        b[0] = (b[0] & !0b111) | 0b100;
        fs::write(&p, b).unwrap();
    });
    assert!(e.contains("code at flat index 0") && e.contains("negative zero"), "{e}");
}

#[test]
fn unknown_manifest_keys_and_hex_mismatch_are_refused() {
    let e = damaged(|d| {
        let p = d.join("manifest.json");
        let t = fs::read_to_string(&p).unwrap().replacen("\"version\"", "\"colour\": 1, \"version\"", 1);
        fs::write(&p, t).unwrap();
    });
    assert!(e.contains("unknown field `colour`"), "{e}");
    let e = damaged(|d| {
        let p = d.join("001_fc_W_0.hex");
        let t = fs::read_to_string(&p).unwrap() + "00\n";
        fs::write(&p, t).unwrap();
    });
    assert!(e.contains("hex file '001_fc_W_0.hex' does not match"), "{e}");
}

// ---------- ONNX ----------

fn init(name: &str, dims: &[i64], data: &[f32]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: DataType::Float as i32,
        raw_data: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

fn node(op: &str, name: &str, inputs: &[&str]) -> NodeProto {
    NodeProto {
        op_type: op.into(),
        name: name.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![format!("{name}_out")],
        ..Default::default()
    }
}

fn model(nodes: Vec<NodeProto>, inits: Vec<TensorProto>) -> Vec<u8> {
    ModelProto {
        graph: Some(GraphProto { node: nodes, initializer: inits, ..Default::default() }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn write_tmp(d: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = d.join(name);
    fs::write(&p, bytes).unwrap();
    p
}

/// A PyTorch-style export: Conv, Relu, MaxPool, Flatten, Gemm(transB = 1).
fn cnn() -> Vec<u8> {
    let conv_w: Vec<f32> = (0..18).map(|i| i as f32 * 0.1 - 0.5).collect();
    let fc_w: Vec<f32> = (0..10 * 8).map(|i| (i as f32).sin()).collect();
    let mut gemm = node("Gemm", "/fc/Gemm", &["f", "fc.weight", "fc.bias"]);
    gemm.attribute.push(AttributeProto { name: "transB".into(), i: 1, ..Default::default() });
    model(
        vec![
            node("Conv", "/conv/Conv", &["input", "conv.weight", "conv.bias"]),
            node("Relu", "/relu/Relu", &["c"]),
            node("MaxPool", "/pool/MaxPool", &["r"]),
            node("Flatten", "/flatten/Flatten", &["p"]),
            gemm,
        ],
        vec![
            init("conv.weight", &[2, 1, 3, 3], &conv_w),
            init("conv.bias", &[2], &[0.0, 0.1]),
            init("fc.weight", &[10, 8], &fc_w),
            init("fc.bias", &[10], &[0.0; 10]),
        ],
    )
}

#[test]
fn onnx_cnn_weights_are_read_with_names_shapes_and_axes() {
    let d = tempfile::tempdir().unwrap();
    let ts = read_weights(&write_tmp(d.path(), "m.onnx", &cnn())).unwrap();
    assert_eq!(ts.len(), 2, "biases are not quantized");
    assert_eq!((ts[0].name(), ts[0].shape(), ts[0].channel_axis()), ("conv.weight", &[2usize, 1, 3, 3][..], 0));
    assert_eq!((ts[1].name(), ts[1].shape(), ts[1].channel_axis()), ("fc.weight", &[10usize, 8][..], 0));
    assert_eq!(ts[0].data()[1], 0.1 - 0.5);
}

#[test]
fn pytorch_style_cnn_onnx_is_read() {
    // Conv, Relu, MaxPool, Conv (with bias), Relu, MaxPool, Flatten, Gemm (transB = 1), as torch.onnx.export
    // writes a LeNet (tools/make_pytorch_style_onnx.py).
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/lenet-pytorch-style.onnx");
    let ts = read_weights(&p).unwrap();
    let got: Vec<_> = ts.iter().map(|t| (t.name(), t.shape().to_vec(), t.channel_axis())).collect();
    assert_eq!(
        got,
        vec![
            ("conv1.weight", vec![8, 1, 3, 3], 0),
            ("conv2.weight", vec![16, 8, 3, 3], 0),
            ("fc.weight", vec![10, 400], 0)
        ]
    );
    let q = quantize(&ts[1], Method::Nbq, CodeFormat::new(3).unwrap(), Granularity::Tensor).unwrap();
    assert_eq!(q.len(), 16 * 8 * 9);
}

#[test]
fn bundled_model_is_readable() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/digits-mlp.onnx");
    let ts = read_weights(&p).unwrap();
    let shapes: Vec<_> = ts.iter().map(|t| t.shape().to_vec()).collect();
    assert_eq!(shapes, vec![vec![32, 64], vec![10, 32]]);
}

#[test]
fn unsupported_onnx_operators_are_named_with_their_nodes() {
    let d = tempfile::tempdir().unwrap();
    let m = model(
        vec![node("Conv", "c1", &["x", "w"]), node("LSTM", "rnn", &["c1_out"]), node("Einsum", "", &["rnn_out"])],
        vec![init("w", &[1, 1, 1, 1], &[1.0])],
    );
    let e = read_weights(&write_tmp(d.path(), "m.onnx", &m)).unwrap_err().to_string();
    assert!(e.contains("operator Einsum at node #2") && e.contains("operator LSTM at node 'rnn' (#1)"), "{e}");
    assert!(e.contains("nbq quantizes Conv, Gemm, MatMul"), "{e}");
}

#[test]
fn unsupported_onnx_dtype_is_named() {
    let d = tempfile::tempdir().unwrap();
    let mut w = init("w16", &[1, 1, 1, 1], &[]);
    w.data_type = DataType::Float16 as i32;
    w.raw_data = vec![0, 60];
    let m = model(vec![node("Conv", "c1", &["x", "w16"])], vec![w]);
    let e = read_weights(&write_tmp(d.path(), "m.onnx", &m)).unwrap_err().to_string();
    assert!(e.contains("initializer 'w16' of Conv node 'c1': data type FLOAT16 is not supported"), "{e}");
}

#[test]
fn truncated_onnx_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let bytes = cnn();
    let e = read_weights(&write_tmp(d.path(), "m.onnx", &bytes[..bytes.len() / 2])).unwrap_err().to_string();
    assert!(e.contains("cannot parse") && e.contains("as an ONNX model"), "{e}");
}

#[test]
fn onnx_weights_with_nan_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let m = model(vec![node("Conv", "c1", &["x", "w"])], vec![init("w", &[1, 1, 1, 2], &[1.0, f32::NAN])]);
    let e = read_weights(&write_tmp(d.path(), "m.onnx", &m)).unwrap_err().to_string();
    assert!(e.contains("tensor 'w' holds a non-finite value (NaN) at flat index 1"), "{e}");
}

// ---------- NumPy ----------

#[test]
fn npy_and_npz_are_read() {
    use ndarray::{Array2, Array4};
    let d = tempfile::tempdir().unwrap();
    let a = Array4::<f32>::from_shape_fn((2, 1, 3, 3), |(o, _, y, x)| (o * 9 + y * 3 + x) as f32);
    ndarray_npy::write_npy(d.path().join("conv.npy"), &a).unwrap();
    let ts = read_weights(&d.path().join("conv.npy")).unwrap();
    assert_eq!((ts[0].name(), ts[0].shape()), ("conv", &[2usize, 1, 3, 3][..]));
    assert_eq!(ts[0].data()[10], 10.0);

    let mut z = ndarray_npy::NpzWriter::new(fs::File::create(d.path().join("m.npz")).unwrap());
    z.add_array("b_fc", &Array2::<f64>::from_elem((3, 2), 0.25)).unwrap();
    z.add_array("a_conv", &a).unwrap();
    z.finish().unwrap();
    let ts = read_weights(&d.path().join("m.npz")).unwrap();
    let names: Vec<_> = ts.iter().map(|t| t.name()).collect();
    assert_eq!(names, vec!["a_conv", "b_fc"]);
    assert_eq!(ts[1].data(), &[0.25f32; 6]);
}

#[test]
fn npy_of_integers_is_refused_by_dtype() {
    let d = tempfile::tempdir().unwrap();
    ndarray_npy::write_npy(d.path().join("i.npy"), &ndarray::arr1(&[1i32, 2])).unwrap();
    let e = read_weights(&d.path().join("i.npy")).unwrap_err().to_string();
    assert!(e.contains("dtype") && e.contains("'<i4'") && e.contains("allowed: float32"), "{e}");
}

#[test]
fn corrupt_npz_and_unknown_extension_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let e = read_weights(&write_tmp(d.path(), "m.npz", b"PK\x03\x04garbage")).unwrap_err().to_string();
    assert!(e.contains("as a NumPy .npz archive"), "{e}");
    let e = read_weights(&write_tmp(d.path(), "m.pt", b"x")).unwrap_err().to_string();
    assert!(e.contains("extension 'pt'; allowed: .onnx, .npy, .npz"), "{e}");
}

/// A `.npy` header for `descr` and `shape` (ndarray-npy's own writer) followed by `data`.
fn npy_bytes(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    use ndarray_npy::npy::header::{Header, Layout};
    let h = Header {
        type_descriptor: py_literal::Value::String(descr.into()),
        layout: Layout::Standard,
        shape: shape.to_vec(),
    };
    [h.to_bytes().unwrap(), data.to_vec()].concat()
}

#[test]
fn an_npy_header_claiming_a_huge_shape_is_refused_before_allocating() {
    let d = tempfile::tempdir().unwrap();
    let bomb = npy_bytes("<f4", &[1000000, 1000000], &[0u8; 48]);
    assert!(bomb.len() < 200, "a small file");
    let e = read_weights(&write_tmp(d.path(), "bomb.npy", &bomb)).unwrap_err().to_string();
    assert!(e.contains("shape [1000000, 1000000]") && e.contains("4000000000000 bytes"), "{e}");
    assert!(e.contains("only 48 bytes of data follow"), "{e}");
    // A shape whose size overflows 64 bits, and an unsupported dtype, are refused from the header too.
    let huge = npy_bytes("<f8", &[4294967296, 4294967296, 16], &[]);
    let e = read_weights(&write_tmp(d.path(), "huge.npy", &huge)).unwrap_err().to_string();
    assert!(e.contains("more than 2^64"), "{e}");
    let c16 = npy_bytes("<c16", &[1000000000], &[]);
    let e = read_weights(&write_tmp(d.path(), "c.npy", &c16)).unwrap_err().to_string();
    assert!(e.contains("dtype '<c16' is not supported; allowed: float32"), "{e}");
    // The same forged header inside an archive.
    let mut z = zip::ZipWriter::new(fs::File::create(d.path().join("bomb.npz")).unwrap());
    z.start_file("w.npy", zip::write::SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(&mut z, &bomb).unwrap();
    z.finish().unwrap();
    let e = read_weights(&d.path().join("bomb.npz")).unwrap_err().to_string();
    assert!(e.contains("array 'w'") && e.contains("4000000000000 bytes"), "{e}");
}

#[test]
fn compressed_npz_is_read() {
    use ndarray::Array2;
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("c.npz");
    let mut z = ndarray_npy::NpzWriter::new_compressed(fs::File::create(&p).unwrap());
    z.add_array("fc", &Array2::<f32>::from_shape_fn((4, 8), |(o, i)| (o * 8 + i) as f32 / 4.0)).unwrap();
    z.finish().unwrap();
    let ts = read_weights(&p).unwrap();
    assert_eq!((ts[0].name(), ts[0].shape()), ("fc", &[4usize, 8][..]));
    assert_eq!(ts[0].data()[9], 2.25);
}

#[test]
fn a_device_is_refused_as_a_numpy_file() {
    let e = read_weights(Path::new("/dev/zero.npy")).unwrap_err().to_string();
    assert!(e.contains("/dev/zero.npy"), "{e}");
    let e = nbq_quant::input::npy::read_npy(Path::new("/dev/zero")).unwrap_err().to_string();
    assert!(e.contains("'/dev/zero' is a device, not a NumPy file"), "{e}");
}
