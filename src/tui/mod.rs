//! The full-screen terminal UI. One direction: terminal events and worker
//! answers arrive on one channel → the keymap turns keys into `Action`s →
//! `App::update` changes state and returns effects → after draining every
//! pending event the loop draws once. The worker thread owns the engine; the
//! loop never touches SQLite. Nothing is drawn without a reason: no events,
//! no frames (the clock ticks once a minute).

pub mod action;
pub mod app;
pub mod chrome;
pub mod draw;
pub mod editor;
pub mod effect;
pub mod filter;
pub mod headless;
pub mod input;
pub mod keymap;
pub mod keys;
pub mod layout;
pub mod palette;
pub mod pane;
pub mod panes;
pub mod sched;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod widgets;
pub mod worker;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use chrono::Timelike;

use self::action::Action;
use self::app::App;
use self::effect::Effect;
use self::worker::{Msg, Response, WorkerState};
use crate::clock::Clock;
use crate::config::Config;
use crate::engine::Engine;
use crate::error::{Error, Result};

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Note when the process started, for the benchmark's "start to first frame".
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// Everything the TUI needs, resolved by the front end (paths, env, config).
pub struct TuiOptions {
    pub engine: Engine,
    pub config: Config,
    pub clock: Clock,
    pub tz: chrono_tz::Tz,
    pub keymap_path: PathBuf,
    /// Where a crash report goes.
    pub state_dir: PathBuf,
    pub me: String,
    pub no_color: bool,
    /// Exit after the first complete frame (benchmark).
    pub bench_first_frame: bool,
    /// Append timings here (benchmark).
    pub bench_log: Option<PathBuf>,
    /// Panic after the first complete frame, to test that a crash restores
    /// the terminal and leaves a report.
    pub crash_test: bool,
    /// Fire jobs while open when no daemon holds the lease (None: never).
    pub scheduler: Option<sched::SchedulerSetup>,
    /// The editor long text opens in (`$VISUAL`, else `$EDITOR`, else `vi`).
    pub editor: String,
}

/// While the user's editor has the terminal, the input thread reads nothing.
static INPUT_PAUSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// The input thread saw the pause and is not reading.
static INPUT_IDLE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

enum Event {
    Term(crossterm::event::Event),
    Worker(Response),
    Scheduling(bool),
    Signal,
}

/// The user's keymap file, if any; unreadable is a warning, not an error.
fn load_keymap(path: &std::path::Path) -> keymap::Keymap {
    let label = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => keymap::Keymap::load(Some((&text, &label))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => keymap::Keymap::load(None),
        Err(e) => {
            let mut km = keymap::Keymap::load(None);
            km.warnings.push(format!(
                "{label}: cannot read it ({e}); the defaults are in force"
            ));
            km
        }
    }
}

/// Time until the clock in the header changes (the next minute), for a live clock.
fn until_tick(clock: &Clock) -> Duration {
    match clock {
        Clock::Fixed(_) => Duration::from_secs(3600),
        Clock::System => {
            let now = clock.now();
            Duration::from_millis(
                60_000 - (now.second() as u64 * 1000 + now.timestamp_subsec_millis() as u64 % 1000),
            )
        }
    }
}

pub fn run(o: TuiOptions) -> Result<()> {
    mark_start();
    let mut app = App::new(app::Options {
        keymap: load_keymap(&o.keymap_path),
        keymap_path: o.keymap_path.display().to_string(),
        theme: theme::Theme::new(o.config.ui.theme, o.no_color),
        tz: o.tz,
        now: o.clock.now(),
        me: o.me.clone(),
        mouse: true,
    });
    let mut bench = o
        .bench_log
        .as_ref()
        .and_then(|p| crate::files::private_append(p).ok());
    terminal::install_panic_hook(o.state_dir.clone());
    let (mut term, guard) = terminal::enter(app.mouse)
        .map_err(|e| Error::system(format!("cannot take the terminal: {e}")))?;
    let io = |e: std::io::Error| Error::system(format!("terminal: {e}"));

    let (tx, rx) = mpsc::channel::<Event>();
    let input_tx = tx.clone();
    std::thread::Builder::new()
        .name("jr-input".into())
        .spawn(move || {
            use std::sync::atomic::Ordering::SeqCst;
            loop {
                if INPUT_PAUSED.load(SeqCst) {
                    INPUT_IDLE.store(true, SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                INPUT_IDLE.store(false, SeqCst);
                // Poll first, so a pause is seen within 50 ms.
                match crossterm::event::poll(Duration::from_millis(50)) {
                    Ok(false) => continue,
                    Ok(true) => {}
                    Err(_) => break,
                }
                let Ok(ev) = crossterm::event::read() else {
                    break;
                };
                if input_tx.send(Event::Term(ev)).is_err() {
                    break;
                }
            }
        })
        .map_err(io)?;
    let sig_tx = tx.clone();
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ])
    .map_err(io)?;
    let sig_handle = signals.handle();
    std::thread::Builder::new()
        .name("jr-signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = sig_tx.send(Event::Signal);
            }
        })
        .map_err(io)?;
    let worker_tx = tx.clone();
    let worker = worker::spawn(
        WorkerState::new(o.engine).with_gateway(o.config.gateway.clone()),
        move |r| worker_tx.send(Event::Worker(r)).is_ok(),
    );
    let sched_tx = tx.clone();
    let scheduler = match o.scheduler {
        Some(setup) => Some(
            sched::start(setup, move |ours| {
                let _ = sched_tx.send(Event::Scheduling(ours));
            })
            .map_err(io)?,
        ),
        None => None,
    };
    drop(tx);

    let size = term.size().map_err(io)?;
    let mut effects = app.update(Action::Resize(size.width, size.height));
    effects.extend(app.start());
    let edit = EditSetup {
        editor: o.editor.clone(),
        dir: o.state_dir.join("edit"),
        mouse: app.mouse,
    };
    let mut quit = exec_all(effects, &mut app, &worker, &mut term, &edit)?;
    let mut first_done = false;
    let mut key_at: Option<Instant> = None;
    let mut dirty = true;
    let mut last_error: Option<String> = None;
    // The first frame is the pane with its data, not "loading…": drawing waits
    // for it (a few ms, figures are kept on write), up to this long.
    let (mut holding, hold) = (true, Instant::now() + Duration::from_millis(400));
    while !quit {
        holding = holding && !app.loaded() && Instant::now() < hold;
        if dirty && !holding {
            term.draw(|f| draw::draw(f, &app)).map_err(io)?;
            dirty = false;
            if let Some(f) = bench.as_mut() {
                use std::io::Write;
                if !first_done && app.loaded() {
                    let ms = STARTED
                        .get()
                        .map(|s| s.elapsed().as_secs_f64() * 1000.0)
                        .unwrap_or(0.0);
                    let _ = writeln!(f, "first_frame_ms {ms:.2}");
                }
                if let Some(t) = key_at.take() {
                    let _ = writeln!(f, "key_ms {:.3}", t.elapsed().as_secs_f64() * 1000.0);
                }
            }
            if !first_done && app.loaded() {
                first_done = true;
                if o.bench_first_frame {
                    break;
                }
                if o.crash_test {
                    panic!("crash test (JR_TUI_CRASH_TEST): 한글 메시지도 읽을 수 있게");
                }
            }
        }
        let mut wait = until_tick(&o.clock);
        if holding {
            wait = wait.min(hold.saturating_duration_since(Instant::now()));
        }
        let first = match rx.recv_timeout(wait) {
            Ok(ev) => Some(ev),
            Err(RecvTimeoutError::Timeout) => {
                app.update(Action::Tick(o.clock.now()));
                dirty = true;
                None
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        // Drain everything pending, then draw once.
        for ev in first
            .into_iter()
            .chain(std::iter::from_fn(|| rx.try_recv().ok()))
        {
            let action = match ev {
                Event::Signal => {
                    quit = true;
                    break;
                }
                Event::Worker(r) => Some(Action::Worker(r)),
                Event::Scheduling(ours) => Some(Action::Scheduling(ours)),
                Event::Term(ev) => {
                    if matches!(ev, crossterm::event::Event::Key(_)) && key_at.is_none() {
                        key_at = Some(Instant::now());
                    }
                    app.event_action(&ev)
                }
            };
            if let Some(a) = action {
                let effects = app.update(a);
                log_error(&o.state_dir, &app, &mut last_error);
                dirty = true;
                let edit = EditSetup {
                    mouse: app.mouse,
                    ..edit.clone()
                };
                if exec_all(effects, &mut app, &worker, &mut term, &edit)? {
                    quit = true;
                    break;
                }
            }
        }
    }
    let _ = worker.send(Msg::Stop);
    sig_handle.close();
    // The terminal goes back first: a run still running may take the whole
    // grace period, and the person should see why jr has not exited yet.
    drop(term);
    drop(guard);
    if let Some(s) = scheduler {
        let grace = o.config.scheduler.shutdown_grace;
        s.stop(|| {
            eprintln!(
                "jr: stopping the scheduler: running runs get up to {} to finish, then are interrupted",
                humantime::format_duration(grace)
            )
        });
    }
    Ok(())
}

/// An error notice also goes to `state_dir/tui.log`, once per new message.
fn log_error(dir: &std::path::Path, app: &App, last: &mut Option<String>) {
    let Some(n) = app.notice.as_ref().filter(|n| n.error) else {
        return;
    };
    if last.as_deref() == Some(n.text.as_str()) {
        return;
    }
    *last = Some(n.text.clone());
    if let Ok(mut f) = crate::files::private_append(&dir.join("tui.log")) {
        use std::io::Write;
        let _ = writeln!(f, "{} error: {}", chrono::Utc::now().to_rfc3339(), n.text);
    }
}

/// Where the user's editor runs.
#[derive(Clone)]
struct EditSetup {
    editor: String,
    /// Its temp files (private, under the state folder).
    dir: PathBuf,
    mouse: bool,
}

/// Give the terminal to the user's editor and take it back; the edited
/// text or why there is none.
fn edit_outside(
    req: &editor::EditRequest,
    term: &mut terminal::Term,
    setup: &EditSetup,
) -> Result<std::result::Result<String, String>> {
    use std::sync::atomic::Ordering::SeqCst;
    INPUT_PAUSED.store(true, SeqCst);
    // Wait (a little) until the input thread has stopped reading, so it
    // takes no key meant for the editor.
    for _ in 0..100 {
        if INPUT_IDLE.load(SeqCst) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    terminal::restore();
    let out = editor::run_editor(&setup.editor, &req.text, req.suffix, &setup.dir);
    let back = terminal::resume(setup.mouse);
    INPUT_PAUSED.store(false, SeqCst);
    back.map_err(|e| Error::system(format!("cannot take the terminal back: {e}")))?;
    term.clear()
        .map_err(|e| Error::system(format!("terminal: {e}")))?;
    Ok(out)
}

/// Carry out effects, and what they lead to (an editor's answer goes back
/// to its pane); true when one of them is Quit.
fn exec_all(
    effects: Vec<Effect>,
    app: &mut App,
    worker: &mpsc::Sender<Msg>,
    term: &mut terminal::Term,
    edit: &EditSetup,
) -> Result<bool> {
    let mut todo = effects;
    while !todo.is_empty() {
        let mut next = Vec::new();
        for e in std::mem::take(&mut todo) {
            match e {
                Effect::Edit(req) => {
                    let text = edit_outside(&req, term, edit)?;
                    next.extend(app.update(Action::Edited {
                        pane: req.pane,
                        key: req.key,
                        text,
                    }));
                }
                other => {
                    if exec(vec![other], worker, term)? {
                        return Ok(true);
                    }
                }
            }
        }
        todo = next;
    }
    Ok(false)
}

/// Carry out effects; true when one of them is Quit.
fn exec(
    effects: Vec<Effect>,
    worker: &mpsc::Sender<Msg>,
    term: &mut terminal::Term,
) -> Result<bool> {
    use std::io::Write;
    for e in effects {
        match e {
            Effect::Request { id, slot, req } => {
                let _ = worker.send(Msg::Request(id, slot, req));
            }
            Effect::Quit => return Ok(true),
            Effect::Mouse(on) => {
                terminal::set_mouse(on).map_err(|e| Error::system(format!("terminal: {e}")))?
            }
            Effect::Copy(text) => {
                // Through the terminal's own writer, between frames.
                let w = term.backend_mut();
                let _ = w
                    .write_all(terminal::osc52(&text).as_bytes())
                    .and_then(|_| w.flush());
            }
            // Carried out by `exec_all`.
            Effect::Edit(_) => {}
        }
    }
    Ok(false)
}
