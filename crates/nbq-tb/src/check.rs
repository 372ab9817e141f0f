//! Comparing a simulation with the golden model's expected outputs, cycle by cycle, port by port.

use std::path::{Path, PathBuf};

use crate::harness::{Harness, Trace};
use crate::{icarus, TbError, Value};

/// The first disagreement between the emitted Verilog and the golden model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub design: String,
    pub cycle: usize,
    pub port: String,
    /// What the expected value means (e.g. "output channel 2, pixel (3, 4)").
    pub at: String,
    pub expected: Value,
    /// None when the simulator showed x or z bits.
    pub actual: Option<Value>,
    /// Waveform of the failing run.
    pub vcd: Option<PathBuf>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "design {}: port {} at cycle {} ({}): expected {}, got {}",
            self.design,
            self.port,
            self.cycle,
            self.at,
            self.expected,
            self.actual.as_ref().map_or("x (undefined)".to_string(), Value::to_string)
        )?;
        if let Some(v) = &self.vcd {
            write!(f, "; waveform: {}", v.display())?;
        }
        Ok(())
    }
}

/// One expected value: a cycle, an output port index, the value and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub cycle: usize,
    pub port: usize,
    pub value: Value,
    pub at: String,
}

/// Outcome of a co-simulation.
#[derive(Debug)]
pub enum Verdict {
    /// Every expected value matched; the count of values compared.
    Match(usize),
    Mismatch(Box<Mismatch>),
}

/// Finds the first expected value the outputs disagree with.
pub fn first_mismatch(design: &str, h: &Harness, got: &Trace, expected: &[Expect]) -> Option<Mismatch> {
    expected.iter().find_map(|e| {
        let actual = got.get(e.cycle).and_then(|c| c.get(e.port)).cloned().flatten();
        (actual.as_ref() != Some(&e.value)).then(|| Mismatch {
            design: design.to_string(),
            cycle: e.cycle,
            port: h.outputs.get(e.port).map(|p| p.name.clone()).unwrap_or_default(),
            at: e.at.clone(),
            expected: e.value.clone(),
            actual,
            vcd: None,
        })
    })
}

/// Runs the design under Icarus and compares; on a mismatch, runs it again writing `vcd_dir/<design>.vcd`.
pub fn icarus_check(
    design: &str,
    verilog: &str,
    h: &Harness,
    stimulus: &[Vec<Value>],
    expected: &[Expect],
    vcd_dir: &Path,
) -> Result<Verdict, TbError> {
    let got = icarus::simulate(verilog, h, stimulus, None)?;
    match first_mismatch(design, h, &got, expected) {
        None => Ok(Verdict::Match(expected.len())),
        Some(mut m) => {
            std::fs::create_dir_all(vcd_dir).map_err(|e| TbError::Io {
                what: "create",
                path: vcd_dir.into(),
                source: e,
            })?;
            let vcd = vcd_dir.join(format!("{}.vcd", design.replace(|c: char| !c.is_ascii_alphanumeric(), "_")));
            icarus::simulate(verilog, h, stimulus, Some(&vcd))?;
            m.vcd = Some(vcd);
            Ok(Verdict::Mismatch(Box::new(m)))
        }
    }
}
