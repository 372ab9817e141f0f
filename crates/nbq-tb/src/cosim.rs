//! One design's engine co-simulated against the golden model in batches of test images: what `nbq sim` and
//! `nbq demo` run. Every kernel is loaded through the weight bus; images (random, extreme, alternating-sign and
//! all-zero-weight batches in rotation, with 20 % random stalls) are streamed on every input channel; every
//! output of every channel and `valid_out` on every cycle is compared.

use std::path::Path;

use nbq_rtl::{DesignConfig, Generated, Level};

use crate::check::{first_mismatch, icarus_check, Mismatch, Verdict};
use crate::engine::{harness, vectors, Data, Stream};
use crate::TbError;

/// What runs the design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum EngineSimulator {
    /// Icarus Verilog (iverilog + vvp) on the emitted Verilog; Debian package `iverilog`
    Icarus,
    /// Verilator (compiled C++ model of the emitted Verilog: the fast path for long runs); Debian package `verilator`
    Verilator,
    /// rust-hdl's own simulator on the Rust model (a useful rung, not proof: it does not run the Verilog)
    RustHdl,
}

impl EngineSimulator {
    /// What the simulator runs, for summaries.
    pub fn describe(self) -> &'static str {
        match self {
            EngineSimulator::Icarus => "Icarus Verilog on the emitted Verilog",
            EngineSimulator::Verilator => "Verilator on the emitted Verilog",
            EngineSimulator::RustHdl => "rust-hdl's simulator on the Rust model, not the Verilog",
        }
    }
}

/// Images per simulation run.
pub const BATCH: usize = 4;

/// A run in which every output matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passed {
    pub images: usize,
    pub cycles: usize,
    /// Output values compared.
    pub compared: usize,
}

/// The first disagreement of a run, with the batch it came from.
#[derive(Debug, thiserror::Error)]
#[error("MISMATCH in batch {batch} ({data:?} data, seed {seed}): {mismatch}")]
pub struct Failed {
    pub batch: usize,
    pub data: Data,
    pub seed: u64,
    pub mismatch: Box<Mismatch>,
}

/// Streams `images` test images (each `image_width × (k + 2)` pixels per input channel) through `g`, the emitted
/// design of `c`, in batches of [`BATCH`]; batch `b` uses seed `seed + b`. A mismatch's waveform goes to
/// `vcd_dir` (Icarus). `progress(images done, message)` after each batch.
pub fn run(
    c: &DesignConfig,
    g: &Generated,
    simulator: EngineSimulator,
    images: usize,
    seed: u64,
    vcd_dir: &Path,
    progress: &mut dyn FnMut(usize, &str),
) -> Result<Result<Passed, Failed>, TbError> {
    let h = harness(c, Level::Engine);
    let kinds = [Data::Random, Data::Extreme, Data::Alternating, Data::ZeroCodes];
    let verilated = match simulator {
        EngineSimulator::Verilator => {
            progress(0, "compiling with Verilator");
            Some(crate::verilator::Model::build(&g.verilog, &h)?)
        }
        _ => None,
    };
    let (mut compared, mut cycles) = (0usize, 0usize);
    for b in 0..images.div_ceil(BATCH) {
        let n = BATCH.min(images - b * BATCH);
        let data = if b == 0 { Data::Random } else { kinds[b % kinds.len()] };
        let s =
            Stream { height: c.k + 2, images: n, stall: 0.2, data, seed: seed.wrapping_add(b as u64), framed: true };
        let (stim, exp) = vectors(c, Level::Engine, &s);
        let verdict = match (simulator, &verilated) {
            (EngineSimulator::Icarus, _) => icarus_check(&c.name, &g.verilog, &h, &stim, &exp, vcd_dir)?,
            (EngineSimulator::Verilator, Some(model)) => {
                let (got, _) = model.run(&stim)?;
                first_mismatch(&c.name, &h, &got, &exp)
                    .map_or(Verdict::Match(exp.len()), |m| Verdict::Mismatch(Box::new(m)))
            }
            (EngineSimulator::Verilator, None) => unreachable!("the Verilator model is built above"),
            (EngineSimulator::RustHdl, _) => {
                let got = nbq_rtl::with_engine!(c, e => crate::rusthdl::run(&mut e, &stim))?;
                first_mismatch(&c.name, &h, &got, &exp)
                    .map_or(Verdict::Match(exp.len()), |m| Verdict::Mismatch(Box::new(m)))
            }
        };
        match verdict {
            Verdict::Match(k) => {
                compared += k;
                cycles += stim.len();
            }
            Verdict::Mismatch(mismatch) => {
                return Ok(Err(Failed { batch: b, data, seed: seed.wrapping_add(b as u64), mismatch }));
            }
        }
        progress(b * BATCH + n, &format!("{data:?}"));
    }
    Ok(Ok(Passed { images, cycles, compared }))
}
