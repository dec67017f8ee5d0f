//! One pass over a TOML document that gives the events `toml_parser`'s parser gives, for
//! the usual shape of a record, without its token list.
//!
//! `toml_parser` first lexes the whole file into a list of tokens, then walks the list
//! through parser combinators: together about 30% of `gongkai check`. Here the bytes are
//! read once, by hand, and the same receiver methods are called with the same spans and
//! encodings, in the same order, as `parse_document` calls them (events the builder does
//! not use, whitespace and separators, are left out). The tokens are cut as `toml_parser`'s
//! lexer cuts them, so each span is the one it would give.
//!
//! Only well-formed documents in the usual shape are read: key/values, `[headers]` and
//! `[[headers]]`, comments, strings of the four kinds, atoms (numbers, booleans, dates
//! without a time after a space), arrays over several lines with comments, and inline
//! tables on one line. Anything else — a syntax error, a byte-order mark, a lone carriage
//! return, an unclosed string, a date-time written with a space, an inline table over
//! several lines or with a trailing comma (TOML 1.1), a bare key of other bytes than
//! `A-Za-z0-9_-` — answers `None` before the events would differ, and the caller runs
//! `toml_parser` on the file. So when this pass answers `Some`, `parse_document` would have
//! reported no error and called the receiver in the same way; the tests below compare the
//! two on every bundled file and on random and mutated documents.

use toml_parser::decoder::Encoding;
use toml_parser::parser::EventReceiver;
use toml_parser::{ErrorSink, Span};

/// Classes of bytes, as bits of [`CLASS`]: the bytes that end an atom (`toml_parser`'s
/// lexer's `TOKEN_START`), and the bytes of a bare key.
const END: u8 = 1;
const BARE: u8 = 2;
const CLASS: [u8; 256] = {
    let mut t = [0; 256];
    let ends = b".=,[]{} \t#\r\n";
    let mut i = 0;
    while i < ends.len() {
        t[ends[i] as usize] |= END;
        i += 1;
    }
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            t[b] |= BARE;
        }
        b += 1;
    }
    t
};

fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

/// Whether `b` starts an atom token: any byte that starts no other token.
fn starts_atom(b: u8) -> bool {
    class(b) & END == 0 && b != b'"' && b != b'\''
}

fn span(start: usize, end: usize) -> Span {
    Span::new_unchecked(start, end)
}

/// Feeds `receiver` the events of `text`; `None` when `text` is not in the shape this
/// pass reads (the receiver may then have had some of its events: start again with a new
/// one).
pub(super) fn document<R: EventReceiver>(
    text: &str,
    receiver: &mut R,
    error: &mut dyn ErrorSink,
) -> Option<()> {
    let bytes = text.as_bytes();
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return None;
    }
    let mut scan = Scan {
        bytes,
        pos: 0,
        receiver,
        error,
    };
    scan.document()
}

struct Scan<'t, 'r, R> {
    bytes: &'t [u8],
    pos: usize,
    receiver: &'r mut R,
    error: &'r mut dyn ErrorSink,
}

impl<R: EventReceiver> Scan<'_, '_, R> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    fn document(&mut self) -> Option<()> {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' => self.whitespace(),
                b'\n' | b'\r' => self.newline()?,
                b'#' => self.comment(),
                b'[' => self.header()?,
                _ => self.key_value()?,
            }
        }
        Some(())
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// A line feed, or a carriage return and line feed. `toml_parser`'s lexer takes a lone
    /// carriage return for a line break too (the builder then refuses it): left to it.
    fn newline(&mut self) -> Option<()> {
        let len = match self.peek()? {
            b'\n' => 1,
            b'\r' if self.at(self.pos + 1) == Some(b'\n') => 2,
            _ => return None,
        };
        let s = span(self.pos, self.pos + len);
        self.receiver.newline(s, self.error);
        self.pos += len;
        Some(())
    }

    /// `#` to the end of the line (before a carriage return or a line feed).
    fn comment(&mut self) {
        let start = self.pos;
        let end = memchr::memchr2(b'\r', b'\n', &self.bytes[start..])
            .map_or(self.bytes.len(), |i| start + i);
        self.receiver.comment(span(start, end), self.error);
        self.pos = end;
    }

    /// After a key/value or a header: whitespace, a comment, then the end of the line.
    fn line_end(&mut self) -> Option<()> {
        self.whitespace();
        match self.peek() {
            None | Some(b'\n' | b'\r') => Some(()),
            Some(b'#') => {
                self.comment();
                Some(())
            }
            Some(_) => None,
        }
    }

    fn header(&mut self) -> Option<()> {
        let start = self.pos;
        let array = self.at(start + 1) == Some(b'[');
        if array {
            self.receiver
                .array_table_open(span(start, start + 2), self.error);
            self.pos += 2;
        } else {
            self.receiver
                .std_table_open(span(start, start + 1), self.error);
            self.pos += 1;
        }
        self.whitespace();
        self.keys()?;
        let close = self.pos;
        if self.peek()? != b']' {
            return None;
        }
        if array {
            if self.at(close + 1) != Some(b']') {
                return None;
            }
            self.receiver
                .array_table_close(span(close, close + 2), self.error);
            self.pos += 2;
        } else {
            self.receiver
                .std_table_close(span(close, close + 1), self.error);
            self.pos += 1;
        }
        self.line_end()
    }

    fn key_value(&mut self) -> Option<()> {
        self.keys()?;
        if self.peek()? != b'=' {
            return None;
        }
        self.receiver
            .key_val_sep(span(self.pos, self.pos + 1), self.error);
        self.pos += 1;
        self.whitespace();
        self.value()?;
        self.line_end()
    }

    /// A key, dotted or not, and the whitespace after it.
    fn keys(&mut self) -> Option<()> {
        loop {
            self.simple_key()?;
            self.whitespace();
            if self.peek() != Some(b'.') {
                return Some(());
            }
            self.pos += 1;
            self.whitespace();
        }
    }

    fn simple_key(&mut self) -> Option<()> {
        let start = self.pos;
        let (end, encoding) = match self.peek()? {
            b'"' if !self.bytes[start..].starts_with(b"\"\"\"") => {
                (self.basic_string(start)?, Some(Encoding::BasicString))
            }
            b'\'' if !self.bytes[start..].starts_with(b"'''") => {
                (self.literal_string(start)?, Some(Encoding::LiteralString))
            }
            _ => {
                // A bare key: an atom of bare-key bytes only (the bytes after it end it).
                let rest = &self.bytes[start..];
                let len = rest
                    .iter()
                    .position(|&b| class(b) & BARE == 0)
                    .unwrap_or(rest.len());
                let end = start + len;
                if len == 0 || self.at(end).is_some_and(|b| class(b) & END == 0) {
                    return None;
                }
                (end, None)
            }
        };
        self.receiver
            .simple_key(span(start, end), encoding, self.error);
        self.pos = end;
        Some(())
    }

    fn value(&mut self) -> Option<()> {
        let start = self.pos;
        let (end, encoding) = match self.peek()? {
            b'"' if self.bytes[start..].starts_with(b"\"\"\"") => {
                (self.ml_basic_string(start)?, Some(Encoding::MlBasicString))
            }
            b'"' => (self.basic_string(start)?, Some(Encoding::BasicString)),
            b'\'' if self.bytes[start..].starts_with(b"'''") => (
                self.ml_literal_string(start)?,
                Some(Encoding::MlLiteralString),
            ),
            b'\'' => (self.literal_string(start)?, Some(Encoding::LiteralString)),
            b'[' => return self.array(),
            b'{' => return self.inline_table(),
            b if starts_atom(b) => (self.atom_scalar(start)?, None),
            _ => return None,
        };
        self.receiver.scalar(span(start, end), encoding, self.error);
        self.pos = end;
        Some(())
    }

    /// The end of the atom token at `start`: up to the next byte of `TOKEN_START`.
    fn atom_end(&self, start: usize) -> usize {
        let rest = &self.bytes[start..];
        rest.iter()
            .position(|&b| class(b) & END != 0)
            .map_or(self.bytes.len(), |i| start + i)
    }

    /// The end of an unquoted scalar: atoms and dots run together (`3.14`, `2024-01-01`).
    /// `toml_parser` also joins an atom after whitespace (`1979-05-27 07:32:00`, or the
    /// error `1 2`): left to it.
    fn atom_scalar(&self, start: usize) -> Option<usize> {
        let mut end = start;
        loop {
            match self.at(end) {
                Some(b'.') => end += 1,
                Some(b) if starts_atom(b) => end = self.atom_end(end),
                _ => break,
            }
        }
        let mut next = end;
        while matches!(self.at(next), Some(b' ' | b'\t')) {
            next += 1;
        }
        if next > end && self.at(next).is_some_and(starts_atom) {
            return None;
        }
        Some(end)
    }

    /// `"…"` on one line, as the lexer cuts it: a backslash passes over the backslash or
    /// quote after it. Unclosed: `None`.
    fn basic_string(&self, start: usize) -> Option<usize> {
        let mut i = start + 1;
        loop {
            i += memchr::memchr3(b'"', b'\\', b'\n', &self.bytes[i..])?;
            match self.bytes[i] {
                b'"' => return Some(i + 1),
                b'\\' => {
                    i += 1;
                    if matches!(self.at(i), Some(b'\\' | b'"')) {
                        i += 1;
                    }
                }
                _ => return None,
            }
        }
    }

    /// `'…'` on one line. Unclosed: `None`.
    fn literal_string(&self, start: usize) -> Option<usize> {
        let i = start + 1 + memchr::memchr2(b'\'', b'\n', &self.bytes[start + 1..])?;
        (self.bytes[i] == b'\'').then_some(i + 1)
    }

    /// `"""…"""`, and up to two more quotes after the closing three (they belong to the
    /// text). Unclosed: `None`.
    fn ml_basic_string(&self, start: usize) -> Option<usize> {
        let mut i = start + 3;
        loop {
            i += memchr::memchr2(b'"', b'\\', &self.bytes[i..])?;
            if self.bytes[i] == b'\\' {
                i += 1;
                if matches!(self.at(i), Some(b'\\' | b'"')) {
                    i += 1;
                }
            } else if self.bytes[i..].starts_with(b"\"\"\"") {
                return Some(self.extra_quotes(i + 3, b'"'));
            } else {
                i += 1;
            }
        }
    }

    /// `'''…'''`, and up to two more apostrophes. Unclosed: `None`.
    fn ml_literal_string(&self, start: usize) -> Option<usize> {
        let from = start + 3;
        let i = from + memchr::memmem::find(&self.bytes[from..], b"'''")?;
        Some(self.extra_quotes(i + 3, b'\''))
    }

    fn extra_quotes(&self, mut end: usize, quote: u8) -> usize {
        for _ in 0..2 {
            if self.at(end) == Some(quote) {
                end += 1;
            }
        }
        end
    }

    /// `[ … ]`: values, commas (a trailing one too), whitespace, line breaks and
    /// comments.
    fn array(&mut self) -> Option<()> {
        let open = self.pos;
        if !self.receiver.array_open(span(open, open + 1), self.error) {
            return None;
        }
        self.pos += 1;
        let mut needs_value = true;
        loop {
            match self.peek()? {
                b' ' | b'\t' => self.whitespace(),
                b'\n' | b'\r' => self.newline()?,
                b'#' => self.comment(),
                b']' => {
                    self.receiver
                        .array_close(span(self.pos, self.pos + 1), self.error);
                    self.pos += 1;
                    return Some(());
                }
                b',' if !needs_value => {
                    self.pos += 1;
                    needs_value = true;
                }
                _ if needs_value => {
                    self.value()?;
                    needs_value = false;
                }
                _ => return None,
            }
        }
    }

    /// `{ … }` on one line, without a trailing comma.
    fn inline_table(&mut self) -> Option<()> {
        #[derive(Clone, Copy)]
        enum Needs {
            Key,
            Equals,
            Value,
            Comma,
        }
        let open = self.pos;
        if !self
            .receiver
            .inline_table_open(span(open, open + 1), self.error)
        {
            return None;
        }
        self.pos += 1;
        let mut needs = Needs::Key;
        let mut empty = true;
        loop {
            match (self.peek()?, needs) {
                (b' ' | b'\t', _) => self.whitespace(),
                (b'}', Needs::Comma) => {
                    self.receiver
                        .inline_table_close(span(self.pos, self.pos + 1), self.error);
                    self.pos += 1;
                    return Some(());
                }
                (b'}', Needs::Key) if empty => {
                    self.receiver
                        .inline_table_close(span(self.pos, self.pos + 1), self.error);
                    self.pos += 1;
                    return Some(());
                }
                (b',', Needs::Comma) => {
                    self.pos += 1;
                    needs = Needs::Key;
                }
                (b'=', Needs::Equals) => {
                    self.receiver
                        .key_val_sep(span(self.pos, self.pos + 1), self.error);
                    self.pos += 1;
                    needs = Needs::Value;
                }
                (b'}' | b',' | b'=' | b'\n' | b'\r' | b'#', _) => return None,
                (_, Needs::Key) => {
                    self.keys()?;
                    needs = Needs::Equals;
                    empty = false;
                }
                (_, Needs::Value) => {
                    self.value()?;
                    needs = Needs::Comma;
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use toml_parser::ParseError;
    use toml_parser::parser::{Event, EventKind};

    /// The events the builder uses (not whitespace or separators).
    fn used(events: Vec<Event>) -> Vec<Event> {
        events
            .into_iter()
            .filter(|e| {
                !matches!(
                    e.kind(),
                    EventKind::Whitespace | EventKind::KeySep | EventKind::ValueSep
                )
            })
            .collect()
    }

    /// `toml_parser`'s events for `text`, or `None` when it reports an error.
    fn reference(text: &str) -> Option<Vec<Event>> {
        let source = toml_parser::Source::new(text);
        let tokens = source.lex().into_vec();
        let mut events = Vec::new();
        let mut error: Option<ParseError> = None;
        toml_parser::parser::parse_document(&tokens, &mut |e| events.push(e), &mut error);
        error.is_none().then(|| used(events))
    }

    /// This pass's events for `text`, or `None` when it leaves the file to `toml_parser`.
    fn quick(text: &str) -> Option<Vec<Event>> {
        let mut events = Vec::new();
        let mut error: Option<ParseError> = None;
        document(text, &mut |e| events.push(e), &mut error)?;
        assert!(error.is_none(), "the receiver records and reports nothing");
        Some(used(events))
    }

    /// Whenever this pass reads `text`, `toml_parser` reads it without error and gives
    /// the same events. Returns whether this pass read it.
    fn agrees(text: &str) -> bool {
        let Some(ours) = quick(text) else {
            return false;
        };
        let theirs = reference(text);
        assert_eq!(Some(ours), theirs, "events differ for {text:?}");
        true
    }

    #[test]
    fn the_usual_shape_gives_the_same_events() {
        let read = [
            "",
            "a = 1\n",
            "a = 1",
            "# only a comment",
            "a = -1.25e3 # note\r\nb = true\n",
            "a.b . c = \"x\"\n",
            "\"quoted key\" = 'literal'\n'k' = \"\"\n",
            "[t]\nx = 1\n[[rows]]\ny = 2\n[[rows]] # again\n[ a . \"b\" ]\n",
            "date = 2024-01-31\nt = 07:32:00\nodt = 1979-05-27T07:32:00Z\n",
            "s = \"esc \\\" \\\\ \\u4e2d\"\n",
            "m = \"\"\"\n多行\n\"\"\"\nn = '''\nraw ''\n'''\n",
            "q = \"\"\"a\"\"\"\"\"\nr = '''b'''''\n",
            "e = \"\"\"x\\\"\"\"\"\n",
            "arr = [1, 2, 3,]\nnested = [[1, 2], [\"a\"], []]\n",
            "arr = [\n  1, # one\n  2,\n]\n",
            "it = { a = 1, b.c = \"x\", d = [1, {e = 2}] }\nempty = {}\n",
            "[[a]]\n[a.b]\nc = 1\n",
            "a=1#c\nb=\"x\"#c\n",
            "\t a \t= \t1 \t\n",
            "k = inf\nl = -nan\nm = 0x1F\nn = 1_000\n",
            "k = 1979-05-27T07:32:00.999-07:00\n",
            "dup = 1\ndup = 2\n",
            "c = \"control \u{1} char\"\n",
            "# \u{7f} in a comment\n",
        ];
        for text in read {
            assert!(agrees(text), "left to toml_parser: {text:?}");
        }
    }

    #[test]
    fn anything_else_is_left_to_toml_parser() {
        let left = [
            "\u{feff}a = 1\n",
            "a = 1\rb = 2\n",
            "a = \"unclosed\n",
            "a = 'unclosed\n",
            "a = \"\"\"unclosed",
            "a = '''unclosed",
            "a = 1979-05-27 07:32:00\n",
            "a = 1 2\n",
            "a = { b = 1,\n c = 2 }\n",
            "a = { b = 1, }\n",
            "a = { # c\n}\n",
            "é = 1\n",
            "a b = 1\n",
            "a = \n",
            "a = 1 b = 2\n",
            "= 1\n",
            "[a\n",
            "[[a]\n",
            "[ [a] ]\n",
            "[a]]\n",
            "[a] x\n",
            "a = [1 2]\n",
            "a = [,]\n",
            "a = [1,,2]\n",
            "a = [1\n",
            "a.\n",
            "a. = 1\n",
            "a = .5\n",
            "a = \"x\"y\n",
            "a = 1,\n",
            "\"\"\"k\"\"\" = 1\n",
            "a = {b = 1 c = 2}\n",
            "a = {b}\n",
            "}\n",
        ];
        for text in left {
            assert!(
                !agrees(text),
                "read, but should be left to toml_parser: {text:?}"
            );
        }
    }

    #[test]
    fn every_bundled_file_gives_the_same_events() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut read = 0;
        for dir in ["content", "tests"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let entry = entry.unwrap();
                if entry.path().extension().is_some_and(|e| e == "toml") {
                    let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                    read += usize::from(agrees(&text));
                }
            }
        }
        assert!(
            read > 20,
            "only {read} bundled files were read by this pass"
        );
    }

    /// Pieces of TOML, well-formed and not, to join into documents.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a",
            "b.c",
            "\"k y\"",
            "'l'",
            " ",
            "\t",
            "=",
            " = ",
            "1",
            "-2.5",
            "1e3",
            "true",
            "2024-01-01",
            "07:32:00",
            "\"s\"",
            "'t'",
            "\"\"\"m\n\"\"\"",
            "'''n'''",
            "\"\\\"\"",
            "[",
            "]",
            "[[",
            "]]",
            "{",
            "}",
            ",",
            ".",
            "#c",
            "\n",
            "\r\n",
            "\r",
            "\"",
            "'",
            "\\",
            "é",
            "x = [1, 2]",
            "y = {a = 1}",
            "[t]",
            "[[r]]",
            "\u{1}",
            "\u{feff}",
        ])
    }

    /// Lines of TOML, mostly well-formed, now and then with a piece of one.
    fn line() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            3 => prop::sample::select(vec![
                "a = 1\n",
                "b.c = \"s\"\n",
                "[t]\n",
                "[[r]]\n",
                "[t.u] # c\n",
                "# comment\n",
                "\n",
                "\r\n",
                "d = 2024-01-01\n",
                "f = -1.5e3\r\n",
                "g = true # yes\n",
                "arr = [\n  1, # one\n  2,\n]\n",
                "it = { a = 1, b = [2, {c = 3}] }\n",
                "m = \"\"\"\n多行\"\"\"\n",
                "n = '''\nraw'''\n",
                "'q k' = \"\\u4e2d\"\n",
                "e = []\n",
                "h = {}\n",
                "  i\t=\t'x'  \n",
            ]),
            1 => piece(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn random_documents_give_the_same_events_or_are_left(
            pieces in prop::collection::vec(piece(), 0..40)
        ) {
            agrees(&pieces.concat());
        }

        #[test]
        fn random_lines_give_the_same_events_or_are_left(
            lines in prop::collection::vec(line(), 0..30)
        ) {
            agrees(&lines.concat());
        }

        #[test]
        fn mutated_lines_give_the_same_events_or_are_left(
            at in any::<prop::sample::Index>(),
            with in piece(),
        ) {
            let base = "title = \"报告\"\n[budget]\ninitial = 12.5 # 万元\nrates = [1, 2.5, -3,]\n\
                        [[projects]]\nname = 'x'\nfunds = { a = 1, b = \"2\" }\nnote = \"\"\"\n文\n\"\"\"\n";
            let cut = at.index(base.len() + 1);
            if base.is_char_boundary(cut) {
                agrees(&format!("{}{with}{}", &base[..cut], &base[cut..]));
            }
        }
    }
}
