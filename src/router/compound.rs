//! Messages with more than one action ("start task 1; done task 2; cancel
//! task 3", "run backup; and also delete all tasks"). Never partly carried
//! out: when every part is an allowed action, all of them are; when one part
//! is not allowed (or needs the host agent), none is, and the reply says why.

use super::rules::{decide_one, title_of};
use super::{Catalog, Convo, Decision, Intent, Route, Via, urgency};

/// Separators between requests, lower-cased.
const SEPARATORS: &[&str] = &[
    ";",
    "\n",
    "&&",
    " and also ",
    ", and then ",
    " and then ",
    ", then ",
    ", also ",
    " also, ",
    "그리고 ",
    "그 다음에 ",
    "그다음에 ",
    "그리고나서 ",
    "그러고 나서 ",
    " 다음에 ",
    " plus ",
];

/// The parts of a message, split at the separators.
pub fn parts(m: &str) -> Vec<String> {
    let mut out = vec![m.to_string()];
    for sep in SEPARATORS {
        out = out
            .iter()
            .flat_map(|p| p.split(sep).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    out.into_iter()
        .map(|p| {
            p.trim()
                .trim_start_matches(|c: char| c == ',' || c.is_whitespace())
                .trim()
                .to_string()
        })
        .filter(|p| {
            !p.is_empty()
                && !["and", "also", "and also", "그리고", "then", "plus"].contains(&p.as_str())
        })
        .collect()
}

/// A decision for a message of several requests, or None when it is one.
pub fn decide(msg: &str, catalog: &Catalog, convo: &Convo) -> Option<Decision> {
    let lower = msg.to_lowercase();
    let ps = parts(&lower);
    if ps.len() < 2 {
        return None;
    }
    // Each part in the original case (titles keep theirs).
    let originals = parts(msg);
    let source = if originals.len() == ps.len() {
        &originals
    } else {
        &ps
    };
    let decided: Vec<Option<Decision>> = source
        .iter()
        .map(|p| decide_one(p, catalog, convo))
        .collect();
    let acts = decided
        .iter()
        .filter(|d| d.as_ref().is_some_and(|d| d.intent.acts()))
        .count();
    if acts == 0 {
        return None;
    }
    let urgent = urgency::is_urgent(msg);
    let refused = decided.iter().find_map(|d| match d {
        None => Some(None),
        Some(d) => match &d.intent {
            Intent::Forbidden { what, .. } | Intent::Withheld { what, .. } => Some(Some(*what)),
            Intent::Complex { .. } => Some(None),
            _ => None,
        },
    });
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
            target: None,
        });
    }
    if acts < 2 {
        // One action and questions: the message as a whole decides.
        return None;
    }
    let parts: Vec<Intent> = decided
        .into_iter()
        .flatten()
        .filter(|d| d.intent.acts())
        .map(|d| d.intent)
        .collect();
    Some(Decision {
        route: Route::Act,
        intent: Intent::Compound { parts },
        via: Via::Rules,
        urgent,
        reason: "several allowed actions: all of them are carried out".into(),
        target: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            let d = decide(m, &cat(), &c).unwrap_or_else(|| panic!("{m}"));
            assert_eq!(d.route, Route::Defer, "{m}: {d:?}");
            assert_eq!(d.intent.name(), "withheld", "{m}");
        }
        assert!(decide("오늘 뭐 해야 해?", &cat(), &c).is_none());
        assert!(decide("what failed; what ran", &cat(), &c).is_none());
    }
}
