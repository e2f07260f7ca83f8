//! Long text opens in the user's editor, as lazygit and k9s do: `C-o` in a
//! form opens the focused field, `a`/`e` in the Agents pane open an agent's
//! YAML. The editor here is a real program run through `sh`, as `$EDITOR`
//! is: a script that keeps what it was given and writes what the test
//! wants. When the editor fails or what was written cannot be saved, the
//! error is shown and the text is kept.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use jr::clock::Clock;
use jr::domain::agent::AgentDef;
use jr::engine::Engine;
use jr::engine::jobs::JobDef;
use jr::store::Store;
use jr::tui::headless::Headless;

fn engine(path: &Path) -> Engine {
    Engine::new(
        Store::open(path).unwrap(),
        Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()),
        "Asia/Seoul".parse().unwrap(),
    )
}

/// An editor: copies the file it is given to `seen`, then writes `next`
/// over it (or fails when `next` is missing).
struct Editor {
    dir: PathBuf,
}

impl Editor {
    fn new(dir: &Path) -> Editor {
        let script = dir.join("editor.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\ncp \"$1\" '{d}/seen' && cat '{d}/next' > \"$1\"\n",
                d = dir.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Editor { dir: dir.into() }
    }

    fn command(&self) -> String {
        self.dir.join("editor.sh").display().to_string()
    }

    fn will_write(&self, text: &str) {
        std::fs::write(self.dir.join("next"), text).unwrap();
    }

    fn will_fail(&self) {
        let _ = std::fs::remove_file(self.dir.join("next"));
    }

    fn seen(&self) -> String {
        std::fs::read_to_string(self.dir.join("seen")).unwrap()
    }
}

fn agent(e: &Engine, name: &str) {
    e.add_agent(&AgentDef {
        name: name.into(),
        model: "ollama/qwen2.5:7b".into(),
        ..Default::default()
    })
    .unwrap();
}

#[test]
fn an_agent_jobs_prompt_is_edited_in_the_editor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr.db");
    let e = engine(&path);
    agent(&e, "writer");
    e.add_job(&JobDef {
        name: "brief".into(),
        kind: "agent".into(),
        enabled: true,
        agent: Some("writer".into()),
        prompt: Some("오늘 일정 요약".into()),
        ..Default::default()
    })
    .unwrap();
    let ed = Editor::new(dir.path());
    let mut h = Headless::new(engine(&path), (120, 40));
    h.editor = Some(ed.command());
    h.key("3");
    h.key("e");
    assert!(
        h.screen().contains("Edit agent job brief"),
        "{}",
        h.screen()
    );
    // Down to the prompt (name, cron, zone, agent, prompt).
    for _ in 0..4 {
        h.key("<Tab>");
    }
    // The editor fails: the form says so and keeps the prompt.
    ed.will_fail();
    h.key("<C-o>");
    assert_eq!(ed.seen(), "오늘 일정 요약");
    assert!(h.screen().contains("nothing was changed"), "{}", h.screen());
    // It writes two lines: the field takes them (less the final newline).
    ed.will_write("내일 일정을 요약하고\n할 일 세 개를 골라줘\n");
    h.key("<C-o>");
    h.key("<Enter>");
    let job = engine(&path).get_job("brief").unwrap();
    let def = jr::engine::jobs::def_of(&job);
    assert_eq!(
        def.prompt.as_deref(),
        Some("내일 일정을 요약하고\n할 일 세 개를 골라줘")
    );
    assert_eq!(def.agent.as_deref(), Some("writer"));
    assert_eq!(def.command, "");
}

#[test]
fn agents_are_added_and_changed_as_yaml_and_a_bad_save_keeps_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr.db");
    agent(&engine(&path), "coder");
    let ed = Editor::new(dir.path());
    let mut h = Headless::new(engine(&path), (120, 40));
    h.editor = Some(ed.command());
    h.key("8");

    // `a` opens the template; saving it unchanged adds nothing.
    ed.will_write(jr::tui::panes::agents::NEW_AGENT);
    h.key("a");
    assert!(ed.seen().contains("name: new-agent"));
    assert!(h.screen().contains("nothing changed"), "{}", h.screen());

    // A YAML mistake: the error is shown, and `a` opens what was written.
    let bad = "name: 리뷰어\nmodel: [ollama\n";
    ed.will_write(bad);
    h.key("a");
    assert!(
        h.app.notice.as_ref().is_some_and(|n| n.error),
        "{}",
        h.screen()
    );
    let n = h.app.notice.clone().unwrap();
    assert!(
        n.text.contains("YAML") && n.text.ends_with("a opens your text again"),
        "{}",
        n.text
    );
    let good = "name: reviewer\ndescription: 코드 리뷰\nmodel: ollama/qwen2.5-coder:7b\nsystem_prompt: 꼼꼼히 봐 주세요.\n";
    ed.will_write(good);
    h.key("a");
    assert_eq!(ed.seen(), bad, "the draft came back");
    assert!(
        h.screen().contains("added agent reviewer"),
        "{}",
        h.screen()
    );
    let a = engine(&path).get_agent("reviewer").unwrap();
    assert_eq!(a.description, "코드 리뷰");

    // `e` opens the selected agent's YAML; a change is saved in place.
    h.key("g");
    ed.will_fail();
    h.key("e");
    let yaml = ed.seen();
    assert!(yaml.contains("name: coder"), "{yaml}");
    ed.will_write(&yaml.replace("ollama/qwen2.5:7b", "ollama/llama3.2:3b"));
    h.key("e");
    assert!(h.screen().contains("saved agent coder"), "{}", h.screen());
    assert_eq!(
        engine(&path).get_agent("coder").unwrap().model,
        "ollama/llama3.2:3b"
    );
}

#[test]
fn a_cards_answer_is_edited_in_the_editor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr.db");
    let e = engine(&path);
    e.save_cards(
        "cards",
        None,
        &[jr::engine::cards::ProposedCard {
            question: "SM-2에서 '4'는?".into(),
            answer: "good".into(),
            source_ids: Vec::new(),
        }],
        &[],
        0,
    )
    .unwrap();
    let ed = Editor::new(dir.path());
    let mut h = Headless::new(engine(&path), (100, 30));
    h.editor = Some(ed.command());
    h.key("7");
    h.key("e");
    h.key("<Tab>");
    ed.will_write("good: 기억해냄\n(약간 망설임)\n");
    h.key("<C-o>");
    assert_eq!(ed.seen(), "good");
    h.key("<Enter>");
    let c = &engine(&path).list_cards(5).unwrap()[0];
    assert_eq!(c.answer, "good: 기억해냄\n(약간 망설임)");
}

/// A task's notes of several lines are written in the editor (C-o in the
/// add or edit form), kept whole through the one-line form, saved, shown in
/// the task's detail, and opened again whole; typing over the summary is
/// refused with the way to edit them.
#[test]
fn a_tasks_notes_of_several_lines_are_written_in_the_editor() {
    use jr::domain::{NewTask, Source};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr.db");
    let e = engine(&path);
    let id = e
        .add_task(
            NewTask {
                title: "회의록 정리".into(),
                ..NewTask::default()
            },
            Source::Cli,
        )
        .unwrap()
        .id;
    let ed = Editor::new(dir.path());
    let mut h = Headless::new(engine(&path), (100, 30));
    h.editor = Some(ed.command());
    h.key("2");
    h.key("e");
    let notes = "첫 줄 메모\n둘째 줄: 결정 사항 🙂\n\n- 셋째 항목 (담당: 민수)\n";
    ed.will_write(notes);
    h.key("<C-o>");
    assert_eq!(ed.seen(), "");
    let s = h.screen();
    assert!(s.contains("첫 줄 메모 … (+3 lines; C-o edits)"), "{s}");
    // Typing over the summary would flatten them: refused, saying how.
    h.type_text("x");
    assert!(
        h.screen().contains("the notes run over several lines"),
        "{}",
        h.screen()
    );
    h.key("<Enter>");
    let want = "첫 줄 메모\n둘째 줄: 결정 사항 🙂\n\n- 셋째 항목 (담당: 민수)";
    assert_eq!(engine(&path).get_task(id).unwrap().body, want);
    // The detail shows every line.
    h.key("<Enter>");
    let s = h.screen();
    for l in [
        "첫 줄 메모",
        "둘째 줄: 결정 사항 🙂",
        "- 셋째 항목 (담당: 민수)",
    ] {
        assert!(s.contains(l), "{l}\n{s}");
    }
    h.key("<Esc>");
    // Edited again: the editor gets them whole; one line back is one line.
    h.key("e");
    ed.will_write("한 줄로 줄임\n");
    h.key("<C-o>");
    assert_eq!(ed.seen(), want);
    h.key("<Enter>");
    assert_eq!(engine(&path).get_task(id).unwrap().body, "한 줄로 줄임");
    // A new task's notes, from the add form.
    h.key("a");
    h.type_text("새 작업");
    ed.will_write("가\n나\n");
    h.key("<C-o>");
    h.key("<Enter>");
    let t = engine(&path)
        .list_tasks(&Default::default())
        .unwrap()
        .into_iter()
        .find(|t| t.title == "새 작업")
        .expect("the new task");
    assert_eq!(t.body, "가\n나");
}
