//! 勾稽校验 on the five real documents: every arithmetic error they contain is found with
//! its likely cause, and nothing that is right is flagged. Each cause also has a test
//! built from a seed's own figures.

use gongkai::check::{Finding, Severity, check_record};
use gongkai::compute::compute_record;
use gongkai::model::{Evaluation, Record, RecordBody, RecordKind, Scheme, SourceFile};
use std::path::Path;
use std::sync::Arc;

fn bundled() -> Vec<Finding> {
    let mut t = gongkai::Timings::default();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    gongkai::load_and_check(&root, &mut t)
        .map(|c| c.findings)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn bundled_findings_are_exactly_the_seeds_errors() {
    let got: Vec<(String, String, &str, Severity)> = bundled()
        .into_iter()
        .map(|f| (f.file, f.path, f.cause, f.severity))
        .collect();
    use Severity::*;
    let expected: Vec<(&str, &str, &str, Severity)> = vec![
        // 长沙 2021: a total printed as 「1857.41.51」; three 同比 rates truncated, not rounded.
        (
            "changsha-xfj/2021/evaluation.toml",
            "income[0].stated_total",
            "unreadable",
            Error,
        ),
        (
            "changsha-xfj/2021/evaluation.toml",
            "year_over_year[3].stated_change_rate",
            "truncated",
            Error,
        ),
        (
            "changsha-xfj/2021/evaluation.toml",
            "year_over_year[9].stated_change_rate",
            "truncated",
            Error,
        ),
        (
            "changsha-xfj/2021/evaluation.toml",
            "year_over_year[12].stated_change_rate",
            "truncated",
            Error,
        ),
        // 湖南 2022: 75.45% matches neither 1472.51/1983.98 nor 1472.51/1234.22; the score
        // 7.5 and the total 97.5 follow from it.
        (
            "hunan-xfj/2022/evaluation.toml",
            "projects[0].stated_total",
            "propagated",
            Error,
        ),
        (
            "hunan-xfj/2022/evaluation.toml",
            "projects[0].funds[0].stated_rate",
            "mismatch",
            Error,
        ),
        (
            "hunan-xfj/2022/evaluation.toml",
            "projects[0].funds[0].stated_score",
            "propagated",
            Error,
        ),
        (
            "hunan-xfj/2022/evaluation.toml",
            "projects[0].funds[1].stated_rate",
            "mismatch",
            Error,
        ),
        (
            "hunan-xfj/2022/evaluation.toml",
            "projects[0].funds[1].stated_score",
            "propagated",
            Error,
        ),
        // 湘西 2023: 编制 27 vs 14+1+11; 24.23% truncated; two targets not met; 1180.77 vs
        // parts summing to 1180.78 (尾数误差); 同比 rates on this year's base; 29.46% unexplained.
        (
            "xiangxi-xfj/2023/evaluation.toml",
            "staffing.authorized",
            "mismatch",
            Error,
        ),
        (
            "xiangxi-xfj/2023/evaluation.toml",
            "indicators[14].actual",
            "truncated",
            Error,
        ),
        (
            "xiangxi-xfj/2023/evaluation.toml",
            "indicators[16].actual",
            "not_met",
            Info,
        ),
        (
            "xiangxi-xfj/2023/evaluation.toml",
            "indicators[19].actual",
            "not_met",
            Info,
        ),
        (
            "xiangxi-xfj/2023/evaluation.toml",
            "budget.by_economic.stated_total",
            "rounding_of_parts",
            Warning,
        ),
        (
            "xiangxi-xfj/2023/evaluation.toml",
            "three_public[1].stated_change_rate",
            "wrong_base",
            Error,
        ),
        (
            "xiangxi-xfj/2023/evaluation.toml",
            "three_public[2].stated_change_rate",
            "wrong_base",
            Error,
        ),
        (
            "xiangxi-xfj/2023/evaluation.toml",
            "three_public[3].stated_change_rate",
            "mismatch",
            Error,
        ),
        // 沾益 2023: 「20」 in a rate column where 100% is right; 109.85% printed as 100.00%.
        (
            "zhanyi-xfj/2023/evaluation.toml",
            "goals.tasks[1].stated_rate",
            "mismatch",
            Error,
        ),
        (
            "zhanyi-xfj/2023/evaluation.toml",
            "goals.tasks[2].stated_rate",
            "mismatch",
            Error,
        ),
        (
            "zhanyi-xfj/2023/evaluation.toml",
            "projects[1].funds[0].stated_rate",
            "capped",
            Error,
        ),
        (
            "zhanyi-xfj/2023/evaluation.toml",
            "projects[1].funds[1].stated_rate",
            "capped",
            Error,
        ),
    ];
    let expected: Vec<(String, String, &str, Severity)> = expected
        .into_iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c, d))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn findings_name_file_line_and_column_of_the_published_value() {
    let f = bundled();
    let x = f
        .iter()
        .find(|f| f.path == "three_public[1].stated_change_rate")
        .unwrap();
    assert!(x.line > 0 && x.column > 0);
    assert!(x.excerpt.contains("46.3%"), "{}", x.excerpt);
    assert_eq!(
        (x.stated.as_str(), x.computed.as_str()),
        ("46.3%", "-31.6%")
    );
    assert!(x.message.contains("疑以本年数为基数"), "{}", x.message);
}

/// Loads one evaluation record from text and checks it.
fn check(toml: &str) -> Vec<Finding> {
    let src = SourceFile::new("t/2023/evaluation.toml".into(), toml.into());
    let e: Evaluation = gongkai::load::parse_toml(&src).unwrap_or_else(|d| panic!("{d:?}"));
    let rec = Record {
        year: 2023,
        kind: RecordKind::Evaluation,
        source: Arc::new(src),
        body: RecordBody::Evaluation(Box::new(e)),
    };
    let figs = compute_record(&rec, None, &Scheme::defaults());
    check_record("t", &rec, &figs)
}

fn causes(toml: &str) -> Vec<&'static str> {
    check(toml).into_iter().map(|f| f.cause).collect()
}

const XIANGXI_CAR: &str = "year = 2023\n[[three_public]]\nitem = \"公务用车购置及运行维护费\"\nbudget = 11\nactual = 3.78\nprior_actual = 5.53\nstated_control_rate = \"34.36%\"\nstated_change = \"1.75\"\n";

#[test]
fn right_figures_at_their_printed_precision_are_not_findings() {
    // 34.36% at two decimals; 1.75 unsigned against −1.75; −31.6455…%: 31.65% / 31.6% / 32% all right.
    for rate in ["31.65%", "31.6%", "32%", "-31.65%"] {
        let t = format!("{XIANGXI_CAR}stated_change_rate = \"{rate}\"\n");
        assert!(causes(&t).is_empty(), "{rate}: {:?}", check(&t));
    }
}

#[test]
fn cause_wrong_base() {
    // Seed 000: 1.75 ÷ 3.78 = 46.30%, printed 46.3%; right is 1.75 ÷ 5.53 = 31.65%.
    assert_eq!(
        causes(&format!("{XIANGXI_CAR}stated_change_rate = \"46.3%\"\n")),
        ["wrong_base"]
    );
}

#[test]
fn cause_truncated() {
    // Seed 003: 1.32 ÷ 4.44 = 29.73%, printed 29%.
    let t = "year = 2023\n[[year_over_year]]\nitem = \"三公经费\"\nactual = 5.76\nprior_actual = 4.44\nstated_change_rate = \"29%\"\n";
    assert_eq!(causes(t), ["truncated"]);
}

#[test]
fn cause_rounding_of_parts_is_a_warning() {
    // Seed 000: 472.51 + 666.37 + 35.69 + 6.21 = 1180.78, printed 1180.77.
    let t = "year = 2023\n[budget.by_economic]\nwages = 472.51\ngoods_services = 666.37\nhousehold = 35.69\ncapital = 6.21\nstated_total = \"1180.77\"\n";
    let f = check(t);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].cause, f[0].severity),
        ("rounding_of_parts", Severity::Warning)
    );
    // Off by more than the parts' rounding: an error.
    let t = t.replace("1180.77", "1180.70");
    assert_eq!(causes(&t), ["mismatch"]);
}

const ZHANYI_FUND: &str = "year = 2023\n[[projects]]\nname = \"信访救助金经费\"\n[[projects.funds]]\nsource = \"年度资金总额\"\nadjusted = 20.00\nexecuted = 21.97\nweight = 10\n";

#[test]
fn cause_capped() {
    // Seed 001: 21.97 ÷ 20.00 = 109.85%, printed 100.00%.
    assert_eq!(
        causes(&format!(
            "{ZHANYI_FUND}stated_rate = \"100.00%\"\nstated_score = \"10\"\n"
        )),
        ["capped"]
    );
}

#[test]
fn cause_not_capped() {
    // 10 × min(109.85%, 100%) = 10; 10.99 is the uncapped score.
    assert_eq!(
        causes(&format!("{ZHANYI_FUND}stated_score = \"10.99\"\n")),
        ["not_capped"]
    );
}

#[test]
fn cause_propagated() {
    // Seed 002: 7.5 = 10 × the printed 75.45%, where 1472.51 ÷ 1983.98 gives 7.42.
    let t = "year = 2022\n[[projects]]\nname = \"业务工作经费\"\n[[projects.funds]]\nsource = \"年度资金总额\"\ninitial = 1234.22\nadjusted = 1983.98\nexecuted = 1472.51\nweight = 10\nstated_rate = \"75.45%\"\nstated_score = \"7.5\"\n";
    assert_eq!(causes(t), ["mismatch", "propagated"]);
}

#[test]
fn cause_sign() {
    // A signed change with the wrong sign: 3.78 − 5.53 = −1.75, printed +1.75.
    assert_eq!(
        causes(
            &format!("{XIANGXI_CAR}stated_change_rate = \"-31.65%\"\n")
                .replace("\"1.75\"", "\"+1.75\"")
        ),
        ["sign"]
    );
}

#[test]
fn cause_inverted() {
    // 11 ÷ 3.78 = 291.01%: numerator and denominator swapped.
    assert_eq!(
        causes(&XIANGXI_CAR.replace("34.36%", "291.01%")),
        ["inverted"]
    );
}

#[test]
fn cause_direction() {
    // Seed 000 prints 减少 for 三公经费 that fell; 增加 would be wrong.
    let t = format!("{XIANGXI_CAR}stated_direction = \"增加\"\n");
    assert_eq!(causes(&t), ["direction"]);
    let t = format!("{XIANGXI_CAR}stated_direction = \"减少\"\n");
    assert!(causes(&t).is_empty());
}

#[test]
fn cause_other_row() {
    // 公务接待费 control rate 13.1% typed into the 公务用车 row.
    let t = format!(
        "{}\n[[three_public]]\nitem = \"公务接待费\"\nbudget = 10\nactual = 1.31\nstated_control_rate = \"13.1%\"\n",
        XIANGXI_CAR.replace("34.36%", "13.10%")
    );
    assert_eq!(causes(&t), ["other_row"]);
}

#[test]
fn cause_unreadable() {
    // Seed 003 prints 「1857.41.51」 as a total.
    let t = "year = 2021\n[[income]]\nunit = \"长沙市信访局\"\nstated_total = \"1857.41.51\"\n";
    assert_eq!(causes(t), ["unreadable"]);
}

#[test]
fn cause_score_over_weight_and_grade() {
    // Seed 000: 9 + 47 + 28 + 9 = 93, 优. A part scored over its weight is an error, and a
    // grade that does not follow from the score is one too.
    let t = "year = 2023\n[score]\nstated_total = \"93\"\nstated_grade = \"优\"\n[[score.parts]]\nname = \"预算执行情况\"\nweight = 10\nscore = 9\n[[score.parts]]\nname = \"产出\"\nweight = 50\nscore = 47\n[[score.parts]]\nname = \"效益\"\nweight = 30\nscore = 28\n[[score.parts]]\nname = \"满意度\"\nweight = 10\nscore = 9\n";
    assert!(causes(t).is_empty(), "{:?}", check(t));
    assert_eq!(
        causes(&t.replace(
            "score = 9\n[[score.parts]]\nname = \"产出\"",
            "score = 11\n[[score.parts]]\nname = \"产出\""
        )),
        ["mismatch", "score_over_weight"]
    );
    assert_eq!(causes(&t.replace("\"优\"", "\"良\"")), ["mismatch"]);
}

#[test]
fn cause_late_publication() {
    let t = "year = 2023\napproved = 2023-02-01\npublished = 2023-03-01\n";
    let f = check(t);
    assert_eq!(
        f.iter().map(|f| f.cause).collect::<Vec<_>>(),
        ["late_publication"]
    );
    assert!(f[0].message.contains("相隔 28 日"), "{}", f[0].message);
    assert!(causes("year = 2023\napproved = 2023-02-01\npublished = 2023-02-21\n").is_empty());
}

#[test]
fn cause_not_identified_is_said_not_guessed() {
    // Seed 000: 29.46% matches neither 1.45 ÷ 6.54 (22.17%) nor 1.45 ÷ 5.09 (28.49%).
    let t = "year = 2023\n[[three_public]]\nitem = \"合计\"\nbudget = 21\nactual = 5.09\nprior_actual = 6.54\nstated_change_rate = \"29.46%\"\n";
    let f = check(t);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].cause, "mismatch");
    assert!(f[0].message.contains("原因未能确定"));
}

#[test]
fn json_output_validates_against_the_documented_schema() {
    let schema_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/check-output.schema.json"),
    )
    .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut t = gongkai::Timings::default();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let doc = gongkai::load_and_check(&root, &mut t)
        .map_err(|e| e.to_string())
        .unwrap()
        .to_json();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(doc["summary"]["errors"], 18);
    // Invalid content has its own shape.
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/many-errors");
    let d = match gongkai::load::load(&bad) {
        Err(d) => d,
        Ok(_) => panic!("invalid content loaded"),
    };
    let doc = gongkai::invalid_json(&d);
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn cause_weights_not_100() {
    let t = "year = 2023\n[score]\n[[score.parts]]\nname = \"预算执行\"\nweight = 10\nscore = 9\n[[score.parts]]\nname = \"产出\"\nweight = 50\nscore = 47\n";
    assert_eq!(causes(t), ["weights_not_100"]);
}

#[test]
fn restated_prior_year_figures_are_checked_against_that_years_record() {
    let prior_src =
        "year = 2022\n[[three_public]]\nitem = \"公务接待费\"\nbudget = 10\nactual = 1.01\n";
    let this_src = "year = 2023\n[[three_public]]\nitem = \"公务接待费\"\nbudget = 10\nactual = 1.31\nprior_actual = 1.10\n";
    let rec = |y: i32, t: &str| {
        let src = SourceFile::new(format!("t/{y}/evaluation.toml"), t.into());
        let e: Evaluation = gongkai::load::parse_toml(&src).unwrap();
        Record {
            year: y,
            kind: RecordKind::Evaluation,
            source: Arc::new(src),
            body: RecordBody::Evaluation(Box::new(e)),
        }
    };
    let (prior, this) = (rec(2022, prior_src), rec(2023, this_src));
    let figs = compute_record(&this, Some(&prior), &Scheme::defaults());
    let f = check_record("t", &this, &figs);
    assert_eq!(
        f.iter()
            .map(|f| (f.path.as_str(), f.cause))
            .collect::<Vec<_>>(),
        [("three_public[0].prior_actual", "mismatch")]
    );
    assert_eq!(
        (f[0].stated.as_str(), f[0].computed.as_str()),
        ("1.10", "1.01")
    );
}

/// `build --strict` refuses content with error findings in one pass: it lists them, exits
/// 1 and leaves the previous output as it was.
#[test]
fn strict_build_refuses_error_findings_and_keeps_the_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let run = |strict: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gongkai"));
        cmd.arg("build")
            .args(["--content", "content", "--output"])
            .arg(&out);
        if strict {
            cmd.arg("--strict");
        }
        cmd.current_dir(root).output().unwrap()
    };
    let first = run(false);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = std::fs::read(out.join("manifest.json")).unwrap();
    let index = out.join("index.html");
    std::fs::write(&index, "marker").unwrap();

    let r = run(true);
    assert_eq!(r.status.code(), Some(1));
    let stdout = String::from_utf8(r.stdout).unwrap();
    let stderr = String::from_utf8(r.stderr).unwrap();
    assert!(
        stdout.contains("xiangxi-xfj/2023/evaluation.toml:452:22"),
        "{stdout}"
    );
    assert!(stdout.contains("核对 5 份公开文件：18 处错误"), "{stdout}");
    assert!(
        stderr.contains("--strict：有 18 处错误类核对结果，未生成网站"),
        "{stderr}"
    );
    // Nothing was written.
    assert_eq!(std::fs::read_to_string(&index).unwrap(), "marker");
    assert_eq!(std::fs::read(out.join("manifest.json")).unwrap(), before);
}

/// `gongkai check` writes each department's findings on the thread that checked it and
/// puts the parts together: its report is pinned, and equals the one a refused
/// `build --strict` writes from all findings at once.
#[test]
fn check_report_of_the_bundled_content() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let exe = env!("CARGO_BIN_EXE_gongkai");
    let check = std::process::Command::new(exe)
        .args(["check", "--content", "content"])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    let report = String::from_utf8(check.stdout).unwrap();
    // Departments in slug order, each file once.
    let files: Vec<&str> = report
        .lines()
        .filter_map(|l| l.strip_prefix("== "))
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(files, sorted);
    assert!(files.len() >= 4, "{files:?}");

    let tmp = tempfile::tempdir().unwrap();
    let refused = std::process::Command::new(exe)
        .args(["build", "--strict", "--content", "content", "--output"])
        .arg(tmp.path().join("out"))
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(String::from_utf8(refused.stdout).unwrap(), report);
    insta::assert_snapshot!(report);
}
