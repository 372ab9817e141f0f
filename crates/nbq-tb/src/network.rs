//! A whole quantized CNN with every convolution layer computed by the *emitted Verilog* of a generated SVPE
//! engine (Verilator or Icarus), pooling and the head in software as the paper does on the ZCU102's ARM cores.
//!
//! Each conv layer gets its own engine: shift PEs, the layer's kernel size, image width, input activation width
//! and code width, GSNQ offsets from its scale group, and `(Pn, Pm)` clipped to its channels. A layer runs as
//! passes over (output-channel group of Pm, input-channel group of Pn): load that group's kernels through the
//! weight bus (zero codes for channels past the layer's), stream every image of the batch back to back (`clear`
//! on each image's first pixel), flush, and read one `sum_out` word per output channel each time `valid_out` is
//! high. The passes' partial sums are added over input-channel groups in software (the paper's output buffers).
//! Every sum is then compared with the golden convolution; any difference is an error naming the layer,
//! image, channel and pixel. The accuracy of the hardware is therefore the golden model's, or the run fails.

use nbq_quant::golden::net::{golden_conv, IntNet};
use nbq_quant::golden::{Activations, ConvOutput, ConvWeights};
use nbq_quant::Term;
use nbq_rtl::{DesignConfig, Generated, Latency, Ports, Role};

use crate::engine::{harness, load_words, output, Ctl, InputBus, Level};
use crate::harness::Harness;
use crate::{icarus, verilator, TbError};

/// The independent simulator that runs the emitted Verilog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Simulator {
    /// Icarus Verilog (iverilog + vvp); slow, no compile step
    Icarus,
    /// Verilator (a compiled C++ model of the Verilog); fast once compiled
    Verilator,
}

/// One conv layer's engine, generated and (for Verilator) compiled.
#[derive(Debug)]
pub struct LayerEngine {
    pub design: DesignConfig,
    pub generated: Generated,
    harness: Harness,
    model: Option<verilator::Model>,
}

/// The engines of a network.
#[derive(Debug)]
pub struct NetHardware {
    pub layers: Vec<LayerEngine>,
    /// Cycles simulated so far (every layer, every pass).
    pub cycles: usize,
}

/// Whether the flush completes no window of its own: its latency's worth of pixels stay within the first `k - 1` rows.
fn flush_is_silent(k: usize, width: usize) -> bool {
    k >= 2 && Latency::of(k, Level::Engine).pixels <= width * (k - 1)
}

impl NetHardware {
    /// Generates (and with Verilator compiles) one engine per conv layer; `progress(layer)` after each.
    pub fn build(
        net: &IntNet,
        prefix: &str,
        pn: usize,
        pm: usize,
        simulator: Simulator,
        mut progress: impl FnMut(usize),
    ) -> Result<NetHardware, TbError> {
        let mut layers = Vec::new();
        for l in 0..net.convs.len() {
            let name = format!("{prefix}_conv{l}");
            let design = DesignConfig::new(nbq_rtl::network::layer_design(net, l, &name, pn, pm), &name)
                .map_err(|source| TbError::LayerDesign { layer: l, source })?;
            let generated = nbq_rtl::generate(&design).map_err(|source| TbError::LayerEmit { layer: l, source })?;
            let harness = harness(&design, Level::Engine);
            let model = match simulator {
                Simulator::Verilator => Some(verilator::Model::build(&generated.verilog, &harness)?),
                Simulator::Icarus => None,
            };
            layers.push(LayerEngine { design, generated, harness, model });
            progress(l);
        }
        Ok(NetHardware { layers, cycles: 0 })
    }

    /// Conv layer `l` of a batch `x` on its engine, checked against the golden convolution.
    pub fn conv(&mut self, l: usize, x: &Activations, w: &ConvWeights) -> Result<ConvOutput<i64>, TbError> {
        let e = &self.layers[l];
        let c = &e.design;
        let (m, cin, k) = w.dims();
        let [n, xc, h, wd] = x.shape();
        if xc != cin || wd != c.image_width || k != c.k {
            return Err(TbError::Harness(format!(
                "conv layer {l}: input [{n}, {xc}, {h}, {wd}] with {k}x{k} kernels does not fit its engine \
                 (width {}, k = {})",
                c.image_width, c.k
            )));
        }
        if !flush_is_silent(k, wd) {
            return Err(TbError::Harness(format!(
                "conv layer {l}: {k}x{k} kernels on {wd}-pixel rows cannot be flushed between passes (k >= 2 needed)"
            )));
        }
        let (pn, pm) = (c.pn, c.pm);
        let (oh, ow) = (h + 1 - k, wd + 1 - k);
        let f = nbq_quant::CodeFormat::new(c.widths.code as u32)?;
        let code_of = |t: Term| -> u16 {
            match t {
                Term::Zero => 0,
                Term::Shift { negative, shift } => {
                    let off = if negative { c.offsets.1 } else { c.offsets.0 };
                    u16::from(f.encode(negative, shift - off))
                }
            }
        };
        let latency = Latency::of(k, Level::Engine);
        let bus = InputBus::new(c, Level::Engine);
        let (lanes, lat) = (bus.lanes, latency.pixels);
        let cycle = |valid: bool, clear: bool, px: &[i32], load: Option<u64>| {
            bus.cycle(Ctl { valid, clear, ..Ctl::default() }, px, load, &mut || 0)
        };
        let plane = h * wd;
        let (ogroups, igroups) = (m.div_ceil(pm), cin.div_ceil(pn));
        let mut stim = Vec::new();
        for og in 0..ogroups {
            for ig in 0..igroups {
                // Kernels of this pass, MCKK over the engine's (Pm, Pn); channels past the layer's are zero codes.
                let mut wts = Vec::with_capacity(pm * pn * k * k);
                for o in 0..pm {
                    for i in 0..pn {
                        let (mo, ci) = (og * pm + o, ig * pn + i);
                        for t in 0..k * k {
                            wts.push(if mo < m && ci < cin {
                                code_of(w.terms()[(mo * cin + ci) * k * k + t])
                            } else {
                                0
                            });
                        }
                    }
                }
                for word in load_words(k, lanes, c.widths.code, &wts) {
                    stim.push(cycle(false, false, &vec![0; pn], Some(word)));
                }
                for b in 0..n {
                    for i in 0..plane {
                        let px: Vec<i32> = (0..pn)
                            .map(|j| {
                                let ci = ig * pn + j;
                                if ci < cin {
                                    x.data()[(b * cin + ci) * plane + i]
                                } else {
                                    0
                                }
                            })
                            .collect();
                        stim.push(cycle(true, i == 0, &px, None));
                    }
                }
                // Flush: `lat` more pixels bring out the last windows. They start a fresh image (`clear`), so they
                // complete no window of their own (`lat` pixels stay within its first k - 1 rows).
                for i in 0..lat {
                    stim.push(cycle(true, i == 0, &vec![0; pn], None));
                }
                // The last window's sums come out `after_pixel` cycles after the last flush pixel; one more for margin.
                for _ in 0..latency.after_pixel() + 1 {
                    stim.push(cycle(false, false, &vec![0; pn], None));
                }
            }
        }
        let trace = match &e.model {
            Some(model) => model.run(&stim)?.0,
            None => icarus::simulate(&e.generated.verilog, &e.harness, &stim, None)?,
        };
        self.cycles += stim.len();
        // Every valid_out, in order: pass after pass, image after image, raster order.
        let io = Ports::design(c, Level::Engine);
        let valid_port = output(&io, Role::ValidOut);
        let mut sums = vec![0i64; n * m * oh * ow];
        let per_pass = n * oh * ow;
        let mut seen = 0usize;
        for (cyc, outs) in trace.iter().enumerate() {
            let valid = outs.get(valid_port).cloned().flatten().map(|v| v.bit(0));
            match valid {
                Some(false) => continue,
                Some(true) => {}
                None => return Err(TbError::Output { cycle: cyc, why: "valid_out is x or z".into() }),
            }
            let pass = seen / per_pass;
            if pass >= ogroups * igroups {
                return Err(TbError::Output {
                    cycle: cyc,
                    why: format!("conv layer {l}: more windows than the {} expected", ogroups * igroups * per_pass),
                });
            }
            let r = seen % per_pass;
            let (b, oy, ox) = (r / (oh * ow), (r / ow) % oh, r % ow);
            let og = pass / igroups;
            for o in 0..pm.min(m - og * pm) {
                let v = outs[output(&io, Role::SumOut(o))]
                    .as_ref()
                    .and_then(|v| v.to_i128(c.acc_tier))
                    .ok_or_else(|| TbError::Output { cycle: cyc, why: format!("sum_out${o} is x or z") })?;
                let mo = og * pm + o;
                sums[((b * m + mo) * oh + oy) * ow + ox] += v as i64;
            }
            seen += 1;
        }
        if seen != ogroups * igroups * per_pass {
            return Err(TbError::Output {
                cycle: trace.len(),
                why: format!("conv layer {l}: {seen} windows came out, {} expected", ogroups * igroups * per_pass),
            });
        }
        let gold = golden_conv(x, w)?;
        if let Some(i) = (0..sums.len()).find(|&i| sums[i] != gold.data[i]) {
            let (b, mo, oy, ox) = (i / (m * oh * ow), (i / (oh * ow)) % m, (i / ow) % oh, i % ow);
            return Err(TbError::NetMismatch {
                layer: l,
                image: b,
                channel: mo,
                y: oy,
                x: ox,
                expected: gold.data[i],
                actual: sums[i],
            });
        }
        Ok(ConvOutput { shape: [n, m, oh, ow], data: sums })
    }

    /// Classifies images through the engines (the golden comparison runs inside every layer).
    pub fn classify(&mut self, net: &IntNet, pixels: &[u16], n: usize) -> Result<Vec<usize>, TbError> {
        net.classify_with(pixels, n, |l, x, w| self.conv(l, x, w))
    }

    /// Classifies `n` images in simulation runs of `batch` images; `done(images)` after each run.
    pub fn classify_batched(
        &mut self,
        net: &IntNet,
        pixels: &[u16],
        n: usize,
        batch: usize,
        mut done: impl FnMut(usize),
    ) -> Result<Vec<usize>, TbError> {
        let per = pixels.len() / n.max(1);
        let mut out = Vec::with_capacity(n);
        for start in (0..n).step_by(batch.max(1)) {
            let m = batch.max(1).min(n - start);
            out.extend(self.classify(net, &pixels[start * per..(start + m) * per], m)?);
            done(m);
        }
        Ok(out)
    }
}
