//! The ports and output latency of every block nbq emits as a `top` module (engine, bare convolver, PE), written
//! once.
//!
//! `params.json` serializes these lists ([`crate::generate::params`]). The test benches build their harnesses from
//! them, drive their inputs by [`Role`] and find outputs by [`Role`]; that covers Icarus, Verilator and the rust-hdl
//! driver. [`Ports::conforms`] checks a list against the rust-hdl block's own ports (names, directions, widths,
//! order), and [`crate::generate()`] runs that check on every engine it emits. A port list is the block's struct
//! fields in order, with a `Vec` of signals becoming `name$0`, `name$1`, ... (rust-hdl's naming).
//!
//! Latency ([`Latency`]): a convolver's window sums appear right after the rising edge that consumes the
//! [`super::window_latency`]`(k)` = 1st pixel after the window's newest, at every k (see [`super::array`]). An
//! engine registers them once more, a cycle later (see [`super::engine`]).

use crate::config::{DesignConfig, PeKind};
use crate::pe::SHIFT_BITS;
use crate::requant::CODE_OUT_BITS;
use crate::widths::BUS_BITS;
use rust_hdl::prelude::{Atom, AtomKind, Block, Probe};

/// Direction of a port, as seen from the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dir {
    In,
    Out,
}

impl Dir {
    /// `"in"` or `"out"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::In => "in",
            Dir::Out => "out",
        }
    }
}

/// Which convolution block is the top: a bare convolver (ports `pixel_in`, `sum_out`) or an engine (ports
/// `pixel_in$j`, `sum_out$i`, the optional `code_out$i`, and one more register before the outputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    Convolver,
    Engine,
}

/// What a port carries. `PixelIn(j)` is input channel `j`; `SumOut(i)` and `CodeOut(i)` are output channel `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Clock,
    /// Drops every window in flight; the next consumed pixel starts an image.
    Reset,
    ValidIn,
    Clear,
    /// Marks the consumed pixel as the last of an image (end of frame).
    Last,
    PixelIn(usize),
    /// PE only: its datapath registers advance on edges where this is high.
    Enable,
    Load,
    WeightIn,
    WeightOut,
    OffPos,
    OffNeg,
    /// PE only: the pixel.
    ActIn,
    /// PE only: the previous PE's partial sum.
    PsumIn,
    /// PE only: the pixel, two enabled edges later.
    ActOut,
    /// PE only: the registered partial sum.
    PsumOut,
    SumOut(usize),
    ValidOut,
    CodeOut(usize),
}

impl Role {
    /// The port name without its channel index.
    pub fn base_name(self) -> &'static str {
        match self {
            Role::Clock => "clock",
            Role::Reset => "reset",
            Role::ValidIn => "valid_in",
            Role::Clear => "clear",
            Role::Last => "last",
            Role::PixelIn(_) => "pixel_in",
            Role::Enable => "enable",
            Role::Load => "load",
            Role::WeightIn => "weight_in",
            Role::WeightOut => "weight_out",
            Role::OffPos => "off_pos",
            Role::OffNeg => "off_neg",
            Role::ActIn => "act_in",
            Role::PsumIn => "psum_in",
            Role::ActOut => "act_out",
            Role::PsumOut => "psum_out",
            Role::SumOut(_) => "sum_out",
            Role::ValidOut => "valid_out",
            Role::CodeOut(_) => "code_out",
        }
    }

    /// The channel index of a per-channel port.
    pub fn channel(self) -> Option<usize> {
        match self {
            Role::PixelIn(i) | Role::SumOut(i) | Role::CodeOut(i) => Some(i),
            _ => None,
        }
    }

    pub fn dir(self) -> Dir {
        match self {
            Role::WeightOut | Role::ActOut | Role::PsumOut | Role::SumOut(_) | Role::ValidOut | Role::CodeOut(_) => {
                Dir::Out
            }
            _ => Dir::In,
        }
    }

    /// Port width: 1-bit controls, the pixel and weight buses, GSNQ offsets (shift amounts), the accumulator
    /// tier `acc_tier`, requantizer codes.
    pub fn bits(self, acc_tier: usize) -> usize {
        match self {
            Role::Clock
            | Role::Reset
            | Role::ValidIn
            | Role::Clear
            | Role::Last
            | Role::Enable
            | Role::Load
            | Role::ValidOut => 1,
            Role::PixelIn(_) | Role::WeightIn | Role::WeightOut | Role::ActIn | Role::ActOut => BUS_BITS,
            Role::OffPos | Role::OffNeg => SHIFT_BITS,
            Role::PsumIn | Role::PsumOut | Role::SumOut(_) => acc_tier,
            Role::CodeOut(_) => CODE_OUT_BITS,
        }
    }

    /// What the port means in design `c` (the `meaning` of `params.json`'s port table).
    pub fn meaning(self, c: &DesignConfig) -> String {
        match self {
            Role::Clock => "clock; everything is synchronous to its rising edge".into(),
            Role::ValidIn => "a pixel per input channel is consumed at each rising edge where this is high".into(),
            Role::Reset => "synchronous reset of the stream: at a rising edge where this is high every window in \
                            flight is dropped (valid_out stays low until a window of a new image completes) and the \
                            next consumed pixel is the first of an image; weights and offsets are kept"
                .into(),
            Role::Clear => "marks the pixels consumed with it as the first of an image (resets the position)".into(),
            Role::Last => "marks the pixels consumed with it as the last of an image: the pixels consumed after it \
                           (until the next clear) are flush pixels, which bring out the image's last windows and \
                           complete none of their own"
                .into(),
            Role::PixelIn(j) => format!(
                "input channel {j}: two's complement pixel in the low {} bits (upper bits ignored), raster order",
                c.widths.act
            ),
            Role::Enable => "the datapath registers advance only on rising edges where this is high".into(),
            Role::Load => "shift the weight chain by one at each rising edge where this is high".into(),
            Role::WeightIn => match c.pe {
                PeKind::Shift => {
                    format!("weight chain input: an nbq {}-bit exponent code in the low bits", c.widths.code)
                }
                PeKind::Mul => format!("weight chain input: a {BUS_BITS}-bit two's complement weight"),
            },
            Role::WeightOut => "end of the weight chain (the first weight loaded, after loading)".into(),
            Role::OffPos => "GSNQ shift offset of positive weights (0 for symmetric methods)".into(),
            Role::OffNeg => "GSNQ shift offset of negative weights".into(),
            Role::ActIn => format!(
                "two's complement pixel in the low {} bits (upper bits ignored), multiplied at the next enabled edge",
                c.widths.act
            ),
            Role::PsumIn => "partial sum of the previous PE".into(),
            Role::ActOut => "the pixel sign-extended, two enabled edges later (to the next PE)".into(),
            Role::PsumOut => {
                "psum_in plus the weight times the previous enabled edge's pixel, registered at an enabled edge".into()
            }
            Role::SumOut(i) => format!(
                "output channel {i}: integer window sum over the {} input channels, {} significant bits sign-extended",
                c.pn, c.widths.acc
            ),
            Role::ValidOut => "high for one cycle when every sum_out holds a new complete window".into(),
            Role::CodeOut(i) => format!(
                "output channel {i}: {}-bit activation code, the number of thresholds sum_out${i} reaches",
                c.requantizer.as_ref().map_or(CODE_OUT_BITS, |r| r.bits)
            ),
        }
    }
}

/// One port of a block's `top` module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub role: Role,
    /// The Verilog name (`pixel_in$0` for an engine's input channel 0).
    pub name: String,
    pub dir: Dir,
    pub bits: usize,
}

impl Port {
    /// The port of `role`; `indexed` appends the channel index (`$i`) as rust-hdl names a `Vec` of signals.
    fn new(role: Role, indexed: bool, acc_tier: usize) -> Port {
        let name = match (role.channel(), indexed) {
            (Some(i), true) => format!("{}${i}", role.base_name()),
            _ => role.base_name().to_string(),
        };
        Port { role, name, dir: role.dir(), bits: role.bits(acc_tier) }
    }
}

/// Everything a convolver's or an engine's port list depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub level: Level,
    /// Input channels (convolvers per cluster); 1 for a convolver.
    pub pn: usize,
    /// Output channels (clusters); 1 for a convolver.
    pub pm: usize,
    pub acc_tier: usize,
    /// Whether the engine has a requantizer (`code_out$i` ports); never for a convolver.
    pub requantizer: bool,
}

impl Shape {
    /// The shape of design `c`'s block at `level`.
    pub fn of(c: &DesignConfig, level: Level) -> Shape {
        match level {
            Level::Convolver => Shape { level, pn: 1, pm: 1, acc_tier: c.acc_tier, requantizer: false },
            Level::Engine => {
                Shape { level, pn: c.pn, pm: c.pm, acc_tier: c.acc_tier, requantizer: c.requantizer.is_some() }
            }
        }
    }
}

/// A block's ports in the order of its struct fields (and of its Verilog module's port list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ports(Vec<Port>);

impl Ports {
    /// The ports of a convolver or an engine of shape `s` (see [`super::array`] and [`super::engine`]).
    pub fn of(s: Shape) -> Ports {
        let mut roles = vec![Role::Clock, Role::Reset, Role::ValidIn, Role::Clear, Role::Last];
        roles.extend((0..s.pn).map(Role::PixelIn));
        roles.extend([Role::Load, Role::WeightIn, Role::WeightOut, Role::OffPos, Role::OffNeg]);
        roles.extend((0..s.pm).map(Role::SumOut));
        roles.push(Role::ValidOut);
        if s.requantizer && s.level == Level::Engine {
            roles.extend((0..s.pm).map(Role::CodeOut));
        }
        let indexed = s.level == Level::Engine;
        Ports(roles.into_iter().map(|r| Port::new(r, indexed, s.acc_tier)).collect())
    }

    /// The ports of design `c`'s block at `level`.
    pub fn design(c: &DesignConfig, level: Level) -> Ports {
        Ports::of(Shape::of(c, level))
    }

    /// The ports of a PE over an `acc_tier`-bit accumulator (both PE kinds; see [`crate::pe`]).
    pub fn pe(acc_tier: usize) -> Ports {
        let roles = [
            Role::Clock,
            Role::Enable,
            Role::Load,
            Role::WeightIn,
            Role::WeightOut,
            Role::OffPos,
            Role::OffNeg,
            Role::ActIn,
            Role::PsumIn,
            Role::ActOut,
            Role::PsumOut,
        ];
        Ports(roles.into_iter().map(|r| Port::new(r, false, acc_tier)).collect())
    }

    /// Every port, the clock included.
    pub fn all(&self) -> &[Port] {
        &self.0
    }

    /// The clock port.
    pub fn clock(&self) -> Option<&Port> {
        self.0.iter().find(|p| p.role == Role::Clock)
    }

    /// The inputs other than the clock, in order: what a test bench drives on every cycle.
    pub fn inputs(&self) -> impl Iterator<Item = &Port> {
        self.0.iter().filter(|p| p.dir == Dir::In && p.role != Role::Clock)
    }

    /// The outputs, in order.
    pub fn outputs(&self) -> impl Iterator<Item = &Port> {
        self.0.iter().filter(|p| p.dir == Dir::Out)
    }

    /// The position of the output of `role` among [`Ports::outputs`].
    pub fn output(&self, role: Role) -> Option<usize> {
        self.outputs().position(|p| p.role == role)
    }

    /// Whether `block`'s own ports are exactly these (names, directions, widths, order); if not, the first
    /// difference.
    pub fn conforms<B: Block>(&self, block: &B) -> Result<(), String> {
        let mut probe = TopPorts::default();
        block.accept("top", &mut probe);
        let listed = self.0.iter().map(|p| (p.name.clone(), p.dir, p.bits));
        for (i, (want, got)) in listed.zip(probe.found.iter().cloned()).enumerate() {
            if want != got {
                return Err(format!("port {i} of the block is {got:?}, its port list says {want:?}"));
            }
        }
        if probe.found.len() != self.0.len() {
            return Err(format!("the block has {} ports, its port list {}", probe.found.len(), self.0.len()));
        }
        Ok(())
    }
}

/// Collects the ports of the outermost scope a block's `accept` opens.
#[derive(Default)]
struct TopPorts {
    depth: usize,
    found: Vec<(String, Dir, usize)>,
}

impl Probe for TopPorts {
    fn visit_start_scope(&mut self, _name: &str, _node: &dyn Block) {
        self.depth += 1;
    }

    fn visit_end_scope(&mut self, _name: &str, _node: &dyn Block) {
        self.depth -= 1;
    }

    fn visit_atom(&mut self, name: &str, signal: &dyn Atom) {
        let dir = match signal.kind() {
            AtomKind::InputParameter => Dir::In,
            AtomKind::OutputParameter => Dir::Out,
            _ => return,
        };
        if self.depth == 1 {
            self.found.push((name.to_string(), dir, signal.bits()));
        }
    }
}

/// When a convolver's or an engine's outputs appear. A window's newest pixel is consumed at some rising edge; its
/// sums come out after the edge that consumes the `pixels`th pixel after it (stalls in between delay them), then
/// pass through `registers` further registers that advance on every edge, stall or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// Consumed pixels: [`super::window_latency`]`(k)` = 1 (the PEs' pixel register; the transposed chain adds
    /// the newest pixel's products last).
    pub pixels: usize,
    /// Registers after the convolver's output: 0 for a convolver, 1 for an engine (the cluster adder's).
    pub registers: usize,
}

impl Latency {
    /// The latency of a k×k convolver or engine.
    pub const fn of(k: usize, level: Level) -> Latency {
        let registers = match level {
            Level::Convolver => 0,
            Level::Engine => 1,
        };
        Latency { pixels: super::window_latency(k), registers }
    }

    /// Cycles from the one that presents a window's completing pixel (the `pixels`th after its newest,
    /// consumed at that cycle's closing edge) to the one in which `valid_out` is high with its sums:
    /// `registers + 1`.
    pub const fn after_pixel(self) -> usize {
        self.registers + 1
    }

    /// Without stalls: cycles from the one that presents a window's newest pixel to the one in which
    /// `valid_out` is high with its sums, `pixels + registers + 1` (3 for an engine, at every k).
    pub const fn cycles(self) -> usize {
        self.pixels + self.after_pixel()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conv::{MulConv, ShiftConv, ShiftEngine};
    use crate::pe::{MulPe, ShiftPe};
    use crate::widths::Widths;

    fn design(text: &str) -> DesignConfig {
        DesignConfig::from_toml(text, "test").expect("valid design")
    }

    const SHIFT: &str =
        "name = \"s\"\npe = \"shift\"\nk = 3\nimage_width = 7\nact_bits = 8\ncode_bits = 3\npn = 2\npm = 3\n";

    #[test]
    fn engine_ports_in_order() {
        let c = design(SHIFT);
        let p = Ports::design(&c, Level::Engine);
        let names: Vec<&str> = p.all().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "clock",
                "reset",
                "valid_in",
                "clear",
                "last",
                "pixel_in$0",
                "pixel_in$1",
                "load",
                "weight_in",
                "weight_out",
                "off_pos",
                "off_neg",
                "sum_out$0",
                "sum_out$1",
                "sum_out$2",
                "valid_out"
            ]
        );
        assert_eq!(p.output(Role::ValidOut), Some(4));
        assert_eq!(p.output(Role::SumOut(2)), Some(3));
        assert_eq!(p.output(Role::CodeOut(0)), None);
        assert_eq!(p.inputs().map(|p| p.bits).collect::<Vec<_>>(), [1, 1, 1, 1, 16, 16, 1, 16, 8, 8]);
        let conv: Vec<String> = Ports::design(&c, Level::Convolver).outputs().map(|p| p.name.clone()).collect();
        assert_eq!(conv, ["weight_out", "sum_out", "valid_out"]);
    }

    #[test]
    fn the_lists_are_the_blocks_ports() {
        let rq = format!("{SHIFT}[requantizer]\nbits = 2\nthresholds = [-3, 0, 4]\n");
        let mul = "name = \"m\"\npe = \"mul\"\nk = 2\nimage_width = 5\nact_bits = 8\npn = 3\npm = 1\n";
        for c in [design(SHIFT), design(&rq), design(mul)] {
            let (e, v) = (Ports::design(&c, Level::Engine), Ports::design(&c, Level::Convolver));
            crate::with_engine!(c, b => e.conforms(&b)).unwrap();
            crate::with_block!(c, [ShiftConv], [MulConv], (c.k, c.image_width, c.widths), b => v.conforms(&b)).unwrap();
        }
        let w = Widths { act: 8, code: 3, acc: 24, shift: 2 };
        Ports::pe(32).conforms(&ShiftPe::<32>::new(w)).unwrap();
        Ports::pe(64).conforms(&MulPe::<64>::new(Widths { code: 16, acc: 36, ..w })).unwrap();
        // A wrong list is told apart.
        let c = design(SHIFT);
        let e = ShiftEngine::<32, 4>::new(c.pm, c.pn, c.k, c.image_width, c.widths, None);
        let err = Ports::design(&design(&rq), Level::Engine).conforms(&e).unwrap_err();
        assert_eq!(err, "the block has 16 ports, its port list 19");
        let err = Ports::pe(64).conforms(&ShiftPe::<32>::new(w)).unwrap_err();
        assert!(err.starts_with("port 8 of the block is (\"psum_in\", In, 32)"), "{err}");
    }

    #[test]
    fn latency_of_the_convolver_and_the_engine() {
        // The transposed chain: one consumed pixel at every k.
        assert_eq!(Latency::of(3, Level::Convolver), Latency { pixels: 1, registers: 0 });
        assert_eq!((Latency::of(3, Level::Engine).after_pixel(), Latency::of(3, Level::Engine).cycles()), (2, 3));
        assert_eq!((Latency::of(1, Level::Convolver).cycles(), Latency::of(7, Level::Engine).cycles()), (2, 3));
    }
}
