//! Invalid content: every folder under tests/fixtures/invalid/ must fail with every
//! problem listed, naming file, line, column and field; the exact messages a user sees
//! are pinned as snapshots. Inputs too big, too deep or too odd to commit (a 50 MB
//! record, 10,000 rows, 10,000 nested arrays, symbolic-link loops, unreadable files, a
//! named pipe, CRLF and BOM copies of the bundled content) are made at test time in a
//! temporary folder.

use std::path::Path;
use std::time::{Duration, Instant};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn errors_in(dir: &Path) -> String {
    match gongkai::load::load(dir) {
        Ok(_) => panic!("{}: invalid content loaded", dir.display()),
        Err(d) => {
            assert!(!d.0.is_empty(), "an error without a diagnostic");
            d.sorted().to_string()
        }
    }
}

fn errors_of(name: &str) -> String {
    // Relative (tests run in the package root), so messages hold no machine path.
    errors_in(&Path::new("tests/fixtures/invalid").join(name))
}

macro_rules! fixtures {
    ($($test:ident => $dir:literal),* $(,)?) => {
        /// Every fixture folder with a test of its own.
        const FIXTURES: &[&str] = &[$($dir),*];
        $(
            #[test]
            fn $test() {
                insta::assert_snapshot!(errors_of($dir));
            }
        )*
    };
}

fixtures! {
    // TOML syntax
    syntax_error => "syntax-error",
    syntax_unclosed_string => "syntax-unclosed-string",
    syntax_duplicate_key => "syntax-duplicate-key",
    syntax_bad_table_header => "syntax-bad-table-header",
    syntax_invalid_escape => "syntax-invalid-escape",
    syntax_several => "syntax-several",
    bad_date => "bad-date",
    bad_date_month => "bad-date-month",
    // types and values
    wrong_type => "wrong-type",
    number_as_text => "number-as-text",
    percent_as_number => "percent-as-number",
    bad_enum_value => "bad-enum-value",
    unknown_key => "unknown-key",
    unknown_key_nested => "unknown-key-nested",
    unknown_form_order => "unknown-form-order",
    unknown_figure => "unknown-figure",
    private_unknown_path => "private-unknown-path",
    section_paths => "section-paths",
    redacted_without_reason => "redacted-without-reason",
    private_cannot_withhold => "private-cannot-withhold",
    grades => "grades",
    // required keys and names
    missing_name => "missing-name",
    missing_required => "missing-required",
    missing_required_row => "missing-required-row",
    empty_required_name => "empty-required-name",
    // amounts, weights, counts
    negative_amount => "negative-amount",
    absurd_amount => "absurd-amount",
    weight_and_score_range => "weight-and-score-range",
    bad_head_count => "bad-head-count",
    // repeated departments and rows
    duplicate_department => "duplicate-department",
    duplicate_three_public => "duplicate-three-public",
    duplicate_indicator => "duplicate-indicator",
    duplicate_rows => "duplicate-rows",
    // files and folders
    misspelt_file => "misspelt-file",
    unknown_file => "unknown-file",
    year_mismatch => "year-mismatch",
    bad_year_folder => "bad-year-folder",
    year_out_of_range => "year-out-of-range",
    bad_slug => "bad-slug",
    reserved_slug => "reserved-slug",
    missing_department => "missing-department",
    empty_file => "empty-file",
    // encodings and bytes
    gbk_file => "gbk-file",
    utf16_file => "utf16-file",
    utf16_without_bom => "utf16-without-bom",
    nul_bytes => "nul-bytes",
    // everything at once, across files
    many_errors => "many-errors",
}

#[test]
fn every_fixture_folder_has_a_test_and_there_are_at_least_forty() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != "content-is-file")
        .collect();
    on_disk.sort();
    let mut tested: Vec<&str> = FIXTURES.to_vec();
    tested.sort();
    assert_eq!(on_disk, tested);
    assert!(on_disk.len() + 1 >= 40, "{} fixtures", on_disk.len() + 1);
}

#[test]
fn missing_content_folder() {
    insta::assert_snapshot!(errors_of("does-not-exist"));
}

#[test]
fn content_path_is_a_file() {
    insta::assert_snapshot!(errors_of("content-is-file/content"));
}

#[test]
fn all_errors_of_a_run_come_together() {
    let text = errors_of("many-errors");
    let files: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  --> "))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert!(files.len() >= 8, "{files:?}");
    assert!(text.contains("c/2023/evaluation.toml:4:11"), "{text}");
}

// ---------------------------------------------------------------- made at test time

/// A content folder in a temporary directory: site.toml, department `a`, and `files`.
fn temp_content(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut all: Vec<(&str, &[u8])> = vec![
        ("site.toml", "title = \"测试网站\"\n".as_bytes()),
        ("a/department.toml", "name = \"某某县信访局\"\n".as_bytes()),
    ];
    all.extend_from_slice(files);
    for (rel, bytes) in all {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

#[test]
fn a_50_mb_record_is_refused_before_it_is_read() {
    let line = "# 填充行：用于测试超大文件 padding line for the size limit test\n";
    let mut text = String::from("year = 2023\n");
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(line);
    }
    let dir = temp_content(&[("a/2023/evaluation.toml", text.as_bytes())]);
    let t = Instant::now();
    let errors = errors_in(dir.path());
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    insta::assert_snapshot!(errors);
}

#[test]
fn a_file_just_under_the_limit_is_read() {
    let mut text = String::from("year = 2023\n");
    let limit = gongkai::load::MAX_FILE_BYTES as usize;
    while text.len() + 100 < limit {
        text.push_str("# 填充 padding\n");
    }
    let dir = temp_content(&[("a/2023/evaluation.toml", text.as_bytes())]);
    gongkai::load::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
}

fn rows(n: usize, duplicate_last: bool) -> String {
    let mut t = String::from("year = 2023\n");
    for i in 0..n {
        let item = if duplicate_last && i == n - 1 { 0 } else { i };
        t.push_str(&format!(
            "\n[[three_public]]\nitem = \"项目{item}\"\nbudget = {}.25\nactual = {}.5\nprior_actual = 3\nstated_control_rate = \"50.00%\"\n",
            i + 1,
            i / 2
        ));
    }
    for i in 0..n {
        t.push_str(&format!(
            "\n[[indicators]]\nlevel1 = \"产出指标\"\nname = \"指标{i}\"\ntarget = \"≥{i}件\"\nactual = \"{i}件\"\nweight = 1\nscore = 1\n"
        ));
    }
    t
}

#[test]
fn a_table_of_10000_rows_loads_and_checks_in_seconds() {
    let dir = temp_content(&[("a/2023/evaluation.toml", rows(10_000, false).as_bytes())]);
    let t = Instant::now();
    let mut timings = gongkai::Timings::default();
    let checked = gongkai::load_and_check(dir.path(), &mut timings)
        .unwrap_or_else(|e| panic!("10,000 rows must load: {e}"));
    let record = &checked.content.departments[0].records[0];
    match &record.body {
        gongkai::model::RecordBody::Evaluation(e) => {
            assert_eq!((e.three_public.len(), e.indicators.len()), (10_000, 10_000))
        }
        _ => panic!("not an evaluation"),
    }
    // About 3 s in a debug build, under a second in release.
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    // And the site builds: a page of 20,000 rows, charts of 10,000 bars.
    assert!(builds(dir.path()) >= 5);
}

#[test]
fn a_repeated_row_among_10000_is_found_with_its_first_line() {
    let dir = temp_content(&[("a/2023/evaluation.toml", rows(10_000, true).as_bytes())]);
    let t = Instant::now();
    insta::assert_snapshot!(errors_in(dir.path()));
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let n = 10_000;
    let cases = [
        (
            "arrays",
            format!("year = 2023\nnotes = {}{}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "inline-tables",
            format!(
                "year = 2023\nscheme = {}1{}\n",
                "{ a = ".repeat(n),
                " }".repeat(n)
            ),
        ),
        (
            "dotted-keys",
            format!("year = 2023\n{} = 1\n", vec!["a"; n].join(".")),
        ),
        (
            "table-header",
            format!("year = 2023\n[{}]\n", vec!["budget"; n].join(".")),
        ),
    ];
    let mut all = String::new();
    for (name, text) in cases {
        let dir = temp_content(&[("a/2023/evaluation.toml", text.as_bytes())]);
        let errors = errors_in(dir.path());
        assert!(errors.contains("嵌套过深"), "{name}: {errors}");
        all.push_str(&format!("== {name}\n{errors}\n\n"));
    }
    // Nesting the parser accepts, on a small stack, through types that recurse.
    let text = format!(
        "year = 2023\n[budget]\ninitial = {}1{}\n",
        "[".repeat(40),
        "]".repeat(40)
    );
    let dir = temp_content(&[("a/2023/evaluation.toml", text.as_bytes())]);
    let path = dir.path().to_path_buf();
    let errors = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || errors_in(&path))
        .unwrap()
        .join()
        .unwrap();
    all.push_str(&format!("== 40 levels in a number\n{errors}\n"));
    insta::assert_snapshot!(all);
}

#[cfg(unix)]
#[test]
fn symbolic_link_loops_are_reported_not_followed() {
    let dir = temp_content(&[("a/2023/evaluation.toml", b"year = 2023\n")]);
    let p = dir.path();
    std::os::unix::fs::symlink("..", p.join("a/2023/up")).unwrap();
    std::os::unix::fs::symlink(".", p.join("b")).unwrap();
    std::os::unix::fs::symlink("c", p.join("c")).unwrap();
    let t = Instant::now();
    let errors = errors_in(p);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(!errors.contains(&p.display().to_string()), "{errors}");
    insta::assert_snapshot!(errors);
}

/// The problem reported at `at` among `errors` (panics when there is none).
fn problem_at<'e>(errors: &'e str, at: &str) -> &'e str {
    errors
        .split("\n\n")
        .find(|p| p.contains(&format!("--> {at}\n")))
        .unwrap_or_else(|| panic!("no problem for {at}:\n{errors}"))
}

/// An editor's lock file beside `site.toml` (`.#site.toml`, a link to nowhere) is
/// reported like any broken link, though dot-names are otherwise left out.
#[cfg(unix)]
#[test]
fn a_broken_dot_link_is_still_reported() {
    let dir = temp_content(&[("a/2023/evaluation.toml", b"year = 2023\n")]);
    let p = dir.path();
    std::os::unix::fs::symlink("user@host.123:1700000000", p.join(".#site.toml")).unwrap();
    std::os::unix::fs::symlink("user@host.123:1700000000", p.join("a/.#department.toml")).unwrap();
    std::fs::create_dir(p.join(".git")).unwrap();
    std::fs::write(p.join(".git/config"), "x").unwrap();
    let errors = errors_in(p);
    for at in [".#site.toml", "a/.#department.toml"] {
        problem_at(&errors, at);
    }
    assert_eq!(errors.matches("找不到").count(), 2, "{errors}");
    assert!(!errors.contains(".git"), "{errors}");
}

/// The folders of the content folder are walked one by one (in parallel): a link from
/// below one of them back to the content folder itself is still a loop, at any depth.
#[cfg(unix)]
#[test]
fn links_back_to_the_content_folder_from_below_are_loops() {
    let dir = temp_content(&[("a/2023/evaluation.toml", b"year = 2023\n")]);
    let p = dir.path();
    std::os::unix::fs::symlink("..", p.join("a/top")).unwrap();
    std::os::unix::fs::symlink("../..", p.join("a/2023/top")).unwrap();
    std::os::unix::fs::symlink("../../a", p.join("a/2023/dept")).unwrap();
    // Dot-names are left out, but not when they are links that loop.
    std::os::unix::fs::symlink("..", p.join("a/.up")).unwrap();
    std::os::unix::fs::symlink(".", p.join(".self")).unwrap();
    let errors = errors_in(p);
    for (at, to) in [
        ("a/top", "`.`（内容目录本身）"),
        ("a/2023/top", "`.`（内容目录本身）"),
        ("a/2023/dept", "`a`"),
        ("a/.up", "`.`（内容目录本身）"),
        (".self", "`.`（内容目录本身）"),
    ] {
        let problem = problem_at(&errors, at);
        assert!(
            problem.contains(&format!("指向其上级目录 {to}")),
            "{problem}\n{errors}"
        );
    }
    assert_eq!(errors.matches("符号链接循环").count(), 5, "{errors}");
    assert!(!errors.contains("年度目录下不应有子目录"), "{errors}");
}

#[cfg(unix)]
#[test]
fn a_linked_department_folder_is_followed() {
    let dir = temp_content(&[]);
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(elsewhere.path().join("2023")).unwrap();
    std::fs::write(
        elsewhere.path().join("department.toml"),
        "name = \"某乡信访办\"\n",
    )
    .unwrap();
    std::fs::write(
        elsewhere.path().join("2023/evaluation.toml"),
        "year = 2023\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("b")).unwrap();
    let content = gongkai::load::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(content.departments.len(), 2);
    assert_eq!(content.departments[1].records.len(), 1);
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_folders_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_content(&[
        ("a/2023/evaluation.toml", b"year = 2023\n"),
        ("b/department.toml", "name = \"某区信访局\"\n".as_bytes()),
    ]);
    let file = dir.path().join("a/2023/evaluation.toml");
    let folder = dir.path().join("b");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o000)).unwrap();
    let result = gongkai::load::load(dir.path());
    let readable = std::fs::File::open(&file).is_ok();
    // Restore, so the temporary folder can be removed.
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    if readable {
        // Running as root: permissions do not stop reading, so there is nothing to
        // report; the load above still had to finish without a panic.
        eprintln!("skipped: running as root, chmod 000 does not make a file unreadable");
        assert!(result.is_ok());
        return;
    }
    let errors = result.map(|_| ()).unwrap_err().sorted().to_string();
    insta::assert_snapshot!(errors);
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_reported_without_waiting_for_a_writer() {
    let dir = temp_content(&[]);
    std::fs::create_dir_all(dir.path().join("a/2023")).unwrap();
    let fifo = dir.path().join("a/2023/evaluation.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let path = dir.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(errors_in(&path)).unwrap());
    let errors = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("loading a folder with a named pipe must not hang");
    insta::assert_snapshot!(errors);
}

/// Copies the bundled content, passing each TOML file's text through `f`.
fn bundled_content_with(f: impl Fn(&str) -> Vec<u8>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(root().join("content")) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(root().join("content")).unwrap();
        let to = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            std::fs::write(&to, f(&text)).unwrap();
        }
    }
    dir
}

/// Every finding, by place: (file, line, column, path, stated, computed).
fn findings(content: &Path) -> Vec<(String, usize, usize, String, String, String)> {
    let checked = gongkai::load_and_check(content, &mut gongkai::Timings::default())
        .unwrap_or_else(|e| panic!("{e}"));
    checked
        .findings
        .into_iter()
        .map(|f| (f.file, f.line, f.column, f.path, f.stated, f.computed))
        .collect()
}

/// Builds `content` into a temporary folder; the number of pages.
fn builds(content: &Path) -> usize {
    let out = tempfile::tempdir().unwrap();
    let opts = gongkai::BuildOptions {
        content: content.to_path_buf(),
        theme: root().join("themes/default"),
        output: out.path().join("site"),
        clean: false,
    };
    gongkai::build(&opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .pages
}

#[test]
fn crlf_line_endings_are_accepted_with_the_same_line_numbers() {
    let crlf = bundled_content_with(|t| t.replace('\n', "\r\n").into_bytes());
    assert_eq!(findings(&root().join("content")), findings(crlf.path()));
    assert!(builds(crlf.path()) > 10);
}

#[test]
fn crlf_errors_name_the_right_line_and_column() {
    let text = "year = 2023\r\n\r\n[budget]\r\ninitial = 547.27\r\nadjusted = -1180.77\r\nexecuted = \"1180.77\"\r\n";
    let dir = temp_content(&[("a/2023/evaluation.toml", text.as_bytes())]);
    let errors = errors_in(dir.path());
    assert!(!errors.contains('\r'));
    insta::assert_snapshot!(errors);
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let bom = bundled_content_with(|t| {
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice(t.as_bytes());
        b
    });
    assert_eq!(findings(&root().join("content")), findings(bom.path()));
    assert!(builds(bom.path()) > 10);
}

#[test]
fn invalid_content_exits_with_status_2_and_says_why() {
    let exe = env!("CARGO_BIN_EXE_gongkai");
    let out = std::process::Command::new(exe)
        .args(["check", "--content", "tests/fixtures/invalid/many-errors"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim_end(), errors_of("many-errors").trim_end());

    let out = std::process::Command::new(exe)
        .args(["check", "--format", "json", "--content"])
        .arg("tests/fixtures/invalid/negative-amount")
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["errors"][0]["field"], "budget.initial");
    assert_eq!(json["errors"][0]["line"], 4);

    let output = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(exe)
        .args(["build", "--content", "tests/fixtures/invalid/syntax-error"])
        .arg("--output")
        .arg(output.path().join("site"))
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("表头缺少 `]`"));
    assert!(!output.path().join("site").exists());
}
