//! Delegation to local agents (the design's "simple + needs execution"):
//! "summarizer한테 이거 정리시켜줘", "ask the reviewer to look at this", or an
//! agent whose description fits ("에이전트한테 이 글 요약시켜줘").

use super::text::{has, tokens};
use super::{AgentInfo, Catalog};

/// Words that hand work to someone: "X한테", "ask X to", "have X".
#[rustfmt::skip]
const DELEGATE: &[&str] = &[
    "한테", "에게", "시켜", "맡겨", "부탁", "ask ", "have ", "tell ", "let ", "get ", "use ", "with ", "via ",
    "run ", "using ", "please", "pls", "해줘", "해 줘", "해주세요", "좀 ", "으로 ", "로 ", "look at", "check", "review",
    "summarize", "translate", "봐줘", "검토",
];

/// Asking for work even in a question ("can you have summarizer ...?").
const ASKED: &[&str] = &[
    "시켜",
    "맡겨",
    "부탁",
    "please",
    "pls",
    "ask ",
    "have it",
    "have ",
    "tell ",
    "해줘",
    "해 줘",
    "해주세요",
    "can you",
    "could you",
];

/// What an agent can do, by the words of its description: a request that
/// asks for it, with the text to work on, goes to that agent.
#[rustfmt::skip]
const SKILLS: &[(&str, &[&str])] = &[
    ("translat", &["translate", "번역", "영어로", "한국어로", "in english", "in korean", "to korean", "to english"]),
    ("summar", &["summarize", "summarise", "summary", "요약", "정리", "bullet"]),
    ("review", &["review this", "code review", "코드 리뷰", "리뷰해줘", "리뷰 해줘", "리뷰 시켜", "리뷰시켜", "check this for bugs",
        "for bugs", "look at this diff", "this diff", "이 diff", "the diff", "버그 있", "버그 좀 찾", "봐줘"]),
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

/// The request part of a message: before a colon or a line break that
/// starts the text to work on (a payload is data, never routed).
pub fn head(m: &str) -> &str {
    match m.find([':', '\n']) {
        Some(i) if !m[..i].trim().is_empty() && !m[i + 1..].trim().is_empty() => m[..i].trim(),
        _ => m,
    }
}

/// Whether the message carries text to work on: after a colon or a line
/// break, in quotes, or pointed at ("이 로그", "this").
fn payload(m: &str) -> bool {
    let opens_quote = m.char_indices().any(|(i, c)| {
        matches!(c, '"' | '“' | '‘')
            || (c == '\''
                && m[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|p| !p.is_alphanumeric()))
    });
    head(m).len() < m.len()
        || opens_quote
        || has(
            m,
            &[
                "이 문장",
                "이 로그",
                "이 글",
                "이 diff",
                "이거",
                "이것",
                "this",
            ],
        )
}

/// An agent whose description says it does what the message asks for.
fn skilled<'a>(h: &str, m: &str, catalog: &'a Catalog) -> Option<&'a AgentInfo> {
    if !payload(m) {
        return None;
    }
    let (stem, words) = SKILLS.iter().find(|(_, words)| has(h, words))?;
    catalog.agents.iter().find(|a| {
        let d = lower(&format!("{} {}", a.name, a.description));
        d.contains(stem) || words.iter().any(|w| !w.is_ascii() && d.contains(w))
    })
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
/// Only the request part of `m` (see `head`) names the agent and the work.
pub fn delegation<'a>(m: &str, catalog: &'a Catalog) -> Option<(&'a AgentInfo, bool)> {
    let h = head(m);
    if catalog.agents.is_empty() || has(h, LIST) {
        return None;
    }
    let agent = match named(h, catalog) {
        // "what does summarizer do?" asks about it.
        Some(_) if super::questions::is_question(h) && !has(h, ASKED) => return None,
        Some(a) => a,
        None if has(h, AGENT_WORDS) => skilled(h, m, catalog).or_else(|| fitting(h, catalog))?,
        None => {
            let a = skilled(h, m, catalog)?;
            return Some((a, has(h, THIS)));
        }
    };
    // Its own name ("summarizer") is not the verb.
    let rest = h.replace(&lower(&agent.name), " ");
    if !has(&rest, DELEGATE) {
        return None;
    }
    Some((agent, has(h, THIS)))
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
            ..Default::default()
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
        let (a, _) = delegation("이 로그 요약 좀 해줘\n[03:00] backup failed", &c).unwrap();
        assert_eq!(a.name, "summarizer");
        let (a, _) = delegation("can you check this for bugs? fn f() {}", &c).unwrap();
        assert_eq!(a.name, "code-reviewer");
        assert!(delegation("대시보드 요약 좀 보여줘", &c).is_none());
    }
}
