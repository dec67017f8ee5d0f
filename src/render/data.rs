//! Data files: a record's `data.json` and one CSV per table beside its page, and the
//! site-wide data package (`data/datapackage.json` + one CSV per table across all
//! records). Numbers are decimal strings exactly as `site::data` made them, never floats.
//!
//! A record's CSV files are for people: UTF-8 with a BOM (so Excel reads Chinese), one
//! header row of Chinese titles with units (「预算数（万元）」), CRLF. The mapping from
//! those titles to machine names is in `data.json`, on the site's 开放数据 page and in
//! the data package. A text cell that a spreadsheet would run as a formula (starting
//! with `=`, `+`, `-`, `@`) gets a leading `'`, unless it reads as a number.
//! The package's CSV files are for tools: no BOM, the machine names as header; text cells
//! are defused the same way (a spreadsheet may open them too). `data.json` keeps every
//! text exactly.

use crate::site::data::{Column, KEY_COLUMNS, RecordData, RecordTable, TABLES};
use serde::Serialize;
use std::borrow::Cow;

/// Who a record's data belongs to (the first columns of every package table).
#[derive(Debug, Serialize)]
pub struct RecordMeta<'a> {
    /// Department slug.
    pub department: &'a str,
    /// Department name.
    pub department_name: &'a str,
    /// Fiscal year.
    pub year: i32,
    /// `evaluation` or `targets`.
    pub record: &'static str,
    /// Document title.
    pub title: &'a str,
    /// Report date as printed (YYYY-MM-DD when it was a date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<&'a str>,
    /// Content file it was built from.
    pub source: &'a str,
}

/// Header text of a column in a record's CSV: 「预算数（万元）」.
pub fn human_title(c: &Column) -> String {
    match c.unit {
        Some(u) => format!("{}（{u}）", c.title),
        None => c.title.to_string(),
    }
}

fn writer(buf: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(buf)
}

/// A text cell a spreadsheet would evaluate as a formula is prefixed with `'`; any other
/// cell is the text itself, not a copy.
fn defuse<'a>(col: &Column, v: &'a str) -> Cow<'a, [u8]> {
    let risky = v.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if col.ty == "string" && risky && crate::num::Printed::parse(v).is_none() {
        Cow::Owned(format!("'{v}").into_bytes())
    } else {
        Cow::Borrowed(v.as_bytes())
    }
}

/// A record's CSV file for one table, and where each of its rows ends in it.
fn record_csv_rows(t: &RecordTable) -> (Vec<u8>, Vec<usize>) {
    let mut buf = b"\xEF\xBB\xBF".to_vec();
    let mut ends = Vec::with_capacity(t.rows.len() + 1);
    {
        let mut w = writer(&mut buf);
        // Writing to a Vec cannot fail.
        let _ = w.write_record(t.def.columns.iter().map(human_title));
        let _ = w.flush();
        ends.push(w.get_ref().len());
        for row in &t.rows {
            let _ = w.write_record(
                row.iter()
                    .zip(t.def.columns)
                    .map(|(v, c)| v.as_deref().map(|v| defuse(c, v)).unwrap_or_default()),
            );
            let _ = w.flush();
            ends.push(w.get_ref().len());
        }
    }
    (buf, ends)
}

/// A record's CSV file per table (in the order of `data.tables`), and its rows of every
/// package table (CSV, no header, indexed like `TABLES`). A package row is the record's
/// key columns followed by the bytes of the record file's row: a field is quoted on its
/// own, whatever its neighbours, so each row is encoded once for both.
pub fn record_csvs(meta: &RecordMeta, data: &RecordData) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut package = vec![Vec::new(); TABLES.len()];
    let year = meta.year.to_string();
    let key = [meta.department, meta.department_name, &year, meta.record];
    let mut prefix = Vec::new();
    {
        let mut w = writer(&mut prefix);
        let _ = w.write_record(key.iter().zip(&KEY_COLUMNS).map(|(v, c)| defuse(c, v)));
    }
    // The key fields, then the separator before the row's first field.
    prefix.truncate(prefix.len() - 2);
    prefix.push(b',');
    let files = data
        .tables
        .iter()
        .map(|t| {
            let (file, ends) = record_csv_rows(t);
            let rows = &mut package[t.def.index()];
            // Every table has several columns: the csv crate writes a record of a single
            // empty field as `""`, the one case where a field's bytes depend on the rest.
            debug_assert!(t.def.columns.len() > 1);
            for span in ends.windows(2) {
                rows.extend_from_slice(&prefix);
                rows.extend_from_slice(&file[span[0]..span[1]]);
            }
            file
        })
        .collect();
    (files, package)
}

/// A table's columns as JSON, and (column, `"name":`) in name order.
type JsonColumns = (Vec<u8>, Vec<(usize, Vec<u8>)>);

/// Per table of `TABLES`: its columns as JSON, and the order of their names (`data.json`
/// lists a row's keys in name order, as a JSON object with sorted keys has them) with
/// each name as it is written before its value (`"adjusted":`), escaped once rather
/// than for every row.
fn json_columns() -> &'static [JsonColumns] {
    static COLUMNS: std::sync::OnceLock<Vec<JsonColumns>> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(|| {
        TABLES
            .iter()
            .map(|d| {
                // Through a `Value`: keys sorted, as in the rest of the document.
                let value = serde_json::to_value(d.columns).unwrap_or_default();
                let mut order: Vec<usize> = (0..d.columns.len()).collect();
                // Of two columns with one name, the object keeps the last.
                order.sort_by_key(|&i| (d.columns[i].name, std::cmp::Reverse(i)));
                order.dedup_by_key(|i| d.columns[*i].name);
                let keys = order
                    .into_iter()
                    .map(|c| {
                        let mut key = serde_json::to_vec(d.columns[c].name).unwrap_or_default();
                        key.push(b':');
                        (c, key)
                    })
                    .collect();
                (serde_json::to_vec(&value).unwrap_or_default(), keys)
            })
            .collect()
    })
}

/// A record's `data.json`: one JSON object, keys in sorted order at every level, written
/// straight into the buffer (building it as a `serde_json::Value` first took a tenth of
/// a build's time).
pub fn record_json(meta: &RecordMeta, rounding: &str, data: &RecordData) -> Vec<u8> {
    fn text(out: &mut Vec<u8>, s: &str) {
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
    let cols = json_columns();
    let mut out = Vec::with_capacity(16 * 1024);
    out.extend_from_slice(b"{\"notes\":");
    text(
        &mut out,
        "数值均为十进制字符串；金额按原文照录，核算的比率为百分数，保留两位小数。",
    );
    out.extend_from_slice(b",\"record\":");
    let _ = serde_json::to_writer(&mut out, &serde_json::to_value(meta).unwrap_or_default());
    out.extend_from_slice(b",\"rounding\":");
    text(&mut out, rounding);
    out.extend_from_slice(b",\"tables\":[");
    for (n, t) in data.tables.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let (columns, order) = &cols[t.def.index()];
        out.extend_from_slice(b"{\"columns\":");
        out.extend_from_slice(columns);
        out.extend_from_slice(b",\"csv\":");
        text(&mut out, &format!("{}.csv", t.def.name));
        out.extend_from_slice(b",\"name\":");
        text(&mut out, t.def.name);
        out.extend_from_slice(b",\"rows\":[");
        for (r, row) in t.rows.iter().enumerate() {
            if r > 0 {
                out.push(b',');
            }
            out.push(b'{');
            for (k, (c, key)) in order.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(key);
                match row.get(*c).and_then(Option::as_deref) {
                    Some(v) => text(&mut out, v),
                    None => out.extend_from_slice(b"null"),
                }
            }
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"title\":");
        text(&mut out, t.def.title);
        out.push(b'}');
    }
    out.extend_from_slice(
        "],\"units\":{\"amount\":\"万元\",\"currency\":\"CNY\",\"factor\":10000,\"rate\":\"%\",\"score\":\"分\"},\"version\":1}\n"
            .as_bytes(),
    );
    out
}

/// A package table's CSV: the header and every record's rows.
pub fn package_csv<'a>(table: usize, rows: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut buf = package_header(table);
    for r in rows {
        buf.extend_from_slice(r);
    }
    buf
}

/// A package table's header line.
pub fn package_header(table: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    {
        let mut w = writer(&mut buf);
        let _ = w.write_record(
            KEY_COLUMNS
                .iter()
                .chain(TABLES[table].columns)
                .map(|c| c.name),
        );
        let _ = w.flush();
    }
    buf
}

/// A written package CSV: its table index, size and SHA-256.
pub struct PackageFile {
    /// Index into `TABLES`.
    pub table: usize,
    /// Bytes.
    pub bytes: usize,
    /// SHA-256, hex.
    pub sha256: String,
}

impl PackageFile {
    /// Table `table`'s CSV as its manifest entry lists it.
    pub fn listed(table: usize, entry: &crate::manifest::ManifestEntry) -> PackageFile {
        PackageFile {
            table,
            bytes: entry.size as usize,
            sha256: entry.sha256.clone(),
        }
    }
}

/// `data/datapackage.json`: a Frictionless Data Package with the Fiscal Data Package
/// model (measures in CNY with factor 10000 and their budget phase; department and
/// fiscal-year dimensions).
pub fn datapackage_json(
    title: &str,
    description: Option<&str>,
    years: Option<(i32, i32)>,
    files: &[PackageFile],
) -> Vec<u8> {
    use serde_json::{Map, Value, json};
    let field = |c: &Column| {
        let mut f = Map::new();
        f.insert("name".into(), c.name.into());
        f.insert("title".into(), c.title.into());
        f.insert("type".into(), c.ty.into());
        if c.ty == "number" {
            f.insert("bareNumber".into(), true.into());
        }
        if let Some(u) = c.unit {
            f.insert("unit".into(), u.into());
        }
        Value::Object(f)
    };
    let mut measures = Map::new();
    let resources: Vec<Value> = files
        .iter()
        .map(|pf| {
            let t = &TABLES[pf.table];
            for c in t.columns.iter().filter(|c| c.unit == Some("万元")) {
                let mut m = Map::new();
                m.insert("resource".into(), t.name.into());
                m.insert("source".into(), c.name.into());
                m.insert("title".into(), format!("{} · {}", t.title, c.title).into());
                m.insert("currency".into(), "CNY".into());
                m.insert("factor".into(), 10000.into());
                let direction = if t.name == "income" {
                    "revenue"
                } else {
                    "expenditure"
                };
                m.insert("direction".into(), direction.into());
                if let Some(p) = c.phase {
                    m.insert("phase".into(), p.into());
                }
                measures.insert(format!("{}_{}", t.name, c.name), Value::Object(m));
            }
            json!({
                "name": t.name,
                "title": t.title,
                "path": format!("{}.csv", t.name),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": pf.bytes,
                "hash": format!("sha256:{}", pf.sha256),
                "dialect": { "delimiter": ",", "lineTerminator": "\r\n", "header": true },
                "schema": {
                    "fields": KEY_COLUMNS.iter().chain(t.columns).map(field).collect::<Vec<_>>(),
                    "missingValues": [""],
                },
            })
        })
        .collect();
    let mut dimensions = Map::new();
    for (name, attrs, key, ty) in [
        (
            "department",
            json!({ "code": { "source": "department" }, "name": { "source": "department_name", "labelfor": "code" } }),
            "code",
            "entity",
        ),
        (
            "fiscal_year",
            json!({ "year": { "source": "year" } }),
            "year",
            "datetime",
        ),
        (
            "record",
            json!({ "kind": { "source": "record" } }),
            "kind",
            "other",
        ),
    ] {
        dimensions.insert(
            name.into(),
            json!({ "attributes": attrs, "primaryKey": key, "dimensionType": ty }),
        );
    }
    let mut doc = json!({
        "name": "gongkai-open-data",
        "title": title,
        "countryCode": "CN",
        "granularity": "aggregated",
        "resources": resources,
        "model": { "measures": measures, "dimensions": dimensions },
    });
    if let Some(d) = description {
        doc["description"] = d.into();
    }
    if let Some((a, b)) = years {
        // 中国财政年度为公历年度 (the Chinese fiscal year is the calendar year).
        doc["fiscalPeriod"] = json!({ "start": format!("{a}-01-01"), "end": format!("{b}-12-31") });
        doc["fiscalPeriods"] = (a..=b)
            .map(|y| json!({ "year": y, "start": format!("{y}-01-01"), "end": format!("{y}-12-31") }))
            .collect::<Vec<_>>()
            .into();
    }
    let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::data::table_def;

    /// A record's CSV file for one table, alone (pages get theirs from `record_csvs`).
    fn record_csv(t: &RecordTable) -> Vec<u8> {
        record_csv_rows(t).0
    }

    /// The package rows written field by field, as before `record_csvs` shared the
    /// record files' bytes: the reference it must equal.
    fn package_rows(meta: &RecordMeta, data: &RecordData) -> Vec<Vec<u8>> {
        let mut out = vec![Vec::new(); TABLES.len()];
        let year = meta.year.to_string();
        for t in &data.tables {
            let mut w = writer(&mut out[t.def.index()]);
            let key = [meta.department, meta.department_name, &year, meta.record];
            for row in &t.rows {
                let _ =
                    w.write_record(
                        key.iter()
                            .zip(&KEY_COLUMNS)
                            .map(|(v, c)| defuse(c, v))
                            .chain(row.iter().zip(t.def.columns).map(|(v, c)| {
                                v.as_deref().map(|v| defuse(c, v)).unwrap_or_default()
                            })),
                    );
            }
            let _ = w.flush();
        }
        out
    }

    #[test]
    fn package_rows_are_the_record_rows_after_the_key() {
        let cell = |s: &str| Some(s.to_string());
        let mut tricky = vec![None; 12];
        tricky[0] = cell("=HYPERLINK(\"x\")");
        tricky[1] = cell("10");
        tricky[5] = cell("-12.5%");
        tricky[10] = cell("两行\n文字");
        tricky[11] = cell("增加, \"原因\"");
        let mut tables = Vec::new();
        for def in TABLES {
            let n = def.columns.len();
            tables.push(RecordTable {
                def,
                rows: vec![
                    vec![None; n],
                    (0..n).map(|i| cell(&format!("{i}"))).collect(),
                    tricky.iter().cloned().cycle().take(n).collect(),
                    vec![cell(""); n],
                ],
            });
        }
        let data = RecordData { tables };
        let meta = RecordMeta {
            department: "=dept",
            department_name: "某局, \"甲\"",
            year: 2023,
            record: "evaluation",
            title: "t",
            date: None,
            source: "s",
        };
        let (files, package) = record_csvs(&meta, &data);
        assert_eq!(package, package_rows(&meta, &data));
        for (t, f) in data.tables.iter().zip(&files) {
            assert_eq!(f, &record_csv(t));
        }
    }

    #[test]
    fn record_csv_has_bom_chinese_header_and_defused_formulas() {
        let t = RecordTable {
            def: table_def("three_public").unwrap(),
            rows: vec![{
                let mut r = vec![None; 12];
                r[0] = Some("=HYPERLINK(\"x\")".into());
                r[1] = Some("10".into());
                r[5] = Some("-12.5%".into());
                r[11] = Some("增加, \"原因\"".into());
                r
            }],
        };
        let csv = String::from_utf8(record_csv(&t)).unwrap();
        assert!(csv.starts_with("\u{feff}项目,预算数（万元）,决算数（万元）"));
        let row = csv.lines().nth(1).unwrap();
        assert!(
            row.starts_with("\"'=HYPERLINK(\"\"x\"\")\",10,,,,-12.5%,"),
            "{row}"
        );
        assert!(row.ends_with("\"增加, \"\"原因\"\"\""), "{row}");
        assert!(csv.contains("\r\n"));
    }
}
