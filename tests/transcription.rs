//! Every number in each source document (tests/seeds, copied from the shared seeds) occurs
//! in the TOML it was transcribed into, or in that seed's commented exception list. This
//! is how we know the transcription dropped nothing.

use std::collections::BTreeSet;
use std::path::Path;

/// Numbers: ASCII digit runs with optional dotted parts (`1180.77`, `1857.41.51`).
fn tokens(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_digit()
                    || (b[i] == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit()))
            {
                i += 1;
            }
            out.insert(s[start..i].to_string());
        } else {
            i += 1;
        }
    }
    out
}

fn check(seed: &str, files: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(root.join("tests/seeds").join(format!("{seed}.txt"))).unwrap();
    let mut have = BTreeSet::new();
    for f in files {
        let t = std::fs::read_to_string(root.join("content").join(f))
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        have.extend(tokens(&t));
    }
    let exc_path = root.join(format!("tests/transcription/{seed}.exceptions.txt"));
    let exceptions: BTreeSet<String> = std::fs::read_to_string(&exc_path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let wanted = tokens(&text);
    let missing: Vec<_> = wanted
        .iter()
        .filter(|t| !have.contains(*t) && !exceptions.contains(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "seed {seed}: numbers not transcribed: {missing:?}"
    );
    let stale: Vec<_> = exceptions.iter().filter(|e| !wanted.contains(*e)).collect();
    assert!(
        stale.is_empty(),
        "seed {seed}: exceptions that are not in the seed: {stale:?}"
    );
    assert!(wanted.len() > 20, "seed {seed} has numbers");
}

#[test]
fn seed_000_xiangxi_2023_evaluation() {
    check(
        "000",
        &[
            "xiangxi-xfj/2023/evaluation.toml",
            "xiangxi-xfj/department.toml",
        ],
    );
}

#[test]
fn seed_001_zhanyi_2023_evaluation() {
    check(
        "001",
        &[
            "zhanyi-xfj/2023/evaluation.toml",
            "zhanyi-xfj/department.toml",
        ],
    );
}

#[test]
fn seed_002_hunan_2022_projects() {
    check(
        "002",
        &[
            "hunan-xfj/2022/evaluation.toml",
            "hunan-xfj/department.toml",
        ],
    );
}

#[test]
fn seed_003_changsha_2021_evaluation() {
    check(
        "003",
        &[
            "changsha-xfj/2021/evaluation.toml",
            "changsha-xfj/department.toml",
        ],
    );
}

#[test]
fn seed_004_xiangxi_2022_targets() {
    check("004", &["xiangxi-xfj/2022/targets.toml"]);
}

#[test]
fn tokenizer() {
    let t = tokens("合计1180.77万元，同比下降22.17%；1857.41.51；第3页");
    assert!(
        t.contains("1180.77") && t.contains("22.17") && t.contains("1857.41.51") && t.contains("3")
    );
}
