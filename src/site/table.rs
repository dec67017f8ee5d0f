//! Table views: plain data that one template macro draws as a semantic `<table>`.

use crate::check::{Finding, at_precision};
use crate::compute::{Calc, Figure, Kind, RecordFigures};
use crate::model::Rounding;
use crate::num::Num;
use rust_decimal::Decimal;
use serde::Serialize;

/// A header cell.
#[derive(Debug, Clone, Serialize)]
pub struct Th {
    /// Text.
    pub text: String,
    /// colspan (1 = none).
    pub colspan: u32,
    /// rowspan (1 = none).
    pub rowspan: u32,
}

/// Shorthand for a header cell.
pub fn th(text: &str) -> Th {
    Th {
        text: text.to_string(),
        colspan: 1,
        rowspan: 1,
    }
}

/// A note placed beside a published figure that does not follow from its parts.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    /// error / warning / info.
    pub severity: &'static str,
    /// 错误 / 警告 / 提示.
    pub severity_zh: &'static str,
    /// The note text (Chinese).
    pub text: String,
    /// Anchor id on the department's findings page.
    pub id: String,
    /// That page, from the site root.
    pub page: String,
}

/// A body cell.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Cell {
    /// Display text (empty for a blank).
    pub text: String,
    /// Row header (`<th scope="row">`).
    pub header: bool,
    /// Right-aligned number.
    pub num: bool,
    /// A blank cell in the source (「—」, 未填报).
    pub blank: bool,
    /// rowspan (1 = none; 0 = covered by a cell above, not drawn).
    pub rowspan: u32,
    /// colspan.
    pub colspan: u32,
    /// A value computed by the site rather than printed (marked ※).
    pub computed_only: bool,
    /// The computed value shown under a published one, when they agree (「核算一致」) or not.
    pub check: Option<String>,
    /// Whether the published value agrees with the computed one.
    pub agrees: bool,
    /// A finding note beside the figure.
    pub notes: Vec<Note>,
    /// Render `text` as Markdown.
    pub markdown: bool,
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        let text = s.into();
        Cell {
            blank: text.trim().is_empty(),
            text,
            rowspan: 1,
            colspan: 1,
            ..Cell::default()
        }
    }

    /// A Markdown cell.
    pub fn md(s: Option<&str>) -> Cell {
        let mut c = Cell::text(s.unwrap_or(""));
        c.markdown = true;
        c
    }

    /// A text cell from an optional value.
    pub fn opt(s: Option<&str>) -> Cell {
        Cell::text(s.unwrap_or(""))
    }

    /// A row header.
    pub fn head(s: impl Into<String>) -> Cell {
        let mut c = Cell::text(s);
        c.header = true;
        c
    }

    /// A printed number, exactly as written.
    pub fn num(n: Option<&Num>) -> Cell {
        let mut c = Cell::text(
            n.map(|n| crate::num::decimal_string(&n.value))
                .unwrap_or_default(),
        );
        c.num = true;
        c
    }

    /// With a colspan.
    pub fn span(mut self, n: u32) -> Cell {
        self.colspan = n;
        self
    }
}

/// A table.
#[derive(Debug, Clone, Serialize)]
pub struct TableView {
    /// `<caption>`.
    pub caption: String,
    /// 单位：万元, shown in the caption.
    pub unit: Option<String>,
    /// Header rows.
    pub head: Vec<Vec<Th>>,
    /// Body rows.
    pub rows: Vec<Vec<Cell>>,
    /// Some cells are computed by the site (adds the ※ legend).
    pub has_computed: bool,
    /// CSS class (form layout hints).
    pub class: &'static str,
}

impl TableView {
    /// A table with a one-row header.
    pub fn new(caption: impl Into<String>, unit: Option<&str>, head: &[&str]) -> TableView {
        TableView {
            caption: caption.into(),
            unit: unit.map(str::to_string),
            head: vec![head.iter().map(|h| th(h)).collect()],
            rows: Vec::new(),
            has_computed: false,
            class: "",
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.has_computed |= cells.iter().any(|c| c.computed_only);
        self.rows.push(cells);
    }

    /// Merges equal adjacent cells of column `col` (and only within equal cells of the
    /// columns before it), as printed forms do with rowspan.
    pub fn merge_column(&mut self, col: usize) {
        let key = |r: &Vec<Cell>, upto: usize| -> Vec<String> {
            r.iter().take(upto + 1).map(|c| c.text.clone()).collect()
        };
        let mut i = 0;
        while i < self.rows.len() {
            let mut j = i + 1;
            while j < self.rows.len()
                && self.rows[j].len() == self.rows[i].len()
                && col < self.rows[i].len()
                && key(&self.rows[j], col) == key(&self.rows[i], col)
                && !self.rows[i][col].blank
            {
                j += 1;
            }
            if j - i > 1 {
                self.rows[i][col].rowspan = (j - i) as u32;
                for r in &mut self.rows[i + 1..j] {
                    r[col].rowspan = 0;
                }
            }
            i = j;
        }
    }
}

/// Formats figures for display, and attaches findings; one per record page.
pub struct Figures<'a> {
    /// The record's computed figures.
    pub figs: &'a RecordFigures,
    /// The record's findings (empty when the site shows no notes).
    pub findings: &'a [(usize, &'a Finding)],
    /// Rounding for display.
    pub rounding: Rounding,
}

impl Figures<'_> {
    /// A computed value shown at display precision: rates 2 decimals and 「%」; amounts
    /// as the arithmetic left them (the scale of their operands); scores 2 decimals.
    pub fn display(&self, kind: Kind, v: &Calc) -> String {
        match v {
            Calc::Num(d) => match kind {
                Kind::Rate => at_precision(kind, *d, 2, self.rounding),
                Kind::Score => trim(crate::check::round(*d, 2, self.rounding)),
                _ => crate::num::decimal_string(d),
            },
            Calc::Text(t) => t.clone(),
            Calc::Missing(_) => String::new(),
        }
    }

    /// Notes for the findings on a figure.
    pub fn notes(&self, fig_path: &str) -> Vec<Note> {
        self.findings
            .iter()
            .filter(|(_, f)| f.figure == fig_path)
            .map(|(i, f)| Note {
                severity: match f.severity {
                    crate::check::Severity::Error => "error",
                    crate::check::Severity::Warning => "warning",
                    crate::check::Severity::Info => "info",
                },
                severity_zh: f.severity.zh(),
                text: note_text(f),
                id: super::finding_anchor(f, *i),
                page: super::checks_path(&f.department),
            })
            .collect()
    }

    /// A cell for a figure: the published value with the computed one under it, or the
    /// computed value alone (※) when the document printed none. `printed` is the cell's
    /// printed text when the published value is not the figure's own (a 合计 cell).
    pub fn cell(&self, path: &str) -> Cell {
        let Some(f) = self.figs.get(path) else {
            let mut c = Cell::text("");
            c.num = true;
            return c;
        };
        self.fig_cell(f)
    }

    fn fig_cell(&self, f: &Figure) -> Cell {
        let mut shown = self.display(f.kind, &f.value);
        let notes = self.notes(&f.path);
        let mut c = match &f.published {
            Some(p) => {
                // An amount is shown at the decimals the document printed (核算 508.20).
                if let (Kind::Amount | Kind::Count, Calc::Num(v), Some(pr)) =
                    (f.kind, &f.value, crate::num::Printed::parse(&p.text))
                    && pr.decimals > v.scale()
                {
                    let mut v = *v;
                    v.rescale(pr.decimals);
                    shown = v.to_string();
                }
                let mut c = Cell::text(p.text.clone());
                c.agrees = notes.iter().all(|n| n.severity == "info");
                c.check = match &f.value {
                    Calc::Missing(why) => {
                        c.agrees = false;
                        Some(format!("无法核算：{why}"))
                    }
                    _ => Some(format!("核算 {shown}")),
                };
                c
            }
            None => {
                let mut c = Cell::text(match &f.value {
                    Calc::Missing(_) => String::new(),
                    _ => shown,
                });
                c.computed_only = !c.blank;
                c
            }
        };
        c.num = f.kind != Kind::Grade;
        c.notes = notes;
        c
    }

    /// A cell for a printed number that may also be a checked figure (合计 cells).
    pub fn num_or_fig(&self, n: Option<&Num>, path: &str) -> Cell {
        match (n, self.figs.get(path)) {
            (Some(_), Some(f)) if f.published.is_some() => self.fig_cell(f),
            _ => Cell::num(n),
        }
    }
}

fn trim(d: Decimal) -> String {
    crate::num::decimal_string(&d.normalize())
}

/// 「经核算为 22.17%，公开值疑以本年数为基数计算」.
pub fn note_text(f: &Finding) -> String {
    match f.cause {
        "not_met" => f.message.clone(),
        "missing_percent_sign" => format!("比率未标注「%」，按 {}% 读取", f.stated),
        _ => format!("经核算为 {}。{}", f.computed, crate::check::cause_text(f)),
    }
}
