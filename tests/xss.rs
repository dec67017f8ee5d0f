//! Hostile text (issue 7): every string from content is escaped for its context, and no
//! script that came from a record ever runs.
//!
//! A content folder is generated with the payloads of `tests/fixtures/xss/payloads.txt` in
//! every text field the format has (see `hostile/mod.rs`), and built with `gongkai::build`.
//! Then:
//! - every output file is checked statically (CSP, no script, URL schemes, SVG, ids, JSON,
//!   CSV, template syntax left as text);
//! - every HTML page (and SVG file) is loaded in headless Chromium **with its
//!   Content-Security-Policy removed**, so that escaping alone is tested, and fails when a
//!   payload ran or left an event handler, a script-capable URL or an element the theme
//!   never draws;
//! - controls show the machinery can fail: each payload, inserted unescaped into a page,
//!   is caught by the same driver; a page with the CSP kept blocks an injected script.
//!
//! Needs `chromium` (the browser tests say what to install when it is missing).

mod common;
mod hostile;

use hostile::Payload;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- the hostile site

struct Built {
    root: PathBuf,
    out: PathBuf,
    payloads: Vec<Payload>,
    slots: usize,
}

fn built() -> &'static Built {
    static B: OnceLock<Built> = OnceLock::new();
    B.get_or_init(|| {
        // A fixed scratch folder, emptied first (statics are never dropped, so a temporary
        // folder would be left behind by every run).
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xss");
        let _ = std::fs::remove_dir_all(&root);
        let payloads = hostile::payloads();
        let texts: Vec<String> = payloads.iter().map(|p| p.text.clone()).collect();
        let content = root.join("content");
        let slots = hostile::write_site(&content, &texts, 0);
        let out = root.join("output");
        gongkai::build(&gongkai::BuildOptions {
            content,
            theme: Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default"),
            output: out.clone(),
            clean: false,
        })
        .unwrap_or_else(|e| panic!("the hostile site must build:\n{e}"));
        Built {
            root,
            out,
            payloads,
            slots,
        }
    })
}

/// Every file under `dir`, as (relative path with `/`, bytes), sorted.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).unwrap();
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, std::fs::read(e.path()).unwrap()));
        }
    }
    out
}

fn ext(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(_, e)| e)
}

// ---------------------------------------------------------------- a small HTML tokenizer

/// A start tag.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    /// Byte offset of `<`.
    at: usize,
}

/// Start tags of an HTML (or SVG) document, as a browser's tokenizer finds them: comments,
/// doctypes and end tags skipped, the contents of raw-text elements not tokenized,
/// attribute values entity-decoded.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let at = i + off;
        let rest = &html[at..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            i = comment.find("-->").map_or(b.len(), |e| at + 4 + e + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") || rest.starts_with("</") {
            i = rest.find('>').map_or(b.len(), |e| at + e + 1);
            continue;
        }
        if !b.get(at + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            i = at + 1;
            continue;
        }
        let mut j = at + 1;
        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'/' && b[j] != b'>' {
            j += 1;
        }
        let name = html[at + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                j += 1;
                break;
            }
            let s = j;
            j += 1; // an attribute name may start with `=`
            while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'/' | b'>' | b'=')
            {
                j += 1;
            }
            let an = html[s..j].to_ascii_lowercase();
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut value = String::new();
            if b.get(j) == Some(&b'=') {
                j += 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                match b.get(j) {
                    Some(&q) if q == b'"' || q == b'\'' => {
                        let e = html[j + 1..].find(q as char).map_or(b.len(), |e| j + 1 + e);
                        value = decode_entities(&html[j + 1..e.min(b.len())]);
                        j = e + 1;
                    }
                    _ => {
                        let s = j;
                        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                            j += 1;
                        }
                        value = decode_entities(&html[s..j]);
                    }
                }
            }
            attrs.push((an, value));
        }
        i = j.min(b.len());
        if matches!(
            name.as_str(),
            "script" | "style" | "textarea" | "title" | "xmp" | "iframe" | "noembed" | "noframes"
        ) {
            let close = format!("</{name}");
            let lower = html[i..].to_ascii_lowercase();
            i = lower.find(&close).map_or(b.len(), |e| i + e);
        }
        out.push(Tag { name, attrs, at });
    }
    out
}

/// Decodes the character references a browser decodes in an attribute value.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let r = &rest[i + 1..];
        let end = r.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &r[..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "colon" => Some(':'),
                "Tab" => Some('\t'),
                "NewLine" => Some('\n'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &r[e + 1..];
            }
            None => {
                out.push('&');
                rest = r;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a browser would load or follow `url` only as http, https, mailto or a
/// relative URL (the URL parser drops tabs and newlines and trims C0 controls and spaces).
fn url_ok(url: &str) -> bool {
    let s: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let Some(colon) = s.find(':') else {
        return true;
    };
    let scheme = &s[..colon];
    let is_scheme = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    !is_scheme
        || matches!(
            scheme.to_ascii_lowercase().as_str(),
            "http" | "https" | "mailto"
        )
}

const URL_ATTRS: [&str; 15] = [
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "srcset",
    "background",
    "cite",
    "codebase",
    "longdesc",
    "ping",
    "manifest",
    "icon",
];

/// Elements the theme, the record renderer, pulldown-cmark (tables, strikethrough) and
/// the plotters SVG backend draw. Anything else in a page came from content.
const ALLOWED_TAGS: [&str; 51] = [
    "details",
    "summary",
    "html",
    "head",
    "meta",
    "title",
    "link",
    "style",
    "body",
    "header",
    "nav",
    "main",
    "footer",
    "section",
    "div",
    "span",
    "p",
    "a",
    "ol",
    "ul",
    "li",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "hr",
    "br",
    "figure",
    "figcaption",
    "svg",
    "text",
    "desc",
    "g",
];
const ALLOWED_SVG_SHAPES: [&str; 6] = ["rect", "line", "polyline", "polygon", "path", "circle"];

/// The effective source list of `directive` in a CSP (falling back to default-src).
fn csp_sources(policy: &str, directive: &str) -> Option<Vec<String>> {
    let mut default = None;
    for d in policy.split(';') {
        let mut words = d.split_whitespace();
        let Some(name) = words.next() else { continue };
        let list: Vec<String> = words.map(str::to_string).collect();
        if name.eq_ignore_ascii_case(directive) {
            return Some(list);
        }
        if name.eq_ignore_ascii_case("default-src") {
            default = Some(list);
        }
    }
    default
}

/// Problems of one HTML or SVG file; empty when it is clean.
fn check_markup(path: &str, text: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let lower = text.to_ascii_lowercase();
    if lower.contains("<script") {
        bad.push(format!("{path}: contains `<script`"));
    }
    if ext(path) != "html"
        && text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        bad.push(format!("{path}: control character in XML"));
    }
    let tags = tags(text);
    for t in &tags {
        let allowed = ALLOWED_TAGS.contains(&t.name.as_str())
            || ALLOWED_SVG_SHAPES.contains(&t.name.as_str());
        if !allowed {
            bad.push(format!("{path}: element <{}> at byte {}", t.name, t.at));
        }
        if t.name == "svg" {
            let class = t
                .attrs
                .iter()
                .find(|a| a.0 == "class")
                .map(|a| a.1.as_str());
            if ext(path) == "html" && class != Some("chart-svg") {
                bad.push(format!(
                    "{path}: <svg> the charts do not draw at byte {}",
                    t.at
                ));
            }
        }
        for (name, value) in &t.attrs {
            if name.starts_with("on") {
                bad.push(format!(
                    "{path}: event handler `{name}` on <{}> at byte {}",
                    t.name, t.at
                ));
            }
            if name == "style"
                && !matches!(
                    value.as_str(),
                    "text-align: left" | "text-align: center" | "text-align: right"
                )
            {
                bad.push(format!(
                    "{path}: style attribute {value:?} at byte {}",
                    t.at
                ));
            }
            if name == "srcdoc" {
                bad.push(format!("{path}: srcdoc at byte {}", t.at));
            }
            if URL_ATTRS.contains(&name.as_str()) {
                let urls: Vec<&str> = if name == "srcset" {
                    value
                        .split(',')
                        .filter_map(|u| u.split_whitespace().next())
                        .collect()
                } else {
                    vec![value.as_str()]
                };
                for u in urls {
                    if !url_ok(u) {
                        bad.push(format!("{path}: {name}={u:?} at byte {}", t.at));
                    }
                }
                if let Some(frag) = value.strip_prefix('#')
                    && !frag
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    bad.push(format!("{path}: anchor {value:?} at byte {}", t.at));
                }
            }
            if name == "id" || name == "aria-labelledby" {
                let ok = !value.is_empty()
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '));
                if !ok {
                    bad.push(format!("{path}: {name}={value:?} at byte {}", t.at));
                }
            }
        }
    }
    if ext(path) == "html" {
        let csp: Vec<&Tag> = tags
            .iter()
            .filter(|t| {
                t.name == "meta"
                    && t.attrs.iter().any(|(n, v)| {
                        n == "http-equiv" && v.eq_ignore_ascii_case("content-security-policy")
                    })
            })
            .collect();
        match csp.as_slice() {
            [meta] => {
                let first_other = tags
                    .iter()
                    .find(|t| !matches!(t.name.as_str(), "html" | "head" | "meta"))
                    .map_or(usize::MAX, |t| t.at);
                if meta.at > first_other {
                    bad.push(format!(
                        "{path}: the CSP meta tag comes after other content of <head>"
                    ));
                }
                let policy = meta
                    .attrs
                    .iter()
                    .find(|a| a.0 == "content")
                    .map(|a| a.1.clone())
                    .unwrap_or_default();
                for (dir, why) in [("script-src", "inline script"), ("object-src", "plugins")] {
                    match csp_sources(&policy, dir) {
                        None => bad.push(format!("{path}: CSP has no {dir} nor default-src")),
                        Some(list) => {
                            let loose = list.iter().find(|s| {
                                let s = s.to_ascii_lowercase();
                                matches!(
                                    s.as_str(),
                                    "'unsafe-inline'"
                                        | "'unsafe-eval'"
                                        | "'unsafe-hashes'"
                                        | "'strict-dynamic'"
                                        | "*"
                                        | "data:"
                                        | "blob:"
                                        | "http:"
                                        | "https:"
                                        | "filesystem:"
                                )
                            });
                            if let Some(l) = loose {
                                bad.push(format!("{path}: CSP {dir} allows {why}: {l}"));
                            }
                        }
                    }
                }
                if csp_sources(&policy, "base-uri").is_none_or(|l| l != ["'none'"]) {
                    bad.push(format!("{path}: CSP does not set base-uri 'none'"));
                }
            }
            [] => bad.push(format!("{path}: no Content-Security-Policy meta tag")),
            _ => bad.push(format!(
                "{path}: more than one Content-Security-Policy meta tag"
            )),
        }
    }
    bad
}

/// A CSV field that a spreadsheet would run as a formula.
fn check_csv(path: &str, text: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for field in split_csv(line) {
            let f = field.trim_start_matches([' ']);
            let formula = match f.chars().next() {
                Some('=' | '@' | '\t' | '\r') => true,
                // A signed number or percentage is read as a number.
                Some('+' | '-') => f[1..].trim_end_matches('%').parse::<f64>().is_err(),
                _ => false,
            };
            if formula {
                bad.push(format!(
                    "{path}:{}: field {f:?} would run as a formula",
                    n + 1
                ));
            }
        }
    }
    bad
}

/// Fields of one CSV line (RFC 4180 quoting; a quoted field spanning lines is cut, which
/// only means its continuation is read as a new line).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Problems of one output file of any kind.
fn check_file(path: &str, bytes: &[u8]) -> Vec<String> {
    let mut bad = Vec::new();
    let text = String::from_utf8_lossy(bytes);
    if text.contains("1222221") {
        bad.push(format!(
            "{path}: template syntax from content was evaluated (11*111111)"
        ));
    }
    match ext(path) {
        "html" | "htm" | "svg" | "xml" | "xhtml" => bad.extend(check_markup(path, &text)),
        "json" => {
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(bytes) {
                bad.push(format!("{path}: not valid JSON: {e}"));
            }
        }
        "csv" => bad.extend(check_csv(path, &text)),
        _ => {}
    }
    bad
}

// ---------------------------------------------------------------- static tests

/// HTML escaping as the theme does it (written out here, so that a change to the
/// generator's own function shows).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn corpus_has_every_kind_of_payload() {
    let p = &built().payloads;
    assert!(p.len() >= 50, "{} payloads", p.len());
    let all: String = p
        .iter()
        .map(|p| p.text.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "<script",
        "onerror=",
        "javascript:",
        "data:",
        "vbscript:",
        "<svg",
        "<math",
        "</style",
        "expression(",
        "url(javascript",
        "\" autofocus",
        "' autofocus",
        "</title",
        "</textarea",
        "-->",
        "{{",
        "{%",
        "\u{202e}",
        "＜script＞",
        "\u{200b}",
        "jаvascript",
        "\0",
        "\u{1b}",
        "=cmd|",
    ] {
        assert!(all.contains(needle), "no payload holds {needle:?}");
    }
    assert!(
        p.iter().any(|p| p.text.chars().count() > 10_000),
        "a very long payload"
    );
    let live = p.iter().filter(|p| !p.inert).count();
    assert!(live >= 50, "{live} live payloads");
    for p in p.iter().filter(|p| !p.inert) {
        assert!(
            p.text.contains(&hostile::marker_js(p.id)),
            "payload {} does not mark its run",
            p.id
        );
    }
}

#[test]
fn every_payload_reaches_every_field_and_is_shown_escaped() {
    let b = built();
    let p = &b.payloads;
    assert!(b.slots >= 150, "{} text fields per department", b.slots);
    // Slot j of department k holds payload (k + j) mod P: with P departments, every
    // payload fills every slot. Slot 1 is the department name: the home page lists them
    // all, escaped.
    let home = std::fs::read_to_string(b.out.join("index.html")).unwrap();
    for pl in p {
        let shown = escape(&pl.text);
        assert!(
            home.contains(&shown),
            "payload {} is not on the home page as escaped text",
            pl.id
        );
    }
    // Nothing normalised the Unicode tricks away.
    assert!(home.contains("＜script＞") && home.contains("\u{202e}") && home.contains("\u{200b}"));
    let pages = files(&b.out)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .count();
    assert!(pages >= 4 * p.len(), "{pages} pages");
}

#[test]
fn every_output_file_is_escaped_for_its_context() {
    let b = built();
    let all = files(&b.out);
    assert!(all.len() > 400, "{} files", all.len());
    let bad: Vec<String> = all
        .iter()
        .flat_map(|(p, bytes)| check_file(p, bytes))
        .collect();
    assert!(
        bad.is_empty(),
        "{} problems, first 40:\n{}",
        bad.len(),
        bad.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The bundled site, built once into its own scratch folder.
fn bundled() -> &'static Path {
    static B: OnceLock<PathBuf> = OnceLock::new();
    B.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xss-bundled");
        let _ = std::fs::remove_dir_all(&out);
        gongkai::build(&gongkai::BuildOptions {
            content: root.join("content"),
            theme: root.join("themes/default"),
            output: out.clone(),
            clean: false,
        })
        .unwrap();
        out
    })
}

#[test]
fn the_bundled_site_passes_the_same_checks() {
    let bad: Vec<String> = files(bundled())
        .iter()
        .flat_map(|(p, bytes)| check_file(p, bytes))
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The static checks themselves catch what they are for.
#[test]
fn the_static_checks_can_fail() {
    let head = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; base-uri 'none'"><title>t</title></head><body>"#;
    let ok =
        format!("{head}<p>&lt;script&gt; <a href=\"../a/index.html#f1\">x</a></p></body></html>");
    assert!(
        check_file("a.html", ok.as_bytes()).is_empty(),
        "{:?}",
        check_file("a.html", ok.as_bytes())
    );
    for (bad, why) in [
        (format!("{head}<script>x</script>"), "script"),
        (format!("{head}<img src=x onerror=alert(1)>"), "img/onerror"),
        (
            format!("{head}<a href=\"java&#x09;script:alert(1)\">x</a>"),
            "javascript: url",
        ),
        (
            format!("{head}<a href=\" &#14; javascript:x\">x</a>"),
            "control + javascript:",
        ),
        (
            format!("{head}<a href=\"data:text/html,x\">x</a>"),
            "data: url",
        ),
        (
            format!("{head}<div title=\"\" onmouseover=\"x\">x</div>"),
            "broken attribute",
        ),
        (
            format!(
                "{head}<svg class=\"chart-svg\"><text>a</text><a xlink:href=\"javascript:x\"></a></svg>"
            ),
            "svg link",
        ),
        (format!("{head}<svg onload=x>"), "svg onload"),
        (format!("{head}<p id=\"a&quot;b\">x</p>"), "bad id"),
        (format!("{head}<a href=\"#a b\">x</a>"), "bad anchor"),
        (
            format!("{head}<div style=\"background:url(x)\">"),
            "style attribute",
        ),
        (
            ok.replace(
                "default-src 'none'",
                "default-src 'none'; script-src 'unsafe-inline'",
            ),
            "unsafe-inline",
        ),
        (ok.replace("<meta http-equiv", "<meta name"), "no CSP"),
        (
            ok.replace("<title>t</title>", "")
                .replace("<meta charset=\"utf-8\">", "<title>t</title>"),
            "CSP after title",
        ),
        (ok.replace("<p>", "<p>1222221"), "evaluated template"),
    ] {
        assert!(
            !check_file("a.html", bad.as_bytes()).is_empty(),
            "not caught: {why}"
        );
    }
    assert!(!check_file("a.json", b"{\"a\": \"</script>\" x}").is_empty());
    assert!(check_file("a.json", b"{\"a\": \"</script>\"}").is_empty());
    assert!(!check_file("a.csv", "名称,金额\n=cmd|' /C calc'!A0,1\n".as_bytes()).is_empty());
    assert!(!check_file("a.csv", "名称,金额\n\"@SUM(1)\",1\n".as_bytes()).is_empty());
    assert!(check_file("a.csv", "名称,金额\n\"'=cmd\",-1.5\n".as_bytes()).is_empty());
    assert!(!check_file("a.svg", "<svg><text>\u{0}</text></svg>".as_bytes()).is_empty());
}

// ---------------------------------------------------------------- paths

#[test]
fn slugs_and_paths_cannot_escape_the_output_folder() {
    use gongkai::load::valid_slug;
    for s in [
        "../x", "..", ".", "/etc", "/", "a/b", "a\\b", "", "x.", "x..y", "Ａ", "a b", "%2e%2e",
        "-a", "a_b", "A", "a\0", "年", "a\n", "~root", "C:", "a:b",
    ] {
        assert!(!valid_slug(s), "{s:?} accepted as a slug");
    }
    assert!(valid_slug("xiangxi-xfj") && valid_slug("a1"));

    // Folder names a content folder can hold: reserved and malformed ones are errors,
    // dot-folders are ignored. A symlinked department folder is followed like any other
    // (its pages live under its own slug inside the output; see tests/invalid.rs).
    let tmp = tempfile::tempdir().unwrap();
    let c = tmp.path().join("content");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(outside.join("2023")).unwrap();
    std::fs::write(outside.join("department.toml"), "name = \"外部\"\n").unwrap();
    for dir in [
        "years", "assets", "checks", "data", "Bad", "x y", "a\\b", "x..y", "..x",
    ] {
        std::fs::create_dir_all(c.join(dir)).unwrap();
        std::fs::write(c.join(dir).join("department.toml"), "name = \"x\"\n").unwrap();
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, c.join("linked")).unwrap();
    let err = match gongkai::load::load(&c) {
        Ok(_) => panic!("must not load"),
        Err(e) => e.to_string(),
    };
    for dir in ["years", "assets", "checks", "data"] {
        assert!(
            err.contains(&format!("`{dir}` 为网站保留名称")),
            "{dir}: {err}"
        );
    }
    for dir in ["Bad", "x y", "a\\b", "x..y"] {
        assert!(err.contains(&format!("`{dir}` 不合规")), "{dir}: {err}");
    }
    assert!(!err.contains("..x"), "a dot-folder is ignored: {err}");
    #[cfg(unix)]
    assert!(
        !err.contains("linked"),
        "a symlinked department with a valid slug loads: {err}"
    );
    assert!(!err.contains("外部"), "{err}");

    // Every file of the hostile site lies under the output folder, in a folder named by a
    // valid slug or the site's own, and no file is a link.
    let b = built();
    for e in walkdir::WalkDir::new(&b.out) {
        let e = e.unwrap();
        assert!(!e.path_is_symlink(), "{}", e.path().display());
        let rel = e.path().strip_prefix(&b.out).unwrap();
        for comp in rel.components() {
            let std::path::Component::Normal(s) = comp else {
                panic!("{}", rel.display())
            };
            let s = s.to_str().unwrap();
            assert!(
                s.chars().all(|c| c.is_ascii_lowercase()
                    || c.is_ascii_digit()
                    || matches!(c, '-' | '.' | '_'))
                    && !s.starts_with('.'),
                "{}",
                rel.display()
            );
        }
    }
}

// ---------------------------------------------------------------- Chromium

/// What the driver found on one page: (kind, detail).
type Flags = Vec<(String, String)>;

/// Loads `pages` (paths relative to `root`) through the driver, `procs` Chromium
/// processes at a time, and returns each page's flags in order.
fn run_pages(root: &Path, pages: &[String], procs: usize, tag: &str) -> Vec<(String, Flags)> {
    let driver = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xss/driver.html"),
    )
    .unwrap();
    let chunk = pages.len().div_ceil(procs.max(1)).max(1);
    let mut children = Vec::new();
    for (n, part) in pages.chunks(chunk).enumerate() {
        let list = serde_json::to_string(part).unwrap();
        let name = format!("__driver-{tag}-{n}.html");
        std::fs::write(root.join(&name), driver.replace("/*PAGES*/[]", &list)).unwrap();
        let profile = root.join(format!("__profile-{tag}-{n}"));
        let out = std::fs::File::create(root.join(format!("__dump-{tag}-{n}.html"))).unwrap();
        let child = common::driver_command(&root.join(&name), &profile, 36_000_000)
            .stdout(out)
            .spawn()
            .unwrap();
        children.push((n, part.len(), child));
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut results = Vec::new();
    for (n, count, mut child) in children {
        loop {
            match child.try_wait().unwrap() {
                Some(_) => break,
                None if Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("Chromium did not finish the XSS driver in 10 minutes");
                }
                None => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        let dump = std::fs::read_to_string(root.join(format!("__dump-{tag}-{n}.html"))).unwrap();
        let json = common::driver_results(&dump, count);
        let v: Vec<(String, Vec<(String, String)>)> = serde_json::from_str(&json).unwrap();
        assert_eq!(v.len(), count);
        results.extend(v);
    }
    results
}

/// The page without its Content-Security-Policy meta tag.
fn strip_csp(html: &str) -> String {
    let start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("page has a CSP meta tag");
    let end = start + html[start..].find('>').unwrap() + 1;
    format!("{}{}", &html[..start], &html[end..])
}

/// Copies the built site with every page's CSP removed.
fn stripped_copy(out: &Path, to: &Path) -> Vec<String> {
    let mut pages = Vec::new();
    for (rel, bytes) in files(out) {
        let dest = to.join(&rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        if rel.ends_with(".html") {
            let text = String::from_utf8(bytes).unwrap();
            std::fs::write(&dest, strip_csp(&text)).unwrap();
            pages.push(rel);
        } else {
            if rel.ends_with(".svg") {
                pages.push(rel.clone());
            }
            std::fs::write(&dest, bytes).unwrap();
        }
    }
    pages
}

#[test]
fn no_payload_runs_in_chromium() {
    let b = built();
    let t = Instant::now();
    let root = b.root.join("browser");
    let _ = std::fs::remove_dir_all(&root);
    let pages = stripped_copy(&b.out, &root);
    assert!(pages.len() >= 4 * b.payloads.len(), "{} pages", pages.len());
    let results = run_pages(&root, &pages, 2, "site");
    let bad: Vec<String> = results
        .iter()
        .flat_map(|(page, flags)| {
            flags.iter().map(move |(kind, detail)| {
                let detail: String = detail.chars().take(200).collect();
                format!("{page}: {kind}: {detail}")
            })
        })
        .collect();
    eprintln!(
        "loaded {} pages in Chromium (CSP removed) in {:.1} s",
        results.len(),
        t.elapsed().as_secs_f64()
    );
    if bad.is_empty() {
        let _ = std::fs::remove_dir_all(&root);
    }
    assert!(
        bad.is_empty(),
        "{} problems in Chromium, first 40:\n{}",
        bad.len(),
        bad.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The control pages: each payload inserted unescaped into the contexts the site's pages
/// have (text, quoted and unquoted attributes, URL, <title>, <style>, <textarea>, comment,
/// SVG text, JSON in a script block, and Markdown rendered with raw HTML allowed).
fn control_page(p: &Payload) -> String {
    let raw = &p.text;
    let mut md = String::new();
    let parser = pulldown_cmark::Parser::new_ext(raw, pulldown_cmark::Options::ENABLE_TABLES);
    pulldown_cmark::html::push_html(&mut md, parser);
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{raw}</title><style>@page {{ @top-center {{ content: \"{raw}\"; }} }}</style></head><body>\
<p>{raw}</p><div title=\"{raw}\">x</div><div title='{raw}'>x</div><div title={raw}>x</div>\
<p><a href=\"{raw}\">x</a></p><textarea>{raw}</textarea><!-- {raw} -->\
<svg><text>{raw}</text></svg><script type=\"application/json\">{{\"a\":\"{raw}\"}}</script>\
<div>{md}</div></body></html>"
    )
}

#[test]
fn every_payload_runs_when_not_escaped_and_the_csp_blocks_script() {
    let b = built();
    let root = b.root.join("controls");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let mut pages = Vec::new();
    for p in &b.payloads {
        let name = format!("c{:03}.html", p.id);
        std::fs::write(root.join(&name), control_page(p)).unwrap();
        pages.push(name);
    }
    // A real page with its CSP and an injected script: the CSP must block it; without
    // the CSP the same injection runs (so the driver would see it).
    let real = std::fs::read_to_string(bundled().join("xiangxi-xfj/2023/index.html")).unwrap();
    let inject = "<script>document.documentElement.dataset.xss=9001</script>\
                  <img src=x onerror=\"document.documentElement.dataset.xss=9002\">";
    let body = real.find("<body").unwrap();
    let body = body + real[body..].find('>').unwrap() + 1;
    let with_csp = format!("{}{inject}{}", &real[..body], &real[body..]);
    std::fs::write(root.join("csp-on.html"), &with_csp).unwrap();
    std::fs::write(root.join("csp-off.html"), strip_csp(&with_csp)).unwrap();
    pages.push("csp-on.html".into());
    pages.push("csp-off.html".into());

    let results = run_pages(&root, &pages, 1, "controls");
    let is_hit =
        |f: &(String, String)| matches!(f.0.as_str(), "fired" | "on-attr" | "url" | "location");
    let mut missed = Vec::new();
    let mut fired = 0;
    for (p, (page, flags)) in b.payloads.iter().zip(&results) {
        assert_eq!(page, &format!("c{:03}.html", p.id));
        let hit = flags.iter().any(is_hit);
        let ran = flags
            .iter()
            .any(|f| f.0 == "fired" && f.1 == p.id.to_string());
        fired += usize::from(ran);
        if hit == p.inert {
            missed.push(format!(
                "payload {} ({}) {}: {:?}",
                p.id,
                if p.inert { "marked inert" } else { "live" },
                if hit { "was caught" } else { "was not caught" },
                p.text.chars().take(80).collect::<String>()
            ));
        }
    }
    let inert = b.payloads.iter().filter(|p| p.inert).count();
    eprintln!(
        "controls: {fired} of {} live payloads ran when inserted unescaped, the others left a \
         handler or a script URL; {inert} inert payloads did neither",
        b.payloads.len() - inert
    );
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    assert!(fired >= 40, "only {fired} payloads ran unescaped");
    let flags_of = |name: &str| &results.iter().find(|r| r.0 == name).unwrap().1;
    let on = flags_of("csp-on.html");
    assert!(
        !on.iter().any(|f| f.0 == "fired"),
        "the CSP did not block an inline script: {on:?}"
    );
    let off = flags_of("csp-off.html");
    assert!(
        off.iter()
            .any(|f| f.0 == "fired" && (f.1 == "9001" || f.1 == "9002")),
        "the injected script did not run without the CSP: {off:?}"
    );
}
