//! 不公开: what a record's `private` list withholds, on every page that could show it — the
//! record page, the summaries and charts of the home, year and department pages, and the
//! findings (notes beside figures and the 核对情况 page).
//!
//! A listed key path withholds everything inside it (`contact` withholds `contact.phone`;
//! `projects[0]` the whole project). [`can_withhold`] says which paths the site honours;
//! any other path must be refused when content is loaded, never silently published.

use crate::check::Finding;
use crate::model::{Record, RecordBody, RecordKind};

/// Whether `path` lies in a key path listed in `private`.
pub fn covers(private: &[String], path: &str) -> bool {
    crate::model::private_covers(private, path)
}

/// A record's `private` list.
pub fn of(rec: &Record) -> &[String] {
    match &rec.body {
        RecordBody::Evaluation(e) => &e.private,
        RecordBody::Targets(t) => &t.private,
    }
}

/// Key paths (`[i]` standing for any row number) the site withholds, per record kind.
/// Rows of tables whose totals the site computes (income, expenditure, 三公, assets,
/// project funds) are not among them: the computed total would reveal the row.
const EVALUATION: [&str; 41] = [
    "contact",
    "contact.name",
    "contact.phone",
    "prepared_by",
    "basis",
    "other_matters",
    "notes",
    "notes[i]",
    "evaluators",
    "evaluators[i]",
    "signoffs",
    "signoffs[i]",
    "sections",
    "sections[i]",
    "staffing",
    "goals",
    "goals.functions",
    "goals.functions_note",
    "goals.tasks",
    "goals.tasks[i]",
    "goals.overall",
    "goals.overall_note",
    "goals.achievements",
    "goals.qualitative_target",
    "goals.qualitative_result",
    "goals.years",
    "income",
    "expenditure",
    "three_public_by_unit",
    "assets",
    "budget",
    "budget.by_economic",
    "three_public",
    "project_funds",
    "year_over_year",
    "year_over_year[i]",
    "indicators",
    "indicators[i]",
    "score",
    "projects",
    "projects[i]",
];

const TARGETS: [&str; 18] = [
    "contact",
    "contact.name",
    "contact.phone",
    "prepared_by",
    "duties",
    "tasks",
    "tasks[i]",
    "budget",
    "indicators",
    "indicators[i]",
    "notes",
    "notes[i]",
    "signoffs",
    "signoffs[i]",
    "sections",
    "sections[i]",
    "other_matters",
    "projects",
];

/// Paths inside `projects[i]`, both kinds.
const PROJECT: [&str; 7] = [
    "contact",
    "contact.name",
    "contact.phone",
    "prepared_by",
    "notes",
    "signoffs",
    "other_matters",
];

/// Whether the site withholds `path` when a record of `kind` lists it in `private`. The
/// loader should refuse any other path: the site would publish what it names.
pub fn can_withhold(kind: RecordKind, path: &str) -> bool {
    let generic = generic_rows(path);
    let listed = match kind {
        RecordKind::Evaluation => &EVALUATION[..],
        RecordKind::Targets => &TARGETS[..],
    };
    if listed.contains(&generic.as_str()) || generic == "projects[i]" {
        return true;
    }
    generic
        .strip_prefix("projects[i].")
        .is_some_and(|rest| PROJECT.contains(&rest))
}

/// `a[12].b[0]` → `a[i].b[i]`; `None`-like garbage (`a[x]`) is left as it is.
fn generic_rows(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(i) = rest.find('[') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find(']') {
            Some(e) if e > 0 && after[..e].bytes().all(|b| b.is_ascii_digit()) => {
                out.push_str("[i]");
                rest = &after[e + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The block a computed figure of an indicator (`figure = "execution_rate"`) is made from.
fn figure_source(name: &str) -> Option<&'static str> {
    match name {
        "execution_rate"
        | "adjustment_rate"
        | "carryover_rate"
        | "procurement_rate"
        | "public_control_rate" => Some("budget"),
        "three_public_control_rate" => Some("three_public"),
        _ => None,
    }
}

/// Whether an indicator's `figure` check (at `indicator_path`) is computed from data the
/// record withholds.
pub fn figure_withheld(rec: &Record, indicator_path: &str) -> bool {
    let private = of(rec);
    let name = indicator_figure(rec, indicator_path);
    name.and_then(figure_source)
        .is_some_and(|src| covers(private, src))
}

/// The `figure` name of the indicator at `path` (`indicators[2]`, `projects[0].indicators[1]`).
fn indicator_figure<'a>(rec: &'a Record, path: &str) -> Option<&'a str> {
    let index = |s: &str, key: &str| -> Option<usize> {
        s.strip_prefix(key)?
            .strip_prefix('[')?
            .split(']')
            .next()?
            .parse()
            .ok()
    };
    let (projects, indicators) = match &rec.body {
        RecordBody::Evaluation(e) => (&e.projects, &e.indicators),
        RecordBody::Targets(t) => (&t.projects, &t.indicators),
    };
    let ind = match path.split_once("].") {
        Some((p, rest)) if path.starts_with("projects[") => {
            let p = index(&format!("{p}]"), "projects")?;
            projects
                .get(p)?
                .indicators
                .get(index(rest, "indicators")?)?
        }
        _ => indicators.get(index(path, "indicators")?)?,
    };
    ind.figure.as_deref()
}

/// Whether a finding concerns data the record withholds: its published value, its
/// computed figure, or an indicator's check computed from a withheld block.
pub fn finding_withheld(rec: &Record, f: &Finding) -> bool {
    let private = of(rec);
    if covers(private, &f.path) || covers(private, &f.figure) {
        return true;
    }
    f.figure
        .strip_suffix(".figure")
        .is_some_and(|ind| figure_withheld(rec, ind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covering() {
        let p = vec!["contact".to_string(), "projects[1]".to_string()];
        assert!(covers(&p, "contact"));
        assert!(covers(&p, "contact.phone"));
        assert!(!covers(&p, "contacts"));
        assert!(covers(&p, "projects[1].funds[0].rate"));
        assert!(!covers(&p, "projects[10]"));
        assert!(!covers(&p, "projects[0]"));
    }

    #[test]
    fn withholdable_paths() {
        use RecordKind::*;
        for p in [
            "contact.phone",
            "projects[3]",
            "projects[0].contact.phone",
            "sections[12]",
            "year_over_year[2]",
            "goals.qualitative_result",
        ] {
            assert!(can_withhold(Evaluation, p), "{p}");
        }
        for p in [
            "income[0]",
            "three_public[1]",
            "contact.email",
            "projects[0].funds",
            "sections[x]",
            "title",
            "year",
            "",
        ] {
            assert!(!can_withhold(Evaluation, p), "{p}");
        }
        assert!(can_withhold(Targets, "duties") && !can_withhold(Evaluation, "duties"));
        assert!(can_withhold(Targets, "tasks[0]"));
    }
}
