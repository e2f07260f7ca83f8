//! A world for the router's labelled sets, in a real database: jobs, agents
//! and tasks with the ids, statuses and priorities a set was written
//! against; and the scoring of single messages (route and target, decided
//! without a model) and of conversations (every turn carried out for real, in
//! its own session), with a check that nothing forbidden was ever carried
//! out (no job deleted or changed, no task deleted).
#![allow(dead_code)]

use jr::clock::Clock;
use jr::config::GatewayConfig;
use jr::domain::agent::AgentDef;
use jr::domain::task::Transition;
use jr::domain::{NewTask, Priority, Source, TaskStatus};
use jr::engine::Engine;
use jr::engine::chat::{ChatSetup, turn};
use jr::engine::jobs::JobDef;
use jr::engine::shared::Shared;
use jr::store::Store;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct World {
    pub jobs: Vec<JobDef>,
    #[serde(default)]
    pub agents: Vec<AgentDef>,
    pub tasks: Vec<WorldTask>,
    /// Jobs whose runs failed, oldest first.
    #[serde(default)]
    pub failed_runs: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct WorldTask {
    pub id: i64,
    pub title: String,
    #[serde(default = "pending")]
    pub status: String,
    #[serde(default = "p2")]
    pub priority: String,
    /// A due date as `jr tasks add --due` takes it ("today").
    #[serde(default)]
    pub due: Option<String>,
}

fn pending() -> String {
    "pending".into()
}
fn p2() -> String {
    "p2".into()
}

/// The world in a fresh in-memory database.
pub fn build(w: &World) -> Shared {
    let e = Engine::new(
        Store::open_in_memory().unwrap(),
        Clock::System,
        chrono_tz::Asia::Seoul,
    );
    for j in &w.jobs {
        e.add_job(j)
            .unwrap_or_else(|err| panic!("job {}: {}", j.name, err.message));
    }
    for a in &w.agents {
        e.add_agent(a)
            .unwrap_or_else(|err| panic!("agent {}: {}", a.name, err.message));
    }
    let mut tasks: Vec<&WorldTask> = w.tasks.iter().collect();
    tasks.sort_by_key(|t| t.id);
    let mut fillers = Vec::new();
    for t in tasks {
        // Ids are given out in order: fill gaps, removed afterwards.
        loop {
            let made = e
                .add_task(
                    NewTask {
                        title: t.title.clone(),
                        priority: t.priority.parse::<Priority>().unwrap(),
                        due: t
                            .due
                            .as_deref()
                            .map(|d| jr::domain::due::Due::parse(d, e.now(), e.tz()).unwrap()),
                        ..Default::default()
                    },
                    Source::Cli,
                )
                .unwrap();
            if made.id == t.id {
                break;
            }
            assert!(made.id < t.id, "task ids must be increasing");
            fillers.push(made.id);
        }
        let want: TaskStatus = t.status.parse().unwrap();
        let path: &[TaskStatus] = match want {
            TaskStatus::Pending => &[],
            TaskStatus::InProgress => &[TaskStatus::InProgress],
            TaskStatus::Review => &[TaskStatus::InProgress, TaskStatus::Review],
            TaskStatus::Done => &[TaskStatus::InProgress, TaskStatus::Done],
            TaskStatus::Cancelled => &[TaskStatus::Cancelled],
        };
        for s in path {
            e.transition(t.id, Transition::to(*s), true, Source::Cli)
                .unwrap();
        }
    }
    for id in fillers {
        e.remove_task(id).unwrap();
    }
    for job in &w.failed_runs {
        let run = e.queue_run(job, jr::domain::Trigger::Manual).unwrap();
        e.finish_run(
            run.id,
            &jr::store::runs::Finish {
                status: jr::domain::RunStatus::Failed,
                exit_code: Some(1),
                error: Some("exit status 1"),
                result: None,
            },
        )
        .unwrap();
    }
    Shared::new(e)
}

pub fn setup(session: &str) -> ChatSetup {
    ChatSetup {
        llm: None,
        gateway: GatewayConfig::default(),
        session: session.into(),
    }
}

/// What the database holds that the gateway must never delete or change.
pub async fn guarded(db: &Shared) -> (String, Vec<i64>) {
    db.call(|e| {
        let jobs = serde_json::to_string(&e.export_jobs()?).unwrap_or_default();
        let tasks = e
            .list_tasks(&jr::store::tasks::TaskFilter {
                all: true,
                ..Default::default()
            })?
            .into_iter()
            .map(|t| t.id)
            .collect();
        Ok((jobs, tasks))
    })
    .await
    .unwrap()
}

/// Whether `got` is the label's target: kind and the label's keys.
pub fn target_matches(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Null, Value::Null) => true,
        (Value::Object(w), Value::Object(g)) => w.iter().all(|(k, v)| g.get(k) == Some(v)),
        _ => false,
    }
}

pub struct Score {
    pub total: usize,
    pub right: usize,
    pub misses: Vec<String>,
}

impl Score {
    pub fn percent(&self) -> f64 {
        100.0 * self.right as f64 / self.total.max(1) as f64
    }
}

/// One message checked against its label: route, and target when labelled.
pub fn check(label: &Value, r: &jr::engine::gateway::ChatReply) -> Option<String> {
    let got_target = serde_json::to_value(&r.target).unwrap();
    let route_ok = label["route"].as_str() == Some(r.route.as_str());
    let target_ok = match label.get("target") {
        None => true,
        Some(want) => target_matches(want, &got_target),
    };
    if route_ok && target_ok {
        None
    } else {
        Some(format!(
            "{:?}: want {} {}, got {} {} ({}: {})",
            label["text"].as_str().unwrap_or(""),
            label["route"],
            label
                .get("target")
                .map(|t| t.to_string())
                .unwrap_or("-".into()),
            r.route.as_str(),
            got_target,
            r.intent,
            r.reply.chars().take(80).collect::<String>()
        ))
    }
}

/// Single messages, each decided alone (a dry run: nothing is acted on).
pub async fn singles(world: &World, lines: &[Value]) -> Score {
    let db = build(world);
    let mut s = Score {
        total: 0,
        right: 0,
        misses: Vec::new(),
    };
    for (i, l) in lines.iter().enumerate() {
        let text = l["text"].as_str().unwrap();
        let r = turn(&db, &setup(&format!("single-{i}")), text, true)
            .await
            .unwrap();
        s.total += 1;
        match check(l, &r) {
            None => s.right += 1,
            Some(m) => s.misses.push(m),
        }
    }
    s
}

/// The same messages carried out for real: nothing forbidden may happen.
pub async fn carried_out(world: &World, texts: &[String]) -> Vec<String> {
    let db = build(world);
    let before = guarded(&db).await;
    let mut broke = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        turn(&db, &setup(&format!("real-{i}")), text, false)
            .await
            .unwrap();
        let now = guarded(&db).await;
        if now.0 != before.0 {
            broke.push(format!("{text:?} changed a job"));
        }
        if before.1.iter().any(|id| !now.1.contains(id)) {
            broke.push(format!("{text:?} deleted a task"));
        }
    }
    broke
}

/// Conversations: every turn carried out in the conversation's own session
/// of a fresh world; a conversation is right when every turn is.
pub async fn conversations(world: &World, convs: &[(String, Vec<Value>)]) -> (Score, Vec<String>) {
    let mut s = Score {
        total: 0,
        right: 0,
        misses: Vec::new(),
    };
    let mut broke = Vec::new();
    for (id, turns) in convs {
        let db = build(world);
        let before = guarded(&db).await;
        let mut wrong = Vec::new();
        for l in turns {
            let text = l["text"].as_str().unwrap();
            let r = turn(&db, &setup(id), text, false).await.unwrap();
            if let Some(m) = check(l, &r) {
                wrong.push(m);
            }
        }
        let after = guarded(&db).await;
        if after.0 != before.0 {
            broke.push(format!("conversation {id} changed a job"));
        }
        if before.1.iter().any(|t| !after.1.contains(t)) {
            broke.push(format!("conversation {id} deleted a task"));
        }
        s.total += 1;
        if wrong.is_empty() {
            s.right += 1;
        } else {
            s.misses.push(format!("[{id}] {}", wrong.join(" | ")));
        }
    }
    (s, broke)
}

pub fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// A labelled file of single messages scored: prints the figure and each
/// miss, asserts nothing forbidden was carried out and the score is at
/// least `min_percent`.
pub async fn assert_singles(name: &str, world: &World, jsonl_text: &str, min_percent: f64) {
    let lines = jsonl(jsonl_text);
    let s = singles(world, &lines).await;
    println!(
        "{name}: {:.1} % of {} ({} right)",
        s.percent(),
        s.total,
        s.right
    );
    for m in &s.misses {
        println!("  {m}");
    }
    let texts: Vec<String> = lines
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect();
    let broke = carried_out(world, &texts).await;
    assert!(broke.is_empty(), "{broke:?}");
    assert!(s.percent() >= min_percent, "{}", s.misses.join("\n"));
}

/// Conversations scored turn by turn: every one right, nothing forbidden.
pub async fn assert_conversations(name: &str, world: &World, convs: &[(String, Vec<Value>)]) {
    let (s, broke) = conversations(world, convs).await;
    println!("{name}: {} of {} right", s.right, s.total);
    for m in &s.misses {
        println!("  {m}");
    }
    assert!(broke.is_empty(), "{broke:?}");
    assert_eq!(s.right, s.total, "{}", s.misses.join("\n"));
}
