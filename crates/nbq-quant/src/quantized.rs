//! A quantized tensor: shape, format, scale groups and one code per weight, validated on construction.

use crate::code::{CodeFormat, ScaleGroup, Term};
use crate::error::{QuantError, Result};
use crate::method::{Granularity, Method};

/// One tensor's codes; every code is legal for `format` and the group count fits the granularity.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedTensor {
    name: String,
    shape: Vec<usize>,
    channel_axis: usize,
    format: CodeFormat,
    method: Method,
    granularity: Granularity,
    groups: Vec<ScaleGroup>,
    codes: Vec<u8>,
}

impl QuantizedTensor {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: impl Into<String>,
        shape: Vec<usize>,
        channel_axis: usize,
        format: CodeFormat,
        method: Method,
        granularity: Granularity,
        groups: Vec<ScaleGroup>,
        codes: Vec<u8>,
    ) -> Result<Self> {
        let name = name.into();
        let bad = |what: String| QuantError::Tensor { name: name.clone(), what };
        let expected: usize = shape.iter().product();
        if expected != codes.len() {
            return Err(QuantError::ShapeMismatch { name, shape, expected, given: codes.len() });
        }
        if !shape.is_empty() && channel_axis >= shape.len() {
            return Err(bad(format!("channel axis {channel_axis} is outside its {} dimensions", shape.len())));
        }
        let channels = shape.get(channel_axis).copied().unwrap_or(1);
        let want_groups = match granularity {
            Granularity::Tensor => 1,
            Granularity::Channel => channels,
        };
        if groups.len() != want_groups {
            return Err(bad(format!(
                "{} scale groups given, but granularity '{granularity}' with {channels} channels needs {want_groups}",
                groups.len()
            )));
        }
        for g in &groups {
            g.check(format)?;
        }
        for (i, &c) in codes.iter().enumerate() {
            format.split(c).map_err(|e| bad(format!("code at flat index {i}: {e}")))?;
        }
        Ok(Self::from_parts(&name, shape, channel_axis, format, method, granularity, groups, codes))
    }

    /// For the quantizers, whose codes are legal by construction; checked in debug builds.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        name: &str,
        shape: Vec<usize>,
        channel_axis: usize,
        format: CodeFormat,
        method: Method,
        granularity: Granularity,
        groups: Vec<ScaleGroup>,
        codes: Vec<u8>,
    ) -> Self {
        debug_assert!(codes.iter().all(|&c| format.split(c).is_ok()));
        QuantizedTensor { name: name.to_string(), shape, channel_axis, format, method, granularity, groups, codes }
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
    pub fn format(&self) -> CodeFormat {
        self.format
    }
    pub fn method(&self) -> Method {
        self.method
    }
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }
    pub fn groups(&self) -> &[ScaleGroup] {
        &self.groups
    }
    pub fn codes(&self) -> &[u8] {
        &self.codes
    }
    pub fn len(&self) -> usize {
        self.codes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The scale group of the weight at flat index `i`.
    pub fn group_of(&self, i: usize) -> ScaleGroup {
        match self.granularity {
            Granularity::Tensor => self.groups[0],
            Granularity::Channel => {
                let stride: usize = self.shape.iter().skip(self.channel_axis + 1).product();
                self.groups[(i / stride) % self.groups.len()]
            }
        }
    }

    /// Every weight's real value.
    pub fn values(&self) -> Vec<f64> {
        self.codes
            .iter()
            .enumerate()
            .map(|(i, &c)| self.group_of(i).value(self.format, c).unwrap_or(f64::NAN))
            .collect()
    }

    /// Every weight's integer term `±2^shift` (value divided by its group's `2^scale_exp`).
    pub fn terms(&self) -> Vec<Term> {
        self.codes
            .iter()
            .enumerate()
            .map(|(i, &c)| self.group_of(i).term(self.format, c).unwrap_or(Term::Zero))
            .collect()
    }
}
