//! Weight quantization methods: each picks, per scale group, a staircase per sign (see [`rule`]) and a
//! [`ScaleGroup`]; [`quantize`] then encodes every weight with it.

mod gsnq;
mod inq;
mod log_round;
mod nbq;
pub mod rule;
pub mod search;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::code::{CodeFormat, ScaleGroup};
use crate::error::{QuantError, Result};
use crate::quantized::QuantizedTensor;
use crate::tensor::FloatTensor;
use rule::SignRule;
use search::GroupStats;

pub use log_round::round_log2;

/// A weight quantization method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// n-BQ-NN staircase, thresholds keep the weights' mean and variance
    Nbq,
    /// sign(w)·2^round(log2|w|), clipped to the window (LogQuant / DeepShift-Q)
    LogRound,
    /// INQ's levels: top exponent floor(log2(4·max|W|/3)), nearest level
    Inq,
    /// GSNQ: separate exponent windows for positive and negative weights, each minimizing its squared error
    Gsnq,
}

impl Method {
    pub const ALL: [Method; 4] = [Method::Nbq, Method::LogRound, Method::Inq, Method::Gsnq];

    pub fn name(self) -> &'static str {
        match self {
            Method::Nbq => "nbq",
            Method::LogRound => "log-round",
            Method::Inq => "inq",
            Method::Gsnq => "gsnq",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = QuantError;
    fn from_str(s: &str) -> Result<Self> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| QuantError::Invalid(format!("unknown method '{s}'; allowed: nbq, log-round, inq, gsnq")))
    }
}

/// Whether one scale group covers the whole tensor or each output channel has its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Granularity {
    /// one scale for the whole tensor
    #[default]
    Tensor,
    /// one scale per output channel
    Channel,
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Granularity::Tensor => "tensor",
            Granularity::Channel => "channel",
        })
    }
}

fn choose(method: Method, stats: &GroupStats, format: CodeFormat) -> Result<([SignRule; 2], ScaleGroup)> {
    Ok(match method {
        Method::Nbq => {
            let (r, g) = nbq::choose(stats, format);
            ([r, r], g)
        }
        Method::LogRound => {
            let (r, g) = log_round::choose(stats, format);
            ([r, r], g)
        }
        Method::Inq => {
            let (r, g) = inq::choose(stats, format);
            ([r, r], g)
        }
        Method::Gsnq => {
            let (p, n, g) = gsnq::choose(stats, format)?;
            ([p, n], g)
        }
    })
}

/// Encodes `data` with the per-sign rules `[positive, negative]`.
fn encode(data: &[f32], rules: &[SignRule; 2], format: CodeFormat, out: &mut [u8]) {
    match (rules[0].for_f32(), rules[1].for_f32()) {
        (Some(p), Some(n)) => encode_f32(data, [p, n], format, out),
        _ => encode_f64(data, rules, format, out),
    }
}

/// The branch-free hot loop on f32 bits (see [`rule::F32Rule`]).
fn encode_f32(data: &[f32], rules: [rule::F32Rule; 2], format: CodeFormat, out: &mut [u8]) {
    let sign_shift = format.bits() - 1;
    if !format.has_zero() {
        for (&w, o) in data.iter().zip(out.iter_mut()) {
            *o = u8::from(w < 0.0);
        }
        return;
    }
    let [p, n] = rules;
    for (&w, o) in data.iter().zip(out.iter_mut()) {
        let negative = w < 0.0;
        let a = w.to_bits() & 0x7fff_ffff;
        let (zero_bits, base) = if negative { (n.zero_bits, n.base_bits) } else { (p.zero_bits, p.base_bits) };
        let level = ((a as i32 - base) >> 23).clamp(0, p.top) as u8;
        let code = (u8::from(negative) << sign_shift) | (level + 1);
        *o = if a < zero_bits { 0 } else { code };
    }
}

/// The general loop (boundaries outside the normal f32 range).
fn encode_f64(data: &[f32], rules: &[SignRule; 2], format: CodeFormat, out: &mut [u8]) {
    for (&w, o) in data.iter().zip(out.iter_mut()) {
        let negative = w < 0.0;
        let rule = &rules[usize::from(negative)];
        *o = match rule.index(f64::from(w.abs())) {
            None => CodeFormat::ZERO,
            Some(j) => format.encode(negative, j),
        };
    }
}

/// Quantizes one tensor with `method` to `format`, one scale group per tensor or per output channel.
pub fn quantize(
    t: &FloatTensor,
    method: Method,
    format: CodeFormat,
    granularity: Granularity,
) -> Result<QuantizedTensor> {
    let mut codes = vec![0u8; t.len()];
    let groups = match granularity {
        Granularity::Tensor => {
            let stats = GroupStats::gather(t.data().iter(), t.len());
            let (rules, group) = choose(method, &stats, format)?;
            encode(t.data(), &rules, format, &mut codes);
            vec![group]
        }
        Granularity::Channel => {
            let channels = t.channels();
            let mut runs: Vec<Vec<std::ops::Range<usize>>> = vec![Vec::new(); channels];
            t.for_each_channel_run(|c, r| runs[c].push(r));
            let mut groups = Vec::with_capacity(channels);
            for ranges in &runs {
                let len = ranges.iter().map(|r| r.len()).sum();
                let stats = GroupStats::gather(ranges.iter().flat_map(|r| t.data()[r.clone()].iter()), len);
                let (rules, group) = choose(method, &stats, format)?;
                for r in ranges {
                    encode(&t.data()[r.clone()], &rules, format, &mut codes[r.clone()]);
                }
                groups.push(group);
            }
            groups
        }
    };
    for g in &groups {
        g.check(format)?;
    }
    // Codes are legal by construction (encode only emits `format.encode` codes and 0).
    Ok(QuantizedTensor::from_parts(
        t.name(),
        t.shape().to_vec(),
        t.channel_axis(),
        format,
        method,
        granularity,
        groups,
        codes,
    ))
}
