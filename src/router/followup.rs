//! Follow-ups: "첫번째 거 시작해줘", "그거 지금 돌려줘", "rerun the first one",
//! "the second one", "2번째", "that job". A reference in the message is
//! resolved against what the conversation showed last (`Convo`), without a
//! model; what to do with the item comes from the message's verb.

use super::phrases::{
    BIG_WORK, CHANGE, COMPLEX_WORK, DELETE, JOB_CHANGE, MOVES, RUN_VERBS, SETTINGS,
};
use super::rules::move_to;
use super::text::has;
use super::{Convo, Forbidden, Intent, Target};

/// How a message points at something shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// 1-based position in the list shown.
    Nth(usize),
    Last,
    /// "그거", "that job", "it": what the conversation was about.
    That,
}

/// The kind of thing a reference names ("that job", "그 작업").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Job,
    Task,
    Run,
    Agent,
}

const KO_NUMS: &[(&str, usize)] = &[
    ("첫", 1),
    ("두", 2),
    ("세", 3),
    ("네", 4),
    ("다섯", 5),
    ("여섯", 6),
    ("일곱", 7),
    ("여덟", 8),
    ("아홉", 9),
    ("열", 10),
];
const KO_TH: &[(&str, usize)] = &[
    ("첫째", 1),
    ("둘째", 2),
    ("셋째", 3),
    ("넷째", 4),
    ("다섯째", 5),
];
const EN_NUMS: &[(&str, usize)] = &[
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("sixth", 6),
    ("1st", 1),
    ("2nd", 2),
    ("3rd", 3),
    ("4th", 4),
    ("5th", 5),
];
/// Words that may follow an English ordinal for it to point at an item.
const EN_NOUNS: &[&str] = &[
    "one", "task", "job", "run", "agent", "item", "of", "failure", "failed", "entry", "todo",
];
const KO_THAT: &[&str] = &[
    "그거",
    "그것",
    "그걸",
    "그건",
    "그게",
    "저거",
    "저것",
    "그 잡",
    "그 작업",
    "그 태스크",
    "그 task",
    "그 job",
    "그 실행",
    "그 에이전트",
    "그 일",
    "그 할일",
    "방금 거",
    "방금 그",
    "아까 그",
    "거기",
];
const EN_THAT: &[&str] = &[
    "that job",
    "that task",
    "that one",
    "that run",
    "that agent",
    "this job",
    "this task",
    "this one",
    "the same job",
    "same one",
    "that again",
    "the same one",
    "those",
];
/// "it" as the object of a verb: "run it", "start it", "move it to review".
const EN_IT_VERBS: &[&str] = &[
    "run", "rerun", "re-run", "start", "finish", "cancel", "close", "reopen", "move", "mark",
    "put", "send", "do", "trigger", "launch", "kick", "complete", "review", "delete", "remove",
    "pause", "disable", "show", "open", "push", "set", "have", "ask", "tell", "let", "get", "make",
    "switch", "change", "stop",
];

fn words(m: &str) -> Vec<&str> {
    m.split(|c: char| c.is_whitespace() || matches!(c, ',' | '?' | '!' | '.' | ':' | ';'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The reference in a message, if it has one.
pub fn reference(m: &str) -> Option<Ref> {
    references(m).first().copied()
}

/// Every ordinal in a message ("1번째랑 3번째", "the 4th and the 6th"), in
/// order; else the one reference it has.
pub fn references(m: &str) -> Vec<Ref> {
    let mut all: Vec<(usize, Ref)> = Vec::new();
    for (pos, _) in m.match_indices("번째") {
        if let Some(n) = ko_nth(&m[..pos]) {
            all.push((pos, Ref::Nth(n)));
        }
    }
    let ws = words(m);
    for (i, w) in ws.iter().enumerate() {
        let next = ws.get(i + 1).copied().unwrap_or("");
        let after = ws.get(i + 2).copied().unwrap_or("");
        let noun = EN_NOUNS.iter().any(|n| next.starts_with(n))
            || next.is_empty()
            || matches!(next, "and" | "&" | "one's")
            || (next == "one" && after.is_empty());
        if let Some(n) = en_nth(w)
            && noun
        {
            all.push((w.as_ptr() as usize - m.as_ptr() as usize, Ref::Nth(n)));
        }
    }
    if all.len() >= 2 {
        all.sort_by_key(|(p, _)| *p);
        return all.into_iter().map(|(_, r)| r).collect();
    }
    first_reference(m).into_iter().collect()
}

/// "second", "6th", "21st".
fn en_nth(w: &str) -> Option<usize> {
    if let Some((_, n)) = EN_NUMS.iter().find(|(x, _)| *x == w) {
        return Some(*n);
    }
    let digits = w
        .strip_suffix("th")
        .or_else(|| w.strip_suffix("st"))
        .or_else(|| w.strip_suffix("nd"))
        .or_else(|| w.strip_suffix("rd"))?;
    digits.parse().ok().filter(|n| *n > 0)
}

/// The number before "번째": digits or a Korean numeral.
fn ko_nth(before: &str) -> Option<usize> {
    let before = before.trim_end();
    let digits: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if let Ok(n) = digits.parse::<usize>() {
        return (n > 0).then_some(n);
    }
    KO_NUMS
        .iter()
        .rev()
        .find(|(w, _)| before.ends_with(w))
        .map(|(_, n)| *n)
}

fn first_reference(m: &str) -> Option<Ref> {
    // Korean "N번째", "첫 번째", "두번째".
    if let Some(n) = m.find("번째").and_then(|pos| ko_nth(&m[..pos])) {
        return Some(Ref::Nth(n));
    }
    for (w, n) in KO_TH {
        if m.contains(w) {
            return Some(Ref::Nth(*n));
        }
    }
    if let Some(pos) = m.find("마지막") {
        let rest = m[pos + "마지막".len()..].trim_start();
        if [
            "거",
            "것",
            "꺼",
            "잡",
            "작업",
            "태스크",
            "task",
            "job",
            "실행",
            "꺼를",
            "건",
        ]
        .iter()
        .any(|w| rest.starts_with(w))
        {
            return Some(Ref::Last);
        }
    }
    let ws = words(m);
    for (i, w) in ws.iter().enumerate() {
        let next = ws.get(i + 1).copied().unwrap_or("");
        let noun = EN_NOUNS.iter().any(|n| next.starts_with(n)) || next.is_empty();
        if let Some(n) = en_nth(w)
            && noun
        {
            return Some(Ref::Nth(n));
        }
        if *w == "last" && EN_NOUNS.contains(&next) {
            return Some(Ref::Last);
        }
        if (*w == "number" || *w == "no")
            && let Ok(n) = next.parse::<usize>()
        {
            // "number 2" alone, not "task number 2" (a task id).
            let prev = if i > 0 { ws[i - 1] } else { "" };
            if n > 0 && !["task", "job", "run", "태스크", "작업"].contains(&prev) {
                return Some(Ref::Nth(n));
            }
        }
        if *w == "it" && i > 0 && EN_IT_VERBS.contains(&ws[i - 1]) {
            return Some(Ref::That);
        }
    }
    if KO_THAT.iter().any(|w| m.contains(w)) || has(m, EN_THAT) {
        return Some(Ref::That);
    }
    None
}

/// The kind a message names alongside its reference.
pub fn kind(m: &str) -> Option<Kind> {
    if has(m, &["잡", "job", "크론", "cron"]) {
        Some(Kind::Job)
    } else if has(m, &["task", "태스크", "작업", "할일", "할 일", "todo"]) {
        Some(Kind::Task)
    } else if has(m, &["run", "실행 기록", "실행건", "실행 건"]) && !has(m, RUN_VERBS) {
        Some(Kind::Run)
    } else if has(m, &["agent", "에이전트"]) {
        Some(Kind::Agent)
    } else {
        None
    }
}

fn fits(t: &Target, k: Option<Kind>) -> bool {
    matches!(
        (k, t),
        (None, _)
            | (
                Some(Kind::Job),
                Target::Job { .. } | Target::Run { job: Some(_), .. }
            )
            | (Some(Kind::Task), Target::Task { .. })
            | (Some(Kind::Run), Target::Run { .. })
            | (Some(Kind::Agent), Target::Agent { .. })
    )
}

/// The item a reference points at.
pub fn resolve(r: Ref, k: Option<Kind>, convo: &Convo) -> Option<Target> {
    let items: Vec<&Target> = convo.shown.iter().filter(|t| fits(t, k)).collect();
    match r {
        Ref::Nth(n) => items.get(n.checked_sub(1)?).map(|t| (*t).clone()),
        Ref::Last => items.last().map(|t| (*t).clone()),
        Ref::That => convo
            .last
            .as_ref()
            .filter(|t| fits(t, k))
            .or(items.first().copied())
            .cloned(),
    }
}

/// Verbs that run a job again: "다시", "again" with nothing else.
const AGAIN: &[&str] = &["again", "다시", "한 번 더", "한번 더", "once more"];
const WHY: &[&str] = &[
    "why",
    "왜",
    "log",
    "로그",
    "이유",
    "원인",
    "what happened",
    "무슨 일",
    "어떻게 됐",
    "details",
    "자세히",
];

/// What to do with the item a follow-up points at.
pub fn intent_for(t: &Target, m: &str, msg: &str) -> Intent {
    let run = has(m, RUN_VERBS) || has(m, AGAIN) || has(m, &["실행", "돌려", "돌리"]);
    match t {
        Target::Task { id } => {
            if has(m, DELETE) {
                return Intent::Forbidden {
                    what: Forbidden::TaskDelete,
                    title: super::rules::title_of(msg),
                };
            }
            // "리뷰로 넘겨줘", "start it", "첫번째 거 완료".
            let to = move_to(m).or_else(|| {
                (has(m, &["넘겨", "보내", "올려"]) && has(m, MOVES[2].1)).then_some("review")
            });
            match to {
                Some(to) => Intent::TaskMove {
                    id: *id,
                    to: to.to_string(),
                },
                None if run => Intent::TaskMove {
                    id: *id,
                    to: "in_progress".into(),
                },
                None => Intent::TaskShow { id: *id },
            }
        }
        Target::Job { name } => job_intent(name, run, m, msg),
        Target::Run {
            job: Some(name), ..
        } if (run && !has(m, WHY)) || has(m, DELETE) || has(m, JOB_CHANGE) => {
            job_intent(name, run, m, msg)
        }
        Target::Run { job: Some(_), .. } if has(m, COMPLEX_WORK) || has(m, BIG_WORK) => {
            Intent::Complex {
                title: super::rules::title_of(msg),
            }
        }
        Target::Run { id, .. } => Intent::RunShow { id: *id },
        Target::Agent { .. } if has(m, SETTINGS) && has(m, CHANGE) => Intent::Forbidden {
            what: Forbidden::Settings,
            title: super::rules::title_of(msg),
        },
        Target::Agent { .. } if has(m, BIG_WORK) => Intent::Complex {
            title: super::rules::title_of(msg),
        },
        Target::Agent { name } => {
            let work = has(
                m,
                &[
                    "시켜", "맡겨", "부탁", "ask ", "tell ", "have ", "let ", "run ", "해줘",
                    "해 줘", "please", "정리", "요약",
                ],
            );
            if !work || has(m, &["뭐 하", "what does", "what is", "뭐야", "설명"]) {
                Intent::AgentShow {
                    agent: name.clone(),
                }
            } else {
                Intent::RunAgent {
                    agent: name.clone(),
                    prompt: msg.to_string(),
                    with_previous: false,
                }
            }
        }
    }
}

fn job_intent(name: &str, run: bool, m: &str, msg: &str) -> Intent {
    if has(m, COMPLEX_WORK) && !has(m, DELETE) {
        Intent::Complex {
            title: super::rules::title_of(msg),
        }
    } else if has(m, DELETE) || has(m, JOB_CHANGE) {
        Intent::Forbidden {
            what: Forbidden::JobChange,
            title: super::rules::title_of(msg),
        }
    } else if run {
        Intent::RunJob {
            job: name.to_string(),
            params: Default::default(),
        }
    } else {
        Intent::JobNext {
            job: Some(name.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        for (m, r) in [
            ("첫번째 거 시작해줘", Some(Ref::Nth(1))),
            ("첫 번째 거 시작해줘", Some(Ref::Nth(1))),
            ("2번째", Some(Ref::Nth(2))),
            ("두번째 작업 완료", Some(Ref::Nth(2))),
            ("rerun the first one", Some(Ref::Nth(1))),
            ("the second one", Some(Ref::Nth(2))),
            ("그거 지금 돌려줘", Some(Ref::That)),
            ("그거 리뷰로 넘겨줘", Some(Ref::That)),
            ("run that job", Some(Ref::That)),
            ("run it again", Some(Ref::That)),
            ("마지막 거 취소해줘", Some(Ref::Last)),
            ("start task 4", None),
            ("first, what failed today?", None),
            ("4번 작업 완료", None),
        ] {
            assert_eq!(reference(m), r, "{m}");
        }
    }

    #[test]
    fn resolution() {
        let convo = Convo {
            shown: vec![
                Target::Task { id: 7 },
                Target::Task { id: 3 },
                Target::Job {
                    name: "backup".into(),
                },
            ],
            last: None,
            previous_reply: None,
        };
        assert_eq!(
            resolve(Ref::Nth(2), None, &convo),
            Some(Target::Task { id: 3 })
        );
        assert_eq!(
            resolve(Ref::That, Some(Kind::Job), &convo),
            Some(Target::Job {
                name: "backup".into()
            })
        );
        assert_eq!(resolve(Ref::Nth(9), None, &convo), None);
    }
}
