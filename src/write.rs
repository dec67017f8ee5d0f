//! Stage 7, write: the only code that writes the output folder. The whole site is written
//! into a fresh folder beside the output and swapped in only when complete, so a failed or
//! interrupted build leaves the previous output as it was.

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Why the output could not be written.
#[derive(Debug)]
pub struct WriteError(pub String);

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for WriteError {}

fn err(msg: String) -> WriteError {
    WriteError(msg)
}

/// Refuses output folders that would destroy something: `/`, the home folder, the
/// content or theme folder or one of their parents.
pub fn check_output_dir(output: &Path, protected: &[&Path]) -> Result<(), WriteError> {
    let out = absolute(output);
    if out.parent().is_none() {
        return Err(err(format!(
            "拒绝使用根目录作为输出目录 (refusing to use {} as the output folder)",
            out.display()
        )));
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
        && absolute(&home) == out
    {
        return Err(err(format!(
            "拒绝使用主目录作为输出目录 (refusing to use the home folder {} as the output folder)",
            out.display()
        )));
    }
    for p in protected {
        let p = absolute(p);
        if p.starts_with(&out) {
            return Err(err(format!(
                "输出目录 {} 包含或等于 {}，构建会覆盖它 (the output folder contains or is {}; choose another)",
                out.display(),
                p.display(),
                p.display()
            )));
        }
    }
    Ok(())
}

/// An absolute, lexically normalised path (no filesystem access needed).
fn absolute(p: &Path) -> PathBuf {
    let base = if p.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().unwrap_or_default()
    };
    let mut out = PathBuf::new();
    for c in base.join(p).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Validates that a rendered path stays inside the output folder.
fn safe_relative(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)))
}

/// A new output tree being written beside the output folder. Files are put into it as
/// they are rendered (from any thread); `commit` swaps it in. Dropped without a commit
/// (an error, a panic), it is removed and the previous output stays as it was.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    files: AtomicUsize,
    bytes: AtomicU64,
    committed: bool,
}

impl Staging {
    /// Creates the staging folder for `output`.
    pub fn create(output: &Path) -> Result<Staging, WriteError> {
        let out = absolute(output);
        let parent = out
            .parent()
            .ok_or_else(|| err("输出目录无上级目录 (the output folder has no parent)".into()))?
            .to_path_buf();
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "output".into());
        fs::create_dir_all(&parent).map_err(|e| {
            err(format!(
                "无法创建 {} (cannot create): {e}",
                parent.display()
            ))
        })?;
        let dir = parent.join(format!(".{name}.new-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir)
                .map_err(|e| err(format!("无法清理 {} (cannot clear): {e}", dir.display())))?;
        }
        fs::create_dir_all(&dir)
            .map_err(|e| err(format!("无法创建 {} (cannot create): {e}", dir.display())))?;
        Ok(Staging {
            dir,
            out,
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            committed: false,
        })
    }

    /// Writes one file of the new tree (`path` relative, `/`-separated).
    pub fn put(&self, path: &str, bytes: &[u8]) -> Result<(), WriteError> {
        if !safe_relative(path) {
            return Err(err(format!(
                "不安全的输出路径 (unsafe output path) {path:?}"
            )));
        }
        let target = self.dir.join(path);
        let write = || -> io::Result<()> {
            if let Some(d) = target.parent() {
                fs::create_dir_all(d)?;
            }
            let mut f = io::BufWriter::new(fs::File::create(&target)?);
            f.write_all(bytes)?;
            f.flush()
        };
        write().map_err(|e| {
            err(format!(
                "写入失败，原输出保持不变 (write failed; the previous output is untouched): {path}: {e}"
            ))
        })?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Swaps the new tree in. Returns the number of files and bytes written.
    pub fn commit(mut self) -> Result<(usize, u64), WriteError> {
        swap(&self.dir, &self.out).map_err(|e| {
            err(format!(
                "无法替换输出目录 {} (could not swap the output folder): {e}",
                self.out.display()
            ))
        })?;
        self.committed = true;
        Ok((
            self.files.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        ))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Replaces `out` by `staging`: the old tree is moved aside, the new one renamed into
/// place (an atomic rename on one filesystem), then the old one removed.
fn swap(staging: &Path, out: &Path) -> io::Result<()> {
    if !out.exists() {
        return fs::rename(staging, out);
    }
    let old = out.with_file_name(format!(
        ".{}.old-{}",
        out.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        std::process::id()
    ));
    if old.exists() {
        fs::remove_dir_all(&old)?;
    }
    fs::rename(out, &old)?;
    if let Err(e) = fs::rename(staging, out) {
        fs::rename(&old, out)?;
        return Err(e);
    }
    fs::remove_dir_all(&old)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_dangerous_outputs() {
        assert!(check_output_dir(Path::new("/"), &[]).is_err());
        assert!(check_output_dir(Path::new("site"), &[Path::new("site/content")]).is_err());
        assert!(check_output_dir(Path::new("site/content"), &[Path::new("site/content")]).is_err());
        assert!(check_output_dir(Path::new("output"), &[Path::new("content")]).is_ok());
    }

    #[test]
    fn paths_stay_inside() {
        assert!(safe_relative("a/b/index.html"));
        assert!(!safe_relative("../x"));
        assert!(!safe_relative("/etc/x"));
        assert!(!safe_relative(""));
    }
}
