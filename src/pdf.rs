//! `gongkai pdf`: prints every record page of a built site to PDF through an installed
//! Chromium or Chrome, in parallel (one browser process per core), and links each PDF
//! from its page. The PDF's creation date is set from the record's own date, not the
//! clock.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Why printing failed.
#[derive(Debug)]
pub struct PdfError(pub String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for PdfError {}

/// Marker in a record page where its PDF link goes.
pub const LINK_MARKER: &str = "<!--gongkai:pdf-->";

const BROWSERS: [&str; 5] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

/// The browser to print with: `explicit`, or the first of chromium / chrome on PATH.
pub fn find_browser(explicit: Option<&Path>) -> Result<PathBuf, PdfError> {
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(PdfError(format!(
                "--chrome 指定的程序不存在 (no such browser): {}",
                p.display()
            )))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for b in BROWSERS {
            let c = dir.join(b);
            if c.is_file() {
                return Ok(c);
            }
        }
    }
    Err(PdfError(
        "未找到 Chromium 或 Chrome。请先安装，例如 Debian/Ubuntu：apt-get install chromium fonts-wqy-microhei；\
         或用 --chrome 指定浏览器路径。(no Chromium or Chrome found on PATH: install one, e.g. \
         `apt-get install chromium fonts-wqy-microhei`, or pass --chrome PATH)"
            .to_string(),
    ))
}

/// One page to print.
#[derive(Debug, Clone)]
pub struct Job {
    /// The record page.
    pub html: PathBuf,
    /// The PDF to write beside it.
    pub pdf: PathBuf,
}

/// Record pages of a built site: `<dept>/<year>/index.html` → `<dept>/<year>/<dept>-<year>.pdf`,
/// `<dept>/<year>/targets/index.html` → `<dept>/<year>/<dept>-<year>-targets.pdf`.
pub fn jobs(site: &Path) -> Result<Vec<Job>, PdfError> {
    if !site.join("index.html").is_file() {
        return Err(PdfError(format!(
            "{} 不是已生成的网站，请先运行 gongkai build (not a built site: run `gongkai build` first)",
            site.display()
        )));
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(site)
        .min_depth(3)
        .max_depth(4)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| PdfError(e.to_string()))?;
        if entry.file_name() != "index.html" {
            continue;
        }
        let rel: Vec<String> = entry
            .path()
            .strip_prefix(site)
            .unwrap_or(entry.path())
            .components()
            .map(|c| c.as_os_str().to_string_lossy().to_string())
            .collect();
        let is_year = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
        let pdf = match rel.as_slice() {
            [dept, year, _] if is_year(year) && dept != "years" => format!("{dept}-{year}.pdf"),
            [dept, year, t, _] if is_year(year) && t == "targets" => {
                format!("{dept}-{year}-targets.pdf")
            }
            _ => continue,
        };
        let year_dir = site.join(&rel[0]).join(&rel[1]);
        out.push(Job {
            html: entry.path().to_path_buf(),
            pdf: year_dir.join(pdf),
        });
    }
    Ok(out)
}

/// A printed page.
#[derive(Debug)]
pub struct Printed {
    /// The PDF written.
    pub pdf: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Time taken.
    pub time: Duration,
}

/// Prints every job, `parallel` at a time, calling `progress` as each finishes. Every
/// failure is reported, not only the first.
pub fn print_all(
    browser: &Path,
    jobs: &[Job],
    parallel: usize,
    progress: &(dyn Fn(&Printed) + Sync),
) -> Result<Vec<Printed>, PdfError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(parallel.max(1))
        .build()
        .map_err(|e| PdfError(e.to_string()))?;
    let results: Vec<Result<Printed, String>> = pool.install(|| {
        jobs.par_iter()
            .map(|j| {
                let p = print_one(browser, j)?;
                progress(&p);
                Ok(p)
            })
            .collect()
    });
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(p) => ok.push(p),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(ok)
    } else {
        Err(PdfError(errors.join("\n")))
    }
}

fn print_one(browser: &Path, job: &Job) -> Result<Printed, String> {
    let start = Instant::now();
    let html =
        std::fs::canonicalize(&job.html).map_err(|e| format!("{}: {e}", job.html.display()))?;
    let profile = std::env::temp_dir().join(format!(
        "gongkai-pdf-{}-{}",
        std::process::id(),
        job.pdf
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    ));
    let tmp_pdf = job.pdf.with_extension("pdf.part");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            // Printing our own local files; the sandbox cannot start as root in containers.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", tmp_pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!(
                "无法启动浏览器 (cannot start the browser) {}: {e}",
                browser.display()
            )
        })?;
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(&profile);
                return Err(format!(
                    "{}: 浏览器 180 秒未完成，已终止 (browser timed out)",
                    job.html.display()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let _ = std::fs::remove_dir_all(&profile);
    let mut bytes = std::fs::read(&tmp_pdf).map_err(|e| {
        format!(
            "{}: 浏览器未写出 PDF (no PDF written; exit {status}): {e}",
            job.html.display()
        )
    })?;
    let page = std::fs::read_to_string(&job.html).unwrap_or_default();
    if let Some(date) = meta_date(&page) {
        set_dates(&mut bytes, &date);
    }
    std::fs::write(&job.pdf, &bytes).map_err(|e| format!("{}: {e}", job.pdf.display()))?;
    let _ = std::fs::remove_file(&tmp_pdf);
    link(&job.html, &page, &job.pdf, bytes.len() as u64)?;
    Ok(Printed {
        pdf: job.pdf.clone(),
        bytes: bytes.len() as u64,
        time: start.elapsed(),
    })
}

/// The record's date from `<meta name="dcterms.date" content="YYYY-MM-DD">`.
fn meta_date(page: &str) -> Option<String> {
    let key = "<meta name=\"dcterms.date\" content=\"";
    let i = page.find(key)? + key.len();
    let d = page.get(i..i + 10)?;
    (d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-').then(|| d.to_string())
}

/// Replaces the engine's clock dates (`/CreationDate (D:20261123124304+00'00')`) by the
/// record's date, keeping every byte offset of the file.
fn set_dates(pdf: &mut [u8], date: &str) {
    let stamp = format!("D:{}{}{}000000", &date[0..4], &date[5..7], &date[8..10]);
    for key in [&b"/CreationDate (D:"[..], &b"/ModDate (D:"[..]] {
        let mut from = 0;
        while let Some(i) = find(&pdf[from..], key) {
            let at = from + i + key.len() - 2;
            if pdf.len() >= at + stamp.len() {
                pdf[at..at + stamp.len()].copy_from_slice(stamp.as_bytes());
            }
            from = at + stamp.len();
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Puts the PDF's link into its page (at the marker, once).
fn link(html: &Path, page: &str, pdf: &Path, size: u64) -> Result<(), String> {
    let name = pdf
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let depth = if html
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "targets")
    {
        "../"
    } else {
        ""
    };
    let a = format!(
        "<p class=\"pdf-link\"><a href=\"{depth}{name}\" download>下载 PDF 版（{} KB）</a></p>",
        size.div_ceil(1024)
    );
    let start = page.find(LINK_MARKER);
    let updated = match start {
        Some(i) => {
            // Replace the marker and any link a previous run put after it.
            let after = &page[i + LINK_MARKER.len()..];
            let rest = match after.strip_prefix("<p class=\"pdf-link\">") {
                Some(r) => r.find("</p>").map_or(after, |e| &r[e + 4..]),
                None => after,
            };
            format!("{}{LINK_MARKER}{a}{rest}", &page[..i])
        }
        None => return Ok(()),
    };
    std::fs::write(html, updated).map_err(|e| format!("{}: {e}", html.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_offsets() {
        let mut b =
            b"x /CreationDate (D:20261123124304+00'00')\n/ModDate (D:20261123124304+00'00') y"
                .to_vec();
        let n = b.len();
        set_dates(&mut b, "2024-06-01");
        assert_eq!(b.len(), n);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "x /CreationDate (D:20240601000000+00'00')\n/ModDate (D:20240601000000+00'00') y"
        );
    }

    #[test]
    fn meta_dates() {
        assert_eq!(
            meta_date("<meta name=\"dcterms.date\" content=\"2024-06-01\">").as_deref(),
            Some("2024-06-01")
        );
        assert_eq!(meta_date("<p>"), None);
    }
}
