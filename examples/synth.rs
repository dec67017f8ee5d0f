//! Synthetic province of budget-performance disclosures in content format v1.
//!
//! ```sh
//! cargo run --release --example synth -- --departments 2000 --years 5 --seed 1 DIR
//! ```
//!
//! writes `DIR/site.toml`, per department `DIR/<slug>/department.toml`, per year
//! `DIR/<slug>/<year>/evaluation.toml` and, for about a third of the years, `targets.toml`.
//! Every section of the format is filled. The published `stated_*` figures are computed
//! exactly (integer cents, rates rounded once at the printed precision), except for a few
//! percent that are deliberately wrong the way real documents are (a slipped digit,
//! truncation, the wrong base, a wrong sign or direction, a 合计 off by a cent…); with
//! `--manifest FILE` the generator lists every planted mistake (file, line, field path,
//! expected cause, severity) so that `gongkai check` can be compared with it.
//!
//! Year N's prior-year figures (三公经费 and 同比 rows) are year N−1's actuals, and a
//! targets record's budget is that year's 年初预算, so the only prior-year findings are the
//! planted ones. The same arguments always give byte-identical files: a small splitmix64
//! generator per department, seeded from `--seed` and the department's slug.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

const LAST_YEAR: i32 = 2024;
const PROVINCE: &str = "南湖省";

// ------------------------------------------------------------------------------- command line

struct Args {
    departments: usize,
    years: usize,
    seed: u64,
    error_rate: f64,
    manifest: Option<PathBuf>,
    out: PathBuf,
}

const USAGE: &str =
    "usage: synth [--departments N] [--years N] [--seed N] [--error-rate P] [--manifest FILE] DIR

  --departments N   departments (default 200)
  --years N         years per department, ending in 2024 (default 5)
  --seed N          seed; the same arguments give byte-identical files (default 1)
  --error-rate P    share of published figures written deliberately wrong (default 0.03)
  --manifest FILE   also write the list of planted mistakes (TSV) to FILE
  DIR               output folder; must not exist or be empty";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        departments: 200,
        years: 5,
        seed: 1,
        error_rate: 0.03,
        manifest: None,
        out: PathBuf::new(),
    };
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--departments" => a.departments = num(&value(&arg)?)?,
            "--years" => a.years = num(&value(&arg)?)?,
            "--seed" => a.seed = num(&value(&arg)?)?,
            "--error-rate" => {
                a.error_rate = value(&arg)?
                    .parse()
                    .map_err(|e| format!("--error-rate: {e}"))?
            }
            "--manifest" => a.manifest = Some(PathBuf::from(value(&arg)?)),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => {
                if out.replace(PathBuf::from(s)).is_some() {
                    return Err("only one output folder".into());
                }
            }
        }
    }
    a.out = out.ok_or("missing output folder DIR")?;
    if a.departments == 0 || a.years == 0 || a.years > 40 {
        return Err("--departments must be at least 1 and --years 1 to 40".into());
    }
    if !(0.0..=1.0).contains(&a.error_rate) {
        return Err("--error-rate must be between 0 and 1".into());
    }
    Ok(a)
}

fn num<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("not a number: {s}"))
}

// ------------------------------------------------------------------------------- PRNG

/// splitmix64: tiny, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
    /// Uniform in `lo..=hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + ((u128::from(self.next_u64()) * (hi - lo + 1) as u128) >> 64) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) < p * (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// `v` × a factor drawn from `lo‰..=hi‰`.
    fn scale(&mut self, v: i64, lo: i64, hi: i64) -> i64 {
        (i128::from(v) * i128::from(self.int(lo, hi)) / 1000) as i64
    }
    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            xs.swap(i, self.below(i + 1));
        }
    }
    /// `k` distinct items, in random order.
    fn sample<T: Clone>(&mut self, xs: &[T], k: usize) -> Vec<T> {
        let mut idx: Vec<usize> = (0..xs.len()).collect();
        let k = k.min(xs.len());
        for i in 0..k {
            let j = i + self.below(xs.len() - i);
            idx.swap(i, j);
        }
        idx[..k].iter().map(|&i| xs[i].clone()).collect()
    }
}

/// A seed for one department: the run's seed and its slug, mixed (FNV-1a, then splitmix).
fn seed_for(seed: u64, key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for b in key.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    Rng(h).next_u64()
}

// ------------------------------------------------------------------------------- numbers

/// 万元 held as integer cents → `1180.77` (always two decimals; never through f64).
fn money(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let a = c.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// As printed when the form drops trailing zeros: `633.50` → `633.5`, `59.00` → `59`.
fn money_short(c: i64) -> String {
    let s = money(c);
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_string()
}

/// `n / d` rounded to an integer: half away from zero, or half to even.
fn round_div(n: i128, d: i128, even: bool) -> i128 {
    let neg = (n < 0) != (d < 0);
    let (n, d) = (n.abs(), d.abs());
    let (mut q, r) = (n / d, n % d);
    if 2 * r > d || (2 * r == d && (!even || q % 2 == 1)) {
        q += 1;
    }
    if neg { -q } else { q }
}

/// An integer of hundredths/tenths… as text with `dp` decimals.
fn fixed(q: i128, dp: u32) -> String {
    let scale = 10i128.pow(dp);
    let sign = if q < 0 { "-" } else { "" };
    let a = q.abs();
    if dp == 0 {
        format!("{sign}{a}")
    } else {
        format!("{sign}{}.{:0w$}", a / scale, a % scale, w = dp as usize)
    }
}

/// `num / den` as a percentage with `dp` decimals, rounded once: `"24.24%"`.
fn pct(num: i128, den: i128, dp: u32, even: bool) -> Option<String> {
    (den != 0).then(|| fixed(round_div(num * 100 * 10i128.pow(dp), den, even), dp) + "%")
}

/// The same, truncated instead of rounded.
fn pct_trunc(num: i128, den: i128, dp: u32) -> Option<String> {
    (den != 0).then(|| fixed(num * 100 * 10i128.pow(dp) / den, dp) + "%")
}

/// Rules a department's records are scored by (site defaults unless overridden).
#[derive(Clone, Copy)]
struct Rules {
    base_initial: bool,
    cap: bool,
    even: bool,
    grades: &'static [(i64, &'static str)],
}

const GRADES: &[(i64, &str)] = &[(90, "优"), (80, "良"), (60, "中"), (0, "差")];
const GRADES_HUNAN: &[(i64, &str)] = &[(90, "优"), (80, "良"), (60, "较差"), (0, "差")];

impl Rules {
    const DEFAULT: Rules = Rules {
        base_initial: false,
        cap: true,
        even: false,
        grades: GRADES,
    };
    fn den(&self, initial: i64, adjusted: i64) -> i64 {
        if self.base_initial { initial } else { adjusted }
    }
    /// 执行率得分 in hundredths of a point: weight × min(executed / base, 100%).
    fn exec_points(&self, weight: i64, executed: i64, base: i64) -> i64 {
        if base == 0 {
            return 0;
        }
        let e = if self.cap {
            executed.min(base)
        } else {
            executed
        };
        round_div(
            i128::from(weight) * 100 * i128::from(e),
            i128::from(base),
            self.even,
        ) as i64
    }
    /// 等次 of `num / den` points (exact; `den` > 0).
    fn grade(&self, num: i128, den: i128) -> &'static str {
        for &(min, label) in self.grades {
            if num >= i128::from(min) * den {
                return label;
            }
        }
        self.grades.last().map_or("差", |g| g.1)
    }
}

// ------------------------------------------------------------------------------- vocabularies

#[rustfmt::skip]
const CITY_CHARS: &[(&str, &str)] = &[
    ("安", "an"), ("平", "ping"), ("宁", "ning"), ("山", "shan"), ("阳", "yang"),
    ("江", "jiang"), ("新", "xin"), ("东", "dong"), ("西", "xi"), ("南", "nan"),
    ("北", "bei"), ("兴", "xing"), ("永", "yong"), ("华", "hua"), ("桃", "tao"),
    ("源", "yuan"), ("石", "shi"), ("门", "men"), ("武", "wu"), ("陵", "ling"),
    ("临", "lin"), ("澧", "li"), ("湘", "xiang"), ("岳", "yue"), ("溪", "xi"),
    ("龙", "long"), ("泉", "quan"), ("清", "qing"), ("河", "he"), ("城", "cheng"),
    ("峰", "feng"), ("丰", "feng"), ("茶", "cha"), ("宜", "yi"), ("嘉", "jia"),
    ("禾", "he"), ("汉", "han"), ("寿", "shou"), ("沅", "yuan"), ("辰", "chen"),
    ("云", "yun"), ("梦", "meng"), ("柳", "liu"), ("松", "song"), ("桂", "gui"),
];

/// (city/county name, provincial name, slug code, field)
#[rustfmt::skip]
const AGENCIES: &[(&str, &str, &str, &str)] = &[
    ("信访局", "信访局", "xfj", "信访"),
    ("教育局", "教育厅", "jyj", "教育"),
    ("卫生健康局", "卫生健康委员会", "wjj", "卫生健康"),
    ("交通运输局", "交通运输厅", "jtj", "交通运输"),
    ("民政局", "民政厅", "mzj", "民政"),
    ("财政局", "财政厅", "czj", "财政"),
    ("人力资源和社会保障局", "人力资源和社会保障厅", "rsj", "人力资源社会保障"),
    ("自然资源和规划局", "自然资源厅", "zrj", "自然资源"),
    ("生态环境局", "生态环境厅", "sthjj", "生态环境"),
    ("住房和城乡建设局", "住房和城乡建设厅", "zjj", "住房城乡建设"),
    ("农业农村局", "农业农村厅", "nyncj", "农业农村"),
    ("水利局", "水利厅", "slj", "水利"),
    ("文化旅游广电体育局", "文化和旅游厅", "wlj", "文化旅游"),
    ("市场监督管理局", "市场监督管理局", "scjgj", "市场监管"),
    ("统计局", "统计局", "tjj", "统计"),
    ("审计局", "审计厅", "sjj", "审计"),
    ("应急管理局", "应急管理厅", "yjglj", "应急管理"),
    ("医疗保障局", "医疗保障局", "ybj", "医疗保障"),
    ("退役军人事务局", "退役军人事务厅", "tyjrj", "退役军人服务"),
    ("司法局", "司法厅", "sfj", "司法行政"),
    ("科学技术局", "科学技术厅", "kjj", "科技"),
    ("林业局", "林业局", "lyj", "林业"),
    ("档案馆", "档案馆", "dag", "档案"),
    ("机关事务管理局", "机关事务管理局", "jgswj", "机关事务"),
];

#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏",
    "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石",
    "廖", "贾", "夏", "韦", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "覃", "向",
];
#[rustfmt::skip]
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
    "娟", "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "华", "建", "国", "红", "波", "辉",
    "鹏", "宇", "浩", "凯", "晨", "琳", "雪", "梅", "玲", "燕", "飞", "斌", "亮", "俊", "峰",
    "志", "远", "庆", "海", "文", "博", "立", "新", "卫", "东", "晓", "春", "秋", "菊", "德",
];
#[rustfmt::skip]
const TITLES: &[&str] = &[
    "党组成员、副局长", "副局长", "办公室主任", "四级调研员", "一级主任科员", "财务科科长",
    "督查科科长", "规划财务科副科长", "综合科科长", "二级主任科员", "机关党委专职副书记",
    "政策法规科科长", "三级调研员",
];
#[rustfmt::skip]
const DIVISIONS: &[&str] = &[
    "办公室", "综合科", "规划财务科", "政策法规科", "督查科", "信息网络科", "人事科",
    "业务一科", "业务二科", "监督检查科", "宣传科", "审批服务科", "机关党委", "法制科",
];
#[rustfmt::skip]
const SUBORDINATES: &[&str] = &[
    "事务中心", "服务中心", "信息中心", "监测站", "执法大队", "接待办理中心", "培训中心",
];
#[rustfmt::skip]
const STREETS: &[&str] = &[
    "人民北路", "解放路", "建设大道", "迎宾路", "中山路", "滨江路", "府前街", "文化路",
    "光明路", "五一大道",
];

const PHRASES_GOAL: &[&str] = &[
    "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神",
    "紧紧围绕{gov}中心工作，聚焦主责主业，统筹推进各项重点任务",
    "严格落实过紧日子要求，从严控制一般性支出，切实提高财政资金使用效益",
    "以“{theme}”为主线，着力破解制约{field}工作高质量发展的突出问题",
    "深入推进预算绩效管理，建立全方位、全过程、全覆盖的预算绩效管理体系",
    "强化部门责任意识，规范专项资金管理，确保资金安全、规范、有效运行",
    "持续优化营商环境，切实维护人民群众合法权益，促进社会和谐稳定",
    "坚持问题导向和目标导向相统一，推动{field}各项工作走在全省前列",
    "统筹发展和安全，守牢{field}领域安全底线，防范化解重大风险",
    "加强干部队伍建设，锻造忠诚干净担当的{field}干部队伍",
];
const PHRASES_RESULT: &[&str] = &[
    "全年完成{field}重点任务{n}项，其中{m}项指标位列全省第一方阵",
    "{field}领域群众满意度达到{p}%，较上年提高{q}个百分点",
    "办理上级交办事项{n}件，按期办结率{p}%",
    "组织开展专项检查{m}次，发现并整改问题{n}个，整改完成率100%",
    "出台《关于进一步加强{field}工作的实施意见》等制度文件{m}个，机制建设不断完善",
    "投入专项资金{money}万元，惠及群众{n}人次，社会效益明显",
    "年度重点项目按计划推进，{m}个项目通过验收，资金支付进度达到{p}%",
    "全年未发生重大安全责任事故和重大负面舆情，{field}大局稳定可控",
    "{region}{field}工作获评全省先进单位，相关经验做法在全省推广",
];
const PHRASES_PROBLEM: &[&str] = &[
    "预算编制不够精准，年中调整追加金额较大，预算编制的科学性和准确性有待提高",
    "部分绩效指标设置不够明晰，可考核性不强，指标约束力有待提升",
    "政府采购预算编制不准确，实际采购金额与年初预算存在差异",
    "项目资金支付进度前慢后快，年末集中支付现象仍然存在",
    "绩效自评工作人员业务能力有待提升，对评价指标的理解不够深入",
    "部分项目前期论证不充分，导致实施过程中调整较多",
    "基层单位财务管理基础薄弱，会计核算不够规范",
    "效益指标以定性描述为主，量化程度不高，难以客观反映资金使用效果",
];
const PHRASES_MEASURE: &[&str] = &[
    "细化预算编制工作，本着“勤俭节约、保障运转”的原则，提高预算编制的科学性、合理性和严谨性",
    "加强绩效目标管理，根据部门职能职责及年度重点工作任务，进一步完善绩效指标设置",
    "强化预算执行监控，按月分析执行进度，确保资金及时足额支付",
    "加强政府采购管理，增强依法采购意识，严格按计划执行采购",
    "组织财务人员参加业务培训，提高绩效管理工作水平",
    "将绩效自评结果作为下一年度预算安排的重要依据，促进绩效管理工作不断改进",
    "建立健全内部控制制度，规范资金审批流程，防范财务风险",
    "细化量化效益指标，做到指标可衡量、可考核、可比较",
];
const THEMES: &[&str] = &[
    "落实新《条例》、推进法治化、构建大格局",
    "基层基础工作强化年",
    "作风建设提升年",
    "改革攻坚年",
    "项目建设年",
    "服务质量提升年",
];
#[rustfmt::skip]
const PROJECT_NAMES: &[&str] = &[
    "业务工作经费", "专项工作经费", "信息化建设运维经费", "能力建设经费", "宣传培训经费",
    "专项督查经费", "基础设施维修改造", "公共服务补助资金", "监测评估经费", "驻点工作经费",
    "运行维护经费", "应急处置经费",
];
#[rustfmt::skip]
const YOY_SMALL: &[&str] = &[
    "印刷费", "会议费", "培训费", "差旅费", "办公费", "水电费", "维修(护)费", "邮电费",
    "劳务费", "委托业务费",
];
const REASONS_UP: &[&str] = &[
    "人员调资及增加在职人员",
    "年中追加专项工作任务",
    "按政策调整社保缴费基数",
    "新增信息化运维项目",
    "承办全省现场会",
];
const REASONS_DOWN: &[&str] = &[
    "严格执行中央八项规定精神，厉行节约",
    "压减一般性支出",
    "部分项目已于上年完成",
    "减少会议和培训规模",
    "推行无纸化办公",
];
const REDACT_REASONS: &[&str] = &[
    "涉密信息按保密规定不公开",
    "涉及国家秘密，依据《中华人民共和国保守国家秘密法》不予公开",
    "涉及工作秘密，经审查不予公开",
];

/// Indicator templates: name, target text, op, value range, unit, kind, figure.
/// kind: "pct" a percentage near the target, "count" a count, "qual" qualitative.
type Tpl = (
    &'static str,
    &'static str,
    &'static str,
    (i64, i64),
    &'static str,
    &'static str,
    &'static str,
);

/// (level1 key, level2, templates)
#[rustfmt::skip]
const GROUPS: &[(&str, &str, &[Tpl])] = &[
    ("产出", "数量指标", &[
        ("积案化解率", "积案化解率{v}%以上", "≥", (75, 90), "%", "pct", ""),
        ("{field}事项办结率", "{field}事项办结率{v}%以上", "≥", (85, 95), "%", "pct", ""),
        ("专项检查次数", "开展专项检查不少于{v}次", "≥", (4, 24), "次", "count", ""),
        ("培训人次", "组织业务培训不少于{v}人次", "≥", (100, 800), "人次", "count", ""),
        ("交办事项办结率", "中央、省交办事项办结率100%", "=", (100, 100), "%", "pct", ""),
        ("宣传活动场次", "开展宣传活动不少于{v}场次", "≥", (6, 40), "场次", "count", ""),
    ]),
    ("产出", "质量指标", &[
        ("管理制度健全性", "管理制度健全性100%", "=", (100, 100), "%", "pct", ""),
        ("资金使用合规性", "资金使用合规性100%", "=", (100, 100), "%", "pct", ""),
        ("预决算信息公开性", "预决算信息公开性100%", "=", (100, 100), "%", "pct", ""),
        ("重大舆情", "不发生重大群体性事件，不引发重大负面舆情", "定性", (0, 0), "", "qual", ""),
        ("验收合格率", "项目验收合格率不低于{v}%", "≥", (90, 98), "%", "pct", ""),
    ]),
    ("产出", "时效指标", &[
        ("及时受理", "事项及时受理", "定性", (0, 0), "", "qual", ""),
        ("按期办结率", "按期办结率{v}%以上", "≥", (85, 95), "%", "pct", ""),
        ("资金支付及时性", "资金在规定时限内支付", "定性", (0, 0), "", "qual", ""),
    ]),
    ("产出", "成本指标", &[
        ("预算执行率", "预算执行率≥{v}%", "≥", (85, 95), "%", "fig", "execution_rate"),
        ("公用经费控制率", "公用经费控制率≤100%", "≤", (100, 100), "%", "fig", "public_control_rate"),
        ("“三公经费”控制率", "“三公经费”控制率≤100%", "≤", (100, 100), "%", "fig", "three_public_control_rate"),
        ("政府采购执行率", "政府采购执行率≥{v}%", "≥", (80, 90), "%", "fig", "procurement_rate"),
        ("预算调整率", "预算调整率≤{v}%", "≤", (60, 90), "%", "fig", "adjustment_rate"),
        ("结转结余率", "结转结余率≤{v}%", "≤", (15, 30), "%", "fig", "carryover_rate"),
        ("成本规范合理率", "各项支出规范合理", "定性", (0, 0), "", "qual", ""),
    ]),
    ("效益", "社会效益指标", &[
        ("渠道畅通", "{field}渠道畅通", "定性", (0, 0), "", "qual", ""),
        ("化解社会矛盾", "减少纠纷、化解社会矛盾", "定性", (0, 0), "", "qual", ""),
        ("群众诉求解决率", "群众合理诉求解决率{v}%以上", "≥", (80, 95), "%", "pct", ""),
    ]),
    ("效益", "经济效益指标", &[
        ("资金使用效益", "财政资金使用效益明显提高", "定性", (0, 0), "", "qual", ""),
        ("节约支出率", "一般性支出压减率不低于{v}%", "≥", (3, 10), "%", "pct", ""),
    ]),
    ("效益", "可持续影响指标", &[
        ("长效机制", "建立健全{field}工作长效机制", "定性", (0, 0), "", "qual", ""),
        ("信息化水平", "信息系统正常运行率不低于{v}%", "≥", (95, 99), "%", "pct", ""),
    ]),
    ("满意度", "服务对象满意度指标", &[
        ("社会公众满意度", "社会公众或服务对象满意度{v}%以上", "≥", (85, 95), "%", "pct", ""),
        ("群众满意率", "群众满意率不低于{v}%", "≥", (85, 95), "%", "pct", ""),
        ("服务对象满意度", "服务对象满意度≥{v}%", "≥", (85, 95), "%", "pct", ""),
    ]),
];

// ------------------------------------------------------------------------------- departments

struct Dept {
    slug: String,
    name: String,
    old_name: Option<String>,
    short_name: String,
    region: String,
    region_short: String,
    level: &'static str,
    parent: String,
    gov: String,
    field: &'static str,
    /// Budget scale in cents: the first year's 全年预算 is drawn from it.
    scale: (i64, i64),
    rules: Rules,
    /// Rules given in department.toml (`None` = site defaults).
    own_scheme: bool,
    units: Vec<String>,
    people: Vec<String>,
    head: String,
    phone: String,
    /// 公务用车购置及运行维护费 printed as one row (else two).
    vehicle_combined: bool,
    hunan_form: bool,
}

fn make_departments(n: usize, seed: u64) -> Vec<Dept> {
    let mut rng = Rng(seed_for(seed, "departments"));
    // region names: pairs of characters, shuffled
    let mut pairs = Vec::new();
    for a in CITY_CHARS {
        for b in CITY_CHARS {
            if a.0 != b.0 {
                pairs.push((a, b));
            }
        }
    }
    rng.shuffle(&mut pairs);
    let per_region = AGENCIES.len();
    let regions = n.div_ceil(per_region);
    let cities = 14.min(regions.saturating_sub(1)).max(1);
    let mut slugs = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    let mut names: Vec<(String, String)> = Vec::new(); // (name, pinyin) of each region
    for r in 0..regions {
        let ((c1, p1), (c2, p2)) = pairs[r % pairs.len()];
        names.push((format!("{c1}{c2}"), format!("{p1}{p2}")));
    }
    for r in 0..regions {
        // (level, region path under the province, local name, government, slug stem)
        let (level, region, region_short, gov, pinyin) = if r == 0 {
            (
                "省级",
                String::new(),
                PROVINCE.to_string(),
                "省委省政府".to_string(),
                "sheng".to_string(),
            )
        } else if r <= cities {
            let (nm, py) = &names[r];
            let suffix = if r % 5 == 0 { "州" } else { "市" };
            (
                "市州级",
                format!("{nm}{suffix}"),
                format!("{nm}{suffix}"),
                format!("{suffix}委{suffix}政府"),
                py.clone(),
            )
        } else {
            let (nm, py) = &names[r];
            let c = 1 + (r - 1) % cities;
            let city = format!("{}{}", names[c].0, if c % 5 == 0 { "州" } else { "市" });
            let suffix = if r % 3 == 0 { "区" } else { "县" };
            (
                "县区级",
                format!("{city}{nm}{suffix}"),
                format!("{nm}{suffix}"),
                format!("{suffix}委{suffix}政府"),
                py.clone(),
            )
        };
        let mut agencies: Vec<usize> = (0..per_region).collect();
        rng.shuffle(&mut agencies);
        for &a in &agencies {
            if out.len() >= n {
                break;
            }
            let (city_name, prov_name, code, field) = AGENCIES[a];
            let mut slug = format!("{pinyin}-{code}");
            let mut k = 2;
            while !slugs.insert(slug.clone()) {
                slug = format!("{pinyin}{k}-{code}");
                k += 1;
            }
            let agency = if level == "省级" {
                prov_name
            } else {
                city_name
            };
            let name = format!("{region_short}{agency}");
            let stem: String = region_short.chars().take(2).collect();
            let d = Dept {
                short_name: format!("{stem}{}", agency.replace("和社会保障", "社保")),
                old_name: None,
                slug,
                name,
                region: format!("{PROVINCE}{region}"),
                region_short: region_short.clone(),
                level,
                parent: format!("{region_short}人民政府"),
                gov: gov.clone(),
                field,
                scale: match level {
                    "省级" => (200_000, 3_000_000),
                    "市州级" => (50_000, 800_000),
                    _ => (15_000, 300_000),
                },
                rules: Rules::DEFAULT,
                own_scheme: false,
                units: Vec::new(),
                people: Vec::new(),
                head: String::new(),
                phone: String::new(),
                vehicle_combined: false,
                hunan_form: true,
            };
            let mut d = d;
            let mut drng = Rng(seed_for(seed, &d.slug));
            if drng.chance(0.08) {
                d.own_scheme = true;
                match drng.below(4) {
                    0 => d.rules.grades = GRADES_HUNAN,
                    1 => d.rules.base_initial = true,
                    2 => d.rules.cap = false,
                    _ => d.rules.even = true,
                }
            }
            if drng.chance(0.06) {
                // the department's name before the 2019 institutional reform
                d.old_name = Some(format!(
                    "{}{}",
                    d.region_short,
                    agency.replacen("局", "办公室", 1)
                ));
            }
            d.vehicle_combined = drng.chance(0.5);
            d.hunan_form = drng.chance(0.7);
            d.phone = format!("0{}-{}", drng.int(700, 799), drng.int(2_000_000, 8_999_999));
            for _ in 0..drng.int(8, 12) {
                let p = person(&mut drng);
                d.people.push(p);
            }
            d.head = d.people[0].clone();
            out.push(d);
        }
    }
    out.sort_by(|a, b| a.slug.cmp(&b.slug));
    out
}

fn person(rng: &mut Rng) -> String {
    let mut s = rng.pick(SURNAMES).to_string();
    s.push_str(rng.pick::<&str>(GIVEN));
    if rng.chance(0.7) {
        s.push_str(rng.pick::<&str>(GIVEN));
    }
    s
}

// ------------------------------------------------------------------------------- TOML writing

/// A planted mistake, for the manifest.
struct Planted {
    file: String,
    line: usize,
    path: String,
    cause: &'static str,
    severity: &'static str,
}

/// Writes one department's files: the TOML text being built, its line count, the planted
/// mistakes, and the department's random stream.
struct W {
    rng: Rng,
    err: f64,
    s: String,
    line: usize,
    file: String,
    planted: Vec<Planted>,
    even: bool,
}

fn tstr(s: &str) -> String {
    if s.contains('\n') && !s.contains("'''") {
        return format!("'''\n{s}'''");
    }
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn tarr(items: &[String]) -> String {
    if items.iter().map(|s| s.len()).sum::<usize>() > 80 || items.iter().any(|s| s.contains('\n')) {
        let mut o = String::from("[\n");
        for s in items {
            let _ = writeln!(o, "  {},", tstr(s));
        }
        o.push(']');
        o
    } else {
        let v: Vec<String> = items.iter().map(|s| tstr(s)).collect();
        format!("[{}]", v.join(", "))
    }
}

impl W {
    fn begin(&mut self, file: String) {
        self.s.clear();
        self.line = 0;
        self.file = file;
    }
    fn raw(&mut self, text: &str) {
        self.s.push_str(text);
        self.s.push('\n');
        self.line += 1 + text.matches('\n').count();
    }
    fn comment(&mut self, text: &str) {
        self.raw(&format!("# {text}"));
    }
    fn kv(&mut self, k: &str, v: &str) {
        self.s.push_str(k);
        self.s.push_str(" = ");
        self.s.push_str(v);
        self.s.push('\n');
        self.line += 1 + v.matches('\n').count();
    }
    fn str(&mut self, k: &str, v: &str) {
        let t = tstr(v);
        self.kv(k, &t);
    }
    fn opt_str(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(k, v);
        }
    }
    fn int(&mut self, k: &str, v: i64) {
        self.kv(k, &v.to_string());
    }
    fn money(&mut self, k: &str, c: i64) {
        self.kv(k, &money(c));
    }
    fn table(&mut self, name: &str) {
        self.raw("");
        self.raw(&format!("[{name}]"));
    }
    fn array(&mut self, name: &str) {
        self.raw("");
        self.raw(&format!("[[{name}]]"));
    }
    /// Records that the next line written holds a planted mistake.
    fn plant(&mut self, path: &str, cause: &'static str, severity: &'static str) {
        self.planted.push(Planted {
            file: self.file.clone(),
            line: self.line + 1,
            path: path.to_string(),
            cause,
            severity,
        });
    }
    fn wrong(&mut self) -> bool {
        self.rng.chance(self.err)
    }

    // ---- published figures

    /// `stated_*` rate `num / den` at `dp` decimals; sometimes a usual mistake. `alt` is
    /// the value a wrong base (or an inverted ratio) gives, with its cause.
    #[allow(clippy::too_many_arguments)]
    fn stated_rate(
        &mut self,
        key: &str,
        path: &str,
        num: i64,
        den: i64,
        dp: u32,
        alt: Option<(i64, i64, &'static str)>,
        signed: bool,
    ) {
        let (n, d) = (i128::from(num), i128::from(den));
        let Some(good) = pct(n, d, dp, self.even) else {
            return;
        };
        let show = |t: &str| {
            if signed || !t.starts_with('-') {
                t.to_string()
            } else {
                t[1..].to_string()
            }
        };
        if !self.wrong() {
            // a rare rate printed without its 「%」: read as a percent, noted
            if self.rng.chance(0.004) {
                self.plant(path, "missing_percent_sign", "info");
                let t = show(&good);
                self.str(key, t.trim_end_matches('%'));
                return;
            }
            self.str(key, &show(&good));
            return;
        }
        let mut text = String::new();
        let mut cause = "mismatch";
        match self.rng.below(4) {
            0 => {
                if let Some((an, ad, c)) = alt
                    && let Some(t) = pct(i128::from(an), i128::from(ad), dp, self.even)
                    && show(&t) != show(&good)
                {
                    text = t;
                    cause = c;
                }
            }
            1 => {
                if let Some(t) = pct_trunc(n, d, dp)
                    && show(&t) != show(&good)
                {
                    text = t;
                    cause = "truncated";
                }
            }
            2 => {
                // two digits swapped
                let b: Vec<char> = good.chars().collect();
                let digits: Vec<usize> = (0..b.len()).filter(|&i| b[i].is_ascii_digit()).collect();
                if digits.len() >= 2 {
                    let i = digits[digits.len() - 2];
                    let j = digits[digits.len() - 1];
                    if b[i] != b[j] {
                        let mut c = b.clone();
                        c.swap(i, j);
                        text = c.into_iter().collect();
                    }
                }
            }
            _ => {}
        }
        if text.is_empty() {
            // a slip of one in the last printed digit
            let q = round_div(n * 100 * 10i128.pow(dp), d, self.even);
            let q = if self.rng.chance(0.5) || q == 0 {
                q + 1
            } else {
                q - 1
            };
            text = fixed(q, dp) + "%";
        }
        self.plant(path, cause, "error");
        self.str(key, &show(&text));
    }

    /// A published amount (a 合计 or a difference) of `terms` printed parts; sometimes a
    /// usual mistake: a cent off (尾数), a slipped or swapped digit, an unreadable misprint.
    fn stated_money(&mut self, key: &str, path: &str, c: i64, terms: usize, as_text: bool) {
        let short = self.rng.chance(0.1);
        let fmt = |c: i64| if short { money_short(c) } else { money(c) };
        let quoted = |t: String| if as_text { tstr(&t) } else { t };
        if !self.wrong() {
            let v = quoted(fmt(c));
            self.kv(key, &v);
            return;
        }
        let k = self.rng.below(10);
        let (text, cause, sev) = match k {
            0 | 1 => {
                let d = if self.rng.chance(0.5) { 1 } else { -1 };
                if terms >= 2 {
                    (money(c + d), "rounding_of_parts", "warning")
                } else {
                    (money(c + d), "mismatch", "error")
                }
            }
            2 if as_text => {
                // 「1857.41.51」: a misprint that is no number
                let m = money(c);
                (
                    format!("{m}.{}", self.rng.int(10, 99)),
                    "unreadable",
                    "error",
                )
            }
            3..=5 => {
                let unit = *self.rng.pick(&[10i64, 100, 1000, 10_000]);
                let d = if self.rng.chance(0.5) { unit } else { -unit };
                (money(c + d), "mismatch", "error")
            }
            _ => {
                let m = money(c);
                let b: Vec<char> = m.chars().collect();
                let digits: Vec<usize> = (0..b.len()).filter(|&i| b[i].is_ascii_digit()).collect();
                let mut t = m.clone();
                for w in digits.windows(2).rev() {
                    if b[w[0]] != b[w[1]] {
                        let mut x = b.clone();
                        x.swap(w[0], w[1]);
                        t = x.into_iter().collect();
                        break;
                    }
                }
                if t == m {
                    t = money(c + 100);
                }
                (t, "mismatch", "error")
            }
        };
        self.plant(path, cause, sev);
        let v = if as_text || cause == "unreadable" {
            tstr(&text)
        } else {
            text
        };
        self.kv(key, &v);
    }

    // ---- prose

    fn fill(&mut self, tpl: &str, d: &Dept) -> String {
        let mut out = String::with_capacity(tpl.len() + 24);
        let mut rest = tpl;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let j = i + rest[i..].find('}').unwrap_or(0);
            match &rest[i + 1..j] {
                "field" => out.push_str(d.field),
                "gov" => out.push_str(&d.gov),
                "region" => out.push_str(&d.region_short),
                "theme" => out.push_str(self.rng.pick::<&str>(THEMES)),
                "n" => {
                    let _ = write!(out, "{}", self.rng.int(12, 900));
                }
                "m" => {
                    let _ = write!(out, "{}", self.rng.int(2, 30));
                }
                "p" => {
                    let _ = write!(out, "{}", self.rng.int(85, 100));
                }
                "q" => {
                    let _ = write!(out, "{}", self.rng.int(1, 9));
                }
                "money" => out.push_str(&money_short(self.rng.int(1000, 500_000))),
                other => out.push_str(other),
            }
            rest = &rest[j + 1..];
        }
        out.push_str(rest);
        out
    }

    fn sentence(&mut self, pool: &[&str], d: &Dept, lo: usize, hi: usize) -> String {
        let n = self.rng.int(lo as i64, hi as i64) as usize;
        let picks = self.rng.sample(pool, n);
        let parts: Vec<String> = picks.iter().map(|p| self.fill(p, d)).collect();
        parts.join("，") + "。"
    }

    fn paragraphs(&mut self, pools: &[&[&str]], d: &Dept, lo: i64, hi: i64) -> String {
        let n = self.rng.int(lo, hi);
        let mut paras = Vec::new();
        for _ in 0..n {
            let pool = *self.rng.pick(pools);
            let mut p = self.sentence(pool, d, 2, 4);
            if self.rng.chance(0.25)
                && let Some((head, rest)) = p.split_once('，')
            {
                p = format!("**{head}**，{rest}");
            }
            paras.push(p);
        }
        paras.join("\n\n")
    }

    fn numbered(&mut self, pool: &[&str], d: &Dept) -> String {
        let n = self.rng.int(3, 5) as usize;
        let picks = self.rng.sample(pool, n);
        let mut out = String::new();
        let bullet = self.rng.chance(0.3);
        for (i, p) in picks.iter().enumerate() {
            let t = *self.rng.pick(PHRASES_GOAL);
            let extra = self.fill(t, d);
            if bullet {
                let _ = writeln!(out, "- {p}。{extra}。");
            } else {
                let _ = writeln!(out, "{}. {p}。{extra}。", i + 1);
            }
        }
        out
    }
}

// ------------------------------------------------------------------------------- site.toml

fn site_toml(args: &Args) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# synthetic province: synth --departments {} --years {} --seed {}",
        args.departments, args.years, args.seed
    );
    let _ = writeln!(s, "title = \"{PROVINCE}预算绩效信息公开\"");
    s.push_str("language = \"zh-CN\"\n");
    let _ = writeln!(
        s,
        "description = \"{PROVINCE}省级、市州级和县区级部门公开的部门整体支出绩效自评报告、项目支出绩效自评表和绩效目标申报表（合成数据）。\""
    );
    s.push_str(concat!(
        "base_url = \"\"\n",
        "findings = \"show\"\n\n",
        "[scheme]\n",
        "rounding = \"half-up\"\n",
        "execution_base = \"adjusted\"\n",
        "cap_execution_score = true\n",
    ));
    for (min, label) in GRADES {
        let _ = write!(s, "\n[[scheme.grades]]\nmin = {min}\nlabel = \"{label}\"\n");
    }
    s
}

// ------------------------------------------------------------------------------- department.toml

fn department_toml(w: &mut W, d: &mut Dept) {
    w.comment(&format!("{} — 部门基本信息（合成数据）", d.name));
    w.str("name", &d.name);
    w.str("short_name", &d.short_name);
    w.str("region", &d.region);
    w.str("level", d.level);
    w.str("parent", &d.parent);
    let digits: String = (0..14)
        .map(|_| char::from(b'0' + w.rng.below(10) as u8))
        .collect();
    let tail = *w.rng.pick(&["A", "B", "C", "D", "K", "Q", "X", "0", "7"]);
    w.str("credit_code", &format!("11{digits}{tail}"));
    let (y, m) = (w.rng.int(1978, 2019), w.rng.int(1, 12));
    w.str("established", &format!("{y}-{m:02}"));
    let addr = format!(
        "{}{}{}号",
        d.region_short,
        w.rng.pick(STREETS),
        w.rng.int(1, 300)
    );
    w.str("address", &addr);
    let mut f = format!("{}的主要职责是：\n\n", d.name);
    let k = w.rng.int(6, 10) as usize;
    for (i, t) in w.rng.sample(PHRASES_GOAL, k).into_iter().enumerate() {
        let p = w.fill(t, d);
        let _ = writeln!(f, "({}) {p}。\n", i + 1);
    }
    w.str("functions", f.trim_end());
    let k = w.rng.int(4, 8) as usize;
    let mut units = w.rng.sample(DIVISIONS, k);
    units.sort_unstable();
    let units: Vec<String> = units.iter().map(|s| s.to_string()).collect();
    w.kv("internal_units", &tarr(&units));
    let k = w.rng.int(0, 3) as usize;
    let subs = w.rng.sample(SUBORDINATES, k);
    let prefix: String = d
        .short_name
        .chars()
        .take(d.short_name.chars().count() - 1)
        .collect();
    let subs: Vec<String> = subs.iter().map(|s| format!("{prefix}{s}")).collect();
    if subs.is_empty() || w.rng.chance(0.5) {
        w.kv("subordinate_units", &tarr(&subs));
    } else {
        let mut o = String::from("[\n");
        for s in &subs {
            let _ = writeln!(
                o,
                "  {{ name = {}, note = \"{}管理的全额拨款事业单位\" }},",
                tstr(s),
                d.short_name
            );
        }
        o.push(']');
        w.kv("subordinate_units", &o);
    }
    d.units = vec![if d.name.ends_with('局') {
        "局机关".to_string()
    } else {
        "机关本级".to_string()
    }];
    d.units.extend(subs);
    if d.own_scheme {
        w.table("scheme");
        if d.rules.base_initial {
            w.str("execution_base", "initial");
        }
        if !d.rules.cap {
            w.kv("cap_execution_score", "false");
        }
        if d.rules.even {
            w.str("rounding", "half-even");
        }
        if d.rules.grades.as_ptr() != GRADES.as_ptr() {
            let g: Vec<String> = d
                .rules
                .grades
                .iter()
                .map(|(m, l)| format!("{{ min = {m}, label = \"{l}\" }}"))
                .collect();
            w.kv("grades", &format!("[{}]", g.join(", ")));
        }
    }
}

// ------------------------------------------------------------------------------- evaluation.toml

/// What a year leaves for the next: the actuals its prior-year figures must repeat.
#[derive(Default, Clone)]
struct Prior {
    adjusted: i64,
    carryover: i64,
    /// 三公 rows: printed item, actual, whether printed (not a row of blanks)
    three_public: Vec<(String, i64, bool)>,
    yoy: Vec<(String, i64)>,
    staff: i64,
}

/// One project's money, in cents.
struct Proj {
    name: String,
    initial: i64,
    adjusted: i64,
    executed: i64,
    carry: i64,
    other: i64,
}

/// An indicator as written.
struct Ind {
    level1: String,
    level2: String,
    name: String,
    target: String,
    op: Option<(&'static str, i64, &'static str)>,
    actual: Option<String>,
    weight: i64,
    score: i64, // hundredths
    deviation: Option<String>,
    rule: Option<String>,
    explanation: Option<String>,
    remark: Option<String>,
    figure: Option<&'static str>,
    /// the planted mistake of a figure-bound actual
    wrong_actual: bool,
}

/// Figures that indicators bound to a computed figure report: (num, den).
#[derive(Default, Clone, Copy)]
struct Figs {
    exec: (i64, i64),
    adjust: (i64, i64),
    carry: (i64, i64),
    procure: (i64, i64),
    public: (i64, i64),
    three: (i64, i64),
}

impl Figs {
    fn get(&self, f: &str) -> (i64, i64) {
        match f {
            "execution_rate" => self.exec,
            "adjustment_rate" => self.adjust,
            "carryover_rate" => self.carry,
            "procurement_rate" => self.procure,
            "public_control_rate" => self.public,
            _ => self.three,
        }
    }
}

/// Splits `total` into `n` non-negative shares that add up exactly, the first the largest.
fn split(rng: &mut Rng, total: i64, n: usize) -> Vec<i64> {
    if n <= 1 {
        return vec![total];
    }
    let weights: Vec<i64> = (0..n)
        .map(|i| {
            if i == 0 {
                rng.int(400, 900)
            } else {
                rng.int(50, 300)
            }
        })
        .collect();
    let s: i64 = weights.iter().sum();
    let mut out: Vec<i64> = weights
        .iter()
        .map(|w| (i128::from(total) * i128::from(*w) / i128::from(s)) as i64)
        .collect();
    let rest = total - out.iter().sum::<i64>();
    out[0] += rest;
    out
}

/// Integer weights ≥ 1 adding up to `total`.
fn weights(rng: &mut Rng, total: i64, n: usize) -> Vec<i64> {
    let mut w = vec![1i64; n];
    for _ in 0..(total - n as i64).max(0) {
        let i = rng.below(n);
        w[i] += 1;
    }
    w
}

fn pct_text(hundredths: i64, rng: &mut Rng) -> String {
    match rng.below(3) {
        0 if hundredths % 100 == 0 => format!("{}%", hundredths / 100),
        1 => format!("{}%", fixed(i128::from(hundredths), 2)),
        _ => format!("{}%", fixed(i128::from(hundredths / 10), 1)),
    }
}

/// Indicators for a set of groups: (level1 as printed, level1 key, group weight).
fn make_indicators(
    w: &mut W,
    d: &Dept,
    groups: &[(String, &'static str, i64)],
    count: usize,
    figs: Option<&Figs>,
    targets_form: bool,
) -> Vec<Ind> {
    let mut out = Vec::new();
    let total_w: i64 = groups.iter().map(|g| g.2).sum();
    let mut left = count;
    for (gi, (l1, key, gw)) in groups.iter().enumerate() {
        let subgroups: Vec<&(&str, &str, &[Tpl])> = GROUPS.iter().filter(|g| g.0 == *key).collect();
        let n = if gi + 1 == groups.len() {
            left.max(1)
        } else {
            ((count as i64 * gw / total_w.max(1)) as usize)
                .clamp(1, left.saturating_sub(groups.len() - gi - 1).max(1))
        };
        left = left.saturating_sub(n);
        // templates: one per subgroup first, then the rest
        let mut picks: Vec<(&str, Tpl)> = Vec::new();
        for sg in &subgroups {
            if picks.len() < n {
                let mut t = *w.rng.pick(sg.2);
                if figs.is_none() {
                    while t.5 == "fig" {
                        t = *w.rng.pick(sg.2);
                    }
                }
                picks.push((sg.1, t));
            }
        }
        let mut pool: Vec<(&str, Tpl)> = subgroups
            .iter()
            .flat_map(|sg| sg.2.iter().map(move |t| (sg.1, *t)))
            .filter(|(_, t)| figs.is_some() || t.5 != "fig")
            .collect();
        w.rng.shuffle(&mut pool);
        for p in pool {
            if picks.len() >= n {
                break;
            }
            if !picks.iter().any(|q| q.1.0 == p.1.0) {
                picks.push(p);
            }
        }
        let mut k = 0;
        while picks.len() < n {
            k += 1;
            let sg = *w.rng.pick(&subgroups);
            let mut t = *w.rng.pick(sg.2);
            if t.5 == "fig" {
                t = sg.2[sg.2.len() - 1];
            }
            if t.5 == "fig" {
                continue;
            }
            let name: &'static str = ["指标A", "指标B", "指标C", "指标D", "指标E", "指标F"][k % 6];
            t.0 = name;
            picks.push((sg.1, t));
        }
        // subgroups in their table order
        let order = |l2: &str| GROUPS.iter().position(|g| g.1 == l2).unwrap_or(0);
        picks.sort_by_key(|p| order(p.0));
        let ws = weights(&mut w.rng, *gw, picks.len());
        for ((l2, t), wt) in picks.into_iter().zip(ws) {
            let (name, target_t, op, range, unit, kind, figure) = t;
            let v = w.rng.int(range.0, range.1);
            let name = name.replace("{field}", d.field);
            let target = target_t
                .replace("{v}", &v.to_string())
                .replace("{field}", d.field);
            let mut ind = Ind {
                level1: l1.clone(),
                level2: l2.to_string(),
                name,
                target,
                op: None,
                actual: None,
                weight: wt,
                score: wt * 100,
                deviation: None,
                rule: None,
                explanation: None,
                remark: None,
                figure: None,
                wrong_actual: false,
            };
            if kind != "qual" && w.rng.chance(if d.hunan_form { 0.3 } else { 0.8 }) {
                ind.op = Some((op, v, unit));
            }
            let mut met = w.rng.chance(0.9);
            if !targets_form {
                ind.actual = Some(match kind {
                    "fig" => {
                        let f = figs.map(|f| f.get(figure)).unwrap_or((0, 0));
                        ind.figure = Some(figure);
                        let dp = if w.rng.chance(0.85) { 2 } else { 1 };
                        match pct(i128::from(f.0), i128::from(f.1), dp, w.even) {
                            Some(text) => {
                                // met by the figure itself, at the printed precision
                                let q = round_div(
                                    i128::from(f.0) * 100 * 10i128.pow(dp),
                                    i128::from(f.1),
                                    w.even,
                                );
                                let t = i128::from(v) * 10i128.pow(dp);
                                met = if op == "≤" { q <= t } else { q >= t };
                                if w.wrong() {
                                    ind.wrong_actual = true;
                                    let q2 = if w.rng.chance(0.5) { q + 1 } else { q - 1 };
                                    fixed(q2, dp) + "%"
                                } else {
                                    text
                                }
                            }
                            None => {
                                ind.figure = None;
                                "—".to_string()
                            }
                        }
                    }
                    "pct" => {
                        let t = v * 100; // hundredths of a percent
                        let a = match (op, met) {
                            ("=", true) => t,
                            ("=", false) => w.rng.scale(t, 850, 990),
                            (_, true) => w.rng.int(t, (t + 2000).min(10_000).max(t)),
                            (_, false) => w.rng.int(t * 8 / 10, t - 1),
                        };
                        let text = pct_text(a, &mut w.rng);
                        // what the checker reads is the printed figure
                        let printed: f64 = text.trim_end_matches('%').parse().unwrap_or(0.0);
                        met = if op == "=" {
                            printed == v as f64
                        } else {
                            printed >= v as f64
                        };
                        text
                    }
                    "count" => {
                        let a = if met {
                            w.rng.int(v, v * 16 / 10)
                        } else {
                            w.rng.int(v * 6 / 10, (v - 1).max(v * 6 / 10))
                        };
                        met = a >= v;
                        if w.rng.chance(0.5) {
                            format!("{a}{unit}")
                        } else {
                            format!("完成{a}{unit}")
                        }
                    }
                    _ => w
                        .rng
                        .pick(&["已完成", "达到预期", "完成全年工作任务", "全面完成"])
                        .to_string(),
                });
                if !met {
                    ind.score = w.rng.int(wt * 40, wt * 95);
                    let t = *w.rng.pick(PHRASES_PROBLEM);
                    let p = w.fill(t, d);
                    ind.deviation = Some(format!("{p}。下一步将{}。", w.rng.pick(PHRASES_MEASURE)));
                } else if w.rng.chance(0.3) {
                    ind.deviation = Some("无偏差".into());
                }
            }
            if targets_form || w.rng.chance(0.15) {
                ind.rule = Some(format!(
                    "达到目标值得{wt}分，每低1个百分点扣{}分，扣完为止",
                    w.rng.pick(&["0.1", "0.2", "0.5"])
                ));
                ind.explanation = Some(format!("该指标主要考察{}情况。", ind.name));
            }
            if w.rng.chance(0.05) {
                ind.remark = Some(
                    w.rng
                        .pick(&["据统计报表", "据业务台账", "据财务决算"])
                        .to_string(),
                );
            }
            out.push(ind);
        }
    }
    out
}

fn write_indicators(w: &mut W, table: &str, path: &str, inds: &[Ind], with_scores: bool) {
    for (i, ind) in inds.iter().enumerate() {
        w.array(table);
        w.str("level1", &ind.level1);
        w.str("level2", &ind.level2);
        w.str("name", &ind.name);
        w.str("target", &ind.target);
        if let Some((op, v, unit)) = ind.op {
            w.str("op", op);
            w.int("value", v);
            w.str("unit", unit);
        }
        if let Some(a) = &ind.actual {
            if ind.wrong_actual {
                w.plant(&format!("{path}[{i}].actual"), "mismatch", "error");
            }
            w.str("actual", a);
        }
        if with_scores {
            w.int("weight", ind.weight);
            if ind.actual.is_some() {
                w.kv("score", &money_short(ind.score));
            }
        }
        w.opt_str("deviation", ind.deviation.as_deref());
        w.opt_str("scoring_rule", ind.rule.as_deref());
        w.opt_str("explanation", ind.explanation.as_deref());
        w.opt_str("remark", ind.remark.as_deref());
        if let Some(f) = ind.figure {
            w.str("figure", f);
        }
    }
}

/// `[[indicator_groups]]`: level-1 weights and scores, and some level-2 rows.
fn write_groups(w: &mut W, table: &str, inds: &[Ind], scores: bool) {
    let mut l1s: Vec<&str> = Vec::new();
    for i in inds {
        if !l1s.contains(&i.level1.as_str()) {
            l1s.push(&i.level1);
        }
    }
    for l1 in l1s {
        let members: Vec<&Ind> = inds.iter().filter(|i| i.level1 == l1).collect();
        w.array(table);
        w.str("level1", l1);
        w.int("weight", members.iter().map(|i| i.weight).sum());
        if scores {
            w.kv("score", &money_short(members.iter().map(|i| i.score).sum()));
        }
        if w.rng.chance(0.2) {
            w.str("note", "各二级指标分值根据年度工作重点确定");
        }
        if w.rng.chance(0.3) {
            let mut l2s: Vec<&str> = Vec::new();
            for i in &members {
                if !l2s.contains(&i.level2.as_str()) {
                    l2s.push(&i.level2);
                }
            }
            for l2 in l2s {
                let sub: Vec<&&Ind> = members.iter().filter(|i| i.level2 == l2).collect();
                w.array(table);
                w.str("level1", l1);
                w.str("level2", l2);
                w.int("weight", sub.iter().map(|i| i.weight).sum());
                if scores {
                    w.kv("score", &money_short(sub.iter().map(|i| i.score).sum()));
                }
            }
        }
    }
}

/// One 三公经费 row: item, 预算数, 决算数, 上年决算数 as printed, whether that prior-year
/// figure is a planted restatement, and whether the row is printed as blanks.
struct TpRow {
    item: String,
    budget: i64,
    actual: i64,
    prior: i64,
    restated: bool,
    blank: bool,
}

/// The money of one department-year, planned before anything is written.
struct Year {
    year: i32,
    rules: Rules,
    projs: Vec<Proj>,
    initial: i64,
    adjusted: i64,
    executed: i64,
    exempt: i64,
    den: i64,
    basic: [i64; 3],   // initial, adjusted, executed
    project: [i64; 3], // initial, adjusted, executed
    units: Vec<String>,
    basic_u: Vec<i64>,
    project_u: Vec<i64>,
    personnel_u: Vec<i64>,
    public_u: Vec<i64>,
    personnel: i64,
    public: i64,
    tp: Vec<TpRow>,
    procure: (i64, i64), // actual, budget
    public_budget: i64,
    with_total: bool,
}

fn plan_year(w: &mut W, d: &Dept, year: i32, prior: Option<&Prior>, rules: Rules) -> Year {
    // projects first; the department's 项目支出 is their sum
    let base = prior.map_or_else(|| w.rng.int(d.scale.0, d.scale.1), |p| p.adjusted);
    let target = w.rng.scale(base, 900, 1150).max(5_000);
    let project_share = w.rng.scale(target, 150, 450);
    let nproj = w.rng.int(1, 4) as usize;
    let names = w.rng.sample(PROJECT_NAMES, nproj);
    let mut projs = Vec::new();
    for (name, a) in names.iter().zip(split(&mut w.rng, project_share, nproj)) {
        let a = a.max(200);
        let initial = if w.rng.chance(0.3) {
            a
        } else {
            w.rng.scale(a, 500, 999)
        };
        let executed = match w.rng.below(20) {
            0..=6 => a,
            7 => w.rng.scale(a, 1001, 1080), // spent beyond the budget: the score is capped
            _ => w.rng.scale(a, 600, 999),
        };
        let carry = if w.rng.chance(0.3) {
            w.rng.scale(a, 20, 200)
        } else {
            0
        };
        let other = if w.rng.chance(0.15) {
            w.rng.scale(a, 10, 50)
        } else {
            0
        };
        projs.push(Proj {
            name: name.to_string(),
            initial,
            adjusted: a,
            executed,
            carry,
            other,
        });
    }
    let a_p: i64 = projs.iter().map(|p| p.adjusted).sum();
    let i_p: i64 = projs.iter().map(|p| p.initial).sum();
    let e_p: i64 = projs.iter().map(|p| p.executed).sum();
    let a_b = (target - a_p).max(a_p / 2 + 1000);
    let e_b = if w.rng.chance(0.4) {
        a_b
    } else {
        w.rng.scale(a_b, 930, 999)
    };
    let i_b = w.rng.scale(a_b, 850, 1000);
    let (adjusted, initial, executed) = (a_b + a_p, i_b + i_p, e_b + e_p);
    let exempt = if adjusted > initial && w.rng.chance(0.15) {
        w.rng.scale(adjusted - initial, 100, 600)
    } else {
        0
    };

    // units: basic and project spending, personnel and public
    let nunits = w.rng.int(1, d.units.len().min(3) as i64) as usize;
    let units: Vec<String> = d.units[..nunits].to_vec();
    let basic_u = split(&mut w.rng, e_b, nunits);
    let project_u = split(&mut w.rng, e_p, nunits);
    let personnel_u: Vec<i64> = basic_u.iter().map(|b| w.rng.scale(*b, 720, 900)).collect();
    let public_u: Vec<i64> = basic_u
        .iter()
        .zip(&personnel_u)
        .map(|(b, p)| b - p)
        .collect();
    let personnel: i64 = personnel_u.iter().sum();
    let public: i64 = public_u.iter().sum();

    // 三公经费: the prior-year figure is last year's actual
    let items: &[&str] = if d.vehicle_combined {
        &["因公出国(境)费", "公务用车购置及运行维护费", "公务接待费"]
    } else {
        &[
            "因公出国(境)费",
            "公务用车购置费",
            "公务用车运行维护费",
            "公务接待费",
        ]
    };
    let mut tp = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let item = format!("{}．{item}", k + 1);
        let zero = (item.contains("因公出国") && !w.rng.chance(0.15))
            || (item.ends_with("公务用车购置费") && w.rng.chance(0.7));
        let (b, a) = if zero {
            (0, 0)
        } else {
            let b = w
                .rng
                .int((adjusted / 400).max(100), (adjusted / 60).max(200));
            (b, w.rng.scale(b, 100, 1000))
        };
        let last = prior.and_then(|p| p.three_public.iter().find(|x| x.0 == item));
        let mut pr = last.map_or_else(
            || if a > 0 { w.rng.scale(a, 700, 1400) } else { 0 },
            |x| x.1,
        );
        let blank = b == 0 && a == 0 && pr == 0 && w.rng.chance(0.5);
        // a prior-year figure restated differently from last year's record
        let restated = !blank && last.is_some_and(|x| x.2) && w.wrong();
        if restated {
            let delta = *w.rng.pick(&[100i64, 1000, 10, 50]);
            pr = if pr >= delta && w.rng.chance(0.5) {
                pr - delta
            } else {
                pr + delta
            };
        }
        tp.push(TpRow {
            item,
            budget: b,
            actual: a,
            prior: pr,
            restated,
            blank,
        });
    }
    let procure_b = w.rng.scale(adjusted, 10, 120).max(100);
    let procure_a = if w.rng.chance(0.4) {
        procure_b
    } else {
        w.rng.scale(procure_b, 800, 1050)
    };
    let public_budget = if w.rng.chance(0.1) {
        w.rng.scale(public, 940, 999)
    } else {
        w.rng.scale(public, 1000, 1180)
    };
    let with_total = nunits > 1 || w.rng.chance(0.3);
    Year {
        year,
        rules,
        projs,
        initial,
        adjusted,
        executed,
        exempt,
        den: rules.den(initial, adjusted),
        basic: [i_b, a_b, e_b],
        project: [i_p, a_p, e_p],
        units,
        basic_u,
        project_u,
        personnel_u,
        public_u,
        personnel,
        public,
        tp,
        procure: (procure_a, procure_b),
        public_budget,
        with_total,
    }
}

fn dir_word(c: i64) -> &'static str {
    match c.signum() {
        1 => "增加",
        -1 => "减少",
        _ => "持平",
    }
}

/// A blank or a value: most zero cells are printed blank (the key omitted).
fn shown(w: &mut W, vals: &[i64]) -> Vec<bool> {
    vals.iter().map(|v| *v != 0 || w.rng.chance(0.15)).collect()
}

/// The evaluation record of one department-year. Returns what the year's targets record
/// declares (its 年初预算).
fn evaluation_toml(
    w: &mut W,
    d: &Dept,
    year: i32,
    prior: Option<&Prior>,
    next: &mut Prior,
) -> Declared {
    w.even = d.rules.even;
    // a rare record whose form prints other grade bands than the department's
    let own_grades = w.rng.chance(0.01);
    let rules = if own_grades {
        Rules {
            grades: GRADES_HUNAN,
            ..d.rules
        }
    } else {
        d.rules
    };
    let y = plan_year(w, d, year, prior, rules);
    next.adjusted = y.adjusted;
    next.carryover = (y.adjusted - y.executed).max(0);

    let figs = Figs {
        exec: (y.executed, y.den),
        adjust: (y.adjusted - y.initial - y.exempt, y.initial),
        carry: ((y.adjusted - y.executed).max(0), y.adjusted),
        procure: y.procure,
        public: (y.public, y.public_budget),
        three: (
            y.tp.iter().map(|t| t.actual).sum(),
            y.tp.iter().map(|t| t.budget).sum(),
        ),
    };

    // ---- header
    w.comment(&format!(
        "{} {year}年度部门整体支出绩效自评（合成数据）",
        d.name
    ));
    w.int("year", i64::from(year));
    w.str(
        "title",
        &format!("{}{year}年度部门整体支出绩效自评报告", d.name),
    );
    w.str(
        "form",
        if d.hunan_form {
            "hunan-dept-selfeval"
        } else {
            "yunnan-dept-selfeval"
        },
    );
    w.str("form_title", &format!("{year}年度部门整体支出绩效自评表"));
    let order = if !d.hunan_form {
        "[\"report\", \"form\", \"projects\"]"
    } else if w.rng.chance(0.5) {
        "[\"form\", \"projects\", \"report\"]"
    } else {
        "[\"form\", \"report\", \"projects\"]"
    };
    w.kv("order", order);
    let (m, day) = (w.rng.int(3, 5), w.rng.int(1, 28));
    let date = format!("{}-{m:02}-{day:02}", year + 1);
    w.kv("date", &date);
    // 批复 and 公开: within 20 days, except a few
    let (am, ad) = (m + 1, w.rng.int(1, 10));
    w.kv("approved", &format!("{}-{am:02}-{ad:02}", year + 1));
    let late = w.rng.chance(0.03);
    let gap = if late {
        w.rng.int(25, 45)
    } else {
        w.rng.int(3, 18)
    };
    let (pm, pd) = if ad + gap > 28 {
        (am + 1, ad + gap - 28)
    } else {
        (am, ad + gap)
    };
    if late {
        w.plant("published", "late_publication", "warning");
    }
    w.kv("published", &format!("{}-{pm:02}-{pd:02}", year + 1));
    let preparer = w.rng.pick(&d.people[1..]).clone();
    w.str("prepared_by", &preparer);
    let basis = format!(
        "为进一步规范财政资金管理，{}\n\n根据《{PROVINCE}财政厅关于开展{year}年度预算绩效自评工作的通知》要求，本单位于{}年{m}月组织力量对{year}年度部门整体支出进行了绩效评价，现将情况报告如下。",
        w.sentence(PHRASES_GOAL, d, 3, 5),
        year + 1,
    );
    w.str("basis", &basis);
    let notes = [
        "涉密部门和涉密信息按保密规定不公开。".to_string(),
        "一级指标包含产出指标、效益指标、满意度指标，二级指标和三级指标根据实际情况设置。"
            .to_string(),
    ];
    let k = w.rng.int(1, 2) as usize;
    w.kv("notes", &tarr(&notes[..k]));
    let other = if w.rng.chance(0.8) {
        "无"
    } else {
        "本年度部分项目资金由上级转移支付安排，已纳入部门整体支出评价范围。"
    };
    w.str("other_matters", other);
    if w.rng.chance(0.2) {
        let opts = [
            "contact.phone",
            "contact",
            "evaluators",
            "prepared_by",
            "signoffs",
            "staffing",
            "basis",
            "projects[0].contact.phone",
        ];
        let k = w.rng.int(1, 3) as usize;
        let mut private: Vec<String> = w
            .rng
            .sample(&opts, k)
            .iter()
            .map(|s| s.to_string())
            .collect();
        private.sort();
        w.kv("private", &tarr(&private));
    }
    if let (Some(old), true) = (&d.old_name, year < LAST_YEAR - 2) {
        w.table("department");
        w.str("name", old);
    }
    if own_grades {
        w.table("scheme");
        let g: Vec<String> = GRADES_HUNAN
            .iter()
            .map(|(m, l)| format!("{{ min = {m}, label = \"{l}\" }}"))
            .collect();
        w.kv("grades", &format!("[{}]", g.join(", ")));
    }
    w.table("contact");
    w.str("name", &d.people[1]);
    w.str("phone", &d.phone);

    let staff = staffing_goals(w, d, &y, prior, next);
    tables(w, &y, prior);
    budget_block(w, &y);
    three_public(w, &y, next);
    by_unit_assets_funds(w, &y);
    year_over_year(w, d, &y, prior, next);
    let (parts, total, grade) = indicators_score(w, d, &y, &figs);
    projects(w, d, &y, &preparer, &date);
    sections(w, d, &y, staff, &parts, total, grade);
    people(w, d, &date);
    Declared {
        initial: y.initial,
        basic: y.basic[0],
        projects: y
            .projs
            .iter()
            .map(|p| (p.name.clone(), p.initial))
            .collect(),
    }
}

fn staffing_goals(
    w: &mut W,
    d: &Dept,
    y: &Year,
    prior: Option<&Prior>,
    next: &mut Prior,
) -> (i64, i64, i64) {
    let authorized = prior.map_or_else(|| w.rng.int(8, 120), |p| p.staff);
    next.staff = authorized;
    let actual = (authorized - w.rng.int(-2, 6)).max(1);
    let retired = w.rng.int(0, authorized / 3 + 1);
    w.table("staffing");
    w.int("authorized", authorized);
    w.int("actual", actual);
    w.int("retired", retired);
    let wrong = w.wrong();
    if wrong {
        w.plant("staffing.stated_total", "mismatch", "error");
    }
    w.str(
        "stated_total",
        &(actual + retired + i64::from(wrong)).to_string(),
    );
    let kinds = ["行政编制", "参公事业编制", "全额拨款事业编制", "工勤编制"];
    let n = w.rng.int(2, 4) as usize;
    let a_split = split(&mut w.rng, authorized, n);
    // 实有 follows 编制: the difference falls on the largest category
    let mut r_split = a_split.clone();
    r_split[0] = (r_split[0] + actual - authorized).max(0);
    let r_split: Vec<i64> = if r_split.iter().sum::<i64>() == actual {
        r_split
    } else {
        split(&mut w.rng, actual, n)
    };
    for i in 0..n {
        w.array("staffing.by_type");
        w.str("type", kinds[i]);
        w.int("authorized", a_split[i]);
        w.int("actual", r_split[i]);
    }

    w.table("goals");
    let f = w.sentence(PHRASES_GOAL, d, 3, 5);
    w.str("functions", &f);
    w.str("functions_note", "根据部门“三定”方案归纳");
    if d.hunan_form {
        let n = w.rng.int(3, 6);
        let pool = [PHRASES_GOAL, PHRASES_RESULT].concat();
        let tasks: Vec<String> = (0..n)
            .map(|i| format!("任务{}：{}", i + 1, w.sentence(&pool, d, 1, 3)))
            .collect();
        w.kv("tasks", &tarr(&tasks));
    }
    let o = w.sentence(PHRASES_GOAL, d, 4, 6);
    w.str("overall", &o);
    w.str(
        "overall_note",
        "根据部门职责、中长期规划和本级党委政府要求归纳",
    );
    let a = w.paragraphs(&[PHRASES_RESULT], d, 2, 4);
    w.str("achievements", &a);
    let q = w.sentence(PHRASES_GOAL, d, 3, 5);
    w.str("qualitative_target", &q);
    let q = w.sentence(PHRASES_RESULT, d, 3, 5);
    w.str("qualitative_result", &q);
    if !d.hunan_form {
        // 年度重点工作任务 as a table: one row per project
        for (i, p) in y.projs.iter().enumerate() {
            w.array("goals.tasks");
            w.str("name", &p.name.replace("经费", "").replace("资金", ""));
            w.str("level", "一级预算");
            let c = w.sentence(PHRASES_GOAL, d, 1, 2);
            w.str("content", &c);
            w.money("budget", p.adjusted);
            w.money("fiscal", p.adjusted - p.other);
            if p.other != 0 {
                w.money("other", p.other);
            }
            w.money("executed", p.executed);
            let path = format!("goals.tasks[{i}].stated_rate");
            w.stated_rate("stated_rate", &path, p.executed, p.adjusted, 2, None, true);
            let dev = if p.executed >= p.adjusted {
                "无偏差"
            } else {
                "部分资金年末未支付，已结转下年使用"
            };
            w.str("deviation", dev);
        }
    }
    for k in 0..3 {
        w.array("goals.years");
        w.int("year", i64::from(y.year) + k);
        let t = w.sentence(PHRASES_GOAL, d, 2, 3);
        w.str("target", &t);
        if k == 0 {
            let r = w.sentence(PHRASES_RESULT, d, 1, 2);
            w.str("result", &r);
        }
    }
    (authorized, actual, retired)
}

/// 收入 and 支出: a 汇总 row (when there are several units) and one row per unit.
fn tables(w: &mut W, y: &Year, prior: Option<&Prior>) {
    let n = y.units.len();
    let total_name = format!("{}及下属单位汇总", y.units[0]);
    // income: the year's funds (全年预算) by unit
    let income_u = split(&mut w.rng, y.adjusted, n);
    let mut rows: Vec<(String, [i64; 5], bool)> = Vec::new();
    for (i, t) in income_u.iter().enumerate() {
        let carry = if i == 0 {
            prior.map_or(0, |p| p.carryover).min(*t / 4)
        } else {
            0
        };
        let fund = if w.rng.chance(0.1) {
            w.rng.scale(*t, 5, 60)
        } else {
            0
        };
        let non_tax = if w.rng.chance(0.2) {
            w.rng.scale(*t, 5, 30)
        } else {
            0
        };
        let other = if w.rng.chance(0.3) {
            w.rng.scale(*t, 1, 20)
        } else {
            0
        };
        let general = t - carry - fund - non_tax - other;
        rows.push((
            y.units[i].clone(),
            [carry, general, fund, non_tax, other],
            false,
        ));
    }
    if y.with_total {
        let sum = [0, 1, 2, 3, 4].map(|k| rows.iter().map(|r| r.1[k]).sum::<i64>());
        rows.insert(0, (total_name.clone(), sum, true));
    }
    let keys = [
        "carryover",
        "general_budget",
        "fund_budget",
        "non_tax",
        "other",
    ];
    for (i, (unit, r, total)) in rows.iter().enumerate() {
        w.array("income");
        w.str("unit", unit);
        if *total {
            w.kv("total", "true");
        }
        let show = shown(w, r);
        let terms = show.iter().filter(|s| **s).count();
        let path = format!("income[{i}].stated_total");
        w.stated_money("stated_total", &path, r.iter().sum(), terms, true);
        for k in 0..5 {
            if show[k] {
                w.money(keys[k], r[k]);
            }
        }
    }

    // expenditure: basic (personnel + public) and project by unit; 当年结余 and 累计结余
    let balances = split(&mut w.rng, (y.adjusted - y.executed).max(0), n);
    let bal: Vec<Option<i64>> = balances
        .iter()
        .map(|b| (*b > 0 && w.rng.chance(0.5)).then_some(*b))
        .collect();
    let acc: Vec<Option<i64>> = balances
        .iter()
        .map(|b| {
            w.rng
                .chance(0.3)
                .then(|| b + w.rng.scale(*b + 100, 100, 900))
        })
        .collect();
    // unit, [basic, personnel, public, project], 当年结余, 累计结余, 合计 row
    type ExpRow = (String, [i64; 4], Option<i64>, Option<i64>, bool);
    let mut erows: Vec<ExpRow> = (0..n)
        .map(|i| {
            let r = [
                y.basic_u[i],
                y.personnel_u[i],
                y.public_u[i],
                y.project_u[i],
            ];
            (y.units[i].clone(), r, bal[i], acc[i], false)
        })
        .collect();
    if y.with_total {
        let sum_opt = |v: &[Option<i64>]| {
            v.iter()
                .any(|x| x.is_some())
                .then(|| v.iter().flatten().sum())
        };
        let r = [y.basic[2], y.personnel, y.public, y.project[2]];
        erows.insert(0, (total_name, r, sum_opt(&bal), sum_opt(&acc), true));
    }
    for (i, (unit, r, b, a, total)) in erows.iter().enumerate() {
        w.array("expenditure");
        w.str("unit", unit);
        if *total {
            w.kv("total", "true");
        }
        let t = r[0] + r[3];
        let with_share = *total || n == 1;
        let terms = if with_share { 3 } else { 2 };
        let path = format!("expenditure[{i}].stated_total");
        w.stated_money("stated_total", &path, t, terms, true);
        w.money("basic", r[0]);
        w.money("personnel", r[1]);
        w.money("public", r[2]);
        w.money("project", r[3]);
        if let Some(b) = b {
            w.money("balance", *b);
        }
        if let Some(a) = a {
            w.money("accumulated_balance", *a);
        }
        if with_share {
            w.money("remit_upward", 0);
            let mut share = String::from("{ ");
            for (j, (k, v)) in [("basic", r[0]), ("project", r[3]), ("remit_upward", 0)]
                .iter()
                .enumerate()
            {
                let q = round_div(i128::from(*v) * 10_000, i128::from(t), w.even);
                let q = if *v != 0 && w.wrong() {
                    w.plant(
                        &format!("expenditure[{i}].stated_share.{k}"),
                        "mismatch",
                        "error",
                    );
                    q + 1
                } else {
                    q
                };
                if j > 0 {
                    share.push_str(", ");
                }
                let _ = write!(share, "{k} = \"{}%\"", fixed(q, 2));
            }
            share.push_str(" }");
            w.kv("stated_share", &share);
        }
    }
}

fn budget_block(w: &mut W, y: &Year) {
    let rules = y.rules;
    let (initial, adjusted, executed, exempt, den) =
        (y.initial, y.adjusted, y.executed, y.exempt, y.den);
    w.table("budget");
    w.money("initial", initial);
    w.money("adjusted", adjusted);
    w.money("executed", executed);
    w.stated_money(
        "stated_adjustment",
        "budget.stated_adjustment",
        adjusted - initial,
        1,
        true,
    );
    if exempt > 0 {
        w.money("exempt_adjustment", exempt);
    }
    let dp = if w.rng.chance(0.85) { 2 } else { 1 };
    let other_base = rules.den(adjusted, initial);
    let alt = Some((executed, other_base, "wrong_base"));
    w.stated_rate(
        "stated_execution_rate",
        "budget.stated_execution_rate",
        executed,
        den,
        dp,
        alt,
        true,
    );
    let change = adjusted - initial - exempt;
    let alt = Some((change, adjusted, "wrong_base"));
    w.stated_rate(
        "stated_adjustment_rate",
        "budget.stated_adjustment_rate",
        change,
        initial,
        2,
        alt,
        true,
    );
    // A department that overspent a project's budget has no balance, not a negative one
    // (the loader refuses negative amounts).
    let balance = (adjusted - executed).max(0);
    w.money("carryover_balance", balance);
    let path = "budget.stated_carryover_rate";
    w.stated_rate(
        "stated_carryover_rate",
        path,
        balance,
        adjusted,
        2,
        None,
        true,
    );
    let (pa, pb) = y.procure;
    w.money("procurement_budget", pb);
    w.money("procurement_actual", pa);
    let alt = Some((pb, pa, "inverted"));
    w.stated_rate(
        "stated_procurement_rate",
        "budget.stated_procurement_rate",
        pa,
        pb,
        2,
        alt,
        true,
    );
    w.money("public_budget", y.public_budget);
    w.money("public_actual", y.public);
    let alt = Some((y.public_budget, y.public, "inverted"));
    let path = "budget.stated_public_control_rate";
    w.stated_rate(
        "stated_public_control_rate",
        path,
        y.public,
        y.public_budget,
        2,
        alt,
        true,
    );

    for (key, [i0, a0, x0]) in [("basic", y.basic), ("project", y.project)] {
        w.table(&format!("budget.{key}"));
        w.money("initial", i0);
        w.money("adjusted", a0);
        w.money("executed", x0);
        let path = format!("budget.{key}.stated_adjustment");
        w.stated_money("stated_adjustment", &path, a0 - i0, 1, true);
        let path = format!("budget.{key}.stated_execution_rate");
        let alt = Some((x0, rules.den(a0, i0), "wrong_base"));
        w.stated_rate(
            "stated_execution_rate",
            &path,
            x0,
            rules.den(i0, a0),
            2,
            alt,
            true,
        );
    }

    // by economic classification: basic = wages + goods and services + household;
    // project = goods and services + capital (+ some wages and household)
    let household_b = w.rng.scale(y.personnel, 20, 100);
    let basic_e = [y.personnel - household_b, y.public, household_b, 0];
    let e_p = y.project[2];
    let capital_p = if w.rng.chance(0.5) {
        w.rng.scale(e_p, 0, 150)
    } else {
        0
    };
    let household_p = if w.rng.chance(0.3) {
        w.rng.scale(e_p, 0, 100)
    } else {
        0
    };
    let wages_p = if w.rng.chance(0.2) {
        w.rng.scale(e_p, 0, 80)
    } else {
        0
    };
    let project_e = [
        wages_p,
        e_p - capital_p - household_p - wages_p,
        household_p,
        capital_p,
    ];
    let all_e = [0, 1, 2, 3].map(|k| basic_e[k] + project_e[k]);
    let keys = ["wages", "goods_services", "household", "capital"];
    for (name, e) in [
        ("by_economic", all_e),
        ("basic_by_economic", basic_e),
        ("project_by_economic", project_e),
    ] {
        w.table(&format!("budget.{name}"));
        let show = shown(w, &e);
        for k in 0..4 {
            if show[k] {
                w.money(keys[k], e[k]);
            }
        }
        let terms = show.iter().filter(|s| **s).count();
        let path = format!("budget.{name}.stated_total");
        w.stated_money("stated_total", &path, e.iter().sum(), terms, true);
    }
}

fn three_public(w: &mut W, y: &Year, next: &mut Prior) {
    let details = || y.tp.iter().filter(|t| !t.blank);
    let total = TpRow {
        item: if w.rng.chance(0.5) {
            "合  计".into()
        } else {
            "合计".into()
        },
        budget: details().map(|t| t.budget).sum(),
        actual: details().map(|t| t.actual).sum(),
        prior: details().map(|t| t.prior).sum(),
        restated: false,
        blank: false,
    };
    let total_first = w.rng.chance(0.3);
    let mut rows: Vec<(&TpRow, bool)> = y.tp.iter().map(|t| (t, false)).collect();
    if total_first {
        rows.insert(0, (&total, true));
    } else {
        rows.push((&total, true));
    }
    for (i, (r, is_total)) in rows.into_iter().enumerate() {
        let path = format!("three_public[{i}]");
        w.array("three_public");
        w.str("item", &r.item);
        if is_total {
            w.kv("total", "true");
        } else {
            next.three_public.push((r.item.clone(), r.actual, !r.blank));
        }
        if r.blank {
            continue; // printed as a row of blanks
        }
        w.money("budget", r.budget);
        w.money("actual", r.actual);
        if r.restated {
            w.plant(&format!("{path}.prior_actual"), "mismatch", "error");
        }
        w.money("prior_actual", r.prior);
        if r.budget != 0 {
            let alt = Some((r.budget, r.actual, "inverted"));
            let p = format!("{path}.stated_control_rate");
            w.stated_rate("stated_control_rate", &p, r.actual, r.budget, 2, alt, true);
        }
        let c = r.actual - r.prior;
        let unsigned = w.rng.chance(0.6);
        if unsigned {
            if c != 0 && w.wrong() {
                w.plant(&format!("{path}.stated_direction"), "direction", "error");
                w.str("stated_direction", dir_word(-c));
            } else {
                w.str("stated_direction", dir_word(c));
            }
            w.stated_money(
                "stated_change",
                &format!("{path}.stated_change"),
                c.abs(),
                1,
                true,
            );
        } else if c != 0 && w.wrong() {
            // the sign flipped: printed with a sign, so that it reads as a signed change
            w.plant(&format!("{path}.stated_change"), "sign", "error");
            let t = if c > 0 {
                money(-c)
            } else {
                format!("+{}", money(-c))
            };
            w.str("stated_change", &t);
        } else {
            w.money("stated_change", c);
        }
        if r.prior != 0 {
            let alt = Some((c, r.actual, "wrong_base"));
            let p = format!("{path}.stated_change_rate");
            w.stated_rate("stated_change_rate", &p, c, r.prior, 2, alt, !unsigned);
        }
        if c != 0 && w.rng.chance(0.5) {
            let why = if c > 0 {
                w.rng.pick(REASONS_UP)
            } else {
                w.rng.pick(REASONS_DOWN)
            };
            w.str("reason", &format!("主要原因是{why}。"));
        }
    }
}

/// 三公经费（分机构）, 固定资产 and 项目资金使用情况.
fn by_unit_assets_funds(w: &mut W, y: &Year) {
    let n = y.units.len();
    let total_name = format!("{}及下属单位汇总", y.units[0]);
    let by_item = |name: &str| {
        y.tp.iter()
            .filter(|t| t.item.contains(name))
            .map(|t| t.actual)
            .sum::<i64>()
    };
    let cols = [
        ("overseas", by_item("出国")),
        ("vehicle_purchase", by_item("购置费")),
        ("vehicle_operation", by_item("运行维护")),
        ("reception", by_item("接待")),
    ];
    let per_unit: Vec<Vec<i64>> = cols.iter().map(|c| split(&mut w.rng, c.1, n)).collect();
    let mut rows: Vec<(String, Vec<i64>, bool)> = (0..n)
        .map(|u| {
            (
                y.units[u].clone(),
                per_unit.iter().map(|c| c[u]).collect(),
                false,
            )
        })
        .collect();
    if y.with_total {
        rows.insert(
            0,
            (total_name.clone(), cols.iter().map(|c| c.1).collect(), true),
        );
    }
    for (i, (unit, v, total)) in rows.iter().enumerate() {
        w.array("three_public_by_unit");
        w.str("unit", unit);
        if *total {
            w.kv("total", "true");
        }
        let terms = v.iter().filter(|x| **x != 0).count();
        let path = format!("three_public_by_unit[{i}].stated_total");
        w.stated_money("stated_total", &path, v.iter().sum(), terms, true);
        for ((k, _), x) in cols.iter().zip(v) {
            if *x != 0 {
                w.money(k, *x);
            }
        }
    }

    let mut rows: Vec<(String, [i64; 3], bool)> = (0..n)
        .map(|u| {
            let in_use = w.rng.scale(y.adjusted, 40, 250);
            let rented = if w.rng.chance(0.1) {
                w.rng.scale(in_use, 10, 100)
            } else {
                0
            };
            let other = if w.rng.chance(0.2) {
                w.rng.scale(in_use, 5, 60)
            } else {
                0
            };
            (y.units[u].clone(), [in_use, rented, other], false)
        })
        .collect();
    if y.with_total {
        let s = [0, 1, 2].map(|k| rows.iter().map(|r| r.1[k]).sum::<i64>());
        rows.insert(0, (total_name, s, true));
    }
    for (i, (unit, v, total)) in rows.iter().enumerate() {
        w.array("assets");
        w.str("unit", unit);
        if *total {
            w.kv("total", "true");
        }
        let show = shown(w, v);
        let terms = show.iter().filter(|s| **s).count();
        let path = format!("assets[{i}].stated_total");
        w.stated_money("stated_total", &path, v.iter().sum(), terms, true);
        for (k, key) in ["in_use", "rented", "other"].iter().enumerate() {
            if show[k] {
                w.money(key, v[k]);
            }
        }
    }

    // 项目资金使用情况: 资金来源合计 = 上年结转 + 本年拨款; 年末结余 = 合计 − 本年支付
    let mut rows: Vec<(String, [i64; 5], bool)> = y
        .projs
        .iter()
        .map(|p| {
            let r = [
                p.carry,
                p.initial,
                p.adjusted - p.carry,
                p.executed,
                p.adjusted - p.executed,
            ];
            (p.name.clone(), r, false)
        })
        .collect();
    if w.rng.chance(0.6) {
        let s = [0, 1, 2, 3, 4].map(|k| rows.iter().map(|r| r.1[k]).sum::<i64>());
        rows.push(("合  计".into(), s, true));
    }
    for (i, (name, r, total)) in rows.iter().enumerate() {
        w.array("project_funds");
        w.str("name", name);
        if *total {
            w.kv("total", "true");
        }
        let show_carry = r[0] != 0 || w.rng.chance(0.15);
        if show_carry {
            w.money("carryover", r[0]);
        }
        w.money("initial", r[1]);
        w.money("appropriated", r[2]);
        let before = w.planted.len();
        let path = format!("project_funds[{i}].stated_total");
        w.stated_money(
            "stated_total",
            &path,
            r[0] + r[2],
            1 + usize::from(show_carry),
            true,
        );
        if w.planted.len() > before && w.planted[before].cause != "unreadable" {
            // the checker computes 年末结余 from the printed 合计, so a wrong 合计 makes the
            // (correct) 年末结余 disagree too
            w.planted.push(Planted {
                file: w.file.clone(),
                line: w.line + 2,
                path: format!("project_funds[{i}].balance"),
                cause: "follows_stated_total",
                severity: "secondary",
            });
        }
        w.money("executed", r[3]);
        w.money("balance", r[4]);
    }
}

fn year_over_year(w: &mut W, d: &Dept, y: &Year, prior: Option<&Prior>, next: &mut Prior) {
    let tp_actual: i64 = y.tp.iter().map(|t| t.actual).sum();
    let mut items: Vec<(String, i64, &str)> = vec![
        ("基本支出".into(), y.basic[2], "万元"),
        ("人员经费".into(), y.personnel, "万元"),
        ("公用经费".into(), y.public, "万元"),
        ("项目支出".into(), y.project[2], "万元"),
        ("“三公”经费".into(), tp_actual, "万元"),
    ];
    // the same three small items every year, so that they chain
    let mut item_rng = Rng(seed_for(0, &d.slug));
    for item in item_rng.sample(YOY_SMALL, 3) {
        let v = w
            .rng
            .int((y.adjusted / 1000).max(1), (y.adjusted / 50).max(2));
        items.push((item.to_string(), v, "万元"));
    }
    items.push((
        format!("{}业务受理量", d.field),
        w.rng.int(200, 20_000),
        "件",
    ));
    for (i, (item, a, unit)) in items.iter().enumerate() {
        let path = format!("year_over_year[{i}]");
        let last = prior.and_then(|p| p.yoy.iter().find(|x| x.0 == *item).map(|x| x.1));
        let is_money = *unit == "万元";
        let mut pr = last.unwrap_or_else(|| w.rng.scale(*a, 700, 1350).max(1));
        w.array("year_over_year");
        w.str("item", item);
        if !is_money {
            w.str("unit", unit);
        }
        let text = |v: i64| if is_money { money(v) } else { v.to_string() };
        w.kv("actual", &text(*a));
        if last.is_some() && w.wrong() {
            w.plant(&format!("{path}.prior_actual"), "mismatch", "error");
            pr += if is_money { 100 } else { 1 };
        }
        w.kv("prior_actual", &text(pr));
        let c = a - pr;
        let unsigned = w.rng.chance(0.6);
        if unsigned {
            let word = |c: i64| match c.signum() {
                1 => "增长",
                -1 => "下降",
                _ => "持平",
            };
            if c != 0 && w.wrong() {
                w.plant(&format!("{path}.stated_direction"), "direction", "error");
                w.str("stated_direction", word(-c));
            } else {
                w.str("stated_direction", word(c));
            }
        }
        let shown_c = if unsigned { c.abs() } else { c };
        if is_money {
            w.stated_money(
                "stated_change",
                &format!("{path}.stated_change"),
                shown_c,
                1,
                unsigned,
            );
        } else {
            w.str("stated_change", &shown_c.to_string());
        }
        let alt = Some((c, *a, "wrong_base"));
        let p = format!("{path}.stated_change_rate");
        w.stated_rate("stated_change_rate", &p, c, pr, 2, alt, !unsigned);
        let why = if c >= 0 {
            w.rng.pick(REASONS_UP)
        } else {
            w.rng.pick(REASONS_DOWN)
        };
        w.str(
            "reason",
            &format!(
                "{}的主要原因是{why}。",
                if c >= 0 { "增加" } else { "减少" }
            ),
        );
        next.yoy.push((item.clone(), *a));
    }
}

fn group_label(l: &str, wt: i64, with_points: bool) -> String {
    if with_points {
        format!("{l}指标（{wt}分）")
    } else {
        format!("{l}指标")
    }
}

/// Indicators, groups and score; returns the score parts, the total (hundredths) and 等次.
fn indicators_score(
    w: &mut W,
    d: &Dept,
    y: &Year,
    figs: &Figs,
) -> (Vec<(String, i64, i64)>, i64, &'static str) {
    let rules = y.rules;
    let p_weight = *w.rng.pick(&[50i64, 50, 50, 40]);
    let e_weight = 80 - p_weight;
    let style = w.rng.chance(0.4);
    let groups = vec![
        (group_label("产出", p_weight, style), "产出", p_weight),
        (group_label("效益", e_weight, style), "效益", e_weight),
        (group_label("满意度", 10, style), "满意度", 10),
    ];
    let count = w.rng.int(15, 25) as usize;
    let inds = make_indicators(w, d, &groups, count, Some(figs), false);
    write_groups(w, "indicator_groups", &inds, true);
    write_indicators(w, "indicators", "indicators", &inds, true);
    // a form prints at most the part's weight, whatever the scheme says of project scores
    let exec_pts = rules.exec_points(10, y.executed, y.den).min(1000);
    let mut parts = vec![("预算执行".to_string(), 10, exec_pts)];
    for (l1, key, wt) in &groups {
        let s = inds
            .iter()
            .filter(|i| &i.level1 == l1)
            .map(|i| i.score)
            .sum();
        parts.push((key.to_string(), *wt, s));
    }
    let total: i64 = parts.iter().map(|p| p.2).sum();
    w.table("score");
    w.str("stated_total_weight", "100");
    if w.rng.chance(0.5) {
        // a score is not a sum of rounded amounts: a cent off is an error, not 尾数
        w.stated_money("stated_total", "score.stated_total", total, 1, true);
    } else {
        let whole = round_div(i128::from(total), 100, rules.even) as i64;
        if w.wrong() {
            w.plant("score.stated_total", "mismatch", "error");
            w.str("stated_total", &(whole + 1).to_string());
        } else {
            w.str("stated_total", &whole.to_string());
        }
    }
    let grade = rules.grade(i128::from(total), 100);
    stated_grade(w, "score.stated_grade", grade, &rules);
    for (name, wt, s) in &parts {
        w.array("score.parts");
        w.str("name", name);
        w.int("weight", *wt);
        w.kv("score", &money_short(*s));
    }
    (parts, total, grade)
}

fn stated_grade(w: &mut W, path: &str, grade: &str, rules: &Rules) {
    if w.wrong() {
        w.plant(path, "mismatch", "error");
        let others: Vec<&str> = rules
            .grades
            .iter()
            .map(|x| x.1)
            .filter(|x| *x != grade)
            .collect();
        let g = *w.rng.pick(&others);
        w.str("stated_grade", g);
    } else {
        w.str("stated_grade", grade);
    }
}

fn projects(w: &mut W, d: &Dept, y: &Year, preparer: &str, date: &str) {
    let rules = y.rules;
    for (pi, p) in y.projs.iter().enumerate() {
        let path = format!("projects[{pi}]");
        w.array("projects");
        w.str("name", &p.name);
        w.str(
            "code",
            &format!("{}{:04}{:03}", 43 + d.slug.len() % 9, y.year, pi + 1),
        );
        w.str("form_title", &format!("{}年度项目支出绩效自评表", y.year));
        w.str("supervisor", &d.name);
        w.str("implementer", &format!("{}本级", d.name));
        w.str("level", "一级预算");
        let goal = w.sentence(PHRASES_GOAL, d, 3, 5);
        w.str("goal", &goal);
        let outcome = w.paragraphs(&[PHRASES_RESULT], d, 1, 2);
        w.str("outcome", &outcome);
        let pg = *w.rng.pick(&[50i64, 50, 40, 60]);
        let groups = vec![
            (group_label("产出", pg, true), "产出", pg),
            (group_label("效益", 80 - pg, true), "效益", 80 - pg),
            (group_label("满意度", 10, true), "满意度", 10),
        ];
        let count = w.rng.int(6, 10) as usize;
        let inds = make_indicators(w, d, &groups, count, None, false);
        // 总分 = 10 × min(执行率, 100%) + 指标得分, exactly: in hundredths, tn / td
        let pden = rules.den(p.initial, p.adjusted);
        let e = if rules.cap {
            p.executed.min(pden)
        } else {
            p.executed
        };
        let ind_pts: i64 = inds.iter().map(|i| i.score).sum();
        let (tn, td) = (
            i128::from(e) * 1000 + i128::from(ind_pts) * i128::from(pden),
            i128::from(pden),
        );
        w.str("stated_total_weight", "100");
        let dp = if w.rng.chance(0.5) { 2 } else { 0 };
        let shown = if dp == 2 {
            round_div(tn, td, rules.even)
        } else {
            round_div(tn, td * 100, rules.even)
        };
        if w.wrong() {
            w.plant(&format!("{path}.stated_total"), "mismatch", "error");
            w.str("stated_total", &fixed(shown + 1, dp));
        } else {
            w.str("stated_total", &fixed(shown, dp));
        }
        stated_grade(
            w,
            &format!("{path}.stated_grade"),
            rules.grade(tn, td * 100),
            &rules,
        );
        if w.rng.chance(0.2) {
            w.str("stated_total_actual", "—");
        }
        w.kv(
            "notes",
            &tarr(&["全年预算数=年初预算数+调整预算（年度新增项目）。".to_string()]),
        );
        w.str("other_matters", "无");
        w.str("prepared_by", preparer);
        w.kv("date", date);
        w.kv(
            "contact",
            &format!(
                "{{ name = {}, phone = {} }}",
                tstr(&d.people[1]),
                tstr(&d.phone)
            ),
        );
        // 项目资金: 年度资金总额 and its 其中 rows
        let (ci, oi) = (p.carry.min(p.initial / 2), p.other.min(p.initial / 4));
        let rows = [
            ("年度资金总额", Some((p.initial, p.adjusted, p.executed))),
            (
                "当年财政拨款",
                Some((
                    p.initial - ci - oi,
                    p.adjusted - p.carry - p.other,
                    p.executed - p.carry - p.other,
                )),
            ),
            (
                "上年结转资金",
                (p.carry != 0).then_some((ci, p.carry, p.carry)),
            ),
            ("其他资金", (p.other != 0).then_some((oi, p.other, p.other))),
        ];
        for (fi, (source, vals)) in rows.iter().enumerate() {
            w.array("projects.funds");
            w.str("source", source);
            let Some((i0, a0, e0)) = *vals else { continue };
            w.money("initial", i0);
            w.money("adjusted", a0);
            w.money("executed", e0);
            let fpath = format!("{path}.funds[{fi}]");
            let (fden, oden) = (rules.den(i0, a0), rules.den(a0, i0));
            if fi == 0 {
                w.int("weight", 10);
                let dp = if w.rng.chance(0.8) { 2 } else { 0 };
                let alt = Some((e0, oden, "wrong_base"));
                w.stated_rate(
                    "stated_rate",
                    &format!("{fpath}.stated_rate"),
                    e0,
                    fden,
                    dp,
                    alt,
                    true,
                );
                let pts = rules.exec_points(10, e0, fden);
                if w.wrong() {
                    let uncapped = Rules {
                        cap: false,
                        ..rules
                    }
                    .exec_points(10, e0, fden);
                    let (v, c) = if uncapped != pts {
                        (uncapped, "not_capped")
                    } else {
                        (pts + 10, "mismatch")
                    };
                    w.plant(&format!("{fpath}.stated_score"), c, "error");
                    w.str("stated_score", &fixed(i128::from(v), 2));
                } else {
                    w.str("stated_score", &money_short(pts));
                }
            } else if fi == 1 && fden != 0 && w.rng.chance(0.5) {
                w.stated_rate(
                    "stated_rate",
                    &format!("{fpath}.stated_rate"),
                    e0,
                    fden,
                    2,
                    None,
                    true,
                );
            }
        }
        write_groups(w, "projects.indicator_groups", &inds, true);
        write_indicators(
            w,
            "projects.indicators",
            &format!("{path}.indicators"),
            &inds,
            true,
        );
        w.array("projects.signoffs");
        w.kv("sign", "[\"单位负责人签字：\", \"填表人签字：\"]");
    }
}

#[rustfmt::skip]
const NUMERALS: &[&str] = &["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"];

/// The report: numbered sections in source order, some drawing a table, some stating figures.
fn sections(
    w: &mut W,
    d: &Dept,
    y: &Year,
    staff: (i64, i64, i64),
    parts: &[(String, i64, i64)],
    total: i64,
    grade: &str,
) {
    let year = y.year;
    let (authorized, actual, retired) = staff;
    let exec_text = pct(i128::from(y.executed), i128::from(y.den), 2, w.even).unwrap_or_default();
    let tp_b: i64 = y.tp.iter().map(|t| t.budget).sum();
    let tp_a: i64 = y.tp.iter().map(|t| t.actual).sum();
    let tp_p: i64 = y.tp.iter().map(|t| t.prior).sum();
    let tp_rate = pct(i128::from(tp_a), i128::from(tp_b), 2, w.even).unwrap_or_else(|| "—".into());
    // (level, title, body, show, states)
    type Sec = (
        u8,
        Option<String>,
        String,
        Vec<&'static str>,
        Vec<&'static str>,
    );
    let mut secs: Vec<Sec> = Vec::new();
    let pre = w.sentence(PHRASES_GOAL, d, 3, 5);
    secs.push((
        1,
        None,
        format!("为进一步规范财政资金管理，{pre}现将{year}年度部门整体支出绩效自评情况报告如下："),
        vec![],
        vec![],
    ));
    secs.push((
        1,
        Some("部门基本情况".into()),
        String::new(),
        vec![],
        vec![],
    ));
    secs.push((
        2,
        Some("部门概况".into()),
        format!(
            "{}内设{}等机构。截至{year}年12月31日，本单位编制人数{authorized}人，实有在职人员{actual}人，退休人员{retired}人。",
            d.name,
            y.units.join("、")
        ),
        vec![],
        vec!["staffing"],
    ));
    let show = if w.rng.chance(0.3) {
        vec!["income", "expenditure"]
    } else {
        vec![]
    };
    secs.push((
        2,
        Some("部门整体收支情况".into()),
        format!(
            "{year}年度本单位全年预算{}万元，其中：年初预算{}万元，年中调整{}万元。实际支出{}万元，其中基本支出{}万元、项目支出{}万元，预算执行率{exec_text}。",
            money_short(y.adjusted),
            money_short(y.initial),
            money_short(y.adjusted - y.initial),
            money_short(y.executed),
            money_short(y.basic[2]),
            money_short(y.project[2])
        ),
        show,
        vec![
            "budget.initial",
            "budget.adjusted",
            "budget.executed",
            "budget.basic.executed",
            "budget.project.executed",
        ],
    ));
    secs.push((
        2,
        Some("“三公”经费支出情况".into()),
        format!(
            "本单位{year}年度“三公”经费预算{}万元，实际支出{}万元，控制率为{tp_rate}；较上年{}{}万元。",
            money_short(tp_b),
            money_short(tp_a),
            dir_word(tp_a - tp_p),
            money_short((tp_a - tp_p).abs())
        ),
        vec!["three_public"],
        vec!["three_public", "year_over_year"],
    ));
    secs.push((
        1,
        Some("绩效自评工作情况".into()),
        String::new(),
        vec![],
        vec![],
    ));
    secs.push((
        2,
        Some("绩效自评的目的".into()),
        "通过绩效自评，促规范、提绩效，确保财政资金安全高效运行。".into(),
        vec![],
        vec![],
    ));
    secs.push((
        2,
        Some("自评组织过程".into()),
        String::new(),
        vec![],
        vec![],
    ));
    secs.push((
        3,
        Some("前期准备".into()),
        "成立了以主要负责同志为组长的绩效评价工作小组，明确职责分工，制定自评工作方案。".into(),
        vec![],
        vec![],
    ));
    let b = w.paragraphs(&[PHRASES_GOAL], d, 1, 2);
    let body = format!(
        "评价小组采取座谈、查阅资料等方式，检查基本支出、项目支出有关账目，收集整理支出相关资料。\n\n{b}"
    );
    secs.push((3, Some("组织实施".into()), body, vec![], vec![]));
    let parts_text: Vec<String> = parts
        .iter()
        .map(|(n, _, s)| format!("{n}得分{}分", money_short(*s)))
        .collect();
    secs.push((
        1,
        Some("综合评价情况及评价结论".into()),
        format!(
            "按照部门整体支出绩效自评表确定的评分细则，通过对各项指标逐一评价，本单位部门整体支出绩效评价得分是：{}。总得分为{}分，评价等次为“{grade}”。",
            parts_text.join("，"),
            money_short(total)
        ),
        vec![],
        vec!["score"],
    ));
    let b = w.numbered(PHRASES_PROBLEM, d);
    secs.push((1, Some("存在的问题及原因分析".into()), b, vec![], vec![]));
    let b = w.numbered(PHRASES_MEASURE, d);
    secs.push((1, Some("改进措施和有关建议".into()), b, vec![], vec![]));
    let b = w.paragraphs(&[PHRASES_GOAL, PHRASES_RESULT], d, 1, 2);
    let body = format!(
        "将绩效自评结果作为下一年度预算安排的重要依据。本绩效评价完成后，按要求在部门门户网站公开，接受社会监督。\n\n{b}"
    );
    let title = "绩效自评结果拟应用和公开情况";
    secs.push((1, Some(title.into()), body, vec![], vec![]));
    if w.rng.chance(0.6) {
        let b = w.paragraphs(&[PHRASES_RESULT], d, 1, 3);
        secs.push((1, Some("主要经验及做法".into()), b, vec![], vec![]));
    }
    secs.push((
        1,
        Some("其他需说明的情况".into()),
        "无".into(),
        vec![],
        vec![],
    ));
    // about 3% of records withhold a section: usually the last, sometimes the 三公 one
    let redacted = w
        .rng
        .chance(0.03)
        .then(|| if w.rng.chance(0.6) { secs.len() - 1 } else { 4 });
    let (mut n1, mut n2, mut n3) = (0, 0, 0);
    for (k, (level, title, body, show, states)) in secs.iter().enumerate() {
        w.array("sections");
        if let Some(t) = title {
            let numbered = match level {
                1 => {
                    n1 += 1;
                    (n2, n3) = (0, 0);
                    format!("{}、{t}", NUMERALS[(n1 - 1) % NUMERALS.len()])
                }
                2 => {
                    n2 += 1;
                    n3 = 0;
                    format!("（{}）{t}", NUMERALS[(n2 - 1) % NUMERALS.len()])
                }
                _ => {
                    n3 += 1;
                    format!("{n3}. {t}")
                }
            };
            w.int("level", i64::from(*level));
            w.str("title", &numbered);
        }
        if redacted == Some(k) {
            w.kv("redacted", "true");
            let r = w.rng.pick(REDACT_REASONS);
            w.str("reason", r);
            if w.rng.chance(0.5) {
                // the text stays in the file; it must never reach the output
                w.str("body", "SECRET-SYNTH-BODY 本段为涉密内容，不得公开。");
            }
            continue;
        }
        if !body.is_empty() {
            w.str("body", body);
        }
        if !show.is_empty() {
            let v: Vec<String> = show.iter().map(|s| s.to_string()).collect();
            w.kv("show", &tarr(&v));
        }
        if !states.is_empty() {
            let v: Vec<String> = states.iter().map(|s| s.to_string()).collect();
            w.kv("states", &tarr(&v));
        }
    }
}

fn people(w: &mut W, d: &Dept, date: &str) {
    let n = w.rng.int(5, 9) as usize;
    let mut team = vec![d.head.clone()];
    team.extend(w.rng.sample(&d.people[1..], n - 1));
    for (i, p) in team.iter().enumerate() {
        w.array("evaluators");
        w.str("name", p);
        let t = if i > 0 {
            w.rng.pick(TITLES)
        } else if d.name.ends_with('局') {
            "党组书记、局长"
        } else {
            "党组书记、主任"
        };
        w.str("title", t);
        w.str("unit", &d.name);
    }
    w.array("signoffs");
    w.str("title", "评价组组长签署意见：");
    w.str("opinion", "同意自评结果。");
    w.kv("sign", "[\"评价组组长（签字）：\"]");
    w.str("signed_by", &d.head);
    w.kv("date", date);
    w.array("signoffs");
    w.str("title", "部门（单位）意见：");
    w.kv(
        "sign",
        "[\"部门（单位）负责人（签字）：\", \"部门（单位）（盖章）：\"]",
    );
    w.array("signoffs");
    w.str("title", "财政部门归口业务科室意见：");
    w.kv(
        "sign",
        "[\"财政部门归口业务科室负责人（签字）：\", \"财政部门归口业务科室（盖章）：\"]",
    );
    w.array("signoffs");
    w.str("signed_by", &d.name);
    w.kv("date", date);
}

// ------------------------------------------------------------------------------- targets.toml

/// What a year's targets record declares: the evaluation's 年初预算 (total, basic) and its
/// projects' 年初预算.
struct Declared {
    initial: i64,
    basic: i64,
    projects: Vec<(String, i64)>,
}

fn targets_toml(w: &mut W, d: &Dept, year: i32, plan: &Declared) {
    let initial = plan.initial;
    w.even = d.rules.even;
    w.comment(&format!(
        "{} {year}年度部门整体绩效目标申报（合成数据）",
        d.name
    ));
    w.int("year", i64::from(year));
    w.str(
        "title",
        &format!("{}{year}年度部门整体支出绩效目标申报表", d.name),
    );
    w.str("form", "hunan-dept-targets");
    w.str(
        "form_title",
        &format!("{year}年度部门整体支出绩效目标申报表"),
    );
    w.kv("order", "[\"form\", \"projects\", \"report\"]");
    let (m, day) = (w.rng.int(1, 2), w.rng.int(1, 28));
    w.kv("date", &format!("{year}-{m:02}-{day:02}"));
    let (am, ad) = (m + 1, day.min(10));
    w.kv("approved", &format!("{year}-{am:02}-{ad:02}"));
    let late = w.rng.chance(0.03);
    if late {
        w.plant("published", "late_publication", "warning");
    }
    let (pm, pd) = if late {
        (am + 1, ad + w.rng.int(0, 15))
    } else {
        (am, ad + w.rng.int(3, 18))
    };
    w.kv("published", &format!("{year}-{pm:02}-{pd:02}"));
    w.str("prepared_by", &d.people[2 % d.people.len()]);
    let mut duties = String::new();
    let k = w.rng.int(5, 8) as usize;
    for (i, t) in w.rng.sample(PHRASES_GOAL, k).into_iter().enumerate() {
        let p = w.fill(t, d);
        let _ = writeln!(duties, "{}. {p}。", i + 1);
    }
    w.str("duties", duties.trim_end());
    w.kv("notes", &tarr(&["本表金额单位为万元。".to_string()]));
    w.str("other_matters", "无");
    if w.rng.chance(0.2) {
        w.kv("private", "[\"contact.phone\"]");
    }
    w.table("contact");
    w.str("name", &d.people[1]);
    w.str("phone", &d.phone);
    // budget = this year's 年初预算
    let other = if w.rng.chance(0.3) {
        w.rng.scale(initial, 0, 50)
    } else {
        0
    };
    let basic = plan.basic;
    w.table("budget");
    if w.rng.chance(0.5) {
        w.stated_money("stated_total", "budget.stated_total", initial, 2, true);
    } else {
        w.money("total", initial);
    }
    w.money("fiscal", initial - other);
    w.money("other", other);
    w.money("basic", basic);
    w.money("project", initial - basic);
    let names: Vec<&str> = plan.projects.iter().map(|p| p.0.as_str()).collect();
    let amounts: Vec<i64> = plan.projects.iter().map(|p| p.1).collect();
    for (i, (name, amt)) in names.iter().zip(&amounts).enumerate() {
        w.array("tasks");
        w.str(
            "name",
            &format!("{}任务", name.replace("经费", "").replace("资金", "")),
        );
        let c = w.sentence(PHRASES_GOAL, d, 2, 3);
        w.str("content", &c);
        w.money("budget", *amt);
        w.money("fiscal", *amt);
        let _ = i;
    }
    let groups = vec![
        ("产出指标".to_string(), "产出", 50),
        ("效益指标".to_string(), "效益", 30),
        ("满意度指标".to_string(), "满意度", 10),
    ];
    let k = w.rng.int(12, 20) as usize;
    let inds = make_indicators(w, d, &groups, k, None, true);
    write_groups(w, "indicator_groups", &inds, false);
    write_indicators(w, "indicators", "indicators", &inds, true);
    for (pi, (name, amt)) in names.iter().zip(&amounts).enumerate() {
        w.array("projects");
        w.str("name", name);
        w.str(
            "code",
            &format!("{}{:04}{:03}", 43 + d.slug.len() % 9, year, pi + 1),
        );
        let higher = if w.rng.chance(0.3) {
            w.rng.scale(*amt, 100, 500)
        } else {
            0
        };
        if higher > 0 {
            let wrong = w.wrong();
            if wrong {
                w.plant(&format!("projects[{pi}].amount"), "mismatch", "error");
            }
            w.money("amount", amt + if wrong { 100 } else { 0 });
            w.money("local_amount", amt - higher);
            w.money("higher_level_amount", higher);
        } else {
            w.money("amount", *amt);
        }
        w.str("period", &format!("{year}年1月—{year}年12月"));
        let g = w.sentence(PHRASES_GOAL, d, 2, 3);
        w.str("long_term_goal", &g);
        let g = w.sentence(PHRASES_GOAL, d, 2, 3);
        w.str("annual_goal", &g);
        let groups = vec![
            ("产出指标".to_string(), "产出", 50),
            ("效益指标".to_string(), "效益", 30),
            ("满意度指标".to_string(), "满意度", 10),
        ];
        let k = w.rng.int(4, 7) as usize;
        let pinds = make_indicators(w, d, &groups, k, None, true);
        write_indicators(
            w,
            "projects.indicators",
            &format!("projects[{pi}].indicators"),
            &pinds,
            true,
        );
    }
    w.array("sections");
    w.int("level", 1);
    w.str("title", "一、编制说明");
    let b = w.paragraphs(&[PHRASES_GOAL], d, 1, 2);
    w.str("body", &b);
    w.array("signoffs");
    w.str("title", "部门（单位）意见：");
    w.kv("sign", "[\"部门（单位）（盖章）：\"]");
    w.str("signed_by", &d.name);
}

// ------------------------------------------------------------------------------- main

fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    let f = std::fs::File::create(path)?;
    let mut b = std::io::BufWriter::with_capacity(64 * 1024, f);
    b.write_all(text.as_bytes())?;
    b.flush()
}

struct Done {
    files: usize,
    records: usize,
    planted: Vec<Planted>,
}

fn department_files(args: &Args, d: &mut Dept, years: &[i32]) -> std::io::Result<Done> {
    let mut w = W {
        rng: Rng(seed_for(args.seed, &format!("{}/files", d.slug))),
        err: args.error_rate,
        s: String::with_capacity(64 * 1024),
        line: 0,
        file: String::new(),
        planted: Vec::new(),
        even: false,
    };
    let dir = args.out.join(&d.slug);
    std::fs::create_dir_all(&dir)?;
    w.begin(format!("{}/department.toml", d.slug));
    department_toml(&mut w, d);
    write_file(&dir.join("department.toml"), &w.s)?;
    let mut files = 1;
    let mut records = 0;
    let mut prior: Option<Prior> = None;
    for &year in years {
        let ydir = dir.join(year.to_string());
        std::fs::create_dir_all(&ydir)?;
        let mut next = Prior::default();
        w.begin(format!("{}/{year}/evaluation.toml", d.slug));
        let declared = evaluation_toml(&mut w, d, year, prior.as_ref(), &mut next);
        write_file(&ydir.join("evaluation.toml"), &w.s)?;
        files += 1;
        records += 1;
        if w.rng.chance(1.0 / 3.0) {
            w.begin(format!("{}/{year}/targets.toml", d.slug));
            targets_toml(&mut w, d, year, &declared);
            write_file(&ydir.join("targets.toml"), &w.s)?;
            files += 1;
            records += 1;
        }
        prior = Some(next);
    }
    Ok(Done {
        files,
        records,
        planted: w.planted,
    })
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("synth: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    if args.out.exists() && std::fs::read_dir(&args.out).map_or(true, |mut d| d.next().is_some()) {
        eprintln!("synth: {} exists and is not empty", args.out.display());
        std::process::exit(2);
    }
    let start = std::time::Instant::now();
    std::fs::create_dir_all(&args.out).expect("create the output folder");
    write_file(&args.out.join("site.toml"), &site_toml(&args)).expect("write site.toml");
    let years: Vec<i32> = (LAST_YEAR - args.years as i32 + 1..=LAST_YEAR).collect();
    let mut depts = make_departments(args.departments, args.seed);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = depts.len().div_ceil(threads).max(1);
    let results: Vec<std::io::Result<Vec<Done>>> = std::thread::scope(|s| {
        let handles: Vec<_> = depts
            .chunks_mut(chunk)
            .map(|part| {
                let (args, years) = (&args, &years);
                s.spawn(move || {
                    part.iter_mut()
                        .map(|d| department_files(args, d, years))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker panicked"))
            .collect()
    });
    let (mut files, mut records) = (1, 0);
    let mut planted = Vec::new();
    for r in results {
        match r {
            Ok(done) => {
                for d in done {
                    files += d.files;
                    records += d.records;
                    planted.extend(d.planted);
                }
            }
            Err(e) => {
                eprintln!("synth: {e}");
                std::process::exit(1);
            }
        }
    }
    if let Some(m) = &args.manifest {
        let mut s = String::from("file\tline\tpath\tcause\tseverity\n");
        for p in &planted {
            let _ = writeln!(
                s,
                "{}\t{}\t{}\t{}\t{}",
                p.file, p.line, p.path, p.cause, p.severity
            );
        }
        write_file(m, &s).expect("write the manifest");
    }
    let count = |sev: &str| planted.iter().filter(|p| p.severity == sev).count();
    eprintln!(
        "synth: wrote {files} files ({records} records, {} departments × {} years {}–{}) into {} in {:.2} s; planted {} errors, {} warnings, {} notes",
        args.departments,
        args.years,
        years[0],
        LAST_YEAR,
        args.out.display(),
        start.elapsed().as_secs_f64(),
        count("error"),
        count("warning"),
        count("info"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A generated province is valid content (the loader's rules and the generator agree)
    /// and every planted error is found by the checker on its field.
    #[test]
    fn generated_records_load_and_planted_errors_are_found() {
        let tmp = tempfile::tempdir().unwrap();
        let args = Args {
            departments: 60,
            years: 5,
            seed: 7,
            error_rate: 0.03,
            manifest: None,
            out: tmp.path().join("content"),
        };
        std::fs::create_dir_all(&args.out).unwrap();
        write_file(&args.out.join("site.toml"), &site_toml(&args)).unwrap();
        let years: Vec<i32> = (LAST_YEAR - args.years as i32 + 1..=LAST_YEAR).collect();
        let mut planted = Vec::new();
        for d in &mut make_departments(args.departments, args.seed) {
            planted.extend(department_files(&args, d, &years).unwrap().planted);
        }
        let mut t = gongkai::Timings::default();
        let checked = gongkai::load_and_check(&args.out, &mut t)
            .unwrap_or_else(|e| panic!("generated content must load:\n{e}"));
        let found: std::collections::BTreeSet<(String, String)> = checked
            .findings
            .iter()
            .map(|f| (f.file.clone(), f.path.clone()))
            .collect();
        let errors: Vec<_> = planted.iter().filter(|p| p.severity == "error").collect();
        assert!(errors.len() > 50, "{} planted errors", errors.len());
        let missed: Vec<_> = errors
            .iter()
            .filter(|p| !found.contains(&(p.file.clone(), p.path.clone())))
            .map(|p| format!("{} {}", p.file, p.path))
            .collect();
        assert!(missed.is_empty(), "planted errors not found: {missed:#?}");
    }
}
