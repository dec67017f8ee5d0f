//! The loader's fast TOML path (`load::fast`) must agree with `toml` on every file it
//! accepts: same tree, same records. Files it does not accept are read by `toml`, so
//! a document it accepts that `toml` refuses, or reads differently, is the one failure
//! that matters.
//!
//! - every `.toml` file of the bundled content and the test fixtures, as a generic TOML
//!   value and as the model's type for its file name (the bundled content must all take
//!   the fast path, or the path is not doing its job);
//! - documents that exercise TOML's table rules, known to be valid or not;
//! - random documents assembled from tricky fragments, and the bundled records mutated
//!   (lines deleted, repeated, swapped, fragments inserted, bytes replaced by TOML's
//!   punctuation), read both as generic documents and as records (`PROPTEST_CASES`,
//!   default 200 in `cargo test`).

use gongkai::load::fast;
use gongkai::model::{DepartmentInfo, Evaluation, SiteConfig, Targets};
use proptest::prelude::*;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A document as the deserializer presents it, every key kept: unlike `toml::Value` or
/// a struct, a key given twice is not refused by the type, so the comparison tests the
/// fast path's own rules on keys and tables. Keys stay in the order the deserializer
/// hands them over (`toml`'s is sorted: a type may depend on it); scalars carry their
/// type.
#[derive(Debug, PartialEq)]
enum Tree {
    Scalar(String),
    Seq(Vec<Tree>),
    Map(Vec<(String, Tree)>),
}

impl<'de> serde::Deserialize<'de> for Tree {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Tree;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("anything")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Tree, E> {
                Ok(Tree::Scalar(format!("bool {v}")))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Tree, E> {
                Ok(Tree::Scalar(format!("i64 {v}")))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Tree, E> {
                Ok(Tree::Scalar(format!("u64 {v}")))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Tree, E> {
                Ok(Tree::Scalar(format!("i128 {v}")))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Tree, E> {
                Ok(Tree::Scalar(format!("u128 {v}")))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Tree, E> {
                Ok(Tree::Scalar(format!("f64 {v:?}")))
            }
            fn visit_str<E>(self, v: &str) -> Result<Tree, E> {
                Ok(Tree::Scalar(format!("str {v}")))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Tree, A::Error> {
                let mut items = Vec::new();
                while let Some(t) = a.next_element()? {
                    items.push(t);
                }
                Ok(Tree::Seq(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Tree, A::Error> {
                let mut entries: Vec<(String, Tree)> = Vec::new();
                while let Some((k, v)) = a.next_entry()? {
                    entries.push((k, v));
                }
                Ok(Tree::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// `text` as a [`Tree`], by the fast path and by `toml`; panics when the fast path
/// accepts what `toml` refuses or reads differently. Whether the fast path accepted.
fn agrees(text: &str, what: &str) -> bool {
    let quick = fast::from_str::<Tree>(text);
    let full = toml::from_str::<Tree>(text);
    match (quick, full) {
        (Some(q), Ok(f)) => {
            assert_eq!(q, f, "{what}: the fast path reads another value");
            true
        }
        (Some(q), Err(e)) => {
            panic!("{what}: the fast path accepts what toml refuses ({e}); read as {q:?}")
        }
        (None, _) => false,
    }
}

/// The model's type for a file, by both paths, compared by their full `Debug` text
/// (spans, decimals read from the literal's text, every field).
fn model_agrees<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str, what: &str) -> bool {
    let quick = gongkai::num::with_source(text, || fast::from_str::<T>(text));
    let full: Result<T, _> = gongkai::num::with_source(text, || toml::from_str::<T>(text));
    match (quick, full) {
        (Some(q), Ok(f)) => {
            assert_eq!(format!("{q:?}"), format!("{f:?}"), "{what}");
            true
        }
        (Some(_), Err(e)) => panic!("{what}: the fast path accepts what toml refuses: {e}"),
        (None, _) => false,
    }
}

#[test]
fn every_bundled_and_fixture_file_reads_the_same() {
    let mut files = 0;
    let mut bundled_slow = Vec::new();
    for dir in ["content", "tests"] {
        for entry in walkdir::WalkDir::new(root().join(dir)).sort_by_file_name() {
            let entry = entry.unwrap();
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let text = text.trim_start_matches('\u{feff}');
            let what = path.strip_prefix(root()).unwrap().display().to_string();
            files += 1;
            let generic = agrees(text, &what);
            let name = path.file_name().unwrap().to_str().unwrap();
            let typed = match name {
                "evaluation.toml" => model_agrees::<Evaluation>(text, &what),
                "targets.toml" => model_agrees::<Targets>(text, &what),
                "department.toml" => model_agrees::<DepartmentInfo>(text, &what),
                "site.toml" => model_agrees::<SiteConfig>(text, &what),
                _ => generic,
            };
            if dir == "content" && !(generic && typed) {
                bundled_slow.push(what);
            }
        }
    }
    assert!(files > 100, "only {files} files found");
    assert!(
        bundled_slow.is_empty(),
        "bundled files not read by the fast path: {bundled_slow:?}"
    );
}

#[test]
fn table_rules_match_toml() {
    let valid = [
        "a = 1\nb.c = 2\nb.d = 'x'\n[t]\nx = 1\n[t.u]\ny = 2\n",
        "[[p]]\nname = 'a'\n[[p.q]]\nv = 1\n[[p.q]]\nv = 2\n[[p]]\nname = 'b'\n[p.r]\ns = 1\n",
        "x = { a = 1, b.c = [1, 2, { d = 3 }] }\ny = [[1, 2], ['a'], []]\n",
        "d = 2024-01-02\nt = 1979-05-27T07:32:00Z\nl = 07:32:00\n",
        "i = -0\nf = -0.0\nn = 508.20\nh = 0x1F\nu = 1_000\ne = 1e3\nm = +5\n",
        "s = \"tab\\there \\u00e9 中文\"\nl = 'C:\\path'\nml = \"\"\"\nline\n\"\"\"\n",
        "\"quoted key\" = 1\n'lit key'.x = 2\n[\"a b\".c]\nz = true\n",
        "[a.b.c]\nx = 1\n[a.b.d]\ny = 2\n",
        "[a.b]\nx = 1\n[a]\ny = 2\n",
    ];
    for doc in valid {
        assert!(toml::from_str::<Tree>(doc).is_ok(), "{doc}");
        agrees(doc, doc);
    }
    // The document's own span (empty, as `toml` gives it) and every value's.
    for doc in valid {
        let span = |v: toml::Spanned<toml::Value>| (v.span(), format!("{v:?}"));
        let quick = fast::from_str::<toml::Spanned<toml::Value>>(doc).map(span);
        let full = toml::from_str::<toml::Spanned<toml::Value>>(doc).map(span);
        if let Some(q) = quick {
            assert_eq!(Some(q), full.ok(), "{doc}");
        }
    }
    // What the fast path itself must read (the rest of `valid` may be left to `toml`).
    for doc in &valid[..8] {
        assert!(agrees(doc, doc), "the fast path should read: {doc}");
    }
    let invalid = [
        "a = 1\na = 2\n",
        "[t]\n[t]\n",
        "a.b = 1\n[a]\n",
        "a.b = 1\n[a.b]\n",
        "[a]\nb = 1\n[a.b]\n",
        "[[a]]\n[a]\n",
        "[a]\n[[a]]\n",
        "a = [1]\n[[a]]\n",
        "a = { b = 1 }\na.c = 2\n",
        "a = { b = 1 }\n[a.c]\n",
        "[t]\nx = 1\n[t.x]\n",
        "x = 01\n",
        "x = 1.\n",
        "x = .5\n",
        "x = \"bad \\q escape\"\n",
        "x = \"ctrl \u{1} char\"\n",
        "x = 2024-13-45\n",
        "x = { a = 1, a = 2 }\n",
        "x = 1 y = 2\n",
        "[a\n",
        "a =\n",
        "k = 'unterminated\n",
        "x = 99999999999999999999999999999999999999999\n",
        // What the builder checks itself, in place of `toml_parser`'s wrappers.
        "# a control \u{1} in a comment\nx = 1\n",
        "x = 1 # DEL \u{7f} after a value\n",
        "x = 1\ry = 2\n",
    ];
    let deep = |n: usize| format!("x = {}{}\n", "[".repeat(n), "]".repeat(n));
    let deep_inline = |n: usize| format!("x = {}1{}\n", "{ a = ".repeat(n), " }".repeat(n));
    let too_deep = [deep(81), deep_inline(81)];
    let invalid = invalid
        .iter()
        .copied()
        .chain(too_deep.iter().map(String::as_str));
    for doc in [
        deep(80),
        deep_inline(80),
        "x = 1\r\ny = 2\r\n# ok\r\n".to_string(),
    ] {
        assert!(agrees(&doc, &doc), "the fast path should read: {doc}");
    }
    for doc in invalid {
        assert!(toml::from_str::<Tree>(doc).is_err(), "toml reads {doc:?}");
        assert!(
            fast::from_str::<Tree>(doc).is_none(),
            "the fast path reads {doc:?}"
        );
    }
}

/// The bundled records: (path, text).
fn bundled() -> &'static [(String, String)] {
    static FILES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        walkdir::WalkDir::new(root().join("content"))
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n == "evaluation.toml" || n == "targets.toml")
            })
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p.strip_prefix(root()).unwrap().display().to_string(), text)
            })
            .collect()
    })
}

/// Fragments whose combinations meet TOML's rules on tables, keys and values.
const FRAGMENTS: &[&str] = &[
    "[a]",
    "[a.b]",
    "[a.b.c]",
    "[b]",
    "[\"a\".b]",
    "[[c]]",
    "[[c.d]]",
    "[c.e]",
    "[[a.f]]",
    "x = 1",
    "x = -0.50",
    "y = \"s\\u00e9\\n\"",
    "y = '中文 text'",
    "z = 2024-01-02",
    "z = 1979-05-27T07:32:00+08:00",
    "a.x = 1",
    "a.b.y = true",
    "b = { p = 1, q.r = [1, 2] }",
    "b = [ { p = 1 }, { p = 2 } ]",
    "e = []",
    "d = 0x10",
    "d = 1_0",
    "d = 1e-3",
    "f = nan",
    "g = inf",
    "\"k k\" = 1",
    "c = [1, 'mixed', 2.5]",
    "m = \"\"\"\ntwo\nlines\"\"\"",
    "n = '''\nC:\\raw \"q\" 'one'\n'''",
    "o = \"\"\"a\"\"\"\"",
    "p = '''a'''''",
    "q = \"\"\"\\\n  folded\"\"\"",
    "r = 'it''s'",
    "s = \"\"\"\r\ncrlf\"\"\"",
    "# comment",
    "",
    "x = ",
    "x = 01",
    "x = 1 # trailing",
    "[a]x = 1",
    "h.i.j = 'deep'",
];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(200),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_records_read_the_same(
        file in 0..bundled().len(),
        edits in prop::collection::vec((0..5u8, any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..5),
    ) {
        let (name, text) = &bundled()[file];
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for (op, a, b) in edits {
            if lines.is_empty() {
                break;
            }
            let i = a.index(lines.len());
            match op {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let l = lines[i].clone();
                    lines.insert(i, l);
                }
                2 => {
                    let j = b.index(lines.len());
                    lines.swap(i, j);
                }
                3 => lines.insert(i, FRAGMENTS[b.index(FRAGMENTS.len())].to_string()),
                _ => {
                    let line = &mut lines[i];
                    let at = b.index(line.len() + 1);
                    if line.is_char_boundary(at) {
                        let c = ["[", "]", "{", "}", "=", "\"", "'", ".", ",", "#", "\n", "\\"][at % 12];
                        line.insert_str(at, c);
                    }
                }
            }
        }
        let doc = lines.join("\n") + "\n";
        let what = format!("{name} mutated:\n{doc}");
        agrees(&doc, &what);
        if name.ends_with("evaluation.toml") {
            model_agrees::<Evaluation>(&doc, &what);
        } else if name.ends_with("targets.toml") {
            model_agrees::<Targets>(&doc, &what);
        }
    }

    #[test]
    fn random_documents_read_the_same(picks in prop::collection::vec(0..FRAGMENTS.len(), 0..24)) {
        let doc: String = picks.iter().map(|&i| format!("{}\n", FRAGMENTS[i])).collect();
        agrees(&doc, &doc);
    }
}
