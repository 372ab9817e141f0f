//! A design-space sweep: PE kind × code bits × k × Pn × Pm × target, as a list of independent synthesis jobs.
//!
//! The job list is JSON lines (one job per line: its id, target, the design as TOML text, and the `nbq synth`
//! command that runs it), so an existing batch system can spread it across machines; `nbq sweep` also runs it
//! here on a bounded pool of threads.

use nbq_rtl::config::RawDesign;
use nbq_rtl::{DesignConfig, PeKind};
use serde::Serialize;

use crate::error::FlowError;
use crate::pool::{pool, Job as PoolJob};
use crate::report::Report;
use crate::target::{synthesize, Target};

/// The axes of a sweep.
#[derive(Debug, Clone)]
pub struct Spec {
    pub pes: Vec<PeKind>,
    /// Code bits of shift designs.
    pub bits: Vec<usize>,
    pub ks: Vec<usize>,
    pub pns: Vec<usize>,
    pub pms: Vec<usize>,
    pub targets: Vec<Target>,
    pub image_width: usize,
    pub act_bits: usize,
}

/// One synthesis job.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: String,
    pub target: Target,
    /// The design file's text.
    pub design: String,
    /// The command that runs this job (from a folder holding `<id>.toml`).
    pub command: String,
}

impl Job {
    /// The job as one line of JSON.
    pub fn json_line(&self) -> Result<String, FlowError> {
        serde_json::to_string(self).map_err(|source| FlowError::Json { what: format!("sweep job {}", self.id), source })
    }
}

/// The design of a `k`×`k` array of `pe`s (`bits`-bit codes for the shift PE) on `width`-pixel lines of
/// `act`-bit pixels, with `shape` = (Pn, Pm).
pub fn design(
    name: &str,
    pe: PeKind,
    bits: Option<usize>,
    k: usize,
    width: usize,
    act: usize,
    shape: (usize, usize),
) -> RawDesign {
    let raw = RawDesign::new(name, pe, k, width, act).shape(shape.0, shape.1);
    match bits {
        Some(n) => raw.code_bits(n),
        None => raw,
    }
}

/// Most jobs one sweep expands to.
pub const MAX_JOBS: usize = 10_000;

/// Every job of `spec`, each design validated; more than [`MAX_JOBS`] is refused from the axes' lengths before
/// any job is built. The Alchitry Cu and ULX3S flows place one convolver (their board top), so for those targets
/// the Pn and Pm axes collapse to (1, 1).
pub fn expand(spec: &Spec) -> Result<Vec<Job>, FlowError> {
    let kinds: Vec<(PeKind, Option<usize>)> = spec
        .pes
        .iter()
        .flat_map(|&pe| match pe {
            PeKind::Shift => spec.bits.iter().map(|&n| (pe, Some(n))).collect::<Vec<_>>(),
            PeKind::Mul => vec![(pe, None)],
        })
        .collect();
    let shapes = |t: Target| -> Vec<(usize, usize)> {
        match t {
            Target::AlchitryCu | Target::Ecp5Ulx3s => vec![(1, 1)],
            Target::Zcu102 => spec.pns.iter().flat_map(|&pn| spec.pms.iter().map(move |&pm| (pn, pm))).collect(),
        }
    };
    // The job count from the axes' lengths alone, refused before any job is built.
    let per_point: usize = spec
        .targets
        .iter()
        .map(|&t| match t {
            Target::AlchitryCu | Target::Ecp5Ulx3s => 1,
            Target::Zcu102 => spec.pns.len().saturating_mul(spec.pms.len()),
        })
        .fold(0, usize::saturating_add);
    let count = kinds.len().saturating_mul(spec.ks.len()).saturating_mul(per_point);
    if count > MAX_JOBS {
        return Err(FlowError::Job(format!(
            "the sweep expands to {count} jobs ({} PE kinds and code widths × {} kernel sizes × {per_point} shapes \
             and targets); a sweep has at most {MAX_JOBS} jobs: split it, or give fewer values per axis",
            kinds.len(),
            spec.ks.len()
        )));
    }
    let points = kinds
        .iter()
        .flat_map(|&kind| spec.ks.iter().flat_map(move |&k| spec.targets.iter().map(move |&t| (kind, k, t))));
    let mut jobs: Vec<Job> = Vec::new();
    for ((pe, b), k, t) in points {
        for (pn, pm) in shapes(t) {
            let tag = b.map_or_else(|| "vpe".to_string(), |n| format!("svpe_n{n}"));
            let id = format!("{tag}_k{k}_pn{pn}_pm{pm}");
            // Repeated axis values give the same job once.
            if jobs.iter().any(|j| j.id == id && j.target == t) {
                continue;
            }
            let raw = design(&id, pe, b, k, spec.image_width, spec.act_bits, (pn, pm));
            DesignConfig::new(raw.clone(), &format!("sweep job {id}"))?;
            let design = raw.to_toml();
            let command = format!("nbq synth -c {id}.toml -t {} -o {id}-{}", t.name(), t.name());
            jobs.push(Job { id, target: t, design, command });
        }
    }
    Ok(jobs)
}

/// A job's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub id: String,
    pub target: Target,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Runs every job on at most `workers` threads; a failing job (a design that does not fit, say) is recorded
/// with its error and the others go on.
pub fn run(jobs: &[Job], workers: usize, done: &(dyn Fn(&str, usize) + Sync)) -> Result<Vec<Outcome>, FlowError> {
    let work: Vec<PoolJob<'_, Outcome>> = jobs
        .iter()
        .map(|j| {
            let label = format!("{} on {}", j.id, j.target.name());
            let f = move || {
                let r = DesignConfig::from_toml(&j.design, &j.id)
                    .map_err(|e| e.to_string())
                    .and_then(|c| synthesize(&c, j.target, &[], &mut |_| {}).map_err(|e| e.to_string()));
                Ok(match r {
                    Ok((report, _)) => {
                        Outcome { id: j.id.clone(), target: j.target, report: Some(report), error: None }
                    }
                    Err(e) => Outcome { id: j.id.clone(), target: j.target, report: None, error: Some(e) },
                })
            };
            (label, Box::new(f) as Box<dyn FnOnce() -> Result<Outcome, FlowError> + Send>)
        })
        .collect();
    pool(work, workers, done)
}

/// A Markdown table of the outcomes.
pub fn markdown(outcomes: &[Outcome]) -> String {
    let mut s = String::from(
        "| design | target | LUT/LC | FF | carry | DSP | BRAM | Fmax (MHz) | note |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for o in outcomes {
        match (&o.report, &o.error) {
            (Some(r), _) => {
                let u = r.used;
                let f = r.fmax_mhz.map_or("-".into(), |f| format!("{f:.1}"));
                s += &format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {f} | |\n",
                    o.id,
                    o.target.name(),
                    u.lut,
                    u.ff,
                    u.carry,
                    u.dsp,
                    u.bram
                );
            }
            (None, e) => {
                let e = e.as_deref().unwrap_or_default().lines().next().unwrap_or_default().replace('|', "/");
                s += &format!("| {} | {} | | | | | | | {e} |\n", o.id, o.target.name());
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec {
            pes: vec![PeKind::Shift, PeKind::Mul],
            bits: vec![2, 3],
            ks: vec![3],
            pns: vec![1, 2],
            pms: vec![1],
            targets: vec![Target::Zcu102, Target::AlchitryCu],
            image_width: 16,
            act_bits: 8,
        }
    }

    #[test]
    fn the_cross_product_is_expanded_and_alchitry_jobs_collapse_to_one_convolver() {
        let jobs = expand(&spec()).unwrap();
        // (2 shift widths + 1 mul) × (2 ZCU102 shapes + 1 Alchitry Cu convolver).
        assert_eq!(jobs.len(), 9);
        let line = jobs[0].json_line().unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["id"], "svpe_n2_k3_pn1_pm1");
        assert_eq!(v["target"], "zcu102");
        assert!(v["command"].as_str().unwrap().starts_with("nbq synth -c svpe_n2_k3_pn1_pm1.toml -t zcu102"));
        assert!(jobs.iter().filter(|j| j.target == Target::AlchitryCu).all(|j| j.id.ends_with("pn1_pm1")));
    }

    #[test]
    fn bad_axes_are_named() {
        let mut s = spec();
        s.ks = vec![9];
        assert!(expand(&s).unwrap_err().to_string().contains("svpe_n2_k9"));
    }

    #[test]
    fn a_sweep_of_millions_of_jobs_is_refused_from_the_axes_alone() {
        let mut s = spec();
        s.pns = (1..=64).collect();
        s.pms = (1..=256).collect();
        s.ks = (1..=7).collect();
        s.bits = (1..=8).collect();
        // (8 widths + 1 mul) × 7 k × (64 × 256 ZCU102 shapes + 1 Cu).
        let e = expand(&s).unwrap_err().to_string();
        assert!(e.contains("expands to 1032255 jobs") && e.contains("at most 10000"), "{e}");
    }
}
