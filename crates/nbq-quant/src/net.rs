//! The network IR: the whole quantized CNN as nbq runs it, every number fixed. The golden model
//! ([`crate::golden::net`]), the hardware runner and generator, the flows and the checkpoints all read this one
//! description.
//!
//! Layers: `k×k` convolutions (stride 1, no padding, no bias) with exponent-coded weights, each followed by the
//! thresholded activation quantizer ([`crate::activation`]: its comparator bank is the ReLU and the requantizer
//! at once) and optionally a 2×2 max-pool (taken on the codes; the quantizer is monotonic, so pooling before or
//! after it is the same), then one fully connected layer (the head) with exponent-coded weights and a bias.
//!
//! Numbers, exactly:
//! * the input of layer 0 is the image's integer pixels (`0..=max_pixel`, real value `pixel / max_pixel`);
//!   the input of layer `l > 0` is the activation codes of layer `l - 1` (real value `code * out_scale`);
//! * a convolution's integer sum `acc` is worth `acc * lsb` with `lsb = 2^scale_exp * (input scale)`; its
//!   activation code is `#{ i : acc >= T_i }`;
//! * the head's integer score of class `c` is `(sum_f x[f] * term[c][f]) * 2^F + B[c]`, exact in integers, with
//!   `F` = [`HEAD_BIAS_FRACTION_BITS`]; it is worth `score * unit` with `unit = 2^(scale_exp - F) * (input
//!   scale)`, and the class is the first largest score. The integer bias is the float bias in those units rounded
//!   to the nearest integer, halves away from zero: `B[c] = round(bias[c] / unit)` ([`IntNet::head_bias`]). In
//!   hardware the `* 2^F` is wiring (F zero bits below the sum). The bias thus keeps `F` fraction bits of the
//!   sum's unit, and the rounding can move a class only where two real logits lie within `2^-(F+1)` sum units of
//!   each other. (With `F = 0` the bundled digits network classified 2 of 359 test images differently from its
//!   float-bias head.)

use serde::{Deserialize, Serialize};

use crate::activation::ThresholdQuantizer;
use crate::code::pow2;
use crate::error::{QuantError, Result};
use crate::golden::conv::ConvWeights;
use crate::method::Granularity;
use crate::quantized::QuantizedTensor;

/// Fraction bits the head keeps of its bias below the unit of its integer sums (`F` in the module docs).
pub const HEAD_BIAS_FRACTION_BITS: u32 = 8;

/// One convolution layer of the integer network.
#[derive(Debug, Clone, PartialEq)]
pub struct NetConv {
    /// `[M, C, k, k]` codes with one scale group (per-tensor granularity).
    pub weights: QuantizedTensor,
    pub act: ThresholdQuantizer,
    pub pool: bool,
}

/// The input images' geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetInput {
    pub height: usize,
    pub width: usize,
    pub max_pixel: u16,
}

/// A quantized CNN, every layer's numbers fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct IntNet {
    pub input: NetInput,
    pub convs: Vec<NetConv>,
    /// `[classes, features]` codes, one scale group.
    pub fc: QuantizedTensor,
    pub fc_bias: Vec<f32>,
}

/// Signed bits that hold `0..=max`.
pub fn bits_for(max: u64) -> u32 {
    (64 - max.leading_zeros() + 1).max(2)
}

fn single_group(q: &QuantizedTensor) -> Result<i32> {
    if q.granularity() != Granularity::Tensor {
        return Err(QuantError::Tensor {
            name: q.name().into(),
            what: "the integer network needs one scale per tensor (granularity 'tensor')".into(),
        });
    }
    Ok(q.groups()[0].scale_exp)
}

impl IntNet {
    /// Real value of one unit of layer `l`'s input.
    pub fn in_scale(&self, l: usize) -> f64 {
        if l == 0 {
            1.0 / f64::from(self.input.max_pixel)
        } else {
            self.convs[l - 1].act.out_scale
        }
    }

    /// Real value of one unit of the sum of conv layer `l` given its weights (needs per-tensor scales).
    pub fn lsb(weights: &QuantizedTensor, in_scale: f64) -> Result<f64> {
        Ok(pow2(single_group(weights)?) * in_scale)
    }

    /// Signed activation bits of layer `l`'s input (what the hardware's pixel width must be).
    pub fn in_bits(&self, l: usize) -> u32 {
        if l == 0 {
            bits_for(u64::from(self.input.max_pixel))
        } else {
            bits_for((1u64 << self.convs[l - 1].act.bits) - 1)
        }
    }

    /// `(channels, height, width)` of layer `l`'s input; `l == convs.len()` gives the head's input.
    pub fn in_dims(&self, l: usize) -> (usize, usize, usize) {
        let (mut c, mut h, mut w) = (1, self.input.height, self.input.width);
        for conv in &self.convs[..l] {
            let s = conv.weights.shape();
            (c, h, w) = (s[0], h + 1 - s[2], w + 1 - s[3]);
            if conv.pool {
                (h, w) = (h / 2, w / 2);
            }
        }
        (c, h, w)
    }

    /// The golden terms of conv layer `l`.
    pub fn conv_weights(&self, l: usize) -> Result<ConvWeights> {
        ConvWeights::from_quantized(&self.convs[l].weights)
    }

    /// Checks that the layers chain (channels, kernel shapes, the head's input size, bias length) and that each
    /// activation bank is well formed ([`ThresholdQuantizer::validate`]).
    pub fn check(&self) -> Result<()> {
        let bad = |what: String| QuantError::Invalid(format!("integer network: {what}"));
        let mut c = 1;
        let (mut h, mut w) = (self.input.height, self.input.width);
        for (l, conv) in self.convs.iter().enumerate() {
            let s = conv.weights.shape();
            if s.len() != 4 || s[1] != c || s[2] != s[3] || s[2] == 0 {
                return Err(bad(format!("conv layer {l} has weights {s:?}; expected [M, {c}, k, k]")));
            }
            if s[2] > h || s[2] > w {
                return Err(bad(format!("conv layer {l}'s {}x{} kernel is larger than its {h}x{w} input", s[2], s[2])));
            }
            single_group(&conv.weights)?;
            conv.act.validate().map_err(|why| bad(format!("conv layer {l}'s activation bank: {why}")))?;
            (c, h, w) = (s[0], h + 1 - s[2], w + 1 - s[3]);
            if conv.pool {
                if h < 2 || w < 2 {
                    return Err(bad(format!("conv layer {l}'s pool has a {h}x{w} input")));
                }
                (h, w) = (h / 2, w / 2);
            }
        }
        let s = self.fc.shape();
        if s.len() != 2 || s[1] != c * h * w || s[0] != self.fc_bias.len() || s[0] == 0 {
            return Err(bad(format!(
                "the head has weights {s:?} and {} biases; its input has {} features",
                self.fc_bias.len(),
                c * h * w
            )));
        }
        single_group(&self.fc)?;
        self.head_bias()?;
        Ok(())
    }

    /// The real value of one unit of the head's integer scores (`2^-F` of one unit of its sums).
    pub fn head_unit(&self) -> Result<f64> {
        let fraction = pow2(-(HEAD_BIAS_FRACTION_BITS as i32));
        Ok(pow2(single_group(&self.fc)?) * self.in_scale(self.convs.len()) * fraction)
    }

    /// The head's integer bias, in head units (see the module docs for the rounding).
    pub fn head_bias(&self) -> Result<Vec<i64>> {
        let unit = self.head_unit()?;
        self.fc_bias
            .iter()
            .enumerate()
            .map(|(c, &b)| {
                let v = (f64::from(b) / unit).round();
                if v.is_finite() && v.abs() < 2f64.powi(62) {
                    Ok(v as i64)
                } else {
                    Err(QuantError::Invalid(format!(
                        "integer network: the head's bias {b} of class {c} is {v} units of {unit:e}; at most 2^62 \
                         units are allowed"
                    )))
                }
            })
            .collect()
    }
}

/// The shape and widths of one conv layer, as a generator or a runner needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvLayer {
    pub in_channels: usize,
    pub out_channels: usize,
    pub k: usize,
    /// The layer's input image (before the convolution).
    pub in_height: usize,
    pub in_width: usize,
    /// Signed bits of the input activations.
    pub in_bits: u32,
    pub code_bits: u32,
    /// GSNQ's per-sign offsets (positive, negative) of the layer's weights.
    pub offsets: (u8, u8),
    /// Activation bits of the layer's output codes.
    pub out_bits: u8,
    pub pool: bool,
}

impl IntNet {
    /// Conv layer `l`'s shape and widths.
    pub fn conv_layer(&self, l: usize) -> ConvLayer {
        let conv = &self.convs[l];
        let s = conv.weights.shape();
        let (_, h, w) = self.in_dims(l);
        let g = conv.weights.groups()[0];
        ConvLayer {
            in_channels: s[1],
            out_channels: s[0],
            k: s[2],
            in_height: h,
            in_width: w,
            in_bits: self.in_bits(l),
            code_bits: u32::from(conv.weights.format().bits()),
            offsets: (g.offset_pos, g.offset_neg),
            out_bits: conv.act.bits,
            pool: conv.pool,
        }
    }
}
