

module top(clock,enable,data_in,data_out);
    
    // Module arguments
    input wire  clock;
    input wire  enable;
    input wire  [15:0] data_in;
    output reg  [15:0] data_out;
    
    // Constant declarations
    localparam  last = 4'h6;
    localparam  passthrough = 1'b0;
    localparam  one = 1'b0;
    
    // Stub signals
    reg  [3:0] ram$read_address;
    reg  ram$read_clock;
    wire  [15:0] ram$read_data;
    reg  [3:0] ram$write_address;
    reg  ram$write_clock;
    reg  [15:0] ram$write_data;
    reg  ram$write_enable;
    reg  [3:0] ptr$d;
    wire  [3:0] ptr$q;
    reg  ptr$clock;
    reg  [15:0] hold$d;
    wire  [15:0] hold$q;
    reg  hold$clock;
    
    // Local signals
    reg  [3:0] next_ptr;
    
    // Sub module instances
    top$ram ram(
        .read_address(ram$read_address),
        .read_clock(ram$read_clock),
        .read_data(ram$read_data),
        .write_address(ram$write_address),
        .write_clock(ram$write_clock),
        .write_data(ram$write_data),
        .write_enable(ram$write_enable)
    );
    top$ptr ptr(
        .d(ptr$d),
        .q(ptr$q),
        .clock(ptr$clock)
    );
    top$hold hold(
        .d(hold$d),
        .q(hold$q),
        .clock(hold$clock)
    );
    
    // Update code
    always @(*) begin
        ptr$clock = clock;
        hold$clock = clock;
        ptr$d = ptr$q;
        hold$d = hold$q;
        ram$read_clock = clock;
        ram$write_clock = clock;
        next_ptr = ptr$q + 32'h1;
        if (ptr$q == last) begin
            next_ptr = 32'h0;
        end
        ram$write_address = ptr$q;
        ram$write_data = data_in;
        ram$write_enable = enable;
        ram$read_address = ptr$q;
        if (enable) begin
            ram$read_address = next_ptr;
            ptr$d = next_ptr;
        end
        if (enable) begin
            hold$d = data_in;
        end
        if (passthrough) begin
            data_out = data_in;
        end
        else if (one) begin
            data_out = hold$q;
        end
        else begin
            data_out = ram$read_data;
        end
    end
    
endmodule // top


module top$hold(d,q,clock);
    
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
          
endmodule // top$hold


module top$ptr(d,q,clock);
    
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
          
endmodule // top$ptr


module top$ram(read_address,read_clock,read_data,write_address,write_clock,write_data,write_enable);
    
    // Module arguments
    input wire  [3:0] read_address;
    input wire  read_clock;
    output reg  [15:0] read_data;
    input wire  [3:0] write_address;
    input wire  write_clock;
    input wire  [15:0] write_data;
    input wire  write_enable;
    
    // Update code (custom)
    reg[15:0] mem[15:0];
    
    initial begin
    mem[4'h0] = 16'h0;
    mem[4'h1] = 16'h0;
    mem[4'h2] = 16'h0;
    mem[4'h3] = 16'h0;
    mem[4'h4] = 16'h0;
    mem[4'h5] = 16'h0;
    mem[4'h6] = 16'h0;
    mem[4'h7] = 16'h0;
    mem[4'h8] = 16'h0;
    mem[4'h9] = 16'h0;
    mem[4'ha] = 16'h0;
    mem[4'hb] = 16'h0;
    mem[4'hc] = 16'h0;
    mem[4'hd] = 16'h0;
    mem[4'he] = 16'h0;
    mem[4'hf] = 16'h0;
    end
    
    
    always @(posedge read_clock) begin
       read_data <= mem[read_address];
    end
    
    always @(posedge write_clock) begin
       if (write_enable) begin
          mem[write_address] <= write_data;
       end
    end
                
endmodule // top$ram
