//! On a phone, no page is wider than the screen: wide tables and charts scroll inside
//! their own box, and nothing in them (screen-reader text included) widens the page.
//! Every page of the bundled site, in headless Chromium, in a frame 360 px wide.

mod common;
use std::path::Path;

/// A page's scrolling width, the frame's width, and what sticks out unclipped.
type Measured = (i64, i64, Vec<String>);

#[test]
fn no_page_is_wider_than_a_phone() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("phone-site");
    let _ = std::fs::remove_dir_all(&out);
    common::build_into(&out);
    let pages: Vec<String> = common::html_files(&out)
        .iter()
        .map(|p| gongkai::write::relative(&out, p))
        .collect();
    assert!(pages.len() >= 19, "{pages:?}");
    let driver = std::fs::read_to_string(common::root().join("tests/fixtures/phone/driver.html"))
        .unwrap()
        .replace("/*PAGES*/[]", &serde_json::to_string(&pages).unwrap());
    // Beside the pages, so that Chromium lets the driver read them (file access).
    std::fs::write(out.join("__phone.html"), driver).unwrap();
    let dump = common::driver_command(&out.join("__phone.html"), &out.join("__profile"), 600_000)
        .output()
        .unwrap();
    let json = common::driver_results(&String::from_utf8_lossy(&dump.stdout), pages.len());
    let results: Vec<(String, Measured)> = serde_json::from_str(&json).unwrap();
    assert_eq!(results.len(), pages.len());
    let wide: Vec<String> = results
        .iter()
        .filter(|(_, (scroll, client, _))| *client <= 0 || scroll > client)
        .map(|(p, (scroll, client, why))| {
            format!("{p}: {scroll} px in {client} px; {}", why.join("; "))
        })
        .collect();
    assert!(
        wide.is_empty(),
        "pages wider than a phone:\n{}",
        wide.join("\n")
    );
}
