//! A block RAM of an exact size behind fixed-width ports, for the network top's feature maps, partial sums and
//! parameter memories.
//!
//! rust-hdl's `RAM` and `SyncROM` declare `2^N` words of the port width, so every memory of a network would be
//! as large as its widest and deepest one. This block declares `depth` words of `width` significant bits and
//! keeps the fixed `D`-bit data ports and [`MEM_ADDR_BITS`]-bit address ports: written data keeps its low `width`
//! bits, read data is zero- or sign-extended to `D` bits. The read is registered (one clock), so Yosys maps the
//! memory to block RAM (`SB_RAM40_4K` on the iCE40). A read of the address being written returns the old word.
//! Addresses at or above `depth` are never used by nbq's blocks; their reads are undefined.

use rust_hdl::core::timing::TimingInfo;
use rust_hdl::prelude::*;

/// Width of the address ports (memories of up to 65,536 words).
pub const MEM_ADDR_BITS: usize = 16;

/// `depth` words of `width` bits, initialised from `init` (missing words are 0), behind `D`-bit data ports.
#[derive(LogicBlock)]
pub struct BlockRam<const D: usize> {
    pub clock: Signal<In, Clock>,
    pub read_address: Signal<In, Bits<MEM_ADDR_BITS>>,
    pub read_data: Signal<Out, Bits<D>>,
    pub write_address: Signal<In, Bits<MEM_ADDR_BITS>>,
    pub write_data: Signal<In, Bits<D>>,
    pub write_enable: Signal<In, Bit>,
    _depth: usize,
    _width: usize,
    _signed: bool,
    _init: Vec<u128>,
    _sim: Vec<Bits<D>>,
}

impl<const D: usize> BlockRam<D> {
    /// A memory of `depth >= 1` words of `1..=D` (at most 128) bits; `signed` sign-extends reads. Panics on sizes
    /// the network's checks reject first.
    pub fn new(depth: usize, width: usize, signed: bool, init: Vec<u128>) -> Self {
        assert!((1..=1 << MEM_ADDR_BITS).contains(&depth), "memory depth {depth}");
        assert!((1..=D.min(128)).contains(&width), "memory width {width} behind {D}-bit ports");
        assert!(init.len() <= depth, "{} initial words for {depth}", init.len());
        let mask = if width == 128 { u128::MAX } else { (1u128 << width) - 1 };
        let init: Vec<u128> = init.into_iter().map(|v| v & mask).collect();
        let mut sim: Vec<Bits<D>> = init.iter().map(|&v| Self::extend(v, width, signed)).collect();
        sim.resize(depth, Bits::<D>::default());
        Self {
            clock: Default::default(),
            read_address: Default::default(),
            read_data: Default::default(),
            write_address: Default::default(),
            write_data: Default::default(),
            write_enable: Default::default(),
            _depth: depth,
            _width: width,
            _signed: signed,
            _init: init,
            _sim: sim,
        }
    }

    /// A read-only memory (its write port tied off by the user of the block).
    pub fn rom(width: usize, words: Vec<u128>) -> Self {
        Self::new(words.len().max(1), width, false, words)
    }

    fn extend(v: u128, width: usize, signed: bool) -> Bits<D> {
        let mut out = Bits::<D>::default();
        for i in 0..D {
            let b = if i < width { (v >> i) & 1 == 1 } else { signed && (v >> (width - 1)) & 1 == 1 };
            if b {
                out = out | (Bits::<D>::from(1u64) << i as u64);
            }
        }
        out
    }

    fn low(v: Bits<D>, width: usize) -> u128 {
        (0..width).filter(|&i| v.get_bit(i)).fold(0u128, |acc, i| acc | 1 << i)
    }
}

impl<const D: usize> Logic for BlockRam<D> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let read = self.read_address.val().index();
            self.read_data.next = self._sim.get(read).copied().unwrap_or_default();
            if self.write_enable.val() {
                let at = self.write_address.val().index();
                let v = Self::low(self.write_data.val(), self._width);
                if at < self._depth {
                    self._sim[at] = Self::extend(v, self._width, self._signed);
                }
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        let (w, d) = (self._width, self._depth);
        let init = if self._init.iter().any(|&v| v != 0) {
            let words: Vec<String> = self
                ._init
                .iter()
                .enumerate()
                .filter(|(_, &v)| v != 0)
                .map(|(i, v)| format!("    mem[{i}] = {w}'h{v:x};"))
                .collect();
            format!(
                "integer i;\ninitial begin\n    for (i = 0; i < {d}; i = i + 1) mem[i] = {w}'h0;\n{}\nend\n",
                words.join("\n")
            )
        } else {
            format!("integer i;\ninitial begin\n    for (i = 0; i < {d}; i = i + 1) mem[i] = {w}'h0;\nend\n")
        };
        let word = if w == D {
            "mem[read_address]".to_string()
        } else if self._signed {
            format!("{{{{{}{{mem[read_address][{}]}}}}, mem[read_address]}}", D - w, w - 1)
        } else {
            format!("{{{}'h0, mem[read_address]}}", D - w)
        };
        Verilog::Custom(format!(
            "reg [{hi}:0] mem [0:{last}];\n{init}\nalways @(posedge clock) begin\n    if (write_enable) begin\n        \
             mem[write_address] <= write_data[{hi}:0];\n    end\n    read_data <= {word};\nend\n",
            hi = w - 1,
            last = d - 1,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "block_ram".into(),
            clock: "clock".into(),
            inputs: vec!["read_address".into(), "write_address".into(), "write_data".into(), "write_enable".into()],
            outputs: vec!["read_data".into()],
        }]
    }
}
