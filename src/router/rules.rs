//! The rules stage's pieces: Korean and English phrasings jr is sure of
//! (named jobs, task numbers, moves, titles of tasks to add, refusals). The
//! order in which they are asked is in `flow`.

use super::phrases::*;
use super::text::{has, slug, tokens};
use super::{Catalog, Decision, Forbidden, Intent, Via, urgency};

/// A job named in the message (exactly, or with a Korean particle attached).
/// A job named in the message: exactly, with a Korean particle attached,
/// or written with spaces ("daily briefing"); the first one named.
pub(super) fn named_job<'a>(m: &str, catalog: &'a Catalog) -> Option<&'a String> {
    let (_, name) = super::entities::job_at(m, catalog)?;
    catalog.jobs.iter().find(|j| **j == name)
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
pub(super) fn near_job(m: &str, catalog: &Catalog) -> Option<(String, Vec<String>)> {
    for t in tokens(m) {
        let t = slug(t).trim_end_matches('.');
        if t.len() < 4 || !t.is_ascii() || STOP.contains(&t) || catalog.jobs.iter().any(|j| j == t)
        {
            continue;
        }
        let close: Vec<String> = catalog
            .jobs
            .iter()
            // Cheapest first. Optimal string alignment, not unrestricted
            // Damerau-Levenshtein: the same for typos, without the hash map
            // per pair that made this most of a decision's time over 200
            // jobs; and two edits cannot bridge a length gap of three.
            .filter(|j| {
                j.starts_with(t)
                    || strsim::jaro_winkler(t, j) > 0.88
                    || (t.len().abs_diff(j.len()) <= 2 && strsim::osa_distance(t, j) <= 2)
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
pub(super) fn task_number(m: &str, bare_ok: bool) -> Option<i64> {
    let toks = tokens(m);
    let mut bare = None;
    for (i, t) in toks.iter().enumerate() {
        if let Some(n) = t.strip_prefix('#').and_then(|n| n.parse().ok()) {
            return Some(n);
        }
        if let Some(n) = t
            .trim_end_matches(['은', '는', '을', '를', '이', '가', '도', '만'])
            .strip_suffix("번")
            .and_then(|n| n.parse().ok())
        {
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
    let s = s.trim();
    let s = ["해줘", "해 줘", "해주세요", "하기"]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .unwrap_or(s);
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
pub(super) fn added_title(msg: &str, m: &str) -> Option<String> {
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
            let rest = &msg[orig_at(msg, m, pos + h.len())..];
            let after = quoted(rest).unwrap_or_else(|| clean_title(rest));
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
pub(super) fn names_job(m: &str, catalog: &Catalog) -> bool {
    named_job(m, catalog).is_some() || has(m, &["잡", "job", "cron", "크론"])
}

pub(super) fn forbidden(m: &str, job_named: bool) -> Option<Forbidden> {
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
    let jobs_only = job_named && !has(m, TASKS_WORDS);
    if has(m, DELETE)
        && !jobs_only
        && (has(m, TASKS_WORDS)
            || has(m, &["모든", "all of", "everything", "전부", "다 지워"])
            || task_number(m, true).is_some())
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
    if has(m, INTEGRATION) || (has(m, SERVICES) && has(m, LINK)) {
        return Some(Forbidden::Integration);
    }
    // A job's schedule changed is a settings change too.
    if has(m, JOB_WORDS) && has(m, &["schedule", "스케줄", "시간"]) && has(m, CHANGE) {
        return Some(Forbidden::Settings);
    }
    None
}

pub(super) fn decision(intent: Intent, msg: &str, reason: &str) -> Decision {
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

/// "run 42", "run #42", "42번 실행": a run's number.
pub(super) fn run_number(m: &str) -> Option<i64> {
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
pub(super) fn tasks_in_status(m: &str) -> Option<&'static str> {
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
