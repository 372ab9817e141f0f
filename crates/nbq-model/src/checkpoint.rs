//! Checkpoints: one `.safetensors` file (the Hugging Face format, readable from Python with `safetensors` or
//! PyTorch) with nbq's description in the header's metadata.
//!
//! Tensors (little-endian, row-major, the names and layouts PyTorch uses):
//! * `conv{i}.weight` F32 `[M, C, k, k]`, `fc.weight` F32 `[classes, features]`, `fc.bias` F32 `[classes]`;
//!   in a quantized checkpoint the weights are the decoded power-of-two values, so any float reader runs the
//!   quantized network;
//! * quantized only: `conv{i}.codes` and `fc.codes`, U8 of the same shapes: nbq's exponent codes
//!   (`nbq_quant::code`).
//!
//! Metadata (string to string): `nbq.format` = `"1"`; `nbq.arch` = the [`Arch`] as JSON (input shape, k, conv
//! layers); `nbq.data` = the data set's name; quantized only: `nbq.quant` = JSON `{"bits", "method",
//! "groups": [one scale group per weight tensor], "activations": [one comparator bank per conv layer]}`.
//!
//! `nbq quantize model.safetensors` reads the F32 `*.weight` tensors like any other model file.

use std::collections::HashMap;
use std::path::Path;

use nbq_quant::activation::ThresholdQuantizer;
use nbq_quant::golden::net::{IntNet, NetConv, NetInput};
use nbq_quant::{CodeFormat, Granularity, Method, QuantizedTensor, ScaleGroup};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

use crate::arch::Arch;
use crate::error::{ModelError, Result};

pub const FORMAT: &str = "1";

/// The quantized part of a checkpoint's metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct QuantMeta {
    bits: u32,
    method: Method,
    groups: Vec<ScaleGroup>,
    activations: Vec<ThresholdQuantizer>,
}

/// A checkpoint as read.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub arch: Arch,
    pub data: String,
    /// The F32 tensors in [`Arch::tensors`] order.
    pub tensors: Vec<Vec<f32>>,
    /// The integer network, for a quantized checkpoint.
    pub net: Option<IntNet>,
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Serializes a checkpoint (float: `net = None`).
pub fn to_bytes(arch: &Arch, data: &str, tensors: &[Vec<f32>], net: Option<&IntNet>) -> Result<Vec<u8>> {
    let specs = arch.tensors()?;
    let mut owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for ((name, shape), v) in specs.iter().zip(tensors) {
        owned.push((name.clone(), Dtype::F32, shape.clone(), f32_bytes(v)));
    }
    let mut meta = HashMap::from([
        ("nbq.format".to_string(), FORMAT.to_string()),
        ("nbq.arch".to_string(), json(arch)?),
        ("nbq.data".to_string(), data.to_string()),
    ]);
    if let Some(n) = net {
        let qs: Vec<&QuantizedTensor> = n.convs.iter().map(|c| &c.weights).chain([&n.fc]).collect();
        for (q, (name, shape)) in qs.iter().zip(&specs) {
            owned.push((name.replace(".weight", ".codes"), Dtype::U8, shape.clone(), q.codes().to_vec()));
        }
        let m = QuantMeta {
            bits: u32::from(n.fc.format().bits()),
            method: n.fc.method(),
            groups: qs.iter().map(|q| q.groups()[0]).collect(),
            activations: n.convs.iter().map(|c| c.act.clone()).collect(),
        };
        meta.insert("nbq.quant".into(), json(&m)?);
    }
    let views: Vec<(String, TensorView)> = owned
        .iter()
        .map(|(n, d, s, b)| Ok((n.clone(), TensorView::new(*d, s.clone(), b).map_err(st)?)))
        .collect::<Result<_>>()?;
    canonical(safetensors::serialize(views, Some(meta)).map_err(st)?)
}

/// The same file with its JSON header's keys in sorted order (safetensors writes them from hash maps, in an order
/// that changes from run to run), so that equal checkpoints are equal bytes. The header keeps its length.
fn canonical(mut bytes: Vec<u8>) -> Result<Vec<u8>> {
    let bad = |why: &str| ModelError::Serialize(format!("safetensors header: {why}"));
    let len = bytes.get(..8).ok_or_else(|| bad("too short"))?;
    let n = u64::from_le_bytes(len.try_into().map_err(|_| bad("too short"))?) as usize;
    let header = bytes.get(8..8 + n).ok_or_else(|| bad("truncated"))?;
    let v: serde_json::Value = serde_json::from_slice(header).map_err(|e| bad(&e.to_string()))?;
    let mut text = serde_json::to_vec(&v).map_err(|e| bad(&e.to_string()))?;
    if text.len() > n {
        return Err(bad("grew when sorted"));
    }
    text.resize(n, b' ');
    bytes[8..8 + n].copy_from_slice(&text);
    Ok(bytes)
}

fn st(e: safetensors::SafeTensorError) -> ModelError {
    ModelError::Serialize(format!("safetensors: {e}"))
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ModelError::Serialize(format!("metadata: {e}")))
}

/// Writes a checkpoint atomically.
pub fn save(path: &Path, arch: &Arch, data: &str, tensors: &[Vec<f32>], net: Option<&IntNet>) -> Result<()> {
    nbq_quant::atomic::write_file(path, &to_bytes(arch, data, tensors, net)?)?;
    Ok(())
}

/// Reads and checks a checkpoint: every tensor the architecture needs, with its shape and type.
pub fn load(path: &Path) -> Result<Checkpoint> {
    let bytes = std::fs::read(path).map_err(|e| ModelError::io("read", path, e))?;
    let bad = |why: String| ModelError::Checkpoint { path: path.to_path_buf(), why };
    let (_, header) = SafeTensors::read_metadata(&bytes).map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let get =
        |k: &str| meta.get(k).ok_or_else(|| bad(format!("metadata '{k}' is missing; this is not an nbq checkpoint")));
    let format = get("nbq.format")?;
    if format != FORMAT {
        return Err(bad(format!("format version '{format}'; this nbq reads version {FORMAT}")));
    }
    let arch: Arch =
        serde_json::from_str(get("nbq.arch")?).map_err(|e| bad(format!("metadata 'nbq.arch' is not valid: {e}")))?;
    let data = get("nbq.data")?.clone();
    let specs = arch.tensors().map_err(|e| bad(e.to_string()))?;
    let tensor = |name: &str, shape: &[usize], dtype: Dtype| -> Result<Vec<u8>> {
        let t = st.tensor(name).map_err(|_| {
            bad(format!("tensor '{name}' is missing; the architecture in its metadata needs {shape:?}"))
        })?;
        if t.shape() != shape || t.dtype() != dtype {
            return Err(bad(format!(
                "tensor '{name}' is {:?} {:?}; the architecture needs {dtype:?} {shape:?} (a checkpoint of a \
                 different network?)",
                t.dtype(),
                t.shape()
            )));
        }
        Ok(t.data().to_vec())
    };
    let mut tensors = Vec::new();
    for (name, shape) in &specs {
        let raw = tensor(name, shape, Dtype::F32)?;
        let v: Vec<f32> = raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(bad(format!("tensor '{name}' holds {} at index {i}", v[i])));
        }
        tensors.push(v);
    }
    let net = match meta.get("nbq.quant") {
        None => None,
        Some(text) => {
            let q: QuantMeta =
                serde_json::from_str(text).map_err(|e| bad(format!("metadata 'nbq.quant' is not valid: {e}")))?;
            let weights = specs.len() - 1;
            if q.groups.len() != weights || q.activations.len() != arch.convs.len() {
                return Err(bad(format!(
                    "metadata 'nbq.quant' has {} scale groups and {} activation banks; the network needs {weights} \
                     and {}",
                    q.groups.len(),
                    q.activations.len(),
                    arch.convs.len()
                )));
            }
            let f = CodeFormat::new(q.bits)?;
            let mut qs = Vec::new();
            for ((name, shape), g) in specs[..weights].iter().zip(&q.groups) {
                let cname = name.replace(".weight", ".codes");
                let codes = tensor(&cname, shape, Dtype::U8)?;
                qs.push(QuantizedTensor::new(
                    name.clone(),
                    shape.clone(),
                    0,
                    f,
                    q.method,
                    Granularity::Tensor,
                    vec![*g],
                    codes,
                )?);
            }
            let fc = qs.pop().ok_or_else(|| bad("no head".into()))?;
            let net = IntNet {
                input: NetInput { height: arch.input.height, width: arch.input.width, max_pixel: arch.input.max_pixel },
                convs: qs
                    .into_iter()
                    .zip(q.activations)
                    .zip(&arch.convs)
                    .map(|((weights, act), s)| NetConv { weights, act, pool: s.pool })
                    .collect(),
                fc,
                fc_bias: tensors[weights].clone(),
            };
            net.check().map_err(|e| bad(e.to_string()))?;
            Some(net)
        }
    };
    Ok(Checkpoint { arch, data, tensors, net })
}

/// The F32 tensors of a quantized network: decoded weights, then the head's bias.
pub fn decoded(net: &IntNet) -> Vec<Vec<f32>> {
    let mut v: Vec<Vec<f32>> = net
        .convs
        .iter()
        .map(|c| &c.weights)
        .chain([&net.fc])
        .map(|q| q.values().iter().map(|&x| x as f32).collect())
        .collect();
    v.push(net.fc_bias.clone());
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::ConvSpec;
    use crate::data::DatasetShape;

    fn arch() -> Arch {
        Arch::lenet(DatasetShape { height: 8, width: 8, max_pixel: 16, classes: 10 })
    }

    /// Float tensors of `arch()`'s shapes, every value different.
    fn values() -> Vec<Vec<f32>> {
        let mut x = 0.0f32;
        arch()
            .tensors()
            .unwrap()
            .iter()
            .map(|(_, s)| {
                (0..s.iter().product::<usize>())
                    .map(|_| {
                        x += 1.0;
                        (x * 0.618).sin() * 0.3
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn float_checkpoint_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.safetensors");
        save(&p, &arch(), "digits", &values(), None).unwrap();
        let c = load(&p).unwrap();
        assert_eq!(c.arch, arch());
        assert_eq!(c.tensors, values());
        assert!(c.net.is_none());
        // The quantizer reads the same file.
        let w = nbq_quant::input::read_weights(&p).unwrap();
        assert_eq!(w.iter().map(|t| t.name()).collect::<Vec<_>>(), ["conv0.weight", "conv1.weight", "fc.weight"]);
    }

    #[test]
    fn a_malformed_activation_bank_is_refused_by_layer_field_and_value() {
        let bundled =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/digits-lenet-rg-3bit.safetensors");
        let c = load(&bundled).unwrap();
        let good = c.net.clone().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let refused = |edit: &dyn Fn(&mut ThresholdQuantizer)| {
            let mut net = good.clone();
            edit(&mut net.convs[1].act);
            let p = dir.path().join("bad.safetensors");
            std::fs::write(&p, to_bytes(&c.arch, &c.data, &c.tensors, Some(&net)).unwrap()).unwrap();
            let e = load(&p).unwrap_err().to_string();
            assert!(e.contains("bad.safetensors") && e.contains("conv layer 1's activation bank"), "{e}");
            e
        };
        let e = refused(&|a| a.thresholds.clear());
        assert!(e.contains("0 thresholds for 4 bits; a 4-bit bank has 2^4 - 1 = 15"), "{e}");
        let e = refused(&|a| a.thresholds.reverse());
        assert!(e.contains("does not exceed thresholds[0]") && e.contains("must increase strictly"), "{e}");
        let e = refused(&|a| a.bits = 0);
        assert!(e.contains("bits = 0; allowed 1..=8"), "{e}");
        let e = refused(&|a| a.lsb = -1.0);
        assert!(e.contains("lsb = -1; allowed a positive finite number"), "{e}");
    }

    #[test]
    fn equal_checkpoints_are_equal_bytes() {
        let a = to_bytes(&arch(), "digits", &values(), None).unwrap();
        for _ in 0..5 {
            assert_eq!(to_bytes(&arch(), "digits", &values(), None).unwrap(), a);
        }
    }

    #[test]
    fn another_architecture_is_refused() {
        let mut other = arch();
        other.convs[0] = ConvSpec { channels: 4, pool: false };
        // This network's tensors under another architecture's description: refused when reading.
        let specs = arch().tensors().unwrap();
        let data: Vec<Vec<u8>> = values().iter().map(|v| f32_bytes(v)).collect();
        let views: Vec<(String, TensorView)> = specs
            .iter()
            .zip(&data)
            .map(|((n, s), b)| (n.clone(), TensorView::new(Dtype::F32, s.clone(), b).unwrap()))
            .collect();
        let meta = HashMap::from([
            ("nbq.format".to_string(), FORMAT.to_string()),
            ("nbq.arch".to_string(), json(&other).unwrap()),
            ("nbq.data".to_string(), "digits".to_string()),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.safetensors");
        std::fs::write(&p, safetensors::serialize(views, Some(meta)).unwrap()).unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(
            e.contains("tensor 'conv0.weight' is F32 [8, 1, 3, 3]; the architecture needs F32 [4, 1, 3, 3]"),
            "{e}"
        );
        std::fs::write(&p, b"not a checkpoint").unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("not a safetensors file"), "{e}");
    }
}
