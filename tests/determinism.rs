//! Same records, same bytes (issue 7): two builds of the same content give byte-identical
//! trees whatever the thread count, the timezone, the locale, the order the content's
//! files were created in (and so the order a directory lists them), the folder the
//! content and output live in, the working directory and the clock.
//!
//! The compiled `gongkai` binary builds each content folder twice:
//!
//! | | build A | build B |
//! |---|---|---|
//! | `RAYON_NUM_THREADS` | 1 | 8 |
//! | `TZ` | UTC | Asia/Shanghai |
//! | `LC_ALL` / `LANG` | C / C | C.UTF-8 / zh_CN.UTF-8 |
//! | content copy | files created in sorted order | in reverse order, on tmpfs when there is one |
//! | working directory | the project | a scratch folder |
//! | clock | real | 20 years earlier, through an `LD_PRELOAD` shim compiled with `cc` |
//!
//! and every path and byte of the two trees are compared. When they differ, each setting
//! is tried alone to name the one that changes the output. No output may hold today's
//! date or the current Unix time either.

mod common;
mod hostile;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file under `dir`: (relative path, bytes), sorted by path.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    common::tree(dir).into_iter().collect()
}

/// Copies `from` to `to`, creating folders and files in sorted or in reverse order.
fn copy_tree(from: &Path, to: &Path, reverse: bool) {
    let mut entries: Vec<walkdir::DirEntry> = walkdir::WalkDir::new(from)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    if reverse {
        // Parents must exist first: create all folders (deepest names last in reverse
        // order still need their parent), then the files in reverse order.
        entries.reverse();
        let mut dirs: Vec<&walkdir::DirEntry> =
            entries.iter().filter(|e| e.file_type().is_dir()).collect();
        dirs.sort_by_key(|e| e.depth());
        let mut by_depth: Vec<&walkdir::DirEntry> = Vec::new();
        let max = dirs.iter().map(|e| e.depth()).max().unwrap_or(0);
        for d in 0..=max {
            let mut level: Vec<&walkdir::DirEntry> =
                dirs.iter().copied().filter(|e| e.depth() == d).collect();
            level.sort_by(|a, b| b.file_name().cmp(a.file_name()));
            by_depth.extend(level);
        }
        for e in by_depth {
            std::fs::create_dir(to.join(e.path().strip_prefix(from).unwrap())).unwrap();
        }
    } else {
        for e in entries.iter().filter(|e| e.file_type().is_dir()) {
            std::fs::create_dir(to.join(e.path().strip_prefix(from).unwrap())).unwrap();
        }
    }
    for e in entries.iter().filter(|e| e.file_type().is_file()) {
        std::fs::copy(e.path(), to.join(e.path().strip_prefix(from).unwrap())).unwrap();
    }
}

/// The names of a folder in the order the file system lists them.
fn listing(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect()
}

/// Compiles the clock shim: CLOCK_REALTIME, gettimeofday and time run 20 years behind.
/// `None` when there is no C compiler (the clock setting is then not varied).
fn clock_shim(dir: &Path) -> Option<PathBuf> {
    let src = dir.join("fakeclock.c");
    std::fs::write(
        &src,
        r#"#define _GNU_SOURCE
#include <time.h>
#include <sys/time.h>
#include <dlfcn.h>
#define SHIFT (20L * 365 * 86400)
int clock_gettime(clockid_t id, struct timespec *ts) {
  static int (*real)(clockid_t, struct timespec *);
  if (!real) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
  int r = real(id, ts);
  if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) ts->tv_sec -= SHIFT;
  return r;
}
int gettimeofday(struct timeval *tv, void *tz) {
  struct timespec ts;
  (void)tz;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (tv) { tv->tv_sec = ts.tv_sec; tv->tv_usec = ts.tv_nsec / 1000; }
  return 0;
}
time_t time(time_t *t) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (t) *t = ts.tv_sec;
  return ts.tv_sec;
}
"#,
    )
    .unwrap();
    let so = dir.join("fakeclock.so");
    let ok = Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(&so)
        .arg(&src)
        .arg("-ldl")
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("no C compiler: the clock is not varied (the date check still runs)");
        return None;
    }
    // The shim works: `date` under it is 20 years behind.
    let year = |preload: Option<&Path>| {
        let mut c = Command::new("date");
        c.arg("-u").arg("+%Y");
        if let Some(p) = preload {
            c.env("LD_PRELOAD", p);
        }
        String::from_utf8(c.output().unwrap().stdout)
            .unwrap()
            .trim()
            .parse::<i32>()
            .unwrap()
    };
    let shift = year(None) - year(Some(&so));
    assert!(
        (19..=21).contains(&shift),
        "the clock shim does not work ({shift} years)"
    );
    Some(so)
}

/// One way of running a build.
#[derive(Clone, Default)]
struct Setting {
    threads: &'static str,
    tz: &'static str,
    lc_all: &'static str,
    lang: &'static str,
    reverse: bool,
    tmpfs: bool,
    other_cwd: bool,
    clock: Option<PathBuf>,
}

fn a() -> Setting {
    Setting {
        threads: "1",
        tz: "UTC",
        lc_all: "C",
        lang: "C",
        ..Setting::default()
    }
}

fn b(clock: Option<PathBuf>) -> Setting {
    Setting {
        threads: "8",
        tz: "Asia/Shanghai",
        lc_all: "C.UTF-8",
        lang: "zh_CN.UTF-8",
        reverse: true,
        tmpfs: true,
        other_cwd: true,
        clock,
    }
}

/// Scratch space for one run; on tmpfs (whose listings follow creation order) if asked
/// and there is one.
fn scratch(name: &str, tmpfs: bool) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let dir = if tmpfs && shm.is_dir() {
        shm.join(format!("gongkai-determinism-{}-{name}", std::process::id()))
    } else {
        Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("determinism")
            .join(name)
    };
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies `content` as the setting says and builds it with the binary; returns the tree.
fn run(content: &Path, s: &Setting, name: &str) -> (Vec<(String, Vec<u8>)>, PathBuf) {
    let dir = scratch(name, s.tmpfs);
    let copy = dir.join("content");
    copy_tree(content, &copy, s.reverse);
    let out = dir.join("output");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAYON_NUM_THREADS", s.threads)
        .env("TZ", s.tz)
        .env("LC_ALL", s.lc_all)
        .env("LANG", s.lang)
        .arg("build")
        .arg("--content")
        .arg(&copy)
        .arg("--output")
        .arg(&out)
        .current_dir(if s.other_cwd {
            dir.clone()
        } else {
            common::root().to_path_buf()
        });
    if let Some(so) = &s.clock {
        cmd.env("LD_PRELOAD", so);
    }
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "build failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (tree(&out), dir)
}

/// The first difference between two trees, if any.
fn difference(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]) -> Option<String> {
    let pa: Vec<&String> = a.iter().map(|x| &x.0).collect();
    let pb: Vec<&String> = b.iter().map(|x| &x.0).collect();
    if pa != pb {
        let only_a: Vec<_> = pa.iter().filter(|p| !pb.contains(p)).take(5).collect();
        let only_b: Vec<_> = pb.iter().filter(|p| !pa.contains(p)).take(5).collect();
        return Some(format!(
            "different files: only in A {only_a:?}, only in B {only_b:?}"
        ));
    }
    for ((p, x), (_, y)) in a.iter().zip(b) {
        if x != y {
            let at = x
                .iter()
                .zip(y)
                .position(|(m, n)| m != n)
                .unwrap_or(x.len().min(y.len()));
            let show = |v: &[u8]| {
                String::from_utf8_lossy(&v[at.saturating_sub(60)..(at + 60).min(v.len())])
                    .to_string()
            };
            return Some(format!(
                "{p} differs at byte {at}:\nA: …{}…\nB: …{}…",
                show(x),
                show(y)
            ));
        }
    }
    None
}

/// Builds `content` under A and B and compares; on a difference, names the setting.
fn same_bytes(content: &Path, label: &str) -> Vec<(String, Vec<u8>)> {
    let shim_dir = scratch(&format!("{label}-shim"), false);
    let clock = clock_shim(&shim_dir);
    let (ta, dir_a) = run(content, &a(), &format!("{label}-a"));
    let (tb, dir_b) = run(content, &b(clock.clone()), &format!("{label}-b"));
    assert!(ta.len() > 10, "{label}: {} files", ta.len());

    // The reversed copy is listed in another order (when the file system keeps creation
    // order, as tmpfs does), so directory order really was varied.
    let la = listing(&dir_a.join("content"));
    let lb = listing(&dir_b.join("content"));
    if la == lb {
        eprintln!(
            "{label}: this file system lists both copies alike; directory order is not varied here"
        );
    } else {
        eprintln!("{label}: the two copies list their folders in different orders");
    }

    if let Some(d) = difference(&ta, &tb) {
        // Name the culprit: B's settings one at a time.
        let mut culprits = Vec::new();
        let base = a();
        let full = b(clock);
        let variants: Vec<(&str, Setting)> = vec![
            (
                "RAYON_NUM_THREADS=8",
                Setting {
                    threads: full.threads,
                    ..base.clone()
                },
            ),
            (
                "TZ=Asia/Shanghai",
                Setting {
                    tz: full.tz,
                    ..base.clone()
                },
            ),
            (
                "locale",
                Setting {
                    lc_all: full.lc_all,
                    lang: full.lang,
                    ..base.clone()
                },
            ),
            (
                "reverse creation order",
                Setting {
                    reverse: true,
                    tmpfs: true,
                    ..base.clone()
                },
            ),
            (
                "working directory",
                Setting {
                    other_cwd: true,
                    ..base.clone()
                },
            ),
            (
                "clock",
                Setting {
                    clock: full.clock.clone(),
                    ..base.clone()
                },
            ),
        ];
        for (name, s) in variants {
            let (t, dir) = run(content, &s, &format!("{label}-only"));
            let _ = std::fs::remove_dir_all(dir);
            if difference(&ta, &t).is_some() {
                culprits.push(name);
            }
        }
        panic!("{label}: two builds differ ({culprits:?} change the output)\n{d}");
    }
    for dir in [dir_a, dir_b, shim_dir] {
        let _ = std::fs::remove_dir_all(dir);
    }
    ta
}

/// Today's date and the current time in the forms a page could print them.
fn clock_strings() -> Vec<String> {
    let out = Command::new("date")
        .args([
            "-u",
            "+%Y-%m-%d %Y%m%d %Y年%-m月%-d日 %Y/%m/%d %Y-%m %Y年%-m月 %s",
        ])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    let mut v: Vec<String> = s.split_whitespace().map(str::to_string).collect();
    // The Unix time to within 10,000 seconds (its first six digits).
    let secs = v.pop().unwrap();
    v.push(secs[..6].to_string());
    v
}

fn assert_no_clock(t: &[(String, Vec<u8>)], label: &str) {
    for needle in clock_strings() {
        for (p, bytes) in t {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{label}: {p} holds {needle:?}, the date or time of the build"
            );
        }
    }
}

#[test]
fn bundled_content_builds_to_the_same_bytes() {
    let t = same_bytes(&common::root().join("content"), "bundled");
    assert_no_clock(&t, "bundled");
}

#[test]
fn a_large_generated_site_builds_to_the_same_bytes() {
    // The hostile corpus site of tests/xss.rs: over a hundred departments, four hundred
    // pages, every text field filled, Unicode tricks and control characters included.
    let content = Path::new(env!("CARGO_TARGET_TMPDIR")).join("determinism-generated");
    let _ = std::fs::remove_dir_all(&content);
    let texts: Vec<String> = hostile::payloads().into_iter().map(|p| p.text).collect();
    hostile::write_site(&content, &texts, 0);
    let t = same_bytes(&content, "generated");
    assert!(t.len() > 400, "{} files", t.len());
    assert_no_clock(&t, "generated");
    let _ = std::fs::remove_dir_all(&content);
}

#[test]
fn the_comparison_sees_a_difference() {
    let x = vec![("a.html".to_string(), b"<p>1</p>".to_vec())];
    let y = vec![("a.html".to_string(), b"<p>2</p>".to_vec())];
    let z = vec![("b.html".to_string(), b"<p>1</p>".to_vec())];
    assert!(difference(&x, &x).is_none());
    assert!(difference(&x, &y).unwrap().contains("differs at byte 3"));
    assert!(difference(&x, &z).unwrap().contains("only in A"));
    let today = clock_strings();
    assert!(today.len() >= 7 && today[0].len() == 10, "{today:?}");
}
