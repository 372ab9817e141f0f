//! Training: the float baseline and the papers' two ways to reach power-of-two weights.
//!
//! * **Reconstructed gradient** (n-BQ-NN): every step the forward pass uses `W~ = (1 - α)·staircase(W) + α·W`
//!   with the staircase (nbq's `nbq` method, n bits) of the current float weights taken as a constant, so
//!   backpropagation through the blend gives exactly `∂L/∂W = α·∂L/∂W~`. Schedule: `α = 0.5 · 2^-e` in epoch
//!   `e = 0, 1, ...` of the quantized epochs (0.5, 0.25, 0.125, ...), then `α = 0`: the network's weights are the
//!   staircase codes exactly. (Adam normalizes the gradient's scale, so the small α of late epochs does not stall
//!   learning; it only shrinks the float weights' share of the forward pass.)
//! * **GSNQ incremental retraining**: with GSNQ's sign-based windows, quantize the largest-magnitude 50 % of each
//!   weight tensor and freeze it, retrain the rest for a third of the quantized epochs; then 75 %, then 87.5 %,
//!   then quantize all. At each stage the whole tensor (frozen values and free floats) is quantized again so that
//!   one scale group covers it, as the hardware needs.
//! * **Post-training quantization** (the baseline): the float weights quantized once, no retraining.
//!
//! The head's bias stays float (it is added in software after the FPGA's sums). All randomness comes from the seed.

use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use nbq_quant::{quantize, CodeFormat, FloatTensor, Granularity, Method, QuantizedTensor};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::{Result, TrainError};
use crate::model::{batch, predictions, FakeAct, Net};
use nbq_quant::activation::ThresholdQuantizer;

/// Training settings (validated by [`TrainConfig::check`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Epochs of float training.
    pub epochs: usize,
    /// Epochs of quantization-aware training per method and bit width.
    pub qat_epochs: usize,
    /// Adam learning rate (float and quantized training).
    pub lr: f64,
    pub batch: usize,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig { epochs: 20, qat_epochs: 10, lr: 2e-3, batch: 32, seed: 1 }
    }
}

impl TrainConfig {
    pub fn check(&self) -> Result<()> {
        let bad = |key, value: String, allowed| Err(TrainError::Setting { key, value, allowed });
        if !(self.lr.is_finite() && self.lr > 0.0 && self.lr <= 1.0) {
            return bad("lr", self.lr.to_string(), "a learning rate in (0, 1]");
        }
        if self.epochs == 0 || self.epochs > 10_000 {
            return bad("epochs", self.epochs.to_string(), "1..=10000");
        }
        if self.qat_epochs == 0 || self.qat_epochs > 10_000 {
            return bad("qat_epochs", self.qat_epochs.to_string(), "1..=10000");
        }
        if self.batch == 0 || self.batch > 65_536 {
            return bad("batch", self.batch.to_string(), "1..=65536");
        }
        Ok(())
    }
}

/// How weights become power-of-two codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuantMethod {
    /// Post-training: nbq's staircase on the float weights, no retraining.
    Ptq,
    /// n-BQ-NN's reconstructed gradient with an annealed blend.
    Rg,
    /// GSNQ's sign-based windows with incremental retraining.
    Gsnq,
}

impl QuantMethod {
    pub const ALL: [QuantMethod; 3] = [QuantMethod::Ptq, QuantMethod::Rg, QuantMethod::Gsnq];
    pub fn name(self) -> &'static str {
        match self {
            QuantMethod::Ptq => "ptq",
            QuantMethod::Rg => "rg",
            QuantMethod::Gsnq => "gsnq",
        }
    }
    /// The code method the result's tensors are labelled with.
    pub fn code_method(self) -> Method {
        match self {
            QuantMethod::Ptq | QuantMethod::Rg => Method::Nbq,
            QuantMethod::Gsnq => Method::Gsnq,
        }
    }
}

impl std::fmt::Display for QuantMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for QuantMethod {
    type Err = TrainError;
    fn from_str(s: &str) -> Result<Self> {
        QuantMethod::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| TrainError::Setting {
            key: "method",
            value: s.to_string(),
            allowed: "ptq, rg, gsnq",
        })
    }
}

/// Progress of a long run: `(stage, epoch done, epochs, mean loss of that epoch)`.
pub type Progress<'a> = &'a mut dyn FnMut(&str, usize, usize, f64);

fn as_float(net: &Net, i: usize) -> Result<FloatTensor> {
    let t = net.params[i].as_tensor();
    let (name, shape) = net.arch.tensors()?.swap_remove(i);
    Ok(FloatTensor::new(name, shape, 0, t.flatten_all()?.to_vec1::<f32>()?)?)
}

fn to_tensor(q: &QuantizedTensor) -> Result<Tensor> {
    let v: Vec<f32> = q.values().iter().map(|&x| x as f32).collect();
    Ok(Tensor::from_vec(v, q.shape().to_vec(), &Device::Cpu)?)
}

/// Quantizes every weight tensor of `net` as it is now.
pub fn quantize_net(net: &Net, bits: u32, method: Method) -> Result<Vec<QuantizedTensor>> {
    let f = CodeFormat::new(bits)?;
    (0..net.weight_count()).map(|i| Ok(quantize(&as_float(net, i)?, method, f, Granularity::Tensor)?)).collect()
}

/// Runs `epochs` epochs of Adam on `net` over `data`; `weights(net, epoch)` gives the effective weights of a step.
#[allow(clippy::too_many_arguments)]
fn run_epochs(
    net: &Net,
    data: &Dataset,
    cfg: &TrainConfig,
    lr: f64,
    epochs: usize,
    act_bits: Option<u32>,
    stage: &str,
    progress: Progress,
    mut weights: impl FnMut(&Net, usize) -> Result<Vec<Tensor>>,
) -> Result<()> {
    let mut opt = AdamW::new(net.params.clone(), ParamsAdamW { lr, weight_decay: 0.0, ..Default::default() })?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x5eed);
    let mut order: Vec<usize> = (0..data.len()).collect();
    for e in 0..epochs {
        order.shuffle(&mut rng);
        let acts = match act_bits {
            Some(b) => Some(calibrate_acts(net, &weights(net, e)?, data, b)?),
            None => None,
        };
        let (mut sum, mut steps) = (0.0, 0usize);
        for chunk in order.chunks(cfg.batch) {
            let (x, y) = batch(data, chunk)?;
            let w = weights(net, e)?;
            let loss = candle_nn::loss::cross_entropy(&net.forward(&x, &w, acts.as_deref())?, &y)?;
            opt.backward_step(&loss)?;
            sum += f64::from(loss.to_scalar::<f32>()?);
            steps += 1;
        }
        progress(stage, e + 1, epochs, sum / steps.max(1) as f64);
    }
    Ok(())
}

/// Images the training-time comparator banks are calibrated on (the first of the training split).
pub const ACT_CALIBRATION_IMAGES: usize = 500;

/// Calibrates every conv layer's comparator bank (`bits` bits; [`nbq_quant::activation`]) on the pre-activations
/// of the first training images, layer after layer through the banks already calibrated, as the integer network
/// does; the thresholds are kept in real units for the float forward pass.
pub fn calibrate_acts(net: &Net, w: &[Tensor], data: &Dataset, bits: u32) -> Result<Vec<FakeAct>> {
    let idx: Vec<usize> = (0..data.len().min(ACT_CALIBRATION_IMAGES)).collect();
    let (mut h, _) = batch(data, &idx)?;
    let mut acts = Vec::new();
    for (i, s) in net.arch.convs.iter().enumerate() {
        let pre = h.conv2d(&w[i], 0, 1, 1, 1)?;
        let samples = pre.flatten_all()?.to_vec1::<f32>()?;
        // A fine accumulator unit: the thresholds are then the real quantiles to within 1e-6.
        let lsb = 1e-6;
        let q = ThresholdQuantizer::calibrate(&samples, bits, lsb)?;
        let a = FakeAct {
            thresholds: q.thresholds.iter().map(|&t| (t as f64 * lsb) as f32).collect(),
            out_scale: q.out_scale as f32,
        };
        h = a.apply(&pre)?;
        if s.pool {
            h = h.max_pool2d(2)?;
        }
        acts.push(a);
    }
    Ok(acts)
}

/// Trains the float baseline from a seeded initialization.
pub fn train_float(net: &Net, data: &Dataset, cfg: &TrainConfig, progress: Progress) -> Result<()> {
    run_epochs(net, data, cfg, cfg.lr, cfg.epochs, None, "float", progress, |n, _| Ok(n.weights()))
}

/// Test accuracy (fraction) of the float forward pass with effective weights `w`.
pub fn accuracy(net: &Net, w: &[Tensor], data: &Dataset) -> Result<f64> {
    let mut right = 0usize;
    let idx: Vec<usize> = (0..data.len()).collect();
    for chunk in idx.chunks(500) {
        let (x, y) = batch(data, chunk)?;
        let p = predictions(&net.forward(&x, w, None)?)?;
        right += p.iter().zip(y.to_vec1::<u32>()?).filter(|(a, b)| **a == *b).count();
    }
    Ok(right as f64 / data.len().max(1) as f64)
}

/// The blend factor α of quantized epoch `e` (see the module documentation).
pub fn alpha(e: usize) -> f64 {
    0.5 * 0.5f64.powi(e as i32)
}

/// Quantizes `net`'s weights with `method` at `bits` bits, retraining `net` (a copy of the float baseline) as the
/// method prescribes; returns the final codes (the float weights in `net` are left as training left them).
pub fn quantize_with(
    method: QuantMethod,
    net: &Net,
    bits: u32,
    act_bits: Option<u32>,
    data: &Dataset,
    cfg: &TrainConfig,
    progress: Progress,
) -> Result<Vec<QuantizedTensor>> {
    let lr = cfg.lr;
    let code = method.code_method();
    match method {
        QuantMethod::Ptq => quantize_net(net, bits, code),
        QuantMethod::Rg => {
            let stage = format!("rg {bits}-bit");
            run_epochs(net, data, cfg, lr, cfg.qat_epochs, act_bits, &stage, progress, |n, e| {
                let a = alpha(e);
                let stairs = quantize_net(n, bits, code)?;
                n.params[..n.weight_count()]
                    .iter()
                    .zip(&stairs)
                    .map(|(w, q)| Ok(((w.as_tensor() * a)? + (to_tensor(q)? * (1.0 - a))?)?))
                    .collect()
            })?;
            quantize_net(net, bits, code)
        }
        QuantMethod::Gsnq => {
            let per_stage = cfg.qat_epochs.div_ceil(3);
            let mut frozen: Vec<Vec<bool>> =
                net.params[..net.weight_count()].iter().map(|v| vec![false; v.elem_count()]).collect();
            for share in [0.5, 0.75, 0.875] {
                // Freeze the largest-magnitude weights not yet frozen until `share` of each tensor is.
                for (i, fz) in frozen.iter_mut().enumerate() {
                    let w = as_float(net, i)?;
                    let mut free: Vec<usize> = (0..fz.len()).filter(|&j| !fz[j]).collect();
                    free.sort_by(|&a, &b| w.data()[b].abs().total_cmp(&w.data()[a].abs()).then(a.cmp(&b)));
                    let want = (share * fz.len() as f64).round() as usize;
                    let have = fz.len() - free.len();
                    free.iter().take(want.saturating_sub(have)).for_each(|&j| fz[j] = true);
                }
                let masks: Vec<Tensor> = frozen
                    .iter()
                    .zip(&net.params)
                    .map(|(fz, v)| {
                        let m: Vec<f32> = fz.iter().map(|&b| f32::from(u8::from(b))).collect();
                        Ok(Tensor::from_vec(m, v.shape(), &Device::Cpu)?)
                    })
                    .collect::<Result<_>>()?;
                // The frozen weights' values: this stage's GSNQ codes of the whole tensor.
                let codes = quantize_net(net, bits, code)?;
                let fixed: Vec<Tensor> = codes.iter().map(to_tensor).collect::<Result<_>>()?;
                // Pin the frozen floats to their quantized values (before and after the stage), so the next stage
                // quantizes them again as they are.
                let pin = || -> Result<()> {
                    for ((v, m), q) in net.params.iter().zip(&masks).zip(&fixed) {
                        v.set(&((v.as_tensor() * (1.0 - m)?)? + (q * m)?)?)?;
                    }
                    Ok(())
                };
                pin()?;
                let stage = format!("gsnq {bits}-bit, {:.1} % fixed", share * 100.0);
                run_epochs(net, data, cfg, lr, per_stage, act_bits, &stage, progress, |n, _| {
                    n.params[..n.weight_count()]
                        .iter()
                        .zip(masks.iter().zip(&fixed))
                        .map(|(w, (m, q))| Ok(((w.as_tensor() * (1.0 - m)?)? + (q * m)?)?))
                        .collect()
                })?;
                pin()?;
            }
            quantize_net(net, bits, code)
        }
    }
}

/// The quantized weights as tensors for [`accuracy`].
pub fn code_tensors(codes: &[QuantizedTensor]) -> Result<Vec<Tensor>> {
    codes.iter().map(to_tensor).collect()
}

/// A copy of `net` with its own parameters.
pub fn copy(net: &Net) -> Result<Net> {
    Net::from_tensors(net.arch.clone(), net.values()?)
}
