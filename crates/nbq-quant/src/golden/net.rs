//! The golden model of the whole network ([`crate::net::IntNet`], the IR): integer from the input pixels to the
//! head's integer scores, as the module docs of [`crate::net`] define them.
//!
//! The convolution is a parameter of [`IntNet::classify_with`], so the same code classifies with the golden
//! model and with the emitted Verilog, and the two can only differ where the convolution sums differ.

use super::conv::{conv2d_shift, Activations, ConvOutput, ConvParams, ConvWeights};
use crate::activation::ThresholdQuantizer;
use crate::error::{QuantError, Result};
pub use crate::net::{bits_for, ConvLayer, IntNet, NetConv, NetInput, HEAD_BIAS_FRACTION_BITS};
use crate::quantized::QuantizedTensor;

impl IntNet {
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

    /// The head's integer scores of every image of `x` (the last layer's codes, NCHW, flattened in that order
    /// as PyTorch does): `(sum_f x[f] * term[c][f]) * 2^F + B[c]` with the integer bias of [`IntNet::head_bias`].
    pub fn head(&self, x: &Activations) -> Result<Vec<Vec<i128>>> {
        let [n, c, h, w] = x.shape();
        let f = c * h * w;
        let terms = self.fc.terms();
        let bias = self.head_bias()?;
        Ok((0..n)
            .map(|b| {
                let xs = &x.data()[b * f..(b + 1) * f];
                bias.iter()
                    .enumerate()
                    .map(|(cls, &bias)| {
                        let row = &terms[cls * f..(cls + 1) * f];
                        let sum: i128 =
                            xs.iter().zip(row).map(|(&v, t)| i128::from(v) * t.to_i128().unwrap_or(0)).sum();
                        (sum << HEAD_BIAS_FRACTION_BITS) + i128::from(bias)
                    })
                    .collect()
            })
            .collect())
    }

    /// The real values of the head's integer scores (`score * unit`): the logits the integer network computes.
    pub fn logits(&self, x: &Activations) -> Result<Vec<Vec<f64>>> {
        let unit = self.head_unit()?;
        Ok(self.head(x)?.iter().map(|s| s.iter().map(|&v| v as f64 * unit).collect()).collect())
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
        Ok(self.head(&x)?.iter().map(|scores| argmax(scores)).collect())
    }

    /// The head's integer scores of `n` images through the golden network (what the network top replies).
    pub fn scores(&self, pixels: &[u16], n: usize) -> Result<Vec<Vec<i128>>> {
        let mut x = self.input(pixels, n)?;
        for l in 0..self.convs.len() {
            x = self.requantize(l, &golden_conv(&x, &self.conv_weights(l)?)?)?;
        }
        self.head(&x)
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
pub fn argmax<T: PartialOrd>(v: &[T]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, x)| if *x > v[best] { i } else { best })
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
    if !(1..=8).contains(&act_bits) {
        return Err(QuantError::ActBits { given: act_bits, min: 1, max: 8 });
    }
    // A well-formed bank (the check below validates banks) until each layer is calibrated.
    let placeholder = ThresholdQuantizer {
        bits: act_bits as u8,
        thresholds: (1..(1i64 << act_bits)).collect(),
        lsb: 1.0,
        out_scale: 1.0,
        mu: 0.0,
        sigma: 0.0,
    };
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
    use crate::method::Granularity;
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
        // Head: sums in units of 2^0 * 0.5 (the fc scale times the layer's out_scale), scores in 2^-8 of that
        // (F = 8): class 0 = 3 * (+1) * 256 = 768 (1.5); class 1 = -3 * 256 + round(0.1 / (0.5 / 256)) = -768 + 51
        // = -717 (-1.40039; the float head said -1.4).
        assert_eq!(HEAD_BIAS_FRACTION_BITS, 8);
        assert_eq!(n.head_bias().unwrap(), vec![0, 51]);
        assert_eq!(n.head(&y).unwrap(), vec![vec![768, -717]]);
        let logits = n.logits(&y).unwrap();
        assert!((logits[0][0] - 1.5).abs() < 1e-12 && (logits[0][1] + 1.4).abs() < 1e-3, "{logits:?}");
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
    fn the_head_bias_rounds_to_the_nearest_unit_halves_away_from_zero() {
        let mut n = net();
        // One score unit is 0.5 / 256 = 2^-9: 2^-10 is half a unit (rounds away from zero to 1), 1.48 units gives 1,
        // -0.5 units -1, -0.4 units 0.
        let u = 0.5f32 / 256.0;
        for (bias, want) in [(u * 0.5, 1), (u * 1.48, 1), (-u * 0.5, -1), (-u * 0.4, 0)] {
            n.fc_bias = vec![bias, 0.0];
            assert_eq!(n.head_bias().unwrap()[0], want, "bias {bias}");
        }
        n.fc_bias = vec![f32::MAX, 0.0];
        n.fc = tensor("fc", vec![2, 1], vec![1, 5], -126);
        let e = n.check().unwrap_err().to_string();
        assert!(e.contains("the head's bias") && e.contains("at most 2^62 units"), "{e}");
    }

    #[test]
    fn argmax_takes_the_first_largest() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, -1.0]), 1);
        assert_eq!(pool2(&[1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 3, 3), (vec![5], 1, 1));
    }
}
