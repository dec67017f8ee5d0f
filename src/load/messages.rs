//! The words of load errors: the TOML parser's and serde's English messages, led by a
//! Chinese one, with a suggestion of how to fix them where there is one.

use super::validate::did_you_mean;

/// A message and, where one helps, a suggestion.
pub type Worded = (String, Option<String>);

/// A TOML syntax error at `span` of `text`.
pub fn syntax(msg: &str, text: &str, span: std::ops::Range<usize>) -> Worded {
    let msg = msg.trim();
    let has = |p: &str| msg.starts_with(p);
    let found = text
        .get(span.clone())
        .unwrap_or("")
        .trim_matches(['"', '\'']);
    let before = text.get(..span.start).unwrap_or("");
    let rest_of_line = text
        .get(span.start..)
        .unwrap_or("")
        .split('\n')
        .next()
        .unwrap_or("")
        .trim();
    let (zh, help): (String, Option<&str>) = if (has("string values must be quoted")
        || has("invalid value"))
        && (rest_of_line.is_empty() || rest_of_line.starts_with('#'))
    {
        (
            "`=` 后缺少值".into(),
            Some(
                "在 = 后写上值；原文空白的格不写这一行 (write a value after =; leave out a blank cell's line)",
            ),
        )
    } else if text.get(span.start..).unwrap_or("").starts_with(',')
        && before.ends_with(|c: char| c.is_ascii_digit())
    {
        (
            "数字中不能有千位分隔逗号".into(),
            Some("写作 1180.77，不写 1,180.77 (write numbers without thousands separators)"),
        )
    } else if has("invalid float") || has("invalid integer") || has("invalid number") {
        (
            "数字写法无效".into(),
            Some(
                "数字写作 547.27 这样；原文的错印（如「1857.41.51」）按原文写成文本，放在 `stated_` 字段 (a misprinted figure goes, as text, in a `stated_` key)",
            ),
        )
    } else if has("invalid basic string")
        || has("invalid literal string")
        || has("invalid multiline")
    {
        (
            "文本缺少结尾的引号".into(),
            Some(
                "在文本末尾补上引号；文本中的双引号写作 \\\" (close the string; write a quote inside it as \\\")",
            ),
        )
    } else if has("duplicate key") {
        (
            format!("键 `{found}` 重复"),
            Some(
                "同一个表中每个键只能写一次；删去或合并重复的一行 (a key is written once per table)",
            ),
        )
    } else if has("unclosed array table") {
        (
            "表头缺少 `]]`".into(),
            Some("多行表格的每一行写作 [[three_public]] (an array-of-tables header is [[name]])"),
        )
    } else if has("unclosed table") {
        (
            "表头缺少 `]`".into(),
            Some("表头写作 [budget] 或 [budget.basic] (a table header is [name])"),
        )
    } else if has("unquoted keys cannot be empty")
        || has("invalid unquoted key")
        || has("missing key")
    {
        (
            "键名无效或为空".into(),
            Some(
                "键名只含字母、数字、_ 和 -，各级之间用一个点，如 [budget.basic]；含其他字符时加引号 (keys are letters, digits, _ and -)",
            ),
        )
    } else if has("missing escaped value")
        || has("too few unicode value digits")
        || has("invalid escape")
    {
        (
            "无效的转义序列".into(),
            Some(
                "双引号文本中的反斜杠写作 \\\\，或改用单引号 '…'（单引号内不转义） (write a backslash as \\\\, or use a 'literal string')",
            ),
        )
    } else if has("invalid date") || has("invalid time") || has("invalid offset") {
        (
            "日期无效".into(),
            Some(
                "检查年月日是否存在，如 2023-02-28；原文日期不完整时写成文本 \"2023年2月\" (a date must exist; write a partial date as text)",
            ),
        )
    } else if has("cannot recurse further") || has("recursion limit") {
        (
            "嵌套过深".into(),
            Some(
                "本格式的表和数组只有两三层；请检查是否多写了括号或点号 (the format nests two or three levels at most)",
            ),
        )
    } else if has("string values must be quoted") {
        (
            "文本须加引号".into(),
            Some("写作 key = \"……\" (write text in quotes)"),
        )
    } else if has("missing value") || has("key with no value") {
        (
            "缺少值".into(),
            Some(
                "在 = 后写上值；原文空白的格不写这一行 (write a value after =; leave out a blank cell's line)",
            ),
        )
    } else if has("carriage return must be followed by newline") {
        (
            "单独的回车符 (CR)".into(),
            Some("请以 LF 或 CRLF 换行保存 (save with LF or CRLF line breaks)"),
        )
    } else if has("missing comma") {
        (
            "缺少逗号".into(),
            Some("数组和行内表的各项之间用逗号分隔 (separate items with commas)"),
        )
    } else if has("extra comma") {
        (
            "多余的逗号".into(),
            Some(
                "行内表 { … } 的最后一项后不能有逗号 (no comma after the last item of an inline table)",
            ),
        )
    } else if has("missing assignment")
        || has("extra assignment")
        || has("extra `=`")
        || has("unexpected `=`")
    {
        (
            "`=` 缺失或多余".into(),
            Some("每行写作 key = value (one key = value per line)"),
        )
    } else if has("unexpected leading zero") {
        (
            "数字不能以 0 开头".into(),
            Some("写作 5 而不是 05；编号等文本请加引号 (write 5, not 05; quote codes)"),
        )
    } else if has("`_` may only go between digits") {
        ("数字中的 `_` 只能在两位数字之间".into(), None)
    } else if has("integer number overflowed") || has("floating-point number overflowed") {
        (
            "数字超出范围".into(),
            Some("金额以万元为单位 (amounts are in 万元)"),
        )
    } else {
        return (format!("TOML 语法错误 (syntax error): {msg}"), None);
    };
    (
        format!("TOML 语法错误：{zh} (syntax error: {msg})"),
        help.map(str::to_string),
    )
}

/// Chinese names of the keys a table requires.
fn required_zh(key: &str) -> &'static str {
    match key {
        "year" => "年度",
        "item" => "项目",
        "unit" => "单位名称",
        "name" => "名称",
        "source" => "资金来源",
        "level1" => "一级指标",
        "type" => "人员类别",
        "min" => "最低分",
        "label" => "等次名称",
        _ => "",
    }
}

/// A type: serde's English for it (`a boolean`, `integer \`5\``), in Chinese.
fn kind_zh(en: &str) -> &'static str {
    let en = en.trim();
    let en = en
        .strip_prefix("a ")
        .or_else(|| en.strip_prefix("an "))
        .unwrap_or(en);
    match en.split([' ', '`', ':']).next().unwrap_or("") {
        "string" => "文本",
        "integer" | "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => "整数",
        "floating" | "f32" | "f64" => "小数",
        "boolean" => "布尔值",
        "map" | "struct" => "表",
        "sequence" => "数组",
        "task" => "文本或表",
        _ => "其他类型",
    }
}

/// For an unknown key close to an allowed one, the allowed one (`nam` → `name`).
pub fn suggested_key(msg: &str) -> Option<&str> {
    let rest = msg.trim().strip_prefix("unknown field `")?;
    let name = rest.split('`').next()?;
    did_you_mean(name, rest.split('`').skip(2).step_by(2))
}

/// A deserialization error. `key` is the key it is about (the last key of its path).
pub fn typed(msg: &str, key: &str) -> Worded {
    let msg = msg.trim();
    // Errors of this crate's own types carry their suggestion on a second line.
    if let Some((m, h)) = msg.split_once('\n') {
        return (m.to_string(), Some(h.to_string()));
    }
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or("");
        let allowed: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        let list = allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let help = match did_you_mean(name, allowed.iter().copied()) {
            Some(best) => format!(
                "是否应为 `{best}`？(did you mean `{best}`?) 此处可用的字段 (keys allowed here): {list}"
            ),
            None => format!("此处可用的字段 (keys allowed here): {list}"),
        };
        return (format!("未知字段 `{name}` (unknown key)"), Some(help));
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("");
        let zh = required_zh(name);
        let zh = if zh.is_empty() {
            String::new()
        } else {
            format!("（{zh}）")
        };
        return (
            format!("缺少必填字段 `{name}`{zh} (missing required key `{name}`)"),
            Some(format!("在此表中写上 {name} = …… (add it to this table)")),
        );
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (got, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
        if got.contains(" as i128") || got.contains(" as u128") {
            return (
                format!("数字超出范围 (number out of range): {got}"),
                Some("金额以万元为单位 (amounts are in 万元)".into()),
            );
        }
        let value = got.split_once(' ').map_or("", |(_, v)| v).trim_matches('`');
        let help = match (kind_zh(expected), kind_zh(got)) {
            ("文本", "整数" | "小数" | "布尔值") => {
                Some(format!("文本须加引号：{key} = \"{value}\" (quote it)"))
            }
            ("整数" | "小数", "文本") => Some(format!(
                "写作数字，不加引号：{key} = 1 (write a number, unquoted)"
            )),
            ("布尔值", _) => Some(format!(
                "写作 {key} = true 或 {key} = false，不加引号 (write true or false, unquoted)"
            )),
            ("数组", "表") => Some(format!(
                "多行表格的每一行以 [[{key}]]（两层方括号）开头 (each row starts with [[{key}]])"
            )),
            ("数组", _) => Some(format!(
                "列表写作 {key} = [\"……\", \"……\"] (a list is written in brackets)"
            )),
            ("表", "数组") => Some(format!(
                "`{key}` 只有一个，表头写作 [{key}]（一层方括号） (a single table is [{key}])"
            )),
            ("表", _) => Some(format!(
                "写作表：[{key}] 一行，其下每行写一个字段 (write it as a table)"
            )),
            _ => None,
        };
        return (
            format!(
                "类型错误：应为{}，实为{} (wrong type: expected {expected}, found {got})",
                kind_zh(expected),
                kind_zh(got)
            ),
            help,
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let name = rest.split('`').next().unwrap_or("");
        let allowed: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        let list = allowed.join(", ");
        let help = match did_you_mean(name, allowed.iter().copied()) {
            Some(best) => {
                format!("是否应为 `{best}`？(did you mean `{best}`?) 可用 (allowed): {list}")
            }
            None => format!("可用 (allowed): {list}"),
        };
        return (format!("取值无效 `{name}` (invalid value)"), Some(help));
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ") {
        let (got, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
        let zh = match expected {
            "u8" => "0–255 的整数".to_string(),
            other => other.to_string(),
        };
        return (
            format!("取值无效：应为{zh}，实为 {got} (invalid value: expected {expected})"),
            None,
        );
    }
    if msg.contains("untagged enum UnitName") {
        return (
            "应为单位名称文本，或 { name = \"……\", note = \"……\" } (expected a name, or a table with name and note)".into(),
            None,
        );
    }
    if msg.contains("overflowed") {
        return (
            format!("数字超出范围 (number out of range): {msg}"),
            Some("金额以万元为单位 (amounts are in 万元)".into()),
        );
    }
    (msg.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_suggests_the_near_one() {
        let (m, h) = typed(
            "unknown field `budgt`, expected one of `item`, `budget`, `actual`",
            "budgt",
        );
        assert_eq!(m, "未知字段 `budgt` (unknown key)");
        assert!(h.unwrap().starts_with("是否应为 `budget`？"));
    }

    #[test]
    fn wrong_types_say_what_was_expected_in_chinese() {
        let (m, h) = typed("invalid type: string \"yes\", expected a boolean", "total");
        assert!(m.starts_with("类型错误：应为布尔值，实为文本"), "{m}");
        assert!(h.unwrap().contains("total = true"));
        let (_, h) = typed("invalid type: map, expected a sequence", "three_public");
        assert!(h.unwrap().contains("[[three_public]]"));
        let (_, h) = typed("invalid type: string \"一\", expected u8", "level");
        assert!(h.unwrap().contains("不加引号"));
        let (m, _) = typed("invalid type: integer `5`, expected a string", "title");
        assert!(m.starts_with("类型错误：应为文本，实为整数"), "{m}");
    }

    #[test]
    fn syntax_errors_are_named_in_chinese() {
        let (m, h) = syntax("duplicate key", "year = 1\nyear = 2\n", 9..13);
        assert_eq!(
            m,
            "TOML 语法错误：键 `year` 重复 (syntax error: duplicate key)"
        );
        assert!(h.is_some());
        let (m, _) = syntax("unexpected key or value", "a = 1,180.77\n", 5..5);
        assert!(m.contains("千位分隔逗号"), "{m}");
        let (m, h) = syntax("something new", "", 0..0);
        assert_eq!(m, "TOML 语法错误 (syntax error): something new");
        assert!(h.is_none());
    }
}
