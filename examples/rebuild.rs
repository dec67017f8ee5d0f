//! Measures a rebuild after one record is edited (the path `gongkai watch` takes):
//! builds CONTENT into OUTPUT, changes one published figure of one record, rebuilds,
//! prints the times, restores the record and rebuilds again, `--rounds` times (1 unless
//! given). Before each timed rebuild it waits for the file system to write back what was
//! written before (`sync`).
//!
//! cargo run --release --example rebuild -- CONTENT OUTPUT [RECORD] [--compare] [--rounds N]
//!
//! RECORD is a record file relative to CONTENT (default: the middle record). With
//! `--compare`, the tree rebuilt after the last edit is compared byte for byte with a
//! clean build of the edited content (into OUTPUT-clean, removed afterwards).

use gongkai::incremental::Workspace;
use std::path::PathBuf;
use std::time::Instant;

// As the `gongkai` command: mimalloc, tuned the same way.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    gongkai::tune_allocator();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let compare = args.iter().any(|a| a == "--compare");
    args.retain(|a| a != "--compare");
    let rounds = match args.iter().position(|a| a == "--rounds") {
        Some(i) => {
            let n = args.get(i + 1).and_then(|n| n.parse::<usize>().ok());
            args.drain(i..(i + 2).min(args.len()));
            n.unwrap_or_else(|| {
                eprintln!("--rounds takes a number");
                std::process::exit(2)
            })
        }
        None => 1,
    };
    let (Some(content), Some(output)) = (args.first(), args.get(1)) else {
        eprintln!("usage: rebuild CONTENT OUTPUT [RECORD] [--compare] [--rounds N]");
        std::process::exit(2);
    };
    let opts = gongkai::BuildOptions {
        content: PathBuf::from(content),
        theme: PathBuf::from("themes/default"),
        output: PathBuf::from(output),
        clean: true,
    };
    let t = Instant::now();
    let (mut ws, report) = Workspace::open(&opts).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    println!(
        "full build: {:.2} s ({} records, {} files)",
        t.elapsed().as_secs_f64(),
        report.records,
        report.files
    );
    print_stages(&report.timings);
    let record = args.get(2).cloned().unwrap_or_else(|| {
        let files: Vec<String> = walkdir::WalkDir::new(content)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_name() == "evaluation.toml")
            .map(|e| gongkai::write::relative(std::path::Path::new(content), e.path()))
            .collect();
        files[files.len() / 2].clone()
    });
    let path = PathBuf::from(content).join(&record);
    let original = std::fs::read_to_string(&path).expect("record");
    // Change one published figure: the first stated_ value gets a different last digit.
    let Some(i) = original.find("stated_") else {
        eprintln!("{record}: no stated_ figure to change");
        std::process::exit(1)
    };
    let q = i + original[i..].find('"').unwrap() + 1;
    let edited = format!("{}9{}", &original[..q], &original[q..]);
    let edits = [("edited", &edited), ("restored", &original)];
    for (round, (label, text)) in edits.iter().cycle().take(2 * rounds).enumerate() {
        std::fs::write(&path, text).unwrap();
        // An edit comes seconds after the build, not while the kernel still writes back
        // the gigabytes the full build wrote (which slows every write until it is done).
        let _ = std::process::Command::new("sync").status();
        let t = Instant::now();
        let r = ws
            .rebuild(std::slice::from_ref(&record))
            .unwrap_or_else(|e| fail(&path, &original, e));
        println!(
            "rebuild ({label} {record}): {:.3} s — {} records, {} pages, {} files written",
            t.elapsed().as_secs_f64(),
            r.records,
            r.pages,
            r.written.len()
        );
        print_stages(&r.timings);
        // After the last edit: a clean build in between would change what the timed
        // rebuilds after it find in memory.
        if compare && round == 2 * rounds - 2 {
            let clean = PathBuf::from(format!("{output}-clean"));
            let _ = std::fs::remove_dir_all(&clean);
            let o = gongkai::BuildOptions {
                output: clean.clone(),
                ..opts.clone()
            };
            gongkai::build(&o).unwrap_or_else(|e| fail(&path, &original, e));
            let same = tree(&clean) == tree(std::path::Path::new(output));
            let _ = std::fs::remove_dir_all(&clean);
            println!(
                "{}",
                if same {
                    "identical to a clean build"
                } else {
                    "DIFFERS from a clean build"
                }
            );
            if !same {
                fail(
                    &path,
                    &original,
                    "the rebuilt tree is not the clean build's",
                );
            }
        }
    }
}

/// Puts the record back as it was (the content is reused by later runs), then exits 1.
fn fail(path: &std::path::Path, original: &str, why: impl std::fmt::Display) -> ! {
    let _ = std::fs::write(path, original);
    eprintln!("{why}");
    std::process::exit(1)
}

fn print_stages(t: &gongkai::Timings) {
    for (name, d) in &t.stages {
        println!("  {name:<14} {:>8.1} ms", d.as_secs_f64() * 1000.0);
    }
}

/// Path → SHA-256 of every file under `dir`.
fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (
                gongkai::write::relative(dir, e.path()),
                gongkai::manifest::sha256_hex(&bytes),
            )
        })
        .collect()
}
