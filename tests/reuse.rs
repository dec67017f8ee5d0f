//! A build into an existing output hard-links the previous tree's unchanged files rather
//! than writing them again; a changed or tampered file is written anew, and the result is
//! the same tree a build into an empty folder gives.

#![cfg(unix)]

mod common;
use common::{copy_tree, root, tree};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

fn build(content: &Path, out: &Path) {
    gongkai::build(&gongkai::BuildOptions {
        content: content.to_path_buf(),
        theme: root().join("themes/default"),
        output: out.to_path_buf(),
        clean: false,
    })
    .unwrap_or_else(|e| panic!("{e}"));
}

fn inode(p: &Path) -> u64 {
    std::fs::metadata(p).unwrap().ino()
}

#[test]
fn unchanged_files_are_linked_changed_and_tampered_ones_written() {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    copy_tree(&root().join("content"), &content);
    let out = tmp.path().join("out");
    build(&content, &out);

    let kept = out.join("hunan-xfj/2022/index.html");
    let edited = out.join("zhanyi-xfj/2023/index.html");
    let tampered = out.join("xiangxi-xfj/2023/data.json");
    let (kept_ino, edited_ino, tampered_ino) = (inode(&kept), inode(&edited), inode(&tampered));
    let tampered_bytes = std::fs::read(&tampered).unwrap();
    // Someone changes a published file in place (same length, other bytes).
    let mut t = tampered_bytes.clone();
    let last = t.len() - 2;
    t[last] = if t[last] == b'x' { b'y' } else { b'x' };
    std::fs::write(&tampered, &t).unwrap();
    // An edit to one record's title.
    let record = content.join("zhanyi-xfj/2023/evaluation.toml");
    let text = std::fs::read_to_string(&record).unwrap();
    let title = text.lines().find(|l| l.starts_with("title = ")).unwrap();
    let retitled = title.replacen("title = \"", "title = \"（修订）", 1);
    std::fs::write(&record, text.replacen(title, &retitled, 1)).unwrap();

    build(&content, &out);
    assert_eq!(
        inode(&kept),
        kept_ino,
        "an unchanged page is linked, not rewritten"
    );
    assert_ne!(inode(&edited), edited_ino, "an edited page is written anew");
    assert!(
        std::fs::read_to_string(&edited)
            .unwrap()
            .contains("（修订）")
    );
    assert_ne!(
        inode(&tampered),
        tampered_ino,
        "a tampered file is not reused"
    );
    assert_eq!(std::fs::read(&tampered).unwrap(), tampered_bytes);
    // No link leads back to the deleted previous tree: every file has one name.
    for f in walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
    {
        if f.file_type().is_file() {
            assert_eq!(f.metadata().unwrap().nlink(), 1, "{}", f.path().display());
        }
    }

    // The same tree as a build into an empty folder.
    let fresh = tmp.path().join("fresh");
    build(&content, &fresh);
    assert!(
        tree(&out) == tree(&fresh),
        "a build over an old output differs from a fresh one"
    );
}
