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
