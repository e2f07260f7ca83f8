//! Delegation to local agents (the design's "simple + needs execution"):
//! "summarizer한테 이거 정리시켜줘", "ask the reviewer to look at this", or an
//! agent whose description fits ("에이전트한테 이 글 요약시켜줘").

use super::rules::{has, tokens};
use super::{AgentInfo, Catalog};

/// Words that hand work to someone: "X한테", "ask X to", "have X".
const DELEGATE: &[&str] = &[
    "한테",
    "에게",
    "시켜",
    "맡겨",
    "부탁",
    "ask ",
    "have ",
    "tell ",
    "let ",
    "get ",
    "use ",
    "with ",
    "via ",
    "run ",
    "using ",
    "please",
    "해줘",
    "해 줘",
    "해주세요",
    "좀 ",
    "으로 ",
    "로 ",
];
/// Asking what agents there are, not for work.
pub const LIST: &[&str] = &[
    "what agents",
    "which agents",
    "agents do i have",
    "list agents",
    "list the agents",
    "agent list",
    "show agents",
    "show me the agents",
    "my agents",
    "에이전트 목록",
    "에이전트 뭐",
    "어떤 에이전트",
    "등록된 에이전트",
    "에이전트들",
    "에이전트 리스트",
    "에이전트 몇",
    "agents are there",
    "available agents",
    "configured agents",
];
const AGENT_WORDS: &[&str] = &["agent", "에이전트", "봇한테", "assistant"];
/// Words that point at what the conversation showed ("이거 정리시켜줘").
const THIS: &[&str] = &[
    "이거",
    "이것",
    "이걸",
    "이 내용",
    "위 내용",
    "위의",
    "방금",
    "this",
    "that",
    "above",
    "it ",
];

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// An agent named in the message (exactly, or with a particle attached).
pub fn named<'a>(m: &str, catalog: &'a Catalog) -> Option<&'a AgentInfo> {
    let toks = tokens(m);
    catalog
        .agents
        .iter()
        .filter(|a| {
            let n = lower(&a.name);
            toks.iter().any(|t| {
                *t == n
                    || (t.starts_with(n.as_str())
                        && t[n.len()..]
                            .chars()
                            .next()
                            .is_some_and(|c| !c.is_ascii_alphanumeric() && c != '-' && c != '_'))
            })
        })
        .max_by_key(|a| a.name.len())
}

/// Hangul pairs of a text (for matching Korean descriptions).
fn pairs(s: &str) -> Vec<String> {
    let cs: Vec<char> = s
        .chars()
        .filter(|c| ('\u{AC00}'..='\u{D7A3}').contains(c))
        .collect();
    cs.windows(2).map(|w| w.iter().collect()).collect()
}

/// The agent whose description fits an unnamed request best.
pub fn fitting<'a>(m: &str, catalog: &'a Catalog) -> Option<&'a AgentInfo> {
    let words: Vec<String> = tokens(m)
        .iter()
        .filter(|w| w.len() >= 4 && w.is_ascii())
        .map(|w| w.chars().take(5).collect())
        .collect();
    let mine = pairs(m);
    catalog
        .agents
        .iter()
        .map(|a| {
            let d = lower(&format!("{} {}", a.name, a.description));
            let en = words.iter().filter(|w| d.contains(w.as_str())).count();
            let dp = pairs(&d);
            let ko = mine.iter().filter(|p| dp.contains(p)).count();
            (en + ko, a)
        })
        .filter(|(score, _)| *score > 0)
        .max_by_key(|(score, _)| *score)
        .map(|(_, a)| a)
}

/// A delegation: the agent, and whether the message points at what was shown.
pub fn delegation<'a>(m: &str, catalog: &'a Catalog) -> Option<(&'a AgentInfo, bool)> {
    if catalog.agents.is_empty() || has(m, LIST) {
        return None;
    }
    let agent = match named(m, catalog) {
        Some(a) => a,
        None if has(m, AGENT_WORDS) => fitting(m, catalog)?,
        None => return None,
    };
    if !has(m, DELEGATE) {
        return None;
    }
    Some((agent, has(m, THIS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalog {
        Catalog {
            jobs: vec!["backup".into()],
            agents: vec![
                AgentInfo {
                    name: "summarizer".into(),
                    description: "긴 글을 요약합니다".into(),
                },
                AgentInfo {
                    name: "code-reviewer".into(),
                    description: "reviews code diffs".into(),
                },
            ],
        }
    }

    #[test]
    fn delegations() {
        let c = cat();
        let (a, this) = delegation("summarizer한테 이거 정리시켜줘", &c).unwrap();
        assert_eq!((a.name.as_str(), this), ("summarizer", true));
        let (a, _) = delegation("ask code-reviewer to look at my diff", &c).unwrap();
        assert_eq!(a.name, "code-reviewer");
        let (a, _) = delegation("에이전트한테 이 글 요약시켜줘", &c).unwrap();
        assert_eq!(a.name, "summarizer");
        assert!(delegation("what agents do I have?", &c).is_none());
        assert!(delegation("backup 돌려줘", &c).is_none());
    }
}
