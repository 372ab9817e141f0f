//! Processing elements: the shift PE (SVPE) and the multiplier PE (VPE) share one port interface.

pub mod shift;

pub use shift::{ShiftPe, SHIFT_BITS};
