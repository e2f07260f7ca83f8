//! The keymap: the shipped `keymap.toml` (embedded; it is also the keys'
//! documentation) overridden per key by the user's file. Each section is an
//! array of `{ on = [keys], run = "action", desc = "..." }`. A bad user entry
//! becomes a warning naming its line and the default stays; a key bound twice
//! in one section of one file is a conflict (the first binding stays).

use std::collections::HashMap;

use serde::Deserialize;

use super::action::{self, Action};
use super::keys::Key;
use super::pane::id::PaneId;

pub const DEFAULT: &str = include_str!("../../keymap.toml");

/// Where a binding applies. Overlays and text fields capture keys first; a
/// pane's own section comes before `global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Global,
    Pane(PaneId),
    Form,
    /// Typing a chat message.
    Compose,
    Palette,
    Help,
    Confirm,
}

impl Section {
    pub fn all() -> Vec<Section> {
        let mut v = vec![Section::Global];
        v.extend(PaneId::ALL.into_iter().map(Section::Pane));
        v.extend([
            Section::Form,
            Section::Compose,
            Section::Palette,
            Section::Help,
            Section::Confirm,
        ]);
        v
    }

    pub fn name(self) -> &'static str {
        match self {
            Section::Global => "global",
            Section::Pane(p) => p.name(),
            Section::Form => "form",
            Section::Compose => "compose",
            Section::Palette => "palette",
            Section::Help => "help",
            Section::Confirm => "confirm",
        }
    }

    pub fn parse(s: &str) -> Option<Section> {
        Section::all().into_iter().find(|x| x.name() == s)
    }
}

/// One binding as help shows it: every key that runs `action` in `section`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub section: Section,
    pub keys: Vec<Key>,
    pub action: Action,
    pub desc: String,
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    map: HashMap<(Section, Key), Action>,
    descs: HashMap<(Section, String), String>,
    order: Vec<(Section, Action)>,
    /// Problems with the user's file, each naming its line; shown in the UI.
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct RawEntry {
    on: Vec<String>,
    run: String,
    desc: Option<String>,
}

struct Parsed {
    section: Section,
    keys: Vec<Key>,
    /// None unbinds (`run = "none"`).
    action: Option<Action>,
    desc: Option<String>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parse one file; every problem is a warning that starts with `label line N`.
fn parse_file(text: &str, label: &str) -> (Vec<Parsed>, Vec<String>) {
    let mut warnings = Vec::new();
    let doc: HashMap<String, Vec<toml::Spanned<toml::Value>>> = match toml::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let at = e
                .span()
                .map(|s| format!(" line {}", line_of(text, s.start)))
                .unwrap_or_default();
            warnings.push(format!(
                "{label}{at}: {}; none of its bindings are used",
                e.message().trim()
            ));
            return (Vec::new(), warnings);
        }
    };
    let mut sections: Vec<(&String, &Vec<toml::Spanned<toml::Value>>)> = doc.iter().collect();
    sections.sort_by_key(|(_, v)| v.first().map(|x| x.span().start).unwrap_or(0));
    let mut seen: HashMap<(Section, Key), (String, usize)> = HashMap::new();
    let mut out = Vec::new();
    for (name, entries) in sections {
        for spanned in entries {
            let line = line_of(text, spanned.span().start);
            let warn = |w: &mut Vec<String>, msg: String| {
                w.push(format!("{label} line {line}: {msg}; the default stays"))
            };
            let Some(section) = Section::parse(name) else {
                let names: Vec<&str> = Section::all().iter().map(|s| s.name()).collect();
                warn(
                    &mut warnings,
                    format!("unknown section [[{name}]] (known: {})", names.join(", ")),
                );
                continue;
            };
            let raw: RawEntry = match spanned.get_ref().clone().try_into() {
                Ok(r) => r,
                Err(e) => {
                    let msg = e.message().trim().to_string();
                    warn(
                        &mut warnings,
                        format!("{msg} (an entry needs on = [\"key\"] and run = \"action\")"),
                    );
                    continue;
                }
            };
            let act = if raw.run == "none" {
                None
            } else {
                match action::from_name(&raw.run) {
                    Some(a) => Some(a),
                    None => {
                        warn(&mut warnings, format!("unknown action {:?}", raw.run));
                        continue;
                    }
                }
            };
            let mut keys = Vec::new();
            for k in &raw.on {
                match Key::parse(k) {
                    Ok(key) => {
                        let run = raw.run.clone();
                        if let Some((prev, prev_line)) = seen.get(&(section, key))
                            && *prev != run
                        {
                            warnings.push(format!(
                                "{label} line {line}: key {k:?} in [[{name}]] is already bound to {prev:?} on line {prev_line}; that one stays"
                            ));
                            continue;
                        }
                        seen.insert((section, key), (run, line));
                        keys.push(key);
                    }
                    Err(e) => warn(&mut warnings, e),
                }
            }
            if raw.on.is_empty() {
                warn(&mut warnings, "`on` lists no key".into());
            }
            out.push(Parsed {
                section,
                keys,
                action: act,
                desc: raw.desc,
            });
        }
    }
    (out, warnings)
}

impl Keymap {
    /// The shipped keymap overridden by `user` (the file's text and its path for messages).
    pub fn load(user: Option<(&str, &str)>) -> Keymap {
        let mut km = Keymap::default();
        let (defaults, mut warnings) = parse_file(DEFAULT, "built-in keymap.toml");
        km.apply(defaults);
        if let Some((text, label)) = user {
            let (parsed, w) = parse_file(text, label);
            warnings.extend(w);
            km.apply(parsed);
        }
        km.warnings = warnings;
        km
    }

    fn apply(&mut self, parsed: Vec<Parsed>) {
        for p in parsed {
            for k in &p.keys {
                match &p.action {
                    Some(a) => {
                        self.map.insert((p.section, *k), a.clone());
                    }
                    None => {
                        self.map.remove(&(p.section, *k));
                    }
                }
            }
            if let Some(a) = p.action {
                let name = action::name_of(&a).unwrap_or_default();
                if let Some(d) = p.desc {
                    self.descs.insert((p.section, name), d);
                }
                if !self.order.contains(&(p.section, a.clone())) {
                    self.order.push((p.section, a));
                }
            }
        }
    }

    /// The action `key` runs, looking through `sections` in order.
    pub fn action(&self, sections: &[Section], key: Key) -> Option<Action> {
        sections
            .iter()
            .find_map(|s| self.map.get(&(*s, key)).cloned())
    }

    /// The keys bound to `action` in `section`, sorted.
    pub fn keys_for(&self, section: Section, action: &Action) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .map
            .iter()
            .filter(|((s, _), a)| *s == section && *a == action)
            .map(|((_, k), _)| *k)
            .collect();
        keys.sort();
        keys
    }

    /// The key a footer shows: a plain letter, else a plain named key, else any.
    pub fn key_label(&self, sections: &[Section], action: &Action) -> Option<String> {
        sections.iter().find_map(|s| {
            let keys = self.keys_for(*s, action);
            let plain = |k: &&Key| !k.ctrl && !k.alt;
            keys.iter()
                .filter(plain)
                .find(|k| matches!(k.code, super::keys::KeyCodeOrd::Char(_)))
                .or(keys.iter().find(plain))
                .or(keys.first())
                .map(|k| k.label())
        })
    }

    /// Every binding of `section` with its description, in the files' order.
    pub fn entries(&self, section: Section) -> Vec<Entry> {
        self.order
            .iter()
            .filter(|(s, _)| *s == section)
            .filter_map(|(s, a)| {
                let keys = self.keys_for(*s, a);
                if keys.is_empty() {
                    return None;
                }
                let name = action::name_of(a).unwrap_or_default();
                let desc = self
                    .descs
                    .get(&(*s, name.clone()))
                    .cloned()
                    .unwrap_or_else(|| {
                        action::named()
                            .into_iter()
                            .find(|(n, _, _)| *n == name)
                            .map(|(_, _, d)| d.to_string())
                            .unwrap_or_default()
                    });
                Some(Entry {
                    section: *s,
                    keys,
                    action: a.clone(),
                    desc,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        Key::parse(s).unwrap()
    }

    #[test]
    fn the_shipped_keymap_is_clean() {
        let km = Keymap::load(None);
        assert!(km.warnings.is_empty(), "{:?}", km.warnings);
        let tasks = [Section::Pane(PaneId::Tasks), Section::Global];
        assert_eq!(km.action(&tasks, key("q")), Some(Action::Quit));
        assert_eq!(km.action(&tasks, key("j")), Some(Action::Down));
        assert_eq!(km.action(&tasks, key("<Down>")), Some(Action::Down));
        assert_eq!(km.action(&tasks, key("a")), Some(Action::Add));
        assert_eq!(
            km.action(&[Section::Form], key("<Enter>")),
            Some(Action::Submit)
        );
    }

    #[test]
    fn user_entries_override_per_key() {
        let user = "[[tasks]]\non = [\"x\"]\nrun = \"done\"\ndesc = \"끝내기\"\n\n[[global]]\non = [\"q\"]\nrun = \"none\"\n";
        let km = Keymap::load(Some((user, "~/.config/jr/keymap.toml")));
        assert!(km.warnings.is_empty(), "{:?}", km.warnings);
        let tasks = [Section::Pane(PaneId::Tasks), Section::Global];
        assert_eq!(km.action(&tasks, key("x")), Some(Action::Done));
        assert_eq!(km.action(&tasks, key("q")), None, "unbound");
        // Other keys of the same action keep their default.
        assert_eq!(km.action(&tasks, key("d")), Some(Action::Done));
        let e = km
            .entries(Section::Pane(PaneId::Tasks))
            .into_iter()
            .find(|e| e.action == Action::Done)
            .unwrap();
        assert_eq!(e.desc, "끝내기");
        assert!(e.keys.contains(&key("x")) && e.keys.contains(&key("d")));
    }

    #[test]
    fn a_bad_entry_is_a_warning_naming_its_line_and_defaults_stay() {
        let user = "[[tasks]]\non = [\"a\"]\nrun = \"fly\"\n\n[[tasks]]\non = [\"<Nope>\"]\nrun = \"add\"\n\n[[tasks]]\nrun = \"add\"\n\n[[nowhere]]\non = [\"z\"]\nrun = \"quit\"\n";
        let km = Keymap::load(Some((user, "keymap.toml")));
        let w = km.warnings.join("\n");
        assert!(
            w.contains("keymap.toml line 1: unknown action \"fly\""),
            "{w}"
        );
        assert!(w.contains("line 5:") && w.contains("<Nope>"), "{w}");
        assert!(w.contains("line 9:"), "{w}");
        assert!(w.contains("line 12: unknown section [[nowhere]]"), "{w}");
        let tasks = [Section::Pane(PaneId::Tasks), Section::Global];
        assert_eq!(km.action(&tasks, key("a")), Some(Action::Add));
    }

    #[test]
    fn broken_toml_keeps_every_default() {
        let km = Keymap::load(Some(("[[tasks]\non = 3", "k.toml")));
        assert_eq!(km.warnings.len(), 1);
        assert!(
            km.warnings[0].starts_with("k.toml line 1"),
            "{:?}",
            km.warnings
        );
        assert_eq!(km.action(&[Section::Global], key("q")), Some(Action::Quit));
    }

    #[test]
    fn a_key_bound_twice_in_one_section_is_a_conflict() {
        let user = "[[tasks]]\non = [\"x\"]\nrun = \"done\"\n\n[[tasks]]\non = [\"x\"]\nrun = \"delete\"\n";
        let km = Keymap::load(Some((user, "k.toml")));
        assert_eq!(km.warnings.len(), 1, "{:?}", km.warnings);
        assert!(km.warnings[0].contains("line 5") && km.warnings[0].contains("line 1"));
        let tasks = [Section::Pane(PaneId::Tasks)];
        assert_eq!(km.action(&tasks, key("x")), Some(Action::Done));
    }
}
