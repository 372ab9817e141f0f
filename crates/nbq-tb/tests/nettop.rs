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

fn frames(net: &IntNet, pixels: &[u16]) -> Vec<Vec<u8>> {
    let per = net.input.height * net.input.width;
    pixels.chunks(per).map(|c| c.iter().map(|&p| p as u8).collect()).collect()
}

/// Runs `images` digits test images through the emitted top and checks every reply against the golden network.
fn run(simulator: Simulator, images: usize, pm: &[usize], backpressure: bool) -> nbq_tb::nettop::Run {
    let (net, split) = digits();
    let test = split.test.take(images.min(split.test.len()));
    let plan = NetPlan::new(&net, pm).unwrap();
    let v = generate_top(&plan).unwrap();
    let sim = TopSim::build(&v, plan.fc.classes, simulator).unwrap();
    let run = sim.run(&frames(&net, &test.pixels), backpressure, 7, 100_000_000).unwrap();
    let want = golden(&net, &test.pixels, test.len());
    for (i, (r, g)) in run.replies.iter().zip(&want).enumerate() {
        let g32: Vec<i32> = g.iter().map(|&v| v as i32).collect();
        assert_eq!(r.scores, g32, "image {i}: scores");
        assert_eq!(r.class(), Some(argmax(g)), "image {i}: class (status {:#x})", r.status);
    }
    assert_eq!(run.replies.len(), test.len());
    eprintln!(
        "{} images, {} cycles ({} per image), {:.0} cycles/s",
        test.len(),
        run.cycles,
        run.cycles / test.len() as u64,
        run.cycles_per_second()
    );
    run
}

#[test]
fn digits_top_under_verilator_matches_golden() {
    let r = run(Simulator::Verilator, 20, &[4, 4], false);
    // The cycle model of the plan (2,115 per image without stalls) is what the stream measures, within the few
    // cycles of the handshakes.
    let per = r.cycles / 20;
    assert!((2_000..2_200).contains(&per), "{per} cycles per image");
}

/// The whole digits test split (359 images) with random backpressure on both streams.
#[test]
fn digits_top_whole_test_split_with_backpressure() {
    run(Simulator::Verilator, usize::MAX, &[4, 4], true);
}

/// Icarus, another engine per layer shape (Pm 2 then 8), with backpressure.
#[test]
fn digits_top_under_icarus_matches_golden() {
    run(Simulator::Icarus, 20, &[2, 8], true);
}

/// Bad frames get error replies and never lock the top up: the good frame after each is classified correctly.
#[test]
fn bad_frames_get_error_replies_and_the_next_frame_is_right() {
    let (net, split) = digits();
    let test = split.test.take(4);
    let plan = NetPlan::new(&net, &[4]).unwrap();
    let sim = TopSim::build(&generate_top(&plan).unwrap(), plan.fc.classes, Simulator::Verilator).unwrap();
    let good = frames(&net, &test.pixels);
    let short = good[1][..10].to_vec();
    let long: Vec<u8> = good[2].iter().copied().chain([1, 2, 3, 4, 5]).collect();
    let mut range = good[3].clone();
    range[17] = 200; // max_pixel is 16
    let stream = vec![good[0].clone(), short, good[1].clone(), long, good[2].clone(), range, good[3].clone()];
    let r = sim.run(&stream, true, 3, 10_000_000).unwrap();
    let want = golden(&net, &test.pixels, 4);
    let statuses: Vec<u32> = r.replies.iter().map(|r| r.status & !0xff).collect();
    assert_eq!(statuses, vec![0, 0x100, 0, 0x200, 0, 0x400, 0]);
    for (reply, g) in [(0, 0), (2, 1), (4, 2), (6, 3)] {
        assert_eq!(r.replies[reply].class(), Some(argmax(&want[g])), "reply {reply}");
        let g32: Vec<i32> = want[g].iter().map(|&v| v as i32).collect();
        assert_eq!(r.replies[reply].scores, g32, "reply {reply}");
    }
    for reply in [1, 3, 5] {
        assert_eq!(r.replies[reply].class(), None);
        assert!(r.replies[reply].scores.iter().all(|&s| s == 0), "reply {reply}: {:?}", r.replies[reply].scores);
    }
}

/// A flipped bit in one code of a weight memory is caught: the top's scores then differ from the golden network's.
#[test]
fn a_flipped_weight_code_bit_is_caught() {
    let (net, split) = digits();
    let test = split.test.take(10);
    let mut plan = NetPlan::new(&net, &[4]).unwrap();
    // Word 4 of layer 1's first pass holds codes of its kernels; flip the lowest bit of a code that is not zero.
    let w = (0..plan.convs[1].weight_words.len()).find(|&i| plan.convs[1].weight_words[i] & 0x7 != 0).unwrap();
    plan.convs[1].weight_words[w] ^= 1;
    let sim = TopSim::build(&generate_top(&plan).unwrap(), plan.fc.classes, Simulator::Verilator).unwrap();
    let r = sim.run(&frames(&net, &test.pixels), false, 1, 10_000_000).unwrap();
    let want = golden(&net, &test.pixels, 10);
    let differ = r
        .replies
        .iter()
        .zip(&want)
        .filter(|(r, g)| r.scores != g.iter().map(|&v| v as i32).collect::<Vec<_>>())
        .count();
    assert!(differ > 0, "a corrupted weight code went unnoticed on 10 images");
}
