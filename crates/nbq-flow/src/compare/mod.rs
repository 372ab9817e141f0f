//! SVPE against VPE: the same array with shift PEs or 16-bit multiplier PEs, compared (a) at equal geometry for
//! n = 1..5 bits (the n-BQ-NN paper's Table VII) and (b) at an equal budget: the largest engine within the
//! paper's 768 DSPs on the ZCU102, within the HX8K's 7,680 logic cells and within the ECP5 LFE5U-85F's 156
//! multipliers and fabric, with the throughput on the AlexNet convolution layers computed from cycle counts
//! measured in co-simulation (the paper's Table VIII).
//!
//! Every resource figure comes from a Yosys run made here; every cycle count from an Icarus simulation of the
//! emitted Verilog whose outputs matched the golden model. What differs from the paper's setup is listed in
//! [`Comparison::notes`].
//!
//! [`compare`] runs the measurements (`measure.rs`) in parallel, then sizes the engines within the budgets
//! (`budget.rs`); the Markdown and CSV reports are in `report.rs`, the SVG chart in `chart.rs`.

mod budget;
mod chart;
mod measure;
mod report;

use nbq_rtl::{DesignConfig, PeKind};
use rayon::prelude::*;
use serde::Serialize;

pub use budget::{Budgeted, EqualLc, Layer, ALEXNET, DSP_BUDGET, ZCU102_MHZ};
pub use measure::{measure, StreamCycles, Variant};

use crate::error::FlowError;
use crate::pool::{in_job_order, Tasks};

/// What [`compare`] measured and derived: both tables, the stream cycles, and what differs from the paper.
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
    /// The same on the ULX3S's LFE5U-85F (156 MULT18X18D and its fabric) at each convolver's routed Fmax; None
    /// where not even one convolver fits or none was placed.
    pub ecp5_budget: Vec<Option<Budgeted>>,
    pub speedup: f64,
    pub hx8k: EqualLc,
    pub notes: Vec<String>,
}

/// The whole comparison for the k, A and image width of `c`, shift PEs at each of `bits` against the VPE.
/// The synthesis and simulation jobs run on at most `workers` threads, `done(label, total)` called as each
/// finishes; every job runs, and the first error in the jobs' listed order is returned.
pub fn compare(
    c: &DesignConfig,
    bits: &[usize],
    workers: usize,
    done: &(dyn Fn(&str, usize) + Sync),
) -> Result<Comparison, FlowError> {
    // Every design is validated before any job starts.
    let mut kinds: Vec<(PeKind, Option<usize>)> = bits.iter().map(|&n| (PeKind::Shift, Some(n))).collect();
    kinds.push((PeKind::Mul, None));
    let configs: Vec<(DesignConfig, PeKind, Option<usize>)> = kinds
        .iter()
        .map(|&(pe, b)| Ok((measure::with(c, pe, b, c.image_width)?, pe, b)))
        .collect::<Result<_, FlowError>>()?;
    // Stream timing on the AlexNet input sizes (layers 3 to 5 share one), with the design's k.
    let stream_cfgs: Vec<(&'static str, DesignConfig, usize)> = ALEXNET[..3]
        .iter()
        .map(|l| {
            let (h, w) = (l.out_h + c.k - 1, l.out_w + c.k - 1);
            Ok((l.name, measure::with(c, PeKind::Shift, Some(c.widths.code.min(5)), w)?, h))
        })
        .collect::<Result<_, FlowError>>()?;

    let tasks = Tasks::new(measure::JOBS_PER_VARIANT * configs.len() + stream_cfgs.len(), workers, done)?;
    let (geometry, stream) = tasks.install(|| {
        rayon::join(
            || in_job_order(configs.par_iter().map(|(cfg, pe, b)| measure::variant(&tasks, cfg, *pe, *b)).collect()),
            || {
                let jobs = stream_cfgs.par_iter().map(|(layer, cfg, h)| measure::stream_cycles(&tasks, layer, cfg, *h));
                in_job_order(jobs.collect())
            },
        )
    });
    let (geometry, stream) = (geometry?, stream?);

    // (b) equal budgets, for the n of the design (or 3) against the VPE.
    let n_ref = if c.pe == PeKind::Shift { c.widths.code } else { 3 };
    let svpe = geometry.iter().find(|v| v.code_bits == Some(n_ref)).unwrap_or(&geometry[0]);
    let vpe = &geometry[geometry.len() - 1];
    let zcu102_budget = budget::zcu102(svpe, vpe, c.k, &stream)?;
    let hx8k_budget = budget::hx8k(svpe, vpe, c.k, &stream);
    let ecp5_budget = budget::ecp5(svpe, vpe, c.k, &stream);
    let speedup = zcu102_budget[0].mean_gops / zcu102_budget[1].mean_gops;
    let hx8k = budget::equal_lc(svpe, vpe);
    Ok(Comparison {
        design: c.name.clone(),
        k: c.k,
        act_bits: c.widths.act,
        geometry,
        stream,
        zcu102_budget,
        hx8k_budget,
        ecp5_budget,
        speedup,
        hx8k,
        notes: report::notes(c.k),
    })
}
