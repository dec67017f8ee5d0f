//! The computed figures of evaluation and targets records, table by table, in the order
//! the format lists them.

use super::{
    Alt, Calc, Figure, Kind, NO_DATA, OVERFLOW, Published, RecordFigures, diff, indicators,
    product, ratio, show, sum, val,
};
use crate::model::{
    Budget, BudgetPart, ByEconomic, Evaluation, ExecutionBase, Indicator, IndicatorGroup, Project,
    Scheme, Targets, TaskRow,
};
use crate::num::{Num, Stated};
use rust_decimal::Decimal;

/// Text joined from its parts, allocated once at its length: the figures' paths and
/// labels (`format!` and the shrinking of its spare capacity into a `Box<str>` were a
/// twelfth of `check`).
macro_rules! cat {
    ($($part:expr),+ $(,)?) => {{
        let parts: &[&dyn Piece] = &[$(&$part),+];
        let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        for p in parts {
            p.push_to(&mut s);
        }
        s
    }};
}

/// A part of [`cat!`]'s text.
trait Piece {
    fn len(&self) -> usize;
    fn push_to(&self, s: &mut String);
}

impl Piece for str {
    fn len(&self) -> usize {
        str::len(self)
    }
    fn push_to(&self, s: &mut String) {
        s.push_str(self);
    }
}

impl Piece for String {
    fn len(&self) -> usize {
        self.as_str().len()
    }
    fn push_to(&self, s: &mut String) {
        s.push_str(self);
    }
}

impl Piece for Box<str> {
    fn len(&self) -> usize {
        str::len(self)
    }
    fn push_to(&self, s: &mut String) {
        s.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn len(&self) -> usize {
        T::len(self)
    }
    fn push_to(&self, s: &mut String) {
        T::push_to(self, s);
    }
}

impl Piece for usize {
    fn len(&self) -> usize {
        self.checked_ilog10().unwrap_or(0) as usize + 1
    }
    fn push_to(&self, s: &mut String) {
        let mut digits = [0u8; 20];
        let mut n = *self;
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        // ASCII digits.
        s.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
    }
}

/// Builds a figure.
struct F(Figure);

impl F {
    fn new(path: impl Into<String>, label: impl Into<String>, kind: Kind, value: Calc) -> F {
        F(Figure {
            path: path.into().into_boxed_str(),
            label: label.into().into_boxed_str(),
            kind,
            value,
            formula: Box::default(),
            published: None,
            alts: Vec::new(),
            direction: None,
            terms: 0,
        })
    }
    fn formula(mut self, f: String) -> F {
        if !f.contains(['÷', '−', '×']) && f.contains(" + ") {
            self.0.terms = f.matches(" + ").count() + 1;
        }
        self.0.formula = f.into_boxed_str();
        self
    }
    fn stated(mut self, s: Option<&Stated>, path: impl Into<String>) -> F {
        self.0.published = s.map(|s| Published::stated(s, path.into()));
        self
    }
    fn printed(mut self, n: Option<&Num>, path: impl Into<String>) -> F {
        self.0.published = n.map(|n| Published::num(n, path.into()));
        self
    }
    fn alt(mut self, cause: &'static str, v: Calc) -> F {
        if let Calc::Num(d) = v {
            self.0.alts.push(Alt { cause, value: d });
        }
        self
    }
    fn direction(mut self, s: Option<&Stated>, path: impl Into<String>) -> F {
        self.0.direction = s.map(|s| Box::new(Published::stated(s, path.into())));
        self
    }
    fn add(self, out: &mut RecordFigures) {
        out.push(self.0);
    }
}

fn plus(parts: &[(&str, Option<&Num>)]) -> String {
    terms(parts.iter().filter_map(|(_, n)| *n))
}

/// The formula of a sum: the parts written as printed, without trailing zeros, joined by
/// 「 + 」 (written into one string, not a string per part).
fn terms<'a>(parts: impl IntoIterator<Item = &'a Num>) -> String {
    let mut s = String::new();
    for n in parts {
        if !s.is_empty() {
            s.push_str(" + ");
        }
        s.push_str(crate::num::decimal_text(&n.value.normalize(), &mut [0; 64]));
    }
    s
}

fn over(a: &Calc, b: &Calc) -> String {
    format!("{} ÷ {}", show(a), show(b))
}

/// A column of a table: key, Chinese name, getter.
type Column<R> = (&'static str, &'static str, fn(&R) -> Option<&Num>);

/// Row-wise totals (`stated_total` against the row's parts) and, for printed 合计 rows,
/// column-wise totals (each cell against the sum of the other rows).
struct Table<'a, R> {
    name: &'static str,
    rows: &'a [R],
    is_total: fn(&R) -> bool,
    label: fn(&R) -> &str,
    cols: &'a [Column<R>],
}

impl<R> Table<'_, R> {
    fn column_totals(&self, out: &mut RecordFigures) {
        for (t, row) in self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| (self.is_total)(r))
        {
            for (key, zh, get) in self.cols {
                let Some(printed) = get(row) else { continue };
                let parts = self.rows.iter().filter(|r| !(self.is_total)(r)).map(get);
                let value = sum(parts.clone());
                let formula = terms(parts.flatten());
                let path = cat!(self.name, "[", t, "].", key);
                F::new(
                    &path,
                    format!("{} {zh}（合计）", (self.label)(row)),
                    Kind::Amount,
                    value,
                )
                .formula(formula)
                .printed(Some(printed), &path)
                .add(out);
            }
        }
    }
}

/// All figures of an evaluation record.
pub fn evaluation(
    e: &Evaluation,
    prior: Option<&Evaluation>,
    scheme: &Scheme,
    out: &mut RecordFigures,
) {
    if let Some(s) = &e.staffing {
        let total = sum([s.actual.as_ref(), s.retired.as_ref()]);
        F::new("staffing.total", "实有人员总数", Kind::Count, total)
            .formula(plus(&[("", s.actual.as_ref()), ("", s.retired.as_ref())]))
            .stated(s.stated_total.as_ref(), "staffing.stated_total")
            .add(out);
        if !s.by_type.is_empty() {
            for (key, zh, own, get) in [
                (
                    "authorized",
                    "编制人数",
                    s.authorized.as_ref(),
                    (|t: &crate::model::StaffType| t.authorized.as_ref())
                        as fn(&crate::model::StaffType) -> Option<&Num>,
                ),
                ("actual", "实有人数", s.actual.as_ref(), |t| {
                    t.actual.as_ref()
                }),
            ] {
                let parts = s.by_type.iter().map(get);
                if parts.clone().all(|p| p.is_none()) {
                    continue;
                }
                F::new(
                    cat!("staffing.", key),
                    cat!(zh, "（人员构成合计）"),
                    Kind::Count,
                    sum(parts),
                )
                .printed(own, cat!("staffing.", key))
                .add(out);
            }
        }
    }
    if let Some(g) = &e.goals {
        for (i, t) in g.tasks.iter().enumerate() {
            if let crate::model::Task::Row(row) = t {
                task_rate(row, &cat!("goals.tasks[", i, "]"), out);
            }
        }
    }

    // 收入
    for (i, r) in e.income.iter().enumerate() {
        let parts = [
            ("carryover", r.carryover.as_ref()),
            ("general_budget", r.general_budget.as_ref()),
            ("fund_budget", r.fund_budget.as_ref()),
            ("non_tax", r.non_tax.as_ref()),
            ("other", r.other.as_ref()),
        ];
        F::new(
            cat!("income[", i, "].total"),
            cat!(r.unit, " 收入合计"),
            Kind::Amount,
            sum(parts.map(|p| p.1)),
        )
        .formula(plus(&parts))
        .stated(
            r.stated_total.as_ref(),
            cat!("income[", i, "].stated_total"),
        )
        .add(out);
    }
    Table {
        name: "income",
        rows: &e.income,
        is_total: |r| r.total,
        label: |r| &r.unit,
        cols: &[
            ("carryover", "上年结转", |r| r.carryover.as_ref()),
            ("general_budget", "公共财政拨款", |r| {
                r.general_budget.as_ref()
            }),
            ("fund_budget", "政府基金拨款", |r| {
                r.fund_budget.as_ref()
            }),
            ("non_tax", "非税收入拨款", |r| r.non_tax.as_ref()),
            ("other", "其他收入", |r| r.other.as_ref()),
        ],
    }
    .column_totals(out);

    // 支出
    for (i, r) in e.expenditure.iter().enumerate() {
        let basic = r.basic.as_ref();
        let parts = [
            ("basic", basic),
            ("project", r.project.as_ref()),
            ("remit_upward", r.remit_upward.as_ref()),
        ];
        let total = sum(parts.map(|p| p.1));
        F::new(
            cat!("expenditure[", i, "].total"),
            cat!(r.unit, " 支出合计"),
            Kind::Amount,
            total.clone(),
        )
        .formula(plus(&parts))
        .stated(
            r.stated_total.as_ref(),
            cat!("expenditure[", i, "].stated_total"),
        )
        .add(out);
        if r.personnel.is_some() || r.public.is_some() {
            let v = sum([r.personnel.as_ref(), r.public.as_ref()]);
            F::new(
                cat!("expenditure[", i, "].basic"),
                cat!(r.unit, " 基本支出"),
                Kind::Amount,
                v,
            )
            .formula(plus(&[("", r.personnel.as_ref()), ("", r.public.as_ref())]))
            .printed(basic, cat!("expenditure[", i, "].basic"))
            .add(out);
        }
        if let Some(shares) = &r.stated_share {
            for (col, stated) in shares {
                let part = match col.as_str() {
                    "basic" => val(basic),
                    "project" => val(r.project.as_ref()),
                    "remit_upward" => val(r.remit_upward.as_ref()),
                    "personnel" => val(r.personnel.as_ref()),
                    "public" => val(r.public.as_ref()),
                    _ => Calc::Missing(NO_DATA),
                };
                let zh = match col.as_str() {
                    "basic" => "基本支出",
                    "project" => "项目支出",
                    "remit_upward" => "上缴上级支出",
                    "personnel" => "人员支出",
                    "public" => "公用支出",
                    _ => "",
                };
                let stated_total = r
                    .stated_total
                    .as_ref()
                    .and_then(|s| crate::num::parse_literal(&s.text))
                    .map(Calc::Num);
                let mut f = F::new(
                    cat!("expenditure[", i, "].share.", col),
                    cat!(r.unit, " ", zh, "占总支出比重"),
                    Kind::Rate,
                    ratio(&part, &total),
                )
                .formula(over(&part, &total))
                .stated(
                    Some(stated),
                    cat!("expenditure[", i, "].stated_share.", col),
                );
                if let Some(st) = stated_total {
                    f = f.alt("wrong_base", ratio(&part, &st));
                }
                f.add(out);
            }
        }
    }
    Table {
        name: "expenditure",
        rows: &e.expenditure,
        is_total: |r| r.total,
        label: |r| &r.unit,
        cols: &[
            ("basic", "基本支出", |r| r.basic.as_ref()),
            ("personnel", "人员支出", |r| r.personnel.as_ref()),
            ("public", "公用支出", |r| r.public.as_ref()),
            ("project", "项目支出", |r| r.project.as_ref()),
            ("remit_upward", "上缴上级支出", |r| {
                r.remit_upward.as_ref()
            }),
            ("balance", "当年结余", |r| r.balance.as_ref()),
            ("accumulated_balance", "累计结余", |r| {
                r.accumulated_balance.as_ref()
            }),
        ],
    }
    .column_totals(out);

    if let Some(b) = &e.budget {
        budget(b, scheme, out);
    }

    // 三公经费（分机构）
    for (i, r) in e.three_public_by_unit.iter().enumerate() {
        let parts = [
            ("", r.overseas.as_ref()),
            ("", r.vehicle_purchase.as_ref()),
            ("", r.vehicle_operation.as_ref()),
            ("", r.reception.as_ref()),
        ];
        F::new(
            cat!("three_public_by_unit[", i, "].total"),
            cat!(r.unit, " 三公经费合计"),
            Kind::Amount,
            sum(parts.map(|p| p.1)),
        )
        .formula(plus(&parts))
        .stated(
            r.stated_total.as_ref(),
            cat!("three_public_by_unit[", i, "].stated_total"),
        )
        .add(out);
    }
    Table {
        name: "three_public_by_unit",
        rows: &e.three_public_by_unit,
        is_total: |r| r.total,
        label: |r| &r.unit,
        cols: &[
            ("overseas", "因公出国(境)费", |r| r.overseas.as_ref()),
            ("vehicle_purchase", "公务用车购置费", |r| {
                r.vehicle_purchase.as_ref()
            }),
            ("vehicle_operation", "公务用车运行维护费", |r| {
                r.vehicle_operation.as_ref()
            }),
            ("reception", "公务接待费", |r| r.reception.as_ref()),
        ],
    }
    .column_totals(out);

    three_public(e, prior, out);

    // 固定资产
    for (i, r) in e.assets.iter().enumerate() {
        let parts = [
            ("", r.in_use.as_ref()),
            ("", r.rented.as_ref()),
            ("", r.other.as_ref()),
        ];
        F::new(
            cat!("assets[", i, "].total"),
            cat!(r.unit, " 固定资产合计"),
            Kind::Amount,
            sum(parts.map(|p| p.1)),
        )
        .formula(plus(&parts))
        .stated(
            r.stated_total.as_ref(),
            cat!("assets[", i, "].stated_total"),
        )
        .add(out);
    }
    Table {
        name: "assets",
        rows: &e.assets,
        is_total: |r| r.total,
        label: |r| &r.unit,
        cols: &[
            ("in_use", "在用固定资产", |r| r.in_use.as_ref()),
            ("rented", "出租固定资产", |r| r.rented.as_ref()),
            ("other", "其他", |r| r.other.as_ref()),
        ],
    }
    .column_totals(out);

    // 项目资金使用情况
    for (i, r) in e.project_funds.iter().enumerate() {
        let parts = [("", r.carryover.as_ref()), ("", r.appropriated.as_ref())];
        let total = sum(parts.map(|p| p.1));
        F::new(
            cat!("project_funds[", i, "].total"),
            cat!(r.name, " 资金来源合计"),
            Kind::Amount,
            total.clone(),
        )
        .formula(plus(&parts))
        .stated(
            r.stated_total.as_ref(),
            cat!("project_funds[", i, "].stated_total"),
        )
        .add(out);
        if r.balance.is_some() {
            let base = r
                .stated_total
                .as_ref()
                .and_then(|s| crate::num::parse_literal(&s.text))
                .map_or(total, Calc::Num);
            let v = diff(&base, &val(r.executed.as_ref()));
            F::new(
                cat!("project_funds[", i, "].balance"),
                cat!(r.name, " 年末结余"),
                Kind::Amount,
                v,
            )
            .formula(format!(
                "{} − {}",
                show(&base),
                show(&val(r.executed.as_ref()))
            ))
            .printed(r.balance.as_ref(), cat!("project_funds[", i, "].balance"))
            .add(out);
        }
    }
    Table {
        name: "project_funds",
        rows: &e.project_funds,
        is_total: |r| r.total,
        label: |r| &r.name,
        cols: &[
            ("carryover", "上年结转", |r| r.carryover.as_ref()),
            ("initial", "年初预算", |r| r.initial.as_ref()),
            ("appropriated", "本年拨款", |r| r.appropriated.as_ref()),
            ("executed", "本年支付", |r| r.executed.as_ref()),
            ("balance", "年末结余", |r| r.balance.as_ref()),
        ],
    }
    .column_totals(out);

    // 同比
    for (i, r) in e.year_over_year.iter().enumerate() {
        // A row the prior record withholds is not joined (the change would publish it).
        let prior_row = prior.and_then(|p| {
            p.year_over_year.iter().enumerate().find_map(|(j, x)| {
                (x.item == r.item
                    && !crate::model::private_covers(&p.private, &cat!("year_over_year[", j, "]")))
                .then_some(x)
            })
        });
        let prior_value = match (&r.prior_actual, prior_row.and_then(|p| p.actual.as_ref())) {
            (Some(n), _) => val(Some(n)),
            (None, Some(n)) => val(Some(n)),
            _ => Calc::Missing(NO_DATA),
        };
        if let (Some(own), Some(theirs)) =
            (&r.prior_actual, prior_row.and_then(|p| p.actual.as_ref()))
        {
            F::new(
                cat!("year_over_year[", i, "].prior_actual"),
                cat!(r.item, " 上年数（上年记录）"),
                Kind::Amount,
                val(Some(theirs)),
            )
            .printed(Some(own), cat!("year_over_year[", i, "].prior_actual"))
            .add(out);
        }
        change_figures(
            &cat!("year_over_year[", i, "]"),
            &r.item,
            &val(r.actual.as_ref()),
            &prior_value,
            r.stated_change.as_ref(),
            r.stated_change_rate.as_ref(),
            r.stated_direction.as_ref(),
            out,
        );
    }

    indicator_figures(
        "",
        &e.indicator_groups,
        &e.indicators,
        e.budget.is_some().then_some(()),
        out,
    );

    if let Some(s) = &e.score {
        let total = sum(s.parts.iter().map(|p| p.score.as_ref()));
        let weights = sum(s.parts.iter().map(|p| p.weight.as_ref()));
        if !s.parts.is_empty() {
            F::new("score.total_weight", "总分值", Kind::Score, weights)
                .stated(s.stated_total_weight.as_ref(), "score.stated_total_weight")
                .add(out);
            F::new("score.total", "综合得分", Kind::Score, total.clone())
                .formula(plus(
                    &s.parts
                        .iter()
                        .map(|p| ("", p.score.as_ref()))
                        .collect::<Vec<_>>(),
                ))
                .stated(s.stated_total.as_ref(), "score.stated_total")
                .add(out);
        }
        let basis = match &total {
            Calc::Num(_) => total,
            _ => s
                .stated_total
                .as_ref()
                .and_then(|t| crate::num::parse_literal(&t.text))
                .map_or(Calc::Missing(NO_DATA), Calc::Num),
        };
        F::new(
            "score.grade",
            "评价等次",
            Kind::Grade,
            grade(&basis, scheme),
        )
        .formula(format!("得分 {}", show(&basis)))
        .stated(s.stated_grade.as_ref(), "score.stated_grade")
        .add(out);
    }

    for (p, proj) in e.projects.iter().enumerate() {
        project(proj, &cat!("projects[", p, "]"), scheme, out);
    }
}

fn task_rate(row: &TaskRow, path: &str, out: &mut RecordFigures) {
    if row.stated_rate.is_none() && row.executed.is_none() {
        return;
    }
    let (a, b) = (val(row.executed.as_ref()), val(row.budget.as_ref()));
    F::new(
        cat!(path, ".rate"),
        format!("{} 执行率", row.name.as_deref().unwrap_or("任务")),
        Kind::Rate,
        ratio(&a, &b),
    )
    .formula(over(&a, &b))
    .stated(row.stated_rate.as_ref(), cat!(path, ".stated_rate"))
    .add(out);
}

fn budget(b: &Budget, scheme: &Scheme, out: &mut RecordFigures) {
    let (initial, adjusted, executed) = (
        val(b.initial.as_ref()),
        val(b.adjusted.as_ref()),
        val(b.executed.as_ref()),
    );
    exec_rate(
        "budget",
        "预算执行率",
        &initial,
        &adjusted,
        &executed,
        b.stated_execution_rate.as_ref(),
        scheme,
        out,
    );
    if b.initial.is_some() && b.adjusted.is_some() {
        F::new(
            "budget.adjustment",
            "预算调整数",
            Kind::Amount,
            diff(&adjusted, &initial),
        )
        .formula(format!("{} − {}", show(&adjusted), show(&initial)))
        .stated(b.stated_adjustment.as_ref(), "budget.stated_adjustment")
        .add(out);
        let exempt = b
            .exempt_adjustment
            .as_ref()
            .map_or(Calc::Num(Decimal::ZERO), |n| Calc::Num(n.value));
        let change = diff(&diff(&adjusted, &initial), &exempt);
        let mut formula = format!("({} − {}", show(&adjusted), show(&initial));
        if let Some(x) = &b.exempt_adjustment {
            formula.push_str(&format!(" − {}", crate::num::Plain(&x.value.normalize())));
        }
        formula.push_str(&format!(") ÷ {}", show(&initial)));
        F::new(
            "budget.adjustment_rate",
            "预算调整率",
            Kind::Rate,
            ratio(&change, &initial),
        )
        .formula(formula)
        .stated(
            b.stated_adjustment_rate.as_ref(),
            "budget.stated_adjustment_rate",
        )
        .alt("wrong_base", ratio(&change, &adjusted))
        .add(out);
    }
    for (path, zh, a, d, stated, spath) in [
        (
            "budget.carryover_rate",
            "结转结余率",
            &b.carryover_balance,
            &b.adjusted,
            &b.stated_carryover_rate,
            "budget.stated_carryover_rate",
        ),
        (
            "budget.procurement_rate",
            "政府采购执行率",
            &b.procurement_actual,
            &b.procurement_budget,
            &b.stated_procurement_rate,
            "budget.stated_procurement_rate",
        ),
        (
            "budget.public_control_rate",
            "公用经费控制率",
            &b.public_actual,
            &b.public_budget,
            &b.stated_public_control_rate,
            "budget.stated_public_control_rate",
        ),
    ] {
        if a.is_none() && stated.is_none() {
            continue;
        }
        let (a, d) = (val(a.as_ref()), val(d.as_ref()));
        F::new(path, zh, Kind::Rate, ratio(&a, &d))
            .formula(over(&a, &d))
            .stated(stated.as_ref(), spath)
            .alt("inverted", ratio(&d, &a))
            .add(out);
    }
    let econ = |path: &str, zh: &str, e: &ByEconomic, out: &mut RecordFigures| {
        let parts = [
            ("", e.wages.as_ref()),
            ("", e.goods_services.as_ref()),
            ("", e.household.as_ref()),
            ("", e.capital.as_ref()),
        ];
        F::new(
            cat!(path, ".total"),
            cat!(zh, "合计"),
            Kind::Amount,
            sum(parts.map(|p| p.1)),
        )
        .formula(plus(&parts))
        .stated(e.stated_total.as_ref(), cat!(path, ".stated_total"))
        .add(out);
    };
    for (path, zh, e) in [
        ("budget.by_economic", "按经济科目", &b.by_economic),
        (
            "budget.basic_by_economic",
            "基本支出按经济科目",
            &b.basic_by_economic,
        ),
        (
            "budget.project_by_economic",
            "项目支出按经济科目",
            &b.project_by_economic,
        ),
    ] {
        if let Some(e) = e {
            econ(path, zh, e, out);
        }
    }
    if let (Some(all), Some(basic), Some(project)) =
        (&b.by_economic, &b.basic_by_economic, &b.project_by_economic)
    {
        for (key, zh, get) in [
            (
                "wages",
                "工资福利支出",
                (|e: &ByEconomic| e.wages.as_ref()) as fn(&ByEconomic) -> Option<&Num>,
            ),
            ("goods_services", "商品和服务支出", |e| {
                e.goods_services.as_ref()
            }),
            ("household", "对个人和家庭的补助", |e| {
                e.household.as_ref()
            }),
            ("capital", "资本性支出", |e| e.capital.as_ref()),
        ] {
            if let Some(printed) = get(all) {
                F::new(
                    cat!("budget.by_economic.", key),
                    cat!(zh, "（基本+项目）"),
                    Kind::Amount,
                    sum([get(basic), get(project)]),
                )
                .formula(plus(&[("", get(basic)), ("", get(project))]))
                .printed(Some(printed), cat!("budget.by_economic.", key))
                .add(out);
            }
        }
    }
    for (key, zh, part) in [
        ("basic", "基本支出", &b.basic),
        ("project", "项目支出", &b.project),
    ] {
        let Some(p) = part else { continue };
        budget_part(&cat!("budget.", key), zh, p, scheme, out);
    }
}

fn budget_part(path: &str, zh: &str, p: &BudgetPart, scheme: &Scheme, out: &mut RecordFigures) {
    let (initial, adjusted, executed) = (
        val(p.initial.as_ref()),
        val(p.adjusted.as_ref()),
        val(p.executed.as_ref()),
    );
    exec_rate(
        path,
        &cat!(zh, "执行率"),
        &initial,
        &adjusted,
        &executed,
        p.stated_execution_rate.as_ref(),
        scheme,
        out,
    );
    if p.initial.is_some() && p.adjusted.is_some() {
        F::new(
            cat!(path, ".adjustment"),
            cat!(zh, "调整数"),
            Kind::Amount,
            diff(&adjusted, &initial),
        )
        .formula(format!("{} − {}", show(&adjusted), show(&initial)))
        .stated(
            p.stated_adjustment.as_ref(),
            cat!(path, ".stated_adjustment"),
        )
        .add(out);
    }
}

/// 预算执行率 by the scheme's base, with the other base and a 100% cap as likely mistakes.
#[allow(clippy::too_many_arguments)]
fn exec_rate(
    path: &str,
    zh: &str,
    initial: &Calc,
    adjusted: &Calc,
    executed: &Calc,
    stated: Option<&Stated>,
    scheme: &Scheme,
    out: &mut RecordFigures,
) {
    if matches!(executed, Calc::Missing(_)) && stated.is_none() {
        return;
    }
    let (base, other) = match scheme.execution_base {
        ExecutionBase::Adjusted => (adjusted, initial),
        ExecutionBase::Initial => (initial, adjusted),
    };
    let rate = ratio(executed, base);
    let capped = rate
        .num()
        .map_or(Calc::Missing(NO_DATA), |r| Calc::Num(r.min(Decimal::ONE)));
    F::new(cat!(path, ".execution_rate"), zh, Kind::Rate, rate)
        .formula(over(executed, base))
        .stated(stated, cat!(path, ".stated_execution_rate"))
        .alt("wrong_base", ratio(executed, other))
        .alt("capped", capped)
        .add(out);
}

fn three_public(e: &Evaluation, prior: Option<&Evaluation>, out: &mut RecordFigures) {
    let rows = &e.three_public;
    for (i, r) in rows.iter().enumerate() {
        let path = cat!("three_public[", i, "]");
        let (budget, actual, prior_actual) = if r.total {
            let details = || rows.iter().filter(|x| !x.total);
            for (key, zh, own, get) in [
                (
                    "budget",
                    "预算数",
                    &r.budget,
                    (|x: &crate::model::ThreePublicItem| x.budget.as_ref())
                        as fn(&crate::model::ThreePublicItem) -> Option<&Num>,
                ),
                ("actual", "决算数", &r.actual, |x| x.actual.as_ref()),
                ("prior_actual", "上年决算数", &r.prior_actual, |x| {
                    x.prior_actual.as_ref()
                }),
            ] {
                if let Some(own) = own {
                    F::new(
                        cat!(path, ".", key),
                        cat!(r.item, " ", zh),
                        Kind::Amount,
                        sum(details().map(get)),
                    )
                    .formula(terms(details().filter_map(get)))
                    .printed(Some(own), cat!(path, ".", key))
                    .add(out);
                }
            }
            (
                sum(details().map(|x| x.budget.as_ref())),
                sum(details().map(|x| x.actual.as_ref())),
                sum(details().map(|x| x.prior_actual.as_ref())),
            )
        } else {
            let joined = prior
                .and_then(|p| {
                    p.three_public.iter().enumerate().find_map(|(j, x)| {
                        (x.item == r.item
                            && !x.total
                            && !crate::model::private_covers(
                                &p.private,
                                &cat!("three_public[", j, "]"),
                            ))
                        .then_some(x)
                    })
                })
                .and_then(|x| x.actual.as_ref());
            if let (Some(own), Some(theirs)) = (&r.prior_actual, joined) {
                F::new(
                    cat!(path, ".prior_actual"),
                    cat!(r.item, " 上年决算数（上年记录）"),
                    Kind::Amount,
                    val(Some(theirs)),
                )
                .printed(Some(own), cat!(path, ".prior_actual"))
                .add(out);
            }
            let prior_actual = r.prior_actual.as_ref().or(joined);
            (
                val(r.budget.as_ref()),
                val(r.actual.as_ref()),
                val(prior_actual),
            )
        };
        if r.budget.is_some() || r.stated_control_rate.is_some() || r.total {
            F::new(
                cat!(path, ".control_rate"),
                cat!(r.item, " 控制率"),
                Kind::Rate,
                ratio(&actual, &budget),
            )
            .formula(over(&actual, &budget))
            .stated(
                r.stated_control_rate.as_ref(),
                cat!(path, ".stated_control_rate"),
            )
            .alt("inverted", ratio(&budget, &actual))
            .add(out);
        }
        change_figures(
            &path,
            &r.item,
            &actual,
            &prior_actual,
            r.stated_change.as_ref(),
            r.stated_change_rate.as_ref(),
            r.stated_direction.as_ref(),
            out,
        );
    }
    let details: Vec<_> = rows.iter().filter(|x| !x.total).collect();
    if !details.is_empty() {
        let b = sum(details.iter().map(|x| x.budget.as_ref()));
        let a = sum(details.iter().map(|x| x.actual.as_ref()));
        F::new(
            "three_public.control_rate",
            "三公经费控制率（合计）",
            Kind::Rate,
            ratio(&a, &b),
        )
        .formula(over(&a, &b))
        .add(out);
    }
}

/// 同比增减额 and 增减率, with the wrong base (this year) as a likely mistake.
#[allow(clippy::too_many_arguments)]
fn change_figures(
    path: &str,
    item: &str,
    actual: &Calc,
    prior: &Calc,
    stated_change: Option<&Stated>,
    stated_rate: Option<&Stated>,
    direction: Option<&Stated>,
    out: &mut RecordFigures,
) {
    let change = diff(actual, prior);
    let has_amounts = !matches!(actual, Calc::Missing(_)) || !matches!(prior, Calc::Missing(_));
    let computable = has_amounts && !matches!(change, Calc::Missing(_));
    if !computable && stated_change.is_none() && stated_rate.is_none() {
        return;
    }
    // The two formulas share their operands' text.
    let (shown_actual, shown_prior) = (show(actual).to_string(), show(prior).to_string());
    if stated_change.is_some() || computable {
        F::new(
            cat!(path, ".change"),
            cat!(item, " 同比增减额"),
            Kind::Amount,
            change.clone(),
        )
        .formula(cat!(shown_actual, " − ", shown_prior))
        .stated(stated_change, cat!(path, ".stated_change"))
        .direction(direction, cat!(path, ".stated_direction"))
        .alt(
            "sign",
            change
                .num()
                .map_or(Calc::Missing(NO_DATA), |c| Calc::Num(-c)),
        )
        .add(out);
    }
    if stated_rate.is_some() || computable {
        F::new(
            cat!(path, ".change_rate"),
            cat!(item, " 同比增减率"),
            Kind::Rate,
            ratio(&change, prior),
        )
        .formula(cat!(
            "(",
            shown_actual,
            " − ",
            shown_prior,
            ") ÷ ",
            shown_prior
        ))
        .stated(stated_rate, cat!(path, ".stated_change_rate"))
        .direction(direction, cat!(path, ".stated_direction"))
        .alt("wrong_base", ratio(&change, actual))
        .alt("ratio_not_change", ratio(actual, prior))
        .add(out);
    }
}

/// Group weights and scores against their indicators, and indicators tied to figures.
fn indicator_figures(
    prefix: &str,
    groups: &[IndicatorGroup],
    inds: &[Indicator],
    _budget: Option<()>,
    out: &mut RecordFigures,
) {
    for (g, grp) in groups.iter().enumerate() {
        let members = || {
            inds.iter().filter(|i| {
                i.level1.as_deref() == Some(grp.level1.as_str())
                    && (grp.level2.is_none() || i.level2.as_deref() == grp.level2.as_deref())
            })
        };
        let name = grp.level2.as_deref().unwrap_or(&grp.level1);
        if grp.weight.is_some() && members().any(|i| i.weight.is_some()) {
            F::new(
                cat!(prefix, "indicator_groups[", g, "].weight"),
                cat!(name, " 分值"),
                Kind::Score,
                sum(members().map(|i| i.weight.as_ref())),
            )
            .printed(
                grp.weight.as_ref(),
                cat!(prefix, "indicator_groups[", g, "].weight"),
            )
            .add(out);
        }
        if grp.score.is_some() && members().any(|i| i.score.is_some()) {
            F::new(
                cat!(prefix, "indicator_groups[", g, "].score"),
                cat!(name, " 得分"),
                Kind::Score,
                sum(members().map(|i| i.score.as_ref())),
            )
            .printed(
                grp.score.as_ref(),
                cat!(prefix, "indicator_groups[", g, "].score"),
            )
            .add(out);
        }
    }
    for (i, ind) in inds.iter().enumerate() {
        let path = cat!(prefix, "indicators[", i, "]");
        if let Some(a) = indicators::achievement(ind) {
            out.achievements.insert(path.clone(), a);
        }
        if let Some(fig) = &ind.figure {
            let target = match &**fig {
                "three_public_control_rate" => "three_public.control_rate".to_string(),
                other => cat!("budget.", other),
            };
            let value = out
                .get(&target)
                .map_or(Calc::Missing(NO_DATA), |f| f.value.clone());
            if let Some(actual) = &ind.actual {
                let mut f = F::new(
                    cat!(path, ".figure"),
                    format!("{} 实际完成值", ind.name.as_deref().unwrap_or("指标")),
                    Kind::Rate,
                    value,
                );
                f.0.formula = out.get(&target).map_or(Box::default(), |t| {
                    cat!("即", t.label, "：", t.formula).into_boxed_str()
                });
                f.0.published = Some(Published {
                    text: actual.to_string(),
                    span: 0..0,
                    path: cat!(path, ".actual"),
                });
                f.add(out);
            }
        }
    }
}

fn project(p: &Project, path: &str, scheme: &Scheme, out: &mut RecordFigures) {
    let is_total = |s: &str| s.contains("总额") || s.contains("合计");
    let mut funds_score = Calc::Missing(NO_DATA);
    let mut funds_weight = None;
    let mut stated_funds_score = None;
    for (f, fund) in p.funds.iter().enumerate() {
        let fpath = cat!(path, ".funds[", f, "]");
        let (initial, adjusted, executed) = (
            val(fund.initial.as_ref()),
            val(fund.adjusted.as_ref()),
            val(fund.executed.as_ref()),
        );
        exec_rate_fund(
            &fpath,
            &fund.source,
            &initial,
            &adjusted,
            &executed,
            fund,
            scheme,
            out,
        );
        if is_total(&fund.source) {
            funds_score = out
                .get(&cat!(fpath, ".score"))
                .map_or(Calc::Missing(NO_DATA), |x| x.value.clone());
            funds_weight = fund.weight.as_ref();
            stated_funds_score = fund
                .stated_score
                .as_ref()
                .and_then(|s| crate::num::parse_literal(&s.text));
            let parts: Vec<_> = p.funds.iter().filter(|x| !is_total(&x.source)).collect();
            for (key, zh, own, get) in [
                (
                    "initial",
                    "年初预算数",
                    &fund.initial,
                    (|x: &crate::model::ProjectFund| x.initial.as_ref())
                        as fn(&crate::model::ProjectFund) -> Option<&Num>,
                ),
                ("adjusted", "全年预算数", &fund.adjusted, |x| {
                    x.adjusted.as_ref()
                }),
                ("executed", "全年执行数", &fund.executed, |x| {
                    x.executed.as_ref()
                }),
            ] {
                // 「其中」 rows: the first sub-row may repeat the total (当年财政拨款 = 总额);
                // the total is checked against all sub-rows together.
                if own.is_some() && parts.iter().any(|x| get(x).is_some()) {
                    F::new(
                        cat!(fpath, ".", key),
                        cat!(fund.source, " ", zh),
                        Kind::Amount,
                        sum(parts.iter().map(|x| get(x))),
                    )
                    .formula(terms(parts.iter().filter_map(|x| get(x))))
                    .printed(own.as_ref(), cat!(fpath, ".", key))
                    .add(out);
                }
            }
        }
    }
    indicator_figures(
        &cat!(path, "."),
        &p.indicator_groups,
        &p.indicators,
        None,
        out,
    );
    let ind_scores = sum(p.indicators.iter().map(|i| i.score.as_ref()));
    let ind_weights = sum(p.indicators.iter().map(|i| i.weight.as_ref()));
    let add = |a: &Calc, b: &Calc| match (a, b) {
        (Calc::Num(a), Calc::Num(b)) => {
            a.checked_add(*b).map_or(Calc::Missing(OVERFLOW), Calc::Num)
        }
        (Calc::Num(a), _) | (_, Calc::Num(a)) => Calc::Num(*a),
        _ => Calc::Missing(NO_DATA),
    };
    if p.stated_total_weight.is_some() || !matches!(ind_weights, Calc::Missing(_)) {
        F::new(
            cat!(path, ".total_weight"),
            cat!(p.name, " 总分值"),
            Kind::Score,
            add(&val(funds_weight), &ind_weights),
        )
        .stated(
            p.stated_total_weight.as_ref(),
            cat!(path, ".stated_total_weight"),
        )
        .add(out);
    }
    let total = add(&funds_score, &ind_scores);
    if p.stated_total.is_some() || !matches!(ind_scores, Calc::Missing(_)) {
        let mut f = F::new(
            cat!(path, ".total"),
            cat!(p.name, " 总分"),
            Kind::Score,
            total.clone(),
        )
        .formula(format!(
            "执行率得分 {} + 指标得分 {}",
            show(&funds_score),
            show(&ind_scores)
        ))
        .stated(p.stated_total.as_ref(), cat!(path, ".stated_total"));
        if let Some(s) = stated_funds_score {
            f = f.alt("propagated", add(&Calc::Num(s), &ind_scores));
        }
        f.add(out);
    }
    if p.stated_grade.is_some() {
        F::new(
            cat!(path, ".grade"),
            cat!(p.name, " 等次"),
            Kind::Grade,
            grade(&total, scheme),
        )
        .stated(p.stated_grade.as_ref(), cat!(path, ".stated_grade"))
        .add(out);
    }
}

#[allow(clippy::too_many_arguments)]
fn exec_rate_fund(
    fpath: &str,
    source: &str,
    initial: &Calc,
    adjusted: &Calc,
    executed: &Calc,
    fund: &crate::model::ProjectFund,
    scheme: &Scheme,
    out: &mut RecordFigures,
) {
    if matches!(executed, Calc::Missing(_)) && fund.stated_rate.is_none() {
        return;
    }
    exec_rate(
        fpath,
        &cat!(source, " 执行率"),
        initial,
        adjusted,
        executed,
        None,
        scheme,
        out,
    );
    // The rate figure is keyed `…execution_rate`; the form calls it stated_rate.
    // The figure just pushed.
    let key = cat!(fpath, ".execution_rate");
    let idx = out.figures.iter().rposition(|f| *f.path == *key);
    let rate = match idx {
        Some(i) => {
            let f = &mut out.figures[i];
            f.path = cat!(fpath, ".rate").into_boxed_str();
            f.published = fund
                .stated_rate
                .as_ref()
                .map(|s| Published::stated(s, cat!(fpath, ".stated_rate")));
            f.value.clone()
        }
        None => return,
    };
    let Some(w) = &fund.weight else { return };
    let weight = Calc::Num(w.value);
    let r = rate.num();
    let capped = r.map(|r| {
        if scheme.cap_execution_score {
            r.min(Decimal::ONE)
        } else {
            r
        }
    });
    let score = capped.map_or(Calc::Missing(NO_DATA), |r| product(w.value, r));
    let mut f = F::new(
        cat!(fpath, ".score"),
        cat!(source, " 执行率得分"),
        Kind::Score,
        score,
    )
    .formula(format!(
        "{} × {}",
        show(&weight),
        r.map_or("—".into(), |r| if scheme.cap_execution_score {
            format!("min({}, 100%)", pct(r))
        } else {
            pct(r)
        })
    ))
    .stated(fund.stated_score.as_ref(), cat!(fpath, ".stated_score"));
    if let Some(r) = r {
        f = f.alt("not_capped", product(w.value, r));
    }
    if let Some(sr) = fund
        .stated_rate
        .as_ref()
        .and_then(|s| crate::num::Printed::parse(&s.text))
    {
        f = f.alt("propagated", product(w.value, sr.fraction()));
    }
    f.add(out);
}

fn pct(r: Decimal) -> String {
    match r.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!(
            "{}%",
            crate::num::Plain(
                &p.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                    .normalize()
            )
        ),
        None => "—".to_string(),
    }
}

/// 等次 of a score by the scheme's bands.
pub fn grade(score: &Calc, scheme: &Scheme) -> Calc {
    match score {
        Calc::Num(s) => scheme
            .grades
            .iter()
            .find(|g| *s >= g.min.value)
            .map_or(Calc::Missing("无对应等次"), |g| {
                Calc::Text(g.label.clone())
            }),
        _ => Calc::Missing(NO_DATA),
    }
}

/// All figures of a targets record.
pub fn targets(t: &Targets, _scheme: &Scheme, out: &mut RecordFigures) {
    if let Some(b) = &t.budget {
        let by_source = sum([b.fiscal.as_ref(), b.other.as_ref()]);
        let by_use = sum([b.basic.as_ref(), b.project.as_ref()]);
        let (stated, printed) = (b.stated_total.as_ref(), b.total.as_ref());
        if b.fiscal.is_some() || b.other.is_some() {
            let mut f = F::new(
                "budget.total",
                "部门预算总额（按来源）",
                Kind::Amount,
                by_source,
            )
            .formula(plus(&[("", b.fiscal.as_ref()), ("", b.other.as_ref())]));
            f = if stated.is_some() {
                f.stated(stated, "budget.stated_total")
            } else {
                f.printed(printed, "budget.total")
            };
            f.add(out);
        }
        if b.basic.is_some() || b.project.is_some() {
            let mut f = F::new(
                "budget.total_by_use",
                "部门预算总额（按用途）",
                Kind::Amount,
                by_use,
            )
            .formula(plus(&[("", b.basic.as_ref()), ("", b.project.as_ref())]));
            f = if stated.is_some() {
                f.stated(stated, "budget.stated_total")
            } else {
                f.printed(printed, "budget.total")
            };
            f.add(out);
        }
    }
    for (i, task) in t.tasks.iter().enumerate() {
        task_rate(task, &cat!("tasks[", i, "]"), out);
    }
    indicator_figures("", &t.indicator_groups, &t.indicators, None, out);
    for (p, proj) in t.projects.iter().enumerate() {
        let path = cat!("projects[", p, "]");
        if proj.amount.is_some()
            && (proj.local_amount.is_some() || proj.higher_level_amount.is_some())
        {
            F::new(
                cat!(path, ".amount"),
                cat!(proj.name, " 项目金额"),
                Kind::Amount,
                sum([
                    proj.local_amount.as_ref(),
                    proj.higher_level_amount.as_ref(),
                ]),
            )
            .formula(plus(&[
                ("", proj.local_amount.as_ref()),
                ("", proj.higher_level_amount.as_ref()),
            ]))
            .printed(proj.amount.as_ref(), cat!(path, ".amount"))
            .add(out);
        }
        indicator_figures(
            &cat!(path, "."),
            &proj.indicator_groups,
            &proj.indicators,
            None,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::Piece;

    #[test]
    fn cat_writes_what_format_writes() {
        for n in [0usize, 7, 9, 10, 99, 100, 12_345, usize::MAX] {
            assert_eq!(cat!("a[", n, "]"), format!("a[{n}]"));
            assert_eq!(Piece::len(&n), n.to_string().len());
        }
        let (s, b): (String, Box<str>) = ("收入".into(), "合计".into());
        let r: &str = "某局";
        let joined = cat!(r, " ", s, b, "（", &s, "）");
        assert_eq!(joined, format!("{r} {s}{b}（{s}）"));
        assert_eq!(joined.capacity(), joined.len());
    }
}
