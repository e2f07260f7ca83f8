//! Questions, as opposed to requests: "did the hello job run today?", "how
//! do I delete a job? just asking", "SQLite WAL 모드가 뭐예요?". A question is
//! answered (from jr's data, or in the local model's words) and never acted on.

use super::text::{has, tokens};

/// Phrases that make a message a request even when it ends in "?".
const REQUEST: &[&str] = &[
    "can you",
    "could you",
    "would you",
    "will you",
    "please",
    "pls",
    "plz",
    "해줘",
    "해 줘",
    "해주세요",
    "줄래",
    "줄 수",
    "주세요",
    "돌려줘",
    "돌려",
    "실행해",
    "시켜",
    "해라",
    "하자",
];

/// Asking about something rather than asking for it: "did anyone delete
/// task 6?", "how do I delete a job?", "just asking, don't do it".
pub fn about(m: &str) -> bool {
    let starts = [
        "did ",
        "how do i",
        "how can i",
        "how to ",
        "how would i",
        "is there a way",
        "what happens if",
        "was ",
        "were ",
        "has ",
        "have i ",
        "why did",
        "why is",
        "why does",
    ];
    let told = has(
        m,
        &[
            "just asking",
            "don't do it",
            "do not do it",
            "하지 마",
            "하지마",
            "묻는 거",
            "궁금해서",
            "방법 알려",
            "어떻게 하는지",
        ],
    );
    told || (starts.iter().any(|s| m.starts_with(s)) && !has(m, REQUEST))
}

/// A question in form: a question mark, a question word, or a Korean
/// question ending.
pub fn is_question(m: &str) -> bool {
    let words = [
        "what", "what's", "whats", "who", "how", "why", "when", "which", "is", "are", "did",
        "does", "do", "was", "can", "any", "anything",
    ];
    let first = tokens(m).first().copied().unwrap_or("");
    m.ends_with('?')
        || words.contains(&first)
        || has(
            m,
            &[
                "뭐야",
                "뭐예요",
                "뭔가요",
                "무슨 뜻",
                "뭐지",
                "뭐임",
                "뭐있어",
                "뭐 있어",
                "어때",
                "어땠어",
                "됐어",
                "됐나",
                "했어",
                "했나",
                "던가",
                "인가",
                "나요",
                "니?",
                "있어?",
                "죽었어",
                "돌았어",
                "살아있",
                "차이",
                "왜",
            ],
        )
}

/// A small thank-you or ping: answered politely.
pub fn small_talk(m: &str) -> bool {
    let pings = [
        "test",
        "testing",
        "ping",
        "ㅇㅇ",
        "ㅎㅇ",
        "굿모닝",
        "good morning",
        "sup",
    ];
    has(
        m,
        &[
            "thanks",
            "thank you",
            "thx",
            "고마워",
            "고맙",
            "감사",
            "굿모닝",
            "testing 1",
            "ㅋㅋ",
            "good job",
            "잘했어",
        ],
    ) || pings.contains(&m.trim_end_matches(['?', '!', '.']))
}
