//! The on-disk form of quantized tensors: a folder with `manifest.json`, one packed `.codes` file and one
//! `$readmemh` `.hex` file per tensor, plus any extra files (the report). Written atomically, read back with every
//! cross-check, so that encode -> files -> decode is lossless.
//!
//! * `.codes`: codes packed LSB-first with `bitvec` (`Lsb0` in bytes), n bits each: code `i` occupies bits
//!   `i*n .. (i+1)*n` of the file, its least significant bit first; the padding bits of the last byte are zero.
//! * `.hex`: `// comment` header lines, then one code per line as `ceil(n/4)` lower-case hex digits, in flat
//!   (row-major) order, ready for Verilog `$readmemh`.

use std::fs;
use std::path::{Path, PathBuf};

use bitvec::prelude::*;
use serde::{Deserialize, Serialize};

use crate::code::{CodeFormat, ScaleGroup};
use crate::error::{QuantError, Result};
use crate::method::{Granularity, Method};
use crate::quantized::QuantizedTensor;
use crate::report::{markdown, LayerReport};

/// Name of the manifest inside a bundle folder.
pub const MANIFEST: &str = "manifest.json";
const FORMAT_TAG: &str = "nbq-codes";
const VERSION: u32 = 1;
const CODE_LAYOUT: &str = "n-bit code = sign bit (MSB) + (n-1)-bit magnitude m; m = 0 with sign 0 is zero; \
value = (-1)^sign * 2^(m - 1 + offset_sign + scale_exp); n = 1: the code is the sign and value = ±2^(offset_sign + scale_exp)";
const PACKING: &str =
    "codes packed LSB-first, n bits each: code i at bits i*n..(i+1)*n of the .codes file; padding bits are zero";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    version: u32,
    code_layout: String,
    packing: String,
    tensors: Vec<TensorEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TensorEntry {
    name: String,
    shape: Vec<usize>,
    channel_axis: usize,
    bits: CodeFormat,
    method: Method,
    granularity: Granularity,
    groups: Vec<ScaleGroup>,
    codes_file: String,
    hex_file: String,
}

/// Packs codes of `format` LSB-first.
pub fn pack(codes: &[u8], format: CodeFormat) -> Vec<u8> {
    let n = format.bits() as usize;
    let mut bits: BitVec<u8, Lsb0> = BitVec::with_capacity(codes.len() * n);
    for &c in codes {
        bits.extend_from_bitslice(&c.view_bits::<Lsb0>()[..n]);
    }
    bits.into_vec()
}

/// Unpacks `count` codes; `bytes` must be exactly as long as [`pack`] makes it, with zero padding.
pub fn unpack(bytes: &[u8], format: CodeFormat, count: usize) -> std::result::Result<Vec<u8>, String> {
    let n = format.bits() as usize;
    let need = (count * n).div_ceil(8);
    if bytes.len() != need {
        return Err(format!(
            "it has {} bytes but {count} codes of {n} bits need {need}{}",
            bytes.len(),
            if bytes.len() < need { " (truncated?)" } else { "" }
        ));
    }
    let bits = bytes.view_bits::<Lsb0>();
    if bits[count * n..].any() {
        return Err("its padding bits after the last code are not zero (corrupt?)".into());
    }
    Ok(bits[..count * n].chunks(n).map(|c| c.load_le::<u8>()).collect())
}

/// The `$readmemh` text of a tensor's codes.
pub fn hex(t: &QuantizedTensor) -> String {
    let digits = (t.format().bits() as usize).div_ceil(4);
    let mut s = format!(
        "// nbq codes: tensor '{}', shape {:?}, {} bits, method {}; one code per line, row-major\n",
        t.name().replace(['\n', '\r'], " "),
        t.shape(),
        t.format().bits(),
        t.method()
    );
    s.reserve(t.len() * (digits + 1));
    for &c in t.codes() {
        s += &format!("{c:0digits$x}\n");
    }
    s
}

fn file_stem(index: usize, name: &str) -> String {
    let clean: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).take(60).collect();
    format!("{index:03}_{}", clean.trim_matches('_'))
}

/// Writes `tensors` and the `extra` (file name, contents) pairs into the folder `out`, atomically: everything is
/// written into a fresh sibling folder first and moved into place only when complete. `out` must not exist or be
/// empty; with `replace`, an existing non-empty folder has just these files replaced (nothing else is deleted).
pub fn write_bundle(out: &Path, tensors: &[QuantizedTensor], extra: &[(&str, Vec<u8>)], replace: bool) -> Result<()> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut entries = Vec::new();
    for (i, t) in tensors.iter().enumerate() {
        let stem = file_stem(i, t.name());
        let (codes_file, hex_file) = (format!("{stem}.codes"), format!("{stem}.hex"));
        files.push((codes_file.clone(), pack(t.codes(), t.format())));
        files.push((hex_file.clone(), hex(t).into_bytes()));
        entries.push(TensorEntry {
            name: t.name().to_string(),
            shape: t.shape().to_vec(),
            channel_axis: t.channel_axis(),
            bits: t.format(),
            method: t.method(),
            granularity: t.granularity(),
            groups: t.groups().to_vec(),
            codes_file,
            hex_file,
        });
    }
    let manifest = Manifest {
        format: FORMAT_TAG.into(),
        version: VERSION,
        code_layout: CODE_LAYOUT.into(),
        packing: PACKING.into(),
        tensors: entries,
    };
    let mut json = serde_json::to_vec_pretty(&manifest).map_err(|e| QuantError::Invalid(e.to_string()))?;
    json.push(b'\n');
    files.push((MANIFEST.into(), json));
    files.extend(extra.iter().map(|(n, c)| (n.to_string(), c.clone())));
    crate::atomic::write_folder(out, &files, replace)
}

/// Reads a bundle folder back, checking the manifest against every file.
pub fn read_bundle(dir: &Path) -> Result<Vec<QuantizedTensor>> {
    let mpath = dir.join(MANIFEST);
    let text = fs::read_to_string(&mpath).map_err(|e| QuantError::io("cannot read manifest", &mpath, e))?;
    let bad = |why: String| QuantError::Manifest { path: mpath.clone(), why };
    let m: Manifest = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if m.format != FORMAT_TAG || m.version != VERSION {
        return Err(bad(format!(
            "format '{}' version {} is not '{FORMAT_TAG}' version {VERSION}",
            m.format, m.version
        )));
    }
    let mut out = Vec::with_capacity(m.tensors.len());
    for e in m.tensors {
        let count = e.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).filter(|&c| c > 0).ok_or_else(|| {
            bad(format!("tensor '{}' has shape {:?}, which holds no codes or too many", e.name, e.shape))
        })?;
        let cpath = safe_join(dir, &e.codes_file).map_err(&bad)?;
        let bytes = fs::read(&cpath).map_err(|err| QuantError::io("cannot read codes", &cpath, err))?;
        let codes = unpack(&bytes, e.bits, count).map_err(|why| {
            bad(format!("codes file '{}' of tensor '{}' (shape {:?}): {why}", e.codes_file, e.name, e.shape))
        })?;
        let t =
            QuantizedTensor::new(&e.name, e.shape, e.channel_axis, e.bits, e.method, e.granularity, e.groups, codes)
                .map_err(|err| bad(err.to_string()))?;
        let hpath = safe_join(dir, &e.hex_file).map_err(&bad)?;
        let htext = fs::read_to_string(&hpath).map_err(|err| QuantError::io("cannot read hex file", &hpath, err))?;
        if htext != hex(&t) {
            return Err(bad(format!("hex file '{}' does not match the codes of tensor '{}'", e.hex_file, t.name())));
        }
        out.push(t);
    }
    Ok(out)
}

/// `dir/name` for a plain file name from a manifest (no folders, no `..`).
fn safe_join(dir: &Path, name: &str) -> std::result::Result<PathBuf, String> {
    let p = Path::new(name);
    if name.is_empty() || p.components().count() != 1 || p.file_name().is_none() {
        return Err(format!("file name '{name}' must be a plain file name inside the bundle folder"));
    }
    Ok(dir.join(p))
}

/// Quantizes every weight tensor of a model file (`.onnx`, `.npy`, `.npz`, `.safetensors`) with `method` at
/// `bits` bits and writes the bundle to `out` (with `report.json` and `report.md`; `replace` as for
/// [`write_bundle`]). `progress(done, total, tensor)` is called before each tensor. Returns the reports.
pub fn quantize_model(
    model: &Path,
    bits: u32,
    method: Method,
    granularity: Granularity,
    out: &Path,
    replace: bool,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<Vec<LayerReport>> {
    let format = CodeFormat::new(bits)?;
    // The output folder is checked before reading or quantizing anything (a dangling link, `/`, a full folder).
    crate::atomic::check_destination(out, replace)?;
    let tensors = crate::input::read_weights(model)?;
    let mut quantized = Vec::with_capacity(tensors.len());
    let mut reports = Vec::with_capacity(tensors.len());
    for (i, t) in tensors.iter().enumerate() {
        progress(i, tensors.len(), t.name());
        let q = crate::quantize(t, method, format, granularity)?;
        reports.push(LayerReport::new(t, &q)?);
        quantized.push(q);
    }
    let mut json = serde_json::to_vec_pretty(&reports).map_err(|e| QuantError::Invalid(e.to_string()))?;
    json.push(b'\n');
    let md = markdown(&reports).into_bytes();
    write_bundle(out, &quantized, &[("report.json", json), ("report.md", md)], replace)?;
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_is_lsb_first_and_dense() {
        let f = CodeFormat::new(3).unwrap();
        // codes 0b101, 0b011, 0b001 -> bit stream 1,0,1, 1,1,0, 1,0,0 (each LSB first) -> byte 0b0101_1101, then 0b0.
        assert_eq!(pack(&[0b101, 0b011, 0b001], f), vec![0b0101_1101, 0b0]);
        assert_eq!(unpack(&[0b0101_1101, 0b0], f, 3).unwrap(), vec![0b101, 0b011, 0b001]);
    }

    #[test]
    fn truncated_and_padded_files_are_rejected() {
        let f = CodeFormat::new(3).unwrap();
        let e = unpack(&[0b0101_1101], f, 3).unwrap_err();
        assert_eq!(e, "it has 1 bytes but 3 codes of 3 bits need 2 (truncated?)");
        let e = unpack(&[0b0101_1101, 0b1000_0000], f, 3).unwrap_err();
        assert!(e.contains("padding bits"), "{e}");
    }
}
