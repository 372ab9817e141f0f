//! Property tests of the quantization methods against their written definitions.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use nbq_quant::code::pow2;
use nbq_quant::method::search::GroupStats;
use nbq_quant::{quantize, CodeFormat, FloatTensor, Granularity, Method, QuantizedTensor};
use proptest::prelude::*;

fn weights() -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(
        prop_oneof![
            4 => -1.0f32..1.0,
            1 => -100.0f32..100.0,
            1 => -1e-3f32..1e-3,
            1 => Just(0.0f32),
            1 => prop::num::f32::NORMAL.prop_filter("moderate", |v| v.abs() < 1e30 && v.abs() > 1e-30),
        ],
        1..300,
    )
}

fn tensor(data: Vec<f32>) -> FloatTensor {
    let n = data.len();
    FloatTensor::new("w", vec![n], 0, data).unwrap()
}

/// Every legal level of a group: 0 (if the format has it) and ±2^(scale + offset_s + j).
fn is_legal(q: &QuantizedTensor, i: usize, v: f64) -> bool {
    let (f, g) = (q.format(), q.group_of(i));
    if v == 0.0 {
        return f.has_zero();
    }
    let off = if v < 0.0 { g.offset_neg } else { g.offset_pos };
    (0..f.magnitudes()).any(|j| v.abs() == pow2(g.scale_exp + i32::from(off) + i32::from(j)))
}

fn mse(w: &[f32], q: &QuantizedTensor) -> f64 {
    w.iter().zip(q.values()).map(|(&a, b)| (f64::from(a) - b).powi(2)).sum::<f64>() / w.len() as f64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_decoded_value_is_a_legal_level(w in weights(), bits in 1u32..=8, m in 0usize..4, per_channel: bool) {
        let n = w.len();
        let (shape, gran) = if per_channel && n % 3 == 0 {
            (vec![3, n / 3], Granularity::Channel)
        } else {
            (vec![n], Granularity::Tensor)
        };
        let t = FloatTensor::new("w", shape, 0, w).unwrap();
        let q = quantize(&t, Method::ALL[m], CodeFormat::new(bits).unwrap(), gran).unwrap();
        for (i, v) in q.values().into_iter().enumerate() {
            prop_assert!(is_legal(&q, i, v), "value {v} at {i} is not a level of {:?}", q.group_of(i));
        }
        // Signs are never flipped.
        for (&a, v) in t.data().iter().zip(q.values()) {
            prop_assert!(v == 0.0 || (a < 0.0) == (v < 0.0), "{a} -> {v}");
        }
    }

    #[test]
    fn log_round_matches_the_direct_formula(w in weights(), bits in 1u32..=8) {
        let f = CodeFormat::new(bits).unwrap();
        let q = quantize(&tensor(w.clone()), Method::LogRound, f, Granularity::Tensor).unwrap();
        let max = w.iter().map(|v| f64::from(v.abs())).fold(0.0, f64::max);
        let e_hi = if max > 0.0 { max.log2().round() as i32 } else { 0 };
        let e_lo = e_hi - i32::from(f.magnitudes()) + 1;
        for (&x, got) in w.iter().zip(q.values()) {
            let sign = if x < 0.0 { -1.0 } else { 1.0 };
            let want = if !f.has_zero() {
                sign * pow2(e_hi)
            } else if x == 0.0 {
                0.0
            } else {
                let e = f64::from(x.abs()).log2().round() as i32;
                if e < e_lo { 0.0 } else { sign * pow2(e.min(e_hi)) }
            };
            prop_assert_eq!(got, want, "w = {}", x);
        }
    }

    #[test]
    fn one_bit_is_the_sign_function(w in weights(), m in 0usize..4) {
        let f = CodeFormat::new(1).unwrap();
        let q = quantize(&tensor(w.clone()), Method::ALL[m], f, Granularity::Tensor).unwrap();
        let g = q.groups()[0];
        for (&x, v) in w.iter().zip(q.values()) {
            let off = if x < 0.0 { g.offset_neg } else { g.offset_pos };
            let mag = pow2(g.scale_exp + i32::from(off));
            prop_assert_eq!(v, if x < 0.0 { -mag } else { mag });
        }
        if Method::ALL[m] != Method::Gsnq {
            prop_assert_eq!((g.offset_pos, g.offset_neg), (0, 0));
        }
    }

    #[test]
    fn inq_picks_the_nearest_level(w in weights(), bits in 2u32..=8) {
        let f = CodeFormat::new(bits).unwrap();
        let q = quantize(&tensor(w.clone()), Method::Inq, f, Granularity::Tensor).unwrap();
        let max = w.iter().map(|v| f64::from(v.abs())).fold(0.0, f64::max);
        let n1 = if max > 0.0 { (4.0 * max / 3.0).log2().floor() as i32 } else { 0 };
        let g = q.groups()[0];
        prop_assert_eq!(g.scale_exp, n1 - i32::from(f.magnitudes()) + 1);
        for (&x, v) in w.iter().zip(q.values()) {
            let a = f64::from(x.abs());
            let best = std::iter::once(0.0)
                .chain((0..f.magnitudes()).map(|j| pow2(g.scale_exp + i32::from(j))))
                .map(|l| (a - l).abs())
                .fold(f64::INFINITY, f64::min);
            prop_assert!(((a - v.abs()).abs() - best).abs() <= 1e-12 * a.max(1e-30), "w = {x}: got {v}, nearest error {best}");
        }
    }

    #[test]
    fn gsnq_never_loses_to_a_shared_window(w in weights(), bits in 2u32..=8) {
        // On tensors small enough to be searched whole, each sign's own window is at least as good as INQ's.
        let f = CodeFormat::new(bits).unwrap();
        let t = tensor(w.clone());
        let g = quantize(&t, Method::Gsnq, f, Granularity::Tensor).unwrap();
        let i = quantize(&t, Method::Inq, f, Granularity::Tensor).unwrap();
        prop_assert!(mse(&w, &g) <= mse(&w, &i) * (1.0 + 1e-9) + 1e-300, "gsnq {} > inq {}", mse(&w, &g), mse(&w, &i));
    }

    #[test]
    fn nbq_keeps_the_moments_at_least_as_well_as_inq(w in weights(), bits in 2u32..=8) {
        let f = CodeFormat::new(bits).unwrap();
        let t = tensor(w.clone());
        let mismatch = |q: &QuantizedTensor| {
            let n = w.len() as f64;
            let v = q.values();
            let (mw, mq) = (w.iter().map(|&x| f64::from(x)).sum::<f64>() / n, v.iter().sum::<f64>() / n);
            let vw = w.iter().map(|&x| (f64::from(x) - mw).powi(2)).sum::<f64>() / n;
            let vq = v.iter().map(|&x| (x - mq).powi(2)).sum::<f64>() / n;
            let d = (mq - mw).powi(2) + (vq.sqrt() - vw.sqrt()).powi(2);
            if vw > 0.0 { d / vw } else { d }
        };
        let nb = quantize(&t, Method::Nbq, f, Granularity::Tensor).unwrap();
        let inq = quantize(&t, Method::Inq, f, Granularity::Tensor).unwrap();
        prop_assert!(mismatch(&nb) <= mismatch(&inq) + 0.01 + 1e-9, "nbq {} vs inq {}", mismatch(&nb), mismatch(&inq));
    }
}

#[test]
fn three_bit_nbq_uses_the_papers_levels() {
    // Weights in [-1, 1]: the staircase's levels are {0, ±1/4, ±1/2, ±1} (up to a power-of-two scale).
    let w: Vec<f32> = (0..1000).map(|i| ((i as f32) * 0.618).sin()).collect();
    let q = quantize(&tensor(w), Method::Nbq, CodeFormat::new(3).unwrap(), Granularity::Tensor).unwrap();
    let mut levels: Vec<f64> = q.values();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let top = levels.last().copied().unwrap();
    let want: Vec<f64> = [-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0].iter().map(|v| v * top).collect();
    assert_eq!(levels, want);
}

#[test]
fn per_channel_scales_follow_each_channel() {
    // Channel 0 is 1000x larger than channel 1: each gets its own scale exponent.
    let mut w = vec![0.0f32; 2 * 50];
    for i in 0..50 {
        w[i] = ((i as f32) * 0.3).sin();
        w[50 + i] = 1e-3 * ((i as f32) * 0.7).cos();
    }
    let t = FloatTensor::new("w", vec![2, 50], 0, w).unwrap();
    let q = quantize(&t, Method::Inq, CodeFormat::new(4).unwrap(), Granularity::Channel).unwrap();
    let (a, b) = (q.groups()[0].scale_exp, q.groups()[1].scale_exp);
    assert!(a - b >= 9, "scales {a} and {b} should differ by ~log2(1000)");
    let tq = quantize(&t, Method::Inq, CodeFormat::new(4).unwrap(), Granularity::Tensor).unwrap();
    let err = |q: &QuantizedTensor| {
        t.data()[50..].iter().zip(&q.values()[50..]).map(|(&x, y)| (f64::from(x) - y).powi(2)).sum::<f64>()
    };
    assert!(err(&q) < err(&tq) / 10.0, "per-channel scale must fit the small channel much better");
}

#[test]
fn gsnq_gives_each_sign_its_own_window() {
    // Positive weights near 1, negative near -1/64: the windows must differ.
    let w: Vec<f32> =
        (0..400).map(|i| if i % 2 == 0 { 0.6 + 0.001 * i as f32 } else { -0.012 - 0.00001 * i as f32 }).collect();
    let f = CodeFormat::new(3).unwrap();
    let q = quantize(&tensor(w.clone()), Method::Gsnq, f, Granularity::Tensor).unwrap();
    let g = q.groups()[0];
    assert!(g.offset_pos >= 4 && g.offset_neg == 0, "{g:?}");
    let inq = quantize(&tensor(w.clone()), Method::Inq, f, Granularity::Tensor).unwrap();
    // The shared window flushes every negative weight to zero; GSNQ's own window keeps them.
    let neg_err = |q: &QuantizedTensor| {
        w.iter().zip(q.values()).filter(|(&a, _)| a < 0.0).map(|(&a, v)| (f64::from(a) - v).powi(2)).sum::<f64>()
    };
    assert!(neg_err(&q) < neg_err(&inq) / 10.0, "{} vs {}", neg_err(&q), neg_err(&inq));
    assert!(mse(&w, &q) <= mse(&w, &inq));
}

#[test]
fn search_statistics_cover_large_tensors_by_sampling() {
    let w: Vec<f32> = (0..100_000).map(|i| ((i as f32) * 0.37).sin()).collect();
    let st = GroupStats::gather(w.iter(), w.len());
    assert!(st.max_abs() > 0.99, "the exact max is kept even when sampling");
}
