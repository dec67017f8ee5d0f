//! `sitemap.xml` and `atom.xml`, written only when the site has a `base_url` (both need
//! absolute addresses). Dates come from the content, never from the clock.

use crate::site::Feed;
use std::fmt::Write;

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A page's address: `index.html` is served as its folder.
fn url(base: &str, path: &str) -> String {
    let p = path.strip_suffix("index.html").unwrap_or(path);
    escape(&format!("{base}{p}"))
}

/// `sitemap.xml`: every page, records with their date.
pub fn sitemap(feed: &Feed) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (path, date) in &feed.pages {
        let _ = write!(s, "<url><loc>{}</loc>", url(&feed.base_url, path));
        if let Some(d) = date {
            let _ = write!(s, "<lastmod>{d}</lastmod>");
        }
        s.push_str("</url>\n");
    }
    s.push_str("</urlset>\n");
    s.into_bytes()
}

/// `atom.xml`: dated disclosures, newest first. Times are midnight China Standard Time
/// of the content's date.
pub fn atom(feed: &Feed) -> Vec<u8> {
    let time = |d: &str| format!("{d}T00:00:00+08:00");
    let updated = feed
        .entries
        .first()
        .map(|e| time(&e.date))
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string());
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n",
    );
    let _ = writeln!(s, "<title>{}</title>", escape(&feed.title));
    let _ = writeln!(s, "<id>{}</id>", url(&feed.base_url, ""));
    let _ = writeln!(
        s,
        "<link rel=\"self\" href=\"{}\"/>\n<link href=\"{}\"/>",
        url(&feed.base_url, "atom.xml"),
        url(&feed.base_url, "")
    );
    let _ = writeln!(s, "<updated>{updated}</updated>");
    let _ = writeln!(s, "<author><name>{}</name></author>", escape(&feed.title));
    for e in &feed.entries {
        let href = url(&feed.base_url, &e.path);
        let _ = writeln!(
            s,
            "<entry><title>{}</title><id>{href}</id><link href=\"{href}\"/><updated>{}</updated><published>{}</published><author><name>{}</name></author></entry>",
            escape(&e.title),
            time(&e.date),
            time(&e.date),
            escape(&e.department)
        );
    }
    s.push_str("</feed>\n");
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_illegal_characters() {
        assert_eq!(escape("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
