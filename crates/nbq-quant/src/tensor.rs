//! A named float weight tensor as read from a model file, validated on construction.

use crate::error::{QuantError, Result};

/// A float weight tensor: name, shape, row-major data and which axis holds the output channels.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatTensor {
    name: String,
    shape: Vec<usize>,
    channel_axis: usize,
    data: Vec<f32>,
}

impl FloatTensor {
    /// Validates shape against data length, rejects empty tensors and NaN/Inf values.
    /// `channel_axis` is the output-channel axis used by per-channel scales (0 for Conv OIHW weights).
    pub fn new(name: impl Into<String>, shape: Vec<usize>, channel_axis: usize, data: Vec<f32>) -> Result<Self> {
        let name = name.into();
        let expected = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| QuantError::Tensor {
            name: name.clone(),
            what: format!("shape {shape:?} has more elements than this machine can address"),
        })?;
        if expected == 0 || data.is_empty() {
            return Err(QuantError::EmptyTensor { name, shape });
        }
        if expected != data.len() {
            return Err(QuantError::ShapeMismatch { name, shape, expected, given: data.len() });
        }
        if !shape.is_empty() && channel_axis >= shape.len() {
            return Err(QuantError::Tensor {
                name,
                what: format!("channel axis {channel_axis} is outside its {} dimensions", shape.len()),
            });
        }
        if let Some((index, &value)) = data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(QuantError::NonFinite { name, index, value });
        }
        Ok(FloatTensor { name, shape, channel_axis, data })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    pub fn channel_axis(&self) -> usize {
        self.channel_axis
    }
    pub fn data(&self) -> &[f32] {
        &self.data
    }
    pub fn len(&self) -> usize {
        self.data.len()
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Number of output channels (1 for a scalar).
    pub fn channels(&self) -> usize {
        self.shape.get(self.channel_axis).copied().unwrap_or(1)
    }

    /// Elements that follow one step of the channel axis (the product of the later dimensions).
    pub fn channel_stride(&self) -> usize {
        self.shape.iter().skip(self.channel_axis + 1).product()
    }

    /// Flat indices grouped per output channel: calls `f(channel, values)` for each contiguous run.
    pub fn for_each_channel_run(&self, mut f: impl FnMut(usize, std::ops::Range<usize>)) {
        let stride = self.channel_stride();
        let channels = self.channels();
        for (run, start) in (0..self.data.len()).step_by(stride).enumerate() {
            f(run % channels, start..start + stride);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_is_rejected_with_its_index() {
        let e = FloatTensor::new("w", vec![3], 0, vec![1.0, f32::NAN, 2.0]).unwrap_err().to_string();
        assert_eq!(e, "tensor 'w' holds a non-finite value (NaN) at flat index 1; weights must be finite");
        let e = FloatTensor::new("w", vec![1], 0, vec![f32::NEG_INFINITY]).unwrap_err().to_string();
        assert!(e.contains("(-inf)"), "{e}");
    }

    #[test]
    fn empty_and_mismatched_tensors_are_rejected() {
        let e = FloatTensor::new("w", vec![0, 3], 0, vec![]).unwrap_err().to_string();
        assert!(e.contains("'w' is empty (shape [0, 3])"), "{e}");
        let e = FloatTensor::new("w", vec![2, 3], 0, vec![0.0; 5]).unwrap_err().to_string();
        assert!(e.contains("shape [2, 3] (6 elements) but 5 values"), "{e}");
    }

    #[test]
    fn channel_runs_cover_every_element_once() {
        let t = FloatTensor::new("w", vec![2, 3, 2], 1, vec![0.0; 12]).unwrap();
        let mut seen = vec![usize::MAX; 12];
        t.for_each_channel_run(|c, r| r.for_each(|i| seen[i] = c));
        assert_eq!(seen, vec![0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
    }
}
