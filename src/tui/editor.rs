//! Long text (a prompt, run config, an agent's YAML, a card's answer) is
//! edited in the user's own editor, as lazygit and k9s do: a pane asks with
//! `Effect::Edit`, the loop gives the terminal back, runs the editor on a
//! private temp file, takes the terminal again, and the pane gets
//! `Action::Edited` with the new text — or with why there is none (the
//! editor failed, the file is not text, too large), the old text kept.

use std::io::Write;
use std::path::Path;

use super::pane::id::PaneId;

/// Text an editor run may hand back at most.
pub const MAX_EDIT_BYTES: usize = 1024 * 1024;

/// A pane's wish to edit `text` in the editor.
#[derive(Debug, Clone, PartialEq)]
pub struct EditRequest {
    /// Who gets the answer.
    pub pane: PaneId,
    /// What the text is, for the pane (a field's name, `agent:NAME`).
    pub key: String,
    pub text: String,
    /// The temp file's ending, so the editor highlights it (`.yaml`, `.md`).
    pub suffix: &'static str,
}

/// A private (0600) file that is removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(dir: &Path, suffix: &str, text: &str) -> std::io::Result<TempFile> {
        use std::os::unix::fs::OpenOptionsExt;
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        crate::files::private_dir(dir)?;
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("jr-edit-{}-{n}{suffix}", std::process::id()));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        let t = TempFile(path);
        f.write_all(text.as_bytes())?;
        f.flush()?;
        Ok(t)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Run `editor` (a shell word list, as `$VISUAL`/`$EDITOR` hold it: `vi`,
/// `code -w`) on a private temp file holding `text`; the file's text after,
/// or what went wrong in words.
pub fn run_editor(editor: &str, text: &str, suffix: &str, dir: &Path) -> Result<String, String> {
    if editor.trim().is_empty() {
        return Err("no editor: set $VISUAL or $EDITOR (e.g. EDITOR=vi)".into());
    }
    let tmp = TempFile::new(dir, suffix, text)
        .map_err(|e| format!("cannot write a temp file in {}: {e}", dir.display()))?;
    let path = tmp.0.clone();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("jr-edit")
        .arg(&path)
        .status()
        .map_err(|e| format!("cannot start the editor ({editor}): {e}"))?;
    if !status.success() {
        return Err(format!(
            "the editor ({editor}) ended with {status}; nothing was changed"
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read the edited file: {e}"))?;
    if bytes.len() > MAX_EDIT_BYTES {
        return Err(format!(
            "the edited text is {} bytes; {MAX_EDIT_BYTES} at most — nothing was changed",
            bytes.len()
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| "the edited file is not UTF-8 text; nothing was changed".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_changes_the_text_or_says_why_not() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // An "editor" that appends a Korean line.
        let append = "sh -c 'printf \"둘째 줄\\n\" >> \"$0\"'";
        assert_eq!(
            run_editor(append, "첫 줄\n", ".md", d).unwrap(),
            "첫 줄\n둘째 줄\n"
        );
        let e = run_editor("false", "x", ".txt", d).unwrap_err();
        assert!(e.contains("nothing was changed"), "{e}");
        let e = run_editor("sh -c 'printf \"\\377\\376\" > \"$0\"'", "x", ".txt", d).unwrap_err();
        assert!(e.contains("not UTF-8"), "{e}");
        assert!(
            run_editor(" ", "x", ".txt", d)
                .unwrap_err()
                .contains("$EDITOR")
        );
        // The temp files are gone.
        assert_eq!(std::fs::read_dir(d).unwrap().count(), 0);
    }
}
