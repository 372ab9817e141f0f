//! The golden model: integer 2-D convolution of A-bit activations with exponent-coded weights, by shifts and adds.
//!
//! Definition (NCHW activations, MCKK weights, square k×k kernel, stride `s`, zero padding `p` on every side):
//! ```text
//!   out[b][m][oy][ox] = sum over c, ky, kx of  x[b][c][oy*s + ky - p][ox*s + kx - p]  (*)  term[m][c][ky][kx]
//! ```
//! where `(*)` with term `±2^shift` is `x << shift`, added or subtracted, term zero adds nothing, and positions
//! outside the image read 0. The result is the exact integer: there is no rounding, and overflow cannot happen
//! because the accumulator type is checked against the width analysis ([`super::width`]) before any arithmetic,
//! and a too-narrow type is an error, never a wrapped result. The real output is `out * 2^scale_exp[m] * (the
//! activation scale)`; scales stay outside the integer model, as in the hardware.

use super::acc::Accumulator;
use super::width;
use crate::code::Term;
use crate::error::{QuantError, Result};
use crate::quantized::QuantizedTensor;

/// Signed A-bit integer activations, NCHW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activations {
    shape: [usize; 4],
    bits: u8,
    data: Vec<i32>,
}

impl Activations {
    /// Checks the shape, `bits` (2..=16) and that every value lies in `[-2^(bits-1), 2^(bits-1) - 1]`.
    pub fn new(shape: [usize; 4], bits: u32, data: Vec<i32>) -> Result<Self> {
        let bits = width::check_act_bits(bits)?;
        let n: usize = shape.iter().product();
        if n == 0 || n != data.len() {
            return Err(QuantError::Invalid(format!(
                "activations of shape {shape:?} need {n} > 0 values, got {}",
                data.len()
            )));
        }
        let (lo, hi) = (-(1i32 << (bits - 1)), (1i32 << (bits - 1)) - 1);
        if let Some((i, v)) = data.iter().enumerate().find(|(_, v)| !(lo..=hi).contains(*v)) {
            return Err(QuantError::Invalid(format!(
                "activation {v} at flat index {i} is outside the {bits}-bit range {lo}..={hi}"
            )));
        }
        Ok(Activations { shape, bits, data })
    }
    pub fn shape(&self) -> [usize; 4] {
        self.shape
    }
    pub fn bits(&self) -> u8 {
        self.bits
    }
    pub fn data(&self) -> &[i32] {
        &self.data
    }
}

/// Weight terms of a convolution, MCKK (`k×k` kernel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvWeights {
    m: usize,
    c: usize,
    k: usize,
    terms: Vec<Term>,
}

impl ConvWeights {
    pub fn new(m: usize, c: usize, k: usize, terms: Vec<Term>) -> Result<Self> {
        if m == 0 || c == 0 || k == 0 || terms.len() != m * c * k * k {
            return Err(QuantError::Invalid(format!(
                "conv weights [{m}, {c}, {k}, {k}] need {} > 0 terms, got {}",
                m * c * k * k,
                terms.len()
            )));
        }
        Ok(ConvWeights { m, c, k, terms })
    }

    /// The terms of a quantized `[M, C, k, k]` tensor (scale exponents are left to the caller).
    pub fn from_quantized(q: &QuantizedTensor) -> Result<Self> {
        match *q.shape() {
            [m, c, kh, kw] if kh == kw => ConvWeights::new(m, c, kh, q.terms()),
            ref s => Err(QuantError::Invalid(format!(
                "tensor '{}' of shape {s:?} is not a square convolution kernel [M, C, k, k]",
                q.name()
            ))),
        }
    }
    pub fn dims(&self) -> (usize, usize, usize) {
        (self.m, self.c, self.k)
    }
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    fn max_shifts(&self) -> (Option<u8>, Option<u8>) {
        let (mut p, mut n) = (None, None);
        for t in &self.terms {
            if let Term::Shift { negative, shift } = *t {
                let slot = if negative { &mut n } else { &mut p };
                *slot = Some(slot.map_or(shift, |s: u8| s.max(shift)));
            }
        }
        (p, n)
    }
}

/// Stride and zero padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvParams {
    pub stride: usize,
    pub pad: usize,
}

impl Default for ConvParams {
    fn default() -> Self {
        ConvParams { stride: 1, pad: 0 }
    }
}

/// An NCHW integer output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvOutput<T> {
    pub shape: [usize; 4],
    pub data: Vec<T>,
}

/// Output geometry, checked.
fn out_dims(x: &Activations, w: &ConvWeights, p: ConvParams) -> Result<(usize, usize)> {
    let [_, c, h, wd] = x.shape;
    if c != w.c {
        return Err(QuantError::Invalid(format!("activations have {c} channels but the weights expect {}", w.c)));
    }
    if p.stride == 0 {
        return Err(QuantError::Invalid("stride must be >= 1, got 0".into()));
    }
    if h + 2 * p.pad < w.k || wd + 2 * p.pad < w.k {
        return Err(QuantError::Invalid(format!(
            "a {0}×{0} kernel does not fit a {h}×{wd} image with padding {1}",
            w.k, p.pad
        )));
    }
    Ok(((h + 2 * p.pad - w.k) / p.stride + 1, (wd + 2 * p.pad - w.k) / p.stride + 1))
}

/// Checks that `T` holds every possible sum for these weights.
pub fn check_accumulator<T: Accumulator>(x: &Activations, w: &ConvWeights) -> Result<u32> {
    let (sp, sn) = w.max_shifts();
    let b = width::bound(x.bits.into(), sp, sn, (w.c * w.k * w.k) as u64)?;
    if b.width > T::BITS {
        return Err(QuantError::Overflow(format!(
            "these weights need a {}-bit accumulator, the chosen type has {} bits",
            b.width,
            T::BITS
        )));
    }
    Ok(b.width)
}

/// The golden shift-and-add convolution.
pub fn conv2d_shift<T: Accumulator>(x: &Activations, w: &ConvWeights, p: ConvParams) -> Result<ConvOutput<T>> {
    check_accumulator::<T>(x, w)?;
    let (oh, ow) = out_dims(x, w, p)?;
    let [n, c, h, wd] = x.shape;
    let k = w.k;
    let xs: Vec<T> = x.data.iter().map(|&v| T::from_i32(v)).collect();
    let mut out = vec![T::zero(); n * w.m * oh * ow];
    for b in 0..n {
        for m in 0..w.m {
            let plane = &mut out[(b * w.m + m) * oh * ow..][..oh * ow];
            for ci in 0..c {
                let xplane = &xs[(b * c + ci) * h * wd..][..h * wd];
                for ky in 0..k {
                    for kx in 0..k {
                        let (negative, s) = match w.terms[((m * c + ci) * k + ky) * k + kx] {
                            Term::Zero => continue,
                            Term::Shift { negative, shift } => (negative, u32::from(shift)),
                        };
                        // Output columns whose input column ox*stride + kx - pad lies inside the image.
                        let ox_lo = if p.pad > kx { (p.pad - kx).div_ceil(p.stride) } else { 0 };
                        let ox_hi = match (wd + p.pad).checked_sub(kx + 1) {
                            Some(last) => ow.min(last / p.stride + 1),
                            None => 0,
                        };
                        if ox_hi <= ox_lo {
                            continue;
                        }
                        for oy in 0..oh {
                            let iy = (oy * p.stride + ky) as isize - p.pad as isize;
                            if iy < 0 || iy >= h as isize {
                                continue;
                            }
                            let xrow = &xplane[iy as usize * wd..][..wd];
                            let orow = &mut plane[oy * ow..][ox_lo..ox_hi];
                            let first = ox_lo * p.stride + kx - p.pad;
                            accumulate_row(orow, &xrow[first..], p.stride, negative, s);
                        }
                    }
                }
            }
        }
    }
    Ok(ConvOutput { shape: [n, w.m, oh, ow], data: out })
}

#[inline(always)]
fn accumulate_row<T: Accumulator>(orow: &mut [T], xrow: &[T], stride: usize, negative: bool, s: u32) {
    let xs = xrow.iter().step_by(stride);
    if negative {
        orow.iter_mut().zip(xs).for_each(|(o, &x)| *o = *o - x.shl(s));
    } else {
        orow.iter_mut().zip(xs).for_each(|(o, &x)| *o = *o + x.shl(s));
    }
}

/// The reference: the same convolution by multiplication with the decoded integer weights `±2^shift`, written as
/// directly as possible (one sum per output, bounds checked per tap).
pub fn conv2d_mul<T: Accumulator>(x: &Activations, w: &ConvWeights, p: ConvParams) -> Result<ConvOutput<T>> {
    check_accumulator::<T>(x, w)?;
    let weight = |t: Term| match t {
        Term::Zero => T::zero(),
        Term::Shift { negative, shift } => {
            let v = T::from_i32(1).shl(shift.into());
            if negative {
                -v
            } else {
                v
            }
        }
    };
    let values: Vec<T> = w.terms.iter().map(|&t| weight(t)).collect();
    direct(x, (w.m, w.c, w.k), &values, p)
}

/// Convolution with plain integer weights (MCKK, e.g. a 16-bit multiplier baseline's), by multiplication.
/// Weights must lie in `[-2^15, 2^15 - 1]`; `T` must hold the width analysis's bound for 16-bit weights.
pub fn conv2d_int<T: Accumulator>(
    x: &Activations,
    dims: (usize, usize, usize),
    weights: &[i32],
    p: ConvParams,
) -> Result<ConvOutput<T>> {
    let (m, c, k) = dims;
    if m == 0 || c == 0 || k == 0 || weights.len() != m * c * k * k {
        return Err(QuantError::Invalid(format!(
            "conv weights [{m}, {c}, {k}, {k}] need {} > 0 values, got {}",
            m * c * k * k,
            weights.len()
        )));
    }
    if let Some((i, v)) = weights.iter().enumerate().find(|(_, v)| !(-32768..=32767).contains(*v)) {
        return Err(QuantError::Invalid(format!("weight {v} at flat index {i} is outside the 16-bit range")));
    }
    let b = width::bound(x.bits.into(), Some(15), Some(15), (c * k * k) as u64)?;
    if b.width > T::BITS {
        return Err(QuantError::Overflow(format!(
            "these weights need a {}-bit accumulator, the chosen type has {} bits",
            b.width,
            T::BITS
        )));
    }
    let values: Vec<T> = weights.iter().map(|&v| T::from_i32(v)).collect();
    direct(x, dims, &values, p)
}

/// One sum per output, bounds checked per tap.
fn direct<T: Accumulator>(
    x: &Activations,
    (m, c, k): (usize, usize, usize),
    values: &[T],
    p: ConvParams,
) -> Result<ConvOutput<T>> {
    let probe = ConvWeights { m, c, k, terms: Vec::new() };
    let (oh, ow) = out_dims(x, &probe, p)?;
    let [n, _, h, wd] = x.shape;
    let mut out = Vec::with_capacity(n * m * oh * ow);
    for b in 0..n {
        for mo in 0..m {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = T::zero();
                    for ci in 0..c {
                        for ky in 0..k {
                            for kx in 0..k {
                                let iy = (oy * p.stride + ky) as isize - p.pad as isize;
                                let ix = (ox * p.stride + kx) as isize - p.pad as isize;
                                if iy < 0 || ix < 0 || iy >= h as isize || ix >= wd as isize {
                                    continue;
                                }
                                let xv = T::from_i32(x.data[((b * c + ci) * h + iy as usize) * wd + ix as usize]);
                                acc = acc + xv * values[((mo * c + ci) * k + ky) * k + kx];
                            }
                        }
                    }
                    out.push(acc);
                }
            }
        }
    }
    Ok(ConvOutput { shape: [n, m, oh, ow], data: out })
}
