//! Cluster and engine: the n-BQ-NN paper's (Pn, Pm) parallelism, defined once over a convolver type.
//!
//! # Clusters (Pn convolvers each)
//! Convolver `j` of a cluster takes input channel `j`; all convolvers share `valid_in`, `clear` and the layer
//! offsets, so their outputs are aligned. A cluster's Pn window sums are added by a chain of adders into a
//! register, reduced to ACC bits and sign-extended to the tier: sums and `valid_out` follow the convolvers' by one
//! cycle.
//!
//! # Engine (Pm clusters)
//! Every cluster sees the same Pn pixels (`pixel_in$j`); cluster `i` computes output channel `i` (`sum_out$i`).
//! The ports, in order, are [`super::Ports::of`]'s list for [`super::Level::Engine`] (`params.json` and the test
//! benches use that list; [`super::Ports::conforms`] checks it against the struct below).
//! Latency (see [`super::Latency`]): a window's sums appear one cycle after the convolvers' (the cluster
//! register), so one cycle after the rising edge that consumes the first pixel after the window's newest;
//! without stalls, 3 cycles (at every K) from the cycle presenting the newest pixel to the one with `valid_out`
//! high.
//!
//! # Requantizer (optional)
//! With thresholds, each output channel's registered sum also drives a comparator bank
//! ([`crate::requant::Requantizer`]) whose activation code is `code_out$i`, valid with the sums.
//!
//! # Loading weights
//! The 16-bit ([`crate::widths::BUS_BITS`]) `weight_in` carries `L` = [`super::weight_lanes`] codes at once
//! (`floor(16 / n)` n-bit codes for the shift PE, one 16-bit weight for the multiplier PE, at most one per
//! convolver): lane `g` is bits `g*n .. (g+1)*n`. Lane `g` is a chain through convolvers `g, g + L, g + 2L, …` of
//! the flat list (convolver `c` is cluster `c / Pn`, input channel `c % Pn`); inside a convolver the chain runs in
//! kernel row-major order (see [`super::array`]). Keep `load` high for `K*K*ceil(Pn*Pm / L)` cycles; each lane
//! presents the codes of its last convolver first and of its first convolver last, each kernel in row-major order
//! (lanes with fewer convolvers start with don't-care codes). `weight_out` is the end of the last convolver's
//! lane. Packing is what makes low-bit weights cheap to load: an n = 3 engine loads five codes per cycle.
//!
//! The reload rule: `valid_in` is low while `load` is high, and a load starts only when no window is in flight
//! (after the previous image's last window has come out: its [`super::Latency`] flush pixels consumed, then
//! [`super::Latency::after_pixel`] cycles), or after `reset`. The PEs' partial sums of a window in flight would combine products of the old codes
//! with products of the new ones, so such a window's sums are undefined. The next image starts with `clear`.

/// Defines an engine block `$engine` over the convolver type `$conv`.
///
/// The engine holds its `Pm * Pn` convolvers in one flat list (cluster `i`, convolver `j` at `i * Pn + j`):
/// rust-hdl 0.46 rewrites only the first `[index]` of a signal path when it unrolls loops, so
/// `clusters[i].pixel_in[j]` cannot be written; a flat list indexed `i * pn + j` can, with `pn` bound by a
/// one-iteration loop so that the index expression names only loop variables. Crate-private: it expands to names
/// only `conv/mod.rs` imports.
macro_rules! define_engine {
    ($engine:ident, $conv:ident, $doc:literal) => {
        #[doc = concat!("Pm clusters of Pn ", $doc, " convolvers; see [`crate::conv::engine`].")]
        #[derive(LogicBlock)]
        pub struct $engine<const ACC: usize, const AW: usize> {
            pub clock: Signal<In, Clock>,
            pub reset: Signal<In, Bit>,
            pub valid_in: Signal<In, Bit>,
            pub clear: Signal<In, Bit>,
            pub last: Signal<In, Bit>,
            pub pixel_in: Vec<Signal<In, Bits<BUS_BITS>>>,
            pub load: Signal<In, Bit>,
            pub weight_in: Signal<In, Bits<BUS_BITS>>,
            pub weight_out: Signal<Out, Bits<BUS_BITS>>,
            pub off_pos: Signal<In, Bits<SHIFT_BITS>>,
            pub off_neg: Signal<In, Bits<SHIFT_BITS>>,
            pub sum_out: Vec<Signal<Out, Bits<ACC>>>,
            pub valid_out: Signal<Out, Bit>,
            /// Activation codes of the optional requantizer, one per output channel (none without it).
            pub code_out: Vec<Signal<Out, Bits<CODE_OUT_BITS>>>,
            pub convs: Vec<$conv<ACC, AW>>,
            lane_in: Vec<Signal<Local, Bits<BUS_BITS>>>,
            lane_shift: Vec<Constant<Bits<BUS_BITS>>>,
            pub requant: Vec<Requantizer<ACC>>,
            sum_q: Vec<DFF<Bits<ACC>>>,
            valid_q: DFF<Bit>,
            acc_mask: Constant<Bits<ACC>>,
            acc_sign: Constant<Bits<ACC>>,
            acc_ext: Constant<Bits<ACC>>,
            raw: Vec<Signal<Local, Bits<ACC>>>,
        }

        impl<const ACC: usize, const AW: usize> $engine<ACC, AW> {
            /// `pm >= 1` clusters of `pn >= 1` convolvers of size k for lines of `width` pixels; with
            /// `thresholds`, a requantizer per output channel.
            pub fn new(pm: usize, pn: usize, k: usize, width: usize, w: Widths, thresholds: Option<&[i64]>) -> Self {
                assert!(pm >= 1 && pn >= 1, "an engine needs at least one cluster of one convolver");
                Self {
                    clock: Default::default(),
                    reset: Default::default(),
                    valid_in: Default::default(),
                    clear: Default::default(),
                    last: Default::default(),
                    pixel_in: (0..pn).map(|_| Default::default()).collect(),
                    load: Default::default(),
                    weight_in: Default::default(),
                    weight_out: Default::default(),
                    off_pos: Default::default(),
                    off_neg: Default::default(),
                    sum_out: (0..pm).map(|_| Default::default()).collect(),
                    valid_out: Default::default(),
                    code_out: (0..pm).filter(|_| thresholds.is_some()).map(|_| Default::default()).collect(),
                    convs: (0..pm * pn).map(|_| $conv::new(k, width, w)).collect(),
                    lane_in: (0..$crate::conv::weight_lanes(w.code, pn, pm)).map(|_| Default::default()).collect(),
                    lane_shift: (0..$crate::conv::weight_lanes(w.code, pn, pm))
                        .map(|g| Constant::new(Bits::<BUS_BITS>::from((g * w.code) as u64)))
                        .collect(),
                    requant: thresholds.map_or_else(Vec::new, |t| (0..pm).map(|_| Requantizer::new(t)).collect()),
                    sum_q: (0..pm).map(|_| Default::default()).collect(),
                    valid_q: Default::default(),
                    acc_mask: Constant::new(low_mask(w.acc)),
                    acc_sign: Constant::new(bit(w.acc - 1)),
                    acc_ext: Constant::new(high_mask(w.acc)),
                    raw: (0..pm).map(|_| Default::default()).collect(),
                }
            }
        }

        impl<const ACC: usize, const AW: usize> Logic for $engine<ACC, AW> {
            #[hdl_gen]
            fn update(&mut self) {
                dff_setup!(self, clock, valid_q);
                for c in 0..self.convs.len() {
                    self.convs[c].clock.next = self.clock.val();
                    self.convs[c].valid_in.next = self.valid_in.val();
                    self.convs[c].reset.next = self.reset.val();
                    self.convs[c].clear.next = self.clear.val();
                    self.convs[c].last.next = self.last.val();
                    self.convs[c].load.next = self.load.val();
                    self.convs[c].off_pos.next = self.off_pos.val();
                    self.convs[c].off_neg.next = self.off_neg.val();
                }
                // Weight lanes: lane g is weight_in shifted down by g codes (each PE keeps the low n bits), and
                // chains through convolvers g, g + L, g + 2L, ...
                for g in 0..self.lane_in.len() {
                    self.lane_in[g].next = self.weight_in.val() >> self.lane_shift[g].val();
                }
                #[allow(unused_parens)] // rust-hdl pastes the bound before `.into()`
                for lanes in self.lane_in.len()..(self.lane_in.len() + 1) {
                    for c in 0..self.lane_in.len() {
                        self.convs[c].weight_in.next = self.lane_in[c].val();
                    }
                    for c in self.lane_in.len()..self.convs.len() {
                        self.convs[c].weight_in.next = self.convs[c - lanes].weight_out.val();
                    }
                }
                for c in 0..self.convs.len() {
                    self.weight_out.next = self.convs[c].weight_out.val();
                }
                // Cluster i: convolver j takes input channel j; the Pn window sums are added, reduced to ACC bits,
                // sign-extended and registered.
                #[allow(unused_parens)] // rust-hdl pastes the bound before `.into()`
                for pn in self.pixel_in.len()..(self.pixel_in.len() + 1) {
                    for i in 0..self.sum_q.len() {
                        self.sum_q[i].clock.next = self.clock.val();
                        self.raw[i].next = 0.into();
                        for j in 0..self.pixel_in.len() {
                            self.convs[i * pn + j].pixel_in.next = self.pixel_in[j].val();
                            self.raw[i].next = self.raw[i].val() + self.convs[i * pn + j].sum_out.val();
                        }
                        self.sum_q[i].d.next = self.raw[i].val() & self.acc_mask.val();
                        if (self.raw[i].val() & self.acc_sign.val()) != 0 {
                            self.sum_q[i].d.next = (self.raw[i].val() & self.acc_mask.val()) | self.acc_ext.val();
                        }
                        self.sum_out[i].next = self.sum_q[i].q.val();
                    }
                }
                for i in 0..self.requant.len() {
                    self.requant[i].sum_in.next = self.sum_q[i].q.val();
                    self.code_out[i].next = self.requant[i].code_out.val();
                }
                self.valid_q.d.next = self.convs[0].valid_out.val() & !self.reset.val();
                self.valid_out.next = self.valid_q.q.val();
            }
        }
    };
}
