//! Side-by-side timing helper for `bench/quantize_vs_numpy.sh`: quantizes the weights in an .npy file with every
//! method (median of `runs` timed runs, one thread), prints one JSON line per method, and writes the decoded
//! `log-round` values next to the input so the script can check NumPy computed the same thing.
//!
//! Usage: `cargo run --release -p nbq-quant --example throughput -- WEIGHTS.npy BITS RUNS`

use std::time::Instant;

use nbq_quant::{input, quantize, CodeFormat, Granularity, Method};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, bits, runs] = &args[..] else {
        return Err("usage: throughput WEIGHTS.npy BITS RUNS".into());
    };
    let path = std::path::Path::new(path);
    let t = input::npy::read_npy(path)?.remove(0);
    let f = CodeFormat::new(bits.parse()?)?;
    let runs: usize = runs.parse()?;
    for m in Method::ALL {
        let mut secs = Vec::with_capacity(runs);
        let mut last = None;
        for _ in 0..runs {
            let t0 = Instant::now();
            let q = quantize(&t, m, f, Granularity::Tensor)?;
            secs.push(t0.elapsed().as_secs_f64());
            last = Some(q);
        }
        secs.sort_by(f64::total_cmp);
        let med = secs[runs / 2];
        println!(
            "{{\"impl\": \"nbq-rust\", \"method\": \"{m}\", \"weights\": {}, \"seconds\": {med:.6}, \"weights_per_s\": {:.0}}}",
            t.len(),
            t.len() as f64 / med
        );
        if m == Method::LogRound {
            if let Some(q) = last {
                let v: Vec<f32> = q.values().into_iter().map(|x| x as f32).collect();
                ndarray_npy::write_npy(path.with_extension("rust-loground.npy"), &ndarray::Array1::from(v))?;
            }
        }
    }
    Ok(())
}
