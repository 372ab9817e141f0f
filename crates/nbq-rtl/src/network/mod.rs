//! The generator's reading of the network IR ([`nbq_quant::net::IntNet`]): each conv layer as the design of the
//! SVPE engine that computes it: shift PEs, the layer's kernel size, input width, input activation bits and code
//! bits, the GSNQ offsets of its scale group, and `(Pn, Pm)` clipped to its channels.

use nbq_quant::net::IntNet;

use crate::config::RawDesign;
use crate::PeKind;

/// The design of conv layer `l` of `net` on a `(pn, pm)` engine named `name`, `(pn, pm)` clipped to the layer's
/// input and output channels.
pub fn layer_design(net: &IntNet, l: usize, name: &str, pn: usize, pm: usize) -> RawDesign {
    let layer = net.conv_layer(l);
    RawDesign::new(name, PeKind::Shift, layer.k, layer.in_width, layer.in_bits as usize)
        .code_bits(layer.code_bits as usize)
        .offsets(layer.offsets)
        .shape(pn.clamp(1, layer.in_channels), pm.clamp(1, layer.out_channels))
}

pub mod bank;
pub mod board;
pub mod conv_unit;
pub mod fc_unit;
pub mod mem;
pub mod plan;
pub mod protocol;
pub mod top;
pub mod uart;

pub use plan::{NetError, NetPlan};
pub use top::NetTop;

/// The Verilog of the streaming network top of `plan` (module `top`; ports in [`top`]), identical modules
/// collapsed.
pub fn generate_top(plan: &NetPlan) -> Result<String, crate::emit::EmitError> {
    emit(plan, None)
}

/// The Verilog of the board top of `plan` with its UART at `divisor` clocks per bit (module `top`, ports
/// `clock`, `uart_rx`, `uart_tx`, `leds`; see [`board`]).
pub fn generate_uart_top(plan: &NetPlan, divisor: usize) -> Result<String, crate::emit::EmitError> {
    if !(uart::MIN_DIVISOR..1 << 16).contains(&divisor) {
        return Err(crate::emit::EmitError::Check(format!(
            "a UART divisor of {divisor} clocks per bit; allowed {}..=65535",
            uart::MIN_DIVISOR
        )));
    }
    emit(plan, Some(divisor))
}

fn emit(plan: &NetPlan, divisor: Option<usize>) -> Result<String, crate::emit::EmitError> {
    macro_rules! top {
        (; $($tier:literal),+) => {
            match plan.acc_tier {
                $($tier => line!(plan, $tier),)+
                t => unreachable!("tier {t} is not one of config::ACC_TIERS"),
            }
        };
    }
    macro_rules! line {
        ($plan:expr, $tier:literal) => {
            crate::__line_addr_bits!([line_bits] $plan, $tier)
        };
    }
    macro_rules! line_bits {
        ($plan:expr, $tier:literal ; $($aw:literal),+) => {
            match $plan.line_addr_bits {
                $($aw => match divisor {
                    None => crate::emit::verilog(&mut NetTop::<$tier, $aw>::new($plan)),
                    Some(d) => crate::emit::verilog(&mut board::UartTop::<$tier, $aw>::new($plan, d)),
                },)+
                a => unreachable!("line address width {a} is not one of config::LINE_ADDR_BITS"),
            }
        };
    }
    let v = crate::__acc_tiers!([top])?;
    Ok(crate::dedup::collapse(&v))
}
