//! The equal-budget half of the comparison (the paper's Table VIII): the largest engine of measured convolvers
//! within the ZCU102's DSP budget, within the HX8K's logic cells and within the LFE5U-85F's DSPs and fabric, and its throughput on AlexNet's convolution
//! layers from the measured stream cycles.

use serde::Serialize;

use super::measure::{StreamCycles, Variant};
use crate::error::FlowError;
use crate::ice40::HX8K_LCS;
use crate::report::Resources;
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

/// The SVPE and VPE engines within [`DSP_BUDGET`] and the ZCU102's fabric, at [`ZCU102_MHZ`]; `stream` holds the
/// measured cycles of AlexNet's first three input sizes (layers 3 to 5 share one).
pub(super) fn zcu102(
    svpe: &Variant,
    vpe: &Variant,
    k: usize,
    stream: &[StreamCycles],
) -> Result<Vec<Budgeted>, FlowError> {
    let a = zcu102::AVAILABLE;
    let fits = |r: &Resources, p: u64| {
        r.dsp * p <= DSP_BUDGET && r.lut * p <= a.lut && r.ff * p <= a.ff && r.carry * p <= a.carry
    };
    [svpe, vpe]
        .iter()
        .map(|v| {
            budgeted(v, v.zcu102, &fits, ZCU102_MHZ, k, &|l| cycles_of(stream, l))
                .ok_or_else(|| FlowError::Measure(format!("not even one {} convolver fits the ZCU102", v.label)))
        })
        .collect()
}

/// The SVPE and VPE engines within the HX8K's logic cells and RAMs, at the measured Fmax (at most the board's
/// clock); None where not even one convolver fits or none was placed.
pub(super) fn hx8k(svpe: &Variant, vpe: &Variant, k: usize, stream: &[StreamCycles]) -> Vec<Option<Budgeted>> {
    let fits = |r: &Resources, p: u64| {
        r.lut.max(r.ff).max(r.carry) * p <= HX8K_LCS && (r.bram * p as f64) <= crate::ice40::HX8K_RAMS as f64
    };
    [svpe, vpe]
        .iter()
        .map(|v| {
            let mhz = v.ice40_fmax_mhz?.min(crate::ice40::Board::alchitry_cu().ok()?.clock_mhz);
            budgeted(v, v.ice40, &fits, mhz, k, &|l| cycles_of(stream, l))
        })
        .collect()
}

/// The SVPE and VPE engines within the LFE5U-85F's 156 MULT18X18D, logic cells, flip-flops, EBR and
/// distributed RAM, at each convolver's routed Fmax (the ULX3S's 25 MHz oscillator would need a PLL for it);
/// None where not even one convolver fits or none was placed. A convolver costs its LUT4s plus two logic cells
/// per carry (nextpnr packs a CCU2C into two).
pub(super) fn ecp5(svpe: &Variant, vpe: &Variant, k: usize, stream: &[StreamCycles]) -> Vec<Option<Budgeted>> {
    let a = crate::ecp5::LFE5U_85F;
    let fits = |r: &Resources, p: u64| {
        (r.lut + 2 * r.carry) * p <= a.lut
            && r.ff * p <= a.ff
            && r.dsp * p <= a.dsp
            && r.bram * p as f64 <= a.bram
            && r.lutram * p <= a.lutram
    };
    [svpe, vpe].iter().map(|v| budgeted(v, v.ecp5, &fits, v.ecp5_fmax_mhz?, k, &|l| cycles_of(stream, l))).collect()
}

/// How many PEs of each kind fit the HX8K's logic cells.
pub(super) fn equal_lc(svpe: &Variant, vpe: &Variant) -> EqualLc {
    let svpe_pes = HX8K_LCS / svpe.ice40_pe_lcs.max(1);
    let vpe_pes = HX8K_LCS / vpe.ice40_pe_lcs.max(1);
    EqualLc {
        svpe_pe_lcs: svpe.ice40_pe_lcs,
        vpe_pe_lcs: vpe.ice40_pe_lcs,
        svpe_pes,
        vpe_pes,
        ratio: svpe_pes as f64 / vpe_pes.max(1) as f64,
    }
}

/// The measured stream cycles of layer `l`'s input (layers 3 to 5 share the third size).
fn cycles_of(stream: &[StreamCycles], l: &Layer) -> u64 {
    let i = ALEXNET.iter().position(|x| x.name == l.name).unwrap_or(0).min(2);
    stream[i].cycles
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

#[cfg(test)]
mod tests {
    use nbq_rtl::PeKind;

    use super::*;

    fn vpe(dsp: u64) -> Variant {
        Variant {
            label: "VPE 16-bit".into(),
            pe: PeKind::Mul,
            code_bits: None,
            zcu102: Resources { lut: 40, ff: 200, dsp, ..Resources::default() },
            ice40: Resources::default(),
            ice40_pe_lcs: 1,
            latency_cycles: 3,
            ice40_fmax_mhz: None,
            ice40_note: None,
            ecp5: Resources { lut: 100, ff: 300, dsp, ..Resources::default() },
            ecp5_fmax_mhz: Some(100.0),
            ecp5_note: None,
        }
    }

    #[test]
    fn nine_dsp_convolvers_get_the_papers_vpe_shape_and_an_oversized_one_is_named() {
        let stream = [("conv1", 100), ("conv2", 50), ("conv3", 20)].map(|(layer, cycles)| StreamCycles {
            layer,
            in_h: 0,
            in_w: 0,
            cycles,
        });
        // 768 / 9 DSPs: 85 convolvers, so 64 as (4, 16), the paper's Pm = 4·Pn shape.
        let b = zcu102(&vpe(9), &vpe(9), 3, &stream).unwrap();
        assert_eq!((b[0].pn, b[0].pm, b[0].used.dsp), (4, 16, 576));
        // conv4 and conv5 reuse conv3's measured cycles.
        let load = nbq_rtl::conv::weight_load_cycles(3, 16, 4, 16) as u64;
        assert_eq!(b[0].layers[4].1, (384usize.div_ceil(4) * 256usize.div_ceil(16)) as u64 * (load + 20 + 1));
        let e = zcu102(&vpe(9), &vpe(DSP_BUDGET + 1), 3, &stream).unwrap_err().to_string();
        assert_eq!(e, "not even one VPE 16-bit convolver fits the ZCU102");
        assert!(hx8k(&vpe(9), &vpe(9), 3, &stream).iter().all(Option::is_none), "no Fmax, no HX8K engine");
        // The LFE5U-85F's 156 multipliers: 17 nine-DSP convolvers, so 16 as (2, 8); at 157 DSPs none fits.
        let e = ecp5(&vpe(9), &vpe(157), 3, &stream);
        assert_eq!((e[0].as_ref().unwrap().pn, e[0].as_ref().unwrap().pm), (2, 8));
        assert_eq!(e[0].as_ref().unwrap().mhz, 100.0);
        assert!(e[1].is_none());
    }
}
