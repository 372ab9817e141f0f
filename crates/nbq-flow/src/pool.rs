//! A bounded pool of worker threads (rayon) for synthesis and simulation jobs.

use rayon::prelude::*;

use crate::error::FlowError;

/// A labelled unit of work for [`pool`].
pub type Job<'a, T> = (String, Box<dyn FnOnce() -> Result<T, FlowError> + Send + 'a>);

/// Runs `jobs` on at most `workers` threads (results in job order); `done(label, total)` is called as each
/// finishes, `total` being the number of jobs. Every job runs; the first error in job order is returned.
pub fn pool<T: Send>(
    jobs: Vec<Job<'_, T>>,
    workers: usize,
    done: &(dyn Fn(&str, usize) + Sync),
) -> Result<Vec<T>, FlowError> {
    let tasks = Tasks::new(jobs.len(), workers, done)?;
    tasks.install(|| in_job_order(jobs.into_par_iter().map(|(label, f)| tasks.run(&label, f)).collect()))
}

/// Every result in order, or the first error in job order. (Collecting a parallel iterator into a `Result`
/// instead would stop at, and return, whichever error came first in time.)
pub(crate) fn in_job_order<T>(results: Vec<Result<T, FlowError>>) -> Result<Vec<T>, FlowError> {
    results.into_iter().collect()
}

/// A fixed number of labelled jobs, of any result types, run on at most `workers` threads: call
/// [`Tasks::install`] and, inside it, [`Tasks::run`] for each job (joined with `rayon::join` or parallel
/// iterators), which reports it to `done` when it finishes.
pub(crate) struct Tasks<'d> {
    threads: rayon::ThreadPool,
    total: usize,
    done: &'d (dyn Fn(&str, usize) + Sync),
}

impl<'d> Tasks<'d> {
    /// Threads for `total` jobs: `workers`, but at least 1 and at most one per job.
    pub(crate) fn new(total: usize, workers: usize, done: &'d (dyn Fn(&str, usize) + Sync)) -> Result<Self, FlowError> {
        let workers = workers.clamp(1, total.max(1));
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .thread_name(|i| format!("nbq-job-{i}"))
            .build()
            .map_err(|source| FlowError::Workers { workers, source })?;
        Ok(Tasks { threads, total, done })
    }

    /// Runs `f` on the pool's threads: the jobs it runs (and joins) are spread over them.
    pub(crate) fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        self.threads.install(f)
    }

    /// Runs one job on the current thread and reports it done.
    pub(crate) fn run<T>(&self, label: &str, f: impl FnOnce() -> Result<T, FlowError>) -> Result<T, FlowError> {
        let r = f();
        (self.done)(label, self.total);
        r
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn the_pool_runs_every_job_once_in_order() {
        let jobs: Vec<Job<'_, usize>> =
            (0..7usize).map(|i| (format!("job {i}"), Box::new(move || Ok(i * i)) as Box<_>)).collect();
        let seen = Mutex::new(Vec::new());
        let out = pool(jobs, 3, &|l, n| seen.lock().unwrap().push((l.to_string(), n))).unwrap();
        assert_eq!(out, vec![0, 1, 4, 9, 16, 25, 36]);
        assert_eq!(seen.lock().unwrap().len(), 7);
        assert!(seen.lock().unwrap().iter().all(|(_, n)| *n == 7));
        let failing: Vec<Job<'_, usize>> = vec![("bad".into(), Box::new(|| Err(FlowError::Job("boom".into()))))];
        assert!(pool(failing, 2, &|_, _| {}).unwrap_err().to_string().contains("boom"));
    }

    #[test]
    fn every_job_runs_and_the_first_error_in_job_order_is_returned() {
        let jobs: Vec<Job<'_, usize>> = (0..6usize)
            .map(|i| {
                let f = move || if i % 2 == 1 { Err(FlowError::Job(format!("job {i} failed"))) } else { Ok(i) };
                (format!("job {i}"), Box::new(f) as Box<_>)
            })
            .collect();
        let seen = Mutex::new(0);
        let e = pool(jobs, 2, &|_, _| *seen.lock().unwrap() += 1).unwrap_err().to_string();
        assert_eq!(e, "job 1 failed");
        assert_eq!(*seen.lock().unwrap(), 6);
        assert!(pool(Vec::<Job<'_, usize>>::new(), 0, &|_, _| {}).unwrap().is_empty());
    }
}
