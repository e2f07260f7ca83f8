//! Run parameters: the `KEY=VALUE` pairs a job declares with defaults and a
//! run is given (`jr run JOB --param KEY=VALUE`). Pure checks only: what a
//! key may be, how big a value may get, and how the given pairs merge over
//! the declared defaults (an undeclared key is refused, never passed on).

use std::collections::BTreeMap;

/// Parameters by key, in key order.
pub type Params = BTreeMap<String, String>;

/// The longest key (it becomes part of an environment variable name).
pub const MAX_KEY: usize = 64;
/// The largest value, in bytes.
pub const MAX_VALUE: usize = 4096;
/// The most parameters a job may declare.
pub const MAX_PARAMS: usize = 32;

/// The first 80 characters, for quoting bad input back.
fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// `[A-Za-z_][A-Za-z0-9_]*`, at most 64 characters.
pub fn check_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "parameter name {:?} is not valid: use letters, digits and '_', starting with a letter or '_' (at most {MAX_KEY}), e.g. target",
            clip(key)
        ))
    }
}

pub fn check_value(key: &str, value: &str) -> Result<(), String> {
    if value.len() > MAX_VALUE {
        return Err(format!(
            "the value of parameter {key} is {} bytes; at most {MAX_VALUE}",
            value.len()
        ));
    }
    if value.contains('\0') {
        return Err(format!(
            "the value of parameter {key} contains a NUL byte, which no program can receive"
        ));
    }
    // Parameters are recorded on the run and shown: no place for a secret.
    if super::context::redact::redact(&format!("{key}={value}")).1 > 0 {
        return Err(format!(
            "the value of parameter {key} looks like a secret; parameters are recorded and shown, so pass secrets through the job's environment instead"
        ));
    }
    Ok(())
}

/// `KEY=VALUE` (the value may be empty and may hold `=`), checked.
pub fn parse_pair(s: &str) -> Result<(String, String), String> {
    let Some((k, v)) = s.split_once('=') else {
        return Err(format!(
            "parameter {:?} must be KEY=VALUE, e.g. target=nas",
            clip(s)
        ));
    };
    let k = k.trim();
    check_key(k)?;
    check_value(k, v)?;
    Ok((k.to_string(), v.to_string()))
}

/// Pairs into a map; a key given twice is refused (which one was meant?).
pub fn parse_pairs<S: AsRef<str>>(pairs: &[S]) -> Result<Params, String> {
    let mut out = Params::new();
    for p in pairs {
        let (k, v) = parse_pair(p.as_ref())?;
        if out.insert(k.clone(), v).is_some() {
            return Err(format!("parameter {k} is given twice"));
        }
    }
    Ok(out)
}

/// A job's declared parameters, checked: valid keys and values, no two keys
/// that differ only in case (both would be the same `JR_PARAM_` variable),
/// at most `MAX_PARAMS`.
pub fn check_declared(params: &Params) -> Result<(), String> {
    if params.len() > MAX_PARAMS {
        return Err(format!(
            "{} parameters is too many; a job declares at most {MAX_PARAMS}",
            params.len()
        ));
    }
    let mut seen = std::collections::HashMap::new();
    for (k, v) in params {
        check_key(k)?;
        check_value(k, v)?;
        if let Some(other) = seen.insert(k.to_ascii_uppercase(), k) {
            return Err(format!(
                "parameters {other} and {k} differ only in case (both would be JR_PARAM_{})",
                k.to_ascii_uppercase()
            ));
        }
    }
    Ok(())
}

/// Why a run's parameters were refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// Keys the job does not declare, and the ones it does.
    Unknown {
        keys: Vec<String>,
        declared: Vec<String>,
    },
}

impl Refused {
    /// One sentence naming the job.
    pub fn message(&self, job: &str) -> String {
        match self {
            Refused::Unknown { keys, declared } if declared.is_empty() => {
                format!("job {job} takes no parameters (given: {})", keys.join(", "))
            }
            Refused::Unknown { keys, declared } => format!(
                "job {job} has no parameter {}; it declares: {}",
                keys.join(", "),
                declared.join(", ")
            ),
        }
    }
}

/// The parameters of a run: the declared defaults with the given values
/// over them. Every given key must be declared.
pub fn resolve(declared: &Params, given: &Params) -> Result<Params, Refused> {
    let unknown: Vec<String> = given
        .keys()
        .filter(|k| !declared.contains_key(*k))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(Refused::Unknown {
            keys: unknown,
            declared: declared.keys().cloned().collect(),
        });
    }
    let mut out = declared.clone();
    for (k, v) in given {
        out.insert(k.clone(), v.clone());
    }
    Ok(out)
}

/// The environment variable a shell job sees a parameter as.
pub fn env_name(key: &str) -> String {
    format!("JR_PARAM_{}", key.to_ascii_uppercase())
}

/// `{{params.KEY}}` (spaces inside the braces allowed) replaced by the
/// parameter's value; an undeclared key is an error. Other `{{…}}` text is
/// left alone. Used on the strings of a Dagster job's run config, after it
/// is parsed, so a value can never change the config's structure.
pub fn fill(text: &str, params: &Params) -> Result<String, String> {
    fill_as(text, params, false)
}

/// `fill` for YAML text: each value goes in as a double-quoted string (JSON
/// escapes are YAML's), so a value with a newline or `: ` stays one scalar.
/// Write the placeholder unquoted: `to: {{params.target}}`.
pub fn fill_yaml(text: &str, params: &Params) -> Result<String, String> {
    fill_as(text, params, true)
}

fn fill_as(text: &str, params: &Params, quoted: bool) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let Some(j) = rest[i..].find("}}") else {
            break;
        };
        let inner = rest[i + 2..i + j].trim();
        out.push_str(&rest[..i]);
        match inner.strip_prefix("params.") {
            Some(k) => match params.get(k) {
                Some(v) if quoted => {
                    out.push_str(&serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into()))
                }
                Some(v) => out.push_str(v),
                None => {
                    return Err(format!(
                        "{{{{params.{k}}}}} names a parameter the job does not declare{}",
                        if params.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " (it declares: {})",
                                params.keys().cloned().collect::<Vec<_>>().join(", ")
                            )
                        }
                    ));
                }
            },
            None => out.push_str(&rest[i..i + j + 2]),
        }
        rest = &rest[i + j + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `fill` on every string (and object key) of a JSON value.
pub fn fill_json(v: &serde_json::Value, params: &Params) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    Ok(match v {
        Value::String(s) => Value::String(fill(s, params)?),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| fill_json(x, params))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => {
            let mut m = serde_json::Map::new();
            for (k, x) in o {
                m.insert(fill(k, params)?, fill_json(x, params)?);
            }
            Value::Object(m)
        }
        other => other.clone(),
    })
}

/// `KEY=VALUE` pairs in a chat message ("backup 돌려줘 target=nas"): every
/// whitespace-separated word of that shape, in order, and the message with
/// them taken out. A value may be quoted ("note=\"two words\"").
pub fn pairs_in_text(text: &str) -> (Vec<(String, String)>, String) {
    let mut pairs = Vec::new();
    let mut rest = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut word_start = 0;
    let mut in_word = false;
    let mut words: Vec<(usize, usize)> = Vec::new();
    // Cut into words, keeping a quoted value (after `=`) in one piece.
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            if in_word {
                words.push((word_start, i));
                in_word = false;
            }
            continue;
        }
        if !in_word {
            word_start = i;
            in_word = true;
        }
        if c == '=' && matches!(chars.peek(), Some((_, '"' | '\''))) {
            let (_, q) = chars.next().unwrap_or((i, '"'));
            for (_, c2) in chars.by_ref() {
                if c2 == q {
                    break;
                }
            }
        }
    }
    if in_word {
        words.push((word_start, text.len()));
    }
    let mut last = 0;
    for (s, e) in words {
        let w = &text[s..e];
        let pair = w.split_once('=').and_then(|(k, v)| {
            check_key(k).ok()?;
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.to_string(), v.to_string()))
        });
        if let Some(p) = pair {
            rest.push_str(&text[last..s]);
            last = e;
            pairs.push(p);
        }
    }
    rest.push_str(&text[last..]);
    let rest = rest.split_whitespace().collect::<Vec<_>>().join(" ");
    (pairs, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn keys() {
        for good in ["target", "_x", "A1_b", &"k".repeat(64)] {
            assert!(check_key(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1x",
            "a-b",
            "a b",
            "타겟",
            "a.b",
            &"k".repeat(65),
            "$(rm)",
        ] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pairs() {
        assert_eq!(
            parse_pair("target=nas").unwrap(),
            ("target".into(), "nas".into())
        );
        assert_eq!(parse_pair("q=a=b").unwrap(), ("q".into(), "a=b".into()));
        assert_eq!(parse_pair("empty=").unwrap(), ("empty".into(), "".into()));
        assert!(parse_pair("폴더=x").unwrap_err().contains("not valid"));
        assert!(parse_pair("novalue").unwrap_err().contains("KEY=VALUE"));
        assert!(parse_pair("k=a\0b").unwrap_err().contains("NUL"));
        let e = parse_pair("token=ghp_abcdefghijklmnopqrstuvwxyz0123456789").unwrap_err();
        assert!(
            e.contains("looks like a secret") && !e.contains("ghp_"),
            "{e}"
        );
        assert!(parse_pair(&format!("k={}", "x".repeat(4097))).is_err());
        assert!(
            parse_pairs(&["a=1", "a=2"])
                .unwrap_err()
                .contains("given twice")
        );
    }

    #[test]
    fn declared_checks() {
        assert!(check_declared(&map(&[("target", "nas"), ("mode", "")])).is_ok());
        let e = check_declared(&map(&[("target", "a"), ("TARGET", "b")])).unwrap_err();
        assert!(e.contains("JR_PARAM_TARGET"), "{e}");
        let many: Params = (0..33).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(check_declared(&many).unwrap_err().contains("at most 32"));
    }

    #[test]
    fn resolving() {
        let declared = map(&[("target", "local"), ("mode", "full")]);
        assert_eq!(
            resolve(&declared, &map(&[("target", "나스")])).unwrap(),
            map(&[("target", "나스"), ("mode", "full")])
        );
        assert_eq!(resolve(&declared, &Params::new()).unwrap(), declared);
        let e = resolve(&declared, &map(&[("tgt", "x")])).unwrap_err();
        assert_eq!(
            e.message("backup"),
            "job backup has no parameter tgt; it declares: mode, target"
        );
        let e = resolve(&Params::new(), &map(&[("x", "1")])).unwrap_err();
        assert_eq!(
            e.message("hello"),
            "job hello takes no parameters (given: x)"
        );
        assert_eq!(env_name("target"), "JR_PARAM_TARGET");
    }

    #[test]
    fn filling_run_config() {
        let p = map(&[("target", "나스\"}"), ("n", "3")]);
        assert_eq!(
            fill("to {{params.target}} x{{ params.n }}", &p).unwrap(),
            "to 나스\"} x3"
        );
        assert_eq!(fill("{{other}} {{", &p).unwrap(), "{{other}} {{");
        assert_eq!(
            fill_yaml("to: {{params.target}}\nn: 1", &p).unwrap(),
            "to: \"나스\\\"}\"\nn: 1"
        );
        assert!(
            fill("{{params.nope}}", &p)
                .unwrap_err()
                .contains("declares: n, target")
        );
        let cfg = serde_json::json!({"ops": {"copy": {"config": {"to": "{{params.target}}"}}}});
        let got = fill_json(&cfg, &p).unwrap();
        assert_eq!(got["ops"]["copy"]["config"]["to"], "나스\"}");
    }

    #[test]
    fn pairs_in_chat_text() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let table: &[Case] = &[
            (
                "backup 돌려줘 target=nas",
                &[("target", "nas")],
                "backup 돌려줘",
            ),
            (
                "run backup with target=nas mode=full",
                &[("target", "nas"), ("mode", "full")],
                "run backup with",
            ),
            (
                "run backup note=\"two words\" now",
                &[("note", "two words")],
                "run backup now",
            ),
            ("run backup", &[], "run backup"),
            ("a == b", &[], "a == b"),
            ("x=y=z 해줘", &[("x", "y=z")], "해줘"),
            ("타겟=나스", &[], "타겟=나스"),
        ];
        for (text, want, rest) in table {
            let (got, r) = pairs_in_text(text);
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(got, want, "{text}");
            assert_eq!(&r, rest, "{text}");
        }
    }
}
