//! Formal proofs on the emitted Verilog with Yosys's SAT solver (`miter -equiv`, `sat -verify -prove-asserts`):
//! exhaustive over every input, where co-simulation samples.
//!
//! [`prove_pe_equivalence`]: the shift PE of a design computes, for every n-bit code, every allowed GSNQ offset,
//! every A-bit pixel and every incoming partial sum, exactly what the multiplier PE computes when it is loaded with
//! the code's value `(-1)^sign · 2^shift` (a behavioural decoder written here from `nbq_quant::code`'s
//! definition, not from the PE). The two sides of the miter have the shift PE's ports:
//!
//! * gold: the emitted shift PE;
//! * gate: the behavioural decoder, a register showing the loaded code on `weight_out` (the chain), and the
//!   emitted multiplier PE at the same activation and accumulator widths, loaded with the decoded weight.
//!
//! Both sample the offsets clamped to the design's largest (`offsets` in the design file), since a PE supports no
//! larger ones. Every code and every offset pair up to the design's is enumerated, one SAT proof each (a free
//! 16×16 multiplier against a shifter is too hard for the solver); in each, from the power-up state (all
//! registers zero, as the PEs' are), the pixel, the partial sum, `load` and `enable` are free at every step for
//! [`PE_STEPS`] steps: a load, a pixel, the product a step later, and one more step in which a stall, a reload or
//! a second pixel may happen. So every (code, offsets, pixel, partial sum) reaches the compared outputs.

use crate::tool::workdir;
use crate::TbError;

/// Time steps of the bounded PE proof: load, pixel, product, and one more.
pub const PE_STEPS: usize = 4;

/// The outcome of a proof: whether it holds, and Yosys's log (with the counterexample when it does not).
#[derive(Debug, Clone)]
pub struct Proof {
    pub holds: bool,
    pub log: String,
}

/// Renames the modules of rust-hdl's Verilog (`top`, `top$child`) to `name`, `name$child`, so that two emitted
/// designs can be read into one Yosys design.
pub fn rename_modules(verilog: &str, name: &str) -> String {
    verilog.replace("module top(", &format!("module {name}(")).replace("top$", &format!("{name}$"))
}

/// The behavioural side of the PE miter for `n`-bit codes and the largest offsets `max_off` (positive, negative).
fn pe_wrappers(n: usize, max_off: (u8, u8), tier: usize) -> String {
    let t = tier - 1;
    let (mp, mn) = max_off;
    let mag_mask = (1u32 << (n - 1)) - 1;
    // The shift PE's ports, which both sides have.
    let ports = format!(
        "input clock, input enable, input load, input [15:0] weight_in, input [7:0] off_pos,\n    \
         input [7:0] off_neg, input [15:0] act_in, input [{t}:0] psum_in, output [15:0] weight_out,\n    \
         output [15:0] act_out, output [{t}:0] psum_out"
    );
    let clamp = format!(
        "  wire [7:0] op = (off_pos > 8'd{mp}) ? 8'd{mp} : off_pos;\n  \
         wire [7:0] on = (off_neg > 8'd{mn}) ? 8'd{mn} : off_neg;"
    );
    format!(
        "// Both sides of the miter clamp the offsets to the design's largest.
module gold({ports});
{clamp}
  spe u(.clock(clock), .enable(enable), .load(load), .weight_in(weight_in), .weight_out(weight_out),
        .off_pos(op), .off_neg(on), .act_in(act_in), .psum_in(psum_in), .act_out(act_out), .psum_out(psum_out));
endmodule

// The code's value as nbq_quant::code defines it: sign bit n-1 and magnitude m below it; m = 0 is zero (with
// either sign); otherwise (-1)^sign * 2^(m - 1 + offset of the sign); for n = 1 the code is the sign and the
// shift is the offset.
module gate({ports});
{clamp}
  wire neg = weight_in[{s}];
  wire [7:0] m = weight_in[7:0] & 8'd{mag_mask};
  wire [7:0] off = neg ? on : op;
  wire [7:0] shift = ({n} == 1) ? off : m - 8'd1 + off;
  wire zero = ({n} != 1) && (m == 8'd0);
  wire [15:0] mag = 16'd1 << shift;
  wire [15:0] w = zero ? 16'd0 : (neg ? (~mag + 16'd1) : mag);
  reg [15:0] code_q = 16'd0;
  always @(posedge clock) if (load) code_q <= weight_in;
  assign weight_out = code_q;
  mpe u(.clock(clock), .enable(enable), .load(load), .weight_in(w), .weight_out(),
        .off_pos(8'd0), .off_neg(8'd0), .act_in(act_in), .psum_in(psum_in), .act_out(act_out), .psum_out(psum_out));
endmodule
",
        s = n - 1,
    )
}

/// Proves that `c`'s shift PE equals the multiplier PE loaded with each code's value (see the module docs);
/// `shift_pe` is the shift PE's Verilog (module `top`), normally `nbq_rtl::generate_pe(c)`, given separately so
/// that a test can hand in a mutated one. Refused for designs whose weights a 16-bit multiplier cannot hold
/// (a shift above 14).
pub fn prove_pe_equivalence(c: &nbq_rtl::DesignConfig, shift_pe: &str) -> Result<Proof, TbError> {
    if c.pe != nbq_rtl::PeKind::Shift {
        return Err(TbError::Harness(format!("{}: the PE proof takes a shift design", c.name)));
    }
    if c.widths.shift > 14 {
        return Err(TbError::Harness(format!(
            "{}: shifts up to {} do not fit the 16-bit multiplier's weights (at most 14)",
            c.name, c.widths.shift
        )));
    }
    let mul = nbq_rtl::generate_mul_pe_like(c).map_err(|e| TbError::Harness(e.to_string()))?;
    let files = [
        ("spe.v", rename_modules(shift_pe, "spe")),
        ("mpe.v", rename_modules(&mul, "mpe")),
        ("wrap.v", pe_wrappers(c.widths.code, c.offsets, c.acc_tier)),
    ];
    let dir = workdir(&files.iter().map(|(n, t)| (*n, t.as_str())).collect::<Vec<_>>())?;
    // A free 16×16 multiplier against a shifter is beyond a SAT solver's reach in reasonable time, so the loaded
    // code and the offsets are enumerated (each value set for the whole sequence, one `sat` call per case) while
    // the pixels, partial sums, `load` and `enable` stay free at every step.
    let n = c.widths.code;
    let (mp, mn) = c.offsets;
    let mut script = String::from(
        "read_verilog spe.v mpe.v wrap.v; proc; opt_clean; miter -equiv -flatten -make_assert gold \
         gate miter; hierarchy -top miter; flatten; opt -fast;",
    );
    for code in 0..(1u32 << n) {
        for op in 0..=mp {
            for on in 0..=mn {
                script += &format!(
                    " sat -verify -prove-asserts -set-init-zero -seq {PE_STEPS} -set in_weight_in {code} -set \
                     in_off_pos {op} -set in_off_neg {on} -show-inputs -show-outputs miter;"
                );
            }
        }
    }
    prove(dir.path(), &script)
}

/// Runs `script` in `dir`: a proof that holds exits 0; `sat -verify` fails with a counterexample otherwise.
fn prove(dir: &std::path::Path, script: &str) -> Result<Proof, TbError> {
    match crate::lint::YOSYS.run(&["-p", script], dir) {
        Ok(out) => Ok(Proof { holds: true, log: String::from_utf8_lossy(&out.stdout).into_owned() }),
        Err(TbError::ToolFailed { stderr, .. }) if stderr.contains("SAT proof finished - model found: FAIL") => {
            Ok(Proof { holds: false, log: stderr })
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_renamed_with_their_children() {
        let v = "module top(a);\n  top$code code(.d(a));\nendmodule\nmodule top$code(d);\nendmodule\n";
        let r = rename_modules(v, "spe");
        assert!(r.contains("module spe(a);") && r.contains("spe$code code(") && r.contains("module spe$code(d)"));
        assert!(!r.contains("top"), "{r}");
    }
}
