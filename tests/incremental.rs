//! Rebuilding after an edit gives exactly the tree a clean build of the edited content
//! gives, byte for byte (manifest included), and a bad edit changes nothing.

mod common;
use common::{copy_tree, root, tree};
use gongkai::incremental::Workspace;
use std::path::{Path, PathBuf};

fn opts(content: &Path, output: &Path) -> gongkai::BuildOptions {
    gongkai::BuildOptions {
        content: content.to_path_buf(),
        theme: root().join("themes/default"),
        output: output.to_path_buf(),
        clean: false,
    }
}

fn assert_same_as_clean_build(content: &Path, rebuilt: &Path, scratch: &Path) {
    let _ = std::fs::remove_dir_all(scratch);
    gongkai::build(&opts(content, scratch)).unwrap();
    let (a, b) = (tree(rebuilt), tree(scratch));
    let (ka, kb): (Vec<_>, Vec<_>) = (a.keys().collect(), b.keys().collect());
    assert_eq!(
        ka, kb,
        "the rebuilt tree lists other files than a clean build"
    );
    for (k, v) in &a {
        assert!(v == &b[k], "{k} differs from a clean build");
    }
}

fn edit(file: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(file).unwrap();
    assert!(s.contains(from), "{file:?} has no {from:?}");
    std::fs::write(file, s.replacen(from, to, 1)).unwrap();
}

struct Site {
    _tmp: tempfile::TempDir,
    content: PathBuf,
    out: PathBuf,
    scratch: PathBuf,
}

fn site(from: &Path) -> Site {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    copy_tree(from, &content);
    Site {
        content,
        out: tmp.path().join("out"),
        scratch: tmp.path().join("clean"),
        _tmp: tmp,
    }
}

#[test]
fn an_edited_record_rebuilds_to_the_clean_build() {
    let s = site(&root().join("content"));
    let (mut ws, _) = Workspace::open(&opts(&s.content, &s.out)).unwrap();
    let before = tree(&s.out);
    // Correct the 合计 同比增减率 (29.46% → 22.17%): one finding fewer.
    let rec = "xiangxi-xfj/2023/evaluation.toml";
    edit(&s.content.join(rec), "\"29.46%\"", "\"-22.17%\"");
    let r = ws.rebuild(&[rec.to_string()]).unwrap();
    assert!(!r.full);
    assert!(
        r.written
            .contains(&"xiangxi-xfj/2023/index.html".to_string())
            && r.written.contains(&"checks/index.html".to_string())
            && !r.written.contains(&"manifest.json".to_string()),
        "{:?}",
        r.written
    );
    // Pages of other records are not rewritten.
    assert!(!r.written.iter().any(|w| w.starts_with("hunan-xfj/2022/")));
    assert_same_as_clean_build(&s.content, &s.out, &s.scratch);
    assert_ne!(before, tree(&s.out));
    assert!(gongkai::manifest::verify(&s.out).unwrap().ok());
}

#[test]
fn an_edit_reaches_the_next_years_comparison() {
    let s = site(&root().join("tests/fixtures/valid/trends"));
    let (mut ws, report) = Workspace::open(&opts(&s.content, &s.out)).unwrap();
    let findings = report.findings.len();
    // 2021's 公务接待费 决算 changes; 2022 restates it as its 上年决算数 (4.2).
    let rec = "demo/2021/evaluation.toml";
    edit(&s.content.join(rec), "actual = 4.2", "actual = 4.5");
    let r = ws.rebuild(&[rec.to_string()]).unwrap();
    assert_eq!(r.records, 2, "2021 and 2022 recomputed");
    assert!(r.written.contains(&"demo/2022/index.html".to_string()));
    assert_same_as_clean_build(&s.content, &s.out, &s.scratch);
    let checked = gongkai::load_and_check(&s.content, &mut Default::default()).unwrap();
    assert!(
        checked.findings.len() > findings,
        "the restated 4.2 is now a finding"
    );
}

#[test]
fn a_bad_edit_changes_nothing_and_a_new_record_takes_a_full_build() {
    let s = site(&root().join("content"));
    let (mut ws, _) = Workspace::open(&opts(&s.content, &s.out)).unwrap();
    let before = tree(&s.out);
    let rec = "zhanyi-xfj/2023/evaluation.toml";
    let good = std::fs::read_to_string(s.content.join(rec)).unwrap();
    std::fs::write(
        s.content.join(rec),
        good.replacen("year = 2023", "year = \"x\"", 1),
    )
    .unwrap();
    let e = ws.rebuild(&[rec.to_string()]).unwrap_err();
    assert!(e.to_string().contains(rec), "{e}");
    assert_eq!(tree(&s.out), before, "the output is untouched");
    // Fixed again: the workspace still works.
    std::fs::write(s.content.join(rec), &good).unwrap();
    ws.rebuild(&[rec.to_string()]).unwrap();
    assert_eq!(tree(&s.out), before);
    // A record the workspace does not hold yet: a full build.
    let new = s.content.join("zhanyi-xfj/2024");
    std::fs::create_dir(&new).unwrap();
    std::fs::write(
        new.join("evaluation.toml"),
        good.replace("year = 2023", "year = 2024"),
    )
    .unwrap();
    let r = ws
        .rebuild(&["zhanyi-xfj/2024/evaluation.toml".to_string()])
        .unwrap();
    assert!(r.full);
    assert_same_as_clean_build(&s.content, &s.out, &s.scratch);
}

#[test]
fn an_edited_date_reaches_the_sitemap_and_feed() {
    let s = site(&root().join("content"));
    edit(
        &s.content.join("site.toml"),
        "base_url = \"\"",
        "base_url = \"https://example.gov.cn/jxgk/\"",
    );
    let (mut ws, _) = Workspace::open(&opts(&s.content, &s.out)).unwrap();
    let atom = std::fs::read_to_string(s.out.join("atom.xml")).unwrap();
    // An earlier report date moves the record down the feed.
    let rec = "xiangxi-xfj/2023/evaluation.toml";
    edit(
        &s.content.join(rec),
        "date = 2024-06-01",
        "date = 2020-06-01",
    );
    let r = ws.rebuild(&[rec.to_string()]).unwrap();
    assert!(!r.full);
    assert!(
        r.written.contains(&"atom.xml".to_string()),
        "{:?}",
        r.written
    );
    assert_ne!(
        atom,
        std::fs::read_to_string(s.out.join("atom.xml")).unwrap()
    );
    assert_same_as_clean_build(&s.content, &s.out, &s.scratch);
}

#[test]
fn a_rebuild_that_cannot_write_is_followed_by_a_full_build() {
    let s = site(&root().join("content"));
    let (mut ws, _) = Workspace::open(&opts(&s.content, &s.out)).unwrap();
    // The record's page folder is a file now: its page cannot be written (as root too).
    let page_dir = s.out.join("xiangxi-xfj/2023");
    std::fs::rename(&page_dir, s.out.join("moved")).unwrap();
    std::fs::write(&page_dir, "not a folder").unwrap();
    let rec = "xiangxi-xfj/2023/evaluation.toml";
    edit(&s.content.join(rec), "\"29.46%\"", "\"-22.17%\"");
    let e = ws.rebuild(&[rec.to_string()]).unwrap_err();
    assert!(matches!(e, gongkai::BuildError::Write(_)), "{e}");
    // Put right by hand, and another edit: the workspace does not trust its listing
    // of what the output holds, and builds the whole site.
    std::fs::remove_file(&page_dir).unwrap();
    std::fs::rename(s.out.join("moved"), &page_dir).unwrap();
    edit(&s.content.join(rec), "\"-22.17%\"", "\"22.17%\"");
    let r = ws.rebuild(&[rec.to_string()]).unwrap();
    assert!(r.full);
    assert_same_as_clean_build(&s.content, &s.out, &s.scratch);
    // And then incremental again.
    edit(&s.content.join(rec), "\"22.17%\"", "\"-22.17%\"");
    assert!(!ws.rebuild(&[rec.to_string()]).unwrap().full);
    assert_same_as_clean_build(&s.content, &s.out, &s.scratch);
}

/// A snapshot of the output can be taken as hard links (`cp -al`). A rebuild after an
/// edit writes the package tables and the manifest into spare files from their first
/// changed byte and swaps them in; the output's old files become the spares for the
/// next edit. Into a file that has other names it must not write, or a snapshot taken
/// while `watch` runs would change with the next edits.
#[cfg(unix)]
#[test]
fn a_hard_linked_snapshot_of_the_output_keeps_its_bytes() {
    let s = site(&root().join("content"));
    let (mut ws, _) = Workspace::open(&opts(&s.content, &s.out)).unwrap();
    let snapshot = s.scratch.with_file_name("snapshot");
    for e in walkdir::WalkDir::new(&s.out) {
        let e = e.unwrap();
        let to = snapshot.join(e.path().strip_prefix(&s.out).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::hard_link(e.path(), &to).unwrap();
        }
    }
    let before = tree(&snapshot);
    let links =
        |p: &str| std::os::unix::fs::MetadataExt::nlink(&std::fs::metadata(s.out.join(p)).unwrap());
    let rec = "xiangxi-xfj/2023/evaluation.toml";
    edit(&s.content.join(rec), "\"29.46%\"", "\"-22.17%\"");
    let r = ws.rebuild(&[rec.to_string()]).unwrap();
    assert!(!r.full);
    // The table rewritten from the edited record on, and the manifest, are new files.
    assert!(
        r.written.contains(&"data/figures.csv".to_string()),
        "{:?}",
        r.written
    );
    assert_eq!(links("data/figures.csv"), 1);
    assert_eq!(links("manifest.json"), 1);
    assert!(before == tree(&snapshot), "the snapshot changed");
    assert_same_as_clean_build(&s.content, &s.out, &s.scratch);
    // The snapshot's files are now the spares: the next edits leave them alone too.
    for to in ["\"22.17%\"", "\"-22.17%\""] {
        let from = if to.contains('-') {
            "\"22.17%\""
        } else {
            "\"-22.17%\""
        };
        edit(&s.content.join(rec), from, to);
        assert!(!ws.rebuild(&[rec.to_string()]).unwrap().full);
        assert!(before == tree(&snapshot), "the snapshot changed");
        assert_same_as_clean_build(&s.content, &s.out, &s.scratch);
    }
}

/// Rebuilds keep their spare files beside the output, never in it, and remove them when
/// the workspace ends (`watch` exits).
#[test]
fn spares_live_beside_the_output_while_watching() {
    let s = site(&root().join("content"));
    let parent = s.out.parent().unwrap().to_path_buf();
    let names = || -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(&parent)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n != "clean")
            .collect();
        n.sort();
        n
    };
    let (mut ws, _) = Workspace::open(&opts(&s.content, &s.out)).unwrap();
    let rec = "xiangxi-xfj/2023/evaluation.toml";
    for (from, to) in [("\"29.46%\"", "\"-22.17%\""), ("\"-22.17%\"", "\"29.46%\"")] {
        edit(&s.content.join(rec), from, to);
        assert!(!ws.rebuild(&[rec.to_string()]).unwrap().full);
        let n = names();
        assert!(
            n.len() == 3 && n[0].starts_with(".out.spare-") && n[1] == "content" && n[2] == "out",
            "{n:?}"
        );
        let spares = parent.join(&n[0]);
        assert!(spares.join("manifest.json").is_file());
        assert!(spares.join("data/figures.csv").is_file());
        assert_same_as_clean_build(&s.content, &s.out, &s.scratch);
    }
    drop(ws);
    assert_eq!(names(), ["content", "out"]);
}

/// `gongkai watch` end to end: it rebuilds an edit, and on Ctrl+C (SIGINT) it stops and
/// removes its spares, leaving the rebuilt output as a clean build of the edited content.
#[cfg(target_os = "linux")]
#[test]
fn watch_rebuilds_and_stops_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    /// Kills the watcher if the test fails before it exits.
    struct Watcher(std::process::Child);
    impl Drop for Watcher {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let s = site(&root().join("content"));
    let child = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["watch", "--interval", "50", "--content"])
        .arg(&s.content)
        .arg("--output")
        .arg(&s.out)
        .arg("--theme")
        .arg(root().join("themes/default"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = Watcher(child);
    // Its lines, each awaited for at most a minute (a watcher that does not stop fails
    // the test rather than hanging it).
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let next = || {
        rx.recv_timeout(std::time::Duration::from_secs(60))
            .expect("no line from watch")
    };
    assert!(next().starts_with("已生成"));
    let parent = s.out.parent().unwrap();
    let spare_folders = || {
        std::fs::read_dir(parent)
            .unwrap()
            .filter(|e| {
                let e = e.as_ref().unwrap();
                e.file_name().to_string_lossy().starts_with(".out.spare-")
            })
            .count()
    };
    assert_eq!(spare_folders(), 1);
    let rec = "xiangxi-xfj/2023/evaluation.toml";
    edit(&s.content.join(rec), "\"29.46%\"", "\"-22.17%\"");
    let line = next();
    assert!(
        line.starts_with("已更新") && line.contains("增量"),
        "{line}"
    );
    // SAFETY: kill only sends a signal to the child.
    assert_eq!(unsafe { libc::kill(child.0.id() as i32, libc::SIGINT) }, 0);
    assert!(next().starts_with("已停止监视"));
    assert!(child.0.wait().unwrap().success());
    assert_eq!(spare_folders(), 0);
    assert_same_as_clean_build(&s.content, &s.out, &s.scratch);
}

/// `watch` through an output folder that is a symbolic link (a web root linked into the
/// project): rebuilds write into the folder the link named when the workspace was
/// built, where its spares are, and the link stays. Re-pointed meanwhile, the link does
/// not send a rebuild's few files into another tree, which they would leave half old.
#[test]
#[cfg(unix)]
fn rebuilds_through_a_linked_output_stay_in_the_folder_it_named() {
    let s = site(&root().join("content"));
    let parent = s.out.parent().unwrap().to_path_buf();
    let (www, other) = (parent.join("www/site"), parent.join("www/other"));
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("index.html"), "another site").unwrap();
    let link = parent.join("project/output");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&www, &link).unwrap();
    let (mut ws, _) = Workspace::open(&opts(&s.content, &link)).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let rec = "xiangxi-xfj/2023/evaluation.toml";
    edit(&s.content.join(rec), "\"29.46%\"", "\"-22.17%\"");
    let r = ws.rebuild(&[rec.to_string()]).unwrap();
    assert!(!r.full);
    assert_same_as_clean_build(&s.content, &www, &s.scratch);
    assert!(gongkai::manifest::verify(&link).unwrap().ok());
    // Re-pointed: the next rebuild still writes where the workspace built.
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&other, &link).unwrap();
    edit(&s.content.join(rec), "\"-22.17%\"", "\"29.46%\"");
    let r = ws.rebuild(&[rec.to_string()]).unwrap();
    assert!(!r.full && !r.written.is_empty());
    assert_same_as_clean_build(&s.content, &www, &s.scratch);
    let another = || {
        assert_eq!(
            tree(&other).into_iter().collect::<Vec<_>>(),
            [("index.html".to_string(), b"another site".to_vec())]
        )
    };
    another();
    // A new record takes a full build: into the same folder, not the one the link names
    // now (a full build replaces its whole folder).
    let new = s.content.join("xiangxi-xfj/2024");
    std::fs::create_dir(&new).unwrap();
    let good = std::fs::read_to_string(s.content.join(rec)).unwrap();
    std::fs::write(
        new.join("evaluation.toml"),
        good.replacen("year = 2023", "year = 2024", 1),
    )
    .unwrap();
    let r = ws
        .rebuild(&["xiangxi-xfj/2024/evaluation.toml".to_string()])
        .unwrap();
    assert!(r.full);
    assert!(www.join("xiangxi-xfj/2024/index.html").is_file());
    assert_same_as_clean_build(&s.content, &www, &s.scratch);
    another();
    drop(ws);
    // Nothing of the workspace's (its spares) is left beside either folder.
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&parent.join("www")), ["other", "site"]);
    assert_eq!(names(link.parent().unwrap()), ["output"]);
}
