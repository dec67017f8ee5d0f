//! Bad input never panics. Two properties feed records through the whole pipeline:
//!
//! - mutations of the bundled records (byte flips, truncation, deleted and repeated lines,
//!   inserted TOML snippets, numbers and texts replaced by extreme ones) and arbitrary
//!   bytes, written as a record file into a temporary content folder;
//! - generated records of the right shape with extreme values (amounts of 0, 10¹², 28
//!   digits, 28 decimals, negative; published figures that are not numbers; empty
//!   names, control characters, Chinese text; any number of rows).
//!
//! Each case goes through `gongkai::build` (load → compute → check → site → render →
//! write into a temporary folder): the build either succeeds or reports the content's
//! problems as diagnostics with text; any other outcome, and any panic, fails. Records
//! that deserialize are also pushed through compute, check, site and render without the
//! loader's rules (`load::deserialize_toml`), so that those stages meet values the rules
//! would refuse.
//!
//! Cases per property: `PROPTEST_CASES` (default 200, well under a minute in a debug
//! build). The long run, in release with integer overflow checks kept on (a release build
//! drops them, and an overflow in a dependency's pixel arithmetic is a panic only with
//! them; link-time optimisation, which only speeds the command up, is turned off to
//! save minutes of compiling). 30,000 cases took 13.4 minutes on 2 cores:
//!
//! ```sh
//! CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true CARGO_PROFILE_RELEASE_LTO=false \
//!     PROPTEST_CASES=30000 cargo test --release --test fuzz
//! ```

use gongkai::model::{
    Content, Department, DepartmentInfo, Evaluation, Project, Record, RecordBody, RecordKind,
    SiteConfig, SourceFile, Targets,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    ProptestConfig {
        cases,
        // A failure is turned into a named regression test in this file instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn theme() -> &'static gongkai::render::Theme {
    static THEME: OnceLock<gongkai::render::Theme> = OnceLock::new();
    THEME.get_or_init(|| {
        gongkai::render::Theme::load(Some(&root().join("themes/default"))).expect("theme")
    })
}

/// A content folder: the bundled site.toml, department `a`, and `files`.
fn content_with(files: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("content/site.toml"),
        dir.path().join("site.toml"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::write(
        dir.path().join("a/department.toml"),
        "name = \"某某县信访局\"\nregion = \"某省某县\"\n",
    )
    .unwrap();
    for (rel, bytes) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

/// Builds `files` as a site; the content is either built or refused with diagnostics
/// (returned, as the user sees them).
fn build(files: &[(String, Vec<u8>)]) -> Result<Option<String>, TestCaseError> {
    let content = content_with(files);
    let out = tempfile::tempdir().unwrap();
    let opts = gongkai::BuildOptions {
        content: content.path().to_path_buf(),
        theme: root().join("themes/default"),
        output: out.path().join("site"),
        clean: false,
    };
    match gongkai::build(&opts) {
        Ok(report) => {
            prop_assert!(report.pages > 0);
            Ok(None)
        }
        Err(gongkai::BuildError::Content(d)) => {
            prop_assert!(!d.0.is_empty(), "refused without a diagnostic");
            for diag in &d.0 {
                prop_assert!(!diag.message.trim().is_empty(), "empty message: {diag:?}");
                prop_assert!(!diag.file.is_empty(), "no file: {diag:?}");
            }
            let text = d.sorted().to_string();
            prop_assert!(text.contains("错误 (error): "));
            prop_assert!(!text.contains(&content.path().display().to_string()));
            Ok(Some(text))
        }
        Err(e) => Err(TestCaseError::fail(format!(
            "build failed for another reason: {e}"
        ))),
    }
}

/// Deserializes each record with types only (no rules) and runs compute, check, site
/// and render on them in memory.
fn unchecked(files: &[(String, Vec<u8>)]) -> Result<(), TestCaseError> {
    let mut records = Vec::new();
    for (rel, bytes) in files {
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let parts: Vec<&str> = rel.split('/').collect();
        let Some(year) = parts.get(1).and_then(|y| y.parse().ok()) else {
            continue;
        };
        let src = SourceFile::new(rel.clone(), text.trim_start_matches('\u{feff}').into());
        let (kind, body) = if rel.ends_with("targets.toml") {
            let Ok(t) = gongkai::load::deserialize_toml::<Targets>(&src) else {
                continue;
            };
            (RecordKind::Targets, RecordBody::Targets(Box::new(t)))
        } else {
            let Ok(mut e) = gongkai::load::deserialize_toml::<Evaluation>(&src) else {
                continue;
            };
            e.projects.iter_mut().for_each(Project::hoist_misplaced);
            (RecordKind::Evaluation, RecordBody::Evaluation(Box::new(e)))
        };
        records.push(Record {
            year,
            kind,
            source: Arc::new(src),
            body,
        });
    }
    if records.is_empty() {
        return Ok(());
    }
    records.sort_by_key(|r| (r.year, r.kind));
    let content = Content {
        site: SiteConfig::default(),
        site_source: None,
        departments: vec![Department {
            slug: "a".into(),
            info: DepartmentInfo {
                name: Some("某某县信访局".into()),
                ..DepartmentInfo::default()
            },
            records,
            source: Arc::new(SourceFile::new(
                "a/department.toml".into(),
                "name = \"某某县信访局\"\n".into(),
            )),
        }],
        root: PathBuf::from("content"),
    };
    let computed = gongkai::compute::compute(&content);
    let findings = gongkai::check::check(&content, &computed);
    let site = gongkai::site::build(&content, &computed, &findings, None);
    let rendered = gongkai::render::render(&site, theme(), |_, _| Ok(()));
    prop_assert!(rendered.is_ok(), "render failed: {:?}", rendered.err());
    Ok(())
}

// ---------------------------------------------------------------- mutations

/// The bundled records: (path in a one-department folder, text).
fn bases() -> &'static [(String, String)] {
    static BASES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    BASES.get_or_init(|| {
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(root().join("content"))
            .min_depth(3)
            .max_depth(3)
            .sort_by_file_name()
        {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(root().join("content")).unwrap();
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect();
            let text = std::fs::read_to_string(entry.path()).unwrap();
            out.push((format!("a/{}/{}", parts[1], parts[2]), text));
        }
        assert!(out.len() >= 5);
        out
    })
}

const SNIPPETS: &[&str] = &[
    "[[three_public]]\nitem = \"公务接待费\"\nbudget = 0\nactual = 1000000000000\nprior_actual = 0\nstated_control_rate = \"0%\"\nstated_change = \"-0\"\nstated_change_rate = \"—\"\n",
    "[budget]\ninitial = 0\nadjusted = 0\nexecuted = 999999999999.999999\nstated_execution_rate = \"99999999999999999999999999999%\"\n",
    "stated_total = \"79228162514264337593543950335\"\n",
    "weight = 100\nscore = 0.0000000000000000000000000001\n",
    "[[projects]]\nname = \"项目\"\n[[projects.funds]]\nsource = \"年度资金总额\"\nadjusted = 0.000001\nexecuted = 1000000000000\nweight = 100\nstated_rate = \"1e30%\"\nstated_score = \"100.00000000000000000000000000001\"\n",
    "private = [\"contact\", \"sections[0]\", \"budget.basic\"]\n",
    "[[sections]]\nredacted = true\nreason = \"涉密\"\nbody = \"<script>alert(1)</script>\"\nshow = [\"three_public\"]\n",
    "order = [\"report\", \"projects\", \"form\"]\n",
    "[[indicators]]\nlevel1 = \"产出指标\"\nname = \"执行率\"\ntarget = \"≥99999999999999999999999999999%\"\nactual = \"-0.5%\"\nfigure = \"execution_rate\"\nweight = 100\nscore = 100\n",
    "[score]\nstated_total = \"100.000000000000000000000000000001\"\nstated_grade = \"优\"\nstated_total_weight = \"0\"\nparts = [{ name = \"预算执行\", weight = 100, score = 100 }]\n",
    "[[year_over_year]]\nitem = \"接待人次\"\nactual = -1000000000000\nprior_actual = 0.000001\nstated_change = \"+1e12\"\nstated_change_rate = \"-100%\"\nunit = \"人次\"\n",
    "[[indicator_groups]]\nlevel1 = \"产出指标\"\nweight = 100\nscore = 0\n",
    "[[expenditure]]\nunit = \"本级\"\ntotal = true\nstated_total = \"0.00\"\nstated_share = { basic = \"100%\", project = \"0.0000000000000000000000001%\" }\nbalance = -1000000000000\n",
    "[staffing]\nauthorized = 0\nactual = 1000000000000\nretired = 0\nstated_total = \"1e3\"\n",
    "[[goals.tasks]]\nname = \"任务\"\nbudget = 0\nexecuted = 1000000000000\nstated_rate = \"%\"\n",
    "published = 2024-02-29\napproved = 2023-01-01\n",
    "[scheme]\nrounding = \"half-even\"\nexecution_base = \"initial\"\ncap_execution_score = false\n[[scheme.grades]]\nmin = 100\nlabel = \"满分\"\n",
    "x = 1\n",
    "[[\n",
    "\"\n",
    "= 1\n",
    "[budget.basic.initial]\n",
    "notes = [\"\\u0000\", \"\\u001b[31m\", \"\\ud7ff\"]\n",
    "year = 2023\n",
    "\u{feff}",
    "\r\n",
    "\r",
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "0.000001",
    "1000000000000",
    "999999999999.999999",
    "1000000000000.000001",
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "0.0000000000000000000000000001",
    "1e28",
    "1e-28",
    "1e29",
    "5e-324",
    "1.7976931348623157e308",
    "nan",
    "inf",
    "-inf",
    "0x7fffffffffffffff",
    "9223372036854775807",
    "-9223372036854775808",
    "1_000",
    "100",
    "101",
    "2023",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Truncate(Index),
    DeleteLine(Index),
    RepeatLine(Index),
    Insert(Index, String),
    Number(Index, String),
    Text(Index, String),
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(NUMBERS).prop_map(str::to_string),
        "-?[0-9]{1,30}(\\.[0-9]{1,30})?",
        "[0-9]{1,12}\\.[0-9]{1,6}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\u{4e00}-\\u{9fa5}]{0,12}",
        ".{0,24}",
        "-?[0-9]{1,30}(\\.[0-9]{0,30})?%?(以上|以下|左右)?",
        prop::sample::select(
            &[
                "",
                "—",
                "1857.41.51",
                "优",
                "约30%",
                "26%以上",
                "%",
                "-",
                "+"
            ][..]
        )
        .prop_map(str::to_string),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<Index>().prop_map(Mutation::Truncate),
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::RepeatLine),
        (
            any::<Index>(),
            prop_oneof![
                prop::sample::select(SNIPPETS).prop_map(str::to_string),
                ("[a-z_]{1,16}", number()).prop_map(|(k, v)| format!("{k} = {v}\n")),
                ("[a-z_.]{1,16}", text())
                    .prop_map(|(k, v)| format!("{k} = {}\n", toml::Value::String(v))),
            ]
        )
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<Index>(), number()).prop_map(|(i, n)| Mutation::Number(i, n)),
        (any::<Index>(), text()).prop_map(|(i, t)| Mutation::Text(i, t)),
    ]
}

/// Line starts of `text`, with its end.
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut v: Vec<usize> = std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    v.push(bytes.len());
    v.dedup();
    v
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    match m {
        Mutation::Flip(i, b) => {
            if !bytes.is_empty() {
                let at = i.index(len);
                bytes[at] ^= b.max(&1);
            }
        }
        Mutation::Truncate(i) => bytes.truncate(i.index(len)),
        Mutation::DeleteLine(i) | Mutation::RepeatLine(i) => {
            let starts = line_starts(bytes);
            if starts.len() < 2 {
                return;
            }
            let n = i.index(starts.len() - 1);
            let line = bytes[starts[n]..starts[n + 1]].to_vec();
            if matches!(m, Mutation::DeleteLine(_)) {
                bytes.drain(starts[n]..starts[n + 1]);
            } else {
                bytes.splice(starts[n]..starts[n], line);
            }
        }
        Mutation::Insert(i, s) => {
            let starts = line_starts(bytes);
            let at = starts[i.index(starts.len())];
            bytes.splice(at..at, s.bytes());
        }
        Mutation::Number(i, n) => {
            // Replace the n-th number literal after `= `.
            let text = String::from_utf8_lossy(bytes).to_string();
            let spots: Vec<(usize, usize)> = text
                .match_indices("= ")
                .filter_map(|(at, _)| {
                    let start = at + 2;
                    let end = start
                        + text[start..]
                            .find(|c: char| !(c.is_ascii_alphanumeric() || "+-._".contains(c)))
                            .unwrap_or(text.len() - start);
                    let lit = &text[start..end];
                    lit.starts_with(|c: char| c.is_ascii_digit() || c == '-')
                        .then_some((start, end))
                })
                .collect();
            if !spots.is_empty() {
                let (s, e) = spots[i.index(spots.len())];
                *bytes = format!("{}{n}{}", &text[..s], &text[e..]).into_bytes();
            }
        }
        Mutation::Text(i, t) => {
            // Replace the contents of the n-th one-line basic string.
            let text = String::from_utf8_lossy(bytes).to_string();
            let spots: Vec<(usize, usize)> = text
                .match_indices("= \"")
                .filter_map(|(at, _)| {
                    let start = at + 3;
                    let end = start + text[start..].find(['"', '\n'])?;
                    text[end..].starts_with('"').then_some((start, end))
                })
                .collect();
            if !spots.is_empty() {
                let (s, e) = spots[i.index(spots.len())];
                let quoted = toml::Value::String(t.clone()).to_string();
                let inner = quoted
                    .strip_prefix('"')
                    .and_then(|q| q.strip_suffix('"'))
                    .unwrap_or("");
                *bytes = format!("{}{inner}{}", &text[..s], &text[e..]).into_bytes();
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_records_never_panic(
        base in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let (rel, text) = &bases()[base.index(bases().len())];
        let mut bytes = text.clone().into_bytes();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let files = vec![(rel.clone(), bytes)];
        build(&files)?;
        unchecked(&files)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        ascii in "[ -~\\n\\[\\]{}=\"']{0,256}",
    ) {
        for body in [bytes, ascii.into_bytes()] {
            let files = vec![("a/2023/evaluation.toml".to_string(), body)];
            build(&files)?;
            unchecked(&files)?;
        }
    }

    #[test]
    fn generated_records_never_panic((plausible, files) in site_files()) {
        let files: Vec<(String, Vec<u8>)> =
            files.into_iter().map(|(p, t)| (p, t.into_bytes())).collect();
        let refused = build(&files)?;
        // Records made inside the format's rules must build.
        prop_assert!(!plausible || refused.is_none(), "{}", refused.unwrap_or_default());
        unchecked(&files)?;
    }
}

// ---------------------------------------------------------------- generated records

/// Values for generated records: `plausible` keeps every value inside the format's
/// rules (such records must build); otherwise values are often extreme.
#[derive(Debug, Clone, Copy)]
struct Gen {
    plausible: bool,
}

/// Numbers that are TOML numbers (no integer beyond 64 bits, no `_` or `0x`).
fn toml_numbers() -> Vec<&'static str> {
    NUMBERS
        .iter()
        .copied()
        .filter(|n| n.parse::<i64>().is_ok() || n.contains(['.', 'e', 'n']))
        .collect()
}

/// A decimal of `v` hundredths (or units): a plausible amount.
fn decimal(v: u64, dp: u32) -> String {
    rust_decimal::Decimal::new(v as i64, dp).to_string()
}

impl Gen {
    /// An amount in 万元.
    fn amount(self) -> BoxedStrategy<String> {
        let plausible = (0u64..100_000_000, 0u32..=2).prop_map(|(v, dp)| decimal(v, dp));
        if self.plausible {
            return plausible.boxed();
        }
        prop_oneof![
            4 => plausible,
            1 => prop::sample::select(toml_numbers()).prop_map(str::to_string),
            1 => "-?[1-9][0-9]{0,17}",
            1 => "-?[1-9][0-9]{0,27}\\.[0-9]{1,28}",
            1 => "-?0\\.[0-9]{1,28}",
        ]
        .boxed()
    }

    /// A head count.
    fn count(self) -> BoxedStrategy<String> {
        if self.plausible {
            (0u32..500).prop_map(|v| v.to_string()).boxed()
        } else {
            self.amount()
        }
    }

    /// 分值 or 得分.
    fn points(self) -> BoxedStrategy<String> {
        let plausible = prop_oneof![
            (0u64..=100).prop_map(|v| v.to_string()),
            (0u64..=10_000).prop_map(|v| decimal(v, 2)),
        ];
        if self.plausible {
            return plausible.boxed();
        }
        prop_oneof![3 => plausible, 1 => self.amount()].boxed()
    }

    /// The name of row `i` of a table: unique when plausible.
    fn name(self, i: usize) -> BoxedStrategy<String> {
        let listed = prop::sample::select(
            &[
                "公务接待费",
                "公务用车运行维护费",
                "因公出国(境)费",
                "公务用车购置费",
                "本级",
                "局机关",
                "合计",
                "产出指标",
                "效益指标",
                "数量指标",
                "指标1",
            ][..],
        )
        .prop_map(str::to_string);
        if self.plausible {
            return listed.prop_map(move |n| format!("{n}{i}")).boxed();
        }
        prop_oneof![4 => listed, 2 => text()].boxed()
    }
}

/// A published figure: printed rates and amounts, misprints and words.
fn printed() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (0u64..100_000, 0u32..=2).prop_map(|(v, dp)| format!("{}%", decimal(v, dp))),
        2 => (0u64..100_000_000, 0u32..=2).prop_map(|(v, dp)| decimal(v, dp)),
        2 => text(),
    ]
    .boxed()
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `key = value` lines for the keys given, each with a chance of being left out.
fn keys(keys: &'static [&'static str], value: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop::collection::vec(prop::option::weighted(0.7, value), keys.len())
        .prop_map(move |vals| {
            keys.iter()
                .zip(vals)
                .filter_map(|(k, v)| v.map(|v| format!("{k} = {v}\n")))
                .collect::<String>()
        })
        .boxed()
}

fn stated_keys(names: &'static [&'static str]) -> BoxedStrategy<String> {
    keys(names, printed().prop_map(|p| quoted(&p)).boxed())
}

/// Up to `max` strategies from `row(i)` for row indexes 0, 1, ….
fn numbered(max: usize, row: impl Fn(usize) -> BoxedStrategy<String>) -> BoxedStrategy<String> {
    let rows: Vec<BoxedStrategy<String>> = (0..max).map(row).collect();
    (0..=max)
        .prop_flat_map(move |n| rows[..n].to_vec())
        .prop_map(|rows| rows.concat())
        .boxed()
}

/// A table of rows: `[[table]]` headers with a name key, amounts and published figures.
fn rows(
    g: Gen,
    table: &'static str,
    key: &'static str,
    amounts: &'static [&'static str],
    stated: &'static [&'static str],
    max: usize,
) -> BoxedStrategy<String> {
    numbered(max, move |i| {
        (
            g.name(i),
            any::<bool>(),
            keys(amounts, g.amount()),
            stated_keys(stated),
        )
            .prop_map(move |(n, total, a, s)| {
                let total = if total && table != "year_over_year" {
                    "total = true\n"
                } else {
                    ""
                };
                format!("\n[[{table}]]\n{key} = {}\n{total}{a}{s}", quoted(&n))
            })
            .boxed()
    })
}

fn indicators(g: Gen, table: &'static str) -> BoxedStrategy<String> {
    numbered(6, move |i| {
        (
            (g.name(i), g.name(i), g.name(i)),
            (text(), printed(), text()),
            keys(&["weight", "score"], g.points()),
            prop::option::of(prop::sample::select(&FIGURES[..])),
            prop::option::of(prop_oneof![g.amount(), text().prop_map(|t| quoted(&t)).boxed()]),
        )
            .prop_map(move |((l1, l2, n), (target, actual, op), wt, figure, value)| {
                let mut s = format!(
                    "\n[[{table}]]\nlevel1 = {}\nlevel2 = {}\nname = {}\ntarget = {}\nactual = {}\nop = {}\n{wt}",
                    quoted(&l1),
                    quoted(&l2),
                    quoted(&n),
                    quoted(&target),
                    quoted(&actual),
                    quoted(&op)
                );
                if let Some(f) = figure {
                    s += &format!("figure = \"{f}\"\n");
                }
                if let Some(v) = value {
                    s += &format!("value = {v}\n");
                }
                s
            })
            .boxed()
    })
}

/// The computed figures an indicator may report, as the loader accepts them.
const FIGURES: [&str; 6] = gongkai::load::validate::FIGURES;

const SOURCES: [&str; 4] = ["年度资金总额", "当年财政拨款", "上年结转资金", "其他资金"];

fn projects(g: Gen, table: &'static str) -> BoxedStrategy<String> {
    numbered(3, move |i| {
        (
            g.name(i),
            keys(
                &["amount", "local_amount", "higher_level_amount"],
                g.amount(),
            ),
            stated_keys(&["stated_total", "stated_grade", "stated_total_weight"]),
            numbered(4, move |f| {
                (
                    keys(&["initial", "adjusted", "executed"], g.amount()),
                    keys(&["weight"], g.points()),
                    stated_keys(&["stated_rate", "stated_score"]),
                )
                    .prop_map(move |(a, w, st)| {
                        format!(
                            "\n[[{table}.funds]]\nsource = \"{}\"\n{a}{w}{st}",
                            SOURCES[f]
                        )
                    })
                    .boxed()
            }),
            indicators(g, "projects.indicators"),
        )
            .prop_map(move |(n, amounts, stated, funds, inds)| {
                format!(
                    "\n[[{table}]]\nname = {}\n{amounts}{stated}{funds}{inds}",
                    quoted(&n)
                )
            })
            .boxed()
    })
}

fn evaluation(g: Gen, year: i32) -> BoxedStrategy<String> {
    let private: &'static [&'static str] = if g.plausible {
        &[
            "[\"contact.phone\"]",
            "[\"contact\", \"budget\"]",
            "[\"three_public\", \"prepared_by\"]",
        ]
    } else {
        &[
            "[\"contact.phone\"]",
            "[\"contact\", \"sections[0]\"]",
            "[\"budget\"]",
        ]
    };
    let head = (
        prop::option::of(text()),
        prop::option::of(prop::sample::select(
            &[
                "[\"form\", \"projects\", \"report\"]",
                "[\"report\"]",
                "[\"projects\", \"form\"]",
            ][..],
        )),
        prop::option::of(prop::sample::select(private)),
    );
    let budget = (
        keys(
            &[
                "initial",
                "adjusted",
                "executed",
                "carryover_balance",
                "procurement_budget",
                "procurement_actual",
                "public_budget",
                "public_actual",
                "exempt_adjustment",
            ],
            g.amount(),
        ),
        stated_keys(&[
            "stated_adjustment",
            "stated_execution_rate",
            "stated_adjustment_rate",
            "stated_carryover_rate",
            "stated_procurement_rate",
            "stated_public_control_rate",
        ]),
        keys(
            &["wages", "goods_services", "household", "capital"],
            g.amount(),
        ),
        stated_keys(&["stated_total"]),
        keys(&["initial", "adjusted", "executed"], g.amount()),
    );
    let tables = (
        rows(
            g,
            "three_public",
            "item",
            &["budget", "actual", "prior_actual"],
            &[
                "stated_control_rate",
                "stated_change",
                "stated_change_rate",
                "stated_direction",
            ],
            6,
        ),
        rows(
            g,
            "income",
            "unit",
            &[
                "carryover",
                "general_budget",
                "fund_budget",
                "non_tax",
                "other",
            ],
            &["stated_total"],
            4,
        ),
        rows(
            g,
            "expenditure",
            "unit",
            &[
                "basic",
                "personnel",
                "public",
                "project",
                "balance",
                "accumulated_balance",
            ],
            &["stated_total"],
            4,
        ),
        rows(
            g,
            "year_over_year",
            "item",
            &["actual", "prior_actual"],
            &["stated_change", "stated_change_rate", "stated_direction"],
            4,
        ),
        rows(
            g,
            "project_funds",
            "name",
            &[
                "carryover",
                "initial",
                "appropriated",
                "executed",
                "balance",
            ],
            &["stated_total"],
            3,
        ),
        rows(
            g,
            "assets",
            "unit",
            &["in_use", "rented", "other"],
            &["stated_total"],
            3,
        ),
    );
    let levels = if g.plausible { 1u8..=4 } else { 0u8..=9 };
    let scoring = (
        indicators(g, "indicators"),
        numbered(5, move |i| {
            (g.name(i), keys(&["weight", "score"], g.points()))
                .prop_map(|(n, wt)| {
                    let wt = wt.trim().replace('\n', ", ");
                    if wt.is_empty() {
                        format!("  {{ name = {} }},\n", quoted(&n))
                    } else {
                        format!("  {{ name = {}, {wt} }},\n", quoted(&n))
                    }
                })
                .boxed()
        }),
        stated_keys(&["stated_total", "stated_grade", "stated_total_weight"]),
        projects(g, "projects"),
        keys(&["authorized", "actual", "retired"], g.count()),
        prop::collection::vec((prop::option::of(levels), text(), any::<bool>()), 0..4),
    );
    (head, budget, tables, scoring)
        .prop_map(move |(head, budget, tables, scoring)| {
            let (title, order, private) = head;
            let mut t = format!("year = {year}\n");
            if let Some(title) = title {
                t += &format!("title = {}\n", quoted(&title));
            }
            if let Some(o) = order {
                t += &format!("order = {o}\n");
            }
            if let Some(p) = private {
                t += &format!("private = {p}\n");
            }
            let (b, bs, econ, econ_total, basic) = budget;
            t += &format!(
                "\n[budget]\n{b}{bs}\n[budget.by_economic]\n{econ}{econ_total}\n[budget.basic]\n{basic}"
            );
            let (tp, inc, exp, yoy, pf, assets) = tables;
            t += &(tp + &inc + &exp + &yoy + &pf + &assets);
            let (inds, parts, score, projs, staff, sections) = scoring;
            t += &inds;
            t += &format!("\n[staffing]\n{staff}");
            t += &format!("\n[score]\n{score}parts = [\n{parts}]\n");
            for (level, body, redacted) in sections {
                t += &format!("\n[[sections]]\nbody = {}\n", quoted(&body));
                if let Some(l) = level {
                    t += &format!("level = {l}\n");
                }
                if redacted {
                    t += "redacted = true\nreason = \"涉密\"\n";
                }
            }
            t + &projs
        })
        .boxed()
}

fn targets(g: Gen, year: i32) -> BoxedStrategy<String> {
    (
        keys(
            &["total", "fiscal", "other", "basic", "project"],
            g.amount(),
        ),
        stated_keys(&["stated_total"]),
        indicators(g, "indicators"),
        projects(g, "projects"),
        prop::option::of(text()),
    )
        .prop_map(move |(b, bs, inds, projs, duties)| {
            let mut t = format!("year = {year}\n");
            if let Some(d) = duties {
                t += &format!("duties = {}\n", quoted(&d));
            }
            format!("{t}\n[budget]\n{b}{bs}{inds}{projs}")
        })
        .boxed()
}

/// One to three records of department `a`: this year's evaluation, perhaps last year's
/// (同比 joins), perhaps this year's targets; and whether every value is plausible.
fn site_files() -> impl Strategy<Value = (bool, Vec<(String, String)>)> {
    any::<bool>().prop_flat_map(|plausible| {
        let g = Gen { plausible };
        (
            evaluation(g, 2023),
            prop::option::of(evaluation(g, 2022)),
            prop::option::of(targets(g, 2023)),
        )
            .prop_map(move |(e, prior, t)| {
                let mut files = vec![("a/2023/evaluation.toml".to_string(), e)];
                if let Some(p) = prior {
                    files.push(("a/2022/evaluation.toml".to_string(), p));
                }
                if let Some(t) = t {
                    files.push(("a/2023/targets.toml".to_string(), t));
                }
                (plausible, files)
            })
    })
}

// ---------------------------------------------------------------- found by the above

/// Runs one record text through both paths.
fn once(rel: &str, text: &str) {
    let files = vec![(rel.to_string(), text.as_bytes().to_vec())];
    build(&files).unwrap();
    unchecked(&files).unwrap();
}

#[test]
fn generated_records_are_toml() {
    // The generator writes TOML by hand: every record it makes must parse, so that the
    // property above reaches the loader's types and rules, compute and render.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = site_files();
    for _ in 0..50 {
        for (rel, text) in strategy.new_tree(&mut runner).unwrap().current().1 {
            if let Err(e) = toml::from_str::<toml::Table>(&text) {
                panic!("{rel} is not TOML: {e}\n{text}");
            }
        }
    }
}

#[test]
fn the_bundled_records_survive_the_unchecked_path() {
    for (rel, text) in bases() {
        once(rel, text);
    }
}

/// `text` with every number literal but years and heading levels replaced by
/// `pick(n)` for the n-th one.
fn every_number(text: &str, pick: impl Fn(usize) -> &'static str) -> (String, usize) {
    let literal_end = |v: &str| {
        v.find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(v.len())
    };
    let mut out = String::new();
    let mut n = 0;
    for line in text.lines() {
        let number = line.split_once(" = ").filter(|(k, v)| {
            let rest = &v[literal_end(v)..];
            !["year", "level"].contains(k)
                && v.starts_with(|c: char| c.is_ascii_digit())
                && (rest.is_empty() || rest.starts_with([' ', '#']))
        });
        match number {
            Some((k, v)) => {
                n += 1;
                out += &format!("{k} = {}{}\n", pick(n), &v[literal_end(v)..]);
            }
            None => {
                out += line;
                out.push('\n');
            }
        }
    }
    (out, n)
}

#[test]
fn extreme_amounts_everywhere_never_panic() {
    // The largest exact decimal, its negative, and the smallest, as TOML floats (an
    // integer beyond 64 bits is not TOML): sums, differences, products and quotients of
    // them overflow.
    const MAX: &str = "7.9228162514264337593543950335e28";
    const MIN: &str = "-7.9228162514264337593543950335e28";
    const TINY: &str = "1e-28";
    for x in [MAX, MIN, TINY] {
        assert!(gongkai::num::parse_literal(x).is_some(), "{x}");
    }
    let picks: [fn(usize) -> &'static str; 5] = [
        |n| if n % 2 == 0 { MAX } else { MIN },
        |n| if n % 2 == 0 { MIN } else { MAX },
        |_| MAX,
        |_| MIN,
        |n| if n % 2 == 0 { TINY } else { MAX },
    ];
    for (rel, text) in bases() {
        let year: i32 = rel.split('/').nth(1).unwrap().parse().unwrap();
        for pick in picks {
            let (out, n) = every_number(text, pick);
            assert!(n > 10, "{rel}: {n} numbers");
            let src = SourceFile::new(rel.clone(), out.clone());
            let typed = if rel.ends_with("targets.toml") {
                gongkai::load::deserialize_toml::<Targets>(&src).map(|_| ())
            } else {
                gongkai::load::deserialize_toml::<Evaluation>(&src).map(|_| ())
            };
            if let Err(e) = typed {
                panic!("{rel}: {}", e[0]);
            }
            let prior = rel.replace(&year.to_string(), &(year - 1).to_string());
            let files = vec![
                (rel.clone(), out.clone().into_bytes()),
                (
                    prior,
                    out.replace(&format!("year = {year}"), &format!("year = {}", year - 1))
                        .into_bytes(),
                ),
            ];
            build(&files).unwrap();
            unchecked(&files).unwrap();
        }
    }
}

/// Builds `text` as this year's evaluation, and runs it through the unchecked path.
fn regression(text: &str) {
    let files = vec![(
        "a/2023/evaluation.toml".to_string(),
        text.as_bytes().to_vec(),
    )];
    build(&files).unwrap();
    unchecked(&files).unwrap();
}

#[test]
fn a_chart_value_far_below_the_others_is_drawn_at_the_axis() {
    // plotters' pixel arithmetic overflowed (src/render/chart.rs).
    regression(
        "year = 2023\n\n[[year_over_year]]\nitem = \"结余\"\nactual = -1000000000000\nprior_actual = 0.01\n\n[[year_over_year]]\nitem = \"印刷费\"\nactual = 0.01\nprior_actual = 0.02\n",
    );
}

#[test]
fn a_published_total_with_28_decimals_is_unreadable_not_a_panic() {
    // Decimal::new(5, 29) panicked in the 尾数误差 test (src/check.rs).
    regression(
        "year = 2023\n\n[[income]]\nunit = \"本级\"\ngeneral_budget = 1\nother = 2\nstated_total = \"3.0000000000000000000000000001\"\n",
    );
}

#[test]
fn a_published_total_at_the_end_of_the_decimal_range_is_compared_without_overflow() {
    // computed − published overflowed (src/check.rs).
    regression(
        "year = 2023\n\n[[income]]\nunit = \"本级\"\ngeneral_budget = 1\nother = 2\nstated_total = \"-79228162514264337593543950335\"\n\n[[three_public]]\nitem = \"公务接待费\"\nbudget = 10\nactual = 1\nstated_control_rate = \"-79228162514264337593543950335%左右\"\n",
    );
}

#[test]
fn a_long_indicator_actual_is_read_in_linear_time() {
    // Each number copied the rest of the text to look for its unit: quadratic
    // (src/compute/indicators.rs).
    let actual = "1件，".repeat(200_000);
    let t = std::time::Instant::now();
    regression(&format!(
        "year = 2023\n\n[[indicators]]\nlevel1 = \"产出指标\"\nname = \"件数\"\ntarget = \"≥1件\"\nactual = \"{actual}\"\n"
    ));
    assert!(
        t.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn an_indicator_actual_at_the_end_of_the_decimal_range_has_no_gap() {
    // actual − target overflowed (src/compute/indicators.rs).
    regression(
        "year = 2023\n\n[[indicators]]\nlevel1 = \"产出指标\"\nname = \"件数\"\nop = \"≥\"\nvalue = -1000000000000\nactual = \"79228162514264337593543950335\"\n",
    );
}

#[test]
fn a_fund_score_beyond_the_decimal_range_is_marked_not_a_panic() {
    // weight × rate overflowed (src/compute/tables.rs): through the loader, a published
    // rate with no 「%」 read as a plain number…
    regression(
        "year = 2023\n\n[[projects]]\nname = \"信访专项\"\n\n[[projects.funds]]\nsource = \"年度资金总额\"\nadjusted = 20\nexecuted = 20\nweight = 20\nstated_rate = \"10000000000000000000000000000\"\n",
    );
    // …and, without the loader's rules, an absurd weight.
    regression(
        "year = 2023\n\n[[projects]]\nname = \"信访专项\"\n\n[[projects.funds]]\nsource = \"年度资金总额\"\nadjusted = 0.1\nexecuted = 100000000000000\nweight = 80000000000000\n",
    );
}
