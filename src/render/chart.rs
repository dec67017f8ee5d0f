//! Charts drawn at build time with plotters' SVG backend and inlined into the page: no
//! script, nothing from another host. Every chart is `role="img"` with a `<title>` and a
//! `<desc>` (its summary), scales with the page (viewBox only), starts amount axes at
//! zero, prints its values on the marks, and tells series apart by fill (solid / outline
//! / tint) and by legend, so it reads in black and white.
//!
//! Positions are computed in f64 (pixels); every number printed on a chart is the
//! display string of an exact Decimal, as in the tables.

use super::Escaped as Esc;
use crate::site::chart::{ChartKind, ChartView, label};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::prelude::ToPrimitive;

const INK: RGBColor = RGBColor(31, 78, 121);
const TINT: RGBColor = RGBColor(170, 195, 220);
const GRID: RGBColor = RGBColor(200, 200, 200);
const FONT: &str = "sans-serif";
const FONT_PX: u32 = 13;

/// The chart as an inline SVG element.
pub fn svg(c: &ChartView) -> String {
    let (w, h) = size(c);
    let mut buf = String::with_capacity(8 * 1024);
    {
        let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        // Drawing into a String cannot fail for lack of fonts (the SVG backend writes text
        // elements); a failure here would only drop marks, never the data table.
        let _ = root.fill(&WHITE);
        let _ = match c.kind {
            ChartKind::Bars => bars(&root, c, false),
            ChartKind::Line => bars(&root, c, true),
            ChartKind::HBars => hbars(&root, c),
        };
        let _ = root.present();
    }
    accessible(&buf, c, w, h)
}

fn size(c: &ChartView) -> (u32, u32) {
    match c.kind {
        ChartKind::HBars => (720, 56 + 24 * c.categories.len().max(1) as u32),
        _ => (720, 320),
    }
}

/// Replaces plotters' fixed-size header by a scalable, labelled one.
fn accessible(svg: &str, c: &ChartView, w: u32, h: u32) -> String {
    let body = svg.split_once('\n').map_or(svg, |(_, b)| b);
    format!(
        "<svg viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" class=\"chart-svg\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>\n{body}",
        Esc(&c.title),
        Esc(&c.summary),
        id = c.id
    )
}

fn f(v: rust_decimal::Decimal) -> f64 {
    v.to_f64().unwrap_or(0.0)
}

fn max_value(c: &ChartView) -> f64 {
    let m = c
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .map(|v| f(*v))
        .chain(c.bands.iter().map(|b| f(b.0)))
        .fold(0.0_f64, f64::max);
    if m <= 0.0 { 1.0 } else { m * 1.18 }
}

/// Cuts a label to fit `px` pixels (a CJK character is one em wide).
fn fit(text: &str, px: f64) -> String {
    let em = FONT_PX as f64;
    let width = |s: &str| {
        s.chars()
            .map(|c| if c.is_ascii() { em * 0.55 } else { em })
            .sum::<f64>()
    };
    if width(text) <= px {
        return text.to_string();
    }
    let mut out = String::new();
    for ch in text.chars() {
        if width(&out) + width(&ch.to_string()) + em > px {
            break;
        }
        out.push(ch);
    }
    out.push('…');
    out
}

fn style(i: usize) -> (ShapeStyle, ShapeStyle) {
    match i % 3 {
        0 => (INK.filled(), INK.stroke_width(1)),
        1 => (WHITE.filled(), INK.stroke_width(2)),
        _ => (TINT.filled(), INK.stroke_width(1)),
    }
}

/// plotters writes `size / 1.24` px; ask for what we want drawn.
fn text_style(size: u32) -> TextStyle<'static> {
    (FONT, size as f64 * 1.24).into_font().color(&BLACK)
}

fn legend(root: &DrawingArea<SVGBackend, Shift>, c: &ChartView, x0: i32) -> Result<(), String> {
    if c.series.len() < 2 {
        return Ok(());
    }
    let mut x = x0;
    for (i, s) in c.series.iter().enumerate() {
        let (fill, stroke) = style(i);
        root.draw(&Rectangle::new([(x, 10), (x + 14, 24)], fill))
            .map_err(|e| e.to_string())?;
        root.draw(&Rectangle::new([(x, 10), (x + 14, 24)], stroke))
            .map_err(|e| e.to_string())?;
        root.draw(&Text::new(
            s.name.clone(),
            (x + 20, 11),
            text_style(FONT_PX),
        ))
        .map_err(|e| e.to_string())?;
        x += 34 + s.name.chars().count() as i32 * FONT_PX as i32;
    }
    Ok(())
}

/// Grouped vertical bars, or a line with points (`line`), over categories.
fn bars(root: &DrawingArea<SVGBackend, Shift>, c: &ChartView, line: bool) -> Result<(), String> {
    let n = c.categories.len().max(1);
    let top = if c.series.len() > 1 { 36 } else { 16 };
    let max = max_value(c);
    // Drawn within the axis (the data table below the chart has every value): a value
    // far outside it (a negative 结余 beside small ones) would overflow plotters' pixel
    // arithmetic.
    let f = |v: rust_decimal::Decimal| f(v).clamp(0.0, max);
    let mut chart = ChartBuilder::on(root)
        .margin_top(top)
        .margin_right(16)
        .margin_left(8)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..n as f64, 0f64..max)
        .map_err(|e| e.to_string())?;
    let decimals = if max < 10.0 { 1 } else { 0 };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(1))
        .y_desc(format!("单位：{}", c.unit))
        .y_label_formatter(&|v| format!("{v:.decimals$}"))
        .label_style(text_style(12))
        .axis_desc_style(text_style(12))
        .draw()
        .map_err(|e| e.to_string())?;
    let m = c.series.len().max(1) as f64;
    for (band, name) in &c.bands {
        let y = f(*band);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, y), (n as f64, y)],
                BLACK.stroke_width(1),
            )))
            .map_err(|e| e.to_string())?;
        let (px, py) = chart.backend_coord(&(n as f64, y));
        root.draw(&Text::new(
            name.clone(),
            (px - 4, py - 15),
            text_style(11).pos(Pos::new(HPos::Right, VPos::Top)),
        ))
        .map_err(|e| e.to_string())?;
    }
    for (j, s) in c.series.iter().enumerate() {
        let (fill, stroke) = style(j);
        if line {
            let pts: Vec<(f64, f64)> = s
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i as f64 + 0.5, f(v))))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), INK.stroke_width(2)))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(pts.iter().map(|&p| {
                    Circle::new(
                        p,
                        4,
                        if j % 2 == 0 {
                            INK.filled()
                        } else {
                            WHITE.filled()
                        },
                    )
                }))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 4, INK.stroke_width(2))))
                .map_err(|e| e.to_string())?;
        }
        for (i, v) in s.values.iter().enumerate() {
            let Some(v) = v else { continue };
            let (x0, x1) = if line {
                (i as f64 + 0.5, i as f64 + 0.5)
            } else {
                let x0 = i as f64 + 0.12 + j as f64 * 0.76 / m;
                (x0, x0 + 0.76 / m * 0.92)
            };
            if !line {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, 0.0), (x1, f(*v))],
                        fill,
                    )))
                    .map_err(|e| e.to_string())?;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, 0.0), (x1, f(*v))],
                        stroke,
                    )))
                    .map_err(|e| e.to_string())?;
            }
            let (px, py) = chart.backend_coord(&((x0 + x1) / 2.0, f(*v)));
            let text = format!("{}{}", label(*v), if c.unit == "%" { "%" } else { "" });
            // Neighbouring bars of similar height: alternate label heights so they never overlap.
            let lift = if !line && c.series.len() > 1 {
                (j % 2) as i32 * 13
            } else {
                0
            };
            root.draw(&Text::new(
                text,
                (px, py - 6 - lift),
                text_style(11).pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))
            .map_err(|e| e.to_string())?;
        }
    }
    let slot = {
        let (a, _) = chart.backend_coord(&(0.0, 0.0));
        let (b, _) = chart.backend_coord(&(1.0, 0.0));
        (b - a) as f64
    };
    for (i, cat) in c.categories.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        root.draw(&Text::new(
            fit(cat, slot - 4.0),
            (px, py + 8),
            text_style(FONT_PX).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(|e| e.to_string())?;
    }
    legend(root, c, 72)
}

/// Horizontal bars, one category per row.
fn hbars(root: &DrawingArea<SVGBackend, Shift>, c: &ChartView) -> Result<(), String> {
    let n = c.categories.len().max(1);
    let max = max_value(c);
    let f = |v: rust_decimal::Decimal| f(v).clamp(0.0, max);
    let label_px = c
        .categories
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(4)
        .min(14) as u32
        * FONT_PX
        + 12;
    let mut chart = ChartBuilder::on(root)
        .margin_top(16)
        .margin_right(24)
        .margin_left(label_px)
        .x_label_area_size(36)
        .y_label_area_size(8)
        .build_cartesian_2d(0f64..max, 0f64..n as f64)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(6)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(1))
        .x_desc(format!("单位：{}", c.unit))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .label_style(text_style(12))
        .axis_desc_style(text_style(12))
        .draw()
        .map_err(|e| e.to_string())?;
    let s = c.series.first();
    for (i, cat) in c.categories.iter().enumerate() {
        let row = (n - 1 - i) as f64;
        let (px, py) = chart.backend_coord(&(0.0, row + 0.5));
        root.draw(&Text::new(
            fit(cat, label_px as f64 - 12.0),
            (px - 6, py),
            text_style(FONT_PX).pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(|e| e.to_string())?;
        let Some(v) = s.and_then(|s| s.values.get(i).copied().flatten()) else {
            continue;
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, row + 0.15), (f(v), row + 0.85)],
                INK.filled(),
            )))
            .map_err(|e| e.to_string())?;
        let (vx, vy) = chart.backend_coord(&(f(v), row + 0.5));
        let text = format!("{}{}", label(v), if c.unit == "%" { "%" } else { "" });
        root.draw(&Text::new(
            text,
            (vx + 4, vy),
            text_style(11).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::chart::{Series, table};

    fn chart() -> ChartView {
        let d = |s: &str| Some(s.parse().unwrap());
        let cats = vec![
            "公务用车购置及运行维护费".to_string(),
            "公务接待费".to_string(),
        ];
        let series = vec![
            Series {
                name: "2022年".into(),
                values: vec![d("5.53"), d("1.01")],
            },
            Series {
                name: "2023年".into(),
                values: vec![d("3.78"), d("1.31")],
            },
        ];
        ChartView {
            id: "c1".into(),
            title: "“三公”经费<比较>".into(),
            summary: "由 6.54 万元降至 5.09 万元".into(),
            unit: "万元".into(),
            kind: ChartKind::Bars,
            table: table("x", "万元", &cats, &series, "项目"),
            categories: cats,
            series,
            bands: vec![],
        }
    }

    #[test]
    fn accessible_scalable_and_deterministic() {
        let a = svg(&chart());
        assert!(
            a.starts_with("<svg viewBox=\"0 0 720 320\""),
            "{}",
            &a[..80]
        );
        assert!(!a[..200].contains("width="));
        assert!(a.contains("role=\"img\""));
        assert!(a.contains("<title id=\"c1-t\">“三公”经费&lt;比较&gt;</title>"));
        assert!(a.contains("<desc id=\"c1-d\">由 6.54 万元降至 5.09 万元</desc>"));
        for v in ["5.53", "1.01", "3.78", "1.31"] {
            assert!(
                a.contains(&format!("\n{v}\n</text>")),
                "value {v} printed on its bar"
            );
        }
        assert_eq!(a, svg(&chart()));
    }

    #[test]
    fn long_labels_are_cut_to_fit() {
        assert_eq!(fit("公务接待费", 200.0), "公务接待费");
        assert!(fit("公务用车购置及运行维护费", 60.0).ends_with('…'));
    }
}
