//! rust-hdl's own simulator driven with the same stimulus and cycle protocol as the Verilog simulators
//! (see [`crate::harness`]). It simulates the Rust model of the blocks, not the emitted Verilog, so it is a
//! useful rung of the ladder, never the proof.

use nbq_rtl::conv::{MulEngine, ShiftEngine};
use nbq_rtl::{Level, Ports, Role, Shape};
use num_bigint::BigUint;
use rust_hdl::core::simulate::simulate;
use rust_hdl::prelude::*;

use crate::harness::Trace;
use crate::{TbError, Value};

/// A block whose ports the engine test bench drives: its port list is `nbq_rtl::Ports::of(self.shape())`, the
/// list of `engine::harness(.., Level::Engine)`, and each port is reached by its role.
pub trait EngineDut: Block {
    /// The shape of the block's port list.
    fn shape(&self) -> Shape;
    /// Drives the input of `role` with `v`; an error if the block has no such input.
    fn set_input(&mut self, role: Role, v: &Value) -> Result<(), TbError>;
    /// The output of `role` (None if the block has no such output).
    fn output(&self, role: Role) -> Option<Value>;
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
            fn shape(&self) -> Shape {
                Shape {
                    level: Level::Engine,
                    pn: self.pixel_in.len(),
                    pm: self.sum_out.len(),
                    acc_tier: ACC,
                    requantizer: !self.code_out.is_empty(),
                }
            }
            fn set_input(&mut self, role: Role, v: &Value) -> Result<(), TbError> {
                let missing = || TbError::Harness(format!("the rust-hdl engine has no input {role:?}"));
                match role {
                    Role::Reset => self.reset.next = bit(v),
                    Role::ValidIn => self.valid_in.next = bit(v),
                    Role::Clear => self.clear.next = bit(v),
                    Role::Last => self.last.next = bit(v),
                    Role::PixelIn(j) => self.pixel_in.get_mut(j).ok_or_else(missing)?.next = bits(v),
                    Role::Load => self.load.next = bit(v),
                    Role::WeightIn => self.weight_in.next = bits(v),
                    Role::OffPos => self.off_pos.next = bits(v),
                    Role::OffNeg => self.off_neg.next = bits(v),
                    _ => return Err(missing()),
                }
                Ok(())
            }
            fn output(&self, role: Role) -> Option<Value> {
                match role {
                    Role::WeightOut => Some(value(self.weight_out.val())),
                    Role::SumOut(i) => self.sum_out.get(i).map(|s| value(s.val())),
                    Role::ValidOut => Some(Value::from_u64(u64::from(self.valid_out.val()), 1)),
                    Role::CodeOut(i) => self.code_out.get(i).map(|s| value(s.val())),
                    _ => None,
                }
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

/// Runs `stimulus` (one value per input of the dut's port list, in list order) through `dut` and returns its
/// outputs on every cycle (sampled before the rising edge), in list order.
pub fn run<D: EngineDut>(dut: &mut D, stimulus: &[Vec<Value>]) -> Result<Trace, TbError> {
    let ports = Ports::of(dut.shape());
    ports.conforms(dut).map_err(TbError::Harness)?;
    let inputs: Vec<Role> = ports.inputs().map(|p| p.role).collect();
    let outputs: Vec<Role> = ports.outputs().map(|p| p.role).collect();
    dut.connect_all();
    dut.set_clock(false);
    settle(dut, 0)?;
    let mut out = Vec::with_capacity(stimulus.len());
    for (cycle, values) in stimulus.iter().enumerate() {
        if values.len() != inputs.len() {
            return Err(TbError::Harness(format!(
                "cycle {cycle} gives {} input values for {} inputs",
                values.len(),
                inputs.len()
            )));
        }
        for (&role, v) in inputs.iter().zip(values) {
            dut.set_input(role, v)?;
        }
        settle(dut, cycle)?;
        out.push(outputs.iter().map(|&role| dut.output(role)).collect());
        dut.set_clock(true);
        settle(dut, cycle)?;
        dut.set_clock(false);
        settle(dut, cycle)?;
    }
    Ok(out)
}
