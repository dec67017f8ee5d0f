//! Open data and yearly archives: every record's figures downloadable beside its page
//! (data.json and CSV), the site's data package validated by a real validator
//! (frictionless, from PyPI), manifests that `verify` checks, byte-identical yearly
//! snapshots that open offline, and a sitemap and feed only when `base_url` is set.

mod common;
use common::{built, check_links, copy_tree, root};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const RECORD_DIRS: [&str; 5] = [
    "xiangxi-xfj/2023/",
    "xiangxi-xfj/2022/targets/",
    "zhanyi-xfj/2023/",
    "hunan-xfj/2022/",
    "changsha-xfj/2021/",
];

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}")))
        .unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn table<'a>(doc: &'a Value, name: &str) -> Option<&'a Vec<Value>> {
    doc["tables"]
        .as_array()?
        .iter()
        .find(|t| t["name"] == name)
        .and_then(|t| t["rows"].as_array())
}

/// The text of a page as a reader sees it (tags dropped, entities of `&<>"'` decoded).
fn visible(html: &str) -> String {
    common::strip_tags(html)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[test]
fn data_json_figures_are_the_pages_figures() {
    let out = built();
    let mut compared = 0;
    let mut missing = Vec::new();
    for dir in RECORD_DIRS {
        let page = visible(&std::fs::read_to_string(out.join(dir).join("index.html")).unwrap());
        let doc = json(&out.join(dir).join("data.json"));
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["units"]["amount"], "万元");
        let figures = table(&doc, "figures").unwrap_or_else(|| panic!("{dir}: no figures"));
        assert!(!figures.is_empty());
        for f in figures {
            let path = f["path"].as_str().unwrap();
            if let Some(published) = f["published"].as_str() {
                assert!(
                    page.contains(published),
                    "{dir}{path}: published 「{published}」 not on the page"
                );
                let display = f["display"].as_str().unwrap();
                let shown = if display.starts_with("无法核算") {
                    display.to_string()
                } else {
                    format!("核算 {display}")
                };
                if !page.contains(&shown) {
                    missing.push(format!("{dir}{path}: 「{shown}」"));
                }
                compared += 1;
            }
            // Amounts and rates are decimal strings, never JSON numbers.
            assert!(f["value"].is_string() || f["value"].is_null(), "{path}");
        }
        // Every amount the document printed, as printed.
        for t in doc["tables"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap();
            if name == "figures" || name == "findings" {
                continue;
            }
            let cols: Vec<&Value> = t["columns"].as_array().unwrap().iter().collect();
            for row in t["rows"].as_array().unwrap() {
                for c in &cols {
                    let (key, title) = (c["name"].as_str().unwrap(), c["title"].as_str().unwrap());
                    if c["type"] != "number" || title.contains("核算") {
                        continue;
                    }
                    if let Some(v) = row[key].as_str() {
                        assert!(page.contains(v), "{dir}{name}.{key}: {v} not on the page");
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not on the page:\n{}",
        missing.join("\n")
    );
    assert!(compared > 150, "figures compared: {compared}");
}

#[test]
fn every_data_json_follows_the_documented_schema() {
    let schema = json(&root().join("docs/data.schema.json"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut n = 0;
    for e in walkdir::WalkDir::new(built()) {
        let e = e.unwrap();
        if e.file_name() == "data.json" {
            let doc = json(e.path());
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{:?}: {errors:?}", e.path());
            n += 1;
        }
    }
    assert_eq!(n, 5);
}

#[test]
fn seed_figures_in_the_data() {
    let doc = json(&built().join("xiangxi-xfj/2023/data.json"));
    let tp = table(&doc, "three_public").unwrap();
    let total = tp.iter().find(|r| r["item"] == "合  计").unwrap();
    assert_eq!(total["budget"], "21");
    assert_eq!(total["actual"], "5.09");
    assert_eq!(total["control_rate"], "24.24");
    assert_eq!(total["stated_change_rate"], "29.46%");
    assert_eq!(total["change_rate"], "-22.17");
    let budget = table(&doc, "budget").unwrap();
    assert_eq!(budget[0]["adjusted"], "1180.77");
    let findings = table(&doc, "findings").unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["stated"] == "29.46%" && f["severity"] == "错误")
    );
    let hunan = json(&built().join("hunan-xfj/2022/data.json"));
    let figs = table(&hunan, "figures").unwrap();
    assert!(figs.iter().any(|f| f["published"] == "75.45%"
        && f["display"] == "74.22%"
        && f["status"] == "不一致"));
}

#[test]
fn record_csvs_are_the_data_json_tables_for_excel() {
    let out = built();
    for dir in RECORD_DIRS {
        let doc = json(&out.join(dir).join("data.json"));
        let html = std::fs::read_to_string(out.join(dir).join("index.html")).unwrap();
        for t in doc["tables"].as_array().unwrap() {
            let csv_name = t["csv"].as_str().unwrap();
            assert!(
                html.contains(&format!("href=\"{csv_name}\" download")),
                "{dir}: page does not link {csv_name}"
            );
            let bytes = std::fs::read(out.join(dir).join(csv_name)).unwrap();
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{csv_name}: BOM");
            let mut r = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
            let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
            let cols = t["columns"].as_array().unwrap();
            assert_eq!(header.len(), cols.len());
            assert!(
                header[0]
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
            let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
            let jrows = t["rows"].as_array().unwrap();
            assert_eq!(rows.len(), jrows.len(), "{dir}{csv_name}");
            for (row, jrow) in rows.iter().zip(jrows) {
                for (cell, c) in row.iter().zip(cols) {
                    let v = jrow[c["name"].as_str().unwrap()].as_str().unwrap_or("");
                    let cell = cell
                        .strip_prefix('\'')
                        .filter(|_| v.starts_with(['=', '+', '-', '@']))
                        .unwrap_or(cell);
                    assert_eq!(cell, v, "{dir}{csv_name}");
                }
            }
        }
        assert!(html.contains("href=\"data.json\" download"));
    }
}

/// Runs Python; the data tests need frictionless (`pip install frictionless`; `.ci/run`
/// installs it).
fn python(script: &str, dir: &Path) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("python3 runs (the data package test needs python3 with frictionless)");
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn data_package_validates_with_frictionless() {
    let data = built().join("data");
    let report = python(
        "import json, frictionless\n\
         r = frictionless.validate('datapackage.json')\n\
         rows = sum(t.stats.get('rows', 0) or 0 for t in r.tasks)\n\
         print(json.dumps({'valid': r.valid, 'tasks': len(r.tasks), 'rows': rows,\n\
           'errors': [e.message for e in r.errors] + [e.message for t in r.tasks for e in t.errors][:20]}))",
        &data,
    );
    let r: Value = serde_json::from_str(report.trim()).unwrap();
    assert_eq!(r["valid"], true, "{r}");
    assert_eq!(r["tasks"], 18, "{r}");
    assert!(r["rows"].as_u64().unwrap() > 300, "{r}");

    // The Fiscal Data Package model: every measure names a column of its resource, in
    // CNY, factor 10000 (万元); 年初预算/全年预算/实际支出 carry their budget phase.
    let pkg = json(&data.join("datapackage.json"));
    let resources: BTreeMap<&str, Vec<&str>> = pkg["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap(),
                r["schema"]["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["name"].as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    let measures = pkg["model"]["measures"].as_object().unwrap();
    assert!(measures.len() > 40);
    for (name, m) in measures {
        let fields = &resources[m["resource"].as_str().unwrap()];
        assert!(fields.contains(&m["source"].as_str().unwrap()), "{name}");
        assert_eq!(m["currency"], "CNY");
        assert_eq!(m["factor"], 10000);
        if let Some(p) = m["phase"].as_str() {
            assert!(["proposed", "approved", "adjusted", "executed"].contains(&p));
        }
    }
    assert_eq!(measures["budget_initial"]["phase"], "approved");
    assert_eq!(measures["budget_adjusted"]["phase"], "adjusted");
    assert_eq!(measures["budget_executed"]["phase"], "executed");
    assert_eq!(pkg["fiscalPeriod"]["start"], "2021-01-01");
    assert_eq!(pkg["fiscalPeriod"]["end"], "2023-12-31");
    assert_eq!(pkg["fiscalPeriods"].as_array().unwrap().len(), 3);
    for dim in ["department", "fiscal_year"] {
        assert!(pkg["model"]["dimensions"][dim]["primaryKey"].is_string());
    }
}

fn gongkai(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

#[test]
fn verify_catches_a_changed_byte_a_removed_file_and_an_added_file() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_tree(built(), &site);
    let s = site.to_str().unwrap();
    let ok = gongkai(&["verify", s]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("一致"));

    let report = |site: &Path| gongkai::manifest::verify(site).unwrap();
    // One changed byte.
    let page = site.join("xiangxi-xfj/2023/data.json");
    let mut bytes = std::fs::read(&page).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 1;
    std::fs::write(&page, &bytes).unwrap();
    let r = report(&site);
    assert_eq!(r.changed, ["xiangxi-xfj/2023/data.json"]);
    assert!(r.missing.is_empty() && r.extra.is_empty());
    // A removed file and an added one.
    std::fs::remove_file(site.join("assets/style.css")).unwrap();
    std::fs::write(site.join("years/extra.html"), "x").unwrap();
    let r = report(&site);
    assert_eq!(r.missing, ["assets/style.css"]);
    assert_eq!(r.extra, ["years/extra.html"]);
    let bad = gongkai(&["verify", s]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    for f in [
        "xiangxi-xfj/2023/data.json",
        "assets/style.css",
        "years/extra.html",
    ] {
        assert!(text.contains(f), "{text}");
    }
    // No manifest at all.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(
        gongkai(&["verify", empty.to_str().unwrap()]).status.code(),
        Some(2)
    );
}

#[test]
fn manifest_lists_every_file_with_the_content_digest() {
    let m = gongkai::manifest::Manifest::read(built()).unwrap();
    let files: Vec<_> = walkdir::WalkDir::new(built())
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| gongkai::write::relative(built(), e.path()))
        .filter(|p| p != "manifest.json")
        .collect();
    let listed: Vec<_> = m.files.iter().map(|f| f.path.clone()).collect();
    assert_eq!(listed, files);
    assert_eq!(
        m.generator,
        format!("gongkai {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(m.content_sha256.len(), 64);
}

#[test]
fn a_build_refuses_to_replace_files_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("CNAME"), "example.org").unwrap();
    let o = out.to_str().unwrap();
    let r = gongkai(&["build", "--output", o]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("CNAME"));
    assert!(out.join("CNAME").exists(), "nothing was deleted");
    let r = gongkai(&["build", "--output", o, "--clean"]);
    assert!(r.status.success(), "{r:?}");
    // Its own previous output is replaced without asking.
    let r = gongkai(&["build", "--output", o]);
    assert!(r.status.success(), "{r:?}");
    assert!(!out.join("CNAME").exists());
}

fn unpack(archive: &Path, into: &Path) -> PathBuf {
    let f = std::fs::File::open(archive).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(f))
        .unpack(into)
        .unwrap();
    into.join("snapshot-2023")
}

#[test]
fn yearly_archives_are_byte_identical_and_open_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a.tar.gz"), tmp.path().join("b.tar.gz"));
    for (p, tz) in [(&a, "UTC"), (&b, "Asia/Shanghai")] {
        let r = Command::new(env!("CARGO_BIN_EXE_gongkai"))
            .args(["archive", "--year", "2023", "--out", p.to_str().unwrap()])
            .env("TZ", tz)
            .env("RAYON_NUM_THREADS", if tz == "UTC" { "1" } else { "4" })
            .current_dir(root())
            .output()
            .unwrap();
        assert!(r.status.success(), "{r:?}");
    }
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "two archives of 2023 differ"
    );
    let site = unpack(&a, &tmp.path().join("x"));
    // Only 2023's records; the pages listing them; data; manifest.
    assert!(site.join("xiangxi-xfj/2023/index.html").is_file());
    assert!(site.join("zhanyi-xfj/2023/data.json").is_file());
    assert!(!site.join("xiangxi-xfj/2022/targets/index.html").exists());
    assert!(!site.join("changsha-xfj/2021/index.html").exists());
    assert!(site.join("years/2023/index.html").is_file());
    assert!(!site.join("years/2022/index.html").exists());
    assert!(site.join("data/datapackage.json").is_file());
    assert!(site.join("other-years.html").is_file());
    // Every link resolves inside the snapshot; other years go to the note page.
    let links = check_links(&site, None);
    assert!(links > 50, "{links}");
    let dept = std::fs::read_to_string(site.join("xiangxi-xfj/index.html")).unwrap();
    assert!(dept.contains("href=\"../other-years.html\""), "{dept}");
    // The snapshot proves itself.
    let r = gongkai::manifest::verify(&site).unwrap();
    assert!(r.ok(), "{r:?}");
    // Entries: fixed owner and time (the year's latest publication date, 2024-06-01 CST).
    let f = std::fs::File::open(&a).unwrap();
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut paths = Vec::new();
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        assert_eq!(e.header().mtime().unwrap(), 1_717_171_200);
        assert_eq!(e.header().uid().unwrap(), 0);
        paths.push(e.path().unwrap().to_string_lossy().to_string());
    }
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    // The package holds 2023 only.
    let budget = std::fs::read_to_string(site.join("data/budget.csv")).unwrap();
    assert!(
        budget.lines().skip(1).all(|l| l.contains(",2023,")),
        "{budget}"
    );
}

/// The bundled content with `base_url` set.
fn content_with_base_url(tmp: &Path) -> PathBuf {
    let content = tmp.join("content");
    copy_tree(&root().join("content"), &content);
    let site = std::fs::read_to_string(content.join("site.toml")).unwrap();
    std::fs::write(
        content.join("site.toml"),
        site.replace(
            "base_url = \"\"",
            "base_url = \"https://xinfang.example.gov.cn/gk/\"",
        ),
    )
    .unwrap();
    content
}

#[test]
fn sitemap_and_feed_only_with_base_url() {
    assert!(!built().join("sitemap.xml").exists());
    assert!(!built().join("atom.xml").exists());
    let tmp = tempfile::tempdir().unwrap();
    let content = content_with_base_url(tmp.path());
    let out = tmp.path().join("out");
    gongkai::build(&gongkai::BuildOptions {
        content: content.clone(),
        theme: root().join("themes/default"),
        output: out.clone(),
        clean: false,
    })
    .unwrap();
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains(
        "<url><loc>https://xinfang.example.gov.cn/gk/xiangxi-xfj/2023/</loc><lastmod>2024-06-01</lastmod></url>"
    ));
    // Every page: 15, and the four departments' 核对情况 pages.
    assert_eq!(sitemap.matches("<url>").count(), 19, "{sitemap}");
    assert!(
        sitemap.contains(
            "<url><loc>https://xinfang.example.gov.cn/gk/checks/xiangxi-xfj/</loc></url>"
        )
    );
    let atom = std::fs::read_to_string(out.join("atom.xml")).unwrap();
    assert!(atom.contains("<title>湘西自治州信访局2023年度部门整体支出绩效自评报告</title>"));
    assert!(atom.contains("<updated>2024-06-01T00:00:00+08:00</updated>"));
    // Well-formed XML, read back by a real parser.
    python(
        "import xml.etree.ElementTree as E, sys\n\
         for f in ['sitemap.xml', 'atom.xml']: E.parse(f)",
        &out,
    );
    // A snapshot with base_url links other years to the live site.
    let arch = tmp.path().join("s.tar.gz");
    let r = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args([
            "archive",
            "--year",
            "2023",
            "--content",
            content.to_str().unwrap(),
            "--out",
            arch.to_str().unwrap(),
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(r.status.success(), "{r:?}");
    let site = unpack(&arch, &tmp.path().join("x"));
    assert!(!site.join("other-years.html").exists());
    check_links(&site, Some("https://xinfang.example.gov.cn/gk/"));
    let dept = std::fs::read_to_string(site.join("xiangxi-xfj/index.html")).unwrap();
    assert!(dept.contains(
        "href=\"https://xinfang.example.gov.cn/gk/xiangxi-xfj/2022/targets/index.html\""
    ));
}
