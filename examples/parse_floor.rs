//! How fast can a content folder be read at all? Times, on the same files:
//! reading them, parsing them with the `toml` crate alone (one core, then every core),
//! the loader's quick path (`load::fast`: parser events, from its own pass over the
//! bytes, built into its tree and walked by a deserializer that keeps nothing), and
//! `gongkai check` (load, compute, check) — so that `check`'s time can be compared with
//! the parsers it is built on.
//!
//! ```sh
//! cargo run --release --example parse_floor -- target/bench/reference-10000/content
//! ```

use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

// As the `gongkai` command: mimalloc, tuned the same way.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    gongkai::tune_allocator();
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: parse_floor CONTENT_DIR");
        std::process::exit(2);
    };
    let t = Instant::now();
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    let texts: Vec<String> = paths
        .par_iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let read = t.elapsed();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mb = bytes as f64 / 1e6;
    println!(
        "{} TOML files, {mb:.1} MB; read (all cores) {:.2} s",
        texts.len(),
        read.as_secs_f64()
    );

    let parse = |s: &String| toml::de::DeTable::parse(s).map_or(0, |t| t.get_ref().len());
    let t = Instant::now();
    let keys: usize = texts.iter().map(parse).sum();
    let one = t.elapsed().as_secs_f64();
    println!(
        "toml parse, 1 core       {one:6.2} s  {:5.0} MB/s  ({keys} top-level keys)",
        mb / one
    );
    let t = Instant::now();
    let _: usize = texts.par_iter().map(parse).sum();
    let all = t.elapsed().as_secs_f64();
    println!(
        "toml parse, {} cores       {all:6.2} s  {:5.0} MB/s",
        rayon::current_num_threads(),
        mb / all
    );

    let quick = |s: &String| {
        usize::from(gongkai::load::fast::from_str::<serde::de::IgnoredAny>(s).is_some())
    };
    let t = Instant::now();
    let taken: usize = texts.iter().map(quick).sum();
    let one = t.elapsed().as_secs_f64();
    println!(
        "quick path, 1 core       {one:6.2} s  {:5.0} MB/s  ({taken} of {} files taken)",
        mb / one,
        texts.len()
    );
    let t = Instant::now();
    let _: usize = texts.par_iter().map(quick).sum();
    let all = t.elapsed().as_secs_f64();
    println!(
        "quick path, {} cores       {all:6.2} s  {:5.0} MB/s",
        rayon::current_num_threads(),
        mb / all
    );

    let mut timings = gongkai::Timings::default();
    let t = Instant::now();
    match gongkai::check_only(&dir, &mut timings) {
        Ok(f) => println!(
            "gongkai check            {:6.2} s  ({} records, {} findings)",
            t.elapsed().as_secs_f64(),
            f.records,
            f.findings.len()
        ),
        Err(e) => println!("gongkai check failed: {e}"),
    }
}
