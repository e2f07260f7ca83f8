//! The `/` filter language: words match titles fuzzily (their letters in
//! order), `field:value` narrows by a field, `!` negates either. Example:
//! `status:pending tag:work !tag:home 보고서`. Parsing is pure; the query runs
//! in SQLite, so a filter over 100,000 tasks still comes back a page at a time.

use crate::domain::{Priority, TaskStatus};
use crate::engine::Cond;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Statuses named with `status:`; empty: the pane's default set.
    pub statuses: Vec<TaskStatus>,
    pub conds: Vec<(bool, Cond)>,
}

pub const FIELDS: &str = "status: tag: pri: claim: due: parent:";

impl Filter {
    /// Parse a filter; `me` is who `claim:me` means.
    pub fn parse(text: &str, me: &str) -> Result<Filter, String> {
        let mut f = Filter::default();
        for token in text.split_whitespace() {
            let (neg, tok) = match token.strip_prefix('!') {
                Some(rest) if !rest.is_empty() => (true, rest),
                Some(_) => continue,
                None => (false, token),
            };
            let Some((field, value)) = tok.split_once(':').filter(|(f, _)| is_field(f)) else {
                f.conds.push((neg, Cond::Text(tok.to_string())));
                continue;
            };
            let value = value.trim();
            if value.is_empty() {
                return Err(format!("`{field}:` needs a value"));
            }
            match field.to_lowercase().as_str() {
                "status" | "s" | "is" => {
                    let set: Vec<TaskStatus> = match value {
                        "all" | "any" => TaskStatus::ALL.to_vec(),
                        "open" => TaskStatus::ALL
                            .into_iter()
                            .filter(|s| !s.is_closed())
                            .collect(),
                        "closed" => TaskStatus::ALL
                            .into_iter()
                            .filter(|s| s.is_closed())
                            .collect(),
                        v => vec![v.parse::<TaskStatus>()?],
                    };
                    if neg {
                        f.conds
                            .extend(set.into_iter().map(|s| (true, Cond::Status(s))));
                    } else {
                        f.statuses.extend(set);
                    }
                }
                "tag" | "t" => f.conds.push((neg, Cond::Tag(value.to_lowercase()))),
                "pri" | "priority" | "p" => f
                    .conds
                    .push((neg, Cond::Priority(value.parse::<Priority>()?))),
                "claim" | "claimed" | "by" => {
                    let c = match value {
                        "any" | "yes" => (neg, Cond::Claimed),
                        "none" | "no" => (!neg, Cond::Claimed),
                        "me" => (neg, Cond::ClaimedBy(me.to_string())),
                        who => (neg, Cond::ClaimedBy(who.to_string())),
                    };
                    f.conds.push(c);
                }
                "due" => {
                    let c = match value {
                        "late" | "overdue" => (neg, Cond::Late),
                        "any" | "yes" => (neg, Cond::HasDue),
                        "none" | "no" => (!neg, Cond::HasDue),
                        v => return Err(format!("due:{v}? use due:late, due:any or due:none")),
                    };
                    f.conds.push(c);
                }
                "parent" => {
                    let id = value
                        .trim_start_matches('#')
                        .parse::<i64>()
                        .map_err(|_| format!("parent:{value}? give a task id"))?;
                    f.conds.push((neg, Cond::Parent(id)));
                }
                _ => unreachable!("is_field"),
            }
        }
        Ok(f)
    }

    /// Only statuses: the list can show its tree.
    pub fn is_plain(&self) -> bool {
        self.conds.is_empty()
    }
}

fn is_field(f: &str) -> bool {
    matches!(
        f.to_lowercase().as_str(),
        "status"
            | "s"
            | "is"
            | "tag"
            | "t"
            | "pri"
            | "priority"
            | "p"
            | "claim"
            | "claimed"
            | "by"
            | "due"
            | "parent"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_language() {
        let f = Filter::parse("status:pending tag:work !tag:home 보고서 !draft", "me").unwrap();
        assert_eq!(f.statuses, vec![TaskStatus::Pending]);
        assert_eq!(
            f.conds,
            vec![
                (false, Cond::Tag("work".into())),
                (true, Cond::Tag("home".into())),
                (false, Cond::Text("보고서".into())),
                (true, Cond::Text("draft".into())),
            ]
        );
        let f =
            Filter::parse("!status:review pri:p1 claim:me due:late claim:none", "민수").unwrap();
        assert!(f.statuses.is_empty());
        assert_eq!(
            f.conds,
            vec![
                (true, Cond::Status(TaskStatus::Review)),
                (false, Cond::Priority(Priority(1))),
                (false, Cond::ClaimedBy("민수".into())),
                (false, Cond::Late),
                (true, Cond::Claimed),
            ]
        );
        assert_eq!(Filter::parse("status:all", "").unwrap().statuses.len(), 5);
        assert!(Filter::parse("status:later", "").is_err());
        assert!(Filter::parse("pri:p9", "").is_err());
        assert!(Filter::parse("tag:", "").is_err());
        // Unknown fields are words: a title may well contain "a:b".
        let f = Filter::parse("http://x", "").unwrap();
        assert_eq!(f.conds, vec![(false, Cond::Text("http://x".into()))]);
        assert!(Filter::parse("", "").unwrap().is_plain());
        assert!(Filter::parse("status:done", "").unwrap().is_plain());
    }
}
