//! Weight tensors from a `.safetensors` file (nbq's own checkpoints, PyTorch's `save_file`): every F32 or F64
//! tensor named `*.weight` with two or more dimensions (output channels on axis 0, as PyTorch stores `Conv2d` and
//! `Linear`), in file order. Biases and other tensors stay as they are.

use std::path::Path;

use safetensors::tensor::Dtype;
use safetensors::SafeTensors;

use crate::error::{QuantError, Result};
use crate::tensor::FloatTensor;

/// Reads the quantizable weight tensors of a safetensors file.
pub fn read(path: &Path) -> Result<Vec<FloatTensor>> {
    let bytes = std::fs::read(path).map_err(|e| QuantError::io("cannot read", path, e))?;
    let bad = |why: String| QuantError::Parse { path: path.to_path_buf(), kind: "a safetensors file", why };
    let (_, meta) = SafeTensors::read_metadata(&bytes).map_err(|e| bad(e.to_string()))?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| bad(e.to_string()))?;
    let mut names: Vec<(usize, String)> =
        meta.tensors().into_iter().map(|(name, info)| (info.data_offsets.0, name)).collect();
    names.sort();
    let mut out = Vec::new();
    for (_, name) in names {
        let t = st.tensor(&name).map_err(|e| bad(e.to_string()))?;
        if !name.ends_with(".weight") || t.shape().len() < 2 {
            continue;
        }
        let data: Vec<f32> = match t.dtype() {
            Dtype::F32 => t.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
            Dtype::F64 => t
                .data()
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32)
                .collect(),
            d => return Err(bad(format!("weight tensor '{name}' is {d:?}; nbq quantizes F32 and F64 weights"))),
        };
        out.push(FloatTensor::new(name, t.shape().to_vec(), 0, data)?);
    }
    if out.is_empty() {
        return Err(bad("no weight tensors ('*.weight' with two or more dimensions)".into()));
    }
    Ok(out)
}
