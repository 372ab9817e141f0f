

module top(clock,enable,load,weight_in,weight_out,off_pos,off_neg,act_in,psum_in,act_out,psum_out);
    
    // Module arguments
    input wire  clock;
    input wire  enable;
    input wire  load;
    input wire  [15:0] weight_in;
    output reg  [15:0] weight_out;
    input wire  [7:0] off_pos;
    input wire  [7:0] off_neg;
    input wire  [15:0] act_in;
    input wire  [31:0] psum_in;
    output reg  [15:0] act_out;
    output reg  [31:0] psum_out;
    
    // Constant declarations
    localparam  act_mask = 16'hff;
    localparam  act_sign = 16'h80;
    localparam  act_ext = 16'hff00;
    localparam  prod_sign = 32'h80000000;
    localparam  prod_ext = 32'h0;
    localparam  acc_mask = 32'hffffffff;
    localparam  acc_sign = 32'h80000000;
    localparam  acc_ext = 32'h0;
    
    // Stub signals
    reg  [15:0] weight$d;
    wire  [15:0] weight$q;
    reg  weight$clock;
    reg  [15:0] act_q1$d;
    wire  [15:0] act_q1$q;
    reg  act_q1$clock;
    reg  [15:0] act_q2$d;
    wire  [15:0] act_q2$q;
    reg  act_q2$clock;
    reg  [31:0] psum_q$d;
    wire  [31:0] psum_q$q;
    reg  psum_q$clock;
    
    // Local signals
    reg  [15:0] a16;
    reg signed [15:0] a_s;
    reg signed [15:0] w_s;
    reg signed [31:0] prod_s;
    reg  [31:0] prod_u;
    reg  [31:0] product;
    reg  [31:0] raw;
    reg  [31:0] sum;
    
    // Sub module instances
    top$weight weight(
        .d(weight$d),
        .q(weight$q),
        .clock(weight$clock)
    );
    top$act_q1 act_q1(
        .d(act_q1$d),
        .q(act_q1$q),
        .clock(act_q1$clock)
    );
    top$act_q2 act_q2(
        .d(act_q2$d),
        .q(act_q2$q),
        .clock(act_q2$clock)
    );
    top$psum_q psum_q(
        .d(psum_q$d),
        .q(psum_q$q),
        .clock(psum_q$clock)
    );
    
    // Update code
    always @(*) begin
        weight$clock = clock;
        act_q1$clock = clock;
        act_q2$clock = clock;
        psum_q$clock = clock;
        weight$d = weight$q;
        act_q1$d = act_q1$q;
        act_q2$d = act_q2$q;
        psum_q$d = psum_q$q;
        if (load) begin
            weight$d = weight_in;
        end
        weight_out = weight$q;
        a16 = act_in & act_mask;
        if ((act_in & act_sign) != 32'h0) begin
            a16 = (act_in & act_mask) | act_ext;
        end
        a_s = $signed(act_q1$q);
        w_s = $signed(weight$q);
        prod_s = a_s * w_s;
        prod_u = $unsigned(prod_s);
        product = ((prod_u) & 32'hffffffff);
        if ((prod_u & prod_sign) != 32'h0) begin
            product = ((prod_u) & 32'hffffffff) | prod_ext;
        end
        raw = psum_in + product;
        sum = raw & acc_mask;
        if ((raw & acc_sign) != 32'h0) begin
            sum = (raw & acc_mask) | acc_ext;
        end
        if (enable) begin
            psum_q$d = sum;
            act_q1$d = a16;
            act_q2$d = act_q1$q;
        end
        act_out = act_q2$q;
        psum_out = psum_q$q;
    end
    
endmodule // top


module top$act_q1(d,q,clock);
    
    // Module arguments
    input wire  [15:0] d;
    output reg  [15:0] q;
    input wire  clock;
    
    // Update code (custom)
    initial begin
       q = 16'h0;
    end
    
    always @(posedge clock) begin
       q <= d;
    end
          
endmodule // top$act_q1


module top$act_q2(d,q,clock);
    
    // Module arguments
    input wire  [15:0] d;
    output reg  [15:0] q;
    input wire  clock;
    
    // Update code (custom)
    initial begin
       q = 16'h0;
    end
    
    always @(posedge clock) begin
       q <= d;
    end
          
endmodule // top$act_q2


module top$psum_q(d,q,clock);
    
    // Module arguments
    input wire  [31:0] d;
    output reg  [31:0] q;
    input wire  clock;
    
    // Update code (custom)
    initial begin
       q = 32'h0;
    end
    
    always @(posedge clock) begin
       q <= d;
    end
          
endmodule // top$psum_q


module top$weight(d,q,clock);
    
    // Module arguments
    input wire  [15:0] d;
    output reg  [15:0] q;
    input wire  clock;
    
    // Update code (custom)
    initial begin
       q = 16'h0;
    end
    
    always @(posedge clock) begin
       q <= d;
    end
          
endmodule // top$weight
