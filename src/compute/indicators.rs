//! 指标达成: a structured target (op, value, unit), written or derived from the target's
//! text, against a numeric actual.

use crate::model::Indicator;
use crate::num::NumOrText;
use rust_decimal::Decimal;
use std::ops::Range;

/// 指标性质.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Op {
    /// ≥
    Ge,
    /// ≤
    Le,
    /// =
    Eq,
    /// >
    Gt,
    /// <
    Lt,
}

impl Op {
    /// The printed glyph.
    pub fn glyph(self) -> &'static str {
        match self {
            Op::Ge => "≥",
            Op::Le => "≤",
            Op::Eq => "=",
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }

    /// Reads a printed op glyph: ≥ >= ＞= mean ≥, ≤ <= mean ≤, = ＝ mean =, > and <.
    pub fn from_glyph(s: &str) -> Option<Op> {
        match s.trim() {
            "≥" | ">=" | "＞=" | "＞＝" | "≧" => Some(Op::Ge),
            "≤" | "<=" | "＜=" | "＜＝" | "≦" => Some(Op::Le),
            "=" | "＝" => Some(Op::Eq),
            ">" | "＞" => Some(Op::Gt),
            "<" | "＜" => Some(Op::Lt),
            _ => None,
        }
    }

    fn holds(self, actual: Decimal, target: Decimal) -> bool {
        match self {
            Op::Ge => actual >= target,
            Op::Le => actual <= target,
            Op::Eq => actual == target,
            Op::Gt => actual > target,
            Op::Lt => actual < target,
        }
    }
}

/// A quantitative target.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Target {
    /// Comparison.
    pub op: Op,
    /// Target value.
    pub value: Decimal,
    /// Unit as printed (「%」, 「次」), may be empty.
    pub unit: String,
    /// No comparison was printed; read as 「不低于」.
    pub assumed: bool,
}

/// Whether an indicator's target was met.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Achievement {
    /// The target, when known.
    pub target: Option<Target>,
    /// Whether the target was derived from text (not written as op/value).
    pub derived: bool,
    /// The numeric actual.
    pub actual: Option<Decimal>,
    /// Met or not; `None` when it cannot be decided.
    pub met: Option<bool>,
    /// actual − target.
    pub gap: Option<Decimal>,
    /// Why it cannot be decided.
    pub note: Option<String>,
}

const UNITS: [&str; 14] = [
    "%",
    "个百分点",
    "次",
    "件",
    "人次",
    "人",
    "个",
    "天",
    "日",
    "小时",
    "万元",
    "元",
    "项",
    "份",
];

/// The numbers in a text, each with the unit printed right after it and its byte range:
/// 「不少于613人次」 → [(613, 「人次」, 9..12)]. A full-width 「％」 is the unit 「%」.
fn numbers(text: &str) -> Vec<(Decimal, &'static str, Range<usize>)> {
    // Digits and the point are ASCII, and no byte of a multi-byte character is ASCII:
    // the text is scanned as bytes and sliced only where an ASCII run starts or ends.
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len()
            && (bytes[i].is_ascii_digit()
                || (bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
        {
            i += 1;
        }
        let rest = &text[i..];
        let unit = if rest.starts_with('％') {
            "%"
        } else {
            UNITS
                .iter()
                .find(|u| rest.starts_with(*u))
                .map_or("", |u| u)
        };
        if let Ok(v) = text[start..i].parse() {
            out.push((v, unit, start..i));
        }
    }
    out
}

/// Derives a target from its text: 「80%以上」 → ≥ 80 %, 「不低于10次」 → ≥ 10 次,
/// 「≤100%」 → ≤ 100 %. `Err` says why it cannot.
pub fn parse_target(text: &str) -> Result<Target, String> {
    let nums = numbers(text);
    let [(value, unit, range)] = nums.as_slice() else {
        return Err(if nums.is_empty() {
            "指标值为定性描述".to_string()
        } else {
            "指标值含多个数值，无法自动判断".to_string()
        });
    };
    let (before, after) = (&text[..range.start], &text[range.end..]);
    let before_t = before.trim_end();
    let glyph = [
        "≥", ">=", "＞=", "≤", "<=", "＜=", "＝", "=", ">", "＞", "<", "＜", "≧", "≦",
    ]
    .iter()
    .find(|g| before_t.ends_with(*g))
    .and_then(|g| Op::from_glyph(g));
    let words_ge = ["不低于", "不少于", "大于等于", "至少", "达到", "高于"];
    let words_le = ["不高于", "不超过", "不多于", "小于等于", "控制在", "低于"];
    let op = glyph
        .or_else(|| {
            let a = past_unit(after, unit);
            if a.starts_with("以上") || a.starts_with("及以上") {
                Some(Op::Ge)
            } else if a.starts_with("以下") || a.starts_with("以内") || a.starts_with("及以下")
            {
                Some(Op::Le)
            } else {
                None
            }
        })
        .or_else(|| {
            words_ge
                .iter()
                .any(|w| before.ends_with(w))
                .then_some(Op::Ge)
        })
        .or_else(|| {
            words_le
                .iter()
                .any(|w| before.ends_with(w))
                .then_some(Op::Le)
        });
    match op {
        Some(op) => Ok(Target {
            op,
            value: *value,
            unit: unit.to_string(),
            assumed: false,
        }),
        // 「满意度90%」: a bare target is a floor, as 绩效目标 are; said on the page.
        None if past_unit(after, unit).trim().is_empty() => Ok(Target {
            op: Op::Ge,
            value: *value,
            unit: unit.to_string(),
            assumed: true,
        }),
        None => Err("指标值未写明比较方式（以上/以下/≥/≤）".to_string()),
    }
}

/// The text after a number's unit as printed: 「％」 is the unit 「%」 too.
fn past_unit<'t>(after: &'t str, unit: &str) -> &'t str {
    if unit == "%" {
        after.trim_start_matches(['%', '％'])
    } else {
        after.trim_start_matches(unit)
    }
}

/// 指标达成 of an indicator, when it has a target at all.
pub fn achievement(ind: &Indicator) -> Option<Achievement> {
    let written = match (&ind.op, &ind.value) {
        (Some(op), Some(NumOrText::Num(n))) => Some(Op::from_glyph(op).map(|op| Target {
            op,
            value: n.value,
            unit: ind.unit.as_deref().unwrap_or_default().to_string(),
            assumed: false,
        })),
        _ => None,
    };
    let (target, derived, note) = match written {
        Some(Some(t)) => (Some(t), false, None),
        Some(None) => (
            None,
            false,
            Some(format!(
                "指标性质 `{}` 无法识别",
                ind.op.as_deref().unwrap_or("")
            )),
        ),
        None => match ind.target.as_deref().map(parse_target) {
            Some(Ok(t)) => (Some(t), true, None),
            Some(Err(e)) => (None, true, Some(e)),
            None => return None,
        },
    };
    let actual_nums = ind.actual.as_deref().map(numbers).unwrap_or_default();
    let actual = match actual_nums.as_slice() {
        [(v, unit, _)]
            if target
                .as_ref()
                .is_none_or(|t| t.unit.is_empty() || unit.is_empty() || *unit == t.unit) =>
        {
            Some(*v)
        }
        _ => None,
    };
    let (met, gap, note) = match (&target, actual) {
        (Some(t), Some(a)) => (Some(t.op.holds(a, t.value)), a.checked_sub(t.value), note),
        (Some(_), None) => (
            None,
            None,
            note.or_else(|| Some("实际完成值不是单一数值".to_string())),
        ),
        _ => (None, None, note),
    };
    Some(Achievement {
        target,
        derived,
        actual,
        met,
        gap,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> (Op, String, String) {
        let t = parse_target(s).unwrap();
        (t.op, t.value.to_string(), t.unit)
    }

    #[test]
    fn targets_from_text() {
        assert_eq!(t("积案化解率80%以上"), (Op::Ge, "80".into(), "%".into()));
        assert_eq!(t("不低于10次"), (Op::Ge, "10".into(), "次".into()));
        assert_eq!(t("公用经费控制率≤100%"), (Op::Le, "100".into(), "%".into()));
        assert_eq!(t("预算控制率≤10%"), (Op::Le, "10".into(), "%".into()));
        assert!(parse_target("信访渠道畅通").is_err());
        assert!(
            parse_target("中央、省交办信访案件办结率100%，州交办信访案件办结率95%以上").is_err()
        );
        let t = parse_target("社会公众或服务对象满意度90%").unwrap();
        assert!(t.assumed && t.op == Op::Ge);
        // A full-width 「％」 is read as 「%」, before 「以上」 and at the end.
        let above = parse_target("满意度95.5％以上").unwrap();
        assert_eq!((above.op, above.value.to_string()), (Op::Ge, "95.5".into()));
        assert!(!above.assumed && above.unit == "%");
        let bare = parse_target("满意度90％").unwrap();
        assert!(bare.assumed && bare.op == Op::Ge && bare.unit == "%");
    }

    #[test]
    fn numbers_units_and_byte_ranges() {
        fn n(s: &str) -> Vec<(String, &'static str, &str)> {
            numbers(s)
                .into_iter()
                .map(|(v, u, r)| (v.to_string(), u, &s[r]))
                .collect()
        }
        assert_eq!(
            n("组织培训不少于613人次，覆盖12人"),
            [("613".into(), "人次", "613"), ("12".into(), "人", "12")]
        );
        assert_eq!(n("满意度95.5％以上"), [("95.5".into(), "%", "95.5")]);
        // A point not followed by a digit ends the number; units are matched in order.
        assert_eq!(
            n("完成3.项，提高1.5个百分点"),
            [("3".into(), "", "3"), ("1.5".into(), "个百分点", "1.5")]
        );
        assert_eq!(n("第2季度"), [("2".into(), "", "2")]);
        assert!(n("定性描述，无数值").is_empty());
    }

    #[test]
    fn satisfaction_not_met() {
        let ind = Indicator {
            target: Some("满意度≥90%".into()),
            actual: Some("85%".into()),
            ..Default::default()
        };
        let a = achievement(&ind).unwrap();
        assert_eq!(a.met, Some(false));
        assert_eq!(a.gap.unwrap().to_string(), "-5");
    }
}
