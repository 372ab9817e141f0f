//! `nbq demo`: the main job on bundled data. Quantizes the bundled model at 1..=5 bits with every method, then
//! generates the bundled SVPE and VPE convolvers as Verilog and co-simulates them against the golden model under
//! Icarus Verilog; synthesis and whole-network inference join here as they land.

use std::path::PathBuf;

use anyhow::Result;
use nbq_quant::{Granularity, Method};

use super::quantize::quantize_to;

/// The bundled model: a digits classifier trained on the UCI digits (see tools/make_bundled_model.py).
const BUNDLED_MODEL: &[u8] = include_bytes!("../../../../models/digits-mlp.onnx");

/// The bundled designs: the paper's single 3×3 array, shift and multiplier versions.
const BUNDLED_DESIGNS: [(&str, &str); 2] = [
    ("svpe_k3.toml", include_str!("../../../../designs/svpe_k3.toml")),
    ("vpe_k3.toml", include_str!("../../../../designs/vpe_k3.toml")),
];

/// Run nbq end to end on the bundled model and print a summary.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for all demo outputs (nbq's own files in it are replaced).
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
}

pub fn run(a: Args) -> Result<()> {
    let model = a.out.join("digits-mlp.onnx");
    nbq_quant::atomic::write_file(&model, BUNDLED_MODEL)?;
    println!("bundled model: {}\n", model.display());
    println!("| method | bits | mean SQNR dB | zero % | codes folder |\n|---|---:|---:|---:|---|");
    for method in Method::ALL {
        for bits in 1..=5u32 {
            let dir = a.out.join(format!("quant-{method}-{bits}bit"));
            let reports = quantize_to(&model, bits, method, Granularity::Tensor, &dir, true)?;
            let sq: Vec<f64> = reports.iter().filter_map(|r| r.sqnr_db).collect();
            let mean_sqnr = sq.iter().sum::<f64>() / sq.len().max(1) as f64;
            let zero = reports.iter().map(|r| r.zero_fraction * r.weights as f64).sum::<f64>()
                / reports.iter().map(|r| r.weights as f64).sum::<f64>();
            println!("| {method} | {bits} | {mean_sqnr:.2} | {:.1} | {} |", 100.0 * zero, dir.display());
        }
    }
    let detail = a.out.join("quant-nbq-3bit/report.md");
    println!("\nper-layer report of nbq at 3 bits ({}):\n", detail.display());
    print!("{}", std::fs::read_to_string(&detail)?);

    println!("\nhardware: generate and co-simulate the bundled designs\n");
    for (file, text) in BUNDLED_DESIGNS {
        let cfg_path = a.out.join("designs").join(file);
        nbq_quant::atomic::write_file(&cfg_path, text.as_bytes())?;
        let name = file.trim_end_matches(".toml");
        super::generate::run(super::generate::Args {
            config: cfg_path.clone(),
            out: Some(a.out.join("hdl").join(name)),
            force: true,
            check: false,
            pe: false,
        })?;
        super::sim::run(super::sim::Args {
            config: cfg_path,
            simulator: super::sim::Simulator::Icarus,
            vectors: 4,
            seed: 1,
            vcd_dir: a.out.join("mismatch"),
        })?;
    }
    Ok(())
}
