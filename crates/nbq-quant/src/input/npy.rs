//! Weight tensors from NumPy `.npy` (one tensor, named after the file) and `.npz` (one tensor per array, in
//! name order), and test images from `.npz`, read with `ndarray-npy` (archives, plain or compressed, unpacked with
//! `zip`). float32 is read as is, float64 is rounded to float32; other dtypes are rejected by name. The
//! output-channel axis is 0 (PyTorch's OIHW convolution and `[out, in]` linear weights).
//!
//! Hostile files are refused before anything large is allocated: a file or archive over [`MAX_NPY_BYTES`], a
//! device, and a header whose dtype nbq does not read or whose shape claims more data than follows it (the
//! check is arithmetic on the header alone).

use std::io::{Cursor, Read};
use std::path::Path;

use ndarray::ArrayD;
use ndarray_npy::npy::header::Header;
use ndarray_npy::{ReadNpyError, ReadNpyExt, ReadableElement};

use crate::error::{QuantError, Result};
use crate::tensor::FloatTensor;

/// Most bytes nbq reads from one NumPy file, and most it unpacks from one archive (all its arrays together):
/// 4 GiB. A file or archive that holds more is refused before it is read.
pub const MAX_NPY_BYTES: u64 = 4 << 30;

fn parse_error(path: &Path, kind: &'static str, why: impl Into<String>) -> QuantError {
    QuantError::Parse { path: path.to_path_buf(), kind, why: why.into() }
}

fn describe(e: &ReadNpyError) -> String {
    match e {
        ReadNpyError::MissingData => "the file ends before all the data its header describes (truncated?)".into(),
        other => other.to_string(),
    }
}

/// Reads a whole NumPy file of at most [`MAX_NPY_BYTES`] ([`super::read_bounded`]); a device or a folder is
/// refused before reading.
fn read_file(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| QuantError::io("cannot read", path, e))?;
    let kind = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() || kind.is_block_device() {
            return Err(QuantError::Invalid(format!("'{}' is a device, not a NumPy file", path.display())));
        }
    }
    if kind.is_dir() {
        return Err(QuantError::Invalid(format!("'{}' is a folder, not a NumPy file", path.display())));
    }
    super::read_bounded(path, MAX_NPY_BYTES, "a NumPy file").map_err(|e| QuantError::io("cannot read", path, e))
}

/// The element types nbq reads, from a `.npy` header's `descr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dtype {
    F32,
    F64,
    U8,
    U16,
    I8,
    I16,
    I32,
    I64,
}

impl Dtype {
    const ALLOWED: &'static str = "float32, float64, uint8, uint16, int8, int16, int32, int64";

    fn of(descr: &str) -> Option<Dtype> {
        let (order, code) = descr.split_at(descr.len().min(1));
        if !matches!(order, "<" | ">" | "|" | "=") {
            return None;
        }
        Some(match code {
            "f4" => Dtype::F32,
            "f8" => Dtype::F64,
            "u1" => Dtype::U8,
            "u2" => Dtype::U16,
            "i1" => Dtype::I8,
            "i2" => Dtype::I16,
            "i4" => Dtype::I32,
            "i8" => Dtype::I64,
            _ => return None,
        })
    }

    fn size(self) -> u64 {
        match self {
            Dtype::U8 | Dtype::I8 => 1,
            Dtype::U16 | Dtype::I16 => 2,
            Dtype::F32 | Dtype::I32 => 4,
            Dtype::F64 | Dtype::I64 => 8,
        }
    }
}

/// Checks one `.npy` image's header (a file, or an archive member named `name`) from the arithmetic alone: the
/// dtype must be one nbq reads, and the data its shape claims must be in the bytes that follow it, so a header
/// that claims a huge shape is refused before anything is allocated. Returns the dtype and its `descr`.
fn checked_dtype(bytes: &[u8], name: &str, path: &Path, kind: &'static str) -> Result<(Dtype, String)> {
    let what = |why: String| parse_error(path, kind, format!("array '{name}': {why}"));
    let mut cur = Cursor::new(bytes);
    let header = Header::from_reader(&mut cur).map_err(|e| what(format!("bad .npy header: {e}")))?;
    let data = bytes.len() as u64 - cur.position();
    let descr = header.type_descriptor.to_string();
    let dtype = Dtype::of(descr.trim_matches('\''))
        .ok_or_else(|| what(format!("dtype {descr} is not supported; allowed: {}", Dtype::ALLOWED)))?;
    let count = header.shape.iter().try_fold(1u64, |n, &d| n.checked_mul(d as u64));
    let need = count.and_then(|n| n.checked_mul(dtype.size()));
    match need {
        Some(need) if need <= data => Ok((dtype, descr)),
        _ => Err(what(format!(
            "its header claims shape {:?} of {}-byte values ({} bytes), but only {data} bytes of data follow \
             the header (truncated, or a forged header?)",
            header.shape,
            dtype.size(),
            need.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string()),
        ))),
    }
}

/// One `.npy` image as a weight tensor named `name`: float32 as is, float64 rounded to float32.
fn read_weight(bytes: &[u8], name: &str, path: &Path, kind: &'static str) -> Result<FloatTensor> {
    let (shape, v) = match checked_dtype(bytes, name, path, kind)? {
        (Dtype::F32, _) => read_as(bytes, |v: f32| v),
        (Dtype::F64, _) => read_as(bytes, |v: f64| v as f32),
        (_, descr) => {
            return Err(parse_error(
                path,
                kind,
                format!("array '{name}': dtype {descr} is not supported; allowed: float32 ('<f4'), float64 ('<f8')"),
            ))
        }
    }
    .map_err(|e| parse_error(path, kind, format!("array '{name}': {}", describe(&e))))?;
    FloatTensor::new(name, shape, 0, v)
}

/// One `.npy` image of any dtype nbq reads, as floats or integers.
fn read_values(bytes: &[u8], name: &str, path: &Path, kind: &'static str) -> Result<(Vec<usize>, ImageValues)> {
    let r = match checked_dtype(bytes, name, path, kind)?.0 {
        Dtype::F32 => read_as(bytes, |v: f32| f64::from(v)).map(float),
        Dtype::F64 => read_as(bytes, |v: f64| v).map(float),
        Dtype::U8 => read_as(bytes, |v: u8| i64::from(v)).map(int),
        Dtype::U16 => read_as(bytes, |v: u16| i64::from(v)).map(int),
        Dtype::I8 => read_as(bytes, |v: i8| i64::from(v)).map(int),
        Dtype::I16 => read_as(bytes, |v: i16| i64::from(v)).map(int),
        Dtype::I32 => read_as(bytes, |v: i32| i64::from(v)).map(int),
        Dtype::I64 => read_as(bytes, |v: i64| v).map(int),
    };
    r.map_err(|e| parse_error(path, kind, format!("array '{name}': {}", describe(&e))))
}

fn read_as<T: ReadableElement, U>(
    bytes: &[u8],
    f: impl Fn(T) -> U,
) -> std::result::Result<(Vec<usize>, Vec<U>), ReadNpyError> {
    let a = ArrayD::<T>::read_npy(bytes)?;
    let shape = a.shape().to_vec();
    Ok((shape, a.into_iter().map(f).collect()))
}

fn float((shape, v): (Vec<usize>, Vec<f64>)) -> (Vec<usize>, ImageValues) {
    (shape, ImageValues::Float(v))
}

fn int((shape, v): (Vec<usize>, Vec<i64>)) -> (Vec<usize>, ImageValues) {
    (shape, ImageValues::Int(v))
}

/// The members of an `.npz` archive (plain or compressed), names with NumPy's ".npy" suffix stripped, each
/// unpacked with the bytes of all of them bounded by [`MAX_NPY_BYTES`] (a compression bomb is refused).
fn npz_members(path: &Path, kind: &'static str) -> Result<Vec<(String, Vec<u8>)>> {
    let bytes = read_file(path)?;
    let mut z = zip::ZipArchive::new(Cursor::new(&bytes[..]))
        .map_err(|e| parse_error(path, kind, format!("{e} (truncated or not an .npz?)")))?;
    let mut budget = MAX_NPY_BYTES;
    let mut out = Vec::with_capacity(z.len());
    for i in 0..z.len() {
        let f = z.by_index(i).map_err(|e| parse_error(path, kind, format!("member {i}: {e}")))?;
        let name = f.name().strip_suffix(".npy").unwrap_or(f.name()).to_string();
        let mut data = Vec::new();
        f.take(budget + 1)
            .read_to_end(&mut data)
            .map_err(|e| parse_error(path, kind, format!("array '{name}': {e}")))?;
        if data.len() as u64 > budget {
            return Err(parse_error(
                path,
                kind,
                format!("its arrays unpack to more than {MAX_NPY_BYTES} bytes (4 GiB), the most nbq reads"),
            ));
        }
        budget -= data.len() as u64;
        out.push((name, data));
    }
    Ok(out)
}

/// Reads one `.npy` array of float32 or float64.
pub fn read_npy(path: &Path) -> Result<Vec<FloatTensor>> {
    let bytes = read_file(path)?;
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "weights".into());
    let kind = "a NumPy .npy file";
    Ok(vec![read_weight(&bytes, &name, path, kind)?])
}

/// Reads every array of an `.npz` archive (plain or compressed), sorted by name.
pub fn read_npz(path: &Path) -> Result<Vec<FloatTensor>> {
    let kind = "a NumPy .npz archive";
    let mut members = npz_members(path, kind)?;
    if members.is_empty() {
        return Err(parse_error(path, kind, "the archive holds no arrays"));
    }
    members.sort_by(|a, b| a.0.cmp(&b.0));
    members.into_iter().map(|(name, bytes)| read_weight(&bytes, &name, path, kind)).collect()
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

/// Reads the test images of an `.npz` archive (plain or compressed) with arrays `x` (N, C, H, W) or (N, H, W)
/// and `y` (N,) of integer labels.
pub fn read_images(path: &Path) -> Result<NpzImages> {
    let kind = "a NumPy .npz archive of images (arrays x and y)";
    let mut members = npz_members(path, kind)?;
    let mut take = |want: &str| match members.iter().position(|(n, _)| n == want) {
        Some(i) => Ok(members.swap_remove(i)),
        None => {
            let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
            Err(parse_error(path, kind, format!("it has no array '{want}' (it holds: {})", names.join(", "))))
        }
    };
    let (xm, ym) = (take("x")?, take("y")?);
    let (shape, x) = read_values(&xm.1, "x", path, kind)?;
    let (yshape, y) = read_values(&ym.1, "y", path, kind)?;
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
