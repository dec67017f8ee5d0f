//! Stage 7, write: the only code that writes the output folder. The whole site is written
//! into a fresh folder beside the output and swapped in only when complete, so a failed or
//! interrupted build leaves the previous output as it was. On Linux the swap is one
//! `renameat2(RENAME_EXCHANGE)`: at every instant the output path holds either the whole
//! previous tree or the whole new one, even under `kill -9`.
//!
//! Every file written is listed with its size and SHA-256 in `manifest.json` at the
//! output root (see `crate::manifest`).

use crate::manifest::{Manifest, ManifestEntry};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

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

/// The output folder of one build, resolved once when the build starts: the folder as
/// written (made absolute) and the folder the build replaces, with every link on its
/// way resolved (when the output is a symbolic link, the folder it names; when a folder
/// above it is one, the folder that one names). Every step of the build — the checks,
/// the new tree, the swap, `watch`'s spares and rebuilds — uses this one answer, so
/// that a link re-pointed while a build runs, the output's own or a parent's, cannot
/// split its checks from its writes.
#[derive(Debug, Clone)]
pub struct OutputDir {
    written: PathBuf,
    target: PathBuf,
    /// Whether the output, or a folder above it, is a symbolic link.
    linked: bool,
}

impl OutputDir {
    /// Resolves `output` (reads the links on its path; nothing is created).
    pub fn new(output: &Path) -> OutputDir {
        let written = absolute(output);
        let linked = written.ancestors().any(is_link);
        OutputDir {
            target: real(&resolved(output)),
            written,
            linked,
        }
    }

    /// The folder the build replaces, every link on its way resolved.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// The folder the build replaces, when a link on the output's way leads there
    /// (`None` for an output reached without links, whatever form its path takes).
    pub fn elsewhere(&self) -> Option<&Path> {
        self.linked.then_some(self.target.as_path())
    }
}

/// Refuses output folders that would destroy something: `/`, the home folder, the
/// content or theme folder or one of their parents, a mount point. Paths are compared
/// as written and with their links resolved (an output link that names the content
/// folder, or a folder reached through a linked parent, is refused too).
pub fn check_output_dir(output: &OutputDir, protected: &[&Path]) -> Result<(), WriteError> {
    // Already resolved (`OutputDir::new`): its links are read, so `real` of it is itself.
    let out = &output.target;
    if out.parent().is_none() {
        return Err(err(format!(
            "拒绝使用根目录作为输出目录 (refusing to use {} as the output folder)",
            out.display()
        )));
    }
    let forms = |p: &Path| [absolute(p), real(p)];
    let outs = [&output.written, out];
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
        && forms(&home).iter().any(|h| outs.contains(&h))
    {
        return Err(err(format!(
            "拒绝使用主目录作为输出目录 (refusing to use the home folder {} as the output folder)",
            out.display()
        )));
    }
    for p in protected {
        for (o, p) in outs.iter().flat_map(|o| forms(p).map(|p| (o, p))) {
            if p.starts_with(o) {
                return Err(err(format!(
                    "输出目录 {} 包含或等于 {}，构建会覆盖它 (the output folder contains or is {}; choose another)",
                    out.display(),
                    p.display(),
                    p.display()
                )));
            }
            if o.starts_with(&p) {
                return Err(err(format!(
                    "输出目录 {} 位于 {} 之内，请放到它外面 (the output folder is inside {}; choose one outside it)",
                    out.display(),
                    p.display(),
                    p.display()
                )));
            }
        }
    }
    // A folder above the output that is a link to nothing (an unmounted share, a
    // folder not made yet): refused rather than made, which could put the site on the
    // wrong disk; the new tree could not be made beside the output anyway.
    if let Some(link) = out.ancestors().skip(1).find(|p| is_link(p)) {
        let to = fs::read_link(link).unwrap_or_default();
        return Err(err(format!(
            "输出目录的上级 {} 是指向 {} 的链接，但那里不存在；请先创建它或改正链接 (a folder above the output, {}, is a link to {}, which does not exist: create it or correct the link)",
            link.display(),
            to.display(),
            link.display(),
            to.display()
        )));
    }
    // A mount point cannot be swapped for another folder: refused now, not after the
    // whole build.
    #[cfg(unix)]
    if let (Ok(m), Some(Ok(pm))) = (fs::metadata(out), out.parent().map(fs::metadata)) {
        use std::os::unix::fs::MetadataExt;
        if m.is_dir() && m.dev() != pm.dev() {
            return Err(err(format!(
                "输出目录 {} 是挂载点，构建无法替换它；请用其中的子目录 (the output folder is a mount point, which a build cannot replace; use a folder inside it)",
                out.display()
            )));
        }
    }
    Ok(())
}

/// Files in an existing output folder that gongkai did not write (not listed in its
/// `manifest.json`), sorted. A build replaces the whole folder, so it refuses to run
/// while there are any, unless told to (`build --clean`).
pub fn foreign_files(output: &Path) -> Result<Vec<String>, WriteError> {
    if !output.exists() {
        return Ok(Vec::new());
    }
    if !output.is_dir() {
        return Err(err(format!(
            "输出路径 {} 已存在且不是目录 (the output path exists and is not a folder)",
            output.display()
        )));
    }
    let listed: std::collections::BTreeSet<String> = match Manifest::read(output) {
        Ok(m) => m.files.into_iter().map(|f| f.path).collect(),
        Err(_) => Default::default(),
    };
    let mut foreign = Vec::new();
    for entry in crate::manifest::files_under(output) {
        let (rel, _) = entry.map_err(|e| {
            err(format!(
                "无法读取输出目录 (cannot read the output folder): {e}"
            ))
        })?;
        if !listed.contains(&rel) {
            foreign.push(rel);
        }
    }
    Ok(foreign)
}

/// `path` relative to `root`, `/`-separated.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The output folder as the build replaces it: [`absolute`], and when it is a symbolic
/// link (a web root linked into the project), the folder it points to. The build then
/// swaps that folder and the link stays, rather than the link being swapped for a new
/// folder while the web server goes on serving the old one.
///
/// A link to a folder that does not exist yet names where the site will be built.
fn resolved(output: &Path) -> PathBuf {
    let mut out = absolute(output);
    // A few hops: a chain of links to a missing folder (a loop ends here too, and the
    // build then fails with the file system's own error).
    for _ in 0..8 {
        match fs::symlink_metadata(&out) {
            Ok(m) if m.file_type().is_symlink() => {}
            _ => return out,
        }
        if let Ok(real) = fs::canonicalize(&out) {
            return real;
        }
        match fs::read_link(&out) {
            Ok(target) => {
                // Relative to the folder the link is in, itself reached through links
                // (`..` in the target is then that folder's parent).
                let parent = out.parent().map(real).unwrap_or_default();
                out = absolute(&parent.join(target));
            }
            Err(_) => return out,
        }
    }
    out
}

/// Whether `p` is itself a symbolic link (not followed).
fn is_link(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// `p` with every link resolved as far as it exists on disk (its nearest existing
/// ancestor made canonical, the rest appended), for comparing folders.
fn real(p: &Path) -> PathBuf {
    let whole = absolute(p);
    let mut base = whole.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(mut c) = fs::canonicalize(base) {
            c.extend(rest.iter().rev());
            return c;
        }
        match (base.file_name(), base.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                base = parent;
            }
            _ => return whole,
        }
    }
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

/// Creates `path` for writing, and its folders when they are missing (tried after the
/// file, so that a file in an existing folder costs no extra system call).
fn create_file(path: &Path) -> io::Result<fs::File> {
    with_folders(path, || fs::File::create(path))
}

/// Runs `make`, which creates `path`; when `path`'s folder is missing, creates it and
/// runs `make` again.
fn with_folders<T>(path: &Path, make: impl Fn() -> io::Result<T>) -> io::Result<T> {
    match make() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(d) = path.parent() {
                fs::create_dir_all(d)?;
            }
            make()
        }
        r => r,
    }
}

/// Hard-links `old` to `new` when `old` is a regular file holding exactly `bytes`.
/// Rebuilding a site that mostly did not change then allocates no new files: on a large
/// site, creating files is most of the cost of writing, and deleting the previous tree
/// afterwards only drops links. Any failure (no such file, another file system, no hard
/// links) answers `false` and the caller writes the file.
fn link_if_same(old: &Path, bytes: &[u8], new: &Path) -> bool {
    use std::cell::RefCell;
    use std::io::Read;
    thread_local! {
        static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let Ok(mut f) = options.open(old) else {
        return false;
    };
    match f.metadata() {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {}
        _ => return false,
    }
    let same = BUF.with(|b| {
        let mut buf = b.borrow_mut();
        buf.clear();
        f.read_to_end(&mut buf).is_ok() && buf.as_slice() == bytes
    });
    if !same {
        return false;
    }
    with_folders(new, || fs::hard_link(old, new)).is_ok()
}

fn write_failed(path: &str, e: &io::Error) -> WriteError {
    err(format!(
        "写入失败，原输出保持不变 (write failed; the previous output is untouched): {path}: {e}"
    ))
}

/// A file of the new tree written piece by piece (see [`Staging::append`]).
pub struct Appender {
    path: String,
    file: io::BufWriter<fs::File>,
    hash: sha2::Sha256,
    size: u64,
}

impl Appender {
    /// The SHA-256 state and length of what was appended so far.
    pub fn state(&self) -> (sha2::Sha256, u64) {
        (self.hash.clone(), self.size)
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        sha2::Digest::update(&mut self.hash, bytes);
        self.size += bytes.len() as u64;
        self.file
            .write_all(bytes)
            .map_err(|e| write_failed(&self.path, &e))
    }
}

/// A new output tree being written beside the output folder. Files are put into it as
/// they are rendered (from any thread); `commit` swaps it in. Dropped without a commit
/// (an error, a panic), it is removed and the previous output stays as it was.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    /// The output folder as it is, when there is one: a file whose bytes have not
    /// changed is hard-linked from it rather than written again.
    previous: Option<PathBuf>,
    files: Mutex<Vec<ManifestEntry>>,
    committed: bool,
    /// What earlier builds left beside the output and this one could not remove either.
    warnings: Vec<String>,
    /// Thread time [`Staging::put`] spent hashing, and writing or linking.
    hash_time: crate::ThreadTime,
    write_time: crate::ThreadTime,
}

impl Staging {
    /// Creates the staging folder for `output`.
    pub fn create(output: &OutputDir) -> Result<Staging, WriteError> {
        let out = output.path().to_path_buf();
        let parent = out
            .parent()
            .ok_or_else(|| err("输出目录无上级目录 (the output folder has no parent)".into()))?
            .to_path_buf();
        let name = folder_name(&out);
        fs::create_dir_all(&parent).map_err(|e| {
            err(format!(
                "无法创建 {} (cannot create): {e}",
                parent.display()
            ))
        })?;
        let warnings = remove_leftovers(&parent, &name);
        let dir = unused(&parent, &format!(".{name}.new-{}", std::process::id()));
        fs::create_dir_all(&dir)
            .map_err(|e| err(format!("无法创建 {} (cannot create): {e}", dir.display())))?;
        let previous = out.is_dir().then(|| out.clone());
        Ok(Staging {
            dir,
            out,
            previous,
            files: Mutex::new(Vec::new()),
            committed: false,
            warnings,
            hash_time: crate::ThreadTime::default(),
            write_time: crate::ThreadTime::default(),
        })
    }

    /// Thread time spent so far in [`Staging::put`]: hashing the files, and creating and
    /// writing (or linking) them.
    pub fn times(&self) -> (std::time::Duration, std::time::Duration) {
        (self.hash_time.total(), self.write_time.total())
    }

    /// Writes one file of the new tree (`path` relative, `/`-separated).
    pub fn put(&self, path: &str, bytes: &[u8]) -> Result<(), WriteError> {
        if !safe_relative(path) {
            return Err(err(format!(
                "不安全的输出路径 (unsafe output path) {path:?}"
            )));
        }
        self.write_time.time(|| {
            let target = self.dir.join(path);
            let reused = self
                .previous
                .as_ref()
                .is_some_and(|p| link_if_same(&p.join(path), bytes, &target));
            if reused {
                return Ok(());
            }
            create_file(&target)
                .and_then(|mut f| f.write_all(bytes))
                .map_err(|e| write_failed(path, &e))
        })?;
        let sha256 = self.hash_time.time(|| crate::manifest::sha256_hex(bytes));
        self.register(ManifestEntry {
            path: path.to_string(),
            size: bytes.len() as u64,
            sha256,
        });
        Ok(())
    }

    fn register(&self, entry: ManifestEntry) {
        self.files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(entry);
    }

    /// Opens one file of the new tree to be written piece by piece (a data package table
    /// of a province is over 100 MB: it is never held in memory whole).
    pub fn append(&self, path: &str) -> Result<Appender, WriteError> {
        if !safe_relative(path) {
            return Err(err(format!(
                "不安全的输出路径 (unsafe output path) {path:?}"
            )));
        }
        let file = create_file(&self.dir.join(path)).map_err(|e| write_failed(path, &e))?;
        Ok(Appender {
            path: path.to_string(),
            file: io::BufWriter::with_capacity(1 << 20, file),
            hash: <sha2::Sha256 as sha2::Digest>::new(),
            size: 0,
        })
    }

    /// Completes a file opened with [`Staging::append`]; returns its manifest entry.
    pub fn close(&self, a: Appender) -> Result<ManifestEntry, WriteError> {
        let Appender {
            path,
            mut file,
            hash,
            size,
        } = a;
        file.flush().map_err(|e| write_failed(&path, &e))?;
        let entry = ManifestEntry {
            path,
            size,
            sha256: crate::manifest::hex(&sha2::Digest::finalize(hash)),
        };
        self.register(entry.clone());
        Ok(entry)
    }

    /// Writes `manifest.json` (every file with its size and SHA-256, the gongkai version
    /// and the content's digest) and swaps the new tree in. Returns the manifest and
    /// warnings: the previous tree, or what earlier builds left beside the output, could
    /// not be removed (the build itself succeeded).
    pub fn commit(mut self, content_sha256: &str) -> Result<(Manifest, Vec<String>), WriteError> {
        let mut files = std::mem::take(&mut *self.files.lock().unwrap_or_else(|p| p.into_inner()));
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let manifest = Manifest::new(content_sha256, files);
        let written = fs::File::create(self.dir.join(crate::manifest::FILE)).and_then(|f| {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
            manifest.write_to(&mut w)?;
            w.into_inner().map(drop).map_err(|e| e.into_error())
        });
        written.map_err(|e| {
            err(format!(
                "写入失败，原输出保持不变 (write failed; the previous output is untouched): {}: {e}",
                crate::manifest::FILE
            ))
        })?;
        let leftover = swap(&self.dir, &self.out).map_err(|e| {
            err(format!(
                "无法替换输出目录 {} (could not swap the output folder): {e}",
                self.out.display()
            ))
        })?;
        self.committed = true;
        let mut warnings = std::mem::take(&mut self.warnings);
        warnings.extend(leftover);
        Ok((manifest, warnings))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Seconds since 1970 of midnight China Standard Time (UTC+8) on `YYYY-MM-DD`.
pub fn epoch_seconds_cst(date: &str) -> Option<u64> {
    let mut it = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (it.next()??, it.next()??, it.next()??);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 - 8 * 3_600).ok()
}

/// A deterministic `.tar.gz` of `files` under `top/`, with its `manifest.json`: entries in
/// path order, owner 0, mode 0644, every timestamp `mtime`, gzip header without a time.
/// Returns the bytes and the number of files.
pub fn tar_gz(
    top: &str,
    mut files: BTreeMap<String, Vec<u8>>,
    content_sha256: &str,
    mtime: u64,
) -> Result<(Vec<u8>, usize), WriteError> {
    if let Some(bad) = files.keys().find(|p| !safe_relative(p)) {
        return Err(err(format!(
            "不安全的输出路径 (unsafe output path) {bad:?}"
        )));
    }
    let entries = files
        .iter()
        .map(|(path, bytes)| ManifestEntry {
            path: path.clone(),
            size: bytes.len() as u64,
            sha256: crate::manifest::sha256_hex(bytes),
        })
        .collect();
    files.insert(
        crate::manifest::FILE.to_string(),
        Manifest::new(content_sha256, entries).to_bytes(),
    );
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let fail = |e: io::Error| err(format!("无法生成归档 (cannot write the archive): {e}"));
    for (path, bytes) in &files {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, format!("{top}/{path}"), bytes.as_slice())
            .map_err(fail)?;
    }
    let gz = tar.into_inner().map_err(fail)?;
    let bytes = gz.finish().map_err(fail)?;
    Ok((bytes, files.len()))
}

/// Updates a built site in place after an incremental rebuild: writes `files` (each
/// atomically) and `splices` (package tables, from their first changed byte, through
/// `spares` when given: see [`Splice`]), removes `removed`, then writes the new
/// `manifest`, if any, like the tables (a province's is 28 MB: a new file costs fresh
/// page-cache memory, several times the copy). Each file is whole at every instant when
/// written through spares, but the set is not swapped at once (for `watch` rebuilds; a
/// full `build` swaps the whole tree).
pub fn update_in_place(
    out: &Path,
    files: &[(String, Vec<u8>)],
    splices: &[Splice],
    removed: &[String],
    manifest: Option<&[u8]>,
    spares: Option<&Spares>,
) -> Result<(), WriteError> {
    use rayon::prelude::*;
    let paths = files
        .iter()
        .map(|(p, _)| p)
        .chain(splices.iter().map(|s| &s.path));
    if let Some(bad) = paths.clone().find(|p| !safe_relative(p)) {
        return Err(err(format!(
            "不安全的输出路径 (unsafe output path) {bad:?}"
        )));
    }
    for d in paths.filter_map(|p| out.join(p).parent().map(Path::to_path_buf)) {
        fs::create_dir_all(&d)
            .map_err(|e| err(format!("无法创建 {} (cannot create): {e}", d.display())))?;
    }
    let (pages, tables) = rayon::join(
        || {
            files
                .par_iter()
                .try_for_each(|(path, bytes)| file_atomic(&out.join(path), bytes))
        },
        || splices.par_iter().try_for_each(|s| s.write(out, spares)),
    );
    pages?;
    tables?;
    for path in removed.iter().filter(|p| safe_relative(p)) {
        let _ = fs::remove_file(out.join(path));
    }
    match manifest {
        Some(m) => Splice {
            path: crate::manifest::FILE.to_string(),
            old_size: 0,
            keep: 0,
            parts: vec![m],
        }
        .write(out, spares),
        None => Ok(()),
    }
}

/// A file written again from byte `keep` on: its first `keep` bytes are those of the file
/// the output has, when that file has `old_size` bytes (with `keep` 0, any file is
/// written over); its whole new bytes are `parts`.
pub struct Splice<'a> {
    /// Output path.
    pub path: String,
    /// Size of the file the output should have.
    pub old_size: u64,
    /// Bytes kept from it.
    pub keep: u64,
    /// The new file's bytes, in parts.
    pub parts: Vec<&'a [u8]>,
}

impl Splice<'_> {
    /// Writes the file. With `spares`, through its spare (see [`Spares`]): atomically,
    /// without new memory for the file. Otherwise, or where the file system cannot
    /// exchange two names, from byte `keep` on, in place, cut to its new length: the kept
    /// start is neither copied nor written, but a reader may see the file half-written,
    /// and an interrupted rebuild leaves it so until the next build (`gongkai verify`
    /// tells, from the manifest). When the file is not the one the output should have
    /// (its size differs), or has other names (hard links), it is written whole,
    /// atomically.
    fn write(&self, out: &Path, spares: Option<&Spares>) -> Result<(), WriteError> {
        let path = out.join(&self.path);
        let in_place = || -> io::Result<bool> {
            if let Some(spares) = spares
                && spares.write(out, self)?
            {
                return Ok(true);
            }
            let f = match fs::OpenOptions::new().write(true).open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(e),
            };
            let meta = f.metadata()?;
            if self.keep > 0 && meta.len() != self.old_size {
                return Ok(false);
            }
            // A file with other names is not written into: it gets a new file instead.
            if has_other_names(&meta) {
                return Ok(false);
            }
            write_parts_from(f, &self.parts, self.keep)?;
            Ok(true)
        };
        match in_place() {
            Ok(true) => Ok(()),
            Ok(false) => file_atomic(&path, &self.parts.concat()),
            Err(e) => Err(err(format!(
                "无法写入 {} (cannot write): {e}",
                path.display()
            ))),
        }
    }
}

/// The output folder's name, which names the folders beside it (`.<name>.new-<pid>`,
/// `.<name>.spare-<pid>.<n>`).
fn folder_name(out: &Path) -> String {
    out.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "output".into())
}

/// Whether a file has other names (hard links: a snapshot of the output made with
/// `cp -al`), so that writing into it would change the snapshot too.
fn has_other_names(m: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::nlink(m) > 1
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        false
    }
}

/// Writes `parts` into `f` from byte `from` of their concatenation on (the file's first
/// `from` bytes are already those), and cuts `f` to their length.
fn write_parts_from(mut f: fs::File, parts: &[&[u8]], from: u64) -> io::Result<()> {
    io::Seek::seek(&mut f, io::SeekFrom::Start(from))?;
    let mut w = io::BufWriter::with_capacity(1 << 20, f);
    let mut at = 0u64;
    for p in parts {
        let end = at + p.len() as u64;
        if end > from {
            let skip = from.saturating_sub(at) as usize;
            w.write_all(&p[skip..])?;
        }
        at = end;
    }
    let f = w.into_inner().map_err(|e| e.into_error())?;
    f.set_len(at)
}

/// Spare copies of the files a rebuild writes over (the package tables and
/// `manifest.json`), in a folder beside the output (`.<name>.spare-<pid>.<n>`, removed
/// when dropped, or by the next build once the process is gone).
///
/// A rebuild writes a file's spare, in place from its first byte that differs, and then
/// exchanges it with the output's file in one atomic `renameat2(RENAME_EXCHANGE)`: a
/// reader opens the old file or the new one, never a mix, and an interrupted rebuild
/// leaves the output's file as it was. The old file becomes the spare and is written
/// over by the next rebuild (so a reader that keeps the old file open past the next
/// rebuild, rather than for the moment of a download, may see it change). Writing over a file reuses its memory; a new file needs new
/// memory, which on the benchmark machine costs more than the copying (the 24 MB
/// manifest of 13,333 records: 5 ms written over the old file, 70 to 130 ms as a new
/// file; a rebuild 0.1 to 0.25 s more).
pub struct Spares {
    dir: PathBuf,
    /// Per output path: the spare's size and how many of its first bytes are the
    /// output file's. A spare not listed is written whole.
    known: Mutex<BTreeMap<String, Spare>>,
    /// Set once the file system refused to exchange two names: files are then written
    /// in place.
    unsupported: std::sync::atomic::AtomicBool,
}

#[derive(Clone, Copy, Debug)]
struct Spare {
    size: u64,
    same: u64,
}

impl Spares {
    /// Spares of the output folder `out`'s files `paths` (relative, `/`-separated), copied
    /// from it (the kernel copies; a file that is missing or cannot be copied gets its
    /// spare at its first rebuild). They are made beside the folder the build replaced.
    pub fn prepare(out: &OutputDir, paths: &[String]) -> Spares {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let out = out.path();
        let parent = out.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = folder_name(out);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = parent.join(format!(".{name}.spare-{}.{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut known = BTreeMap::new();
        // Only Linux exchanges two names: elsewhere, no spares.
        let paths = if cfg!(target_os = "linux") {
            paths
        } else {
            &[]
        };
        // In parallel: the largest table (`figures.csv`, 128 MB of the 280 MB at 13,333
        // reference records) is most of the time, and the others copy beside it. The
        // paths are distinct (table names and the manifest).
        use rayon::prelude::*;
        let copied: Vec<(String, u64)> = paths
            .par_iter()
            .with_max_len(1)
            .filter(|p| safe_relative(p))
            .filter_map(|p| {
                let spare = dir.join(p);
                let size = spare
                    .parent()
                    .map_or(Ok(()), fs::create_dir_all)
                    .and_then(|()| fs::copy(out.join(p), &spare))
                    .ok()?;
                Some((p.clone(), size))
            })
            .collect();
        for (p, size) in copied {
            known.insert(p, Spare { size, same: size });
        }
        Spares {
            dir,
            known: Mutex::new(known),
            unsupported: std::sync::atomic::AtomicBool::new(!cfg!(target_os = "linux")),
        }
    }

    /// Writes splice `s` of the output `out` through its spare. False when that cannot
    /// be done (the output has no such file yet; the file system cannot exchange two
    /// names), for the caller to write the file another way.
    fn write(&self, out: &Path, s: &Splice) -> io::Result<bool> {
        use std::sync::atomic::Ordering;
        // What is known of the spare is forgotten first: whatever happens below (an
        // error, the file written another way), it is known again only once the spare
        // is exchanged.
        let known = self
            .known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&s.path);
        if self.unsupported.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let live = out.join(&s.path);
        let size = match fs::metadata(&live) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        // The output's file has the new bytes up to `keep` if it is the file the splice
        // was made from.
        let keep = if size == s.old_size { s.keep } else { 0 };
        let spare = self.dir.join(&s.path);
        let (file, from) = match fs::OpenOptions::new().write(true).open(&spare) {
            Ok(f) => {
                let m = f.metadata()?;
                if has_other_names(&m) {
                    // The spare was the output's file, and a snapshot of the output
                    // (`cp -al`) has linked it since: it keeps its bytes.
                    drop(f);
                    fs::remove_file(&spare)?;
                    (fs::File::create(&spare)?, 0)
                } else {
                    let same = known.filter(|k| k.size == m.len()).map_or(0, |k| k.same);
                    (f, same.min(keep))
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some(p) = spare.parent() {
                    fs::create_dir_all(p)?;
                }
                (fs::File::create(&spare)?, 0)
            }
            Err(e) => return Err(e),
        };
        write_parts_from(file, &s.parts, from)?;
        if let Err(e) = exchange(&spare, &live) {
            return if exchange_unsupported(&e) {
                self.unsupported.store(true, Ordering::Relaxed);
                Ok(false)
            } else {
                Err(e)
            };
        }
        // The spare is now the old file: the same as the new one up to `keep`.
        self.known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(s.path.clone(), Spare { size, same: keep });
        Ok(true)
    }
}

impl Spares {
    /// Removes the spares (a full build replaces the output's files).
    pub fn clear(&self) {
        self.known.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Spares {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Whether `exchange` failed because the system or file system cannot exchange names
/// (rather than for lack of room or rights).
fn exchange_unsupported(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        matches!(
            e.raw_os_error(),
            Some(libc::EINVAL | libc::ENOSYS | libc::EXDEV | libc::EOPNOTSUPP)
        )
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = e;
        true
    }
}

/// The temporary file `file_atomic` writes `path` through.
fn temporary(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes one file atomically (a temporary file beside it, then a rename).
pub fn file_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let tmp = temporary(path);
    let write = || -> io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        err(format!("无法写入 {} (cannot write): {e}", path.display()))
    })
}

/// Removes what interrupted builds left beside the output (`.<name>.new-<pid>`,
/// `.<name>.old-<pid>`, either perhaps with a `.<n>` after it) when their process is gone
/// (or is this one). Returns a warning for each that resists.
fn remove_leftovers(parent: &Path, name: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    let Ok(entries) = fs::read_dir(parent) else {
        return warnings;
    };
    let mut remove = |path: PathBuf| {
        if let Err(e) = remove_tree(&path) {
            warnings.push(format!(
                "之前的构建留下的 {} 仍无法删除：{e}，请手动删除 (a folder an earlier build left, {}, could not be removed: {e}; please remove it)",
                path.display(),
                path.display()
            ));
        }
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        if let Some(rest) = file.strip_prefix(&format!(".{name}.spare-")) {
            // A watching process's spares (`<pid>.<n>`): removed once it is gone.
            let Some((pid, n)) = rest.split_once('.') else {
                continue;
            };
            let (Ok(pid), Ok(_)) = (pid.parse::<u32>(), n.parse::<u32>()) else {
                continue;
            };
            if !Path::new(&format!("/proc/{pid}")).exists() {
                remove(e.path());
            }
            continue;
        }
        let Some(rest) = file
            .strip_prefix(&format!(".{name}.new-"))
            .or_else(|| file.strip_prefix(&format!(".{name}.old-")))
        else {
            continue;
        };
        let pid = rest.split('.').next().unwrap_or_default();
        let alive = pid
            .parse::<u32>()
            .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !alive || pid == std::process::id().to_string() {
            remove(e.path());
        }
    }
    warnings
}

/// `parent/name`, or when that is taken (a tree an earlier build of this process left
/// and [`remove_leftovers`] could not remove), `parent/name.<n>` for the first `n` free.
fn unused(parent: &Path, name: &str) -> PathBuf {
    (0..)
        .map(|n| match n {
            0 => parent.join(name),
            n => parent.join(format!("{name}.{n}")),
        })
        .find(|path| fs::symlink_metadata(path).is_err())
        .unwrap_or_else(|| parent.join(name))
}

/// Replaces `out` by `staging`. On Linux the two trees are exchanged in one atomic
/// `renameat2(RENAME_EXCHANGE)` and the old one (now at `staging`) is removed; elsewhere
/// the old tree is moved aside, the new one renamed into place, the old one removed.
///
/// Once the new tree is in place the swap has succeeded: what cannot be removed of the
/// old one then (`.<name>.new-<pid>` or `.<name>.old-<pid>` beside the output) is
/// reported, and the next build tries again (see [`remove_leftovers`]).
fn swap(staging: &Path, out: &Path) -> io::Result<Option<String>> {
    if !out.exists() {
        return fs::rename(staging, out).map(|()| None);
    }
    // Once the new tree is in place the build has succeeded: a previous tree that
    // cannot be removed is reported, and the next build tries again (`remove_leftovers`).
    let remove = |old: &Path| {
        remove_tree(old).err().map(|e| {
            format!(
                "新网站已生成，但上一版网站未能完全删除：{e}。它留在 {}，下次构建时会再尝试删除 (the new site is in place, but the previous one could not be removed entirely: {e}; it is left at {}, and the next build tries again)",
                old.display(),
                old.display()
            )
        })
    };
    #[cfg(target_os = "linux")]
    {
        if exchange(staging, out).is_ok() {
            return Ok(remove(staging));
        }
    }
    let old = unused(
        out.parent().unwrap_or(Path::new("")),
        &format!(".{}.old-{}", folder_name(out), std::process::id()),
    );
    fs::rename(out, &old)?;
    if let Err(e) = fs::rename(staging, out) {
        fs::rename(&old, out)?;
        return Err(e);
    }
    Ok(remove(&old))
}

/// Removes the folder `dir` and everything in it, its entries shared among rayon's
/// threads. Deleting the previous tree of a large site is file-system work the kernel
/// does on the caller's core: at 13,333 records (180,000 files) a build over its own
/// output spent 2.45-2.59 s removing it on one core, 1.59-1.66 s on two. Symbolic links
/// are removed, never followed, `dir` included (the output folder may have been one).
/// An entry that is already gone is not an error; `dir` missing is.
fn remove_tree(dir: &Path) -> io::Result<()> {
    use rayon::prelude::*;
    let gone = |r: io::Result<()>| match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        r => r,
    };
    if !fs::symlink_metadata(dir)?.is_dir() {
        return gone(fs::remove_file(dir));
    }
    let entries = fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    entries.par_iter().try_for_each(|e| {
        let path = e.path();
        #[cfg(test)]
        tests::resist(&path)?;
        gone(match e.file_type() {
            Ok(t) if t.is_dir() => fs::remove_dir_all(&path),
            Ok(_) => fs::remove_file(&path),
            Err(e) => Err(e),
        })
    })?;
    gone(fs::remove_dir(dir))
}

/// Elsewhere, paths are not exchanged (spares are then not used).
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Atomically exchanges two paths (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings for the call's duration;
    // renameat2 has no other preconditions.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(output: &Path, protected: &[&Path]) -> Result<(), WriteError> {
        check_output_dir(&OutputDir::new(output), protected)
    }

    #[test]
    fn refuses_dangerous_outputs() {
        assert!(check(Path::new("/"), &[]).is_err());
        assert!(check(Path::new("site"), &[Path::new("site/content")]).is_err());
        assert!(check(Path::new("site/content"), &[Path::new("site/content")]).is_err());
        assert!(check(Path::new("output"), &[Path::new("content")]).is_ok());
    }

    /// Links cannot smuggle the content folder in as the output: an output link naming
    /// it, or the content folder reached through a linked parent, is refused like the
    /// folder itself; a link to a folder elsewhere, even one not made yet, is fine and
    /// resolves to where the site will be built.
    #[test]
    #[cfg(unix)]
    fn links_do_not_hide_the_content_folder() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let real_proj = dir.path().join("data/proj");
        let content = real_proj.join("content");
        fs::create_dir_all(&content).unwrap();
        let proj = dir.path().join("proj");
        symlink(&real_proj, &proj).unwrap();
        // The output is a link to the content folder, named through the linked parent.
        symlink(&content, real_proj.join("public")).unwrap();
        for (out, prot) in [
            (proj.join("public"), proj.join("content")),
            (proj.join("public"), content.clone()),
            (real_proj.join("public"), proj.join("content")),
            (proj.join("content"), content.clone()),
            (content.join("site"), proj.join("content")),
            (proj.join("content/site"), content.clone()),
        ] {
            assert!(
                check(&out, &[&prot]).is_err(),
                "{} against {}",
                out.display(),
                prot.display()
            );
        }
        let www = dir.path().join("www/site");
        symlink(&www, real_proj.join("site")).unwrap();
        assert!(check(&proj.join("site"), &[&proj.join("content")]).is_ok());
        assert_eq!(resolved(&proj.join("site")), www);
        fs::create_dir_all(&www).unwrap();
        assert_eq!(
            resolved(&proj.join("site")),
            fs::canonicalize(&www).unwrap()
        );
    }

    /// A build resolves its output link once: re-pointed between the build's checks and
    /// its writes, the link does not move the new tree or the spares, which go where the
    /// build checked.
    #[test]
    #[cfg(unix)]
    fn an_output_link_is_resolved_once_per_build() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("x/a"), dir.path().join("y/b"));
        for d in [&a, &b] {
            fs::create_dir_all(d).unwrap();
            fs::write(d.join("page.html"), "old").unwrap();
        }
        let link = dir.path().join("output");
        symlink(&a, &link).unwrap();
        let out = OutputDir::new(&link);
        check_output_dir(&out, &[]).unwrap();
        // Re-pointed after the checks.
        fs::remove_file(&link).unwrap();
        symlink(&b, &link).unwrap();
        let staging = Staging::create(&out).unwrap();
        staging.put("page.html", b"new").unwrap();
        let (_, warnings) = staging.commit("0").unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(fs::read_to_string(a.join("page.html")).unwrap(), "new");
        assert!(a.join("manifest.json").is_file());
        assert_eq!(fs::read_to_string(b.join("page.html")).unwrap(), "old");
        assert_eq!(fs::read_link(&link).unwrap(), b);
        let spares = Spares::prepare(&out, &["page.html".to_string()]);
        let names = |d: &Path| -> Vec<String> {
            let mut v: Vec<String> = fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(&dir.path().join("y")), ["b"]);
        let beside_a = names(&dir.path().join("x"));
        assert!(
            beside_a.len() == 2 && beside_a[0].starts_with(".a.spare-") && beside_a[1] == "a",
            "{beside_a:?}"
        );
        spares.clear();
        assert_eq!(names(&dir.path().join("x")), ["a"]);
    }

    /// The same for a link above the output (`sites/public` where `sites` is a link): the
    /// build stays in the folder the link named when it started.
    #[test]
    #[cfg(unix)]
    fn a_linked_parent_of_the_output_is_resolved_once_per_build() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for d in [&a, &b] {
            fs::create_dir_all(d.join("public")).unwrap();
            fs::write(d.join("public/page.html"), "old").unwrap();
        }
        let link = dir.path().join("sites");
        symlink(&a, &link).unwrap();
        let out = OutputDir::new(&link.join("public"));
        assert_eq!(out.path(), fs::canonicalize(&a).unwrap().join("public"));
        assert_eq!(out.elsewhere(), Some(out.path()));
        check_output_dir(&out, &[]).unwrap();
        fs::remove_file(&link).unwrap();
        symlink(&b, &link).unwrap();
        let staging = Staging::create(&out).unwrap();
        staging.put("page.html", b"new").unwrap();
        staging.commit("0").unwrap();
        assert_eq!(
            fs::read_to_string(a.join("public/page.html")).unwrap(),
            "new"
        );
        assert_eq!(
            fs::read_to_string(b.join("public/page.html")).unwrap(),
            "old"
        );
        let mut beside_b: Vec<_> = fs::read_dir(&b)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        beside_b.sort();
        assert_eq!(beside_b, ["public"]);
    }

    /// A link's target is read from the folder the link is in, reached through links:
    /// `..` in it climbs from there, not from the path as typed. And only a path with a
    /// link on its way says it leads elsewhere.
    #[test]
    #[cfg(unix)]
    fn link_targets_are_read_from_the_folder_the_link_is_in() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let www = dir.path().join("srv/www");
        fs::create_dir_all(&www).unwrap();
        symlink(&www, dir.path().join("sites")).unwrap();
        // A link to a folder not made yet, relative to its own folder.
        symlink("../public-data", www.join("public")).unwrap();
        let out = OutputDir::new(&dir.path().join("sites/public"));
        let srv = fs::canonicalize(dir.path().join("srv")).unwrap();
        assert_eq!(out.path(), srv.join("public-data"));
        assert_eq!(out.elsewhere(), Some(srv.join("public-data").as_path()));
        let base = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir_all(base.join("plain")).unwrap();
        for plain in ["plain", "srv/../plain", "missing/site"] {
            assert_eq!(
                OutputDir::new(&base.join(plain)).elsewhere(),
                None,
                "{plain}"
            );
        }
    }

    /// A folder above the output that is a link to a missing folder is refused, naming
    /// the link and its target; the output itself may be one (built where it points).
    #[test]
    #[cfg(unix)]
    fn a_linked_parent_that_leads_nowhere_is_refused() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("mnt/share");
        symlink(&missing, dir.path().join("sites")).unwrap();
        let e = check_output_dir(&OutputDir::new(&dir.path().join("sites/public")), &[])
            .unwrap_err()
            .0;
        assert!(
            e.contains("sites") && e.contains(&missing.display().to_string()),
            "{e}"
        );
        assert!(e.contains("不存在"), "{e}");
        assert!(!missing.exists());
        check_output_dir(&OutputDir::new(&dir.path().join("sites")), &[]).unwrap();
    }

    /// Names of entries that [`remove_tree`] fails on (entries directly in the folder it
    /// removes), as it would on a folder holding an immutable file: for the test below where the user cannot make one (root without
    /// `CAP_LINUX_IMMUTABLE`, as in a default container, or a file system without the
    /// attribute, such as tmpfs).
    static RESISTING: std::sync::Mutex<Vec<std::ffi::OsString>> = std::sync::Mutex::new(Vec::new());

    pub(super) fn resist(path: &Path) -> io::Result<()> {
        let names = RESISTING.lock().unwrap_or_else(|e| e.into_inner());
        match path.file_name() {
            Some(n) if names.iter().any(|r| r == n) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "无法删除（测试）",
            )),
            _ => Ok(()),
        }
    }

    /// Once the new tree is in place the build has succeeded, even when the previous
    /// tree cannot be removed: the commit says where it was left, and later builds try
    /// again, say so while it resists (their own new tree then takes another name), and
    /// remove it once they can. Part of the tree is made unremovable: as root, by an
    /// immutable file (`chattr +i`, which needs `CAP_LINUX_IMMUTABLE` and a file system
    /// with the attribute, as ext4 has); otherwise, by a folder without write
    /// permission. Where root cannot make a file immutable, the folder is named in
    /// [`RESISTING`], which fails its removal the same way.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_previous_tree_that_cannot_be_removed_is_reported_and_removed_later() {
        use std::os::unix::fs::PermissionsExt;
        let root = unsafe { libc::geteuid() } == 0;
        let dir = tempfile::tempdir().unwrap();
        // Unique to this test's run (the list of resisting names is the process's).
        let name = format!(
            "stuck-{}",
            dir.path().file_name().unwrap().to_string_lossy()
        );
        /// Makes everything in the folder removable again however the test ends, so
        /// that the temporary folder can go.
        struct Removable(PathBuf, String);
        impl Drop for Removable {
            fn drop(&mut self) {
                RESISTING
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .retain(|n| *n != *self.1);
                let _ = std::process::Command::new("chattr")
                    .args(["-R", "-i"])
                    .arg(&self.0)
                    .stderr(std::process::Stdio::null())
                    .status();
                for e in walkdir::WalkDir::new(&self.0).into_iter().flatten() {
                    if e.file_type().is_dir() {
                        let _ = fs::set_permissions(e.path(), fs::Permissions::from_mode(0o755));
                    }
                }
            }
        }
        let guard = Removable(dir.path().to_path_buf(), name.clone());
        let out = OutputDir::new(&dir.path().join("site"));
        let build = |page: &[u8]| {
            let s = Staging::create(&out).unwrap();
            s.put("page.html", page).unwrap();
            s.commit("0").unwrap().1
        };
        let first = Staging::create(&out).unwrap();
        first.put(&format!("{name}/page.html"), b"one").unwrap();
        first.commit("0").unwrap();
        let stuck = out.path().join(&name);
        if !root {
            fs::set_permissions(&stuck, fs::Permissions::from_mode(0o555)).unwrap();
        } else if !std::process::Command::new("chattr")
            .arg("+i")
            .arg(stuck.join("page.html"))
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            eprintln!("chattr +i is not available here: removal fails through RESISTING");
            RESISTING
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(name.clone().into());
        }
        let others = || -> Vec<PathBuf> {
            let mut v: Vec<PathBuf> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p != out.path())
                .collect();
            v.sort();
            v
        };
        let warnings = build(b"two");
        assert_eq!(
            fs::read_to_string(out.path().join("page.html")).unwrap(),
            "two"
        );
        assert!(!stuck.exists());
        let left = others();
        assert_eq!(left.len(), 1, "{left:?}");
        assert!(left[0].join(&name).join("page.html").is_file());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains(&left[0].display().to_string()),
            "{warnings:?}"
        );
        assert!(
            warnings[0].contains("下次构建时会再尝试删除"),
            "{warnings:?}"
        );
        // Still stuck: the next build (of this process, whose new tree would take the
        // leftover's name) says so and builds all the same.
        let warnings = build(b"three");
        assert_eq!(
            fs::read_to_string(out.path().join("page.html")).unwrap(),
            "three"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("仍无法删除") && w.contains(&left[0].display().to_string())),
            "{warnings:?}"
        );
        assert_eq!(others(), left, "the leftover stays, nothing else does");
        // Removable again: the next build removes it.
        drop(guard);
        assert!(build(b"four").is_empty());
        assert!(others().is_empty(), "{:?}", others());
    }

    /// The old tree goes whole, entries of every kind, and a symbolic link in it is
    /// removed without touching what it points to.
    #[test]
    #[cfg(unix)]
    fn removing_a_tree_removes_links_not_their_targets() {
        let dir = tempfile::tempdir().unwrap();
        let keep = dir.path().join("keep");
        fs::create_dir_all(keep.join("sub")).unwrap();
        fs::write(keep.join("sub/file.txt"), "kept").unwrap();
        let old = dir.path().join("old");
        for d in 0..40 {
            fs::create_dir_all(old.join(format!("d{d}/2023/targets"))).unwrap();
            fs::write(old.join(format!("d{d}/2023/index.html")), "x").unwrap();
            fs::write(old.join(format!("d{d}/2023/targets/data.json")), "{}").unwrap();
        }
        fs::write(old.join("manifest.json"), "{}").unwrap();
        fs::create_dir(old.join("empty")).unwrap();
        std::os::unix::fs::symlink(&keep, old.join("link-to-dir")).unwrap();
        std::os::unix::fs::symlink(&keep, old.join("d3/2023/link")).unwrap();
        remove_tree(&old).unwrap();
        assert!(!old.exists());
        assert_eq!(
            fs::read_to_string(keep.join("sub/file.txt")).unwrap(),
            "kept"
        );
        // A folder that is not there is an error for the caller to report.
        assert!(remove_tree(&old).is_err());
        // The tree itself a link to a folder (an output folder that was one): the link
        // goes, the folder it points to stays whole.
        let link = dir.path().join("old-link");
        std::os::unix::fs::symlink(&keep, &link).unwrap();
        remove_tree(&link).unwrap();
        assert!(fs::symlink_metadata(&link).is_err());
        assert_eq!(
            fs::read_to_string(keep.join("sub/file.txt")).unwrap(),
            "kept"
        );
    }

    /// A splice writes into the file the output has, unless that file has other names:
    /// a hard-linked snapshot of the output keeps its bytes.
    #[test]
    #[cfg(unix)]
    fn splices_leave_hard_linked_snapshots_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir_all(out.join("data")).unwrap();
        let old = b"h\nrow 1\nrow 2\n";
        let table = out.join("data/t.csv");
        fs::write(&table, old).unwrap();
        let splice = |rows: &'static [u8]| Splice {
            path: "data/t.csv".into(),
            old_size: old.len() as u64,
            keep: 2,
            parts: vec![b"h\n", rows],
        };
        // No other name: written in place (the same file).
        let ino = |p: &Path| std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).unwrap());
        let before = ino(&table);
        splice(b"row 1\nrow 3\n").write(&out, None).unwrap();
        assert_eq!(fs::read(&table).unwrap(), b"h\nrow 1\nrow 3\n");
        assert_eq!(ino(&table), before);
        // A snapshot links to it: the output gets a new file, the snapshot keeps its bytes.
        let snapshot = dir.path().join("snapshot.csv");
        fs::hard_link(&table, &snapshot).unwrap();
        let s = Splice {
            old_size: fs::metadata(&table).unwrap().len(),
            ..splice(b"row 4\n")
        };
        s.write(&out, None).unwrap();
        assert_eq!(fs::read(&table).unwrap(), b"h\nrow 4\n");
        assert_eq!(fs::read(&snapshot).unwrap(), b"h\nrow 1\nrow 3\n");
        // The manifest, written over the old one in place, likewise.
        let manifest = out.join(crate::manifest::FILE);
        fs::write(&manifest, b"old manifest").unwrap();
        let kept = dir.path().join("manifest-snapshot.json");
        fs::hard_link(&manifest, &kept).unwrap();
        update_in_place(&out, &[], &[], &[], Some(b"new"), None).unwrap();
        assert_eq!(fs::read(&manifest).unwrap(), b"new");
        assert_eq!(fs::read(&kept).unwrap(), b"old manifest");
    }

    #[test]
    fn parts_are_written_from_any_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let parts: [&[u8]; 3] = [b"abc", b"", b"defgh"];
        for from in 0..=8 {
            fs::write(&path, b"ABCDEFGHIJKL").unwrap();
            let f = fs::OpenOptions::new().write(true).open(&path).unwrap();
            write_parts_from(f, &parts, from).unwrap();
            let want = [&b"ABCDEFGH"[..from as usize], &b"abcdefgh"[from as usize..]].concat();
            assert_eq!(fs::read(&path).unwrap(), want, "from {from}");
        }
    }

    /// A temporary folder holding an output `out` with one table, `data/t.csv`, of
    /// `rows`: (folder, output, table).
    #[cfg(target_os = "linux")]
    fn output_with_table(rows: &[&[u8]]) -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir_all(out.join("data")).unwrap();
        let table = out.join("data/t.csv");
        fs::write(&table, rows.concat()).unwrap();
        (dir, out, table)
    }

    /// Through spares, each write swaps a whole new file in: a reader that opened the
    /// old one reads it whole, the old file becomes the spare and is written over next
    /// time, a hard-linked snapshot keeps its bytes, and the spares live beside the
    /// output, never in it.
    #[test]
    #[cfg(target_os = "linux")]
    fn splices_through_spares_are_atomic() {
        use std::io::Read;
        use std::os::unix::fs::MetadataExt;
        let v0: [&[u8]; 4] = [b"h\n", b"row 1\n", b"row 2\n", b"row 3\n"];
        let (dir, out, table) = output_with_table(&v0);
        let manifest = out.join(crate::manifest::FILE);
        fs::write(&manifest, b"manifest 0").unwrap();
        let spares = Spares::prepare(
            &OutputDir::new(&out),
            &["data/t.csv".to_string(), crate::manifest::FILE.to_string()],
        );
        let listed = |p: &Path| {
            let mut names: Vec<String> = fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect();
            names.sort();
            names
        };
        assert_eq!(listed(&out), ["data", "manifest.json"]);
        let beside = listed(dir.path());
        assert_eq!(beside.len(), 2, "{beside:?}");
        assert!(beside[0].starts_with(".out.spare-"), "{beside:?}");
        let ino = |p: &Path| fs::metadata(p).unwrap().ino();
        let first = ino(&table);
        let splice = |old: &[&[u8]], keep_parts: usize, parts: Vec<&'static [u8]>| Splice {
            path: "data/t.csv".into(),
            old_size: old.concat().len() as u64,
            keep: old[..keep_parts].concat().len() as u64,
            parts,
        };
        // v0 -> v1, changed from row 3 on; a reader has the old file open.
        let mut reader = fs::File::open(&table).unwrap();
        let v1: [&[u8]; 4] = [b"h\n", b"row 1\n", b"row 2\n", b"row three\n"];
        update_in_place(
            &out,
            &[],
            &[splice(&v0, 3, v1.to_vec())],
            &[],
            Some(b"manifest 1"),
            Some(&spares),
        )
        .unwrap();
        assert_eq!(fs::read(&table).unwrap(), v1.concat());
        assert_eq!(fs::read(&manifest).unwrap(), b"manifest 1");
        assert_ne!(ino(&table), first, "a new file is swapped in");
        let mut old = Vec::new();
        reader.read_to_end(&mut old).unwrap();
        assert_eq!(old, v0.concat(), "the old file is left whole");
        // v1 -> v2, changed from row 1 on: the spare (v0, the same as v1 up to row 3) is
        // written from row 1 and swapped back in.
        let v2: [&[u8]; 3] = [b"h\n", b"row one\n", b"row 2\n"];
        spares.write(&out, &splice(&v1, 1, v2.to_vec())).unwrap();
        assert_eq!(fs::read(&table).unwrap(), v2.concat());
        assert_eq!(ino(&table), first, "the old file is written over");
        // A snapshot links the output's file; two more edits leave it alone.
        let snapshot = dir.path().join("snapshot.csv");
        fs::hard_link(&table, &snapshot).unwrap();
        let v3: [&[u8]; 2] = [b"h\n", b"row 4\n"];
        spares.write(&out, &splice(&v2, 1, v3.to_vec())).unwrap();
        let v4: [&[u8]; 2] = [b"h\n", b"row 5\n"];
        spares.write(&out, &splice(&v3, 1, v4.to_vec())).unwrap();
        assert_eq!(fs::read(&table).unwrap(), v4.concat());
        assert_eq!(fs::read(&snapshot).unwrap(), v2.concat());
        // An output file that is not the one the splice was made from is written whole.
        fs::write(&table, b"changed by hand").unwrap();
        let v5: [&[u8]; 2] = [b"h\n", b"row 6\n"];
        spares.write(&out, &splice(&v4, 1, v5.to_vec())).unwrap();
        assert_eq!(fs::read(&table).unwrap(), v5.concat());
        // A missing spare is made again.
        spares.clear();
        let v6: [&[u8]; 2] = [b"h\n", b"row 7\n"];
        spares.write(&out, &splice(&v5, 1, v6.to_vec())).unwrap();
        assert_eq!(fs::read(&table).unwrap(), v6.concat());
        assert_eq!(listed(&out), ["data", "manifest.json"]);
        assert_eq!(listed(&out.join("data")), ["t.csv"]);
        drop(spares);
        assert_eq!(listed(dir.path()), ["out", "snapshot.csv"]);
    }

    /// A spare is one version behind the output's file: it is written from the first
    /// byte where it differs from the new file, whichever of the two edits came first.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_spare_is_written_from_its_own_first_difference() {
        let v0: [&[u8]; 5] = [b"h\n", b"a\n", b"b\n", b"c\n", b"d\n"];
        let (_dir, out, table) = output_with_table(&v0);
        let spares = Spares::prepare(&OutputDir::new(&out), &["data/t.csv".to_string()]);
        let step = |old: &[&[u8]], new: &[&'static [u8]], changed_from: usize| {
            let s = Splice {
                path: "data/t.csv".into(),
                old_size: old.concat().len() as u64,
                keep: old[..changed_from].concat().len() as u64,
                parts: new.to_vec(),
            };
            update_in_place(&out, &[], &[s], &[], None, Some(&spares)).unwrap();
            assert_eq!(fs::read(&table).unwrap(), new.concat());
        };
        // An early row, then a later one: the spare (v0) differs from v2 from row 1.
        let v1: [&[u8]; 5] = [b"h\n", b"A\n", b"b\n", b"c\n", b"d\n"];
        step(&v0, &v1, 1);
        let v2: [&[u8]; 5] = [b"h\n", b"A\n", b"b\n", b"c\n", b"D\n"];
        step(&v1, &v2, 4);
        // The output's file goes missing: written another way, and its spare forgotten.
        fs::remove_file(&table).unwrap();
        let v3: [&[u8]; 5] = [b"h\n", b"X\n", b"b\n", b"c\n", b"D\n"];
        step(&v2, &v3, 1);
        let v4: [&[u8]; 5] = [b"h\n", b"X\n", b"b\n", b"c\n", b"E\n"];
        step(&v3, &v4, 4);
        let v5: [&[u8]; 5] = [b"h\n", b"X\n", b"b\n", b"C\n", b"E\n"];
        step(&v4, &v5, 3);
    }

    #[test]
    fn epoch_of_dates() {
        assert_eq!(epoch_seconds_cst("1970-01-01"), None);
        assert_eq!(epoch_seconds_cst("1970-01-02"), Some(86_400 - 28_800));
        assert_eq!(epoch_seconds_cst("2024-06-01"), Some(1_717_171_200));
        assert_eq!(epoch_seconds_cst("x"), None);
    }

    #[test]
    fn paths_stay_inside() {
        assert!(safe_relative("a/b/index.html"));
        assert!(!safe_relative("../x"));
        assert!(!safe_relative("/etc/x"));
        assert!(!safe_relative(""));
    }
}
