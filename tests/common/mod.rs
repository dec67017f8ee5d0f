//! Shared by the integration tests: build the bundled site once per test binary.

#![allow(dead_code)]

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
    };
    gongkai::build(&opts).unwrap_or_else(|e| panic!("bundled site must build:\n{e}"))
}

/// A page's HTML.
pub fn page(path: &str) -> String {
    std::fs::read_to_string(built().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Text of the page with tags removed and whitespace collapsed.
pub fn text(path: &str) -> String {
    let html = page(path);
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
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}
