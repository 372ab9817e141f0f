//! One report schema for every target: resources used and available, and timing where the flow measures it.

use serde::Serialize;

use crate::target::Target;

/// Resource counts of a synthesized design (fields a target does not have are 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Resources {
    /// Look-up tables (Xilinx LUT1..LUT6), logic cells (iCE40 SB_LUT4) or ECP5 logic cells (a LUT4 or half a
    /// carry: nextpnr's TRELLIS_COMB; Yosys's LUT4 count before place-and-route).
    pub lut: u64,
    /// Flip-flops.
    pub ff: u64,
    /// Carry-chain cells (Xilinx CARRY4/CARRY8, iCE40 SB_CARRY).
    pub carry: u64,
    /// DSP slices (DSP48E2) or ECP5 18×18 multipliers (MULT18X18D).
    pub dsp: u64,
    /// Block RAM in 36 Kb equivalents (a RAMB18 counts one half), iCE40 4 Kb blocks or ECP5 18 Kb EBR blocks.
    pub bram: f64,
    /// LUTs used as memory or shift registers.
    pub lutram: u64,
    /// Package pins (0 for out-of-context designs, whose ports stay inside a larger design).
    pub io: u64,
}

/// What a synthesis flow reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub design: String,
    pub target: Target,
    pub device: String,
    /// The tool and step that produced the counts.
    pub source: String,
    pub used: Resources,
    pub available: Resources,
    /// Cells of the design itself, without a board's self-test logic around it (Yosys), when they differ from
    /// `used`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design_alone: Option<Resources>,
    /// Achieved maximum clock frequency, when the flow places and routes.
    pub fmax_mhz: Option<f64>,
    pub target_mhz: f64,
    /// Fmax of every nextpnr seed tried, when more than one was (`fmax_mhz` is then the best seed's, the one the
    /// bitstream comes from).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fmax_seeds: Vec<crate::ice40::SeedFmax>,
}

impl Report {
    /// A Markdown table of used / available / percent.
    pub fn markdown(&self) -> String {
        let row = |name: &str, u: f64, a: f64| {
            let pct = if a > 0.0 { format!("{:.2} %", 100.0 * u / a) } else { "-".into() };
            format!("| {name} | {u} | {a} | {pct} |\n")
        };
        let (u, a) = (self.used, self.available);
        let (lut, ram, lutram) = match self.target {
            Target::AlchitryCu => ("logic cells", "RAM4K", "LUTRAM/SRL"),
            Target::Zcu102 => ("LUT", "BRAM (36 Kb)", "LUTRAM/SRL"),
            Target::Ecp5Ulx3s => ("logic cells (TRELLIS_COMB)", "EBR (DP16KD, 18 Kb)", "distributed RAM (RAMW)"),
        };
        let mut s = format!(
            "{} on {} ({}), counts from {}\n\n| resource | used | available | use |\n|---|---:|---:|---:|\n",
            self.design,
            self.target.name(),
            self.device,
            self.source
        );
        s += &row(lut, u.lut as f64, a.lut as f64);
        s += &row("FF", u.ff as f64, a.ff as f64);
        s += &row("carry", u.carry as f64, a.carry as f64);
        if a.dsp > 0 {
            s += &row("DSP", u.dsp as f64, a.dsp as f64);
        }
        s += &row(ram, u.bram, a.bram);
        if a.lutram > 0 {
            s += &row(lutram, u.lutram as f64, a.lutram as f64);
        }
        if a.io > 0 {
            s += &row("IO", u.io as f64, a.io as f64);
        }
        if let Some(d) = self.design_alone {
            let dsp = if a.dsp > 0 { format!(", {} DSP", d.dsp) } else { String::new() };
            let lutram = if d.lutram > 0 { format!(", {} distributed RAM", d.lutram) } else { String::new() };
            s += &format!(
                "\nThe design alone (without the self-test logic): {} LUT, {} FF, {} carry{dsp}, {} RAM{lutram} \
                 (Yosys).\n",
                d.lut, d.ff, d.carry, d.bram
            );
        }
        s += &match self.fmax_mhz {
            Some(f) => {
                format!(
                    "\nFmax {f:.1} MHz against the {} MHz target: {}\n",
                    self.target_mhz,
                    if f >= self.target_mhz { "met" } else { "NOT met" }
                ) + &self.seed_spread()
            }
            None => {
                format!("\nFmax: not measured by this flow (target {} MHz; run the Vivado script)\n", self.target_mhz)
            }
        };
        s
    }

    /// `report.json` (with a final newline) and `report.md`, for an output folder.
    pub fn files(&self) -> Result<crate::target::Files, crate::FlowError> {
        let mut json = serde_json::to_vec_pretty(self)
            .map_err(|source| crate::FlowError::Json { what: format!("the report of {}", self.design), source })?;
        json.push(b'\n');
        Ok(vec![("report.json".to_string(), json), ("report.md".to_string(), self.markdown().into_bytes())])
    }

    /// "Fmax over N seeds: min / median / max", when several seeds were routed.
    fn seed_spread(&self) -> String {
        if self.fmax_seeds.len() < 2 {
            return String::new();
        }
        let mut f: Vec<f64> = self.fmax_seeds.iter().map(|s| s.fmax_mhz).collect();
        f.sort_by(f64::total_cmp);
        let n = f.len();
        let median = if n % 2 == 1 { f[n / 2] } else { (f[n / 2 - 1] + f[n / 2]) / 2.0 };
        let each: Vec<String> = self.fmax_seeds.iter().map(|s| format!("{} {:.1}", s.seed, s.fmax_mhz)).collect();
        format!(
            "Fmax over {n} nextpnr seeds: min {:.1} / median {median:.1} / max {:.1} MHz (seed MHz: {}); the \
             bitstream is the best seed's\n",
            f[0],
            f[n - 1],
            each.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ecp5_report_names_its_cells_and_the_designs_dsps_and_distributed_ram() {
        let r = Report {
            design: "d".into(),
            target: Target::Ecp5Ulx3s,
            device: "LFE5U-85F".into(),
            source: "test".into(),
            used: Resources { lut: 1315, ff: 448, dsp: 9, bram: 1.0, lutram: 32, io: 9, ..Resources::default() },
            available: crate::ecp5::LFE5U_85F,
            design_alone: Some(Resources { lut: 190, ff: 589, carry: 147, dsp: 9, lutram: 8, ..Resources::default() }),
            fmax_mhz: Some(101.0),
            target_mhz: 25.0,
            fmax_seeds: Vec::new(),
        };
        let md = r.markdown();
        assert!(md.contains("| logic cells (TRELLIS_COMB) | 1315 | 83640 |"), "{md}");
        assert!(md.contains("| DSP | 9 | 156 |") && md.contains("| EBR (DP16KD, 18 Kb) | 1 | 208 |"), "{md}");
        assert!(md.contains("190 LUT, 589 FF, 147 carry, 9 DSP, 0 RAM, 8 distributed RAM (Yosys)"), "{md}");
        assert!(md.contains("Fmax 101.0 MHz against the 25 MHz target: met"), "{md}");
    }
}
