//! Whole-network inference through the emitted Verilog: the bundled quantized digits CNN (models/, trained by
//! `nbq train --data digits`) classifies test images with both conv layers on generated SVPE engines under Icarus
//! Verilog; every convolution sum must equal the golden model's (checked inside `NetHardware::conv`) and so must
//! every predicted class.

use std::path::Path;

use nbq_tb::network::{NetHardware, Simulator};

const IMAGES: usize = 100;

#[test]
fn digits_cnn_on_emitted_verilog_matches_golden() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ck = nbq_train::checkpoint::load(&root.join("models/digits-lenet-rg-3bit.safetensors")).unwrap();
    let net = ck.net.expect("a quantized checkpoint");
    let split = nbq_train::data::load_digits(&root.join("testdata/digits.csv.gz")).unwrap();
    let test = split.test.take(IMAGES);
    let golden = net.classify(&test.pixels, test.len()).unwrap();
    let mut hw = NetHardware::build(&net, "digits", 2, 8, Simulator::Icarus, |_| ()).unwrap();
    assert_eq!(hw.layers.len(), 2);
    assert_eq!((hw.layers[1].design.pn, hw.layers[1].design.pm), (2, 8));
    let got = hw.classify(&net, &test.pixels, test.len()).unwrap();
    assert_eq!(got, golden);
    let right = |p: &[usize]| p.iter().zip(&test.labels).filter(|(a, b)| **a == usize::from(**b)).count();
    // The network is a real classifier (the bundled one scores about 97 % on the whole test split).
    assert!(right(&got) >= IMAGES * 9 / 10, "{} of {IMAGES} right", right(&got));
    assert!(hw.cycles > IMAGES * 64);
}
