//! The LeNet-style CNN nbq trains, as candle tensors.
//!
//! `k×k` convolutions (stride 1, no padding, no bias: the SVPE engine computes exactly these), each followed by
//! a ReLU (or, quantized, the thresholded activation quantizer) and optionally a 2×2 max-pool, then one fully
//! connected layer with a bias. Tensors: `conv{i}.weight` `[M, C, k, k]`, `fc.weight` `[classes, features]`,
//! `fc.bias` `[classes]`: the names and layouts PyTorch uses for `Conv2d(bias=False)` and `Linear`.

use candle_core::{DType, Device, Tensor, Var, D};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use nbq_model::arch::{Arch, ConvSpec};

use crate::data::Dataset;
use crate::error::{Result, TrainError};

/// A fake-quantized activation for training: codes `#{t_i <= x}`, value `code * out_scale`, gradient passed
/// straight through where `0 <= x <= t_last` (the clipped straight-through estimate).
#[derive(Debug, Clone)]
pub struct FakeAct {
    pub thresholds: Vec<f32>,
    pub out_scale: f32,
}

impl FakeAct {
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let top = self.thresholds.last().copied().unwrap_or(0.0);
        let clipped = x.clamp(0f32, top)?;
        let mut codes = x.zeros_like()?;
        for &t in &self.thresholds {
            codes = (codes + x.ge(t)?.to_dtype(DType::F32)?)?;
        }
        let q = (codes * f64::from(self.out_scale))?;
        Ok((&clipped + (q - &clipped)?.detach())?)
    }
}

/// The trainable parameters, in [`Arch::tensors`] order.
#[derive(Debug)]
pub struct Net {
    pub arch: Arch,
    pub params: Vec<Var>,
}

impl Net {
    /// He-uniform initial weights from a seeded generator (deterministic), zero bias.
    pub fn init(arch: Arch, seed: u64) -> Result<Net> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut params = Vec::new();
        for (name, shape) in arch.tensors()? {
            let n: usize = shape.iter().product();
            let data: Vec<f32> = if name.ends_with(".bias") {
                vec![0.0; n]
            } else {
                let fan_in: usize = shape[1..].iter().product();
                let bound = (6.0 / fan_in as f32).sqrt();
                (0..n).map(|_| rng.random_range(-bound..bound)).collect()
            };
            params.push(Var::from_tensor(&Tensor::from_vec(data, shape, &Device::Cpu)?)?);
        }
        Ok(Net { arch, params })
    }

    /// From given tensors (checked against the architecture).
    pub fn from_tensors(arch: Arch, tensors: Vec<Vec<f32>>) -> Result<Net> {
        let want = arch.tensors()?;
        let mut params = Vec::new();
        for ((name, shape), data) in want.into_iter().zip(tensors) {
            let n: usize = shape.iter().product();
            if data.len() != n {
                return Err(TrainError::Shape(format!("{name} has {} values; shape {shape:?} needs {n}", data.len())));
            }
            params.push(Var::from_tensor(&Tensor::from_vec(data, shape, &Device::Cpu)?)?);
        }
        Ok(Net { arch, params })
    }

    /// The number of weight tensors (every parameter but the head's bias): the ones nbq quantizes.
    pub fn weight_count(&self) -> usize {
        self.params.len() - 1
    }

    /// Logits for images `x` `[B, 1, H, W]` with the effective weight tensors `w` (one per weight tensor) and, per
    /// conv layer, an optional fake-quantized activation instead of the ReLU.
    pub fn forward(&self, x: &Tensor, w: &[Tensor], acts: Option<&[FakeAct]>) -> Result<Tensor> {
        let mut h = x.clone();
        for (i, s) in self.arch.convs.iter().enumerate() {
            h = h.conv2d(&w[i], 0, 1, 1, 1)?;
            h = match acts {
                Some(a) => a[i].apply(&h)?,
                None => h.relu()?,
            };
            if s.pool {
                h = h.max_pool2d(2)?;
            }
        }
        let h = h.flatten_from(1)?;
        let fc = &w[self.arch.convs.len()];
        let bias = self.params.last().ok_or_else(|| TrainError::Shape("no parameters".into()))?;
        Ok(h.matmul(&fc.t()?)?.broadcast_add(bias.as_tensor())?)
    }

    /// The float weight tensors as they are.
    pub fn weights(&self) -> Vec<Tensor> {
        self.params[..self.weight_count()].iter().map(|v| v.as_tensor().clone()).collect()
    }

    /// Every parameter as a flat f32 vector, in order.
    pub fn values(&self) -> Result<Vec<Vec<f32>>> {
        self.params.iter().map(|v| Ok(v.as_tensor().flatten_all()?.to_vec1::<f32>()?)).collect()
    }
}

/// Images `idx` of `d` as a `[B, 1, H, W]` tensor of `pixel / max_pixel`.
pub fn batch(d: &Dataset, idx: &[usize]) -> Result<(Tensor, Tensor)> {
    let scale = 1.0 / f32::from(d.max_pixel);
    let px: Vec<f32> = idx.iter().flat_map(|&i| d.image(i).iter().map(move |&p| f32::from(p) * scale)).collect();
    let x = Tensor::from_vec(px, (idx.len(), 1, d.height, d.width), &Device::Cpu)?;
    let y =
        Tensor::from_vec(idx.iter().map(|&i| u32::from(d.labels[i])).collect::<Vec<u32>>(), idx.len(), &Device::Cpu)?;
    Ok((x, y))
}

/// Predicted classes of logits `[B, classes]`.
pub fn predictions(logits: &Tensor) -> Result<Vec<u32>> {
    Ok(logits.argmax(D::Minus1)?.to_vec1::<u32>()?)
}
