//! The record page: the official form's parts in source order, each figure shown as
//! published with its computed value beside it.

use super::table::{Cell, Figures, TableView};
use crate::check::Finding;
use crate::compute::RecordFigures;
use crate::model::{
    Content, Department, Evaluation, Indicator, IndicatorGroup, Project, Record, RecordBody,
    Rounding, Section, Signoff, Targets, Task, UnitName,
};
use serde::Serialize;

/// A block of a record page.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A table.
    Table(TableView),
    /// Label/value pairs.
    Facts {
        /// Heading.
        title: String,
        /// Items.
        items: Vec<(String, Cell)>,
    },
    /// Markdown under an optional heading.
    Prose {
        /// Heading.
        title: Option<String>,
        /// Markdown.
        md: String,
    },
    /// A list of Markdown items.
    List {
        /// Heading.
        title: String,
        /// Items.
        items: Vec<String>,
    },
    /// A narrative section.
    Section {
        /// 1–4.
        level: u8,
        /// Heading as printed.
        title: Option<String>,
        /// Markdown body.
        md: Option<String>,
        /// 涉密: body withheld.
        redacted: bool,
        /// Why.
        reason: Option<String>,
        /// Blocks drawn inside.
        blocks: Vec<Block>,
    },
    /// Signature and opinion blocks.
    Signoffs {
        /// Blocks.
        items: Vec<SignoffView>,
    },
    /// A chart with its summary and data table.
    Chart(Box<super::chart::ChartView>),
    /// Where a chart would be but there is nothing comparable: said in words.
    NoChart {
        /// Chart title.
        title: String,
        /// Why (「无上年可比数」).
        text: String,
    },
    /// A part's heading.
    Heading {
        /// Text.
        text: String,
    },
}

/// A signoff block.
#[derive(Debug, Serialize)]
pub struct SignoffView {
    /// Title as printed.
    pub title: String,
    /// Opinion.
    pub opinion: Option<String>,
    /// Printed fields.
    pub sign: Vec<String>,
    /// Signed by.
    pub signed_by: Option<String>,
    /// Date.
    pub date: Option<String>,
}

/// A part of the page (form, report, projects).
#[derive(Debug, Serialize)]
pub struct PartView {
    /// form / report / projects.
    pub kind: String,
    /// Heading.
    pub title: Option<String>,
    /// Blocks (drawn by `render::html`, not by templates).
    #[serde(skip)]
    pub blocks: Vec<Block>,
}

/// The record page.
#[derive(Debug, Serialize)]
pub struct RecordView {
    /// Department name as printed in this record.
    pub department: String,
    /// Year.
    pub year: i32,
    /// 报告日期.
    pub date: Option<String>,
    /// The record's date as YYYY-MM-DD (报告日期, else 公开日期), for document metadata.
    pub meta_date: Option<String>,
    /// Parts in source order.
    pub parts: Vec<PartView>,
    /// Error findings on this record.
    pub errors: usize,
    /// The department's 核对情况 page, from the site root.
    pub checks: String,
    /// All findings shown on this record.
    pub findings: usize,
    /// Prior year joined for 同比.
    pub prior_year: Option<i32>,
    /// Data downloads beside the page (data.json, one CSV per table).
    pub downloads: Vec<super::Link>,
}

/// A unit name as shown.
pub fn unit_name(u: &UnitName) -> String {
    match u {
        UnitName::Name(n) => n.clone(),
        UnitName::Noted {
            name,
            note: Some(n),
        } => format!("{name}（{n}）"),
        UnitName::Noted { name, note: None } => name.clone(),
    }
}

struct Ctx<'a> {
    f: Figures<'a>,
    year: i32,
    rec: &'a Record,
    private: &'a [String],
    shown_in_sections: Vec<String>,
}

impl Ctx<'_> {
    /// Whether the record withholds `path` (see `site::private`).
    fn private(&self, path: &str) -> bool {
        super::private::covers(self.private, path)
    }
    /// Whether a block is drawn in the form (not private, not drawn inside a section).
    fn in_form(&self, key: &str) -> bool {
        !self.private(key) && !self.shown_in_sections.iter().any(|s| s == key)
    }
}

/// Builds the record page.
pub fn build(
    _content: &Content,
    dept: &Department,
    rec: &Record,
    figs: &RecordFigures,
    findings: &[(usize, &Finding)],
    rounding: Rounding,
) -> RecordView {
    let published = match &rec.body {
        RecordBody::Evaluation(e) => &e.published,
        RecordBody::Targets(t) => &t.published,
    };
    let (private, sections, order, dept_override, date) = match &rec.body {
        RecordBody::Evaluation(e) => (
            &e.private,
            &e.sections,
            e.order.clone(),
            &e.department,
            &e.date,
        ),
        RecordBody::Targets(t) => (
            &t.private,
            &t.sections,
            t.order.clone(),
            &t.department,
            &t.date,
        ),
    };
    let ctx = Ctx {
        year: rec.year,
        rec,
        f: Figures {
            figs,
            findings,
            rounding,
        },
        private,
        // A redacted or private section draws nothing: its tables go back to the form.
        shown_in_sections: sections
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                !s.redacted && !super::private::covers(private, &format!("sections[{i}]"))
            })
            .flat_map(|(_, s)| s.show.clone())
            .collect(),
    };
    let department = dept_override
        .as_ref()
        .and_then(|d| d.name.clone())
        .unwrap_or_else(|| super::dept_name(dept));
    let mut order =
        order.unwrap_or_else(|| vec!["form".into(), "projects".into(), "report".into()]);
    // A record printed as prose only (`order = ["report"]`) still has its figures drawn
    // and checked on the page: its tables follow the document.
    let synthetic_form = !order.iter().any(|p| p == "form") && has_form_data(&rec.body);
    if synthetic_form {
        order.push("form".into());
    }
    let mut parts = Vec::new();
    for part in order {
        let (title, blocks) = match (&rec.body, part.as_str()) {
            (RecordBody::Evaluation(e), "form") => (
                if synthetic_form {
                    Some("本文件所列数据（据原文整理）".to_string())
                } else {
                    e.form_title.clone()
                },
                eval_form(&ctx, e, &department, rec.year),
            ),
            (RecordBody::Evaluation(e), "projects") => {
                (None, projects(&ctx, &e.projects, "projects"))
            }
            (RecordBody::Evaluation(e), "report") => (
                e.title.clone().filter(|_| e.form_title.is_some()),
                report(
                    &ctx,
                    e.basis.as_deref(),
                    sections,
                    e.other_matters.as_deref(),
                    Some(e),
                ),
            ),
            (RecordBody::Targets(t), "form") => {
                (t.form_title.clone(), targets_form(&ctx, t, &department))
            }
            (RecordBody::Targets(t), "projects") => (None, projects(&ctx, &t.projects, "projects")),
            (RecordBody::Targets(t), "report") => (
                None,
                report(&ctx, None, &t.sections, t.other_matters.as_deref(), None),
            ),
            _ => continue,
        };
        if !blocks.is_empty() {
            parts.push(PartView {
                kind: part,
                title,
                blocks,
            });
        }
    }
    RecordView {
        department,
        year: rec.year,
        date: date.as_ref().map(|d| d.display_zh()),
        meta_date: date
            .iter()
            .chain(published)
            .find_map(|d| d.date)
            .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        parts,
        errors: findings
            .iter()
            .filter(|(_, f)| f.severity == crate::check::Severity::Error)
            .count(),
        checks: super::checks_path(&dept.slug),
        findings: findings.len(),
        prior_year: figs.prior_year,
        downloads: Vec::new(),
    }
}

/// Whether a record holds figures beyond its prose and projects.
fn has_form_data(body: &RecordBody) -> bool {
    match body {
        RecordBody::Evaluation(e) => {
            !e.income.is_empty()
                || !e.expenditure.is_empty()
                || e.budget.is_some()
                || !e.three_public.is_empty()
                || !e.three_public_by_unit.is_empty()
                || !e.assets.is_empty()
                || !e.project_funds.is_empty()
                || !e.year_over_year.is_empty()
                || !e.indicators.is_empty()
                || e.score.is_some()
                || e.staffing.is_some()
        }
        RecordBody::Targets(t) => {
            t.budget.is_some() || !t.indicators.is_empty() || !t.tasks.is_empty()
        }
    }
}

fn num_cell(n: Option<&crate::num::Num>) -> Cell {
    Cell::num(n)
}

fn eval_form(ctx: &Ctx, e: &Evaluation, department: &str, year: i32) -> Vec<Block> {
    let mut b = Vec::new();
    let f = &ctx.f;
    // 基本概况
    let mut items = vec![
        ("部门（单位）名称".to_string(), Cell::text(department)),
        ("年度".to_string(), Cell::text(format!("{year}年"))),
    ];
    if let Some(c) = &e.contact {
        if !ctx.private("contact.name") && !ctx.private("contact") {
            items.push(("联系人".into(), Cell::opt(c.name.as_deref())));
        }
        if !ctx.private("contact.phone") && !ctx.private("contact") {
            items.push(("联系电话".into(), Cell::opt(c.phone.as_deref())));
        }
    }
    if let Some(s) = e.staffing.as_ref().filter(|_| ctx.in_form("staffing")) {
        items.push((
            "编制人数".into(),
            f.num_or_fig(s.authorized.as_ref(), "staffing.authorized"),
        ));
        items.push((
            "实有在职人数".into(),
            f.num_or_fig(s.actual.as_ref(), "staffing.actual"),
        ));
        if s.retired.is_some() {
            items.push(("退休人数".into(), num_cell(s.retired.as_ref())));
        }
        if s.stated_total.is_some() || s.retired.is_some() {
            items.push(("实有人员总数".into(), f.cell("staffing.total")));
        }
    }
    if let Some(p) = e
        .prepared_by
        .as_ref()
        .filter(|_| !ctx.private("prepared_by"))
    {
        items.push(("填表人".into(), Cell::text(p.clone())));
    }
    b.push(Block::Facts {
        title: "部门（单位）基本概况".into(),
        items,
    });
    if let Some(s) = e
        .staffing
        .as_ref()
        .filter(|s| !s.by_type.is_empty() && ctx.in_form("staffing"))
    {
        let mut t = TableView::new("人员构成", Some("人"), &["类别", "编制数", "实有数"]);
        for r in &s.by_type {
            t.row(vec![
                Cell::head(r.kind.clone()),
                num_cell(r.authorized.as_ref()),
                num_cell(r.actual.as_ref()),
            ]);
        }
        b.push(Block::Table(t));
    }
    if let Some(g) = e.goals.as_ref().filter(|_| ctx.in_form("goals")) {
        fn shown<'v>(ctx: &Ctx, v: Option<&'v String>, key: &str) -> Option<&'v str> {
            v.filter(|_| !ctx.private(&format!("goals.{key}")))
                .map(String::as_str)
        }
        let functions = shown(ctx, g.functions.as_ref(), "functions");
        let functions_note = shown(ctx, g.functions_note.as_ref(), "functions_note");
        if functions.is_some() || functions_note.is_some() {
            let mut t = TableView::new("部门职责", None, &["内容", "说明"]);
            t.row(vec![Cell::md(functions), Cell::md(functions_note)]);
            b.push(Block::Table(t));
        }
        if !ctx.private("goals.tasks") {
            tasks_block(ctx, &g.tasks, "goals.tasks", "年度主要工作内容", &mut b);
        }
        let overall = shown(ctx, g.overall.as_ref(), "overall");
        let overall_note = shown(ctx, g.overall_note.as_ref(), "overall_note");
        if overall.is_some() || overall_note.is_some() {
            if overall_note.is_some() {
                let mut t = TableView::new("部门整体支出绩效目标", None, &["目标", "说明"]);
                t.row(vec![Cell::md(overall), Cell::md(overall_note)]);
                b.push(Block::Table(t));
            } else {
                b.push(Block::Prose {
                    title: Some("部门整体支出绩效目标".into()),
                    md: overall.unwrap_or_default().to_string(),
                });
            }
        }
        if let Some(a) = shown(ctx, g.achievements.as_ref(), "achievements") {
            b.push(Block::Prose {
                title: Some("年度总体运行情况及取得的成绩".into()),
                md: a.to_string(),
            });
        }
        if !g.years.is_empty() && !ctx.private("goals.years") {
            let mut t = TableView::new("部门年度目标", None, &["年度", "目标", "实际完成"]);
            for y in &g.years {
                t.row(vec![
                    Cell::head(y.year.as_ref().map(|y| y.display()).unwrap_or_default()),
                    Cell::md(y.target.as_deref()),
                    Cell::md(y.result.as_deref()),
                ]);
            }
            b.push(Block::Table(t));
        }
    }
    for key in [
        "income",
        "expenditure",
        "three_public_by_unit",
        "assets",
        "budget",
        "three_public",
        "project_funds",
        "year_over_year",
    ] {
        if ctx.in_form(key) {
            b.extend(eval_block(ctx, e, key));
        }
    }
    if let Some(g) = e.goals.as_ref().filter(|_| ctx.in_form("goals")) {
        let target = g
            .qualitative_target
            .as_deref()
            .filter(|_| !ctx.private("goals.qualitative_target"));
        let result = g
            .qualitative_result
            .as_deref()
            .filter(|_| !ctx.private("goals.qualitative_result"));
        if target.is_some() || result.is_some() {
            let mut t = TableView::new(
                "整体支出绩效定性目标及实施计划完成情况",
                None,
                &["预期目标", "实际完成"],
            );
            t.row(vec![Cell::md(target), Cell::md(result)]);
            b.push(Block::Table(t));
        }
    }
    if ctx.in_form("indicators") && !e.indicators.is_empty() {
        b.extend(indicator_blocks(
            ctx,
            "整体支出绩效指标",
            &e.indicators,
            &e.indicator_groups,
            "",
        ));
    }
    if ctx.in_form("score") {
        b.extend(eval_block(ctx, e, "score"));
    }
    common_tail(ctx, "", &e.evaluators, &e.signoffs, &e.notes, &mut b);
    b
}

fn tasks_block(ctx: &Ctx, tasks: &[Task], path: &str, title: &str, b: &mut Vec<Block>) {
    if tasks.is_empty() {
        return;
    }
    if tasks.iter().all(|t| matches!(t, Task::Text(_))) {
        let items: Vec<String> = tasks
            .iter()
            .enumerate()
            .filter(|(i, _)| !ctx.private(&format!("{path}[{i}]")))
            .map(|(_, t)| {
                if let Task::Text(s) = t {
                    s.clone()
                } else {
                    String::new()
                }
            })
            .collect();
        if items.is_empty() {
            return;
        }
        b.push(Block::List {
            title: title.to_string(),
            items,
        });
        return;
    }
    let rows: Vec<(usize, &crate::model::TaskRow)> = tasks
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            if let Task::Row(r) = t {
                Some((i, r.as_ref()))
            } else {
                None
            }
        })
        .collect();
    b.push(Block::Table(task_table(ctx, title, &rows, path)));
}

fn task_table(
    ctx: &Ctx,
    title: &str,
    rows: &[(usize, &crate::model::TaskRow)],
    path: &str,
) -> TableView {
    let has = |f: &dyn Fn(&crate::model::TaskRow) -> bool| rows.iter().any(|(_, r)| f(r));
    let money = has(&|r| r.budget.is_some() || r.executed.is_some() || r.fiscal.is_some());
    let mut head = vec!["任务名称"];
    if has(&|r| r.level.is_some()) {
        head.push("项目级次");
    }
    head.push("主要内容");
    if money {
        head.extend(["批复金额", "财政拨款", "其他资金", "实际支出", "预算执行率"]);
    }
    if has(&|r| r.deviation.is_some()) {
        head.push("偏差原因");
    }
    let mut t = TableView::new(title, money.then_some("万元"), &head);
    for (i, r) in rows
        .iter()
        .filter(|(i, _)| !ctx.private(&format!("{path}[{i}]")))
    {
        let mut cells = vec![Cell::head(r.name.clone().unwrap_or_default())];
        if head.contains(&"项目级次") {
            cells.push(Cell::opt(r.level.as_deref()));
        }
        cells.push(Cell::md(r.content.as_deref()));
        if money {
            cells.extend([
                num_cell(r.budget.as_ref()),
                num_cell(r.fiscal.as_ref()),
                num_cell(r.other.as_ref()),
                num_cell(r.executed.as_ref()),
                ctx.f.cell(&format!("{path}[{i}].rate")),
            ]);
        }
        if head.contains(&"偏差原因") {
            cells.push(Cell::md(r.deviation.as_deref()));
        }
        t.row(cells);
    }
    t
}

/// A structured block of an evaluation by its key (for the form and for `show`).
fn eval_block(ctx: &Ctx, e: &Evaluation, key: &str) -> Vec<Block> {
    let f = &ctx.f;
    let mut b = Vec::new();
    match key {
        "income" if !e.income.is_empty() => {
            let mut t = TableView::new(
                "年度收入情况",
                Some("万元"),
                &[
                    "机构名称",
                    "收入合计",
                    "上年结转",
                    "公共财政拨款",
                    "政府基金拨款",
                    "纳入专户管理的非税收入拨款",
                    "其他收入",
                ],
            );
            for (i, r) in e.income.iter().enumerate() {
                let p = |k: &str| format!("income[{i}].{k}");
                t.row(vec![
                    Cell::head(r.unit.clone()),
                    if r.stated_total.is_some() {
                        f.cell(&p("total"))
                    } else {
                        Cell::num(None)
                    },
                    f.num_or_fig(r.carryover.as_ref(), &p("carryover")),
                    f.num_or_fig(r.general_budget.as_ref(), &p("general_budget")),
                    f.num_or_fig(r.fund_budget.as_ref(), &p("fund_budget")),
                    f.num_or_fig(r.non_tax.as_ref(), &p("non_tax")),
                    f.num_or_fig(r.other.as_ref(), &p("other")),
                ]);
            }
            b.push(Block::Table(t));
        }
        "expenditure" if !e.expenditure.is_empty() => {
            let remit = e.expenditure.iter().any(|r| r.remit_upward.is_some());
            let mut head = vec![
                "机构名称",
                "支出合计",
                "基本支出",
                "人员支出",
                "公用支出",
                "项目支出",
            ];
            if remit {
                head.push("上缴上级支出");
            }
            head.extend(["当年结余", "累计结余"]);
            let mut t = TableView::new("年度支出和结余情况", Some("万元"), &head);
            for (i, r) in e.expenditure.iter().enumerate() {
                let p = |k: &str| format!("expenditure[{i}].{k}");
                let mut cells = vec![
                    Cell::head(r.unit.clone()),
                    if r.stated_total.is_some() {
                        f.cell(&p("total"))
                    } else {
                        Cell::num(None)
                    },
                    f.num_or_fig(r.basic.as_ref(), &p("basic")),
                    f.num_or_fig(r.personnel.as_ref(), &p("personnel")),
                    f.num_or_fig(r.public.as_ref(), &p("public")),
                    f.num_or_fig(r.project.as_ref(), &p("project")),
                ];
                if remit {
                    cells.push(f.num_or_fig(r.remit_upward.as_ref(), &p("remit_upward")));
                }
                cells.push(f.num_or_fig(r.balance.as_ref(), &p("balance")));
                cells.push(f.num_or_fig(r.accumulated_balance.as_ref(), &p("accumulated_balance")));
                t.row(cells);
            }
            b.push(Block::Table(t));
            for (i, r) in e.expenditure.iter().enumerate() {
                let Some(shares) = &r.stated_share else {
                    continue;
                };
                let mut t = TableView::new(
                    format!("{} 支出结构", r.unit),
                    None,
                    &["项目", "金额（万元）", "占总支出比重"],
                );
                for col in shares.keys() {
                    let (zh, n) = match col.as_str() {
                        "basic" => ("基本支出", r.basic.as_ref()),
                        "project" => ("项目支出", r.project.as_ref()),
                        "remit_upward" => ("上缴上级支出", r.remit_upward.as_ref()),
                        "personnel" => ("人员支出", r.personnel.as_ref()),
                        "public" => ("公用支出", r.public.as_ref()),
                        other => (other, None),
                    };
                    t.row(vec![
                        Cell::head(zh),
                        num_cell(n),
                        f.cell(&format!("expenditure[{i}].share.{col}")),
                    ]);
                }
                b.push(Block::Table(t));
            }
        }
        "three_public_by_unit" if !e.three_public_by_unit.is_empty() => {
            let mut t = TableView::new(
                "“三公”经费（分机构）",
                Some("万元"),
                &[
                    "机构名称",
                    "三公经费合计",
                    "公务接待费",
                    "公务用车运行维护费",
                    "公务用车购置费",
                    "因公出国（境）费用",
                ],
            );
            for (i, r) in e.three_public_by_unit.iter().enumerate() {
                let p = |k: &str| format!("three_public_by_unit[{i}].{k}");
                t.row(vec![
                    Cell::head(r.unit.clone()),
                    if r.stated_total.is_some() {
                        f.cell(&p("total"))
                    } else {
                        Cell::num(None)
                    },
                    f.num_or_fig(r.reception.as_ref(), &p("reception")),
                    f.num_or_fig(r.vehicle_operation.as_ref(), &p("vehicle_operation")),
                    f.num_or_fig(r.vehicle_purchase.as_ref(), &p("vehicle_purchase")),
                    f.num_or_fig(r.overseas.as_ref(), &p("overseas")),
                ]);
            }
            b.push(Block::Table(t));
        }
        "assets" if !e.assets.is_empty() => {
            let mut t = TableView::new(
                "固定资产",
                Some("万元"),
                &[
                    "机构名称",
                    "固定资产合计",
                    "在用固定资产",
                    "出租固定资产",
                    "其他",
                ],
            );
            for (i, r) in e.assets.iter().enumerate() {
                let p = |k: &str| format!("assets[{i}].{k}");
                t.row(vec![
                    Cell::head(r.unit.clone()),
                    if r.stated_total.is_some() {
                        f.cell(&p("total"))
                    } else {
                        Cell::num(None)
                    },
                    f.num_or_fig(r.in_use.as_ref(), &p("in_use")),
                    f.num_or_fig(r.rented.as_ref(), &p("rented")),
                    f.num_or_fig(r.other.as_ref(), &p("other")),
                ]);
            }
            b.push(Block::Table(t));
        }
        "budget" | "budget.by_economic" => {
            let Some(bd) = &e.budget else { return b };
            if key == "budget" {
                let mut t = TableView::new("预算执行情况", Some("万元"), &["项目", "数值"]);
                let mut row = |label: &str, cell: Cell| {
                    if !cell.blank || label.ends_with('率') {
                        t.row(vec![Cell::head(label), cell]);
                    }
                };
                row("年初预算", num_cell(bd.initial.as_ref()));
                if bd.adjusted.is_some() || bd.initial.is_some() {
                    row("预算调整数", f.cell("budget.adjustment"));
                }
                if let Some(x) = &bd.exempt_adjustment {
                    row("不计入调整率的调整数", num_cell(Some(x)));
                }
                row("全年预算（调整后）", num_cell(bd.adjusted.as_ref()));
                row("实际支出", num_cell(bd.executed.as_ref()));
                row("预算执行率", f.cell("budget.execution_rate"));
                if bd.initial.is_some() && bd.adjusted.is_some() {
                    row("预算调整率", f.cell("budget.adjustment_rate"));
                }
                if bd.carryover_balance.is_some() || bd.stated_carryover_rate.is_some() {
                    row("结转结余", num_cell(bd.carryover_balance.as_ref()));
                    row("结转结余率", f.cell("budget.carryover_rate"));
                }
                if bd.procurement_budget.is_some() || bd.procurement_actual.is_some() {
                    row("政府采购预算", num_cell(bd.procurement_budget.as_ref()));
                    row("政府采购实际", num_cell(bd.procurement_actual.as_ref()));
                    row("政府采购执行率", f.cell("budget.procurement_rate"));
                }
                if bd.public_budget.is_some() || bd.public_actual.is_some() {
                    row("公用经费预算", num_cell(bd.public_budget.as_ref()));
                    row("公用经费实际", num_cell(bd.public_actual.as_ref()));
                    row("公用经费控制率", f.cell("budget.public_control_rate"));
                }
                b.push(Block::Table(t));
                if bd.basic.is_some() || bd.project.is_some() {
                    let mut t = TableView::new(
                        "基本支出与项目支出",
                        Some("万元"),
                        &[
                            "类别",
                            "年初预算",
                            "调整数",
                            "全年预算",
                            "实际支出",
                            "执行率",
                        ],
                    );
                    for (k, zh, part) in [
                        ("basic", "基本支出", &bd.basic),
                        ("project", "项目支出", &bd.project),
                    ] {
                        let Some(p) = part else { continue };
                        t.row(vec![
                            Cell::head(zh),
                            num_cell(p.initial.as_ref()),
                            f.cell(&format!("budget.{k}.adjustment")),
                            num_cell(p.adjusted.as_ref()),
                            num_cell(p.executed.as_ref()),
                            f.cell(&format!("budget.{k}.execution_rate")),
                        ]);
                    }
                    b.push(Block::Table(t));
                }
            }
            let econ: Vec<_> = [
                ("by_economic", "合计", &bd.by_economic),
                ("basic_by_economic", "基本支出", &bd.basic_by_economic),
                ("project_by_economic", "项目支出", &bd.project_by_economic),
            ]
            .into_iter()
            .filter_map(|(k, zh, e)| e.as_ref().map(|e| (k, zh, e)))
            .collect();
            if !econ.is_empty()
                && (key == "budget.by_economic" || ctx.in_form("budget.by_economic"))
            {
                let mut head = vec!["经济科目"];
                head.extend(econ.iter().map(|(_, zh, _)| *zh));
                let mut t = TableView::new("按经济科目分类的支出", Some("万元"), &head);
                let rows: [EconRow; 4] = [
                    ("wages", "工资福利支出", |e| e.wages.as_ref()),
                    ("goods_services", "商品和服务支出", |e| {
                        e.goods_services.as_ref()
                    }),
                    ("household", "对个人和家庭的补助", |e| {
                        e.household.as_ref()
                    }),
                    ("capital", "资本性支出", |e| e.capital.as_ref()),
                ];
                for (k, zh, get) in rows {
                    let mut cells = vec![Cell::head(zh)];
                    for (ek, _, e) in &econ {
                        cells.push(if *ek == "by_economic" {
                            f.num_or_fig(get(e), &format!("budget.by_economic.{k}"))
                        } else {
                            num_cell(get(e))
                        });
                    }
                    t.row(cells);
                }
                let mut cells = vec![Cell::head("合计")];
                for (ek, _, _) in &econ {
                    cells.push(f.cell(&format!("budget.{ek}.total")));
                }
                t.row(cells);
                b.push(Block::Table(t));
            }
        }
        "three_public" if !e.three_public.is_empty() => {
            let mut t = TableView::new(
                "“三公”经费支出情况",
                Some("万元"),
                &[
                    "项目",
                    "预算数",
                    "决算数",
                    "上年决算数",
                    "控制率",
                    "同比增减额",
                    "同比增减率",
                    "说明",
                ],
            );
            for (i, r) in e.three_public.iter().enumerate() {
                let p = |k: &str| format!("three_public[{i}].{k}");
                let mut change = f.cell(&p("change"));
                if let Some(d) = &r.stated_direction {
                    change.text = format!("{}{}", d.text, change.text);
                }
                t.row(vec![
                    Cell::head(r.item.clone()),
                    f.num_or_fig(r.budget.as_ref(), &p("budget")),
                    f.num_or_fig(r.actual.as_ref(), &p("actual")),
                    f.num_or_fig(r.prior_actual.as_ref(), &p("prior_actual")),
                    f.cell(&p("control_rate")),
                    change,
                    f.cell(&p("change_rate")),
                    Cell::md(r.reason.as_deref()),
                ]);
            }
            b.push(Block::Table(t));
            b.push(super::trends::three_public(&ctx.f, e, ctx.year));
        }
        "project_funds" if !e.project_funds.is_empty() => {
            let mut t = TableView::new(
                "项目资金使用情况",
                Some("万元"),
                &[
                    "项目名称",
                    "上年结转",
                    "年初预算",
                    "本年拨款收入",
                    "资金来源合计",
                    "本年支付",
                    "年末结余",
                ],
            );
            for (i, r) in e.project_funds.iter().enumerate() {
                let p = |k: &str| format!("project_funds[{i}].{k}");
                t.row(vec![
                    Cell::head(r.name.clone()),
                    f.num_or_fig(r.carryover.as_ref(), &p("carryover")),
                    f.num_or_fig(r.initial.as_ref(), &p("initial")),
                    f.num_or_fig(r.appropriated.as_ref(), &p("appropriated")),
                    if r.stated_total.is_some() {
                        f.cell(&p("total"))
                    } else {
                        Cell::num(None)
                    },
                    f.num_or_fig(r.executed.as_ref(), &p("executed")),
                    f.num_or_fig(r.balance.as_ref(), &p("balance")),
                ]);
            }
            b.push(Block::Table(t));
        }
        "year_over_year" if !e.year_over_year.is_empty() => {
            let mut t = TableView::new(
                "同比情况",
                None,
                &[
                    "项目",
                    "本年数",
                    "上年数",
                    "增减额",
                    "增减率",
                    "单位",
                    "原因",
                ],
            );
            for (i, r) in e.year_over_year.iter().enumerate() {
                if ctx.private(&format!("year_over_year[{i}]")) {
                    continue;
                }
                let p = |k: &str| format!("year_over_year[{i}].{k}");
                let mut change = f.cell(&p("change"));
                if let Some(d) = &r.stated_direction {
                    change.text = format!("{}{}", d.text, change.text);
                    change.blank = false;
                }
                t.row(vec![
                    Cell::head(r.item.clone()),
                    num_cell(r.actual.as_ref()),
                    f.num_or_fig(r.prior_actual.as_ref(), &p("prior_actual")),
                    change,
                    f.cell(&p("change_rate")),
                    Cell::text(r.unit.clone().unwrap_or_else(|| "万元".into())),
                    Cell::md(r.reason.as_deref()),
                ]);
            }
            b.push(Block::Table(t));
            let shown = |i: usize| !ctx.private(&format!("year_over_year[{i}]"));
            if let Some(c) = super::trends::year_over_year(e, ctx.year, &shown) {
                b.push(c);
            }
        }
        "indicators" if !e.indicators.is_empty() => {
            b.extend(indicator_blocks(
                ctx,
                "整体支出绩效指标",
                &e.indicators,
                &e.indicator_groups,
                "",
            ));
        }
        "score" => {
            let Some(s) = &e.score else { return b };
            let mut t = TableView::new(
                "绩效自评综合得分及评价等次",
                None,
                &["项目", "分值", "得分"],
            );
            for p in &s.parts {
                t.row(vec![
                    Cell::head(p.name.clone()),
                    num_cell(p.weight.as_ref()),
                    num_cell(p.score.as_ref()),
                ]);
            }
            let total_w = if s.parts.is_empty() {
                Cell::opt(s.stated_total_weight.as_ref().map(|x| x.text.as_str()))
            } else {
                f.cell("score.total_weight")
            };
            let total = if s.parts.is_empty() {
                Cell::opt(s.stated_total.as_ref().map(|x| x.text.as_str()))
            } else {
                f.cell("score.total")
            };
            t.row(vec![Cell::head("综合得分"), total_w, total]);
            let mut g = f.cell("score.grade");
            g.num = false;
            t.row(vec![Cell::head("评价等次"), Cell::text("").span(1), g]);
            b.push(Block::Table(t));
        }
        _ => {}
    }
    b
}

/// An economic-classification row: key, Chinese name, getter.
type EconRow = (
    &'static str,
    &'static str,
    fn(&crate::model::ByEconomic) -> Option<&crate::num::Num>,
);

/// The indicator table and, when the groups' weights or scores are checked against their
/// indicators, a table of those checks (分组分值核对).
fn indicator_blocks(
    ctx: &Ctx,
    caption: &str,
    inds: &[Indicator],
    groups: &[IndicatorGroup],
    prefix: &str,
) -> Vec<Block> {
    let mut out = vec![Block::Table(indicator_table(
        ctx, caption, inds, groups, prefix,
    ))];
    let checked: Vec<usize> = (0..groups.len())
        .filter(|g| {
            ["weight", "score"].iter().any(|k| {
                ctx.f
                    .figs
                    .get(&format!("{prefix}indicator_groups[{g}].{k}"))
                    .is_some_and(|f| f.published.is_some())
            })
        })
        .collect();
    if checked.is_empty() || ctx.private(&format!("{prefix}indicator_groups")) {
        return out;
    }
    let mut t = TableView::new(
        format!("{caption}：分组分值核对（各指标合计）"),
        None,
        &["一级指标", "二级指标", "分值", "得分"],
    );
    for g in checked {
        let gr = &groups[g];
        let cell = |k: &str| {
            let path = format!("{prefix}indicator_groups[{g}].{k}");
            match ctx.f.figs.get(&path) {
                Some(f) if f.published.is_some() => ctx.f.cell(&path),
                _ => num_cell(if k == "weight" {
                    gr.weight.as_ref()
                } else {
                    gr.score.as_ref()
                }),
            }
        };
        t.row(vec![
            Cell::head(gr.level1.clone()),
            Cell::opt(gr.level2.as_deref()),
            cell("weight"),
            cell("score"),
        ]);
    }
    out.push(Block::Table(t));
    out
}

fn indicator_table(
    ctx: &Ctx,
    caption: &str,
    inds: &[Indicator],
    groups: &[IndicatorGroup],
    prefix: &str,
) -> TableView {
    let has = |f: &dyn Fn(&Indicator) -> bool| inds.iter().any(f);
    let cols_opval = has(&|i| i.op.is_some() || i.value.is_some());
    let mut head: Vec<&str> = vec!["一级指标", "二级指标", "三级指标"];
    if has(&|i| i.target.is_some()) {
        head.push("年度指标值");
    }
    if cols_opval {
        head.extend(["指标性质", "指标值", "度量单位"]);
    }
    let actual = has(&|i| i.actual.is_some());
    if actual {
        head.push("实际完成值");
    }
    let weight = has(&|i| i.weight.is_some());
    if weight {
        head.push("分值");
    }
    let score = has(&|i| i.score.is_some());
    if score {
        head.push("得分");
    }
    if actual {
        head.push("达成情况");
    }
    for (k, zh) in [
        ("scoring_rule", "评（扣）分标准"),
        ("explanation", "指标值说明"),
        ("deviation", "偏差原因分析及改进措施"),
        ("remark", "备注"),
    ] {
        let present = match k {
            "scoring_rule" => has(&|i| i.scoring_rule.is_some()),
            "explanation" => has(&|i| i.explanation.is_some()),
            "deviation" => has(&|i| i.deviation.is_some()),
            _ => has(&|i| i.remark.is_some()),
        };
        if present {
            head.push(zh);
        }
    }
    let mut t = TableView::new(caption, None, &head);
    t.class = "indicators";
    let group_label = |l1: &str, l2: Option<&str>| -> String {
        groups
            .iter()
            .find(|g| g.level1 == l1 && g.level2.as_deref() == l2)
            .and_then(|g| g.weight.as_ref())
            // The printed label may already carry its weight: 「产出指标(50分)」.
            .filter(|w| !l1_or_l2_has_weight(l1, l2, w))
            .map(|w| format!("（{}分）", w.value))
            .unwrap_or_default()
    };
    for (i, ind) in inds.iter().enumerate() {
        let path = format!("{prefix}indicators[{i}]");
        if ctx.private(&path) {
            continue;
        }
        let l1 = ind.level1.clone().unwrap_or_default();
        let l2 = ind.level2.clone();
        let mut cells = vec![
            Cell::head(format!(
                "{l1}{}",
                if l1.is_empty() {
                    String::new()
                } else {
                    group_label(&l1, None)
                }
            )),
            Cell::head(format!(
                "{}{}",
                l2.clone().unwrap_or_default(),
                l2.as_deref()
                    .map(|l| group_label(&l1, Some(l)))
                    .unwrap_or_default()
            )),
            Cell::head(ind.name.clone().unwrap_or_default()),
        ];
        if head.contains(&"年度指标值") {
            cells.push(Cell::opt(ind.target.as_deref()));
        }
        if cols_opval {
            cells.push(Cell::opt(ind.op.as_deref()));
            cells.push(Cell::text(
                ind.value.as_ref().map(|v| v.display()).unwrap_or_default(),
            ));
            cells.push(Cell::opt(ind.unit.as_deref()));
        }
        if actual {
            let mut c = Cell::opt(ind.actual.as_deref());
            // A check computed from a withheld block (a private budget) is not shown.
            if ind.figure.is_some() && !super::private::figure_withheld(ctx.rec, &path) {
                let fc = ctx.f.cell(&format!("{path}.figure"));
                c.check = fc.check;
                c.agrees = fc.agrees;
                c.notes = fc.notes;
            }
            cells.push(c);
        }
        if weight {
            cells.push(num_cell(ind.weight.as_ref()));
        }
        if score {
            cells.push(num_cell(ind.score.as_ref()));
        }
        if actual {
            let a = ctx.f.figs.achievements.get(&path);
            let text = match (a.and_then(|a| a.met), a.and_then(|a| a.target.as_ref())) {
                (Some(met), Some(t)) => {
                    let gap = a.and_then(|a| a.gap).unwrap_or_default().abs().normalize();
                    let unit = if t.unit == "%" {
                        " 个百分点".to_string()
                    } else {
                        t.unit.clone()
                    };
                    let goal = format!("{}{}{}", t.op.glyph(), t.value.normalize(), t.unit);
                    match (met, t.op) {
                        (true, _) => format!("达成（{goal}）"),
                        (false, crate::compute::Op::Le | crate::compute::Op::Lt) => {
                            format!("未达成（{goal}，超出 {gap}{unit}）")
                        }
                        (false, _) => format!("未达成（{goal}，差 {gap}{unit}）"),
                    }
                }
                _ => String::new(),
            };
            cells.push(Cell::text(text));
        }
        for k in ["scoring_rule", "explanation", "deviation", "remark"] {
            let (zh, v) = match k {
                "scoring_rule" => ("评（扣）分标准", &ind.scoring_rule),
                "explanation" => ("指标值说明", &ind.explanation),
                "deviation" => ("偏差原因分析及改进措施", &ind.deviation),
                _ => ("备注", &ind.remark),
            };
            if head.contains(&zh) {
                cells.push(Cell::md(v.as_deref()));
            }
        }
        t.row(cells);
    }
    t.merge_column(0);
    t.merge_column(1);
    t
}

fn l1_or_l2_has_weight(l1: &str, l2: Option<&str>, w: &crate::num::Num) -> bool {
    let label = l2.unwrap_or(l1);
    label.contains(&format!("{}分", w.value)) || label.contains(&format!("{} 分", w.value))
}

/// Evaluators, notes and signoffs of a record (`prefix` "") or a project ("projects[0].").
fn common_tail(
    ctx: &Ctx,
    prefix: &str,
    evaluators: &[crate::model::Evaluator],
    signoffs: &[Signoff],
    notes: &[String],
    b: &mut Vec<Block>,
) {
    let shown = |key: &str, i: usize| !ctx.private(&format!("{prefix}{key}[{i}]"));
    let evaluators: Vec<_> = (0..evaluators.len())
        .filter(|&i| shown("evaluators", i))
        .map(|i| &evaluators[i])
        .collect();
    let notes: Vec<String> = (0..notes.len())
        .filter(|&i| shown("notes", i))
        .map(|i| notes[i].clone())
        .collect();
    let signoffs: Vec<&Signoff> = (0..signoffs.len())
        .filter(|&i| shown("signoffs", i))
        .map(|i| &signoffs[i])
        .collect();
    if !evaluators.is_empty() {
        let mut t = TableView::new("评价人员", None, &["姓名", "职务/职称", "单位"]);
        for e in evaluators {
            t.row(vec![
                Cell::head(e.name.clone()),
                Cell::opt(e.title.as_deref()),
                Cell::opt(e.unit.as_deref()),
            ]);
        }
        b.push(Block::Table(t));
    }
    if !notes.is_empty() {
        b.push(Block::List {
            title: "备注".into(),
            items: notes,
        });
    }
    if !signoffs.is_empty() {
        b.push(Block::Signoffs {
            items: signoff_views(&signoffs),
        });
    }
}

fn signoff_views(s: &[&Signoff]) -> Vec<SignoffView> {
    s.iter()
        .map(|s| SignoffView {
            title: s.title.clone().unwrap_or_default(),
            opinion: s.opinion.clone(),
            sign: s.sign.clone(),
            signed_by: s.signed_by.clone(),
            date: s.date.as_ref().map(|d| d.display_zh()),
        })
        .collect()
}

fn report(
    ctx: &Ctx,
    basis: Option<&str>,
    sections: &[Section],
    other: Option<&str>,
    e: Option<&Evaluation>,
) -> Vec<Block> {
    let mut b = Vec::new();
    if let Some(x) = basis.filter(|_| !ctx.private("basis")) {
        b.push(Block::Prose {
            title: Some("评价依据与过程".into()),
            md: x.to_string(),
        });
    }
    for (i, s) in sections.iter().enumerate() {
        if ctx.private(&format!("sections[{i}]")) {
            continue;
        }
        b.push(Block::Section {
            level: s.level.unwrap_or(1).clamp(1, 4),
            title: s.title.clone(),
            md: if s.redacted { None } else { s.body.clone() },
            redacted: s.redacted,
            reason: s.reason.clone(),
            blocks: match (e, s.redacted) {
                (Some(e), false) => s
                    .show
                    .iter()
                    .filter(|k| !ctx.private(k))
                    .flat_map(|k| eval_block(ctx, e, k))
                    .collect(),
                _ => Vec::new(),
            },
        });
    }
    if let Some(o) = other.filter(|_| !ctx.private("other_matters")) {
        b.push(Block::Prose {
            title: Some("其他需说明事项".into()),
            md: o.to_string(),
        });
    }
    b
}

fn projects(ctx: &Ctx, projects: &[Project], prefix: &str) -> Vec<Block> {
    let f = &ctx.f;
    let mut b = Vec::new();
    for (p, proj) in projects.iter().enumerate() {
        let path = format!("{prefix}[{p}]");
        if ctx.private(&path) {
            continue;
        }
        b.push(Block::Heading {
            text: proj.form_title.clone().map_or_else(
                || format!("项目：{}", proj.name),
                |t| format!("{t}：{}", proj.name),
            ),
        });
        let mut items = vec![("项目名称".to_string(), Cell::text(proj.name.clone()))];
        for (label, v) in [
            ("项目编码", &proj.code),
            ("主管部门", &proj.supervisor),
            ("实施单位", &proj.implementer),
            ("项目级次", &proj.level),
            ("实施期", &proj.period),
        ] {
            if let Some(v) = v {
                items.push((label.to_string(), Cell::text(v.clone())));
            }
        }
        if proj.amount.is_some() {
            items.push((
                "项目金额（万元）".into(),
                f.num_or_fig(proj.amount.as_ref(), &format!("{path}.amount")),
            ));
        }
        for (label, v) in [
            ("本级预算金额（万元）", &proj.local_amount),
            ("上级资金（万元）", &proj.higher_level_amount),
        ] {
            if v.is_some() {
                items.push((label.to_string(), num_cell(v.as_ref())));
            }
        }
        b.push(Block::Facts {
            title: String::new(),
            items,
        });
        if !proj.funds.is_empty() {
            let mut t = TableView::new(
                "项目资金",
                Some("万元"),
                &[
                    "资金来源",
                    "年初预算数",
                    "全年预算数",
                    "全年执行数",
                    "分值",
                    "执行率",
                    "得分",
                ],
            );
            for (i, fd) in proj.funds.iter().enumerate() {
                let fp = |k: &str| format!("{path}.funds[{i}].{k}");
                let rate = if fd.stated_rate.is_some() || fd.executed.is_some() {
                    f.cell(&fp("rate"))
                } else {
                    Cell::num(None)
                };
                let score = if fd.stated_score.is_some() || fd.weight.is_some() {
                    f.cell(&fp("score"))
                } else {
                    Cell::num(None)
                };
                t.row(vec![
                    Cell::head(fd.source.clone()),
                    f.num_or_fig(fd.initial.as_ref(), &fp("initial")),
                    f.num_or_fig(fd.adjusted.as_ref(), &fp("adjusted")),
                    f.num_or_fig(fd.executed.as_ref(), &fp("executed")),
                    num_cell(fd.weight.as_ref()),
                    rate,
                    score,
                ]);
            }
            b.push(Block::Table(t));
        }
        if proj.long_term_goal.is_some() || proj.annual_goal.is_some() {
            let mut t = TableView::new("项目绩效目标", None, &["长期目标", "年度目标"]);
            t.row(vec![
                Cell::md(proj.long_term_goal.as_deref()),
                Cell::md(proj.annual_goal.as_deref()),
            ]);
            b.push(Block::Table(t));
        }
        if proj.goal.is_some() || proj.outcome.is_some() {
            let mut t = TableView::new("年度总体目标", None, &["预期目标", "实际完成情况"]);
            t.row(vec![
                Cell::md(proj.goal.as_deref()),
                Cell::md(proj.outcome.as_deref()),
            ]);
            b.push(Block::Table(t));
        }
        if !proj.indicators.is_empty() {
            b.extend(indicator_blocks(
                ctx,
                "绩效指标",
                &proj.indicators,
                &proj.indicator_groups,
                &format!("{path}."),
            ));
        }
        if proj.stated_total.is_some()
            || proj.stated_grade.is_some()
            || proj.stated_total_weight.is_some()
        {
            let mut t = TableView::new("总分", None, &["项目", "分值", "得分", "等次"]);
            t.row(vec![
                Cell::head("总分"),
                f.cell(&format!("{path}.total_weight")),
                f.cell(&format!("{path}.total")),
                {
                    let mut g = f.cell(&format!("{path}.grade"));
                    g.num = false;
                    g
                },
            ]);
            b.push(Block::Table(t));
        }
        if let Some(o) = proj
            .other_matters
            .as_ref()
            .filter(|_| !ctx.private(&format!("{path}.other_matters")))
        {
            b.push(Block::Prose {
                title: Some("其他需说明事项".into()),
                md: o.clone(),
            });
        }
        let mut tail_items = Vec::new();
        if let Some(p) = proj
            .prepared_by
            .as_ref()
            .filter(|_| !ctx.private(&format!("{path}.prepared_by")))
        {
            tail_items.push(("填表人".to_string(), Cell::text(p.clone())));
        }
        if let Some(c) = proj
            .contact
            .as_ref()
            .filter(|_| !ctx.private(&format!("{path}.contact")))
        {
            if let Some(n) = c
                .name
                .as_ref()
                .filter(|_| !ctx.private(&format!("{path}.contact.name")))
            {
                tail_items.push(("联系人".into(), Cell::text(n.clone())));
            }
            if let Some(ph) = c
                .phone
                .as_ref()
                .filter(|_| !ctx.private(&format!("{path}.contact.phone")))
            {
                tail_items.push(("联系电话".into(), Cell::text(ph.clone())));
            }
        }
        if let Some(d) = &proj.date {
            tail_items.push(("填表日期".into(), Cell::text(d.display_zh())));
        }
        if !tail_items.is_empty() {
            b.push(Block::Facts {
                title: String::new(),
                items: tail_items,
            });
        }
        common_tail(
            ctx,
            &format!("{path}."),
            &[],
            &proj.signoffs,
            &proj.notes,
            &mut b,
        );
    }
    b
}

fn targets_form(ctx: &Ctx, t: &Targets, department: &str) -> Vec<Block> {
    let f = &ctx.f;
    let mut b = Vec::new();
    let mut items = vec![("部门（单位）名称".to_string(), Cell::text(department))];
    if let Some(c) = t.contact.as_ref().filter(|_| !ctx.private("contact")) {
        if let Some(n) = c.name.as_ref().filter(|_| !ctx.private("contact.name")) {
            items.push(("联系人".into(), Cell::text(n.clone())));
        }
        if let Some(p) = c.phone.as_ref().filter(|_| !ctx.private("contact.phone")) {
            items.push(("联系电话".into(), Cell::text(p.clone())));
        }
    }
    if let Some(p) = t
        .prepared_by
        .as_ref()
        .filter(|_| !ctx.private("prepared_by"))
    {
        items.push(("填表人".into(), Cell::text(p.clone())));
    }
    b.push(Block::Facts {
        title: "部门（单位）基本情况".into(),
        items,
    });
    if let Some(d) = t.duties.as_ref().filter(|_| !ctx.private("duties")) {
        b.push(Block::Prose {
            title: Some("年度履职目标".into()),
            md: d.clone(),
        });
    }
    if !t.tasks.is_empty() && !ctx.private("tasks") {
        let rows: Vec<_> = t.tasks.iter().enumerate().collect();
        b.push(Block::Table(task_table(
            ctx,
            "年度主要任务",
            &rows,
            "tasks",
        )));
    }
    if let Some(bd) = t.budget.as_ref().filter(|_| !ctx.private("budget")) {
        let mut tb = TableView::new("年度部门预算", Some("万元"), &["项目", "金额"]);
        let total = if bd.stated_total.is_some() || bd.total.is_some() {
            let mut c = f.cell(if f.figs.get("budget.total").is_some() {
                "budget.total"
            } else {
                "budget.total_by_use"
            });
            if let (Some(by_use), Some(_)) = (
                f.figs.get("budget.total_by_use"),
                f.figs.get("budget.total"),
            ) {
                c.notes.extend(f.notes(&by_use.path));
            }
            c
        } else {
            f.cell("budget.total")
        };
        tb.row(vec![Cell::head("部门预算总额"), total]);
        for (zh, v) in [
            ("财政性资金", &bd.fiscal),
            ("其他资金", &bd.other),
            ("基本支出", &bd.basic),
            ("项目支出", &bd.project),
        ] {
            tb.row(vec![Cell::head(zh), num_cell(v.as_ref())]);
        }
        b.push(Block::Table(tb));
    }
    if !t.indicators.is_empty() && !ctx.private("indicators") {
        b.extend(indicator_blocks(
            ctx,
            "年度绩效指标",
            &t.indicators,
            &t.indicator_groups,
            "",
        ));
    }
    common_tail(ctx, "", &[], &t.signoffs, &t.notes, &mut b);
    b
}
