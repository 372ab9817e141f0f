//! The k×k convolver: line buffers, systolic rows, the row adder chain; one definition, two PE kinds.

#[macro_use]
pub mod array;
pub mod line_buffer;

use rust_hdl::prelude::*;

use crate::pe::{MulPe, ShiftPe, SHIFT_BITS};
use crate::widths::{Widths, BUS_BITS};
pub use line_buffer::LineBuffer;

define_conv_array!(ShiftRow, ShiftConv, ShiftPe, "shift (SVPE)");
define_conv_array!(MulRow, MulConv, MulPe, "multiplier (VPE)");
