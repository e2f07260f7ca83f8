//! The rules stage: Korean and English phrasings jr is sure of. It returns
//! None when it is not confident, so the model (or the fallback) decides.
//! Order matters: an explicit "add a task" first (filing a task is always
//! allowed, whatever its title mentions), then refusals ("create a job that
//! runs backup" is a new job, not Run Now), questions before actions ("when
//! does backup run?" asks; "is task 5 done?" asks), real work last.

use super::Target;
use super::phrases::*;
use super::{
    Catalog, Convo, Decision, Forbidden, Intent, Via, agents, compound, followup, urgency,
};

/// Whether any phrase occurs in `m`. An English phrase must start at a word
/// boundary ("lease" is not in "please"; "fail" is in "failed"); Korean ones
/// match anywhere, since particles attach to words.
pub(super) fn has(m: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        let starts_word = w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !starts_word {
            return m.contains(w);
        }
        m.match_indices(w).any(|(i, _)| {
            m[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
        })
    })
}

/// Lower-cased, trailing punctuation trimmed.
fn norm(msg: &str) -> String {
    msg.trim()
        .trim_end_matches(['!', '.', '~', '！', '。'])
        .trim()
        .to_lowercase()
}

/// Words of the message, split on spaces and punctuation.
pub(super) fn tokens(m: &str) -> Vec<&str> {
    m.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | '?' | '!' | '"' | '\'' | '(' | ')' | ':' | '`' | '—' | '–'
            )
    })
    .filter(|t| !t.is_empty())
    .collect()
}

/// The ASCII slug at the start of a token: "backup을" → "backup".
fn slug(t: &str) -> &str {
    let end = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map(|(i, _)| i);
    match end {
        Some(i) if i > 0 => &t[..i],
        _ => t,
    }
}

/// A job named in the message (exactly, or with a Korean particle attached).
fn named_job<'a>(m: &str, catalog: &'a Catalog) -> Option<&'a String> {
    let toks = tokens(m);
    catalog
        .jobs
        .iter()
        .filter(|j| {
            let j = j.to_lowercase();
            toks.iter()
                .any(|t| *t == j.as_str() || slug(t) == j.as_str())
        })
        .max_by_key(|j| j.len())
}

const STOP: &[&str] = &[
    "run",
    "the",
    "job",
    "now",
    "please",
    "task",
    "start",
    "kick",
    "off",
    "trigger",
    "again",
    "next",
    "when",
    "does",
    "will",
    "fire",
    "scheduled",
    "what",
    "time",
    "can",
    "you",
];

/// A token close to a job name but not one: offered back, not guessed.
fn near_job(m: &str, catalog: &Catalog) -> Option<(String, Vec<String>)> {
    for t in tokens(m) {
        let t = slug(t).trim_end_matches('.');
        if t.len() < 4 || !t.is_ascii() || STOP.contains(&t) || catalog.jobs.iter().any(|j| j == t)
        {
            continue;
        }
        let close: Vec<String> = catalog
            .jobs
            .iter()
            .filter(|j| {
                strsim::jaro_winkler(t, j) > 0.88
                    || strsim::damerau_levenshtein(t, j) <= 2
                    || j.starts_with(t)
            })
            .cloned()
            .collect();
        if !close.is_empty() {
            return Some((t.to_string(), close));
        }
    }
    None
}

const TASK_WORDS: &[&str] = &[
    "task",
    "태스크",
    "작업",
    "할일",
    "todo",
    "ticket",
    "item",
    "#",
];

/// A task number: "#4", "task 4", "태스크 4", "4번"; or a bare number when a
/// move verb names the task ("reopen 6", "move 22 to review").
fn task_number(m: &str, bare_ok: bool) -> Option<i64> {
    let toks = tokens(m);
    let mut bare = None;
    for (i, t) in toks.iter().enumerate() {
        if let Some(n) = t.strip_prefix('#').and_then(|n| n.parse().ok()) {
            return Some(n);
        }
        if let Some(n) = t.strip_suffix("번").and_then(|n| n.parse().ok()) {
            return Some(n);
        }
        for k in TASK_WORDS {
            if let Some(rest) = t.strip_prefix(k)
                && let Ok(n) = rest.trim_start_matches(['-', '#']).parse()
            {
                return Some(n);
            }
        }
        let digits = t.trim_end_matches(['.', ',', '번']);
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && digits.len() <= 7 {
            let prev = if i > 0 { toks[i - 1] } else { "" };
            if TASK_WORDS.iter().any(|k| prev.starts_with(k)) {
                return digits.parse().ok();
            }
            bare = bare.or(digits.parse().ok());
        }
    }
    if bare_ok { bare } else { None }
}

pub(super) fn move_to(m: &str) -> Option<&'static str> {
    MOVES
        .iter()
        .find(|(_, words)| has(m, words))
        .map(|(to, _)| *to)
}

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

/// Byte offset in `msg` of the char at `m`'s byte offset (m is msg lower-cased).
fn orig_at(msg: &str, m: &str, pos: usize) -> usize {
    msg.char_indices()
        .nth(m[..pos].chars().count())
        .map(|(i, _)| i)
        .unwrap_or(msg.len())
}

fn clean_title(s: &str) -> String {
    let s = s.trim().trim_start_matches([':', '-', ' ', '—']).trim();
    let s = s.trim_end_matches(['?', '!', '.', '~']).trim();
    let s = ["해줘", "해 줘", "해주세요"]
        .iter()
        .fold(s.to_string(), |r, e| {
            r.strip_suffix(e).map(|x| x.trim().to_string()).unwrap_or(r)
        });
    s.trim_matches(['"', '\'', '“', '”', '‘', '’'])
        .trim()
        .to_string()
}

/// The text between the first pair of quotes, if any.
fn quoted(msg: &str) -> Option<String> {
    for (open, close) in [('"', '"'), ('\'', '\''), ('“', '”'), ('‘', '’')] {
        if let Some(a) = msg.find(open) {
            let rest = &msg[a + open.len_utf8()..];
            if let Some(b) = rest.find(close) {
                let q = rest[..b].trim();
                if !q.is_empty() {
                    return Some(q.to_string());
                }
            }
        }
    }
    None
}

/// The title of a task the message asks to add, if it asks to add one.
fn added_title(msg: &str, m: &str) -> Option<String> {
    for h in ADD_HEADS {
        if let Some(pos) = m.find(h) {
            // "태스크 추가되게" is not "add a task": the phrase must end there.
            let next = m[pos + h.len()..].chars().next();
            if !matches!(
                next,
                None | Some(' ' | ':' | '해' | '하' | '-' | '—' | '"' | '\'')
            ) {
                continue;
            }
            let after = clean_title(&msg[orig_at(msg, m, pos + h.len())..]);
            if !after.is_empty() {
                return Some(after);
            }
            let before = msg[..orig_at(msg, m, pos)]
                .trim()
                .trim_end_matches(['을', '를', ',', ' '])
                .trim();
            if !before.is_empty() {
                return Some(before.to_string());
            }
        }
    }
    for tail in ADD_TAILS {
        if let Some(pos) = m.find(tail) {
            let before = msg[..orig_at(msg, m, pos)]
                .trim()
                .trim_end_matches(['을', '를', ',', ' '])
                .trim();
            if !before.is_empty() {
                return Some(before.to_string());
            }
        }
    }
    if has(m, TASK_MAKE) {
        if let Some(q) = quoted(msg) {
            return Some(q);
        }
        if let Some(pos) = m.find("제목은").or_else(|| m.find("title")) {
            let t = clean_title(
                msg[orig_at(msg, m, pos)..]
                    .split_once([' ', ':'])
                    .map(|x| x.1)
                    .unwrap_or(""),
            );
            if !t.is_empty() {
                return Some(t);
            }
        }
    }
    None
}

/// A message that names a job, or jobs in general, as the thing acted on.
fn names_job(m: &str, catalog: &Catalog) -> bool {
    named_job(m, catalog).is_some() || has(m, &["잡", "job", "cron", "크론", "스케줄", "schedule"])
}

fn forbidden(m: &str, job_named: bool) -> Option<Forbidden> {
    if has(m, SHELL) {
        return Some(Forbidden::Shell);
    }
    let listing = has(m, &["목록", "list", "리스트", "몇 개", "how many"]);
    if has(m, JOB_WORDS)
        && has(m, MAKE)
        && !has(m, DELETE)
        && !listing
        && !has(m, &["task", "할일", "할 일", "태스크"])
    {
        return Some(Forbidden::NewJob);
    }
    if has(m, DELETE)
        && (has(m, TASKS_WORDS) || has(m, &["모든", "all of", "everything", "전부", "다 지워"]))
    {
        return Some(Forbidden::TaskDelete);
    }
    let question = m.ends_with('?')
        && !has(
            m,
            &[
                "can you",
                "could you",
                "would you",
                "please",
                "줄래",
                "줄 수",
                "주세요",
                "해줘",
            ],
        );
    if job_named && (has(m, DELETE) || has(m, JOB_CHANGE)) && !has(m, WHEN) && !question {
        return Some(Forbidden::JobChange);
    }
    if has(m, CODE_WORDS) && (has(m, MAKE) || has(m, &["고쳐", "fix", "patch", "수정", "짜"]))
    {
        return Some(Forbidden::Code);
    }
    if has(m, SETTINGS) && has(m, CHANGE) {
        return Some(Forbidden::Settings);
    }
    if has(m, INTEGRATION) {
        return Some(Forbidden::Integration);
    }
    // A job's schedule changed is a settings change too.
    if has(m, JOB_WORDS) && has(m, &["schedule", "스케줄", "시간"]) && has(m, CHANGE) {
        return Some(Forbidden::Settings);
    }
    None
}

fn decision(intent: Intent, msg: &str, reason: &str) -> Decision {
    let urgent = urgency::is_urgent(msg);
    Decision {
        route: intent.route(urgent),
        target: intent.target(),
        intent,
        via: Via::Rules,
        urgent,
        reason: reason.to_string(),
    }
}

/// Place a message, or None when the rules are not confident.
pub fn decide(msg: &str, catalog: &Catalog) -> Option<Decision> {
    decide_in(msg, catalog, &Convo::default())
}

/// The same within a conversation: "그거", "the second one" resolve
/// against what it showed last.
pub fn decide_in(msg: &str, catalog: &Catalog, convo: &Convo) -> Option<Decision> {
    if norm(msg).is_empty() {
        return decide_one(msg, catalog, convo);
    }
    compound::decide(msg, catalog, convo).or_else(|| decide_one(msg, catalog, convo))
}

/// A follow-up: a reference resolved against the conversation.
fn follow_up(msg: &str, m: &str, convo: &Convo) -> Option<Decision> {
    let r = followup::reference(m)?;
    let kind = followup::kind(m);
    let Some(t) = followup::resolve(r, kind, convo) else {
        return Some(decision(
            Intent::Unresolved {
                asked: title_of(msg),
            },
            msg,
            "points at something this conversation has not shown",
        ));
    };
    let intent = followup::intent_for(&t, m, msg);
    let mut d = decision(intent, msg, "a follow-up on what the conversation showed");
    let refused = matches!(d.route, super::Route::Defer | super::Route::Escalate);
    let run_shown = matches!(t, Target::Run { .. }) && matches!(d.intent, Intent::RunShow { .. });
    if !refused && (d.target.is_none() || run_shown) {
        d.target = Some(t);
    }
    Some(d)
}

/// One request (a part of a compound message, or the whole of it).
pub(super) fn decide_one(msg: &str, catalog: &Catalog, convo: &Convo) -> Option<Decision> {
    let m = norm(msg);
    if m.is_empty() {
        return Some(decision(
            Intent::Capabilities,
            msg,
            "an empty message: say what jr can do",
        ));
    }
    if let Some(title) = added_title(msg, &m) {
        return Some(decision(Intent::TaskAdd { title }, msg, "adds a task"));
    }
    let job_named = names_job(&m, catalog);
    if let Some(what) = forbidden(&m, job_named) {
        let why = match what {
            Forbidden::Shell => "the gateway never runs shell commands from a message",
            Forbidden::NewJob => "the gateway never writes new jobs or job code",
            Forbidden::Settings => "the gateway never changes settings",
            Forbidden::Integration => "the gateway never sets up integrations",
            Forbidden::JobChange => "the gateway never edits, deletes, pauses or re-schedules jobs",
            Forbidden::TaskDelete => "the gateway never deletes tasks",
            Forbidden::Code => "the gateway never writes code",
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
    if task_number(&m, false).is_none()
        && named_job(&m, catalog).is_none()
        && let Some(d) = follow_up(msg, &m, convo)
    {
        return Some(d);
    }
    if let Some((agent, with_previous)) = agents::delegation(&m, catalog) {
        return Some(decision(
            Intent::RunAgent {
                agent: agent.name.clone(),
                prompt: msg.trim().to_string(),
                with_previous,
            },
            msg,
            "hands a small piece of work to a local agent",
        ));
    }
    if has(&m, agents::LIST) {
        return Some(decision(Intent::AgentsList, msg, "asks for the agents"));
    }
    if let Some(a) = agents::named(&m, catalog)
        && tokens(&m).len() <= 6
        && !has(&m, RUN_VERBS)
    {
        return Some(decision(
            Intent::AgentShow {
                agent: a.name.clone(),
            },
            msg,
            "asks about an agent",
        ));
    }
    let words = tokens(&m);
    let short = words.len() <= 4;
    let acting_on_job = named_job(&m, catalog).is_some()
        && (has(&m, RUN_VERBS) || has(&m, JOB_WORDS) || has(&m, &["실행", "돌려", "돌리"]));
    if !acting_on_job
        && ((short && has(&m, GREETING))
            || ["hi", "hey", "yo", "안녕", "하이"].contains(&m.as_str()))
    {
        return Some(decision(Intent::Greeting, msg, "a greeting"));
    }
    if has(&m, CAPABILITIES) || m == "help" || m == "도움" {
        return Some(decision(
            Intent::Capabilities,
            msg,
            "asks what the gateway can do",
        ));
    }
    let to = move_to(&m);
    let work = has(&m, COMPLEX_WORK);
    let asking = m.ends_with('?')
        && (has(&m, ASKING) || m.starts_with("is ") || m.starts_with("did "))
        || has(&m, &["is task", "was task"]);
    if let Some(id) = task_number(&m, to.is_some() && !asking && !work) {
        if let (Some(to), false) = (to, asking) {
            return Some(decision(
                Intent::TaskMove {
                    id,
                    to: to.to_string(),
                },
                msg,
                "moves a task through its flow",
            ));
        }
        if asking
            || short
            || has(
                &m,
                &[
                    "show", "status", "상태", "어때", "뭐야", "what", "detail", "보여", "알려",
                ],
            )
        {
            return Some(decision(
                Intent::TaskShow { id },
                msg,
                "asks about one task",
            ));
        }
    }
    let job = named_job(&m, catalog).cloned();
    // Work to be done, not a question about jr's data: the model (or the
    // fallback) decides between defer and escalate. An explicit Run Now of a
    // named job still counts as the action.
    let run_verb = has(&m, RUN_VERBS)
        || m.starts_with("run")
        || (has(&m, &["실행", "돌려"]) && !has(&m, &["이력", "기록", "목록"]));
    if work && !(run_verb && job.is_some()) {
        return None;
    }
    let question = has(&m, WHEN);
    if question
        && (job.is_some() || has(&m, &["잡", "job", "fire", "실행", "돌아", "run", "schedul"]))
    {
        if job.is_none()
            && let Some((asked, suggestions)) = near_job(&m, catalog)
        {
            return Some(decision(
                Intent::Clarify { asked, suggestions },
                msg,
                "names a job that does not exist",
            ));
        }
        return Some(decision(
            Intent::JobNext { job },
            msg,
            "asks when a job runs",
        ));
    }
    if run_verb
        && job.is_none()
        && has(
            &m,
            &["again", "다시", "rerun", "re-run", "한 번 더", "한번 더"],
        )
        && let Some(t) = followup::resolve(followup::Ref::That, Some(followup::Kind::Job), convo)
    {
        return Some(decision(
            followup::intent_for(&t, &m, msg),
            msg,
            "runs again what the conversation was about",
        ));
    }
    if run_verb {
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
    if let Some(status) = tasks_in_status(&m) {
        return Some(decision(
            Intent::TasksList {
                status: status.to_string(),
            },
            msg,
            "asks for the tasks in one status",
        ));
    }
    if has(&m, FAILURE) {
        if let Some(id) = run_number(&m) {
            return Some(decision(Intent::RunShow { id }, msg, "asks about one run"));
        }
        return Some(decision(Intent::RunsFailed, msg, "asks what failed"));
    }
    if has(&m, RECENT_RUNS)
        || (has(&m, &["runs", "실행"])
            && has(
                &m,
                &["show", "last", "recent", "list", "latest", "최근", "보여"],
            ))
    {
        return Some(decision(Intent::RunsRecent, msg, "asks for recent runs"));
    }
    if has(&m, SCHEDULER) {
        return Some(decision(Intent::Scheduler, msg, "asks about the scheduler"));
    }
    if has(&m, TODAY) {
        return Some(decision(
            Intent::TasksToday,
            msg,
            "asks what there is to do",
        ));
    }
    if job.is_some() && (short || has(&m, &["어때", "status", "상태", "how is", "how's"])) {
        return Some(decision(Intent::JobNext { job }, msg, "asks about a job"));
    }
    if has(&m, JOBS_LIST) {
        return Some(decision(Intent::JobsList, msg, "asks for the jobs"));
    }
    if has(&m, STATUS) && words.len() <= 6 {
        return Some(decision(Intent::Status, msg, "asks for the overall status"));
    }
    None
}

/// "run 42", "run #42", "42번 실행": a run's number.
fn run_number(m: &str) -> Option<i64> {
    let toks = tokens(m);
    toks.windows(2).find_map(|w| {
        let n = w[1]
            .trim_start_matches('#')
            .trim_end_matches(['번', '이', '가', '은', '는', '이', '의']);
        (["run", "실행", "런"].contains(&w[0]))
            .then(|| n.parse().ok())
            .flatten()
    })
}

/// The status a listing question asks about ("in_progress인 거 뭐 있어?").
fn tasks_in_status(m: &str) -> Option<&'static str> {
    let asking = has(
        m,
        &[
            "뭐", "what", "which", "있어", "있나", "list", "보여", "show", "몇", "how many",
            "any ", "알려", "목록",
        ],
    ) || m.ends_with('?');
    if !asking || has(m, RUN_VERBS) {
        return None;
    }
    TASK_STATUSES
        .iter()
        .find(|(_, words)| has(m, words))
        .map(|(s, _)| *s)
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
