//! Secrets out of stored conversations. Pasted API keys and tokens are common
//! in chats with coding agents; the registry replaces anything that looks like
//! one with `[REDACTED:kind]` before it is stored or indexed. Patterns follow
//! the providers' documented prefixes; the generic rule only fires on long
//! key-like values right after `key=`, `token:` and the like, so ordinary text
//! (hashes in prose, UUIDs) is left alone.

use std::sync::LazyLock;

use regex::Regex;

struct Rule {
    kind: &'static str,
    re: Regex,
    /// The capture group holding the secret; the rest of the match is kept.
    group: usize,
    /// Only values with a digit count (the generic rule: `key: created_at_field` is no secret).
    needs_digit: bool,
}

fn rule(kind: &'static str, pattern: &str, group: usize) -> Rule {
    Rule {
        kind,
        re: Regex::new(pattern).expect("redaction patterns are valid"),
        group,
        needs_digit: false,
    }
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        rule(
            "private-key",
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\z)",
            0,
        ),
        // OpenAI (sk-..., sk-proj-...) and Anthropic (sk-ant-...).
        rule(
            "api-key",
            r"(?-u:\b)sk-(?:ant-|proj-|or-v1-)?[A-Za-z0-9_\-]{16,}",
            0,
        ),
        // GitHub tokens, any length: a prefix this specific is never prose.
        rule("github", r"(?-u:\b)gh[pousr]_[A-Za-z0-9]{8,}", 0),
        rule("github", r"(?-u:\b)github_pat_[A-Za-z0-9_]+", 0),
        rule("gitlab", r"(?-u:\b)glpat-[A-Za-z0-9_\-]{16,}", 0),
        rule("huggingface", r"(?-u:\b)hf_[A-Za-z0-9]{30,}", 0),
        rule("aws", r"(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)", 0),
        rule("slack", r"(?-u:\b)xox[abposr]-[A-Za-z0-9\-]{10,}", 0),
        rule("google", r"(?-u:\b)AIza[0-9A-Za-z_\-]{35}", 0),
        rule(
            "jwt",
            r"(?-u:\b)eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
            0,
        ),
        rule(
            "token",
            r"(?i)(?-u:\b)bearer\s+([A-Za-z0-9._~+/\-]{16,}=*)",
            1,
        ),
        // A password is a secret at any length: password=hunter2, PGPASSWORD: x1,
        // "passwd": "abc", and the password in a URL (scheme://user:pw@host).
        rule(
            "password",
            r#"(?i)(?:password|passwd|passphrase|pwd)["']?\s*[=:]\s*["']?([^\s"'&,;]+)"#,
            1,
        ),
        rule(
            "password",
            r"(?-u:\b)[a-z][a-z0-9+.\-]*://[^\s:/@]+:([^\s@/]+)@",
            1,
        ),
        // key=..., "api_key": "...", TOKEN: ..., password=... followed by a long value.
        Rule {
            needs_digit: true,
            ..rule(
                "secret",
                r#"(?i)(?:[a-z_\-]*key|secret|token|auth)["']?\s*[=:]\s*["']?([A-Za-z0-9+/_.\-]{16,}=*)"#,
                1,
            )
        },
    ]
});

/// Words one of the rules needs (lower case): text with none of them is
/// returned as it is, without compiling or running a pattern.
const CUES: &[&str] = &[
    "-----begin",
    "sk-",
    "gh",
    "github_pat_",
    "glpat-",
    "hf_",
    "akia",
    "asia",
    "xox",
    "aiza",
    "eyj",
    "bearer",
    "pass",
    "pwd",
    "://",
    "key",
    "secret",
    "token",
    "auth",
];

/// `text` with every secret replaced, and how many were replaced.
pub fn redact(text: &str) -> (String, usize) {
    let lower = text.to_ascii_lowercase();
    if !CUES.iter().any(|c| lower.contains(c)) {
        return (text.to_string(), 0);
    }
    let mut out = text.to_string();
    let mut count = 0;
    for r in RULES.iter() {
        if !r.re.is_match(&out) {
            continue;
        }
        let mut next = String::with_capacity(out.len());
        let mut last = 0;
        for caps in r.re.captures_iter(&out) {
            let Some(m) = caps.get(r.group) else { continue };
            if r.needs_digit && !m.as_str().bytes().any(|b| b.is_ascii_digit()) {
                continue;
            }
            next.push_str(&out[last..m.start()]);
            next.push_str("[REDACTED:");
            next.push_str(r.kind);
            next.push(']');
            last = m.end();
            count += 1;
        }
        next.push_str(&out[last..]);
        out = next;
    }
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let cases = [
            (
                "my key is sk-proj-AbCdEf0123456789AbCdEf0123 ok",
                "my key is [REDACTED:api-key] ok",
            ),
            (
                "export OPENAI_API_KEY=sk-AbCdEf0123456789AbCdEf0123456789",
                "export OPENAI_API_KEY=[REDACTED:api-key]",
            ),
            (
                "token ghp_1234567890abcdefghijABCDEFGHIJ123456 pushed",
                "token [REDACTED:github] pushed",
            ),
            (
                "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
                "aws_access_key_id = [REDACTED:aws]",
            ),
            (
                "slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp",
                "slack [REDACTED:slack]",
            ),
            (
                "curl -H 'Authorization: Bearer abcdef0123456789abcdef0123'",
                "curl -H 'Authorization: Bearer [REDACTED:token]'",
            ),
            (
                "https://x.test/cb?token=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b&x=1",
                "https://x.test/cb?token=[REDACTED:secret]&x=1",
            ),
            (
                r#"{"api_key": "dGhpcyBpcyBhIHNlY3JldCBrZXkgdmFsdWU="}"#,
                r#"{"api_key": "[REDACTED:secret]"}"#,
            ),
            (
                "키는 key=0123456789abcdef0123456789abcdef 입니다",
                "키는 key=[REDACTED:secret] 입니다",
            ),
            ("password=hunter2 then", "password=[REDACTED:password] then"),
            (
                r#"{"passwd": "a1"}"#,
                r#"{"passwd": "[REDACTED:password]"}"#,
            ),
            ("PGPASSWORD: x", "PGPASSWORD: [REDACTED:password]"),
            (
                "postgres://me:s3cr3t@db.local/x",
                "postgres://me:[REDACTED:password]@db.local/x",
            ),
            ("github_pat_11ABC", "[REDACTED:github]"),
            ("short ghp_abcdef12 token", "short [REDACTED:github] token"),
            ("sk-ant-api03-AbCd1234EfGh", "[REDACTED:api-key]"),
            (
                "키는sk-proj-AbCdEf0123456789AbCdEf0123입니다",
                "키는[REDACTED:api-key]입니다",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\nafter",
                "[REDACTED:private-key]\nafter",
            ),
        ];
        for (input, want) in cases {
            let (got, n) = redact(input);
            assert_eq!(got, want, "{input}");
            assert!(n >= 1, "{input}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let cases = [
            "스케줄러에서 오류가 났다",
            "commit 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b fixed it",
            "the token limit is 4096",
            "my password is long enough",
            "sort key: created_at_then_identifier",
            "ask-the-user-before-deleting-anything-important",
            "id 4f1c2b9e-8d3a-4b7e-9c1d-2e3f4a5b6c7d",
        ];
        for input in cases {
            assert_eq!(redact(input), (input.to_string(), 0), "{input}");
        }
    }
}
