//! The k×k 2-D convolver and its rows, defined once for any PE with the shared PE ports (`nbq_rtl::pe`), and
//! instantiated for the shift PE (SVPE) and the multiplier PE (VPE) in `mod.rs`.
//!
//! The kernel size K and image width are build-time values (the blocks hold `Vec`s of sub-blocks); only the
//! accumulator tier `ACC` and the line-buffer address width `AW` (at most `2^AW` pixels per line) are compile-time.
//!
//! # Arrangement: one transposed-form chain of K² PEs
//! Every PE of a row takes the row's pixel (the PEs' identical input registers are one register per row after
//! synthesis), and only partial sums move: PE `i` adds its product to the partial sum of PE `i - 1`, and a row's
//! first PE adds to the previous row's last. Row `d` (kernel row `K-1-d`) sees the pixel stream delayed by
//! `d * (W - K)` pixels (`K - 1` line buffers of `W - K` pixels); the partial sum of kernel row `r` reaches the
//! next row's first PE K pixels later, so each row's delay makes up a line less the K pixels it took. The chain's
//! last PE (row 0, PE K-1) holds the window sum: there is no adder tree and no output register, and pixels are
//! registered once per row, not twice per PE as in a systolic chain. Each PE's partial sum is only as wide as the
//! products it holds need ([`crate::widths::Widths::partial_sum`]).
//!
//! Weight codes shift in against the partial sums: `weight_in` → row 0's PE K-1 → … → PE 0 → row 1's PE K-1 → …
//! → row K-1's PE 0 → `weight_out`, while `load` is high, so presenting the K*K codes in row-major kernel order
//! loads the kernel (PE `i` of row `d` holds `kernel[K-1-d][i]`).
//!
//! Ports: [`crate::conv::Ports::of`] for [`crate::conv::Level::Convolver`] lists them in order.
//!
//! Protocol: a pixel (raster order, `width` pixels per line) is consumed at each rising edge where `valid_in` is
//! high; `clear` high marks the consumed pixel as the first of an image (or, without `valid_in`, resets the
//! position). After the edge that consumes pixel `n + 1`, `sum_out` holds the correlation
//! `sum_{ky,kx} kernel[ky][kx] * x[r-K+1+ky][c-K+1+kx]` of the window whose newest pixel `(r, c)` is pixel `n`
//! (latency: 1 consumed pixel, see [`crate::conv::window_latency`] and [`crate::conv::Latency`]; without stalls,
//! 2 cycles from the cycle presenting pixel `n` to the one with `valid_out` high); `valid_out` is high for exactly
//! one cycle, right after that edge, when the window lies wholly inside the image (`r, c >= K-1`). An image's
//! last output therefore appears only as one further pixel is consumed (the next image's, or a flush pixel).
//! `last` high marks the consumed pixel as an image's last: the pixels consumed after it and before the next
//! `clear` are flush pixels, which complete no window of their own (no phantom row), whatever their values.
//! `reset` high at a rising edge drops every window in flight (their flags), and the next consumed pixel is the
//! first of an image; the kernel stays loaded.

/// Defines a row block `$row` and a convolver block `$conv` over the PE type `$pe` (crate-private: it expands to
/// names only `conv/mod.rs` imports).
macro_rules! define_conv_array {
    ($row:ident, $conv:ident, $pe:ident, $doc:literal) => {
        #[doc = concat!("A transposed-form row of K ", $doc, " PEs; see [`crate::conv::array`].")]
        #[derive(LogicBlock)]
        pub struct $row<const ACC: usize> {
            pub clock: Signal<In, Clock>,
            pub enable: Signal<In, Bit>,
            pub load: Signal<In, Bit>,
            pub weight_in: Signal<In, Bits<BUS_BITS>>,
            pub weight_out: Signal<Out, Bits<BUS_BITS>>,
            pub off_pos: Signal<In, Bits<SHIFT_BITS>>,
            pub off_neg: Signal<In, Bits<SHIFT_BITS>>,
            pub act_in: Signal<In, Bits<BUS_BITS>>,
            pub psum_in: Signal<In, Bits<ACC>>,
            pub psum_out: Signal<Out, Bits<ACC>>,
            pub pes: Vec<$pe<ACC>>,
        }

        impl<const ACC: usize> $row<ACC> {
            /// A row of `k >= 1` PEs whose partial sums add to one of `before` products (the rows earlier in the
            /// chain).
            pub fn new(k: usize, w: Widths, before: usize) -> Self {
                assert!(k >= 1, "a row needs at least one PE");
                Self {
                    clock: Default::default(),
                    enable: Default::default(),
                    load: Default::default(),
                    weight_in: Default::default(),
                    weight_out: Default::default(),
                    off_pos: Default::default(),
                    off_neg: Default::default(),
                    act_in: Default::default(),
                    psum_in: Default::default(),
                    psum_out: Default::default(),
                    // PE i's partial sum holds `before + i + 1` products: only as wide as they need.
                    pes: (0..k).map(|i| $pe::new(w.partial_sum($pe::<ACC>::max_shift(w), before + i + 1))).collect(),
                }
            }
        }

        impl<const ACC: usize> Logic for $row<ACC> {
            #[hdl_gen]
            fn update(&mut self) {
                for i in 0..self.pes.len() {
                    self.pes[i].clock.next = self.clock.val();
                    self.pes[i].enable.next = self.enable.val();
                    self.pes[i].load.next = self.load.val();
                    self.pes[i].off_pos.next = self.off_pos.val();
                    self.pes[i].off_neg.next = self.off_neg.val();
                }
                // Every PE takes the row's pixel; partial sums enter at PE 0 and weights at PE K-1. Each signal is
                // assigned once (the last PE is the one-iteration loop `K-1..K`): an always block that assigns a
                // signal twice glitches it in event-driven simulators, and two blocks glitching each other's inputs
                // never settle (Icarus hangs).
                for i in 0..self.pes.len() {
                    self.pes[i].act_in.next = self.act_in.val();
                }
                self.pes[0].psum_in.next = self.psum_in.val();
                for i in 1..self.pes.len() {
                    self.pes[i].psum_in.next = self.pes[i - 1].psum_out.val();
                }
                for i in 0..(self.pes.len() - 1) {
                    self.pes[i].weight_in.next = self.pes[i + 1].weight_out.val();
                }
                for i in (self.pes.len() - 1)..self.pes.len() {
                    self.pes[i].weight_in.next = self.weight_in.val();
                    self.psum_out.next = self.pes[i].psum_out.val();
                }
                self.weight_out.next = self.pes[0].weight_out.val();
            }
        }

        #[doc = concat!("A k×k convolver of ", $doc, " PEs; lines of at most `2^AW` pixels; \
                         see [`crate::conv::array`].")]
        #[derive(LogicBlock)]
        pub struct $conv<const ACC: usize, const AW: usize> {
            pub clock: Signal<In, Clock>,
            pub reset: Signal<In, Bit>,
            pub valid_in: Signal<In, Bit>,
            pub clear: Signal<In, Bit>,
            pub last: Signal<In, Bit>,
            pub pixel_in: Signal<In, Bits<BUS_BITS>>,
            pub load: Signal<In, Bit>,
            pub weight_in: Signal<In, Bits<BUS_BITS>>,
            pub weight_out: Signal<Out, Bits<BUS_BITS>>,
            pub off_pos: Signal<In, Bits<SHIFT_BITS>>,
            pub off_neg: Signal<In, Bits<SHIFT_BITS>>,
            pub sum_out: Signal<Out, Bits<ACC>>,
            pub valid_out: Signal<Out, Bit>,
            pub rows: Vec<$row<ACC>>,
            pub lines: Vec<LineBuffer<AW>>,
            col: DFF<Bits<16>>,
            row: DFF<Bits<8>>,
            col_ok: DFF<Bit>,
            row_ok: DFF<Bit>,
            flags: DFF<Bits<16>>,
            fresh: DFF<Bit>,
            ended: DFF<Bit>,
            last_col: Constant<Bits<16>>,
            // The bits a column index needs: the counter's upper bits are constant zeros that synthesis removes
            // (no 16-bit compares on the position logic).
            col_mask: Constant<Bits<16>>,
            k_is_1: Constant<Bit>,
            k_minus_2_col: Constant<Bits<16>>,
            k_minus_2_row: Constant<Bits<8>>,
            k_minus_1_row: Constant<Bits<8>>,
            row_mask: Constant<Bits<8>>,
            flag_tap: Constant<Bits<16>>,
            flag_in: Constant<Bits<16>>,
            cur_col: Signal<Local, Bits<16>>,
            cur_row: Signal<Local, Bits<8>>,
            cur_col_ok: Signal<Local, Bit>,
            cur_row_ok: Signal<Local, Bit>,
            cur_ended: Signal<Local, Bit>,
            window_ok: Signal<Local, Bit>,
        }

        impl<const ACC: usize, const AW: usize> $conv<ACC, AW> {
            /// A k×k convolver for images `width` pixels wide; panics on values the design config rejects first.
            pub fn new(k: usize, width: usize, w: Widths) -> Self {
                assert!((1..=7).contains(&k), "kernel size {k} outside 1..=7");
                assert!(
                    width >= k.max(2) && width <= 1 << AW,
                    "image width {width} outside {}..={}",
                    k.max(2),
                    1usize << AW
                );
                Self {
                    clock: Default::default(),
                    reset: Default::default(),
                    valid_in: Default::default(),
                    clear: Default::default(),
                    last: Default::default(),
                    pixel_in: Default::default(),
                    load: Default::default(),
                    weight_in: Default::default(),
                    weight_out: Default::default(),
                    off_pos: Default::default(),
                    off_neg: Default::default(),
                    sum_out: Default::default(),
                    valid_out: Default::default(),
                    // Row d holds kernel row K-1-d; the rows after it in the chain (d + 1..K) hold (K-1-d)·K
                    // products.
                    rows: (0..k).map(|d| $row::new(k, w, (k - 1 - d) * k)).collect(),
                    lines: (1..k).map(|_| LineBuffer::new(width - k)).collect(),
                    col: Default::default(),
                    row: Default::default(),
                    col_ok: Default::default(),
                    row_ok: Default::default(),
                    flags: Default::default(),
                    fresh: Default::default(),
                    ended: Default::default(),
                    last_col: Constant::new(Bits::<16>::from(width as u64 - 1)),
                    col_mask: Constant::new($crate::widths::low_mask($crate::widths::bits_of(width - 1))),
                    k_is_1: Constant::new(k == 1),
                    k_minus_2_col: Constant::new(Bits::<16>::from(k.saturating_sub(2) as u64)),
                    k_minus_2_row: Constant::new(Bits::<8>::from(k.saturating_sub(2) as u64)),
                    k_minus_1_row: Constant::new(Bits::<8>::from(k as u64 - 1)),
                    // The row counter stops at k - 1: only its bits are flip-flops.
                    row_mask: Constant::new($crate::widths::low_mask::<8>($crate::widths::bits_of(k - 1))),
                    flag_tap: Constant::new(Bits::<16>::from(1u64 << $crate::conv::window_latency(k))),
                    flag_in: Constant::new(Bits::<16>::from(1u64)),
                    cur_col: Default::default(),
                    cur_row: Default::default(),
                    cur_col_ok: Default::default(),
                    cur_row_ok: Default::default(),
                    cur_ended: Default::default(),
                    window_ok: Default::default(),
                }
            }
        }

        impl<const ACC: usize, const AW: usize> Logic for $conv<ACC, AW> {
            #[hdl_gen]
            fn update(&mut self) {
                dff_setup!(self, clock, col, row, col_ok, row_ok, flags, fresh, ended);
                for d in 0..self.rows.len() {
                    self.rows[d].clock.next = self.clock.val();
                    self.rows[d].enable.next = self.valid_in.val();
                    self.rows[d].load.next = self.load.val();
                    self.rows[d].off_pos.next = self.off_pos.val();
                    self.rows[d].off_neg.next = self.off_neg.val();
                }
                for j in 0..self.lines.len() {
                    self.lines[j].clock.next = self.clock.val();
                    self.lines[j].enable.next = self.valid_in.val();
                }
                // Row d sees the stream delayed by d (W - K) pixels. Each signal is assigned once (see the row).
                self.rows[0].act_in.next = self.pixel_in.val();
                self.rows[0].weight_in.next = self.weight_in.val();
                for j in 0..self.lines.len().min(1) {
                    self.lines[j].data_in.next = self.pixel_in.val();
                }
                for j in 1..self.lines.len() {
                    self.lines[j].data_in.next = self.lines[j - 1].data_out.val();
                }
                for d in 1..self.rows.len() {
                    self.rows[d].act_in.next = self.lines[d - 1].data_out.val();
                    self.rows[d].weight_in.next = self.rows[d - 1].weight_out.val();
                }
                // The partial sums run from row K-1 (kernel row 0) to row 0, whose last PE holds the window sum.
                for d in 0..(self.rows.len() - 1) {
                    self.rows[d].psum_in.next = self.rows[d + 1].psum_out.val();
                }
                for d in (self.rows.len() - 1)..self.rows.len() {
                    self.rows[d].psum_in.next = 0.into();
                    self.weight_out.next = self.rows[d].weight_out.val();
                }
                // Position of the pixel being consumed, and whether its window lies inside the image.
                // `col_ok` / `row_ok` register `col >= k - 1` / `row >= k - 1`, kept up to date as the counters
                // move, so no comparison lies on the path to the output flags (for k = 1 both always hold).
                self.cur_col.next = self.col.q.val();
                self.cur_row.next = self.row.q.val() & self.row_mask.val();
                self.cur_col_ok.next = self.col_ok.q.val() | self.k_is_1.val();
                self.cur_row_ok.next = self.row_ok.q.val() | self.k_is_1.val();
                // `ended`: the image's last pixel (`last`) has been consumed, so the pixels until the next `clear`
                // are flush pixels, which complete its windows and open none.
                self.cur_ended.next = self.ended.q.val();
                if self.clear.val() {
                    self.cur_col.next = 0.into();
                    self.cur_row.next = 0.into();
                    self.cur_col_ok.next = self.k_is_1.val();
                    self.cur_row_ok.next = self.k_is_1.val();
                    self.cur_ended.next = false;
                }
                self.window_ok.next = self.cur_col_ok.val() & self.cur_row_ok.val() & !self.cur_ended.val();
                self.fresh.d.next = self.valid_in.val();
                if self.valid_in.val() {
                    self.ended.d.next = self.cur_ended.val() | self.last.val();
                    self.flags.d.next = self.flags.q.val() << 1;
                    if self.window_ok.val() {
                        self.flags.d.next = (self.flags.q.val() << 1) | self.flag_in.val();
                    }
                    self.col.d.next = (self.cur_col.val() + 1) & self.col_mask.val();
                    self.col_ok.d.next = self.cur_col_ok.val() | (self.cur_col.val() == self.k_minus_2_col.val());
                    self.row.d.next = self.cur_row.val();
                    self.row_ok.d.next = self.cur_row_ok.val();
                    if self.cur_col.val() == self.last_col.val() {
                        self.col.d.next = 0.into();
                        self.col_ok.d.next = self.k_is_1.val();
                        self.row.d.next = (self.cur_row.val() + 1) & self.row_mask.val();
                        self.row_ok.d.next = self.cur_row_ok.val() | (self.cur_row.val() == self.k_minus_2_row.val());
                        if self.cur_row.val() == self.k_minus_1_row.val() {
                            self.row.d.next = self.cur_row.val();
                        }
                    }
                }
                // The next pixel is the first of an image after `clear` without a pixel, and after `reset`, which
                // also drops every window in flight.
                if self.reset.val() | (self.clear.val() & !self.valid_in.val()) {
                    self.col.d.next = 0.into();
                    self.row.d.next = 0.into();
                    self.col_ok.d.next = self.k_is_1.val();
                    self.row_ok.d.next = self.k_is_1.val();
                    self.ended.d.next = false;
                }
                if self.reset.val() {
                    self.flags.d.next = 0.into();
                    self.fresh.d.next = false;
                }
                self.sum_out.next = self.rows[0].psum_out.val();
                self.valid_out.next = self.fresh.q.val() & ((self.flags.q.val() & self.flag_tap.val()) != 0);
            }
        }
    };
}
