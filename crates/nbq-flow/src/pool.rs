//! A bounded pool of worker threads for synthesis and simulation jobs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::yosys::FlowError;

/// A labelled unit of work for [`pool`].
pub type Job<'a, T> = (String, Box<dyn FnOnce() -> Result<T, FlowError> + Send + 'a>);

/// Runs `jobs` on at most `workers` threads (results in job order); `done(label, total)` is called as each
/// finishes, `total` being the number of jobs.
pub fn pool<T: Send>(
    jobs: Vec<Job<'_, T>>,
    workers: usize,
    done: &(dyn Fn(&str, usize) + Sync),
) -> Result<Vec<T>, FlowError> {
    let n = jobs.len();
    let queue: Mutex<Vec<Option<Job<'_, T>>>> = Mutex::new(jobs.into_iter().map(Some).collect());
    let results: Mutex<Vec<Option<Result<T, FlowError>>>> = Mutex::new((0..n).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, n.max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    break;
                }
                let job = queue.lock().map(|mut q| q[i].take()).ok().flatten();
                if let Some((label, f)) = job {
                    let r = f();
                    done(&label, n);
                    if let Ok(mut res) = results.lock() {
                        res[i] = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .map_err(|_| FlowError::Job("a worker panicked".into()))?
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(FlowError::Job("a job did not run".into()))))
        .collect()
}

#[cfg(test)]
mod tests {
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
}
