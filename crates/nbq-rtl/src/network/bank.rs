//! The network top's comparator bank: `code = #{ i : sum >= T_i }` (`nbq_quant::activation::ThresholdQuantizer::
//! code`), as the engine's [`crate::requant::Requantizer`] computes it, built for area inside the top.
//!
//! * The sum is compared on its `width` significant bits only (the layer's partial-sum width; the bits above are
//!   sign copies): input and thresholds are reduced to `width` bits with the sign bit flipped, which orders them
//!   as unsigned numbers. The unused upper bits are then constants that synthesis removes.
//! * The thresholds are sorted, so the code is found by binary search, one code bit per pipeline stage, most
//!   significant first: stage `j` knows the code's bits above its own (the prefix `p`) and sets its bit when
//!   `sum >= T[p + 2^(b-1-j) - 1]`, the threshold picked from the `2^j` its prefix allows. A `b`-bit code takes
//!   `b` comparators instead of `2^b - 1` (4 instead of 15 at 4 bits, 8 instead of 255 at 8) at `b` cycles of
//!   latency. Lists shorter than `2^b - 1` behave as if padded with thresholds no sum reaches. The pick is made
//!   one stage ahead (from the stage before's new prefix) and registered, so each stage's critical path is one
//!   comparator's carry chain and one LUT, not a threshold select in front of the chain.
//!
//! Ports: `clock`, `sum_in` (ACC tier), `code_out` (`OUT` bits): the code of the `sum_in` of
//! [`CodeBank::latency`] cycles before.

use rust_hdl::prelude::*;

use crate::widths::{bit, low_mask};

/// One stage of the search: the comparison that decides one code bit. The stage gets its threshold from the
/// stage before, registered (`thr_in`, `pad_in`; the bank's first threshold is a constant), and picks the next
/// stage's from its own new prefix, so that no threshold select sits in front of a comparator's carry chain.
#[derive(LogicBlock)]
pub struct SearchStage<const ACC: usize, const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub key_in: Signal<In, Bits<ACC>>,
    pub prefix_in: Signal<In, Bits<OUT>>,
    pub thr_in: Signal<In, Bits<ACC>>,
    pub pad_in: Signal<In, Bit>,
    pub key_out: Signal<Out, Bits<ACC>>,
    pub prefix_out: Signal<Out, Bits<OUT>>,
    pub thr_out: Signal<Out, Bits<ACC>>,
    pub pad_out: Signal<Out, Bit>,
    key_q: DFF<Bits<ACC>>,
    prefix_q: DFF<Bits<OUT>>,
    thr_q: DFF<Bits<ACC>>,
    pad_q: DFF<Bit>,
    // The next stage's candidate q: the prefix it stands for, its threshold key, and whether it is padding (never
    // reached). The last stage has one unused candidate.
    ids: Vec<Constant<Bits<OUT>>>,
    keys: Vec<Constant<Bits<ACC>>>,
    never: Vec<Constant<Bit>>,
    own: Constant<Bits<OUT>>,
    prefix: Signal<Local, Bits<OUT>>,
    pick: Vec<Signal<Local, Bits<ACC>>>,
    threshold: Signal<Local, Bits<ACC>>,
    pad: Signal<Local, Bit>,
}

/// Stage `j`'s candidates in a `b`-bit search over `keys` (sorted): for each prefix `q` of its `j` bits above,
/// the prefix as a code, its threshold (`None`: padding, never reached).
fn candidates<const ACC: usize>(j: usize, b: usize, keys: &[Bits<ACC>]) -> Vec<(u64, Option<Bits<ACC>>)> {
    (0..1usize << j)
        .map(|q| ((q << (b - j)) as u64, keys.get((q << (b - j)) + (1 << (b - 1 - j)) - 1).copied()))
        .collect()
}

impl<const ACC: usize, const OUT: usize> SearchStage<ACC, OUT> {
    /// Stage `j` of a `b`-bit search over `keys` (sorted, as unsigned words).
    fn new(j: usize, b: usize, keys: &[Bits<ACC>]) -> Self {
        let next = if j + 1 < b { candidates(j + 1, b, keys) } else { vec![(0, None)] };
        Self {
            clock: Default::default(),
            key_in: Default::default(),
            prefix_in: Default::default(),
            thr_in: Default::default(),
            pad_in: Default::default(),
            key_out: Default::default(),
            prefix_out: Default::default(),
            thr_out: Default::default(),
            pad_out: Default::default(),
            key_q: Default::default(),
            prefix_q: Default::default(),
            thr_q: Default::default(),
            pad_q: Default::default(),
            ids: next.iter().map(|&(id, _)| Constant::new(Bits::<OUT>::from(id))).collect(),
            keys: next.iter().map(|&(_, k)| Constant::new(k.unwrap_or_default())).collect(),
            never: next.iter().map(|&(_, k)| Constant::new(k.is_none())).collect(),
            own: Constant::new(Bits::<OUT>::from(1u64 << (b - 1 - j))),
            prefix: Default::default(),
            pick: next.iter().map(|_| Default::default()).collect(),
            threshold: Default::default(),
            pad: Default::default(),
        }
    }
}

impl<const ACC: usize, const OUT: usize> Logic for SearchStage<ACC, OUT> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, key_q, prefix_q, thr_q, pad_q);
        self.prefix.next = self.prefix_in.val();
        if !self.pad_in.val() & (self.key_in.val() >= self.thr_in.val()) {
            self.prefix.next = self.prefix_in.val() | self.own.val();
        }
        // The next stage's threshold, an AND-OR over its candidates (no priority chain).
        self.threshold.next = 0.into();
        self.pad.next = false;
        for q in 0..self.keys.len() {
            self.pick[q].next = 0.into();
            if self.prefix.val() == self.ids[q].val() {
                self.pick[q].next = self.keys[q].val();
                if self.never[q].val() {
                    self.pad.next = true;
                }
            }
            self.threshold.next = self.threshold.val() | self.pick[q].val();
        }
        self.key_q.d.next = self.key_in.val();
        self.prefix_q.d.next = self.prefix.val();
        self.thr_q.d.next = self.threshold.val();
        self.pad_q.d.next = self.pad.val();
        self.key_out.next = self.key_q.q.val();
        self.prefix_out.next = self.prefix_q.q.val();
        self.thr_out.next = self.thr_q.q.val();
        self.pad_out.next = self.pad_q.q.val();
    }
}

#[derive(LogicBlock)]
pub struct CodeBank<const ACC: usize, const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub sum_in: Signal<In, Bits<ACC>>,
    pub code_out: Signal<Out, Bits<OUT>>,
    stages: Vec<SearchStage<ACC, OUT>>,
    mask: Constant<Bits<ACC>>,
    flip: Constant<Bits<ACC>>,
    // The first stage's threshold, and whether it is padding.
    first: Constant<Bits<ACC>>,
    first_pad: Constant<Bit>,
}

/// `t` as a `width`-bit two's complement word with its sign bit flipped.
fn key<const ACC: usize>(t: i64, width: usize) -> Bits<ACC> {
    let magnitude = Bits::<ACC>::from(t.unsigned_abs());
    let twos = if t < 0 { (!magnitude + 1) & Bits::<ACC>::mask() } else { magnitude };
    (twos & low_mask::<ACC>(width)) ^ bit::<ACC>(width - 1)
}

/// Code bits of a bank of `thresholds` thresholds: the least `b` with `2^b - 1 >= thresholds` (the search's
/// stages).
pub fn code_bits(thresholds: usize) -> usize {
    crate::widths::bits_of(thresholds)
}

impl<const ACC: usize, const OUT: usize> CodeBank<ACC, OUT> {
    /// A bank of non-decreasing `thresholds` (1 to 255) on sums of `width` (2..=ACC) significant bits; each
    /// threshold must fit `width` bits.
    pub fn new(thresholds: &[i64], width: usize) -> Self {
        assert!((1..=255).contains(&thresholds.len()), "1..=255 thresholds, got {}", thresholds.len());
        assert!(thresholds.windows(2).all(|w| w[0] <= w[1]), "thresholds must not decrease");
        assert!((2..=ACC).contains(&width) && OUT >= 8, "width {width} in a {ACC}-bit tier, {OUT}-bit codes");
        let keys: Vec<Bits<ACC>> = thresholds.iter().map(|&t| key::<ACC>(t, width)).collect();
        let b = code_bits(thresholds.len());
        Self {
            clock: Default::default(),
            sum_in: Default::default(),
            code_out: Default::default(),
            stages: (0..b).map(|j| SearchStage::new(j, b, &keys)).collect(),
            mask: Constant::new(low_mask(width)),
            flip: Constant::new(bit(width - 1)),
            first: Constant::new(candidates(0, b, &keys)[0].1.unwrap_or_default()),
            first_pad: Constant::new(candidates(0, b, &keys)[0].1.is_none()),
        }
    }

    /// Cycles from `sum_in` to its `code_out`: one per code bit.
    pub fn latency(&self) -> usize {
        self.stages.len()
    }
}

impl<const ACC: usize, const OUT: usize> Logic for CodeBank<ACC, OUT> {
    #[hdl_gen]
    fn update(&mut self) {
        for j in 0..self.stages.len() {
            self.stages[j].clock.next = self.clock.val();
        }
        self.stages[0].key_in.next = (self.sum_in.val() & self.mask.val()) ^ self.flip.val();
        self.stages[0].prefix_in.next = 0.into();
        self.stages[0].thr_in.next = self.first.val();
        self.stages[0].pad_in.next = self.first_pad.val();
        for j in 1..self.stages.len() {
            self.stages[j].key_in.next = self.stages[j - 1].key_out.val();
            self.stages[j].prefix_in.next = self.stages[j - 1].prefix_out.val();
            self.stages[j].thr_in.next = self.stages[j - 1].thr_out.val();
            self.stages[j].pad_in.next = self.stages[j - 1].pad_out.val();
        }
        for j in 0..self.stages.len() {
            self.code_out.next = self.stages[j].prefix_out.val();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_hdl::core::simulate::simulate;

    fn settle(bank: &mut CodeBank<32, 8>) {
        assert!(simulate(bank, 100), "the bank did not settle");
    }

    /// The bank's code for each sum, clocked through rust-hdl's model, against the count of thresholds reached.
    fn check(thresholds: &[i64], width: usize, sums: &[i64]) {
        let mut bank = CodeBank::<32, 8>::new(thresholds, width);
        bank.connect_all();
        let latency = bank.latency();
        assert_eq!(latency, code_bits(thresholds.len()));
        let mut got = Vec::new();
        for t in 0..sums.len() + latency {
            // A sum as the layer's partial-sum word: two's complement in the tier.
            let s = sums.get(t).copied().unwrap_or(0);
            bank.sum_in.next = Bits::<32>::from(s as u64 & 0xffff_ffff);
            bank.clock.next = Clock { clk: false };
            settle(&mut bank);
            if t >= latency {
                got.push(bank.code_out.val().index());
            }
            bank.clock.next = Clock { clk: true };
            settle(&mut bank);
        }
        let want: Vec<usize> = sums.iter().map(|&s| thresholds.iter().filter(|&&t| s >= t).count()).collect();
        assert_eq!(got, want, "thresholds {thresholds:?}");
    }

    #[test]
    fn search_counts_the_thresholds_reached() {
        let sums: Vec<i64> = (-40..40).collect();
        // 15 thresholds (a 4-bit bank) with repeats, one, three (padded to 2^2 - 1), five (padded to 7).
        check(&[-20, -3, 0, 0, 5, 9, 9, 11, 12, 15, 18, 21, 25, 30, 33], 8, &sums);
        check(&[7], 8, &sums);
        check(&[-5, 4, 4], 8, &sums);
        check(&[1, 2, 3, 4, 5], 8, &sums);
        // The extremes of an 8-bit partial sum.
        check(&[-128, 127], 8, &[-128, -127, 0, 126, 127]);
    }

    #[test]
    fn code_bits_cover_the_list() {
        assert_eq!([1, 2, 3, 4, 7, 8, 15, 255].map(code_bits), [1, 2, 2, 3, 3, 4, 4, 8]);
    }
}
