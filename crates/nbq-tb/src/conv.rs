//! Vectors and expected outputs for the k×k convolver (see `nbq_rtl::conv::array` for its protocol): load the
//! kernel, stream images with random stalls, and expect every valid window to equal the golden convolution.

use nbq_quant::golden::{conv2d_shift, Accumulator, Activations, ConvParams, ConvWeights, Wide};
use nbq_quant::{CodeFormat, ScaleGroup};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::check::Expect;
use crate::harness::{Harness, Port};
use crate::pe::{on_bus, BUS};
use crate::Value;

/// One convolver test: geometry, widths, the code format and GSNQ offsets.
#[derive(Debug, Clone, Copy)]
pub struct ConvSetup {
    pub k: usize,
    pub width: usize,
    pub height: usize,
    pub act_bits: u32,
    pub format: CodeFormat,
    pub offsets: (u8, u8),
    /// Significant accumulator bits.
    pub acc_bits: usize,
    /// Width of the accumulator ports (the compiled tier).
    pub tier: usize,
    pub images: usize,
    /// Probability that a cycle stalls (valid_in low) while streaming.
    pub stall: f64,
}

/// Kinds of kernels and images to test with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    Random,
    /// Every weight the largest negative shift, every pixel the most negative activation: the accumulator's
    /// extreme.
    Extreme,
    /// Every weight zero.
    ZeroCodes,
    /// Alternating signs in weights and pixels.
    Alternating,
}

pub fn harness(s: &ConvSetup) -> Harness {
    Harness {
        clock: "clock".into(),
        inputs: vec![
            Port::new("valid_in", 1),
            Port::new("clear", 1),
            Port::new("pixel_in", BUS),
            Port::new("load", 1),
            Port::new("weight_in", BUS),
            Port::new("off_pos", 8),
            Port::new("off_neg", 8),
        ],
        outputs: vec![Port::new("weight_out", BUS), Port::new("sum_out", s.tier), Port::new("valid_out", 1)],
    }
}

/// Stimulus for every cycle and the expected outputs.
pub fn vectors(s: &ConvSetup, seed: u64, data: Data) -> (Vec<Vec<Value>>, Vec<Expect>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (k, w, h, a, f) = (s.k, s.width, s.height, s.act_bits, s.format);
    let (lo, hi) = (-(1i32 << (a - 1)), (1i32 << (a - 1)) - 1);
    let group = ScaleGroup { scale_exp: 0, offset_pos: s.offsets.0, offset_neg: s.offsets.1 };
    let legal: Vec<u8> = (0..=f.mask()).filter(|&c| f.split(c).is_ok()).collect();
    let codes: Vec<u8> = (0..k * k)
        .map(|i| match data {
            Data::Random => legal[rng.random_range(0..legal.len())],
            Data::Extreme => f.encode(true, f.magnitudes() - 1),
            Data::ZeroCodes => 0,
            Data::Alternating => f.encode(i % 2 == 1, (i % f.magnitudes() as usize) as u8),
        })
        .collect();
    let terms = codes.iter().map(|&c| group.term(f, c).expect("legal code")).collect();
    let weights = ConvWeights::new(1, 1, k, terms).expect("kernel shape");
    let images: Vec<Vec<i32>> = (0..s.images)
        .map(|_| {
            (0..w * h)
                .map(|i| match data {
                    Data::Extreme => lo,
                    Data::Alternating if i % 2 == 0 => lo,
                    Data::Alternating => hi,
                    _ => match rng.random_range(0..8) {
                        0 => lo,
                        1 => hi,
                        _ => rng.random_range(lo..=hi),
                    },
                })
                .collect()
        })
        .collect();
    let golden: Vec<Vec<Wide>> = images
        .iter()
        .map(|img| {
            let x = Activations::new([1, 1, h, w], a, img.clone()).expect("pixels in range");
            conv2d_shift::<Wide>(&x, &weights, ConvParams::default()).expect("golden conv").data
        })
        .collect();

    let mut stim: Vec<Vec<Value>> = Vec::new();
    // Bus bits above the significant widths carry noise the hardware must ignore.
    let cycle = |valid: bool, clear: bool, pixel: i32, load: bool, code: u8, noise: u16| {
        vec![
            Value::from_u64(u64::from(valid), 1),
            Value::from_u64(u64::from(clear), 1),
            on_bus(pixel as u64, a as usize, noise),
            Value::from_u64(u64::from(load), 1),
            on_bus(u64::from(code), f.bits() as usize, noise.rotate_left(7)),
            Value::from_u64(u64::from(s.offsets.0), 8),
            Value::from_u64(u64::from(s.offsets.1), 8),
        ]
    };
    for &c in &codes {
        stim.push(cycle(false, false, 0, true, c, rng.random()));
    }
    // Consumed pixels: (cycle index, image, row, column); the K flush pixels are "image" None.
    let mut consumed: Vec<(usize, Option<usize>, usize, usize)> = Vec::new();
    let stream =
        images.iter().enumerate().flat_map(|(m, img)| img.iter().enumerate().map(move |(i, &p)| (Some(m), i, p)));
    let flush = (0..k).map(|i| (None, i, 0));
    for (img, i, p) in stream.chain(flush) {
        while rng.random_bool(s.stall) {
            stim.push(cycle(false, false, rng.random_range(lo..=hi), false, 0, rng.random()));
        }
        consumed.push((stim.len(), img, i / w, i % w));
        stim.push(cycle(true, i == 0, p, false, 0, rng.random()));
    }
    let mut expect = Vec::new();
    let mut valid_at = vec![false; stim.len() + 1];
    for (n, &(_, img, r, c)) in consumed.iter().enumerate() {
        let Some(&(edge, ..)) = consumed.get(n + k) else { break };
        let Some(m) = img else { continue };
        if r + 1 >= k && c + 1 >= k {
            let (oy, ox) = (r + 1 - k, c + 1 - k);
            let v = golden[m][oy * (w + 1 - k) + ox];
            valid_at[edge + 1] = true;
            expect.push(Expect {
                cycle: edge + 1,
                port: 1,
                value: Value::from_words(&v.to_words(s.acc_bits as u32), s.acc_bits).sign_extend(s.acc_bits, s.tier),
                at: format!("image {m}, output pixel ({oy}, {ox})"),
            });
        }
    }
    stim.push(cycle(false, false, 0, false, 0, 0));
    for (cyc, &v) in valid_at.iter().enumerate() {
        expect.push(Expect { cycle: cyc, port: 2, value: Value::from_u64(u64::from(v), 1), at: "valid_out".into() });
    }
    // After loading, the chain's last register holds the first code presented.
    expect.push(Expect {
        cycle: k * k,
        port: 0,
        value: Value::from_u64(u64::from(codes[0]), BUS),
        at: "weight chain after loading".into(),
    });
    (stim, expect)
}
