//! Alchitry Cu (iCE40-HX8K, CB132): the fully open flow. A self-testing board top around one convolver of the
//! design ([`nbq_rtl::board`]), a PCF from the board's pin table (`constraints/alchitry-cu.toml`), Yosys
//! `synth_ice40`, a fit check, `nextpnr-ice40` with a timing and utilisation report, and `icepack`.

use std::collections::BTreeMap;

use nbq_rtl::DesignConfig;
use nbq_tb::lint::YOSYS;
use nbq_tb::tool::{workdir, Tool};
use serde::Deserialize;

use crate::error::FlowError;
use crate::report::{Report, Resources};
use crate::target::Target;
use crate::yosys::{parse_stat, read_output};

pub const NEXTPNR: Tool = Tool { name: "nextpnr-ice40", program: "nextpnr-ice40", package: "nextpnr-ice40" };
pub const ICEPACK: Tool = Tool { name: "icepack", program: "icepack", package: "fpga-icestorm" };

/// Where the pin table lives in the repository (it is compiled into nbq).
pub const PIN_TABLE_PATH: &str = "constraints/alchitry-cu.toml";
const PIN_TABLE: &str = include_str!("../../../constraints/alchitry-cu.toml");

/// iCE40-HX8K resources (Lattice DS1040): 7,680 logic cells (each a LUT4, a flip-flop and a carry), 32 RAM4K
/// blocks; IO is the package's (from the pin table).
pub const HX8K_LCS: u64 = 7_680;
pub const HX8K_RAMS: u64 = 32;

/// nextpnr's placement seed: fixed, so that runs are reproducible.
pub const SEED: u32 = 1;

/// A board's pin table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    pub board: String,
    pub device: String,
    pub package: String,
    pub clock_mhz: f64,
    pub io_available: u64,
    /// The speed grade, where the place-and-route tool takes one (ECP5).
    #[serde(default)]
    pub speed: Option<u32>,
    /// The I/O standard of every pin, where the constraint format states one (ECP5's LPF).
    #[serde(default)]
    pub io_type: Option<String>,
    /// Top-level port (bit) name -> package pin.
    pub pins: BTreeMap<String, String>,
}

impl Board {
    /// The Alchitry Cu's table.
    pub fn alchitry_cu() -> Result<Board, FlowError> {
        Board::from_table(PIN_TABLE_PATH, PIN_TABLE)
    }

    /// The pin table `text` (from `path` in the repository), which must give every port a board top uses.
    pub fn from_table(path: &'static str, text: &str) -> Result<Board, FlowError> {
        let b: Board = toml::from_str(text).map_err(|e| FlowError::PinTable { path, why: e.to_string() })?;
        for port in ["clock", "leds[0]", "leds[1]", "leds[2]", "leds[7]", "uart_rx", "uart_tx"] {
            if !b.pins.contains_key(port) {
                return Err(FlowError::PinTable { path, why: format!("no pin for `{port}`") });
            }
        }
        Ok(b)
    }

    /// The PCF of the self-testing top for nextpnr-ice40: one `set_io` per port bit.
    pub fn pcf(&self) -> String {
        self.pcf_of("the self-testing top", &["clock", "leds"])
    }

    /// The PCF of a top whose ports are `ports` (a bus `leds` covers `leds[0]` .. `leds[7]`): one `set_io` per
    /// port bit in the table.
    pub fn pcf_of(&self, top: &str, ports: &[&str]) -> String {
        let mut s = format!("# nbq: pins of {top} on the {} ({PIN_TABLE_PATH}).\n", self.board);
        for (port, pin) in self.pins_for(ports) {
            s += &format!("set_io {port} {pin}\n");
        }
        s
    }

    /// The (port bit, package pin) pairs of the table whose port is one of `ports` (a bus `leds` covers `leds[0]`
    /// .. `leds[7]`), in the table's order.
    pub fn pins_for<'a>(&'a self, ports: &'a [&str]) -> impl Iterator<Item = (&'a String, &'a String)> + 'a {
        self.pins.iter().filter(move |(p, _)| ports.contains(&p.split('[').next().unwrap_or(p)))
    }

    /// The pins `pcf_of(.., ports)` constrains.
    pub fn pins_of(&self, ports: &[&str]) -> u64 {
        self.pins_for(ports).count() as u64
    }

    fn available(&self) -> Resources {
        Resources {
            lut: HX8K_LCS,
            ff: HX8K_LCS,
            carry: HX8K_LCS,
            bram: HX8K_RAMS as f64,
            io: self.io_available,
            ..Resources::default()
        }
    }
}

/// iCE40 cell counts grouped into resources (`lut` counts LUT4s; nextpnr's logic cells replace it after P&R).
pub fn ice40_resources(cells: &BTreeMap<String, u64>) -> Resources {
    let sum = |pred: &dyn Fn(&str) -> bool| cells.iter().filter(|(k, _)| pred(k)).map(|(_, n)| n).sum::<u64>();
    Resources {
        lut: sum(&|k| k == "SB_LUT4"),
        ff: sum(&|k| k.starts_with("SB_DFF")),
        carry: sum(&|k| k == "SB_CARRY"),
        bram: sum(&|k| k.starts_with("SB_RAM40")) as f64,
        io: sum(&|k| k == "SB_IO"),
        ..Resources::default()
    }
}

/// What nextpnr's `--report` says: logic cells, RAMs and IOs used, and the achieved Fmax of the clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PnrSummary {
    pub lcs: u64,
    pub rams: u64,
    pub ios: u64,
    pub fmax_mhz: f64,
}

pub fn parse_nextpnr_report(text: &str) -> Result<PnrSummary, FlowError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| FlowError::PnrReport(e.to_string()))?;
    let used = |cell: &str| {
        v["utilization"][cell]["used"].as_u64().ok_or_else(|| FlowError::PnrReport(format!("no utilization of {cell}")))
    };
    let fmax = v["fmax"]
        .as_object()
        .and_then(|m| m.values().filter_map(|c| c["achieved"].as_f64()).reduce(f64::min))
        .ok_or_else(|| FlowError::PnrReport("no achieved clock frequency".into()))?;
    Ok(PnrSummary { lcs: used("ICESTORM_LC")?, rams: used("ICESTORM_RAM")?, ios: used("SB_IO")?, fmax_mhz: fmax })
}

/// What to change when a network top does not fit.
const NETWORK_HINT: &str = "Use fewer output channels per engine (a lower --pm).";
/// What to change when a design's self-test top does not fit.
const DESIGN_HINT: &str = "Use a smaller design (k, Pn, Pm, widths).";

fn does_not_fit(
    design: &str,
    resource: &'static str,
    estimated: u64,
    available: u64,
    basis: &'static str,
    hint: &'static str,
) -> FlowError {
    FlowError::DoesNotFit {
        design: design.to_string(),
        device: "iCE40-HX8K",
        resource,
        estimated,
        available,
        basis,
        hint,
    }
}

/// The fit check of a synthesized board top (`netlist.json` and `top.pcf` in `d`) before place-and-route: logic
/// cells, RAM4K and IO from Yosys's counts `est` (a logic cell holds one LUT4, one flip-flop and one carry, so the
/// largest of the three is a lower bound), then the logic cells nextpnr's packer counts.
fn check_fit(
    d: &std::path::Path,
    board: &Board,
    est: &Resources,
    io_needed: u64,
    design: &str,
    hint: &'static str,
) -> Result<(), FlowError> {
    let avail = board.available();
    for (resource, estimated, available) in [
        ("logic cells", est.lut.max(est.ff).max(est.carry), avail.lut),
        ("RAM4K blocks", est.bram as u64, HX8K_RAMS),
        ("IO pins", io_needed, avail.io),
    ] {
        if estimated > available {
            return Err(does_not_fit(design, resource, estimated, available, "estimate from Yosys", hint));
        }
    }
    let lcs = packed_lcs(d, board)?;
    if lcs > avail.lut {
        return Err(does_not_fit(design, "logic cells", lcs, avail.lut, "nextpnr-ice40's packer", hint));
    }
    Ok(())
}

/// Logic cells of `netlist.json` in `d` as nextpnr-ice40's packer counts them (`--pack-only`, seconds): the
/// exact figure place-and-route starts from, where Yosys's cell counts give only a lower bound.
fn packed_lcs(d: &std::path::Path, board: &Board) -> Result<u64, FlowError> {
    let args = ["--hx8k", "--package", &board.package, "--json", "netlist.json", "--pcf", "top.pcf"];
    NEXTPNR.run(&[&args[..], &["--pack-only", "--report", "packed.json"]].concat(), d)?;
    let v: serde_json::Value = serde_json::from_slice(&read_output(&d.join("packed.json"))?)
        .map_err(|e| FlowError::PnrReport(e.to_string()))?;
    v["utilization"]["ICESTORM_LC"]["used"]
        .as_u64()
        .ok_or_else(|| FlowError::PnrReport("the packer's report has no ICESTORM_LC count".into()))
}

/// Place-and-route of one netlist over several nextpnr seeds; `S` is the summary a flow parses from nextpnr's
/// report.
#[derive(Debug, Clone)]
pub struct Routed<S = PnrSummary> {
    /// The best seed's summary (the highest Fmax; the first such seed on a tie): its folder holds the bitstream's
    /// routed design.
    pub best: S,
    pub best_seed: u32,
    /// Fmax of every seed, in the order given.
    pub seeds: Vec<SeedFmax>,
    /// The best seed's nextpnr log and report.
    pub log: Vec<u8>,
    pub report: Vec<u8>,
    /// The best seed's folder.
    pub dir: std::path::PathBuf,
}

/// One seed's achieved Fmax.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SeedFmax {
    pub seed: u32,
    pub fmax_mhz: f64,
}

/// One seed's summary, nextpnr log and report.
pub(crate) type SeedRun<S> = (S, Vec<u8>, Vec<u8>);

/// Most seeds one flow run places and routes.
pub const MAX_SEEDS: usize = 32;

/// Places and routes `netlist.json` with `top.pcf` in `d` once per seed (in `d/seed-N`, at most two at a time):
/// each seed's Fmax and the best seed's results.
fn route(d: &std::path::Path, board: &Board, seeds: &[u32]) -> Result<Routed, FlowError> {
    let freq = format!("{}", board.clock_mhz);
    let package = board.package.clone();
    route_with(
        d,
        seeds,
        |s| s.fmax_mhz,
        move |seed, sub| {
            let seed = seed.to_string();
            let out = NEXTPNR.run(
                &[
                    "--hx8k",
                    "--package",
                    &package,
                    "--json",
                    "../netlist.json",
                    "--pcf",
                    "../top.pcf",
                    "--asc",
                    "top.asc",
                    "--freq",
                    &freq,
                    "--seed",
                    &seed,
                    "--report",
                    "nextpnr.json",
                    // The post-placement timing optimisation: on the 87 %-full digits network top it lifted the worst
                    // of seeds 1..=5 from 97.9 to 100.2 MHz (seed 5: 97.9 -> 106.9).
                    "--opt-timing",
                    // A missed clock target is reported (Fmax against the target), not an error.
                    "--timing-allow-fail",
                ],
                sub,
            )?;
            let pnr_json = read_output(&sub.join("nextpnr.json"))?;
            let pnr = parse_nextpnr_report(&String::from_utf8_lossy(&pnr_json))?;
            Ok((pnr, [out.stdout, out.stderr].concat(), pnr_json))
        },
    )
}

/// Runs `job(seed, folder)` once per seed, each in its own folder `d/seed-N` (at most two at a time), and keeps
/// the best seed by `fmax` (the first such seed on a tie).
pub(crate) fn route_with<S: Send + Clone>(
    d: &std::path::Path,
    seeds: &[u32],
    fmax: fn(&S) -> f64,
    job: impl Fn(u32, &std::path::Path) -> Result<SeedRun<S>, FlowError> + Send + Sync + Clone,
) -> Result<Routed<S>, FlowError> {
    let jobs: Vec<crate::pool::Job<'_, SeedRun<S>>> = seeds
        .iter()
        .map(|&seed| {
            let sub = d.join(format!("seed-{seed}"));
            let job = job.clone();
            let run = move || -> Result<SeedRun<S>, FlowError> {
                std::fs::create_dir_all(&sub).map_err(|e| FlowError::Io { path: sub.clone(), source: e })?;
                job(seed, &sub)
            };
            (format!("seed {seed}"), Box::new(run) as Box<dyn FnOnce() -> _ + Send>)
        })
        .collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(2);
    let results = crate::pool::pool(jobs, workers, &|_, _| {})?;
    let mut best = 0;
    for (i, r) in results.iter().enumerate() {
        if fmax(&r.0) > fmax(&results[best].0) {
            best = i;
        }
    }
    let seeds_fmax = seeds.iter().zip(&results).map(|(&seed, r)| SeedFmax { seed, fmax_mhz: fmax(&r.0) }).collect();
    let (summary, log, report) = results.into_iter().nth(best).expect("at least one seed");
    Ok(Routed {
        best: summary,
        best_seed: seeds[best],
        seeds: seeds_fmax,
        log,
        report,
        dir: d.join(format!("seed-{}", seeds[best])),
    })
}

/// The seeds of one flow run: `seeds`, or [`SEED`] alone when empty; refused past [`MAX_SEEDS`] or repeated.
pub fn check_seeds(seeds: &[u32]) -> Result<Vec<u32>, FlowError> {
    if seeds.is_empty() {
        return Ok(vec![SEED]);
    }
    if seeds.len() > MAX_SEEDS {
        return Err(FlowError::Seeds(format!("{} seeds given; at most {MAX_SEEDS} are allowed", seeds.len())));
    }
    for (i, s) in seeds.iter().enumerate() {
        if seeds[..i].contains(s) {
            return Err(FlowError::Seeds(format!("seed {s} is given twice; each seed may appear once")));
        }
    }
    Ok(seeds.to_vec())
}

impl<S> Routed<S> {
    /// Every seed's Fmax for the report, when more than one seed was routed (empty otherwise).
    pub fn spread(&self) -> Vec<SeedFmax> {
        if self.seeds.len() > 1 {
            self.seeds.clone()
        } else {
            Vec::new()
        }
    }
}

/// Progress steps of [`build_network`].
pub const NETWORK_STEPS: [&str; 4] =
    ["the board top (UART, network)", "Yosys synth_ice40", "nextpnr-ice40 place and route", "icepack"];

/// The Alchitry Cu flow of a whole network: the board top of `plan` (UART at `divisor` clocks per bit, see
/// `nbq_rtl::network::board`), Yosys, the fit check (logic cells, RAM4K, IO) before place-and-route, nextpnr
/// at the board's clock, icepack. `step(i)` as step `i` of [`NETWORK_STEPS`] starts.
pub fn build_network(
    plan: &nbq_rtl::network::NetPlan,
    name: &str,
    divisor: usize,
    seeds: &[u32],
    step: &mut dyn FnMut(usize),
) -> Result<Build, FlowError> {
    let seeds = check_seeds(seeds)?;
    let board = Board::alchitry_cu()?;
    step(0);
    let top = nbq_rtl::network::generate_uart_top(plan, divisor)?;
    let ports = ["clock", "uart_rx", "uart_tx", "leds"];
    let pcf = board.pcf_of("the network's board top", &ports);
    let dir = workdir(&[("top.v", &top), ("top.pcf", &pcf)])?;
    let d = dir.path();
    let read = |file: &str| read_output(&d.join(file));
    let avail = board.available();
    step(1);
    let script = "read_verilog top.v; synth_ice40 -top top -json netlist.json; tee -q -o stat.json stat -json";
    YOSYS.run(&["-q", "-l", "yosys.log", "-p", script], d)?;
    let est = ice40_resources(&parse_stat(&String::from_utf8_lossy(&read("stat.json")?))?);
    check_fit(d, &board, &est, board.pins_of(&ports), name, NETWORK_HINT)?;
    step(2);
    let routed = route(d, &board, &seeds)?;
    let pnr = routed.best;
    step(3);
    ICEPACK.run(&["top.asc", "top.bin"], &routed.dir)?;
    let report = Report {
        design: name.to_string(),
        target: Target::AlchitryCu,
        device: format!("iCE40-HX8K-{}", board.package.to_uppercase()),
        source: format!(
            "the whole network's board top (UART at {divisor} clocks per bit); Yosys synth_ice40 (FF, carry), \
             nextpnr-ice40 --report (logic cells, RAM, IO, Fmax; seed {})",
            routed.best_seed
        ),
        used: Resources { lut: pnr.lcs, bram: pnr.rams as f64, io: pnr.ios, ..est },
        available: avail,
        design_alone: None,
        fmax_mhz: Some(pnr.fmax_mhz),
        target_mhz: board.clock_mhz,
        fmax_seeds: routed.spread(),
    };
    let files = board_files(name, top, ("pcf", pcf), ("bin", "top.bin"), routed, d)?;
    Ok(Build { report, files })
}

/// The files a board flow writes: the board top, its constraints (`constraints` = (extension, text)), the
/// bitstream (`bitstream` = (extension, file name in the best seed's folder)), nextpnr's report and log of the best
/// seed, and Yosys's log (`yosys.log` in `d`).
pub(crate) fn board_files<S>(
    name: &str,
    top: String,
    constraints: (&str, String),
    bitstream: (&str, &str),
    routed: Routed<S>,
    d: &std::path::Path,
) -> Result<crate::target::Files, FlowError> {
    Ok(vec![
        (format!("{name}_board.v"), top.into_bytes()),
        (format!("{name}.{}", constraints.0), constraints.1.into_bytes()),
        (format!("{name}.{}", bitstream.0), read_output(&routed.dir.join(bitstream.1))?),
        ("nextpnr-report.json".into(), routed.report),
        ("nextpnr.log".into(), routed.log),
        ("yosys.log".into(), read_output(&d.join("yosys.log"))?),
    ])
}

/// Everything the Alchitry Cu flow produces.
#[derive(Debug)]
pub struct Build {
    pub report: Report,
    /// (file name, contents) to write into the output folder.
    pub files: crate::target::Files,
}

/// Progress steps of [`build`], for a progress display.
pub const STEPS: [&str; 6] = [
    "self-test vectors and board top",
    "Yosys synth_ice40 (one PE, for a quick fit estimate)",
    "Yosys synth_ice40 (the convolver alone)",
    "Yosys synth_ice40 (board top)",
    "nextpnr-ice40 place and route",
    "icepack",
];

/// The Verilog a board flow synthesizes for design `c`: the self-testing board top (module `top`) and, for the
/// design-alone figures, one convolver of the design (`Pn = Pm = 1`).
pub(crate) struct SelfTestSources {
    pub top: String,
    pub convolver: String,
}

/// The self-test's vectors (kernel, image and golden sums from seed [`SEED`]), its board top, and one convolver.
pub(crate) fn self_test_sources(c: &DesignConfig) -> Result<SelfTestSources, FlowError> {
    let name = &c.name;
    let data = nbq_tb::engine::self_test_data(c, u64::from(SEED))
        .map_err(|why| FlowError::SelfTest { design: name.clone(), why })?;
    let top = nbq_rtl::generate_self_test(c, &data)?;
    let single = c.with(&format!("{name}'s single convolver"), |r| (r.pn, r.pm) = (Some(1), Some(1)))?;
    Ok(SelfTestSources { top, convolver: nbq_rtl::generate(&single)?.verilog })
}

/// Runs the whole flow for `c`; `step(i)` is called as step `i` of [`STEPS`] starts. The board holds one
/// convolver of the design (its Pn × Pm engine would need far more pins than the board has); the fit is checked
/// first from one PE (k² of them are needed), then from the synthesized board top, before place-and-route.
pub fn build(c: &DesignConfig, seeds: &[u32], step: &mut dyn FnMut(usize)) -> Result<Build, FlowError> {
    let seeds = check_seeds(seeds)?;
    let board = Board::alchitry_cu()?;
    let name = &c.name;
    step(0);
    let SelfTestSources { top, convolver } = self_test_sources(c)?;
    let pe = nbq_rtl::generate_pe(c)?;
    let pcf = board.pcf();
    let dir = workdir(&[("pe.v", &pe), ("design.v", &convolver), ("top.v", &top), ("top.pcf", &pcf)])?;
    let d = dir.path();
    let read = |file: &str| read_output(&d.join(file));

    let avail = board.available();

    step(1);
    YOSYS.run(&["-q", "-p", "read_verilog pe.v; synth_ice40 -top top; tee -q -o pe.json stat -json"], d)?;
    let one = ice40_resources(&parse_stat(&String::from_utf8_lossy(&read("pe.json")?))?);
    let pes_lcs = (c.k * c.k) as u64 * one.lut.max(one.ff).max(one.carry);
    if pes_lcs > avail.lut {
        return Err(does_not_fit(name, "logic cells (k² PEs)", pes_lcs, avail.lut, "estimate from Yosys", DESIGN_HINT));
    }

    step(2);
    YOSYS.run(&["-q", "-p", "read_verilog design.v; synth_ice40 -top top; tee -q -o design.json stat -json"], d)?;
    let alone = ice40_resources(&parse_stat(&String::from_utf8_lossy(&read("design.json")?))?);

    step(3);
    let script = "read_verilog top.v; synth_ice40 -top top -json netlist.json; tee -q -o stat.json stat -json";
    YOSYS.run(&["-q", "-l", "yosys.log", "-p", script], d)?;
    let cells = parse_stat(&String::from_utf8_lossy(&read("stat.json")?))?;
    let est = ice40_resources(&cells);
    check_fit(d, &board, &est, board.pins_of(&["clock", "leds"]), name, DESIGN_HINT)?;

    step(4);
    let routed = route(d, &board, &seeds)?;
    let pnr = routed.best;

    step(5);
    ICEPACK.run(&["top.asc", "top.bin"], &routed.dir)?;

    let used = Resources { lut: pnr.lcs, bram: pnr.rams as f64, io: pnr.ios, ..est };
    let report = Report {
        design: name.clone(),
        target: Target::AlchitryCu,
        device: format!("iCE40-HX8K-{}", board.package.to_uppercase()),
        source: format!(
            "the self-testing board top around one convolver; Yosys synth_ice40 (FF, carry), nextpnr-ice40 \
             --report (logic cells, RAM, IO, Fmax; seed {})",
            routed.best_seed
        ),
        used,
        available: avail,
        design_alone: Some(alone),
        fmax_mhz: Some(pnr.fmax_mhz),
        target_mhz: board.clock_mhz,
        fmax_seeds: routed.spread(),
    };
    let files = board_files(name, top, ("pcf", pcf), ("bin", "top.bin"), routed, d)?;
    Ok(Build { report, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_table_gives_a_pcf() {
        let b = Board::alchitry_cu().unwrap();
        let pcf = b.pcf();
        assert!(pcf.contains("set_io clock P7\n"), "{pcf}");
        assert!(pcf.contains("set_io leds[7] N14\n"), "{pcf}");
        assert_eq!(pcf.lines().filter(|l| l.starts_with("set_io")).count(), 9);
    }

    #[test]
    fn the_network_top_gets_the_uart_pins() {
        let b = Board::alchitry_cu().unwrap();
        let ports = ["clock", "uart_rx", "uart_tx", "leds"];
        let pcf = b.pcf_of("the network's board top", &ports);
        assert!(pcf.contains("set_io uart_rx P14\n") && pcf.contains("set_io uart_tx M9\n"), "{pcf}");
        assert!(!pcf.contains("reset_n"), "{pcf}");
        assert_eq!(b.pins_of(&ports), 11);
        assert!(!b.pcf().contains("uart"), "the self-test top has no UART");
    }

    #[test]
    fn nextpnr_report_is_parsed() {
        let text = r#"{"fmax": {"clk": {"achieved": 121.5, "constraint": 100}},
            "utilization": {"ICESTORM_LC": {"available": 7680, "used": 1590}, "ICESTORM_RAM": {"available": 32,
            "used": 3}, "SB_IO": {"available": 256, "used": 9}}}"#;
        let s = parse_nextpnr_report(text).unwrap();
        assert_eq!(s, PnrSummary { lcs: 1590, rams: 3, ios: 9, fmax_mhz: 121.5 });
        assert!(parse_nextpnr_report("{}").unwrap_err().to_string().contains("no achieved clock frequency"));
        let no_cells = r#"{"fmax": {"clk": {"achieved": 99.0}}}"#;
        assert!(parse_nextpnr_report(no_cells).unwrap_err().to_string().contains("ICESTORM_LC"));
    }
}
