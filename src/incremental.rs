//! Rebuilds after an edit (the path `serve` takes): a [`Workspace`] keeps the loaded,
//! computed and checked site in memory after a full build; [`Workspace::rebuild`] reads
//! only the record files that changed, recomputes and rechecks those records and the
//! records of the next year that compare against them, renders only the pages that show
//! them (the record pages, their department and year pages, the home, 核对情况 and 开放数据
//! pages), the data package and the feed, and writes only the files whose bytes changed.
//! The site model is built for the edited departments only, with the other departments'
//! part of the lists kept from the last build (`site::build_kept`). A package table is
//! hashed and written again only from the first record whose rows changed (see
//! `package`). The output is identical to a clean build of the same content
//! (tested).
//!
//! Anything else that changes (a department or site file, a record added or removed)
//! takes a full build.

use crate::check::{self, Finding};
use crate::manifest::{self, ManifestEntry};
use crate::model::Content;
use crate::render::{self, RenderError, Theme};
use crate::{BuildError, BuildOptions, BuildReport, Timings, compute, load, site, write};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Mutex;

mod package;

/// A built site kept in memory for rebuilds.
pub struct Workspace {
    opts: BuildOptions,
    /// The output folder as its full build resolved it ([`write::OutputDir::path`]):
    /// rebuilds write there, beside the spares, even if a link on the output's way (the
    /// output's own or a parent folder's) is re-pointed.
    output: PathBuf,
    content: Content,
    computed: compute::Computed,
    findings: Vec<Finding>,
    theme: Theme,
    tera: tera::Tera,
    /// Content file → SHA-256 (for the manifest's content digest).
    hashes: BTreeMap<String, String>,
    /// Output file → its manifest entry.
    files: Listing,
    /// Every record's package rows.
    package: package::Package,
    /// What each department adds to the site's lists.
    site_parts: site::Kept,
    /// Whether a rebuild failed after it began to change this workspace or the output
    /// (a page that does not render, a file that cannot be written): the next rebuild
    /// is a full build.
    stale: bool,
    /// Spares of the package tables and the manifest, through which rebuilds write
    /// them atomically (see [`write::Spares`]).
    spares: write::Spares,
}

/// The output's files with their manifest entries, each entry's line of `manifest.json`,
/// and the manifest's bytes (assembled again after every rebuild: a province's lists
/// 200,000 files, 28 MB).
struct Listing {
    entries: BTreeMap<String, (ManifestEntry, Box<[u8]>)>,
    /// The last manifest's bytes. Assembled in the same memory each time: freshly
    /// touched memory costs more than the copying (on the benchmark machine, several
    /// times more).
    text: Vec<u8>,
}

impl Listing {
    /// The listing of `files`, with its manifest's bytes.
    fn new(files: Vec<ManifestEntry>, content_sha256: &str) -> Listing {
        let mut listing = Listing {
            entries: BTreeMap::new(),
            text: Vec::new(),
        };
        for e in files {
            listing.insert(e);
        }
        listing.manifest(content_sha256);
        listing
    }

    fn get(&self, path: &str) -> Option<&ManifestEntry> {
        self.entries.get(path).map(|(e, _)| e)
    }

    fn insert(&mut self, e: ManifestEntry) {
        let line = manifest::entry_line(&e).into_boxed_slice();
        self.entries.insert(e.path.clone(), (e, line));
    }

    fn remove(&mut self, path: &str) {
        self.entries.remove(path);
    }

    /// Of `files` (path, bytes), those whose bytes differ from what the listing has, whose
    /// entries it takes in their place.
    fn changed(&mut self, files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
        let mut changed = Vec::new();
        for (path, bytes) in files {
            let entry = ManifestEntry {
                path,
                size: bytes.len() as u64,
                sha256: manifest::sha256_hex(&bytes),
            };
            if self.get(&entry.path) != Some(&entry) {
                changed.push((entry.path.clone(), bytes));
                self.insert(entry);
            }
        }
        changed
    }

    /// The paths that start with `prefix`.
    fn paths_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a String> {
        self.entries
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .map(|(p, _)| p)
            .take_while(move |p| p.starts_with(prefix))
    }

    /// The bytes of `manifest.json`.
    fn manifest(&mut self, content_sha256: &str) -> &[u8] {
        let lines = self.entries.values().map(|(_, l)| &l[..]);
        manifest::listing_of_lines(&mut self.text, content_sha256, lines);
        &self.text
    }
}

/// What a rebuild did.
#[derive(Debug)]
pub struct Rebuild {
    /// Records recomputed.
    pub records: usize,
    /// Pages rendered.
    pub pages: usize,
    /// Files whose bytes changed (written).
    pub written: Vec<String>,
    /// Files removed.
    pub removed: Vec<String>,
    /// Whether it took a full build.
    pub full: bool,
    /// A full build's warnings ([`BuildReport::warnings`]).
    pub warnings: Vec<String>,
    /// Stage timings.
    pub timings: Timings,
}

/// A render sink that keeps the files in memory: a rebuild writes only those whose bytes
/// changed.
#[derive(Default)]
struct Collected(Mutex<Vec<(String, Vec<u8>)>>);

impl Collected {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), String> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((path.to_string(), bytes.to_vec()));
        Ok(())
    }

    fn into_files(self) -> Vec<(String, Vec<u8>)> {
        self.0.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

fn render_err(e: RenderError) -> BuildError {
    match e {
        RenderError::Template(t) => BuildError::Theme(t),
        RenderError::Output(o) => BuildError::Write(write::WriteError(o)),
    }
}

/// A full, atomic build. With `keep`, returns what rebuilds need (the model, the
/// findings, every record's package rows); without it (a one-off `gongkai build`), frees
/// the source texts once checked and streams the data package to disk, so that memory
/// holds no more than the model and a chunk of pages.
/// With `strict`, content with error findings is refused before anything is written.
pub(crate) fn full_build(
    opts: &BuildOptions,
    keep: bool,
    strict: bool,
) -> Result<(Option<Workspace>, BuildReport), BuildError> {
    // Resolved once: every step below uses the same folder.
    let output = write::OutputDir::new(&opts.output);
    write::check_output_dir(&output, &[&opts.content, &opts.theme]).map_err(BuildError::Write)?;
    if !opts.clean {
        crate::refuse_foreign_files(output.path())?;
    }
    let mut timings = Timings::default();
    let (checked, hashes) = if keep {
        let checked = crate::load_and_check(&opts.content, &mut timings)?;
        let hashes = timings.time("digest", || manifest::content_hashes(&checked.content));
        (checked, hashes)
    } else {
        crate::load_and_check_once(&opts.content, &mut timings)?
    };
    if strict
        && checked
            .findings
            .iter()
            .any(|f| f.severity == check::Severity::Error)
    {
        return Err(BuildError::Refused(Box::new(checked)));
    }
    let theme = timings
        .time("theme", || Theme::load(Some(&opts.theme)))
        .map_err(BuildError::Theme)?;
    let tera = theme.tera().map_err(BuildError::Theme)?;
    let mut site_parts = site::Kept::default();
    let site = timings.time("site", || {
        let (content, computed, findings) =
            (&checked.content, &checked.computed, &checked.findings);
        if keep {
            site::build_kept(content, computed, findings, &mut site_parts, None)
        } else {
            site::build(content, computed, findings, None)
        }
    });
    let staging = write::Staging::create(&output).map_err(BuildError::Write)?;
    let sink = |path: &str, bytes: &[u8]| staging.put(path, bytes).map_err(|e| e.0);
    // A kept build keeps every record's rows, in page order, and each table's SHA-256
    // state before them, for rebuilds to hash again only from an edited record on.
    let mut kept: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    let mut marks: Vec<Vec<package::Mark>> = vec![Vec::new(); site::data::TABLES.len()];
    let (render_time, package_time) = (render::RenderTime::default(), crate::ThreadTime::default());
    timings
        .time("render+write", || {
            // The package tables are streamed to disk as the pages come, in page order
            // (a province's figures.csv is over 100 MB); a kept build also keeps the rows.
            let mut tables = site::data::TABLES
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let mut a = staging.append(&format!("data/{}.csv", t.name))?;
                    a.write(&render::data::package_header(i))?;
                    Ok(a)
                })
                .collect::<Result<Vec<_>, write::WriteError>>()
                .map_err(|e| RenderError::Output(e.0))?;
            let mark = |tables: &[write::Appender], marks: &mut Vec<Vec<package::Mark>>| {
                for (m, a) in marks.iter_mut().zip(tables) {
                    let (hash, offset) = a.state();
                    m.push(package::Mark::new(hash, offset));
                }
            };
            let mut hand_over = |i: usize, rows: Vec<Vec<u8>>| {
                package_time.time(|| {
                    if keep {
                        mark(&tables, &mut marks);
                    }
                    for (a, r) in tables.iter_mut().zip(&rows) {
                        a.write(r).map_err(|e| e.0)?;
                    }
                    if keep {
                        kept.push((site.pages[i].path().to_string(), rows));
                    }
                    Ok(())
                })
            };
            render::render_pages(&site, &tera, |_| true, &sink, &mut hand_over, &render_time)?;
            if keep {
                mark(&tables, &mut marks);
            }
            let files = tables
                .into_iter()
                .enumerate()
                .map(|(i, a)| {
                    let e = staging.close(a).map_err(|e| RenderError::Output(e.0))?;
                    Ok(render::data::PackageFile::listed(i, &e))
                })
                .collect::<Result<Vec<_>, RenderError>>()?;
            render::render_site_files(&site, &theme, &files, &sink)
        })
        .map_err(render_err)?;
    let (hash_time, write_time) = staging.times();
    timings.parts(&[
        ("· pages", render_time.pages.total()),
        ("· data files", render_time.data.total()),
        ("· hash", hash_time),
        ("· write", write_time),
        ("· package tables", package_time.total()),
    ]);
    let pages = site.pages.len();
    let package =
        keep.then(|| timings.time("package index", || package::Package::written(kept, marks)));
    drop(site);
    let content_sha256 = manifest::digest_of(&hashes);
    let (manifest, warnings) = timings
        .time("swap", || staging.commit(&content_sha256))
        .map_err(BuildError::Write)?;
    // Rebuilds write the package tables and the manifest through spare copies.
    let spares = keep.then(|| {
        timings.time("spares", || {
            let mut paths: Vec<String> = site::data::TABLES
                .iter()
                .map(|t| format!("data/{}.csv", t.name))
                .collect();
            paths.push(manifest::FILE.to_string());
            write::Spares::prepare(&output, &paths)
        })
    });
    let report = BuildReport {
        records: checked.content.record_count(),
        departments: checked.content.departments.len(),
        pages,
        files: manifest.files.len(),
        bytes: manifest.files.iter().map(|f| f.size).sum(),
        findings: checked.findings.clone(),
        linked_output: output.elsewhere().map(std::path::Path::to_path_buf),
        warnings,
        timings,
    };
    if !keep {
        // The process is about to print and exit: freeing the model piece by piece
        // takes longer than the exit does.
        std::mem::forget(checked);
        return Ok((None, report));
    }
    let ws = Workspace {
        opts: opts.clone(),
        output: output.path().to_path_buf(),
        content: checked.content,
        computed: checked.computed,
        findings: checked.findings,
        theme,
        tera,
        hashes,
        files: Listing::new(manifest.files, &content_sha256),
        package: package.unwrap_or_else(|| unreachable!("kept above")),
        site_parts,
        stale: false,
        spares: spares.unwrap_or_else(|| unreachable!("kept above")),
    };
    Ok((Some(ws), report))
}

impl Workspace {
    /// A full, atomic build (as [`crate::build`]), keeping what rebuilds need.
    pub fn open(opts: &BuildOptions) -> Result<(Workspace, BuildReport), BuildError> {
        let (ws, report) = full_build(opts, true, false)?;
        match ws {
            Some(ws) => Ok((ws, report)),
            None => unreachable!("a kept build returns its workspace"),
        }
    }

    /// The record with content file `rel`, as (department, record) indices.
    fn find(&self, rel: &str) -> Option<(usize, usize)> {
        self.content
            .departments
            .iter()
            .enumerate()
            .find_map(|(d, dept)| {
                dept.records
                    .iter()
                    .position(|r| r.source.path == rel)
                    .map(|r| (d, r))
            })
    }

    /// Rebuilds after the content files `changed` (paths relative to the content folder,
    /// `/`-separated) were edited. On invalid content the error lists every problem and
    /// both the workspace and the output stay as they were.
    pub fn rebuild(&mut self, changed: &[String]) -> Result<Rebuild, BuildError> {
        if self.stale {
            return self.full();
        }
        let mut timings = Timings::default();
        let mut targets = Vec::new();
        for rel in changed {
            match self.find(rel) {
                Some(dr) => targets.push((rel.clone(), dr)),
                None => return self.full(),
            }
        }
        // Read everything first: a bad file changes nothing.
        let reloaded = timings.time("load", || {
            targets
                .iter()
                .map(|(rel, (d, r))| {
                    let old = &self.content.departments[*d].records[*r];
                    load::reload_record(&self.content.root, rel, old.kind, old.year)
                })
                .collect::<Result<Vec<_>, _>>()
        });
        let reloaded = reloaded.map_err(|d| BuildError::Content(d.sorted()))?;
        // From here on, a failure leaves the workspace or the output part-way.
        self.stale = true;
        let mut affected: BTreeSet<(usize, usize)> = BTreeSet::new();
        for ((rel, (d, r)), rec) in targets.iter().zip(reloaded) {
            self.hashes.insert(
                rel.clone(),
                manifest::sha256_hex(rec.source.text.as_bytes()),
            );
            let (year, kind) = (rec.year, rec.kind);
            self.content.departments[*d].records[*r] = rec;
            affected.insert((*d, *r));
            // The next year's record compares against this one.
            if let Some(n) = self.content.departments[*d]
                .records
                .iter()
                .position(|x| x.year == year + 1 && x.kind == kind)
            {
                affected.insert((*d, n));
            }
        }
        timings.time("compute", || {
            for &(d, r) in &affected {
                compute::recompute(&self.content, &mut self.computed, d, r);
            }
        });
        timings.time("check", || self.recheck(&affected));

        // The edited records' package rows come first: the changed tables are hashed
        // again from them while the site and the pages are built and written (hashing a
        // province's figures.csv from its first record is most of a rebuild's time).
        let table_path = |t: usize| format!("data/{}.csv", site::data::TABLES[t].name);
        // (Kept in debug builds, to check them against the rows rendered with the pages.)
        let mut early: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
        timings.time("rows", || {
            let (content, computed, findings) = (&self.content, &self.computed, &self.findings);
            let made: Vec<(String, Vec<Vec<u8>>)> = affected
                .par_iter()
                .map(|&(d, r)| {
                    let rec = &content.departments[d].records[r];
                    let path = site::record_path(&content.departments[d].slug, rec.year, rec.kind);
                    (
                        path,
                        render::package_rows(content, computed, findings, d, r),
                    )
                })
                .collect();
            for (path, rows) in made {
                if cfg!(debug_assertions) {
                    early.insert(path.clone(), rows.clone());
                }
                self.package.replace(&path, rows);
            }
        });
        let old_sizes: Vec<u64> = (0..site::data::TABLES.len())
            .map(|t| self.files.get(&table_path(t)).map_or(0, |e| e.size))
            .collect();
        let content = &self.content;
        let (computed, findings, tera) = (&self.computed, &self.findings, &self.tera);
        let (files, site_parts, output, spares) = (
            &mut self.files,
            &mut self.site_parts,
            &self.output,
            &self.spares,
        );
        let mut stages = Timings::default();
        let (tables, built) = timings.time("package+pages", || {
            self.package.update_writing(
                table_path,
                |t| old_sizes[t],
                |splices| {
                    let departments: BTreeSet<usize> = affected.iter().map(|&(d, _)| d).collect();
                    let site = stages.time("· site", || {
                        site::build_kept(
                            content,
                            computed,
                            findings,
                            site_parts,
                            Some(&departments),
                        )
                    });
                    let mut wanted: BTreeSet<String> =
                        ["index.html", "checks/index.html", "data/index.html"]
                            .map(String::from)
                            .into();
                    let mut record_dirs = Vec::new();
                    for &(d, r) in &affected {
                        let dept = &content.departments[d];
                        let rec = &dept.records[r];
                        let path = site::record_path(&dept.slug, rec.year, rec.kind);
                        record_dirs.push(path.trim_end_matches("index.html").to_string());
                        wanted.insert(path);
                        wanted.insert(format!("{}/index.html", dept.slug));
                        wanted.insert(site::checks_path(&dept.slug));
                        wanted.insert(format!("years/{}/index.html", rec.year));
                    }
                    let out = Collected::default();
                    let sink = |path: &str, bytes: &[u8]| out.put(path, bytes);
                    let selected: Vec<usize> = (0..site.pages.len())
                        .filter(|&i| wanted.contains(site.pages[i].path()))
                        .collect();
                    // The pages' package rows are those taken above.
                    stages
                        .time("· render", || {
                            render::render_pages(
                                &site,
                                tera,
                                |i| selected.binary_search(&i).is_ok(),
                                &sink,
                                &mut |i, rows| {
                                    let path = site.pages[i].path();
                                    debug_assert_eq!(
                                        early.get(path),
                                        Some(&rows),
                                        "package rows of {path} differ from the page's"
                                    );
                                    Ok(())
                                },
                                &render::RenderTime::default(),
                            )
                        })
                        .map_err(render_err)?;
                    // Only files whose bytes changed are written; a record's data file that
                    // is no longer produced is removed. So is a department's 核对情况 page
                    // once it has no findings. Only the edited records' folders and checks/
                    // are looked at, not the whole listing.
                    let pages = out.into_files();
                    let names: BTreeSet<&str> = pages.iter().map(|(p, _)| p.as_str()).collect();
                    let mut removed: Vec<String> = Vec::new();
                    for dir in &record_dirs {
                        removed.extend(
                            files
                                .paths_under(dir)
                                .filter(|f| {
                                    let rest = &f[dir.len()..];
                                    !rest.contains('/')
                                        && rest != "index.html"
                                        && !f.ends_with(".pdf")
                                })
                                .filter(|f| !names.contains(f.as_str()))
                                .cloned(),
                        );
                    }
                    removed.extend(
                        files
                            .paths_under("checks/")
                            .filter(|f| wanted.contains(f.as_str()) && !names.contains(f.as_str()))
                            .cloned(),
                    );
                    removed.sort();
                    removed.dedup();
                    drop(names);
                    let written = files.changed(pages);
                    stages
                        .time("· write", || {
                            write::update_in_place(
                                output,
                                &written,
                                splices,
                                &[],
                                None,
                                Some(spares),
                            )
                        })
                        .map_err(BuildError::Write)?;
                    let wrote: Vec<String> = written
                        .into_iter()
                        .map(|(p, _)| p)
                        .chain(splices.iter().map(|s| s.path.clone()))
                        .collect();
                    Ok::<_, BuildError>((site, selected.len(), wrote, removed))
                },
            )
        });
        timings.stages.extend(stages.stages);
        timings.peak_resident.extend(stages.peak_resident);
        let (site, pages, mut wrote, removed) = built?;
        // Then what lists the tables' sizes and hashes: the data package and the manifest.
        let mut info = Vec::new();
        let mut updated = tables.iter().peekable();
        for t in 0..site::data::TABLES.len() {
            if let Some(u) = updated.next_if(|u| u.table == t) {
                info.push(render::data::PackageFile {
                    table: t,
                    bytes: u.size as usize,
                    sha256: u.sha256.clone(),
                });
            } else if let Some(e) = self.files.get(&table_path(t)) {
                info.push(render::data::PackageFile::listed(t, e));
            }
        }
        let out = Collected::default();
        render::render_site_files(&site, &self.theme, &info, &|path: &str, bytes: &[u8]| {
            out.put(path, bytes)
        })
        .map_err(render_err)?;
        drop(site);
        for t in &tables {
            self.files.insert(ManifestEntry {
                path: table_path(t.table),
                size: t.size,
                sha256: t.sha256.clone(),
            });
        }
        let site_files = out.into_files();
        let written = self.files.changed(site_files);
        for f in &removed {
            self.files.remove(f);
        }
        let digest = manifest::digest_of(&self.hashes);
        let manifest = timings.time("manifest", || self.files.manifest(&digest));
        timings
            .time("write", || {
                write::update_in_place(
                    &self.output,
                    &written,
                    &[],
                    &removed,
                    Some(manifest),
                    Some(&self.spares),
                )
            })
            .map_err(BuildError::Write)?;
        wrote.extend(written.into_iter().map(|(p, _)| p));
        self.stale = false;
        Ok(Rebuild {
            records: affected.len(),
            pages,
            written: wrote,
            removed,
            full: false,
            warnings: Vec::new(),
            timings,
        })
    }

    /// Replaces the findings of the `affected` records, keeping the site's order: the
    /// findings are in record order (department, then record), so each record's are one
    /// run, found by binary search and spliced.
    fn recheck(&mut self, affected: &BTreeSet<(usize, usize)>) {
        let content = &self.content;
        let index: BTreeMap<&str, usize> = content
            .departments
            .iter()
            .enumerate()
            .map(|(d, dept)| (dept.slug.as_str(), d))
            .collect();
        let key = |f: &Finding| -> (usize, usize) {
            let d = index
                .get(f.department.as_str())
                .copied()
                .unwrap_or(usize::MAX);
            let r = content.departments.get(d).map_or(usize::MAX, |dept| {
                dept.records
                    .iter()
                    .position(|r| r.year == f.year && r.kind == f.kind)
                    .unwrap_or(usize::MAX)
            });
            (d, r)
        };
        debug_assert!(self.findings.is_sorted_by_key(key));
        for &(d, r) in affected {
            let dept = &content.departments[d];
            let new = check::check_record(&dept.slug, &dept.records[r], self.computed.record(d, r));
            let start = self.findings.partition_point(|f| key(f) < (d, r));
            let len = self.findings[start..].partition_point(|f| key(f) == (d, r));
            self.findings.splice(start..start + len, new);
        }
    }

    /// A full build in place of a rebuild, into the folder this workspace built (its
    /// own: with `--clean`), even if the output link was re-pointed since: the folder it
    /// names now may be another site, which a rebuild must not replace.
    fn full(&mut self) -> Result<Rebuild, BuildError> {
        let opts = BuildOptions {
            clean: true,
            output: self.output.clone(),
            ..self.opts.clone()
        };
        // The new build has its own spares.
        self.spares.clear();
        let (ws, report) = Workspace::open(&opts)?;
        *self = ws;
        Ok(Rebuild {
            records: report.records,
            pages: report.pages,
            written: Vec::new(),
            removed: Vec::new(),
            full: true,
            warnings: report.warnings,
            timings: report.timings,
        })
    }
}
