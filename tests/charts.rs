//! Charts: every chart is an accessible SVG with its data table, and every number in its
//! summary sentence is computed from that data (never typed).

mod common;
use rust_decimal::{Decimal, RoundingStrategy};
use std::path::Path;

fn figures(html: &str) -> Vec<&str> {
    html.split("<figure class=\"chart\"")
        .skip(1)
        .map(|f| &f[..f.find("</figure>").unwrap()])
        .collect()
}

fn summary(fig: &str) -> &str {
    let s = &fig[fig.find("chart-summary\">").unwrap() + 15..];
    &s[..s.find("</p>").unwrap()]
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// 「由 A 万元降至 B 万元，下降 P%」: P is |B − A| / A, 四舍五入 to two decimals.
fn check_change_sentence(s: &str) {
    let Some(i) = s.find('由') else { return };
    let nums: Vec<&str> = s[i..]
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|t| !t.is_empty() && t.chars().any(|c| c.is_ascii_digit()))
        .collect();
    if nums.len() < 3 {
        return;
    }
    let (a, b, p) = (dec(nums[0]), dec(nums[1]), dec(nums[2]));
    let want = ((b - a).abs() / a * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(p, want, "{s}");
    assert!(s.contains(if b > a { "增" } else { "降" }), "{s}");
}

fn check_all(html: &str, what: &str) -> usize {
    let figs = figures(html);
    for f in &figs {
        assert!(
            f.contains("<svg viewBox=") && f.contains("role=\"img\""),
            "{what}: chart without an accessible SVG"
        );
        assert!(
            f.contains("<title id=") && f.contains("<desc id="),
            "{what}: chart without title/desc"
        );
        let svg_open = &f[f.find("<svg").unwrap()..];
        let svg_open = &svg_open[..svg_open.find('>').unwrap()];
        assert!(!svg_open.contains(" width="), "{what}: fixed pixel width");
        assert!(
            f.contains("<table") && f.contains("（数据表）"),
            "{what}: chart without its data table"
        );
        let s = summary(f);
        assert!(!s.is_empty(), "{what}: empty summary");
        assert!(
            f.contains(&format!(">{s}</desc>")),
            "{what}: <desc> is the summary"
        );
        check_change_sentence(s);
    }
    figs.len()
}

#[test]
fn record_charts_have_their_tables_and_computed_summaries() {
    let html = common::page("xiangxi-xfj/2023/index.html");
    assert!(check_all(&html, "xiangxi 2023") >= 2);
    // 5.53 + 1.01 = 6.54 → 3.78 + 1.31 = 5.09; 1.45 ÷ 6.54 = 22.17% (the document's own
    // 同比 sentence says 22.17%; its table says 29.46%).
    assert!(html.contains("“三公”经费由 6.54 万元降至 5.09 万元，下降 22.17%。"));
    for p in [
        "zhanyi-xfj/2023/index.html",
        "changsha-xfj/2021/index.html",
        "hunan-xfj/2022/index.html",
    ] {
        check_all(&common::page(p), p);
    }
}

#[test]
fn no_comparable_prior_year_is_said_in_words() {
    // Each bundled department has one self-evaluation year.
    let html = common::page("xiangxi-xfj/index.html");
    assert!(
        html.contains("无上年可比数"),
        "department page says there is no prior year"
    );
    assert_eq!(figures(&html).len(), 0);
}

#[test]
fn department_and_year_charts_across_years() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("trends-site");
    let _ = std::fs::remove_dir_all(&dir);
    gongkai::build(&gongkai::BuildOptions {
        content: Path::new("tests/fixtures/valid/trends").to_path_buf(),
        theme: common::root().join("themes/default"),
        output: dir.clone(),
        clean: false,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let dept = std::fs::read_to_string(dir.join("demo/index.html")).unwrap();
    assert_eq!(
        check_all(&dept, "demo"),
        4,
        "budget, 三公, execution rate, score"
    );
    assert!(dept.contains("2021—2023 年，实际支出由 108.5 万元增至 112.5 万元，增长 3.69%。"));
    assert!(dept.contains("2021—2023 年，“三公”经费由 4.2 万元降至 3.51 万元，下降 16.43%。"));
    // 108.5/120 = 90.42%, 118/118 = 100%, 112.5/125 = 90%.
    assert!(dept.contains("预算执行率最高为 100%（2022年），最低为 90%（2023年）。"));
    assert!(dept.contains("综合得分由 88 分增至 93 分，增长 5.68%。"));
    let record = std::fs::read_to_string(dir.join("demo/2023/index.html")).unwrap();
    assert!(record.contains("“三公”经费由 3.9 万元降至 3.51 万元，下降 10.00%。"));
    let year = std::fs::read_to_string(dir.join("years/2023/index.html")).unwrap();
    assert_eq!(check_all(&year, "2023"), 2);
    assert!(
        year.contains("2 个部门中，最高为示例局（93 分），最低为另一局（79 分），平均 86 分。")
    );
    assert!(year.contains("最高为示例局（90%），最低为另一局（80%），平均 85%。"));
}
