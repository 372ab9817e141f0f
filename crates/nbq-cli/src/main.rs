//! `nbq`: the command-line front end. Parsing and messages live here; all work is done by the library crates.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Power-of-two (shift) quantization of CNN weights for multiplier-free FPGA inference.
#[derive(Debug, Parser)]
#[command(name = "nbq", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Quantize(cmd::quantize::Args),
    Inspect(cmd::inspect::Args),
    Generate(cmd::generate::Args),
    Build(cmd::build::Args),
    Run(cmd::run::Args),
    Sim(cmd::sim::Args),
    Synth(cmd::synth::Args),
    Compare(cmd::compare::Args),
    Sweep(cmd::sweep::Args),
    Thresholds(cmd::thresholds::Args),
    Train(cmd::train::Args),
    Infer(cmd::infer::Args),
    Demo(cmd::demo::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ctrl-C or SIGTERM: remove this run's temporary files and staging folders (the outputs are written
    // atomically, so nothing half-written remains), then exit as the shell expects of an interrupted program.
    // Without a handler (it cannot be installed) an interruption leaves them to the next run's clean-up.
    let _ = ctrlc::set_handler(|| {
        nbq_quant::scratch::remove_own();
        eprintln!("nbq: interrupted; temporary files removed");
        std::process::exit(130);
    });
    let result = match cli.command {
        Command::Quantize(a) => cmd::quantize::run(a),
        Command::Inspect(a) => cmd::inspect::run(a),
        Command::Generate(a) => cmd::generate::run(a),
        Command::Build(a) => cmd::build::run(a),
        Command::Run(a) => cmd::run::run(a),
        Command::Sim(a) => cmd::sim::run(a),
        Command::Synth(a) => cmd::synth::run(a),
        Command::Compare(a) => cmd::compare::run(a),
        Command::Sweep(a) => cmd::sweep::run(a),
        Command::Thresholds(a) => cmd::thresholds::run(a),
        Command::Train(a) => cmd::train::run(a),
        Command::Infer(a) => cmd::infer::run(a),
        Command::Demo(a) => cmd::demo::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
