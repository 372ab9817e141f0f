//! Vectors and expected outputs for a convolver or a whole engine (see `nbq_rtl::conv` for the protocol): load
//! every kernel through the weight chain, stream images on every input channel with random stalls, and expect
//! every output window of every output channel to equal the golden convolution, and `valid_out` to be high
//! exactly when a window completes.

use nbq_quant::golden::{conv2d_int, conv2d_shift, Accumulator, Activations, ConvParams, ConvWeights, Wide};
use nbq_quant::{CodeFormat, ScaleGroup, Term};
use nbq_rtl::board::SelfTestData;
use nbq_rtl::requant::CODE_OUT_BITS;
use nbq_rtl::widths::BUS_BITS;
use nbq_rtl::{DesignConfig, Latency, PeKind, Ports, Role, Shape};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::check::Expect;
use crate::harness::Harness;
use crate::pe::on_bus;
use crate::Value;

/// Which block is under test: a bare convolver (ports `pixel_in`, `sum_out`) or an engine (ports `pixel_in$j`,
/// `sum_out$i`, one more cycle of latency for the cluster's adder register); see `nbq_rtl::conv::ports`.
pub use nbq_rtl::Level;

/// Kinds of kernels and images to test with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    Random,
    /// Every weight the largest negative one, every pixel the most negative: the accumulator's extreme.
    Extreme,
    /// Every weight zero.
    ZeroCodes,
    /// Alternating signs in weights and pixels.
    Alternating,
}

/// What to stream through the design.
#[derive(Debug, Clone, Copy)]
pub struct Stream {
    pub height: usize,
    pub images: usize,
    /// Probability that a cycle stalls (valid_in low) while streaming.
    pub stall: f64,
    pub data: Data,
    pub seed: u64,
    /// Exercise the framing controls: first a partial image under other weights, cut off by `reset` while windows
    /// are in flight (none may come out); then the weights are reloaded and the images follow, each ending with
    /// `last` and followed by a random number of flush pixels of random value without `clear` (none may complete a
    /// window); the first image follows the reset without `clear`. Without it: the weights, then images back to
    /// back with `clear` on each first pixel, then zero flush pixels.
    pub framed: bool,
}

/// The ports of the block (`nbq_rtl::Ports::design`, the list `params.json` gives), in the order [`vectors`]
/// drives and expects them.
pub fn harness(c: &DesignConfig, level: Level) -> Harness {
    Harness::of(&Ports::design(c, level))
}

/// Position of the output of `role` among `ports`' outputs (the index an [`Expect`] names).
pub fn output(ports: &Ports, role: Role) -> usize {
    ports.output(role).unwrap_or_else(|| panic!("the block has no output {role:?}"))
}

/// Random weights of the design's kind (codes or 16-bit integers) for `count` taps.
fn weights(c: &DesignConfig, count: usize, data: Data, rng: &mut ChaCha8Rng) -> Vec<u16> {
    match c.pe {
        PeKind::Shift => {
            let f = CodeFormat::new(c.widths.code as u32).expect("validated code bits");
            let legal: Vec<u8> = (0..=f.mask()).filter(|&x| f.split(x).is_ok()).collect();
            (0..count)
                .map(|i| {
                    u16::from(match data {
                        Data::Random => legal[rng.random_range(0..legal.len())],
                        Data::Extreme => f.encode(true, f.magnitudes() - 1),
                        Data::ZeroCodes => 0,
                        Data::Alternating => f.encode(i % 2 == 1, (i % f.magnitudes() as usize) as u8),
                    })
                })
                .collect()
        }
        PeKind::Mul => (0..count)
            .map(|i| match data {
                Data::Random => rng.random(),
                Data::Extreme => 0x8000,
                Data::ZeroCodes => 0,
                Data::Alternating if i % 2 == 0 => 0x8000,
                Data::Alternating => 0x7fff,
            })
            .collect(),
    }
}

/// The golden outputs `[pm][oy][ox]` of one image (`pn` channels of `height` × `image_width`).
fn golden(c: &DesignConfig, dims: (usize, usize), height: usize, image: &[i32], w: &[u16]) -> Vec<Wide> {
    let (pm, pn) = dims;
    let x =
        Activations::new([1, pn, height, c.image_width], c.widths.act as u32, image.to_vec()).expect("pixels in range");
    let out = match c.pe {
        PeKind::Shift => {
            let f = CodeFormat::new(c.widths.code as u32).expect("validated code bits");
            let g = ScaleGroup { scale_exp: 0, offset_pos: c.offsets.0, offset_neg: c.offsets.1 };
            let terms: Vec<Term> = w.iter().map(|&code| g.term(f, code as u8).expect("legal code")).collect();
            let weights = ConvWeights::new(pm, pn, c.k, terms).expect("kernel shape");
            conv2d_shift::<Wide>(&x, &weights, ConvParams::default())
        }
        PeKind::Mul => {
            let ints: Vec<i32> = w.iter().map(|&v| i32::from(v as i16)).collect();
            conv2d_int::<Wide>(&x, (pm, pn, c.k), &ints, ConvParams::default())
        }
    };
    out.expect("golden convolution").data
}

/// The one-bit stream controls of one cycle (see `nbq_rtl::conv::ports::Role`): `valid_in`, `clear`, `last`,
/// `reset`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ctl {
    pub valid: bool,
    pub clear: bool,
    pub last: bool,
    pub reset: bool,
}

impl Ctl {
    /// A cycle that consumes a pixel, the first of an image with `clear`, its last with `last`.
    pub fn pixel(clear: bool, last: bool) -> Ctl {
        Ctl { valid: true, clear, last, reset: false }
    }
}

/// The input ports of a convolver or engine, one cycle at a time (the order of [`harness`]'s inputs).
#[derive(Debug, Clone)]
pub struct InputBus {
    inputs: Vec<nbq_rtl::Port>,
    act: usize,
    /// Weight lanes of `weight_in` (see nbq_rtl::conv::engine).
    pub lanes: usize,
    /// Bits of one weight lane: the code width (shift PEs) or the whole bus (multiplier PEs).
    pub lane_bits: usize,
    offsets: (u8, u8),
}

impl InputBus {
    /// The bus of design `c`'s block at `level`.
    pub fn new(c: &DesignConfig, level: Level) -> InputBus {
        let s = Shape::of(c, level);
        let lane_bits = match c.pe {
            PeKind::Shift => c.widths.code,
            PeKind::Mul => BUS_BITS,
        };
        InputBus {
            inputs: Ports::of(s).inputs().cloned().collect(),
            act: c.widths.act,
            lanes: nbq_rtl::conv::weight_lanes(c.widths.code, s.pn, s.pm),
            lane_bits,
            offsets: c.offsets,
        }
    }

    /// One cycle's inputs; `ctl` are the stream controls, `pixels` has one pixel per input channel and `load`
    /// is the weight word to load, if any. Bus bits above the significant widths carry `noise()` (one draw per
    /// pixel, then one for the weight word), which the hardware must ignore.
    pub fn cycle(&self, ctl: Ctl, pixels: &[i32], load: Option<u64>, noise: &mut dyn FnMut() -> u16) -> Vec<Value> {
        self.inputs
            .iter()
            .map(|p| match p.role {
                Role::Reset => Value::from_u64(u64::from(ctl.reset), p.bits),
                Role::ValidIn => Value::from_u64(u64::from(ctl.valid), p.bits),
                Role::Clear => Value::from_u64(u64::from(ctl.clear), p.bits),
                Role::Last => Value::from_u64(u64::from(ctl.last), p.bits),
                Role::PixelIn(j) => on_bus(pixels[j] as u64, self.act, noise()),
                Role::Load => Value::from_u64(u64::from(load.is_some()), p.bits),
                Role::WeightIn => on_bus(load.unwrap_or(0), self.lanes * self.lane_bits, noise()),
                Role::OffPos => Value::from_u64(u64::from(self.offsets.0), p.bits),
                Role::OffNeg => Value::from_u64(u64::from(self.offsets.1), p.bits),
                other => panic!("a convolver or engine has no input {other:?}"),
            })
            .collect()
    }
}

pub use nbq_rtl::conv::load_words;

/// Stimulus for every cycle and every expected output value.
pub fn vectors(c: &DesignConfig, level: Level, s: &Stream) -> (Vec<Vec<Value>>, Vec<Expect>) {
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    let shape = Shape::of(c, level);
    let (pn, pm) = (shape.pn, shape.pm);
    let io = Ports::of(shape);
    let latency = Latency::of(c.k, level);
    let (k, w, h, a) = (c.k, c.image_width, s.height, c.widths.act);
    let (lo, hi) = (-(1i32 << (a - 1)), (1i32 << (a - 1)) - 1);
    // Weights in MCKK order: [output channel][input channel][ky][kx].
    let wts = weights(c, pm * pn * k * k, s.data, &mut rng);
    let images: Vec<Vec<i32>> = (0..s.images)
        .map(|_| {
            (0..pn * w * h)
                .map(|i| match s.data {
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
    let gold: Vec<Vec<Wide>> = images.iter().map(|img| golden(c, (pm, pn), h, img, &wts)).collect();

    let mut stim: Vec<Vec<Value>> = Vec::new();
    let bus = InputBus::new(c, level);
    let (lanes, lane_bits) = (bus.lanes, bus.lane_bits);
    let make = |ctl: Ctl, pixels: &[i32], load: Option<u64>, rng: &mut ChaCha8Rng| {
        bus.cycle(ctl, pixels, load, &mut || rng.random())
    };
    let first_loaded = wts[((pm - 1) * pn + (pn - 1)) * k * k];
    // The beats to stream: a pixel (of image m at index i, or of no image) with its clear and last, a reset, or
    // the loading of a kernel set.
    enum Beat {
        Pixel(Option<(usize, usize)>, bool, bool),
        Reset,
        Load(Vec<u16>),
    }
    let lat = latency.pixels;
    let plane = w * h;
    let mut beats = Vec::new();
    if s.framed {
        // Long enough to hold a complete window, short enough that it is still in flight at the reset; under
        // weights of its own, so that the reload after the reset is exercised too.
        let aborted = (k - 1) * w + k + rng.random_range(0..lat);
        beats.push(Beat::Load(weights(c, pm * pn * k * k, Data::Random, &mut rng)));
        beats.extend((0..aborted).map(|i| Beat::Pixel(None, i == 0, false)));
        beats.push(Beat::Reset);
    }
    beats.push(Beat::Load(wts.clone()));
    for m in 0..s.images {
        if s.framed && m > 0 {
            let flush = rng.random_range(0..=lat + w);
            beats.extend((0..flush).map(|_| Beat::Pixel(None, false, false)));
        }
        let clear_first = !(s.framed && m == 0);
        beats.extend((0..plane).map(|i| Beat::Pixel(Some((m, i)), i == 0 && clear_first, i + 1 == plane)));
    }
    beats.extend((0..lat).map(|_| Beat::Pixel(None, false, false)));
    // (cycle of the consuming edge, image, row, column) of every consumed pixel.
    let mut consumed: Vec<(usize, Option<usize>, usize, usize)> = Vec::new();
    let pixels_of = |m: usize, i: usize| -> Vec<i32> { (0..pn).map(|j| images[m][j * plane + i]).collect() };
    let noise = |rng: &mut ChaCha8Rng| -> Vec<i32> { (0..pn).map(|_| rng.random_range(lo..=hi)).collect() };
    let mut loaded = 0;
    for beat in beats {
        while rng.random_bool(s.stall) {
            let px = noise(&mut rng);
            stim.push(make(Ctl::default(), &px, None, &mut rng));
        }
        match beat {
            Beat::Load(kernels) => {
                for word in load_words(k, lanes, lane_bits, &kernels) {
                    stim.push(make(Ctl::default(), &vec![0; pn], Some(word), &mut rng));
                }
                loaded = stim.len();
            }
            Beat::Reset => {
                // A pixel presented with reset belongs to no image.
                let (valid, px) = (rng.random_bool(0.5), noise(&mut rng));
                stim.push(make(Ctl { valid, reset: true, ..Ctl::default() }, &px, None, &mut rng));
            }
            Beat::Pixel(at, clear, last) => {
                let (img, i) = at.map_or((None, 0), |(m, i)| (Some(m), i));
                consumed.push((stim.len(), img, i / w, i % w));
                let px = match at {
                    Some((m, i)) => pixels_of(m, i),
                    None if s.framed => noise(&mut rng),
                    None => vec![0; pn],
                };
                stim.push(make(Ctl::pixel(clear, last), &px, None, &mut rng));
            }
        }
    }
    // After the last flush pixel, the cycles until the last window's sums are out.
    let extra = latency.after_pixel();
    for _ in 0..extra {
        stim.push(make(Ctl::default(), &vec![0; pn], None, &mut rng));
    }
    let mut expect = Vec::new();
    let mut valid_at = vec![false; stim.len()];
    let (oh, ow) = (h + 1 - k, w + 1 - k);
    for (n, &(_, img, r, col)) in consumed.iter().enumerate() {
        let Some(&(edge, ..)) = consumed.get(n + lat) else { break };
        let Some(m) = img else { continue };
        if r + 1 >= k && col + 1 >= k {
            let (oy, ox) = (r + 1 - k, col + 1 - k);
            valid_at[edge + extra] = true;
            for o in 0..pm {
                let v = gold[m][(o * oh + oy) * ow + ox];
                if let (Level::Engine, Some(r)) = (level, &c.requantizer) {
                    // The requantizer's code: how many thresholds the golden sum reaches.
                    let code = r.thresholds.iter().filter(|&&t| Wide::from(t) <= v).count();
                    expect.push(Expect {
                        cycle: edge + extra,
                        port: output(&io, Role::CodeOut(o)),
                        value: Value::from_u64(code as u64, CODE_OUT_BITS),
                        at: format!("image {m}, activation code of output channel {o}, pixel ({oy}, {ox})"),
                    });
                }
                expect.push(Expect {
                    cycle: edge + extra,
                    port: output(&io, Role::SumOut(o)),
                    value: Value::from_words(&v.to_words(c.widths.acc as u32), c.widths.acc)
                        .sign_extend(c.widths.acc, c.acc_tier),
                    at: format!("image {m}, output channel {o}, pixel ({oy}, {ox})"),
                });
            }
        }
    }
    for (cyc, &v) in valid_at.iter().enumerate() {
        expect.push(Expect {
            cycle: cyc,
            port: output(&io, Role::ValidOut),
            value: Value::from_u64(u64::from(v), 1),
            at: "valid_out".into(),
        });
    }
    expect.push(Expect {
        cycle: loaded,
        port: output(&io, Role::WeightOut),
        value: Value::from_u64(u64::from(first_loaded), BUS_BITS),
        at: "weight chain after loading".into(),
    });
    (stim, expect)
}

/// ROM contents for the self-testing board top ([`nbq_rtl::board`]) around one convolver of `c`: a random kernel
/// and image (`k + 1` lines, or `k` if that does not fit the ROMs), the flush pixels that bring out its last
/// windows, and the golden window sums.
pub fn self_test_data(c: &DesignConfig, seed: u64) -> Result<SelfTestData, String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (k, w, a) = (c.k, c.image_width, c.widths.act);
    let (lo, hi) = (-(1i32 << (a - 1)), (1i32 << (a - 1)) - 1);
    let lat = Latency::of(k, Level::Convolver).pixels;
    let fits = |h: usize| SelfTestData::check_sizes(k * k, w * h + lat, (h + 1 - k) * (w + 1 - k));
    let height = if fits(k + 1).is_ok() { k + 1 } else { fits(k).map(|()| k)? };
    let weights = weights(c, k * k, Data::Random, &mut rng);
    // Mostly random pixels, with the extremes often enough that the widest sums occur.
    let image: Vec<i32> = (0..w * height)
        .map(|_| match rng.random_range(0..6) {
            0 => lo,
            1 => hi,
            _ => rng.random_range(lo..=hi),
        })
        .collect();
    let gold = golden(c, (1, 1), height, &image, &weights);
    let mut pixels: Vec<u16> = image.iter().map(|&p| p as u16).collect();
    pixels.extend(std::iter::repeat_n(0, lat));
    let expected = gold
        .iter()
        .map(|v| {
            Value::from_words(&v.to_words(c.widths.acc as u32), c.widths.acc).sign_extend(c.widths.acc, c.acc_tier).0
        })
        .collect();
    Ok(SelfTestData { weights, pixels, expected, offsets: c.offsets })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cycles from the one presenting the first window's newest pixel to the first with `valid_out` high, in an
    /// Icarus run of the emitted Verilog without stalls.
    fn measured_latency(c: &DesignConfig, level: Level, verilog: &str) -> usize {
        let s = Stream { height: c.k + 1, images: 1, stall: 0.0, data: Data::Random, seed: 2, framed: false };
        let (stim, exp) = vectors(c, level, &s);
        let h = harness(c, level);
        let got = crate::icarus::simulate(verilog, &h, &stim, None).expect("Icarus runs");
        assert!(crate::check::first_mismatch(&c.name, &h, &got, &exp).is_none());
        let io = Ports::design(c, level);
        let valid = output(&io, Role::ValidOut);
        let first = got.iter().position(|o| o[valid].as_ref().is_some_and(|v| v.bit(0))).expect("a window");
        let valid_in = io.inputs().position(|p| p.role == Role::ValidIn).expect("a valid_in port");
        let streaming = stim.iter().position(|i| i[valid_in].bit(0)).expect("pixels");
        first - (streaming + (c.k - 1) * c.image_width + c.k - 1)
    }

    #[test]
    fn params_latency_is_the_emitted_verilogs() {
        for (k, pn, pm) in [(1, 1, 1), (3, 2, 3), (5, 1, 2)] {
            let text = format!(
                "name = \"lat\"\npe = \"shift\"\nk = {k}\nimage_width = 6\nact_bits = 8\ncode_bits = 3\n\
                 pn = {pn}\npm = {pm}\n"
            );
            let c = DesignConfig::from_toml(&text, "test").expect("valid design");
            let g = nbq_rtl::generate(&c).expect("generates");
            // The transposed chain: one consumed pixel at every k, then the cluster register.
            assert_eq!((g.params.latency_pixels, g.params.latency_cycles), (1, 3), "k = {k}");
            assert_eq!(measured_latency(&c, Level::Engine, &g.verilog), g.params.latency_cycles, "k = {k}");
        }
        let c = DesignConfig::from_toml("name = \"lat\"\npe = \"mul\"\nk = 3\nimage_width = 5\nact_bits = 8\n", "test")
            .expect("valid design");
        let verilog = nbq_rtl::with_block!(c, [nbq_rtl::conv::ShiftConv], [nbq_rtl::conv::MulConv],
            (c.k, c.image_width, c.widths), e => nbq_rtl::emit::verilog(&mut e))
        .expect("emits");
        assert_eq!(measured_latency(&c, Level::Convolver, &verilog), Latency::of(3, Level::Convolver).cycles());
    }
}
