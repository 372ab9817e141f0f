//! Weight tensors from an ONNX model (parsed with the `candle-onnx` protobuf bindings).
//!
//! Quantized: the weight input (an initializer) of every `Conv` (OIHW, output channels on axis 0), `Gemm`
//! (input B: axis 0 when `transB = 1`, as PyTorch exports `Linear`, else axis 1) and `MatMul` (the initializer
//! operand, output channels on its last axis). Biases and other operators' constants stay as they are. Operators
//! that carry no weights to quantize (activations, pooling, shape operators, ...) are accepted; any other operator
//! is rejected, by name, with its node, so that a layer is never silently left in float.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use candle_onnx::onnx::{tensor_proto::DataType, ModelProto, NodeProto, TensorProto};
use prost::Message;

use crate::error::{QuantError, Result};
use crate::tensor::FloatTensor;

/// Operators whose weight input nbq quantizes.
pub const QUANTIZED_OPS: [&str; 3] = ["Conv", "Gemm", "MatMul"];

/// Operators accepted without quantization: they hold no multiply weights.
pub const PASSTHROUGH_OPS: [&str; 27] = [
    "Relu",
    "LeakyRelu",
    "Clip",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "Flatten",
    "Reshape",
    "Squeeze",
    "Unsqueeze",
    "Transpose",
    "Concat",
    "Add",
    "Sub",
    "Mul",
    "Identity",
    "Dropout",
    "BatchNormalization",
    "Constant",
    "Shape",
    "Gather",
    "Pad",
];

fn parse_error(path: &Path, why: impl Into<String>) -> QuantError {
    QuantError::Parse { path: path.to_path_buf(), kind: "an ONNX model", why: why.into() }
}

/// Reads an ONNX file and returns its quantizable weight tensors in graph order.
pub fn read(path: &Path) -> Result<Vec<FloatTensor>> {
    let bytes = std::fs::read(path).map_err(|e| QuantError::io("cannot read", path, e))?;
    from_bytes(path, &bytes)
}

/// Parses ONNX bytes (`path` only names the source in errors).
pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Vec<FloatTensor>> {
    let model = ModelProto::decode(bytes).map_err(|e| parse_error(path, format!("{e} (truncated or not ONNX?)")))?;
    let graph = model.graph.as_ref().ok_or_else(|| parse_error(path, "the model has no graph"))?;
    if graph.node.is_empty() {
        return Err(parse_error(path, "the graph has no nodes (is this an ONNX model?)"));
    }
    let inits: HashMap<&str, &TensorProto> = graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();

    let mut unsupported: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut picked: Vec<(&TensorProto, usize, &NodeProto)> = Vec::new();
    for (pos, node) in graph.node.iter().enumerate() {
        let label = if node.name.is_empty() { format!("#{pos}") } else { format!("'{}' (#{pos})", node.name) };
        let op = node.op_type.as_str();
        let weight = match op {
            "Conv" => node.input.get(1).map(|w| (w, 0usize)),
            "Gemm" => {
                let trans_b = node.attribute.iter().find(|a| a.name == "transB").map(|a| a.i).unwrap_or(0);
                node.input.get(1).map(|w| (w, if trans_b == 1 { 0 } else { 1 }))
            }
            "MatMul" => node.input.iter().find(|i| inits.contains_key(i.as_str())).map(|w| {
                let rank = inits[w.as_str()].dims.len();
                (w, rank.saturating_sub(1))
            }),
            _ if PASSTHROUGH_OPS.contains(&op) => continue,
            _ => {
                unsupported.entry(op.to_string()).or_default().push(label);
                continue;
            }
        };
        match weight.and_then(|(w, axis)| inits.get(w.as_str()).map(|t| (*t, axis))) {
            Some((t, axis)) => picked.push((t, axis, node)),
            None => unsupported.entry(format!("{op} with a non-constant weight")).or_default().push(label),
        }
    }
    if !unsupported.is_empty() {
        let items: Vec<String> =
            unsupported.iter().map(|(op, nodes)| format!("operator {op} at node {}", nodes.join(", "))).collect();
        return Err(QuantError::UnsupportedOnnx {
            path: path.to_path_buf(),
            items: format!(
                "{}; nbq quantizes {} and passes through {}",
                items.join("; "),
                QUANTIZED_OPS.join(", "),
                PASSTHROUGH_OPS.join(", ")
            ),
        });
    }

    let mut bad_types = Vec::new();
    let mut out = Vec::with_capacity(picked.len());
    let mut seen = std::collections::HashSet::new();
    for (t, axis, node) in picked {
        if !seen.insert(t.name.as_str()) {
            continue; // a weight shared by several nodes is quantized once
        }
        match tensor_values(t) {
            Ok(data) => {
                let shape = t.dims.iter().map(|&d| usize::try_from(d).unwrap_or(usize::MAX)).collect();
                out.push(FloatTensor::new(t.name.clone(), shape, axis, data)?);
            }
            Err(why) => {
                bad_types.push(format!("initializer '{}' of {} node '{}': {why}", t.name, node.op_type, node.name))
            }
        }
    }
    if !bad_types.is_empty() {
        return Err(QuantError::UnsupportedOnnx { path: path.to_path_buf(), items: bad_types.join("; ") });
    }
    if out.is_empty() {
        return Err(parse_error(path, "the graph has no Conv, Gemm or MatMul weights to quantize"));
    }
    Ok(out)
}

fn tensor_values(t: &TensorProto) -> std::result::Result<Vec<f32>, String> {
    if t.data_location == 1 {
        return Err(
            "its data is stored in an external file, which nbq does not read; re-export with the weights embedded"
                .into(),
        );
    }
    let dtype = DataType::try_from(t.data_type).map_err(|_| format!("unknown data type {}", t.data_type))?;
    match dtype {
        DataType::Float if !t.raw_data.is_empty() => {
            if !t.raw_data.len().is_multiple_of(4) {
                return Err(format!("raw data of {} bytes is not a whole number of float32 values", t.raw_data.len()));
            }
            Ok(t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
        }
        DataType::Float => Ok(t.float_data.clone()),
        DataType::Double if !t.raw_data.is_empty() => {
            if !t.raw_data.len().is_multiple_of(8) {
                return Err(format!("raw data of {} bytes is not a whole number of float64 values", t.raw_data.len()));
            }
            Ok(t.raw_data.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f32).collect())
        }
        DataType::Double => Ok(t.double_data.iter().map(|&v| v as f32).collect()),
        other => Err(format!(
            "data type {} is not supported; allowed: FLOAT (float32), DOUBLE (float64)",
            other.as_str_name()
        )),
    }
}
