//! Task operations: the status flow with its rules, edits, split, claims,
//! export and import. Every change writes an event in the same transaction.

use std::collections::HashMap;

use rusqlite::Connection;

use super::Engine;
use super::views::TaskRecord;
use crate::domain::task::{Transition, normalize_tag};
use crate::domain::{Due, NewTask, Priority, Source, Task, TaskEvent, TaskStatus};
use crate::error::{Error, Result};
use crate::store::tasks::{self as repo, Field, InsertTask, TaskFilter};

/// A task with everything `show` prints.
#[derive(Debug, Clone)]
pub struct TaskDetail {
    pub task: Task,
    pub subtasks: Vec<Task>,
    /// Dependencies that are not done: (id, title, status).
    pub blocked_by: Vec<(i64, String, TaskStatus)>,
    pub dependents: Vec<i64>,
    pub events: Vec<TaskEvent>,
    /// The runs and agent executions that worked on it (see handoff.rs).
    pub work: Vec<super::handoff::WorkItem>,
}

/// Edits to apply; `None` leaves a field alone. `due: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TaskEdit {
    pub title: Option<String>,
    pub body: Option<String>,
    pub priority: Option<Priority>,
    pub due: Option<Option<Due>>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
    pub add_depends: Vec<i64>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub skipped_duplicates: usize,
    /// (id in the file, id given here) for tasks whose id was taken.
    pub renumbered: Vec<(i64, i64)>,
}

fn not_found(id: i64) -> Error {
    Error::user(format!("no task with id {id}"))
        .hint("`jr tasks list --all` shows every task and its id")
}

fn load(conn: &Connection, id: i64) -> Result<Task> {
    repo::get(conn, id)?.ok_or_else(|| not_found(id))
}

fn clean_title(title: &str) -> Result<String> {
    crate::domain::task::check_title(title).map_err(Error::user)
}

impl Engine {
    pub fn add_task(&self, new: NewTask, source: Source) -> Result<Task> {
        let title = clean_title(&new.title)?;
        crate::domain::task::check_body(&new.body).map_err(Error::user)?;
        let tags = new
            .tags
            .iter()
            .map(|t| normalize_tag(t).map_err(Error::user))
            .collect::<Result<Vec<_>>>()?;
        let now = self.now();
        let tz = self.tz;
        let id = self.store.write(|tx| {
            if let Some(p) = new.parent
                && !repo::exists(tx, p)?
            {
                return Err(Error::user(format!("no parent task with id {p}")));
            }
            for d in &new.depends_on {
                if !repo::exists(tx, *d)? {
                    return Err(Error::user(format!(
                        "task {d} (in --depends) does not exist"
                    )));
                }
            }
            let id = repo::insert(
                tx,
                &InsertTask {
                    title: &title,
                    body: &new.body,
                    status: TaskStatus::Pending,
                    priority: new.priority,
                    due: new.due.as_ref(),
                    parent: new.parent,
                    claimed_by: None,
                    source: source.as_str(),
                    created_at: now,
                    updated_at: now,
                    closed_at: None,
                    id: None,
                },
                tz,
            )?;
            for t in &tags {
                repo::add_tag(tx, id, t)?;
            }
            for d in &new.depends_on {
                repo::add_dep(tx, id, *d)?;
            }
            repo::add_event(tx, id, now, source.as_str(), "created", None, Some(&title))?;
            Ok(id)
        })?;
        load(self.store.conn(), id)
    }

    pub fn get_task(&self, id: i64) -> Result<Task> {
        load(self.store.conn(), id)
    }

    pub fn list_tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>> {
        repo::list(self.store.conn(), filter)
    }

    pub fn ready_tasks(&self, me: Option<&str>, limit: usize) -> Result<Vec<Task>> {
        repo::ready(self.store.conn(), me, limit)
    }

    pub fn overdue_tasks(&self, limit: usize) -> Result<Vec<Task>> {
        repo::overdue(self.store.conn(), self.now(), limit)
    }

    /// Tasks per status, as the triggers keep them (`store::counts`).
    pub fn task_counts(&self) -> Result<Vec<(TaskStatus, i64)>> {
        crate::store::counts::tasks(self.store.conn())
    }

    pub fn task_detail(&self, id: i64) -> Result<TaskDetail> {
        let conn = self.store.conn();
        let task = load(conn, id)?;
        Ok(TaskDetail {
            subtasks: repo::children(conn, id)?,
            blocked_by: repo::open_blockers(conn, id)?,
            dependents: repo::dependents(conn, id)?,
            events: repo::events(conn, id)?,
            work: self.task_work(id)?,
            task,
        })
    }

    /// Move a task through its flow. `force` lets a parent close while sub-tasks are open.
    pub fn transition(&self, id: i64, t: Transition, force: bool, source: Source) -> Result<Task> {
        let now = self.now();
        self.store.write(|tx| {
            let task = load(tx, id)?;
            let target = t.target();
            if task.status == target {
                return Err(Error::user(format!("task {id} is already {target}")));
            }
            if !t.allowed_from(task.status) {
                return Err(Error::user(format!(
                    "task {id} is {} and cannot be moved to {target} with `{}`",
                    task.status,
                    t.verb()
                ))
                .hint(flow_hint(task.status)));
            }
            if t.needs_dependencies_done() {
                let blockers = repo::open_blockers(tx, id)?;
                if !blockers.is_empty() {
                    let list: Vec<String> = blockers
                        .iter()
                        .map(|(b, title, s)| format!("#{b} {title:?} ({s})"))
                        .collect();
                    return Err(Error::user(format!(
                        "task {id} is blocked by {}",
                        list.join(", ")
                    ))
                    .hint("finish those first (`jr tasks done ID`)"));
                }
            }
            if target == TaskStatus::Done && !force {
                let open: Vec<String> = repo::children(tx, id)?
                    .into_iter()
                    .filter(|c| !c.status.is_closed())
                    .map(|c| format!("#{}", c.id))
                    .collect();
                if !open.is_empty() {
                    return Err(Error::user(format!(
                        "task {id} still has open sub-tasks: {}",
                        open.join(", ")
                    ))
                    .hint("close them first, or pass --force to close the parent anyway"));
                }
            }
            repo::set_status(tx, id, target, now)?;
            repo::add_event(
                tx,
                id,
                now,
                source.as_str(),
                "status",
                Some(task.status.as_str()),
                Some(target.as_str()),
            )?;
            Ok(())
        })?;
        load(self.store.conn(), id)
    }

    pub fn edit_task(&self, id: i64, edit: TaskEdit, source: Source) -> Result<Task> {
        let now = self.now();
        let tz = self.tz;
        let src = source.as_str();
        let title = edit.title.as_deref().map(clean_title).transpose()?;
        if let Some(b) = &edit.body {
            crate::domain::task::check_body(b).map_err(Error::user)?;
        }
        let add_tags = edit
            .add_tags
            .iter()
            .map(|t| normalize_tag(t).map_err(Error::user))
            .collect::<Result<Vec<_>>>()?;
        let remove_tags = edit
            .remove_tags
            .iter()
            .map(|t| normalize_tag(t).map_err(Error::user))
            .collect::<Result<Vec<_>>>()?;
        self.store.write(|tx| {
            let task = load(tx, id)?;
            if let Some(v) = &title
                && *v != task.title
            {
                repo::set_field(tx, id, Field::Title(v), now, tz)?;
                repo::add_event(tx, id, now, src, "title", Some(&task.title), Some(v))?;
            }
            if let Some(v) = &edit.body
                && *v != task.body
            {
                repo::set_field(tx, id, Field::Body(v), now, tz)?;
                repo::add_event(tx, id, now, src, "body", Some(&task.body), Some(v))?;
            }
            if let Some(p) = edit.priority
                && p != task.priority
            {
                repo::set_field(tx, id, Field::Priority(p), now, tz)?;
                repo::add_event(
                    tx,
                    id,
                    now,
                    src,
                    "priority",
                    Some(&task.priority.to_string()),
                    Some(&p.to_string()),
                )?;
            }
            if let Some(d) = &edit.due
                && *d != task.due
            {
                repo::set_field(tx, id, Field::Due(d.as_ref()), now, tz)?;
                let old = task.due.map(|d| d.to_stored());
                let new = d.map(|d| d.to_stored());
                repo::add_event(tx, id, now, src, "due", old.as_deref(), new.as_deref())?;
            }
            for t in &add_tags {
                if repo::add_tag(tx, id, t)? {
                    repo::add_event(tx, id, now, src, "tag", None, Some(t))?;
                    repo::touch(tx, id, now)?;
                }
            }
            for t in &remove_tags {
                if repo::remove_tag(tx, id, t)? {
                    repo::add_event(tx, id, now, src, "tag", Some(t), None)?;
                    repo::touch(tx, id, now)?;
                }
            }
            for d in &edit.add_depends {
                if *d == id {
                    return Err(Error::user(format!("task {id} cannot depend on itself")));
                }
                if !repo::exists(tx, *d)? {
                    return Err(Error::user(format!(
                        "task {d} (in --depends) does not exist"
                    )));
                }
                if repo::depends_transitively(tx, *d, id)? {
                    return Err(Error::user(format!(
                        "task {d} already depends on task {id}; this would make a cycle"
                    )));
                }
                if !task.depends_on.contains(d) {
                    repo::add_dep(tx, id, *d)?;
                    repo::add_event(tx, id, now, src, "depends_on", None, Some(&d.to_string()))?;
                    repo::touch(tx, id, now)?;
                }
            }
            Ok(())
        })?;
        load(self.store.conn(), id)
    }

    /// Split a task into sub-tasks; they inherit its priority, due date and tags.
    pub fn split_task(&self, id: i64, titles: &[String], source: Source) -> Result<Vec<Task>> {
        if titles.is_empty() {
            return Err(Error::user("give at least one sub-task title"));
        }
        let titles = titles
            .iter()
            .map(|t| clean_title(t))
            .collect::<Result<Vec<_>>>()?;
        let now = self.now();
        let tz = self.tz;
        let ids = self.store.write(|tx| {
            let parent = load(tx, id)?;
            if parent.status.is_closed() {
                return Err(Error::user(format!(
                    "task {id} is {}; reopen it before splitting",
                    parent.status
                )));
            }
            let mut ids = Vec::new();
            for title in &titles {
                let child = repo::insert(
                    tx,
                    &InsertTask {
                        title,
                        body: "",
                        status: TaskStatus::Pending,
                        priority: parent.priority,
                        due: parent.due.as_ref(),
                        parent: Some(id),
                        claimed_by: None,
                        source: source.as_str(),
                        created_at: now,
                        updated_at: now,
                        closed_at: None,
                        id: None,
                    },
                    tz,
                )?;
                for t in &parent.tags {
                    repo::add_tag(tx, child, t)?;
                }
                repo::add_event(
                    tx,
                    child,
                    now,
                    source.as_str(),
                    "created",
                    None,
                    Some(title),
                )?;
                repo::add_event(
                    tx,
                    id,
                    now,
                    source.as_str(),
                    "subtask",
                    None,
                    Some(&child.to_string()),
                )?;
                ids.push(child);
            }
            repo::touch(tx, id, now)?;
            Ok(ids)
        })?;
        ids.into_iter()
            .map(|i| load(self.store.conn(), i))
            .collect()
    }

    pub fn claim_task(&self, id: i64, who: &str, source: Source) -> Result<Task> {
        let who = who.trim();
        if who.is_empty() {
            return Err(Error::user("say who claims the task: --as NAME"));
        }
        let now = self.now();
        self.store.write(|tx| {
            let task = load(tx, id)?;
            if task.status.is_closed() {
                return Err(Error::user(format!(
                    "task {id} is {}; there is nothing to claim",
                    task.status
                )));
            }
            if !repo::claim(tx, id, who, now)? {
                let holder = task.claimed_by.unwrap_or_default();
                return Err(
                    Error::user(format!("task {id} is already claimed by {holder}")).hint(format!(
                        "ask {holder} to release it (`jr tasks release {id}`)"
                    )),
                );
            }
            if task.claimed_by.as_deref() != Some(who) {
                repo::add_event(
                    tx,
                    id,
                    now,
                    source.as_str(),
                    "claimed_by",
                    task.claimed_by.as_deref(),
                    Some(who),
                )?;
            }
            Ok(())
        })?;
        load(self.store.conn(), id)
    }

    pub fn release_task(&self, id: i64, source: Source) -> Result<Task> {
        let now = self.now();
        self.store.write(|tx| {
            let task = load(tx, id)?;
            if let Some(holder) = &task.claimed_by {
                repo::release(tx, id, now)?;
                repo::add_event(
                    tx,
                    id,
                    now,
                    source.as_str(),
                    "claimed_by",
                    Some(holder),
                    None,
                )?;
            }
            Ok(())
        })?;
        load(self.store.conn(), id)
    }

    pub fn remove_task(&self, id: i64) -> Result<Task> {
        self.store.write(|tx| {
            let task = load(tx, id)?;
            let kids = repo::children(tx, id)?;
            if !kids.is_empty() {
                let ids: Vec<String> = kids.iter().map(|k| format!("#{}", k.id)).collect();
                return Err(Error::user(format!(
                    "task {id} has sub-tasks ({}); remove them first",
                    ids.join(", ")
                )));
            }
            repo::delete(tx, id)?;
            Ok(task)
        })
    }

    /// Every task (or only open ones) with its events, oldest first, for export.
    pub fn export_tasks(&self, all: bool) -> Result<Vec<TaskRecord>> {
        let conn = self.store.conn();
        let filter = TaskFilter {
            all,
            ..Default::default()
        };
        let mut tasks = repo::list(conn, &filter)?;
        tasks.sort_by_key(|t| t.id);
        tasks
            .into_iter()
            .map(|t| {
                let events = repo::events(conn, t.id)?;
                Ok(TaskRecord::from_task(&t, self.tz, Some(events)))
            })
            .collect()
    }

    /// Import records (from `export`, in one transaction). Ids are kept when free;
    /// a record whose id holds the same task (same title and creation time) is a
    /// duplicate and skipped; otherwise it gets a new id and references follow it.
    pub fn import_tasks(&self, records: Vec<TaskRecord>) -> Result<ImportReport> {
        let tz = self.tz;
        let now = self.now();
        self.store.write(|tx| {
            let mut report = ImportReport::default();
            let mut map: HashMap<i64, i64> = HashMap::new();
            let mut fresh: Vec<&TaskRecord> = Vec::new();
            for r in &records {
                let title = clean_title(&r.title)?;
                if let Some(old) = repo::get(tx, r.id)?
                    && old.title == title
                    && old.created_at == r.created_at
                {
                    report.skipped_duplicates += 1;
                    map.insert(r.id, r.id);
                    continue;
                }
                // Records without an id of their own (taskwarrior) carry id <= 0.
                let keep = r.id > 0 && !repo::exists(tx, r.id)?;
                let status = r.status;
                let id = repo::insert(
                    tx,
                    &InsertTask {
                        title: &title,
                        body: &r.body,
                        status,
                        priority: r.priority,
                        due: r.due_value(tz).as_ref(),
                        parent: None,
                        claimed_by: r.claimed_by.as_deref(),
                        source: r.source.as_deref().unwrap_or("import"),
                        created_at: r.created_at,
                        updated_at: r.updated_at.unwrap_or(r.created_at),
                        closed_at: r
                            .closed_at
                            .or_else(|| status.is_closed().then(|| r.updated_at.unwrap_or(now))),
                        id: keep.then_some(r.id),
                    },
                    tz,
                )?;
                if !keep && r.id > 0 {
                    report.renumbered.push((r.id, id));
                }
                map.insert(r.id, id);
                for t in &r.tags {
                    repo::add_tag(tx, id, &normalize_tag(t).map_err(Error::user)?)?;
                }
                match &r.events {
                    Some(evs) if !evs.is_empty() => {
                        for e in evs {
                            repo::add_event(
                                tx,
                                id,
                                e.at,
                                &e.source,
                                &e.field,
                                e.old.as_deref(),
                                e.new.as_deref(),
                            )?;
                        }
                    }
                    _ => repo::add_event(
                        tx,
                        id,
                        now,
                        Source::Import.as_str(),
                        "created",
                        None,
                        Some(&title),
                    )?,
                }
                report.imported += 1;
                fresh.push(r);
            }
            // References second, once every id in the file is known.
            for r in fresh {
                let id = map[&r.id];
                let resolve = |x: i64| -> Result<i64> {
                    match map.get(&x) {
                        Some(v) => Ok(*v),
                        None if repo::exists(tx, x)? => Ok(x),
                        None => Err(Error::user(format!(
                            "task {} refers to task {x}, which is neither in the file nor here",
                            r.id
                        ))),
                    }
                };
                if let Some(p) = r.parent {
                    let p = resolve(p)?;
                    tx.prepare_cached("UPDATE tasks SET parent = ?2 WHERE id = ?1")?
                        .execute([id, p])?;
                }
                for d in &r.depends_on {
                    repo::add_dep(tx, id, resolve(*d)?)?;
                }
            }
            Ok(report)
        })
    }
}

fn flow_hint(from: TaskStatus) -> String {
    let next = match from {
        TaskStatus::Pending => "start, done or cancel",
        TaskStatus::InProgress => "review, done or cancel",
        TaskStatus::Review => "done, start (back to work) or cancel",
        TaskStatus::Done | TaskStatus::Cancelled => "reopen",
    };
    format!("from {from} the flow allows: {next}")
}
