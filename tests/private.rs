//! Private and redacted data never published (issue 7).
//!
//! `tests/fixtures/private/content` plants a unique marker in every field a record lists in
//! `private` and in the body of every redacted section: text markers `PRIVMARK-nnnn` and,
//! for figures, the numbers in [`NUMBERS`]. The site is built (HTML, SVG, and whatever else
//! the build writes), one record is printed to PDF with Chromium, and every byte of every
//! output file — and the PDF's extracted text — is searched for every marker.
//!
//! The search is shown to work: the same fixture with its `private` lists and `redacted`
//! flags removed publishes every marker.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Figures of the fixture that lie in private key paths (each printed nowhere else).
const NUMBERS: [&str; 25] = [
    // priv/2022: budget, 三公, score
    "64209.7531",
    "75318.6429",
    "70864.2931",
    "8.64297",
    "5.31975",
    "79.3571",
    // join/2022: 三公 and 同比 rows
    "6.42875",
    "3.86421",
    // priv/2023
    "3579.2468",
    "2468.1357",
    "86420.9753",
    "97531.8642",
    "86420.1357",
    "1357.9246",
    "27.18283",
    "3.14159",
    "1.41421",
    "1.73205",
    "2.23606",
    "83.1415",
    "5791.3579",
    // priv/2023 targets: a task's budget, a private project's amount
    "4680.2579",
    "2580.3691",
    // rows/2023: a 同比 row
    "7.77531",
    "6.66419",
];

/// Figures computed from private data that the site must not show either: 预算执行率 of
/// fig/2023's private budget (87.6543 ÷ 100), as a page would round it.
const DERIVED: [&str; 1] = ["87.65"];

fn fixture() -> PathBuf {
    common::root().join("tests/fixtures/private/content")
}

/// Every marker (`PRIVMARK-` or `PUBMARK-` and four digits) in the fixture's files.
fn markers(dir: &Path, prefix: &str) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    for (_, text) in files(dir) {
        let text = String::from_utf8(text).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find(prefix) {
            let m: String = rest[i..].chars().take(prefix.len() + 4).collect();
            if m.len() == prefix.len() + 4 && m[prefix.len()..].chars().all(|c| c.is_ascii_digit())
            {
                out.insert(m);
            }
            rest = &rest[i + prefix.len()..];
        }
    }
    out.into_iter().collect()
}

/// Every file under `dir`: (relative path, bytes), sorted by path.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    common::tree(dir).into_iter().collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Which of `needles` occur where: (needle, file).
fn occurrences(outputs: &[(String, Vec<u8>)], needles: &[String]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, bytes) in outputs {
        for n in needles {
            if contains(bytes, n) {
                found.push((n.clone(), path.clone()));
            }
        }
    }
    found
}

/// Builds `content` into `out` and prints the record `rel` (an evaluation page) to PDF.
/// Returns every output file plus the PDF's text as `<pdf>.txt`.
fn build_all(content: &Path, out: &Path, rel: &str) -> Vec<(String, Vec<u8>)> {
    let _ = std::fs::remove_dir_all(out);
    gongkai::build(&gongkai::BuildOptions {
        content: content.to_path_buf(),
        theme: common::root().join("themes/default"),
        output: out.to_path_buf(),
        clean: false,
    })
    .unwrap_or_else(|e| panic!("fixture must build:\n{e}"));
    let browser = gongkai::pdf::find_browser(None).unwrap_or_else(|e| {
        panic!("{e}\n(this test prints a page: apt-get install chromium fonts-wqy-microhei poppler-utils)")
    });
    let jobs: Vec<_> = gongkai::pdf::jobs(out)
        .unwrap()
        .into_iter()
        .filter(|j| j.html.ends_with(rel))
        .collect();
    assert_eq!(jobs.len(), 1, "{rel}");
    gongkai::pdf::print_all(&browser, &jobs, 1, &|_| {}).unwrap();
    let text = Command::new("pdftotext")
        .arg(&jobs[0].pdf)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    assert!(text.status.success());
    let mut all = files(out);
    all.push(("<pdf text>".to_string(), text.stdout));
    all
}

struct Built {
    outputs: Vec<(String, Vec<u8>)>,
    out: PathBuf,
}

fn built() -> &'static Built {
    static B: OnceLock<Built> = OnceLock::new();
    B.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("private");
        let outputs = build_all(&fixture(), &out, "priv/2023/index.html");
        Built { outputs, out }
    })
}

#[test]
fn no_private_or_redacted_data_in_any_output() {
    let b = built();
    let marks = markers(&fixture(), "PRIVMARK-");
    assert!(marks.len() >= 90, "{} markers", marks.len());
    let mut needles = marks.clone();
    needles.extend(NUMBERS.iter().chain(&DERIVED).map(|s| s.to_string()));
    assert!(
        b.outputs.iter().any(|(p, _)| p.ends_with(".pdf")),
        "a PDF was printed"
    );
    let leaks = occurrences(&b.outputs, &needles);
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks
            .iter()
            .map(|(n, p)| format!("{n} in {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The pages were built with their public parts: every public marker is published,
    // on the pages and in the PDF's text.
    let public = markers(&fixture(), "PUBMARK-");
    for m in &public {
        assert!(
            b.outputs.iter().any(|(_, bytes)| contains(bytes, m)),
            "{m} is public but not published"
        );
    }
    let pdf = &b.outputs.iter().find(|(p, _)| p == "<pdf text>").unwrap().1;
    let pdf = String::from_utf8_lossy(pdf).replace(char::is_whitespace, "");
    for m in [
        "PUBMARK-0010",
        "PUBMARK-0013",
        "PUBMARK-0017",
        "内容涉密，不予公开",
    ] {
        assert!(pdf.contains(m), "{m} not in the PDF's text");
    }
}

#[test]
fn the_search_finds_every_marker_once_nothing_is_private() {
    // The fixture with every `private` list and `redacted` flag removed.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("private-open");
    let content = tmp.join("content");
    let _ = std::fs::remove_dir_all(&tmp);
    for (rel, bytes) in files(&fixture()) {
        let dest = content.join(&rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let mut open = String::new();
        let mut in_list = false;
        for line in text.lines() {
            if line.starts_with("private = [") {
                in_list = !line.ends_with(']');
                continue;
            }
            if in_list {
                in_list = line != "]";
                continue;
            }
            if line == "redacted = true" {
                continue;
            }
            open.push_str(line);
            open.push('\n');
        }
        assert!(!open.lines().any(|l| l.starts_with("private")), "{rel}");
        std::fs::write(dest, open).unwrap();
    }
    let outputs = build_all(&content, &tmp.join("out"), "priv/2023/index.html");
    let mut needles = markers(&fixture(), "PRIVMARK-");
    needles.extend(NUMBERS.iter().chain(&DERIVED).map(|s| s.to_string()));
    let found: std::collections::BTreeSet<String> = occurrences(&outputs, &needles)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let missing: Vec<&String> = needles.iter().filter(|n| !found.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "these markers are not published even when nothing is private, so the search \
         cannot show they are withheld: {missing:?}"
    );
}

#[test]
fn redacted_sections_show_the_placeholder_and_reason() {
    let b = built();
    let page = std::fs::read_to_string(b.out.join("priv/2023/index.html")).unwrap();
    for (title, reason) in [
        ("PUBMARK-0012 存在的问题", "PUBMARK-0013 依据保密规定"),
        ("PUBMARK-0014 改进措施", "PUBMARK-0015 涉及国家秘密"),
    ] {
        let at = page.find(title).unwrap_or_else(|| panic!("{title}"));
        let section = &page[at..at + page[at..].find("</section>").unwrap()];
        assert!(
            section.contains(&format!(
                "<p class=\"redacted\"><strong>内容涉密，不予公开</strong>（{reason}）</p>"
            )),
            "{section}"
        );
    }
    // An ordinary section next to them keeps its body.
    assert!(page.contains("PUBMARK-0017 公开正文"));
}

#[test]
fn findings_on_private_figures_are_withheld_from_pages() {
    // The checker does find them (so withholding them is what keeps them off the pages).
    let mut t = gongkai::Timings::default();
    let checked = gongkai::load_and_check(&fixture(), &mut t).unwrap_or_else(|e| panic!("{e}"));
    let on_private: Vec<_> = checked
        .findings
        .iter()
        .filter(|f| {
            f.stated.contains("PRIVMARK")
                || f.message.contains("PRIVMARK")
                || f.message.contains("87.6543")
        })
        .collect();
    assert!(
        on_private.len() >= 10,
        "{} findings on private data",
        on_private.len()
    );
    let b = built();
    // The overview and every department's 核对情况 page.
    let checks: String = files(&b.out.join("checks"))
        .into_iter()
        .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
        .collect();
    assert!(checks.contains("核对情况 · "), "{checks}");
    // The fixture's public mismatch is still reported (so the page is not just empty).
    assert!(
        checks.contains("95.00%") && checks.contains("90.91%"),
        "{checks}"
    );
    let fig = std::fs::read_to_string(b.out.join("fig/2023/index.html")).unwrap();
    assert!(fig.contains("PUBMARK-0040 预算执行率") && fig.contains("96%"));
    assert!(!fig.contains("核算 87") && !fig.contains("88%"), "{fig}");
    assert!(!checks.contains("87.6543") && !checks.contains("88%"));
}

#[test]
fn every_private_path_of_the_fixture_is_one_the_site_withholds() {
    use gongkai::site::private::can_withhold;
    let mut t = gongkai::Timings::default();
    let checked = gongkai::load_and_check(&fixture(), &mut t).unwrap();
    let mut n = 0;
    for d in &checked.content.departments {
        for r in &d.records {
            for p in gongkai::site::private::of(r) {
                assert!(can_withhold(r.kind, p), "{}: {p}", r.source.path);
                n += 1;
            }
        }
    }
    assert!(n >= 55, "{n} private paths");
}

/// A record without its own 上年数 takes it from the prior year's record by item name,
/// but not a row that record lists as private: the computed 增减额 would publish it
/// (2 − 6.42875 = −4.42875).
#[test]
fn rows_a_prior_year_withholds_are_not_joined() {
    let b = built();
    let page = std::fs::read_to_string(b.out.join("join/2023/index.html")).unwrap();
    for derived in ["4.42875", "1.86421"] {
        assert!(!page.contains(derived), "{derived}");
    }
}
