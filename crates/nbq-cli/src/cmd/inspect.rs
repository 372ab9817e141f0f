//! `nbq inspect`: read a codes folder back, check every file against the manifest, summarize it.

use std::path::PathBuf;

use anyhow::Result;
use nbq_quant::store;

/// Read a folder written by `nbq quantize`, check it (manifest, packed codes, hex files) and summarize it.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder holding manifest.json.
    pub dir: PathBuf,
    /// Also print every decoded weight value of each tensor (can be long).
    #[arg(long)]
    pub values: bool,
}

pub fn run(a: Args) -> Result<()> {
    let tensors = store::read_bundle(&a.dir)?;
    println!("| tensor | shape | bits | method | scale groups | non-zero |\n|---|---|---|---|---|---:|");
    for t in &tensors {
        let nz = t.codes().iter().filter(|&&c| c != 0 || !t.format().has_zero()).count();
        println!(
            "| {} | {:?} | {} | {} | {} × {} | {} |",
            t.name(),
            t.shape(),
            t.format().bits(),
            t.method(),
            t.groups().len(),
            t.granularity(),
            nz
        );
    }
    if a.values {
        for t in &tensors {
            println!("\n{}: {:?}", t.name(), t.values());
        }
    }
    println!("\n{} tensors OK", tensors.len());
    Ok(())
}
