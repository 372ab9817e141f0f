//! The comparison as text: a Markdown report with the paper's figures beside ours, and CSV rows.

use super::budget::{ALEXNET, DSP_BUDGET, ZCU102_MHZ};
use super::Comparison;
use crate::ice40::HX8K_LCS;

/// What differs from the paper's setup, for a `k`×`k` kernel.
pub(super) fn notes(k: usize) -> Vec<String> {
    vec![
        "Resources are Yosys 'synth_xilinx -family xcup' / 'synth_ice40' counts, not Vivado's; the paper's are \
         Vivado's after implementation."
            .into(),
        "Adders are in the fabric (adders = \"fabric\"): our SVPE uses no DSP at all, where the paper's uses k DSPs \
         as adders; our VPE uses one DSP48E2 per multiplier (k²), the paper's k² + k."
            .into(),
        format!(
            "Throughput is computed from cycle counts measured in Icarus co-simulation at the paper's \
             {ZCU102_MHZ} MHz (no Vivado timing here), for AlexNet's layer shapes with the design's {k}×{k} kernel \
             for every layer (AlexNet's 11×11 and 5×5 kernels are not decomposed) and ungrouped channels."
        ),
        "Weights load through the 16-bit weight bus, floor(16 / n) codes per cycle for the SVPE and one weight per \
         cycle for the VPE (k²·Pn·Pm / lanes cycles per pass), and are not double-buffered: loading does not overlap \
         streaming, unlike the paper's engine. The load cycles are the engine's loading protocol (params.json \
         weight_load_cycles), which the engine co-simulation tests exercise for every lane count."
            .into(),
        "ECP5: Yosys 0.70 synth_ecp5 and nextpnr-ecp5 0.11 from the YoWASP packages on PyPI, on the ULX3S's \
         LFE5U-85F (speed grade 6), which the paper did not use; a 16×16 multiplier takes one MULT18X18D."
            .into(),
        "Engine resources are scaled from one convolver (Pn·Pm convolvers; the per-cluster adders are left out)."
            .into(),
    ]
}

impl Comparison {
    /// The Markdown report, with the paper's figures beside ours.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "# SVPE vs VPE: {} (k = {}, A = {})\n\n## (a) Equal geometry: one {k}×{k} convolver (paper: Table VII)\n\n\
             | array | ZCU102 LUT | FF | carry | DSP | BRAM | iCE40 LUT4 | iCE40 FF | LC per PE | latency (cycles) | \
             HX8K Fmax (MHz) | ECP5 LUT4 | ECP5 FF | ECP5 DSP | ECP5 Fmax (MHz) |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            self.design,
            self.k,
            self.act_bits,
            k = self.k
        );
        for v in &self.geometry {
            let (z, i) = (v.zcu102, v.ice40);
            let fmax = v.ice40_fmax_mhz.map_or_else(|| "does not fit".to_string(), |f| format!("{f:.1}"));
            let e = v.ecp5;
            let e_fmax = v.ecp5_fmax_mhz.map_or_else(|| "does not fit".to_string(), |f| format!("{f:.1}"));
            s += &format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {fmax} | {} | {} | {} | {e_fmax} |\n",
                v.label,
                z.lut,
                z.ff,
                z.carry,
                z.dsp,
                z.bram,
                i.lut,
                i.ff,
                v.ice40_pe_lcs,
                v.latency_cycles,
                e.lut,
                e.ff,
                e.dsp
            );
        }
        s += "| paper SVPE n=3 (Vivado) | 307 | 232 | - | 3 | - | - | - | - | - | - | - | - | - | - |\n";
        s += "| paper VPE 16-bit (Vivado) | 41 | 213 | - | 12 | - | - | - | - | - | - | - | - | - | - |\n";
        s += "\nHX8K and ECP5 Fmax: the convolver in its self-test board top, nextpnr seed 1 (nextpnr-ice40 at the \
              Alchitry Cu's 100 MHz, nextpnr-ecp5 at the ULX3S's 25 MHz, speed grade 6); the ZCU102 has no Fmax \
              here (Yosys does no timing; run the Vivado script of `nbq synth -t zcu102`).\n";
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
        s += "\nECP5 LFE5U-85F (ULX3S), 156 MULT18X18D, 83,640 logic cells, 208 EBR, at each convolver's routed Fmax \
              (the board's 25 MHz oscillator needs a PLL for it):\n\n\
              | array | (Pn, Pm) | logic cells | FF | DSP | MHz | mean GOP/s |\n|---|---|---:|---:|---:|---:|---:|\n";
        for (b, v) in self.ecp5_budget.iter().zip(["SVPE", "VPE"]) {
            s += &match b {
                Some(b) => format!(
                    "| {} | ({}, {}) | {} | {} | {} | {:.1} | {:.2} |\n",
                    b.label,
                    b.pn,
                    b.pm,
                    b.used.lut + 2 * b.used.carry,
                    b.used.ff,
                    b.used.dsp,
                    b.mhz,
                    b.mean_gops
                ),
                None => format!("| {v} | does not fit | | | | | 0 |\n"),
            };
        }
        if let [Some(a), Some(b)] = &self.ecp5_budget[..] {
            s += &format!("\nECP5 SVPE / VPE throughput: {:.2}x\n", a.mean_gops / b.mean_gops);
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
        let mut s = String::from(
            "table,array,pn,pm,zcu102_lut,zcu102_ff,zcu102_carry,zcu102_dsp,zcu102_bram,ice40_lut4,ice40_ff,\
             ice40_pe_lc,latency_cycles,ice40_fmax_mhz,ecp5_lut4,ecp5_ff,ecp5_carry,ecp5_dsp,ecp5_fmax_mhz,mhz,\
             mean_gops\n",
        );
        for v in &self.geometry {
            let (z, i, e) = (v.zcu102, v.ice40, v.ecp5);
            let fmax = v.ice40_fmax_mhz.map_or(String::new(), |f| format!("{f:.1}"));
            let e_fmax = v.ecp5_fmax_mhz.map_or(String::new(), |f| format!("{f:.1}"));
            s += &format!(
                "geometry,{},1,1,{},{},{},{},{},{},{},{},{},{fmax},{},{},{},{},{e_fmax},,\n",
                v.label,
                z.lut,
                z.ff,
                z.carry,
                z.dsp,
                z.bram,
                i.lut,
                i.ff,
                v.ice40_pe_lcs,
                v.latency_cycles,
                e.lut,
                e.ff,
                e.carry,
                e.dsp
            );
        }
        for b in &self.zcu102_budget {
            let u = b.used;
            s += &format!(
                "dsp_budget,{},{},{},{},{},{},{},{},,,,,,,,,,,{},{:.3}\n",
                b.label, b.pn, b.pm, u.lut, u.ff, u.carry, u.dsp, u.bram, b.mhz, b.mean_gops
            );
        }
        for b in self.ecp5_budget.iter().flatten() {
            let u = b.used;
            s += &format!(
                "ecp5_budget,{},{},{},,,,,,,,,,,{},{},{},{},,{:.1},{:.3}\n",
                b.label, b.pn, b.pm, u.lut, u.ff, u.carry, u.dsp, b.mhz, b.mean_gops
            );
        }
        s
    }
}
