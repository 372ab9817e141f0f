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
    net.scores(pixels, n).unwrap()
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
    // The plan's cycle model is what the stream measures, within 2 %: the first image's latency, then one
    // image per interval of the slowest layer stage (the layers work on different images at once).
    let (net, _) = digits();
    let plan = NetPlan::new(&net, &[4, 4]).unwrap();
    let (latency, interval) = (plan.image_cycles() as u64, plan.interval_cycles() as u64);
    assert!(interval < latency, "the pipeline overlaps the layers: interval {interval}, latency {latency}");
    let model = latency + 19 * interval;
    assert!(
        r.cycles >= model - model / 50 && r.cycles <= model + model / 50,
        "{} cycles for 20 images; the model says {model} (latency {latency} + 19 x interval {interval})",
        r.cycles
    );
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

/// Runs `test`'s images through the (faulty) top `verilog` of `plan` under Verilator: how many replies'
/// scores differ from the golden network's.
fn differing(verilog: &str, plan: &NetPlan, net: &IntNet, test: &nbq_model::data::Dataset) -> usize {
    let sim = TopSim::build(verilog, plan.fc.classes, Simulator::Verilator).unwrap();
    let r = sim.run(&frames(net, &test.pixels), false, 1, 10_000_000).unwrap();
    let want = golden(net, &test.pixels, test.len());
    r.replies.iter().zip(&want).filter(|(r, g)| r.scores != g.iter().map(|&v| v as i32).collect::<Vec<_>>()).count()
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
    let differ = differing(&generate_top(&plan).unwrap(), &plan, &net, &test);
    assert!(differ > 0, "a corrupted weight code went unnoticed on 10 images");
}

/// `from` replaced by `to` in module `module` of the emitted Verilog, where it occurs exactly once (so that a
/// change in the generator cannot silently turn the fault into a no-op).
fn mutate(verilog: &str, module: &str, from: &str, to: &str) -> String {
    let start = verilog.find(&format!("module {module}(")).unwrap();
    let end = start + verilog[start..].find("endmodule").unwrap();
    assert_eq!(verilog[start..end].matches(from).count(), 1, "`{from}` in module {module}");
    let at = start + verilog[start..end].find(from).unwrap();
    format!("{}{to}{}", &verilog[..at], &verilog[at + from.len()..])
}

/// A dropped pooling window is caught: layer 1 (the one that pools, 4x4 to 2x2) never writes its pooled output
/// at position 1 of its first tile, so the head reads a stale code there.
#[test]
fn a_dropped_pooling_window_is_caught() {
    let (net, split) = digits();
    let test = split.test.take(10);
    let plan = NetPlan::new(&net, &[4]).unwrap();
    let v = generate_top(&plan).unwrap();
    let faulty = mutate(&v, "top$convs$1", "if (c_yodd$q) begin", "if (c_yodd$q & (pidx$q != 1)) begin");
    let differ = differing(&faulty, &plan, &net, &test);
    assert!(differ > 0, "a dropped pooling window went unnoticed on 10 images");
}

mod serial {
    use super::*;
    use nbq_rtl::network::generate_uart_top;
    use nbq_rtl::network::protocol::{self, decode_reply, frame, reply_len};
    use nbq_tb::nettop::{Chunk, SerialSim};

    /// Sends each frame, waits for its reply, decodes every reply.
    fn session(sim: &SerialSim, frames: &[(u32, Vec<u8>)], classes: usize) -> Vec<protocol::Reply> {
        let n = reply_len(classes) as u32;
        let chunks: Vec<Chunk> = frames
            .iter()
            .enumerate()
            .map(|(i, (gap, b))| Chunk { gap_cycles: *gap, bytes: b.clone(), wait_total: n * (i as u32 + 1) })
            .collect();
        let r = sim.run(&chunks, 20_000_000).unwrap();
        let st: Vec<_> = r.received.chunks(n as usize).map(|b| decode_reply(b, classes).map(|r| r.status)).collect();
        assert_eq!(r.received.len(), frames.len() * n as usize, "one reply per frame: {st:?}");
        eprintln!("{} frames in {} cycles, {:.0} cycles/s", frames.len(), r.cycles, r.cycles as f64 / r.seconds);
        r.received.chunks(n as usize).map(|b| decode_reply(b, classes).unwrap()).collect()
    }

    /// Every frame through the board top at `divisor` clocks per bit, stop-and-wait as `nbq run` does: each
    /// reply must be a good one, with the golden network's class and scores.
    fn exchange_all(net: &IntNet, pixels: &[u16], pm: &[usize], divisor: usize) -> nbq_tb::nettop::SerialRun {
        let plan = NetPlan::new(net, pm).unwrap();
        let sim = SerialSim::build(&generate_uart_top(&plan, divisor).unwrap(), divisor).unwrap();
        let imgs = frames(net, pixels);
        let framed: Vec<Vec<u8>> = imgs.iter().map(|i| frame(i)).collect();
        let (replies, run) = sim.exchange(&framed, reply_len(plan.fc.classes)).unwrap();
        let want = golden(net, pixels, imgs.len());
        for (i, (b, g)) in replies.iter().zip(&want).enumerate() {
            let r = decode_reply(b, plan.fc.classes).unwrap();
            let g32: Vec<i32> = g.iter().map(|&v| v as i32).collect();
            assert_eq!((r.status, &r.scores), (0, &g32), "image {i}");
            assert_eq!(usize::from(r.class), argmax(g), "image {i}: class");
        }
        eprintln!(
            "{} frames at divisor {divisor} in {} cycles ({} per image), {:.0} cycles/s",
            imgs.len(),
            run.cycles,
            run.cycles / imgs.len() as u64,
            run.cycles as f64 / run.seconds
        );
        run
    }

    /// The board top as built for the Alchitry Cu (Pm 1, 2; 1 Mbaud: 100 clocks per bit), the whole digits test
    /// split through its UART pins.
    #[test]
    fn uart_top_at_1_mbaud_classifies_the_whole_digits_split() {
        let (net, split) = digits();
        let run = exchange_all(&net, &split.test.pixels, &[1, 2], 100);
        // 69 frame bytes and 45 reply bytes at 1,000 clocks each, and the computation.
        let per = run.cycles / split.test.len() as u64;
        assert!((114_000..125_000).contains(&per), "{per} cycles per image");
    }

    /// The MNIST board top at 1 Mbaud, on a sample of its test split (each image is 789 bytes on the line: 0.8 M
    /// cycles).
    #[test]
    fn mnist_uart_top_at_1_mbaud_matches_golden_on_a_sample() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let ck = nbq_model::checkpoint::load(&root.join("models/mnist-lenet-rg-3bit.safetensors")).unwrap();
        let net = ck.net.expect("a quantized checkpoint");
        let split = nbq_model::data::load_mnist(&root.join("data/mnist")).expect("data/mnist: run scripts/setup.sh");
        let sample = split.test.take(12);
        exchange_all(&net, &sample.pixels, &[1, 3], 100);
    }

    /// The board top through its UART pins (divisor 8: the same RTL as the board's 100, bit times shortened):
    /// good frames are classified as the golden network does, bad frames get their error replies and the next
    /// good frame is right.
    #[test]
    fn uart_top_classifies_and_survives_bad_frames() {
        let (net, split) = digits();
        let test = split.test.take(6);
        let plan = NetPlan::new(&net, &[4]).unwrap();
        let divisor = 8;
        let sim = SerialSim::build(&generate_uart_top(&plan, divisor).unwrap(), divisor).unwrap();
        let imgs = frames(&net, &test.pixels);
        let want = golden(&net, &test.pixels, 6);
        let mut bad_crc = frame(&imgs[1]);
        let last = bad_crc.len() - 1;
        bad_crc[last] ^= 0x55;
        let mut wrong_len = frame(&imgs[2][..60]);
        wrong_len.truncate(wrong_len.len() - 1);
        let truncated = frame(&imgs[3])[..30].to_vec();
        let mut range = imgs[4].clone();
        range[3] = 99;
        let garbage: Vec<u8> = [0x00, 0xa5, 0x13, 0x5a].iter().copied().chain(frame(&imgs[5])).collect();
        let quiet = (protocol::QUIET_BYTES * 10 * divisor * 2) as u32;
        let stream = vec![
            (0, frame(&imgs[0])),
            (0, bad_crc),
            (0, frame(&imgs[1])),
            (0, wrong_len),
            (quiet, frame(&imgs[2])),
            (0, truncated),
            (0, frame(&imgs[3])),
            (0, frame(&range)),
            (0, frame(&imgs[4])),
            (0, garbage),
        ];
        let replies = session(&sim, &stream, plan.fc.classes);
        let statuses: Vec<u8> = replies.iter().map(|r| r.status).collect();
        use protocol::{STATUS_CRC, STATUS_LENGTH, STATUS_RANGE, STATUS_SKIPPED, STATUS_TIMEOUT};
        assert_eq!(
            statuses,
            vec![0, STATUS_CRC, 0, STATUS_LENGTH, 0, STATUS_TIMEOUT, 0, STATUS_RANGE, 0, STATUS_SKIPPED]
        );
        for (reply, img) in [(0, 0), (2, 1), (4, 2), (6, 3), (8, 4), (9, 5)] {
            let g32: Vec<i32> = want[img].iter().map(|&v| v as i32).collect();
            assert_eq!(replies[reply].scores, g32, "reply {reply}");
            assert_eq!(usize::from(replies[reply].class), argmax(&want[img]), "reply {reply}");
        }
        for reply in [1, 3, 5, 7] {
            assert_eq!((replies[reply].class, replies[reply].scores.iter().any(|&s| s != 0)), (0, false));
        }
    }
}

/// The MNIST network (models/mnist-lenet-rg-3bit.safetensors, `nbq train --data mnist --bits 3 --methods rg`)
/// on the whole MNIST test split (1,996 images) through the streaming top under Verilator: every score and class
/// equal to the golden network's. Needs data/mnist (scripts/setup.sh fetches it).
#[test]
fn mnist_top_whole_test_split_matches_golden() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ck = nbq_model::checkpoint::load(&root.join("models/mnist-lenet-rg-3bit.safetensors")).unwrap();
    let net = ck.net.expect("a quantized checkpoint");
    let split = nbq_model::data::load_mnist(&root.join("data/mnist")).expect("data/mnist: run scripts/setup.sh");
    let test = &split.test;
    // The schedule the Alchitry Cu's MNIST bitstream is built with (README: Pm (1, 3)).
    let plan = NetPlan::new(&net, &[1, 3]).unwrap();
    let sim = TopSim::build(&generate_top(&plan).unwrap(), plan.fc.classes, Simulator::Verilator).unwrap();
    let run = sim.run(&frames(&net, &test.pixels), true, 11, 1_000_000_000).unwrap();
    // Compute-bound even with random stalls on both streams: the pipeline's interval (conv 1's time) per image,
    // within 2 % (10,000 images/s at 100 MHz needs at most 10,000 cycles per image).
    let model = (plan.image_cycles() + 1_995 * plan.interval_cycles()) as u64;
    assert!(
        run.cycles >= model - model / 50 && run.cycles <= model + model / 50,
        "{} cycles for 1,996 images; the model says {model}",
        run.cycles
    );
    assert!(run.cycles < 1_996 * 10_000, "{} cycles per image", run.cycles / 1_996);
    let want = golden(&net, &test.pixels, test.len());
    assert_eq!(run.replies.len(), 1_996);
    for (i, (r, g)) in run.replies.iter().zip(&want).enumerate() {
        let g32: Vec<i32> = g.iter().map(|&v| v as i32).collect();
        assert_eq!(r.scores, g32, "image {i}: scores");
        assert_eq!(r.class(), Some(argmax(g)), "image {i}: class");
    }
    let right = run.replies.iter().zip(&test.labels).filter(|(r, &y)| r.class() == Some(usize::from(y))).count();
    eprintln!(
        "MNIST: {} of 1,996 right; {} cycles ({} per image), {:.0} cycles/s, {:.1} s",
        right,
        run.cycles,
        run.cycles / 1_996,
        run.cycles_per_second(),
        run.seconds
    );
    assert!(right > 1_900, "{right} of 1,996 right");
}
