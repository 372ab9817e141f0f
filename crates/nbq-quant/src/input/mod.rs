//! Model files in: ONNX, NumPy `.npy` and `.npz`, safetensors, chosen by file extension.

pub mod npy;
pub mod onnx;
pub mod safetensors;

use std::io::Read;
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

/// Reads a whole file of at most `limit` bytes. A larger one is refused (`ErrorKind::FileTooLarge`, the message
/// naming `what` nbq reads and the limit) from its length when it has one, and otherwise, for an endless one such
/// as `/dev/zero`, after `limit + 1` bytes at most.
pub fn read_bounded(path: &Path, limit: u64, what: &str) -> std::io::Result<Vec<u8>> {
    let f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let too_large = |held: String| {
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("it holds {held} bytes, more than the {limit} nbq reads from {what}"),
        )
    };
    if len > limit {
        return Err(too_large(len.to_string()));
    }
    let mut bytes = Vec::new();
    f.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(format!("more than {limit}")));
    }
    Ok(bytes)
}
