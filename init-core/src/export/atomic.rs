//! Atomic saves: every file this module writes goes through [`write_atomic`].
//!
//! The bytes are written to a temporary file in the target's own directory, named uniquely
//! per call (`.{name}.{pid}.{n}.tmp`, `n` a process-wide counter, created exclusively), then
//! flushed, given the permissions of the file they replace, and renamed over the target. A
//! target that is a symbolic link is written through: the temporary is made next to the file
//! the link points to, and the link is kept. On every error the temporary is removed and the
//! target is as before, so a reader sees the old file or the new one, never a mix; two saves to
//! one path at once each either win whole or fail.
//!
//! A durable save ([`SaveOptions::durable`]) also fsyncs the temporary before the rename and,
//! on unix, the directory after it: once it returns, the new file survives a power cut. Without
//! it (the default, as `torch.save`, `safetensors.torch.save_file` and `numpy.savez` do) the
//! kernel writes the file back when it chooses. The replacement stays atomic for every process
//! and against a crash of ours; after a power cut or a kernel crash the target may be the old
//! file, the new one, or, on a file system that does not order the data before the rename, an
//! incomplete one (ext4, with its default `auto_da_alloc`, writes a file renamed over another to
//! disk before the rename is committed).
//!
//! A process killed mid-save (`kill -9`, a power cut) leaves its temporary behind. On Linux a
//! save that succeeds then removes the temporaries of its target left by dead processes
//! ([`remove_stale_temporaries`]): named `.{name}.{pid}.{n}.tmp` for this target, of a pid that
//! is no running process, and not modified for [`STALE_AFTER`]. The age is what keeps a save in
//! progress safe where the pid check cannot see its process (another PID namespace or host
//! sharing the directory): a temporary is written continuously until it is renamed.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::SaveOptions;
use super::tensors::io_error;
use crate::error::InitError;

/// How many links [`resolve`] follows before giving up (Linux's limit).
const MAX_LINKS: usize = 40;

/// The file `path` names: `path` itself, or what its chain of symbolic links ends at (which
/// need not exist yet).
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links"
    )))
}

/// The temporary's counter, shared by every thread of the process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new temporary file next to `target`, created exclusively (a name left by a killed process
/// is skipped, not reused).
fn create_temporary(target: &Path) -> std::io::Result<(PathBuf, File)> {
    let name = target.file_name().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file")
    })?;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.{n}.tmp", std::process::id()));
        let tmp = target.with_file_name(tmp_name);
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// How long a dead process's temporary must have gone unmodified before a save removes it.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// The pid in `file`, a file name, when it is the name of a temporary of the target named
/// `name` (`.{name}.{pid}.{n}.tmp`, both numbers in decimal digits).
fn temporary_pid(file: &str, name: &str) -> Option<u32> {
    let rest = file
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?;
    let (pid, n) = rest.strip_suffix(".tmp")?.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(pid) || !digits(n) {
        return None;
    }
    pid.parse().ok()
}

/// Removes the temporaries of `target` that killed saves left behind (see the module
/// documentation): a regular file named `.{name}.{pid}.{n}.tmp` next to `target`, of a pid
/// that is not this process and has no `/proc/{pid}`, last modified [`STALE_AFTER`] ago or
/// more. Linux only (elsewhere nothing: no safe way to ask whether a pid runs), and only where
/// `/proc` is mounted. Best effort: a file that cannot be read or removed is left.
fn remove_stale_temporaries(target: &Path) {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self").exists() {
        return;
    }
    let Some(name) = target.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file.to_str().and_then(|f| temporary_pid(f, name)) else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if meta.is_file() && old {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Writes the file at `path` atomically, and durably when `options` say so (see the module
/// documentation): `write` fills the temporary, whose I/O errors, like those of creating,
/// syncing and renaming it, are [`ErrorKind::Io`](crate::ErrorKind::Io) errors naming `path`.
pub(crate) fn write_atomic(
    path: &Path,
    context: &'static str,
    options: SaveOptions,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), InitError>,
) -> Result<(), InitError> {
    let io = |e: std::io::Error| io_error(context, path, e);
    let target = resolve(path).map_err(io)?;
    let (tmp, file) = create_temporary(&target).map_err(io)?;
    let result = fill(&target, file, context, path, options, write).and_then(|()| {
        std::fs::rename(&tmp, &target).map_err(io)?;
        if options.durable {
            sync_directory(&target);
        }
        remove_stale_temporaries(&target);
        Ok(())
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes and flushes the temporary, with the permissions of the file it replaces, and fsyncs
/// it for a durable save.
fn fill(
    target: &Path,
    file: File,
    context: &'static str,
    path: &Path,
    options: SaveOptions,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), InitError>,
) -> Result<(), InitError> {
    let io = |e: std::io::Error| io_error(context, path, e);
    let mut out = BufWriter::new(file);
    write(&mut out)?;
    out.flush().map_err(io)?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    if let Ok(old) = std::fs::metadata(target) {
        file.set_permissions(old.permissions()).map_err(io)?;
    }
    if options.durable {
        file.sync_all().map_err(io)?;
    }
    Ok(())
}

/// Makes the rename durable: fsyncs the directory holding `target` (unix; elsewhere, and on
/// file systems that refuse, nothing).
fn sync_directory(target: &Path) {
    #[cfg(unix)]
    {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = target;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn a_temporary_name_is_recognised_exactly() {
        assert_eq!(temporary_pid(".m.st.123.4.tmp", "m.st"), Some(123));
        for other in [
            ".m.st.123.4.tmp.x",
            "m.st.123.4.tmp",
            ".m.st.123.tmp",
            ".m.st.12a.4.tmp",
            ".m.st.123..tmp",
            ".m.st.123.4.5.tmp",
            ".mm.st.123.4.tmp",
            ".m.st.-1.4.tmp",
        ] {
            assert_eq!(temporary_pid(other, "m.st"), None, "{other}");
        }
        assert_eq!(temporary_pid(".m.st.123.4.tmp", "st"), None);
    }

    /// A save removes what killed saves to its target left, and nothing else.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_save_removes_old_temporaries_of_dead_processes_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("wi-stale-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // a pid that ran and is dead: a child, waited for
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        if Path::new(&format!("/proc/{dead}")).exists() {
            return; // reused already: nothing to test with this pid
        }
        let live = std::os::unix::process::parent_id();
        let mine = std::process::id();
        let hours_ago = SystemTime::now() - Duration::from_secs(2 * 60 * 60);
        let make = |name: &str, modified: SystemTime| {
            let f = File::create(dir.join(name)).unwrap();
            f.set_modified(modified).unwrap();
        };
        let stale = [
            format!(".m.st.{dead}.0.tmp"),
            format!(".m.st.{dead}.17.tmp"),
        ];
        let kept = [
            format!(".m.st.{mine}.999999.tmp"), // this process's: a save in progress
            format!(".m.st.{live}.0.tmp"),      // a running process's
            format!(".other.st.{dead}.0.tmp"),  // another target's
            format!(".m.st.{dead}.0.tmp.keep"), // not a temporary's name
            format!("m.st.{dead}.0.tmp"),       // not hidden: not ours
        ];
        for n in stale.iter().chain(&kept) {
            make(n, hours_ago);
        }
        make(&format!(".m.st.{dead}.1.tmp"), SystemTime::now()); // too recent
        std::fs::create_dir(dir.join(format!(".m.st.{dead}.2.tmp"))).unwrap(); // not a file
        std::os::unix::fs::symlink("/nonexistent", dir.join(format!(".m.st.{dead}.3.tmp")))
            .unwrap();

        let target = dir.join("m.st");
        write_atomic(&target, "save", SaveOptions::default(), |out| {
            out.write_all(b"model")
                .map_err(|e| io_error("save", &target, e))
        })
        .unwrap();

        assert_eq!(std::fs::read(&target).unwrap(), b"model");
        for n in &stale {
            assert!(!dir.join(n).exists(), "{n} was left");
        }
        for n in kept
            .iter()
            .chain(&[format!(".m.st.{dead}.1.tmp"), format!(".m.st.{dead}.2.tmp")])
        {
            assert!(dir.join(n).exists(), "{n} was removed");
        }
        assert!(
            std::fs::symlink_metadata(dir.join(format!(".m.st.{dead}.3.tmp"))).is_ok(),
            "a symbolic link was removed"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
