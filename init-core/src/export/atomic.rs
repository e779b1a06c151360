//! Atomic saves: every file this module writes goes through [`write_atomic`].
//!
//! The bytes are written to a temporary file in the target's own directory, named uniquely
//! per call (`.{name}.{pid}.{n}.tmp`, `n` a process-wide counter, created exclusively), then
//! flushed and fsynced, given the permissions of the file they replace, and renamed over the
//! target; on unix the directory is fsynced after the rename. A target that is a symbolic link
//! is written through: the temporary is made next to the file the link points to, and the link
//! is kept. On every error the temporary is removed and the target is as before, so a reader
//! sees the old file or the new one, never a mix; two saves to one path at once each either
//! win whole or fail.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Writes the file at `path` atomically (see the module documentation): `write` fills the
/// temporary, whose I/O errors, like those of creating, syncing and renaming it, are
/// [`ErrorKind::Io`](crate::ErrorKind::Io) errors naming `path`.
pub(crate) fn write_atomic(
    path: &Path,
    context: &'static str,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), InitError>,
) -> Result<(), InitError> {
    let io = |e: std::io::Error| io_error(context, path, e);
    let target = resolve(path).map_err(io)?;
    let (tmp, file) = create_temporary(&target).map_err(io)?;
    let result = fill(&target, file, context, path, write).and_then(|()| {
        std::fs::rename(&tmp, &target).map_err(io)?;
        sync_directory(&target);
        Ok(())
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes, flushes and fsyncs the temporary, with the permissions of the file it replaces.
fn fill(
    target: &Path,
    file: File,
    context: &'static str,
    path: &Path,
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
    file.sync_all().map_err(io)
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
