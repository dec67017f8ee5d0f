//! Property tests for the checks: records whose published figures are computed correctly
//! (at random printed precisions, 四舍五入) give no finding; the same records with one
//! published figure off by one unit in its last printed digit give exactly one finding,
//! on that field. Bounded by case count (PROPTEST_CASES, default 256) so CI stays fast.

use gongkai::check::check_record;
use gongkai::compute::compute_record;
use gongkai::model::{Evaluation, Record, RecordBody, RecordKind, Scheme, SourceFile};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use std::sync::Arc;

fn cents(v: i64) -> Decimal {
    Decimal::new(v, 2)
}

fn pct(num: Decimal, den: Decimal, dp: u32) -> String {
    let v = (num / den * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    let mut v = v;
    v.rescale(dp);
    format!("{v}%")
}

/// One unit more in the last printed digit: 「24.24%」 → 「24.25%」, 「1.45」 → 「1.46」.
fn bump(s: &str) -> String {
    let (num, pct) = s.strip_suffix('%').map_or((s, ""), |n| (n, "%"));
    let d: Decimal = num.parse().unwrap();
    let mut unit = Decimal::ONE;
    unit.set_scale(d.scale()).unwrap();
    let mut v = if d.is_sign_negative() {
        d - unit
    } else {
        d + unit
    };
    v.rescale(d.scale());
    format!("{v}{pct}")
}

#[derive(Debug, Clone)]
struct Row {
    budget: i64,
    actual: i64,
    prior: i64,
    dps: [u32; 2],
}

fn row() -> impl Strategy<Value = Row> {
    (
        1i64..10_000_000,
        0i64..10_000_000,
        1i64..10_000_000,
        0u32..=2,
        0u32..=2,
    )
        .prop_map(|(budget, actual, prior, a, b)| Row {
            budget,
            actual,
            prior,
            dps: [a, b],
        })
}

/// A record and its published (stated) fields: (path, text).
fn record(
    rows: &[Row],
    budget: (i64, i64, i64, u32),
    parts: &[i64],
) -> (String, Vec<(String, String)>) {
    let mut t = String::from("year = 2023\n");
    let mut stated = Vec::new();
    let (initial, adjusted, executed, dp) = budget;
    let rate = pct(cents(executed), cents(adjusted), dp);
    t += &format!(
        "[budget]\ninitial = {}\nadjusted = {}\nexecuted = {}\nstated_execution_rate = \"{rate}\"\n",
        cents(initial),
        cents(adjusted),
        cents(executed)
    );
    stated.push(("budget.stated_execution_rate".to_string(), rate));
    for (i, r) in rows.iter().enumerate() {
        let (b, a, p) = (cents(r.budget), cents(r.actual), cents(r.prior));
        let control = pct(a, b, r.dps[0]);
        let change = (a - p).abs();
        let change_rate = pct(a - p, p, r.dps[1]);
        t += &format!(
            "[[three_public]]\nitem = \"项目{i}\"\nbudget = {b}\nactual = {a}\nprior_actual = {p}\nstated_control_rate = \"{control}\"\nstated_change = \"{change}\"\nstated_change_rate = \"{change_rate}\"\n"
        );
        stated.push((format!("three_public[{i}].stated_control_rate"), control));
        stated.push((
            format!("three_public[{i}].stated_change"),
            change.to_string(),
        ));
        stated.push((format!("three_public[{i}].stated_change_rate"), change_rate));
    }
    let total: Decimal = parts.iter().map(|&c| cents(c)).sum();
    t += &format!("[[income]]\nunit = \"局机关\"\nstated_total = \"{total}\"\n");
    for (k, c) in ["carryover", "general_budget", "non_tax", "other"]
        .iter()
        .zip(parts)
    {
        t += &format!("{k} = {}\n", cents(*c));
    }
    stated.push(("income[0].stated_total".to_string(), total.to_string()));
    (t, stated)
}

fn findings(toml: &str) -> Vec<String> {
    let src = SourceFile::new("p/2023/evaluation.toml".into(), toml.into());
    let e: Evaluation = gongkai::load::parse_toml(&src).unwrap_or_else(|d| panic!("{d:?}\n{toml}"));
    let rec = Record {
        year: 2023,
        kind: RecordKind::Evaluation,
        source: Arc::new(src),
        body: RecordBody::Evaluation(Box::new(e)),
    };
    let figs = compute_record(&rec, None, &Scheme::defaults());
    check_record("p", &rec, &figs)
        .into_iter()
        .filter(|f| f.cause != "not_met")
        .map(|f| f.path)
        .collect()
}

proptest! {
    #[test]
    fn correct_records_have_no_findings_and_one_wrong_figure_has_exactly_one(
        rows in prop::collection::vec(row(), 1..4),
        budget in (1i64..100_000_000, 1i64..100_000_000, 0i64..100_000_000, 0u32..=2),
        parts in prop::collection::vec(0i64..10_000_000, 1..=4),
        pick in any::<prop::sample::Index>(),
    ) {
        let (toml, stated) = record(&rows, budget, &parts);
        prop_assert_eq!(findings(&toml), Vec::<String>::new());
        let (path, text) = &stated[pick.index(stated.len())];
        let wrong = bump(text);
        let key = path.rsplit('.').next().unwrap();
        // Replace the one published value in its table entry.
        let needle = format!("{key} = \"{text}\"");
        let entry_start = match path.split_once('[') {
            Some((table, rest)) => {
                let n: usize = rest.split(']').next().unwrap().parse().unwrap();
                toml.match_indices(&format!("[[{table}]]")).nth(n).unwrap().0
            }
            None => 0,
        };
        let at = entry_start + toml[entry_start..].find(&needle).unwrap();
        let perturbed = format!("{}{key} = \"{wrong}\"{}", &toml[..at], &toml[at + needle.len()..]);
        prop_assert_eq!(findings(&perturbed), vec![path.clone()]);
    }
}

#[test]
fn bump_is_one_unit_in_the_last_digit() {
    assert_eq!(bump("24.24%"), "24.25%");
    assert_eq!(bump("1.45"), "1.46");
    assert_eq!(bump("30%"), "31%");
    assert_eq!(bump("-3.5%"), "-3.6%");
}
