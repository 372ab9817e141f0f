//! The k×k convolver (line buffers and a transposed-form chain of PEs) and the cluster/engine around it; one
//! definition each, instantiated for both PE kinds.

#[macro_use]
pub mod array;
#[macro_use]
pub mod engine;
pub mod line_buffer;
pub mod ports;

use rust_hdl::prelude::*;

use crate::pe::{MulPe, ShiftPe, SHIFT_BITS};
use crate::requant::{Requantizer, CODE_OUT_BITS};
use crate::widths::{bit, high_mask, low_mask, Widths, BUS_BITS};
pub use line_buffer::LineBuffer;
pub use ports::{Dir, Latency, Level, Port, Ports, Role, Shape};

/// Consumed pixels from a window's newest pixel to its sum on `sum_out` of a k×k convolver: 1 at every k, the
/// PEs' pixel register (the transposed chain adds the newest pixel's products last, see [`mod@array`]). An
/// image's last window needs this many further pixels (the next image's, or a flush pixel). The whole latency of
/// a block is [`Latency`].
pub const fn window_latency(k: usize) -> usize {
    let _ = k;
    1
}

/// Codes the weight bus ([`BUS_BITS`] wide) carries per loading cycle for `code_bits`-bit weights (`BUS_BITS` for
/// the multiplier PE) in an engine of `pn * pm` convolvers: `floor(BUS_BITS / code_bits)`, at most one per
/// convolver (see [`engine`]).
pub fn weight_lanes(code_bits: usize, pn: usize, pm: usize) -> usize {
    (BUS_BITS / code_bits.max(1)).clamp(1, (pn * pm).max(1))
}

/// Cycles `load` must be held to load every weight of an engine: `k² * ceil(pn * pm / lanes)`.
pub fn weight_load_cycles(k: usize, code_bits: usize, pn: usize, pm: usize) -> usize {
    k * k * (pn * pm).div_ceil(weight_lanes(code_bits, pn, pm))
}

/// The weight bus words that load `wts` (MCKK order, one kernel of `k × k` per convolver, convolver index
/// `output channel * Pn + input channel`) through `lanes` lanes of `lane_bits` bits (see [`engine`]):
/// lane g chains through convolvers g, g + L, ...; each lane presents its last convolver's kernel first,
/// row-major; lanes with fewer convolvers lead with zero codes.
pub fn load_words(k: usize, lanes: usize, lane_bits: usize, wts: &[u16]) -> Vec<u64> {
    let convs = wts.len() / (k * k);
    let depth = convs.div_ceil(lanes);
    let lane_codes: Vec<Vec<u16>> = (0..lanes)
        .map(|g| {
            let members: Vec<usize> = (g..convs).step_by(lanes).collect();
            let mut seq = vec![0u16; (depth - members.len()) * k * k];
            for &cv in members.iter().rev() {
                seq.extend_from_slice(&wts[cv * k * k..(cv + 1) * k * k]);
            }
            seq
        })
        .collect();
    (0..depth * k * k)
        .map(|t| {
            lane_codes
                .iter()
                .enumerate()
                .fold(0u64, |acc, (g, seq)| acc | (u64::from(seq[t]) & ((1u64 << lane_bits) - 1)) << (g * lane_bits))
        })
        .collect()
}

define_conv_array!(ShiftRow, ShiftConv, ShiftPe, "shift (SVPE)");
define_conv_array!(MulRow, MulConv, MulPe, "multiplier (VPE)");
define_engine!(ShiftEngine, ShiftConv, "shift (SVPE)");
define_engine!(MulEngine, MulConv, "multiplier (VPE)");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weight_bus_packs_low_bit_codes() {
        // The paper's engines: 3-bit codes five to a word, 16-bit weights one.
        assert_eq!((weight_lanes(3, 8, 32), weight_load_cycles(3, 3, 8, 32)), (5, 9 * 52));
        assert_eq!((weight_lanes(16, 4, 16), weight_load_cycles(3, 16, 4, 16)), (1, 9 * 64));
        // Never more lanes than convolvers; 1-bit codes sixteen to a word.
        assert_eq!((weight_lanes(3, 1, 1), weight_load_cycles(3, 3, 1, 1)), (1, 9));
        assert_eq!(weight_lanes(1, 8, 8), 16);
        assert_eq!(weight_lanes(5, 2, 2), 3);
    }
}
