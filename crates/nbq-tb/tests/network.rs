//! Whole-network inference through the emitted Verilog: the bundled quantized digits CNN (models/, trained by
//! `nbq train --data digits`) classifies test images with both conv layers on generated SVPE engines under Icarus
//! Verilog; every convolution sum must equal the golden model's (checked inside `NetHardware::conv`) and so must
//! every predicted class.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use nbq_tb::network::{NetHardware, Simulator};

/// Classifies the first `images` digits test images on the emitted Verilog. Every convolution sum is compared
/// with the golden model's inside `NetHardware::conv`, which fails on the first difference, so an `Ok` here means
/// the hardware computed the golden network exactly; the classes are then the golden model's by construction.
fn classify_first(images: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ck = nbq_model::checkpoint::load(&root.join("models/digits-lenet-rg-3bit.safetensors")).unwrap();
    let net = ck.net.expect("a quantized checkpoint");
    let split = nbq_model::data::load_digits(&root.join("testdata/digits.csv.gz")).unwrap();
    let test = split.test.take(images);
    let mut hw = NetHardware::build(&net, "digits", 2, 8, Simulator::Icarus, |_| ()).unwrap();
    assert_eq!(hw.layers.len(), 2);
    assert_eq!((hw.layers[1].design.pn, hw.layers[1].design.pm), (2, 8));
    let got = hw.classify(&net, &test.pixels, test.len()).unwrap();
    // The network is a real classifier (the bundled one scores about 97 % on the whole test split).
    let right = got.iter().zip(&test.labels).filter(|(a, b)| **a == usize::from(**b)).count();
    assert!(right >= images * 9 / 10, "{right} of {images} right");
    assert!(hw.cycles > images * 64);
}

#[test]
fn digits_cnn_on_emitted_verilog_matches_golden() {
    classify_first(100);
}

/// The same path on a handful of images, for the fast test profile.
#[test]
fn digits_cnn_first_images_on_emitted_verilog() {
    classify_first(5);
}
