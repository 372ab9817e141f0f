//! The network top's plan: every size, width, memory image and schedule count of the accelerator, computed from
//! the network IR ([`IntNet`]) and the engines' output-channel parallelism `Pm` per layer. The hardware blocks are
//! built from a plan and nothing else, and the cycle model that `nbq build` reports comes from it too.
//!
//! # Schedule (one engine per layer, the layers pipelined over successive images)
//! Each conv layer has its own SVPE engine of `(Pn, Pm) = (1, Pm)`: one input channel at a time and `Pm` output
//! channels. The layers work on different images at once ([`super::top`]): every layer's input memory holds two
//! images, so an image leaves every [`NetPlan::interval_cycles`] (the slowest layer) instead of the sum of all
//! layers. Why this schedule, measured on the HX8K (README, `bench/README.md`): one engine reused by every layer
//! must be as wide as the widest layer and needs a weight and partial-sum memory for all of them, while engines
//! of (1, Pm) are small (an MNIST top of two engines, Pm (1, 3), is 5,800 of 7,680 logic cells); running them
//! one after another left them idle most of the time (16,964 cycles per MNIST image at Pm (1, 3)), pipelined
//! they give 9,123 (10,960 images/s at 100 MHz) for three more RAM4K (24 to 27: the second slots).
//!
//! A layer runs `ceil(M / Pm) * C` passes, output-channel tile `t` outer and input channel `c` inner. A pass loads the engine's kernels (`k² * ceil(Pm / lanes)` cycles), streams the channel's `H * W` pixels and
//! one flush pixel (the engine's latency), and waits for its last window. The window sums of input channel `c` are added to the
//! tile's partial sums (one block RAM per output channel); after the last input channel the totals pass the
//! layer's comparator bank, then the 2×2 max-pool, and are written to the next layer's input memory. The fully
//! connected head reads the last feature map in PyTorch's flatten order, one feature per cycle, and adds
//! `±(x << shift)` for every class at once; then the argmax.
//!
//! # Memories
//! Layer `l`'s input memory has `P_in` banks (`P_in = 1` for the image, otherwise the previous layer's `Pm`):
//! channel `c` is bank `c % P_in` at word `(c / P_in) * H * W + y * W + x`, so a producing tile writes its `Pm`
//! channels in one cycle and a consuming pass reads its channel from one bank.

use nbq_quant::golden::width::accumulator_width;
use nbq_quant::net::{ConvLayer, IntNet, NetInput, HEAD_BIAS_FRACTION_BITS};
use nbq_quant::Term;

use crate::config::ConfigError;
use crate::conv::{weight_lanes, weight_load_cycles, Latency, Level};
use crate::widths::Widths;
use crate::DesignConfig;

/// Images each memory between stages holds (the layer pipeline's slots: one written while the other is read;
/// the top's slot pointers are one bit wide, so this is 2).
pub const SLOTS: usize = 2;
/// Most output channels one engine computes at once (8-bit codes packed in a 64-bit bus).
pub const MAX_PM: usize = 8;
/// Most classes (score registers and the reply's length).
pub const MAX_CLASSES: usize = 16;
/// Bits of the head's scores (two's complement) on the output stream.
pub const SCORE_BITS: usize = 32;
/// Cycles a pass waits after its last window so that its last feature-map write has landed, with a one-stage
/// comparator bank (each further stage of the bank's search adds one: [`ConvPlan::tail`]).
pub const PASS_TAIL: usize = 5;

/// Why a network cannot be built as a network top.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The network needs something the network top does not have; names the layer and what is allowed.
    #[error("{what}: {why}")]
    Unsupported { what: String, why: String },
    /// A layer's engine design is invalid.
    #[error("conv layer {layer}'s engine: {source}")]
    Engine { layer: usize, source: ConfigError },
    #[error(transparent)]
    Quant(#[from] nbq_quant::QuantError),
}

fn unsupported(what: impl Into<String>, why: impl Into<String>) -> NetError {
    NetError::Unsupported { what: what.into(), why: why.into() }
}

/// One conv layer of the top.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvPlan {
    pub layer: ConvLayer,
    /// The layer's engine (shift PEs, `(1, pm)`).
    pub engine: DesignConfig,
    pub pm: usize,
    /// Banks of the input memory.
    pub p_in: usize,
    /// Words per input bank: `ceil(C / p_in) * H * W`.
    pub in_depth: usize,
    /// Significant bits of a stored input value (unsigned).
    pub in_value_bits: usize,
    /// Convolution output size.
    pub out_h: usize,
    pub out_w: usize,
    /// Size written to the next layer's memory per channel (after the pool).
    pub next_h: usize,
    pub next_w: usize,
    pub tiles: usize,
    pub load_cycles: usize,
    /// Weight-bus words of every pass, pass after pass (tile outer, input channel inner).
    pub weight_words: Vec<u16>,
    /// Bits of the partial sums over all input channels (the partial-sum memories' width).
    pub total_bits: usize,
    pub thresholds: Vec<i64>,
}

impl ConvPlan {
    /// Flush pixels after each pass's stream: the engine's latency in consumed pixels.
    pub fn flush(&self) -> usize {
        Latency::of(self.layer.k, Level::Engine).pixels
    }

    /// Cycles of one pass: loading, streaming, flushing, the last window's registers and the tail.
    pub fn pass_cycles(&self) -> usize {
        let l = &self.layer;
        self.load_cycles
            + l.in_height * l.in_width
            + self.flush()
            + Latency::of(l.k, Level::Engine).registers
            + self.tail()
            + 2
    }

    /// Stages (cycles) of the layer's comparator banks' search.
    pub fn bank_stages(&self) -> usize {
        super::bank::code_bits(self.thresholds.len())
    }

    /// Cycles a pass waits after its last window: [`PASS_TAIL`] and the comparator bank's stages after the first.
    pub fn tail(&self) -> usize {
        PASS_TAIL + self.bank_stages() - 1
    }

    /// Words per bank of one slot of the next layer's input memory: `tiles * H' * W'`.
    pub fn out_depth(&self) -> usize {
        self.tiles * self.next_h * self.next_w
    }

    pub fn passes(&self) -> usize {
        self.tiles * self.layer.in_channels
    }

    pub fn cycles(&self) -> usize {
        self.passes() * self.pass_cycles()
    }
}

/// The head.
#[derive(Debug, Clone, PartialEq)]
pub struct FcPlan {
    pub p_in: usize,
    pub channels: usize,
    /// Positions per channel (`H * W` of the last feature map).
    pub plane: usize,
    pub in_depth: usize,
    pub in_value_bits: usize,
    pub classes: usize,
    pub code_bits: usize,
    pub offsets: (u8, u8),
    /// One word per feature: class `c`'s code in bits `c * n .. (c + 1) * n`.
    pub words: Vec<u128>,
    /// The integer bias of each class in score units.
    pub bias: Vec<i64>,
    /// Two's complement bits that hold every class's sum of `x * term` from its start `floor(B / 2^F)` (the
    /// score is the sum `* 2^F` with `B mod 2^F` below it).
    pub sum_bits: usize,
}

impl FcPlan {
    pub fn features(&self) -> usize {
        self.channels * self.plane
    }

    /// Features, the pipeline, and the argmax over the classes.
    pub fn cycles(&self) -> usize {
        self.features() + 5 + 2 * self.classes + 3
    }
}

/// Every number of a network top.
#[derive(Debug, Clone, PartialEq)]
pub struct NetPlan {
    pub input: NetInput,
    pub convs: Vec<ConvPlan>,
    pub fc: FcPlan,
    /// Accumulator tier and line-address width shared by every engine (the largest any layer needs).
    pub acc_tier: usize,
    pub line_addr_bits: usize,
}

impl NetPlan {
    /// Plans `net` with `pm[l]` output channels per engine (`pm` shorter than the layers repeats its last value;
    /// each is clipped to the layer's channels).
    pub fn new(net: &IntNet, pm: &[usize]) -> Result<NetPlan, NetError> {
        net.check()?;
        if net.convs.is_empty() {
            return Err(unsupported("the network", "has no conv layer; the network top needs at least one"));
        }
        if net.input.max_pixel > 255 {
            return Err(unsupported(
                "the input",
                format!("has pixels up to {}; the input stream carries 8-bit pixels (0..=255)", net.input.max_pixel),
            ));
        }
        let mut convs = Vec::new();
        let mut p_in = 1;
        for l in 0..net.convs.len() {
            let layer = net.conv_layer(l);
            let want = pm.get(l).or(pm.last()).copied().unwrap_or(1);
            if !(1..=MAX_PM).contains(&want) {
                return Err(unsupported(format!("conv layer {l}"), format!("Pm = {want}; allowed 1..={MAX_PM}")));
            }
            let pm = want.min(layer.out_channels);
            convs.push(Self::conv(net, l, layer, pm, p_in)?);
            p_in = pm;
        }
        let fc = Self::head(net, p_in)?;
        let acc_tier = convs.iter().map(|c| c.engine.acc_tier).max().unwrap_or(32);
        let line_addr_bits = convs.iter().map(|c| c.engine.line_addr_bits).max().unwrap_or(4);
        for (l, c) in convs.iter().enumerate() {
            if c.total_bits > acc_tier {
                return Err(unsupported(
                    format!("conv layer {l}"),
                    format!("needs {}-bit partial sums; the engines' tier is {acc_tier} bits", c.total_bits),
                ));
            }
        }
        Ok(NetPlan { input: net.input, convs, fc, acc_tier, line_addr_bits })
    }

    fn conv(net: &IntNet, l: usize, layer: ConvLayer, pm: usize, p_in: usize) -> Result<ConvPlan, NetError> {
        let (c, m, k, h, w) = (layer.in_channels, layer.out_channels, layer.k, layer.in_height, layer.in_width);
        let what = format!("conv layer {l}");
        // The flush that follows each pass must complete no window of its own (its pixels start a fresh image and
        // must stay in its first k - 1 rows), or its sums would come out during the next pass.
        let flush = crate::conv::window_latency(k);
        if k < 2 || flush > w * (k - 1) {
            return Err(unsupported(
                what,
                format!(
                    "a {k}x{k} kernel on {w}-pixel rows; the network top needs k >= 2 and its {flush}-pixel flush \
                     within W * (k - 1) pixels"
                ),
            ));
        }
        if layer.out_bits > 8 || layer.out_bits == 0 {
            return Err(unsupported(what, format!("{}-bit activations; allowed 1..=8", layer.out_bits)));
        }
        let name = format!("conv{l}");
        let engine = DesignConfig::new(super::layer_design(net, l, &name, 1, pm), &name)
            .map_err(|source| NetError::Engine { layer: l, source })?;
        let (out_h, out_w) = (h + 1 - k, w + 1 - k);
        let (next_h, next_w) = if layer.pool { (out_h / 2, out_w / 2) } else { (out_h, out_w) };
        let tiles = m.div_ceil(pm);
        let in_depth = c.div_ceil(p_in) * h * w;
        let next_depth = tiles * next_h * next_w;
        // The memories between layers hold SLOTS images each.
        for (name, depth) in [("input memory", SLOTS * in_depth), ("output memory", SLOTS * next_depth)] {
            if depth > 1 << 16 {
                return Err(unsupported(
                    what,
                    format!("its {name} has {depth} words (two images); at most 65,536 are allowed"),
                ));
            }
        }
        let in_value_bits = if l == 0 {
            (16 - net.input.max_pixel.leading_zeros() as usize).max(1)
        } else {
            usize::from(net.convs[l - 1].act.bits)
        };
        // Weight words: for each pass (tile t, input channel ci), the kernels of output channels t*pm + o in the
        // engine's MCKK order with Pn = 1 (zero codes past the layer's channels), through the engine's lanes.
        let codes = net.convs[l].weights.codes();
        let n = layer.code_bits as usize;
        let lanes = weight_lanes(n, 1, pm);
        let load_cycles = weight_load_cycles(k, n, 1, pm);
        let mut weight_words = Vec::new();
        for t in 0..tiles {
            for ci in 0..c {
                let mut kernels = Vec::with_capacity(pm * k * k);
                for o in 0..pm {
                    let mo = t * pm + o;
                    for i in 0..k * k {
                        kernels.push(if mo < m { u16::from(codes[(mo * c + ci) * k * k + i]) } else { 0 });
                    }
                }
                let words = crate::conv::load_words(k, lanes, n, &kernels);
                debug_assert_eq!(words.len(), load_cycles);
                weight_words.extend(words.into_iter().map(|w| w as u16));
            }
        }
        if weight_words.len() > 1 << 16 {
            return Err(unsupported(
                what,
                format!("needs {} weight-bus words; its weight memory holds at most 65,536", weight_words.len()),
            ));
        }
        let group = net.convs[l].weights.groups()[0];
        let format = net.convs[l].weights.format();
        let total_bits = accumulator_width(layer.in_bits, format, group, k as u32, c as u32)? as usize;
        let thresholds = net.convs[l].act.thresholds.clone();
        if thresholds.is_empty() || thresholds.len() > 255 {
            return Err(unsupported(what, format!("{} thresholds; allowed 1..=255", thresholds.len())));
        }
        if let Some(i) = (1..thresholds.len()).find(|&i| thresholds[i] < thresholds[i - 1]) {
            return Err(unsupported(what, format!("threshold {i} ({}) is below the one before it", thresholds[i])));
        }
        let bound = 1i64 << (total_bits - 1).min(62);
        if thresholds.iter().any(|t| t.abs() > bound) {
            return Err(unsupported(what, format!("a threshold lies outside its {total_bits}-bit partial sums")));
        }
        Ok(ConvPlan {
            layer,
            engine,
            pm,
            p_in,
            in_depth,
            in_value_bits,
            out_h,
            out_w,
            next_h,
            next_w,
            tiles,
            load_cycles,
            weight_words,
            total_bits,
            thresholds,
        })
    }

    fn head(net: &IntNet, p_in: usize) -> Result<FcPlan, NetError> {
        let (channels, h, w) = net.in_dims(net.convs.len());
        let plane = h * w;
        let s = net.fc.shape();
        let (classes, features) = (s[0], s[1]);
        if classes > MAX_CLASSES {
            return Err(unsupported("the head", format!("has {classes} classes; at most {MAX_CLASSES} are allowed")));
        }
        let n = usize::from(net.fc.format().bits());
        if classes * n > 128 {
            return Err(unsupported("the head", format!("{classes} classes of {n}-bit codes exceed a 128-bit word")));
        }
        let codes = net.fc.codes();
        let words: Vec<u128> = (0..features)
            .map(|f| (0..classes).fold(0u128, |acc, c| acc | u128::from(codes[c * features + f]) << (c * n)))
            .collect();
        let bias = net.head_bias()?;
        // The largest |score|: every feature at its largest code times the class's |term|, the fraction bits,
        // the bias.
        let x_max = (1i128 << net.convs[net.convs.len() - 1].act.bits) - 1;
        let terms = net.fc.terms();
        let mut sum_max = 0i128;
        for (c, &b) in bias.iter().enumerate() {
            let sum: i128 = terms[c * features..(c + 1) * features]
                .iter()
                .map(|t| match t {
                    Term::Zero => 0,
                    t => t.to_i128().map_or(i128::MAX / 4, |v| v.abs() * x_max),
                })
                .fold(0i128, |a, v| a.saturating_add(v));
            // The sum starts at floor(B / 2^F) (see `fc_unit`).
            sum_max = sum_max.max(sum.saturating_add((i128::from(b) >> HEAD_BIAS_FRACTION_BITS).abs()));
            let score = sum.saturating_mul(1 << HEAD_BIAS_FRACTION_BITS).saturating_add(i128::from(b).abs());
            if score >= 1i128 << (SCORE_BITS - 1) {
                return Err(unsupported(
                    "the head",
                    format!("class {c}'s score can reach {score}; scores are {SCORE_BITS}-bit two's complement"),
                ));
            }
        }
        let g = net.fc.groups()[0];
        let in_depth = channels.div_ceil(p_in) * plane;
        Ok(FcPlan {
            p_in,
            channels,
            plane,
            in_depth,
            in_value_bits: usize::from(net.convs[net.convs.len() - 1].act.bits),
            classes,
            code_bits: n,
            offsets: (g.offset_pos, g.offset_neg),
            words,
            bias,
            sum_bits: (128 - sum_max.leading_zeros() as usize + 1).max(2),
        })
    }

    /// Cycles from the image's last pixel to the reply's first word.
    pub fn compute_cycles(&self) -> usize {
        self.convs.iter().map(|c| c.cycles() + 1).sum::<usize>() + self.fc.cycles() + 3
    }

    /// Cycles per image on the stream: receiving its pixels, computing, and replying `1 + classes` words (two
    /// cycles each: the word is registered before it is offered).
    pub fn image_cycles(&self) -> usize {
        self.input.height * self.input.width + self.compute_cycles() + 2 * (1 + self.fc.classes)
    }

    /// Cycles between successive images when the stream is kept full: the slowest pipeline stage
    /// (`top`'s module doc). The stages are the receiver (one pixel a cycle), each conv layer, and the head
    /// with the reply (the head's one-slot score buffer is freed by the reply's last word). Each stage spends
    /// three more cycles on its handshake (its start pulse is registered, then its done flag, then its
    /// buffers' counts).
    pub fn interval_cycles(&self) -> usize {
        let receive = self.input.height * self.input.width;
        let head = self.fc.cycles() + 3 + 2 * (1 + self.fc.classes);
        self.convs.iter().map(|c| c.cycles() + 3).chain([receive, head]).max().unwrap_or(receive)
    }

    /// The engine widths of conv layer `l`.
    pub fn widths(&self, l: usize) -> Widths {
        self.convs[l].engine.widths
    }
}

/// One memory of the top, for reports and fit checks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MemoryInfo {
    pub name: String,
    pub words: usize,
    pub bits: usize,
}

/// One conv layer as `plan.json` states it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerInfo {
    pub k: usize,
    pub in_channels: usize,
    pub out_channels: usize,
    pub in_height: usize,
    pub in_width: usize,
    pub pool: bool,
    pub act_bits: usize,
    pub code_bits: usize,
    pub pm: usize,
    pub passes: usize,
    pub cycles: usize,
}

/// What `plan.json` holds: the schedule, the memories and the cycle model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanReport {
    pub generator: String,
    pub input: NetInput,
    pub classes: usize,
    pub layers: Vec<LayerInfo>,
    pub head_features: usize,
    pub head_cycles: usize,
    pub memories: Vec<MemoryInfo>,
    pub acc_tier: usize,
    /// Cycles from an image's first pixel to its reply's last word, without stalls (the model of
    /// [`NetPlan::image_cycles`]; the co-simulation measures the real figure).
    pub latency_cycles: usize,
    /// Cycles between successive images on a full stream: the slowest layer stage
    /// ([`NetPlan::interval_cycles`]).
    pub interval_cycles: usize,
    /// `100e6 / interval_cycles`.
    pub images_per_second_at_100mhz: f64,
    pub protocol: String,
}

impl NetPlan {
    /// Every memory of the top.
    pub fn memories(&self) -> Vec<MemoryInfo> {
        let mut v = Vec::new();
        for (l, c) in self.convs.iter().enumerate() {
            for b in 0..c.p_in {
                v.push(MemoryInfo {
                    name: format!("conv{l}.input{b}"),
                    words: SLOTS * c.in_depth,
                    bits: c.in_value_bits,
                });
            }
            v.push(MemoryInfo { name: format!("conv{l}.weights"), words: c.weight_words.len(), bits: 16 });
            if c.layer.in_channels > 1 {
                for i in 0..c.pm {
                    v.push(MemoryInfo {
                        name: format!("conv{l}.partial{i}"),
                        words: c.out_h * c.out_w,
                        bits: c.total_bits,
                    });
                }
            }
            for line in 0..c.pm * (c.layer.k - 1) {
                v.push(MemoryInfo {
                    name: format!("conv{l}.line{line}"),
                    words: 1 << c.engine.line_addr_bits,
                    bits: crate::widths::BUS_BITS,
                });
            }
        }
        for b in 0..self.fc.p_in {
            v.push(MemoryInfo {
                name: format!("fc.input{b}"),
                words: SLOTS * self.fc.in_depth,
                bits: self.fc.in_value_bits,
            });
        }
        v.push(MemoryInfo {
            name: "fc.weights".into(),
            words: self.fc.words.len(),
            bits: self.fc.classes * self.fc.code_bits,
        });
        v
    }

    /// The report `nbq build` writes as `plan.json`.
    pub fn report(&self) -> PlanReport {
        let interval = self.interval_cycles();
        PlanReport {
            generator: format!("nbq {}", env!("CARGO_PKG_VERSION")),
            input: self.input,
            classes: self.fc.classes,
            layers: self
                .convs
                .iter()
                .map(|c| LayerInfo {
                    k: c.layer.k,
                    in_channels: c.layer.in_channels,
                    out_channels: c.layer.out_channels,
                    in_height: c.layer.in_height,
                    in_width: c.layer.in_width,
                    pool: c.layer.pool,
                    act_bits: c.layer.in_bits as usize,
                    code_bits: c.layer.code_bits as usize,
                    pm: c.pm,
                    passes: c.passes(),
                    cycles: c.cycles(),
                })
                .collect(),
            head_features: self.fc.features(),
            head_cycles: self.fc.cycles(),
            memories: self.memories(),
            acc_tier: self.acc_tier,
            latency_cycles: self.image_cycles(),
            interval_cycles: interval,
            images_per_second_at_100mhz: 100e6 / interval as f64,
            protocol: "AXI4-Stream in: s_tdata[7:0] one pixel per beat in raster order, s_tlast on the image's last \
                       pixel; AXI4-Stream out: m_tdata[31:0], 1 + classes words (status: bits 7..0 class, bit 8 short \
                       frame, bit 9 long frame, bit 10 pixel out of range; then each class's 32-bit two's complement \
                       score), m_tlast on the last; see nbq_rtl::network::top"
                .into(),
        }
    }
}
