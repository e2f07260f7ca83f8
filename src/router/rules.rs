//! The rules stage: Korean and English phrasings jr is sure of. It returns
//! None when it is not confident, so the model (or the fallback) decides.
//! Order matters: refusals before actions ("create a job that runs backup"
//! is a new job, not Run Now), questions before actions ("when does backup
//! run?" asks, it does not run).

use super::{Catalog, Decision, Forbidden, Intent, Via, urgency};

fn has(m: &str, words: &[&str]) -> bool {
    words.iter().any(|w| m.contains(w))
}

/// Lower-cased, trailing punctuation and polite endings trimmed.
fn norm(msg: &str) -> String {
    msg.trim()
        .trim_end_matches(['?', '!', '.', '~', '？', '！', '。'])
        .trim()
        .to_lowercase()
}

/// Words of the message: split on spaces and punctuation, Korean particles
/// kept attached (job names are ASCII slugs, matched inside tokens).
fn tokens(m: &str) -> Vec<&str> {
    m.split(|c: char| {
        c.is_whitespace() || matches!(c, ',' | '?' | '!' | '"' | '\'' | '(' | ')' | ':' | '`')
    })
    .filter(|t| !t.is_empty())
    .collect()
}

/// A job named in the message: exactly, or inside a token with a Korean
/// particle attached ("backup을", "backup잡").
fn named_job<'a>(m: &str, catalog: &'a Catalog) -> Option<&'a String> {
    let toks = tokens(m);
    catalog
        .jobs
        .iter()
        .filter(|j| {
            toks.iter()
                .any(|t| *t == j.as_str() || strip_particle(t) == j.as_str())
        })
        .max_by_key(|j| j.len())
}

fn strip_particle(t: &str) -> &str {
    let ascii_end = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map(|(i, _)| i);
    match ascii_end {
        Some(i) if i > 0 => &t[..i],
        _ => t,
    }
}

/// A token that is close to a job name but not one: offered back.
fn near_job(m: &str, catalog: &Catalog) -> Option<(String, Vec<String>)> {
    for t in tokens(m) {
        let t = strip_particle(t);
        if t.len() < 3 || !t.is_ascii() || STOP.contains(&t) {
            continue;
        }
        let close: Vec<String> = catalog
            .jobs
            .iter()
            .filter(|j| {
                j.as_str() != t
                    && (strsim::jaro_winkler(t, j) > 0.88 || (j.starts_with(t) && t.len() >= 4))
            })
            .cloned()
            .collect();
        if !close.is_empty() {
            return Some((t.to_string(), close));
        }
    }
    None
}

const STOP: &[&str] = &[
    "run", "the", "job", "now", "please", "task", "start", "kick", "off", "trigger", "again",
    "next", "when", "does", "will",
];

/// A task number: "#4", "task 4", "태스크 4", "작업 4", "4번", "할일 4".
fn task_number(m: &str) -> Option<i64> {
    let toks = tokens(m);
    for (i, t) in toks.iter().enumerate() {
        if let Some(n) = t.strip_prefix('#').and_then(|n| n.parse().ok()) {
            return Some(n);
        }
        if let Some(n) = t.strip_suffix("번").and_then(|n| n.parse().ok()) {
            return Some(n);
        }
        let num = t.trim_end_matches(|c: char| !c.is_ascii_digit());
        if ["task", "태스크", "작업", "할일", "todo", "ticket", "item"]
            .iter()
            .any(|k| {
                t.starts_with(k)
                    && t.len() > k.len()
                    && t[k.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_digit())
            })
        {
            let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
            if let Ok(n) = digits.parse() {
                return Some(n);
            }
        }
        let prev = if i > 0 { toks[i - 1] } else { "" };
        if !num.is_empty()
            && num.chars().all(|c| c.is_ascii_digit())
            && [
                "task",
                "태스크",
                "작업",
                "할일",
                "todo",
                "ticket",
                "item",
                "#",
            ]
            .iter()
            .any(|k| prev.starts_with(k))
        {
            return num.parse().ok();
        }
    }
    None
}

/// The status a message moves a task to, if it says.
fn transition(m: &str) -> Option<&'static str> {
    if has(m, &["reopen", "다시 열", "재오픈", "되돌려"]) {
        Some("pending")
    } else if has(m, &["cancel", "취소", "drop "]) {
        Some("cancelled")
    } else if has(m, &["review", "리뷰", "검토"]) {
        Some("review")
    } else if has(
        m,
        &[
            "done", "complete", "finish", "완료", "끝냈", "끝났", "마쳤", "다 했", "다했", "close ",
        ],
    ) {
        Some("done")
    } else if has(m, &["start", "시작", "착수", "begin", "work on", "진행"]) {
        Some("in_progress")
    } else {
        None
    }
}

const RUN_VERBS: &[&str] = &[
    "run ",
    "rerun",
    "trigger",
    "kick off",
    "kick-off",
    "launch",
    "execute",
    "start job",
    "start the",
    "돌려",
    "실행해",
    "실행시켜",
    "실행 해",
    "실행하",
    "돌려줘",
    "run_now",
    "run now",
    "돌리",
    "시작해",
];
/// Verbs of real work: a message with one is not a status question.
const COMPLEX_WORK: &[&str] = &[
    "refactor",
    "리팩터",
    "분석",
    "analy",
    "design",
    "설계",
    "summarize",
    "요약해줘",
    "propose",
    "제안",
    "figure out",
    "investigate",
    "조사",
    "개선",
    "improve",
    "작성해",
    "써줘",
    "만들어",
    "explain",
    "설명해",
    "draft",
    "초안",
    "root-cause",
    "root cause",
    "원인",
    "debug",
    "디버그",
    "고쳐",
    "fix ",
    "implement",
    "구현",
];
const QUESTION: &[&str] = &[
    "언제",
    "when",
    "next",
    "다음",
    "몇 시",
    "몇시",
    "what time",
    "schedule of",
];

/// A task title from a message: the first line, polite request endings cut.
pub fn title_of(msg: &str) -> String {
    let first = msg
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut t = first
        .trim_end_matches(['?', '!', '.', '~', '？', '！', '。'])
        .trim()
        .to_string();
    for end in [
        "해줘",
        "해 줘",
        "해주세요",
        "해 주세요",
        "부탁해",
        "부탁합니다",
        "please",
    ] {
        if let Some(s) = t.strip_suffix(end) {
            t = s.trim_end_matches([',', ' ']).to_string();
        }
    }
    let t = t.trim();
    let mut out: String = t.chars().take(80).collect();
    if t.chars().count() > 80 {
        out.push('…');
    }
    if out.is_empty() {
        msg.trim().chars().take(80).collect()
    } else {
        out
    }
}

/// The title after an "add a task" phrase: "add a task: buy milk" → "buy milk".
fn added_title(msg: &str, m: &str) -> Option<String> {
    let heads = [
        "add a task:",
        "add a task",
        "add task:",
        "add task",
        "new task:",
        "new task",
        "todo:",
        "create a task:",
        "create a task",
        "remind me to",
        "할일 추가:",
        "할일 추가",
        "할 일 추가:",
        "할 일 추가",
        "태스크 추가:",
        "태스크 추가",
        "작업 추가:",
        "작업 추가",
        "할일:",
        "할 일:",
    ];
    for h in heads {
        if let Some(pos) = m.find(h) {
            // Map the lower-cased position back onto the original text.
            let start = msg
                .char_indices()
                .nth(m[..pos].chars().count() + h.chars().count())
                .map(|(i, _)| i)
                .unwrap_or(msg.len());
            let rest = msg[start..]
                .trim()
                .trim_start_matches([':', '-', ' '])
                .trim();
            let rest = rest.trim_end_matches(['?', '!', '.', '~']).trim();
            let rest = ["해줘", "해 줘", "해주세요"]
                .iter()
                .fold(rest.to_string(), |r, e| {
                    r.strip_suffix(e).map(|s| s.trim().to_string()).unwrap_or(r)
                });
            if !rest.is_empty() {
                return Some(rest);
            }
            // "X 할일 추가해줘": the title comes before the phrase.
            let before = msg[..msg
                .char_indices()
                .nth(m[..pos].chars().count())
                .map(|(i, _)| i)
                .unwrap_or(0)]
                .trim();
            let before = before.trim_end_matches(['을', '를', ',', ' ']).trim();
            if !before.is_empty() {
                return Some(before.to_string());
            }
        }
    }
    // "X 할일로 추가해줘" / "X 추가해줘" with an explicit task word.
    for tail in [
        "할일로 추가",
        "할 일로 추가",
        "태스크로 추가",
        "작업으로 추가",
        "task로 추가",
    ] {
        if let Some(pos) = m.find(tail) {
            let before = msg[..msg
                .char_indices()
                .nth(m[..pos].chars().count())
                .map(|(i, _)| i)
                .unwrap_or(0)]
                .trim();
            let before = before.trim_end_matches(['을', '를', ',', ' ']).trim();
            if !before.is_empty() {
                return Some(before.to_string());
            }
        }
    }
    None
}

fn forbidden(m: &str) -> Option<Forbidden> {
    let shell = has(
        m,
        &[
            "`",
            "$(",
            "sudo ",
            "rm -rf",
            "kill -9",
            "apt install",
            "apt-get",
            "pip install",
            "npm install",
            "curl ",
            "wget ",
            "shell command",
            "run the command",
            "run command",
            "run this command",
            "execute the command",
            "execute this",
            "명령어",
            "커맨드",
            "쉘에서",
            "쉘 명령",
            "터미널에서 실행",
            "bash -c",
            "sh -c",
        ],
    );
    if shell {
        return Some(Forbidden::Shell);
    }
    let job_word = has(
        m,
        &[
            "잡",
            "job",
            "cron",
            "크론",
            "스케줄",
            "schedule",
            "스크립트",
            "script",
            "workflow",
            "워크플로",
            "자동화",
            "automation",
        ],
    );
    let make = has(
        m,
        &[
            "만들",
            "짜줘",
            "짜 줘",
            "작성",
            "추가해",
            "등록",
            "생성",
            "create",
            "make",
            "write",
            "add a",
            "add an",
            "set up",
            "setup",
            "new ",
            "build",
            "짜서",
            "구성",
        ],
    );
    if job_word && make && !has(m, &["task", "할일", "할 일", "태스크"]) {
        return Some(Forbidden::NewJob);
    }
    if has(
        m,
        &[
            "설정",
            "config",
            "setting",
            "환경변수",
            "env var",
            "timezone",
            "타임존",
            "concurrency",
            "keymap",
            "키맵",
        ],
    ) && has(
        m,
        &[
            "바꿔", "변경", "수정", "바꾸", "change", "set ", "update", "modify", "edit", "늘려",
            "줄여", "꺼", "켜",
        ],
    ) {
        return Some(Forbidden::Settings);
    }
    if has(
        m,
        &[
            "연동",
            "integrat",
            "webhook",
            "웹훅",
            "connect to",
            "연결해",
            "oauth",
            "api key",
            "api 키",
            "토큰 등록",
            "hook up",
            "plug into",
        ],
    ) {
        return Some(Forbidden::Integration);
    }
    None
}

fn decision(intent: Intent, msg: &str, reason: &str) -> Decision {
    let urgent = urgency::is_urgent(msg);
    Decision {
        route: intent.route(urgent),
        intent,
        via: Via::Rules,
        urgent,
        reason: reason.to_string(),
    }
}

/// Place a message, or None when the rules are not confident.
pub fn decide(msg: &str, catalog: &Catalog) -> Option<Decision> {
    let m = norm(msg);
    if m.is_empty() {
        return Some(decision(
            Intent::Capabilities,
            msg,
            "an empty message: say what jr can do",
        ));
    }
    if let Some(what) = forbidden(&m) {
        let why = match what {
            Forbidden::Shell => "the gateway never runs shell commands from a message",
            Forbidden::NewJob => "the gateway never writes new jobs or job code",
            Forbidden::Settings => "the gateway never changes settings",
            Forbidden::Integration => "the gateway never sets up integrations",
        };
        return Some(decision(
            Intent::Forbidden {
                what,
                title: title_of(msg),
            },
            msg,
            why,
        ));
    }
    let words = tokens(&m);
    let short = words.len() <= 4;
    if short
        && has(
            &m,
            &[
                "안녕",
                "hello",
                "hi ",
                "hey",
                "반가",
                "ㅎㅇ",
                "good morning",
                "좋은 아침",
                "하이",
            ],
        )
        || ["hi", "hey", "yo", "안녕", "하이"].contains(&m.as_str())
    {
        return Some(decision(Intent::Greeting, msg, "a greeting"));
    }
    if has(
        &m,
        &[
            "what can you do",
            "what do you do",
            "help me use",
            "뭐 할 수 있",
            "뭘 할 수 있",
            "무엇을 할 수",
            "할 수 있는 게",
            "할 수 있는 일",
            "도움말",
            "사용법",
            "how do i use you",
        ],
    ) || m == "help"
        || m == "도움"
    {
        return Some(decision(
            Intent::Capabilities,
            msg,
            "asks what the gateway can do",
        ));
    }
    // Tasks by number: move or show.
    if let Some(id) = task_number(&m) {
        if let Some(to) = transition(&m) {
            return Some(decision(
                Intent::TaskMove {
                    id,
                    to: to.to_string(),
                },
                msg,
                "moves a task through its flow",
            ));
        }
        if has(
            &m,
            &[
                "show", "status", "상태", "어때", "뭐야", "what", "details", "detail", "보여",
                "알려",
            ],
        ) || short
        {
            return Some(decision(
                Intent::TaskShow { id },
                msg,
                "asks about one task",
            ));
        }
    }
    if let Some(title) = added_title(msg, &m) {
        return Some(decision(Intent::TaskAdd { title }, msg, "adds a task"));
    }
    let job = named_job(&m, catalog).cloned();
    let asks_when = has(&m, QUESTION);
    if asks_when && (job.is_some() || has(&m, &["잡", "job", "fire", "실행", "돌아", "run"])) {
        return Some(decision(
            Intent::JobNext { job },
            msg,
            "asks when a job runs",
        ));
    }
    if has(&m, RUN_VERBS) || m.starts_with("run") {
        if let Some(job) = job {
            return Some(decision(
                Intent::RunJob { job },
                msg,
                "runs an existing job now",
            ));
        }
        if let Some((asked, suggestions)) = near_job(&m, catalog) {
            return Some(decision(
                Intent::Clarify { asked, suggestions },
                msg,
                "names a job that does not exist; a close one is offered back",
            ));
        }
    }
    // Work to be done, not a question about jr's data: the model (or the
    // fallback) decides between defer and escalate.
    if has(&m, COMPLEX_WORK) {
        return None;
    }
    if has(
        &m,
        &[
            "fail", "실패", "에러", "error", "깨졌", "broke", "crash", "터졌", "오류",
        ],
    ) && !has(&m, &["분석", "analy", "why", "왜", "원인", "fix", "고쳐"])
    {
        return Some(decision(Intent::RunsFailed, msg, "asks what failed"));
    }
    if has(
        &m,
        &[
            "recent runs",
            "last runs",
            "run history",
            "최근 실행",
            "실행 이력",
            "실행 기록",
            "what ran",
            "뭐 돌았",
        ],
    ) {
        return Some(decision(Intent::RunsRecent, msg, "asks for recent runs"));
    }
    if has(&m, &["scheduler", "daemon", "스케줄러", "데몬", "lease"]) {
        return Some(decision(Intent::Scheduler, msg, "asks about the scheduler"));
    }
    if has(
        &m,
        &[
            "오늘 뭐",
            "뭐 해야",
            "할 일",
            "할일",
            "todo",
            "to-do",
            "to do list",
            "tasks",
            "task list",
            "what should i",
            "pending",
            "남은 작업",
            "남은 일",
            "뭐 하지",
            "뭐하지",
            "태스크",
            "work on next",
            "ready tasks",
        ],
    ) {
        return Some(decision(
            Intent::TasksToday,
            msg,
            "asks what there is to do",
        ));
    }
    if job.is_some() && (short || has(&m, &["어때", "status", "상태", "how is", "how's"])) {
        return Some(decision(Intent::JobNext { job }, msg, "asks about a job"));
    }
    if has(
        &m,
        &[
            "jobs",
            "job list",
            "잡 목록",
            "어떤 잡",
            "잡 뭐",
            "잡들",
            "잡 리스트",
        ],
    ) {
        return Some(decision(Intent::JobsList, msg, "asks for the jobs"));
    }
    if has(
        &m,
        &[
            "status",
            "상태",
            "how are things",
            "how's everything",
            "어떻게 돼",
            "현황",
            "요약해줘 상태",
            "dashboard",
            "대시보드",
            "what's going on",
            "뭐 돌아가",
        ],
    ) && short
    {
        return Some(decision(Intent::Status, msg, "asks for the overall status"));
    }
    if has(&m, &["status", "현황", "상태"]) && words.len() <= 6 {
        return Some(decision(Intent::Status, msg, "asks for the overall status"));
    }
    None
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
