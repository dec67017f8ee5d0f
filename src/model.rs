//! Typed records (content format v1). Every key of `format.md` has a field here; serde
//! rejects unknown keys. Money is [`Num`]: the exact decimal written in the file, with its
//! span, so that checks can point at the figure.

use crate::num::{DateText, Num, NumOrText, Stated};
use serde::Deserialize;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// Byte range in a source file.
pub type Span = Range<usize>;

/// One loaded content file: its path (relative to the content folder) and text, kept so
/// that findings can cite `file:line:col` and excerpt the line.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the content folder, with `/` separators.
    pub path: String,
    /// The file's text.
    pub text: String,
}

impl SourceFile {
    /// Wraps a file's text.
    ///
    /// Lines are found when a message needs one, not indexed up front: indexing every
    /// line of every file was a fortieth of `check`, and most files need no position or
    /// only a few.
    pub fn new(path: String, text: String) -> Self {
        SourceFile { path, text }
    }

    /// Frees the text (once checked, a one-off build needs it no more).
    pub fn forget_text(&mut self) {
        self.text = String::new();
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text.as_bytes()[..offset];
        let line = memchr::memchr_iter(b'\n', before).count();
        let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let col = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line + 1, col)
    }

    /// The text of the line holding a byte offset, without its line break.
    pub fn line_at(&self, offset: usize) -> &str {
        let offset = offset.min(self.text.len());
        let bytes = self.text.as_bytes();
        let start = memchr::memrchr(b'\n', &bytes[..offset]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[offset..]).map_or(bytes.len(), |i| offset + i);
        // Both ends are at a line feed or an end of the text: character boundaries.
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// The whole content folder, loaded and typed.
#[derive(Debug)]
pub struct Content {
    /// `site.toml`.
    pub site: SiteConfig,
    /// `site.toml`'s text (absent when the folder has none).
    pub site_source: Option<Arc<SourceFile>>,
    /// Departments, sorted by slug.
    pub departments: Vec<Department>,
    /// The content folder (for messages only).
    pub root: PathBuf,
}

impl Content {
    /// Record files loaded, in all departments.
    pub fn record_count(&self) -> usize {
        self.departments.iter().map(|d| d.records.len()).sum()
    }

    /// Frees every source text (see [`SourceFile::forget_text`]); a file whose text is
    /// shared elsewhere keeps it.
    pub fn forget_texts(&mut self) {
        if let Some(f) = self.site_source.as_mut().and_then(Arc::get_mut) {
            f.forget_text();
        }
        for d in &mut self.departments {
            d.forget_texts();
        }
    }
}

impl Department {
    /// Frees the department's and its records' source texts (see [`Content::forget_texts`]).
    pub fn forget_texts(&mut self) {
        for s in
            std::iter::once(&mut self.source).chain(self.records.iter_mut().map(|r| &mut r.source))
        {
            if let Some(f) = Arc::get_mut(s) {
                f.forget_text();
            }
        }
    }
}

/// One department folder.
#[derive(Debug)]
pub struct Department {
    /// Folder name = URL slug.
    pub slug: String,
    /// `department.toml`.
    pub info: DepartmentInfo,
    /// Records, sorted by year, evaluation before targets.
    pub records: Vec<Record>,
    /// The department.toml file.
    pub source: Arc<SourceFile>,
}

/// Which document a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// `evaluation.toml`: 绩效自评.
    Evaluation,
    /// `targets.toml`: 绩效目标申报.
    Targets,
}

/// One record file.
#[derive(Debug)]
pub struct Record {
    /// Fiscal year (folder name, equal to `year` in the file).
    pub year: i32,
    /// Kind of document.
    pub kind: RecordKind,
    /// The file it came from.
    pub source: Arc<SourceFile>,
    /// The typed content.
    pub body: RecordBody,
}

/// The typed content of a record.
#[derive(Debug)]
pub enum RecordBody {
    /// 绩效自评.
    Evaluation(Box<Evaluation>),
    /// 绩效目标申报.
    Targets(Box<Targets>),
}

// ---------------------------------------------------------------- site.toml

/// `site.toml`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// 网站标题.
    #[serde(default = "default_title")]
    pub title: String,
    /// Page language, `zh-CN`.
    #[serde(default = "default_language")]
    pub language: String,
    /// Absolute URL the site is published at; empty = relative links only.
    #[serde(default)]
    pub base_url: String,
    /// 网站说明, shown on the home page.
    pub description: Option<String>,
    /// Whether pages show findings beside figures (`"show"`, default) or only `check`
    /// reports them (`"report"`).
    #[serde(default)]
    pub findings: FindingsMode,
    /// Scoring rules.
    #[serde(default)]
    pub scheme: SchemeOverride,
}

fn default_title() -> String {
    "预算绩效信息公开".to_string()
}
fn default_language() -> String {
    "zh-CN".to_string()
}

/// Where findings are shown.
#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FindingsMode {
    /// On pages and in `check`.
    #[default]
    Show,
    /// Only in `check` and the build output.
    Report,
}

/// Rounding of displayed rates.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rounding {
    /// 四舍五入: half away from zero.
    #[default]
    #[serde(rename = "half-up")]
    HalfUp,
    /// GB/T 8170 修约: half to even.
    #[serde(rename = "half-even")]
    HalfEven,
}

/// Denominator of 预算执行率.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionBase {
    /// 全年(调整后)预算.
    #[default]
    Adjusted,
    /// 年初预算.
    Initial,
}

/// A `[scheme]` table: every key optional, so that a department or record overrides only
/// what it names.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct SchemeOverride {
    /// Rounding mode.
    pub rounding: Option<Rounding>,
    /// 预算执行率 denominator.
    pub execution_base: Option<ExecutionBase>,
    /// 执行率得分 capped at 100%.
    pub cap_execution_score: Option<bool>,
    /// Grade bands, highest first.
    pub grades: Option<Vec<GradeBand>>,
}

/// A grade band: scores ≥ `min` get `label`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    /// Lowest score of the band (inclusive).
    pub min: Num,
    /// 等次.
    pub label: String,
}

/// The resolved scoring rules for one record.
#[derive(Debug, Clone)]
pub struct Scheme {
    /// Rounding mode.
    pub rounding: Rounding,
    /// 预算执行率 denominator.
    pub execution_base: ExecutionBase,
    /// 执行率得分 capped at 100%.
    pub cap_execution_score: bool,
    /// Grade bands, highest first.
    pub grades: Vec<GradeBand>,
}

impl Scheme {
    /// 财预〔2020〕10号 defaults.
    pub fn defaults() -> Scheme {
        let band = |min: i64, label: &str| GradeBand {
            min: Num::from_int(min),
            label: label.to_string(),
        };
        Scheme {
            rounding: Rounding::HalfUp,
            execution_base: ExecutionBase::Adjusted,
            cap_execution_score: true,
            grades: vec![
                band(90, "优"),
                band(80, "良"),
                band(60, "中"),
                band(0, "差"),
            ],
        }
    }

    /// This scheme with the keys of `o` replaced.
    pub fn with(&self, o: &SchemeOverride) -> Scheme {
        Scheme {
            rounding: o.rounding.unwrap_or(self.rounding),
            execution_base: o.execution_base.unwrap_or(self.execution_base),
            cap_execution_score: o.cap_execution_score.unwrap_or(self.cap_execution_score),
            grades: o.grades.clone().unwrap_or_else(|| self.grades.clone()),
        }
    }
}

// ---------------------------------------------------------------- department.toml

/// `department.toml`, and the `[department]` table of a record (all keys optional there).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct DepartmentInfo {
    /// 部门(单位)名称.
    pub name: Option<String>,
    /// 简称.
    pub short_name: Option<String>,
    /// 所属地区.
    pub region: Option<String>,
    /// 级次.
    pub level: Option<String>,
    /// 主管部门 / 本级政府.
    pub parent: Option<String>,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    /// 设立时间.
    pub established: Option<String>,
    /// 单位住所.
    pub address: Option<String>,
    /// 职能职责 (Markdown).
    pub functions: Option<String>,
    /// 内设机构.
    pub internal_units: Option<Vec<UnitName>>,
    /// 下属单位 / 二级机构.
    pub subordinate_units: Option<Vec<UnitName>>,
    /// Scheme override for all the department's records (department.toml only).
    pub scheme: Option<SchemeOverride>,
}

/// A unit name, or a name with a note.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum UnitName {
    /// Just the name.
    Name(String),
    /// Name and 说明.
    Noted {
        /// 名称.
        name: String,
        /// 说明.
        note: Option<String>,
    },
}

// ---------------------------------------------------------------- evaluation.toml

/// `evaluation.toml`: 部门整体支出绩效自评 and/or 项目支出绩效自评.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// 年度.
    pub year: Num,
    /// 报告标题.
    pub title: Option<String>,
    /// 报告日期.
    pub date: Option<DateText>,
    /// 评价依据与过程 (Markdown).
    pub basis: Option<String>,
    /// 表式.
    pub form: Option<String>,
    /// 表名.
    pub form_title: Option<String>,
    /// 组成顺序: `form`, `report`, `projects`.
    pub order: Option<Vec<String>>,
    /// 联系人.
    pub contact: Option<Contact>,
    /// 填表人.
    pub prepared_by: Option<String>,
    /// 人员.
    pub staffing: Option<Staffing>,
    /// 目标.
    pub goals: Option<Goals>,
    /// 收入情况.
    #[serde(default)]
    pub income: Vec<IncomeRow>,
    /// 支出和结余.
    #[serde(default)]
    pub expenditure: Vec<ExpenditureRow>,
    /// 预算与执行.
    pub budget: Option<Budget>,
    /// 三公经费.
    #[serde(default)]
    pub three_public: Vec<ThreePublicItem>,
    /// 三公经费（分机构）.
    #[serde(default)]
    pub three_public_by_unit: Vec<ThreePublicByUnit>,
    /// 固定资产.
    #[serde(default)]
    pub assets: Vec<AssetRow>,
    /// 项目资金使用情况.
    #[serde(default)]
    pub project_funds: Vec<ProjectFundsRow>,
    /// 同比情况.
    #[serde(default)]
    pub year_over_year: Vec<YearOverYear>,
    /// 指标分组.
    #[serde(default)]
    pub indicator_groups: Vec<IndicatorGroup>,
    /// 整体支出绩效指标.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// 得分.
    pub score: Option<Score>,
    /// 项目支出绩效自评表.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// 章节.
    #[serde(default)]
    pub sections: Vec<Section>,
    /// 评价人员.
    #[serde(default)]
    pub evaluators: Vec<Evaluator>,
    /// 审核意见及签章.
    #[serde(default)]
    pub signoffs: Vec<Signoff>,
    /// 备注.
    #[serde(default)]
    pub notes: Vec<String>,
    /// 其他需说明事项.
    pub other_matters: Option<String>,
    /// 不公开的键.
    #[serde(default)]
    pub private: Vec<String>,
    /// 公开日期.
    pub published: Option<DateText>,
    /// 批复日期.
    pub approved: Option<DateText>,
    /// 本期所列单位信息.
    pub department: Option<DepartmentInfo>,
    /// Scheme override for this record.
    pub scheme: Option<SchemeOverride>,
}

/// 联系人.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// 联系人.
    pub name: Option<String>,
    /// 联系电话.
    pub phone: Option<String>,
}

/// 人员编制.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Staffing {
    /// 编制人数.
    pub authorized: Option<Num>,
    /// 实有在职人数.
    pub actual: Option<Num>,
    /// 退休人数.
    pub retired: Option<Num>,
    /// 实有人员总数 (= actual + retired).
    pub stated_total: Option<Stated>,
    /// 人员构成.
    #[serde(default)]
    pub by_type: Vec<StaffType>,
}

/// One row of 人员构成.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffType {
    /// 类别 (as printed).
    #[serde(rename = "type")]
    pub kind: String,
    /// 编制数.
    pub authorized: Option<Num>,
    /// 实有数.
    pub actual: Option<Num>,
}

/// 目标.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Goals {
    /// 部门职责(本表所列).
    pub functions: Option<String>,
    /// 说明 beside the functions.
    pub functions_note: Option<String>,
    /// 年度主要工作内容.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// 部门整体支出绩效目标.
    pub overall: Option<String>,
    /// 说明 beside the overall goal.
    pub overall_note: Option<String>,
    /// 总体运行情况及取得的成绩.
    pub achievements: Option<String>,
    /// 定性目标.
    pub qualitative_target: Option<String>,
    /// 定性目标实际完成.
    pub qualitative_result: Option<String>,
    /// 部门年度目标.
    #[serde(default)]
    pub years: Vec<GoalYear>,
}

/// 部门年度目标 row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoalYear {
    /// 年度 (as printed).
    pub year: Option<NumOrText>,
    /// 目标.
    pub target: Option<String>,
    /// 实际完成.
    pub result: Option<String>,
}

/// A task: a Markdown string, or a table row.
#[derive(Debug)]
pub enum Task {
    /// 任务 as prose.
    Text(String),
    /// 任务 as a table row.
    Row(Box<TaskRow>),
}

// Not `#[serde(untagged)]`: untagged enums buffer their input, which loses the spans
// that `Num` needs. A visitor hands the table straight to `TaskRow`.
impl<'de> Deserialize<'de> for Task {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Task;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a task: text, or a table with name, content, budget …")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Task, E> {
                Ok(Task::Text(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Task, A::Error> {
                TaskRow::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|r| Task::Row(Box::new(r)))
            }
        }
        d.deserialize_any(V)
    }
}

/// 年度重点工作任务 row.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TaskRow {
    /// 任务名称.
    pub name: Option<String>,
    /// 项目级次.
    pub level: Option<String>,
    /// 主要内容.
    pub content: Option<String>,
    /// 批复金额.
    pub budget: Option<Num>,
    /// 财政拨款.
    pub fiscal: Option<Num>,
    /// 其他资金.
    pub other: Option<Num>,
    /// 实际支出.
    pub executed: Option<Num>,
    /// 执行率 as printed.
    pub stated_rate: Option<Stated>,
    /// 偏差原因.
    pub deviation: Option<String>,
}

/// 收入情况 row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeRow {
    /// 机构名称.
    pub unit: String,
    /// A printed 合计 row.
    #[serde(default)]
    pub total: bool,
    /// 收入合计 as printed.
    pub stated_total: Option<Stated>,
    /// 上年结转.
    pub carryover: Option<Num>,
    /// 公共财政拨款.
    pub general_budget: Option<Num>,
    /// 政府基金拨款.
    pub fund_budget: Option<Num>,
    /// 非税收入拨款.
    pub non_tax: Option<Num>,
    /// 其他收入.
    pub other: Option<Num>,
}

/// 支出和结余 row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpenditureRow {
    /// 机构名称.
    pub unit: String,
    /// A printed 合计 row.
    #[serde(default)]
    pub total: bool,
    /// 支出合计 as printed.
    pub stated_total: Option<Stated>,
    /// 基本支出.
    pub basic: Option<Num>,
    /// 人员支出.
    pub personnel: Option<Num>,
    /// 公用支出.
    pub public: Option<Num>,
    /// 项目支出.
    pub project: Option<Num>,
    /// 上缴上级支出.
    pub remit_upward: Option<Num>,
    /// 当年结余.
    pub balance: Option<Num>,
    /// 累计结余.
    pub accumulated_balance: Option<Num>,
    /// 占总支出比重 as printed, by column.
    pub stated_share: Option<std::collections::BTreeMap<String, Stated>>,
}

/// 预算与执行.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// 年初预算.
    pub initial: Option<Num>,
    /// 全年(调整后)预算.
    pub adjusted: Option<Num>,
    /// 实际支出.
    pub executed: Option<Num>,
    /// 预算调整(追加)数 as printed.
    pub stated_adjustment: Option<Stated>,
    /// 不计入调整率的调整数.
    pub exempt_adjustment: Option<Num>,
    /// 预算执行率 as printed.
    pub stated_execution_rate: Option<Stated>,
    /// 预算调整率 as printed.
    pub stated_adjustment_rate: Option<Stated>,
    /// 结转结余.
    pub carryover_balance: Option<Num>,
    /// 结转结余率 as printed.
    pub stated_carryover_rate: Option<Stated>,
    /// 政府采购预算.
    pub procurement_budget: Option<Num>,
    /// 政府采购实际.
    pub procurement_actual: Option<Num>,
    /// 政府采购执行率 as printed.
    pub stated_procurement_rate: Option<Stated>,
    /// 公用经费预算.
    pub public_budget: Option<Num>,
    /// 公用经费实际.
    pub public_actual: Option<Num>,
    /// 公用经费控制率 as printed.
    pub stated_public_control_rate: Option<Stated>,
    /// 按经济科目.
    pub by_economic: Option<ByEconomic>,
    /// 基本支出按经济科目.
    pub basic_by_economic: Option<ByEconomic>,
    /// 项目支出按经济科目.
    pub project_by_economic: Option<ByEconomic>,
    /// 基本支出预算与执行.
    pub basic: Option<BudgetPart>,
    /// 项目支出预算与执行.
    pub project: Option<BudgetPart>,
}

/// 基本/项目支出预算与执行.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BudgetPart {
    /// 年初预算.
    pub initial: Option<Num>,
    /// 全年预算.
    pub adjusted: Option<Num>,
    /// 实际支出.
    pub executed: Option<Num>,
    /// 调整数 as printed.
    pub stated_adjustment: Option<Stated>,
    /// 执行率 as printed.
    pub stated_execution_rate: Option<Stated>,
}

/// 按经济科目.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ByEconomic {
    /// 工资福利支出.
    pub wages: Option<Num>,
    /// 商品和服务支出.
    pub goods_services: Option<Num>,
    /// 对个人和家庭的补助.
    pub household: Option<Num>,
    /// 资本性支出.
    pub capital: Option<Num>,
    /// 合计 as printed.
    pub stated_total: Option<Stated>,
}

/// 三公经费 item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreePublicItem {
    /// 项目 (as printed).
    pub item: String,
    /// A printed 合计 row.
    #[serde(default)]
    pub total: bool,
    /// 预算数.
    pub budget: Option<Num>,
    /// 决算数.
    pub actual: Option<Num>,
    /// 上年决算数.
    pub prior_actual: Option<Num>,
    /// 控制率 as printed.
    pub stated_control_rate: Option<Stated>,
    /// 同比增减 as printed.
    pub stated_change: Option<Stated>,
    /// 同比增减比率 as printed.
    pub stated_change_rate: Option<Stated>,
    /// 增减方向 as printed.
    pub stated_direction: Option<Stated>,
    /// 原因 (Markdown).
    pub reason: Option<String>,
}

/// 三公经费（分机构） row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreePublicByUnit {
    /// 机构名称.
    pub unit: String,
    /// A printed 合计 row.
    #[serde(default)]
    pub total: bool,
    /// 三公经费合计 as printed.
    pub stated_total: Option<Stated>,
    /// 因公出国(境)费.
    pub overseas: Option<Num>,
    /// 公务用车购置费.
    pub vehicle_purchase: Option<Num>,
    /// 公务用车运行维护费.
    pub vehicle_operation: Option<Num>,
    /// 公务接待费.
    pub reception: Option<Num>,
}

/// 固定资产 row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetRow {
    /// 机构名称.
    pub unit: String,
    /// A printed 合计 row.
    #[serde(default)]
    pub total: bool,
    /// 固定资产合计 as printed.
    pub stated_total: Option<Stated>,
    /// 在用.
    pub in_use: Option<Num>,
    /// 出租.
    pub rented: Option<Num>,
    /// 其他.
    pub other: Option<Num>,
}

/// 项目资金使用情况 row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFundsRow {
    /// 项目名称.
    pub name: String,
    /// A printed 合计 row.
    #[serde(default)]
    pub total: bool,
    /// 上年结转.
    pub carryover: Option<Num>,
    /// 年初预算.
    pub initial: Option<Num>,
    /// 本年拨款(到位).
    pub appropriated: Option<Num>,
    /// 资金来源合计 as printed (= carryover + appropriated).
    pub stated_total: Option<Stated>,
    /// 本年支付.
    pub executed: Option<Num>,
    /// 年末结余 (= stated_total − executed).
    pub balance: Option<Num>,
}

/// 同比 row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearOverYear {
    /// 项目.
    pub item: String,
    /// 本年数.
    pub actual: Option<Num>,
    /// 上年数.
    pub prior_actual: Option<Num>,
    /// 增减额 as printed.
    pub stated_change: Option<Stated>,
    /// 增减率 as printed.
    pub stated_change_rate: Option<Stated>,
    /// 增减方向 as printed.
    pub stated_direction: Option<Stated>,
    /// 单位 (default 万元).
    pub unit: Option<String>,
    /// 原因 (Markdown).
    pub reason: Option<String>,
}

/// 指标分组 row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorGroup {
    /// 一级指标.
    pub level1: String,
    /// 二级指标 (absent = the level-1 group).
    pub level2: Option<String>,
    /// 分值.
    pub weight: Option<Num>,
    /// 得分.
    pub score: Option<Num>,
    /// 说明.
    pub note: Option<String>,
}

/// A short word that thousands of records repeat (an indicator's levels, 指标性质 and
/// unit): one shared copy per distinct word. A province has about fifty indicators per
/// record; a copy of each word apiece took about 90 MB at 13,000 records.
pub type Word = Arc<str>;

/// A text that is written once and never changed: a boxed `str`, two words instead of a
/// `String`'s three (a province has hundreds of thousands of indicators).
pub type Text = Box<str>;

/// Words longer than this are not shared (they are not the repeated kind).
const WORD_MAX: usize = 48;

/// Deserializes an optional [`Word`], sharing one copy per distinct word. The words
/// seen are kept per thread for the life of the process: a few hundred in practice,
/// and never more than the content's short strings.
fn word<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Word>, D::Error> {
    use std::cell::RefCell;
    thread_local! {
        static WORDS: RefCell<foldhash::HashSet<Word>> = RefCell::new(foldhash::HashSet::default());
    }
    let Some(s) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    if s.len() > WORD_MAX {
        return Ok(Some(Word::from(s)));
    }
    Ok(Some(WORDS.with_borrow_mut(|words| {
        if let Some(w) = words.get(s.as_str()) {
            return w.clone();
        }
        let w = Word::from(s);
        words.insert(w.clone());
        w
    })))
}

/// 绩效指标.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// 一级指标.
    #[serde(default, deserialize_with = "word")]
    pub level1: Option<Word>,
    /// 二级指标.
    #[serde(default, deserialize_with = "word")]
    pub level2: Option<Word>,
    /// 三级指标.
    pub name: Option<Text>,
    /// 年度指标值 (as written).
    pub target: Option<Text>,
    /// 指标性质 (as printed).
    #[serde(default, deserialize_with = "word")]
    pub op: Option<Word>,
    /// 指标值.
    pub value: Option<NumOrText>,
    /// 度量单位.
    #[serde(default, deserialize_with = "word")]
    pub unit: Option<Word>,
    /// 实际完成值 (as written).
    pub actual: Option<Text>,
    /// 分值.
    pub weight: Option<Num>,
    /// 得分.
    pub score: Option<Num>,
    /// 偏差原因分析及改进措施.
    pub deviation: Option<Text>,
    /// 评(扣)分标准.
    pub scoring_rule: Option<Text>,
    /// 指标值说明.
    pub explanation: Option<Text>,
    /// 备注.
    pub remark: Option<Text>,
    /// Computed figure this indicator reports.
    pub figure: Option<Text>,
}

/// 得分.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Score {
    /// 得分构成.
    #[serde(default)]
    pub parts: Vec<ScorePart>,
    /// 总分值 as printed.
    pub stated_total_weight: Option<Stated>,
    /// 综合得分 as printed.
    pub stated_total: Option<Stated>,
    /// 等次 as printed.
    pub stated_grade: Option<Stated>,
}

/// 得分构成 part.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorePart {
    /// 名称.
    pub name: String,
    /// 分值.
    pub weight: Option<Num>,
    /// 得分.
    pub score: Option<Num>,
}

/// 项目支出绩效自评表 (evaluation) or 项目支出绩效目标表 (targets).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// 项目名称.
    pub name: String,
    /// 项目编码.
    pub code: Option<String>,
    /// The project table's printed title.
    pub form_title: Option<String>,
    /// 主管部门.
    pub supervisor: Option<String>,
    /// 实施单位.
    pub implementer: Option<String>,
    /// 项目级次.
    pub level: Option<String>,
    /// 项目金额 (targets).
    pub amount: Option<Num>,
    /// 本级预算金额.
    pub local_amount: Option<Num>,
    /// 上级资金.
    pub higher_level_amount: Option<Num>,
    /// 实施期.
    pub period: Option<String>,
    /// 长期目标.
    pub long_term_goal: Option<String>,
    /// 年度目标.
    pub annual_goal: Option<String>,
    /// 项目资金.
    #[serde(default)]
    pub funds: Vec<ProjectFund>,
    /// 预期目标.
    pub goal: Option<String>,
    /// 实际完成情况.
    pub outcome: Option<String>,
    /// 指标分组.
    #[serde(default)]
    pub indicator_groups: Vec<IndicatorGroup>,
    /// 绩效指标.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// 总分值 as printed.
    pub stated_total_weight: Option<Stated>,
    /// 总分 as printed.
    pub stated_total: Option<Stated>,
    /// 等次 as printed.
    pub stated_grade: Option<Stated>,
    /// The 合计 row's cell in the 实际完成值 column, as printed.
    pub stated_total_actual: Option<Stated>,
    /// 备注.
    #[serde(default)]
    pub notes: Vec<String>,
    /// The table's own 审核意见及签章 blocks.
    #[serde(default)]
    pub signoffs: Vec<Signoff>,
    /// 其他需说明事项.
    pub other_matters: Option<String>,
    /// 填表人.
    pub prepared_by: Option<String>,
    /// 填表日期.
    pub date: Option<DateText>,
    /// 联系人.
    pub contact: Option<Contact>,
}

impl Project {
    /// Moves project keys that a file wrote inside a funds row (after a
    /// `[[projects.funds]]` header) to the project, unless the project has its own.
    pub fn hoist_misplaced(&mut self) {
        for f in &mut self.funds {
            if self.goal.is_none() {
                self.goal = f.goal.take();
            }
            if self.outcome.is_none() {
                self.outcome = f.outcome.take();
            }
            if self.stated_total.is_none() {
                self.stated_total = f.stated_total.take();
            }
            if self.stated_grade.is_none() {
                self.stated_grade = f.stated_grade.take();
            }
            if self.stated_total_weight.is_none() {
                self.stated_total_weight = f.stated_total_weight.take();
            }
        }
    }
}

/// 项目资金 row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFund {
    /// 资金来源: 年度资金总额 / 当年财政拨款 / 上年结转资金 / 其他资金 (as printed).
    pub source: String,
    /// 年初预算数.
    pub initial: Option<Num>,
    /// 全年预算数.
    pub adjusted: Option<Num>,
    /// 全年执行数.
    pub executed: Option<Num>,
    /// 分值.
    pub weight: Option<Num>,
    /// 执行率 as printed.
    pub stated_rate: Option<Stated>,
    /// 得分 as printed.
    pub stated_score: Option<Stated>,
    // The project's own keys written after a `[[projects.funds]]` header land in the last
    // fund (a common TOML slip). They are accepted here and moved to the project by
    // `Project::hoist_misplaced`, so such files build as their authors meant.
    /// 预期目标 (misplaced; belongs to the project).
    pub goal: Option<String>,
    /// 实际完成情况 (misplaced).
    pub outcome: Option<String>,
    /// 总分 (misplaced).
    pub stated_total: Option<Stated>,
    /// 等次 (misplaced).
    pub stated_grade: Option<Stated>,
    /// 总分值 (misplaced).
    pub stated_total_weight: Option<Stated>,
}

/// A narrative section.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// 标题层级 1–4.
    pub level: Option<u8>,
    /// 标题, as printed.
    pub title: Option<String>,
    /// 正文 (Markdown).
    pub body: Option<String>,
    /// Key paths of blocks drawn inside this section.
    #[serde(default)]
    pub show: Vec<String>,
    /// Key paths whose figures this prose states.
    #[serde(default)]
    pub states: Vec<String>,
    /// 涉密, not published.
    #[serde(default)]
    pub redacted: bool,
    /// Why it is not published.
    pub reason: Option<String>,
}

/// 评价人员.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluator {
    /// 姓名.
    pub name: String,
    /// 职务/职称.
    pub title: Option<String>,
    /// 单位.
    pub unit: Option<String>,
}

/// 审核意见及签章.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signoff {
    /// 标题 (as printed).
    pub title: Option<String>,
    /// 意见.
    pub opinion: Option<String>,
    /// printed signature fields.
    #[serde(default)]
    pub sign: Vec<String>,
    /// 签署人.
    pub signed_by: Option<String>,
    /// 日期.
    pub date: Option<DateText>,
}

// ---------------------------------------------------------------- targets.toml

/// `targets.toml`: 部门整体绩效目标申报.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// 年度.
    pub year: Num,
    /// 表名/标题.
    pub title: Option<String>,
    /// 表式.
    pub form: Option<String>,
    /// 表名.
    pub form_title: Option<String>,
    /// 组成顺序.
    pub order: Option<Vec<String>>,
    /// 日期.
    pub date: Option<DateText>,
    /// 联系人.
    pub contact: Option<Contact>,
    /// 填表人.
    pub prepared_by: Option<String>,
    /// 年度履职目标 (Markdown).
    pub duties: Option<String>,
    /// 年度主要任务.
    #[serde(default)]
    pub tasks: Vec<TaskRow>,
    /// 预算.
    pub budget: Option<TargetsBudget>,
    /// 指标分组.
    #[serde(default)]
    pub indicator_groups: Vec<IndicatorGroup>,
    /// 年度绩效指标.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// 项目支出绩效目标表.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// 备注.
    #[serde(default)]
    pub notes: Vec<String>,
    /// 其他需说明事项.
    pub other_matters: Option<String>,
    /// 审核意见及签章.
    #[serde(default)]
    pub signoffs: Vec<Signoff>,
    /// 不公开的键.
    #[serde(default)]
    pub private: Vec<String>,
    /// 公开日期.
    pub published: Option<DateText>,
    /// 批复日期.
    pub approved: Option<DateText>,
    /// 本期所列单位信息.
    pub department: Option<DepartmentInfo>,
    /// 章节.
    #[serde(default)]
    pub sections: Vec<Section>,
}

/// 部门预算 of a targets record.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TargetsBudget {
    /// 部门预算总额 (as printed when it is a stated sum).
    pub stated_total: Option<Stated>,
    /// 部门预算总额.
    pub total: Option<Num>,
    /// 财政性资金.
    pub fiscal: Option<Num>,
    /// 其他资金.
    pub other: Option<Num>,
    /// 基本支出.
    pub basic: Option<Num>,
    /// 项目支出.
    pub project: Option<Num>,
}

/// Whether `path` lies in a key path listed in a record's `private` list (`contact`
/// covers `contact.phone`; `projects[0]` the whole project, not `projects[01]`).
pub fn private_covers(private: &[String], path: &str) -> bool {
    private.iter().any(|p| {
        path == p
            || path
                .strip_prefix(p.as_str())
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

#[cfg(test)]
mod tests {
    use super::SourceFile;

    /// Lines and columns as an index of line starts finds them.
    fn by_index(text: &str, offset: usize) -> ((usize, usize), &str) {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let offset = offset.min(text.len());
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let col = text
            .get(starts[line]..offset)
            .map_or(1, |s| s.chars().count() + 1);
        let end = starts.get(line + 1).copied().unwrap_or(text.len());
        let excerpt = text[starts[line]..end].trim_end_matches(['\n', '\r']);
        ((line + 1, col), excerpt)
    }

    #[test]
    fn lines_and_columns_of_every_offset() {
        for text in [
            "",
            "\n",
            "a = 1",
            "a = 1\n",
            "# 说明\r\nb = \"中文\"\r\n\r\nc = 2\n\nd = '末行'",
            "\n\n多行\n",
        ] {
            let file = SourceFile::new("f.toml".into(), text.into());
            for offset in 0..=text.len() + 2 {
                let (line_col, excerpt) = by_index(text, offset);
                assert_eq!(file.line_col(offset), line_col, "{text:?} at {offset}");
                assert_eq!(file.line_at(offset), excerpt, "{text:?} at {offset}");
            }
        }
    }
}
