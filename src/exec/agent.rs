//! The `agent` kind: run the job's `collect` commands, render its prompt
//! template with jr's data and the upstream run, run the configured agent
//! (recorded as an agent execution linked to this run), stream the answer
//! into the run's output, make it the run's result and optionally write it
//! to a file. It reads jr's data through the engine (`Shared`), never SQL;
//! nothing is printed — model loading and failures become output lines and
//! the run's error.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use super::{BoxFuture, Event, Events, Executor, Outcome, RunCtx, Stream, note};
use crate::clients::llm::Chunk;
use crate::domain::agent::tool_start_line;
use crate::domain::{AgentSpec, Collect, JobSpec};
use crate::engine::agent_run::run_agent;
use crate::engine::shared::Shared;

/// A collect command is stopped after this long.
const COLLECT_TIMEOUT: Duration = Duration::from_secs(60);
/// Bytes of a collect command's output kept for the prompt.
const COLLECT_CAP: usize = 64 * 1024;

pub struct AgentExecutor {
    db: Shared,
}

impl AgentExecutor {
    pub fn new(db: Shared) -> AgentExecutor {
        AgentExecutor { db }
    }
}

impl Executor for AgentExecutor {
    fn execute<'a>(
        &'a self,
        ctx: &'a RunCtx,
        events: Events,
        stop: CancellationToken,
    ) -> BoxFuture<'a, Outcome> {
        Box::pin(self.run(ctx, events, stop))
    }
}

impl AgentExecutor {
    async fn run(&self, ctx: &RunCtx, events: Events, stop: CancellationToken) -> Outcome {
        let JobSpec::Agent(spec) = &ctx.job.spec else {
            return Outcome::failed(format!("job {} is not an agent job", ctx.job.name));
        };
        let spec: AgentSpec = spec.clone();
        let mut collected = BTreeMap::new();
        for c in &spec.collect {
            note(&events, format!("[jr] collect {}: {}", c.name, c.command)).await;
            let text = tokio::select! {
                t = collect(c) => t,
                _ = stop.cancelled() => return Outcome::failed("stopped while collecting"),
            };
            collected.insert(c.name.clone(), text);
        }
        let job = ctx.job.clone();
        let upstream = ctx.upstream.clone();
        let task = ctx.task.clone();
        let params = ctx.params.clone();
        let prepared = self
            .db
            .call(move |e| {
                let tz = e.job_tz(&job);
                let (up, t) = (upstream.as_ref(), task.as_ref());
                let mut prompt =
                    e.render_job_template(&spec.prompt, tz, &collected, (up, t), &params)?;
                // A template that does not mention its task still hands it on.
                if let Some(t) = t
                    && !spec.prompt.contains("task.")
                {
                    prompt.push_str("\n\n");
                    prompt.push_str(&crate::engine::handoff::agent_prompt(t));
                }
                let path = spec
                    .output_file
                    .as_deref()
                    .map(|p| e.render_job_template(p, tz, &collected, (up, t), &params))
                    .transpose()?;
                let mut inv = e.prepare_agent(&spec.agent, &prompt)?;
                inv.task_id = t.map(|t| t.id);
                Ok((inv, path))
            })
            .await;
        let (inv, path) = match prepared {
            Ok(p) => p,
            Err(e) => return Outcome::failed(e.message),
        };
        note(
            &events,
            format!("[jr] agent {} on {}", inv.agent, inv.model),
        )
        .await;
        // Pieces arrive mid-line: whole lines go to the log as they complete.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Chunk>();
        let forward = {
            let events = events.clone();
            tokio::spawn(async move {
                let mut line = String::new();
                while let Some(c) = rx.recv().await {
                    match c {
                        Chunk::Loading { model } => {
                            note(
                                &events,
                                format!(
                                    "[jr] loading model {model}… (a cold load can take minutes)"
                                ),
                            )
                            .await
                        }
                        Chunk::Delta(d) => {
                            line.push_str(&d);
                            while let Some(i) = line.find('\n') {
                                let text: String = line.drain(..=i).collect();
                                let text = text.trim_end_matches(['\n', '\r']).to_string();
                                let _ = events
                                    .send(Event::Line {
                                        stream: Stream::Out,
                                        text,
                                    })
                                    .await;
                            }
                        }
                        Chunk::ToolCall {
                            server,
                            tool,
                            arguments,
                        } => {
                            // A tool call starts its own line.
                            if !line.is_empty() {
                                let text = std::mem::take(&mut line);
                                let _ = events
                                    .send(Event::Line {
                                        stream: Stream::Out,
                                        text,
                                    })
                                    .await;
                            }
                            note(
                                &events,
                                format!("[jr] {}", tool_start_line(&server, &tool, &arguments)),
                            )
                            .await
                        }
                        Chunk::ToolDone(r) => note(&events, format!("[jr] {}", r.end_line())).await,
                        Chunk::Done(_) => {}
                    }
                }
                if !line.is_empty() {
                    let _ = events
                        .send(Event::Line {
                            stream: Stream::Out,
                            text: line,
                        })
                        .await;
                }
            })
        };
        let mut on = move |c: Chunk| {
            let _ = tx.send(c);
        };
        let done = run_agent(&self.db, inv, Some(ctx.run_id), stop, &mut on).await;
        drop(on);
        let _ = forward.await;
        let done = match done {
            Ok(d) => d,
            Err(e) => return Outcome::failed(e.message),
        };
        if let Some(e) = done.error {
            let mut msg = e.message;
            for h in e.hints {
                msg.push_str(&format!("; {h}"));
            }
            return Outcome::failed(msg);
        }
        if done.run.status != crate::domain::agent::AgentRunStatus::Success {
            return Outcome::failed(done.run.error.unwrap_or_else(|| "the agent stopped".into()));
        }
        let output = done.run.output;
        if let Some(p) = path {
            let p = super::shell::expand_home(&p);
            let written = async {
                if let Some(dir) = std::path::Path::new(&p).parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                tokio::fs::write(&p, &output).await
            };
            if let Err(e) = written.await {
                return Outcome {
                    result: Some(output),
                    ..Outcome::failed(format!("the answer could not be written to {p}: {e}"))
                };
            }
            note(&events, format!("[jr] answer written to {p}")).await;
        }
        Outcome {
            cancelled: false,
            success: true,
            exit_code: None,
            error: None,
            result: Some(output),
        }
    }
}

/// A collect command's stdout (capped); a failure is described in its place,
/// so one broken source does not cost the whole briefing.
async fn collect(c: &Collect) -> String {
    let child = Command::new("sh")
        .arg("-c")
        .arg(&c.command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(ch) => ch,
        Err(e) => return format!("[collect {} could not start: {e}]", c.name),
    };
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    // Both pipes read at once, the excess drained, so the child never blocks.
    let work = async {
        let read_o = async {
            let mut o = Vec::new();
            if let Some(s) = out.as_mut() {
                let _ = s.take(COLLECT_CAP as u64).read_to_end(&mut o).await;
                let _ = tokio::io::copy(s, &mut tokio::io::sink()).await;
            }
            o
        };
        let read_e = async {
            let mut e = Vec::new();
            if let Some(s) = err.as_mut() {
                let _ = s.take(4096).read_to_end(&mut e).await;
                let _ = tokio::io::copy(s, &mut tokio::io::sink()).await;
            }
            e
        };
        let (o, e) = tokio::join!(read_o, read_e);
        (o, e, child.wait().await)
    };
    match tokio::time::timeout(COLLECT_TIMEOUT, work).await {
        Err(_) => format!(
            "[collect {} timed out after {}s]",
            c.name,
            COLLECT_TIMEOUT.as_secs()
        ),
        Ok((o, e, status)) => {
            let text = String::from_utf8_lossy(&o).trim_end().to_string();
            match status {
                Ok(s) if s.success() => text,
                Ok(s) => format!(
                    "{text}\n[collect {} failed ({s}): {}]",
                    c.name,
                    String::from_utf8_lossy(&e).trim()
                ),
                Err(e) => format!("[collect {} failed: {e}]", c.name),
            }
        }
    }
}
