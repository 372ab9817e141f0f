//! Vectors and expected outputs for one processing element, from the golden model.
//!
//! Cycle model of the PE (see `nbq_rtl::pe::shift`): outputs at cycle `i` are the registers after `i` rising
//! edges; at edge `i` the PE registers `act_in[i]` and `psum_in[i] + act_in[i] * term(code)`, where `code` is
//! the code register *before* the edge, and loads `code_in[i]` when `load[i]`. Registers start at zero.

use nbq_quant::golden::{conv2d_shift, Accumulator, Activations, ConvParams, ConvWeights, Wide};
use nbq_quant::{CodeFormat, ScaleGroup, Term};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::check::Expect;
use crate::harness::{Harness, Port};
use crate::Value;

/// What one PE test run exercises.
#[derive(Debug, Clone, Copy)]
pub struct PeSetup {
    pub act_bits: u32,
    pub format: CodeFormat,
    pub acc_bits: usize,
    pub offsets: (u8, u8),
}

/// How the expected values are computed: the golden model, or a deliberately wrong one (to show the check
/// catches it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    Golden,
    /// Zero-extends the activation instead of sign-extending it.
    WrongZeroExtension,
}

/// The PE's ports as the test bench drives them.
pub fn harness(s: &PeSetup) -> Harness {
    let (a, n, acc) = (s.act_bits as usize, s.format.bits() as usize, s.acc_bits);
    Harness {
        clock: "clock".into(),
        inputs: vec![
            Port::new("load", 1),
            Port::new("code_in", n),
            Port::new("off_pos", 8),
            Port::new("off_neg", 8),
            Port::new("act_in", a),
            Port::new("psum_in", acc),
        ],
        outputs: vec![Port::new("act_out", a), Port::new("psum_out", acc)],
    }
}

/// The golden product `x * term`, via the golden convolution of a 1×1 image with a 1×1 kernel.
fn golden_product(x: i32, act_bits: u32, t: Term) -> Wide {
    let a = Activations::new([1, 1, 1, 1], act_bits, vec![x]).expect("activation in range by construction");
    let w = ConvWeights::new(1, 1, 1, vec![t]).expect("one term");
    conv2d_shift::<Wide>(&a, &w, ConvParams::default()).expect("Wide holds every product").data[0]
}

/// `cycles` cycles of stimulus (edge cases first, then random) and every expected output.
pub fn vectors(s: &PeSetup, cycles: usize, seed: u64, model: Model) -> (Vec<Vec<Value>>, Vec<Expect>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (a, acc) = (s.act_bits, s.acc_bits);
    let (lo, hi) = (-(1i32 << (a - 1)), (1i32 << (a - 1)) - 1);
    let f = s.format;
    let group = ScaleGroup { scale_exp: 0, offset_pos: s.offsets.0, offset_neg: s.offsets.1 };
    let legal: Vec<u8> = (0..=f.mask()).filter(|&c| f.split(c).is_ok()).collect();
    let max_neg = f.encode(true, f.magnitudes() - 1);
    let max_pos = f.encode(false, f.magnitudes() - 1);
    let mut stim = Vec::with_capacity(cycles);
    let mut exp = Vec::with_capacity(cycles * 2);
    let (mut code, mut act_q, mut psum_q) = (0u8, Value::from_u64(0, a as usize), Value::from_u64(0, acc));
    for i in 0..cycles {
        // Edge cases: most negative activation with the largest negative shift, alternating signs, zero codes.
        let load = i < 8 || rng.random_bool(0.3);
        let code_in = match i {
            0 | 1 => max_neg,
            2 | 3 => max_pos,
            4 => 0,
            _ => legal[rng.random_range(0..legal.len())],
        };
        let x = match i % 5 {
            0 => lo,
            1 => hi,
            2 if i < 20 => -1,
            _ => rng.random_range(lo..=hi),
        };
        let psum_in = if i < 6 {
            Value::from_u64(0, acc)
        } else {
            Value::from_words(&[rng.random(), rng.random(), rng.random(), rng.random(), rng.random()], acc)
        };
        stim.push(vec![
            Value::from_u64(u64::from(load), 1),
            Value::from_u64(u64::from(code_in), f.bits() as usize),
            Value::from_u64(u64::from(s.offsets.0), 8),
            Value::from_u64(u64::from(s.offsets.1), 8),
            Value::from_i128(i128::from(x), a as usize),
            psum_in.clone(),
        ]);
        exp.push(Expect {
            cycle: i,
            port: 0,
            value: act_q.clone(),
            at: format!("pixel of cycle {}", i.wrapping_sub(1) as isize),
        });
        exp.push(Expect {
            cycle: i,
            port: 1,
            value: psum_q.clone(),
            at: format!("partial sum of cycle {}", i as isize - 1),
        });
        // The rising edge at the end of cycle i.
        let term = group.term(f, code).expect("legal codes only");
        let xm = match model {
            Model::Golden => x,
            Model::WrongZeroExtension => x & ((1i32 << a) - 1),
        };
        let product = if model == Model::WrongZeroExtension && x < 0 {
            // Zero-extended activation: (x mod 2^A) * term, outside the golden model's signed range.
            let t = term.to_i128().map(Wide::from).unwrap_or(Wide::zero());
            Wide::from(i64::from(xm)) * t
        } else {
            golden_product(x, a, term)
        };
        let psum_in_wide = words_to_wide(&psum_in.0);
        psum_q = Value::from_words(&(psum_in_wide + product).to_words(acc as u32), acc);
        act_q = Value::from_i128(i128::from(x), a as usize);
        if load {
            code = code_in;
        }
    }
    (stim, exp)
}

/// Unsigned little-endian words as a Wide (the value is then reduced mod 2^acc by `to_words`).
fn words_to_wide(words: &[u64]) -> Wide {
    words.iter().rev().fold(Wide::zero(), |acc, &w| acc.shl(64) + Wide::from(w as i128))
}
