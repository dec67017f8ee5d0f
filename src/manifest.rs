//! `manifest.json`: what an archivist needs to prove a published folder unchanged years
//! later — every file with its size and SHA-256, the gongkai version that wrote it and a
//! digest of the content it was built from — and `verify`, which checks a folder
//! against it.
//!
//! The file is JSON with one file entry per line, so that two manifests diff cleanly:
//!
//! ```json
//! {"version":1,"generator":"gongkai 0.1.0","content_sha256":"…","files":[
//! {"path":"assets/style.css","size":1234,"sha256":"…"},
//! …
//! ]}
//! ```

use crate::model::Content;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// The manifest's file name at the output root.
pub const FILE: &str = "manifest.json";

/// One file of a published folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Path relative to the folder, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// A published folder's manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version (1).
    pub version: u32,
    /// `gongkai <version>`.
    pub generator: String,
    /// SHA-256 over the content files the site was built from (see [`content_digest`]).
    pub content_sha256: String,
    /// Every file but the manifest itself, sorted by path.
    pub files: Vec<ManifestEntry>,
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// SHA-256 of every content file as loaded (`site.toml`, each `department.toml`, each
/// record), by path.
pub fn content_hashes(content: &Content) -> BTreeMap<String, String> {
    use rayon::prelude::*;
    let mut files: Vec<(&str, &str)> = Vec::new();
    if let Some(s) = &content.site_source {
        files.push((&s.path, &s.text));
    }
    for d in &content.departments {
        files.push((&d.source.path, &d.source.text));
        for r in &d.records {
            files.push((&r.source.path, &r.source.text));
        }
    }
    files
        .par_iter()
        .map(|(p, t)| (p.to_string(), sha256_hex(t.as_bytes())))
        .collect()
}

/// The SHA-256 of a department's files (its `department.toml` and its records), by path.
pub fn department_hashes(d: &crate::model::Department) -> Vec<(String, String)> {
    std::iter::once(&d.source)
        .chain(d.records.iter().map(|r| &r.source))
        .map(|s| (s.path.clone(), sha256_hex(s.text.as_bytes())))
        .collect()
}

/// The content's digest: the SHA-256 of its `sha256sum`-style listing (one line per file,
/// `<sha256>  <path>`, in path order), so that it can be recomputed from the listing.
pub fn digest_of(hashes: &BTreeMap<String, String>) -> String {
    let mut listing = String::with_capacity(hashes.len() * 100);
    for (path, h) in hashes {
        listing.push_str(h);
        listing.push_str("  ");
        listing.push_str(path);
        listing.push('\n');
    }
    sha256_hex(listing.as_bytes())
}

/// The content's digest (see [`digest_of`]).
pub fn content_digest(content: &Content) -> String {
    digest_of(&content_hashes(content))
}

/// Writes the bytes of a manifest of `files` (sorted by path) to `out`, which should be
/// buffered.
pub fn write_listing<'a>(
    out: &mut impl std::io::Write,
    content_sha256: &str,
    files: impl ExactSizeIterator<Item = &'a ManifestEntry>,
) -> std::io::Result<()> {
    write_head(out, content_sha256)?;
    let n = files.len();
    for (i, f) in files.enumerate() {
        serde_json::to_writer(&mut *out, f)?;
        out.write_all(separator(i, n))?;
    }
    out.write_all(b"]}\n")
}

/// Writes into `out` (cleared first, its memory kept for the next time) the bytes of a
/// manifest whose file entries are `lines` (each [`entry_line`]), sorted by path.
pub fn listing_of_lines<'a>(
    out: &mut Vec<u8>,
    content_sha256: &str,
    lines: impl ExactSizeIterator<Item = &'a [u8]>,
) {
    let n = lines.len();
    out.clear();
    // Writing into a vector cannot fail.
    let _ = write_head(out, content_sha256);
    for (i, l) in lines.enumerate() {
        out.extend_from_slice(l);
        out.extend_from_slice(separator(i, n));
    }
    out.extend_from_slice(b"]}\n");
}

/// A file entry as the manifest lists it.
pub fn entry_line(e: &ManifestEntry) -> Vec<u8> {
    serde_json::to_vec(e).unwrap_or_default()
}

fn write_head(out: &mut impl std::io::Write, content_sha256: &str) -> std::io::Result<()> {
    let head = serde_json::json!({
        "version": 1,
        "generator": format!("gongkai {}", env!("CARGO_PKG_VERSION")),
        "content_sha256": content_sha256,
    })
    .to_string();
    out.write_all(head.trim_end_matches('}').as_bytes())?;
    out.write_all(b",\"files\":[\n")
}

fn separator(i: usize, n: usize) -> &'static [u8] {
    if i + 1 < n { b",\n" } else { b"\n" }
}

impl Manifest {
    /// A manifest of `files` (sorted by path) written by this gongkai.
    pub fn new(content_sha256: &str, files: Vec<ManifestEntry>) -> Manifest {
        Manifest {
            version: 1,
            generator: format!("gongkai {}", env!("CARGO_PKG_VERSION")),
            content_sha256: content_sha256.to_string(),
            files,
        }
    }

    /// The manifest's bytes: JSON, one file entry per line.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(120 * self.files.len() + 200);
        // Writing into a vector cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    /// Writes the manifest (the bytes of [`Manifest::to_bytes`]) to `out`, which should
    /// be buffered: a province's manifest lists 180,000 files, about 25 MB.
    pub fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        write_listing(out, &self.content_sha256, self.files.iter())
    }

    /// Reads `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest, String> {
        let path = dir.join(FILE);
        let bytes = std::fs::read(&path)
            .map_err(|e| format!("无法读取 {} (cannot read): {e}", path.display()))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{} 不是有效的清单 (not a valid manifest): {e}",
                path.display()
            )
        })
    }
}

/// The files of a built folder besides its manifest, in name order: each one's path
/// relative to `dir` (`/`-separated) and its full path. Sub-folders are left out, and so
/// is the folder itself, even when it is a link to one.
pub fn files_under(
    dir: &Path,
) -> impl Iterator<Item = Result<(String, std::path::PathBuf), walkdir::Error>> + '_ {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(move |entry| match entry {
            Err(e) => Some(Err(e)),
            Ok(e) if e.depth() == 0 || e.file_type().is_dir() => None,
            Ok(e) => {
                let rel = crate::write::relative(dir, e.path());
                (rel != FILE).then(|| Ok((rel, e.into_path())))
            }
        })
}

/// Re-lists every file of `dir` in its manifest, keeping the content digest: for
/// commands that add to a built site (`gongkai pdf` adds PDFs and their links).
pub fn refresh(dir: &Path) -> Result<(), String> {
    let old = Manifest::read(dir)?;
    let mut files = Vec::new();
    for entry in files_under(dir) {
        let (rel, path) =
            entry.map_err(|e| format!("无法读取 (cannot read) {}: {e}", dir.display()))?;
        let bytes = std::fs::read(&path).map_err(|e| format!("{rel}: {e}"))?;
        files.push(ManifestEntry {
            path: rel,
            size: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        });
    }
    let m = Manifest::new(&old.content_sha256, files);
    crate::write::file_atomic(&dir.join(FILE), &m.to_bytes()).map_err(|e| e.0)
}

/// What `verify` found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Files listed and present.
    pub checked: usize,
    /// Files whose size or SHA-256 differ.
    pub changed: Vec<String>,
    /// Files listed but absent.
    pub missing: Vec<String>,
    /// Files present but not listed.
    pub extra: Vec<String>,
}

impl VerifyReport {
    /// Whether the folder matches its manifest exactly.
    pub fn ok(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }
}

/// Checks `dir` against its `manifest.json`: every listed file present with the same size
/// and SHA-256, and no other file.
pub fn verify(dir: &Path) -> Result<VerifyReport, String> {
    let manifest = Manifest::read(dir)?;
    let mut present: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    for entry in files_under(dir) {
        let (rel, path) =
            entry.map_err(|e| format!("无法读取 (cannot read) {}: {e}", dir.display()))?;
        present.insert(rel, path);
    }
    let mut report = VerifyReport::default();
    for f in &manifest.files {
        match present.remove(&f.path) {
            None => report.missing.push(f.path.clone()),
            Some(p) => {
                report.checked += 1;
                let same = std::fs::read(&p)
                    .map(|b| b.len() as u64 == f.size && sha256_hex(&b) == f.sha256)
                    .unwrap_or(false);
                if !same {
                    report.changed.push(f.path.clone());
                }
            }
        }
    }
    report.extra = present.into_keys().collect();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_one_entry_per_line() {
        let m = Manifest::new(
            "ab",
            vec![
                ManifestEntry {
                    path: "a.html".into(),
                    size: 3,
                    sha256: sha256_hex(b"abc"),
                },
                ManifestEntry {
                    path: "b/c.csv".into(),
                    size: 0,
                    sha256: sha256_hex(b""),
                },
            ],
        );
        let bytes = m.to_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(text.lines().count(), 4, "{text}");
        let back: Manifest = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back.files, m.files);
        assert_eq!(
            back.files[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
