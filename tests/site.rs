//! Builds the bundled content (the five real disclosures) and checks the site a citizen
//! gets: every page at its public URL, real figures computed from the content, every
//! link resolving offline, and byte-identical rebuilds.

mod common;
use common::{built, html_files, page, root, text, tree};

const RECORD_PAGES: [&str; 5] = [
    "xiangxi-xfj/2023/index.html",
    "xiangxi-xfj/2022/targets/index.html",
    "zhanyi-xfj/2023/index.html",
    "hunan-xfj/2022/index.html",
    "changsha-xfj/2021/index.html",
];

#[test]
fn every_seed_has_its_page_at_its_url() {
    for p in RECORD_PAGES {
        assert!(built().join(p).is_file(), "missing {p}");
    }
    for p in [
        "index.html",
        "years/2021/index.html",
        "years/2022/index.html",
        "years/2023/index.html",
        "xiangxi-xfj/index.html",
        "zhanyi-xfj/index.html",
        "hunan-xfj/index.html",
        "changsha-xfj/index.html",
        "checks/index.html",
        "assets/style.css",
    ] {
        assert!(built().join(p).is_file(), "missing {p}");
    }
}

#[test]
fn xiangxi_2023_three_public_control_rate_is_computed() {
    // 5.09 ÷ 21 = 24.238…% → 24.24% (四舍五入); the table prints 24.24%.
    let t = text("xiangxi-xfj/2023/index.html");
    assert!(
        t.contains("24.24% 核算 24.24%"),
        "三公经费控制率 with its computed value"
    );
    // 3.78 ÷ 11 = 34.36%; 1.31 ÷ 10 = 13.10%.
    assert!(t.contains("34.36% 核算 34.36%"));
    assert!(t.contains("13.1% 核算 13.10%"));
}

#[test]
fn zhanyi_2023_basic_expenditure_share_is_computed() {
    // 178.28 ÷ 230.25 = 77.43%; 51.97 ÷ 230.25 = 22.57%.
    let t = text("zhanyi-xfj/2023/index.html");
    assert!(t.contains("77.43% 核算 77.43%"), "基本支出占比");
    assert!(t.contains("22.57% 核算 22.57%"), "项目支出占比");
}

#[test]
fn hunan_2022_execution_rate_mismatch_is_marked_beside_the_figure() {
    // 1472.51 ÷ 1983.98 = 74.22%, printed 75.45%: both shown, with a note.
    let t = text("hunan-xfj/2022/index.html");
    assert!(t.contains("75.45% 核算 74.22%"));
    assert!(t.contains("经核算为 74.22%"));
}

#[test]
fn blanks_are_dashes_read_as_not_reported() {
    let html = page("xiangxi-xfj/2023/index.html");
    assert!(html.contains(r#"<span aria-hidden="true">—</span><span class="sr">未填报</span>"#));
}

#[test]
fn every_link_resolves_offline_and_nothing_loads_from_another_host() {
    let checked = common::check_links(built(), None);
    assert!(checked > 50, "links checked: {checked}");
}

#[test]
fn pages_are_semantic() {
    for f in html_files(built()) {
        let html = std::fs::read_to_string(&f).unwrap();
        assert!(html.contains("<html lang=\"zh-CN\">"), "{}", f.display());
        assert_eq!(html.matches("<h1").count(), 1, "one h1 in {}", f.display());
        assert!(html.contains("Content-Security-Policy"), "{}", f.display());
        for (i, _) in html.match_indices("<table") {
            let rest = &html[i..];
            let end = rest.find("</table>").unwrap();
            assert!(
                rest[..end].contains("<caption>"),
                "table without caption in {}",
                f.display()
            );
        }
    }
}

#[test]
fn rebuilds_are_byte_identical_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    let many = tmp.path().join("many");
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| common::build_into(&one));
    rayon::ThreadPoolBuilder::new()
        .num_threads(8)
        .build()
        .unwrap()
        .install(|| common::build_into(&many));
    let (a, b) = (tree(&one), tree(&many));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(v == &b[k], "{k} differs between builds");
    }
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        tree(built()).keys().collect::<Vec<_>>()
    );
}

/// `--timings` names every stage of a build and, under `load+check` and `render+write`,
/// the parts their threads spent time in (parse, compute, render, write, as the
/// performance issue asks), each measured.
#[test]
fn timings_name_every_stage_and_the_parts_of_rendering_and_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let report = common::build_into(&tmp.path().join("site"));
    let t = &report.timings;
    let names: Vec<&str> = t.stages.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "load+check",
            "· parse",
            "· compute",
            "· check",
            "theme",
            "site",
            "render+write",
            "· pages",
            "· data files",
            "· hash",
            "· write",
            "· package tables",
            "swap",
        ]
    );
    assert_eq!(t.peak_resident.len(), t.stages.len());
    for (name, d) in &t.stages {
        if name.starts_with('·') {
            assert!(!d.is_zero(), "{name} was not measured");
        }
    }
}

/// An output folder that is a symbolic link (a web root linked into the project) is
/// updated where it points: the link stays a link, the folder it names gets the new
/// site, a second build needs no `--clean` (the link is no foreign file), and `verify`
/// passes through it.
#[test]
#[cfg(unix)]
fn a_linked_output_folder_is_built_where_it_points() {
    let tmp = tempfile::tempdir().unwrap();
    let web = tmp.path().join("www/site");
    common::build_into(&web);
    let page = web.join("xiangxi-xfj/2023/index.html");
    std::fs::write(&page, "stale").unwrap();
    std::fs::remove_file(web.join("manifest.json")).unwrap();
    let link = tmp.path().join("project/output");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&web, &link).unwrap();
    // Without a manifest every file is foreign: replaced only with --clean.
    let opts = gongkai::BuildOptions {
        content: root().join("content"),
        theme: root().join("themes/default"),
        output: link.clone(),
        clean: true,
    };
    gongkai::build(&opts).unwrap();
    for _ in 0..2 {
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_ne!(std::fs::read_to_string(&page).unwrap(), "stale");
        assert_eq!(tree(&web), tree(built()));
        let v = gongkai::manifest::verify(&link).unwrap();
        assert!(v.changed.is_empty() && v.missing.is_empty() && v.extra.is_empty());
        common::build_into(&link);
    }
    // Nothing left beside the link or beside the folder.
    let names = |d: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names(link.parent().unwrap()), ["output"]);
    assert_eq!(names(web.parent().unwrap()), ["site"]);
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("output");
    common::build_into(&out);
    let before = tree(&out);
    let bad = tmp.path().join("content");
    std::fs::create_dir_all(bad.join("x/2023")).unwrap();
    std::fs::write(bad.join("x/department.toml"), "name = \"X\"\n").unwrap();
    std::fs::write(bad.join("x/2023/evaluation.toml"), "year = 2024\n").unwrap();
    let r = gongkai::build(&gongkai::BuildOptions {
        content: bad,
        theme: root().join("themes/default"),
        output: out.clone(),
        clean: false,
    });
    assert!(r.is_err());
    assert_eq!(tree(&out), before);
}
