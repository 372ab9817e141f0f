//! One experiment: the float baseline, then every method at every bit width, each measured twice on the test
//! split: with the float forward pass (weights quantized, activations float) and as the integer network the
//! hardware runs (weights quantized, activations through the calibrated comparator banks).

use std::time::Instant;

use nbq_quant::golden::net::{calibrate, IntNet, NetInput};
use nbq_quant::QuantizedTensor;
use serde::Serialize;

use crate::data::{Dataset, Split};
use crate::error::Result;
use crate::model::{Arch, Net};
use crate::train::{accuracy, code_tensors, copy, quantize_with, train_float, Progress, QuantMethod, TrainConfig};

/// Training images the comparator banks are calibrated on.
pub const CALIBRATION_IMAGES: usize = 1000;

/// One line of the results table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `float` or a [`QuantMethod`] name.
    pub method: String,
    pub bits: Option<u32>,
    /// Test accuracy with float activations (%).
    pub weights_only: f64,
    /// Test accuracy of the integer network with `act_bits`-bit thresholded activations (%).
    pub integer: Option<f64>,
    /// Wall-clock seconds of this line's training.
    pub seconds: f64,
}

/// A quantized network of the experiment.
#[derive(Debug)]
pub struct Quantized {
    pub method: QuantMethod,
    pub bits: u32,
    pub net: IntNet,
}

/// The float network, the quantized ones and the table.
#[derive(Debug)]
pub struct Outcome {
    pub float: Net,
    pub quantized: Vec<Quantized>,
    pub rows: Vec<Row>,
}

/// Builds the integer network of `codes` (one per weight tensor of `arch`) with the float head bias.
pub fn integer_net(
    arch: &Arch,
    codes: &[QuantizedTensor],
    fc_bias: Vec<f32>,
    act_bits: u32,
    calib: &Dataset,
) -> Result<IntNet> {
    let n = calib.len().min(CALIBRATION_IMAGES);
    let convs = codes.iter().zip(&arch.convs).map(|(q, s)| (q.clone(), s.pool)).collect();
    let input = NetInput { height: arch.input.height, width: arch.input.width, max_pixel: arch.input.max_pixel };
    Ok(calibrate(
        input,
        convs,
        codes[arch.convs.len()].clone(),
        fc_bias,
        act_bits,
        &calib.pixels[..n * calib.image_len()],
        n,
    )?)
}

/// Runs the experiment. `start` is a trained float network (else one is trained from `cfg.seed`).
pub fn run(
    split: &Split,
    start: Option<Net>,
    methods: &[QuantMethod],
    bits: &[u32],
    act_bits: u32,
    cfg: &TrainConfig,
    progress: Progress,
) -> Result<Outcome> {
    cfg.check()?;
    let arch = Arch::lenet(split.train.shape());
    let t0 = Instant::now();
    let float = match start {
        Some(n) => {
            n.arch.check_data(&split.train)?;
            n
        }
        None => {
            let n = Net::init(arch, cfg.seed)?;
            train_float(&n, &split.train, cfg, progress)?;
            n
        }
    };
    let mut rows = vec![Row {
        method: "float".into(),
        bits: None,
        weights_only: 100.0 * accuracy(&float, &float.weights(), &split.test)?,
        integer: None,
        seconds: t0.elapsed().as_secs_f64(),
    }];
    let mut quantized = Vec::new();
    for &b in bits {
        for &m in methods {
            let t0 = Instant::now();
            // The paper's setting: weights quantized, activations float.
            let net = copy(&float)?;
            let codes = quantize_with(m, &net, b, None, &split.train, cfg, progress)?;
            let weights_only = 100.0 * accuracy(&net, &code_tensors(&codes)?, &split.test)?;
            // The deployable network: trained again with the comparator banks in the loop (PTQ: the same codes).
            let (codes, bias) = if m == QuantMethod::Ptq {
                (codes, net.values()?.pop().unwrap_or_default())
            } else {
                let net = copy(&float)?;
                let codes = quantize_with(m, &net, b, Some(act_bits), &split.train, cfg, progress)?;
                (codes, net.values()?.pop().unwrap_or_default())
            };
            let seconds = t0.elapsed().as_secs_f64();
            let int = integer_net(&float.arch, &codes, bias, act_bits, &split.train)?;
            rows.push(Row {
                method: m.name().into(),
                bits: Some(b),
                weights_only,
                integer: Some(split.test.accuracy(&int.classify(&split.test.pixels, split.test.len())?)),
                seconds,
            });
            quantized.push(Quantized { method: m, bits: b, net: int });
        }
    }
    Ok(Outcome { float, quantized, rows })
}

/// The results as a Markdown table (the paper's Table II layout: one line per method and bit width).
pub fn markdown(rows: &[Row], data: &str, test_images: usize, act_bits: u32, command: &str) -> String {
    let float = rows.iter().find(|r| r.bits.is_none()).map_or(f64::NAN, |r| r.weights_only);
    let mut s = format!(
        "Test accuracy on {data} ({test_images} test images). \"weights\": n-bit power-of-two weights, float \
         activations (the paper's Table II setting); \"integer network\": the same method retrained with \
         {act_bits}-bit thresholded activations in the loop, run as the integer network the hardware computes.\n\
         Reproduce: `{command}`\n\n\
         | method | bits | weights % | vs float | integer network % | training s |\n|---|---:|---:|---:|---:|---:|\n"
    );
    for r in rows {
        let bits = r.bits.map_or("32 (float)".to_string(), |b| b.to_string());
        let delta = if r.bits.is_some() { format!("{:+.2}", r.weights_only - float) } else { String::new() };
        let int = r.integer.map_or(String::new(), |v| format!("{v:.2}"));
        s += &format!("| {} | {bits} | {:.2} | {delta} | {int} | {:.1} |\n", r.method, r.weights_only, r.seconds);
    }
    s
}
