//! Atomic output: a folder of files appears complete or not at all, and nothing the user named is deleted.
//!
//! Temporary files and staging folders are hidden siblings of their target (`.NAME.nbq-tmp-PID-XXXXXX`, named
//! and created by `tempfile`, cleaned up after interrupted runs by [`crate::scratch`]), so the final step is a
//! rename within one filesystem.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::{Builder, TempDir};

use crate::error::{QuantError, Result};

/// Writes one file atomically (temporary sibling, fsync, rename).
pub fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    let parent = parent_of(path);
    fs::create_dir_all(&parent).map_err(|e| QuantError::io("cannot create folder", &parent, e))?;
    let prefix = tmp_prefix(path);
    let mut builder = Builder::new();
    builder.prefix(&prefix);
    // Like `File::create`: the umask decides, not tempfile's private 0o600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    // On any error the temporary file is dropped, which deletes it.
    let mut tmp = builder.tempfile_in(&parent).map_err(|e| QuantError::io("cannot write", path, e))?;
    tmp.write_all(contents)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| QuantError::io("cannot write", path, e))?;
    tmp.persist(path).map_err(|e| QuantError::io("cannot write", path, e.error))?;
    Ok(())
}

/// Checks, before any long work, that [`write_folder`] can write `out`: it is a folder or missing, empty unless
/// `replace`, and a staging folder can be created next to it. Returns whether `out` exists and is non-empty.
pub fn check_destination(out: &Path, replace: bool) -> Result<bool> {
    check_folder(&output_folder(out)?, replace)
}

/// [`check_destination`] of a folder [`output_folder`] has resolved.
fn check_folder(out: &Path, replace: bool) -> Result<bool> {
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
    let probe = staging_dir(&parent, out).map_err(|e| QuantError::io("cannot create a folder in", &parent, e))?;
    let _ = probe.close();
    Ok(existing_nonempty)
}

/// Writes `files` (plain names) into folder `out`. A fresh staging folder next to `out` receives everything first;
/// then it is renamed to `out` (when `out` is missing or empty), or, with `replace`, each file is renamed into an
/// existing non-empty `out`. Without `replace`, a non-empty `out` is refused; with it, a file of the same name
/// that nbq did not write there (not in [`OWNED`], which lists every name written) is refused. On failure the
/// staging folder is removed and `out` is untouched.
pub fn write_folder(out: &Path, files: &[(String, Vec<u8>)], replace: bool) -> Result<()> {
    let out = &output_folder(out)?;
    let existing_nonempty = check_folder(out, replace)?;
    let mut owned = if existing_nonempty { owned_names(out)? } else { Vec::new() };
    if existing_nonempty {
        if let Some((name, _)) =
            files.iter().find(|(n, _)| fs::symlink_metadata(out.join(n)).is_ok() && !owned.contains(n))
        {
            return Err(QuantError::Output {
                path: out.to_path_buf(),
                why: format!(
                    "holds '{name}', which nbq did not write (it is not listed in {OWNED}); --force replaces only \
                     nbq's own files, so move it away or choose another folder"
                ),
            });
        }
    }
    owned.extend(files.iter().map(|(n, _)| n.clone()));
    owned.sort();
    owned.dedup();
    let list: String = owned.iter().map(|n| format!("{n}\n")).collect();
    let parent = parent_of(out);
    fs::create_dir_all(&parent).map_err(|e| QuantError::io("cannot create folder", &parent, e))?;
    // Dropping `staging` before it is moved into place removes it and only it: it holds nothing but our files.
    let staging = staging_dir(&parent, out).map_err(|e| QuantError::io("cannot create staging folder", &parent, e))?;
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .chain(std::iter::once((OWNED, list.as_bytes())))
        .collect();
    for &(name, contents) in &files {
        let p = staging.path().join(name);
        let mut f = fs::File::create(&p).map_err(|e| QuantError::io("cannot create", &p, e))?;
        f.write_all(contents).and_then(|_| f.sync_all()).map_err(|e| QuantError::io("cannot write", &p, e))?;
    }
    if existing_nonempty {
        for &(name, _) in &files {
            let (from, to) = (staging.path().join(name), out.join(name));
            fs::rename(&from, &to).map_err(|e| QuantError::io("cannot move into place", &to, e))?;
        }
        let path = staging.path().to_path_buf();
        staging.close().map_err(|e| QuantError::io("cannot remove staging folder", path, e))
    } else {
        // rename(2) replaces an empty folder; a missing one is created.
        // After the rename nothing is left at the staging path, so dropping `staging` removes nothing.
        fs::rename(staging.path(), out).map_err(|e| QuantError::io("cannot move output into place", out, e))
    }
}

/// The folder an output path names: a symbolic link is followed to its target (a dangling one is refused), and
/// the root folder and the home folder are refused whatever the flags, as nbq's outputs need a folder of their
/// own.
pub fn output_folder(out: &Path) -> Result<PathBuf> {
    let out_err = |why: String| QuantError::Output { path: out.to_path_buf(), why };
    let target = match fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => match fs::canonicalize(out) {
            Ok(t) => t,
            Err(_) => {
                let to = fs::read_link(out).map(|t| t.display().to_string()).unwrap_or_else(|_| "?".into());
                return Err(out_err(format!(
                    "is a symbolic link to '{to}', which does not exist; create that folder or name another"
                )));
            }
        },
        _ => out.to_path_buf(),
    };
    let canon = fs::canonicalize(&target).unwrap_or_else(|_| target.clone());
    let home = std::env::var_os("HOME").map(PathBuf::from).and_then(|h| fs::canonicalize(h).ok());
    if canon.parent().is_none() || home.as_deref() == Some(canon.as_path()) {
        let which = if canon.parent().is_none() { "the root folder" } else { "your home folder" };
        return Err(out_err(format!(
            "is {which}; nbq writes its outputs into a folder of their own, so name a new one (such as ./out)"
        )));
    }
    Ok(target)
}

/// The file in each output folder that lists, one per line, the names nbq wrote there: with `replace`, nbq
/// overwrites only those, never a file of the user's that happens to have the same name.
pub const OWNED: &str = ".nbq-files";

/// The names [`OWNED`] lists in `out` (none when it is missing).
fn owned_names(out: &Path) -> Result<Vec<String>> {
    let p = out.join(OWNED);
    match fs::read_to_string(&p) {
        Ok(text) => Ok(text.lines().filter(|l| !l.is_empty()).map(str::to_string).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(QuantError::io("cannot read", p, e)),
    }
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The hidden name prefix of `target`'s temporary siblings, `.NAME.nbq-tmp-PID-` ([`crate::scratch`]); the
/// folder they are made in is remembered, so that an interrupted run removes them and stale ones go.
fn tmp_prefix(target: &Path) -> String {
    crate::scratch::remember(&parent_of(target));
    let base = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    crate::scratch::prefix(&base)
}

/// A fresh, empty, hidden staging folder in `dir` for `target`, removed when dropped.
fn staging_dir(dir: &Path, target: &Path) -> std::io::Result<TempDir> {
    Builder::new().prefix(&tmp_prefix(target)).tempdir_in(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlinked_output_folder_is_followed_and_a_dangling_one_is_named() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real");
        fs::create_dir(&real).unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_folder(&link, &[("a".into(), b"1".to_vec())], false).unwrap();
        assert_eq!(fs::read(real.join("a")).unwrap(), b"1");
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        let dangling = d.path().join("dangling");
        std::os::unix::fs::symlink(d.path().join("nowhere"), &dangling).unwrap();
        let e = write_folder(&dangling, &[("a".into(), b"1".to_vec())], true).unwrap_err().to_string();
        assert!(e.contains("is a symbolic link to") && e.contains("nowhere") && e.contains("does not exist"), "{e}");
        assert!(!d.path().join("nowhere").exists());
    }

    #[test]
    fn the_root_and_home_folders_are_refused_even_with_replace() {
        let e = check_destination(Path::new("/"), true).unwrap_err().to_string();
        assert!(e.contains("'/' is the root folder"), "{e}");
        if let Some(home) = std::env::var_os("HOME") {
            let e = check_destination(Path::new(&home), true).unwrap_err().to_string();
            assert!(e.contains("is your home folder"), "{e}");
        }
    }

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
    fn replace_overwrites_only_files_nbq_wrote() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("o");
        write_folder(&out, &[("report.md".into(), b"nbq 1".to_vec())], false).unwrap();
        assert_eq!(fs::read_to_string(out.join(OWNED)).unwrap(), "report.md\n");
        // The user adds a file named like one nbq writes in other runs.
        fs::write(out.join("params.json"), "the user's").unwrap();
        let files = [("report.md".to_string(), b"nbq 2".to_vec()), ("params.json".to_string(), b"nbq".to_vec())];
        let e = write_folder(&out, &files, true).unwrap_err().to_string();
        assert!(e.contains("holds 'params.json', which nbq did not write") && e.contains(OWNED), "{e}");
        assert_eq!(fs::read_to_string(out.join("params.json")).unwrap(), "the user's");
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "nbq 1", "nothing replaced");
        // nbq's own file is replaced, and a new name is added to the list.
        write_folder(&out, &[files[0].clone(), ("codes.hex".into(), b"0".to_vec())], true).unwrap();
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "nbq 2");
        assert_eq!(fs::read_to_string(out.join(OWNED)).unwrap(), "codes.hex\nreport.md\n");
        assert_eq!(fs::read_to_string(out.join("params.json")).unwrap(), "the user's");
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

    #[test]
    fn write_file_replaces_leaves_no_temporary_and_gets_the_modes_of_plain_creation() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.bin");
        write_file(&p, b"one").unwrap();
        write_file(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1, "no temporary file left behind");
        let out = d.path().join("o");
        write_folder(&out, &[("a".into(), b"1".to_vec())], false).unwrap();
        #[cfg(unix)]
        {
            // The umask decides, as for `File::create` and `create_dir`, not tempfile's private 0o600 / 0o700.
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            fs::File::create(d.path().join("plain")).unwrap();
            fs::create_dir(d.path().join("plain-dir")).unwrap();
            assert_eq!(mode(&p), mode(&d.path().join("plain")));
            assert_eq!(mode(&out.join("a")), mode(&d.path().join("plain")));
            assert_eq!(mode(&out), mode(&d.path().join("plain-dir")));
        }
    }
}
