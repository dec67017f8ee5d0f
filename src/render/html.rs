//! The record page's blocks (tables, facts, sections) written as HTML in Rust: the hot path
//! of every build, a few thousand cells per page, so it is not interpreted by a template
//! engine. The markup is fixed and semantic (`<table>` with `<caption>`, `<th scope>`,
//! 「—」 with 未填报 for blanks); themes style it with CSS and lay out the page around it.

use super::{Escaped as Esc, escape_into, markdown_into};
use crate::site::record::{Block, SignoffView};
use crate::site::table::{Cell, Note, TableView};
use std::fmt::Write;

const BLANK: &str = r#"<span aria-hidden="true">—</span><span class="sr">未填报</span>"#;

/// Appends the HTML of `blocks` to `out`; `root` is the page's path to the site root.
pub fn blocks(out: &mut String, blocks: &[Block], root: &str) {
    for b in blocks {
        block(out, b, root);
    }
}

fn block(out: &mut String, b: &Block, root: &str) {
    match b {
        Block::Table(t) => table(out, t, root),
        Block::Facts { title, items } => {
            out.push_str("<section class=\"facts\">");
            if !title.is_empty() {
                let _ = write!(out, "<h3>{}</h3>", Esc(title));
            }
            out.push_str("<dl>");
            for (label, c) in items {
                let _ = write!(out, "<div><dt>{}</dt><dd>", Esc(label));
                cell_content(out, c, root);
                out.push_str("</dd></div>");
            }
            out.push_str("</dl></section>\n");
        }
        Block::Prose { title, md } => {
            out.push_str("<section class=\"prose-block\">");
            if let Some(t) = title {
                let _ = write!(out, "<h3>{}</h3>", Esc(t));
            }
            markdown_into(out, md);
            out.push_str("</section>\n");
        }
        Block::List { title, items } => {
            let _ = write!(
                out,
                "<section class=\"list-block\"><h3>{}</h3><ol>",
                Esc(title)
            );
            for it in items {
                out.push_str("<li>");
                markdown_into(out, it);
                out.push_str("</li>");
            }
            out.push_str("</ol></section>\n");
        }
        Block::Heading { text } => {
            let _ = writeln!(out, "<h2 class=\"project-title\">{}</h2>", Esc(text));
        }
        Block::Section {
            level,
            title,
            md,
            redacted,
            reason,
            blocks: inner,
        } => {
            let _ = write!(out, "<section class=\"report-section level{level}\">");
            if let Some(t) = title {
                let h = (level + 2).min(5);
                let _ = write!(out, "<h{h}>{}</h{h}>", Esc(t));
            }
            if *redacted {
                out.push_str("<p class=\"redacted\"><strong>内容涉密，不予公开</strong>");
                if let Some(r) = reason {
                    let _ = write!(out, "（{}）", Esc(r));
                }
                out.push_str("</p>");
            } else if let Some(md) = md {
                markdown_into(out, md);
            }
            blocks(out, inner, root);
            out.push_str("</section>\n");
        }
        Block::Signoffs { items } => signoffs(out, items),
        Block::Chart(c) => {
            let _ = writeln!(
                out,
                "<figure class=\"chart\" id=\"{}\"><figcaption>{}</figcaption><p class=\"chart-summary\">{}</p>",
                c.id,
                Esc(&c.title),
                Esc(&c.summary)
            );
            out.push_str("<div class=\"chart-wrap\">");
            out.push_str(&super::chart::svg(c));
            out.push_str("</div>\n");
            table(out, &c.table, root);
            out.push_str("</figure>\n");
        }
        Block::NoChart { title, text } => {
            let _ = writeln!(
                out,
                "<p class=\"no-chart\"><strong>{}</strong>：{}</p>",
                Esc(title),
                Esc(text)
            );
        }
    }
}

fn signoffs(out: &mut String, items: &[SignoffView]) {
    out.push_str("<section class=\"signoffs\"><h3>审核意见及签章</h3>");
    for s in items {
        out.push_str("<div class=\"signoff\">");
        if !s.title.is_empty() {
            let _ = write!(out, "<p class=\"signoff-title\">{}</p>", Esc(&s.title));
        }
        if let Some(o) = &s.opinion {
            markdown_into(out, o);
        }
        for f in &s.sign {
            let _ = write!(out, "<p class=\"sign-field\">{}</p>", Esc(f));
        }
        if let Some(b) = &s.signed_by {
            let _ = write!(out, "<p>签署人：{}</p>", Esc(b));
        }
        if let Some(d) = &s.date {
            let _ = write!(out, "<p class=\"sign-date\">{}</p>", Esc(d));
        }
        out.push_str("</div>");
    }
    out.push_str("</section>\n");
}

/// A table, in a box that scrolls on narrow screens.
pub fn table(out: &mut String, t: &TableView, root: &str) {
    let cap = Esc(&t.caption);
    let _ = write!(
        out,
        "<div class=\"table-wrap\" role=\"region\" aria-label=\"{cap}\" tabindex=\"0\">\n<table"
    );
    if !t.class.is_empty() {
        let _ = write!(out, " class=\"{}\"", t.class);
    }
    let _ = write!(out, ">\n<caption>{cap}");
    if let Some(u) = &t.unit {
        let _ = write!(out, "<span class=\"unit\">单位：{}</span>", Esc(u));
    }
    out.push_str("</caption>\n<thead>");
    for row in &t.head {
        out.push_str("<tr>");
        for h in row {
            out.push_str("<th scope=\"col\"");
            span_attrs(out, h.colspan, h.rowspan);
            let _ = write!(out, ">{}</th>", Esc(&h.text));
        }
        out.push_str("</tr>");
    }
    out.push_str("</thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for c in row {
            cell(out, c, root);
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    if t.has_computed {
        out.push_str("<p class=\"legend\">※ 原文未列示，由本站根据同表数据核算。</p>\n");
    }
    out.push_str("</div>\n");
}

fn span_attrs(out: &mut String, colspan: u32, rowspan: u32) {
    if colspan > 1 {
        let _ = write!(out, " colspan=\"{colspan}\"");
    }
    if rowspan > 1 {
        let _ = write!(out, " rowspan=\"{rowspan}\"");
    }
}

fn cell(out: &mut String, c: &Cell, root: &str) {
    if c.rowspan == 0 {
        return;
    }
    let tag = if c.header { "th" } else { "td" };
    out.push('<');
    out.push_str(tag);
    if c.header {
        out.push_str(" scope=\"row\"");
    }
    span_attrs(out, c.colspan, c.rowspan);
    let flag = c.notes.first().map(|n| n.severity);
    if c.num || c.markdown || flag.is_some() {
        out.push_str(" class=\"");
        let mut sep = "";
        for (on, name) in [
            (c.num, "num"),
            (c.markdown, "prose"),
            (flag.is_some(), "flagged"),
        ] {
            if on {
                out.push_str(sep);
                out.push_str(name);
                sep = " ";
            }
        }
        if let Some(severity) = flag {
            out.push(' ');
            out.push_str(severity);
        }
        out.push('"');
    }
    out.push('>');
    cell_content(out, c, root);
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

fn cell_content(out: &mut String, c: &Cell, root: &str) {
    if c.blank {
        out.push_str(BLANK);
    } else if c.markdown {
        markdown_into(out, &c.text);
    } else {
        escape_into(out, &c.text);
        if c.computed_only {
            out.push_str("<span class=\"calc-mark\" title=\"本站核算\">※</span>");
        }
    }
    if let Some(check) = &c.check {
        let _ = write!(
            out,
            "<span class=\"check{}\">{}</span>",
            if c.agrees { " ok" } else { "" },
            Esc(check)
        );
    }
    for n in &c.notes {
        note(out, n, root);
    }
}

fn note(out: &mut String, n: &Note, root: &str) {
    let sym = match n.severity {
        "error" => "⚠",
        "warning" => "△",
        _ => "ⓘ",
    };
    let _ = write!(
        out,
        "<span class=\"note {}\" role=\"note\"><span class=\"sym\" aria-hidden=\"true\">{sym}</span><span class=\"sr\">{}：</span>{} <a href=\"{root}{}#{}\">核对详情</a></span>",
        n.severity,
        n.severity_zh,
        Esc(&n.text),
        n.page,
        n.id
    );
}
