//! No `unwrap`/`expect` and no panicking date arithmetic on the paths user
//! input takes: the CLI, the MCP server, the parsers in `domain/`, cron and
//! the config. Reads the sources (tests excluded) and names each offending
//! line. Constants known to be valid are listed with their reason.

use std::path::Path;

use regex::Regex;

/// (file, text on the line): allowed, each with a reason.
const ALLOWED: &[(&str, &str)] = &[
    // The redaction patterns are literals checked by their own tests.
    (
        "src/domain/context/redact.rs",
        "redaction patterns are valid",
    ),
    // An in-memory database for `jr mcp --list-tools`, not user data.
    ("src/mcp/mod.rs", "an in-memory database opens"),
    // Fixed dates of a constant table.
    (
        "src/schedule/cron.rs",
        "Utc.with_ymd_and_hms(y, m, 15, 12, 0, 0).unwrap()",
    ),
    // A zone's offset: under a day by construction.
    (
        "src/schedule/cron.rs",
        "TimeDelta::seconds(early.offset().fix()",
    ),
    // runs_per_day: its days are the caller's constant, not user input.
    (
        "src/engine/status.rs",
        "self.now() - Duration::days(days as i64)",
    ),
    (
        "src/engine/status.rs",
        "let at = start + Duration::hours(h);",
    ),
];

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs")
            && !p.to_string_lossy().ends_with("tests.rs")
        {
            out.push(p);
        }
    }
}

#[test]
fn user_input_paths_have_no_unwrap_or_panicking_arithmetic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for d in ["src/cli", "src/mcp", "src/domain"] {
        files(&root.join(d), &mut all);
    }
    for f in [
        "src/config.rs",
        "src/schedule/cron.rs",
        "src/engine/status.rs",
    ] {
        all.push(root.join(f));
    }
    // unwrap/expect, and chrono's constructors and operators that panic on
    // overflow when their argument is not a constant.
    let bad = Regex::new(
        r"\.unwrap\(\)|\.expect\(|\b(Duration|TimeDelta)::(days|hours|weeks|minutes|seconds|milliseconds)\([^0-9A-Z)]",
    )
    .unwrap();
    let mut found = Vec::new();
    for path in &all {
        let text = std::fs::read_to_string(path).unwrap();
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            let code = line.split("//").next().unwrap_or("");
            if bad.is_match(code) && !ALLOWED.iter().any(|(f, t)| rel == *f && line.contains(t)) {
                found.push(format!("{rel}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "panics on user input paths:\n{}",
        found.join("\n")
    );
}
