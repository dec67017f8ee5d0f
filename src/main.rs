//! The `gongkai` command: parses arguments, calls the library, prints, exits.

use clap::{Parser, Subcommand, ValueEnum};
use gongkai::check::{Finding, Severity, cause_zh};
use gongkai::{BuildError, BuildOptions, Timings};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

// mimalloc: the render stage allocates many small strings on every thread; glibc's
// allocator spent a third of a 10,000-record build in malloc/free (perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "gongkai",
    version,
    about = "预算绩效信息公开网站生成器 (budget-performance disclosure site generator)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 生成网站：content → output (build the site)
    Build {
        #[command(flatten)]
        site: SiteArgs,
        /// 有错误类核对结果时不生成 (refuse to publish when there are error findings)
        #[arg(long)]
        strict: bool,
        /// 打印各阶段耗时 (print the time of each stage)
        #[arg(long)]
        timings: bool,
        /// 输出目录中有非 gongkai 生成的文件时仍然替换 (replace the output folder even if it holds files gongkai did not write)
        #[arg(long)]
        clean: bool,
    },
    /// 监视：生成网站后，内容一有改动即只重新生成受影响的页面 (build, then rebuild what an edit touches, until Ctrl+C)
    Watch {
        #[command(flatten)]
        site: SiteArgs,
        /// 检查改动的间隔（毫秒） (how often to look for changes, ms)
        #[arg(long, default_value_t = 300)]
        interval: u64,
    },
    /// 校验：按 manifest.json 逐一核对已发布目录中的文件 (check a published folder against its manifest)
    Verify {
        /// 已发布的网站目录 (the published folder)
        #[arg(default_value = "output")]
        dir: PathBuf,
    },
    /// 归档：把某一年度生成为可离线浏览、可复现的 .tar.gz 快照 (write a reproducible snapshot of one year)
    Archive {
        /// 年度 (fiscal year)
        #[arg(long)]
        year: i32,
        /// 归档文件（默认 snapshot-<年度>.tar.gz） (archive file)
        #[arg(long)]
        out: Option<PathBuf>,
        /// 内容目录 (content folder)
        #[arg(long, default_value = "content")]
        content: PathBuf,
        /// 主题目录 (theme folder)
        #[arg(long, default_value = "themes/default")]
        theme: PathBuf,
    },
    /// 打印 PDF：用 Chromium 把已生成网站的每个公开文件页打印为 A4 PDF (print record pages to PDF)
    Pdf {
        /// 已生成的网站目录 (the built site)
        #[arg(long, default_value = "output")]
        output: PathBuf,
        /// Chromium/Chrome 程序路径（默认在 PATH 中查找） (browser to print with)
        #[arg(long)]
        chrome: Option<PathBuf>,
        /// 同时打印的页数（默认为 CPU 核数） (pages printed at once; default: cores)
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// 核对：只加载、计算和核对 (load, compute and check only)
    Check {
        /// 内容目录 (content folder)
        #[arg(long, default_value = "content")]
        content: PathBuf,
        /// 输出格式 (output format)
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// 打印各阶段耗时 (print the time of each stage)
        #[arg(long)]
        timings: bool,
    },
}

/// The folders a build reads and writes (`build`, `watch`).
#[derive(clap::Args)]
struct SiteArgs {
    /// 内容目录 (content folder)
    #[arg(long, default_value = "content")]
    content: PathBuf,
    /// 输出目录 (output folder)
    #[arg(long, default_value = "output")]
    output: PathBuf,
    /// 主题目录 (theme folder; the default theme is built in)
    #[arg(long, default_value = "themes/default")]
    theme: PathBuf,
}

impl SiteArgs {
    fn options(self, clean: bool) -> BuildOptions {
        BuildOptions {
            content: self.content,
            theme: self.theme,
            output: self.output,
            clean,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

fn main() -> ExitCode {
    gongkai::tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            site,
            strict,
            timings,
            clean,
        } => build(site.options(clean), strict, timings),
        Command::Verify { dir } => verify(dir),
        Command::Watch { site, interval } => watch(site.options(false), interval),
        Command::Archive {
            year,
            out,
            content,
            theme,
        } => archive(year, out, content, theme),
        Command::Check {
            content,
            format,
            timings,
        } => check(content, format, timings),
        Command::Pdf {
            output,
            chrome,
            jobs,
        } => pdf(output, chrome, jobs),
    }
}

fn fail(e: &BuildError) -> ExitCode {
    if let BuildError::Refused(c) = e {
        print_human(&c.findings, c.content.record_count());
    }
    eprintln!("{e}");
    match e {
        BuildError::Content(_) => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

/// The output folder as typed, and the folder written when links on its way lead
/// elsewhere.
fn shown(typed: &std::path::Path, linked: Option<&std::path::Path>) -> String {
    match linked {
        Some(folder) => format!("{}（即 {}）", typed.display(), folder.display()),
        None => typed.display().to_string(),
    }
}

/// A successful build's warnings, on standard error.
fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("注意 (warning)：{w}");
    }
}

fn build(opts: BuildOptions, strict: bool, show_timings: bool) -> ExitCode {
    let start = Instant::now();
    let built = if strict {
        gongkai::build_strict(&opts)
    } else {
        gongkai::build(&opts)
    };
    match built {
        Ok(r) => {
            if show_timings {
                print_timings(&r.timings);
            }
            let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
            println!(
                "已生成 {} 个部门、{} 份公开文件、{} 个页面（{} 个文件，{:.1} MB）→ {}，用时 {:.2} 秒；核对：{} 处错误、{} 处警告、{} 条提示（gongkai check 查看详情）",
                r.departments,
                r.records,
                r.pages,
                r.files,
                r.bytes as f64 / 1_048_576.0,
                shown(&opts.output, r.linked_output.as_deref()),
                start.elapsed().as_secs_f64(),
                count(Severity::Error),
                count(Severity::Warning),
                count(Severity::Info),
            );
            warn(&r.warnings);
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// Content files with their modification time and size, by path relative to `root`.
fn scan(root: &std::path::Path) -> BTreeMap<String, (std::time::SystemTime, u64)> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((
                gongkai::write::relative(root, e.path()),
                (m.modified().ok()?, m.len()),
            ))
        })
        .collect()
}

fn watch(opts: BuildOptions, interval: u64) -> ExitCode {
    let (content, output) = (opts.content.clone(), opts.output.clone());
    let start = Instant::now();
    // What the content is before the build: an edit made while it runs is rebuilt after.
    let mut seen = scan(&content);
    let (mut ws, report) = match gongkai::incremental::Workspace::open(&opts) {
        Ok(x) => x,
        Err(e) => return fail(&e),
    };
    println!(
        "已生成 {} 份公开文件、{} 个页面 → {}，用时 {:.2} 秒。正在监视 {} 的改动（Ctrl+C 退出）……",
        report.records,
        report.pages,
        shown(&output, report.linked_output.as_deref()),
        start.elapsed().as_secs_f64(),
        content.display()
    );
    warn(&report.warnings);
    // Ctrl+C lets the rebuild under way finish, and the workspace removes its spares.
    catch_stop();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(interval));
        if stopping() {
            drop(ws);
            println!("已停止监视 (stopped)");
            return ExitCode::SUCCESS;
        }
        let now = scan(&content);
        if now == seen {
            continue;
        }
        let changed: Vec<String> = now
            .iter()
            .filter(|(k, v)| seen.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .chain(seen.keys().filter(|k| !now.contains_key(*k)).cloned())
            .collect();
        let t = Instant::now();
        match ws.rebuild(&changed) {
            Ok(r) => {
                // A full build swaps in a whole new tree: no count of files written.
                let how = if r.full {
                    "全部重新生成".to_string()
                } else {
                    format!("增量，写入 {} 个文件", r.written.len())
                };
                println!(
                    "已更新：{}（{how}，{} 个页面，用时 {:.3} 秒）",
                    changed.join("、"),
                    r.pages,
                    t.elapsed().as_secs_f64()
                );
                warn(&r.warnings);
            }
            Err(e @ gongkai::BuildError::Content(_)) => {
                eprintln!("{e}\n未更新，网站保持上一版本 (not rebuilt; the site is unchanged)")
            }
            Err(e) => eprintln!(
                "{e}\n未能更新完毕，网站可能只更新了一部分；下次改动时将全部重新生成 (not rebuilt completely: the site may be partly updated; the next change rebuilds it whole)"
            ),
        }
        seen = now;
    }
}

/// Set by Ctrl+C (SIGINT) or SIGTERM while `watch` runs.
static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn stopping() -> bool {
    STOP.load(std::sync::atomic::Ordering::SeqCst)
}

/// The first Ctrl+C, SIGTERM or SIGHUP (the terminal closed) asks `watch` to stop once
/// the rebuild under way (if any) is done; a second one exits at once.
#[cfg(unix)]
extern "C" fn on_stop(signal: libc::c_int) {
    if STOP.swap(true, std::sync::atomic::Ordering::SeqCst) {
        // SAFETY: `_exit` is async-signal-safe.
        unsafe { libc::_exit(128 + signal) };
    }
}

#[cfg(unix)]
fn catch_stop() {
    let handler = on_stop as extern "C" fn(libc::c_int);
    // SAFETY: the handler only touches an atomic and calls `_exit`, both
    // async-signal-safe.
    unsafe {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::signal(signal, handler as libc::sighandler_t);
        }
    }
}

#[cfg(not(unix))]
fn catch_stop() {}

fn verify(dir: PathBuf) -> ExitCode {
    match gongkai::manifest::verify(&dir) {
        Ok(r) => {
            for f in &r.changed {
                println!("已改动 (changed)  {f}");
            }
            for f in &r.missing {
                println!("缺失 (missing)    {f}");
            }
            for f in &r.extra {
                println!("多出 (extra)      {f}");
            }
            if r.ok() {
                println!(
                    "{} 与 manifest.json 一致：{} 个文件均未改动 (all files match)",
                    dir.display(),
                    r.checked
                );
                ExitCode::SUCCESS
            } else {
                println!(
                    "{} 与 manifest.json 不一致：{} 个改动、{} 个缺失、{} 个多出 (does not match its manifest)",
                    dir.display(),
                    r.changed.len(),
                    r.missing.len(),
                    r.extra.len()
                );
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn archive(year: i32, out: Option<PathBuf>, content: PathBuf, theme: PathBuf) -> ExitCode {
    let out = out.unwrap_or_else(|| PathBuf::from(format!("snapshot-{year}.tar.gz")));
    let a = match gongkai::archive(&content, &theme, year) {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    if let Err(e) = gongkai::write::file_atomic(&out, &a.bytes) {
        eprintln!("{e}");
        return ExitCode::from(1);
    }
    println!(
        "已归档 {year} 年度：{} 份公开文件、{} 个文件（{:.1} MB）→ {}",
        a.records,
        a.files,
        a.bytes.len() as f64 / 1_048_576.0,
        out.display()
    );
    ExitCode::SUCCESS
}

fn check(content: PathBuf, format: Format, show_timings: bool) -> ExitCode {
    let mut t = Timings::default();
    if let Format::Human = format {
        // Each department's findings are written out as text on the thread that checked
        // it; here the parts are only put in file order.
        let c = match gongkai::check_each(&content, &mut t, |f| Human::of(&f)) {
            Ok(c) => c,
            Err(e) => return fail(&e),
        };
        if show_timings {
            print_timings(&t);
        }
        let mut all = Human::default();
        for part in c.results {
            all.merge(part);
        }
        print_report(&all, c.records);
        return if all.errors > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
    }
    let c = match gongkai::check_only(&content, &mut t) {
        Ok(c) => c,
        Err(e) => {
            if let BuildError::Content(d) = &e {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&gongkai::invalid_json(d)).unwrap_or_default()
                );
                return ExitCode::from(2);
            }
            return fail(&e);
        }
    };
    if show_timings {
        print_timings(&t);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = serde_json::to_writer_pretty(&mut out, &c.report())
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    let code = if c.findings.iter().any(|f| f.severity == Severity::Error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing a province's records one by one only costs time.
    std::mem::forget(c);
    code
}

fn print_timings(t: &Timings) {
    for (i, (name, d)) in t.stages.iter().enumerate() {
        let peak = match t.peak_resident.get(i).copied().flatten() {
            Some(b) => format!("  peak RSS {:>6.0} MiB", b as f64 / 1_048_576.0),
            None => String::new(),
        };
        eprintln!("  {name:<16} {:>9.1} ms{peak}", d.as_secs_f64() * 1000.0);
    }
}

fn print_human(findings: &[Finding], records: usize) {
    print_report(&Human::of(findings), records);
}

fn print_report(report: &Human, records: usize) {
    // One buffered writer: tens of thousands of findings are not a syscall per line.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed pipe (`gongkai check | head`) ends the listing quietly.
    let _ = report.write(&mut out, records).and_then(|()| out.flush());
}

/// The human `check` report: each file's findings as text, files in path order, and the
/// count of each severity.
#[derive(Default)]
struct Human {
    by_file: BTreeMap<String, Vec<u8>>,
    errors: usize,
    warnings: usize,
    infos: usize,
}

impl Human {
    /// The report of `findings`: a file's findings in the order given.
    fn of(findings: &[Finding]) -> Human {
        let mut h = Human::default();
        for f in findings {
            if !h.by_file.contains_key(&f.file) {
                h.by_file.insert(f.file.clone(), Vec::new());
            }
            if let Some(text) = h.by_file.get_mut(&f.file) {
                // Writing into a Vec cannot fail.
                let _ = write_finding(text, f);
            }
            match f.severity {
                Severity::Error => h.errors += 1,
                Severity::Warning => h.warnings += 1,
                Severity::Info => h.infos += 1,
            }
        }
        h
    }

    /// Appends `later`'s findings after this report's, file by file.
    fn merge(&mut self, later: Human) {
        for (file, text) in later.by_file {
            match self.by_file.entry(file) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(text);
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    o.get_mut().extend_from_slice(&text)
                }
            }
        }
        self.errors += later.errors;
        self.warnings += later.warnings;
        self.infos += later.infos;
    }

    fn write(&self, out: &mut impl Write, records: usize) -> std::io::Result<()> {
        for (file, text) in &self.by_file {
            writeln!(out, "== {file}")?;
            out.write_all(text)?;
        }
        writeln!(
            out,
            "核对 {records} 份公开文件：{} 处错误，{} 处警告，{} 条提示",
            self.errors, self.warnings, self.infos
        )
    }
}

fn write_finding(out: &mut impl Write, f: &Finding) -> std::io::Result<()> {
    writeln!(out, "{}[{}]: {}", f.severity.zh(), f.cause, f.message)?;
    writeln!(out, "  --> {}:{}:{}", f.file, f.line, f.column)?;
    if !f.path.is_empty() {
        writeln!(out, "   = 字段: {}", f.path)?;
    }
    if !f.stated.is_empty() || !f.computed.is_empty() {
        writeln!(
            out,
            "   = 公开值: {}    核算值: {}    原因: {}",
            f.stated,
            f.computed,
            cause_zh(f.cause)
        )?;
    }
    if f.line > 0 {
        let n = f.line.to_string();
        let pad = " ".repeat(n.len());
        writeln!(out, " {pad} |\n {n} | {}\n {pad} |", f.excerpt)?;
    }
    writeln!(out)
}

fn pdf(output: PathBuf, chrome: Option<PathBuf>, jobs: Option<usize>) -> ExitCode {
    use gongkai::pdf;
    let start = Instant::now();
    let run = || -> Result<Vec<pdf::Printed>, pdf::PdfError> {
        let browser = pdf::find_browser(chrome.as_deref())?;
        let list = pdf::jobs(&output)?;
        let parallel =
            jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let done = std::sync::atomic::AtomicUsize::new(0);
        let total = list.len();
        pdf::print_all(&browser, &list, parallel, &|p| {
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            eprintln!(
                "[{n}/{total}] {}（{} KB，{:.1} 秒）",
                p.pdf.strip_prefix(&output).unwrap_or(&p.pdf).display(),
                p.bytes.div_ceil(1024),
                p.time.as_secs_f64()
            );
        })
    };
    match run() {
        Ok(done) => {
            if let Err(e) = gongkai::manifest::refresh(&output) {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
            let bytes: u64 = done.iter().map(|p| p.bytes).sum();
            println!(
                "已打印 {} 份 PDF（共 {:.1} MB），用时 {:.1} 秒",
                done.len(),
                bytes as f64 / 1_048_576.0,
                start.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
