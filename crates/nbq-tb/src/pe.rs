//! Vectors and expected outputs for one processing element (shift or multiplier), from the golden model.
//!
//! Cycle model of both PEs (see `nbq_rtl::pe`): outputs at cycle `i` are the registers after `i` rising edges;
//! at edge `i` the PE loads `code_in[i]` when `load[i]`, and, when `enable[i]`, registers
//! `psum_in[i] + act_in[i] * weight(code)` (`code` = the weight register *before* the edge) and moves `act_in[i]`
//! into its two-stage pixel delay. Registers start at zero.

use nbq_quant::golden::{conv2d_shift, Accumulator, Activations, ConvParams, ConvWeights, Wide};
use nbq_quant::{CodeFormat, ScaleGroup, Term};
use nbq_rtl::widths::BUS_BITS;
use nbq_rtl::{Ports, Role};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::check::Expect;
use crate::harness::Harness;
use crate::Value;

/// Which PE and its weight format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeKind {
    /// SVPE: n-bit exponent codes with GSNQ offsets `(positive, negative)`.
    Shift { format: CodeFormat, offsets: (u8, u8) },
    /// VPE: 16-bit two's complement weights.
    Mul,
}

impl PeKind {
    pub fn weight_bits(self) -> usize {
        match self {
            PeKind::Shift { format, .. } => format.bits() as usize,
            PeKind::Mul => BUS_BITS,
        }
    }
}

/// What one PE test run exercises.
#[derive(Debug, Clone, Copy)]
pub struct PeSetup {
    pub act_bits: u32,
    pub kind: PeKind,
    /// Significant accumulator bits.
    pub acc_bits: usize,
    /// Width of the accumulator ports (the compiled tier).
    pub tier: usize,
}

/// How the expected values are computed: the golden model, or a deliberately wrong one (to show the check
/// catches it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    Golden,
    /// Zero-extends the activation instead of sign-extending it.
    WrongZeroExtension,
}

/// The PE's ports (`nbq_rtl::Ports::pe`), the order [`vectors`] drives and expects them in.
pub fn ports(s: &PeSetup) -> Ports {
    Ports::pe(s.tier)
}

/// The PE's ports as the test bench drives them.
pub fn harness(s: &PeSetup) -> Harness {
    Harness::of(&ports(s))
}

/// `value` in the low `bits` of a 16-bit bus whose upper bits carry `noise` (which the hardware must ignore).
pub fn on_bus(value: u64, bits: usize, noise: u16) -> Value {
    let low = if bits >= 64 { value } else { value & ((1u64 << bits) - 1) };
    let high = if bits >= BUS_BITS { 0 } else { u64::from(noise) & !((1u64 << bits) - 1) };
    Value::from_u64(low | high, BUS_BITS)
}

/// Position of `role` among the PE's outputs.
fn output(ports: &Ports, role: Role) -> usize {
    ports.output(role).unwrap_or_else(|| panic!("a PE has a {} output", role.base_name()))
}

/// The golden product of activation `x` and weight register `code`.
fn product(s: &PeSetup, x: i32, code: u64) -> Wide {
    match s.kind {
        PeKind::Shift { format, offsets } => {
            let group = ScaleGroup { scale_exp: 0, offset_pos: offsets.0, offset_neg: offsets.1 };
            let t: Term = group.term(format, code as u8).expect("legal codes only");
            // The golden convolution of a 1×1 image with a 1×1 kernel.
            let a = Activations::new([1, 1, 1, 1], s.act_bits, vec![x]).expect("activation in range");
            let w = ConvWeights::new(1, 1, 1, vec![t]).expect("one term");
            conv2d_shift::<Wide>(&a, &w, ConvParams::default()).expect("Wide holds every product").data[0]
        }
        PeKind::Mul => Wide::from(i64::from(x) * i64::from(code as u16 as i16)),
    }
}

/// Candidate weight register values: edge cases first, then any legal value.
fn weights(kind: PeKind) -> (Vec<u64>, Vec<u64>) {
    match kind {
        PeKind::Shift { format: f, .. } => {
            let legal = (0..=f.mask()).filter(|&c| f.split(c).is_ok()).map(u64::from).collect();
            let edge = [f.encode(true, f.magnitudes() - 1), f.encode(false, f.magnitudes() - 1), 0];
            (edge.map(u64::from).to_vec(), legal)
        }
        PeKind::Mul => (vec![0x8000, 0x7fff, 0], Vec::new()),
    }
}

/// `cycles` cycles of stimulus (edge cases first, then random) and every expected output.
pub fn vectors(s: &PeSetup, cycles: usize, seed: u64, model: Model) -> (Vec<Vec<Value>>, Vec<Expect>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (a, acc, wb, tier) = (s.act_bits, s.acc_bits, s.kind.weight_bits(), s.tier);
    let (lo, hi) = (-(1i32 << (a - 1)), (1i32 << (a - 1)) - 1);
    let (edge, legal) = weights(s.kind);
    let offsets = match s.kind {
        PeKind::Shift { offsets, .. } => offsets,
        PeKind::Mul => (0, 0),
    };
    let io = ports(s);
    let (weight_out, act_out, psum_out) =
        (output(&io, Role::WeightOut), output(&io, Role::ActOut), output(&io, Role::PsumOut));
    let mut stim = Vec::with_capacity(cycles);
    let mut exp = Vec::with_capacity(cycles * 3);
    let zero_act = Value::from_u64(0, BUS_BITS);
    let (mut code, mut act_q, mut psum_q) = (0u64, [zero_act.clone(), zero_act], Value::from_u64(0, tier));
    // Until the first load a PE holds the zero weight (for n = 1 too, whose code 0 is +1).
    let mut loaded = false;
    // The PE multiplies the pixel of the previous enabled edge (its first pixel register).
    let mut x_q = 0i32;
    for i in 0..cycles {
        let enable = i < 10 || rng.random_bool(0.8);
        let load = i < 8 || rng.random_bool(0.3);
        let code_in = match i {
            0 | 1 => edge[0],
            2 | 3 => edge[1],
            4 => edge[2],
            _ if legal.is_empty() => rng.random::<u16>().into(),
            _ => legal[rng.random_range(0..legal.len())],
        };
        // Most negative and largest activations against the extreme weights, then -1, then random.
        let x = match i % 5 {
            0 => lo,
            1 => hi,
            2 if i < 20 => -1,
            _ => rng.random_range(lo..=hi),
        };
        // Partial sums arrive as the previous PE delivers them: ACC significant bits, sign-extended to the tier.
        let psum_in = if i < 6 {
            Value::from_u64(0, tier)
        } else {
            let words: Vec<u64> = (0..tier.div_ceil(64)).map(|_| rng.random()).collect();
            Value::from_words(&words, acc).sign_extend(acc, tier)
        };
        let noise: u16 = if i < 20 { 0xffff } else { rng.random() };
        stim.push(
            io.inputs()
                .map(|p| match p.role {
                    Role::Enable => Value::from_u64(u64::from(enable), p.bits),
                    Role::Load => Value::from_u64(u64::from(load), p.bits),
                    Role::WeightIn => on_bus(code_in, wb, noise),
                    Role::OffPos => Value::from_u64(u64::from(offsets.0), p.bits),
                    Role::OffNeg => Value::from_u64(u64::from(offsets.1), p.bits),
                    Role::ActIn => on_bus(x as u64, a as usize, noise),
                    Role::PsumIn => psum_in.clone(),
                    other => panic!("a PE has no {} input", other.base_name()),
                })
                .collect(),
        );
        exp.push(Expect {
            cycle: i,
            port: weight_out,
            value: Value::from_u64(code, BUS_BITS),
            at: "weight register".into(),
        });
        exp.push(Expect {
            cycle: i,
            port: act_out,
            value: act_q[1].clone(),
            at: "pixel delayed by two enabled edges".into(),
        });
        exp.push(Expect {
            cycle: i,
            port: psum_out,
            value: psum_q.clone(),
            at: "partial sum of the last enabled edge".into(),
        });
        // The rising edge at the end of cycle i.
        if enable {
            let p = match model {
                Model::Golden if !loaded => Wide::zero(),
                Model::Golden => product(s, x_q, code),
                // (x mod 2^A) * weight: what a zero-extending datapath would compute.
                Model::WrongZeroExtension => product(s, 1, code) * Wide::from(i64::from(x_q & ((1i32 << a) - 1))),
            };
            let sum = Value::from_words(&(words_to_wide(&psum_in.0) + p).to_words(tier as u32), tier);
            psum_q = sum.sign_extend(acc, tier);
            act_q = [Value::from_i128(i128::from(x), BUS_BITS), act_q[0].clone()];
            x_q = x;
        }
        if load {
            code = code_in;
            loaded = true;
        }
    }
    (stim, exp)
}

/// Unsigned little-endian words as a Wide (the value is then reduced mod 2^acc by `to_words`).
fn words_to_wide(words: &[u64]) -> Wide {
    words.iter().rev().fold(Wide::zero(), |acc, &w| acc.shl(64) + Wide::from(w as i128))
}
