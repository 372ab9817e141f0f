//! The integer head (the float bias rounded to 2^-F of the sums' unit) classifies the bundled quantized digits
//! network's test images exactly as a head with the float bias does.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use nbq_quant::golden::net::{argmax, golden_conv};

#[test]
fn integer_head_classifies_every_digits_test_image_as_the_float_bias_head() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let net = nbq_model::checkpoint::load(&root.join("models/digits-lenet-rg-3bit.safetensors")).unwrap().net.unwrap();
    let test = nbq_model::data::load_digits(&root.join("testdata/digits.csv.gz")).unwrap().test;
    let mut x = net.input(&test.pixels, test.len()).unwrap();
    for l in 0..net.convs.len() {
        x = net.requantize(l, &golden_conv(&x, &net.conv_weights(l).unwrap()).unwrap()).unwrap();
    }
    // The float-bias head, written out independently: real logits = sum * 2^scale * in_scale + bias, in f64.
    let [n, c, h, w] = x.shape();
    let f = c * h * w;
    let values = net.fc.values();
    let in_scale = net.in_scale(net.convs.len());
    let float_classes: Vec<usize> = (0..n)
        .map(|b| {
            let xs = &x.data()[b * f..(b + 1) * f];
            let logits: Vec<f64> = (0..net.fc_bias.len())
                .map(|cls| {
                    let dot: f64 =
                        xs.iter().zip(&values[cls * f..(cls + 1) * f]).map(|(&v, &t)| f64::from(v) * t).sum();
                    dot * in_scale + f64::from(net.fc_bias[cls])
                })
                .collect();
            argmax(&logits)
        })
        .collect();
    assert_eq!(n, 359);
    let integer_classes = net.classify(&test.pixels, test.len()).unwrap();
    let differ: Vec<usize> = (0..n).filter(|&i| integer_classes[i] != float_classes[i]).collect();
    assert!(differ.is_empty(), "images {differ:?} are classified differently");
    // And every integer score is the float-bias logit to within half a score unit (the bias's rounding).
    let unit = net.head_unit().unwrap();
    for (b, scores) in net.logits(&x).unwrap().iter().enumerate() {
        let xs = &x.data()[b * f..(b + 1) * f];
        for (cls, &got) in scores.iter().enumerate() {
            let dot: f64 = xs.iter().zip(&values[cls * f..(cls + 1) * f]).map(|(&v, &t)| f64::from(v) * t).sum();
            let want = dot * in_scale + f64::from(net.fc_bias[cls]);
            assert!((got - want).abs() <= unit / 2.0 + 1e-12, "image {b} class {cls}: {got} vs {want}");
        }
    }
}
