//! Stage 3, compute: every figure of format.md's "Computed figures" table, in exact
//! decimal arithmetic, for every record; and beside each figure the value the document
//! published, and the values the usual mistakes would have given (for the checker).
//! Nothing here rounds: rates are exact fractions until display.

mod indicators;
mod tables;

pub use indicators::{Achievement, Op, Target, parse_target};

use crate::model::{Content, Record, RecordBody, Scheme, Span};
use crate::num::{Num, Stated};

use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// A computed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Calc {
    /// An exact number (a rate is a fraction: 0.2424, not 24.24).
    Num(Decimal),
    /// A computed word (等次).
    Text(String),
    /// Not computable, and why (shown as 「—」).
    Missing(&'static str),
}

impl Calc {
    /// The number, if there is one.
    pub fn num(&self) -> Option<Decimal> {
        match self {
            Calc::Num(d) => Some(*d),
            _ => None,
        }
    }
}

/// Why a value is missing.
pub const NO_DATA: &str = "缺少数据";
/// Division by zero.
pub const ZERO_BASE: &str = "分母为零";
/// A result beyond the range of exact decimals (about 7.9 × 10²⁸).
pub const OVERFLOW: &str = "数值超出可计算范围";

/// What a figure measures; decides display and comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 万元 (or the row's unit).
    Amount,
    /// A fraction shown as a percentage.
    Rate,
    /// 分.
    Score,
    /// 人 and other counts.
    Count,
    /// 等次.
    Grade,
}

/// A published figure that a figure is compared with: the text as printed and where.
#[derive(Debug, Clone)]
pub struct Published {
    /// As printed.
    pub text: String,
    /// Where, in the record's file.
    pub span: Span,
    /// Its field path (`three_public[1].stated_control_rate`).
    pub path: String,
}

impl Published {
    /// A `stated_` value at `path`.
    pub fn stated(s: &Stated, path: String) -> Published {
        Published {
            text: s.text.clone(),
            span: s.span.clone(),
            path,
        }
    }

    /// A printed number at `path` that is itself a computable figure (a 合计 cell).
    pub fn num(n: &Num, path: String) -> Published {
        Published {
            text: crate::num::decimal_string(&n.value),
            span: n.span.clone(),
            path,
        }
    }
}

/// A likely mistake: the value a document would show had it made it.
#[derive(Debug, Clone)]
pub struct Alt {
    /// Stable cause code (see `check::Cause`).
    pub cause: &'static str,
    /// The value that mistake gives.
    pub value: Decimal,
}

/// One computed figure of a record.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Field path of the published value (`three_public[1].stated_control_rate`), or a
    /// name for a figure the document does not print (`budget.execution_rate`).
    pub path: Box<str>,
    /// What it is, in Chinese (「公务接待费 控制率」).
    pub label: Box<str>,
    /// Kind of figure.
    pub kind: Kind,
    /// The computed value.
    pub value: Calc,
    /// How it was computed (「1.31 ÷ 10」), for notes.
    pub formula: Box<str>,
    /// The published value it is checked against.
    pub published: Option<Published>,
    /// Values the usual mistakes give.
    pub alts: Vec<Alt>,
    /// For an unsigned published change: the direction word printed with it (增加/减少).
    pub direction: Option<Box<Published>>,
    /// Number of summed parts when the figure is a sum (for 尾数误差).
    pub terms: usize,
}

/// Everything computed for one record.
#[derive(Debug, Default)]
pub struct RecordFigures {
    /// Figures in computation (= source) order.
    pub figures: Vec<Figure>,
    /// Indices into `figures` in path order (of two figures with one path, the later
    /// last), filled by [`RecordFigures::seal`] once the record is computed: a sorted
    /// index rather than a map keyed by copies of the paths, which took a tenth of a
    /// province's memory.
    by_path: Vec<u32>,
    /// Indicator achievement, by indicator path (`indicators[3]`).
    pub achievements: BTreeMap<String, Achievement>,
    /// The scheme this record is scored by.
    pub scheme: Option<Scheme>,
    /// Whether a prior-year record of the same department joined.
    pub prior_year: Option<i32>,
}

impl RecordFigures {
    /// The figure at `path` (of two with one path, the later).
    pub fn get(&self, path: &str) -> Option<&Figure> {
        if self.by_path.len() != self.figures.len() {
            // Not sealed yet (while computing): the figures so far, latest first.
            return self.figures.iter().rev().find(|f| &*f.path == path);
        }
        let at = self
            .by_path
            .partition_point(|&i| &*self.figures[i as usize].path <= path);
        let i = *self.by_path.get(at.checked_sub(1)?)? as usize;
        (&*self.figures[i].path == path).then(|| &self.figures[i])
    }

    fn push(&mut self, f: Figure) {
        self.figures.push(f);
    }

    /// Indexes the figures by path, once all are computed.
    fn seal(&mut self) {
        // Most figures have one or two alternatives; a vector grown by pushing holds four.
        for f in &mut self.figures {
            f.alts.shrink_to_fit();
        }
        self.figures.shrink_to_fit();
        let figures = &self.figures;
        let mut idx: Vec<u32> = (0..figures.len() as u32).collect();
        // Stable: figures with one path stay in computation order.
        idx.sort_by(|&a, &b| figures[a as usize].path.cmp(&figures[b as usize].path));
        self.by_path = idx;
    }
}

/// Computed figures for the whole site: `[department][record]`, parallel to `Content`.
#[derive(Debug, Default)]
pub struct Computed {
    /// Per department, per record (same order as `Content`).
    pub records: Vec<Vec<RecordFigures>>,
}

impl Computed {
    /// Figures of record `r` of department `d`.
    pub fn record(&self, d: usize, r: usize) -> &RecordFigures {
        &self.records[d][r]
    }
}

/// Computes every record of the site.
pub fn compute(content: &Content) -> Computed {
    use rayon::prelude::*;
    let site_scheme = Scheme::defaults().with(&content.site.scheme);
    let records = content
        .departments
        .par_iter()
        .with_max_len(1)
        .map(|dept| department(&site_scheme, dept))
        .collect();
    Computed { records }
}

/// Computes every record of one department (records only compare with their own
/// department's), under the site's scheme `site_scheme`.
pub fn department(site_scheme: &Scheme, dept: &crate::model::Department) -> Vec<RecordFigures> {
    let dept_scheme = match &dept.info.scheme {
        Some(o) => site_scheme.with(o),
        None => site_scheme.clone(),
    };
    dept.records
        .iter()
        .map(|rec| {
            let prior = dept
                .records
                .iter()
                .find(|p| p.year == rec.year - 1 && p.kind == rec.kind);
            compute_record(rec, prior, &dept_scheme)
        })
        .collect()
}

/// The site's scheme (the defaults with `site.toml`'s changes).
pub fn site_scheme(content: &Content) -> Scheme {
    scheme_of(&content.site)
}

/// The site's scheme: the defaults with `site.toml`'s overrides.
pub fn scheme_of(site: &crate::model::SiteConfig) -> Scheme {
    Scheme::defaults().with(&site.scheme)
}

/// Recomputes record `r` of department `d` (after it, or the record of the year before,
/// changed).
pub fn recompute(content: &Content, computed: &mut Computed, d: usize, r: usize) {
    let site_scheme = Scheme::defaults().with(&content.site.scheme);
    let dept = &content.departments[d];
    let scheme = match &dept.info.scheme {
        Some(o) => site_scheme.with(o),
        None => site_scheme,
    };
    let rec = &dept.records[r];
    let prior = dept
        .records
        .iter()
        .find(|p| p.year == rec.year - 1 && p.kind == rec.kind);
    computed.records[d][r] = compute_record(rec, prior, &scheme);
}

/// Computes one record; `prior` is the same department's record of the year before.
pub fn compute_record(rec: &Record, prior: Option<&Record>, dept_scheme: &Scheme) -> RecordFigures {
    let mut out = RecordFigures::default();
    match &rec.body {
        RecordBody::Evaluation(e) => {
            let scheme = match &e.scheme {
                Some(o) => dept_scheme.with(o),
                None => dept_scheme.clone(),
            };
            let prior = prior.and_then(|p| match &p.body {
                RecordBody::Evaluation(pe) => Some(pe.as_ref()),
                RecordBody::Targets(_) => None,
            });
            out.prior_year = prior.map(|p| p.year.value.try_into().unwrap_or_default());
            tables::evaluation(e, prior, &scheme, &mut out);
            out.scheme = Some(scheme);
        }
        RecordBody::Targets(t) => {
            tables::targets(t, dept_scheme, &mut out);
            out.scheme = Some(dept_scheme.clone());
        }
    }
    out.seal();
    out
}

// ------------------------------------------------------------ arithmetic helpers

/// Sum of the figures present; missing when none is.
pub fn sum<'a>(parts: impl IntoIterator<Item = Option<&'a Num>>) -> Calc {
    let mut total: Option<Decimal> = None;
    for p in parts.into_iter().flatten() {
        match total.unwrap_or(Decimal::ZERO).checked_add(p.value) {
            Some(t) => total = Some(t),
            None => return Calc::Missing(OVERFLOW),
        }
    }
    total.map_or(Calc::Missing(NO_DATA), Calc::Num)
}

/// `a / b`, missing when either is missing or `b` is zero.
pub fn ratio(a: &Calc, b: &Calc) -> Calc {
    match (a, b) {
        (Calc::Num(_), Calc::Num(b)) if b.is_zero() => Calc::Missing(ZERO_BASE),
        (Calc::Num(a), Calc::Num(b)) => a
            .checked_div(*b)
            .map_or(Calc::Missing(ZERO_BASE), Calc::Num),
        _ => Calc::Missing(NO_DATA),
    }
}

/// `a × b`.
pub fn product(a: Decimal, b: Decimal) -> Calc {
    a.checked_mul(b).map_or(Calc::Missing(OVERFLOW), Calc::Num)
}

/// `a − b`.
pub fn diff(a: &Calc, b: &Calc) -> Calc {
    match (a, b) {
        (Calc::Num(a), Calc::Num(b)) => {
            a.checked_sub(*b).map_or(Calc::Missing(OVERFLOW), Calc::Num)
        }
        _ => Calc::Missing(NO_DATA),
    }
}

/// A number as a value.
pub fn val(n: Option<&Num>) -> Calc {
    n.map_or(Calc::Missing(NO_DATA), |n| Calc::Num(n.value))
}

/// The text of a number for formulas: at most four decimals, no trailing zeros, 「—」
/// when missing. Written where it is formatted rather than into a string of its own.
pub fn show(c: &Calc) -> Shown<'_> {
    Shown(c)
}

/// A value as [`show`] writes it.
pub struct Shown<'a>(&'a Calc);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Calc::Num(d) => crate::num::Plain(
                &d.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                    .normalize(),
            )
            .fmt(f),
            Calc::Text(t) => f.write_str(t),
            Calc::Missing(_) => f.write_str("—"),
        }
    }
}
