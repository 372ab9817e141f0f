//! `nbq run`: the host program of the board top. It sends test images over the serial link, reads the classes
//! and scores, and reports accuracy, agreement with the golden integer network and images/s. `--sim` runs the
//! same frames and replies (`nbq_rtl::network::protocol`) against the Verilator model of the board top, its UART
//! driven bit by bit on the pins.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use nbq_model::checkpoint;
use nbq_model::data::DataName;
use nbq_quant::golden::net::argmax;
use nbq_rtl::network::protocol::{decode_reply, frame, reply_len, Reply};
use nbq_rtl::network::{generate_uart_top, NetPlan};

use super::train::default_path;

/// Classify test images on the board (or its simulation) through the serial host link.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The quantized checkpoint the board was built from (`nbq build -m`).
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    /// Data set whose test images are sent.
    #[arg(long, value_enum, default_value_t = DataName::Digits)]
    pub data: DataName,
    /// Where the data set is (default: testdata/digits.csv.gz or data/mnist).
    #[arg(long)]
    pub data_path: Option<PathBuf>,
    /// Test images to send (default: all).
    #[arg(long)]
    pub images: Option<usize>,
    /// The board's serial port (the Alchitry Cu's FTDI chip: usually /dev/ttyUSB1).
    #[arg(long, required_unless_present = "sim", conflicts_with = "sim")]
    pub port: Option<String>,
    /// Run against the Verilator model of the board top instead of a board.
    #[arg(long)]
    pub sim: bool,
    /// Baud rate of the serial link.
    #[arg(long, default_value_t = 1_000_000)]
    pub baud: u32,
    /// With --sim: clocks per UART bit of the simulated board (the board's is 100 at 1 Mbaud and 100 MHz; a
    /// smaller divisor simulates the same RTL with shorter bit times).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(4..=65535))]
    pub sim_divisor: u64,
    /// With --sim: output channels per engine, as for nbq build.
    #[arg(long, value_delimiter = ',', default_values_t = vec![4u64], value_parser = clap::value_parser!(u64).range(1..=8))]
    pub pm: Vec<u64>,
    /// Seconds to wait for each reply from a board.
    #[arg(long, default_value_t = 2.0)]
    pub timeout: f64,
}

/// Opens `port` and checks that it is a serial device.
fn open_port(port: &str, baud: u32, timeout: Duration) -> Result<Box<dyn serialport::SerialPort>> {
    match std::fs::metadata(port) {
        Err(e) => bail!("cannot open serial port '{port}': {e}"),
        Ok(m) if m.is_file() || m.is_dir() => {
            bail!("'{port}' is a {}, not a serial device", if m.is_dir() { "folder" } else { "regular file" })
        }
        Ok(_) => {}
    }
    serialport::new(port, baud)
        .timeout(timeout)
        .open()
        .with_context(|| format!("cannot open serial port '{port}' at {baud} baud (is it a serial device?)"))
}

/// Sends each frame and reads its reply from a real board.
fn exchange_port(port: &str, baud: u32, timeout: f64, frames: &[Vec<u8>], len: usize) -> Result<Vec<Vec<u8>>> {
    let mut p = open_port(port, baud, Duration::from_secs_f64(timeout.max(0.01)))?;
    let mut out = Vec::with_capacity(frames.len());
    for (i, f) in frames.iter().enumerate() {
        p.write_all(f).with_context(|| format!("writing frame {i} to '{port}'"))?;
        let mut reply = vec![0u8; len];
        p.read_exact(&mut reply).map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut => anyhow::anyhow!(
                "no reply from '{port}' within {timeout} s (frame {i}); is the board programmed with the bitstream of \
                 this model (nbq build -t alchitry-cu) and is {baud} baud its rate?"
            ),
            _ => anyhow::anyhow!("reading the reply to frame {i} from '{port}': {e}"),
        })?;
        out.push(reply);
    }
    Ok(out)
}

pub fn run(a: Args) -> Result<()> {
    let ck = checkpoint::load(&a.model)?;
    let net = ck.net.with_context(|| {
        format!("'{}' is a float checkpoint; run needs the quantized one the board was built from", a.model.display())
    })?;
    let split = a.data.load(&a.data_path.clone().unwrap_or_else(|| default_path(a.data)))?;
    ck.arch.check_data(&split.test).with_context(|| format!("checkpoint '{}'", a.model.display()))?;
    let n = a.images.unwrap_or(split.test.len()).clamp(1, split.test.len());
    let test = split.test.take(n);
    let per = net.input.height * net.input.width;
    // The host refuses images the board would refuse: wrong size, pixels out of range.
    let mut frames = Vec::with_capacity(n);
    for (i, img) in test.pixels.chunks(per).enumerate() {
        if img.len() != per {
            bail!("image {i} has {} pixels; the network takes {per}", img.len());
        }
        if let Some((j, &p)) = img.iter().enumerate().find(|(_, &p)| p > net.input.max_pixel) {
            bail!("image {i}, pixel {j} is {p}; the network takes pixels 0..={}", net.input.max_pixel);
        }
        frames.push(frame(&img.iter().map(|&p| p as u8).collect::<Vec<u8>>()));
    }
    let plan = NetPlan::new(&net, &a.pm.iter().map(|&p| p as usize).collect::<Vec<_>>())?;
    let classes = plan.fc.classes;
    let len = reply_len(classes);
    let t0 = Instant::now();
    let (replies, rate) = if a.sim {
        let divisor = a.sim_divisor as usize;
        let v = generate_uart_top(&plan, divisor).context("emitting the board top")?;
        eprintln!("compiling the board top with Verilator (UART divisor {divisor})...");
        let sim = nbq_tb::nettop::SerialSim::build(&v, divisor)?;
        let (replies, r) = sim.exchange(&frames, len)?;
        let per_image = r.cycles as f64 / n as f64;
        let link = format!(
            "simulated {} cycles in {:.1} s ({:.0} cycles/s); {per_image:.0} cycles per image at divisor {divisor} = {:.0} \
             images/s at 100 MHz (at the board's divisor 100: {:.0} images/s, UART-bound)",
            r.cycles,
            r.seconds,
            r.cycles as f64 / r.seconds,
            100e6 / per_image,
            100e6 / (per_image * 100.0 / divisor as f64)
        );
        (replies, link)
    } else {
        let port = a.port.clone().unwrap_or_default();
        let replies = exchange_port(&port, a.baud, a.timeout, &frames, len)?;
        let s = t0.elapsed().as_secs_f64();
        (replies, format!("{n} images in {s:.2} s over '{port}' = {:.1} images/s", n as f64 / s))
    };
    let scores = net.scores(&test.pixels, n)?;
    let golden: Vec<usize> = scores.iter().map(|s| argmax(s)).collect();
    let mut decoded: Vec<Reply> = Vec::with_capacity(n);
    for (i, r) in replies.iter().enumerate() {
        decoded.push(decode_reply(r, classes).with_context(|| format!("the reply to image {i}"))?);
    }
    if let Some((i, r)) = decoded.iter().enumerate().find(|(_, r)| r.error() != 0) {
        bail!("the board refused image {i}: status {:#04x} ({})", r.status, r.describe());
    }
    let classes_hw: Vec<usize> = decoded.iter().map(|r| usize::from(r.class)).collect();
    let agree = classes_hw.iter().zip(&golden).filter(|(a, b)| a == b).count();
    // Scores too: the board's integer scores must be the golden network's.
    let same_scores = decoded
        .iter()
        .zip(&scores)
        .filter(|(r, g)| {
            r.scores.iter().zip(g.iter()).all(|(&a, &b)| i128::from(a) == b) && argmax(g) == usize::from(r.class)
        })
        .count();
    println!(
        "{}: {n} images, accuracy {:.2} % (golden {:.2} %); class equal to the golden network's on {agree} of {n}, \
         every score equal on {same_scores} of {n}",
        if a.sim { "simulated board" } else { "board" },
        test.accuracy(&classes_hw),
        test.accuracy(&golden)
    );
    println!("{rate}");
    if same_scores != n {
        bail!("{} of {n} images differ from the golden integer network", n - same_scores);
    }
    Ok(())
}
