//! The data package as a rebuild keeps it: every record's rows for every table, in the
//! order of the site's pages, with, before each record's rows, the table's byte offset and
//! its SHA-256 state there. After an edit, a table is hashed again and written again only
//! from the first record whose rows changed: its start in a province's 128 MB
//! `figures.csv` is kept as the file the output has, neither hashed nor written again.

use crate::render::data::package_header;
use crate::site::data::TABLES;
use crate::write::Splice;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A table's CSV up to a record: its SHA-256 state and length.
#[derive(Clone)]
pub(super) struct Mark {
    hash: Sha256,
    offset: u64,
}

impl Mark {
    /// The mark of a table written so far with `hash` state and `offset` bytes.
    pub fn new(hash: Sha256, offset: u64) -> Mark {
        Mark { hash, offset }
    }
}

/// See the module documentation.
pub(super) struct Package {
    headers: Vec<Vec<u8>>,
    /// Record page path → position in `rows`.
    position: BTreeMap<String, usize>,
    /// Each record's rows, one byte string per table, in page order.
    rows: Vec<Vec<Vec<u8>>>,
    /// Per table: the mark before each record's rows, then the mark at the end
    /// (`rows.len() + 1` marks).
    marks: Vec<Vec<Mark>>,
    /// Per table: the first position whose rows changed since the last `update`.
    dirty: Vec<Option<usize>>,
}

/// A table's CSV after an update: its size and SHA-256 (hex).
pub(super) struct Table {
    pub table: usize,
    pub size: u64,
    pub sha256: String,
}

impl Package {
    /// The package of `rows` (record page path → rows), in the order of `pages`.
    #[cfg(test)]
    pub fn new<'p>(
        pages: impl Iterator<Item = &'p str>,
        mut rows: BTreeMap<String, Vec<Vec<u8>>>,
    ) -> Package {
        let mut ordered = Vec::with_capacity(rows.len());
        for path in pages {
            if let Some(r) = rows.remove_entry(path) {
                ordered.push(r);
            }
        }
        let mut p = Package::assemble(ordered, vec![Vec::new(); TABLES.len()]);
        p.update();
        p
    }

    /// The package of `rows` (record page path and rows, in page order) as a build
    /// wrote it: `marks[t]` holds table `t`'s mark before each record's rows, then its
    /// mark at the end, taken from the hash the build computed while it wrote the table.
    /// Nothing is hashed again.
    pub fn written(rows: Vec<(String, Vec<Vec<u8>>)>, marks: Vec<Vec<Mark>>) -> Package {
        debug_assert!(marks.iter().all(|m| m.len() == rows.len() + 1));
        Package::assemble(rows, marks)
    }

    fn assemble(rows: Vec<(String, Vec<Vec<u8>>)>, marks: Vec<Vec<Mark>>) -> Package {
        let complete = marks.iter().all(|m| m.len() == rows.len() + 1);
        let mut position = BTreeMap::new();
        let mut ordered = Vec::with_capacity(rows.len());
        for (path, r) in rows {
            position.insert(path, ordered.len());
            ordered.push(r);
        }
        Package {
            marks,
            // Marks that do not cover every record are computed by the next update.
            dirty: vec![(!complete).then_some(0); TABLES.len()],
            headers: (0..TABLES.len()).map(package_header).collect(),
            position,
            rows: ordered,
        }
    }

    /// Replaces the rows of the record page at `path`. Returns false when the package
    /// has no such record.
    pub fn replace(&mut self, path: &str, rows: Vec<Vec<u8>>) -> bool {
        let Some(&at) = self.position.get(path) else {
            return false;
        };
        for (t, dirty) in self.dirty.iter_mut().enumerate() {
            if self.rows[at].get(t) != rows.get(t) {
                *dirty = Some(dirty.map_or(at, |d| d.min(at)));
            }
        }
        self.rows[at] = rows;
        true
    }

    /// Hashes the changed tables again from their first changed record; returns their
    /// sizes and hashes, and clears the changes (rebuilds call
    /// [`Package::update_writing`], which also writes them).
    #[cfg(test)]
    pub fn update(&mut self) -> Vec<Table> {
        let dirty = std::mem::replace(&mut self.dirty, vec![None; TABLES.len()]);
        hash(&mut self.marks, &self.rows, &self.headers, &dirty)
    }

    /// As [`Package::update`], and meanwhile (on another thread) calls `write` with the
    /// changed tables' files as splices of the files the output has: table `t` at
    /// `path(t)`, `old_size(t)` bytes long before the update. A file's bytes do not
    /// depend on its hash, so it is written while it is hashed. Hashing a province's
    /// `figures.csv` from its first record is most of a rebuild's time: `write` does the
    /// rest of the rebuild meanwhile (the site, the pages, writing them).
    pub fn update_writing<R: Send>(
        &mut self,
        path: impl Fn(usize) -> String,
        old_size: impl Fn(usize) -> u64,
        write: impl FnOnce(&[Splice]) -> R + Send,
    ) -> (Vec<Table>, R) {
        let dirty = std::mem::replace(&mut self.dirty, vec![None; TABLES.len()]);
        let (marks, rows, headers) = (&mut self.marks, &self.rows, &self.headers);
        let splices: Vec<Splice> = dirty
            .iter()
            .enumerate()
            .filter_map(|(t, from)| {
                let from = (*from)?;
                let mut parts: Vec<&[u8]> = Vec::with_capacity(rows.len() + 1);
                parts.push(&headers[t]);
                parts.extend(rows.iter().map(|r| row(r, t)));
                Some(Splice {
                    path: path(t),
                    old_size: old_size(t),
                    // The marks up to `from` stay as they are.
                    keep: marks[t].get(from).map_or(0, |m| m.offset),
                    parts,
                })
            })
            .collect();
        rayon::join(|| hash(marks, rows, headers, &dirty), || write(&splices))
    }
}

/// Record `r`'s rows of table `t`.
fn row(r: &[Vec<u8>], t: usize) -> &[u8] {
    r.get(t).map_or(&[][..], |b| b.as_slice())
}

/// Hashes each table `t` whose `dirty[t]` is a record, from that record on.
fn hash(
    marks: &mut [Vec<Mark>],
    rows: &[Vec<Vec<u8>>],
    headers: &[Vec<u8>],
    dirty: &[Option<usize>],
) -> Vec<Table> {
    marks
        .par_iter_mut()
        .enumerate()
        .filter_map(|(t, marks)| {
            let from = dirty[t]?;
            if marks.len() != rows.len() + 1 {
                let mut hash = Sha256::new();
                hash.update(&headers[t]);
                *marks = vec![
                    Mark {
                        hash,
                        offset: headers[t].len() as u64,
                    };
                    rows.len() + 1
                ];
            }
            let mut mark = marks[from].clone();
            for (i, r) in rows.iter().enumerate().skip(from) {
                marks[i] = mark.clone();
                let bytes = row(r, t);
                mark.hash.update(bytes);
                mark.offset += bytes.len() as u64;
            }
            marks[rows.len()] = mark.clone();
            Some(Table {
                table: t,
                size: mark.offset,
                sha256: crate::manifest::hex(&mark.hash.finalize()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::data::package_csv;

    fn rows(seed: u8, records: usize) -> Vec<Vec<Vec<u8>>> {
        (0..records)
            .map(|r| {
                (0..TABLES.len())
                    .map(|t| {
                        let n = (r * 7 + t * 3 + seed as usize) % 5;
                        (0..n)
                            .map(|i| format!("{seed},{r},{t},{i}\n"))
                            .collect::<String>()
                            .into_bytes()
                    })
                    .collect()
            })
            .collect()
    }

    fn package(rows: &[Vec<Vec<u8>>]) -> Package {
        let paths: Vec<String> = (0..rows.len()).map(|r| format!("p{r:03}")).collect();
        let map = paths.iter().cloned().zip(rows.iter().cloned()).collect();
        Package::new(paths.iter().map(String::as_str), map)
    }

    /// A package as a build hands it over (the marks taken while the tables were
    /// written) is the package hashed from scratch, and updates alike after an edit.
    #[test]
    fn a_written_package_is_not_hashed_again_and_equals_a_hashed_one() {
        let before = rows(3, 7);
        let mut hashed = package(&before);
        let mut tables: Vec<(Sha256, u64)> = (0..TABLES.len())
            .map(|t| {
                let header = package_header(t);
                (Sha256::new_with_prefix(&header), header.len() as u64)
            })
            .collect();
        let mut marks = vec![Vec::new(); TABLES.len()];
        for r in &before {
            for (t, (hash, size)) in tables.iter_mut().enumerate() {
                marks[t].push(Mark::new(hash.clone(), *size));
                hash.update(&r[t]);
                *size += r[t].len() as u64;
            }
        }
        for (t, (hash, size)) in tables.into_iter().enumerate() {
            marks[t].push(Mark::new(hash, size));
        }
        let named = before
            .iter()
            .enumerate()
            .map(|(r, rows)| (format!("p{r:03}"), rows.clone()))
            .collect();
        let mut written = Package::written(named, marks);
        assert!(written.update().is_empty(), "nothing to hash");
        for t in 0..TABLES.len() {
            let (a, b) = (&hashed.marks[t], &written.marks[t]);
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                assert_eq!(x.offset, y.offset);
                assert_eq!(x.hash.clone().finalize(), y.hash.clone().finalize());
            }
        }
        let edited = rows(4, 7)[2].clone();
        assert!(hashed.replace("p002", edited.clone()));
        assert!(written.replace("p002", edited));
        let (a, b) = (hashed.update(), written.update());
        assert!(!a.is_empty());
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!((x.table, x.size, &x.sha256), (y.table, y.size, &y.sha256));
        }
    }

    fn csv(rows: &[Vec<Vec<u8>>], t: usize) -> Vec<u8> {
        package_csv(t, rows.iter().map(|r| r[t].as_slice()))
    }

    #[test]
    fn an_edit_rehashes_and_splices_from_the_changed_record() {
        an_edit_is_spliced(false);
    }

    #[test]
    fn an_edit_is_spliced_through_spares() {
        an_edit_is_spliced(true);
    }

    /// With `spared`, the tables are written through spares prepared from the output.
    fn an_edit_is_spliced(spared: bool) {
        let before = rows(1, 9);
        let mut p = package(&before);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        for t in 0..TABLES.len() {
            std::fs::write(dir.path().join(format!("data/{t}.csv")), csv(&before, t)).unwrap();
        }
        // Record 5's rows change in some tables (longer, shorter or gone).
        let mut after = before.clone();
        after[5] = rows(2, 9)[5].clone();
        assert!(p.replace("p005", after[5].clone()));
        assert!(!p.replace("nowhere", Vec::new()));
        let spares = spared.then(|| {
            let paths: Vec<String> = (0..TABLES.len()).map(|t| format!("data/{t}.csv")).collect();
            crate::write::Spares::prepare(&crate::write::OutputDir::new(dir.path()), &paths)
        });
        let changed: Vec<usize> = (0..TABLES.len())
            .filter(|&t| before[5][t] != after[5][t])
            .collect();
        assert!(!changed.is_empty());
        // One file is not what the output should have: written whole instead.
        std::fs::write(dir.path().join(format!("data/{}.csv", changed[0])), b"x").unwrap();
        let (tables, written) = p.update_writing(
            |t| format!("data/{t}.csv"),
            |t| csv(&before, t).len() as u64,
            |splices| {
                crate::write::update_in_place(dir.path(), &[], splices, &[], None, spares.as_ref())
                    .unwrap();
                splices.iter().map(|s| s.path.clone()).collect::<Vec<_>>()
            },
        );
        assert_eq!(tables.iter().map(|t| t.table).collect::<Vec<_>>(), changed);
        let paths: Vec<String> = changed.iter().map(|t| format!("data/{t}.csv")).collect();
        assert_eq!(written, paths);
        for t in &tables {
            let want = csv(&after, t.table);
            assert_eq!(t.size, want.len() as u64);
            assert_eq!(t.sha256, crate::manifest::sha256_hex(&want));
        }
        for t in 0..TABLES.len() {
            let got = std::fs::read(dir.path().join(format!("data/{t}.csv"))).unwrap();
            assert_eq!(got, csv(&after, t), "table {t}");
        }
        // Nothing changed since: no table to update.
        assert!(p.update().is_empty());
    }
}
