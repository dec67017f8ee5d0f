//! Invalid content folders under tests/fixtures/invalid/: each must fail with every problem
//! listed, naming file, line, column and field; the exact messages are pinned as snapshots.

use std::path::Path;

fn errors_of(name: &str) -> String {
    // Relative (tests run in the package root), so messages hold no machine path.
    let dir = Path::new("tests/fixtures/invalid").join(name);
    match gongkai::load::load(&dir) {
        Ok(_) => panic!("{name}: invalid content loaded"),
        Err(d) => d.sorted().to_string(),
    }
}

macro_rules! fixture {
    ($($test:ident => $dir:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            insta::assert_snapshot!(errors_of($dir));
        }
    )*};
}

fixture! {
    syntax_error => "syntax-error",
    unknown_key => "unknown-key",
    misspelt_file => "misspelt-file",
    year_mismatch => "year-mismatch",
    wrong_type => "wrong-type",
    bad_slug => "bad-slug",
    missing_department => "missing-department",
    gbk_file => "gbk-file",
    utf16_file => "utf16-file",
    many_errors => "many-errors",
    reserved_slug => "reserved-slug",
    missing_name => "missing-name",
}

#[test]
fn missing_content_folder() {
    insta::assert_snapshot!(errors_of("does-not-exist"));
}
