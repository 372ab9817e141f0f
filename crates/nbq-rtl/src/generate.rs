//! From a validated [`DesignConfig`] to the engine's Verilog and its `params.json` description.

use serde::Serialize;

use crate::board::SelfTestData;
use crate::config::{Adders, DesignConfig, PeKind};
use crate::emit::{verilog, EmitError};

/// One port of the generated `top` module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    pub name: String,
    pub direction: &'static str,
    pub width: usize,
    pub meaning: String,
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
    pub protocol: String,
    pub weight_loading: String,
    pub weight_load_cycles: usize,
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
        $crate::with_block!(@tier $c, $shift, $mul, $args, $e => $body; 32, 64, 128, 256, 512)
    };
    (@tier $c:expr, $shift:tt, $mul:tt, $args:tt, $e:ident => $body:expr; $($tier:literal),+) => {
        match $c.acc_tier {
            $( $tier => $crate::with_block!(@aw $c, $shift, $mul, $args, $e => $body; $tier; 4, 6, 8, 10, 12), )+
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
/// and its parameters.
pub fn generate(c: &DesignConfig) -> Result<Generated, EmitError> {
    let mut verilog = crate::dedup::collapse(&with_engine!(c, e => verilog(&mut e))?);
    if c.adders == Adders::Dsp {
        verilog = mark_dsp_adders(&verilog);
    }
    Ok(Generated { verilog, params: params(c) })
}

/// Marks the convolvers' row-sum (`sum`) and the clusters' channel-sum (`raw$i`) registers-to-be with Vivado's
/// `(* use_dsp = "yes" *)`, so those adders go to DSP slices. Attributes do not change what the Verilog computes.
fn mark_dsp_adders(verilog: &str) -> String {
    let mut out = String::with_capacity(verilog.len() + 1024);
    let mut module = String::new();
    for line in verilog.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("module ") {
            module = rest.split('(').next().unwrap_or_default().to_string();
        }
        let decl = line.trim_start().strip_prefix("reg  ").map(|d| d.rsplit(' ').next().unwrap_or_default().trim_end());
        let is_conv = module.starts_with("top$convs$") && module.matches('$').count() == 2;
        let adder = match decl {
            Some("sum;") => is_conv,
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
    data.check().map_err(EmitError::Check)?;
    let v = crate::with_block!(c, [crate::board::ShiftSelfTest], [crate::board::MulSelfTest],
        (c.k, c.image_width, c.widths, data), e => verilog(&mut e))?;
    Ok(crate::dedup::collapse(&v))
}

/// The Verilog of one PE of `c` (module `top`), e.g. for per-PE resource estimates.
pub fn generate_pe(c: &DesignConfig) -> Result<String, EmitError> {
    macro_rules! pe {
        ($($tier:literal),+) => {
            match (c.pe, c.acc_tier) {
                $(
                    (PeKind::Shift, $tier) => verilog(&mut crate::pe::ShiftPe::<$tier>::new(c.widths)),
                    (PeKind::Mul, $tier) => verilog(&mut crate::pe::MulPe::<$tier>::new(c.widths)),
                )+
                (_, t) => unreachable!("tier {t} is not one of config::ACC_TIERS"),
            }
        };
    }
    pe!(32, 64, 128, 256, 512)
}

/// The parameters and port table of `c`'s engine.
pub fn params(c: &DesignConfig) -> Params {
    let bus = crate::widths::BUS_BITS;
    let mut ports = vec![
        port("clock", "in", 1, "clock; everything is synchronous to its rising edge".into()),
        port(
            "valid_in",
            "in",
            1,
            "a pixel per input channel is consumed at each rising edge where this is high".into(),
        ),
        port(
            "clear",
            "in",
            1,
            "marks the pixels consumed with it as the first of an image (resets the position)".into(),
        ),
    ];
    for j in 0..c.pn {
        ports.push(port(
            &format!("pixel_in${j}"),
            "in",
            bus,
            format!(
                "input channel {j}: two's complement pixel in the low {} bits (upper bits ignored), raster order",
                c.widths.act
            ),
        ));
    }
    let weight = match c.pe {
        PeKind::Shift => format!("weight chain input: an nbq {}-bit exponent code in the low bits", c.widths.code),
        PeKind::Mul => "weight chain input: a 16-bit two's complement weight".into(),
    };
    ports.extend([
        port("load", "in", 1, "shift the weight chain by one at each rising edge where this is high".into()),
        port("weight_in", "in", bus, weight),
        port("weight_out", "out", bus, "end of the weight chain (the first weight loaded, after loading)".into()),
        port("off_pos", "in", 8, "GSNQ shift offset of positive weights (0 for symmetric methods)".into()),
        port("off_neg", "in", 8, "GSNQ shift offset of negative weights".into()),
    ]);
    for i in 0..c.pm {
        ports.push(port(
            &format!("sum_out${i}"),
            "out",
            c.acc_tier,
            format!(
                "output channel {i}: integer window sum over the {} input channels, {} significant bits sign-extended",
                c.pn, c.widths.acc
            ),
        ));
    }
    ports.push(port("valid_out", "out", 1, "high for one cycle when every sum_out holds a new complete window".into()));
    if let Some(r) = &c.requantizer {
        for i in 0..c.pm {
            ports.push(port(
                &format!("code_out${i}"),
                "out",
                8,
                format!(
                    "output channel {i}: {}-bit activation code, the number of thresholds sum_out${i} reaches",
                    r.bits
                ),
            ));
        }
    }
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
            "the sums of the window whose newest pixel is consumed at edge e appear after the edge consuming the \
             {l}th later pixel, one cycle later (valid_out high): {l} consumed pixels + 1 cycle",
            l = crate::conv::window_latency(c.k)
        ),
        protocol: "valid-only streaming: pixels in raster order, image width image_width, one pixel per input \
                   channel per consuming edge; stalls (valid_in low) are allowed anywhere; an image's last windows \
                   appear as k + 1 further pixels are consumed (the next image's, or k + 1 flush pixels); windows are \
                   computed without padding (stride 1): pad the image before streaming it for 'same' outputs"
            .into(),
        weight_loading: format!(
            "hold load high for weight_load_cycles cycles; weight_in carries {lanes} lane(s) of {bits} bits (lane g in \
             bits g*{bits}..(g+1)*{bits}); lane g chains through convolvers g, g+{lanes}, g+2*{lanes}, ... (convolver c \
             = cluster c / pn, input channel c % pn) and presents the kernels of its last convolver first and of its \
             first last, each kernel in row-major order; lanes with fewer convolvers start with don't-care codes",
            lanes = crate::conv::weight_lanes(c.widths.code, c.pn, c.pm),
            bits = c.widths.code
        ),
        weight_load_cycles: crate::conv::weight_load_cycles(c.k, c.widths.code, c.pn, c.pm),
        requantizer_bits: c.requantizer.as_ref().map(|r| r.bits),
        requantizer_thresholds: c.requantizer.as_ref().map(|r| r.thresholds.clone()),
        ports,
    }
}

fn port(name: &str, direction: &'static str, width: usize, meaning: String) -> PortInfo {
    PortInfo { name: name.to_string(), direction, width, meaning }
}
