//! Icarus Verilog (`iverilog -g2005` + `vvp`): the simulator that is always available in CI.

use std::path::Path;

use crate::harness::{Harness, Trace, OUTPUT_FILE, STIMULUS_FILE, VCD_FILE};
use crate::tool::{workdir, IVERILOG, VVP};
use crate::{TbError, Value};

/// Simulates `design` (Verilog text whose top module is `top`) for `stimulus.len()` cycles and returns the
/// outputs of every cycle (`None` where a port shows x or z bits). With `keep_vcd`, the waveform is copied there.
pub fn simulate(
    design: &str,
    harness: &Harness,
    stimulus: &[Vec<Value>],
    keep_vcd: Option<&Path>,
) -> Result<Trace, TbError> {
    let tb = harness.testbench(stimulus.len(), keep_vcd.is_some())?;
    let stim = harness.stimulus(stimulus)?;
    let dir = workdir(&[("design.v", design), ("tb.v", &tb), (STIMULUS_FILE, &stim)])?;
    let d = dir.path();
    IVERILOG.run(&["-g2005", "-s", "nbq_tb", "-o", "sim.vvp", "design.v", "tb.v"], d)?;
    VVP.run(&["-n", "sim.vvp"], d)?;
    if let Some(vcd) = keep_vcd {
        std::fs::copy(d.join(VCD_FILE), vcd).map_err(|e| TbError::Io {
            what: "keep the waveform",
            path: vcd.to_path_buf(),
            source: e,
        })?;
    }
    let text = std::fs::read_to_string(d.join(OUTPUT_FILE)).map_err(|e| TbError::Io {
        what: "read simulation output",
        path: d.join(OUTPUT_FILE),
        source: e,
    })?;
    harness.parse_outputs(&text, stimulus.len())
}
