// A compact hand-written shift PE with the same function, ports and timing as nbq's generated ShiftPe
// (crates/nbq-rtl/src/pe/shift.rs), written the way an engineer would write it by hand. Used by
// bench/pe_vs_reference.sh to check that the generated PE costs no more than 10 % more LUTs.
//
// psum_out <= psum_in +/- (x << shift) on enabled edges, x being the pixel of the previous enabled edge;
// act_out is the pixel after two enabled edges; codes (sign + magnitude, magnitude 0 = zero) are decoded as they
// load, with the GSNQ offset of their sign; shifts are limited to SHIFT_BITS bits (the design's largest shift).
module ref_shift_pe #(
    parameter A = 16,          // activation bits
    parameter N = 3,           // code bits (>= 2)
    parameter ACC = 22,        // accumulator bits
    parameter SHIFT_BITS = 2   // bits of the largest shift
) (
    input  wire                  clock,
    input  wire                  enable,
    input  wire                  load,
    input  wire [N-1:0]          weight_in,
    output wire [N-1:0]          weight_out,
    input  wire [7:0]            off_pos,
    input  wire [7:0]            off_neg,
    input  wire signed [A-1:0]   act_in,
    input  wire signed [ACC-1:0] psum_in,
    output wire signed [A-1:0]   act_out,
    output wire signed [ACC-1:0] psum_out
);
    reg [N-1:0] code = 0;
    reg neg = 1'b0, nonzero = 1'b0;
    reg [SHIFT_BITS-1:0] shift = 0;
    reg signed [A-1:0] x1 = 0, x2 = 0;
    reg signed [ACC-1:0] psum = 0;

    wire sign = weight_in[N-1];
    wire [N-2:0] mag = weight_in[N-2:0];
    wire [7:0] offset = sign ? off_neg : off_pos;
    // One carry chain for add and subtract: psum - p = psum + ~p + 1.
    wire signed [ACC-1:0] shifted = nonzero ? x1 <<< shift : {ACC{1'b0}};
    wire signed [ACC-1:0] addend = shifted ^ {ACC{neg}};

    always @(posedge clock) begin
        if (load) begin
            code <= weight_in;
            nonzero <= mag != 0;
            neg <= sign && mag != 0;
            shift <= mag - 1 + offset;
        end
        if (enable) begin
            x1 <= act_in;
            x2 <= x1;
            psum <= psum_in + addend + neg;
        end
    end

    assign weight_out = code;
    assign act_out = x2;
    assign psum_out = psum;
endmodule
