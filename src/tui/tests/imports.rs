//! The crate's file-level import graph, read from the source the way
//! `shared/tools/cycles.py` reads it: `use crate::…`, `use super::…`,
//! `use self::…` (braces expanded) and inline `crate::…` / `super::…`
//! paths, each resolved to the longest module path that is a file. A
//! trailing `#[cfg(test)] mod tests { … }` is left out (tests may import
//! anything). A parent naming its own child (`mod view;`, `view::draw`)
//! is structure, not an import, as in the script.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files by their module path (`["tui", "panes", "cards"]`).
type Files = BTreeMap<Vec<String>, String>;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// `a::b::{c, d::{e, f}}` → `a::b::c`, `a::b::d::e`, `a::b::d::f`.
fn expand(body: &str) -> Vec<String> {
    let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = body.find('{') else {
        return vec![body];
    };
    if !body.ends_with('}') {
        return vec![body];
    }
    let (head, inner) = (&body[..open], &body[open + 1..body.len() - 1]);
    let mut items = Vec::new();
    let (mut depth, mut cur) = (0i32, String::new());
    for ch in inner.chars() {
        match ch {
            ',' if depth == 0 => items.push(std::mem::take(&mut cur)),
            _ => {
                depth += (ch == '{') as i32 - (ch == '}') as i32;
                cur.push(ch);
            }
        }
    }
    if !cur.is_empty() {
        items.push(cur);
    }
    items
        .iter()
        .flat_map(|it| expand(&format!("{head}{it}")))
        .collect()
}

fn resolve(files: &Files, segs: &[String]) -> Option<String> {
    (1..=segs.len())
        .rev()
        .find_map(|k| files.get(&segs[..k]).cloned())
}

/// Every file (path under `src`) and the files it imports.
pub fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut paths = Vec::new();
    walk(src, &mut paths);
    let rel = |p: &Path| {
        p.strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/")
    };
    let files: Files = paths.iter().map(|p| (module_of(&rel(p)), rel(p))).collect();
    let tests = regex::Regex::new(r"(?s)#\[cfg\(test\)\]\s*mod\s+tests\s*\{.*").unwrap();
    let uses = regex::Regex::new(r"(?s)\buse\s+((?:crate|super|self)::[^;]+);").unwrap();
    let inline =
        regex::Regex::new(r"\b((?:crate|super)::(?:[a-z_][a-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)")
            .unwrap();
    let mut edges = BTreeMap::new();
    for p in &paths {
        let me_rel = rel(p);
        let text = std::fs::read_to_string(p).unwrap();
        let text = tests.replace(&text, "");
        let me = module_of(&me_rel);
        let mut found: Vec<String> = uses
            .captures_iter(&text)
            .flat_map(|c| expand(&c[1]))
            .collect();
        found.extend(inline.captures_iter(&text).map(|c| c[1].to_string()));
        let mut out = BTreeSet::new();
        for path in found {
            let mut segs: Vec<String> = path
                .split("::")
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            match segs.first().map(String::as_str) {
                Some("crate") => {
                    segs.remove(0);
                }
                Some("super" | "self") => {
                    let mut base = me.clone();
                    if segs[0] == "self" {
                        segs.remove(0);
                    }
                    while segs.first().is_some_and(|s| s == "super") {
                        segs.remove(0);
                        base.pop();
                    }
                    base.extend(segs);
                    segs = base;
                }
                _ => {}
            }
            if let Some(t) = resolve(&files, &segs)
                && t != me_rel
            {
                out.insert(t);
            }
        }
        edges.insert(me_rel, out);
    }
    edges
}

/// Strongly connected components of more than one file (Tarjan), each sorted.
pub fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        on: BTreeSet<&'a str>,
        stack: Vec<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        for w in t.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let m = t.low[v].min(t.low[w]);
                t.low.insert(v, m);
            } else if t.on.contains(w) {
                let m = t.low[v].min(t.index[w]);
                t.low.insert(v, m);
            }
        }
        if t.low[v] == t.index[v] {
            let mut c = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                c.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if c.len() > 1 {
                c.sort();
                t.out.push(c);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        on: BTreeSet::new(),
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out.sort();
    t.out
}

#[test]
fn expands_nested_braces() {
    assert_eq!(
        expand("crate::a::{b, c::{d, e}}"),
        ["crate::a::b", "crate::a::c::d", "crate::a::c::e"]
    );
}

#[test]
fn finds_a_cycle_and_only_that() {
    let e: BTreeMap<String, BTreeSet<String>> = [
        ("a.rs", vec!["b.rs"]),
        ("b.rs", vec!["a.rs", "c.rs"]),
        ("c.rs", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(
        cycles(&e),
        vec![vec!["a.rs".to_string(), "b.rs".to_string()]]
    );
}

/// No import cycle anywhere in the crate: files import down, never back
/// (the same rules as ../shared/tools/cycles.py).
#[test]
fn no_import_cycles() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = graph(&src);
    assert!(edges.len() > 50, "read {} files", edges.len());
    // The reader sees a known edge (so a broken reader cannot pass).
    assert!(edges["tui/app.rs"].contains("tui/pane/mod.rs"));
    let bad: Vec<Vec<String>> = cycles(&edges);
    assert!(bad.is_empty(), "import cycles: {bad:#?}");
}

/// The house rule, checked by reading the `use` lines: the TUI reaches data
/// only through the engine, and reads no environment variables.
#[test]
fn the_tui_never_touches_the_store_or_the_environment() {
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui"),
        &mut files,
    );
    // The tests themselves may build a store.
    files.retain(|p| !p.ends_with("tests.rs") && !p.to_string_lossy().contains("/tui/tests/"));
    assert!(files.len() > 10);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for bad in ["crate::store", "rusqlite", "env::var"] {
            assert!(!text.contains(bad), "{} mentions {bad}", f.display());
        }
    }
}
