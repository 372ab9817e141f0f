//! The golden model: shift-and-add equals multiply on decoded weights, bit for bit, and the width analysis is
//! tight.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use nbq_quant::golden::{bound, conv2d_mul, conv2d_shift, Accumulator, Activations, ConvParams, ConvWeights, Wide};
use nbq_quant::{CodeFormat, ScaleGroup, Term};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    x: Activations,
    w: ConvWeights,
    p: ConvParams,
}

/// Random shapes, codes of any width with GSNQ offsets, and activations biased to the extremes.
fn case(max_shift: u8) -> impl Strategy<Value = Case> {
    (1usize..=2, 1usize..=3, 1usize..=3, 1usize..=4, 2u32..=16, 1usize..=2, 0usize..=2, 1u32..=8, 0u8..=3, 0u8..=3)
        .prop_flat_map(move |(n, c, m, k, a, stride, pad, bits, op, on)| {
            let h_min = k.saturating_sub(2 * pad).max(1);
            (h_min..h_min + 6, h_min..h_min + 6).prop_flat_map(move |(h, wd)| {
                let lo = -(1i32 << (a - 1));
                let hi = (1i32 << (a - 1)) - 1;
                let act = prop_oneof![2 => Just(lo), 2 => Just(hi), 1 => Just(0), 1 => Just(-1), 4 => lo..=hi];
                let f = CodeFormat::new(bits).unwrap();
                let g = ScaleGroup { scale_exp: 0, offset_pos: op.min(max_shift), offset_neg: on.min(max_shift) };
                let code =
                    prop_oneof![1 => Just(f.encode(true, f.magnitudes() - 1)), 1 => Just(0u8), 3 => 0u8..=f.mask()]
                        .prop_filter_map("legal code", move |c| g.term(f, c).ok());
                (prop::collection::vec(act, n * c * h * wd), prop::collection::vec(code, m * c * k * k)).prop_map(
                    move |(xd, terms)| Case {
                        x: Activations::new([n, c, h, wd], a, xd).unwrap(),
                        w: ConvWeights::new(m, c, k, terms).unwrap(),
                        p: ConvParams { stride, pad },
                    },
                )
            })
        })
}

fn shift_equals_mul<T: Accumulator>(c: &Case) -> Result<(), TestCaseError> {
    let s = conv2d_shift::<T>(&c.x, &c.w, c.p).unwrap();
    let m = conv2d_mul::<T>(&c.x, &c.w, c.p).unwrap();
    prop_assert_eq!(s.shape, m.shape);
    prop_assert_eq!(s.data, m.data);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn shift_add_equals_multiply_wide(c in case(255)) {
        shift_equals_mul::<Wide>(&c)?;
    }

    #[test]
    fn shift_add_equals_multiply_i64_when_it_fits(c in case(3)) {
        // Formats of up to 4 bits with small offsets fit 64 bits; wider ones must be refused, not wrapped.
        match nbq_quant::golden::conv::check_accumulator::<i64>(&c.x, &c.w) {
            Ok(_) => shift_equals_mul::<i64>(&c)?,
            Err(e) => prop_assert!(e.to_string().contains("-bit accumulator"), "{}", e),
        }
    }

    #[test]
    fn narrow_types_agree_with_wide(c in case(3)) {
        if nbq_quant::golden::conv::check_accumulator::<i32>(&c.x, &c.w).is_ok() {
            let a = conv2d_shift::<i32>(&c.x, &c.w, c.p).unwrap();
            let b = conv2d_shift::<Wide>(&c.x, &c.w, c.p).unwrap();
            prop_assert_eq!(a.data.iter().map(|v| i128::from(*v)).collect::<Vec<_>>(),
                            b.data.iter().map(|v| v.to_i128().unwrap()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn width_bound_is_tight(a in 2u32..=16, sp in 0u8..=200, sn in 0u8..=200, k in 1usize..=3, c in 1usize..=3,
                            use_pos: bool, use_neg: bool) {
        prop_assume!(use_pos || use_neg);
        let (sp, sn) = (use_pos.then_some(sp), use_neg.then_some(sn));
        let b = bound(a, sp, sn, (k * k * c) as u64).unwrap();
        // Reach both ends: all activations extreme, all weights at the extreme code of one sign.
        let lo = -(1i32 << (a - 1));
        let hi = (1i32 << (a - 1)) - 1;
        let mut reached = Vec::new();
        for (s, negative) in [(sp, false), (sn, true)] {
            let Some(s) = s else { continue };
            for xv in [lo, hi] {
                let x = Activations::new([1, c, k, k], a, vec![xv; c * k * k]).unwrap();
                let w = ConvWeights::new(1, c, k, vec![Term::Shift { negative, shift: s }; c * k * k]).unwrap();
                reached.push(conv2d_shift::<Wide>(&x, &w, ConvParams::default()).unwrap().data[0]);
            }
        }
        prop_assert_eq!(reached.iter().max().copied(), Some(b.max));
        prop_assert_eq!(reached.iter().min().copied(), Some(b.min));
        // b.width bits hold both ends, and width - 1 bits cannot hold one of them.
        let fits = |v: Wide, w: u32| v >= -Wide::from_i32(1).shl(w - 1) && v < Wide::from_i32(1).shl(w - 1);
        prop_assert!(fits(b.max, b.width) && fits(b.min, b.width));
        prop_assert!(b.width == 1 || !fits(b.max, b.width - 1) || !fits(b.min, b.width - 1));
    }
}

#[test]
fn too_narrow_accumulator_is_an_error_not_a_wrap() {
    let x = Activations::new([1, 1, 1, 1], 16, vec![-32768]).unwrap();
    let w = ConvWeights::new(1, 1, 1, vec![Term::Shift { negative: true, shift: 16 }]).unwrap();
    let e = conv2d_shift::<i32>(&x, &w, ConvParams::default()).unwrap_err().to_string();
    assert_eq!(e, "accumulator overflow risk: these weights need a 33-bit accumulator, the chosen type has 32 bits");
    assert_eq!(conv2d_shift::<i64>(&x, &w, ConvParams::default()).unwrap().data, vec![32768i64 << 16]);
}

#[test]
fn out_of_range_activations_are_rejected() {
    let e = Activations::new([1, 1, 1, 2], 4, vec![7, 8]).unwrap_err().to_string();
    assert_eq!(e, "activation 8 at flat index 1 is outside the 4-bit range -8..=7");
}

#[test]
fn known_small_convolution() {
    // 1×1×3×3 image, 2×2 kernel [+1, -2; 0, +4], stride 1, no padding.
    let x = Activations::new([1, 1, 3, 3], 8, vec![1, 2, 3, 4, 5, 6, 7, 8, 9]).unwrap();
    let t = |neg, s| Term::Shift { negative: neg, shift: s };
    let w = ConvWeights::new(1, 1, 2, vec![t(false, 0), t(true, 1), Term::Zero, t(false, 2)]).unwrap();
    let o = conv2d_shift::<i32>(&x, &w, ConvParams::default()).unwrap();
    // out[0][0] = 1 - 2*2 + 4*5 = 17
    assert_eq!(o.shape, [1, 1, 2, 2]);
    assert_eq!(o.data, vec![17, 20, 26, 29]);
}

#[test]
fn quantized_kernels_feed_the_golden_model() {
    use nbq_quant::{quantize, CodeFormat, FloatTensor, Granularity, Method};
    let w: Vec<f32> = (0..18).map(|i| ((i as f32) * 0.9).sin()).collect();
    let q = quantize(
        &FloatTensor::new("k", vec![2, 1, 3, 3], 0, w).unwrap(),
        Method::Nbq,
        CodeFormat::new(3).unwrap(),
        Granularity::Tensor,
    )
    .unwrap();
    let cw = ConvWeights::from_quantized(&q).unwrap();
    assert_eq!(cw.dims(), (2, 1, 3));
    assert_eq!(cw.terms(), q.terms().as_slice());
    let x = Activations::new([1, 1, 3, 3], 8, vec![1; 9]).unwrap();
    let out = conv2d_shift::<i32>(&x, &cw, ConvParams::default()).unwrap();
    // All-ones input: each output is the sum of its kernel's integer terms.
    let sums: Vec<i32> = q.terms().chunks(9).map(|c| c.iter().map(|t| t.to_i128().unwrap() as i32).sum()).collect();
    assert_eq!(out.data, sums);
    let flat = quantize(
        &FloatTensor::new("fc", vec![2, 9], 0, vec![0.5; 18]).unwrap(),
        Method::Nbq,
        CodeFormat::new(3).unwrap(),
        Granularity::Tensor,
    )
    .unwrap();
    let e = ConvWeights::from_quantized(&flat).unwrap_err().to_string();
    assert_eq!(e, "tensor 'fc' of shape [2, 9] is not a square convolution kernel [M, C, k, k]");
}
