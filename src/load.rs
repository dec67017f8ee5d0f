//! Stage 1, load: the only code that reads the content folder. Walks it, reads every
//! file, deserializes it into the typed model, and reports every problem of the whole
//! folder at once, each with file, line, column and field path.

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{
    Content, Department, DepartmentInfo, Evaluation, Project, Record, RecordBody, RecordKind,
    SiteConfig, SourceFile, Targets,
};
use crate::num::with_source;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// File names a year folder may hold.
const RECORD_FILES: [&str; 2] = ["evaluation.toml", "targets.toml"];

/// A file found in the content folder, before parsing.
enum Found {
    Department {
        slug: String,
    },
    Record {
        slug: String,
        year: i32,
        kind: RecordKind,
    },
}

/// Loads `root` (the content folder): `site.toml`, every department and every record.
/// Returns every problem found, not only the first.
pub fn load(root: &Path) -> Result<Content, Diagnostics> {
    let mut diags = Vec::new();
    if !root.is_dir() {
        return Err(Diagnostics(vec![Diagnostic::file(
            root.display().to_string(),
            "内容目录不存在或不是目录 (the content folder does not exist or is not a folder)",
        )]));
    }

    let mut found: Vec<(PathBuf, String, Found)> = Vec::new();
    let mut site_file = None;
    walk(root, &mut found, &mut site_file, &mut diags);

    // Parse every file in parallel; results keep the walk's (sorted) order.
    let site = match site_file {
        Some(p) => read_and_parse::<SiteConfig>(root, &p).map(|(src, s)| (Some(src), s)),
        None => Ok((None, SiteConfig::default())),
    };
    let parsed: Vec<ParseResult> = found
        .par_iter()
        .map(|(path, _, what)| match what {
            Found::Department { .. } => read_and_parse::<DepartmentInfo>(root, path)
                .map(|(src, d)| (src, Parsed::Department(Box::new(d)))),
            Found::Record { kind, .. } => match kind {
                RecordKind::Evaluation => {
                    read_and_parse::<Evaluation>(root, path).map(|(src, mut e)| {
                        e.projects.iter_mut().for_each(Project::hoist_misplaced);
                        (src, Parsed::Record(RecordBody::Evaluation(Box::new(e))))
                    })
                }
                RecordKind::Targets => read_and_parse::<Targets>(root, path)
                    .map(|(src, t)| (src, Parsed::Record(RecordBody::Targets(Box::new(t))))),
            },
        })
        .collect();

    let site = site.map_err(|d| diags.extend(d)).ok();
    let mut departments: Vec<Department> = Vec::new();
    let mut records: Vec<(String, Record)> = Vec::new();
    for ((_, rel, what), result) in found.into_iter().zip(parsed) {
        let (source, parsed) = match result {
            Ok(ok) => ok,
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        match (what, parsed) {
            (Found::Department { slug }, Parsed::Department(info)) => {
                if info.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                    diags.push(Diagnostic::at(
                        &source,
                        0,
                        "name",
                        "缺少必填字段 `name`（部门(单位)名称） (missing required key `name`)",
                    ));
                }
                departments.push(Department {
                    slug,
                    info: *info,
                    records: Vec::new(),
                    source,
                });
            }
            (Found::Record { slug, year, kind }, Parsed::Record(body)) => {
                let stated_year = match &body {
                    RecordBody::Evaluation(e) => &e.year,
                    RecordBody::Targets(t) => &t.year,
                };
                if stated_year.value != rust_decimal::Decimal::from(year) {
                    diags.push(Diagnostic::at(
                        &source,
                        stated_year.span.start,
                        "year",
                        &format!(
                            "年度 {} 与所在目录 {year} 不一致 (year {} does not match its folder {rel})",
                            stated_year.value, stated_year.value
                        ),
                    ));
                }
                records.push((
                    slug,
                    Record {
                        year,
                        kind,
                        source,
                        body,
                    },
                ));
            }
            _ => unreachable!("parse result follows the found kind"),
        }
    }

    for (slug, record) in records {
        match departments.iter_mut().find(|d| d.slug == slug) {
            Some(d) => d.records.push(record),
            None => diags.push(Diagnostic::file(
                format!("{slug}/department.toml"),
                "缺少 department.toml：每个部门目录都需要它 (missing department.toml: every department folder needs one)",
            )),
        }
    }
    for d in &mut departments {
        d.records.sort_by_key(|r| (r.year, r.kind));
    }

    if diags.is_empty() {
        let (site_source, site) = site.unwrap_or_default();
        Ok(Content {
            site,
            site_source,
            departments,
            root: root.to_path_buf(),
        })
    } else {
        Err(Diagnostics(diags))
    }
}

/// Reads one record file again (`rel` under `root`, e.g. `xiangxi-xfj/2023/evaluation.toml`)
/// with the same checks as [`load`]: for rebuilding after an edit without reading the rest.
pub fn reload_record(
    root: &Path,
    rel: &str,
    kind: RecordKind,
    year: i32,
) -> Result<Record, Diagnostics> {
    let path = root.join(rel);
    let (source, body) = match kind {
        RecordKind::Evaluation => read_and_parse::<Evaluation>(root, &path).map(|(src, mut e)| {
            e.projects.iter_mut().for_each(Project::hoist_misplaced);
            (src, RecordBody::Evaluation(Box::new(e)))
        }),
        RecordKind::Targets => read_and_parse::<Targets>(root, &path)
            .map(|(src, t)| (src, RecordBody::Targets(Box::new(t)))),
    }
    .map_err(Diagnostics)?;
    let stated_year = match &body {
        RecordBody::Evaluation(e) => &e.year,
        RecordBody::Targets(t) => &t.year,
    };
    if stated_year.value != rust_decimal::Decimal::from(year) {
        return Err(Diagnostics(vec![Diagnostic::at(
            &source,
            stated_year.span.start,
            "year",
            &format!(
                "年度 {} 与所在目录 {year} 不一致 (year {} does not match its folder {rel})",
                stated_year.value, stated_year.value
            ),
        )]));
    }
    Ok(Record {
        year,
        kind,
        source,
        body,
    })
}

type ParseResult = Result<(Arc<SourceFile>, Parsed), Vec<Diagnostic>>;

enum Parsed {
    Department(Box<DepartmentInfo>),
    Record(RecordBody),
}

fn rel_path(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Walks the content folder, classifying every entry and reporting unknown ones.
fn walk(
    root: &Path,
    found: &mut Vec<(PathBuf, String, Found)>,
    site_file: &mut Option<PathBuf>,
    diags: &mut Vec<Diagnostic>,
) {
    let walker = walkdir::WalkDir::new(root)
        .min_depth(1)
        .max_depth(3)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(|p| rel_path(root, p)).unwrap_or_default();
                diags.push(Diagnostic::file(
                    path,
                    &format!("无法读取 (cannot read): {e}"),
                ));
                continue;
            }
        };
        let rel = rel_path(root, entry.path());
        let name = entry.file_name().to_string_lossy().to_string();
        let is_dir = entry.file_type().is_dir();
        let parts: Vec<&str> = rel.split('/').collect();
        match (parts.as_slice(), is_dir) {
            ([_], false) if name == "site.toml" => *site_file = Some(entry.path().to_path_buf()),
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
                    ));
                }
            }
            ([slug, _], false) if name == "department.toml" => found.push((
                entry.path().to_path_buf(),
                rel.clone(),
                Found::Department {
                    slug: slug.to_string(),
                },
            )),
            ([_, _], false) => diags.push(unknown(&rel, &name, &["department.toml"])),
            ([_, year], true) if parse_year(year).is_none() => {
                diags.push(Diagnostic::file(
                    rel.clone(),
                    &format!("`{year}` 不是年度目录：年度目录名须为四位数字 (a year folder is named with four digits, e.g. 2023)"),
                ));
            }
            ([slug, year, _], false) => {
                let Some(year) = parse_year(year) else { continue };
                let kind = match name.as_str() {
                    "evaluation.toml" => RecordKind::Evaluation,
                    "targets.toml" => RecordKind::Targets,
                    _ => {
                        diags.push(unknown(&rel, &name, &RECORD_FILES));
                        continue;
                    }
                };
                found.push((
                    entry.path().to_path_buf(),
                    rel.clone(),
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
}

/// `[a-z][a-z0-9-]*`.
pub fn valid_slug(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn parse_year(s: &str) -> Option<i32> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn unknown(rel: &str, name: &str, expected: &[&str]) -> Diagnostic {
    let best = expected
        .iter()
        .map(|e| (edit_distance(name, e), *e))
        .min()
        .filter(|(d, _)| *d <= 3);
    let mut msg = format!(
        "未知文件 `{name}`：此处只能有 {} (unknown file; expected {})",
        expected.join("、"),
        expected.join(" or ")
    );
    if let Some((_, e)) = best {
        msg.push_str(&format!("；是否应为 `{e}`？(did you mean `{e}`?)"));
    }
    Diagnostic::file(rel.to_string(), &msg)
}

/// Levenshtein distance, for "did you mean" hints on a handful of short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Reads a file as UTF-8 text (a leading BOM is dropped) and deserializes it.
fn read_and_parse<T: DeserializeOwned>(
    root: &Path,
    path: &Path,
) -> Result<(Arc<SourceFile>, T), Vec<Diagnostic>> {
    let rel = rel_path(root, path);
    let bytes = std::fs::read(path).map_err(|e| {
        vec![Diagnostic::file(
            rel.clone(),
            &format!("无法读取文件 (cannot read the file): {e}"),
        )]
    })?;
    let text = decode(&rel, bytes)?;
    let source = Arc::new(SourceFile::new(rel, text));
    let value = parse_toml::<T>(&source)?;
    Ok((source, value))
}

fn decode(rel: &str, bytes: Vec<u8>) -> Result<String, Vec<Diagnostic>> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(vec![Diagnostic::file(
            rel.to_string(),
            "文件为 UTF-16 编码；请另存为 UTF-8 (the file is UTF-16; save it as UTF-8)",
        )]);
    }
    String::from_utf8(bytes).map_err(|e| {
        let (line, col) = {
            let ok = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let ok = String::from_utf8_lossy(ok);
            let line = ok.matches('\n').count() + 1;
            let col = ok.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            (line, col)
        };
        vec![Diagnostic {
            file: rel.to_string(),
            line,
            col,
            field: String::new(),
            message: "文件不是 UTF-8 编码（可能为 GBK）；请另存为 UTF-8 (the file is not UTF-8, perhaps GBK; save it as UTF-8)".to_string(),
            excerpt: None,
        }]
    })
}

/// Deserializes one TOML file into `T`, with field paths and positions in errors.
pub fn parse_toml<T: DeserializeOwned>(source: &SourceFile) -> Result<T, Vec<Diagnostic>> {
    let text = source.text.as_str();
    if text.contains('\0') {
        let at = text.find('\0').unwrap_or(0);
        return Err(vec![Diagnostic::at(
            source,
            at,
            "",
            "文件含 NUL 字节，不是文本文件 (the file contains NUL bytes: not a text file)",
        )]);
    }
    with_source(text, || {
        let de = toml::de::Deserializer::parse(text).map_err(|e| {
            vec![Diagnostic::at(
                source,
                e.span().map_or(0, |s| s.start),
                "",
                &format!("TOML 语法错误 (syntax error): {}", e.message().trim()),
            )]
        })?;
        // Fast path without path tracking; a file that fails is read again with it, so
        // that its error names the field path.
        if let Ok(v) = T::deserialize(de) {
            return Ok(v);
        }
        let de = toml::de::Deserializer::parse(text).map_err(|_| Vec::new())?;
        serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let inner = e.into_inner();
            vec![Diagnostic::at(
                source,
                inner.span().map_or(0, |s| s.start),
                &path,
                &translate(inner.message().trim()),
            )]
        })
    })
}

/// Adds a Chinese lead to serde's English messages.
fn translate(msg: &str) -> String {
    if msg.starts_with("unknown field") {
        let names: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
        let hint = names.split_first().and_then(|(got, expected)| {
            expected
                .iter()
                .map(|e| (edit_distance(got, e), *e))
                .min()
                .filter(|(d, _)| *d <= 2)
                .map(|(_, e)| format!("；是否应为 `{e}`？(did you mean `{e}`?)"))
        });
        format!("未知字段 (unknown key): {msg}{}", hint.unwrap_or_default())
    } else if msg.starts_with("missing field") {
        format!("缺少必填字段 (missing required key): {msg}")
    } else if msg.starts_with("invalid type") {
        format!("类型错误 (wrong type): {msg}")
    } else if msg.starts_with("unknown variant") {
        format!("取值无效 (invalid value): {msg}")
    } else if msg.starts_with("duplicate key") || msg.starts_with("duplicate field") {
        format!("重复的键 (duplicate key): {msg}")
    } else {
        msg.to_string()
    }
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
    }

    #[test]
    fn did_you_mean() {
        let d = unknown("a/2023/evalutaion.toml", "evalutaion.toml", &RECORD_FILES);
        assert!(
            d.message.contains("did you mean `evaluation.toml`"),
            "{}",
            d.message
        );
        let d = unknown("a/2023/notes.txt", "notes.txt", &RECORD_FILES);
        assert!(!d.message.contains("did you mean"), "{}", d.message);
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
            e[0].message.contains("unknown field `budgt`"),
            "{}",
            e[0].message
        );
    }
}
