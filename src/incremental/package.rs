//! The data package as a rebuild keeps it: every record's rows for every table, in the
//! order of the site's pages, with, before each record's rows, the table's byte offset and
//! its SHA-256 state there. After an edit, a table is hashed again and written again only
//! from the first record whose rows changed: its start in a province's 128 MB
//! `figures.csv` is copied from the file the output has.

use crate::render::data::package_header;
use crate::site::data::TABLES;
use crate::write::Splice;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A table's CSV up to a record: its SHA-256 state and length.
#[derive(Clone)]
struct Mark {
    hash: Sha256,
    offset: u64,
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

/// A table's CSV after an update: its size and SHA-256 (hex), and the first record
/// whose rows changed.
pub(super) struct Table {
    pub table: usize,
    pub size: u64,
    pub sha256: String,
    from: usize,
}

impl Package {
    /// The package of `rows` (record page path → rows), in the order of `pages`.
    pub fn new<'p>(
        pages: impl Iterator<Item = &'p str>,
        mut rows: BTreeMap<String, Vec<Vec<u8>>>,
    ) -> Package {
        let mut position = BTreeMap::new();
        let mut ordered = Vec::with_capacity(rows.len());
        for path in pages {
            if let Some((path, r)) = rows.remove_entry(path) {
                position.insert(path, ordered.len());
                ordered.push(r);
            }
        }
        let headers: Vec<Vec<u8>> = (0..TABLES.len()).map(package_header).collect();
        let mut p = Package {
            marks: vec![Vec::new(); TABLES.len()],
            dirty: vec![Some(0); TABLES.len()],
            headers,
            position,
            rows: ordered,
        };
        p.update();
        p
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
    /// sizes and hashes, and clears the changes.
    pub fn update(&mut self) -> Vec<Table> {
        let (rows, headers) = (&self.rows, &self.headers);
        let dirty = std::mem::replace(&mut self.dirty, vec![None; TABLES.len()]);
        self.marks
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
                    let bytes = r.get(t).map_or(&[][..], |b| b.as_slice());
                    mark.hash.update(bytes);
                    mark.offset += bytes.len() as u64;
                }
                marks[rows.len()] = mark.clone();
                Some(Table {
                    table: t,
                    size: mark.offset,
                    sha256: crate::manifest::hex(&mark.hash.finalize()),
                    from,
                })
            })
            .collect()
    }

    /// Table `table.table`'s file as a splice of the file the output has (`old_size`
    /// bytes, as the package was before the update that returned `table`) with the rows
    /// from its first changed record on.
    pub fn splice(&self, table: &Table, path: String, old_size: u64) -> Splice<'_> {
        let t = table.table;
        let mut parts: Vec<&[u8]> = Vec::with_capacity(self.rows.len() + 1);
        parts.push(&self.headers[t]);
        parts.extend(
            self.rows
                .iter()
                .map(|r| r.get(t).map_or(&[][..], |b| b.as_slice())),
        );
        Splice {
            path,
            old_size,
            keep: self.marks[t][table.from].offset,
            keep_parts: table.from + 1,
            parts,
        }
    }
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

    fn csv(rows: &[Vec<Vec<u8>>], t: usize) -> Vec<u8> {
        package_csv(t, rows.iter().map(|r| r[t].as_slice()))
    }

    #[test]
    fn an_edit_rehashes_and_splices_from_the_changed_record() {
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
        let tables = p.update();
        let changed: Vec<usize> = (0..TABLES.len())
            .filter(|&t| before[5][t] != after[5][t])
            .collect();
        assert!(!changed.is_empty());
        assert_eq!(tables.iter().map(|t| t.table).collect::<Vec<_>>(), changed);
        let splices: Vec<_> = tables
            .iter()
            .map(|t| {
                let old = csv(&before, t.table).len() as u64;
                p.splice(t, format!("data/{}.csv", t.table), old)
            })
            .collect();
        for t in &tables {
            let want = csv(&after, t.table);
            assert_eq!(t.size, want.len() as u64);
            assert_eq!(t.sha256, crate::manifest::sha256_hex(&want));
        }
        // One file is not what the output should have: written whole instead.
        std::fs::write(dir.path().join(format!("data/{}.csv", changed[0])), b"x").unwrap();
        crate::write::update_in_place(dir.path(), &[], &splices, &[], b"{}").unwrap();
        for t in 0..TABLES.len() {
            let got = std::fs::read(dir.path().join(format!("data/{t}.csv"))).unwrap();
            assert_eq!(got, csv(&after, t), "table {t}");
        }
        // Nothing changed since: no table to update.
        assert!(p.update().is_empty());
    }
}
