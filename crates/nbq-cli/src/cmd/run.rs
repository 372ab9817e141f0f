//! `nbq run`: the host program of the board top. It sends test images over the serial link, reads the classes
//! and scores, and reports accuracy, agreement with the golden integer network and images/s. `--sim` runs the
//! same frames and replies (`nbq_rtl::network::protocol`) against the Verilator model of the board top, its UART
//! driven bit by bit on the pins.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use nbq_model::checkpoint;
use nbq_model::data::{DataName, Dataset};
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
    /// Test images to send: digits or mnist (their test splits), or a NumPy .npz file with arrays x (N, 1, H, W)
    /// or (N, H, W) and y (N,) integer labels. Float x is in [0, 1] (the float network's input; pixel =
    /// round(x * max pixel)), integer x holds the pixels themselves.
    #[arg(long, default_value = "digits", value_parser = parse_data)]
    pub data: DataArg,
    /// Where the named data set is (default: testdata/digits.csv.gz or data/mnist).
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

/// `--data`: a built-in data set or an .npz file.
#[derive(Debug, Clone, PartialEq)]
pub enum DataArg {
    Named(DataName),
    Npz(PathBuf),
}

fn parse_data(v: &str) -> Result<DataArg, String> {
    match v {
        "digits" => Ok(DataArg::Named(DataName::Digits)),
        "mnist" => Ok(DataArg::Named(DataName::Mnist)),
        f if f.to_ascii_lowercase().ends_with(".npz") => Ok(DataArg::Npz(PathBuf::from(f))),
        other => Err(format!("'{other}' is neither a data set nor an .npz file; allowed: digits, mnist, FILE.npz")),
    }
}

/// The test images of an .npz file as integer pixels of `net`'s input (shape, range and labels checked).
fn npz_images(path: &std::path::Path, net: &nbq_quant::net::IntNet) -> Result<Dataset> {
    use nbq_quant::input::npy::{read_images, ImageValues};
    let img = read_images(path)?;
    let (h, w, max) = (net.input.height, net.input.width, net.input.max_pixel);
    let classes = net.fc.shape()[0];
    let s = &img.shape;
    let ok = match s.len() {
        4 => s[1..] == [1, h, w],
        _ => s[1..] == [h, w],
    };
    if !ok {
        bail!("'{}': x has shape {s:?}; the network takes (N, 1, {h}, {w}) or (N, {h}, {w})", path.display());
    }
    let per = h * w;
    let pixels: Vec<u16> = match &img.x {
        ImageValues::Float(x) => {
            let mut px = Vec::with_capacity(x.len());
            for (i, &v) in x.iter().enumerate() {
                if !(0.0..=1.0).contains(&v) {
                    bail!(
                        "'{}': image {}, pixel {} of x is {v}; float images lie in [0, 1] (pixel / {max})",
                        path.display(),
                        i / per,
                        i % per
                    );
                }
                px.push((v * f64::from(max)).round() as u16);
            }
            px
        }
        ImageValues::Int(x) => {
            let mut px = Vec::with_capacity(x.len());
            for (i, &v) in x.iter().enumerate() {
                if !(0..=i64::from(max)).contains(&v) {
                    bail!(
                        "'{}': image {}, pixel {} of x is {v}; the network takes pixels 0..={max}",
                        path.display(),
                        i / per,
                        i % per
                    );
                }
                px.push(v as u16);
            }
            px
        }
    };
    let mut labels = Vec::with_capacity(img.y.len());
    for (i, &y) in img.y.iter().enumerate() {
        if !(0..classes as i64).contains(&y) {
            bail!("'{}': label {i} (y) is {y}; the network has classes 0..={}", path.display(), classes - 1);
        }
        labels.push(y as u8);
    }
    Ok(Dataset {
        name: path.file_stem().map_or_else(|| "images".into(), |s| s.to_string_lossy().into_owned()),
        height: h,
        width: w,
        max_pixel: max,
        classes,
        pixels,
        labels,
    })
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
    let all = match &a.data {
        DataArg::Named(d) => {
            let split = d.load(&a.data_path.clone().unwrap_or_else(|| default_path(*d)))?;
            ck.arch.check_data(&split.test).with_context(|| format!("checkpoint '{}'", a.model.display()))?;
            split.test
        }
        DataArg::Npz(path) => {
            if a.data_path.is_some() {
                bail!("--data-path names where digits or mnist are; with --data {} leave it out", path.display());
            }
            npz_images(path, &net)?
        }
    };
    let n = a.images.unwrap_or(all.len()).clamp(1, all.len());
    let test = all.take(n);
    let frames = frames_of(&net, &test)?;
    let plan = NetPlan::new(&net, &a.pm.iter().map(|&p| p as usize).collect::<Vec<_>>())?;
    let len = reply_len(plan.fc.classes);
    let t0 = Instant::now();
    let (replies, rate) = if a.sim {
        sim_exchange(&plan, a.sim_divisor as usize, &frames)?
    } else {
        let port = a.port.clone().unwrap_or_default();
        let replies = exchange_port(&port, a.baud, a.timeout, &frames, len)?;
        let s = t0.elapsed().as_secs_f64();
        (replies, format!("{n} images in {s:.2} s over '{port}' = {:.1} images/s", n as f64 / s))
    };
    let c = check(&net, &test, plan.fc.classes, &replies)?;
    println!(
        "{}: {n} images, accuracy {:.2} % (golden {:.2} %); class equal to the golden network's on {} of {n}, \
         every score equal on {} of {n}",
        if a.sim { "simulated board" } else { "board" },
        c.accuracy,
        c.golden_accuracy,
        c.same_class,
        c.same_scores
    );
    println!("{rate}");
    if c.same_scores != n {
        bail!("{} of {n} images differ from the golden integer network", n - c.same_scores);
    }
    Ok(())
}

/// The frames of `test`'s images; refuses images the board would refuse (wrong size, pixels out of range).
pub fn frames_of(net: &nbq_quant::net::IntNet, test: &Dataset) -> Result<Vec<Vec<u8>>> {
    let per = net.input.height * net.input.width;
    let mut frames = Vec::with_capacity(test.len());
    for (i, img) in test.pixels.chunks(per).enumerate() {
        if img.len() != per {
            bail!("image {i} has {} pixels; the network takes {per}", img.len());
        }
        if let Some((j, &p)) = img.iter().enumerate().find(|(_, &p)| p > net.input.max_pixel) {
            bail!("image {i}, pixel {j} is {p}; the network takes pixels 0..={}", net.input.max_pixel);
        }
        frames.push(frame(&img.iter().map(|&p| p as u8).collect::<Vec<u8>>()));
    }
    Ok(frames)
}

/// Sends `frames` to the Verilator model of `plan`'s board top (UART at `divisor` clocks per bit), bit by bit
/// on its pins: the replies and a line on the simulation's speed.
pub fn sim_exchange(plan: &NetPlan, divisor: usize, frames: &[Vec<u8>]) -> Result<(Vec<Vec<u8>>, String)> {
    let n = frames.len();
    let v = generate_uart_top(plan, divisor).context("emitting the board top")?;
    eprintln!("compiling the board top with Verilator (UART divisor {divisor})...");
    let sim = nbq_tb::nettop::SerialSim::build(&v, divisor)?;
    let (replies, r) = sim.exchange(frames, reply_len(plan.fc.classes))?;
    let per_image = r.cycles as f64 / n as f64;
    let link = format!(
        "simulated {} cycles in {:.1} s ({:.0} cycles/s); {per_image:.0} cycles per image at divisor {divisor} = {:.0} \
         images/s at 100 MHz (at the board's divisor 100: {:.0} images/s, UART-bound; compute-bound, on a full \
         stream: an image every {} cycles, {:.0} images/s)",
        r.cycles,
        r.seconds,
        r.cycles as f64 / r.seconds,
        100e6 / per_image,
        100e6 / (per_image * 100.0 / divisor as f64),
        plan.interval_cycles(),
        100e6 / plan.interval_cycles() as f64
    );
    Ok((replies, link))
}

/// How a board's replies compare with the golden integer network.
pub struct Checked {
    pub accuracy: f64,
    pub golden_accuracy: f64,
    pub same_class: usize,
    /// Images whose every score (and so the class) equals the golden network's.
    pub same_scores: usize,
}

/// Decodes the replies to `test`'s images and compares them with the golden network; a refused image is an
/// error naming its status.
pub fn check(net: &nbq_quant::net::IntNet, test: &Dataset, classes: usize, replies: &[Vec<u8>]) -> Result<Checked> {
    let n = test.len();
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
    let same_class = classes_hw.iter().zip(&golden).filter(|(a, b)| a == b).count();
    // Scores too: the board's integer scores must be the golden network's.
    let same_scores = decoded
        .iter()
        .zip(&scores)
        .filter(|(r, g)| {
            r.scores.iter().zip(g.iter()).all(|(&a, &b)| i128::from(a) == b) && argmax(g) == usize::from(r.class)
        })
        .count();
    Ok(Checked {
        accuracy: test.accuracy(&classes_hw),
        golden_accuracy: test.accuracy(&golden),
        same_class,
        same_scores,
    })
}
