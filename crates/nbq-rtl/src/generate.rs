//! From a validated [`DesignConfig`] to the engine's Verilog and its `params.json` description.

use serde::Serialize;

use crate::board::SelfTestData;
use crate::config::{Adders, DesignConfig, PeKind};
use crate::conv::{Latency, Level, Port, Ports};
use crate::emit::{verilog, EmitError};

/// One port of the generated `top` module, as `params.json` lists it: a [`Port`] of [`Ports::design`] and what it
/// means in the design.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    pub name: String,
    pub direction: &'static str,
    pub width: usize,
    pub meaning: String,
}

impl PortInfo {
    pub fn of(p: &Port, c: &DesignConfig) -> PortInfo {
        PortInfo { name: p.name.clone(), direction: p.dir.as_str(), width: p.bits, meaning: p.role.meaning(c) }
    }
}

/// Everything a user (or a test bench) needs to drive the generated engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Params {
    pub name: String,
    pub generator: String,
    pub top_module: &'static str,
    pub pe: PeKind,
    pub adders: Adders,
    pub k: usize,
    pub image_width: usize,
    pub act_bits: usize,
    pub code_bits: usize,
    pub offsets: (u8, u8),
    pub pn: usize,
    pub pm: usize,
    pub acc_bits: usize,
    pub acc_bits_required: usize,
    pub acc_tier: usize,
    pub line_buffer_depth: usize,
    pub latency: String,
    /// Consumed pixels from a window's newest pixel to the one whose consuming edge completes its sums (1).
    pub latency_pixels: usize,
    /// Without stalls, cycles from the one presenting a window's newest pixel to the one with its sums and
    /// `valid_out` high (3).
    pub latency_cycles: usize,
    pub protocol: String,
    pub weight_loading: String,
    /// When the weights may be reloaded, and what happens to windows in flight.
    pub weight_reload: String,
    pub weight_load_cycles: usize,
    /// Codes `weight_in` carries per loading cycle.
    pub weight_lanes: usize,
    /// Bits of the activation requantizer's codes and its thresholds (accumulator units), if present.
    pub requantizer_bits: Option<usize>,
    pub requantizer_thresholds: Option<Vec<i64>>,
    pub ports: Vec<PortInfo>,
}

/// The generated design.
#[derive(Debug, Clone)]
pub struct Generated {
    pub verilog: String,
    pub params: Params,
}

impl Generated {
    /// The files `nbq generate` writes for design `name`: `<name>.v` and `params.json` (pretty JSON, one trailing
    /// newline), byte-identical for equal designs.
    pub fn files(&self, name: &str) -> Result<Vec<(String, Vec<u8>)>, serde_json::Error> {
        let mut params = serde_json::to_vec_pretty(&self.params)?;
        params.push(b'\n');
        Ok(vec![(format!("{name}.v"), self.verilog.clone().into_bytes()), ("params.json".to_string(), params)])
    }
}

/// Builds the engine of a validated design as its concrete rust-hdl type, binds it to `$e` and evaluates
/// `$body` (once per compiled (PE, tier, line address width) combination; see `config::ACC_TIERS` and
/// `config::LINE_ADDR_BITS`).
#[macro_export]
macro_rules! with_engine {
    ($c:expr, $e:ident => $body:expr) => {
        $crate::with_block!($c, [$crate::conv::ShiftEngine], [$crate::conv::MulEngine],
            ($c.pm, $c.pn, $c.k, $c.image_width, $c.widths, $c.thresholds()), $e => $body)
    };
}

/// Builds `$shift::<ACC, AW>::new $args` or `$mul::<ACC, AW>::new $args` (types given in brackets) (by the design's PE kind, with its
/// accumulator tier and line address width as the const parameters), binds it to `$e` and evaluates `$body`.
#[macro_export]
macro_rules! with_block {
    ($c:expr, $shift:tt, $mul:tt, $args:tt, $e:ident => $body:expr) => {
        $crate::__acc_tiers!([$crate::with_block] @tier $c, $shift, $mul, $args, $e => $body)
    };
    (@tier $c:expr, $shift:tt, $mul:tt, $args:tt, $e:ident => $body:expr; $($tier:literal),+) => {
        match $c.acc_tier {
            $( $tier => $crate::__line_addr_bits!([$crate::with_block] @aw $c, $shift, $mul, $args, $e => $body; $tier), )+
            t => unreachable!("tier {t} is not one of config::ACC_TIERS"),
        }
    };
    (@aw $c:expr, $shift:tt, $mul:tt, $args:tt, $e:ident => $body:expr; $tier:literal; $($aw:literal),+) => {
        match $c.line_addr_bits {
            $( $aw => match $c.pe {
                $crate::PeKind::Shift => {
                    #[allow(unused_mut)]
                    let mut $e = $crate::with_block!(@new $shift, $tier, $aw, $args);
                    $body
                }
                $crate::PeKind::Mul => {
                    #[allow(unused_mut)]
                    let mut $e = $crate::with_block!(@new $mul, $tier, $aw, $args);
                    $body
                }
            }, )+
            a => unreachable!("line address width {a} is not one of config::LINE_ADDR_BITS"),
        }
    };
    (@new [$($ty:tt)*], $tier:literal, $aw:literal, $args:tt) => {
        $($ty)*::<$tier, $aw>::new $args
    };
}

/// Generates the Verilog of `c`'s engine (top module `top`, identical modules collapsed, see [`crate::dedup`])
/// and its parameters, after checking that the engine's ports are the ones `params.json` lists.
pub fn generate(c: &DesignConfig) -> Result<Generated, EmitError> {
    let ports = Ports::design(c, Level::Engine);
    let emitted = with_engine!(c, e => ports.conforms(&e).map_err(EmitError::Ports).and_then(|()| verilog(&mut e)))?;
    let marked = if c.adders == Adders::Dsp { mark_dsp_adders(&emitted, c.k) } else { emitted };
    Ok(Generated { verilog: crate::dedup::collapse(&marked), params: params(c) })
}

/// Marks the adder of each convolver row's last PE (`raw`, the widest partial sums: k per convolver, as the
/// paper's SVPE puts k adders in DSPs) and the clusters' channel-sum (`raw$i`) registers-to-be with Vivado's
/// `(* use_dsp = "yes" *)`, so those adders go to DSP slices. Attributes do not change what the Verilog computes.
/// Runs on the per-instance Verilog (module names are paths such as `top$convs$0$rows$1$pes$2`), before identical
/// modules are collapsed, so a marked PE stays apart from its unmarked twins.
fn mark_dsp_adders(verilog: &str, k: usize) -> String {
    let last_pe = format!("$pes${}", k - 1);
    let mut out = String::with_capacity(verilog.len() + 1024);
    let mut module = String::new();
    for line in verilog.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("module ") {
            module = rest.split('(').next().unwrap_or_default().to_string();
        }
        let decl = line.trim_start().strip_prefix("reg  ").map(|d| d.rsplit(' ').next().unwrap_or_default().trim_end());
        let is_last_pe = module.starts_with("top$convs$") && module.contains("$rows$") && module.ends_with(&last_pe);
        let adder = match decl {
            Some("raw;") => is_last_pe,
            Some(name) => module == "top" && name.starts_with("raw$"),
            None => false,
        };
        if adder {
            out.push_str("    (* use_dsp = \"yes\" *)\n");
        }
        out.push_str(line);
    }
    out
}

/// The Verilog of a self-testing board top (module `top`, ports `clock` and `leds[7:0]`) around one convolver of
/// `c`, streaming and checking `data` (see [`crate::board`]); identical modules collapsed.
pub fn generate_self_test(c: &DesignConfig, data: &SelfTestData) -> Result<String, EmitError> {
    data.check().map_err(EmitError::SelfTestData)?;
    let v = crate::with_block!(c, [crate::board::ShiftSelfTest], [crate::board::MulSelfTest],
        (c.k, c.image_width, c.widths, data), e => verilog(&mut e))?;
    Ok(crate::dedup::collapse(&v))
}

/// The Verilog of one PE of `c` (module `top`, ports [`Ports::pe`]), e.g. for per-PE resource estimates.
pub fn generate_pe(c: &DesignConfig) -> Result<String, EmitError> {
    pe_verilog(c.pe, c.widths, c.acc_tier)
}

/// The multiplier PE (module `top`) at the activation and accumulator widths of the shift design `c`, for proofs
/// that `c`'s shift PE computes what a multiplier PE loaded with each code's value computes (`nbq_tb::formal`).
pub fn generate_mul_pe_like(c: &DesignConfig) -> Result<String, EmitError> {
    pe_verilog(PeKind::Mul, crate::widths::Widths { code: 16, shift: 0, ..c.widths }, c.acc_tier)
}

/// One `pe` PE of widths `w` on the accumulator tier `tier`, checked against [`Ports::pe`].
fn pe_verilog(pe: PeKind, w: crate::widths::Widths, tier: usize) -> Result<String, EmitError> {
    let ports = Ports::pe(tier);
    macro_rules! pe {
        (; $($tier:literal),+) => {
            match (pe, tier) {
                $(
                    (PeKind::Shift, $tier) => {
                        let mut pe = crate::pe::ShiftPe::<$tier>::new(w);
                        ports.conforms(&pe).map_err(EmitError::Ports)?;
                        verilog(&mut pe)
                    }
                    (PeKind::Mul, $tier) => {
                        let mut pe = crate::pe::MulPe::<$tier>::new(w);
                        ports.conforms(&pe).map_err(EmitError::Ports)?;
                        verilog(&mut pe)
                    }
                )+
                (_, t) => unreachable!("tier {t} is not one of config::ACC_TIERS"),
            }
        };
    }
    crate::__acc_tiers!([pe])
}

/// The parameters and port table of `c`'s engine.
pub fn params(c: &DesignConfig) -> Params {
    let latency = Latency::of(c.k, Level::Engine);
    let lanes = crate::conv::weight_lanes(c.widths.code, c.pn, c.pm);
    let ports = Ports::design(c, Level::Engine).all().iter().map(|p| PortInfo::of(p, c)).collect();
    Params {
        name: c.name.clone(),
        generator: format!("nbq {}", env!("CARGO_PKG_VERSION")),
        top_module: "top",
        pe: c.pe,
        adders: c.adders,
        k: c.k,
        image_width: c.image_width,
        act_bits: c.widths.act,
        code_bits: c.widths.code,
        offsets: c.offsets,
        pn: c.pn,
        pm: c.pm,
        acc_bits: c.widths.acc,
        acc_bits_required: c.acc_required,
        acc_tier: c.acc_tier,
        line_buffer_depth: 1 << c.line_addr_bits,
        latency: format!(
            "the sums of the window whose newest pixel n is consumed at one rising edge appear {r} cycle after the \
             edge that consumes pixel n + {l} (stalls in between delay them), with valid_out high: {l} consumed \
             pixels (latency_pixels) + {r} cycle; without stalls, {n} cycles from the cycle that presents the \
             window's newest pixel to the one in which valid_out is high (latency_cycles)",
            l = latency.pixels,
            r = latency.registers,
            n = latency.cycles()
        ),
        latency_pixels: latency.pixels,
        latency_cycles: latency.cycles(),
        protocol: "valid-only streaming: pixels in raster order, image width image_width, one pixel per input \
                   channel per consuming edge; stalls (valid_in low) are allowed anywhere; clear on an image's first \
                   pixel, last on its last (end of frame; the image height is whatever the stream holds); an \
                   image's last window appears as one further pixel is consumed (the next image's, or one flush \
                   pixel of any value), and pixels consumed after last and before the next clear complete no \
                   window of their own; reset (synchronous) drops every window in flight and makes the next \
                   consumed pixel the first of an image, weights kept; windows are computed without padding (stride \
                   1): pad the image before streaming it for 'same' outputs"
            .into(),
        weight_loading: format!(
            "hold load high for weight_load_cycles cycles; weight_in carries {lanes} lane(s) of {bits} bits (lane g in \
             bits g*{bits}..(g+1)*{bits}); lane g chains through convolvers g, g+{lanes}, g+2*{lanes}, ... (convolver c \
             = cluster c / pn, input channel c % pn) and presents the kernels of its last convolver first and of its \
             first last, each kernel in row-major order; lanes with fewer convolvers start with don't-care codes",
            lanes = lanes,
            bits = c.widths.code
        ),
        weight_reload: format!(
            "hold valid_in low while load is high, and start a load only when no window is in flight: after the \
             image's last window has come out ({l} flush pixel(s) consumed after its last pixel, then {r} cycle(s)), \
             or after reset; a window in the pipeline during a load mixes old and new codes and its sums are \
             undefined; the next image starts with clear",
            l = latency.pixels,
            r = latency.after_pixel()
        ),
        weight_load_cycles: crate::conv::weight_load_cycles(c.k, c.widths.code, c.pn, c.pm),
        weight_lanes: lanes,
        requantizer_bits: c.requantizer.as_ref().map(|r| r.bits),
        requantizer_thresholds: c.requantizer.as_ref().map(|r| r.thresholds.clone()),
        ports,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_json_has_the_port_list_and_numeric_latency() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../designs/svpe_k3.toml");
        let c = DesignConfig::load(&path).unwrap();
        let p = serde_json::to_value(params(&c)).unwrap();
        assert_eq!((p["latency_pixels"].as_u64(), p["latency_cycles"].as_u64()), (Some(1), Some(3)));
        assert_eq!((p["weight_lanes"].as_u64(), p["weight_load_cycles"].as_u64()), (Some(1), Some(9)));
        let listed: Vec<(String, &str, usize)> =
            Ports::design(&c, Level::Engine).all().iter().map(|q| (q.name.clone(), q.dir.as_str(), q.bits)).collect();
        let json: Vec<(String, &str, usize)> = p["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                let (n, d, w) = (&q["name"], &q["direction"], &q["width"]);
                (n.as_str().unwrap().to_string(), d.as_str().unwrap(), w.as_u64().unwrap() as usize)
            })
            .collect();
        assert_eq!(json, listed);
        assert_eq!(json[9], ("off_pos".to_string(), "in", crate::pe::SHIFT_BITS));
        assert_eq!((json[1].0.as_str(), json[4].0.as_str()), ("reset", "last"));
        let reload = p["weight_reload"].as_str().unwrap();
        assert!(reload.contains("(1 flush pixel(s) consumed after its last pixel, then 2 cycle(s))"), "{reload}");
        // Five 3-bit codes per bus word once there are five convolvers.
        let mut wide = c.clone();
        (wide.pn, wide.pm) = (5, 2);
        assert_eq!(params(&wide).weight_lanes, 5);
    }
}
