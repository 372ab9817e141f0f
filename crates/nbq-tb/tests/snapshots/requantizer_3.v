

module top(sum_in,code_out);
    
    // Module arguments
    input wire  [31:0] sum_in;
    output reg  [7:0] code_out;
    
    // Constant declarations
    localparam  thresholds$0 = 32'h7ffffffb;
    localparam  thresholds$1 = 32'h80000003;
    localparam  thresholds$2 = 32'h80000009;
    localparam  flip = 32'h80000000;
    
    // Local signals
    reg  [31:0] flipped;
    reg  [7:0] count;
    
    // Update code
    always @(*) begin
        flipped = sum_in ^ flip;
        count = 32'h0;
        if (flipped >= thresholds$0) begin
            count = count + 32'h1;
        end
        if (flipped >= thresholds$1) begin
            count = count + 32'h1;
        end
        if (flipped >= thresholds$2) begin
            count = count + 32'h1;
        end
        code_out = count;
    end
    
endmodule // top
