//! A build killed with SIGKILL at any moment leaves the output folder exactly as it was
//! before (or, once the swap has happened, exactly the new site): never a mixture, never
//! missing. The kill points are spread evenly over a whole build's duration.

mod common;
use common::root;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Path → SHA-256 of every file under `dir`.
fn checksums(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                gongkai::write::relative(dir, e.path()),
                gongkai::manifest::sha256_hex(&std::fs::read(e.path()).unwrap()),
            )
        })
        .collect()
}

/// The bundled content with 湘西 copied `n` times, so that a build takes long enough to
/// be interrupted at many points.
fn big_content(dir: &Path, n: usize, title: &str) {
    let src = root().join("content");
    std::fs::create_dir_all(dir).unwrap();
    let site = std::fs::read_to_string(src.join("site.toml")).unwrap();
    let site = site.replace(
        "title = \"信访系统预算绩效信息公开\"",
        &format!("title = \"{title}\""),
    );
    std::fs::write(dir.join("site.toml"), site).unwrap();
    for i in 0..n {
        let d = dir.join(format!("dept-{i:03}"));
        for e in walkdir::WalkDir::new(src.join("xiangxi-xfj")) {
            let e = e.unwrap();
            let t = d.join(e.path().strip_prefix(src.join("xiangxi-xfj")).unwrap());
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&t).unwrap();
            } else {
                std::fs::copy(e.path(), &t).unwrap();
            }
        }
        // Distinct departments (the loader refuses two with one name or credit code).
        let info = std::fs::read_to_string(d.join("department.toml")).unwrap();
        let info = info
            .replace(
                "name = \"湘西自治州信访局\"",
                &format!("name = \"第{i}信访局\""),
            )
            .replace("11433100732870810Q", &format!("11433100732{i:06}Q"));
        std::fs::write(d.join("department.toml"), info).unwrap();
    }
}

fn build(content: &Path, out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    c.args(["build", "--content"])
        .arg(content)
        .arg("--output")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

#[test]
fn kill_9_at_any_point_leaves_the_previous_output_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let (old_content, new_content) = (tmp.path().join("c1"), tmp.path().join("c2"));
    big_content(&old_content, 15, "旧网站");
    big_content(&new_content, 15, "新网站");
    let out = tmp.path().join("site");

    assert!(build(&old_content, &out).status().unwrap().success());
    let old = checksums(&out);
    // Time full builds of the new content over the old output: the very build that is
    // killed below (a build into an existing output hard-links unchanged files, so it is
    // faster than one into an empty folder). Durations vary, so the kill points are
    // spread over the median of those seen so far.
    let mut seen = Vec::new();
    let mut new = BTreeMap::new();
    for _ in 0..3 {
        let t = Instant::now();
        assert!(build(&new_content, &out).status().unwrap().success());
        seen.push(t.elapsed());
        new = checksums(&out);
        assert!(build(&old_content, &out).status().unwrap().success());
        assert_eq!(checksums(&out), old);
    }
    assert_ne!(old, new);
    let median = |seen: &[std::time::Duration]| {
        let mut s = seen.to_vec();
        s.sort();
        s[s.len() / 2]
    };

    let kills = 30;
    let (mut before, mut after) = (0, 0);
    let mut full = median(&seen);
    for k in 0..kills {
        // Even spread over 0 … 1.3 × a full build (the last ones may find it done).
        let delay = full.mul_f64(1.3 * k as f64 / kills as f64);
        let mut child = build(&new_content, &out).spawn().unwrap();
        let start = Instant::now();
        // A build that ends before its kill point is one more duration seen.
        loop {
            if child.try_wait().unwrap().is_some() {
                seen.push(start.elapsed());
                full = median(&seen);
                break;
            }
            if start.elapsed() >= delay {
                let _ = child.kill(); // SIGKILL
                let _ = child.wait();
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let now = checksums(&out);
        if now == old {
            before += 1;
        } else if now == new {
            // The swap happened: the build is complete. Put the old site back for the
            // next kill point.
            after += 1;
            assert!(build(&old_content, &out).status().unwrap().success());
            assert_eq!(checksums(&out), old);
        } else {
            panic!("kill point {k} ({delay:?}): the output is neither the old nor the new site");
        }
    }
    // About 1/1.3 of the kill points fall inside the build; process start-up and a busy
    // machine shift some of them, so the bound leaves room.
    assert!(
        before >= kills / 3,
        "kills before the swap: {before}, after: {after}"
    );

    // The next build cleans up what the killed ones left beside the output.
    assert!(build(&new_content, &out).status().unwrap().success());
    assert_eq!(checksums(&out), new);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(".site."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    eprintln!(
        "{kills} kill points over {:?}: {before} before the swap, {after} after",
        full.mul_f64(1.3)
    );
}

#[test]
fn a_failed_build_keeps_the_output_and_removes_its_staging() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    assert!(
        build(&root().join("content"), &out)
            .status()
            .unwrap()
            .success()
    );
    let old = checksums(&out);
    let bad = tmp.path().join("bad");
    big_content(&bad, 1, "x");
    std::fs::write(bad.join("dept-000/2023/evaluation.toml"), "year = ").unwrap();
    let status = build(&bad, &out).status().unwrap();
    assert_eq!(status.code(), Some(2));
    assert_eq!(checksums(&out), old);
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".site.")), "{names:?}");
}

/// An output under a linked folder (`sites/public` where `sites` names a web root): the
/// build succeeds, twice (the second swaps the first's tree), leaves nothing else in the
/// web root, and its summary names both the path as typed and the folder written. (That
/// the folder is resolved once, at the start, is `write`'s unit test.)
#[test]
#[cfg(unix)]
fn an_output_under_a_linked_folder_is_built_where_the_link_points() {
    let tmp = tempfile::tempdir().unwrap();
    let www = tmp.path().join("www");
    std::fs::create_dir_all(&www).unwrap();
    std::os::unix::fs::symlink(&www, tmp.path().join("sites")).unwrap();
    for _ in 0..2 {
        let run = build(&root().join("content"), Path::new("sites/public"))
            .current_dir(tmp.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let said = String::from_utf8(run.stdout).unwrap();
        let folder = std::fs::canonicalize(&www).unwrap().join("public");
        assert!(
            said.contains(&format!("→ sites/public（即 {}）", folder.display())),
            "{said}"
        );
        assert!(folder.join("xiangxi-xfj/2023/index.html").is_file());
        let mut beside: Vec<_> = std::fs::read_dir(&www)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        beside.sort();
        assert_eq!(beside, ["public"]);
    }
    // Typed without links, the summary names the folder once.
    let folder = std::fs::canonicalize(&www).unwrap().join("public");
    let plain = build(&root().join("content"), &folder)
        .stdout(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert!(plain.status.success());
    let said = String::from_utf8(plain.stdout).unwrap();
    assert!(
        said.contains(&format!("→ {}，", folder.display())),
        "{said}"
    );
    assert!(!said.contains("（即"), "{said}");
}
