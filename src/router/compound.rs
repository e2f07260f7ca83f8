//! Messages with more than one action ("start task 1; done task 2; cancel
//! task 3", "run backup; and also delete all tasks", "backup 돌리고 4번 완료
//! 처리해줘"). Never partly carried out: when every part is an allowed
//! action, all of them are; when one part is not allowed (or needs the host
//! agent), none is, and the reply says why.

use super::rules::title_of;
use super::{Catalog, Convo, Decision, Intent, Route, Via, agents, urgency};

/// Separators that always part two requests, lower-cased.
const STRONG: &[&str] = &[
    ";",
    "&&",
    " and also ",
    ", and then ",
    " and then ",
    ", then ",
    ", also ",
    " also, ",
    ". also ",
    ". also,",
    "그리고 ",
    "그 다음에 ",
    "그다음에 ",
    "그리고나서 ",
    "그러고 나서 ",
    " plus ",
    " while you're at it",
    " 하는 김에 ",
];

/// Separators that may part two requests, or may sit inside one ("buy
/// bread and milk"): they count only when every part is a request.
const WEAK: &[&str] = &[" and ", ", and ", " & "];

/// Korean verb endings that join two requests: "돌리고", "보내고,", "시작하고".
const KO_AND: &[&str] = &["하고", "리고", "내고", "키고", "두고"];

fn split_on(parts: Vec<String>, seps: &[&str]) -> Vec<String> {
    let mut out = parts;
    for sep in seps {
        out = out
            .iter()
            .flat_map(|p| p.split(sep).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    out
}

/// Split after a Korean "-고" that joins two requests.
fn split_ko(parts: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for p in parts {
        let mut cur = String::new();
        for w in p.split(' ') {
            let bare = w.trim_end_matches(',');
            if bare != "그리고" && KO_AND.iter().any(|k| bare.ends_with(k)) {
                cur.push_str(&bare[..bare.len() - "고".len()]);
                out.push(std::mem::take(&mut cur));
                continue;
            }
            cur.push_str(w);
            cur.push(' ');
        }
        out.push(cur);
    }
    out
}

fn tidy(parts: Vec<String>) -> Vec<String> {
    parts
        .into_iter()
        .map(|p| {
            p.trim()
                .trim_start_matches(|c: char| c == ',' || c == '.' || c.is_whitespace())
                .trim()
                .to_string()
        })
        .filter(|p| {
            !p.is_empty()
                && !["and", "also", "and also", "그리고", "then", "plus"].contains(&p.as_str())
        })
        .collect()
}

/// The parts of a message at its strong separators.
pub fn parts(m: &str) -> Vec<String> {
    tidy(split_on(vec![m.to_string()], STRONG))
}

/// The parts at the weak ones too.
fn weak_parts(m: &str) -> Vec<String> {
    tidy(split_ko(split_on(vec![m.to_string()], WEAK)))
}

/// How one part is decided (`flow::decide_one`), passed in so that this
/// module needs nothing above it.
pub type DecideOne = fn(&str, &Catalog, &Convo) -> Option<Decision>;

/// A decision for a message of several requests, or None when it is one.
pub fn decide(
    msg: &str,
    catalog: &Catalog,
    convo: &Convo,
    decide_one: DecideOne,
) -> Option<Decision> {
    // A delegation's payload is the agent's text, not more requests.
    if agents::delegation(&msg.to_lowercase(), catalog).is_some() {
        return None;
    }
    let strong = parts(msg);
    if strong.len() >= 2 {
        return combine(msg, &strong, catalog, convo, true, decide_one);
    }
    let weak = weak_parts(msg);
    if weak.len() >= 2 {
        return combine(msg, &weak, catalog, convo, false, decide_one);
    }
    None
}

fn combine(
    msg: &str,
    ps: &[String],
    catalog: &Catalog,
    convo: &Convo,
    strong: bool,
    decide_one: DecideOne,
) -> Option<Decision> {
    // "check backup and run it again": a later part's "it" is what an
    // earlier part was about.
    let mut local = convo.clone();
    let mut decided: Vec<Option<Decision>> = Vec::new();
    for p in ps {
        let d = decide_one(p, catalog, &local);
        if let Some(t) = d.as_ref().and_then(|d| d.target.clone()) {
            local.last = Some(t);
        }
        decided.push(d);
    }
    // At a weak separator every part must be a request of its own.
    if !strong && decided.iter().any(|d| d.is_none()) {
        return None;
    }
    let acts = decided
        .iter()
        .filter(|d| d.as_ref().is_some_and(|d| d.intent.acts()))
        .count();
    let refused = decided.iter().find_map(|d| match d {
        None => Some(None),
        Some(d) => match &d.intent {
            Intent::Forbidden { what, .. } | Intent::Withheld { what, .. } => Some(Some(*what)),
            Intent::Complex { .. } => Some(None),
            _ => None,
        },
    });
    if acts == 0 {
        // Questions only: the message as a whole decides.
        return None;
    }
    let urgent = urgency::is_urgent(msg);
    let first_target = decided.iter().flatten().find_map(|d| d.target.clone());
    if let Some(what) = refused {
        let intent = match what {
            Some(what) => Intent::Withheld {
                what,
                title: title_of(msg),
            },
            None => Intent::Complex {
                title: title_of(msg),
            },
        };
        let reason = match what {
            Some(w) => format!(
                "one part of the message is not allowed ({}), so none of it is carried out",
                w.name()
            ),
            None => "one part of the message needs the host agent, so none of it is carried out"
                .to_string(),
        };
        return Some(Decision {
            route: intent.route(urgent),
            intent,
            via: Via::Rules,
            urgent,
            reason,
            target: first_target,
        });
    }
    // Every part is allowed: the actions, and the answers beside them.
    let parts: Vec<Intent> = decided
        .into_iter()
        .flatten()
        .filter(|d| !matches!(d.intent, Intent::Greeting | Intent::Unresolved { .. }))
        .flat_map(|d| match d.intent {
            Intent::Compound { parts } => parts,
            other => vec![other],
        })
        .collect();
    Some(Decision {
        route: Route::Act,
        intent: Intent::Compound { parts },
        via: Via::Rules,
        urgent,
        reason: "several allowed actions: all of them are carried out".into(),
        target: first_target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(m: &str, c: &Catalog, v: &Convo) -> Option<Decision> {
        super::decide(m, c, v, crate::router::flow::decide_one)
    }

    fn cat() -> Catalog {
        Catalog {
            jobs: vec!["backup".into()],
            ..Default::default()
        }
    }

    #[test]
    fn all_or_none() {
        let c = Convo::default();
        let d = decide("start task 1; done task 2; cancel task 3", &cat(), &c).unwrap();
        assert_eq!(d.route, Route::Act);
        let Intent::Compound { parts } = &d.intent else {
            panic!("{d:?}")
        };
        assert_eq!(parts.len(), 3);
        for m in [
            "run backup; and also delete all tasks",
            "run backup; and also rm -rf ~",
            "backup 돌려줘. 그리고 모든 태스크 삭제해줘",
            "backup 돌리고 모든 태스크 삭제해",
        ] {
            let d = decide(m, &cat(), &c).unwrap_or_else(|| panic!("{m}"));
            assert_eq!(d.route, Route::Defer, "{m}: {d:?}");
            assert_eq!(d.intent.name(), "withheld", "{m}");
        }
        let d = decide("backup 돌리고 4번 완료 처리해줘", &cat(), &c).unwrap();
        assert_eq!(d.intent.name(), "compound");
        assert!(decide("오늘 뭐 해야 해?", &cat(), &c).is_none());
        assert!(decide("what failed; what ran", &cat(), &c).is_none());
        assert!(decide("add a task: buy bread and milk", &cat(), &c).is_none());
        let d = decide(
            "check the status of backup and run it again if it failed",
            &cat(),
            &c,
        )
        .unwrap();
        assert_eq!(d.route, Route::Act, "{d:?}");
    }
}
