//! Golden model throughput: a 64×64×64 -> 64, 3×3, stride 1, pad 1 layer with non-zero 3-bit codes and 16-bit
//! activations. Throughput counts the shift-adds actually performed: every tap that lands inside the image,
//! 64 * 64 * (64 + 63 + 63)^2 = 147.9 M. Run: `cargo bench -p nbq-quant --bench golden_conv`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nbq_quant::golden::{conv2d_shift, Activations, ConvParams, ConvWeights};
use nbq_quant::Term;

fn bench(c: &mut Criterion) {
    let (ch, hw, m, k) = (64usize, 64usize, 64usize, 3usize);
    let mut s = 12345u32;
    let mut next = || {
        s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
        s >> 8
    };
    let x: Vec<i32> = (0..ch * hw * hw).map(|_| (next() % 65536) as i32 - 32768).collect();
    let terms: Vec<Term> = (0..m * ch * k * k)
        .map(|_| {
            let r = next() % 6;
            Term::Shift { negative: r >= 3, shift: (r % 3) as u8 }
        })
        .collect();
    let x = Activations::new([1, ch, hw, hw], 16, x).expect("activations");
    let w = ConvWeights::new(m, ch, k, terms).expect("weights");
    let p = ConvParams { stride: 1, pad: 1 };
    // Taps inside the image: per kernel row/column, 64 positions for the centre tap and 63 for each edge tap.
    let per_axis = (hw + 2 * (hw - 1)) as u64;
    let shift_adds = (m * ch) as u64 * per_axis * per_axis;
    let mut g = c.benchmark_group("golden_conv_64x64x64_to_64_k3");
    g.throughput(Throughput::Elements(shift_adds)).sample_size(10);
    g.bench_function("i32", |b| b.iter(|| conv2d_shift::<i32>(&x, &w, p).expect("conv")));
    g.bench_function("i64", |b| b.iter(|| conv2d_shift::<i64>(&x, &w, p).expect("conv")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
