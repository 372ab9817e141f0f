//! Icarus Verilog (`iverilog -g2005` + `vvp`): the simulator that is always available in CI.

use std::path::{Path, PathBuf};

use crate::harness::{Harness, Trace, OUTPUT_FILE, STIMULUS_FILE, VCD_FILE};
use crate::tool::{IVERILOG, VVP};
use crate::{TbError, Value};

/// Simulates `design` (Verilog text whose top module is `top`) for `stimulus.len()` cycles and returns the
/// outputs of every cycle (`None` where a port shows x or z bits). With `keep_vcd`, the waveform is copied there.
pub fn simulate(
    design: &str,
    harness: &Harness,
    stimulus: &[Vec<Value>],
    keep_vcd: Option<&Path>,
) -> Result<Trace, TbError> {
    let dir = tempfile::tempdir().map_err(|e| TbError::Io {
        what: "create a temporary folder",
        path: PathBuf::from("/tmp"),
        source: e,
    })?;
    let d = dir.path();
    let write = |name: &str, text: &str| {
        std::fs::write(d.join(name), text).map_err(|e| TbError::Io { what: "write", path: d.join(name), source: e })
    };
    write("design.v", design)?;
    write("tb.v", &harness.testbench(stimulus.len(), keep_vcd.is_some())?)?;
    write(STIMULUS_FILE, &harness.stimulus(stimulus)?)?;
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
