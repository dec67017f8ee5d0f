//! Stage 5, site: decides every page, its URL and what it shows, as plain serialisable
//! views. URLs are a public contract (archivists keep links):
//!
//! | page | path |
//! |---|---|
//! | home | `index.html` |
//! | year | `years/<year>/index.html` |
//! | department | `<dept>/index.html` |
//! | evaluation record | `<dept>/<year>/index.html` |
//! | targets record | `<dept>/<year>/targets/index.html` |
//! | findings (核对情况) | `checks/index.html`, and per department `checks/<slug>/index.html` |
//!
//! Every link is relative (built from the page's depth), so the output works from disk.

pub mod chart;
pub mod data;
pub mod private;
pub mod record;
pub mod table;
pub mod trends;

use crate::check::{Finding, Severity};
use crate::compute::{Calc, Computed, Kind, RecordFigures};
use crate::model::{Content, Department, FindingsMode, Record, RecordBody, RecordKind, Rounding};
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

pub use record::RecordView;

/// Folder names the site itself uses; a department cannot be called this.
pub const RESERVED_SLUGS: [&str; 4] = ["years", "assets", "checks", "data"];

/// A link.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Text.
    pub text: String,
    /// Relative href.
    pub href: String,
}

/// What every page shares.
#[derive(Debug, Clone, Serialize)]
pub struct Chrome {
    /// Site title.
    pub site_title: String,
    /// `<title>` and `<h1>`.
    pub title: String,
    /// Relative path to the site root ("" or "../../").
    pub root: String,
    /// `lang`.
    pub lang: String,
    /// Breadcrumbs, home first.
    pub crumbs: Vec<Link>,
    /// Running header of printed pages (record pages): department · year · title.
    pub print_header: Option<String>,
}

/// One page to render.
#[derive(Debug, Serialize)]
pub struct Page {
    /// Output path, relative to the output folder.
    #[serde(skip)]
    pub path: String,
    /// Template name.
    #[serde(skip)]
    pub template: &'static str,
    /// Shared chrome.
    pub chrome: Chrome,
    /// The page's own view.
    pub view: View,
}

/// The page's own view.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum View {
    /// 首页.
    Home(HomeView),
    /// 年度.
    Year(YearView),
    /// 部门.
    Department(DepartmentView),
    /// 公开文件.
    Record(Box<RecordView>),
    /// 核对情况.
    Findings(FindingsView),
    /// 开放数据.
    Data(DataView),
    /// A yearly snapshot's note on the years it leaves out.
    OtherYears(OtherYearsView),
}

/// A yearly snapshot's note on the years it leaves out.
#[derive(Debug, Serialize)]
pub struct OtherYearsView {
    /// The snapshot's year.
    pub year: i32,
}

/// 开放数据: what the data package holds, column by column (the documented mapping from
/// a record CSV's Chinese headers to the package's machine names).
#[derive(Debug, Serialize)]
pub struct DataView {
    /// Every table.
    pub tables: &'static [data::TableDef],
    /// The columns every package table starts with.
    pub key_columns: &'static [data::Column],
    /// First and last fiscal year.
    pub years: Option<(i32, i32)>,
}

/// A department's latest disclosure, for lists.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Department name.
    pub name: String,
    /// Department page.
    pub dept_href: String,
    /// Record page.
    pub href: String,
    /// Year.
    pub year: i32,
    /// 全年预算.
    pub budget: String,
    /// 实际支出.
    pub executed: String,
    /// 预算执行率.
    pub rate: String,
    /// 综合得分.
    pub score: String,
    /// 等次.
    pub grade: String,
    /// Number of error findings on the record.
    pub errors: usize,
}

/// 首页.
#[derive(Debug, Serialize)]
pub struct HomeView {
    /// Site description.
    pub description: Option<String>,
    /// Latest year with records.
    pub latest_year: Option<i32>,
    /// Every department's latest disclosure.
    pub departments: Vec<Summary>,
    /// Years, newest first.
    pub years: Vec<Link>,
    /// Findings count.
    pub findings: usize,
}

/// 年度页.
#[derive(Debug, Serialize)]
pub struct YearView {
    /// The year.
    pub year: i32,
    /// Every department's evaluation that year.
    pub rows: Vec<Summary>,
    /// Targets records that year.
    pub targets: Vec<Link>,
    /// Charts comparing the year's departments (drawn by `render`).
    #[serde(skip)]
    pub charts: Vec<record::Block>,
}

/// One year on a department's timeline.
#[derive(Debug, Serialize)]
pub struct TimelineYear {
    /// Year.
    pub year: i32,
    /// Its records.
    pub links: Vec<Link>,
    /// Summary of the evaluation, if any.
    pub summary: Option<Summary>,
}

/// 部门页.
#[derive(Debug, Serialize)]
pub struct DepartmentView {
    /// Facts (label, value).
    pub facts: Vec<(String, String)>,
    /// 职能职责 (Markdown).
    pub functions: Option<String>,
    /// 内设机构.
    pub internal_units: Vec<String>,
    /// 下属单位.
    pub subordinate_units: Option<Vec<String>>,
    /// Every year, newest first.
    pub timeline: Vec<TimelineYear>,
    /// Charts across the years (drawn by `render`).
    #[serde(skip)]
    pub charts: Vec<record::Block>,
}

/// A finding on the findings page.
#[derive(Debug, Serialize)]
pub struct FindingItem {
    /// Anchor id.
    pub id: String,
    /// error / warning / info.
    pub severity: Severity,
    /// 错误 / 警告 / 提示.
    pub severity_zh: &'static str,
    /// `file:line:col`.
    pub location: String,
    /// Field path.
    pub path: String,
    /// Published.
    pub stated: String,
    /// Computed.
    pub computed: String,
    /// Message.
    pub message: String,
}

/// Findings of one record.
#[derive(Debug, Serialize)]
pub struct FindingGroup {
    /// Record title.
    pub title: String,
    /// Record page.
    pub href: String,
    /// Its findings.
    pub items: Vec<FindingItem>,
}

/// 核对情况.
#[derive(Debug, Serialize)]
pub struct FindingsView {
    /// Counts by severity.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Infos.
    pub infos: usize,
    /// Groups, in site order (a department's page).
    pub groups: Vec<FindingGroup>,
    /// Departments with findings, in site order (the overview page).
    pub departments: Vec<FindingDepartment>,
}

/// A department's line on the 核对情况 overview.
#[derive(Debug, Serialize)]
pub struct FindingDepartment {
    /// Department name.
    pub name: String,
    /// Its 核对情况 page, relative to the overview.
    pub href: String,
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Infos.
    pub infos: usize,
}

/// A department's 核对情况 page (the overview at `checks/index.html` lists them: a
/// province's tens of thousands of findings do not fit one page).
pub fn checks_path(slug: &str) -> String {
    format!("checks/{slug}/index.html")
}

/// The whole site: every page.
#[derive(Debug)]
pub struct Site<'a> {
    /// Pages, sorted by path.
    pub pages: Vec<PageSpec>,
    content: &'a Content,
    computed: &'a Computed,
    /// Per department, per record: its findings the site shows, numbered.
    by_record: Vec<Vec<Vec<(usize, &'a Finding)>>>,
    show_notes: bool,
    /// First and last fiscal year with records.
    pub years: Option<(i32, i32)>,
    /// Sitemap and feed, when the site has a `base_url`.
    pub feed: Option<Feed>,
}

/// What `sitemap.xml` and `atom.xml` list (only when `base_url` is set: both need
/// absolute addresses).
#[derive(Debug)]
pub struct Feed {
    /// Site address, ending in `/`.
    pub base_url: String,
    /// Site title.
    pub title: String,
    /// Every page: path and, for a record, its date (YYYY-MM-DD).
    pub pages: Vec<(String, Option<String>)>,
    /// Dated disclosures, newest first.
    pub entries: Vec<FeedEntry>,
}

/// A disclosure in the feed.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    /// Document title.
    pub title: String,
    /// Department name.
    pub department: String,
    /// Page path.
    pub path: String,
    /// Publication date from the content (公开日期, else 报告日期), YYYY-MM-DD.
    pub date: String,
}

/// A record's publication date (公开日期, else 报告日期) as YYYY-MM-DD.
pub fn publication_date(rec: &Record) -> Option<String> {
    let (published, date) = match &rec.body {
        RecordBody::Evaluation(e) => (&e.published, &e.date),
        RecordBody::Targets(t) => (&t.published, &t.date),
    };
    published
        .iter()
        .chain(date)
        .find_map(|d| d.date)
        .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}

/// A page: built already (the few index pages), or a record page built when it is
/// rendered, so that a province's thousands of record views never sit in memory at once.
#[derive(Debug)]
pub enum PageSpec {
    /// A page whose view is built.
    Ready(Box<Page>),
    /// Record `r` of department `d`.
    Record {
        /// Output path.
        path: String,
        /// Shared chrome.
        chrome: Chrome,
        /// Department index.
        d: usize,
        /// Record index.
        r: usize,
    },
    /// The 核对情况 page of department `d` (built when rendered: a province has tens of
    /// thousands of findings, and a rebuild needs only the edited department's).
    Checks {
        /// Output path.
        path: String,
        /// Shared chrome.
        chrome: Chrome,
        /// Department index.
        d: usize,
    },
}

impl PageSpec {
    /// Output path.
    pub fn path(&self) -> &str {
        match self {
            PageSpec::Ready(p) => &p.path,
            PageSpec::Record { path, .. } | PageSpec::Checks { path, .. } => path,
        }
    }
}

impl Site<'_> {
    fn record_findings(&self, d: usize, r: usize) -> &[(usize, &Finding)] {
        if !self.show_notes {
            return &[];
        }
        self.by_record
            .get(d)
            .and_then(|recs| recs.get(r))
            .map_or(&[], |v| v.as_slice())
    }

    /// Builds the 核对情况 page of department `d`.
    pub fn checks_page(&self, path: &str, chrome: &Chrome, d: usize) -> Page {
        let dept = &self.content.departments[d];
        let groups: Vec<FindingGroup> = dept
            .records
            .iter()
            .enumerate()
            .filter_map(|(r, rec)| {
                let items = self.record_findings(d, r);
                (!items.is_empty()).then(|| FindingGroup {
                    title: record_title(dept, rec),
                    href: format!("../../{}", record_path(&dept.slug, rec.year, rec.kind)),
                    items: items
                        .iter()
                        .map(|(i, f)| FindingItem {
                            id: finding_anchor(f, *i),
                            severity: f.severity,
                            severity_zh: f.severity.zh(),
                            location: format!("{}:{}:{}", f.file, f.line, f.column),
                            path: f.path.clone(),
                            stated: f.stated.clone(),
                            computed: f.computed.clone(),
                            message: f.message.clone(),
                        })
                        .collect(),
                })
            })
            .collect();
        let n = |s: Severity| {
            groups
                .iter()
                .flat_map(|g| &g.items)
                .filter(|i| i.severity == s)
                .count()
        };
        Page {
            chrome: chrome.clone(),
            path: path.to_string(),
            template: "checks.html",
            view: View::Findings(FindingsView {
                errors: n(Severity::Error),
                warnings: n(Severity::Warning),
                infos: n(Severity::Info),
                groups,
                departments: Vec::new(),
            }),
        }
    }

    /// The content the site is built from.
    pub fn config(&self) -> &Content {
        self.content
    }

    /// Display rounding of record `r` of department `d`.
    pub fn rounding(&self, d: usize, r: usize) -> Rounding {
        rounding_of(self.computed.record(d, r))
    }

    /// The data tables of record `r` of department `d` (what its `data.json` and CSV
    /// files hold).
    pub fn record_data(&self, d: usize, r: usize) -> data::RecordData {
        let rec = &self.content.departments[d].records[r];
        data::record(
            rec,
            self.computed.record(d, r),
            self.record_findings(d, r),
            self.rounding(d, r),
        )
    }

    /// The department and record of a record page.
    pub fn record_of(&self, d: usize, r: usize) -> (&Department, &Record) {
        let dept = &self.content.departments[d];
        (dept, &dept.records[r])
    }

    /// Builds the view of a record page; `data` gives its download links.
    pub fn record_page(
        &self,
        path: &str,
        chrome: &Chrome,
        d: usize,
        r: usize,
        data: &data::RecordData,
    ) -> Page {
        let (dept, rec) = self.record_of(d, r);
        let figs = self.computed.record(d, r);
        let mut view = record::build(
            self.content,
            dept,
            rec,
            figs,
            self.record_findings(d, r),
            self.rounding(d, r),
        );
        view.downloads = std::iter::once(Link {
            text: "全部数据（JSON）".to_string(),
            href: "data.json".to_string(),
        })
        .chain(data.tables.iter().map(|t| Link {
            text: format!("{}（CSV）", t.def.title),
            href: format!("{}.csv", t.def.name),
        }))
        .collect();
        Page {
            path: path.to_string(),
            template: "record.html",
            chrome: chrome.clone(),
            view: View::Record(Box::new(view)),
        }
    }
}

/// A finding's anchor on the 核对情况 page: its record and its number within the record
/// (`xiangxi-xfj-2023-3`, `xiangxi-xfj-2022-t-1` for a targets record), so that links to
/// one record's findings stay the same when another record changes.
pub fn finding_anchor(f: &Finding, n: usize) -> String {
    match f.kind {
        RecordKind::Evaluation => format!("{}-{}-{n}", f.department, f.year),
        RecordKind::Targets => format!("{}-{}-t-{n}", f.department, f.year),
    }
}

/// Whether finding `f` on record `rec` is on data the record withholds (then it is shown
/// nowhere: its stated and computed values would publish the data).
fn withheld(rec: &Record, f: &Finding) -> bool {
    !private::of(rec).is_empty() && private::finding_withheld(rec, f)
}

/// [`Site::record_data`] without a site: from `findings`, all the site's, only those of
/// the record. For a rebuild, which needs an edited record's data before its site.
pub fn record_data_of(
    content: &Content,
    computed: &Computed,
    findings: &[Finding],
    d: usize,
    r: usize,
) -> data::RecordData {
    let rec = &content.departments[d].records[r];
    let slug = content.departments[d].slug.as_str();
    let mut shown: Vec<(usize, &Finding)> = Vec::new();
    if content.site.findings == FindingsMode::Show {
        for f in findings {
            if f.department == slug && f.year == rec.year && f.kind == rec.kind && !withheld(rec, f)
            {
                shown.push((shown.len() + 1, f));
            }
        }
    }
    let figs = computed.record(d, r);
    data::record(rec, figs, &shown, rounding_of(figs))
}

/// Display rounding of a record: its scheme's.
fn rounding_of(figs: &RecordFigures) -> Rounding {
    figs.scheme
        .as_ref()
        .map_or(Rounding::HalfUp, |s| s.rounding)
}

/// Page path of a record.
pub fn record_path(slug: &str, year: i32, kind: RecordKind) -> String {
    match kind {
        RecordKind::Evaluation => format!("{slug}/{year}/index.html"),
        RecordKind::Targets => format!("{slug}/{year}/targets/index.html"),
    }
}

fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// Department name as shown (a record may print another).
pub fn dept_name(d: &Department) -> String {
    d.info.name.clone().unwrap_or_else(|| d.slug.clone())
}

/// Title of a record.
pub fn record_title(d: &Department, r: &Record) -> String {
    let name = dept_name(d);
    match &r.body {
        RecordBody::Evaluation(e) => e.title.clone().unwrap_or_else(|| {
            if e.score.is_none() && e.budget.is_none() && !e.projects.is_empty() {
                format!("{name}{}年度项目支出绩效自评", r.year)
            } else {
                format!("{name}{}年度部门整体支出绩效自评报告", r.year)
            }
        }),
        RecordBody::Targets(t) => t
            .title
            .clone()
            .or_else(|| t.form_title.clone())
            .unwrap_or_else(|| format!("{name}{}年度部门整体绩效目标申报表", r.year)),
    }
}

/// Page of a year snapshot that stands for the years it leaves out (when the site has
/// no `base_url` to link them to).
pub const OTHER_YEARS: &str = "other-years.html";

/// Builds every page of the site; with `scope`, only that year's (a yearly snapshot for
/// `gongkai archive`): links to other years then go to the live site at `base_url`, or
/// to a page saying the year is not in the snapshot.
pub fn build<'a>(
    content: &'a Content,
    computed: &'a Computed,
    findings: &'a [Finding],
    scope: Option<i32>,
) -> Site<'a> {
    build_reusing(content, computed, findings, scope, None)
}

/// What one department adds to the site's lists (home, year pages, sitemap and feed),
/// kept between rebuilds.
#[derive(Clone, Default)]
pub struct DeptParts {
    summaries: Vec<(i32, Summary)>,
    targets: Vec<(i32, Link)>,
    latest: Option<Summary>,
    year_points: Vec<(i32, YearRow)>,
    feed: FeedParts,
}

type YearRow = (String, Option<Decimal>, Option<Decimal>);

/// Pages for the sitemap (path, date) and disclosures for the feed.
#[derive(Clone, Default)]
struct FeedParts {
    pages: Vec<(String, Option<String>)>,
    entries: Vec<FeedEntry>,
}

/// Every department's [`DeptParts`], from the last build that kept them.
#[derive(Default)]
pub struct Kept(Vec<DeptParts>);

/// [`build`], keeping what each department adds to the site's lists in `kept`. With
/// `only`, builds the pages of those departments only (and the site's own pages), taking
/// the other departments' parts from `kept`: a rebuild after an edit renders no other
/// page. The pages built are the same as a full build's.
pub fn build_kept<'a>(
    content: &'a Content,
    computed: &'a Computed,
    findings: &'a [Finding],
    kept: &mut Kept,
    only: Option<&std::collections::BTreeSet<usize>>,
) -> Site<'a> {
    let reuse = only.filter(|_| kept.0.len() == content.departments.len());
    build_reusing(content, computed, findings, None, Some((kept, reuse)))
}

type Reuse<'k> = Option<(&'k mut Kept, Option<&'k std::collections::BTreeSet<usize>>)>;

fn build_reusing<'a>(
    content: &'a Content,
    computed: &'a Computed,
    findings: &'a [Finding],
    scope: Option<i32>,
    mut reuse: Reuse<'_>,
) -> Site<'a> {
    let in_scope = |year: i32| scope.is_none_or(|y| y == year);
    let base_url = content
        .site
        .base_url
        .trim()
        .trim_end_matches('/')
        .to_string();
    // A link from the page at `from` to the page at `to` (both from the site root).
    let link_to = |from: &str, to: &str, year: i32| -> String {
        if in_scope(year) {
            format!("{}{to}", root_of(from))
        } else if base_url.is_empty() {
            format!("{}{OTHER_YEARS}", root_of(from))
        } else {
            format!("{base_url}/{to}")
        }
    };
    let site_title = content.site.title.clone();
    let lang = content.site.language.clone();
    let show_notes = content.site.findings == FindingsMode::Show;
    let chrome = |path: &str, title: String, crumbs: Vec<(String, String)>| {
        let root = root_of(path);
        Chrome {
            site_title: site_title.clone(),
            title,
            crumbs: crumbs
                .into_iter()
                .map(|(text, href)| Link {
                    text,
                    href: format!("{root}{href}"),
                })
                .collect(),
            root,
            lang: lang.clone(),
            print_header: None,
        }
    };
    // Findings on data a record withholds are not shown anywhere (their stated and
    // computed values would publish it). The others are grouped per record and
    // numbered within it, for anchors.
    let dept_index: BTreeMap<&str, usize> = content
        .departments
        .iter()
        .enumerate()
        .map(|(d, dept)| (dept.slug.as_str(), d))
        .collect();
    // A finding's record, as (department, record) indices. Findings come record by
    // record: the last one found is tried first.
    let mut last: Option<(&Finding, (usize, usize))> = None;
    let mut record_of = |f: &'a Finding| -> Option<(usize, usize)> {
        if let Some((g, at)) = last
            && g.department == f.department
            && g.year == f.year
            && g.kind == f.kind
        {
            return Some(at);
        }
        let d = *dept_index.get(f.department.as_str())?;
        let r = content.departments[d]
            .records
            .iter()
            .position(|r| r.year == f.year && r.kind == f.kind)?;
        last = Some((f, (d, r)));
        Some((d, r))
    };
    let mut by_record: Vec<Vec<Vec<(usize, &Finding)>>> = content
        .departments
        .iter()
        .map(|d| vec![Vec::new(); d.records.len()])
        .collect();
    let mut shown: Vec<&Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        let at = record_of(f);
        if let Some((d, r)) = at
            && withheld(&content.departments[d].records[r], f)
        {
            continue;
        }
        shown.push(f);
        if let Some((d, r)) = at.filter(|_| in_scope(f.year)) {
            let list = &mut by_record[d][r];
            list.push((list.len() + 1, f));
        }
    }
    let findings = shown;

    let mut pages = Vec::new();
    let mut summaries: BTreeMap<i32, Vec<Summary>> = BTreeMap::new();
    let mut targets_by_year: BTreeMap<i32, Vec<Link>> = BTreeMap::new();
    let mut latest: Vec<Summary> = Vec::new();
    let mut year_points: BTreeMap<i32, Vec<YearRow>> = BTreeMap::new();
    let with_feed = !content.site.base_url.trim().is_empty();
    let site_rounding = content.site.scheme.rounding.unwrap_or_default();
    let home_crumb = ("首页".to_string(), "index.html".to_string());

    // Departments in parallel, each into its own lists, merged below in department
    // order (so the output is the same on any number of threads).
    #[derive(Default)]
    struct DeptOut {
        pages: Vec<PageSpec>,
        parts: DeptParts,
    }
    let per_department = |(d, dept): (usize, &Department)| -> DeptOut {
        let mut pages = Vec::new();
        let mut out = DeptParts::default();
        let name = dept_name(dept);
        let dept_path = format!("{}/index.html", dept.slug);
        let mut timeline: BTreeMap<i32, TimelineYear> = BTreeMap::new();
        let mut points: Vec<trends::YearPoint> = Vec::new();
        let mut grades = Vec::new();
        let mut dept_rounding = Rounding::HalfUp;
        for (r, rec) in dept.records.iter().enumerate() {
            let figs = computed.record(d, r);
            let path = record_path(&dept.slug, rec.year, rec.kind);
            let title = record_title(dept, rec);
            let rec_findings = &by_record[d][r];
            let rounding = rounding_of(figs);
            let summary = summary(dept, rec, figs, rec_findings, &dept_path, &path, rounding);
            if let RecordBody::Evaluation(e) = &rec.body {
                let num = |p: &str| figs.get(p).and_then(|f| f.value.num());
                let w = Withheld(private::of(rec));
                let b = e.budget.as_ref();
                let score = num("score.total").or_else(|| {
                    e.score
                        .as_ref()
                        .and_then(|s| s.stated_total.as_ref())
                        .and_then(|t| crate::num::parse_literal(&t.text))
                });
                let tp: Vec<Decimal> = e
                    .three_public
                    .iter()
                    .filter(|r| !r.total)
                    .filter_map(|r| r.actual.as_ref().map(|n| n.value))
                    .collect();
                let amount = |key: &str, n: Option<&crate::num::Num>| {
                    n.filter(|_| !w.covers(&format!("budget.{key}")))
                        .map(|n| n.value)
                };
                let point = trends::YearPoint {
                    year: rec.year,
                    initial: amount("initial", b.and_then(|b| b.initial.as_ref())),
                    adjusted: amount("adjusted", b.and_then(|b| b.adjusted.as_ref())),
                    executed: amount("executed", b.and_then(|b| b.executed.as_ref())),
                    three_public: (!tp.is_empty() && !w.covers("three_public"))
                        .then(|| tp.iter().fold(Decimal::ZERO, |s, v| s.saturating_add(*v))),
                    rate: num("budget.execution_rate").filter(|_| !w.rate()),
                    score: score.filter(|_| !w.score()),
                };
                out.year_points
                    .push((rec.year, (name.clone(), point.score, point.rate)));
                points.push(point);
                if let Some(sc) = &figs.scheme {
                    grades = sc.grades.clone();
                }
                dept_rounding = rounding;
            }
            let entry = timeline.entry(rec.year).or_insert_with(|| TimelineYear {
                year: rec.year,
                links: Vec::new(),
                summary: None,
            });
            let link_text = match rec.kind {
                RecordKind::Evaluation => "绩效自评",
                RecordKind::Targets => "绩效目标申报",
            };
            entry.links.push(Link {
                text: link_text.to_string(),
                href: link_to(&dept_path, &path, rec.year),
            });
            if !in_scope(rec.year) {
                continue;
            }
            match rec.kind {
                RecordKind::Evaluation => {
                    entry.summary = Some(summary.clone());
                    out.summaries.push((rec.year, summary));
                }
                RecordKind::Targets => out.targets.push((
                    rec.year,
                    Link {
                        text: name.clone(),
                        href: format!("../../{path}"),
                    },
                )),
            }
            let header = format!("{name} · {}年度 · {title}", rec.year);
            pages.push(PageSpec::Record {
                chrome: Chrome {
                    print_header: Some(header),
                    ..chrome(
                        &path,
                        title,
                        vec![
                            home_crumb.clone(),
                            (name.clone(), dept_path.clone()),
                            (
                                format!("{}年", rec.year),
                                format!("years/{}/index.html", rec.year),
                            ),
                        ],
                    )
                },
                path,
                d,
                r,
            });
        }
        if let Some(s) = timeline.values().rev().find_map(|t| t.summary.clone()) {
            out.latest = Some(s);
        } else if let Some(t) = timeline.values().rev().find(|t| in_scope(t.year)) {
            out.latest = Some(Summary {
                name: name.clone(),
                dept_href: dept_path.clone(),
                href: t.links[0]
                    .href
                    .strip_prefix("../")
                    .unwrap_or(&t.links[0].href)
                    .to_string(),
                year: t.year,
                budget: String::new(),
                executed: String::new(),
                rate: String::new(),
                score: String::new(),
                grade: String::new(),
                errors: 0,
            });
        }
        let mut facts = Vec::new();
        let i = &dept.info;
        for (label, v) in [
            ("部门（单位）名称", &i.name),
            ("简称", &i.short_name),
            ("所属地区", &i.region),
            ("级次", &i.level),
            ("主管部门", &i.parent),
            ("统一社会信用代码", &i.credit_code),
            ("设立时间", &i.established),
            ("单位住所", &i.address),
        ] {
            if let Some(v) = v {
                facts.push((label.to_string(), v.clone()));
            }
        }
        let units = |u: &Option<Vec<crate::model::UnitName>>| {
            u.as_ref()
                .map(|v| v.iter().map(record::unit_name).collect::<Vec<_>>())
        };
        pages.push(PageSpec::Ready(Box::new(Page {
            chrome: chrome(&dept_path, name.clone(), vec![home_crumb.clone()]),
            path: dept_path,
            template: "department.html",
            view: View::Department(DepartmentView {
                facts,
                functions: i.functions.clone(),
                internal_units: units(&i.internal_units).unwrap_or_default(),
                subordinate_units: units(&i.subordinate_units),
                timeline: timeline.into_values().rev().collect(),
                charts: trends::department(&points, &grades, dept_rounding),
            }),
        })));
        if with_feed {
            out.feed = feed_parts(content, &pages);
        }
        DeptOut { pages, parts: out }
    };
    // A rebuild builds only the edited departments; the others' parts are kept.
    let old: Option<(&[DeptParts], &std::collections::BTreeSet<usize>)> = match &reuse {
        Some((k, Some(only))) => Some((&k.0[..], *only)),
        _ => None,
    };
    let outs: Vec<DeptOut> = content
        .departments
        .par_iter()
        .with_max_len(1)
        .enumerate()
        .map(|(d, dept)| match old {
            Some((parts, only)) if !only.contains(&d) => DeptOut {
                pages: Vec::new(),
                parts: parts[d].clone(),
            },
            _ => per_department((d, dept)),
        })
        .collect();
    if let Some((k, None)) = &mut reuse {
        k.0.clear();
    }
    let mut feeds = Vec::new();
    for (d, o) in outs.into_iter().enumerate() {
        pages.extend(o.pages);
        match &mut reuse {
            Some((k, None)) => k.0.push(o.parts.clone()),
            Some((k, Some(only))) if only.contains(&d) => k.0[d] = o.parts.clone(),
            _ => {}
        }
        let DeptParts {
            summaries: dept_summaries,
            targets,
            latest: dept_latest,
            year_points: points,
            feed,
        } = o.parts;
        for (y, s) in dept_summaries {
            summaries.entry(y).or_default().push(s);
        }
        for (y, l) in targets {
            targets_by_year.entry(y).or_default().push(l);
        }
        latest.extend(dept_latest);
        for (y, p) in points {
            year_points.entry(y).or_default().push(p);
        }
        feeds.push(feed);
    }
    let department_pages = pages.len();

    let all_years: Vec<i32> = content
        .departments
        .iter()
        .flat_map(|d| d.records.iter().map(|r| r.year))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .rev()
        .collect();
    let years: Vec<i32> = all_years.iter().copied().filter(|&y| in_scope(y)).collect();
    for &year in &years {
        let path = format!("years/{year}/index.html");
        let mut rows = summaries.remove(&year).unwrap_or_default();
        for s in &mut rows {
            s.href.insert_str(0, "../../");
            s.dept_href.insert_str(0, "../../");
        }
        pages.push(PageSpec::Ready(Box::new(Page {
            chrome: chrome(
                &path,
                format!("{year}年度预算绩效信息公开"),
                vec![home_crumb.clone()],
            ),
            path,
            template: "year.html",
            view: View::Year(YearView {
                year,
                rows,
                targets: targets_by_year.remove(&year).unwrap_or_default(),
                charts: trends::year(
                    year_points.get(&year).map_or(&[][..], |v| v.as_slice()),
                    site_rounding,
                ),
            }),
        })));
    }

    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    if show_notes {
        let mut overview = Vec::new();
        for (d, dept) in content.departments.iter().enumerate() {
            let (mut errors, mut warnings, mut infos) = (0, 0, 0);
            for list in &by_record[d] {
                for (_, f) in list {
                    match f.severity {
                        Severity::Error => errors += 1,
                        Severity::Warning => warnings += 1,
                        Severity::Info => infos += 1,
                    }
                }
            }
            if errors + warnings + infos == 0 {
                continue;
            }
            let name = dept_name(dept);
            let path = checks_path(&dept.slug);
            overview.push(FindingDepartment {
                name: name.clone(),
                href: format!("{}/index.html", dept.slug),
                errors,
                warnings,
                infos,
            });
            pages.push(PageSpec::Checks {
                chrome: chrome(
                    &path,
                    format!("核对情况 · {name}"),
                    vec![
                        home_crumb.clone(),
                        ("核对情况".to_string(), "checks/index.html".to_string()),
                    ],
                ),
                path,
                d,
            });
        }
        pages.push(PageSpec::Ready(Box::new(Page {
            chrome: chrome(
                "checks/index.html",
                "核对情况".to_string(),
                vec![home_crumb.clone()],
            ),
            path: "checks/index.html".to_string(),
            template: "checks.html",
            view: View::Findings(FindingsView {
                errors: count(Severity::Error),
                warnings: count(Severity::Warning),
                infos: count(Severity::Info),
                groups: Vec::new(),
                departments: overview,
            }),
        })));
    }

    pages.push(PageSpec::Ready(Box::new(Page {
        chrome: chrome("index.html", content.site.title.clone(), vec![]),
        path: "index.html".to_string(),
        template: "index.html",
        view: View::Home(HomeView {
            description: content.site.description.clone(),
            latest_year: years.first().copied(),
            departments: latest,
            years: all_years
                .iter()
                .map(|&y| Link {
                    text: format!("{y}年"),
                    href: link_to("index.html", &format!("years/{y}/index.html"), y),
                })
                .collect(),
            findings: if show_notes {
                count(Severity::Error)
            } else {
                0
            },
        }),
    })));
    let years_span = years.last().copied().zip(years.first().copied());
    if let Some(y) = scope.filter(|_| base_url.is_empty()) {
        pages.push(PageSpec::Ready(Box::new(Page {
            chrome: chrome(
                OTHER_YEARS,
                "其他年度".to_string(),
                vec![home_crumb.clone()],
            ),
            path: OTHER_YEARS.to_string(),
            template: "other-years.html",
            view: View::OtherYears(OtherYearsView { year: y }),
        })));
    }
    pages.push(PageSpec::Ready(Box::new(Page {
        chrome: chrome(
            "data/index.html",
            "开放数据".to_string(),
            vec![home_crumb.clone()],
        ),
        path: "data/index.html".to_string(),
        template: "data.html",
        view: View::Data(DataView {
            tables: data::TABLES,
            key_columns: &data::KEY_COLUMNS,
            years: years_span,
        }),
    })));
    let feed = with_feed.then(|| {
        feeds.push(feed_parts(content, &pages[department_pages..]));
        feed(content, feeds)
    });
    // Paths are unique.
    pages.sort_unstable_by(|a, b| a.path().cmp(b.path()));
    Site {
        feed,
        years: years_span,
        pages,
        content,
        computed,
        by_record,
        show_notes,
    }
}

/// The sitemap's and feed's part of `pages`.
fn feed_parts(content: &Content, pages: &[PageSpec]) -> FeedParts {
    let mut parts = FeedParts::default();
    for spec in pages {
        let date = match spec {
            PageSpec::Record { path, d, r, .. } => {
                let dept = &content.departments[*d];
                let rec = &dept.records[*r];
                let date = publication_date(rec);
                if let Some(date) = &date {
                    parts.entries.push(FeedEntry {
                        title: record_title(dept, rec),
                        department: dept_name(dept),
                        path: path.clone(),
                        date: date.clone(),
                    });
                }
                date
            }
            PageSpec::Ready(_) | PageSpec::Checks { .. } => None,
        };
        parts.pages.push((spec.path().to_string(), date));
    }
    parts
}

/// The sitemap and feed, from every page's part.
fn feed(content: &Content, parts: Vec<FeedParts>) -> Feed {
    let base = content.site.base_url.trim();
    let base_url = if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    };
    let (mut pages, mut entries) = (Vec::new(), Vec::new());
    for p in parts {
        pages.extend(p.pages);
        entries.extend(p.entries);
    }
    // Paths are unique.
    pages.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    entries.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.path.cmp(&b.path)));
    Feed {
        base_url,
        title: content.site.title.clone(),
        pages,
        entries,
    }
}

/// What a record's `private` list withholds from the summaries and charts.
struct Withheld<'a>(&'a [String]);

impl Withheld<'_> {
    fn covers(&self, path: &str) -> bool {
        private::covers(self.0, path)
    }
    /// 预算执行率 and the figures it is computed from.
    fn rate(&self) -> bool {
        // Most records withhold nothing.
        !self.0.is_empty()
            && ["execution_rate", "executed", "adjusted", "initial"]
                .iter()
                .any(|k| self.covers(&format!("budget.{k}")))
    }
    /// 综合得分 (computed from its parts, or as stated).
    fn score(&self) -> bool {
        !self.0.is_empty()
            && ["total", "stated_total", "parts"]
                .iter()
                .any(|k| self.covers(&format!("score.{k}")))
    }
    /// 等次.
    fn grade(&self) -> bool {
        self.score() || self.covers("score.grade") || self.covers("score.stated_grade")
    }
}

fn summary(
    dept: &Department,
    rec: &Record,
    figs: &crate::compute::RecordFigures,
    findings: &[(usize, &Finding)],
    dept_href: &str,
    href: &str,
    rounding: Rounding,
) -> Summary {
    let fmt = table::Figures {
        figs,
        findings: &[],
        rounding,
    };
    let show = |path: &str, kind: Kind| {
        figs.get(path)
            .map(|f| fmt.display(kind, &f.value))
            .unwrap_or_default()
    };
    let w = Withheld(private::of(rec));
    let (budget, executed, score) = match &rec.body {
        RecordBody::Evaluation(e) => {
            let b = e.budget.as_ref();
            let score = match figs.get("score.total") {
                Some(
                    f @ crate::compute::Figure {
                        value: Calc::Num(_),
                        ..
                    },
                ) => fmt.display(Kind::Score, &f.value),
                _ => e
                    .score
                    .as_ref()
                    .and_then(|s| s.stated_total.as_ref())
                    .map(|s| s.text.clone())
                    .unwrap_or_default(),
            };
            (
                b.and_then(|b| b.adjusted.as_ref())
                    .filter(|_| !w.covers("budget.adjusted"))
                    .map(|n| n.value.to_string())
                    .unwrap_or_default(),
                b.and_then(|b| b.executed.as_ref())
                    .filter(|_| !w.covers("budget.executed"))
                    .map(|n| n.value.to_string())
                    .unwrap_or_default(),
                if w.score() { String::new() } else { score },
            )
        }
        RecordBody::Targets(_) => Default::default(),
    };
    Summary {
        name: dept_name(dept),
        dept_href: dept_href.to_string(),
        href: href.to_string(),
        year: rec.year,
        budget,
        executed,
        rate: if w.rate() {
            String::new()
        } else {
            show("budget.execution_rate", Kind::Rate)
        },
        score,
        grade: if w.grade() {
            String::new()
        } else {
            show("score.grade", Kind::Grade)
        },
        errors: findings
            .iter()
            .filter(|(_, f)| f.severity == Severity::Error)
            .count(),
    }
}
