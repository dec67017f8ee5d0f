//! gongkai (公开): a static report-site generator for Chinese government departments'
//! budget-performance disclosures.
//!
//! The build is a pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! load → model → compute → check → site → render → write
//! ```
//!
//! Only [`load`] reads the content folder and only [`write`](mod@write) writes the output folder.
//! Library code returns values and errors; the `gongkai` binary prints and exits.

#![warn(missing_docs)]

pub mod check;
pub mod compute;
pub mod diag;
pub mod incremental;
pub mod load;
pub mod manifest;
pub mod model;
pub mod num;
pub mod pdf;
pub mod render;
pub mod site;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where a build reads and writes.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Content folder.
    pub content: PathBuf,
    /// Theme folder (optional: the default theme is embedded).
    pub theme: PathBuf,
    /// Output folder.
    pub output: PathBuf,
    /// Replace the output folder even when it holds files gongkai did not write.
    pub clean: bool,
}

/// Time spent in each stage.
#[derive(Debug, Default, Clone)]
pub struct Timings {
    /// Stage name and duration, in pipeline order. A name starting with `·` is a part of
    /// the stage before it: under a build's `load+check` and `render+write`, thread time
    /// summed over the cores ([`ThreadTime`]); under a rebuild's `package+pages`, wall time.
    pub stages: Vec<(&'static str, Duration)>,
    /// Peak resident memory of the process after each stage, in bytes (Linux only;
    /// `None` elsewhere), in the same order as `stages`.
    pub peak_resident: Vec<Option<u64>>,
}

impl Timings {
    fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let r = f();
        self.stages.push((name, t.elapsed()));
        self.peak_resident.push(peak_resident());
        r
    }

    /// Adds the parts of the stage just timed (thread time, the `·` lines), with that
    /// stage's peak resident memory.
    fn parts(&mut self, parts: &[(&'static str, Duration)]) {
        let peak = self.peak_resident.last().copied().flatten();
        for &(name, d) in parts {
            self.stages.push((name, d));
            self.peak_resident.push(peak);
        }
    }
}

/// Time spent in one part of a stage, summed over the threads that ran it (the `·` lines
/// of `--timings`): with both cores busy, a stage's parts add up to about twice its wall
/// time.
#[derive(Debug, Default)]
pub struct ThreadTime(std::sync::atomic::AtomicU64);

impl ThreadTime {
    /// Runs `f`, adding the time it took.
    pub fn time<T>(&self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let r = f();
        let ns = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(ns, std::sync::atomic::Ordering::Relaxed);
        r
    }

    /// The time added so far.
    pub fn total(&self) -> Duration {
        Duration::from_nanos(self.0.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// The process's peak resident set so far (`VmHWM`), for `--timings`.
fn peak_resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Records built.
    pub records: usize,
    /// Departments.
    pub departments: usize,
    /// HTML pages written.
    pub pages: usize,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Findings of the check stage.
    pub findings: Vec<check::Finding>,
    /// The folder written, when links on the output's way lead elsewhere than the path
    /// as typed (`None` when it is that path).
    pub linked_output: Option<PathBuf>,
    /// Things the user should know although the build succeeded (the previous output
    /// could not be removed entirely).
    pub warnings: Vec<String>,
    /// Stage timings.
    pub timings: Timings,
}

/// Why a build failed.
#[derive(Debug)]
pub enum BuildError {
    /// The content is invalid.
    Content(diag::Diagnostics),
    /// The theme does not compile or render.
    Theme(render::ThemeError),
    /// The output cannot be written.
    Write(write::WriteError),
    /// `--strict`: the content has error findings, so nothing was built (the findings
    /// and the content they are on, to report them).
    Refused(Box<Checked>),
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checked")
            .field("findings", &self.findings.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Content(d) => d.fmt(f),
            BuildError::Theme(e) => e.fmt(f),
            BuildError::Write(e) => e.fmt(f),
            BuildError::Refused(c) => {
                let n = c
                    .findings
                    .iter()
                    .filter(|x| x.severity == check::Severity::Error)
                    .count();
                write!(
                    f,
                    "--strict：有 {n} 处错误类核对结果，未生成网站 (refusing to build: {n} error finding(s))"
                )
            }
        }
    }
}
impl std::error::Error for BuildError {}

/// mimalloc's `mi_option_purge_delay` (its `mimalloc.h`; the Rust bindings name no
/// constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Settings of the process's memory that the `gongkai` command (with mimalloc as its
/// allocator) and the benchmark's examples make first, so that they measure the same.
pub fn tune_allocator() {
    // Loading a province parses thousands of files into short-lived trees; with
    // mimalloc's default 10 ms purge delay, freed memory went back to the system and was
    // faulted in again, zeroed, for the next file: a fifth of `check`'s time (perf).
    // SAFETY: `mi_option_set` only stores an option value; it may be called at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1000) };
    // Transparent huge pages off: each fault of one zeroes 2 MiB, again after each purge.
    // `check` spent 0.4 to 4 s of system time on it at 13,333 records (0.3 s without);
    // a build's load, 2 to 3.5 s (0.7 to 0.9 s without; load+check 4.3 s against 3.5 s,
    // alternating builds). mimalloc's own `MIMALLOC_ALLOW_THP`, when set, decides. The
    // setting is inherited by child processes (Chromium for `gongkai pdf`): their speed
    // only, not their output.
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: `prctl(PR_SET_THP_DISABLE)` only sets a flag of this process's memory.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
}

/// Result of load → compute → check, shared by `build` and `check`.
pub struct Checked {
    /// Loaded content.
    pub content: model::Content,
    /// Computed figures.
    pub computed: compute::Computed,
    /// Findings.
    pub findings: Vec<check::Finding>,
}

/// The `gongkai check --format json` document (schema: docs/check-output.schema.json),
/// borrowing the findings: serialize it with serde_json.
#[derive(serde::Serialize)]
pub struct CheckReport<'a> {
    // Keys in alphabetical order, as before this was a struct.
    findings: &'a [check::Finding],
    summary: CheckSummary,
    valid: bool,
    version: u32,
}

impl<'a> CheckReport<'a> {
    fn new(findings: &'a [check::Finding], records: usize) -> Self {
        let count = |s: check::Severity| findings.iter().filter(|f| f.severity == s).count();
        CheckReport {
            findings,
            summary: CheckSummary {
                errors: count(check::Severity::Error),
                infos: count(check::Severity::Info),
                records,
                warnings: count(check::Severity::Warning),
            },
            valid: true,
            version: 1,
        }
    }
}

#[derive(serde::Serialize)]
struct CheckSummary {
    errors: usize,
    infos: usize,
    records: usize,
    warnings: usize,
}

impl Checked {
    /// The `gongkai check --format json` document.
    pub fn report(&self) -> CheckReport<'_> {
        CheckReport::new(&self.findings, self.content.record_count())
    }

    /// The same document as a JSON value.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.report()).unwrap_or_default()
    }
}

/// The `gongkai check --format json` document for invalid content.
pub fn invalid_json(d: &diag::Diagnostics) -> serde_json::Value {
    serde_json::json!({ "version": 1, "valid": false, "errors": d.0 })
}

/// load → compute → check.
pub fn load_and_check(content_dir: &Path, timings: &mut Timings) -> Result<Checked, BuildError> {
    let content = timings
        .time("load", || load::load(content_dir))
        .map_err(|d| BuildError::Content(d.sorted()))?;
    let computed = timings.time("compute", || compute::compute(&content));
    let findings = timings.time("check", || check::check(&content, &computed));
    Ok(Checked {
        content,
        computed,
        findings,
    })
}

/// load → compute → check, department by department as each is loaded, freeing its
/// source texts as soon as it is checked, so that the whole content's texts are never in
/// memory at once (`Checked::content` then has no texts: for a one-off `build` or
/// `check`, which need nothing of them afterwards). Also returns the SHA-256 of every
/// content file, taken before its text goes.
///
/// Stages in `timings`: `load+check` (wall), then the thread time summed over both
/// cores of its parts, `· parse`, `· compute` and `· check`.
pub fn load_and_check_once(
    content_dir: &Path,
    timings: &mut Timings,
) -> Result<(Checked, BTreeMap<String, String>), BuildError> {
    let streamed = stream_checked(content_dir, timings, |dept, figures, findings| {
        let sums = manifest::department_hashes(dept);
        dept.forget_texts();
        (figures, findings, sums)
    })?;
    let mut content = streamed.content;
    let mut sums = BTreeMap::new();
    if let Some(s) = &content.site_source {
        sums.insert(s.path.clone(), manifest::sha256_hex(s.text.as_bytes()));
    }
    content.forget_texts();
    let mut records = Vec::with_capacity(streamed.results.len());
    let mut findings = Vec::new();
    for (r, f, h) in streamed.results {
        records.push(r);
        findings.extend(f);
        sums.extend(h);
    }
    let computed = compute::Computed { records };
    Ok((
        Checked {
            content,
            computed,
            findings,
        },
        sums,
    ))
}

/// What `gongkai check` reports: the findings and how many records were checked.
#[derive(Debug)]
pub struct Findings {
    /// Findings, departments in slug order.
    pub findings: Vec<check::Finding>,
    /// Record files checked.
    pub records: usize,
}

impl Findings {
    /// The `gongkai check --format json` document.
    pub fn report(&self) -> CheckReport<'_> {
        CheckReport::new(&self.findings, self.records)
    }
}

/// load → compute → check for `gongkai check`: like [`load_and_check_once`], but each
/// department's records and figures are dropped as soon as it is checked, on the thread
/// that made them, so that memory stays at a few departments' worth and is reused
/// instead of asking the system for fresh pages.
pub fn check_only(content_dir: &Path, timings: &mut Timings) -> Result<Findings, BuildError> {
    let each = check_each(content_dir, timings, |findings| findings)?;
    Ok(Findings {
        findings: each.results.into_iter().flatten().collect(),
        records: each.records,
    })
}

/// What [`check_each`] returns: `each`'s result for every department, in slug order.
#[derive(Debug)]
pub struct CheckedEach<R> {
    /// `each`'s results, departments in slug order.
    pub results: Vec<R>,
    /// Record files checked.
    pub records: usize,
}

/// [`check_only`], handing each department's findings to `each` on the thread that
/// checked it, so that a caller can turn them into its report in parallel (`gongkai
/// check` writes a province's 60,000 findings as 17 MB of text).
pub fn check_each<R: Send>(
    content_dir: &Path,
    timings: &mut Timings,
    each: impl Fn(Vec<check::Finding>) -> R + Sync,
) -> Result<CheckedEach<R>, BuildError> {
    let streamed = stream_checked(content_dir, timings, |dept, figures, findings| {
        let records = dept.records.len();
        drop(figures);
        dept.records = Vec::new();
        (records, each(findings))
    })?;
    let mut out = CheckedEach {
        results: Vec::with_capacity(streamed.results.len()),
        records: 0,
    };
    for (records, r) in streamed.results {
        out.records += records;
        out.results.push(r);
    }
    Ok(out)
}

/// Loads `content_dir` department by department ([`load::load_each`]), computes and
/// checks each as soon as its records are parsed, and hands the department, its figures
/// and findings to `done`, whose result is kept. Times the stages into `timings`.
fn stream_checked<R: Send>(
    content_dir: &Path,
    timings: &mut Timings,
    done: impl Fn(&mut model::Department, Vec<compute::RecordFigures>, Vec<check::Finding>) -> R + Sync,
) -> Result<load::Streamed<R>, BuildError> {
    let (compute_time, check_time) = (ThreadTime::default(), ThreadTime::default());
    let streamed = timings
        .time("load+check", || {
            load::load_each(content_dir, |site, dept| -> R {
                let figures =
                    compute_time.time(|| compute::department(&compute::scheme_of(site), dept));
                let findings = check_time.time(|| check::department(dept, &figures));
                done(dept, figures, findings)
            })
        })
        .map_err(|d| BuildError::Content(d.sorted()))?;
    timings.parts(&[
        ("· parse", streamed.parse_time),
        ("· compute", compute_time.total()),
        ("· check", check_time.total()),
    ]);
    Ok(streamed)
}

/// What `archive` made.
#[derive(Debug)]
pub struct Archive {
    /// The `.tar.gz` bytes.
    pub bytes: Vec<u8>,
    /// Files in it.
    pub files: usize,
    /// Records of the year.
    pub records: usize,
}

/// Builds a self-contained snapshot of one year — its pages, the pages that list it,
/// assets, data, `manifest.json` — as a deterministic `.tar.gz`: files in path order under
/// `snapshot-<year>/`, owner 0, modes 0644, every timestamp the year's latest
/// publication date from the content (else 1 January of the next year). Links to other
/// years point to `base_url`, or to `other-years.html` when the site has none.
pub fn archive(content: &Path, theme: &Path, year: i32) -> Result<Archive, BuildError> {
    let mut timings = Timings::default();
    let checked = load_and_check(content, &mut timings)?;
    let records: Vec<&model::Record> = checked
        .content
        .departments
        .iter()
        .flat_map(|d| d.records.iter())
        .filter(|r| r.year == year)
        .collect();
    if records.is_empty() {
        return Err(BuildError::Write(write::WriteError(format!(
            "内容中没有 {year} 年度的公开文件 (no record of {year} in the content)"
        ))));
    }
    let mtime = records
        .iter()
        .filter_map(|r| site::publication_date(r))
        .max()
        .and_then(|d| write::epoch_seconds_cst(&d))
        .or_else(|| write::epoch_seconds_cst(&format!("{}-01-01", year + 1)))
        .unwrap_or(0);
    let theme = render::Theme::load(Some(theme)).map_err(BuildError::Theme)?;
    let site = site::build(
        &checked.content,
        &checked.computed,
        &checked.findings,
        Some(year),
    );
    let files = std::sync::Mutex::new(std::collections::BTreeMap::new());
    render::render(&site, &theme, |path, bytes| {
        files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.to_string(), bytes.to_vec());
        Ok(())
    })
    .map_err(|e| match e {
        render::RenderError::Template(t) => BuildError::Theme(t),
        render::RenderError::Output(o) => BuildError::Write(write::WriteError(o)),
    })?;
    let files = files.into_inner().unwrap_or_else(|p| p.into_inner());
    let digest = manifest::content_digest(&checked.content);
    let bytes = write::tar_gz(&format!("snapshot-{year}"), files, &digest, mtime)
        .map_err(BuildError::Write)?;
    Ok(Archive {
        files: bytes.1,
        bytes: bytes.0,
        records: records.len(),
    })
}

/// Refuses to replace an output folder holding files gongkai did not write.
pub fn refuse_foreign_files(output: &Path) -> Result<(), BuildError> {
    let foreign = write::foreign_files(output).map_err(BuildError::Write)?;
    if foreign.is_empty() {
        return Ok(());
    }
    let shown: Vec<_> = foreign.iter().take(10).map(|f| format!("  {f}")).collect();
    Err(BuildError::Write(write::WriteError(format!(
        "输出目录 {} 中有 {} 个文件不是 gongkai 生成的（不在其 manifest.json 中），构建会替换整个目录，为免误删已停止。请移走这些文件，或用 --clean 确认替换。\n(the output folder holds {} files gongkai did not write; move them away or pass --clean)\n{}{}",
        output.display(),
        foreign.len(),
        foreign.len(),
        shown.join("\n"),
        if foreign.len() > 10 { "\n  …" } else { "" }
    ))))
}

/// Builds the site: content → output, atomically (the previous output is replaced only
/// when the whole new site is written).
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    incremental::full_build(opts, false, false).map(|(_, report)| report)
}

/// [`build`], but when the content has error findings nothing is built and the output
/// stays as it was ([`BuildError::Refused`]): the pre-publication gate, in one pass.
pub fn build_strict(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    incremental::full_build(opts, false, true).map(|(_, report)| report)
}
