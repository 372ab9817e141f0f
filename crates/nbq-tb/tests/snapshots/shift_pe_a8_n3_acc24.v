

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
    localparam  bus_sign = 16'h8000;
    localparam  tier_ext = 32'hffff0000;
    localparam  code_mask = 16'h7;
    localparam  code_sign = 16'h4;
    localparam  mag_mask = 16'h3;
    localparam  sign_only = 1'b0;
    localparam  shift_mask = 8'h3;
    localparam  acc_mask = 32'hffffff;
    localparam  acc_sign = 32'h800000;
    localparam  acc_ext = 32'hff000000;
    localparam  low_bits = 8'h3;
    localparam  sel_mask = 4'h7;
    localparam  direct = 1'b1;
    localparam  four = 8'h4;
    localparam  ones = 32'hffffffff;
    localparam  one = 32'h1;
    
    // Stub signals
    reg  [15:0] code$d;
    wire  [15:0] code$q;
    reg  code$clock;
    reg  neg_q$d;
    wire  neg_q$q;
    reg  neg_q$clock;
    reg  [3:0] sel_q$d;
    wire  [3:0] sel_q$q;
    reg  sel_q$clock;
    reg  [7:0] shift_hi_q$d;
    wire  [7:0] shift_hi_q$q;
    reg  shift_hi_q$clock;
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
    reg  [31:0] ext;
    reg  negative;
    reg  [7:0] mag;
    reg  [7:0] offset;
    reg  [7:0] shift;
    reg  is_zero;
    reg  [3:0] sel;
    reg  [7:0] held_mag;
    reg  [3:0] sel_use;
    reg  neg_use;
    reg  [7:0] hi_use;
    reg  [3:0] sel_t;
    reg  neg_t;
    reg  [7:0] hi_t;
    reg  [31:0] stage;
    reg  [31:0] product;
    reg  [31:0] addend;
    reg  [31:0] carry_in;
    reg  [31:0] raw;
    reg  [31:0] sum;
    
    // Sub module instances
    top$code code(
        .d(code$d),
        .q(code$q),
        .clock(code$clock)
    );
    top$neg_q neg_q(
        .d(neg_q$d),
        .q(neg_q$q),
        .clock(neg_q$clock)
    );
    top$sel_q sel_q(
        .d(sel_q$d),
        .q(sel_q$q),
        .clock(sel_q$clock)
    );
    top$shift_hi_q shift_hi_q(
        .d(shift_hi_q$d),
        .q(shift_hi_q$q),
        .clock(shift_hi_q$clock)
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
        code$clock = clock;
        neg_q$clock = clock;
        sel_q$clock = clock;
        shift_hi_q$clock = clock;
        act_q1$clock = clock;
        act_q2$clock = clock;
        psum_q$clock = clock;
        code$d = code$q;
        neg_q$d = neg_q$q;
        sel_q$d = sel_q$q;
        shift_hi_q$d = shift_hi_q$q;
        act_q1$d = act_q1$q;
        act_q2$d = act_q2$q;
        psum_q$d = psum_q$q;
        negative = (weight_in & code_sign) != 32'h0;
        mag = ((weight_in & mag_mask) & 8'hff);
        offset = off_pos;
        if (negative) begin
            offset = off_neg;
        end
        is_zero = 1'b0;
        shift = offset;
        if (~sign_only) begin
            is_zero = mag == 32'h0;
            shift = mag - 32'h1 + offset;
        end
        sel = 32'h0;
        if (~is_zero) begin
            sel = 32'h1;
            if ((shift & low_bits) == 32'h1) begin
                sel = 32'h2;
            end
            if ((shift & low_bits) == 32'h2) begin
                sel = 32'h4;
            end
            if ((shift & low_bits) == 32'h3) begin
                sel = 32'h8;
            end
        end
        held_mag = ((code$q & mag_mask) & 8'hff);
        sel_t = 32'h0;
        hi_t = 32'h0;
        if ((held_mag == 32'h1) | (held_mag == 32'h5)) begin
            sel_t = 32'h1;
        end
        if ((held_mag == 32'h2) | (held_mag == 32'h6)) begin
            sel_t = 32'h2;
        end
        if ((held_mag == 32'h3) | (held_mag == 32'h7)) begin
            sel_t = 32'h4;
        end
        if (held_mag == 32'h4) begin
            sel_t = 32'h8;
        end
        if ((held_mag == 32'h5) | (held_mag == 32'h6) | (held_mag == 32'h7)) begin
            hi_t = four;
        end
        neg_t = ((code$q & code_sign) != 32'h0) & (held_mag != 32'h0);
        if (load) begin
            code$d = weight_in & code_mask;
            neg_q$d = negative & ~is_zero;
            sel_q$d = sel & sel_mask;
            shift_hi_q$d = shift & shift_mask & ~low_bits;
        end
        weight_out = code$q;
        sel_use = sel_q$q;
        neg_use = neg_q$q;
        hi_use = shift_hi_q$q;
        if (direct) begin
            sel_use = sel_t;
            neg_use = neg_t;
            hi_use = hi_t;
        end
        a16 = act_in & act_mask;
        if ((act_in & act_sign) != 32'h0) begin
            a16 = (act_in & act_mask) | act_ext;
        end
        ext = ((act_q1$q) & 32'hffffffff);
        if ((act_q1$q & bus_sign) != 32'h0) begin
            ext = ((act_q1$q) & 32'hffffffff) | tier_ext;
        end
        stage = 32'h0;
        if (sel_use[32'h0]) begin
            stage = stage | ext;
        end
        if (sel_use[32'h1]) begin
            stage = stage | (ext << 32'h1);
        end
        if (sel_use[32'h2]) begin
            stage = stage | (ext << 32'h2);
        end
        if (sel_use[32'h3]) begin
            stage = stage | (ext << 32'h3);
        end
        product = stage << hi_use;
        addend = product;
        carry_in = 32'h0;
        if (neg_use) begin
            addend = product ^ ones;
            carry_in = one;
        end
        raw = psum_in + addend + carry_in;
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


module top$code(d,q,clock);
    
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
          
endmodule // top$code


module top$neg_q(d,q,clock);
    
    // Module arguments
    input wire  d;
    output reg  q;
    input wire  clock;
    
    // Update code (custom)
    initial begin
       q = 1'h0;
    end
    
    always @(posedge clock) begin
       q <= d;
    end
          
endmodule // top$neg_q


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


module top$sel_q(d,q,clock);
    
    // Module arguments
    input wire  [3:0] d;
    output reg  [3:0] q;
    input wire  clock;
    
    // Update code (custom)
    initial begin
       q = 4'h0;
    end
    
    always @(posedge clock) begin
       q <= d;
    end
          
endmodule // top$sel_q


module top$shift_hi_q(d,q,clock);
    
    // Module arguments
    input wire  [7:0] d;
    output reg  [7:0] q;
    input wire  clock;
    
    // Update code (custom)
    initial begin
       q = 8'h0;
    end
    
    always @(posedge clock) begin
       q <= d;
    end
          
endmodule // top$shift_hi_q
