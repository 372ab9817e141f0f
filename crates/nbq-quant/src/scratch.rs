//! nbq's temporary files and folders: each is a hidden entry whose name carries the process id
//! (`.nbq-tmp-PID-XXXXXX` in the temporary folder, `.NAME.nbq-tmp-PID-XXXXXX` next to an output), so that
//! * an interrupted run (Ctrl-C, SIGTERM) removes its own on the way out ([`remove_own`], called by the
//!   command line's signal handler), and
//! * a later run removes those of a run that died without cleaning up (SIGKILL, a crash): entries of a process
//!   that no longer exists ([`remove_stale`]).
//!
//! Only names of exactly this form are ever removed, so a user's files are never touched.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tempfile::{Builder, TempDir};

/// The folders where this process has made temporary entries.
static PLACES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

const TAG: &str = "nbq-tmp-";

/// The name prefix of this process's temporary entries for `base` (empty for the temporary folder's).
pub fn prefix(base: &str) -> String {
    if base.is_empty() {
        format!(".{TAG}{}-", std::process::id())
    } else {
        format!(".{base}.{TAG}{}-", std::process::id())
    }
}

/// Notes that this process makes temporary entries in `dir`, and removes stale ones there (once per folder).
pub fn remember(dir: &Path) {
    let dir = dir.to_path_buf();
    let mut places = PLACES.lock().unwrap_or_else(|p| p.into_inner());
    if !places.contains(&dir) {
        remove_stale(&dir);
        places.push(dir);
    }
}

/// A fresh temporary folder in the system's temporary folder, removed when dropped (or by [`remove_own`]).
pub fn tempdir() -> std::io::Result<TempDir> {
    let tmp = std::env::temp_dir();
    remember(&tmp);
    Builder::new().prefix(&prefix("")).tempdir_in(tmp)
}

/// The process id in a temporary entry's name, if the name is one of nbq's.
fn owner(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let rest = &name[name.find(TAG)? + TAG.len()..];
    let (pid, random) = rest.split_once('-')?;
    if random.is_empty() || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

fn remove(path: &Path) {
    let _ = if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
}

/// Removes the temporary entries in `dir` of processes that no longer run (Linux: no `/proc/PID`).
pub fn remove_stale(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = owner(&name) {
            if pid != me && !Path::new("/proc").join(pid.to_string()).exists() {
                remove(&e.path());
            }
        }
    }
}

/// Removes every temporary entry this process made (for a signal handler: it takes no lock that the
/// interrupted code could hold for long, and ignores errors).
pub fn remove_own() {
    let me = std::process::id();
    let places = PLACES.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for dir in places {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            if owner(&e.file_name().to_string_lossy()) == Some(me) {
                remove(&e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_nbq_names_have_an_owner() {
        assert_eq!(owner(".nbq-tmp-123-abc"), Some(123));
        assert_eq!(owner(".out.nbq-tmp-77-x1Y2"), Some(77));
        for name in ["nbq-tmp-123-abc", ".nbq-tmp-12a-x", ".nbq-tmp-123-", ".nbq-tmp--x", "report.md", ".tmpXYZ"] {
            assert_eq!(owner(name), None, "{name}");
        }
    }

    #[test]
    fn stale_entries_of_dead_processes_go_and_everything_else_stays() {
        let d = tempfile::tempdir().unwrap();
        // PID 4194304 is above Linux's largest (2^22), so no such process runs.
        let stale_dir = d.path().join(".out.nbq-tmp-4194304-abc");
        std::fs::create_dir(&stale_dir).unwrap();
        std::fs::write(stale_dir.join("x"), b"1").unwrap();
        let stale_file = d.path().join(".nbq-tmp-4194304-def");
        std::fs::write(&stale_file, b"1").unwrap();
        let live = d.path().join(format!(".out.nbq-tmp-{}-ghi", std::process::id()));
        std::fs::create_dir(&live).unwrap();
        let users = [d.path().join("report.md"), d.path().join(".nbq-tmp-notes")];
        for u in &users {
            std::fs::write(u, b"mine").unwrap();
        }
        remove_stale(d.path());
        assert!(!stale_dir.exists() && !stale_file.exists());
        assert!(live.exists(), "this process's own entry stays until it removes it");
        assert!(users.iter().all(|u| u.exists()), "a user's files are never touched");
        remember(d.path());
        remove_own();
        assert!(!live.exists());
        assert!(users.iter().all(|u| u.exists()));
    }
}
