//! Stage 6, render: pages to HTML with Tera, in parallel. The default theme is embedded
//! in the binary; a file of the same name in the theme folder replaces it.
//! Markdown renders through pulldown-cmark with raw HTML shown as text and links limited
//! to http, https, mailto and relative URLs.

mod chart;
pub mod data;
mod html;
pub mod xml;

use crate::check::Finding;
use crate::compute::Computed;
use crate::model::{Content, Department, Record, RecordKind};
use crate::site::{Page, PageSpec, Site, View};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The default theme's templates and static files, embedded.
const EMBEDDED: [(&str, &str); 9] = [
    (
        "templates/base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "templates/index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "templates/year.html",
        include_str!("../../themes/default/templates/year.html"),
    ),
    (
        "templates/department.html",
        include_str!("../../themes/default/templates/department.html"),
    ),
    (
        "templates/record.html",
        include_str!("../../themes/default/templates/record.html"),
    ),
    (
        "templates/checks.html",
        include_str!("../../themes/default/templates/checks.html"),
    ),
    (
        "templates/other-years.html",
        include_str!("../../themes/default/templates/other-years.html"),
    ),
    (
        "templates/data.html",
        include_str!("../../themes/default/templates/data.html"),
    ),
    (
        "static/assets/style.css",
        include_str!("../../themes/default/static/assets/style.css"),
    ),
];

/// A theme: templates (by name) and static files (by output path).
pub struct Theme {
    templates: BTreeMap<String, String>,
    /// Static files copied to the output as they are (`assets/style.css`).
    pub statics: BTreeMap<String, Vec<u8>>,
}

/// A problem with the theme.
#[derive(Debug)]
pub struct ThemeError(pub String);

impl std::fmt::Display for ThemeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ThemeError {}

impl Theme {
    /// The embedded default theme, with files from `dir` (when it exists) replacing
    /// embedded ones of the same name and adding new ones.
    pub fn load(dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let mut templates = BTreeMap::new();
        let mut statics = BTreeMap::new();
        for (name, text) in EMBEDDED {
            if let Some(t) = name.strip_prefix("templates/") {
                templates.insert(t.to_string(), text.to_string());
            } else if let Some(s) = name.strip_prefix("static/") {
                statics.insert(s.to_string(), text.as_bytes().to_vec());
            }
        }
        if let Some(dir) = dir.filter(|d| d.is_dir()) {
            for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter() {
                let entry = entry.map_err(|e| {
                    ThemeError(format!("主题目录无法读取 (cannot read theme): {e}"))
                })?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let bytes = std::fs::read(entry.path())
                    .map_err(|e| ThemeError(format!("{}: {e}", entry.path().display())))?;
                if let Some(t) = rel.strip_prefix("templates/") {
                    let text = String::from_utf8(bytes).map_err(|_| {
                        ThemeError(format!("模板不是 UTF-8 (template is not UTF-8): {rel}"))
                    })?;
                    templates.insert(t.to_string(), text);
                } else if let Some(s) = rel.strip_prefix("static/") {
                    statics.insert(s.to_string(), bytes);
                }
            }
        }
        Ok(Theme { templates, statics })
    }

    /// Compiles the templates once, for all pages.
    pub fn tera(&self) -> Result<tera::Tera, ThemeError> {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html"]);
        tera.set_escape_fn(escape_html);
        tera.add_raw_templates(self.templates.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| ThemeError(format!("模板错误 (template error): {}", error_chain(&e))))?;
        tera.register_filter("markdown", markdown_filter);
        Ok(tera)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Escapes text for HTML text and double- or single-quoted attributes. Unlike Tera's
/// default it leaves `/` alone, so relative URLs stay readable in the source.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    escape_into(&mut out, s);
    out
}

/// Appends `s` escaped as [`escape_html`] does.
pub fn escape_into(out: &mut String, s: &str) {
    let _ = escape_runs(s, |run| {
        out.push_str(run);
        Ok(())
    });
}

/// Passes `s` escaped for HTML to `put`, piece by piece: runs without a character to
/// escape (most of a Chinese text) whole, rather than a character at a time.
fn escape_runs(s: &str, mut put: impl FnMut(&str) -> std::fmt::Result) -> std::fmt::Result {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // These bytes are ASCII, so never inside a multi-byte character: `i` is a
        // character boundary.
        put(&s[start..i])?;
        put(entity)?;
        start = i + 1;
    }
    put(&s[start..])
}

/// Text that formats as itself escaped for HTML (see [`escape_html`]), for `write!`
/// without a string of its own.
#[derive(Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        escape_runs(self.0, |run| f.write_str(run))
    }
}

fn markdown_filter(v: &tera::Value, _: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let s = v.as_str().unwrap_or("");
    Ok(tera::Value::String(markdown(s)))
}

/// Whether a link target may be published: http, https, mailto or relative.
pub fn safe_url(url: &str) -> bool {
    let u = url.trim();
    let lower: String = u
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match lower.find(':') {
        None => true,
        Some(i) => {
            let scheme = &lower[..i];
            // A colon after a path or query character is not a scheme.
            if lower[..i].contains(['/', '?', '#']) {
                return true;
            }
            matches!(scheme, "http" | "https" | "mailto")
        }
    }
}

/// Markdown to HTML: raw HTML becomes text, unsafe links lose their target, images become
/// their description (nothing is loaded from another host).
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    markdown_into(&mut out, s);
    out
}

/// Appends the HTML of Markdown `s` (see [`markdown`]).
pub fn markdown_into(out: &mut String, s: &str) {
    if plain_paragraph(s) {
        out.push_str("<p>");
        out.push_str(s);
        out.push_str("</p>\n");
        return;
    }
    parsed_markdown_into(out, s);
}

/// Appends the HTML of Markdown `s` as pulldown-cmark writes it, raw HTML as text and
/// unsafe link targets emptied.
fn parsed_markdown_into(out: &mut String, s: &str) {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut in_image = 0usize;
    let events = Parser::new_ext(s, opts).filter_map(|ev| match ev {
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest_url = if safe_url(&dest_url) {
                dest_url
            } else {
                "".into()
            };
            Some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image -= 1;
            None
        }
        other => Some(other),
    });
    pulldown_cmark::html::push_html(out, events);
}

/// Whether Markdown `s` is one paragraph of plain text, whose HTML is `<p>s</p>`: one
/// line, starting with a letter (so no list, heading, quote, code or HTML block), with
/// no character that can start inline markup or needs escaping, and no whitespace at
/// either end. Most explanations in a disclosure are such a sentence; they skip the
/// Markdown parser, which gives the same bytes (tested against it).
fn plain_paragraph(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let ends = s.chars().next_back().is_some_and(|c| !c.is_whitespace());
    first.is_alphabetic()
        && ends
        && s.bytes().all(|b| {
            !b.is_ascii()
                || b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b' ' | b'%' | b'.' | b',' | b';' | b':' | b'/' | b'(' | b')' | b'-' | b'+'
                )
        })
}

/// The page's own print rules (its running header), and their CSP hash: the page's
/// Content-Security-Policy allows exactly this inline style and no other.
pub fn print_style(header: &str) -> (String, String) {
    use base64::Engine;
    use sha2::Digest;
    let mut quoted = String::with_capacity(header.len() + 2);
    for c in header.chars() {
        match c {
            // CSS string escapes; `<` so that no `</style>` can be formed.
            '"' | '\\' | '<' | '>' | '&' => quoted.push_str(&format!("\\{:x} ", c as u32)),
            c if c.is_control() => quoted.push(' '),
            c => quoted.push(c),
        }
    }
    let style = format!("@page {{ @top-center {{ content: \"{quoted}\"; }} }}");
    let hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style.as_bytes()));
    (style, hash)
}

/// Why rendering stopped.
#[derive(Debug)]
pub enum RenderError {
    /// Templates failed (every failing page's error).
    Template(ThemeError),
    /// The sink (the output writer) failed.
    Output(String),
}

/// Renders every page in parallel and hands each file to `sink` as soon as it is ready
/// (nothing accumulates in memory but the data package's rows): each record page with its
/// `data.json` and CSV files, then the data package, the sitemap and feed (when the site
/// has a `base_url`), then the theme's static files. Template errors of all pages are
/// reported together.
pub fn render<F>(site: &Site, theme: &Theme, sink: F) -> Result<(), RenderError>
where
    F: Fn(&str, &[u8]) -> Result<(), String> + Sync,
{
    let tera = theme.tera().map_err(RenderError::Template)?;
    let mut package = Vec::new();
    let mut push = |_, rows| {
        package.push(rows);
        Ok(())
    };
    render_pages(
        site,
        &tera,
        |_| true,
        &sink,
        &mut push,
        &RenderTime::default(),
    )?;
    let refs: Vec<&Vec<Vec<u8>>> = package.iter().collect();
    let all: Vec<usize> = (0..crate::site::data::TABLES.len()).collect();
    let files = package_files(&refs, &all, &sink)?;
    drop(package);
    render_site_files(site, theme, &files, &sink)
}

/// Takes a record page's package rows (by page index), in page order.
pub type RowSink<'a> = dyn FnMut(usize, Vec<Vec<u8>>) -> Result<(), String> + Send + 'a;

/// How many pages are rendered between two hand-overs of package rows: enough for both
/// cores to stay busy, few enough that rows do not pile up in memory.
const CHUNK: usize = 256;

/// What a record's data files say of it.
fn record_meta<'a>(
    dept: &'a Department,
    rec: &'a Record,
    name: &'a str,
    title: &'a str,
    date: Option<&'a str>,
) -> data::RecordMeta<'a> {
    data::RecordMeta {
        department: &dept.slug,
        department_name: name,
        year: rec.year,
        record: match rec.kind {
            RecordKind::Evaluation => "evaluation",
            RecordKind::Targets => "targets",
        },
        title,
        date,
        source: &rec.source.path,
    }
}

/// Record `r` of department `d`'s rows of the package tables, as [`render_pages`] hands
/// them over with its page: for a rebuild, which hashes the tables while it renders.
pub fn package_rows(
    content: &Content,
    computed: &Computed,
    findings: &[Finding],
    d: usize,
    r: usize,
) -> Vec<Vec<u8>> {
    let dept = &content.departments[d];
    let rec = &dept.records[r];
    let tables = crate::site::record_data_of(content, computed, findings, d, r);
    let (name, title) = (
        crate::site::dept_name(dept),
        crate::site::record_title(dept, rec),
    );
    // The package rows do not show the date (only `data.json` does).
    data::record_csvs(&record_meta(dept, rec, &name, &title, None), &tables).1
}

/// Where `render_pages` spends its threads' time (`--timings`), beside what `sink` and
/// `rows` take.
#[derive(Debug, Default)]
pub struct RenderTime {
    /// Pages: their views (tables, charts, text) and templates.
    pub pages: crate::ThreadTime,
    /// Each record's `data.json` and per-table CSV files.
    pub data: crate::ThreadTime,
}

/// Renders the pages `select`ed (by index into `site.pages`) in parallel, each record
/// page with its data files, into `sink`; hands each record's package rows to `rows` in
/// page order (the order of the package tables), a chunk of pages at a time. Adds the
/// time spent making pages and data files to `time`.
pub fn render_pages<F>(
    site: &Site,
    tera: &tera::Tera,
    select: impl Fn(usize) -> bool + Sync,
    sink: &F,
    rows: &mut RowSink,
    time: &RenderTime,
) -> Result<(), RenderError>
where
    F: Fn(&str, &[u8]) -> Result<(), String> + Sync,
{
    let template = |e: String| RenderError::Template(ThemeError(e));
    type PageResult = Result<Option<(usize, Vec<Vec<u8>>)>, RenderError>;
    let selected: Vec<usize> = (0..site.pages.len()).filter(|&i| select(i)).collect();
    let mut template_errors = Vec::new();
    let render_chunk = |chunk: &[usize]| -> Vec<PageResult> {
        chunk
            .par_iter()
            // One page a task (pages differ a hundredfold in cost): else the chunk ends
            // with one core finishing a long run alone.
            .with_max_len(1)
            .map(|&i| (i, &site.pages[i]))
            .map(|(i, spec)| match spec {
                PageSpec::Ready(p) => {
                    let bytes = time.pages.time(|| render_page(tera, p)).map_err(template)?;
                    sink(&p.path, &bytes).map_err(RenderError::Output)?;
                    Ok(None)
                }
                PageSpec::Checks { path, chrome, d } => {
                    let bytes = time
                        .pages
                        .time(|| render_page(tera, &site.checks_page(path, chrome, *d)))
                        .map_err(template)?;
                    sink(path, &bytes).map_err(RenderError::Output)?;
                    Ok(None)
                }
                PageSpec::Record { path, chrome, d, r } => {
                    let (tables, page, bytes) = time.pages.time(|| {
                        let tables = site.record_data(*d, *r);
                        let page = site.record_page(path, chrome, *d, *r, &tables);
                        let bytes = render_page(tera, &page);
                        (tables, page, bytes)
                    });
                    let bytes = bytes.map_err(template)?;
                    sink(path, &bytes).map_err(RenderError::Output)?;
                    let (dept, rec) = site.record_of(*d, *r);
                    let title = crate::site::record_title(dept, rec);
                    let name = crate::site::dept_name(dept);
                    let date = match &page.view {
                        View::Record(v) => v.meta_date.as_deref(),
                        _ => None,
                    };
                    let meta = record_meta(dept, rec, &name, &title, date);
                    let dir = path.strip_suffix("index.html").unwrap_or_default();
                    let rounding = match site.rounding(*d, *r) {
                        crate::model::Rounding::HalfUp => "half-up",
                        crate::model::Rounding::HalfEven => "half-even",
                    };
                    sink(
                        &format!("{dir}data.json"),
                        &time
                            .data
                            .time(|| data::record_json(&meta, rounding, &tables)),
                    )
                    .map_err(RenderError::Output)?;
                    let (csvs, package) = time.data.time(|| data::record_csvs(&meta, &tables));
                    for (t, csv) in tables.tables.iter().zip(&csvs) {
                        sink(&format!("{dir}{}.csv", t.def.name), csv)
                            .map_err(RenderError::Output)?;
                    }
                    Ok(Some((i, package)))
                }
            })
            .collect()
    };
    // A chunk's package rows are handed over (written and hashed, in page order) while
    // the next chunk renders, so that neither core waits for the other.
    let hand_over = |results: Vec<PageResult>,
                     rows: &mut RowSink,
                     template_errors: &mut Vec<String>|
     -> Result<(), RenderError> {
        for r in results {
            match r {
                Ok(Some((i, r))) => rows(i, r).map_err(RenderError::Output)?,
                Ok(None) => {}
                Err(RenderError::Output(e)) => return Err(RenderError::Output(e)),
                Err(RenderError::Template(e)) => template_errors.push(e.0),
            }
        }
        Ok(())
    };
    let mut pending = Vec::new();
    for chunk in selected.chunks(CHUNK) {
        let done = std::mem::take(&mut pending);
        let (results, handed) = rayon::join(
            || render_chunk(chunk),
            || hand_over(done, rows, &mut template_errors),
        );
        handed?;
        pending = results;
    }
    hand_over(pending, rows, &mut template_errors)?;
    if !template_errors.is_empty() {
        return Err(RenderError::Template(ThemeError(
            template_errors.join("\n"),
        )));
    }
    Ok(())
}

/// The data package's CSV files numbered `tables` (indices into `TABLES`), built in memory
/// from every record's rows in page order (a one-off build streams them to disk instead).
pub fn package_files<F>(
    package: &[&Vec<Vec<u8>>],
    tables: &[usize],
    sink: &F,
) -> Result<Vec<data::PackageFile>, RenderError>
where
    F: Fn(&str, &[u8]) -> Result<(), String> + Sync,
{
    let csvs: Vec<Result<data::PackageFile, RenderError>> = tables
        .par_iter()
        .map(|&i| {
            let t = &crate::site::data::TABLES[i];
            let csv = data::package_csv(i, package.iter().map(|rows| rows[i].as_slice()));
            sink(&format!("data/{}.csv", t.name), &csv).map_err(RenderError::Output)?;
            Ok(data::PackageFile {
                table: i,
                bytes: csv.len(),
                sha256: crate::manifest::sha256_hex(&csv),
            })
        })
        .collect();
    csvs.into_iter().collect()
}

/// The files that are not pages: `data/datapackage.json` (from the package CSVs'
/// sizes and hashes), the sitemap and feed, the theme's static files.
pub fn render_site_files<F>(
    site: &Site,
    theme: &Theme,
    files: &[data::PackageFile],
    sink: &F,
) -> Result<(), RenderError>
where
    F: Fn(&str, &[u8]) -> Result<(), String> + Sync,
{
    let s = &site.config().site;
    sink(
        "data/datapackage.json",
        &data::datapackage_json(&s.title, s.description.as_deref(), site.years, files),
    )
    .map_err(RenderError::Output)?;
    if let Some(feed) = &site.feed {
        sink("sitemap.xml", &xml::sitemap(feed)).map_err(RenderError::Output)?;
        sink("atom.xml", &xml::atom(feed)).map_err(RenderError::Output)?;
    }
    for (path, bytes) in &theme.statics {
        sink(path, bytes).map_err(RenderError::Output)?;
    }
    Ok(())
}

fn render_page(tera: &tera::Tera, page: &Page) -> Result<Vec<u8>, String> {
    let mut ctx = tera::Context::from_serialize(page)
        .map_err(|e| format!("{}: {}", page.path, error_chain(&e)))?;
    if let Some(h) = &page.chrome.print_header {
        let (style, hash) = print_style(h);
        ctx.insert("page_style", &style);
        ctx.insert("style_hash", &hash);
    }
    let charts = match &page.view {
        View::Department(d) => Some(&d.charts),
        View::Year(y) => Some(&y.charts),
        _ => None,
    };
    if let Some(charts) = charts {
        let mut s = String::new();
        html::blocks(&mut s, charts, &page.chrome.root);
        ctx.insert("charts_html", &s);
    }
    if let View::Record(r) = &page.view {
        let parts: Vec<String> = r
            .parts
            .iter()
            .map(|p| {
                let mut s = String::with_capacity(16 * 1024);
                html::blocks(&mut s, &p.blocks, &page.chrome.root);
                s
            })
            .collect();
        ctx.insert("parts_html", &parts);
    }
    // Into bytes: `Tera::render` would check the whole page again for UTF-8 to make a
    // `String` of it (its text is UTF-8 already: template and values are `str`).
    let mut html = Vec::with_capacity(64 * 1024);
    tera.render_to(page.template, &ctx, &mut html)
        .map_err(|e| {
            format!(
                "页面渲染失败 (failed to render) {}: {}",
                page.path,
                error_chain(&e)
            )
        })?;
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Short texts over an alphabet mixing what the plain-paragraph path accepts (CJK,
    /// letters, digits, common punctuation) with what it must leave to the parser.
    fn texts() -> impl Strategy<Value = String> {
        let plain: Vec<char> = "减少的主要原因是推行无纸化办公。，（）“”、：%aZ09 .,;:/()-+"
            .chars()
            .collect();
        let markup: Vec<char> = "*_`~[]!<>&\"'#|=\\\t\n\r\u{3000}\u{a0}\u{0}"
            .chars()
            .collect();
        let snippets = vec![
            "*强调*", "**粗**", "_a_", "`码`", "[链](x)", "~~删~~", "1. ", "- ", "# ", "> ",
            "&amp;", "a  \nb",
        ];
        let piece = prop_oneof![
            16 => proptest::sample::select(plain).prop_map(String::from),
            2 => proptest::sample::select(markup).prop_map(String::from),
            1 => proptest::sample::select(snippets).prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The plain-paragraph shortcut writes exactly what the Markdown parser writes.
        #[test]
        fn plain_paragraph_matches_the_parser(s in texts()) {
            let mut parsed = String::new();
            parsed_markdown_into(&mut parsed, &s);
            if plain_paragraph(&s) {
                prop_assert_eq!(&format!("<p>{s}</p>\n"), &parsed);
            }
            prop_assert_eq!(markdown(&s), parsed);
        }

        /// Escaping a run at a time gives what escaping a character at a time gives.
        #[test]
        fn escaping_matches_per_character(s in texts()) {
            let mut each = String::new();
            for c in s.chars() {
                match c {
                    '&' => each.push_str("&amp;"),
                    '<' => each.push_str("&lt;"),
                    '>' => each.push_str("&gt;"),
                    '"' => each.push_str("&quot;"),
                    '\'' => each.push_str("&#39;"),
                    c => each.push(c),
                }
            }
            prop_assert_eq!(&escape_html(&s), &each);
            prop_assert_eq!(Escaped(&s).to_string(), each);
        }
    }

    #[test]
    fn plain_paragraphs_are_recognised() {
        assert!(plain_paragraph("减少的主要原因是推行无纸化办公。"));
        assert!(plain_paragraph("增长12.5%，主要是新增项目(2项)。"));
        for not in [
            "",
            " 前导空格",
            "末尾空格 ",
            "1. 列表",
            "- 列表",
            "# 标题",
            "有*强调*",
            "a<b",
            "减&",
            "两行\n文字",
            "（括号开头）",
        ] {
            assert!(!plain_paragraph(not), "{not:?}");
        }
    }

    #[test]
    fn print_header_is_escaped_for_css() {
        let (s, h) = print_style("a\"b</style><script>\\");
        assert!(!s.contains("</style"), "{s}");
        assert!(
            s.contains("a\\22 b\\3c /style\\3e \\3c script\\3e \\5c "),
            "{s}"
        );
        assert_eq!(h.len(), 44);
    }

    #[test]
    fn raw_html_is_text() {
        let h = markdown("a <script>alert(1)</script> b\n\n<div onclick=x>y</div>");
        assert!(!h.contains("<script"), "{h}");
        assert!(h.contains("&lt;script&gt;"), "{h}");
        assert!(!h.contains("<div"), "{h}");
    }

    #[test]
    fn link_schemes() {
        assert!(!markdown("[x](javascript:alert(1))").contains("javascript"));
        assert!(
            !markdown("[x](JaVaScRipt:alert(1))")
                .to_lowercase()
                .contains("href=\"javascript")
        );
        assert!(
            !markdown("[x](<java\tscript:alert(1)>)")
                .to_lowercase()
                .contains("href=\"java")
        );
        assert!(markdown("[x](https://example.org/a)").contains("href=\"https://example.org/a\""));
        assert!(markdown("[x](../a/index.html)").contains("href=\"../a/index.html\""));
        assert!(!markdown("![x](https://evil.example/t.png)").contains("<img"));
    }
}
