//! Design files: a TOML design is parsed into [`RawDesign`] (unknown keys refused) and validated once, with
//! every cross-field rule, into a [`DesignConfig`]. Everything downstream (RTL, test vectors, `params.json`)
//! takes the validated config. Code builds designs the same way, typed: [`RawDesign::new`] and its setters, then
//! [`DesignConfig::new`]; [`DesignConfig::with`] copies a validated design with some fields overridden and
//! validates the copy again (Gemmini's `config.copy(...)`), so no design skips the rules. [`RawDesign::to_toml`]
//! writes a design file.
//!
//! ```toml
//! name = "svpe_k3"        # output folder and module-file name: letters, digits, '_' and '-'
//! pe = "shift"            # "shift" (SVPE) or "mul" (VPE, 16-bit weights)
//! k = 3                   # kernel size, 1..=7
//! image_width = 32        # pixels per image line, k..=4096 (and >= 2)
//! act_bits = 16           # A, 2..=16
//! code_bits = 3           # n, 1..=8 (shift PE only)
//! offsets = [0, 0]        # largest GSNQ offsets (positive, negative) the layer may use (shift PE only)
//! pn = 1                  # convolvers per cluster: input channels in parallel
//! pm = 1                  # clusters: output channels in parallel
//! # acc_bits = 24         # optional; default: the width analysis; if given, checked against it
//! adders = "fabric"       # row-reduction and channel adders in LUTs ("fabric", default) or DSPs ("dsp")
//!
//! [requantizer]           # optional: a threshold comparator bank per output channel (activation codes)
//! bits = 2                # 1..=8: 2^bits - 1 thresholds
//! thresholds = [5, 90, 400]   # strictly increasing integers in accumulator units (from `nbq thresholds`),
//! # thresholds_file = "t.json" # ... or the JSON `nbq thresholds --out` writes, relative to this file
//! ```

use std::path::Path;

use nbq_quant::golden::width;
use nbq_quant::{CodeFormat, ScaleGroup};
use serde::{Deserialize, Serialize};

use crate::widths::Widths;

/// A rejected design file: what, the value given, what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read design file '{path}': {source}")]
    Read { path: String, source: std::io::Error },
    #[error("design file '{path}' is not valid: {why}")]
    Syntax { path: String, why: String },
    #[error("design file '{path}': {key} = {value} is not allowed: {allowed}")]
    Value { path: String, key: &'static str, value: String, allowed: String },
}

/// The processing element an array is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum PeKind {
    /// SVPE: exponent codes, shifts and adds.
    Shift,
    /// VPE: 16-bit weights, 16×16 multipliers.
    Mul,
}

impl PeKind {
    /// The value of the design file's `pe` key.
    pub fn key(self) -> &'static str {
        match self {
            PeKind::Shift => "shift",
            PeKind::Mul => "mul",
        }
    }
}

/// The design file as written (`None`: the key is absent).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDesign {
    pub name: String,
    pub pe: String,
    pub k: i64,
    pub image_width: i64,
    pub act_bits: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_bits: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offsets: Option<[i64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pn: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pm: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acc_bits: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adders: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requantizer: Option<RawRequantizer>,
}

impl RawDesign {
    /// A design of `pe`s with every optional key absent (defaults: Pn = Pm = 1, no offsets, fabric adders, the
    /// analysis's accumulator, no requantizer). The shift PE also needs [`RawDesign::code_bits`].
    pub fn new(name: &str, pe: PeKind, k: usize, image_width: usize, act_bits: usize) -> RawDesign {
        RawDesign {
            name: name.to_string(),
            pe: pe.key().to_string(),
            k: k as i64,
            image_width: image_width as i64,
            act_bits: act_bits as i64,
            code_bits: None,
            offsets: None,
            pn: None,
            pm: None,
            acc_bits: None,
            adders: None,
            requantizer: None,
        }
    }
    pub fn code_bits(mut self, n: usize) -> Self {
        self.code_bits = Some(n as i64);
        self
    }
    pub fn offsets(mut self, (pos, neg): (u8, u8)) -> Self {
        self.offsets = Some([i64::from(pos), i64::from(neg)]);
        self
    }
    /// (Pn, Pm): convolvers per cluster, clusters.
    pub fn shape(mut self, pn: usize, pm: usize) -> Self {
        self.pn = Some(pn as i64);
        self.pm = Some(pm as i64);
        self
    }
    pub fn acc_bits(mut self, acc: usize) -> Self {
        self.acc_bits = Some(acc as i64);
        self
    }
    pub fn adders(mut self, a: Adders) -> Self {
        self.adders = Some(a.key().to_string());
        self
    }
    pub fn requantizer(mut self, bits: usize, thresholds: Vec<i64>) -> Self {
        self.requantizer =
            Some(RawRequantizer { bits: bits as i64, thresholds: Some(thresholds), thresholds_file: None });
        self
    }
    /// The design file's text (keys in the documented order, absent ones left out).
    pub fn to_toml(&self) -> String {
        // Every field is a string, an integer, an array of integers or a table of those: nothing TOML cannot hold.
        toml::to_string(self).unwrap_or_else(|e| unreachable!("a design always has a TOML form: {e}"))
    }
}

/// Where the convolvers' widest partial-sum adders (each row's last PE) and the clusters' channel adders go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Adders {
    /// LUT/carry logic.
    #[default]
    Fabric,
    /// DSP slices: the Verilog marks those adders `(* use_dsp = "yes" *)` (the paper's SVPE, k DSPs per array,
    /// used only as adders).
    Dsp,
}

impl Adders {
    /// The value of the design file's `adders` key.
    pub fn key(self) -> &'static str {
        match self {
            Adders::Fabric => "fabric",
            Adders::Dsp => "dsp",
        }
    }
}

/// The `[requantizer]` table as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequantizer {
    pub bits: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds_file: Option<String>,
}

/// A validated requantizer: `2^bits - 1` strictly increasing thresholds that fit the accumulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequantConfig {
    pub bits: usize,
    pub thresholds: Vec<i64>,
}

/// The fields of `nbq thresholds --out` that a design reads.
#[derive(Debug, Deserialize)]
struct ThresholdFile {
    bits: i64,
    thresholds: Vec<i64>,
}

/// The one list of the accumulator tiers compiled into nbq: expands `$cb!($args ; 32, 64, ...)`. [`ACC_TIERS`] and
/// the generator's dispatch (`with_block!`) both come from it, so they cannot disagree.
#[doc(hidden)]
#[macro_export]
macro_rules! __acc_tiers {
    ([$($cb:tt)*] $($args:tt)*) => { $($cb)*!($($args)* ; 32, 64, 128, 256, 512) };
}

/// The one list of the line-buffer address widths compiled into nbq (see [`__acc_tiers!`]).
#[doc(hidden)]
#[macro_export]
macro_rules! __line_addr_bits {
    ([$($cb:tt)*] $($args:tt)*) => { $($cb)*!($($args)* ; 4, 6, 8, 10, 12) };
}

macro_rules! as_slice {
    (; $($v:literal),+) => { &[$($v),+] };
}

/// Accumulator tiers compiled into nbq (port width of partial sums); the smallest that holds ACC is used.
pub const ACC_TIERS: &[usize] = __acc_tiers!([as_slice]);
/// Line-buffer address widths compiled into nbq; the smallest whose depth holds a line is used.
pub const LINE_ADDR_BITS: &[usize] = __line_addr_bits!([as_slice]);

/// A validated design: every field is within range and consistent with the others. It is made only by
/// validation ([`DesignConfig::new`], [`DesignConfig::load`], [`DesignConfig::from_toml`], [`DesignConfig::with`]):
/// the private `raw` field keeps it from being written as a struct literal elsewhere. Treat the fields as
/// read-only; change a design with [`DesignConfig::with`], which validates again and recomputes the derived
/// fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesignConfig {
    pub name: String,
    pub pe: PeKind,
    pub k: usize,
    pub image_width: usize,
    pub widths: Widths,
    pub offsets: (u8, u8),
    pub pn: usize,
    pub pm: usize,
    /// The width analysis's accumulator width for this design.
    pub acc_required: usize,
    /// Compiled accumulator tier (port width of sums).
    pub acc_tier: usize,
    /// Line-buffer address width (depth `2^line_addr_bits`).
    pub line_addr_bits: usize,
    pub adders: Adders,
    pub requantizer: Option<RequantConfig>,
    /// The design as written, with a thresholds file replaced by its thresholds: what [`DesignConfig::with`]
    /// starts from.
    raw: RawDesign,
}

impl std::fmt::Display for DesignConfig {
    /// One line naming every structural parameter, e.g. for command summaries.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pe = match self.pe {
            PeKind::Shift => "shift",
            PeKind::Mul => "multiplier",
        };
        write!(
            f,
            "{pe} PE, k = {}, W = {}, A = {}, n = {}, ACC = {} ({}-bit tier), Pn = {}, Pm = {}",
            self.k,
            self.image_width,
            self.widths.act,
            self.widths.code,
            self.widths.acc,
            self.acc_tier,
            self.pn,
            self.pm
        )
    }
}

/// Most PEs (`k² × Pn × Pm`) of one engine: 14× the paper's (8, 32) engine of 3×3 kernels (2,304 PEs, generated
/// in 16.2 s in bench/README.md; the issue's 802,816-PE design took 3.8 GB). Checked from the arithmetic before
/// anything is built.
pub const MAX_PES: usize = 32_768;

/// Most bytes of a design file or a thresholds file (1 MiB; a design with its thresholds inline is a few kB).
pub const MAX_TEXT_BYTES: u64 = 1 << 20;

/// Reads a UTF-8 text file of at most [`MAX_TEXT_BYTES`] ([`nbq_quant::input::read_bounded`]).
fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = nbq_quant::input::read_bounded(path, MAX_TEXT_BYTES, "a design or thresholds file")?;
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// A TOML error as one line: the parser's message, then where it is (line and column) and what is there
/// ("duplicate key (line 3, column 1: `k = 5`)").
fn toml_why(e: &toml::de::Error, text: &str) -> String {
    let Some(span) = e.span().filter(|s| s.start <= text.len()) else {
        return e.message().to_string();
    };
    let before = &text[..span.start];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    let line_text = text[span.start - (column - 1)..].lines().next().unwrap_or("").trim();
    format!("{} (line {line}, column {column}: `{line_text}`)", e.message().trim_end())
}

impl DesignConfig {
    /// Reads and validates a design file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = read_text(path).map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        let raw: RawDesign = toml::from_str(&text)
            .map_err(|e| ConfigError::Syntax { path: path.display().to_string(), why: toml_why(&e, &text) })?;
        Self::validate(raw, &path.display().to_string(), path.parent())
    }

    /// Parses and validates TOML text; `path` names the source in errors (threshold files resolve against the
    /// current folder).
    pub fn from_toml(text: &str, path: &str) -> Result<Self, ConfigError> {
        let raw: RawDesign = toml::from_str(text)
            .map_err(|e| ConfigError::Syntax { path: path.to_string(), why: toml_why(&e, text) })?;
        Self::validate(raw, path, None)
    }

    /// Validates a design built in code; `label` names it in errors (like a design file's path).
    pub fn new(raw: RawDesign, label: &str) -> Result<Self, ConfigError> {
        Self::validate(raw, label, None)
    }

    /// This design with the fields `change` sets, validated again (the error names the design by `label`).
    /// Derived fields (accumulator width and tier, line-buffer depth) follow the new values.
    pub fn with(&self, label: &str, change: impl FnOnce(&mut RawDesign)) -> Result<Self, ConfigError> {
        let mut raw = self.raw.clone();
        change(&mut raw);
        Self::validate(raw, label, None)
    }

    /// The design as written (thresholds inline).
    pub fn raw(&self) -> &RawDesign {
        &self.raw
    }

    /// The requantizer's thresholds, if the design has one.
    pub fn thresholds(&self) -> Option<&[i64]> {
        self.requantizer.as_ref().map(|r| r.thresholds.as_slice())
    }

    /// Applies every rule to a parsed design; `dir` is the design file's folder.
    pub fn validate(mut raw: RawDesign, path: &str, dir: Option<&Path>) -> Result<Self, ConfigError> {
        let bad = |key: &'static str, value: String, allowed: String| ConfigError::Value {
            path: path.to_string(),
            key,
            value,
            allowed,
        };
        let range = |key: &'static str, v: i64, lo: i64, hi: i64| -> Result<usize, ConfigError> {
            if (lo..=hi).contains(&v) {
                Ok(v as usize)
            } else {
                Err(bad(key, v.to_string(), format!("must be in {lo}..={hi}")))
            }
        };
        if raw.name.is_empty() || !raw.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(bad("name", format!("{:?}", raw.name), "letters, digits, '_' and '-' only, not empty".into()));
        }
        let pe = match raw.pe.as_str() {
            p if p == PeKind::Shift.key() => PeKind::Shift,
            p if p == PeKind::Mul.key() => PeKind::Mul,
            other => return Err(bad("pe", format!("{other:?}"), "\"shift\" (SVPE) or \"mul\" (VPE)".into())),
        };
        let k = range("k", raw.k, 1, 7)?;
        let image_width = range("image_width", raw.image_width, 1, 4096)?;
        if image_width < k.max(2) {
            return Err(bad(
                "image_width",
                image_width.to_string(),
                format!("must be at least k = {k} and at least 2"),
            ));
        }
        let act = range("act_bits", raw.act_bits, 2, 16)?;
        let pn = range("pn", raw.pn.unwrap_or(1), 1, 64)?;
        let pm = range("pm", raw.pm.unwrap_or(1), 1, 256)?;
        let pes = k * k * pn * pm;
        if pes > MAX_PES {
            return Err(bad(
                "pm",
                pm.to_string(),
                format!(
                    "pn = {pn} × pm = {pm} × k² = {} is {pes} PEs; an engine has at most {MAX_PES} (the paper's \
                     engine has 2304)",
                    k * k
                ),
            ));
        }
        let (code, offsets, acc_required, shift) = match pe {
            PeKind::Shift => {
                let Some(n) = raw.code_bits else {
                    return Err(bad("code_bits", "(missing)".into(), "required for pe = \"shift\": 1..=8".into()));
                };
                let n = range("code_bits", n, 1, 8)?;
                let format = CodeFormat::new(n as u32).map_err(|e| bad("code_bits", n.to_string(), e.to_string()))?;
                let [op, on] = raw.offsets.unwrap_or([0, 0]);
                let max_off = 255 - (i64::from(format.magnitudes()) - 1);
                let op = range("offsets[0]", op, 0, max_off)? as u8;
                let on = range("offsets[1]", on, 0, max_off)? as u8;
                let group = ScaleGroup { scale_exp: 0, offset_pos: op, offset_neg: on };
                let acc = width::accumulator_width(act as u32, format, group, k as u32, pn as u32)
                    .map_err(|e| bad("act_bits", act.to_string(), e.to_string()))?;
                let shift = usize::from(format.magnitudes()) - 1 + usize::from(op.max(on));
                (n, (op, on), acc as usize, shift)
            }
            PeKind::Mul => {
                if let Some(n) = raw.code_bits.filter(|&n| n != 16) {
                    return Err(bad(
                        "code_bits",
                        n.to_string(),
                        "the multiplier PE takes 16-bit weights; omit it or give 16".into(),
                    ));
                }
                if raw.offsets.is_some_and(|o| o != [0, 0]) {
                    return Err(bad(
                        "offsets",
                        format!("{:?}", raw.offsets),
                        "GSNQ offsets apply to the shift PE only".into(),
                    ));
                }
                // 16-bit weights: products of magnitude at most 2^(A-1) * 2^15.
                let b = width::bound(act as u32, Some(15), Some(15), (k * k * pn) as u64)
                    .map_err(|e| bad("act_bits", act.to_string(), e.to_string()))?;
                (16, (0, 0), (b.width as usize).max(32), 0)
            }
        };
        let max_tier = ACC_TIERS[ACC_TIERS.len() - 1];
        let acc = match raw.acc_bits {
            None => acc_required,
            Some(a) => {
                let a = range("acc_bits", a, 1, max_tier as i64)?;
                if a < acc_required {
                    return Err(bad(
                        "acc_bits",
                        a.to_string(),
                        format!(
                            "narrower than the {acc_required} bits the width analysis requires for act_bits = {act}, \
                             code_bits = {code}, offsets = {offsets:?}, k = {k}, pn = {pn}"
                        ),
                    ));
                }
                a
            }
        };
        let acc_tier = ACC_TIERS.iter().copied().find(|&t| t >= acc).ok_or_else(|| {
            bad("acc_bits", acc.to_string(), format!("the widest accumulator nbq builds is {max_tier} bits"))
        })?;
        let widest = LINE_ADDR_BITS[LINE_ADDR_BITS.len() - 1];
        let line_addr_bits = LINE_ADDR_BITS.iter().copied().find(|&b| 1usize << b >= image_width).unwrap_or(widest);
        let adders = match raw.adders.as_deref() {
            None => Adders::Fabric,
            Some(a) if a == Adders::Fabric.key() => Adders::Fabric,
            Some(a) if a == Adders::Dsp.key() => Adders::Dsp,
            Some(other) => return Err(bad("adders", format!("{other:?}"), "\"fabric\" or \"dsp\"".into())),
        };
        let requantizer = match raw.requantizer.clone() {
            None => None,
            Some(r) => {
                let bits = range("requantizer.bits", r.bits, 1, 8)?;
                let thresholds = match (r.thresholds, r.thresholds_file) {
                    (Some(t), None) => t,
                    (None, Some(f)) => {
                        let file = dir.map_or_else(|| Path::new(&f).to_path_buf(), |d| d.join(&f));
                        let text = read_text(&file).map_err(|e| {
                            bad("requantizer.thresholds_file", format!("{f:?}"), format!("cannot be read: {e}"))
                        })?;
                        let t: ThresholdFile = serde_json::from_str(&text).map_err(|e| {
                            bad(
                                "requantizer.thresholds_file",
                                format!("{f:?}"),
                                format!("is not the JSON `nbq thresholds` writes: {e}"),
                            )
                        })?;
                        if t.bits != bits as i64 {
                            return Err(bad(
                                "requantizer.bits",
                                bits.to_string(),
                                format!("the thresholds file is for {} bits", t.bits),
                            ));
                        }
                        t.thresholds
                    }
                    _ => {
                        return Err(bad(
                            "requantizer",
                            "(table)".into(),
                            "give exactly one of thresholds and thresholds_file".into(),
                        ))
                    }
                };
                let want = (1usize << bits) - 1;
                if thresholds.len() != want {
                    return Err(bad(
                        "requantizer.thresholds",
                        format!("{} values", thresholds.len()),
                        format!("{bits} bits need exactly {want}"),
                    ));
                }
                if let Some(w) = thresholds.windows(2).find(|w| w[0] >= w[1]) {
                    return Err(bad(
                        "requantizer.thresholds",
                        format!("{:?}", thresholds),
                        format!("must increase strictly ({} then {})", w[0], w[1]),
                    ));
                }
                let lim = 1i128 << (acc - 1).min(100);
                if let Some(t) = thresholds.iter().find(|&&t| i128::from(t) < -lim || i128::from(t) >= lim) {
                    return Err(bad(
                        "requantizer.thresholds",
                        t.to_string(),
                        format!("must fit the {acc}-bit accumulator"),
                    ));
                }
                raw.requantizer = Some(RawRequantizer {
                    bits: bits as i64,
                    thresholds: Some(thresholds.clone()),
                    thresholds_file: None,
                });
                Some(RequantConfig { bits, thresholds })
            }
        };
        Ok(DesignConfig {
            name: raw.name.clone(),
            pe,
            k,
            image_width,
            widths: Widths { act, code, acc, shift },
            offsets,
            pn,
            pm,
            acc_required,
            acc_tier,
            line_addr_bits,
            adders,
            requantizer,
            raw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "name = \"t\"\npe = \"shift\"\nk = 3\nimage_width = 32\nact_bits = 16\ncode_bits = 3\n";

    fn err(extra: &str) -> String {
        DesignConfig::from_toml(&format!("{BASE}{extra}"), "d.toml").unwrap_err().to_string()
    }

    fn with(key: &str, value: &str) -> String {
        let text: String = BASE
            .lines()
            .map(|l| if l.starts_with(&format!("{key} ")) { format!("{key} = {value}") } else { l.to_string() })
            .collect::<Vec<_>>()
            .join("\n");
        DesignConfig::from_toml(&text, "d.toml").unwrap_err().to_string()
    }

    #[test]
    fn papers_array_validates_with_the_analysis_width() {
        let c = DesignConfig::from_toml(BASE, "d.toml").unwrap();
        assert_eq!((c.widths.acc, c.acc_required, c.acc_tier, c.line_addr_bits), (22, 22, 32, 6));
    }

    #[test]
    fn bad_values_name_key_value_and_range() {
        assert_eq!(with("k", "0"), "design file 'd.toml': k = 0 is not allowed: must be in 1..=7");
        assert_eq!(with("act_bits", "17"), "design file 'd.toml': act_bits = 17 is not allowed: must be in 2..=16");
        assert_eq!(
            with("image_width", "2"),
            "design file 'd.toml': image_width = 2 is not allowed: must be at least k = 3 and at least 2"
        );
        assert_eq!(
            with("pe", "\"dsp\""),
            "design file 'd.toml': pe = \"dsp\" is not allowed: \"shift\" (SVPE) or \"mul\" (VPE)"
        );
        assert_eq!(
            err("acc_bits = 21\n"),
            "design file 'd.toml': acc_bits = 21 is not allowed: narrower than the 22 bits the width analysis \
             requires for act_bits = 16, code_bits = 3, offsets = (0, 0), k = 3, pn = 1"
        );
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let e = err("colour = 3\n");
        assert!(e.starts_with("design file 'd.toml' is not valid: unknown field `colour`"), "{e}");
    }

    #[test]
    fn an_engine_too_large_to_generate_is_refused_from_the_arithmetic() {
        let text = "name = \"t\"\npe = \"shift\"\nk = 7\nimage_width = 4096\nact_bits = 16\ncode_bits = 8\npn = 64\npm = 256\n";
        let e = DesignConfig::from_toml(text, "d.toml").unwrap_err().to_string();
        assert!(e.contains("802816 PEs") && e.contains("at most 32768"), "{e}");
    }

    #[test]
    fn a_duplicate_key_is_named_with_its_line() {
        let e = err("k = 5\n");
        assert!(e.contains("duplicate key") && e.contains("`k = 5`") && e.contains("line "), "{e}");
    }

    #[test]
    fn an_endless_design_file_is_refused_after_a_bounded_read() {
        let e = DesignConfig::load(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.contains("'/dev/zero'") && e.contains("more than 1048576 bytes"), "{e}");
    }

    #[test]
    fn explicit_wider_accumulator_is_kept() {
        let c = DesignConfig::from_toml(&format!("{BASE}acc_bits = 40\n"), "d").unwrap();
        assert_eq!((c.widths.acc, c.acc_required, c.acc_tier), (40, 22, 64));
    }

    #[test]
    fn requantizer_thresholds_are_checked() {
        let ok =
            DesignConfig::from_toml(&format!("{BASE}[requantizer]\nbits = 2\nthresholds = [1, 5, 9]\n"), "d").unwrap();
        assert_eq!(ok.thresholds(), Some(&[1i64, 5, 9][..]));
        let e = err("[requantizer]\nbits = 2\nthresholds = [1, 5]\n");
        assert!(e.ends_with("requantizer.thresholds = 2 values is not allowed: 2 bits need exactly 3"), "{e}");
        let e = err("[requantizer]\nbits = 2\nthresholds = [1, 5, 5]\n");
        assert!(e.contains("must increase strictly (5 then 5)"), "{e}");
        let e = err("[requantizer]\nbits = 1\nthresholds = [3000000]\n");
        assert!(e.contains("must fit the 22-bit accumulator"), "{e}");
    }

    #[test]
    fn typed_designs_validate_like_design_files_and_write_them() {
        let raw = RawDesign::new("t", PeKind::Shift, 3, 32, 16).code_bits(3);
        let c = DesignConfig::new(raw.clone(), "t").unwrap();
        assert_eq!(c, DesignConfig::from_toml(BASE, "d.toml").unwrap());
        assert_eq!(DesignConfig::from_toml(&raw.to_toml(), "t").unwrap(), c);
        let e = DesignConfig::new(RawDesign::new("t", PeKind::Shift, 0, 32, 16).code_bits(3), "built").unwrap_err();
        assert_eq!(e.to_string(), "design file 'built': k = 0 is not allowed: must be in 1..=7");
        let q = raw.requantizer(1, vec![7]).adders(Adders::Dsp).offsets((1, 0)).shape(2, 3).acc_bits(40);
        let back = DesignConfig::from_toml(&q.to_toml(), "t").unwrap();
        assert_eq!(
            (back.thresholds(), back.adders, back.offsets, back.pn, back.pm),
            (Some(&[7i64][..]), Adders::Dsp, (1, 0), 2, 3)
        );
    }

    #[test]
    fn copies_with_overrides_are_validated_and_rederived() {
        let wide = DesignConfig::from_toml(
            &format!(
                "{BASE}pn = 8
pm = 4
"
            ),
            "d",
        )
        .unwrap();
        let single = wide.with("single", |r| (r.pn, r.pm) = (None, None)).unwrap();
        assert_eq!((single.pn, single.pm), (1, 1));
        // Eight input channels add three bits to the sums; the copy drops them again.
        assert_eq!((wide.acc_required, single.acc_required), (25, 22));
        assert_eq!(single, DesignConfig::from_toml(BASE, "d.toml").unwrap().with("single", |_| ()).unwrap());
        let e = wide.with("bad", |r| r.pm = Some(0)).unwrap_err().to_string();
        assert_eq!(e, "design file 'bad': pm = 0 is not allowed: must be in 1..=256");
    }

    #[test]
    fn multiplier_design_needs_no_code_bits() {
        let text = "name = \"v\"\npe = \"mul\"\nk = 3\nimage_width = 7\nact_bits = 16\npn = 4\n";
        let c = DesignConfig::from_toml(text, "d").unwrap();
        assert_eq!((c.widths.code, c.widths.acc, c.line_addr_bits), (16, 37, 4));
    }
}
