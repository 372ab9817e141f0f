//! Model files in: ONNX, NumPy `.npy` and `.npz`, safetensors, chosen by file extension.

pub mod npy;
pub mod onnx;
pub mod safetensors;

use std::path::Path;

use crate::error::{QuantError, Result};
use crate::tensor::FloatTensor;

/// Reads the quantizable weight tensors of a model file (`.onnx`, `.npy`, `.npz` or `.safetensors`).
pub fn read_weights(path: &Path) -> Result<Vec<FloatTensor>> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "onnx" => onnx::read(path),
        "npy" => npy::read_npy(path),
        "npz" => npy::read_npz(path),
        "safetensors" => safetensors::read(path),
        _ => Err(QuantError::Invalid(format!(
            "cannot tell the format of '{}' from its extension '{ext}'; allowed: .onnx, .npy, .npz, .safetensors",
            path.display()
        ))),
    }
}
