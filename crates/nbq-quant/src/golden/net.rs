//! The whole quantized CNN as nbq runs it: integer from the input pixels to the logits' integer sums.
//!
//! Layers: `k×k` convolutions (stride 1, no padding, no bias) with exponent-coded weights, each followed by the
//! thresholded activation quantizer ([`crate::activation`]: its comparator bank is the ReLU and the requantizer
//! at once) and optionally a 2×2 max-pool (taken on the codes; the quantizer is monotonic, so pooling before or
//! after it is the same), then one fully connected layer with exponent-coded weights and a float bias.
//!
//! Numbers, exactly:
//! * the input of layer 0 is the image's integer pixels (`0..=max_pixel`, real value `pixel / max_pixel`);
//!   the input of layer `l > 0` is the activation codes of layer `l - 1` (real value `code * out_scale`);
//! * a convolution's integer sum `acc` (the golden shift-convolution; on the FPGA, the SVPE engine) is worth
//!   `acc * lsb` with `lsb = 2^scale_exp * (input scale)`; its activation code is `#{ i : acc >= T_i }`;
//! * the head: `logit[c] = (sum_f x[f] * term[c][f]) * 2^scale_exp * (input scale) + bias[c]`, the sum exact
//!   in integers, the rest in f64; the class is the first largest logit.
//!
//! The convolution is a parameter of [`IntNet::classify_with`], so the same code classifies with the golden
//! model and with the emitted Verilog, and the two can only differ where the convolution sums differ.

use serde::{Deserialize, Serialize};

use super::conv::{conv2d_shift, Activations, ConvOutput, ConvParams, ConvWeights};
use crate::activation::ThresholdQuantizer;
use crate::code::pow2;
use crate::error::{QuantError, Result};
use crate::method::Granularity;
use crate::quantized::QuantizedTensor;

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

    /// Checks that the layers chain: channels, kernel shapes, the head's input size, bias length.
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
        Ok(())
    }

    /// Integer input activations of a batch of images (`n * height * width` pixels).
    pub fn input(&self, pixels: &[u16], n: usize) -> Result<Activations> {
        Activations::new(
            [n, 1, self.input.height, self.input.width],
            self.in_bits(0),
            pixels.iter().map(|&p| i32::from(p)).collect(),
        )
    }

    /// Layer `l`'s output codes (pooled if the layer pools) from its convolution sums; the next layer's input.
    pub fn requantize(&self, l: usize, acc: &ConvOutput<i64>) -> Result<Activations> {
        let [n, m, oh, ow] = acc.shape;
        let q = &self.convs[l].act;
        let codes: Vec<i32> = acc.data.iter().map(|&a| q.code(a) as i32).collect();
        let (data, h, w) = if self.convs[l].pool { pool2(&codes, n * m, oh, ow) } else { (codes, oh, ow) };
        Activations::new([n, m, h, w], self.in_bits(l + 1), data)
    }

    /// The logits of every image of `x` (the last layer's codes, NCHW, flattened in that order as PyTorch does).
    pub fn head(&self, x: &Activations) -> Vec<Vec<f64>> {
        let [n, c, h, w] = x.shape();
        let f = c * h * w;
        let terms = self.fc.terms();
        let unit = pow2(self.fc.groups()[0].scale_exp) * self.in_scale(self.convs.len());
        (0..n)
            .map(|b| {
                let xs = &x.data()[b * f..(b + 1) * f];
                self.fc_bias
                    .iter()
                    .enumerate()
                    .map(|(cls, &bias)| {
                        let row = &terms[cls * f..(cls + 1) * f];
                        let sum: i128 =
                            xs.iter().zip(row).map(|(&v, t)| i128::from(v) * t.to_i128().unwrap_or(0)).sum();
                        sum as f64 * unit + f64::from(bias)
                    })
                    .collect()
            })
            .collect()
    }

    /// Classifies `n` images, computing every convolution with `conv(layer, input, weights)`.
    pub fn classify_with<E: From<QuantError>>(
        &self,
        pixels: &[u16],
        n: usize,
        mut conv: impl FnMut(usize, &Activations, &ConvWeights) -> std::result::Result<ConvOutput<i64>, E>,
    ) -> std::result::Result<Vec<usize>, E> {
        let mut x = self.input(pixels, n)?;
        for l in 0..self.convs.len() {
            let acc = conv(l, &x, &self.conv_weights(l)?)?;
            x = self.requantize(l, &acc)?;
        }
        Ok(self.head(&x).iter().map(|logits| argmax(logits)).collect())
    }

    /// Classifies with the golden shift-convolution.
    pub fn classify(&self, pixels: &[u16], n: usize) -> Result<Vec<usize>> {
        self.classify_with(pixels, n, |_, x, w| golden_conv(x, w))
    }
}

/// The golden convolution of one layer (stride 1, no padding) in 64-bit sums.
pub fn golden_conv(x: &Activations, w: &ConvWeights) -> Result<ConvOutput<i64>> {
    conv2d_shift::<i64>(x, w, ConvParams::default())
}

/// The first index of the largest value.
pub fn argmax(v: &[f64]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

/// 2×2 max-pool, stride 2 (odd edges dropped), of `planes` planes of `h × w`.
pub fn pool2(x: &[i32], planes: usize, h: usize, w: usize) -> (Vec<i32>, usize, usize) {
    let (ph, pw) = (h / 2, w / 2);
    let mut out = Vec::with_capacity(planes * ph * pw);
    for p in 0..planes {
        let plane = &x[p * h * w..(p + 1) * h * w];
        for y in 0..ph {
            for xx in 0..pw {
                let at = |dy: usize, dx: usize| plane[(2 * y + dy) * w + 2 * xx + dx];
                out.push(at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1)));
            }
        }
    }
    (out, ph, pw)
}

/// Builds the integer network from quantized layers, calibrating each layer's comparator bank (`act_bits` bits)
/// on the real pre-activations of `calib` (`n` images) as the integer network itself computes them.
pub fn calibrate(
    input: NetInput,
    convs: Vec<(QuantizedTensor, bool)>,
    fc: QuantizedTensor,
    fc_bias: Vec<f32>,
    act_bits: u32,
    calib: &[u16],
    n: usize,
) -> Result<IntNet> {
    let placeholder =
        ThresholdQuantizer { bits: act_bits as u8, thresholds: vec![], lsb: 1.0, out_scale: 1.0, mu: 0.0, sigma: 0.0 };
    let mut net = IntNet {
        input,
        convs: convs.into_iter().map(|(weights, pool)| NetConv { weights, act: placeholder.clone(), pool }).collect(),
        fc,
        fc_bias,
    };
    net.check()?;
    let mut x = net.input(calib, n)?;
    for l in 0..net.convs.len() {
        let lsb = IntNet::lsb(&net.convs[l].weights, net.in_scale(l))?;
        let acc = golden_conv(&x, &net.conv_weights(l)?)?;
        let samples: Vec<f32> = acc.data.iter().map(|&a| (a as f64 * lsb) as f32).collect();
        net.convs[l].act = ThresholdQuantizer::calibrate(&samples, act_bits, lsb)?;
        x = net.requantize(l, &acc)?;
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::{CodeFormat, ScaleGroup};
    use crate::method::Method;

    fn tensor(name: &str, shape: Vec<usize>, codes: Vec<u8>, scale_exp: i32) -> QuantizedTensor {
        let f = CodeFormat::new(3).unwrap();
        QuantizedTensor::new(
            name,
            shape,
            0,
            f,
            Method::Nbq,
            Granularity::Tensor,
            vec![ScaleGroup { scale_exp, offset_pos: 0, offset_neg: 0 }],
            codes,
        )
        .unwrap()
    }

    fn net() -> IntNet {
        let q =
            |t: Vec<i64>| ThresholdQuantizer { bits: 2, thresholds: t, lsb: 0.25, out_scale: 0.5, mu: 0.0, sigma: 1.0 };
        // One 2x2 conv of a 3x3 image with weights +1, +2, -1, 0 (codes: 1 = 2^0, 2 = 2^1, 5 = -2^0, 0), then a
        // 2x2 pool and a head of 2 classes.
        IntNet {
            input: NetInput { height: 3, width: 3, max_pixel: 4 },
            convs: vec![NetConv {
                weights: tensor("c", vec![1, 1, 2, 2], vec![1, 2, 5, 0], -2),
                act: q(vec![1, 3, 6]),
                pool: true,
            }],
            fc: tensor("fc", vec![2, 1], vec![1, 5], 0),
            fc_bias: vec![0.0, 0.1],
        }
    }

    #[test]
    fn layers_compute_as_documented() {
        let n = net();
        n.check().unwrap();
        assert_eq!(n.in_bits(0), 4);
        assert_eq!(n.in_bits(1), 3);
        assert_eq!(n.in_dims(1), (1, 1, 1));
        // Image 0, 1, 2 / 3, 4, 4 / 4, 4, 4: window sums a + 2b - c: 0+2-3 = -1, 1+4-4 = 1, 3+8-4 = 7,
        // 4+8-4 = 8; codes (thresholds 1, 3, 6) 0, 1, 3, 3; pooled: 3.
        let img: Vec<u16> = (0..9).map(|v| v.min(4)).collect();
        let x = n.input(&img, 1).unwrap();
        let acc = golden_conv(&x, &n.conv_weights(0).unwrap()).unwrap();
        assert_eq!(acc.data, vec![-1, 1, 7, 8]);
        let y = n.requantize(0, &acc).unwrap();
        assert_eq!(y.data(), &[3]);
        // Head: class 0 = 3 * (+1) * 0.5 = 1.5; class 1 = 3 * (-1) * 0.5 + 0.1 = -1.4.
        let logits = n.head(&y);
        assert!((logits[0][0] - 1.5).abs() < 1e-12 && (logits[0][1] + 1.4).abs() < 1e-6, "{logits:?}");
        assert_eq!(n.classify(&img, 1).unwrap(), vec![0]);
    }

    #[test]
    fn mismatched_layers_are_refused() {
        let mut n = net();
        n.fc_bias.push(0.0);
        let e = n.check().unwrap_err().to_string();
        assert!(e.contains("the head has weights [2, 1] and 3 biases"), "{e}");
    }

    #[test]
    fn argmax_takes_the_first_largest() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, -1.0]), 1);
        assert_eq!(pool2(&[1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 3, 3), (vec![5], 1, 1));
    }
}
