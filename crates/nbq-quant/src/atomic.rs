//! Atomic output: a folder of files appears complete or not at all, and nothing the user named is deleted.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{QuantError, Result};

/// Writes one file atomically (temporary sibling, fsync, rename).
pub fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    let parent = parent_of(path);
    fs::create_dir_all(&parent).map_err(|e| QuantError::io("cannot create folder", &parent, e))?;
    let tmp = tempfile_in(&parent, path)?;
    let res = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        QuantError::io("cannot write", path, e)
    })
}

/// Checks, before any long work, that [`write_folder`] can write `out`: it is a folder or missing, empty unless
/// `replace`, and a staging folder can be created next to it. Returns whether `out` exists and is non-empty.
pub fn check_destination(out: &Path, replace: bool) -> Result<bool> {
    let out_err = |why: String| QuantError::Output { path: out.to_path_buf(), why };
    let existing_nonempty = match fs::read_dir(out) {
        Ok(mut it) => it.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) if out.exists() && !out.is_dir() => return Err(out_err(format!("is not a folder ({e})"))),
        Err(e) => return Err(QuantError::io("cannot read output folder", out, e)),
    };
    if existing_nonempty && !replace {
        return Err(out_err(
            "already exists and is not empty; choose a new folder, or pass --force to replace nbq's files in it".into(),
        ));
    }
    let parent = parent_of(out);
    fs::create_dir_all(&parent).map_err(|e| QuantError::io("cannot create folder", &parent, e))?;
    let probe = tempfile_in(&parent, out)?;
    fs::create_dir(&probe).map_err(|e| QuantError::io("cannot create a folder in", &parent, e))?;
    let _ = fs::remove_dir(&probe);
    Ok(existing_nonempty)
}

/// Writes `files` (plain names) into folder `out`. A fresh staging folder next to `out` receives everything first;
/// then it is renamed to `out` (when `out` is missing or empty), or, with `replace`, each file is renamed into an
/// existing non-empty `out`. Without `replace`, a non-empty `out` is refused. On failure the staging folder is
/// removed and `out` is untouched.
pub fn write_folder(out: &Path, files: &[(String, Vec<u8>)], replace: bool) -> Result<()> {
    let existing_nonempty = check_destination(out, replace)?;
    let parent = parent_of(out);
    fs::create_dir_all(&parent).map_err(|e| QuantError::io("cannot create folder", &parent, e))?;
    let staging = tempfile_in(&parent, out)?;
    let result = (|| -> Result<()> {
        fs::create_dir(&staging).map_err(|e| QuantError::io("cannot create staging folder", &staging, e))?;
        for (name, contents) in files {
            let p = staging.join(name);
            let mut f = fs::File::create(&p).map_err(|e| QuantError::io("cannot create", &p, e))?;
            f.write_all(contents).and_then(|_| f.sync_all()).map_err(|e| QuantError::io("cannot write", &p, e))?;
        }
        if existing_nonempty {
            for (name, _) in files {
                let (from, to) = (staging.join(name), out.join(name));
                fs::rename(&from, &to).map_err(|e| QuantError::io("cannot move into place", &to, e))?;
            }
            fs::remove_dir(&staging).map_err(|e| QuantError::io("cannot remove staging folder", &staging, e))
        } else {
            // rename(2) replaces an empty folder; a missing one is created.
            fs::rename(&staging, out).map_err(|e| QuantError::io("cannot move output into place", out, e))
        }
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A fresh, unused hidden sibling path of `target` (not created).
fn tempfile_in(dir: &Path, target: &Path) -> Result<PathBuf> {
    let base = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    for attempt in 0..1000u32 {
        let p = dir.join(format!(".{base}.nbq-tmp-{}-{nanos}-{attempt}", std::process::id()));
        if !p.exists() {
            return Ok(p);
        }
    }
    Err(QuantError::Output { path: target.to_path_buf(), why: "no free temporary name beside it".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_empty_folder_without_replace_and_keeps_it() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("o");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("mine.txt"), "keep").unwrap();
        let e = write_folder(&out, &[("a".into(), b"1".to_vec())], false).unwrap_err().to_string();
        assert!(e.contains("already exists and is not empty"), "{e}");
        assert_eq!(fs::read_to_string(out.join("mine.txt")).unwrap(), "keep");
        write_folder(&out, &[("a".into(), b"1".to_vec())], true).unwrap();
        assert_eq!(fs::read_to_string(out.join("mine.txt")).unwrap(), "keep");
        assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "1");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1, "no staging folder left behind");
    }

    #[test]
    fn creates_missing_and_fills_empty_folders() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("x/y");
        write_folder(&out, &[("f".into(), b"z".to_vec())], false).unwrap();
        assert_eq!(fs::read(out.join("f")).unwrap(), b"z");
        let empty = d.path().join("e");
        fs::create_dir(&empty).unwrap();
        write_folder(&empty, &[("f".into(), b"q".to_vec())], false).unwrap();
        assert_eq!(fs::read(empty.join("f")).unwrap(), b"q");
    }
}
