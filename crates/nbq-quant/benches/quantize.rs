//! Quantizer throughput on a ResNet-18-sized weight set (11.7 M float weights, generated, Laplace-like).
//! Run: `cargo bench -p nbq-quant --bench quantize`; `bench/run.sh` reports the figures side by side with NumPy.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nbq_quant::{quantize, CodeFormat, FloatTensor, Granularity, Method};

/// Deterministic heavy-tailed weights (xorshift, inverse-CDF of a Laplace distribution).
pub fn weights(n: usize) -> Vec<f32> {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64 - 0.5;
            (-0.02 * u.signum() * (1.0 - 2.0 * u.abs()).ln()) as f32
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let n = 11_700_000;
    let t = FloatTensor::new("resnet18-sized", vec![n], 0, weights(n)).expect("finite weights");
    let f = CodeFormat::new(4).expect("4 bits");
    let mut g = c.benchmark_group("quantize_11.7M");
    g.throughput(Throughput::Elements(n as u64)).sample_size(10);
    for m in Method::ALL {
        g.bench_function(m.name(), |b| b.iter(|| quantize(&t, m, f, Granularity::Tensor).expect("quantize")));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
