//! Hostile content for the XSS and determinism tests: the payload corpus of
//! `tests/fixtures/xss/payloads.txt`, and a generated content folder that puts a payload in
//! every text field the format has.
//!
//! The folder holds one department per payload. Every text field of a department's files is
//! a *slot*; slot `j` of department `k` holds payload `(k + j) mod P`, so across the
//! departments every payload lands in every slot (a Latin square), and within one page the
//! slots carry many different payloads.

#![allow(dead_code)]

use std::path::Path;

/// One payload of the corpus.
#[derive(Debug, Clone)]
pub struct Payload {
    /// 1-based number (the marker value it sets when it runs).
    pub id: usize,
    /// The text, substitutions made.
    pub text: String,
    /// Text that no browser runs even unescaped; checked statically.
    pub inert: bool,
}

/// What a payload does when it runs: marks its document's root element.
pub fn marker_js(id: usize) -> String {
    format!("document.documentElement.dataset.xss={id}")
}

/// The corpus, substitutions made (see the file's header).
pub fn payloads() -> Vec<Payload> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xss/payloads.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let id = out.len() + 1;
        let (inert, raw) = match line.strip_prefix("(inert) ") {
            Some(r) => (true, r),
            None => (false, line),
        };
        let long: String = "长文本"
            .repeat(20_000 / 3 + 1)
            .chars()
            .take(20_000)
            .collect();
        let s = decode_escapes(raw)
            .replace("§X§", &marker_js(id))
            .replace("§LONG§", &long);
        out.push(Payload { id, text: s, inert });
    }
    out
}

/// `\u{HEX}` → the character.
fn decode_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        let end = after.find('}').expect("unterminated \\u{");
        let c = u32::from_str_radix(&after[..end], 16)
            .ok()
            .and_then(char::from_u32)
            .expect("bad \\u{} escape");
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A TOML basic string (also valid as a quoted key).
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Fills a template: `@@` is the next slot, `@^@` repeats the slot before it.
struct Filler<'a> {
    texts: &'a [String],
    dept: usize,
    slot: usize,
    used: usize,
}

impl Filler<'_> {
    fn fill(&mut self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() * 2);
        let mut rest = template;
        loop {
            let a = rest.find("@@");
            let b = rest.find("@^@");
            let (i, repeat) = match (a, b) {
                (None, None) => break,
                (Some(a), Some(b)) if b < a => (b, true),
                (None, Some(b)) => (b, true),
                (Some(a), _) => (a, false),
            };
            out.push_str(&rest[..i]);
            if !repeat {
                self.slot += 1;
                self.used += 1;
            }
            let p = (self.dept + self.slot) % self.texts.len();
            out.push_str(&toml_str(&self.texts[p]));
            rest = &rest[i + if repeat { 3 } else { 2 }..];
        }
        out.push_str(rest);
        out
    }
}

/// Writes a content folder with `texts` in every text field: one department per text
/// (at least `min_departments`), each with a 2022 and a 2023 evaluation and 2023 targets.
/// Returns the number of slots (text fields) per department.
pub fn write_site(dir: &Path, texts: &[String], min_departments: usize) -> usize {
    assert!(!texts.is_empty());
    std::fs::create_dir_all(dir).unwrap();
    // Site-wide fields hold every short text at once.
    let all: String = texts
        .iter()
        .filter(|t| t.chars().count() < 500)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" | ");
    let site = format!(
        "title = {t}\ndescription = {t}\nlanguage = {l}\n\n[scheme]\ngrades = [\n  {{ min = 90, label = {t} }},\n  {{ min = 60, label = {g} }},\n  {{ min = 0, label = \"差\" }},\n]\n",
        t = toml_str(&all),
        l = toml_str(&format!("zh-CN{all}")),
        g = toml_str(&texts[texts.len() / 2]),
    );
    std::fs::write(dir.join("site.toml"), site).unwrap();
    let n = texts.len().max(min_departments);
    let mut slots = 0;
    for k in 0..n {
        let mut f = Filler {
            texts,
            dept: k,
            slot: 0,
            used: 0,
        };
        let d = dir.join(format!("d{k:03}"));
        std::fs::create_dir_all(d.join("2022")).unwrap();
        std::fs::create_dir_all(d.join("2023")).unwrap();
        std::fs::write(d.join("department.toml"), f.fill(DEPARTMENT)).unwrap();
        std::fs::write(d.join("2023/evaluation.toml"), f.fill(EVALUATION)).unwrap();
        std::fs::write(d.join("2023/targets.toml"), f.fill(TARGETS)).unwrap();
        std::fs::write(d.join("2022/evaluation.toml"), f.fill(EVALUATION_PRIOR)).unwrap();
        slots = f.used;
    }
    slots
}

const DEPARTMENT: &str = r#"name = @@
short_name = @@
region = @@
level = @@
parent = @@
credit_code = @@
established = @@
address = @@
functions = @@
internal_units = [@@, { name = @@, note = @@ }]
subordinate_units = [{ name = @@, note = @@ }, @@]
"#;

const EVALUATION: &str = r#"year = 2023
title = @@
date = @@
form_title = @@
order = ["form", "projects", "report"]
prepared_by = @@
basis = @@
notes = [@@, @@]
other_matters = @@
published = @@
approved = @@

[department]
name = @@

[contact]
name = @@
phone = @@

[staffing]
authorized = 10
actual = 9
retired = 2
stated_total = @@

[[staffing.by_type]]
type = @@
authorized = 10
actual = 9

[goals]
functions = @@
functions_note = @@
tasks = [@@, @@]
overall = @@
overall_note = @@
achievements = @@
qualitative_target = @@
qualitative_result = @@

[[goals.years]]
year = @@
target = @@
result = @@

[[income]]
unit = @@
stated_total = @@
general_budget = 100
other = 5

[[expenditure]]
unit = @@
stated_total = @@
basic = 60
personnel = 40
public = 20
project = 45
stated_share = { basic = @@, @@ = @@ }

[[three_public_by_unit]]
unit = @@
stated_total = @@
reception = 1
vehicle_operation = 2

[[assets]]
unit = @@
stated_total = @@
in_use = 10

[budget]
initial = 90
adjusted = 105
executed = 100
stated_adjustment = @@
stated_execution_rate = @@
stated_adjustment_rate = @@
carryover_balance = 5
stated_carryover_rate = @@
procurement_budget = 10
procurement_actual = 9
stated_procurement_rate = @@
public_budget = 20
public_actual = 18
stated_public_control_rate = @@

[budget.basic]
initial = 50
adjusted = 60
executed = 60
stated_execution_rate = @@

[budget.by_economic]
wages = 40
goods_services = 50
household = 5
capital = 5
stated_total = @@

[[three_public]]
item = @@
budget = 10
actual = 3
prior_actual = 2
stated_control_rate = @@
stated_change = @@
stated_change_rate = @@
stated_direction = @@
reason = @@

[[three_public]]
item = "公务接待费"
budget = 5
actual = 1.31
prior_actual = 1.01
stated_control_rate = "26.2%"

[[project_funds]]
name = @@
carryover = 1
initial = 10
appropriated = 10
stated_total = @@
executed = 9
balance = 2

[[year_over_year]]
item = @@
actual = 100
prior_actual = 90
stated_change = @@
stated_change_rate = @@
stated_direction = @@
reason = @@

[[year_over_year]]
item = @@
actual = 10
prior_actual = 12
unit = @@
reason = @@

[[indicator_groups]]
level1 = @@
weight = 50
note = @@

[[indicators]]
level1 = @^@
level2 = @@
name = @@
target = @@
op = @@
value = @@
unit = @@
actual = @@
weight = 10
score = 9
deviation = @@
scoring_rule = @@
explanation = @@
remark = @@

[[indicators]]
level1 = @@
level2 = "数量指标"
name = "完成率"
target = "≥90%"
actual = "85%"
weight = 10
score = 8

[score]
stated_total_weight = @@
stated_total = @@
stated_grade = @@

[[score.parts]]
name = @@
weight = 100
score = 80

[scheme]
grades = [{ min = 90, label = @@ }, { min = 60, label = @@ }, { min = 0, label = @@ }]

[[evaluators]]
name = @@
title = @@
unit = @@

[[signoffs]]
title = @@
opinion = @@
sign = [@@, @@]
signed_by = @@
date = @@

[[sections]]
level = 1
title = @@
body = @@
show = ["three_public"]

[[sections]]
level = 2
title = @@
redacted = true
reason = @@

[[sections]]
level = 3
body = @@

[[sections]]
level = 4
title = @@
body = @@

[[projects]]
name = @@
code = @@
form_title = @@
supervisor = @@
implementer = @@
level = @@
period = @@
goal = @@
outcome = @@
stated_total_weight = @@
stated_total = @@
stated_grade = @@
stated_total_actual = @@
notes = [@@]
other_matters = @@
prepared_by = @@
date = @@
contact = { name = @@, phone = @@ }

[[projects.funds]]
source = @@
initial = 10
adjusted = 10
executed = 9
weight = 10
stated_rate = @@
stated_score = @@

[[projects.indicator_groups]]
level1 = @@
level2 = @@
weight = 10
note = @@

[[projects.indicators]]
level1 = @@
level2 = @@
name = @@
target = @@
actual = @@
weight = 10
score = 9
deviation = @@

[[projects.signoffs]]
title = @@
opinion = @@
sign = [@@]
signed_by = @@
"#;

const TARGETS: &str = r#"year = 2023
title = @@
form_title = @@
date = @@
prepared_by = @@
duties = @@
notes = [@@]
other_matters = @@
published = @@

[department]
name = @@

[contact]
name = @@
phone = @@

[[tasks]]
name = @@
level = @@
content = @@
budget = 10
fiscal = 8
other = 2
executed = 9
stated_rate = @@
deviation = @@

[budget]
stated_total = @@
fiscal = 80
other = 20
basic = 60
project = 40

[[indicators]]
level1 = @@
level2 = @@
name = @@
target = @@
op = @@
value = @@
unit = @@
scoring_rule = @@
explanation = @@
remark = @@

[[projects]]
name = @@
amount = 10
local_amount = 6
higher_level_amount = 4
period = @@
long_term_goal = @@
annual_goal = @@

[[projects.indicators]]
level1 = @@
level2 = @@
name = @@
target = @@
explanation = @@

[[signoffs]]
title = @@
opinion = @@
sign = [@@]
signed_by = @@
date = @@

[[sections]]
title = @@
body = @@
"#;

const EVALUATION_PRIOR: &str = r#"year = 2022
title = @@

[budget]
initial = 80
adjusted = 95
executed = 90

[[three_public]]
item = @@
budget = 10
actual = 2

[score]
stated_total = "85"
stated_grade = @@
"#;
