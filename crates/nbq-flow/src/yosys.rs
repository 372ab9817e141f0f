//! Yosys synthesis to cell counts (`stat -json` on the flattened design).

use std::collections::BTreeMap;

use nbq_tb::lint::YOSYS;

// Where the errors were defined first; `nbq_flow::yosys::FlowError` stays a valid path.
pub use crate::error::FlowError;
use crate::report::Resources;

/// Reads a file a tool wrote.
pub fn read_output(path: &std::path::Path) -> Result<Vec<u8>, FlowError> {
    std::fs::read(path).map_err(|source| FlowError::Read { path: path.display().to_string(), source })
}

/// Cell counts of the flattened top module after running `script` (which must end in a synthesis command) on
/// `verilog`.
pub fn cell_counts(verilog: &str, synth: &str) -> Result<BTreeMap<String, u64>, FlowError> {
    let dir = nbq_tb::tool::workdir(&[("design.v", verilog)])?;
    let d = dir.path();
    let script = format!("read_verilog design.v; {synth}; tee -q -o stat.json stat -json");
    YOSYS.run(&["-q", "-p", &script], d)?;
    parse_stat(&String::from_utf8_lossy(&read_output(&d.join("stat.json"))?))
}

/// The `num_cells_by_type` of module `top` in Yosys's `stat -json` output.
pub fn parse_stat(text: &str) -> Result<BTreeMap<String, u64>, FlowError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| FlowError::Stat(e.to_string()))?;
    let cells = v["modules"]["\\top"]["num_cells_by_type"]
        .as_object()
        .ok_or_else(|| FlowError::Stat("no module `top` with cell counts (was the design flattened?)".into()))?;
    cells
        .iter()
        .map(|(k, n)| {
            n.as_u64().map(|n| (k.clone(), n)).ok_or_else(|| FlowError::Stat(format!("count of {k} is not a number")))
        })
        .collect()
}

/// Xilinx cell counts grouped into resources.
pub fn xilinx_resources(cells: &BTreeMap<String, u64>) -> Resources {
    let sum = |pred: &dyn Fn(&str) -> bool| cells.iter().filter(|(k, _)| pred(k)).map(|(_, n)| n).sum::<u64>();
    Resources {
        lut: sum(&|k| k.starts_with("LUT")),
        ff: sum(&|k| matches!(k, "FDRE" | "FDSE" | "FDCE" | "FDPE")),
        carry: sum(&|k| k.starts_with("CARRY")),
        dsp: sum(&|k| k.starts_with("DSP48")),
        bram: sum(&|k| k.starts_with("RAMB36")) as f64 + 0.5 * sum(&|k| k.starts_with("RAMB18")) as f64,
        lutram: sum(&|k| {
            k.starts_with("RAM32") || k.starts_with("RAM64") || k.starts_with("RAM128") || k.starts_with("SRL")
        }),
        io: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_json_is_grouped_into_resources() {
        let text = r#"{"modules": {"\\top": {"num_cells_by_type": {"LUT2": 5, "LUT6": 2, "FDRE": 7, "CARRY4": 3,
            "DSP48E2": 9, "RAMB18E2": 3, "RAM64M8": 6, "SRL16E": 1, "BUFG": 1}}}}"#;
        let r = xilinx_resources(&parse_stat(text).unwrap());
        assert_eq!(r, Resources { lut: 7, ff: 7, carry: 3, dsp: 9, bram: 1.5, lutram: 7, io: 0 });
        assert!(parse_stat("{}").unwrap_err().to_string().contains("no module `top`"));
    }
}
