//! The quick way through a well-formed file.
//!
//! `toml` reads a document by first listing every parser event, then building a tree of
//! sorted maps with a span on every key and value, and only then deserializing: on the
//! bundled workloads that is half of `gongkai check`. Here the parser events are built
//! straight into a small tree of borrowed text, which is deserialized the way `toml`'s
//! own deserializer does it: same visitor calls, same spans, same datetimes, a map's keys
//! in the same sorted order. Only a struct's keys come as written, unsorted: a derived
//! struct's value does not depend on their order. The events come from one hand-written
//! pass over the bytes (`scan`) for files in the usual shape, and otherwise from
//! `toml_parser`'s lexer and parser (the ones `toml` uses), which give the same events.
//!
//! This path only ever answers "here is the value" or "not here". Any syntax error, any
//! wrong type, any key or table defined twice, and the few valid constructs it leaves
//! alone (`[a]` after `[a.b]`, a header that passes through a table made by dotted keys,
//! a table with more than [`MAX_KEYS`] keys, an enum variant written as a table) give
//! `None`; the caller then reads the file with `toml`, which reports every problem with
//! its position. So a file this path accepts is one `toml` accepts with the same value:
//! `tests` below hold the shortcuts to `toml_parser`'s decoder, and `tests/fast_toml.rs`
//! compares the two readers on every bundled and fixture file, on each of TOML's table
//! rules, and on random and mutated documents.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use toml_parser::decoder::{Encoding, ScalarKind};
use toml_parser::parser::EventReceiver;
use toml_parser::{ErrorSink, ParseError, Raw, Source, Span};

mod scan;

/// Nesting of arrays and inline tables, as `toml` limits it.
const DEPTH_LIMIT: usize = 80;
/// Keys in a dotted key or a header: `toml` refuses 80; this path leaves long ones to it.
const MAX_PATH: usize = 32;
/// Keys in one table. Keys are found by a linear search, so a table with many keys is
/// left to `toml`'s maps rather than read in quadratic time.
pub const MAX_KEYS: usize = 256;

/// `T` read from `text`, or `None` when `text` should be read by `toml` instead.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    let root = parse(text)?;
    T::deserialize(Item {
        // As `toml`: the document's own span is empty.
        span: 0..0,
        value: Value::Table(root),
    })
    .ok()
}

/// A file read by the quick path, kept to look into (see [`Tree::array_len`]).
pub struct Tree<'i>(Table<'i>);

impl<'i> Tree<'i> {
    /// The tree of `text`, or `None` when `text` should be read by `toml` instead.
    pub fn parse(text: &'i str) -> Option<Self> {
        parse(text).map(Tree)
    }

    /// Number of elements of the array at `path` (0 when there is none).
    pub fn array_len(&self, path: &[super::validate::Seg]) -> usize {
        use super::validate::Seg;
        let mut value = None::<&Value>;
        for seg in path {
            let next = match (seg, value) {
                (Seg::Key(k), None) => self.0.get(k),
                (Seg::Key(k), Some(Value::Table(t))) => t.get(k),
                (Seg::Index(i), Some(Value::Array(items, _))) => items.get(*i),
                _ => None,
            };
            match next {
                Some(item) => value = Some(&item.value),
                None => return 0,
            }
        }
        match value {
            Some(Value::Array(items, _)) => items.len(),
            _ => 0,
        }
    }
}

/// A value of the tree; strings and numbers borrow the file's text unless escapes had to
/// be decoded.
#[derive(Debug)]
enum Value<'i> {
    String(Cow<'i, str>),
    /// Digits (underscores removed, sign kept) and radix.
    Integer(Cow<'i, str>, u32),
    Float(Cow<'i, str>),
    Boolean(bool),
    Datetime(toml_datetime::Datetime),
    /// Items, and whether the array was made by `[[header]]`s.
    Array(Vec<Item<'i>>, bool),
    Table(Table<'i>),
}

#[derive(Debug)]
struct Item<'i> {
    span: Range<usize>,
    value: Value<'i>,
}

/// How a table came to be, for TOML's rules on defining it again.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum Kind {
    /// By a `[header]`, an element of `[[header]]`, or the root.
    #[default]
    Defined,
    /// Named on the way to a header (`a` in `[a.b]`): a later `[a]` may define it.
    Implied,
    /// By a dotted key (`a.b = 1`): may take more dotted keys in the same table.
    Dotted,
    /// `{ … }`: closed.
    Inline,
}

#[derive(Debug, Default)]
struct Table<'i> {
    entries: Vec<(Cow<'i, str>, Item<'i>)>,
    kind: Kind,
}

impl<'i> Table<'i> {
    fn with_kind(kind: Kind) -> Self {
        Table {
            // A record's rows have a handful of keys: room for them up front saves the
            // growth from 0 to 4 to 8 (1% of `check`).
            entries: Vec::with_capacity(8),
            kind,
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    fn get(&self, key: &str) -> Option<&Item<'i>> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// Adds a key that is not in the table yet.
    fn push(&mut self, key: Cow<'i, str>, item: Item<'i>) -> Option<()> {
        if self.entries.len() >= MAX_KEYS {
            return None;
        }
        self.entries.push((key, item));
        Some(())
    }
}

type Key<'i> = (Cow<'i, str>, Range<usize>);

/// A container being read.
enum Frame<'i> {
    Array {
        start: usize,
        items: Vec<Item<'i>>,
    },
    Inline {
        start: usize,
        table: Table<'i>,
        /// Where in `keys` the key of the value being read in it starts.
        path: Option<usize>,
    },
}

struct Header<'i> {
    keys: Vec<Key<'i>>,
    span: Range<usize>,
    array: bool,
}

/// Builds the tree from parser events. The first problem sets `failed`; the rest of the
/// events are then ignored.
struct Builder<'i> {
    text: &'i str,
    failed: bool,
    root: Table<'i>,
    /// The table the current section's key/values go into; put in place in `root` when
    /// the next header (or the end) comes.
    current: Table<'i>,
    header: Option<Header<'i>>,
    /// A header being read: its start and whether it is `[[…]]`.
    opening: Option<(usize, bool)>,
    /// The keys of the values being read, innermost last, each part by part (one buffer
    /// for the whole file rather than one per key).
    keys: Vec<Key<'i>>,
    /// An empty buffer for the next header's keys.
    spare_keys: Vec<Key<'i>>,
    /// Where the key being read starts in `keys`.
    key_start: usize,
    /// Where the key of the section-level value being read starts in `keys`.
    pending: Option<usize>,
    stack: Vec<Frame<'i>>,
}

fn parse(text: &str) -> Option<Table<'_>> {
    let mut builder = Builder::new(text);
    let mut error: Option<ParseError> = None;
    if scan::document(text, &mut builder, &mut error).is_none() {
        // Not in the shape the quick pass reads: `toml_parser`'s lexer and parser, from
        // the start. The builder does what `toml_parser`'s `RecursionGuard` and
        // `ValidateWhitespace` would do around it (limit nesting, check comments and
        // line breaks) itself: each wrapper was one more dynamic call on every event.
        builder = Builder::new(text);
        error = None;
        let tokens = Source::new(text).lex().into_vec();
        toml_parser::parser::parse_document(&tokens, &mut builder, &mut error);
    }
    if error.is_some() || builder.failed {
        return None;
    }
    builder.finish_table();
    if builder.failed || !builder.stack.is_empty() || builder.opening.is_some() {
        return None;
    }
    Some(builder.root)
}

fn range(span: Span) -> Range<usize> {
    span.start()..span.end()
}

impl<'i> Builder<'i> {
    fn new(text: &'i str) -> Self {
        Builder {
            text,
            failed: false,
            root: Table::default(),
            current: Table::default(),
            header: None,
            opening: None,
            keys: Vec::new(),
            spare_keys: Vec::new(),
            key_start: 0,
            pending: None,
            stack: Vec::new(),
        }
    }

    fn fail(&mut self) {
        self.failed = true;
    }

    /// Room for one more level of arrays and inline tables: `toml` refuses more than
    /// [`DEPTH_LIMIT`].
    fn deeper(&mut self) -> bool {
        if self.stack.len() >= DEPTH_LIMIT {
            self.fail();
            return false;
        }
        true
    }

    /// The text at `span`, decoded as a key or a scalar by `toml_parser`.
    fn raw(&self, span: Span, encoding: Option<Encoding>) -> Option<Raw<'i>> {
        let text = self.text.get(span.start()..span.end())?;
        Some(Raw::new_unchecked(text, encoding, span))
    }

    fn key(&mut self, span: Span, encoding: Option<Encoding>) -> Option<()> {
        if self.keys.len() - self.key_start >= MAX_PATH {
            return None;
        }
        let raw = self.raw(span, encoding)?;
        let bare = raw.as_str();
        let decoded = if encoding.is_none()
            && !bare.is_empty()
            && bare.bytes().all(|b| BYTES[usize::from(b)] & BARE != 0)
        {
            // A bare key is its own text.
            Cow::Borrowed(bare)
        } else {
            let mut decoded = Cow::Borrowed("");
            let mut error: Option<ParseError> = None;
            raw.decode_key(&mut decoded, &mut error);
            if error.is_some() {
                return None;
            }
            decoded
        };
        self.keys.push((decoded, range(span)));
        Some(())
    }

    fn scalar(&mut self, span: Span, encoding: Option<Encoding>) -> Option<()> {
        let raw = self.raw(span, encoding)?;
        if let Some(value) = plain_scalar(raw.as_str(), encoding) {
            return self.value(Item {
                span: range(span),
                value,
            });
        }
        let mut decoded = Cow::Borrowed("");
        let mut error: Option<ParseError> = None;
        let kind = raw.decode_scalar(&mut decoded, &mut error);
        if error.is_some() {
            return None;
        }
        let value = match kind {
            ScalarKind::String => Value::String(decoded),
            ScalarKind::Boolean(b) => Value::Boolean(b),
            ScalarKind::DateTime => Value::Datetime(decoded.parse().ok()?),
            ScalarKind::Float => Value::Float(decoded),
            ScalarKind::Integer(radix) => Value::Integer(decoded, radix.value()),
        };
        self.value(Item {
            span: range(span),
            value,
        })
    }

    /// A complete value: into the innermost open container, or under the section's key.
    fn value(&mut self, item: Item<'i>) -> Option<()> {
        match self.stack.last_mut() {
            Some(Frame::Array { items, .. }) => {
                items.push(item);
                Some(())
            }
            Some(Frame::Inline { table, path, .. }) => {
                let from = path.take()?;
                self.key_start = from;
                insert_dotted(table, &mut self.keys, from, item)
            }
            None => {
                let from = self.pending.take()?;
                self.key_start = from;
                insert_dotted(&mut self.current, &mut self.keys, from, item)
            }
        }
    }

    /// Puts the finished section's table in place.
    fn finish_table(&mut self) {
        let table = std::mem::take(&mut self.current);
        let Some(mut header) = self.header.take() else {
            self.root = table;
            return;
        };
        let placed = place(&mut self.root, &mut header, table);
        // The header's key buffer serves the next header.
        header.keys.clear();
        self.spare_keys = header.keys;
        if placed.is_none() {
            self.fail();
        }
    }

    /// A header read: the section's table starts empty. A table defined twice, or `[a]`
    /// after `[a.b]` (valid TOML, left to `toml`), is refused by [`place`] when
    /// the section ends.
    fn start_table(&mut self, header: Header<'i>) {
        self.current = Table::with_kind(Kind::Defined);
        self.header = Some(header);
    }
}

/// The common scalars, read without the general decoder: a string of any of the four
/// kinds that holds no escape, no carriage return and no control character (which
/// `toml_parser` would borrow as it stands, after the delimiters and a multi-line
/// string's first newline), and a decimal number `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
/// Anything else is `None`. On long narrative text the general decoder goes byte by
/// byte through a parser combinator: 2–3% of `check`.
fn plain_scalar(raw: &str, encoding: Option<Encoding>) -> Option<Value<'_>> {
    match encoding {
        Some(Encoding::BasicString) => plain_text(raw.strip_prefix('"')?.strip_suffix('"')?, PLAIN),
        Some(Encoding::LiteralString) => {
            plain_text(raw.strip_prefix('\'')?.strip_suffix('\'')?, LITERAL)
        }
        Some(Encoding::MlBasicString) => multi_line(raw, "\"\"\"", ML_PLAIN),
        Some(Encoding::MlLiteralString) => multi_line(raw, "'''", ML_LITERAL),
        None => {
            let digits = raw.strip_prefix('-').unwrap_or(raw);
            let (int, frac) = match digits.split_once('.') {
                Some((i, f)) => (i, Some(f)),
                None => (digits, None),
            };
            let decimal = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
            if !decimal(int) || (int.len() > 1 && int.starts_with('0')) {
                return None;
            }
            match frac {
                None => Some(Value::Integer(Cow::Borrowed(raw), 10)),
                Some(f) if decimal(f) => Some(Value::Float(Cow::Borrowed(raw))),
                Some(_) => None,
            }
        }
    }
}

/// A multi-line string's text as the decoder takes it: after the opening delimiter and
/// the newline right after it, before the closing delimiter (quotes just before it
/// belong to the text); if every byte of it is of class `ok`.
#[inline]
fn multi_line<'i>(raw: &'i str, delimiter: &str, ok: u8) -> Option<Value<'i>> {
    let rest = raw.strip_prefix(delimiter)?;
    plain_text(
        rest.strip_prefix('\n')
            .unwrap_or(rest)
            .strip_suffix(delimiter)?,
        ok,
    )
}

/// The text between a string's delimiters, borrowed, if every byte of it is of class `ok`.
#[inline]
fn plain_text(inner: &str, ok: u8) -> Option<Value<'_>> {
    all_of_class(inner.as_bytes(), ok).then_some(Value::String(Cow::Borrowed(inner)))
}

/// Whether every byte is of class `ok` (one of the string classes of [`BYTES`]).
///
/// Eight bytes at a time: a block with no byte below 0x20, no DEL and none of `"`, `'`
/// and `\` holds only bytes every string class takes, and is passed over; any other
/// block is looked up byte by byte. Long narrative text is almost all such blocks
/// (Chinese characters are bytes ≥ 0x80), and the lookup of every byte was a thirtieth
/// of `check`.
fn all_of_class(bytes: &[u8], ok: u8) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of a byte is set for each zero byte of `w` (and perhaps for a byte
    // after one): whether some byte is zero is exact.
    let zero = |w: u64| w.wrapping_sub(ONES) & !w;
    let in_class = |block: &[u8]| block.iter().all(|&b| BYTES[usize::from(b)] & ok != 0);
    let mut blocks = bytes.chunks_exact(8);
    for block in &mut blocks {
        let w = u64::from_ne_bytes(block.try_into().expect("blocks are eight bytes"));
        // Bytes below 0x20 (the same test with 0x20 for 0x01: exact for n ≤ 0x80), DEL,
        // and the three quote and escape characters; without a branch between them.
        let special = (w.wrapping_sub(ONES * 0x20) & !w)
            | zero(w ^ (ONES * 0x7F))
            | zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\'')))
            | zero(w ^ (ONES * u64::from(b'\\')));
        if special & HIGH != 0 && !in_class(block) {
            return false;
        }
    }
    in_class(blocks.remainder())
}

/// Classes of bytes, as bits of [`BYTES`]: bytes a basic string holds as themselves (tab,
/// and all but controls, DEL, `"` and `\`; a multi-byte character's bytes are all
/// ≥ 0x80); bytes of a bare key; bytes a literal string holds (tab, and all but controls,
/// DEL and `'`); and what the multi-line kinds add: a line feed, and their own quote
/// (the lexer ends the string at the third in a row). A carriage return is in none.
const PLAIN: u8 = 1;
const BARE: u8 = 2;
const LITERAL: u8 = 4;
const ML_PLAIN: u8 = 8;
const ML_LITERAL: u8 = 16;
const BYTES: [u8; 256] = {
    let mut t = [0; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let visible = c == b'\t' || (c >= 0x20 && c != 0x7F);
        if visible && c != b'"' && c != b'\\' {
            t[b] |= PLAIN | ML_PLAIN;
        }
        if visible && c != b'\'' {
            t[b] |= LITERAL | ML_LITERAL;
        }
        if c == b'\n' {
            t[b] |= ML_PLAIN | ML_LITERAL;
        }
        if c == b'"' {
            t[b] |= ML_PLAIN;
        }
        if c == b'\'' {
            t[b] |= ML_LITERAL;
        }
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            t[b] |= BARE;
        }
        b += 1;
    }
    t
};

/// Puts a section's table where its header names, in `root`.
fn place<'i>(root: &mut Table<'i>, header: &mut Header<'i>, table: Table<'i>) -> Option<()> {
    let (key, _) = header.keys.pop()?;
    let parent = descend_header(root, &header.keys)?;
    let item = Item {
        span: header.span.clone(),
        value: Value::Table(table),
    };
    match parent.position(&key) {
        None if header.array => {
            // Room for a few rows up front: arrays of tables are seldom of one row.
            let mut items = Vec::with_capacity(4);
            items.push(item);
            parent.push(
                key,
                Item {
                    span: header.span.clone(),
                    value: Value::Array(items, true),
                },
            )
        }
        None => parent.push(key, item),
        Some(i) => match &mut parent.entries[i].1.value {
            Value::Array(items, true) if header.array => {
                items.push(item);
                Some(())
            }
            _ => None,
        },
    }
}

/// The table a header's leading keys name, implied tables created on the way.
fn descend_header<'t, 'i>(
    mut table: &'t mut Table<'i>,
    keys: &[Key<'i>],
) -> Option<&'t mut Table<'i>> {
    for (key, span) in keys {
        let i = match table.position(key) {
            Some(i) => i,
            None => {
                table.push(
                    key.clone(),
                    Item {
                        span: span.clone(),
                        value: Value::Table(Table::with_kind(Kind::Implied)),
                    },
                )?;
                table.entries.len() - 1
            }
        };
        table = match &mut table.entries[i].1.value {
            Value::Table(t) if matches!(t.kind, Kind::Defined | Kind::Implied) => t,
            Value::Array(items, true) => match items.last_mut() {
                Some(Item {
                    value: Value::Table(t),
                    ..
                }) => t,
                _ => return None,
            },
            _ => return None,
        };
    }
    Some(table)
}

/// `a.b.c = value` in `table`, the key being `keys[from..]` (taken out of `keys`): `a`
/// and `b` are tables made (or extended) by dotted keys.
fn insert_dotted<'i>(
    table: &mut Table<'i>,
    keys: &mut Vec<Key<'i>>,
    from: usize,
    item: Item<'i>,
) -> Option<()> {
    if keys.len() <= from {
        return None;
    }
    let (key, _) = keys.pop()?;
    let mut table = table;
    for (k, span) in keys.drain(from..) {
        let i = match table.position(&k) {
            Some(i) => i,
            None => {
                table.push(
                    k,
                    Item {
                        span,
                        value: Value::Table(Table::with_kind(Kind::Dotted)),
                    },
                )?;
                table.entries.len() - 1
            }
        };
        table = match &mut table.entries[i].1.value {
            Value::Table(t) if t.kind == Kind::Dotted => t,
            _ => return None,
        };
    }
    if table.position(&key).is_some() {
        return None;
    }
    table.push(key, item)
}

impl<'i> EventReceiver for Builder<'i> {
    fn std_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.open_header(span, false);
    }

    fn std_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.close_header(span, false);
    }

    fn array_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.open_header(span, true);
    }

    fn array_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.close_header(span, true);
    }

    fn inline_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        if !self.deeper() {
            return false;
        }
        self.stack.push(Frame::Inline {
            start: span.start(),
            table: Table::with_kind(Kind::Inline),
            path: None,
        });
        true
    }

    fn inline_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        if self.failed {
            return;
        }
        match self.stack.pop() {
            Some(Frame::Inline {
                start,
                table,
                path: None,
            }) => {
                let item = Item {
                    span: start..span.end(),
                    value: Value::Table(table),
                };
                if self.value(item).is_none() {
                    self.fail();
                }
            }
            _ => self.fail(),
        }
    }

    fn array_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        if !self.deeper() {
            return false;
        }
        self.stack.push(Frame::Array {
            start: span.start(),
            items: Vec::new(),
        });
        true
    }

    fn array_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        if self.failed {
            return;
        }
        match self.stack.pop() {
            Some(Frame::Array { start, items }) => {
                let item = Item {
                    span: start..span.end(),
                    value: Value::Array(items, false),
                };
                if self.value(item).is_none() {
                    self.fail();
                }
            }
            _ => self.fail(),
        }
    }

    fn simple_key(&mut self, span: Span, kind: Option<Encoding>, _error: &mut dyn ErrorSink) {
        if !self.failed && self.key(span, kind).is_none() {
            self.fail();
        }
    }

    fn key_val_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        if self.failed {
            return;
        }
        let from = self.key_start;
        if self.keys.len() == from {
            return self.fail();
        }
        match self.stack.last_mut() {
            Some(Frame::Inline { path, .. }) if path.is_none() => *path = Some(from),
            None if self.pending.is_none() && self.opening.is_none() => self.pending = Some(from),
            _ => return self.fail(),
        }
        self.key_start = self.keys.len();
    }

    fn scalar(&mut self, span: Span, kind: Option<Encoding>, _error: &mut dyn ErrorSink) {
        if !self.failed && self.scalar(span, kind).is_none() {
            self.fail();
        }
    }

    fn comment(&mut self, span: Span, error: &mut dyn ErrorSink) {
        // As `toml_parser`'s `ValidateWhitespace`: a comment holds no control character.
        match self.raw(span, None) {
            Some(raw) => raw.decode_comment(error),
            None => self.fail(),
        }
    }

    fn newline(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        // As `ValidateWhitespace`: a carriage return must come before a line feed.
        if self.text.get(span.start()..span.end()) == Some("\r") {
            self.fail();
        }
    }

    fn error(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.fail();
    }
}

impl<'i> Builder<'i> {
    fn open_header(&mut self, span: Span, array: bool) {
        if self.failed {
            return;
        }
        if !self.stack.is_empty()
            || self.pending.is_some()
            || self.opening.is_some()
            || !self.keys.is_empty()
        {
            return self.fail();
        }
        self.finish_table();
        self.opening = Some((span.start(), array));
    }

    fn close_header(&mut self, span: Span, array: bool) {
        if self.failed {
            return;
        }
        match self.opening.take() {
            Some((start, a)) if a == array && !self.keys.is_empty() => {
                self.key_start = 0;
                let mut keys = std::mem::take(&mut self.spare_keys);
                keys.append(&mut self.keys);
                let header = Header {
                    keys,
                    span: start..span.end(),
                    array,
                };
                self.start_table(header);
            }
            _ => self.fail(),
        }
    }
}

/// The only error of this path: the caller reads the file with `toml` for the real one.
#[derive(Debug)]
pub struct NotHere;

impl fmt::Display for NotHere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to the full TOML reader")
    }
}

impl std::error::Error for NotHere {}

impl de::Error for NotHere {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        NotHere
    }
}

/// A value of the tree deserializes itself as `toml::de::ValueDeserializer` does.
impl<'de> IntoDeserializer<'de, NotHere> for Item<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// A table's entries, handed to `visitor` in the order given; a visitor that leaves
/// entries unread is left to `toml`.
fn visit_table<'de, V: Visitor<'de>>(table: Table<'de>, visitor: V) -> Result<V::Value, NotHere> {
    let mut map = MapDe {
        entries: table.entries.into_iter(),
        value: None,
    };
    let v = visitor.visit_map(&mut map)?;
    if map.entries.len() == 0 {
        Ok(v)
    } else {
        Err(NotHere)
    }
}

impl<'de> de::Deserializer<'de> for Item<'de> {
    type Error = NotHere;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NotHere> {
        match self.value {
            Value::String(Cow::Owned(s)) => visitor.visit_string(s),
            Value::String(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Value::Integer(digits, radix) => {
                if let Ok(v) = i64::from_str_radix(&digits, radix) {
                    visitor.visit_i64(v)
                } else if let Ok(v) = u64::from_str_radix(&digits, radix) {
                    visitor.visit_u64(v)
                } else if let Ok(v) = i128::from_str_radix(&digits, radix) {
                    visitor.visit_i128(v)
                } else if let Ok(v) = u128::from_str_radix(&digits, radix) {
                    visitor.visit_u128(v)
                } else {
                    Err(NotHere)
                }
            }
            Value::Float(text) => match text.parse::<f64>() {
                Ok(f) if !f.is_infinite() || text.contains("inf") => visitor.visit_f64(f),
                _ => Err(NotHere),
            },
            Value::Boolean(b) => visitor.visit_bool(b),
            Value::Datetime(d) => {
                visitor.visit_map(toml_datetime::de::DatetimeDeserializer::new(d))
            }
            Value::Array(items, _) => {
                let mut seq = SeqDe(items.into_iter());
                let v = visitor.visit_seq(&mut seq)?;
                // A visitor that left elements unread is left to `toml`.
                if seq.0.len() == 0 {
                    Ok(v)
                } else {
                    Err(NotHere)
                }
            }
            Value::Table(mut table) => {
                // In key order, as `toml`'s maps hand them over: a map, or a type read
                // through `deserialize_any` (an untagged enum's buffer, a visitor of its
                // own), whose value may depend on the order, reads the same.
                table.entries.sort_unstable_by(|x, y| x.0.cmp(&y.0));
                visit_table(table, visitor)
            }
        }
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NotHere> {
        self.deserialize_any(visitor)
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NotHere> {
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NotHere> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, NotHere> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, NotHere> {
        if serde_spanned::de::is_spanned(name) {
            let span = self.span.clone();
            return visitor.visit_map(serde_spanned::de::SpannedDeserializer::new(self, span));
        }
        match self.value {
            Value::Datetime(d) if toml_datetime::de::is_datetime(name) => {
                visitor.visit_map(toml_datetime::de::DatetimeDeserializer::new(d))
            }
            // A struct is read as written, unsorted (sorting was a fortieth of `check`): a
            // derived struct's value does not depend on the order of its keys. Two keys
            // naming one field (a name and its alias) are an error in either order, and
            // any error sends the file to `toml`.
            Value::Table(table) => visit_table(table, visitor),
            value => Item {
                span: self.span,
                value,
            }
            .deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, NotHere> {
        match self.value {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            // A table naming a variant is left to `toml`.
            _ => Err(NotHere),
        }
    }

    serde::forward_to_deserialize_any! {
        bool u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 char str string seq
        bytes byte_buf map unit
        ignored_any unit_struct tuple_struct tuple identifier
    }
}

struct SeqDe<'i>(std::vec::IntoIter<Item<'i>>);

impl<'de> de::SeqAccess<'de> for SeqDe<'de> {
    type Error = NotHere;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, NotHere> {
        match self.0.next() {
            Some(item) => seed.deserialize(item).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapDe<'i> {
    entries: std::vec::IntoIter<(Cow<'i, str>, Item<'i>)>,
    value: Option<Item<'i>>,
}

impl<'de> de::MapAccess<'de> for MapDe<'de> {
    type Error = NotHere;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, NotHere> {
        match self.entries.next() {
            Some((key, item)) => {
                self.value = Some(item);
                seed.deserialize(key.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, NotHere> {
        let item = self.value.take().ok_or(NotHere)?;
        seed.deserialize(item)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The decoder's reading of a scalar, for comparison with [`plain_scalar`].
    fn decoded(raw: &str, encoding: Option<Encoding>) -> Option<String> {
        let span = Span::new_unchecked(0, raw.len());
        let mut out = Cow::Borrowed("");
        let mut error: Option<ParseError> = None;
        let kind = Raw::new_unchecked(raw, encoding, span).decode_scalar(&mut out, &mut error);
        error.is_none().then(|| format!("{kind:?} {out}"))
    }

    fn plain(raw: &str, encoding: Option<Encoding>) -> Option<String> {
        plain_scalar(raw, encoding).map(|v| match v {
            Value::String(s) => format!("String {s}"),
            Value::Integer(d, 10) => format!("Integer(Dec) {d}"),
            Value::Float(f) => format!("Float {f}"),
            other => format!("{other:?}"),
        })
    }

    #[test]
    fn blocks_of_eight_find_every_byte_outside_a_class() {
        let by_byte = |bytes: &[u8], ok: u8| bytes.iter().all(|&b| BYTES[usize::from(b)] & ok != 0);
        let text = "预算执行率 98.5%，\"引号\"与'单引号'、反斜杠\\、制表\t换行\n回车\r删除\u{7f}。";
        let classes = [PLAIN, LITERAL, ML_PLAIN, ML_LITERAL];
        // Every byte value at every position of a block and of the tail.
        for len in [7, 8, 9, 16, 23] {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    for ok in classes {
                        assert_eq!(
                            all_of_class(&bytes, ok),
                            by_byte(&bytes, ok),
                            "{b:#x} at {at}"
                        );
                    }
                }
            }
        }
        for start in 0..text.len() {
            for ok in classes {
                let bytes = &text.as_bytes()[start..];
                assert_eq!(all_of_class(bytes, ok), by_byte(bytes, ok));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn blocks_of_eight_agree_with_the_table(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            for ok in [PLAIN, LITERAL, ML_PLAIN, ML_LITERAL] {
                let by_byte = bytes.iter().all(|&b| BYTES[usize::from(b)] & ok != 0);
                prop_assert_eq!(all_of_class(&bytes, ok), by_byte);
            }
        }
    }

    #[test]
    fn plain_scalars_read_as_the_decoder_reads_them() {
        for (raw, enc) in [
            ("\"中文 text\t\"", Some(Encoding::BasicString)),
            ("\"\"", Some(Encoding::BasicString)),
            ("'C:\\a \"b\" 中文\t'", Some(Encoding::LiteralString)),
            ("''", Some(Encoding::LiteralString)),
            (
                "\"\"\"\n第一行\n\"引\"\"号\"\t\n\"\"\"",
                Some(Encoding::MlBasicString),
            ),
            ("\"\"\"\n\n\"\"\"", Some(Encoding::MlBasicString)),
            ("\"\"\"a\"\"\"\"\"", Some(Encoding::MlBasicString)),
            ("\"\"\"\"\"\"", Some(Encoding::MlBasicString)),
            (
                "'''\nC:\\a\n'引'号''\"\n'''",
                Some(Encoding::MlLiteralString),
            ),
            ("'''a'''''", Some(Encoding::MlLiteralString)),
            ("''''''", Some(Encoding::MlLiteralString)),
            ("0", None),
            ("-0", None),
            ("508.20", None),
            ("-12345678901234.567", None),
            ("10", None),
        ] {
            assert!(plain(raw, enc).is_some(), "{raw}");
            assert_eq!(plain(raw, enc), decoded(raw, enc), "{raw}");
        }
        for (raw, enc) in [
            ("\"a\\nb\"", Some(Encoding::BasicString)),
            ("\"bell \u{7}\"", Some(Encoding::BasicString)),
            ("\"del \u{7f}\"", Some(Encoding::BasicString)),
            ("'bell \u{7}'", Some(Encoding::LiteralString)),
            ("'it's'", Some(Encoding::LiteralString)),
            ("\"\"\"a\\\nb\"\"\"", Some(Encoding::MlBasicString)),
            ("\"\"\"a\\tb\"\"\"", Some(Encoding::MlBasicString)),
            ("\"\"\"\r\na\"\"\"", Some(Encoding::MlBasicString)),
            ("\"\"\"a\r\nb\"\"\"", Some(Encoding::MlBasicString)),
            ("'''\r\na'''", Some(Encoding::MlLiteralString)),
            ("'''a\u{7f}'''", Some(Encoding::MlLiteralString)),
            ("01", None),
            ("1.", None),
            (".5", None),
            ("1e3", None),
            ("1_000", None),
            ("+1", None),
            ("--1", None),
            ("-", None),
            ("2024-01-02", None),
        ] {
            assert_eq!(plain(raw, enc), None, "{raw}");
        }
    }

    proptest! {
        #[test]
        fn plain_strings_agree_with_the_decoder(body in "[ -~\t\u{0}-\u{1f}\u{7f}中文é]{0,24}") {
            let raw = format!("\"{body}\"");
            if let Some(p) = plain(&raw, Some(Encoding::BasicString)) {
                prop_assert_eq!(Some(p), decoded(&raw, Some(Encoding::BasicString)));
            }
        }

        #[test]
        fn plain_literal_and_multi_line_strings_agree_with_the_decoder(
            body in "[ -~\t\n\r\u{0}-\u{1f}\u{7f}中文é'\"\\\\]{0,24}",
            lead in proptest::option::of("\r?\n"),
        ) {
            let lead = lead.unwrap_or_default();
            for (raw, enc) in [
                (format!("'{body}'"), Encoding::LiteralString),
                (format!("\"\"\"{lead}{body}\"\"\""), Encoding::MlBasicString),
                (format!("'''{lead}{body}'''"), Encoding::MlLiteralString),
            ] {
                if let Some(p) = plain(&raw, Some(enc)) {
                    prop_assert_eq!(Some(p), decoded(&raw, Some(enc)), "{:?}", raw);
                }
            }
        }

        #[test]
        fn plain_numbers_agree_with_the_decoder(raw in "[-+]?[0-9_]{0,6}(\\.[0-9_]{0,4})?([eE][0-9]{1,2})?") {
            if let Some(p) = plain(&raw, None) {
                prop_assert_eq!(Some(p), decoded(&raw, None));
            }
        }
    }
}
