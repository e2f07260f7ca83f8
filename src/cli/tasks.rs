//! `jr tasks ...`: add, list, ready, show, the status flow, edit, split, claim,
//! release, rm, export and import.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Ctx;
use super::output::{self, Table, fit, one_line, paint};
use super::tasks_list::{ListArgs, TASK_COLUMNS, status_style, task_cells};
use crate::domain::task::Transition;
use crate::domain::{Due, NewTask, Priority, Source, Task};
use crate::engine::views::{TaskDetailOut, TaskRecord};
use crate::engine::{Engine, TaskEdit, taskwarrior};
use crate::error::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum TasksCmd {
    /// Add a task and print it.
    Add(AddArgs),
    /// List tasks (open ones unless --status or --all).
    #[command(alias = "ls")]
    List(ListArgs),
    /// Pending tasks that can be started now, in the order to take them.
    Ready(ReadyArgs),
    /// One task with its sub-tasks, dependencies and history.
    Show(ShowArgs),
    /// pending/review → in_progress.
    Start(MoveArgs),
    /// in_progress → review.
    Review(MoveArgs),
    /// → done (refused while a dependency is open; a parent with open sub-tasks needs --force).
    Done(MoveArgs),
    /// done/cancelled → pending.
    Reopen(MoveArgs),
    /// → cancelled.
    Cancel(MoveArgs),
    /// Change a task's fields.
    Edit(EditArgs),
    /// Split a task into sub-tasks (they inherit priority, due date and tags).
    Split(SplitArgs),
    /// Claim a task for someone (fails if someone else holds it).
    Claim(ClaimArgs),
    /// Give up the claim on a task.
    Release(IdArgs),
    /// Hand a task to an agent or a job; it moves on when the work ends.
    Assign(super::assign::AssignArgs),
    /// Add a note to a task (kept in its history, handed to its work).
    Note(NoteArgs),
    /// Delete a task for good.
    Rm(RmArgs),
    /// Print tasks as JSON lines (with their history) for `import`.
    Export(ExportArgs),
    /// Read tasks from a jr export (JSON lines) or taskwarrior's `task export`.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The title (Korean welcome).
    pub title: String,
    /// Markdown notes.
    #[arg(long, short)]
    pub body: Option<String>,
    /// p0 (most urgent) .. p3.
    #[arg(long, short, default_value = "p2")]
    pub priority: Priority,
    /// YYYY-MM-DD, RFC 3339, today, tomorrow, +3d, +2w, +4h.
    #[arg(long)]
    pub due: Option<String>,
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    pub tags: Vec<String>,
    /// Make it a sub-task of this task.
    #[arg(long)]
    pub parent: Option<i64>,
    /// Task ids this one waits for.
    #[arg(long = "depends", value_name = "ID")]
    pub depends: Vec<i64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReadyArgs {
    /// Count tasks claimed by this name as ready too.
    #[arg(long = "as", value_name = "NAME")]
    pub who: Option<String>,
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub id: i64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    pub id: i64,
    /// Close a parent even though sub-tasks are open.
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    pub id: i64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub id: i64,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long, short)]
    pub body: Option<String>,
    #[arg(long, short)]
    pub priority: Option<Priority>,
    /// A new due date, or "none" to clear it.
    #[arg(long)]
    pub due: Option<String>,
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    pub tags: Vec<String>,
    #[arg(long = "untag", value_name = "TAG")]
    pub untags: Vec<String>,
    #[arg(long = "depends", value_name = "ID")]
    pub depends: Vec<i64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SplitArgs {
    pub id: i64,
    /// One title per sub-task.
    #[arg(required = true)]
    pub titles: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ClaimArgs {
    pub id: i64,
    /// Who works on it (an agent or person name).
    #[arg(long = "as", value_name = "NAME")]
    pub who: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    pub id: i64,
    /// The note (Korean welcome).
    pub text: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    pub id: i64,
    /// Do not ask.
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Include done and cancelled tasks.
    #[arg(long, short)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A file, or - for stdin.
    pub file: PathBuf,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, cmd: TasksCmd) -> Result<i32> {
    let engine = ctx.engine()?;
    let e = &engine;
    match cmd {
        TasksCmd::Add(a) => {
            let due = a
                .due
                .as_deref()
                .map(|d| Due::parse(d, e.now(), e.tz()))
                .transpose()
                .map_err(Error::user)?;
            let task = e.add_task(
                NewTask {
                    title: a.title,
                    body: a.body.unwrap_or_default(),
                    priority: a.priority,
                    due,
                    tags: a.tags,
                    parent: a.parent,
                    depends_on: a.depends,
                },
                Source::Cli,
            )?;
            print_one(e, &task, a.json, "added")
        }
        TasksCmd::List(a) => super::tasks_list::run(e, a),
        TasksCmd::Ready(a) => print_list(
            e,
            &e.ready_tasks(a.who.as_deref(), a.limit)?,
            a.json,
            "nothing is ready: no pending task is free of open dependencies",
        ),
        TasksCmd::Show(a) => {
            let d = e.task_detail(a.id)?;
            if a.json {
                output::json(&TaskDetailOut::new(&d, e.tz()))?;
            } else {
                output::out(&render_detail(e, &d))?;
            }
            Ok(0)
        }
        TasksCmd::Start(a) => transition(e, a, Transition::Start),
        TasksCmd::Review(a) => transition(e, a, Transition::Review),
        TasksCmd::Done(a) => transition(e, a, Transition::Done),
        TasksCmd::Reopen(a) => transition(e, a, Transition::Reopen),
        TasksCmd::Cancel(a) => transition(e, a, Transition::Cancel),
        TasksCmd::Edit(a) => {
            let due = match a.due.as_deref() {
                None => None,
                Some("none") | Some("") => Some(None),
                Some(d) => Some(Some(Due::parse(d, e.now(), e.tz()).map_err(Error::user)?)),
            };
            let edit = TaskEdit {
                title: a.title,
                body: a.body,
                priority: a.priority,
                due,
                add_tags: a.tags,
                remove_tags: a.untags,
                add_depends: a.depends,
            };
            let task = e.edit_task(a.id, edit, Source::Cli)?;
            print_one(e, &task, a.json, "updated")
        }
        TasksCmd::Split(a) => {
            let kids = e.split_task(a.id, &a.titles, Source::Cli)?;
            if a.json {
                return print_list(e, &kids, true, "");
            }
            output::out(&format!("split #{} into {} sub-tasks\n", a.id, kids.len()))?;
            print_list(e, &kids, false, "")
        }
        TasksCmd::Claim(a) => {
            let task = e.claim_task(a.id, &a.who, Source::Cli)?;
            print_one(e, &task, a.json, "claimed")
        }
        TasksCmd::Release(a) => {
            let task = e.release_task(a.id, Source::Cli)?;
            print_one(e, &task, a.json, "released")
        }
        TasksCmd::Assign(a) => super::assign::run(ctx, engine, a),
        TasksCmd::Note(a) => {
            let task = e.add_task_note(a.id, &a.text, Source::Cli)?;
            print_one(e, &task, a.json, "noted")
        }
        TasksCmd::Rm(a) => {
            let task = e.get_task(a.id)?;
            if !a.yes {
                super::confirm(&format!("remove task #{} {:?}?", task.id, task.title))?;
            }
            let task = e.remove_task(a.id)?;
            output::out(&format!("removed #{} {}\n", task.id, task.title))?;
            Ok(0)
        }
        TasksCmd::Export(a) => {
            let mut s = String::new();
            for r in e.export_tasks(a.all)? {
                s.push_str(&serde_json::to_string(&r).map_err(|e| Error::user(e.to_string()))?);
                s.push('\n');
            }
            output::out(&s)?;
            Ok(0)
        }
        TasksCmd::Import(a) => {
            let text = if a.file.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                s
            } else {
                std::fs::read_to_string(&a.file).map_err(|err| {
                    Error::user(format!("cannot read {}: {err}", a.file.display()))
                })?
            };
            let records = parse_import(&text, e)?;
            let report = e.import_tasks(records)?;
            if a.json {
                output::json(&report)?;
            } else {
                let mut s = format!("imported {} tasks", report.imported);
                if report.skipped_duplicates > 0 {
                    s.push_str(&format!(
                        ", skipped {} already here",
                        report.skipped_duplicates
                    ));
                }
                s.push('\n');
                for (from, to) in &report.renumbered {
                    s.push_str(&format!("  #{from} was taken; it is now #{to}\n"));
                }
                output::out(&s)?;
            }
            Ok(0)
        }
    }
}

/// JSON lines from `export`, or a JSON array (jr's or taskwarrior's).
fn parse_import(text: &str, e: &Engine) -> Result<Vec<TaskRecord>> {
    let trimmed = text.trim_start();
    let values: Vec<serde_json::Value> = if trimmed.starts_with('[') {
        serde_json::from_str(trimmed)
            .map_err(|err| Error::user(format!("the file is not valid JSON: {err}")))?
    } else {
        trimmed
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l)
                    .map_err(|err| Error::user(format!("line {}: not valid JSON: {err}", i + 1)))
            })
            .collect::<Result<_>>()?
    };
    if values.first().is_some_and(taskwarrior::is_taskwarrior) {
        return Ok(taskwarrior::convert(&values, e.now()));
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v)
                .map_err(|err| Error::user(format!("record {}: not a jr task: {err}", i + 1)))
        })
        .collect()
}

fn transition(e: &Engine, a: MoveArgs, t: Transition) -> Result<i32> {
    let task = e.transition(a.id, t, a.force, Source::Cli)?;
    print_one(e, &task, a.json, task.status.as_str())
}

fn print_one(e: &Engine, t: &Task, json: bool, verb: &str) -> Result<i32> {
    if json {
        output::json(&TaskRecord::from_task(t, e.tz(), None))?;
    } else {
        output::out(&format!(
            "{} #{} {} {}\n",
            verb,
            t.id,
            paint(status_style(t.status), t.status.as_str()),
            one_line(&t.title)
        ))?;
    }
    Ok(0)
}

fn print_list(e: &Engine, tasks: &[Task], json: bool, empty: &str) -> Result<i32> {
    if json {
        let recs: Vec<TaskRecord> = tasks
            .iter()
            .map(|t| TaskRecord::from_task(t, e.tz(), None))
            .collect();
        output::json(&recs)?;
        return Ok(0);
    }
    if tasks.is_empty() {
        if !empty.is_empty() {
            output::out(&format!("{empty}\n"))?;
        }
        return Ok(0);
    }
    output::out(&task_table(e, tasks).render())?;
    Ok(0)
}

fn task_table(e: &Engine, tasks: &[Task]) -> Table {
    let mut table = Table::new(&TASK_COLUMNS);
    for t in tasks {
        table.row(task_cells(e, t));
    }
    table
}

fn render_detail(e: &Engine, d: &crate::engine::TaskDetail) -> String {
    let t = &d.task;
    let tz = e.tz();
    let mut s = format!(
        "{} {}\n",
        paint(output::BOLD, &format!("#{}", t.id)),
        paint(output::BOLD, &t.title)
    );
    let mut field = |k: &str, v: String| {
        s.push_str(&format!(
            "  {}{v}\n",
            paint(output::DIM, &format!("{k:<12}"))
        ))
    };
    field("status", paint(status_style(t.status), t.status.as_str()));
    field("priority", t.priority.to_string());
    if let Some(due) = t.due {
        let rel = crate::domain::due::relative(due.deadline(tz), e.now());
        field("due", format!("{} ({rel})", due.to_stored()));
    }
    if !t.tags.is_empty() {
        field("tags", t.tags.join(", "));
    }
    if let Some(p) = t.parent {
        field("parent", format!("#{p}"));
    }
    if !t.depends_on.is_empty() {
        let ids: Vec<String> = t.depends_on.iter().map(|i| format!("#{i}")).collect();
        field("depends on", ids.join(", "));
    }
    if !d.blocked_by.is_empty() {
        let ids: Vec<String> = d
            .blocked_by
            .iter()
            .map(|(i, _, st)| format!("#{i} ({st})"))
            .collect();
        field("blocked by", paint(output::YELLOW, &ids.join(", ")));
    }
    if !d.dependents.is_empty() {
        let ids: Vec<String> = d.dependents.iter().map(|i| format!("#{i}")).collect();
        field("blocks", ids.join(", "));
    }
    if let Some(c) = &t.claimed_by {
        field("claimed by", c.clone());
    }
    field("source", t.source.clone());
    field(
        "created",
        t.created_at
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
    );
    field(
        "updated",
        t.updated_at
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
    );
    if let Some(c) = t.closed_at {
        field(
            "closed",
            c.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        );
    }
    if !t.body.is_empty() {
        s.push('\n');
        for l in t.body.lines() {
            s.push_str(&format!("  {l}\n"));
        }
    }
    if !d.subtasks.is_empty() {
        s.push_str(&format!("\n{}\n", paint(output::BOLD, "sub-tasks")));
        s.push_str(&task_table(e, &d.subtasks).render());
    }
    if !d.work.is_empty() {
        s.push_str(&format!("\n{}\n", paint(output::BOLD, "work")));
        for w in &d.work {
            let who = w.job.as_deref().or(w.agent.as_deref()).unwrap_or("");
            let when = w
                .started_at
                .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            s.push_str(&format!(
                "  {:<9} #{:<5} {:<20} {}  {}\n",
                w.kind,
                w.id,
                one_line(&fit(who, 20)),
                paint(super::jobs::run_status_style(&w.status), &w.status),
                paint(output::DIM, &when)
            ));
        }
    }
    // Notes whole (a link in a result stays one clickable piece); the
    // history below shows them cut to a line.
    let notes: Vec<&crate::domain::TaskEvent> =
        d.events.iter().filter(|e| e.field == "note").collect();
    if !notes.is_empty() {
        s.push_str(&format!("\n{}\n", paint(output::BOLD, "notes")));
        for ev in notes {
            let at = ev
                .at
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string();
            s.push_str(&format!("  {}  {}\n", paint(output::DIM, &at), ev.source));
            for l in ev.new.as_deref().unwrap_or("").lines() {
                s.push_str(&format!("    {}\n", one_line(l)));
            }
        }
    }
    if !d.events.is_empty() {
        s.push_str(&format!("\n{}\n", paint(output::BOLD, "history")));
        for ev in &d.events {
            let change = match (&ev.old, &ev.new) {
                (None, Some(n)) => format!("{} {}", ev.field, one_line(&fit(n, 50))),
                (Some(o), None) => format!("{} removed {}", ev.field, one_line(&fit(o, 50))),
                (Some(o), Some(n)) => format!(
                    "{}: {} → {}",
                    ev.field,
                    one_line(&fit(o, 30)),
                    one_line(&fit(n, 30))
                ),
                (None, None) => ev.field.clone(),
            };
            s.push_str(&format!(
                "  {}  {:<6} {change}\n",
                paint(
                    output::DIM,
                    &ev.at
                        .with_timezone(&tz)
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                ),
                ev.source
            ));
        }
    }
    s
}
