//! The whole network on the chip: the streaming network top (`nbq_rtl::network`) of the bundled digits CNN, as
//! emitted Verilog, driven through its AXI4-Stream ports; every reply's class and scores must equal the golden
//! integer network's.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use nbq_quant::golden::net::argmax;
use nbq_quant::net::IntNet;
use nbq_rtl::network::{generate_top, NetPlan};
use nbq_tb::nettop::{Simulator, TopSim};

fn digits() -> (IntNet, nbq_model::data::Split) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ck = nbq_model::checkpoint::load(&root.join("models/digits-lenet-rg-3bit.safetensors")).unwrap();
    let split = nbq_model::data::load_digits(&root.join("testdata/digits.csv.gz")).unwrap();
    (ck.net.expect("a quantized checkpoint"), split)
}

/// The golden integer network's scores of `n` images.
fn golden(net: &IntNet, pixels: &[u16], n: usize) -> Vec<Vec<i128>> {
    let mut x = net.input(pixels, n).unwrap();
    for l in 0..net.convs.len() {
        let acc = nbq_quant::golden::net::golden_conv(&x, &net.conv_weights(l).unwrap()).unwrap();
        x = net.requantize(l, &acc).unwrap();
    }
    net.head(&x).unwrap()
}

fn run(simulator: Simulator, images: usize, pm: &[usize], backpressure: bool) {
    let (net, split) = digits();
    let test = split.test.take(images);
    let plan = NetPlan::new(&net, pm).unwrap();
    let v = generate_top(&plan).unwrap();
    let sim = TopSim::build(&v, plan.fc.classes, simulator).unwrap();
    let per = net.input.height * net.input.width;
    let frames: Vec<Vec<u8>> = test.pixels.chunks(per).map(|c| c.iter().map(|&p| p as u8).collect()).collect();
    let run = sim.run(&frames, backpressure, 7, 100_000_000).unwrap();
    let want = golden(&net, &test.pixels, test.len());
    for (i, (r, g)) in run.replies.iter().zip(&want).enumerate() {
        let g32: Vec<i32> = g.iter().map(|&v| v as i32).collect();
        assert_eq!(r.scores, g32, "image {i}: scores");
        assert_eq!(r.class(), Some(argmax(g)), "image {i}: class (status {:#x})", r.status);
    }
    eprintln!(
        "{} images, {} cycles ({} per image), {:.0} cycles/s",
        images,
        run.cycles,
        run.cycles / images as u64,
        run.cycles_per_second()
    );
}

#[test]
fn digits_top_under_verilator_matches_golden() {
    run(Simulator::Verilator, 20, &[4, 4], false);
}
