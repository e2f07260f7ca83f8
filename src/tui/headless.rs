//! Driving the app without a terminal: actions and key presses go through
//! `App::update`, and requests are answered at once by a `WorkerState` on
//! the same thread. Tests (and anyone scripting the UI) use this; drawing
//! goes to a ratatui `TestBackend`.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::action::Action;
use super::app::{App, Options};
use super::effect::Effect;
use super::keymap::Keymap;
use super::keys::{Key, KeyCodeOrd};
use super::theme::Theme;
use super::worker::{Response, WorkerState};
use crate::config::ThemeName;
use crate::engine::Engine;

pub struct Headless {
    pub app: App,
    pub worker: WorkerState,
    /// Effects other than requests (Quit, Mouse), in order.
    pub effects: Vec<Effect>,
    /// Hold answers back instead of delivering them (to test staleness).
    pub hold: bool,
    pub held: Vec<Response>,
    /// The editor `Effect::Edit` runs (a shell command, as `$EDITOR`), its
    /// temp files in the system's temp folder; None: the effect is kept in
    /// `effects` like the others.
    pub editor: Option<String>,
}

impl Headless {
    /// An app on `engine` with the shipped keymap, no colour, `me` = "tester".
    pub fn new(engine: Engine, size: (u16, u16)) -> Headless {
        Headless::with_keymap(engine, size, Keymap::load(None))
    }

    pub fn with_keymap(engine: Engine, size: (u16, u16), keymap: Keymap) -> Headless {
        let app = App::new(Options {
            keymap,
            keymap_path: "~/.config/jr/keymap.toml".into(),
            theme: Theme::new(ThemeName::Dark, true),
            tz: engine.tz(),
            now: engine.now(),
            me: "tester".into(),
            mouse: true,
        });
        let mut h = Headless {
            app,
            worker: WorkerState::new(engine),
            effects: Vec::new(),
            hold: false,
            held: Vec::new(),
            editor: None,
        };
        h.send(Action::Resize(size.0, size.1));
        let start = h.app.start();
        h.run(start);
        h
    }

    /// Apply an action and answer every request it leads to.
    pub fn send(&mut self, action: Action) {
        let effects = self.app.update(action);
        self.run(effects);
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Request { id, slot, req } => {
                    let payload = self.worker.handle(req);
                    let resp = Response { id, slot, payload };
                    if self.hold {
                        self.held.push(resp);
                    } else {
                        self.send(Action::Worker(resp));
                    }
                }
                Effect::Edit(req) if self.editor.is_some() => {
                    let editor = self.editor.clone().unwrap_or_default();
                    let dir = std::env::temp_dir().join(format!("jr-edit-{}", std::process::id()));
                    let text = super::editor::run_editor(&editor, &req.text, req.suffix, &dir);
                    self.send(Action::Edited {
                        pane: req.pane,
                        key: req.key,
                        text,
                    });
                }
                other => self.effects.push(other),
            }
        }
    }

    /// Deliver answers held back, in the order given.
    pub fn release(&mut self, order: &[usize]) {
        let held = std::mem::take(&mut self.held);
        for i in order {
            self.send(Action::Worker(held[*i].clone()));
        }
    }

    /// Press a key written as the keymap writes it (`a`, `<Enter>`, `<C-c>`).
    pub fn key(&mut self, spec: &str) {
        let k = Key::parse(spec).unwrap_or_else(|e| panic!("{e}"));
        let code = match k.code {
            KeyCodeOrd::Char(c) => KeyCode::Char(c),
            KeyCodeOrd::F(n) => KeyCode::F(n),
            KeyCodeOrd::Enter => KeyCode::Enter,
            KeyCodeOrd::Esc => KeyCode::Esc,
            KeyCodeOrd::Tab => KeyCode::Tab,
            KeyCodeOrd::BackTab => KeyCode::BackTab,
            KeyCodeOrd::Backspace => KeyCode::Backspace,
            KeyCodeOrd::Delete => KeyCode::Delete,
            KeyCodeOrd::Insert => KeyCode::Insert,
            KeyCodeOrd::Up => KeyCode::Up,
            KeyCodeOrd::Down => KeyCode::Down,
            KeyCodeOrd::Left => KeyCode::Left,
            KeyCodeOrd::Right => KeyCode::Right,
            KeyCodeOrd::Home => KeyCode::Home,
            KeyCodeOrd::End => KeyCode::End,
            KeyCodeOrd::PageUp => KeyCode::PageUp,
            KeyCodeOrd::PageDown => KeyCode::PageDown,
        };
        let mut m = KeyModifiers::NONE;
        m.set(KeyModifiers::CONTROL, k.ctrl);
        m.set(KeyModifiers::ALT, k.alt);
        m.set(KeyModifiers::SHIFT, k.shift);
        self.event(Event::Key(KeyEvent::new(code, m)));
    }

    /// Type text, one key per character.
    pub fn type_text(&mut self, s: &str) {
        for c in s.chars() {
            self.event(Event::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
    }

    pub fn event(&mut self, ev: Event) {
        if let Some(a) = self.app.event_action(&ev) {
            self.send(a);
        }
    }

    /// Poll the database as the worker thread does; true if another connection wrote.
    pub fn poll(&mut self) -> bool {
        if self.worker.poll() {
            self.send(Action::Worker(Response {
                id: 0,
                slot: super::worker::Slot::Watch,
                payload: super::worker::Payload::DataChanged,
            }));
            return true;
        }
        false
    }

    /// Draw into a test terminal of the app's size.
    pub fn render(&self) -> Terminal<TestBackend> {
        let (w, h) = self.app.size;
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        term.draw(|f| super::draw::draw(f, &self.app))
            .expect("draw");
        term
    }

    /// The screen as text, one line per row (trailing spaces kept).
    pub fn screen(&self) -> String {
        let term = self.render();
        let buf = term.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let mut skip = 0;
            for x in 0..buf.area.width {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let sym = buf[(x, y)].symbol();
                skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
                out.push_str(sym);
            }
            out.push('\n');
        }
        out
    }
}
