//! Shared by the integration tests: build the bundled site once per test binary.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The project root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled site, built once per test binary into cargo's scratch folder for tests.
pub fn built() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let name = exe.file_stem().unwrap().to_string_lossy().to_string();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("site-{name}"));
        let _ = std::fs::remove_dir_all(&out);
        build_into(&out);
        out
    })
}

/// Builds the bundled content into `out`.
pub fn build_into(out: &Path) -> gongkai::BuildReport {
    let opts = gongkai::BuildOptions {
        content: root().join("content"),
        theme: root().join("themes/default"),
        output: out.to_path_buf(),
        clean: false,
    };
    gongkai::build(&opts).unwrap_or_else(|e| panic!("bundled site must build:\n{e}"))
}

/// A page's HTML.
pub fn page(path: &str) -> String {
    std::fs::read_to_string(built().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Text of the page with tags removed and whitespace collapsed.
pub fn text(path: &str) -> String {
    strip_tags(&page(path))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// HTML with its tags replaced by spaces.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Path (relative, `/`-separated) → bytes of every file under `dir`.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                gongkai::write::relative(dir, e.path()),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Copies the folder `from` to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

pub fn html_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.into_path())
        .collect()
}

pub fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let pat = format!("{attr}=\"");
    html.match_indices(&pat)
        .filter_map(|(i, _)| {
            let rest = &html[i + pat.len()..];
            rest.find('"').map(|e| &rest[..e])
        })
        .collect()
}

/// Checks every href/src of every page under `out`: each resolves to a file inside `out`
/// (with its anchor), and nothing refers to another host except links starting with
/// `allowed_host` (a site's `base_url`). Returns the number of links checked.
pub fn check_links(out: &Path, allowed_host: Option<&str>) -> usize {
    let mut ids: BTreeMap<PathBuf, String> = BTreeMap::new();
    for f in html_files(out) {
        ids.insert(f.clone(), std::fs::read_to_string(&f).unwrap());
    }
    let mut checked = 0;
    for (file, html) in &ids {
        for v in attr_values(html, "href")
            .into_iter()
            .chain(attr_values(html, "src"))
        {
            if allowed_host.is_some_and(|h| v.starts_with(h)) {
                continue;
            }
            assert!(
                !v.starts_with("http:") && !v.starts_with("https:") && !v.starts_with("//"),
                "{}: external {v}",
                file.display()
            );
            if v.starts_with("mailto:") {
                continue;
            }
            let (path, frag) = v.split_once('#').map_or((v, None), |(p, f)| (p, Some(f)));
            let target = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            let target = target
                .canonicalize()
                .unwrap_or_else(|_| panic!("{}: broken link {v}", file.display()));
            assert!(
                target.starts_with(out.canonicalize().unwrap()),
                "{}: link leaves the site: {v}",
                file.display()
            );
            assert!(
                target.is_file(),
                "{}: link to a folder (file:// needs index.html): {v}",
                file.display()
            );
            if let Some(frag) = frag {
                let t = std::fs::read_to_string(&target).unwrap();
                assert!(
                    t.contains(&format!("id=\"{frag}\"")),
                    "{}: missing anchor {v}",
                    file.display()
                );
            }
            checked += 1;
        }
    }
    checked
}

/// Chromium, headless, loading the driver page `page` with file access (so that its
/// script can read the site's pages in frames) and printing its DOM once its scripts are
/// done or `budget_ms` of virtual time have passed. Set stdout (and spawn, or take the
/// output) to read the dump; [`driver_results`] reads it.
pub fn driver_command(page: &Path, profile: &Path, budget_ms: u64) -> std::process::Command {
    let browser = gongkai::pdf::find_browser(None).unwrap_or_else(|e| {
        panic!("{e}\n(the browser tests need: apt-get install chromium fonts-wqy-microhei)")
    });
    let mut cmd = std::process::Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--allow-file-access-from-files",
        "--dump-dom",
    ])
    .arg(format!("--virtual-time-budget={budget_ms}"))
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!(
        "file://{}",
        std::fs::canonicalize(page).unwrap().display()
    ))
    .stdin(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    cmd
}

/// What a browser driver left in its dumped DOM: the JSON of its `<pre id="out">`
/// (percent-encoded there), after checking that its `data-done` count is `pages`.
pub fn driver_results(dump: &str, pages: usize) -> String {
    let done = dump
        .split_once("data-done=\"")
        .and_then(|(_, r)| r.split_once('"'))
        .and_then(|(n, _)| n.parse::<usize>().ok());
    assert_eq!(
        done,
        Some(pages),
        "the driver did not load every page (dump: {} bytes)",
        dump.len()
    );
    let enc = dump
        .split_once("<pre id=\"out\">")
        .and_then(|(_, r)| r.split_once("</pre>"))
        .map(|(e, _)| e)
        .unwrap();
    percent_decode(enc)
}

/// Undoes `encodeURIComponent`.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
