//! The measurements of one array: resources from Yosys, cycle counts from an Icarus co-simulation checked
//! against the golden model, Fmax from nextpnr-ice40. Each is one job of [`Tasks`].

use nbq_rtl::{DesignConfig, PeKind};
use nbq_tb::engine::{harness, vectors, Data, Level, Stream};
use serde::Serialize;

use crate::error::FlowError;
use crate::ice40::ice40_resources;
use crate::pool::Tasks;
use crate::report::Resources;
use crate::yosys::cell_counts;
use crate::zcu102;

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
    /// Yosys `synth_ecp5` of one convolver (`lut` counts LUT4s, `dsp` MULT18X18D).
    pub ecp5: Resources,
    /// Fmax of the convolver in its self-test top on the ULX3S's LFE5U-85F (nextpnr-ecp5), or why it was not
    /// placed.
    pub ecp5_fmax_mhz: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecp5_note: Option<String>,
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

/// The jobs [`variant`] runs.
pub(super) const JOBS_PER_VARIANT: usize = 6;

/// The 1×1 engine of `c`'s k and activation bits with `pe` PEs (`bits`-bit codes) on `width`-pixel lines.
pub(super) fn with(c: &DesignConfig, pe: PeKind, bits: Option<usize>, width: usize) -> Result<DesignConfig, FlowError> {
    let raw = crate::sweep::design(&c.name, pe, bits, c.k, width, c.widths.act, (1, 1));
    Ok(DesignConfig::new(raw, "compare")?)
}

/// Simulates one image of `h` rows through `c`'s 1×1 engine under Icarus, checks every output against the golden
/// model, and returns (latency of the first window in cycles, cycles from the first pixel to the last output).
pub fn measure(c: &DesignConfig, h: usize) -> Result<(usize, u64), FlowError> {
    let g = nbq_rtl::generate(c)?;
    let s = Stream { height: h, images: 1, stall: 0.0, data: Data::Random, seed: 1, framed: false };
    let (stim, exp) = vectors(c, Level::Engine, &s);
    let hn = harness(c, Level::Engine);
    let got = nbq_tb::icarus::simulate(&g.verilog, &hn, &stim, None)?;
    if let Some(m) = nbq_tb::check::first_mismatch(&c.name, &hn, &got, &exp) {
        return Err(FlowError::Mismatch(Box::new(m)));
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

/// The [`Variant`] of `cfg` (a 1×1 engine with `pe` PEs, `code_bits`-bit codes): its [`JOBS_PER_VARIANT`] jobs
/// run in parallel on `t`; the first error in the order below is returned.
pub(super) fn variant(
    t: &Tasks<'_>,
    cfg: &DesignConfig,
    pe: PeKind,
    code_bits: Option<usize>,
) -> Result<Variant, FlowError> {
    let n = &cfg.name;
    let zcu102 = || {
        t.run(&format!("{n}: ZCU102 estimate"), || {
            let g = nbq_rtl::generate(cfg)?;
            Ok(zcu102::estimate(&g.params, &g.verilog)?.used)
        })
    };
    let ice40 = || {
        t.run(&format!("{n}: iCE40 convolver"), || {
            let g = nbq_rtl::generate(cfg)?;
            Ok(ice40_resources(&cell_counts(&g.verilog, "synth_ice40 -top top")?))
        })
    };
    let pe_lcs = || {
        t.run(&format!("{n}: iCE40 PE"), || {
            let v = nbq_rtl::generate_pe(cfg)?;
            let r = ice40_resources(&cell_counts(&v, "synth_ice40 -top top")?);
            Ok(r.lut.max(r.ff).max(r.carry))
        })
    };
    let latency = || t.run(&format!("{n}: latency (Icarus)"), || Ok(measure(cfg, cfg.k + 1)?.0));
    let fmax = || t.run(&format!("{n}: iCE40 place and route"), || ice40_fmax(cfg));
    let ecp5 = || t.run(&format!("{n}: ECP5 synthesis, place and route"), || ecp5_flow(cfg));
    let ((zcu102, ice40), ((pe_lcs, ecp5), (latency, fmax))) = rayon::join(
        || rayon::join(zcu102, ice40),
        || rayon::join(|| rayon::join(pe_lcs, ecp5), || rayon::join(latency, fmax)),
    );
    let (zcu102, ice40, pe_lcs, latency, fmax) = (zcu102?, ice40?, pe_lcs?, latency?, fmax?);
    let (ecp5, ecp5_fmax) = ecp5?;
    let label = match code_bits {
        Some(n) => format!("SVPE n={n}"),
        None => "VPE 16-bit".into(),
    };
    Ok(Variant {
        label,
        pe,
        code_bits,
        zcu102,
        ice40,
        ice40_pe_lcs: pe_lcs,
        latency_cycles: latency,
        ice40_fmax_mhz: fmax.as_ref().ok().copied(),
        ice40_note: fmax.err(),
        ecp5,
        ecp5_fmax_mhz: ecp5_fmax.as_ref().ok().copied(),
        ecp5_note: ecp5_fmax.err(),
    })
}

/// The ULX3S flow of `cfg`'s convolver in its self-test top: the convolver's own Yosys counts, and the routed
/// Fmax or (not an error) why there is none: the design does not fit, or nextpnr reported no Fmax. A design that
/// does not fit is synthesized alone for its counts.
fn ecp5_flow(cfg: &DesignConfig) -> Result<(Resources, Result<f64, String>), FlowError> {
    match crate::ecp5::build(cfg, &[], &mut |_| {}) {
        Ok(b) => Ok((
            b.report.design_alone.unwrap_or(b.report.used),
            b.report.fmax_mhz.filter(|f| *f > 0.0).ok_or_else(|| "no Fmax reported".to_string()),
        )),
        Err(e @ FlowError::DoesNotFit { .. }) => {
            let g = nbq_rtl::generate(cfg)?;
            Ok((crate::ecp5::convolver_resources(&g.verilog)?, Err(e.to_string())))
        }
        Err(e) => Err(e),
    }
}

/// Fmax of `cfg`'s convolver placed and routed in its self-test top on the HX8K, or (not an error) why there is
/// none: the design does not fit, or nextpnr reported no Fmax.
fn ice40_fmax(cfg: &DesignConfig) -> Result<Result<f64, String>, FlowError> {
    match crate::ice40::build(cfg, &[], &mut |_| {}) {
        Ok(b) => Ok(b.report.fmax_mhz.ok_or_else(|| "no Fmax reported".to_string())),
        Err(e @ FlowError::DoesNotFit { .. }) => Ok(Err(e.to_string())),
        Err(e) => Err(e),
    }
}

/// The stream cycles of one image of `h` rows through `cfg`'s convolver (one job on `t`), for `layer`.
pub(super) fn stream_cycles(
    t: &Tasks<'_>,
    layer: &'static str,
    cfg: &DesignConfig,
    h: usize,
) -> Result<StreamCycles, FlowError> {
    let w = cfg.image_width;
    let cycles = t.run(&format!("stream cycles {h}×{w} (Icarus)"), || Ok(measure(cfg, h)?.1))?;
    Ok(StreamCycles { layer, in_h: h, in_w: w, cycles })
}
