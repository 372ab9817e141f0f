//! rust-hdl's own simulator driven with the same stimulus and cycle protocol as the Verilog simulators
//! (see [`crate::harness`]). It simulates the Rust model of the blocks, not the emitted Verilog, so it is a
//! useful rung of the ladder, never the proof.

use nbq_rtl::conv::{MulEngine, ShiftEngine};
use num_bigint::BigUint;
use rust_hdl::core::simulate::simulate;
use rust_hdl::prelude::*;

use crate::harness::Trace;
use crate::{TbError, Value};

/// A block whose ports the engine test bench drives, in the order of `engine::harness(.., Level::Engine)`.
pub trait EngineDut: Block {
    fn set_inputs(&mut self, v: &[Value]);
    fn outputs(&self) -> Vec<Option<Value>>;
    fn set_clock(&mut self, high: bool);
}

fn bits<const N: usize>(v: &Value) -> Bits<N> {
    let digits: Vec<u32> = v.0.iter().flat_map(|w| [*w as u32, (*w >> 32) as u32]).collect();
    Bits::<N>::from(BigUint::from_slice(&digits))
}

fn value<const N: usize>(b: Bits<N>) -> Value {
    Value::from_words(&BigUint::from(b).to_u64_digits(), N)
}

fn bit(v: &Value) -> bool {
    v.bit(0)
}

macro_rules! engine_dut {
    ($t:ident) => {
        impl<const ACC: usize, const AW: usize> EngineDut for $t<ACC, AW> {
            fn set_inputs(&mut self, v: &[Value]) {
                let pn = self.pixel_in.len();
                self.valid_in.next = bit(&v[0]);
                self.clear.next = bit(&v[1]);
                for j in 0..pn {
                    self.pixel_in[j].next = bits(&v[2 + j]);
                }
                self.load.next = bit(&v[2 + pn]);
                self.weight_in.next = bits(&v[3 + pn]);
                self.off_pos.next = bits(&v[4 + pn]);
                self.off_neg.next = bits(&v[5 + pn]);
            }
            fn outputs(&self) -> Vec<Option<Value>> {
                let mut out = vec![Some(value(self.weight_out.val()))];
                out.extend(self.sum_out.iter().map(|s| Some(value(s.val()))));
                out.push(Some(Value::from_u64(u64::from(self.valid_out.val()), 1)));
                out.extend(self.code_out.iter().map(|s| Some(value(s.val()))));
                out
            }
            fn set_clock(&mut self, high: bool) {
                self.clock.next = Clock { clk: high };
            }
        }
    };
}
engine_dut!(ShiftEngine);
engine_dut!(MulEngine);

fn settle<D: Block>(dut: &mut D, cycle: usize) -> Result<(), TbError> {
    if simulate(dut, 100) {
        Ok(())
    } else {
        Err(TbError::Output { cycle, why: "the rust-hdl model did not settle in 100 iterations".into() })
    }
}

/// Runs `stimulus` through `dut` and returns its outputs on every cycle (sampled before the rising edge).
pub fn run<D: EngineDut>(dut: &mut D, stimulus: &[Vec<Value>]) -> Result<Trace, TbError> {
    dut.connect_all();
    dut.set_clock(false);
    settle(dut, 0)?;
    let mut out = Vec::with_capacity(stimulus.len());
    for (cycle, inputs) in stimulus.iter().enumerate() {
        dut.set_inputs(inputs);
        settle(dut, cycle)?;
        out.push(dut.outputs());
        dut.set_clock(true);
        settle(dut, cycle)?;
        dut.set_clock(false);
        settle(dut, cycle)?;
    }
    Ok(out)
}
