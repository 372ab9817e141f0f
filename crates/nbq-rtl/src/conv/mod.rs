//! The k×k convolver (line buffers, systolic rows, row adder chain) and the cluster/engine around it; one
//! definition each, instantiated for both PE kinds.

#[macro_use]
pub mod array;
#[macro_use]
pub mod engine;
pub mod line_buffer;

use rust_hdl::prelude::*;

use crate::pe::{MulPe, ShiftPe, SHIFT_BITS};
use crate::requant::Requantizer;
use crate::widths::{bit, high_mask, low_mask, Widths, BUS_BITS};
pub use line_buffer::LineBuffer;

/// Consumed pixels from a window's newest pixel to its sum on `sum_out` of a k×k convolver: K for the row's
/// systolic chain plus 1 for the PEs' input register (see [`array`]). An image's last windows need this many
/// further pixels (the next image's, or flush pixels).
pub const fn window_latency(k: usize) -> usize {
    k + 1
}

define_conv_array!(ShiftRow, ShiftConv, ShiftPe, "shift (SVPE)");
define_conv_array!(MulRow, MulConv, MulPe, "multiplier (VPE)");
define_engine!(ShiftEngine, ShiftConv, "shift (SVPE)");
define_engine!(MulEngine, MulConv, "multiplier (VPE)");
