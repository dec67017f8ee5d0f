//! Browser tests: print the bundled records with Chromium (`gongkai pdf`) and read the
//! PDFs back with poppler-utils. Needs `chromium`, `fonts-wqy-microhei` and
//! `poppler-utils` (Debian); `.ci/run` installs them. Without them these tests fail and
//! say what to install.

mod common;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn tool(name: &str) -> String {
    let out = Command::new(name).arg("-v").output();
    assert!(
        out.is_ok(),
        "`{name}` is missing: apt-get install poppler-utils"
    );
    name.to_string()
}

/// The bundled site built and printed once.
fn printed() -> &'static (PathBuf, Vec<gongkai::pdf::Printed>) {
    static P: OnceLock<(PathBuf, Vec<gongkai::pdf::Printed>)> = OnceLock::new();
    P.get_or_init(|| {
        let out = common::built().to_path_buf();
        let browser = gongkai::pdf::find_browser(None)
            .unwrap_or_else(|e| panic!("{e}\n(the PDF tests need: apt-get install chromium fonts-wqy-microhei poppler-utils)"));
        let jobs = gongkai::pdf::jobs(&out).unwrap();
        assert_eq!(jobs.len(), 5, "one PDF per record");
        let done = gongkai::pdf::print_all(&browser, &jobs, 2, &|_| {}).unwrap_or_else(|e| panic!("{e}"));
        (out, done)
    })
}

fn pdf(rel: &str) -> PathBuf {
    printed().0.join(rel)
}

fn pages(p: &Path) -> usize {
    let out = Command::new(tool("pdfinfo")).arg(p).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|n| n.trim().parse().unwrap())
        .unwrap()
}

fn page_text(p: &Path, page: usize) -> String {
    page_text_mode(p, page, "-layout")
}

/// `-layout` keeps columns apart; `-raw` keeps the order text was drawn in.
fn page_text_mode(p: &Path, page: usize, mode: &str) -> String {
    let out = Command::new(tool("pdftotext"))
        .args(["-f", &page.to_string(), "-l", &page.to_string(), mode])
        .arg(p)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The visible text of an HTML fragment, entities decoded for the few we write.
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// (PDF, page, running header); expected page counts are in `PAGES`.
const RECORDS: [(&str, &str, &str); 5] = [
    (
        "xiangxi-xfj/2023/xiangxi-xfj-2023.pdf",
        "xiangxi-xfj/2023/index.html",
        "湘西自治州信访局 · 2023年度",
    ),
    (
        "xiangxi-xfj/2022/xiangxi-xfj-2022-targets.pdf",
        "xiangxi-xfj/2022/targets/index.html",
        "湘西自治州信访局 · 2022年度",
    ),
    (
        "zhanyi-xfj/2023/zhanyi-xfj-2023.pdf",
        "zhanyi-xfj/2023/index.html",
        "曲靖市沾益区信访局 · 2023年度",
    ),
    (
        "hunan-xfj/2022/hunan-xfj-2022.pdf",
        "hunan-xfj/2022/index.html",
        "湖南省信访局 · 2022年度",
    ),
    (
        "changsha-xfj/2021/changsha-xfj-2021.pdf",
        "changsha-xfj/2021/index.html",
        "长沙市信访局 · 2021年度",
    ),
];

/// Pages each record prints on (measured: 12, 12, 14, 7, 9), with room for font metrics.
const PAGES: [std::ops::RangeInclusive<usize>; 5] = [9..=16, 9..=16, 10..=18, 5..=10, 7..=12];

#[test]
fn every_page_has_its_header_and_page_number() {
    for ((p, _, header), range) in RECORDS.into_iter().zip(PAGES) {
        let n = pages(&pdf(p));
        assert!(range.contains(&n), "{p}: {n} pages, expected {range:?}");
        for i in 1..=n {
            let t = squash(&page_text(&pdf(p), i));
            assert!(
                t.contains(&format!("第{i}页共{n}页")),
                "{p} page {i}: no page number\n{t}"
            );
            assert!(
                t.contains(&squash(header)),
                "{p} page {i}: no header {header}"
            );
        }
    }
}

#[test]
fn fonts_are_embedded_and_searchable() {
    for (p, _, _) in RECORDS {
        let out = Command::new(tool("pdffonts")).arg(pdf(p)).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let fonts: Vec<&str> = text.lines().skip(2).collect();
        assert!(!fonts.is_empty());
        for f in &fonts {
            assert!(
                !f.contains("Type 3"),
                "{p}: a Type 3 font (unsearchable glyphs): {f}"
            );
            let cols: Vec<&str> = f.split_whitespace().collect();
            let emb = cols[cols.len() - 5];
            assert_eq!(emb, "yes", "{p}: font not embedded: {f}");
        }
        assert!(
            text.contains("WenQuanYiMicroHei"),
            "{p}: CJK font not used:\n{text}"
        );
    }
}

#[test]
fn the_pdf_text_is_the_page_text() {
    for (p, html, header) in RECORDS {
        let n = pages(&pdf(p));
        let mut all = String::new();
        for i in 1..=n {
            let t = page_text_mode(&pdf(p), i, "-raw");
            assert!(
                !t.contains('\u{FFFD}'),
                "{p} page {i}: a glyph could not be mapped to text"
            );
            let foot = format!("第{i}页共{n}页");
            let body: String = t
                .lines()
                .map(squash)
                .filter(|l| !l.contains(&squash(header)) && l != &foot)
                .collect();
            all.push_str(&body);
        }
        let page = std::fs::read_to_string(printed().0.join(html)).unwrap();
        let main = &page[page.find("<main").unwrap()..page.find("</main>").unwrap()];
        // Prose outside tables (cells side by side interleave their lines in any PDF text).
        let mut main = main.to_string();
        while let Some(i) = main.find("<table") {
            let j = main[i..].find("</table>").map_or(main.len(), |j| i + j + 8);
            main.replace_range(i..j, "");
        }
        // Data downloads are for the screen only (hidden in print).
        while let Some(i) = main.find("<div class=\"downloads\">") {
            let j = main[i..].find("</div>").map_or(main.len(), |j| i + j + 6);
            main.replace_range(i..j, "");
        }
        let mut checked = 0;
        for para in main.split("<p>").skip(1) {
            let text = squash(&strip_tags(
                &para[..para.find("</p>").unwrap_or(para.len())],
            ));
            if text.chars().count() >= 12 {
                assert!(
                    all.contains(&text),
                    "{p}: paragraph missing from the PDF text: {text}"
                );
                checked += 1;
            }
        }
        assert!(checked >= 1, "{p}: no paragraph checked");
    }
}

/// Rows of every `<table class="indicators">`: the squashed text of each cell.
fn indicator_rows(html: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for t in html.split("<table class=\"indicators\">").skip(1) {
        let t = &t[..t.find("</table>").unwrap()];
        let body = &t[t.find("<tbody>").unwrap()..];
        for tr in body.split("<tr>").skip(1) {
            let mut cells = Vec::new();
            let mut rest = tr;
            while let Some(i) = rest.find(['<']).filter(|_| rest.contains("</t")) {
                let open = &rest[i..];
                if !(open.starts_with("<td") || open.starts_with("<th")) {
                    rest = &rest[i + 1..];
                    continue;
                }
                let close = [open.find("</td>"), open.find("</th>")]
                    .into_iter()
                    .flatten()
                    .min()
                    .unwrap();
                let inner = &open[open.find('>').unwrap() + 1..close];
                // The cell's own text, without the check line and notes.
                let inner = inner.split("<span class=\"check").next().unwrap();
                let text = squash(&strip_tags(inner));
                if text.chars().count() >= 4 && !text.contains("未填报") {
                    cells.push(text);
                }
                rest = &open[close + 5..];
            }
            rows.push(cells);
        }
    }
    rows
}

#[test]
fn table_rows_never_split_and_every_row_is_printed_once() {
    for (p, html, _) in [RECORDS[0], RECORDS[1], RECORDS[3]] {
        let n = pages(&pdf(p));
        let texts: Vec<String> = (1..=n)
            .map(|i| squash(&page_text_mode(&pdf(p), i, "-raw")))
            .collect();
        let page = std::fs::read_to_string(printed().0.join(html)).unwrap();
        let rows = indicator_rows(&page);
        assert!(rows.len() >= 9, "{p}: {} indicator rows", rows.len());
        for row in rows.iter().filter(|r| !r.is_empty()) {
            // One page holds every cell of the row.
            let home: Vec<usize> = (0..n)
                .filter(|&i| row.iter().all(|c| texts[i].contains(c.as_str())))
                .collect();
            assert!(
                !home.is_empty(),
                "{p}: a row is split across pages or missing: {row:?}"
            );
            // The table's header repeats on every page the table runs onto.
            for &i in &home {
                assert!(
                    texts[i].contains("一级指标二级指标三级指标"),
                    "{p} page {}: indicator rows without the header",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn pages_link_their_pdf_and_dates_come_from_the_content() {
    let html = std::fs::read_to_string(printed().0.join("xiangxi-xfj/2023/index.html")).unwrap();
    assert!(
        html.contains("<a href=\"xiangxi-xfj-2023.pdf\" download>下载 PDF 版"),
        "link"
    );
    let t =
        std::fs::read_to_string(printed().0.join("xiangxi-xfj/2022/targets/index.html")).unwrap();
    assert!(
        t.contains("<a href=\"../xiangxi-xfj-2022-targets.pdf\" download>"),
        "targets link"
    );
    let out = Command::new(tool("pdfinfo"))
        .arg(pdf(RECORDS[0].0))
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&out.stdout);
    assert!(
        info.contains("Jun  1 00:00:00 2024"),
        "creation date from the record's date:\n{info}"
    );
    assert!(
        info.contains("Title:")
            && info.contains("湘西自治州信访局2023年度部门整体支出绩效自评报告")
    );
    for d in &printed().1 {
        assert!(d.bytes > 10_000, "{}", d.pdf.display());
    }
}
