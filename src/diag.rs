//! Errors in content: each names the file, line, column and field path, and carries the
//! source line so that it prints rustc-style.

use crate::model::SourceFile;
use std::fmt;

/// One problem in the content folder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Path relative to the content folder.
    pub file: String,
    /// 1-based line; 0 when the problem is about the file as a whole.
    pub line: usize,
    /// 1-based column (characters).
    pub col: usize,
    /// Field path (`three_public[2].budget`), empty when not about one field.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it, when there is a suggestion (「是否应为 `evaluation.toml`？」).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The source line, when there is one.
    #[serde(skip)]
    pub excerpt: Option<String>,
}

impl Diagnostic {
    /// A problem at byte `offset` of `source`.
    pub fn at(source: &SourceFile, offset: usize, field: &str, message: &str) -> Diagnostic {
        let (line, col) = source.line_col(offset);
        Diagnostic {
            file: source.path.clone(),
            line,
            col,
            field: field.to_string(),
            message: message.to_string(),
            help: None,
            excerpt: Some(source.line_at(offset).to_string()),
        }
    }

    /// A problem with a file or folder as a whole.
    pub fn file(file: String, message: &str) -> Diagnostic {
        Diagnostic {
            file,
            line: 0,
            col: 0,
            field: String::new(),
            message: message.to_string(),
            help: None,
            excerpt: None,
        }
    }

    /// This problem with a suggestion of how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        let help = help.into();
        self.help = (!help.is_empty()).then_some(help);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "错误 (error): {}", self.message)?;
        if self.line > 0 {
            write!(f, "\n  --> {}:{}:{}", self.file, self.line, self.col)?;
        } else {
            write!(f, "\n  --> {}", self.file)?;
        }
        if !self.field.is_empty() {
            write!(f, "\n   = 字段 (field): {}", self.field)?;
        }
        if let Some(ex) = &self.excerpt {
            let n = self.line.to_string();
            let pad = " ".repeat(n.len());
            let (ex, caret) = excerpt_window(ex, self.col.saturating_sub(1));
            let caret_at: usize = ex
                .chars()
                .take(caret)
                .map(|c| if c.is_ascii() { 1 } else { 2 })
                .sum();
            write!(
                f,
                "\n {pad} |\n {n} | {ex}\n {pad} | {}^",
                " ".repeat(caret_at)
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n   = 提示 (help): {help}")?;
        }
        Ok(())
    }
}

/// Characters of a source line shown around the column.
const EXCERPT_CHARS: usize = 100;

/// The part of `line` shown in a message, and the caret's character index in it: long
/// lines (a minified record, a 50 MB one-liner) are cut to a window around the column,
/// and control characters are shown as `�` so that a file cannot drive the terminal.
fn excerpt_window(line: &str, col: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    let (start, cut_start) = if chars.len() <= EXCERPT_CHARS || col < EXCERPT_CHARS / 2 {
        (0, false)
    } else {
        let start = (col - EXCERPT_CHARS / 2).min(chars.len().saturating_sub(EXCERPT_CHARS));
        (start, start > 0)
    };
    let end = (start + EXCERPT_CHARS).min(chars.len());
    let mut out = String::new();
    if cut_start {
        out.push('…');
    }
    out.extend(chars[start..end].iter().map(|&c| match c {
        '\t' => ' ',
        c if c.is_control() => '\u{FFFD}',
        c => c,
    }));
    if end < chars.len() {
        out.push('…');
    }
    (out, col - start + usize::from(cut_start))
}

/// Every problem of a run, in a stable order (file, line, column).
#[derive(Debug, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Sorts for stable output.
    pub fn sorted(mut self) -> Diagnostics {
        self.0.sort_by(|a, b| {
            (&a.file, a.line, a.col, &a.field).cmp(&(&b.file, b.line, b.col, &b.field))
        });
        self
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}\n")?;
        }
        write!(
            f,
            "内容有 {} 处错误，未生成网站 ({} error(s) in content)",
            self.0.len(),
            self.0.len()
        )
    }
}

impl std::error::Error for Diagnostics {}
