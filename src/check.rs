//! Stage 4, check (勾稽校验): every published figure against its computed value, at the
//! precision the document printed, and for each mismatch the usual mistake that
//! reproduces it. Pure: findings are values; the CLI prints them.

use crate::compute::{Calc, Computed, Figure, Kind, RecordFigures};
use crate::model::{Content, Record, RecordBody, Rounding, Scheme};
use crate::num::{Num, Printed};
use foldhash::{HashMap, HashSet};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A published figure that does not follow from the figures beside it.
    Error,
    /// A difference explained by rounding of the parts (尾数误差), or a doubtful reading.
    Warning,
    /// Worth knowing (未达成 targets, a rate printed without 「%」).
    Info,
}

impl Severity {
    /// 错误 / 警告 / 提示.
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Info => "提示",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Content file (relative to the content folder).
    pub file: String,
    /// 1-based line (0 when not tied to one).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Field path of the published value.
    pub path: String,
    /// Severity.
    pub severity: Severity,
    /// The published text.
    pub stated: String,
    /// The computed value at the published precision.
    pub computed: String,
    /// Stable cause code.
    pub cause: &'static str,
    /// Explanation in Chinese.
    pub message: String,
    /// Department slug.
    pub department: String,
    /// Fiscal year.
    pub year: i32,
    /// `evaluation` or `targets`.
    pub kind: crate::model::RecordKind,
    /// The computed figure's path (for pages to place the note).
    #[serde(skip)]
    pub figure: String,
    /// The source line.
    #[serde(skip)]
    pub excerpt: String,
}

/// The Chinese description of each cause code.
pub fn cause_zh(cause: &str) -> &'static str {
    match cause {
        "wrong_base" => "公开值疑以错误的基数（分母）计算",
        "truncated" => "公开值疑为截尾取值，而非四舍五入",
        "capped" => "公开值疑将比率按 100% 封顶",
        "not_capped" => "公开的得分未按执行率 100% 封顶",
        "sign" => "公开值正负号相反",
        "inverted" => "公开值疑将分子分母颠倒",
        "propagated" => "公开值与按另一处有误的公开数计算的结果一致",
        "ratio_not_change" => "公开值疑将本年与上年之比当作增减率",
        "other_row" => "公开值与同表另一行的核算值相同，疑为抄录错行",
        "rounding_mode" => "公开值按另一种舍入规则取值",
        "rounding_of_parts" => "尾数误差：差额不超过各项四舍五入的累计误差",
        "unreadable" => "公开值不是有效数字，疑为笔误",
        "direction" => "增减方向与数据不符",
        "score_over_weight" => "得分超过分值",
        "weights_not_100" => "各项分值合计不等于 100",
        "late_publication" => "公开晚于批复后 20 日（预算法第十四条）",
        "missing_percent_sign" => "比率未标注「%」，按百分数读取",
        "not_met" => "未达成年度指标值",
        _ => "原因未能确定",
    }
}

/// Rounds `d` to `dp` decimals by the scheme's rule.
pub fn round(d: Decimal, dp: u32, rounding: Rounding) -> Decimal {
    let strategy = match rounding {
        Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
    };
    d.round_dp_with_strategy(dp, strategy)
}

/// A computed figure as shown at `dp` decimals (a rate as a percentage).
pub fn at_precision(kind: Kind, v: Decimal, dp: u32, rounding: Rounding) -> String {
    match kind {
        Kind::Rate => match v.checked_mul(Decimal::ONE_HUNDRED) {
            Some(p) => format!("{}%", fixed(round(p, dp, rounding), dp)),
            None => "—".to_string(),
        },
        _ => fixed(round(v, dp, rounding), dp),
    }
}

fn fixed(mut d: Decimal, dp: u32) -> String {
    d.rescale(dp);
    crate::num::decimal_string(&d)
}

/// Checks every record of the site.
pub fn check(content: &Content, computed: &Computed) -> Vec<Finding> {
    use rayon::prelude::*;
    // In parallel by department; the order is the content's, whatever the thread count.
    let per_dept: Vec<Vec<Finding>> = content
        .departments
        .par_iter()
        .with_max_len(1)
        .enumerate()
        .map(|(d, dept)| department(dept, &computed.records[d]))
        .collect();
    per_dept.into_iter().flatten().collect()
}

/// Checks every record of one department, given its computed figures.
pub fn department(dept: &crate::model::Department, figures: &[RecordFigures]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (rec, figs) in dept.records.iter().zip(figures) {
        out.extend(check_record(&dept.slug, rec, figs));
    }
    out
}

/// Checks one record.
pub fn check_record(slug: &str, rec: &Record, figs: &RecordFigures) -> Vec<Finding> {
    let scheme = figs.scheme.clone().unwrap_or_else(Scheme::defaults);
    let mut out = Vec::new();
    let mk = |span_start: usize,
              path: &str,
              severity,
              stated: &str,
              computed: String,
              cause: &'static str,
              message: String,
              figure: &str| {
        let (line, column) = if span_start == 0 && path.is_empty() {
            (0, 0)
        } else {
            rec.source.line_col(span_start)
        };
        Finding {
            file: rec.source.path.clone(),
            line,
            column,
            path: path.to_string(),
            severity,
            stated: stated.to_string(),
            computed,
            cause,
            message,
            department: slug.to_string(),
            year: rec.year,
            kind: rec.kind,
            figure: figure.to_string(),
            excerpt: if line == 0 {
                String::new()
            } else {
                rec.source.line_at(span_start).to_string()
            },
        }
    };

    let mut columns = Columns::new(&figs.figures);
    for fig in &figs.figures {
        let Some(p) = &fig.published else { continue };
        if let Some((severity, computed, cause)) = compare(fig, &mut columns, &scheme) {
            // An indicator's actual is free text inside the indicator; place it at the
            // indicator (a search of the text: only for figures that have a finding).
            let start = if p.span.is_empty() {
                find_path_start(rec, &p.path)
            } else {
                p.span.start
            };
            let msg = message(fig, &p.text, &computed, cause);
            out.push(mk(
                start, &p.path, severity, &p.text, computed, cause, msg, &fig.path,
            ));
        }
        if let (Some(dir), Calc::Num(c)) = (&fig.direction, &fig.value)
            && fig.path.ends_with(".change")
        {
            let up = ["增加", "增长", "上升", "上涨", "提高", "增"]
                .iter()
                .any(|w| dir.text.contains(w));
            let down = ["减少", "下降", "降低", "节约", "减"]
                .iter()
                .any(|w| dir.text.contains(w));
            let flat = ["持平", "无变化"].iter().any(|w| dir.text.contains(w));
            let wrong = (up && !down && c.is_sign_negative() && !c.is_zero())
                || (down && !up && c.is_sign_positive() && !c.is_zero())
                || (flat && !c.is_zero());
            if wrong {
                let computed = if c.is_sign_negative() {
                    "减少"
                } else if c.is_zero() {
                    "持平"
                } else {
                    "增加"
                };
                let msg = format!(
                    "{}：公开为「{}」，经核算为{}（{}）。{}",
                    fig.label,
                    dir.text,
                    computed,
                    fig.formula,
                    cause_zh("direction")
                );
                out.push(mk(
                    dir.span.start,
                    &dir.path,
                    Severity::Error,
                    &dir.text,
                    computed.to_string(),
                    "direction",
                    msg,
                    &fig.path,
                ));
            }
        }
    }

    rule_checks(rec, &scheme, &mut |start,
                                    path: &str,
                                    sev,
                                    stated: &str,
                                    computed: String,
                                    cause,
                                    msg| {
        out.push(mk(start, path, sev, stated, computed, cause, msg, path));
    });

    for fig in figs
        .figures
        .iter()
        .filter(|f| f.path.ends_with("total_weight"))
    {
        if let Calc::Num(w) = fig.value
            && w != Decimal::ONE_HUNDRED
        {
            let (start, path) = match &fig.published {
                Some(p) => (p.span.start, p.path.clone()),
                None => (0, fig.path.to_string()),
            };
            let msg = format!(
                "{}：各项分值合计为 {}，不等于 100",
                fig.label,
                w.normalize()
            );
            let stated = fig
                .published
                .as_ref()
                .map(|p| p.text.clone())
                .unwrap_or_default();
            out.push(mk(
                start,
                &path,
                Severity::Warning,
                &stated,
                crate::num::decimal_string(&w.normalize()),
                "weights_not_100",
                msg,
                &fig.path,
            ));
        }
    }
    for (path, a) in &figs.achievements {
        if a.met == Some(false) {
            let Some(t) = a.target.as_ref() else { continue };
            let gap = a.gap.unwrap_or_default().abs().normalize();
            let unit = if t.unit == "%" {
                " 个百分点".to_string()
            } else {
                t.unit.clone()
            };
            let over = matches!(t.op, crate::compute::Op::Le | crate::compute::Op::Lt);
            let msg = format!(
                "指标未达成：目标 {}{}{}{}，实际 {}{}，{} {gap}{unit}",
                t.op.glyph(),
                t.value.normalize(),
                t.unit,
                if t.assumed {
                    "（原文未写比较方式，按「不低于」理解）"
                } else {
                    ""
                },
                a.actual.unwrap_or_default().normalize(),
                t.unit,
                if over { "超出" } else { "差" },
            );
            let start = find_path_start(rec, &format!("{path}.actual"));
            out.push(mk(
                start,
                &format!("{path}.actual"),
                Severity::Info,
                "",
                String::new(),
                "not_met",
                msg,
                path,
            ));
        }
    }
    out.sort_by(|a, b| {
        (a.line, a.column, &a.path, a.cause).cmp(&(b.line, b.column, &b.path, b.cause))
    });
    out
}

/// Byte offset of a field path's key in the record's file (for values without a span).
fn find_path_start(rec: &Record, path: &str) -> usize {
    // `indicators[3].actual`: find the 4th `[[indicators]]` header, then `actual` after it.
    let text = &rec.source.text;
    let mut pos = 0;
    let mut table = String::new();
    for part in path.split('.') {
        let (name, idx) = match part.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        match idx {
            Some(i) => {
                table = if table.is_empty() {
                    name.to_string()
                } else {
                    format!("{table}.{name}")
                };
                let header = format!("[[{table}]]");
                let finder = memchr::memmem::Finder::new(header.as_bytes());
                let mut from = pos;
                for _ in 0..=i {
                    match finder.find(&text.as_bytes()[from..]) {
                        Some(o) => {
                            pos = from + o;
                            from = pos + header.len();
                        }
                        None => return pos,
                    }
                }
            }
            None => {
                let rest = &text.as_bytes()[pos..];
                if let Some(o) = memchr::memmem::find(rest, format!("\n{name} ").as_bytes())
                    .or_else(|| memchr::memmem::find(rest, format!("\n{name}=").as_bytes()))
                {
                    pos += o + 1;
                }
            }
        }
    }
    pos
}

fn direction_free(p: &Printed) -> bool {
    !p.signed
}

/// Compares a figure with its published value. `None` when they agree.
fn compare<'a>(
    fig: &'a Figure,
    columns: &mut Columns<'a>,
    scheme: &Scheme,
) -> Option<(Severity, String, &'static str)> {
    let published = fig.published.as_ref()?;
    if fig.kind == Kind::Grade {
        let Calc::Text(g) = &fig.value else {
            return None;
        };
        let stated = published.text.trim().trim_matches(['“', '”', '"', ' ']);
        if stated == g {
            return None;
        }
        return Some((Severity::Error, g.clone(), "mismatch"));
    }
    let Some(p) = Printed::parse(&published.text) else {
        // A figure tied to an indicator's free-text actual that is not one number is not
        // a finding; an unreadable 合计 or rate is, even where nothing can be computed.
        if published.path.ends_with(".actual") {
            return None;
        }
        let computed = match fig.value {
            Calc::Num(c) => at_precision(fig.kind, c, 2, scheme.rounding),
            _ => "—".to_string(),
        };
        return Some((Severity::Error, computed, "unreadable"));
    };
    let Calc::Num(c) = fig.value else { return None };
    let dp = p.decimals;
    let mut missing_pct = false;
    // The published number, in the computed figure's terms (a rate as a fraction ×100).
    let stated = p.value;
    let scale = |v: Decimal| {
        if fig.kind == Kind::Rate {
            v.checked_mul(Decimal::ONE_HUNDRED).unwrap_or(Decimal::MAX)
        } else {
            v
        }
    };
    if fig.kind == Kind::Rate && !p.percent {
        missing_pct = true;
    }
    let unsigned =
        direction_free(&p) && (fig.path.ends_with(".change") || fig.path.ends_with(".change_rate"));
    let fits = |v: Decimal, rounding: Rounding| -> bool {
        let r = round(scale(v), dp, rounding);
        let r = if unsigned { r.abs() } else { r };
        let s = if unsigned { stated.abs() } else { stated };
        match p.qualifier.as_deref() {
            Some("以上") | Some("多") | Some("余") => r >= s,
            Some("以下") | Some("以内") => r <= s,
            Some("左右") | Some("约") => {
                r.checked_sub(s).is_some_and(|d| d.abs() <= Decimal::ONE)
            }
            _ => r == s,
        }
    };
    let shown = || at_precision(fig.kind, c, dp, scheme.rounding);
    if fits(c, scheme.rounding) {
        return missing_pct.then(|| (Severity::Info, shown(), "missing_percent_sign"));
    }
    // 尾数误差: a sum of rounded parts, off by no more than their rounding.
    if fig.terms > 1 && fig.kind == Kind::Amount && p.qualifier.is_none() {
        let unit = Decimal::new(5, dp + 1);
        let off = c.checked_sub(stated).map(|d| d.abs());
        if off.is_some_and(|d| d <= unit * Decimal::from(fig.terms as u64)) && dp >= 1 {
            return Some((Severity::Warning, shown(), "rounding_of_parts"));
        }
    }
    let mut causes: Vec<&'static str> = Vec::new();
    let truncated = {
        let t = scale(c).trunc_with_scale(dp);
        let t = if unsigned { t.abs() } else { t };
        t == if unsigned { stated.abs() } else { stated }
    };
    if truncated {
        causes.push("truncated");
    }
    let other_rounding = match scheme.rounding {
        Rounding::HalfUp => Rounding::HalfEven,
        Rounding::HalfEven => Rounding::HalfUp,
    };
    if fits(c, other_rounding) {
        causes.push("rounding_mode");
    }
    for alt in &fig.alts {
        if fits(alt.value, scheme.rounding) && !causes.contains(&alt.cause) {
            causes.push(alt.cause);
        }
    }
    if causes.is_empty() {
        // A number typed from another row of the same table and column.
        if let Some((table, key)) = table_and_key(&fig.path) {
            // The figure's own value does not fit (else we would not be here), so any
            // value of the column that fits is another row's.
            let other = if p.qualifier.is_none() {
                let target = if unsigned { stated.abs() } else { stated };
                columns
                    .rounded(
                        (table, key),
                        fig.kind,
                        (dp, scheme.rounding, unsigned),
                        |v| {
                            let r = round(scale(v), dp, scheme.rounding);
                            if unsigned { r.abs() } else { r }
                        },
                    )
                    .contains(&target)
            } else {
                columns
                    .values((table, key), fig.kind)
                    .any(|v| fits(v, scheme.rounding))
            };
            if other {
                causes.push("other_row");
            }
        }
    }
    let cause = causes.first().copied().unwrap_or("mismatch");
    Some((Severity::Error, shown(), cause))
}

/// The computed values of each table column (`three_public[*].control_rate`), for the
/// `other_row` cause, indexed once per record: scanning every figure for each mismatch
/// is quadratic in the rows (a 10,000-row table took over a minute).
struct Columns<'a> {
    values: HashMap<Column<'a>, Vec<(Kind, Decimal)>>,
    /// A column's values of one kind, rounded as a published figure was printed.
    rounded: HashMap<(Column<'a>, u8, Printing), HashSet<Decimal>>,
}

/// A table and a key: `("three_public", "control_rate")`.
type Column<'a> = (&'a str, &'a str);

/// How a published figure was printed: decimals, 四舍五入 (else half-even), unsigned.
type Printing = (u32, bool, bool);

impl<'a> Columns<'a> {
    fn new(figures: &'a [Figure]) -> Self {
        let mut values: HashMap<_, Vec<_>> = HashMap::default();
        for f in figures {
            if let (Some(col), Some(v)) = (table_and_key(&f.path), f.value.num()) {
                values.entry(col).or_default().push((f.kind, v));
            }
        }
        Columns {
            values,
            rounded: HashMap::default(),
        }
    }

    fn values(&self, col: (&'a str, &'a str), kind: Kind) -> impl Iterator<Item = Decimal> {
        self.values
            .get(&col)
            .into_iter()
            .flatten()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, v)| *v)
    }

    /// The column's values of `kind` passed through `round` (which rounds as printed:
    /// decimals, rounding mode, unsigned), computed once per precision.
    fn rounded(
        &mut self,
        col: (&'a str, &'a str),
        kind: Kind,
        (dp, rounding, unsigned): (u32, Rounding, bool),
        round: impl Fn(Decimal) -> Decimal,
    ) -> &HashSet<Decimal> {
        let key = (
            col,
            kind as u8,
            (dp, rounding == Rounding::HalfUp, unsigned),
        );
        if !self.rounded.contains_key(&key) {
            let set = self.values(col, kind).map(round).collect();
            self.rounded.insert(key, set);
        }
        &self.rounded[&key]
    }
}

/// `three_public[2].control_rate` → ("three_public", "control_rate").
fn table_and_key(path: &str) -> Option<(&str, &str)> {
    let (head, key) = path.rsplit_once('.')?;
    let table = head.strip_suffix(']')?.rsplit_once('[')?.0;
    Some((table, key))
}

fn message(fig: &Figure, stated: &str, computed: &str, cause: &str) -> String {
    if cause == "unreadable" {
        return format!(
            "{}：公开值「{stated}」不是有效数字，疑为笔误，无法核对",
            fig.label
        );
    }
    let formula = if fig.formula.is_empty() {
        String::new()
    } else {
        format!("（{}）", fig.formula)
    };
    format!(
        "{}：公开值 {stated}，经核算为 {computed}{formula}。{}",
        fig.label,
        why(&fig.path, cause)
    )
}

/// The cause of a finding in Chinese, specific to the figure where that helps.
pub fn cause_text(f: &Finding) -> String {
    why(&f.figure, f.cause)
}

fn why(path: &str, cause: &str) -> String {
    match cause {
        "wrong_base" if path.ends_with("change_rate") => "公开值疑以本年数为基数计算".to_string(),
        "wrong_base" if path.ends_with("execution_rate") || path.ends_with(".rate") => {
            "公开值疑以另一口径预算（年初/全年）为分母计算".to_string()
        }
        "wrong_base" if path.contains(".share.") => {
            "公开值疑以公开的支出合计为分母计算".to_string()
        }
        other => cause_zh(other).to_string(),
    }
}

/// Receives a rule finding: offset, path, severity, stated, computed, cause, message.
type Push<'a> = dyn FnMut(usize, &str, Severity, &str, String, &'static str, String) + 'a;

/// Checks that are rules rather than figures: 得分 ≤ 分值, weights total 100, and
/// publication within 20 days of approval.
fn rule_checks(rec: &Record, _scheme: &Scheme, push: &mut Push) {
    // The path is written only for a finding (most scores are within their weights).
    let over = |push: &mut Push,
                path: &dyn Fn() -> String,
                name: &str,
                w: &Option<Num>,
                s: &Option<Num>| {
        if let (Some(w), Some(s)) = (w, s)
            && s.value > w.value
        {
            push(
                s.span.start,
                &path(),
                Severity::Error,
                &s.value.to_string(),
                format!("≤ {}", w.value),
                "score_over_weight",
                format!("{name}：得分 {} 超过分值 {}", s.value, w.value),
            );
        }
    };
    let (indicators, projects, dates) = match &rec.body {
        RecordBody::Evaluation(e) => {
            if let Some(sc) = &e.score {
                for (i, p) in sc.parts.iter().enumerate() {
                    over(
                        push,
                        &|| format!("score.parts[{i}].score"),
                        &p.name,
                        &p.weight,
                        &p.score,
                    );
                }
            }
            (&e.indicators, &e.projects, (&e.approved, &e.published))
        }
        RecordBody::Targets(t) => (&t.indicators, &t.projects, (&t.approved, &t.published)),
    };
    for (i, ind) in indicators.iter().enumerate() {
        over(
            push,
            &|| format!("indicators[{i}].score"),
            ind.name.as_deref().unwrap_or("指标"),
            &ind.weight,
            &ind.score,
        );
    }
    for (p, proj) in projects.iter().enumerate() {
        for (i, ind) in proj.indicators.iter().enumerate() {
            over(
                push,
                &|| format!("projects[{p}].indicators[{i}].score"),
                ind.name.as_deref().unwrap_or("指标"),
                &ind.weight,
                &ind.score,
            );
        }
    }
    if let (Some(a), Some(p)) = dates
        && let (Some(a), Some(p)) = (a.date, p.date)
    {
        let days = days_from_civil(p) - days_from_civil(a);
        if days > 20 {
            push(
                find_path_start(rec, "published"),
                "published",
                Severity::Warning,
                &p_text(p),
                format!("批复后第 {days} 日"),
                "late_publication",
                format!(
                    "批复日期 {}，公开日期 {}，相隔 {days} 日，超过预算法第十四条规定的 20 日",
                    p_text(a),
                    p_text(p)
                ),
            );
        }
    }
}

fn p_text((y, m, d): (i32, u32, u32)) -> String {
    format!("{y}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 (proleptic Gregorian), for date differences without a clock.
fn days_from_civil((y, m, d): (i32, u32, u32)) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil((1970, 1, 1)), 0);
        assert_eq!(
            days_from_civil((2024, 3, 1)) - days_from_civil((2024, 2, 1)),
            29
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero_by_default() {
        let d: Decimal = "0.242450".parse().unwrap();
        assert_eq!(at_precision(Kind::Rate, d, 2, Rounding::HalfUp), "24.25%");
        assert_eq!(at_precision(Kind::Rate, d, 2, Rounding::HalfEven), "24.24%");
    }
}
