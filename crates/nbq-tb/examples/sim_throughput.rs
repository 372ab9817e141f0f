//! Simulated cycles per second of each simulator on the same design and stimulus, side by side in one run; each
//! run's outputs are also checked against the golden model. Used by `bench/sim_throughput.sh`.
//!
//! Usage: `sim_throughput DESIGN.toml CYCLES_VERILATOR CYCLES_ICARUS CYCLES_RUST_HDL`

use std::time::Instant;

use nbq_rtl::{generate, DesignConfig};
use nbq_tb::check::first_mismatch;
use nbq_tb::engine::{harness, vectors, Data, Level, Stream};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, design, cv, ci, cr] = &args[..] else {
        return Err("usage: sim_throughput DESIGN.toml CYCLES_VERILATOR CYCLES_ICARUS CYCLES_RUST_HDL".into());
    };
    let c = DesignConfig::load(std::path::Path::new(design))?;
    let g = generate(&c)?;
    let h = harness(&c, Level::Engine);
    // Images big enough that one stream holds the requested cycles (about 1.25 cycles per pixel with stalls).
    let stream = |cycles: usize, seed| {
        let per_image = c.image_width * (c.k + 2);
        let images = (cycles as f64 / 1.25 / per_image as f64).ceil().max(1.0) as usize;
        vectors(
            &c,
            Level::Engine,
            &Stream { height: c.k + 2, images, stall: 0.2, data: Data::Random, seed, framed: false },
        )
    };
    let report = |sim: &str, cycles: usize, secs: f64, extra: String| {
        println!(
            "{{\"simulator\": \"{sim}\", \"design\": \"{}\", \"cycles\": {cycles}, \"seconds\": {secs:.3}, \"cycles_per_s\": {:.0}{extra}}}",
            c.name,
            cycles as f64 / secs
        );
    };

    let (stim, exp) = stream(cv.parse()?, 1);
    let model = nbq_tb::verilator::Model::build(&g.verilog, &h)?;
    let (got, t) = model.run(&stim)?;
    if let Some(m) = first_mismatch(&c.name, &h, &got, &exp) {
        return Err(format!("Verilator: {m}").into());
    }
    report(
        "verilator",
        stim.len(),
        t.as_secs_f64(),
        format!(", \"build_seconds\": {:.1}", model.build_time.as_secs_f64()),
    );

    let (stim, exp) = stream(ci.parse()?, 2);
    let t0 = Instant::now();
    let got = nbq_tb::icarus::simulate(&g.verilog, &h, &stim, None)?;
    let secs = t0.elapsed().as_secs_f64();
    if let Some(m) = first_mismatch(&c.name, &h, &got, &exp) {
        return Err(format!("Icarus: {m}").into());
    }
    report("icarus", stim.len(), secs, ", \"note\": \"includes iverilog compile\"".into());

    let (stim, exp) = stream(cr.parse()?, 3);
    let t0 = Instant::now();
    let got = nbq_rtl::with_engine!(c, e => nbq_tb::rusthdl::run(&mut e, &stim))?;
    let secs = t0.elapsed().as_secs_f64();
    if let Some(m) = first_mismatch(&c.name, &h, &got, &exp) {
        return Err(format!("rust-hdl: {m}").into());
    }
    report("rust-hdl", stim.len(), secs, String::new());
    Ok(())
}
