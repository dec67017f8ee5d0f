//! Charts as data: what each chart compares, its one-sentence summary (computed, never
//! typed) and the table it is drawn from (the table is canonical; the drawing is a view of
//! it). `render::chart` draws them.

use super::table::{Cell, TableView};
use crate::check::round;
use crate::model::Rounding;
use rust_decimal::Decimal;
use serde::Serialize;

/// How a chart draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Vertical grouped bars; axis from zero.
    Bars,
    /// Horizontal bars, one category per row (many departments).
    HBars,
    /// A line with a marked point per category.
    Line,
}

/// One series: a name and a value per category (blank = not reported).
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// Name (direct label and legend).
    pub name: String,
    /// Values, in the chart's unit, as shown (rounded once, for display).
    pub values: Vec<Option<Decimal>>,
}

/// A chart.
#[derive(Debug, Clone, Serialize)]
pub struct ChartView {
    /// Unique on its page (SVG ids).
    pub id: String,
    /// 标题.
    pub title: String,
    /// One computed sentence saying what the chart shows.
    pub summary: String,
    /// Unit of the value axis (万元, %, 分).
    pub unit: String,
    /// Drawing.
    pub kind: ChartKind,
    /// Category labels (items, years, departments).
    pub categories: Vec<String>,
    /// Series.
    pub series: Vec<Series>,
    /// Reference lines (grade bands): value and label.
    pub bands: Vec<(Decimal, String)>,
    /// The data the chart is drawn from.
    pub table: TableView,
}

/// A number for a chart label: as the tables show it.
pub fn label(v: Decimal) -> String {
    crate::num::decimal_string(&v.normalize())
}

/// Builds the chart's data table: categories down, series across.
pub fn table(
    caption: &str,
    unit: &str,
    categories: &[String],
    series: &[Series],
    head0: &str,
) -> TableView {
    let mut head = vec![head0];
    head.extend(series.iter().map(|s| s.name.as_str()));
    let mut t = TableView::new(format!("{caption}（数据表）"), Some(unit), &head);
    for (i, c) in categories.iter().enumerate() {
        let mut row = vec![Cell::head(c.clone())];
        for s in series {
            let mut cell = Cell::text(s.values[i].map(label).unwrap_or_default());
            cell.num = true;
            row.push(cell);
        }
        t.row(row);
    }
    t
}

/// 「由 6.54 万元降至 5.09 万元，下降 22.17%」: the change between two amounts, in words.
pub fn change_sentence(from: Decimal, to: Decimal, unit: &str, rounding: Rounding) -> String {
    let verb = if to > from {
        "增至"
    } else if to < from {
        "降至"
    } else {
        return format!("与上年持平，均为 {} {unit}", label(to));
    };
    let mut s = format!("由 {} {unit}{verb} {} {unit}", label(from), label(to));
    if !from.is_zero()
        && let Some(rate) = to.checked_sub(from).and_then(|d| d.checked_div(from))
    {
        let pct = round(rate.abs().saturating_mul(Decimal::ONE_HUNDRED), 2, rounding);
        let word = if to > from { "增长" } else { "下降" };
        s.push_str(&format!("，{word} {}%", fixed2(pct)));
    }
    s
}

fn fixed2(mut d: Decimal) -> String {
    d.rescale(2);
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            change_sentence(d("6.54"), d("5.09"), "万元", Rounding::HalfUp),
            "由 6.54 万元降至 5.09 万元，下降 22.17%"
        );
        assert_eq!(
            change_sentence(d("1.01"), d("1.31"), "万元", Rounding::HalfUp),
            "由 1.01 万元增至 1.31 万元，增长 29.70%"
        );
        assert_eq!(
            change_sentence(d("5"), d("5.00"), "万元", Rounding::HalfUp),
            "与上年持平，均为 5 万元"
        );
    }
}
