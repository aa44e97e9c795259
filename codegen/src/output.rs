//! Writes generated files: all rendered in memory first, then each written to a
//! temporary file beside its target and renamed over it, so a failure never
//! leaves a half-written file; files whose content is unchanged are not touched.

use std::path::{Path, PathBuf};

use crate::error::{CodegenError, Result};
use crate::render::GeneratedFile;

/// What [`write_files`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or replaced.
    pub written: Vec<PathBuf>,
    /// Files already up to date.
    pub unchanged: Vec<PathBuf>,
}

/// Writes `files` under `dir`, creating it if needed.
pub fn write_files(dir: &Path, files: &[GeneratedFile]) -> Result<WriteReport> {
    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |source| CodegenError::Write { path, source }
    };
    let mut report = WriteReport::default();
    let mut staged = Vec::new();
    for file in files {
        let target = dir.join(&file.path);
        if std::fs::read(&target).is_ok_and(|old| old == file.contents.as_bytes()) {
            report.unchanged.push(target);
            continue;
        }
        let parent = target.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(write_error(parent))?;
        let mut temp = tempfile::Builder::new()
            .prefix(".codegen-")
            .suffix(".tmp")
            .tempfile_in(parent)
            .map_err(write_error(parent))?;
        std::io::Write::write_all(&mut temp, file.contents.as_bytes())
            .map_err(write_error(&target))?;
        // Temporary files are private (0600); generated sources are ordinary files.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            temp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(write_error(&target))?;
        }
        staged.push((temp, target));
    }
    // Rename only once every file is staged: an error above leaves the old set intact.
    for (temp, target) in staged {
        temp.persist(&target).map_err(|e| CodegenError::Write {
            path: target.clone(),
            source: e.error,
        })?;
        report.written.push(target);
    }
    Ok(report)
}

/// One way a file on disk differs from what would be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The file does not exist.
    Missing(PathBuf),
    /// The file exists with other contents; `line` is the first differing line (1-based).
    Changed {
        /// The file.
        path: PathBuf,
        /// First line that differs.
        line: usize,
    },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing(p) => write!(f, "{}: missing", p.display()),
            Drift::Changed { path, line } => {
                write!(f, "{}: differs from line {line}", path.display())
            }
        }
    }
}

/// Compares `files` with what is on disk under `dir`; empty when up to date.
pub fn check_files(dir: &Path, files: &[GeneratedFile]) -> Vec<Drift> {
    let mut drift = Vec::new();
    for file in files {
        let target = dir.join(&file.path);
        match std::fs::read_to_string(&target) {
            Err(_) => drift.push(Drift::Missing(target)),
            Ok(old) if old != file.contents => {
                let line = old
                    .lines()
                    .zip(file.contents.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| old.lines().count().min(file.contents.lines().count()))
                    + 1;
                drift.push(Drift::Changed { path: target, line });
            }
            Ok(_) => {}
        }
    }
    drift
}
