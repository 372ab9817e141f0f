//! Weight tensors from NumPy `.npy` (one tensor, named after the file) and `.npz` (one tensor per array, in
//! name order), read with `ndarray-npy`. float32 is read as is, float64 is rounded to float32; other dtypes are
//! rejected by name. The output-channel axis is 0 (PyTorch's OIHW convolution and `[out, in]` linear weights).

use std::io::Cursor;
use std::path::Path;

use ndarray::ArrayD;
use ndarray_npy::{NpzReader, ReadNpyError, ReadNpyExt, ReadNpzError};

use crate::error::{QuantError, Result};
use crate::tensor::FloatTensor;

fn parse_error(path: &Path, kind: &'static str, why: impl Into<String>) -> QuantError {
    QuantError::Parse { path: path.to_path_buf(), kind, why: why.into() }
}

fn tensor(name: &str, a: ArrayD<f32>) -> Result<FloatTensor> {
    let shape = a.shape().to_vec();
    FloatTensor::new(name, shape, 0, a.iter().copied().collect())
}

fn describe(e: &ReadNpyError) -> String {
    match e {
        ReadNpyError::WrongDescriptor(d) => {
            format!("dtype {d} is not supported; allowed: float32 ('<f4'), float64 ('<f8')")
        }
        ReadNpyError::MissingData => "the file ends before all the data its header describes (truncated?)".into(),
        other => other.to_string(),
    }
}

/// Reads one `.npy` array of float32 or float64.
pub fn read_npy(path: &Path) -> Result<Vec<FloatTensor>> {
    let bytes = std::fs::read(path).map_err(|e| QuantError::io("cannot read", path, e))?;
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "weights".into());
    let arr = match ArrayD::<f32>::read_npy(&bytes[..]) {
        Ok(a) => a,
        Err(ReadNpyError::WrongDescriptor(_)) => ArrayD::<f64>::read_npy(&bytes[..])
            .map(|a| a.mapv(|v| v as f32))
            .map_err(|e| parse_error(path, "a NumPy .npy file", describe(&e)))?,
        Err(e) => return Err(parse_error(path, "a NumPy .npy file", describe(&e))),
    };
    Ok(vec![tensor(&name, arr)?])
}

/// Reads every array of an `.npz` archive (plain or compressed), sorted by name.
pub fn read_npz(path: &Path) -> Result<Vec<FloatTensor>> {
    let bytes = std::fs::read(path).map_err(|e| QuantError::io("cannot read", path, e))?;
    let kind = "a NumPy .npz archive";
    let zerr = |e: ReadNpzError| match e {
        ReadNpzError::Npy(n) => parse_error(path, kind, describe(&n)),
        other => parse_error(path, kind, format!("{other} (truncated or not an .npz?)")),
    };
    let mut z = NpzReader::new(Cursor::new(&bytes[..])).map_err(zerr)?;
    let mut names = z.names().map_err(zerr)?;
    if names.is_empty() {
        return Err(parse_error(path, kind, "the archive holds no arrays"));
    }
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let arr = match z.by_name::<ndarray::OwnedRepr<f32>, ndarray::IxDyn>(&name) {
            Ok(a) => a,
            Err(ReadNpzError::Npy(ReadNpyError::WrongDescriptor(_))) => z
                .by_name::<ndarray::OwnedRepr<f64>, ndarray::IxDyn>(&name)
                .map(|a| a.mapv(|v| v as f32))
                .map_err(|e| match e {
                    ReadNpzError::Npy(n) => parse_error(path, kind, format!("array '{name}': {}", describe(&n))),
                    other => zerr(other),
                })?,
            Err(e) => return Err(zerr(e)),
        };
        out.push(tensor(&name, arr)?);
    }
    Ok(out)
}

/// Test images of an `.npz` archive: `x` of shape (N, C, H, W) or (N, H, W), `y` of shape (N,).
#[derive(Debug, Clone, PartialEq)]
pub struct NpzImages {
    /// `x`'s shape.
    pub shape: Vec<usize>,
    pub x: ImageValues,
    pub y: Vec<i64>,
}

/// `x`'s values: floats (float32 or float64, as float64) or integers (any NumPy integer dtype nbq reads).
#[derive(Debug, Clone, PartialEq)]
pub enum ImageValues {
    Float(Vec<f64>),
    Int(Vec<i64>),
}

/// Reads array `name` of `z` as floats or integers, whichever its dtype is.
fn read_any<R: std::io::Read + std::io::Seek>(
    z: &mut NpzReader<R>,
    name: &str,
    path: &Path,
    kind: &'static str,
) -> Result<(Vec<usize>, ImageValues)> {
    use ndarray::{IxDyn, OwnedRepr};
    macro_rules! try_dtype {
        ($t:ty, $variant:ident, $conv:expr) => {
            match z.by_name::<OwnedRepr<$t>, IxDyn>(name) {
                Ok(a) => return Ok((a.shape().to_vec(), ImageValues::$variant(a.iter().map($conv).collect()))),
                Err(ReadNpzError::Npy(ReadNpyError::WrongDescriptor(_))) => {}
                Err(ReadNpzError::Npy(n)) => {
                    return Err(parse_error(path, kind, format!("array '{name}': {}", describe(&n))))
                }
                Err(e) => return Err(parse_error(path, kind, format!("array '{name}': {e}"))),
            }
        };
    }
    try_dtype!(f32, Float, |&v| f64::from(v));
    try_dtype!(f64, Float, |&v| v);
    try_dtype!(u8, Int, |&v| i64::from(v));
    try_dtype!(u16, Int, |&v| i64::from(v));
    try_dtype!(i64, Int, |&v| v);
    try_dtype!(i32, Int, |&v| i64::from(v));
    try_dtype!(i16, Int, |&v| i64::from(v));
    try_dtype!(i8, Int, |&v| i64::from(v));
    Err(parse_error(
        path,
        kind,
        format!("array '{name}' has a dtype nbq does not read; allowed: float32, float64, uint8, uint16, int8..int64"),
    ))
}

/// Reads the test images of an `.npz` archive (plain or compressed) with arrays `x` (N, C, H, W) or (N, H, W)
/// and `y` (N,) of integer labels.
pub fn read_images(path: &Path) -> Result<NpzImages> {
    let bytes = std::fs::read(path).map_err(|e| QuantError::io("cannot read", path, e))?;
    let kind = "a NumPy .npz archive of images (arrays x and y)";
    let mut z = NpzReader::new(Cursor::new(&bytes[..]))
        .map_err(|e| parse_error(path, kind, format!("{e} (truncated or not an .npz?)")))?;
    let names = z.names().map_err(|e| parse_error(path, kind, e.to_string()))?;
    for want in ["x", "y"] {
        // `names` has the ".npy" suffixes stripped, as NumPy does.
        if !names.iter().any(|n| n == want) {
            return Err(parse_error(path, kind, format!("it has no array '{want}' (it holds: {})", names.join(", "))));
        }
    }
    let (shape, x) = read_any(&mut z, "x", path, kind)?;
    let (yshape, y) = read_any(&mut z, "y", path, kind)?;
    let y = match y {
        ImageValues::Int(v) => v,
        ImageValues::Float(_) => {
            return Err(parse_error(path, kind, "array 'y' holds floats; the labels must be integers"));
        }
    };
    if !(3..=4).contains(&shape.len()) || shape[0] == 0 {
        return Err(parse_error(
            path,
            kind,
            format!("x has shape {shape:?}; allowed (N, C, H, W) or (N, H, W), N > 0"),
        ));
    }
    if yshape != [shape[0]] {
        return Err(parse_error(
            path,
            kind,
            format!("y has shape {yshape:?}; x holds {} images, so (N,) = ({},)", shape[0], shape[0]),
        ));
    }
    Ok(NpzImages { shape, x, y })
}
