//! Processing elements: the shift PE (SVPE) and the multiplier PE (VPE) share one port interface.

pub mod mult;
pub mod shift;

pub use mult::MulPe;
pub use shift::{ShiftPe, SHIFT_BITS};
