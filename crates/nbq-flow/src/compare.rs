//! SVPE against VPE: the same array with shift PEs or 16-bit multiplier PEs, compared (a) at equal geometry for
//! n = 1..5 bits (the n-BQ-NN paper's Table VII) and (b) at an equal budget: the largest engine within the
//! paper's 768 DSPs on the ZCU102 and within the HX8K's 7,680 logic cells, with the throughput on the AlexNet
//! convolution layers computed from cycle counts measured in co-simulation (the paper's Table VIII).
//!
//! Every resource figure comes from a Yosys run made here; every cycle count from an Icarus simulation of the
//! emitted Verilog whose outputs matched the golden model. What differs from the paper's setup is listed in
//! [`Comparison::notes`].

use nbq_rtl::{DesignConfig, PeKind};
use nbq_tb::engine::{harness, vectors, Data, Level, Stream};
use serde::Serialize;

use crate::ice40::{ice40_resources, HX8K_LCS};
use crate::pool::{pool, Job};
use crate::report::Resources;
use crate::yosys::{cell_counts, FlowError};
use crate::zcu102;

/// The paper's DSP budget on the ZCU102.
pub const DSP_BUDGET: u64 = 768;
/// Clock of the ZCU102 throughput figures (the paper's; no timing is measured without Vivado).
pub const ZCU102_MHZ: f64 = 200.0;

/// An AlexNet convolution layer: output size, input and output channels.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Layer {
    pub name: &'static str,
    pub out_h: usize,
    pub out_w: usize,
    pub n: usize,
    pub m: usize,
}

/// AlexNet's five convolution layers (Krizhevsky et al. 2012, ungrouped channel counts).
pub const ALEXNET: [Layer; 5] = [
    Layer { name: "conv1", out_h: 55, out_w: 55, n: 3, m: 96 },
    Layer { name: "conv2", out_h: 27, out_w: 27, n: 96, m: 256 },
    Layer { name: "conv3", out_h: 13, out_w: 13, n: 256, m: 384 },
    Layer { name: "conv4", out_h: 13, out_w: 13, n: 384, m: 384 },
    Layer { name: "conv5", out_h: 13, out_w: 13, n: 384, m: 256 },
];

/// One array at the design's geometry.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub label: String,
    pub pe: PeKind,
    pub code_bits: Option<usize>,
    /// Yosys `synth_xilinx -family xcup` of one convolver (the 1×1 engine).
    pub zcu102: Resources,
    /// Yosys `synth_ice40` of one convolver.
    pub ice40: Resources,
    /// Yosys `synth_ice40` of one PE: logic cells = max(LUT4, FF, carry).
    pub ice40_pe_lcs: u64,
    /// Cycles from the edge consuming a window's newest pixel to `valid_out` of its sums (Icarus).
    pub latency_cycles: usize,
    /// Fmax of the convolver in its self-test top on the HX8K (nextpnr-ice40), or why it was not placed.
    pub ice40_fmax_mhz: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ice40_note: Option<String>,
}

/// The largest engine within a budget and its AlexNet throughput.
#[derive(Debug, Clone, Serialize)]
pub struct Budgeted {
    pub label: String,
    pub pn: usize,
    pub pm: usize,
    /// Clock of the throughput figures.
    pub mhz: f64,
    pub used: Resources,
    /// (layer, cycles, GOP/s) at `mhz`.
    pub layers: Vec<(String, u64, f64)>,
    pub mean_gops: f64,
}

/// PEs of each kind that fit the HX8K's logic cells.
#[derive(Debug, Clone, Serialize)]
pub struct EqualLc {
    pub svpe_pe_lcs: u64,
    pub vpe_pe_lcs: u64,
    pub svpe_pes: u64,
    pub vpe_pes: u64,
    pub ratio: f64,
}

/// Measured stream timing of one k×k convolver on a layer's input size.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StreamCycles {
    pub layer: &'static str,
    pub in_h: usize,
    pub in_w: usize,
    /// Cycles from the first consumed pixel to the last `valid_out` of one image, no stalls (Icarus).
    pub cycles: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub design: String,
    pub k: usize,
    pub act_bits: usize,
    pub geometry: Vec<Variant>,
    pub stream: Vec<StreamCycles>,
    pub zcu102_budget: Vec<Budgeted>,
    /// The same on the HX8K's logic cells and RAMs at the measured Fmax (at most the board's 100 MHz); None where
    /// not even one convolver fits.
    pub hx8k_budget: Vec<Option<Budgeted>>,
    pub speedup: f64,
    pub hx8k: EqualLc,
    pub notes: Vec<String>,
}

fn with(c: &DesignConfig, pe: PeKind, bits: Option<usize>, width: usize) -> Result<DesignConfig, FlowError> {
    let toml = crate::sweep::design_toml(&c.name, pe, bits, c.k, width, c.widths.act, (1, 1));
    Ok(DesignConfig::from_toml(&toml, "compare")?)
}

/// Simulates one image of `h` rows through `c`'s 1×1 engine under Icarus, checks every output against the golden
/// model, and returns (latency of the first window in cycles, cycles from the first pixel to the last output).
pub fn measure(c: &DesignConfig, h: usize) -> Result<(usize, u64), FlowError> {
    let g = nbq_rtl::generate(c)?;
    let s = Stream { height: h, images: 1, stall: 0.0, data: Data::Random, seed: 1 };
    let (stim, exp) = vectors(c, Level::Engine, &s);
    let hn = harness(c, Level::Engine);
    let got = nbq_tb::icarus::simulate(&g.verilog, &hn, &stim, None)?;
    if let Some(m) = nbq_tb::check::first_mismatch(&c.name, &hn, &got, &exp) {
        return Err(FlowError::Measure(format!("co-simulation disagrees with the golden model: {m}")));
    }
    let valid_port = hn.outputs.iter().position(|p| p.name == "valid_out").unwrap_or(0);
    let valid: Vec<usize> = got
        .iter()
        .enumerate()
        .filter(|(_, o)| o.get(valid_port).cloned().flatten().is_some_and(|v| v.bit(0)))
        .map(|(i, _)| i)
        .collect();
    let (Some(&first), Some(&last)) = (valid.first(), valid.last()) else {
        return Err(FlowError::Measure(format!("{}: the simulation produced no window", c.name)));
    };
    // Stimulus: k² load cycles, then one pixel per cycle; the first window's newest pixel is pixel (k-1)·W + k-1.
    let load = c.k * c.k;
    let newest = load + (c.k - 1) * c.image_width + c.k - 1;
    Ok((first - newest, (last + 1 - load) as u64))
}

/// The whole comparison for the k, A and image width of `c`, shift PEs at each of `bits` against the VPE.
pub fn compare(
    c: &DesignConfig,
    bits: &[usize],
    workers: usize,
    done: &(dyn Fn(&str, usize) + Sync),
) -> Result<Comparison, FlowError> {
    let mut kinds: Vec<(PeKind, Option<usize>)> = bits.iter().map(|&n| (PeKind::Shift, Some(n))).collect();
    kinds.push((PeKind::Mul, None));
    let configs: Vec<DesignConfig> =
        kinds.iter().map(|&(pe, b)| with(c, pe, b, c.image_width)).collect::<Result<_, _>>()?;

    #[derive(Debug)]
    enum Out {
        Res(Resources),
        Lcs(u64),
        Lat(usize),
        Stream(u64),
        Fmax(Result<f64, String>),
    }
    // Stream timing on the AlexNet input sizes (layers 3 to 5 share one), with the design's k.
    let sizes: Vec<(&'static str, usize, usize)> =
        [ALEXNET[0], ALEXNET[1], ALEXNET[2]].iter().map(|l| (l.name, l.out_h + c.k - 1, l.out_w + c.k - 1)).collect();
    let stream_cfgs: Vec<(DesignConfig, usize)> = sizes
        .iter()
        .map(|&(_, h, w)| Ok((with(c, PeKind::Shift, Some(c.widths.code.min(5)), w)?, h)))
        .collect::<Result<_, FlowError>>()?;
    let mut jobs: Vec<Job<'_, Out>> = Vec::new();
    for cfg in &configs {
        let n = &cfg.name;
        jobs.push((
            format!("{n}: ZCU102 estimate"),
            Box::new(move || {
                let g = nbq_rtl::generate(cfg)?;
                Ok(Out::Res(zcu102::estimate(&g.params, &g.verilog)?.used))
            }),
        ));
        jobs.push((
            format!("{n}: iCE40 convolver"),
            Box::new(move || {
                let g = nbq_rtl::generate(cfg)?;
                Ok(Out::Res(ice40_resources(&cell_counts(&g.verilog, "synth_ice40 -top top")?)))
            }),
        ));
        jobs.push((
            format!("{n}: iCE40 PE"),
            Box::new(move || {
                let v = nbq_rtl::generate_pe(cfg)?;
                let r = ice40_resources(&cell_counts(&v, "synth_ice40 -top top")?);
                Ok(Out::Lcs(r.lut.max(r.ff).max(r.carry)))
            }),
        ));
        jobs.push((format!("{n}: latency (Icarus)"), Box::new(move || Ok(Out::Lat(measure(cfg, cfg.k + 1)?.0)))));
        jobs.push((
            format!("{n}: iCE40 place and route"),
            Box::new(move || {
                Ok(Out::Fmax(match crate::ice40::build(cfg, &mut |_| {}) {
                    Ok(b) => b.report.fmax_mhz.ok_or_else(|| "no Fmax reported".to_string()),
                    Err(e @ FlowError::DoesNotFit { .. }) => Err(e.to_string()),
                    Err(e) => return Err(e),
                }))
            }),
        ));
    }
    for (cfg, h) in &stream_cfgs {
        jobs.push((
            format!("stream cycles {}×{} (Icarus)", h, cfg.image_width),
            Box::new(move || Ok(Out::Stream(measure(cfg, *h)?.1))),
        ));
    }
    let outs = pool(jobs, workers, done)?;
    let mut it = outs.into_iter();
    let mut geometry = Vec::new();
    for &(pe, b) in &kinds {
        let (
            Some(Out::Res(zcu)),
            Some(Out::Res(ice)),
            Some(Out::Lcs(pe_lcs)),
            Some(Out::Lat(lat)),
            Some(Out::Fmax(fmax)),
        ) = (it.next(), it.next(), it.next(), it.next(), it.next())
        else {
            return Err(FlowError::Job("job results out of order".into()));
        };
        let label = match b {
            Some(n) => format!("SVPE n={n}"),
            None => "VPE 16-bit".into(),
        };
        geometry.push(Variant {
            label,
            pe,
            code_bits: b,
            zcu102: zcu,
            ice40: ice,
            ice40_pe_lcs: pe_lcs,
            latency_cycles: lat,
            ice40_fmax_mhz: fmax.as_ref().ok().copied(),
            ice40_note: fmax.err(),
        });
    }
    let mut stream = Vec::new();
    for (&(layer, h, w), out) in sizes.iter().zip(it) {
        let Out::Stream(cycles) = out else { return Err(FlowError::Job("job results out of order".into())) };
        stream.push(StreamCycles { layer, in_h: h, in_w: w, cycles });
    }
    let cycles_of = |l: &Layer| {
        let i = ALEXNET.iter().position(|x| x.name == l.name).unwrap_or(0).min(2);
        stream[i].cycles
    };

    // (b) equal DSP budget on the ZCU102, for the n of the design (or 3) against the VPE.
    let n_ref = if c.pe == PeKind::Shift { c.widths.code } else { 3 };
    let svpe = geometry.iter().find(|v| v.code_bits == Some(n_ref)).unwrap_or(&geometry[0]);
    let vpe = &geometry[geometry.len() - 1];
    let a = zcu102::AVAILABLE;
    let zcu_fits = |r: &Resources, p: u64| {
        r.dsp * p <= DSP_BUDGET && r.lut * p <= a.lut && r.ff * p <= a.ff && r.carry * p <= a.carry
    };
    let zcu_budget: Vec<Budgeted> = [svpe, vpe]
        .iter()
        .map(|v| {
            budgeted(v, v.zcu102, &zcu_fits, ZCU102_MHZ, c.k, &cycles_of)
                .ok_or_else(|| FlowError::Measure(format!("not even one {} convolver fits the ZCU102", v.label)))
        })
        .collect::<Result<_, _>>()?;
    let hx_fits = |r: &Resources, p: u64| {
        r.lut.max(r.ff).max(r.carry) * p <= HX8K_LCS && (r.bram * p as f64) <= crate::ice40::HX8K_RAMS as f64
    };
    let hx8k_budget: Vec<Option<Budgeted>> = [svpe, vpe]
        .iter()
        .map(|v| {
            let mhz = v.ice40_fmax_mhz?.min(crate::ice40::Board::alchitry_cu().ok()?.clock_mhz);
            budgeted(v, v.ice40, &hx_fits, mhz, c.k, &cycles_of)
        })
        .collect();
    let speedup = zcu_budget[0].mean_gops / zcu_budget[1].mean_gops;

    let svpe_pes = HX8K_LCS / svpe.ice40_pe_lcs.max(1);
    let vpe_pes = HX8K_LCS / vpe.ice40_pe_lcs.max(1);
    let hx8k = EqualLc {
        svpe_pe_lcs: svpe.ice40_pe_lcs,
        vpe_pe_lcs: vpe.ice40_pe_lcs,
        svpe_pes,
        vpe_pes,
        ratio: svpe_pes as f64 / vpe_pes.max(1) as f64,
    };
    let notes = vec![
        "Resources are Yosys 'synth_xilinx -family xcup' / 'synth_ice40' counts, not Vivado's; the paper's are \
         Vivado's after implementation."
            .into(),
        "Adders are in the fabric (adders = \"fabric\"): our SVPE uses no DSP at all, where the paper's uses k DSPs \
         as adders; our VPE uses one DSP48E2 per multiplier (k²), the paper's k² + k."
            .into(),
        format!(
            "Throughput is computed from cycle counts measured in Icarus co-simulation at the paper's \
             {ZCU102_MHZ} MHz (no Vivado timing here), for AlexNet's layer shapes with the design's {k}×{k} kernel \
             for every layer (AlexNet's 11×11 and 5×5 kernels are not decomposed) and ungrouped channels.",
            k = c.k
        ),
        "Weights load through the 16-bit weight bus, floor(16 / n) codes per cycle for the SVPE and one weight per \
         cycle for the VPE (k²·Pn·Pm / lanes cycles per pass), and are not double-buffered: loading does not overlap \
         streaming, unlike the paper's engine. The load cycles are the engine's loading protocol (params.json \
         weight_load_cycles), which the engine co-simulation tests exercise for every lane count."
            .into(),
        "Engine resources are scaled from one convolver (Pn·Pm convolvers; the per-cluster adders are left out)."
            .into(),
    ];
    Ok(Comparison {
        design: c.name.clone(),
        k: c.k,
        act_bits: c.widths.act,
        geometry,
        stream,
        zcu102_budget: zcu_budget,
        hx8k_budget,
        speedup,
        hx8k,
        notes,
    })
}

/// The largest power-of-two (Pn, Pm) whose convolvers (each costing `per`) pass `fits` (preferring the paper's
/// Pm = 4·Pn shape), and its AlexNet throughput at `mhz`; None if not even one convolver fits.
fn budgeted(
    v: &Variant,
    per: Resources,
    fits: &dyn Fn(&Resources, u64) -> bool,
    mhz: f64,
    k: usize,
    cycles_of: &dyn Fn(&Layer) -> u64,
) -> Option<Budgeted> {
    let mut best: Option<(usize, usize)> = None;
    for pn in (0..8).map(|i| 1usize << i) {
        for pm in (0..8).map(|i| 1usize << i) {
            if pm < pn || !fits(&per, (pn * pm) as u64) {
                continue;
            }
            let key = |(n, m): (usize, usize)| (n * m, m == 4 * n, m);
            if best.is_none_or(|b| key((pn, pm)) > key(b)) {
                best = Some((pn, pm));
            }
        }
    }
    let (pn, pm) = best?;
    let p = (pn * pm) as u64;
    let used = Resources {
        lut: per.lut * p,
        ff: per.ff * p,
        carry: per.carry * p,
        dsp: per.dsp * p,
        bram: per.bram * p as f64,
        lutram: per.lutram * p,
        io: 0,
    };
    let mut layers = Vec::new();
    let mut total = 0.0;
    for l in &ALEXNET {
        let passes = (l.n.div_ceil(pn) * l.m.div_ceil(pm)) as u64;
        // Per pass: load every kernel (the bus carries floor(16 / n) codes a cycle), stream the image, one more
        // cycle for the cluster adder.
        let load = nbq_rtl::conv::weight_load_cycles(k, v.code_bits.unwrap_or(16), pn, pm) as u64;
        let cycles = passes * (load + cycles_of(l) + 1);
        let ops = 2.0 * (l.out_h * l.out_w * l.n * l.m * k * k) as f64;
        let gops = ops / (cycles as f64 / (mhz * 1e6)) / 1e9;
        total += gops;
        layers.push((l.name.to_string(), cycles, gops));
    }
    Some(Budgeted { label: v.label.clone(), pn, pm, mhz, used, layers, mean_gops: total / ALEXNET.len() as f64 })
}

impl Comparison {
    /// The Markdown report, with the paper's figures beside ours.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "# SVPE vs VPE: {} (k = {}, A = {})\n\n## (a) Equal geometry: one {k}×{k} convolver (paper: Table VII)\n\n\
             | array | ZCU102 LUT | FF | carry | DSP | BRAM | iCE40 LUT4 | iCE40 FF | LC per PE | latency (cycles) | \
             HX8K Fmax (MHz) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            self.design,
            self.k,
            self.act_bits,
            k = self.k
        );
        for v in &self.geometry {
            let (z, i) = (v.zcu102, v.ice40);
            let fmax = v.ice40_fmax_mhz.map_or_else(|| "does not fit".to_string(), |f| format!("{f:.1}"));
            s += &format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {fmax} |\n",
                v.label, z.lut, z.ff, z.carry, z.dsp, z.bram, i.lut, i.ff, v.ice40_pe_lcs, v.latency_cycles
            );
        }
        s += "| paper SVPE n=3 (Vivado) | 307 | 232 | - | 3 | - | - | - | - | - | - |\n";
        s += "| paper VPE 16-bit (Vivado) | 41 | 213 | - | 12 | - | - | - | - | - | - |\n";
        s += "\nHX8K Fmax: the convolver in its self-test board top, nextpnr-ice40 seed 1, 100 MHz target; the \
              ZCU102 has no Fmax here (Yosys does no timing; run the Vivado script of `nbq synth -t zcu102`).\n";
        s += &format!(
            "\n## (b) Equal budget\n\nZCU102, at most {DSP_BUDGET} DSPs, {ZCU102_MHZ} MHz (paper: Table VIII, \
             (Pn, Pm) = (8, 32) vs (4, 16), 957.4 vs 332.2 GOP/s, 2.9x measured, 4.1x analytical):\n\n\
             | array | (Pn, Pm) | LUT | FF | DSP |"
        );
        for l in &ALEXNET {
            s += &format!(" {} GOP/s |", l.name);
        }
        s += " mean GOP/s |\n|---|---|---:|---:|---:|";
        s += &"---:|".repeat(ALEXNET.len() + 1);
        s += "\n";
        for b in &self.zcu102_budget {
            s += &format!("| {} | ({}, {}) | {} | {} | {} |", b.label, b.pn, b.pm, b.used.lut, b.used.ff, b.used.dsp);
            for (_, _, g) in &b.layers {
                s += &format!(" {g:.1} |");
            }
            s += &format!(" {:.1} |\n", b.mean_gops);
        }
        s += &format!("\nSVPE / VPE throughput: {:.2}x\n", self.speedup);
        s += "\niCE40-HX8K, 7,680 logic cells and 32 RAM4K, at the measured Fmax (at most the board's 100 MHz):\n\n\
              | array | (Pn, Pm) | LC (LUT4) | RAM4K | MHz | mean GOP/s |\n|---|---|---:|---:|---:|---:|\n";
        for (b, v) in self.hx8k_budget.iter().zip(["SVPE", "VPE"]) {
            s += &match b {
                Some(b) => format!(
                    "| {} | ({}, {}) | {} | {} | {:.1} | {:.2} |\n",
                    b.label, b.pn, b.pm, b.used.lut, b.used.bram, b.mhz, b.mean_gops
                ),
                None => format!("| {v} | does not fit | | | | 0 |\n"),
            };
        }
        let h = &self.hx8k;
        s += &format!(
            "\niCE40-HX8K, {HX8K_LCS} logic cells: an SVPE PE takes {} LCs, a VPE PE {} LCs: {} vs {} PEs, {:.1}x \
             as many shift PEs.\n",
            h.svpe_pe_lcs, h.vpe_pe_lcs, h.svpe_pes, h.vpe_pes, h.ratio
        );
        s += "\nMeasured stream cycles (one image through one convolver, no stalls, Icarus, outputs checked):\n\n";
        for st in &self.stream {
            s += &format!("- {} input {}×{}: {} cycles\n", st.layer, st.in_h, st.in_w, st.cycles);
        }
        s += "\nWhat differs from the paper's setup:\n\n";
        for n in &self.notes {
            s += &format!("- {n}\n");
        }
        s
    }

    /// One CSV row per array at equal geometry, then one per budgeted engine.
    pub fn csv(&self) -> String {
        let mut s = String::from("table,array,pn,pm,zcu102_lut,zcu102_ff,zcu102_carry,zcu102_dsp,zcu102_bram,ice40_lut4,ice40_ff,ice40_pe_lc,latency_cycles,ice40_fmax_mhz,mean_gops\n");
        for v in &self.geometry {
            let (z, i) = (v.zcu102, v.ice40);
            let fmax = v.ice40_fmax_mhz.map_or(String::new(), |f| format!("{f:.1}"));
            s += &format!(
                "geometry,{},1,1,{},{},{},{},{},{},{},{},{},{fmax},\n",
                v.label, z.lut, z.ff, z.carry, z.dsp, z.bram, i.lut, i.ff, v.ice40_pe_lcs, v.latency_cycles
            );
        }
        for b in &self.zcu102_budget {
            let u = b.used;
            s += &format!(
                "dsp_budget,{},{},{},{},{},{},{},{},,,,,,{:.3}\n",
                b.label, b.pn, b.pm, u.lut, u.ff, u.carry, u.dsp, u.bram, b.mean_gops
            );
        }
        s
    }

    /// An SVG chart: ZCU102 LUTs and FFs of one convolver by array, and AlexNet GOP/s at the DSP budget.
    pub fn svg(&self) -> Result<String, FlowError> {
        use plotters::prelude::*;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (960, 420)).into_drawing_area();
            let err = |e: &dyn std::fmt::Display| FlowError::Job(format!("chart: {e}"));
            root.fill(&WHITE).map_err(|e| err(&e))?;
            let (left, right) = root.split_horizontally(520);
            let n = self.geometry.len();
            let top = self.geometry.iter().map(|v| v.zcu102.lut.max(v.zcu102.ff)).max().unwrap_or(1) as f64 * 1.15;
            let mut ch = ChartBuilder::on(&left)
                .caption("One convolver on the ZCU102 (Yosys)", ("sans-serif", 18))
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(50)
                .build_cartesian_2d(0f64..n as f64, 0f64..top)
                .map_err(|e| err(&e))?;
            let labels: Vec<String> = self.geometry.iter().map(|v| v.label.clone()).collect();
            ch.configure_mesh()
                .disable_x_mesh()
                .x_labels(n)
                .x_label_formatter(&|x| labels.get(x.floor() as usize).cloned().unwrap_or_default())
                .y_desc("cells")
                .draw()
                .map_err(|e| err(&e))?;
            for (j, (name, color)) in [("LUT", BLUE), ("FF", RED)].into_iter().enumerate() {
                let bars = self.geometry.iter().enumerate().map(|(i, v)| {
                    let y = if j == 0 { v.zcu102.lut } else { v.zcu102.ff } as f64;
                    let x0 = i as f64 + 0.1 + 0.4 * j as f64;
                    Rectangle::new([(x0, 0.0), (x0 + 0.38, y)], color.filled())
                });
                ch.draw_series(bars)
                    .map_err(|e| err(&e))?
                    .label(name)
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
            }
            ch.configure_series_labels().border_style(BLACK).draw().map_err(|e| err(&e))?;

            let g_top = self.zcu102_budget.iter().flat_map(|b| b.layers.iter().map(|l| l.2)).fold(1.0, f64::max) * 1.15;
            let mut ch2 = ChartBuilder::on(&right)
                .caption(format!("AlexNet at {DSP_BUDGET} DSPs, {ZCU102_MHZ} MHz"), ("sans-serif", 18))
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(50)
                .build_cartesian_2d(0f64..ALEXNET.len() as f64, 0f64..g_top)
                .map_err(|e| err(&e))?;
            ch2.configure_mesh()
                .disable_x_mesh()
                .x_labels(ALEXNET.len())
                .x_label_formatter(&|x| ALEXNET.get(x.floor() as usize).map(|l| l.name.to_string()).unwrap_or_default())
                .y_desc("GOP/s")
                .draw()
                .map_err(|e| err(&e))?;
            for (j, (b, color)) in self.zcu102_budget.iter().zip([BLUE, RED]).enumerate() {
                let bars = b.layers.iter().enumerate().map(|(i, l)| {
                    let x0 = i as f64 + 0.1 + 0.4 * j as f64;
                    Rectangle::new([(x0, 0.0), (x0 + 0.38, l.2)], color.filled())
                });
                let label = format!("{} ({}, {})", b.label, b.pn, b.pm);
                ch2.draw_series(bars)
                    .map_err(|e| err(&e))?
                    .label(label)
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
            }
            ch2.configure_series_labels().border_style(BLACK).draw().map_err(|e| err(&e))?;
            root.present().map_err(|e| err(&e))?;
        }
        Ok(out)
    }
}
