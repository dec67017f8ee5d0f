//! The format's rules beyond types: what serde cannot say. Amounts are never negative
//! or absurd, weights and scores lie in 0–100, a published rate is written as printed
//! text, rows are not repeated, names are not empty, `private`, `show` and `states` name
//! real fields, `form`, `order` and `figure` take known values, and a redacted section
//! gives its reason.
//!
//! Rules report a field path; the path is located in the file (line and column) only
//! when there is something to report, so a valid file pays nothing for it.

use crate::diag::Diagnostic;
use crate::model::*;
use crate::num::{Num, NumOrText, Stated};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::de::DeserializeOwned;
use std::cell::OnceCell;
use std::fmt::Display;
use std::ops::RangeInclusive;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Years a record may be for (folder name and `year`): disclosures of budget performance
/// began in the 2010s; a year outside this range is a typo.
pub const YEARS: RangeInclusive<i32> = 2000..=2099;

/// The largest amount accepted, in 万元 (10¹² 万元 = 10¹⁶ 元, about 300 times the
/// national budget): a larger figure is a unit or typing mistake, and the bound keeps
/// every computed figure far inside the range of exact decimals.
const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// Decimals an amount in 万元 may have: 0.000001 万元 is one 分.
const AMOUNT_DECIMALS: u32 = 6;

/// Known printed layouts (`form`).
pub const FORMS: [&str; 5] = [
    "hunan-dept-selfeval",
    "hunan-dept-targets",
    "hunan-project-selfeval",
    "project-selfeval",
    "yunnan-dept-selfeval",
];

/// Parts of a record (`order`).
pub const PARTS: [&str; 3] = ["form", "report", "projects"];

/// Computed figures an indicator may report (`figure`).
pub const FIGURES: [&str; 6] = [
    "execution_rate",
    "adjustment_rate",
    "carryover_rate",
    "procurement_rate",
    "public_control_rate",
    "three_public_control_rate",
];

/// A file type whose values the format constrains beyond their types.
pub trait Validate {
    /// What to do about an empty file of this type.
    const EMPTY_HELP: &'static str;
    /// Reports every rule this value breaks.
    fn validate(&self, v: &mut Validator);
}

struct Problem {
    path: String,
    message: String,
    help: Option<String>,
    /// Path of the row this one repeats.
    first: Option<String>,
}

/// Collects the problems of one file, by field path.
pub struct Validator<'a> {
    source: &'a SourceFile,
    tree: OnceCell<Option<Spanned<DeTable<'a>>>>,
    /// The quick path's tree of the file, when it takes the file.
    quick: OnceCell<Option<super::fast::Tree<'a>>>,
    problems: Vec<Problem>,
}

/// `prefix.field`; either may be empty. The prefix is a `Display` so that a row's path
/// (`projects[3].funds[1]`) is formatted only when a problem is reported: formatting it
/// for every row took a fortieth of `check`.
fn join(prefix: impl Display, field: &str) -> String {
    let mut path = prefix.to_string();
    if !path.is_empty() && !field.is_empty() {
        path.push('.');
    }
    path.push_str(field);
    path
}

impl<'a> Validator<'a> {
    /// A validator for `source`.
    pub fn new(source: &'a SourceFile) -> Self {
        Validator {
            source,
            tree: OnceCell::new(),
            quick: OnceCell::new(),
            problems: Vec::new(),
        }
    }

    fn tree(&self) -> Option<&DeTable<'a>> {
        self.tree
            .get_or_init(|| DeTable::parse(&self.source.text).ok())
            .as_ref()
            .map(|t| t.get_ref())
    }

    /// Reports a problem at `path`.
    pub fn report(&mut self, path: String, message: String, help: Option<String>) {
        self.problems.push(Problem {
            path,
            message,
            help,
            first: None,
        });
    }

    /// The problems as diagnostics, leaving out those at or under `skip` (fields that
    /// were already reported as wrongly typed and removed).
    pub fn finish(mut self, skip: &[String]) -> Vec<Diagnostic> {
        let under = |p: &str, s: &String| {
            p == s
                || p.strip_prefix(s.as_str())
                    .is_some_and(|r| r.starts_with(['.', '[']))
        };
        let problems: Vec<Problem> = std::mem::take(&mut self.problems)
            .into_iter()
            .filter(|p| !skip.iter().any(|s| under(&p.path, s)))
            .collect();
        problems
            .into_iter()
            .map(|p| {
                let mut message = p.message;
                if let Some(first) = &p.first {
                    let (line, _) = self.source.line_col(self.offset(first));
                    message.push_str(&format!(
                        "；第一次出现在第 {line} 行 (first at line {line})"
                    ));
                }
                let d = Diagnostic::at(self.source, self.offset(&p.path), &p.path, &message);
                match p.help {
                    Some(h) => d.with_help(h),
                    None => d,
                }
            })
            .collect()
    }

    /// The value at `path` in the file, if written, and the byte offset of it or of its
    /// nearest written ancestor.
    fn lookup(&self, path: &str) -> (Option<&Spanned<DeValue<'a>>>, usize) {
        let Some(root) = self.tree() else {
            return (None, 0);
        };
        let mut current: Option<&Spanned<DeValue<'a>>> = None;
        let mut at = 0;
        for seg in segments(path) {
            let next = match (seg, current.map(Spanned::get_ref)) {
                (Seg::Key(k), None) => root.get(k),
                (Seg::Key(k), Some(DeValue::Table(t))) => t.get(k),
                (Seg::Index(i), Some(DeValue::Array(a))) => a.get(i),
                _ => None,
            };
            let Some(next) = next else {
                return (None, at);
            };
            at = next.span().start;
            current = Some(next);
        }
        (current, at)
    }

    /// Byte offset of the value at `path`, or of its nearest written ancestor.
    pub fn offset(&self, path: &str) -> usize {
        self.lookup(path).1
    }

    /// Number of elements of the array at `path` in the file (0 when absent). Read from
    /// the quick path's tree when it takes the file: a second reading by `toml` (for a
    /// `private` path with an index, in one record of thirty) was a twenty-fifth of `check`.
    fn array_len(&self, path: &str) -> usize {
        let quick = self
            .quick
            .get_or_init(|| super::fast::Tree::parse(&self.source.text));
        if let Some(tree) = quick {
            return tree.array_len(&segments(path));
        }
        match self.lookup(path).0.map(Spanned::get_ref) {
            Some(DeValue::Array(a)) => a.len(),
            _ => 0,
        }
    }

    fn at(&mut self, p: impl Display, field: &str, message: String, help: Option<String>) {
        self.report(join(p, field), message, help);
    }

    /// An amount in 万元 that is never negative.
    fn amount(&mut self, p: impl Display + Copy, field: &str, n: Option<&Num>) {
        let Some(n) = n else { return };
        if n.value.is_sign_negative() && !n.value.is_zero() {
            self.at(
                p,
                field,
                format!(
                    "金额不能为负数，实为 {} (an amount cannot be negative)",
                    n.value
                ),
                Some(
                    "请核对原文；结余、调整数等可为负的数在各自的字段中 (check the source)".into(),
                ),
            );
        }
        self.signed_amount(p, field, Some(n));
    }

    /// An amount in 万元 that may be negative (结余, 调整数, 同比).
    fn signed_amount(&mut self, p: impl Display, field: &str, n: Option<&Num>) {
        let Some(n) = n else { return };
        if n.value.abs() > MAX_AMOUNT {
            self.at(
                p,
                field,
                format!(
                    "金额 {} 万元超出合理范围（绝对值不超过 10^12 万元） (amount out of range: at most 10^12 万元)",
                    n.value
                ),
                Some("金额以万元为单位；请检查是否把元写成了万元，或多写了数字 (amounts are in 万元)".into()),
            );
        } else if n.value.scale() > AMOUNT_DECIMALS {
            self.at(
                p,
                field,
                format!(
                    "金额最多 {AMOUNT_DECIMALS} 位小数（0.000001 万元即 1 分），实为 {} 位 (an amount in 万元 has at most {AMOUNT_DECIMALS} decimals)",
                    n.value.scale()
                ),
                None,
            );
        }
    }

    /// A number in a row with its own unit (人次, 件): only its size is bounded.
    fn quantity(&mut self, p: impl Display, field: &str, n: Option<&Num>) {
        let Some(n) = n else { return };
        if n.value.abs() > MAX_AMOUNT {
            self.at(
                p,
                field,
                format!(
                    "数值 {} 超出合理范围（绝对值不超过 10^12） (number out of range: at most 10^12)",
                    n.value
                ),
                None,
            );
        }
    }

    /// A head count: a whole number, never negative.
    fn count(&mut self, p: impl Display, field: &str, n: Option<&Num>) {
        let Some(n) = n else { return };
        if n.value.is_sign_negative() || !n.value.fract().is_zero() || n.value > MAX_AMOUNT {
            self.at(
                p,
                field,
                format!(
                    "人数应为不小于 0 的整数，实为 {} (a head count is a whole number, 0 or more)",
                    n.value
                ),
                None,
            );
        }
    }

    /// 分值 or 得分: between 0 and 100.
    fn points(&mut self, p: impl Display, field: &str, n: Option<&Num>) {
        let Some(n) = n else { return };
        if n.value.is_sign_negative() && !n.value.is_zero() || n.value > Decimal::ONE_HUNDRED {
            let (zh, en) = match field {
                "score" => ("得分", "a score"),
                "min" => ("等次的最低分", "a grade's lowest score"),
                _ => ("分值", "a weight"),
            };
            self.at(
                p,
                field,
                format!(
                    "{zh}应在 0 到 100 之间，实为 {} ({en} is between 0 and 100)",
                    n.value
                ),
                Some("满分为 100 分；请核对原文 (scores are out of 100)".into()),
            );
        }
    }

    /// A published rate: the printed text, never a bare TOML number (24.24 could be
    /// 24.24% or 0.2424).
    fn rate(&mut self, p: impl Display, field: &str, s: Option<&Stated>) {
        let Some(s) = s else { return };
        let written = self.source.text.get(s.span.clone()).unwrap_or("");
        if !written.is_empty() && !written.starts_with(['"', '\'']) {
            let key = field.rsplit('.').next().unwrap_or(field);
            self.at(
                p,
                field,
                format!(
                    "公开的比率应按原文写成文本，不能写成数字 {written} (a published rate is written as the printed text, not as a number)"
                ),
                Some(format!(
                    "写作 `{key} = \"{written}%\"`；原文未印百分号时写 `\"{written}\"` (write it as printed, e.g. \"{written}%\")"
                )),
            );
        }
    }

    /// A name that must be given.
    fn required(&mut self, p: impl Display, field: &str, s: &str, zh: &str) {
        if s.trim().is_empty() {
            self.at(
                p,
                field,
                format!("{zh} `{field}` 不能为空 (`{field}` must not be empty)"),
                Some(format!(
                    "写明{zh} (write the {})",
                    if field.is_empty() { "name" } else { field }
                )),
            );
        }
    }

    /// Row `row`, whose `key` must not repeat: reports it against the first row with that
    /// key. `path` gives a row's field path, formatted only for a repeat.
    fn unique<K: RowKey>(
        &mut self,
        seen: &mut Seen<K>,
        key: K,
        row: usize,
        path: impl Fn(usize) -> String,
        what: &str,
        help: &str,
    ) {
        if key.blank() {
            return;
        }
        if let Some(&first) = seen.get(&key) {
            self.problems.push(Problem {
                path: path(row),
                message: format!("{what}「{key}」重复 (duplicate row)"),
                help: Some(help.to_string()),
                first: Some(path(first)),
            });
        } else {
            seen.insert(key, row);
        }
    }

    /// A value that must be one of `known`.
    fn one_of(&mut self, path: impl Display, value: &str, known: &[&str], zh: &str) {
        if !known.contains(&value) {
            let mut help = format!("可用 (known values): {}", known.join(", "));
            if let Some(best) = did_you_mean(value, known.iter().copied()) {
                help = format!("是否应为 `{best}`？(did you mean `{best}`?) {help}");
            }
            self.report(
                path.to_string(),
                format!("未知的{zh} `{value}` (unknown value)"),
                Some(help),
            );
        }
    }

    /// `private` key paths the site cannot withhold (a row of a table whose total it
    /// computes, a single figure inside a block): refused, never silently published.
    fn withholdable(&mut self, paths: &[String], ty: Ty, kind: crate::model::RecordKind) {
        for (i, path) in paths.iter().enumerate() {
            if self.key_path(path, ty).is_ok() && !crate::site::private::can_withhold(kind, path) {
                self.report(
                    format!("private[{i}]"),
                    format!(
                        "`{path}` 不能单独不公开：网站无法只隐去这一项（合计等核算结果会透露它） (the site cannot withhold `{path}` alone; its totals would reveal it)"
                    ),
                    Some(
                        "请改为不公开整块，如 `budget`、`three_public`、`projects[0]` (withhold the whole block instead)"
                            .to_string(),
                    ),
                );
            }
        }
    }

    /// Key paths (`private`, `show`, `states`) that must name fields of `ty`.
    fn key_paths(&mut self, field: impl Display, paths: &[String], ty: Ty, what: &str) {
        for (i, path) in paths.iter().enumerate() {
            if let Err((message, help)) = self.key_path(path, ty) {
                self.report(
                    format!("{field}[{i}]"),
                    format!("{what} `{path}` 不是有效的字段路径：{message}"),
                    help,
                );
            }
        }
    }

    fn key_path(&self, path: &str, root: Ty) -> Result<(), (String, Option<String>)> {
        let mut ty = root;
        let mut walked = String::new();
        for part in path.split('.') {
            let (name, index) = match part.split_once('[') {
                None => (part, None),
                Some((name, rest)) => match rest.strip_suffix(']').and_then(|n| n.parse().ok()) {
                    Some(i) => (name, Some(i)),
                    None => (name, Some(usize::MAX)),
                },
            };
            if name.is_empty() || index == Some(usize::MAX) {
                return Err((
                    "写法应为 `contact.phone`、`sections[2]` 这样的键路径 (expected a key path such as `contact.phone` or `sections[2]`)".into(),
                    None,
                ));
            }
            if ty == Ty::Map {
                return Ok(());
            }
            let fields = ty.fields();
            if !fields.contains(&name) {
                let place = if walked.is_empty() {
                    "文件顶层".to_string()
                } else {
                    format!("`{walked}` 下")
                };
                let help = did_you_mean(name, fields.iter().copied())
                    .map(|b| {
                        let full = join(&walked, b);
                        format!("是否应为 `{full}`？(did you mean `{full}`?)")
                    })
                    .or_else(|| {
                        walked
                            .is_empty()
                            .then(|| nested_field(root, name))
                            .flatten()
                            .map(|full| format!("是否应为 `{full}`？(did you mean `{full}`?)"))
                    });
                return Err((format!("{place}没有字段 `{name}` (names no field)"), help));
            }
            let (child, list) = ty.child(name);
            walked = join(&walked, name);
            if let Some(i) = index {
                if !list {
                    return Err((
                        format!("`{walked}` 不是列表，不能加序号 (not a list)"),
                        None,
                    ));
                }
                let len = self.array_len(&walked);
                if i >= len {
                    return Err((
                        format!(
                            "本文件的 `{walked}` 只有 {len} 项（序号从 0 起） (`{walked}` has {len} entries, counted from 0)"
                        ),
                        None,
                    ));
                }
                walked.push_str(&format!("[{i}]"));
            }
            ty = child;
        }
        Ok(())
    }

    fn scheme(&mut self, p: &str, s: Option<&SchemeOverride>) {
        let Some(grades) = s.and_then(|s| s.grades.as_ref()) else {
            return;
        };
        let p = join(p, "grades");
        if grades.is_empty() {
            self.report(
                p.clone(),
                "等次不能为空 (grades must not be empty)".into(),
                Some("至少写一个 [[scheme.grades]]，或删去 grades 使用默认等次 (write at least one band, or none to use the defaults)".into()),
            );
        }
        let mut seen = Seen::default();
        for (i, g) in grades.iter().enumerate() {
            let row = format!("{p}[{i}]");
            self.points(&row, "min", Some(&g.min));
            self.required(&row, "label", &g.label, "等次名称");
            self.unique(
                &mut seen,
                g.label.as_str(),
                i,
                |i| format!("{p}[{i}].label"),
                "等次",
                "每个等次只写一次 (each grade once)",
            );
            let in_range = |v: Decimal| (Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&v);
            if i > 0
                && in_range(g.min.value)
                && in_range(grades[i - 1].min.value)
                && g.min.value >= grades[i - 1].min.value
            {
                self.at(
                    &row,
                    "min",
                    format!(
                        "等次须按分数从高到低排列：{} 不低于上一档的 {} (grades go from the highest band down)",
                        g.min.value,
                        grades[i - 1].min.value
                    ),
                    None,
                );
            }
        }
    }

    fn year(&mut self, year: &Num) {
        let ok =
            year.value.fract().is_zero() && year.value.to_i32().is_some_and(|y| YEARS.contains(&y));
        if !ok {
            self.report(
                "year".into(),
                format!(
                    "年度应为 {}–{} 之间的四位整数，实为 {} (a year is a four-digit number from {} to {})",
                    YEARS.start(),
                    YEARS.end(),
                    year.value,
                    YEARS.start(),
                    YEARS.end()
                ),
                None,
            );
        }
    }

    fn order(&mut self, order: Option<&Vec<String>>) {
        let Some(order) = order else { return };
        if order.is_empty() {
            self.report(
                "order".into(),
                "组成顺序不能为空 (order must not be empty)".into(),
                Some("删去 order 使用默认顺序 [\"form\", \"projects\", \"report\"] (remove it for the default)".into()),
            );
        }
        let mut seen = Seen::default();
        for (i, part) in order.iter().enumerate() {
            self.one_of(format_args!("order[{i}]"), part, &PARTS, "组成部分");
            self.unique(
                &mut seen,
                part.as_str(),
                i,
                |i| format!("order[{i}]"),
                "组成部分",
                "每部分只写一次 (each part once)",
            );
        }
    }

    fn form(&mut self, form: Option<&String>) {
        if let Some(form) = form {
            self.one_of("form", form, &FORMS, "表式");
        }
    }

    fn sections(&mut self, sections: &[Section], root: Ty) {
        for (i, s) in sections.iter().enumerate() {
            let p = format_args!("sections[{i}]");
            if let Some(level) = s.level
                && !(1..=4).contains(&level)
            {
                self.at(
                    p,
                    "level",
                    format!("标题层级应为 1–4，实为 {level} (a heading level is 1 to 4)"),
                    Some("一、 = 1，（一） = 2，1、 = 3，(1) = 4".into()),
                );
            }
            if s.redacted && s.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                self.at(
                    p,
                    "reason",
                    "涉密章节（redacted = true）须写明不公开的理由 (a redacted section needs a `reason`)".into(),
                    Some("加上 reason = \"……\"，页面会在「内容涉密，不予公开」旁显示该理由 (the page shows it)".into()),
                );
            }
            self.key_paths(format_args!("{p}.show"), &s.show, root, "show");
            self.key_paths(format_args!("{p}.states"), &s.states, root, "states");
        }
    }

    fn indicators(
        &mut self,
        p: impl Display + Copy,
        groups: &[IndicatorGroup],
        inds: &[Indicator],
    ) {
        let mut seen = Seen::default();
        for (i, g) in groups.iter().enumerate() {
            let row = format_args!("{p}indicator_groups[{i}]");
            self.required(row, "level1", &g.level1, "一级指标");
            self.points(row, "weight", g.weight.as_ref());
            self.points(row, "score", g.score.as_ref());
            let key = Parts([Some(&*g.level1), g.level2.as_deref(), None]);
            self.unique(
                &mut seen,
                key,
                i,
                |i| format!("{p}indicator_groups[{i}].level1"),
                "指标分组",
                "每个分组只写一次 (each group once)",
            );
        }
        let mut seen = Seen::default();
        for (i, ind) in inds.iter().enumerate() {
            let row = format_args!("{p}indicators[{i}]");
            self.points(row, "weight", ind.weight.as_ref());
            self.points(row, "score", ind.score.as_ref());
            if let Some(NumOrText::Num(n)) = &ind.value {
                self.quantity(row, "value", Some(n));
            }
            if let Some(f) = &ind.figure {
                self.one_of(format_args!("{row}.figure"), f, &FIGURES, "核算指标");
            }
            if let Some(name) = ind.name.as_deref().filter(|n| !n.trim().is_empty()) {
                let key = Parts([ind.level1.as_deref(), ind.level2.as_deref(), Some(name)]);
                self.unique(
                    &mut seen,
                    key,
                    i,
                    |i| format!("{p}indicators[{i}].name"),
                    "同一分组中的指标",
                    "同一分组内指标名称不重复；若原文确有两行同名，请合并或在名称后注明区别 (names are unique within a group)",
                );
            }
        }
    }

    fn task(&mut self, p: impl Display + Copy, t: &TaskRow) {
        self.amount(p, "budget", t.budget.as_ref());
        self.amount(p, "fiscal", t.fiscal.as_ref());
        self.amount(p, "other", t.other.as_ref());
        self.amount(p, "executed", t.executed.as_ref());
        self.rate(p, "stated_rate", t.stated_rate.as_ref());
    }

    fn project(&mut self, p: impl Display + Copy, proj: &Project) {
        self.required(p, "name", &proj.name, "项目名称");
        self.amount(p, "amount", proj.amount.as_ref());
        self.amount(p, "local_amount", proj.local_amount.as_ref());
        self.amount(p, "higher_level_amount", proj.higher_level_amount.as_ref());
        let mut seen = Seen::default();
        for (i, f) in proj.funds.iter().enumerate() {
            let row = format_args!("{p}.funds[{i}]");
            self.required(row, "source", &f.source, "资金来源");
            self.amount(row, "initial", f.initial.as_ref());
            self.amount(row, "adjusted", f.adjusted.as_ref());
            self.amount(row, "executed", f.executed.as_ref());
            self.points(row, "weight", f.weight.as_ref());
            self.rate(row, "stated_rate", f.stated_rate.as_ref());
            self.unique(
                &mut seen,
                f.source.as_str(),
                i,
                |i| format!("{p}.funds[{i}].source"),
                "资金来源",
                "每种资金来源只写一行 (one row per source)",
            );
        }
        self.indicators(
            format_args!("{p}."),
            &proj.indicator_groups,
            &proj.indicators,
        );
    }

    fn department(&mut self, p: &str, d: &DepartmentInfo) {
        for (field, units) in [
            ("internal_units", &d.internal_units),
            ("subordinate_units", &d.subordinate_units),
        ] {
            for (i, u) in units.iter().flatten().enumerate() {
                let name = match u {
                    UnitName::Name(n) | UnitName::Noted { name: n, .. } => n,
                };
                let row = format_args!("{field}[{i}]");
                if p.is_empty() {
                    self.required(row, "", name, "单位名称");
                } else {
                    self.required(format_args!("{p}.{row}"), "", name, "单位名称");
                }
            }
        }
        self.scheme(&join(p, "scheme"), d.scheme.as_ref());
    }
}

/// Keys seen in a table's rows, with the first row holding each.
type Seen<K> = foldhash::HashMap<K, usize>;

/// The key of a row that must not repeat.
trait RowKey: Eq + std::hash::Hash + Display {
    /// A blank key is reported as missing, not as repeated.
    fn blank(&self) -> bool;
}

impl RowKey for &str {
    fn blank(&self) -> bool {
        self.trim().is_empty()
    }
}

/// A key of several parts (一级指标 / 二级指标 / 指标名称), compared part by part and
/// shown joined by 「 / 」: no string is built for a row that does not repeat.
#[derive(PartialEq, Eq, Hash)]
struct Parts<'a>([Option<&'a str>; 3]);

impl Display for Parts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, part) in self.0.iter().flatten().enumerate() {
            if i > 0 {
                f.write_str(" / ")?;
            }
            f.write_str(part)?;
        }
        Ok(())
    }
}

impl RowKey for Parts<'_> {
    fn blank(&self) -> bool {
        self.0.iter().flatten().all(|p| p.trim().is_empty())
    }
}

/// Reports, for the rows of a table keyed by `name`, empty and repeated names.
macro_rules! rows {
    ($v:expr, $rows:expr, $table:literal, $key:ident, $zh:literal, |$row:ident, $p:ident| $body:block) => {{
        let mut seen = Seen::default();
        for (i, $row) in $rows.iter().enumerate() {
            let $p = format_args!("{}[{i}]", $table);
            $v.required($p, stringify!($key), &$row.$key, $zh);
            $v.unique(
                &mut seen,
                $row.$key.as_str(),
                i,
                |i| format!("{}[{i}].{}", $table, stringify!($key)),
                $zh,
                "每项只写一行；若原文分列两行，请合并 (one row each)",
            );
            $body
        }
    }};
}

impl Validate for Evaluation {
    const EMPTY_HELP: &'static str =
        "至少写 year = 2023；不需要的文件请删除 (write at least the year, or delete the file)";
    fn validate(&self, v: &mut Validator) {
        v.year(&self.year);
        v.form(self.form.as_ref());
        v.order(self.order.as_ref());
        if let Some(s) = &self.staffing {
            v.count("staffing", "authorized", s.authorized.as_ref());
            v.count("staffing", "actual", s.actual.as_ref());
            v.count("staffing", "retired", s.retired.as_ref());
            for (i, t) in s.by_type.iter().enumerate() {
                let p = format_args!("staffing.by_type[{i}]");
                v.count(p, "authorized", t.authorized.as_ref());
                v.count(p, "actual", t.actual.as_ref());
            }
        }
        if let Some(g) = &self.goals {
            for (i, t) in g.tasks.iter().enumerate() {
                if let Task::Row(r) = t {
                    v.task(format_args!("goals.tasks[{i}]"), r);
                }
            }
        }
        rows!(
            v,
            self.income,
            "income",
            unit,
            "收入情况的单位",
            |r, p| {
                for (f, n) in [
                    ("carryover", &r.carryover),
                    ("general_budget", &r.general_budget),
                    ("fund_budget", &r.fund_budget),
                    ("non_tax", &r.non_tax),
                    ("other", &r.other),
                ] {
                    v.amount(p, f, n.as_ref());
                }
            }
        );
        rows!(
            v,
            self.expenditure,
            "expenditure",
            unit,
            "支出情况的单位",
            |r, p| {
                for (f, n) in [
                    ("basic", &r.basic),
                    ("personnel", &r.personnel),
                    ("public", &r.public),
                    ("project", &r.project),
                    ("remit_upward", &r.remit_upward),
                ] {
                    v.amount(p, f, n.as_ref());
                }
                v.signed_amount(p, "balance", r.balance.as_ref());
                v.signed_amount(p, "accumulated_balance", r.accumulated_balance.as_ref());
                for (k, s) in r.stated_share.iter().flatten() {
                    v.rate(format_args!("{p}.stated_share"), k, Some(s));
                }
            }
        );
        if let Some(b) = &self.budget {
            for (f, n) in [
                ("initial", &b.initial),
                ("adjusted", &b.adjusted),
                ("executed", &b.executed),
                ("carryover_balance", &b.carryover_balance),
                ("procurement_budget", &b.procurement_budget),
                ("procurement_actual", &b.procurement_actual),
                ("public_budget", &b.public_budget),
                ("public_actual", &b.public_actual),
            ] {
                v.amount("budget", f, n.as_ref());
            }
            v.signed_amount("budget", "exempt_adjustment", b.exempt_adjustment.as_ref());
            for (f, s) in [
                ("stated_execution_rate", &b.stated_execution_rate),
                ("stated_adjustment_rate", &b.stated_adjustment_rate),
                ("stated_carryover_rate", &b.stated_carryover_rate),
                ("stated_procurement_rate", &b.stated_procurement_rate),
                ("stated_public_control_rate", &b.stated_public_control_rate),
            ] {
                v.rate("budget", f, s.as_ref());
            }
            for (f, e) in [
                ("by_economic", &b.by_economic),
                ("basic_by_economic", &b.basic_by_economic),
                ("project_by_economic", &b.project_by_economic),
            ] {
                if let Some(e) = e {
                    let p = format_args!("budget.{f}");
                    v.amount(p, "wages", e.wages.as_ref());
                    v.amount(p, "goods_services", e.goods_services.as_ref());
                    v.amount(p, "household", e.household.as_ref());
                    v.amount(p, "capital", e.capital.as_ref());
                }
            }
            for (f, part) in [("basic", &b.basic), ("project", &b.project)] {
                if let Some(part) = part {
                    let p = format_args!("budget.{f}");
                    v.amount(p, "initial", part.initial.as_ref());
                    v.amount(p, "adjusted", part.adjusted.as_ref());
                    v.amount(p, "executed", part.executed.as_ref());
                    v.rate(
                        p,
                        "stated_execution_rate",
                        part.stated_execution_rate.as_ref(),
                    );
                }
            }
        }
        rows!(
            v,
            self.three_public,
            "three_public",
            item,
            "三公经费项目",
            |r, p| {
                v.amount(p, "budget", r.budget.as_ref());
                v.amount(p, "actual", r.actual.as_ref());
                v.amount(p, "prior_actual", r.prior_actual.as_ref());
                v.rate(p, "stated_control_rate", r.stated_control_rate.as_ref());
                v.rate(p, "stated_change_rate", r.stated_change_rate.as_ref());
            }
        );
        rows!(
            v,
            self.three_public_by_unit,
            "three_public_by_unit",
            unit,
            "三公经费（分机构）的单位",
            |r, p| {
                v.amount(p, "overseas", r.overseas.as_ref());
                v.amount(p, "vehicle_purchase", r.vehicle_purchase.as_ref());
                v.amount(p, "vehicle_operation", r.vehicle_operation.as_ref());
                v.amount(p, "reception", r.reception.as_ref());
            }
        );
        rows!(
            v,
            self.assets,
            "assets",
            unit,
            "固定资产的单位",
            |r, p| {
                v.amount(p, "in_use", r.in_use.as_ref());
                v.amount(p, "rented", r.rented.as_ref());
                v.amount(p, "other", r.other.as_ref());
            }
        );
        rows!(
            v,
            self.project_funds,
            "project_funds",
            name,
            "项目资金使用情况的项目",
            |r, p| {
                v.amount(p, "carryover", r.carryover.as_ref());
                v.amount(p, "initial", r.initial.as_ref());
                v.amount(p, "appropriated", r.appropriated.as_ref());
                v.amount(p, "executed", r.executed.as_ref());
                v.signed_amount(p, "balance", r.balance.as_ref());
            }
        );
        for (i, r) in self.year_over_year.iter().enumerate() {
            let p = format_args!("year_over_year[{i}]");
            v.required(p, "item", &r.item, "同比项目");
            if r.unit.is_none() {
                v.signed_amount(p, "actual", r.actual.as_ref());
                v.signed_amount(p, "prior_actual", r.prior_actual.as_ref());
            } else {
                v.quantity(p, "actual", r.actual.as_ref());
                v.quantity(p, "prior_actual", r.prior_actual.as_ref());
            }
            v.rate(p, "stated_change_rate", r.stated_change_rate.as_ref());
        }
        v.indicators("", &self.indicator_groups, &self.indicators);
        if let Some(s) = &self.score {
            rows!(v, s.parts, "score.parts", name, "得分构成", |r, p| {
                v.points(p, "weight", r.weight.as_ref());
                v.points(p, "score", r.score.as_ref());
            });
        }
        for (i, proj) in self.projects.iter().enumerate() {
            v.project(format_args!("projects[{i}]"), proj);
        }
        v.sections(&self.sections, Ty::Evaluation);
        for (i, e) in self.evaluators.iter().enumerate() {
            v.required(
                format_args!("evaluators[{i}]"),
                "name",
                &e.name,
                "评价人员姓名",
            );
        }
        v.key_paths("private", &self.private, Ty::Evaluation, "private");
        v.withholdable(
            &self.private,
            Ty::Evaluation,
            crate::model::RecordKind::Evaluation,
        );
        if let Some(d) = &self.department {
            v.department("department", d);
        }
        v.scheme("scheme", self.scheme.as_ref());
    }
}

impl Validate for Targets {
    const EMPTY_HELP: &'static str =
        "至少写 year = 2023；不需要的文件请删除 (write at least the year, or delete the file)";
    fn validate(&self, v: &mut Validator) {
        v.year(&self.year);
        v.form(self.form.as_ref());
        v.order(self.order.as_ref());
        for (i, t) in self.tasks.iter().enumerate() {
            v.task(format_args!("tasks[{i}]"), t);
        }
        if let Some(b) = &self.budget {
            for (f, n) in [
                ("total", &b.total),
                ("fiscal", &b.fiscal),
                ("other", &b.other),
                ("basic", &b.basic),
                ("project", &b.project),
            ] {
                v.amount("budget", f, n.as_ref());
            }
        }
        v.indicators("", &self.indicator_groups, &self.indicators);
        for (i, proj) in self.projects.iter().enumerate() {
            v.project(format_args!("projects[{i}]"), proj);
        }
        v.sections(&self.sections, Ty::Targets);
        v.key_paths("private", &self.private, Ty::Targets, "private");
        v.withholdable(
            &self.private,
            Ty::Targets,
            crate::model::RecordKind::Targets,
        );
        if let Some(d) = &self.department {
            v.department("department", d);
        }
    }
}

impl Validate for DepartmentInfo {
    const EMPTY_HELP: &'static str =
        "至少写 name = \"……\"（部门全称） (write at least the department's name)";
    /// `department.toml`: as a record's `[department]`, and `name` is required.
    fn validate(&self, v: &mut Validator) {
        match &self.name {
            None => v.report(
                "name".into(),
                "缺少必填字段 `name`（部门(单位)名称） (missing required key `name`)".into(),
                Some("在 department.toml 中写 name = \"……\"，与公开文件所印名称一致 (write the name as printed)".into()),
            ),
            Some(n) => v.required("", "name", n, "部门(单位)名称"),
        }
        v.department("", self);
    }
}

impl Validate for SiteConfig {
    const EMPTY_HELP: &'static str = "写入网站设置，如 title = \"……\"；或删除此文件，使用默认设置 (write settings, or delete the file for the defaults)";
    fn validate(&self, v: &mut Validator) {
        v.required("", "title", &self.title, "网站标题");
        v.required("", "language", &self.language, "网页语言");
        v.scheme("scheme", Some(&self.scheme));
    }
}

/// The closest of `candidates` to `name`, when it is close enough to be a typo.
pub fn did_you_mean<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = match name.chars().count() {
        0..=3 => 1,
        4..=6 => 2,
        _ => 3,
    };
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance, for "did you mean" hints on a handful of short names.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

// ---------------------------------------------------------------- key paths

/// One step of a field path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seg<'p> {
    /// A key of a table.
    Key(&'p str),
    /// An element of an array.
    Index(usize),
}

/// `three_public[2].budget` → `three_public`, 2, `budget`.
pub fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut pieces = part.split('[');
        if let Some(key) = pieces.next().filter(|k| !k.is_empty()) {
            out.push(Seg::Key(key));
        }
        for idx in pieces {
            if let Some(i) = idx.strip_suffix(']').and_then(|i| i.parse().ok()) {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

/// The tables of the format, for checking key paths.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    Evaluation,
    Targets,
    Department,
    Contact,
    Staffing,
    StaffType,
    Goals,
    GoalYear,
    TaskRow,
    Income,
    Expenditure,
    Budget,
    BudgetPart,
    ByEconomic,
    ThreePublic,
    ThreePublicByUnit,
    Asset,
    ProjectFunds,
    YearOverYear,
    IndicatorGroup,
    Indicator,
    Score,
    ScorePart,
    Project,
    ProjectFund,
    Section,
    Evaluator,
    Signoff,
    TargetsBudget,
    Scheme,
    GradeBand,
    UnitName,
    /// A table with free keys (`stated_share`).
    Map,
    /// A value with no fields.
    Leaf,
}

impl Ty {
    fn fields(self) -> &'static [&'static str] {
        use Ty::*;
        match self {
            Evaluation => fields_of::<crate::model::Evaluation>(),
            Targets => fields_of::<crate::model::Targets>(),
            Department => fields_of::<DepartmentInfo>(),
            Contact => fields_of::<crate::model::Contact>(),
            Staffing => fields_of::<crate::model::Staffing>(),
            StaffType => fields_of::<crate::model::StaffType>(),
            Goals => fields_of::<crate::model::Goals>(),
            GoalYear => fields_of::<crate::model::GoalYear>(),
            TaskRow => fields_of::<crate::model::TaskRow>(),
            Income => fields_of::<IncomeRow>(),
            Expenditure => fields_of::<ExpenditureRow>(),
            Budget => fields_of::<crate::model::Budget>(),
            BudgetPart => fields_of::<crate::model::BudgetPart>(),
            ByEconomic => fields_of::<crate::model::ByEconomic>(),
            ThreePublic => fields_of::<ThreePublicItem>(),
            ThreePublicByUnit => fields_of::<crate::model::ThreePublicByUnit>(),
            Asset => fields_of::<AssetRow>(),
            ProjectFunds => fields_of::<ProjectFundsRow>(),
            YearOverYear => fields_of::<crate::model::YearOverYear>(),
            IndicatorGroup => fields_of::<crate::model::IndicatorGroup>(),
            Indicator => fields_of::<crate::model::Indicator>(),
            Score => fields_of::<crate::model::Score>(),
            ScorePart => fields_of::<crate::model::ScorePart>(),
            Project => fields_of::<crate::model::Project>(),
            ProjectFund => fields_of::<crate::model::ProjectFund>(),
            Section => fields_of::<crate::model::Section>(),
            Evaluator => fields_of::<crate::model::Evaluator>(),
            Signoff => fields_of::<crate::model::Signoff>(),
            TargetsBudget => fields_of::<crate::model::TargetsBudget>(),
            Scheme => fields_of::<SchemeOverride>(),
            GradeBand => fields_of::<crate::model::GradeBand>(),
            UnitName => &["name", "note"],
            Map | Leaf => &[],
        }
    }

    /// The type of `field` and whether it is a list.
    fn child(self, field: &str) -> (Ty, bool) {
        use Ty::*;
        match (self, field) {
            (Evaluation | Targets | Project, "contact") => (Contact, false),
            (Evaluation, "staffing") => (Staffing, false),
            (Staffing, "by_type") => (StaffType, true),
            (Evaluation, "goals") => (Goals, false),
            (Goals | Targets, "tasks") => (TaskRow, true),
            (Goals, "years") => (GoalYear, true),
            (Evaluation, "income") => (Income, true),
            (Evaluation, "expenditure") => (Expenditure, true),
            (Expenditure, "stated_share") => (Map, false),
            (Evaluation, "budget") => (Budget, false),
            (Targets, "budget") => (TargetsBudget, false),
            (Budget, "basic" | "project") => (BudgetPart, false),
            (Budget, "by_economic" | "basic_by_economic" | "project_by_economic") => {
                (ByEconomic, false)
            }
            (Evaluation, "three_public") => (ThreePublic, true),
            (Evaluation, "three_public_by_unit") => (ThreePublicByUnit, true),
            (Evaluation, "assets") => (Asset, true),
            (Evaluation, "project_funds") => (ProjectFunds, true),
            (Evaluation, "year_over_year") => (YearOverYear, true),
            (Evaluation | Targets | Project, "indicator_groups") => (IndicatorGroup, true),
            (Evaluation | Targets | Project, "indicators") => (Indicator, true),
            (Evaluation, "score") => (Score, false),
            (Score, "parts") => (ScorePart, true),
            (Evaluation | Targets, "projects") => (Project, true),
            (Project, "funds") => (ProjectFund, true),
            (Evaluation | Targets, "sections") => (Section, true),
            (Evaluation, "evaluators") => (Evaluator, true),
            (Evaluation | Targets | Project, "signoffs") => (Signoff, true),
            (Evaluation | Targets, "department") => (Department, false),
            (Department, "internal_units" | "subordinate_units") => (UnitName, true),
            (_, "scheme") => (Scheme, false),
            (Scheme, "grades") => (GradeBand, true),
            (_, "notes" | "private" | "order" | "sign" | "show" | "states") => (Leaf, true),
            _ => (Leaf, false),
        }
    }
}

/// `contact.phone` for `phone` at the top of a record: a field one table down.
fn nested_field(root: Ty, name: &str) -> Option<String> {
    root.fields().iter().find_map(|f| {
        let (child, _) = root.child(f);
        (child != Ty::Leaf && child.fields().contains(&name)).then(|| format!("{f}.{name}"))
    })
}

/// The field names of a struct that derives `Deserialize` (serde passes them to
/// `deserialize_struct`), so key paths are checked against the model itself.
fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{Error, Visitor, value};
    struct Probe<'c>(&'c std::cell::Cell<&'static [&'static str]>);
    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, value::Error> {
            Err(value::Error::custom("probe"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, value::Error> {
            self.0.set(fields);
            Err(value::Error::custom("probe"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let cell = std::cell::Cell::new(&[][..]);
    let _ = T::deserialize(Probe(&cell));
    cell.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_amount_is_ten_to_the_twelfth() {
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000i64));
    }

    #[test]
    fn field_lists_come_from_the_model() {
        assert!(Ty::Evaluation.fields().contains(&"three_public"));
        assert!(Ty::Contact.fields().contains(&"phone"));
        assert!(Ty::StaffType.fields().contains(&"type"));
        assert_eq!(
            nested_field(Ty::Evaluation, "phone").as_deref(),
            Some("contact.phone")
        );
    }

    #[test]
    fn every_table_of_a_record_has_its_fields() {
        for root in [Ty::Evaluation, Ty::Targets] {
            for f in root.fields() {
                let (child, _) = root.child(f);
                assert!(
                    matches!(child, Ty::Leaf | Ty::Map) || !child.fields().is_empty(),
                    "{f}"
                );
                for g in child.fields() {
                    let (grandchild, _) = child.child(g);
                    assert!(
                        matches!(grandchild, Ty::Leaf | Ty::Map) || !grandchild.fields().is_empty(),
                        "{f}.{g}"
                    );
                }
            }
        }
    }

    #[test]
    fn key_paths_resolve_against_the_model() {
        let src = SourceFile::new(
            "a/2023/evaluation.toml".into(),
            "year = 2023\n[[sections]]\nbody = \"x\"\n".into(),
        );
        let v = Validator::new(&src);
        for ok in [
            "contact.phone",
            "sections[0]",
            "budget.basic.executed",
            "projects",
            "expenditure.stated_share.basic",
        ] {
            assert!(v.key_path(ok, Ty::Evaluation).is_ok(), "{ok}");
        }
        for bad in [
            "contact.phon",
            "sections[1]",
            "title.x",
            "budget..initial",
            "sections[x]",
            "notes[0]",
        ] {
            assert!(v.key_path(bad, Ty::Evaluation).is_err(), "{bad}");
        }
    }

    #[test]
    fn array_lengths_from_the_quick_tree_agree_with_toml() {
        let text = "year = 2023\nnotes = [\"a\", \"b\"]\nm = [[1, 2, 3], []]\n\
                    [[projects]]\nname = \"p\"\nfunds = [{ a = 1 }, { a = 2 }]\n\
                    [[projects]]\n[[projects.funds]]\n[contact]\nphones = []\n\
                    [budget.basic]\nrows = [1]\n";
        let src = SourceFile::new("a/2023/evaluation.toml".into(), text.into());
        let v = Validator::new(&src);
        let quick = super::super::fast::Tree::parse(text).expect("the quick path takes it");
        let by_toml = |path: &str| match v.lookup(path).0.map(Spanned::get_ref) {
            Some(DeValue::Array(a)) => a.len(),
            _ => 0,
        };
        let paths = [
            "notes",
            "m",
            "m[0]",
            "m[1]",
            "m[2]",
            "projects",
            "projects[0].funds",
            "projects[1].funds",
            "projects[2].funds",
            "contact.phones",
            "budget.basic.rows",
            "budget",
            "year",
            "missing",
            "notes[0]",
            "projects[0].name",
        ];
        let lengths: Vec<usize> = paths
            .iter()
            .map(|p| quick.array_len(&segments(p)))
            .collect();
        assert_eq!(lengths, [2, 2, 3, 0, 0, 2, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0]);
        for (p, len) in paths.iter().zip(lengths) {
            assert_eq!(len, by_toml(p), "{p}");
            assert_eq!(len, v.array_len(p), "{p}");
        }
    }

    #[test]
    fn paths_split_into_keys_and_indexes() {
        assert_eq!(
            segments("projects[1].funds[0].weight"),
            vec![
                Seg::Key("projects"),
                Seg::Index(1),
                Seg::Key("funds"),
                Seg::Index(0),
                Seg::Key("weight")
            ]
        );
    }

    #[test]
    fn a_key_of_parts_shows_them_joined_and_compares_them_one_by_one() {
        let k = Parts([Some("产出指标"), None, Some("办理件数")]);
        assert_eq!(k.to_string(), "产出指标 / 办理件数");
        assert!(!k.blank());
        assert!(Parts([Some(" "), None, None]).blank());
        assert!(!Parts([Some(""), Some("数量指标"), None]).blank());
        // A slash inside a name is not a group boundary.
        assert!(
            Parts([Some("产出 / 数量"), None, None]) != Parts([Some("产出"), Some("数量"), None])
        );
    }

    #[test]
    fn row_paths_are_joined_only_when_written() {
        assert_eq!(
            join(format_args!("projects[{}]", 2), "name"),
            "projects[2].name"
        );
        assert_eq!(join("", "title"), "title");
        assert_eq!(join("department", ""), "department");
    }

    #[test]
    fn did_you_mean_only_for_near_names() {
        assert_eq!(
            did_you_mean("phon", ["name", "phone"].into_iter()),
            Some("phone")
        );
        assert_eq!(did_you_mean("address", ["name", "phone"].into_iter()), None);
    }
}
