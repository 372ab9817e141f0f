//! The shape of the network nbq trains and checkpoints: the input images, the kernel size, and each conv layer's
//! channels and pooling; the head is one fully connected layer with a bias. Tensors: `conv{i}.weight`
//! `[M, C, k, k]`, `fc.weight` `[classes, features]`, `fc.bias` `[classes]`: the names and layouts PyTorch uses for
//! `Conv2d(bias=False)` and `Linear`.

use serde::{Deserialize, Serialize};

use crate::data::{Dataset, DatasetShape};
use crate::error::{ModelError, Result};

/// One convolution layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvSpec {
    pub channels: usize,
    pub pool: bool,
}

/// The network's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arch {
    pub input: DatasetShape,
    pub k: usize,
    pub convs: Vec<ConvSpec>,
}

impl Arch {
    /// The bundled LeNet-style network for a data set: 3×3 convolutions of 8 then 16 channels; 2×2 pooling after
    /// both on images of 20 pixels or more (MNIST: 28 -> 26 -> 13 -> 11 -> 5), after the second only on smaller
    /// ones (digits: 8 -> 6 -> 4 -> 2).
    pub fn lenet(input: DatasetShape) -> Arch {
        let big = input.height.min(input.width) >= 20;
        Arch { input, k: 3, convs: vec![ConvSpec { channels: 8, pool: big }, ConvSpec { channels: 16, pool: true }] }
    }

    /// `(channels, height, width)` after conv layer `l` (after its pool); `None` if the image runs out.
    fn dims_after(&self, l: usize) -> Option<(usize, usize, usize)> {
        let (mut h, mut w) = (self.input.height, self.input.width);
        let mut c = 1;
        for s in &self.convs[..=l] {
            h = h.checked_sub(self.k - 1)?;
            w = w.checked_sub(self.k - 1)?;
            if s.pool {
                (h, w) = (h / 2, w / 2);
            }
            if h == 0 || w == 0 {
                return None;
            }
            c = s.channels;
        }
        Some((c, h, w))
    }

    /// Features entering the head.
    pub fn features(&self) -> Result<usize> {
        if self.k == 0 || self.convs.is_empty() || self.convs.iter().any(|s| s.channels == 0) {
            return Err(ModelError::Shape(format!("k = {} with conv layers {:?}", self.k, self.convs)));
        }
        let (c, h, w) = self.dims_after(self.convs.len() - 1).ok_or_else(|| {
            ModelError::Shape(format!(
                "{} conv layers of {}x{} kernels leave nothing of a {}x{} image",
                self.convs.len(),
                self.k,
                self.k,
                self.input.height,
                self.input.width
            ))
        })?;
        Ok(c * h * w)
    }

    /// Every parameter tensor's name and shape, in order.
    pub fn tensors(&self) -> Result<Vec<(String, Vec<usize>)>> {
        let mut v = Vec::new();
        let mut c = 1;
        for (i, s) in self.convs.iter().enumerate() {
            v.push((format!("conv{i}.weight"), vec![s.channels, c, self.k, self.k]));
            c = s.channels;
        }
        v.push(("fc.weight".into(), vec![self.input.classes, self.features()?]));
        v.push(("fc.bias".into(), vec![self.input.classes]));
        Ok(v)
    }

    /// Refuses data of another shape than the network was built for.
    pub fn check_data(&self, d: &Dataset) -> Result<()> {
        let s = d.shape();
        if (s.height, s.width, s.classes) != (self.input.height, self.input.width, self.input.classes) {
            return Err(ModelError::Shape(format!(
                "the network takes {}x{} images of {} classes; data set '{}' has {}x{} images of {} classes",
                self.input.height, self.input.width, self.input.classes, d.name, s.height, s.width, s.classes
            )));
        }
        Ok(())
    }
}
