//! Which charts each page gets, with their data, tables and summaries: this year against
//! the prior one on record pages, the years of a department, the departments of a year.
//! Where there is nothing comparable the page says so in words.

use super::chart::{ChartKind, ChartView, Series, change_sentence, label, table};
use super::record::Block;
use super::table::Figures;
use crate::check::round;
use crate::model::{Evaluation, GradeBand, Rounding};
use rust_decimal::Decimal;

fn no_chart(title: &str, text: impl Into<String>) -> Block {
    Block::NoChart {
        title: title.to_string(),
        text: text.into(),
    }
}

/// 三公经费: this year against the prior year, item by item (the prior-year record's
/// figures when the site has them, else those the record states).
pub fn three_public(f: &Figures, e: &Evaluation, year: i32) -> Block {
    let title = "“三公”经费：本年与上年比较";
    let mut cats = Vec::new();
    let (mut prior, mut this) = (Vec::new(), Vec::new());
    for (i, r) in e.three_public.iter().enumerate().filter(|(_, r)| !r.total) {
        let joined = f
            .figs
            .get(&format!("three_public[{i}].prior_actual"))
            .and_then(|x| x.value.num());
        let p = joined.or(r.prior_actual.as_ref().map(|n| n.value));
        let a = r.actual.as_ref().map(|n| n.value);
        if p.is_none() && a.is_none() {
            continue;
        }
        cats.push(r.item.clone());
        prior.push(p);
        this.push(a);
    }
    if cats.is_empty() || prior.iter().all(Option::is_none) {
        return no_chart(
            title,
            "无上年可比数（原文未列上年决算数，本站亦无上年记录）",
        );
    }
    let both: Vec<(Decimal, Decimal)> = prior
        .iter()
        .zip(&this)
        .filter_map(|(p, a)| Some(((*p)?, (*a)?)))
        .collect();
    // Saturating: the loader bounds amounts, but this stage must not panic without it.
    let from = both
        .iter()
        .fold(Decimal::ZERO, |s, x| s.saturating_add(x.0));
    let to = both
        .iter()
        .fold(Decimal::ZERO, |s, x| s.saturating_add(x.1));
    let summary = format!(
        "“三公”经费{}。",
        change_sentence(from, to, "万元", f.rounding)
    );
    let series = vec![
        Series {
            name: format!("{}年", year - 1),
            values: prior,
        },
        Series {
            name: format!("{year}年"),
            values: this,
        },
    ];
    Block::Chart(Box::new(ChartView {
        id: "chart-three-public".into(),
        title: title.into(),
        summary,
        unit: "万元".into(),
        kind: ChartKind::Bars,
        table: table(title, "万元", &cats, &series, "项目"),
        categories: cats,
        series,
        bands: vec![],
    }))
}

/// 同比 rows that state both years' amounts in 万元 (those `shown` by index: a record may
/// withhold a row).
pub fn year_over_year(e: &Evaluation, year: i32, shown: &dyn Fn(usize) -> bool) -> Option<Block> {
    let title = "同比情况：本年与上年比较";
    let rows: Vec<_> = e
        .year_over_year
        .iter()
        .enumerate()
        .filter(|(i, _)| shown(*i))
        .map(|(_, r)| r)
        .filter(|r| r.unit.as_deref().is_none_or(|u| u == "万元"))
        .filter_map(|r| {
            Some((
                r.item.clone(),
                r.prior_actual.as_ref()?.value,
                r.actual.as_ref()?.value,
            ))
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let up = rows.iter().filter(|r| r.2 > r.1).count();
    let down = rows.iter().filter(|r| r.2 < r.1).count();
    let biggest = rows
        .iter()
        .max_by_key(|r| r.2.saturating_sub(r.1).abs())
        .map(|r| {
            let d = r.2.saturating_sub(r.1);
            format!(
                "变化最大的是{}（{}{} 万元）",
                r.0,
                if d < Decimal::ZERO {
                    "减少 "
                } else {
                    "增加 "
                },
                label(d.abs())
            )
        });
    let mut summary = format!("{} 个项目中，{up} 项增加、{down} 项减少", rows.len());
    if let Some(b) = biggest {
        summary.push_str(&format!("；{b}"));
    }
    summary.push('。');
    let cats: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let series = vec![
        Series {
            name: format!("{}年", year - 1),
            values: rows.iter().map(|r| Some(r.1)).collect(),
        },
        Series {
            name: format!("{year}年"),
            values: rows.iter().map(|r| Some(r.2)).collect(),
        },
    ];
    Some(Block::Chart(Box::new(ChartView {
        id: "chart-year-over-year".into(),
        title: title.into(),
        summary,
        unit: "万元".into(),
        kind: ChartKind::Bars,
        table: table(title, "万元", &cats, &series, "项目"),
        categories: cats,
        series,
        bands: vec![],
    })))
}

/// One evaluation year of a department.
#[derive(Debug, Clone)]
pub struct YearPoint {
    /// Year.
    pub year: i32,
    /// 年初预算.
    pub initial: Option<Decimal>,
    /// 全年预算.
    pub adjusted: Option<Decimal>,
    /// 实际支出.
    pub executed: Option<Decimal>,
    /// 三公经费决算合计.
    pub three_public: Option<Decimal>,
    /// 预算执行率 (fraction).
    pub rate: Option<Decimal>,
    /// 综合得分.
    pub score: Option<Decimal>,
}

fn pct(r: Decimal, rounding: Rounding) -> Decimal {
    round(r.saturating_mul(Decimal::ONE_HUNDRED), 2, rounding)
}

/// A department's charts across its years (oldest first).
pub fn department(points: &[YearPoint], grades: &[GradeBand], rounding: Rounding) -> Vec<Block> {
    let years: Vec<String> = points.iter().map(|p| format!("{}年", p.year)).collect();
    if points.len() < 2 {
        let only = points.first().map_or(String::new(), |p| {
            format!("仅有 {} 年一个年度的自评数据，", p.year)
        });
        return vec![no_chart(
            "历年趋势",
            format!("{only}无上年可比数，暂不绘制趋势图"),
        )];
    }
    let (first, last) = (&points[0], &points[points.len() - 1]);
    let span = format!("{}—{} 年", first.year, last.year);
    let mut out = Vec::new();

    let title = "预算与实际支出";
    let series = vec![
        Series {
            name: "年初预算".into(),
            values: points.iter().map(|p| p.initial).collect(),
        },
        Series {
            name: "全年预算".into(),
            values: points.iter().map(|p| p.adjusted).collect(),
        },
        Series {
            name: "实际支出".into(),
            values: points.iter().map(|p| p.executed).collect(),
        },
    ];
    if series.iter().any(|s| s.values.iter().any(Option::is_some)) {
        let summary = match (first.executed, last.executed) {
            (Some(a), Some(b)) => format!(
                "{span}，实际支出{}。",
                change_sentence(a, b, "万元", rounding)
            ),
            _ => format!("{span}各年预算与实际支出。"),
        };
        out.push(chart(
            "chart-budget",
            title,
            summary,
            "万元",
            ChartKind::Bars,
            &years,
            series,
            vec![],
            "年度",
        ));
    }

    let title = "“三公”经费决算";
    let series = vec![Series {
        name: "“三公”经费".into(),
        values: points.iter().map(|p| p.three_public).collect(),
    }];
    if series[0].values.iter().any(Option::is_some) {
        let summary = match (first.three_public, last.three_public) {
            (Some(a), Some(b)) => format!(
                "{span}，“三公”经费{}。",
                change_sentence(a, b, "万元", rounding)
            ),
            _ => format!("{span}各年“三公”经费决算数。"),
        };
        out.push(chart(
            "chart-three-public-years",
            title,
            summary,
            "万元",
            ChartKind::Bars,
            &years,
            series,
            vec![],
            "年度",
        ));
    }

    let title = "预算执行率";
    let values: Vec<Option<Decimal>> = points
        .iter()
        .map(|p| p.rate.map(|r| pct(r, rounding)))
        .collect();
    if values.iter().any(Option::is_some) {
        let present: Vec<(usize, Decimal)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((i, (*v)?)))
            .collect();
        let hi = present.iter().max_by_key(|x| x.1).copied();
        let lo = present.iter().min_by_key(|x| x.1).copied();
        let summary = match (hi, lo) {
            (Some(h), Some(l)) => format!(
                "{span}，预算执行率最高为 {}%（{}），最低为 {}%（{}）。",
                label(h.1),
                years[h.0],
                label(l.1),
                years[l.0]
            ),
            _ => String::new(),
        };
        let series = vec![Series {
            name: "预算执行率".into(),
            values,
        }];
        out.push(chart(
            "chart-execution-rate",
            title,
            summary,
            "%",
            ChartKind::Line,
            &years,
            series,
            vec![],
            "年度",
        ));
    }

    let title = "综合得分";
    let values: Vec<Option<Decimal>> = points.iter().map(|p| p.score).collect();
    if values.iter().any(Option::is_some) {
        let summary = match (first.score, last.score) {
            (Some(a), Some(b)) => format!(
                "{span}，综合得分{}。",
                change_sentence(a, b, "分", rounding)
            ),
            _ => format!("{span}各年综合得分。"),
        };
        let bands = grades
            .iter()
            .filter(|g| !g.min.value.is_zero())
            .map(|g| {
                (
                    g.min.value,
                    format!("{}（≥{}）", g.label, label(g.min.value)),
                )
            })
            .collect();
        let series = vec![Series {
            name: "综合得分".into(),
            values,
        }];
        out.push(chart(
            "chart-score",
            title,
            summary,
            "分",
            ChartKind::Line,
            &years,
            series,
            bands,
            "年度",
        ));
    }
    out
}

/// A year's departments: score and execution rate, all of them or the 10 highest and
/// 10 lowest when there are more than 20.
pub fn year(rows: &[(String, Option<Decimal>, Option<Decimal>)], rounding: Rounding) -> Vec<Block> {
    let mut out = Vec::new();
    for (id, title, unit, pick) in [
        ("chart-year-score", "各部门综合得分", "分", 1usize),
        ("chart-year-rate", "各部门预算执行率", "%", 2usize),
    ] {
        let mut vals: Vec<(String, Decimal)> = rows
            .iter()
            .filter_map(|r| {
                let v = if pick == 1 {
                    r.1
                } else {
                    r.2.map(|x| pct(x, rounding))
                };
                Some((r.0.clone(), v?))
            })
            .collect();
        if vals.len() < 2 {
            if pick == 1 {
                out.push(no_chart(
                    "各部门比较",
                    "本年度自评数据不足 2 个部门，不作比较",
                ));
            }
            continue;
        }
        vals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let n = vals.len();
        let avg = round(
            vals.iter()
                .fold(Decimal::ZERO, |s, v| s.saturating_add(v.1))
                / Decimal::from(n as u64),
            2,
            rounding,
        );
        let sfx = if unit == "%" { "%" } else { " 分" };
        let summary = format!(
            "{n} 个部门中，最高为{}（{}{sfx}），最低为{}（{}{sfx}），平均 {}{sfx}{}。",
            vals[0].0,
            label(vals[0].1),
            vals[n - 1].0,
            label(vals[n - 1].1),
            label(avg),
            if n > 20 {
                "；图中为最高和最低各 10 个部门，全部数据见上表"
            } else {
                ""
            }
        );
        let shown: Vec<(String, Decimal)> = if n > 20 {
            vals[..10].iter().chain(&vals[n - 10..]).cloned().collect()
        } else {
            vals
        };
        let cats: Vec<String> = shown.iter().map(|v| v.0.clone()).collect();
        let series = vec![Series {
            name: title.to_string(),
            values: shown.iter().map(|v| Some(v.1)).collect(),
        }];
        out.push(chart(
            id,
            title,
            summary,
            unit,
            ChartKind::HBars,
            &cats,
            series,
            vec![],
            "部门",
        ));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn chart(
    id: &str,
    title: &str,
    summary: String,
    unit: &str,
    kind: ChartKind,
    cats: &[String],
    series: Vec<Series>,
    bands: Vec<(Decimal, String)>,
    head0: &str,
) -> Block {
    Block::Chart(Box::new(ChartView {
        id: id.into(),
        title: title.into(),
        summary,
        unit: unit.into(),
        kind,
        table: table(title, unit, cats, &series, head0),
        categories: cats.to_vec(),
        series,
        bands,
    }))
}
