//! Open data: every record's figures as plain tables, the same tables for every record so
//! that the site-wide data package can stack them. A table is columns (machine name,
//! Chinese title, type, unit, budget phase) and rows of decimal strings or text, exactly
//! as written or as computed; `render::data` writes them as CSV and JSON.
//!
//! Amounts are the content's literals (`508.20` stays `508.20`); computed amounts are
//! exact; computed rates are percentages at the page's display precision (2 decimals,
//! rounded by the scheme). Published figures keep their printed text. Fields listed in a
//! record's `private` never reach a table: the table, row or cell is left out.

use crate::check::{Finding, Severity, at_precision};
use crate::compute::{Calc, Kind, RecordFigures};
use crate::model::{
    Evaluation, Indicator, IndicatorGroup, Project, Record, RecordBody, Rounding, Targets,
};
use crate::num::{Num, Printed, Stated};
use serde::Serialize;

/// A column of a data table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Column {
    /// Machine name (Table Schema field name of the data package).
    pub name: &'static str,
    /// Chinese title (the header of a record's CSV).
    pub title: &'static str,
    /// Table Schema type: `string`, `number` or `integer`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// Unit of a number column: 万元, %, 分, 人.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
    /// Budget phase of an amount (Fiscal Data Package): approved / adjusted / executed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<&'static str>,
}

const fn text(name: &'static str, title: &'static str) -> Column {
    Column {
        name,
        title,
        ty: "string",
        unit: None,
        phase: None,
    }
}

const fn amount(name: &'static str, title: &'static str) -> Column {
    Column {
        name,
        title,
        ty: "number",
        unit: Some("万元"),
        phase: None,
    }
}

const fn phased(name: &'static str, title: &'static str, phase: &'static str) -> Column {
    Column {
        name,
        title,
        ty: "number",
        unit: Some("万元"),
        phase: Some(phase),
    }
}

const fn number(name: &'static str, title: &'static str, unit: &'static str) -> Column {
    Column {
        name,
        title,
        ty: "number",
        unit: Some(unit),
        phase: None,
    }
}

const fn plain(name: &'static str, title: &'static str) -> Column {
    Column {
        name,
        title,
        ty: "number",
        unit: None,
        phase: None,
    }
}

const fn integer(name: &'static str, title: &'static str) -> Column {
    Column {
        name,
        title,
        ty: "integer",
        unit: None,
        phase: None,
    }
}

/// A table's definition: the same for every record.
#[derive(Debug, Serialize)]
pub struct TableDef {
    /// Machine name: file name of its CSV files and data package resource name.
    pub name: &'static str,
    /// Chinese title.
    pub title: &'static str,
    /// Columns.
    pub columns: &'static [Column],
}

const APPROVED: &str = "approved";
const ADJUSTED: &str = "adjusted";
const EXECUTED: &str = "executed";

/// Every table, in the order pages and packages list them.
pub static TABLES: &[TableDef] = &[
    TableDef {
        name: "budget",
        title: "预算执行情况",
        columns: &[
            text("part", "项目"),
            phased("initial", "年初预算", APPROVED),
            phased("adjusted", "全年预算", ADJUSTED),
            phased("executed", "实际支出", EXECUTED),
            number("execution_rate", "预算执行率（核算）", "%"),
            text("stated_execution_rate", "预算执行率（公开值）"),
            amount("adjustment", "调整数（核算）"),
            text("stated_adjustment", "调整数（公开值）"),
        ],
    },
    TableDef {
        name: "income",
        title: "收入情况",
        columns: &[
            text("unit", "单位"),
            amount("carryover", "上年结转"),
            amount("general_budget", "公共财政拨款"),
            amount("fund_budget", "政府基金拨款"),
            amount("non_tax", "非税收入拨款"),
            amount("other", "其他收入"),
            amount("total", "合计（核算）"),
            text("stated_total", "合计（公开值）"),
        ],
    },
    TableDef {
        name: "expenditure",
        title: "支出情况",
        columns: &[
            text("unit", "单位"),
            phased("basic", "基本支出", EXECUTED),
            phased("personnel", "人员支出", EXECUTED),
            phased("public", "公用支出", EXECUTED),
            phased("project", "项目支出", EXECUTED),
            phased("remit_upward", "上缴上级支出", EXECUTED),
            amount("balance", "当年结余"),
            amount("accumulated_balance", "累计结余"),
            amount("total", "合计（核算）"),
            text("stated_total", "合计（公开值）"),
        ],
    },
    TableDef {
        name: "three_public",
        title: "“三公”经费",
        columns: &[
            text("item", "项目"),
            phased("budget", "预算数", APPROVED),
            phased("actual", "决算数", EXECUTED),
            phased("prior_actual", "上年决算数", EXECUTED),
            number("control_rate", "控制率（核算）", "%"),
            text("stated_control_rate", "控制率（公开值）"),
            amount("change", "同比增减（核算）"),
            text("stated_change", "同比增减（公开值）"),
            number("change_rate", "同比增减率（核算）", "%"),
            text("stated_change_rate", "同比增减率（公开值）"),
            text("stated_direction", "增减（公开值）"),
            text("reason", "原因"),
        ],
    },
    TableDef {
        name: "three_public_by_unit",
        title: "“三公”经费（分单位）",
        columns: &[
            text("unit", "单位"),
            phased("overseas", "因公出国(境)费", EXECUTED),
            phased("vehicle_purchase", "公务用车购置费", EXECUTED),
            phased("vehicle_operation", "公务用车运行维护费", EXECUTED),
            phased("reception", "公务接待费", EXECUTED),
            amount("total", "合计（核算）"),
            text("stated_total", "合计（公开值）"),
        ],
    },
    TableDef {
        name: "assets",
        title: "资产情况",
        columns: &[
            text("unit", "单位"),
            amount("in_use", "在用"),
            amount("rented", "出租出借"),
            amount("other", "其他"),
            amount("total", "合计（核算）"),
            text("stated_total", "合计（公开值）"),
        ],
    },
    TableDef {
        name: "project_funds",
        title: "项目资金情况",
        columns: &[
            text("name", "项目名称"),
            amount("carryover", "上年结转"),
            phased("initial", "年初预算", APPROVED),
            phased("appropriated", "追加（调整）", ADJUSTED),
            amount("total", "合计（核算）"),
            text("stated_total", "合计（公开值）"),
            phased("executed", "实际支出", EXECUTED),
            amount("balance", "结余"),
        ],
    },
    TableDef {
        name: "year_over_year",
        title: "同比变化",
        columns: &[
            text("item", "项目"),
            text("unit", "单位"),
            plain("actual", "本年数"),
            plain("prior_actual", "上年数"),
            plain("change", "增减（核算）"),
            text("stated_change", "增减（公开值）"),
            number("change_rate", "增减率（核算）", "%"),
            text("stated_change_rate", "增减率（公开值）"),
            text("stated_direction", "增减（公开值）"),
            text("reason", "原因"),
        ],
    },
    TableDef {
        name: "staffing",
        title: "人员情况",
        columns: &[
            text("kind", "类别"),
            number("authorized", "编制人数", "人"),
            number("actual", "实有人数", "人"),
        ],
    },
    TableDef {
        name: "tasks",
        title: "年度主要任务",
        columns: &[
            text("name", "任务名称"),
            text("level", "级次"),
            text("content", "主要内容"),
            phased("budget", "预算数", APPROVED),
            amount("fiscal", "财政拨款"),
            amount("other", "其他资金"),
            phased("executed", "执行数", EXECUTED),
            number("rate", "执行率（核算）", "%"),
            text("stated_rate", "执行率（公开值）"),
        ],
    },
    TableDef {
        name: "targets_budget",
        title: "年度预算（绩效目标）",
        columns: &[
            phased("total", "预算总额", APPROVED),
            phased("fiscal", "财政拨款", APPROVED),
            phased("other", "其他资金", APPROVED),
            phased("basic", "基本支出", APPROVED),
            phased("project", "项目支出", APPROVED),
            amount("computed_total", "合计（核算）"),
            text("stated_total", "合计（公开值）"),
        ],
    },
    TableDef {
        name: "scores",
        title: "得分情况",
        columns: &[
            text("scope", "范围"),
            text("name", "项目"),
            number("weight", "分值", "分"),
            number("score", "得分", "分"),
        ],
    },
    TableDef {
        name: "indicator_groups",
        title: "指标分组",
        columns: &[
            text("scope", "范围"),
            text("level1", "一级指标"),
            text("level2", "二级指标"),
            number("weight", "分值", "分"),
            number("score", "得分", "分"),
            text("note", "说明"),
        ],
    },
    TableDef {
        name: "indicators",
        title: "绩效指标",
        columns: &[
            text("scope", "范围"),
            text("level1", "一级指标"),
            text("level2", "二级指标"),
            text("name", "三级指标"),
            text("target", "年度指标值"),
            text("actual", "实际完成值"),
            text("unit", "度量单位"),
            number("weight", "分值", "分"),
            number("score", "得分", "分"),
            text("met", "是否达成（核算）"),
        ],
    },
    TableDef {
        name: "projects",
        title: "项目",
        columns: &[
            text("name", "项目名称"),
            text("code", "项目编码"),
            text("supervisor", "主管部门"),
            text("implementer", "实施单位"),
            phased("amount", "项目资金", APPROVED),
            number("total", "综合得分（核算）", "分"),
            text("stated_total", "综合得分（公开值）"),
            text("grade", "等次（核算）"),
            text("stated_grade", "等次（公开值）"),
        ],
    },
    TableDef {
        name: "project_fund_sources",
        title: "项目资金来源",
        columns: &[
            text("project", "项目名称"),
            text("source", "资金来源"),
            phased("initial", "年初预算数", APPROVED),
            phased("adjusted", "全年预算数", ADJUSTED),
            phased("executed", "全年执行数", EXECUTED),
            number("rate", "执行率（核算）", "%"),
            text("stated_rate", "执行率（公开值）"),
            number("weight", "分值", "分"),
            number("score", "得分（核算）", "分"),
            text("stated_score", "得分（公开值）"),
        ],
    },
    TableDef {
        name: "figures",
        title: "核算结果",
        columns: &[
            text("path", "字段"),
            text("label", "项目"),
            text("kind", "类型"),
            text("unit", "单位"),
            plain("value", "核算值（精确）"),
            text("display", "核算值（显示）"),
            text("published", "公开值"),
            text("published_path", "公开值字段"),
            plain("published_value", "公开值（数值）"),
            integer("published_decimals", "公开值小数位数"),
            text("status", "核对结果"),
            text("formula", "算式"),
        ],
    },
    TableDef {
        name: "findings",
        title: "核对发现",
        columns: &[
            text("id", "编号"),
            text("severity", "级别"),
            text("path", "字段"),
            text("stated", "公开值"),
            text("computed", "核算值"),
            text("cause", "原因代码"),
            text("message", "说明"),
            integer("line", "行"),
            integer("column", "列"),
        ],
    },
];

/// The columns every package table starts with.
pub static KEY_COLUMNS: [Column; 4] = [
    Column {
        name: "department",
        title: "部门代码",
        ty: "string",
        unit: None,
        phase: None,
    },
    Column {
        name: "department_name",
        title: "部门名称",
        ty: "string",
        unit: None,
        phase: None,
    },
    Column {
        name: "year",
        title: "年度",
        ty: "integer",
        unit: None,
        phase: None,
    },
    Column {
        name: "record",
        title: "文件类型",
        ty: "string",
        unit: None,
        phase: None,
    },
];

/// A table's definition by name.
pub fn table_def(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| t.name == name)
}

impl TableDef {
    /// Its position in `TABLES`.
    pub fn index(&self) -> usize {
        TABLES
            .iter()
            .position(|d| d.name == self.name)
            .unwrap_or_default()
    }
}

/// One record's rows of one table.
#[derive(Debug)]
pub struct RecordTable {
    /// Definition.
    pub def: &'static TableDef,
    /// Rows, one value per column (`None` = blank).
    pub rows: Vec<Vec<Option<String>>>,
}

/// Everything a record publishes as data.
#[derive(Debug)]
pub struct RecordData {
    /// Tables that have rows, in `TABLES` order.
    pub tables: Vec<RecordTable>,
}

use super::private::covers as is_private;

struct Builder<'a> {
    rec: &'a Record,
    figs: &'a RecordFigures,
    rounding: Rounding,
    private: &'a [String],
    tables: Vec<RecordTable>,
}

type Row = (String, Vec<Option<String>>);

fn n(v: Option<&Num>) -> Option<String> {
    v.map(|n| crate::num::decimal_string(&n.value))
}

fn t(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.is_empty()).map(str::to_string)
}

fn st(v: Option<&Stated>) -> Option<String> {
    v.map(|s| s.text.clone())
}

impl Builder<'_> {
    /// A computed figure's exact value (a rate: percent at display precision).
    fn fig(&self, path: &str) -> Option<String> {
        let f = self.figs.get(path)?;
        if is_private(self.private, path) {
            return None;
        }
        match (&f.value, f.kind) {
            (Calc::Num(d), Kind::Rate) => {
                Some(at_precision(Kind::Rate, *d, 2, self.rounding).replace('%', ""))
                    .filter(|s| s != "—")
            }
            (Calc::Num(d), _) => Some(crate::num::decimal_string(&d.normalize())),
            (Calc::Text(s), _) => Some(s.clone()),
            (Calc::Missing(_), _) => None,
        }
    }

    /// Adds a table's rows, dropping private tables, rows and cells (a cell is private
    /// when `<row path>.<column name>` is).
    fn add(&mut self, name: &'static str, table_path: &str, rows: Vec<Row>) {
        let def = table_def(name).expect("a defined table");
        if rows.is_empty() || (!table_path.is_empty() && is_private(self.private, table_path)) {
            return;
        }
        // Most records withhold nothing: no path to test (a path per cell, otherwise).
        debug_assert!(
            rows.iter().all(|(_, c)| c.len() == def.columns.len()),
            "{name}"
        );
        let rows: Vec<_> = if self.private.is_empty() {
            rows.into_iter().map(|(_, cells)| cells).collect()
        } else {
            self.withhold(def, rows)
        };
        if rows.is_empty() {
            return;
        }
        match self.tables.iter_mut().find(|t| t.def.name == name) {
            Some(t) => t.rows.extend(rows),
            None => self.tables.push(RecordTable { def, rows }),
        }
    }

    /// The rows without private rows, private cells emptied.
    fn withhold(&self, def: &TableDef, rows: Vec<Row>) -> Vec<Vec<Option<String>>> {
        rows.into_iter()
            .filter(|(p, _)| !is_private(self.private, p))
            .map(|(p, mut cells)| {
                for (c, col) in cells.iter_mut().zip(def.columns) {
                    let cell_path = format!("{p}.{}", col.name);
                    if is_private(self.private, &cell_path) {
                        *c = None;
                    }
                }
                cells
            })
            .collect()
    }
}

/// Builds a record's data tables.
pub fn record(
    rec: &Record,
    figs: &RecordFigures,
    findings: &[(usize, &Finding)],
    rounding: Rounding,
) -> RecordData {
    let mut b = Builder {
        rec,
        figs,
        rounding,
        private: super::private::of(rec),
        tables: Vec::new(),
    };
    match &rec.body {
        RecordBody::Evaluation(e) => evaluation(&mut b, e),
        RecordBody::Targets(t) => targets(&mut b, t),
    }
    figures(&mut b, findings);
    findings_table(&mut b, findings);
    let mut tables = b.tables;
    tables.sort_by_key(|t| t.def.index());
    RecordData { tables }
}

fn evaluation(b: &mut Builder, e: &Evaluation) {
    if let Some(bd) = &e.budget {
        let mut rows = vec![(
            "budget".to_string(),
            vec![
                Some("合计".into()),
                n(bd.initial.as_ref()),
                n(bd.adjusted.as_ref()),
                n(bd.executed.as_ref()),
                b.fig("budget.execution_rate"),
                st(bd.stated_execution_rate.as_ref()),
                b.fig("budget.adjustment"),
                st(bd.stated_adjustment.as_ref()),
            ],
        )];
        for (key, zh, part) in [
            ("basic", "基本支出", &bd.basic),
            ("project", "项目支出", &bd.project),
        ] {
            if let Some(p) = part {
                let path = format!("budget.{key}");
                rows.push((
                    path.clone(),
                    vec![
                        Some(zh.into()),
                        n(p.initial.as_ref()),
                        n(p.adjusted.as_ref()),
                        n(p.executed.as_ref()),
                        b.fig(&format!("{path}.execution_rate")),
                        st(p.stated_execution_rate.as_ref()),
                        b.fig(&format!("{path}.adjustment")),
                        st(p.stated_adjustment.as_ref()),
                    ],
                ));
            }
        }
        b.add("budget", "budget", rows);
    }
    let rows = e
        .income
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = format!("income[{i}]");
            let cells = vec![
                Some(r.unit.clone()),
                n(r.carryover.as_ref()),
                n(r.general_budget.as_ref()),
                n(r.fund_budget.as_ref()),
                n(r.non_tax.as_ref()),
                n(r.other.as_ref()),
                b.fig(&format!("{p}.total")),
                st(r.stated_total.as_ref()),
            ];
            (p, cells)
        })
        .collect();
    b.add("income", "income", rows);
    let rows = e
        .expenditure
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = format!("expenditure[{i}]");
            let cells = vec![
                Some(r.unit.clone()),
                n(r.basic.as_ref()),
                n(r.personnel.as_ref()),
                n(r.public.as_ref()),
                n(r.project.as_ref()),
                n(r.remit_upward.as_ref()),
                n(r.balance.as_ref()),
                n(r.accumulated_balance.as_ref()),
                b.fig(&format!("{p}.total")),
                st(r.stated_total.as_ref()),
            ];
            (p, cells)
        })
        .collect();
    b.add("expenditure", "expenditure", rows);
    let rows = e
        .three_public
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = format!("three_public[{i}]");
            let cells = vec![
                Some(r.item.clone()),
                n(r.budget.as_ref()),
                n(r.actual.as_ref()),
                n(r.prior_actual.as_ref()),
                b.fig(&format!("{p}.control_rate")),
                st(r.stated_control_rate.as_ref()),
                b.fig(&format!("{p}.change")),
                st(r.stated_change.as_ref()),
                b.fig(&format!("{p}.change_rate")),
                st(r.stated_change_rate.as_ref()),
                st(r.stated_direction.as_ref()),
                t(r.reason.as_deref()),
            ];
            (p, cells)
        })
        .collect();
    b.add("three_public", "three_public", rows);
    let rows = e
        .three_public_by_unit
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = format!("three_public_by_unit[{i}]");
            let cells = vec![
                Some(r.unit.clone()),
                n(r.overseas.as_ref()),
                n(r.vehicle_purchase.as_ref()),
                n(r.vehicle_operation.as_ref()),
                n(r.reception.as_ref()),
                b.fig(&format!("{p}.total")),
                st(r.stated_total.as_ref()),
            ];
            (p, cells)
        })
        .collect();
    b.add("three_public_by_unit", "three_public_by_unit", rows);
    let rows = e
        .assets
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = format!("assets[{i}]");
            let cells = vec![
                Some(r.unit.clone()),
                n(r.in_use.as_ref()),
                n(r.rented.as_ref()),
                n(r.other.as_ref()),
                b.fig(&format!("{p}.total")),
                st(r.stated_total.as_ref()),
            ];
            (p, cells)
        })
        .collect();
    b.add("assets", "assets", rows);
    let rows = e
        .project_funds
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = format!("project_funds[{i}]");
            let cells = vec![
                Some(r.name.clone()),
                n(r.carryover.as_ref()),
                n(r.initial.as_ref()),
                n(r.appropriated.as_ref()),
                b.fig(&format!("{p}.total")),
                st(r.stated_total.as_ref()),
                n(r.executed.as_ref()),
                n(r.balance.as_ref()),
            ];
            (p, cells)
        })
        .collect();
    b.add("project_funds", "project_funds", rows);
    let rows = e
        .year_over_year
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = format!("year_over_year[{i}]");
            let cells = vec![
                Some(r.item.clone()),
                t(r.unit.as_deref()),
                n(r.actual.as_ref()),
                n(r.prior_actual.as_ref()),
                b.fig(&format!("{p}.change")),
                st(r.stated_change.as_ref()),
                b.fig(&format!("{p}.change_rate")),
                st(r.stated_change_rate.as_ref()),
                st(r.stated_direction.as_ref()),
                t(r.reason.as_deref()),
            ];
            (p, cells)
        })
        .collect();
    b.add("year_over_year", "year_over_year", rows);
    if let Some(s) = &e.staffing {
        let mut rows: Vec<Row> = s
            .by_type
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    format!("staffing.by_type[{i}]"),
                    vec![
                        Some(r.kind.clone()),
                        n(r.authorized.as_ref()),
                        n(r.actual.as_ref()),
                    ],
                )
            })
            .collect();
        rows.push((
            "staffing".into(),
            vec![
                Some("合计".into()),
                n(s.authorized.as_ref()),
                n(s.actual.as_ref()),
            ],
        ));
        if s.retired.is_some() {
            rows.push((
                "staffing.retired[]".into(),
                vec![Some("离退休人员".into()), None, n(s.retired.as_ref())],
            ));
        }
        b.add("staffing", "staffing", rows);
    }
    if let Some(g) = &e.goals {
        let rows = g
            .tasks
            .iter()
            .enumerate()
            .filter_map(|(i, task)| match task {
                crate::model::Task::Row(r) => Some((i, r)),
                _ => None,
            })
            .map(|(i, r)| task_row(b, &format!("goals.tasks[{i}]"), r))
            .collect();
        b.add("tasks", "goals.tasks", rows);
    }
    if let Some(s) = &e.score {
        let mut rows: Vec<Row> = s
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    format!("score.parts[{i}]"),
                    vec![
                        Some("部门整体".into()),
                        Some(p.name.clone()),
                        n(p.weight.as_ref()),
                        n(p.score.as_ref()),
                    ],
                )
            })
            .collect();
        if !rows.is_empty() {
            rows.push((
                "score.total[]".into(),
                vec![
                    Some("部门整体".into()),
                    Some("合计（核算）".into()),
                    b.fig("score.total_weight"),
                    b.fig("score.total"),
                ],
            ));
        }
        b.add("scores", "score", rows);
    }
    groups(b, "部门整体", "", &e.indicator_groups);
    indicators(b, "部门整体", "", &e.indicators);
    projects(b, &e.projects);
}

fn task_row(b: &Builder, p: &str, r: &crate::model::TaskRow) -> Row {
    (
        p.to_string(),
        vec![
            t(r.name.as_deref()),
            t(r.level.as_deref()),
            t(r.content.as_deref()),
            n(r.budget.as_ref()),
            n(r.fiscal.as_ref()),
            n(r.other.as_ref()),
            n(r.executed.as_ref()),
            b.fig(&format!("{p}.rate")),
            st(r.stated_rate.as_ref()),
        ],
    )
}

fn targets(b: &mut Builder, tg: &Targets) {
    let rows = tg
        .tasks
        .iter()
        .enumerate()
        .map(|(i, r)| task_row(b, &format!("tasks[{i}]"), r))
        .collect();
    b.add("tasks", "tasks", rows);
    if let Some(bd) = &tg.budget {
        let row = vec![
            n(bd.total.as_ref()),
            n(bd.fiscal.as_ref()),
            n(bd.other.as_ref()),
            n(bd.basic.as_ref()),
            n(bd.project.as_ref()),
            b.fig("budget.total")
                .or_else(|| b.fig("budget.total_by_use")),
            st(bd.stated_total.as_ref()),
        ];
        b.add("targets_budget", "budget", vec![("budget".into(), row)]);
    }
    groups(b, "部门整体", "", &tg.indicator_groups);
    indicators(b, "部门整体", "", &tg.indicators);
    projects(b, &tg.projects);
}

fn groups(b: &mut Builder, scope: &str, prefix: &str, groups: &[IndicatorGroup]) {
    let rows = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            (
                format!("{prefix}indicator_groups[{i}]"),
                vec![
                    Some(scope.to_string()),
                    Some(g.level1.clone()),
                    t(g.level2.as_deref()),
                    n(g.weight.as_ref()),
                    n(g.score.as_ref()),
                    t(g.note.as_deref()),
                ],
            )
        })
        .collect();
    b.add(
        "indicator_groups",
        &format!("{prefix}indicator_groups"),
        rows,
    );
}

fn indicators(b: &mut Builder, scope: &str, prefix: &str, list: &[Indicator]) {
    let rows = list
        .iter()
        .enumerate()
        .map(|(i, ind)| {
            let p = format!("{prefix}indicators[{i}]");
            let met = b
                .figs
                .achievements
                .get(&p)
                .and_then(|a| a.met)
                .map(|m| if m { "达成" } else { "未达成" }.to_string());
            let cells = vec![
                Some(scope.to_string()),
                t(ind.level1.as_deref()),
                t(ind.level2.as_deref()),
                t(ind.name.as_deref()),
                t(ind.target.as_deref()),
                t(ind.actual.as_deref()),
                t(ind.unit.as_deref()),
                n(ind.weight.as_ref()),
                n(ind.score.as_ref()),
                met,
            ];
            (p, cells)
        })
        .collect();
    b.add("indicators", &format!("{prefix}indicators"), rows);
}

fn projects(b: &mut Builder, projects: &[Project]) {
    if projects.is_empty() {
        return;
    }
    let rows = projects
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let path = format!("projects[{i}]");
            let cells = vec![
                Some(p.name.clone()),
                t(p.code.as_deref()),
                t(p.supervisor.as_deref()),
                t(p.implementer.as_deref()),
                n(p.amount.as_ref()),
                b.fig(&format!("{path}.total")),
                st(p.stated_total.as_ref()),
                b.fig(&format!("{path}.grade")),
                st(p.stated_grade.as_ref()),
            ];
            (path, cells)
        })
        .collect();
    b.add("projects", "projects", rows);
    for (i, p) in projects.iter().enumerate() {
        let path = format!("projects[{i}]");
        if is_private(b.private, &path) {
            continue;
        }
        let rows = p
            .funds
            .iter()
            .enumerate()
            .map(|(f, fund)| {
                let fp = format!("{path}.funds[{f}]");
                let cells = vec![
                    Some(p.name.clone()),
                    Some(fund.source.clone()),
                    n(fund.initial.as_ref()),
                    n(fund.adjusted.as_ref()),
                    n(fund.executed.as_ref()),
                    b.fig(&format!("{fp}.rate")),
                    st(fund.stated_rate.as_ref()),
                    n(fund.weight.as_ref()),
                    b.fig(&format!("{fp}.score")),
                    st(fund.stated_score.as_ref()),
                ];
                (fp, cells)
            })
            .collect();
        b.add("project_fund_sources", &format!("{path}.funds"), rows);
        groups(b, &p.name, &format!("{path}."), &p.indicator_groups);
        indicators(b, &p.name, &format!("{path}."), &p.indicators);
    }
}

fn kind_name(k: Kind) -> (&'static str, &'static str) {
    match k {
        Kind::Amount => ("amount", "万元"),
        Kind::Rate => ("rate", "%"),
        Kind::Score => ("score", "分"),
        Kind::Count => ("count", ""),
        Kind::Grade => ("grade", ""),
    }
}

fn figures(b: &mut Builder, findings: &[(usize, &Finding)]) {
    let rows = b
        .figs
        .figures
        .iter()
        .filter(|f| {
            !is_private(b.private, &f.path)
                && !f
                    .published
                    .as_ref()
                    .is_some_and(|p| is_private(b.private, &p.path))
                && !f
                    .path
                    .strip_suffix(".figure")
                    .is_some_and(|ind| super::private::figure_withheld(b.rec, ind))
        })
        .map(|f| {
            let (kind, unit) = kind_name(f.kind);
            let value = match (&f.value, f.kind) {
                (Calc::Num(d), Kind::Rate) => d
                    .checked_mul(rust_decimal::Decimal::ONE_HUNDRED)
                    .map(|p| crate::num::decimal_string(&p.normalize())),
                (Calc::Num(d), _) => Some(crate::num::decimal_string(&d.normalize())),
                _ => None,
            };
            let printed = f.published.as_ref().and_then(|p| Printed::parse(&p.text));
            // As the page shows it: an amount at the decimals the document printed.
            let display = match &f.value {
                Calc::Num(d) => Some(match f.kind {
                    Kind::Rate => at_precision(Kind::Rate, *d, 2, b.rounding),
                    Kind::Score => crate::num::decimal_string(
                        &crate::check::round(*d, 2, b.rounding).normalize(),
                    ),
                    _ => {
                        let mut v = *d;
                        if let Some(p) = printed.as_ref().filter(|p| p.decimals > v.scale()) {
                            v.rescale(p.decimals);
                        }
                        crate::num::decimal_string(&v)
                    }
                }),
                Calc::Text(s) => Some(s.clone()),
                Calc::Missing(why) => Some(format!("无法核算：{why}")),
            };
            let mine: Vec<_> = findings
                .iter()
                .filter(|(_, x)| *x.figure == *f.path)
                .map(|(_, x)| x.severity)
                .collect();
            let status = if f.published.is_none() {
                "仅核算"
            } else if mine.contains(&Severity::Error) {
                "不一致"
            } else if mine.contains(&Severity::Warning) {
                "尾数误差"
            } else if matches!(f.value, Calc::Missing(_)) {
                "无法核算"
            } else {
                "一致"
            };
            (
                f.path.to_string(),
                vec![
                    Some(f.path.to_string()),
                    Some(f.label.to_string()),
                    Some(kind.into()),
                    Some(unit.into()).filter(|u: &String| !u.is_empty()),
                    value,
                    display,
                    f.published.as_ref().map(|p| p.text.clone()),
                    f.published.as_ref().map(|p| p.path.clone()),
                    printed
                        .as_ref()
                        .map(|p| crate::num::decimal_string(&p.value)),
                    printed.as_ref().map(|p| p.decimals.to_string()),
                    Some(status.into()),
                    Some(f.formula.to_string()).filter(|s| !s.is_empty()),
                ],
            )
        })
        .collect();
    b.add("figures", "", rows);
}

fn findings_table(b: &mut Builder, findings: &[(usize, &Finding)]) {
    let rows = findings
        .iter()
        .filter(|(_, f)| !is_private(b.private, &f.path) && !is_private(b.private, &f.figure))
        .map(|(i, f)| {
            (
                format!("findings[{i}]"),
                vec![
                    Some(super::finding_anchor(f, *i)),
                    Some(f.severity.zh().into()),
                    Some(f.path.clone()),
                    Some(f.stated.clone()),
                    Some(f.computed.clone()),
                    Some(f.cause.into()),
                    Some(f.message.clone()),
                    Some(f.line.to_string()),
                    Some(f.column.to_string()),
                ],
            )
        })
        .collect();
    b.add("findings", "", rows);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_unique_column_names() {
        for t in TABLES {
            let mut names: Vec<_> = t.columns.iter().map(|c| c.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), t.columns.len(), "{}", t.name);
        }
    }
}
