//! The things a message names: jobs (exactly, with a Korean particle, with
//! spaces for hyphens — "daily briefing" — or, for long names, one typo),
//! tasks (by number, or by a title the message quotes or shares a rare
//! word with) and agents; and the first of them in the message, which is
//! what a turn is about when nothing else says ("delete the slow job").

use super::text::{Pairs, bare, has, slug, tokens, words as text_words};
use super::{Catalog, Target, agents};
use std::borrow::Cow;

/// Words too common to recognise a task by.
const STOP: &[&str] = &[
    "the",
    "and",
    "for",
    "task",
    "tasks",
    "job",
    "jobs",
    "run",
    "this",
    "that",
    "with",
    "from",
    "into",
    "done",
    "start",
    "review",
    "move",
    "mark",
    "send",
    "cancel",
    "태스크",
    "작업",
    "할일",
    "처리",
    "완료",
    "시작",
    "리뷰",
    "상태",
    "바꿔",
    "보내",
    "해줘",
    "now",
    "please",
    "bug",
    "fix",
    "write",
];

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_lowercase()
}

/// Where a job is named in `m` (lower-cased), and which.
pub fn job_at(m: &str, catalog: &Catalog) -> Option<(usize, String)> {
    let toks = tokens(m);
    // Each token's slug once, not once per job: a catalog has hundreds.
    let slugs: Vec<&str> = toks.iter().map(|t| slug(t)).collect();
    let mut best: Option<(usize, String)> = None;
    let mut consider = |pos: usize, name: &String| {
        if best
            .as_ref()
            .is_none_or(|(p, n)| pos < *p || (pos == *p && name.len() > n.len()))
        {
            best = Some((pos, name.clone()));
        }
    };
    for j in &catalog.jobs {
        // Names are mostly lower-case already: no copy for those.
        let jl: Cow<str> = if j.chars().any(char::is_uppercase) {
            Cow::Owned(j.to_lowercase())
        } else {
            Cow::Borrowed(j)
        };
        let jl = jl.as_ref();
        for (t, s) in toks.iter().zip(&slugs) {
            if *t == jl || *s == jl {
                consider(pos_of(m, t), j);
            }
        }
        // "daily briefing", "knowlege cards": the words run together.
        if jl.contains(['-', '_']) {
            let parts = jl.split(['-', '_']).count();
            let squashed_len = jl.len() - jl.bytes().filter(|b| b"-_ ".contains(b)).count();
            let first = jl.chars().find(|c| !matches!(c, '-' | '_' | ' '));
            // Short names must be written exactly; long ones may have one typo.
            let edits = if jl.len() >= 10 { 1 } else { 0 };
            for (i, w) in slugs.windows(parts).enumerate() {
                // Cheap checks before joining: each edit changes the length
                // by one at most, and the first letter is kept.
                let len: usize = w.iter().map(|s| s.len()).sum();
                if len.abs_diff(squashed_len) > edits || w[0].chars().next() != first {
                    continue;
                }
                let name = squash(jl);
                let joined: String = w.concat();
                // Within one edit, optimal string alignment and unrestricted
                // Damerau-Levenshtein agree; OSA needs no map per pair.
                if joined == name || (edits == 1 && strsim::osa_distance(&joined, &name) <= 1) {
                    consider(pos_of(m, toks[i]), j);
                }
            }
        }
    }
    best
}

fn pos_of(m: &str, t: &str) -> usize {
    let base = m.as_ptr() as usize;
    let p = t.as_ptr() as usize;
    if p >= base && p <= base + m.len() {
        p - base
    } else {
        m.find(t).unwrap_or(usize::MAX)
    }
}

/// A task the message names by its title: the whole title, or a word of
/// three letters or more that only that title has.
pub fn task_by_title(m: &str, catalog: &Catalog, loose: bool) -> Option<(usize, i64)> {
    // Titles are lower-cased when the catalog is made.
    let pairs = Pairs::of(m);
    for t in &catalog.tasks {
        if t.title.len() >= 6
            && t.title.len() <= m.len()
            && pairs.may_hold(&t.title)
            && let Some(p) = m.find(&t.title)
        {
            return Some((p, t.id));
        }
    }
    if !loose {
        return None;
    }
    let words: Vec<&str> = tokens(m)
        .into_iter()
        .map(|w| slug(w.trim_matches(|c: char| !c.is_alphanumeric())))
        .filter(|w| {
            w.chars().count() >= 3 && !STOP.contains(w) && !w.chars().all(|c| c.is_ascii_digit())
        })
        .collect();
    if words.is_empty() {
        return None;
    }
    // Each word of the message: the tasks whose titles have it.
    let mut owners: Vec<Vec<i64>> = vec![Vec::new(); words.len()];
    let shortest = words.iter().map(|w| w.len()).min().unwrap_or(0);
    for t in &catalog.tasks {
        for x in text_words(&t.title) {
            // Trimming only shortens a word.
            if x.len() < shortest {
                continue;
            }
            let x = bare(x);
            for (i, w) in words.iter().enumerate() {
                if *w == x && owners[i].last() != Some(&t.id) {
                    owners[i].push(t.id);
                }
            }
        }
    }
    words
        .iter()
        .zip(owners)
        .filter_map(|(w, o)| match o[..] {
            [id] => Some((pos_of(m, w), id)),
            _ => None,
        })
        .min_by_key(|(p, _)| *p)
}

/// "#4", "task 4", "4번 태스크": where a task number is, and which.
fn task_number_at(m: &str) -> Option<(usize, i64)> {
    let toks = tokens(m);
    for (i, t) in toks.iter().enumerate() {
        if let Some(n) = t.strip_prefix('#').and_then(|n| n.parse().ok()) {
            return Some((pos_of(m, t), n));
        }
        let prev = if i > 0 { toks[i - 1] } else { "" };
        let next = toks.get(i + 1).copied().unwrap_or("");
        let digits = t.trim_end_matches(['.', ',', '번', '은', '는', '을', '를', '이', '가']);
        if let Ok(n) = digits.parse::<i64>()
            && (prev.starts_with("task")
                || ["태스크", "작업", "할일"]
                    .iter()
                    .any(|k| prev.starts_with(k) || next.starts_with(k))
                || t.contains('번'))
        {
            return Some((pos_of(m, t), n));
        }
    }
    None
}

/// The first job, task or agent the message names.
pub fn first(m: &str, catalog: &Catalog) -> Option<Target> {
    let mut all: Vec<(usize, Target)> = Vec::new();
    if let Some((p, name)) = job_at(m, catalog) {
        all.push((p, Target::Job { name }));
    }
    if let Some((p, id)) = task_number_at(m) {
        all.push((p, Target::Task { id }));
    } else if let Some((p, id)) = task_by_title(m, catalog, false) {
        all.push((p, Target::Task { id }));
    }
    if let Some(a) = agents::named(m, catalog) {
        let p = m.find(&a.name.to_lowercase()).unwrap_or(usize::MAX);
        all.push((
            p,
            Target::Agent {
                name: a.name.clone(),
            },
        ));
    }
    all.into_iter().min_by_key(|(p, _)| *p).map(|(_, t)| t)
}

/// Whether the message talks about tasks (for recognising one by title).
pub fn about_tasks(m: &str) -> bool {
    has(m, &["task", "태스크", "작업", "할일", "할 일", "todo"])
}
