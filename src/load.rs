//! Stage 1, load: the only code that reads the content folder. Walks it, reads every
//! file, deserializes it into the typed model, applies the format's rules
//! ([`validate`]), and reports every problem of the whole folder at once, each with file,
//! line, column and field path, and a suggestion where there is one.
//!
//! Bad input never panics and never hangs: files are read only when they are regular
//! files no larger than [`MAX_FILE_BYTES`], symbolic-link loops are reported and skipped,
//! and the TOML parser bounds nesting.

pub mod fast;
mod messages;
pub mod validate;

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{
    Content, Department, DepartmentInfo, Evaluation, Project, Record, RecordBody, RecordKind,
    SiteConfig, SourceFile, Targets,
};
use crate::num::with_source;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use toml::de::{DeTable, DeValue};
pub use validate::{Validate, YEARS};
use validate::{Validator, did_you_mean};

/// File names a year folder may hold.
const RECORD_FILES: [&str; 2] = ["evaluation.toml", "targets.toml"];

/// The largest content file read: 8 MiB. The largest real record is under 50 KB; a file
/// 150 times that is not a record (a misplaced export, a log), and refusing it before
/// reading keeps a parallel load's memory bounded (the parsed tree of a TOML file takes
/// several times its size).
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Errors listed for one file; a file with more is shown with the first ones.
const MAX_ERRORS_PER_FILE: usize = 20;

/// A file found in the content folder, before parsing.
enum Found {
    Site,
    Department {
        slug: String,
    },
    Record {
        slug: String,
        year: i32,
        kind: RecordKind,
    },
}

/// One file read and parsed: its source when it could be read, its value when it could
/// be deserialized (even with rule errors, so that checks across files still run), and
/// its problems.
struct Loaded<T> {
    source: Option<Arc<SourceFile>>,
    value: Option<T>,
    diags: Vec<Diagnostic>,
}

impl<T> Loaded<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Loaded<U> {
        Loaded {
            source: self.source,
            value: self.value.map(f),
            diags: self.diags,
        }
    }
}

/// What [`load_each`] returns: the content, what the callback returned for each
/// department (in department order), and the time spent reading and parsing, summed over
/// threads.
pub struct Streamed<R> {
    /// The loaded content.
    pub content: Content,
    /// The callback's result for each department, in `content.departments` order.
    pub results: Vec<R>,
    /// Reading, decoding, parsing and validating files, summed over threads.
    pub parse_time: Duration,
}

/// Loads `root` (the content folder): `site.toml`, every department and every record.
/// Returns every problem found, not only the first.
pub fn load(root: &Path) -> Result<Content, Diagnostics> {
    load_each(root, |_, _| ()).map(|s| s.content)
}

/// Loads like [`load`], handing each department to `each` as soon as its records are
/// parsed, while other departments are still being read: `each` may compute, check and
/// free the department's source texts, so that the texts of the whole content are never
/// in memory at once. `each` runs only while no problem has been found in `site.toml`,
/// the department files or the department's own records; its results are returned only
/// when the whole content is valid.
pub fn load_each<R: Send>(
    root: &Path,
    each: impl Fn(&SiteConfig, &mut Department) -> R + Sync,
) -> Result<Streamed<R>, Diagnostics> {
    if let Some(d) = check_root(root) {
        return Err(Diagnostics(vec![d]));
    }
    let mut diags = Vec::new();
    let walked = walk(root, &mut diags);

    let mut site_path = None;
    let mut department_paths = Vec::new();
    // Record files by department slug, in the walk's (sorted) order.
    let mut record_paths: BTreeMap<String, RecordPaths> = BTreeMap::new();
    for (path, found) in walked.files {
        match found {
            Found::Site => site_path = Some(path),
            Found::Department { slug } => department_paths.push((slug, path)),
            Found::Record { slug, year, kind } => record_paths
                .entry(slug)
                .or_default()
                .push((path, year, kind)),
        }
    }

    // First site.toml and the department files (small), so that departments can be
    // told apart before any record is handed on.
    let parse_time = crate::ThreadTime::default();
    let (site_file, department_files) = rayon::join(
        || site_path.map(|p| parse_time.time(|| read::<SiteConfig>(root, &p))),
        || {
            department_paths
                .into_par_iter()
                .map(|(slug, path)| {
                    (
                        slug,
                        parse_time.time(|| read::<DepartmentInfo>(root, &path)),
                    )
                })
                .collect::<Vec<_>>()
        },
    );
    let (mut site, mut site_source) = (None, None);
    if let Some(file) = site_file {
        diags.extend(file.diags);
        site_source = file.source;
        site = file.value;
    }
    let mut departments = Vec::new();
    for (slug, file) in department_files {
        diags.extend(file.diags);
        if let (Some(source), Some(info)) = (file.source, file.value) {
            departments.push(Department {
                slug,
                info,
                records: Vec::new(),
                source,
            });
        }
    }
    for slug in &walked.department_folders {
        if !walked.department_files.contains(slug) && !walked.unreadable.contains(slug) {
            diags.push(
                Diagnostic::file(
                    format!("{slug}/department.toml"),
                    "缺少 department.toml：每个部门目录都需要它 (missing department.toml: every department folder needs one)",
                )
                .with_help(format!(
                    "新建 {slug}/department.toml，至少写 name = \"……\"（部门全称） (create it with the department's name)"
                )),
            );
        }
    }
    duplicate_departments(&departments, &mut diags);

    // Then each department's records, departments in parallel. Records of a department whose department.toml is missing or
    // invalid are read for their own problems only (the department's were reported).
    let site = site.unwrap_or_default();
    let run = diags.is_empty();
    let mut groups: Vec<(Option<Department>, RecordPaths)> = departments
        .into_iter()
        .map(|d| {
            let files = record_paths.remove(&d.slug).unwrap_or_default();
            (Some(d), files)
        })
        .collect();
    groups.extend(record_paths.into_values().map(|files| (None, files)));
    // `rayon::scope` runs on the pool's threads even for a single department, so that
    // parsing never uses the caller's stack, which may be small.
    let done: Vec<(Option<Department>, Vec<Diagnostic>, Option<R>)> = rayon::scope(|_| {
        groups
            .into_par_iter()
            // One department a task: rayon's default splits the list into a few long
            // runs, and the core that finishes first then waits out the other's tail
            // (0.3 s at 13,333 records).
            .with_max_len(1)
            .map(|(mut dept, files)| {
                // A department's records one after another: departments are the parallel
                // unit (nesting another parallel loop here adds its frames to a parse's
                // stack, and a province has many departments).
                let loaded: Vec<(i32, RecordKind, Loaded<RecordBody>)> = files
                    .into_iter()
                    .map(|(path, year, kind)| {
                        (
                            year,
                            kind,
                            parse_time.time(|| read_record(root, &path, kind)),
                        )
                    })
                    .collect();
                let mut diags = Vec::new();
                for (year, kind, file) in loaded {
                    diags.extend(file.diags);
                    let (Some(dept), Some(source), Some(body)) =
                        (&mut dept, file.source, file.value)
                    else {
                        continue;
                    };
                    diags.extend(year_mismatch(&source, &body, &dept.slug, year));
                    dept.records.push(Record {
                        year,
                        kind,
                        source,
                        body,
                    });
                }
                let mut result = None;
                if let Some(d) = &mut dept {
                    d.records.sort_by_key(|r| (r.year, r.kind));
                    if run && diags.is_empty() {
                        result = Some(each(&site, d));
                    }
                }
                (dept, diags, result)
            })
            .collect()
    });

    let mut departments = Vec::with_capacity(done.len());
    let mut results = Vec::with_capacity(done.len());
    for (dept, d, r) in done {
        diags.extend(d);
        if let Some(dept) = dept {
            departments.push(dept);
            results.extend(r);
        }
    }
    if diags.is_empty() {
        Ok(Streamed {
            content: Content {
                site,
                site_source,
                departments,
                root: root.to_path_buf(),
            },
            results,
            parse_time: parse_time.total(),
        })
    } else {
        Err(Diagnostics(diags))
    }
}

/// A department's record files: path, year folder, kind.
type RecordPaths = Vec<(PathBuf, i32, RecordKind)>;

/// Reads one record file of `kind`.
fn read_record(root: &Path, path: &Path, kind: RecordKind) -> Loaded<RecordBody> {
    match kind {
        RecordKind::Evaluation => read::<Evaluation>(root, path).map(|mut e| {
            e.projects.iter_mut().for_each(Project::hoist_misplaced);
            RecordBody::Evaluation(Box::new(e))
        }),
        RecordKind::Targets => {
            read::<Targets>(root, path).map(|t| RecordBody::Targets(Box::new(t)))
        }
    }
}

/// Reads one record file again (`rel` under `root`, e.g. `xiangxi-xfj/2023/evaluation.toml`)
/// with the same rules as [`load`]: for rebuilding after an edit without reading the rest.
pub fn reload_record(
    root: &Path,
    rel: &str,
    kind: RecordKind,
    year: i32,
) -> Result<Record, Diagnostics> {
    let file = read_record(root, &root.join(rel), kind);
    let mut diags = file.diags;
    let (Some(source), Some(body)) = (file.source, file.value) else {
        return Err(Diagnostics(diags));
    };
    let slug = rel.split('/').next().unwrap_or_default();
    diags.extend(year_mismatch(&source, &body, slug, year));
    if !diags.is_empty() {
        return Err(Diagnostics(diags));
    }
    Ok(Record {
        year,
        kind,
        source,
        body,
    })
}

/// A record whose `year` is not its folder's (a year out of range is reported by the
/// record's rules instead).
fn year_mismatch(
    source: &SourceFile,
    body: &RecordBody,
    slug: &str,
    folder: i32,
) -> Option<Diagnostic> {
    let stated = match body {
        RecordBody::Evaluation(e) => &e.year,
        RecordBody::Targets(t) => &t.year,
    };
    let in_range = rust_decimal::prelude::ToPrimitive::to_i32(&stated.value)
        .is_some_and(|y| YEARS.contains(&y));
    (in_range && stated.value != rust_decimal::Decimal::from(folder)).then(|| {
        Diagnostic::at(
            source,
            stated.span.start,
            "year",
            &format!(
                "年度 {} 与所在目录 {folder} 不一致 (year {} does not match its folder {folder})",
                stated.value, stated.value
            ),
        )
        .with_help(format!(
            "改为 year = {folder}，或把文件移到 {slug}/{}/ 目录 (fix the year, or move the file)",
            stated.value
        ))
    })
}

/// The content path must be a folder.
fn check_root(root: &Path) -> Option<Diagnostic> {
    let shown = root.display().to_string();
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => None,
        Ok(_) => Some(
            Diagnostic::file(
                shown,
                "内容路径是文件，不是目录 (the content path is a file, not a folder)",
            )
            .with_help(
                "--content 应指向包含 site.toml 和各部门目录的文件夹 (--content names the folder holding site.toml and the department folders)",
            ),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(
            Diagnostic::file(
                shown,
                "内容目录不存在 (the content folder does not exist)",
            )
            .with_help(
                "检查路径；默认是当前目录下的 content/，可用 --content 指定 (check the path; the default is ./content)",
            ),
        ),
        Err(e) => Some(io_problem(shown, &e)),
    }
}

/// Two department folders for one department: the same 统一社会信用代码, or the same name
/// in the same region.
fn duplicate_departments(departments: &[Department], diags: &mut Vec<Diagnostic>) {
    let mut by_code: HashMap<&str, &Department> = HashMap::new();
    let mut by_name: HashMap<(&str, &str), &Department> = HashMap::new();
    for d in departments {
        let code = d.info.credit_code.as_deref().map(str::trim);
        let first = code
            .filter(|c| !c.is_empty())
            .and_then(|c| {
                by_code
                    .get(c)
                    .map(|f| (*f, "credit_code", "统一社会信用代码"))
            })
            .or_else(|| {
                let name = d.info.name.as_deref()?.trim();
                let region = d.info.region.as_deref().unwrap_or("").trim();
                by_name.get(&(name, region)).map(|f| (*f, "name", "名称"))
            });
        if let Some((first, field, zh)) = first {
            let at = Validator::new(&d.source).offset(field);
            diags.push(
                Diagnostic::at(
                    &d.source,
                    at,
                    field,
                    &format!(
                        "部门重复：与 `{}` 的{zh}相同 (duplicate department: same {field} as {})",
                        first.source.path, first.source.path
                    ),
                )
                .with_help(
                    "同一部门只用一个目录，把各年度目录移到其中；若确为不同部门，请写全称并注明所属地区 region (one folder per department)",
                ),
            );
            continue;
        }
        if let Some(c) = code.filter(|c| !c.is_empty()) {
            by_code.insert(c, d);
        }
        if let Some(name) = d.info.name.as_deref() {
            let region = d.info.region.as_deref().unwrap_or("").trim();
            by_name.insert((name.trim(), region), d);
        }
    }
}

fn rel_path(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// What the walk found.
#[derive(Default)]
struct Walked {
    files: Vec<(PathBuf, Found)>,
    /// Department folders (valid slugs).
    department_folders: Vec<String>,
    /// Department folders holding a department.toml.
    department_files: BTreeSet<String>,
    /// Entries that could not be read (reported): nothing is said about what they hold.
    unreadable: BTreeSet<String>,
}

/// Walks the content folder, classifying every entry and reporting unknown ones.
/// Symbolic links are followed (a department may be linked in from elsewhere); a link
/// back to a parent folder is reported, not followed.
///
/// The content folder's own entries are listed first; the folders in it (a province has
/// thousands) are then walked on the pool's threads, and what each finds is put back in
/// the order of one sorted walk: an entry, then everything below it.
fn walk(root: &Path, diags: &mut Vec<Diagnostic>) -> Walked {
    let mut out = Walked::default();
    let top = top_entries(root);
    let below: Vec<Option<(Walked, Vec<Diagnostic>)>> = top
        .par_iter()
        .map(|t| match t {
            Top::Entry {
                path, is_dir: true, ..
            } => Some(walk_below(root, path)),
            _ => None,
        })
        .collect();
    for (entry, below) in top.into_iter().zip(below) {
        match entry {
            Top::Entry {
                path,
                is_dir,
                is_file,
            } => classify(root, &path, is_dir, is_file, &mut out, diags),
            Top::Problem(rel, d) => {
                out.unreadable.insert(rel);
                diags.push(d);
            }
        }
        if let Some((walked, d)) = below {
            out.files.extend(walked.files);
            out.department_files.extend(walked.department_files);
            out.unreadable.extend(walked.unreadable);
            diags.extend(d);
        }
    }
    out
}

/// An entry of the content folder itself, links followed, or the problem with it.
enum Top {
    Entry {
        path: PathBuf,
        is_dir: bool,
        is_file: bool,
    },
    /// The entry (relative path) cannot be read or followed.
    Problem(String, Diagnostic),
}

/// The content folder's entries in name order, dot-names left out, as a walk with links
/// followed gives them: a link is taken for what it points to, a link to the content
/// folder itself (`b -> .`) or one that cannot be followed is a problem.
fn top_entries(root: &Path) -> Vec<Top> {
    let list = match std::fs::read_dir(root) {
        Ok(list) => list,
        Err(e) => return vec![Top::Problem(String::new(), io_problem(String::new(), &e))],
    };
    let mut entries = Vec::new();
    // As in a sorted walk: problems first, then entries by name.
    let mut out = Vec::new();
    for item in list {
        match item {
            Ok(item) => entries.push(item),
            Err(e) => out.push(Top::Problem(String::new(), io_problem(String::new(), &e))),
        }
    }
    entries.sort_by_key(|e| e.file_name());
    out.extend(entries.into_iter().filter_map(|item| {
        let top = top_entry(root, &item);
        // A dot-name is left out, but a link of that name that cannot be followed, or
        // that leads back to the content folder, is still reported (`.#site.toml`, the
        // lock an editor leaves, is a broken link).
        let dot = item.file_name().to_string_lossy().starts_with('.');
        (!dot || matches!(top, Top::Problem(..))).then_some(top)
    }));
    out
}

fn top_entry(root: &Path, item: &std::fs::DirEntry) -> Top {
    let path = item.path();
    let rel = rel_path(root, &path);
    let kind = match item.file_type() {
        Ok(kind) => kind,
        Err(e) => return Top::Problem(rel.clone(), io_problem(rel, &e)),
    };
    let (is_dir, is_file) = if kind.is_symlink() {
        match std::fs::metadata(&path) {
            Ok(t) if t.is_dir() && same_folder(&path, root) => {
                return Top::Problem(rel.clone(), loop_problem(root, rel, root));
            }
            Ok(t) => (t.is_dir(), t.is_file()),
            Err(e) => return Top::Problem(rel.clone(), link_problem(rel, &path, &e)),
        }
    } else {
        (kind.is_dir(), kind.is_file())
    };
    Top::Entry {
        path,
        is_dir,
        is_file,
    }
}

/// Walks one folder of the content folder (a department's, or one that is reported).
fn walk_below(root: &Path, dir: &Path) -> (Walked, Vec<Diagnostic>) {
    let mut out = Walked::default();
    let mut diags = Vec::new();
    let mut walker = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .max_depth(2)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_name().to_string_lossy().starts_with('.')
                // A link back to the content folder is reported whatever its name.
                || (e.path_is_symlink() && e.file_type().is_dir() && same_folder(e.path(), root))
        });
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                if let Some(p) = e.path() {
                    out.unreadable.insert(rel_path(root, p));
                }
                diags.push(walk_problem(root, &e));
                continue;
            }
        };
        // This walk starts below the content folder, so a link back to the content folder
        // itself is not among its ancestors: it is caught here, as one walk would.
        if entry.path_is_symlink() && entry.file_type().is_dir() && same_folder(entry.path(), root)
        {
            let rel = rel_path(root, entry.path());
            out.unreadable.insert(rel.clone());
            diags.push(loop_problem(root, rel, root));
            walker.skip_current_dir();
            continue;
        }
        let kind = entry.file_type();
        classify(
            root,
            entry.path(),
            kind.is_dir(),
            kind.is_file(),
            &mut out,
            &mut diags,
        );
    }
    (out, diags)
}

/// Whether `a` and `b` are one folder.
#[cfg(unix)]
fn same_folder(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_folder(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Classifies one entry of the content folder (`path`, links followed).
fn classify(
    root: &Path,
    path: &Path,
    is_dir: bool,
    is_file: bool,
    out: &mut Walked,
    diags: &mut Vec<Diagnostic>,
) {
    let rel = rel_path(root, path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if !is_dir && !is_file {
        diags.push(Diagnostic::file(
            rel,
            "不是普通文件（可能是管道、设备或套接字），未读取 (not a regular file: a pipe, device or socket; not read)",
        ).with_help("内容目录中只放 TOML 文件和目录 (the content folder holds TOML files and folders only)"));
        return;
    }
    let parts: Vec<&str> = rel.split('/').collect();
    match (parts.as_slice(), is_dir) {
        ([_], false) if name == "site.toml" => out.files.push((path.to_path_buf(), Found::Site)),
        ([_], false) => diags.push(unknown(&rel, &name, &["site.toml"])),
        ([slug], true) => {
            if crate::site::RESERVED_SLUGS.contains(slug) {
                diags.push(Diagnostic::file(
                    rel.clone(),
                    &format!("部门目录名 `{slug}` 为网站保留名称，请改名 (`{slug}` is reserved by the site: {})", crate::site::RESERVED_SLUGS.join(", ")),
                ));
            } else if !valid_slug(slug) {
                diags.push(Diagnostic::file(
                    rel.clone(),
                    &format!("部门目录名 `{slug}` 不合规：须以小写字母开头，只含 a-z、0-9 和 - (department folder names are URL slugs: [a-z][a-z0-9-]*)"),
                ).with_help(format!("改名为 `{}` 之类的名称 (rename it)", suggest_slug(slug))));
            } else {
                out.department_folders.push(slug.to_string());
            }
        }
        ([slug, _], false) if name == "department.toml" => {
            out.department_files.insert(slug.to_string());
            out.files.push((
                path.to_path_buf(),
                Found::Department {
                    slug: slug.to_string(),
                },
            ));
        }
        ([_, _], false) => diags.push(unknown(&rel, &name, &["department.toml"])),
        ([_, year], true) => {
            if let Some(d) = year_problem(&rel, year) {
                diags.push(d);
            }
        }
        ([slug, year, _], false) => {
            let Some(year) = parse_year(year) else {
                return;
            };
            let kind = match name.as_str() {
                "evaluation.toml" => RecordKind::Evaluation,
                "targets.toml" => RecordKind::Targets,
                _ => {
                    diags.push(unknown(&rel, &name, &RECORD_FILES));
                    return;
                }
            };
            out.files.push((
                path.to_path_buf(),
                Found::Record {
                    slug: slug.to_string(),
                    year,
                    kind,
                },
            ));
        }
        ([_, _, _], true) => diags.push(Diagnostic::file(
            rel.clone(),
            "年度目录下不应有子目录 (a year folder holds only evaluation.toml and targets.toml)",
        )),
        _ => {}
    }
}

/// A walk error, with paths relative to the content folder.
fn walk_problem(root: &Path, e: &walkdir::Error) -> Diagnostic {
    let rel = e.path().map(|p| rel_path(root, p)).unwrap_or_default();
    if let Some(ancestor) = e.loop_ancestor() {
        return loop_problem(root, rel, ancestor);
    }
    match (e.io_error(), e.path()) {
        (Some(io), Some(path)) => link_problem(rel, path, io),
        (Some(io), None) => io_problem(rel, io),
        (None, _) => Diagnostic::file(rel, &format!("无法读取 (cannot read): {e}")),
    }
}

/// A link at `rel` to the folder `ancestor` above it.
fn loop_problem(root: &Path, rel: String, ancestor: &Path) -> Diagnostic {
    let to = match rel_path(root, ancestor) {
        a if a.is_empty() || ancestor == root => "`.`（内容目录本身）".to_string(),
        a => format!("`{a}`"),
    };
    Diagnostic::file(
        rel,
        &format!("符号链接循环：指向其上级目录 {to}，已跳过 (symbolic link loop: it points to a folder above it; skipped)"),
    )
    .with_help("删除这个链接 (remove the link)")
}

/// An I/O error on `path` (at `rel`), which may be a link that cannot be followed.
fn link_problem(rel: String, path: &Path, io: &std::io::Error) -> Diagnostic {
    // A link that leads back to itself (`c -> c`): the system gives up following it.
    if !matches!(
        io.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
    ) && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    {
        return Diagnostic::file(
            rel,
            "符号链接循环：链接最终指回自己，已跳过 (symbolic link loop: the link leads back to itself; skipped)",
        )
        .with_help("删除或修正这个链接 (remove or fix the link)");
    }
    io_problem(rel, io)
}

/// An I/O error on `rel`, worded without machine paths.
fn io_problem(rel: String, e: &std::io::Error) -> Diagnostic {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::PermissionDenied => Diagnostic::file(rel, "没有读取权限 (permission denied)")
            .with_help("请让当前用户可以读取它，例如 chmod a+r（目录为 a+rx） (make it readable)"),
        ErrorKind::NotFound => Diagnostic::file(
            rel,
            "找不到：可能是指向不存在位置的符号链接 (not found: perhaps a broken symbolic link)",
        )
        .with_help("删除或修正这个链接 (remove or fix the link)"),
        _ => Diagnostic::file(rel, &format!("无法读取 (cannot read): {e}")),
    }
}

/// `[a-z][a-z0-9-]*`.
pub fn valid_slug(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A valid slug close to `s`: `Bad_Dept` → `bad-dept`.
fn suggest_slug(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .collect();
    out = out.trim_matches('-').to_string();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "dept-");
    }
    out
}

fn parse_year(s: &str) -> Option<i32> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|y| YEARS.contains(y))
}

/// Why a folder inside a department is not a year folder, if it is not.
fn year_problem(rel: &str, name: &str) -> Option<Diagnostic> {
    if !(name.len() == 4 && name.bytes().all(|b| b.is_ascii_digit())) {
        return Some(Diagnostic::file(
            rel.to_string(),
            &format!(
                "`{name}` 不是年度目录：年度目录名须为四位数字 (a year folder is named with four digits, e.g. 2023)"
            ),
        ));
    }
    parse_year(name).is_none().then(|| {
        Diagnostic::file(
            rel.to_string(),
            &format!(
                "年度 {name} 不在合理范围 {}–{} 内 (year out of range)",
                YEARS.start(),
                YEARS.end()
            ),
        )
        .with_help("检查年份是否写错 (check the year)")
    })
}

fn unknown(rel: &str, name: &str, expected: &[&str]) -> Diagnostic {
    let d = Diagnostic::file(
        rel.to_string(),
        &format!(
            "未知文件 `{name}`：此处只能有 {} (unknown file; expected {})",
            expected.join("、"),
            expected.join(" or ")
        ),
    );
    match did_you_mean(name, expected.iter().copied()) {
        Some(e) => d.with_help(format!("是否应为 `{e}`？(did you mean `{e}`?)")),
        None => d.with_help("不属于网站内容的文件请移出内容目录 (move files that are not content out of the folder)"),
    }
}

/// Reads, decodes, parses and validates one file.
fn read<T: DeserializeOwned + Validate>(root: &Path, path: &Path) -> Loaded<T> {
    let rel = rel_path(root, path);
    let failed = |d: Diagnostic| Loaded {
        source: None,
        value: None,
        diags: vec![d],
    };
    let bytes = match read_bytes(path) {
        Ok(b) => b,
        Err(Problem::Io(e)) => return failed(io_problem(rel, &e)),
        Err(Problem::NotRegular) => {
            return failed(Diagnostic::file(
                rel,
                "不是普通文件（可能是管道或设备），未读取 (not a regular file; not read)",
            ));
        }
        Err(Problem::TooLarge(n)) => {
            return failed(
                Diagnostic::file(
                    rel,
                    &format!(
                        "文件过大（{:.1} MB），上限为 {} MB (the file is too large; the limit is {} MB)",
                        n as f64 / 1_048_576.0,
                        MAX_FILE_BYTES >> 20,
                        MAX_FILE_BYTES >> 20
                    ),
                )
                .with_help("一份公开文件的记录通常不到 100 KB；请检查是否放错了文件 (a record is usually under 100 KB)"),
            );
        }
    };
    let text = match decode(&rel, bytes) {
        Ok(t) => t,
        Err(d) => return failed(*d),
    };
    if text.trim().is_empty() {
        return failed(
            Diagnostic::file(rel, "文件为空 (the file is empty)").with_help(T::EMPTY_HELP),
        );
    }
    let source = Arc::new(SourceFile::new(rel, text));
    let (value, diags) = parse_checked::<T>(&source);
    Loaded {
        source: Some(source),
        value,
        diags,
    }
}

enum Problem {
    Io(std::io::Error),
    NotRegular,
    TooLarge(u64),
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`]. Checks the kind before opening,
/// since opening a pipe waits for a writer.
fn read_bytes(path: &Path) -> Result<Vec<u8>, Problem> {
    let meta = std::fs::metadata(path).map_err(Problem::Io)?;
    if !meta.is_file() {
        return Err(Problem::NotRegular);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Problem::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(Problem::Io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file that grows while being read stops at the limit.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(Problem::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Problem::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// UTF-8 text, a leading byte-order mark dropped; UTF-16 and other encodings are errors
/// that say how to fix them.
fn decode(rel: &str, bytes: Vec<u8>) -> Result<String, Box<Diagnostic>> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    let utf16 = "文件为 UTF-16 编码；请另存为 UTF-8 (the file is UTF-16; save it as UTF-8)";
    let save_as = "在记事本中“另存为”，编码选 UTF-8；或 iconv -f UTF-16 -t UTF-8 (save as UTF-8)";
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || looks_utf16(&bytes) {
        return Err(Box::new(
            Diagnostic::file(rel.to_string(), utf16).with_help(save_as),
        ));
    }
    // The standard library checks UTF-8 a byte at a time, Chinese text being three bytes
    // a character; simdutf8 checks it in SIMD blocks (a twentieth of `check` before). The
    // standard library's check, which says where the bad byte is, runs only on failure.
    if simdutf8::basic::from_utf8(&bytes).is_ok() {
        // SAFETY: the bytes were just checked to be UTF-8.
        return Ok(unsafe { String::from_utf8_unchecked(bytes) });
    }
    String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let ok = String::from_utf8_lossy(&e.as_bytes()[..bad]);
        let line = ok.matches('\n').count() + 1;
        let col = ok.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let rest = &e.as_bytes()[bad..];
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let excerpt = format!(
            "{}{}",
            ok.rsplit('\n').next().unwrap_or(""),
            String::from_utf8_lossy(&rest[..end]).trim_end_matches('\r')
        );
        Box::new(Diagnostic {
            file: rel.to_string(),
            line,
            col,
            field: String::new(),
            message: "文件不是 UTF-8 编码（可能为 GBK）；请另存为 UTF-8 (the file is not UTF-8, perhaps GBK; save it as UTF-8)".to_string(),
            help: Some("在记事本中“另存为”，编码选 UTF-8；或 iconv -f GBK -t UTF-8 (save as UTF-8)".to_string()),
            excerpt: Some(excerpt),
        })
    })
}

/// UTF-16 without a byte-order mark: ASCII text in it has every other byte zero.
fn looks_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(256)];
    head.len() >= 4 && head.iter().filter(|&&b| b == 0).count() * 3 >= head.len()
}

/// Parses one file's text and applies the format's rules. The value is returned when the
/// file could be deserialized (possibly leaving out wrongly typed keys), so that checks
/// across files can still run; the file is valid only when there are no diagnostics.
fn parse_checked<T: DeserializeOwned + Validate>(
    source: &SourceFile,
) -> (Option<T>, Vec<Diagnostic>) {
    if let Some(at) = memchr::memchr(0, source.text.as_bytes()) {
        let d = Diagnostic::at(
            source,
            at,
            "",
            "文件含 NUL 字节，不是文本文件 (the file contains NUL bytes: not a text file)",
        )
        .with_help(
            "请用文本编辑器检查并另存为 UTF-8 (check it in a text editor and save it as UTF-8)",
        );
        return (None, vec![d]);
    }
    with_source(&source.text, || {
        let (value, mut diags, removed) = deserialize_all::<T>(source);
        if let Some(v) = &value {
            let mut rules = Validator::new(source);
            v.validate(&mut rules);
            diags.extend(rules.finish(&removed));
        }
        if diags.len() > MAX_ERRORS_PER_FILE {
            diags.truncate(MAX_ERRORS_PER_FILE);
            diags.push(Diagnostic::file(
                source.path.clone(),
                &format!("此文件错误较多，只列出前 {MAX_ERRORS_PER_FILE} 处 (more errors in this file; the first {MAX_ERRORS_PER_FILE} are listed)"),
            ));
        }
        (value, diags)
    })
}

/// Deserializes one TOML file into `T` and applies the format's rules: every problem,
/// with field paths and positions.
pub fn parse_toml<T: DeserializeOwned + Validate>(
    source: &SourceFile,
) -> Result<T, Vec<Diagnostic>> {
    match parse_checked::<T>(source) {
        (Some(v), d) if d.is_empty() => Ok(v),
        (_, d) => Err(d),
    }
}

/// Deserializes one TOML file into `T`, checking types only (not the format's rules):
/// for tools and tests that build records the rules would refuse.
pub fn deserialize_toml<T: DeserializeOwned>(source: &SourceFile) -> Result<T, Vec<Diagnostic>> {
    if memchr::memchr(0, source.text.as_bytes()).is_some() {
        return Err(vec![Diagnostic::file(
            source.path.clone(),
            "文件含 NUL 字节 (the file contains NUL bytes)",
        )]);
    }
    with_source(&source.text, || match deserialize_all::<T>(source) {
        (Some(v), d, _) if d.is_empty() => Ok(v),
        (_, d, _) => Err(d),
    })
}

/// One step of a serde field path, owned.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

fn path_string(steps: &[Step]) -> String {
    let mut s = String::new();
    for step in steps {
        match step {
            Step::Key(k) if s.is_empty() => s.push_str(k),
            Step::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Deserializes `T`, collecting every type error: after an error, the key holding it is
/// removed from the parsed tree and the rest is read again, up to
/// [`MAX_ERRORS_PER_FILE`] errors. Returns the value when the rest could be read, the
/// errors, and the paths removed (so that rules do not report them again).
fn deserialize_all<T: DeserializeOwned>(
    source: &SourceFile,
) -> (Option<T>, Vec<Diagnostic>, Vec<String>) {
    let text = source.text.as_str();
    // The quick way through a well-formed file (see `fast`); anything it leaves is read
    // by `toml`.
    if let Some(v) = fast::from_str::<T>(text) {
        return (Some(v), Vec::new(), Vec::new());
    }
    // Without path tracking; a file that fails is read again with it.
    match toml::de::Deserializer::parse(text) {
        Err(_) => return (None, syntax_errors(source), Vec::new()),
        Ok(de) => {
            if let Ok(v) = T::deserialize(de) {
                return (Some(v), Vec::new(), Vec::new());
            }
        }
    }
    let Ok(mut tree) = DeTable::parse(text) else {
        return (None, syntax_errors(source), Vec::new());
    };
    let mut diags = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    // Each round reports an error or drops a follow-on one, and removes a key.
    for _ in 0..2 * MAX_ERRORS_PER_FILE {
        let de = toml::de::Deserializer::from(tree.clone());
        let e = match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => return (Some(v), diags, removed),
            Err(e) => e,
        };
        let mut steps: Vec<Step> = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Map { key } if !key.starts_with("$__") => {
                    Some(Step::Key(key.clone()))
                }
                serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
                _ => None,
            })
            .collect();
        let inner = e.into_inner();
        let msg = inner.message().trim().to_string();
        let missing = msg
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
            .map(str::to_string);
        let container = steps.clone();
        if let Some(m) = &missing {
            steps.push(Step::Key(m.clone()));
        }
        let path = path_string(&steps);
        // A required key removed for its wrong type is then missing: already reported.
        if !(missing.is_some() && removed.contains(&path)) {
            let key = steps.iter().rev().find_map(|s| match s {
                Step::Key(k) => Some(k.as_str()),
                Step::Index(_) => None,
            });
            let (message, help) = messages::typed(&msg, key.unwrap_or(""));
            let at = match inner.span() {
                Some(s) => s.start,
                None => Validator::new(source).offset(&path),
            };
            let d = Diagnostic::at(source, at, &path, &message);
            diags.push(match help {
                Some(h) => d.with_help(h),
                None => d,
            });
            if diags.len() >= MAX_ERRORS_PER_FILE {
                break;
            }
        }
        // A misspelt key (`nam`) leaves the key it stands for (`name`) missing: the
        // suggestion says so already.
        if let Some(s) = messages::suggested_key(&msg) {
            let mut meant = container.clone();
            meant.pop();
            meant.push(Step::Key(s.to_string()));
            removed.push(path_string(&meant));
        }
        // Remove the innermost key holding the error: for a missing key, the table (or
        // list of tables) that lacks it.
        let target = if missing.is_some() { container } else { steps };
        let Some(cut) = target.iter().rposition(|s| matches!(s, Step::Key(_))) else {
            break;
        };
        if !remove(tree.get_mut(), &target[..=cut]) {
            break;
        }
        removed.push(path_string(&target[..=cut]));
    }
    (None, diags, removed)
}

/// Removes the key at `steps` (which ends with a key) from `table`.
fn remove(table: &mut DeTable, steps: &[Step]) -> bool {
    match steps {
        [Step::Key(k)] => table.remove(k.as_str()).is_some(),
        [Step::Key(k), rest @ ..] => match table.get_mut(k.as_str()) {
            Some(v) => remove_in(v.get_mut(), rest),
            None => false,
        },
        _ => false,
    }
}

fn remove_in(value: &mut DeValue, steps: &[Step]) -> bool {
    match (value, steps.first()) {
        (DeValue::Table(t), Some(Step::Key(_))) => remove(t, steps),
        (DeValue::Array(a), Some(Step::Index(i))) => match a.get_mut(*i) {
            Some(v) => remove_in(v.get_mut(), &steps[1..]),
            None => false,
        },
        _ => false,
    }
}

/// Every syntax error of a file (the parser recovers and goes on).
fn syntax_errors(source: &SourceFile) -> Vec<Diagnostic> {
    let (_, errors) = DeTable::parse_recoverable(&source.text);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for e in errors {
        let at = match e.span() {
            Some(s) => s.start,
            // Only a too-deep dotted key comes without a position: find the line.
            None => deepest_key_line(&source.text),
        };
        if !seen.insert(at) {
            continue;
        }
        let span = e.span().unwrap_or(at..at);
        let (message, help) = messages::syntax(e.message(), &source.text, span);
        let d = Diagnostic::at(source, at, "", &message);
        out.push(match help {
            Some(h) => d.with_help(h),
            None => d,
        });
        if out.len() >= MAX_ERRORS_PER_FILE {
            break;
        }
    }
    if out.is_empty() {
        out.push(Diagnostic::at(
            source,
            0,
            "",
            "TOML 语法错误 (syntax error)",
        ));
    }
    out
}

/// Offset of the line with the most dots (the too-deep dotted key).
fn deepest_key_line(text: &str) -> usize {
    let mut best = (0, 0);
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let dots = line.bytes().filter(|&b| b == b'.').count();
        if dots > best.0 {
            best = (dots, start);
        }
        start += line.len();
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(valid_slug("xiangxi-xfj"));
        assert!(valid_slug("a1"));
        assert!(!valid_slug("1a"));
        assert!(!valid_slug("Xiangxi"));
        assert!(!valid_slug("a_b"));
        assert!(!valid_slug(""));
        assert_eq!(suggest_slug("Bad_Dept"), "bad-dept");
        assert!(valid_slug(&suggest_slug("信访局")));
        assert!(valid_slug(&suggest_slug("2023")));
    }

    #[test]
    fn did_you_mean() {
        let d = unknown("a/2023/evalutaion.toml", "evalutaion.toml", &RECORD_FILES);
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .contains("did you mean `evaluation.toml`"),
            "{d}"
        );
        let d = unknown("a/2023/notes.txt", "notes.txt", &RECORD_FILES);
        assert!(!d.to_string().contains("did you mean"), "{d}");
    }

    #[test]
    fn years_are_four_digits_in_range() {
        assert_eq!(parse_year("2023"), Some(2023));
        assert_eq!(parse_year("1899"), None);
        assert_eq!(parse_year("23"), None);
        assert!(year_problem("a/1899", "1899").is_some());
        assert!(year_problem("a/2023", "2023").is_none());
    }

    #[test]
    fn errors_name_line_column_and_field() {
        let src = SourceFile::new(
            "x/2023/evaluation.toml".into(),
            "year = 2023\n[[three_public]]\nitem = \"a\"\nbudgt = 1\n".into(),
        );
        let e = parse_toml::<Evaluation>(&src).err().unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].line, e[0].col), (4, 1));
        assert_eq!(e[0].field, "three_public[0].budgt");
        assert!(
            e[0].message.contains("未知字段 `budgt`"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn every_type_error_of_a_file_is_reported() {
        let src = SourceFile::new(
            "x/2023/evaluation.toml".into(),
            "year = 2023\ntitle = 5\n[[three_public]]\nitem = 3\nbudgt = 1\n[budget]\ninitial = \"5\"\n"
                .into(),
        );
        let e = parse_toml::<Evaluation>(&src).err().unwrap();
        let fields: Vec<&str> = e.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "budget.initial",
                "three_public[0].budgt",
                "three_public[0].item",
                "title"
            ]
        );
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_recognised() {
        let bytes: Vec<u8> = "year = 2023\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let d = decode("a.toml", bytes).unwrap_err();
        assert!(d.message.contains("UTF-16"), "{d}");
    }
}
