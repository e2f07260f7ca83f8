//! `JR_RESULT`: the file a shell job writes its result to. jr makes a fresh
//! empty file per run (mode 0600, in a private folder), names it in the
//! job's environment, and after the job ends reads its first 4 KiB as the
//! run's `result` and deletes it. The job owns the file meanwhile, so
//! anything may be there: a symlink is not followed, a FIFO or a folder is
//! not read (no read can block), invalid UTF-8 is replaced and a character
//! cut by the 4 KiB limit is dropped. Control characters are kept as data;
//! every front end shows them neutralised (`text::visible`).

use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The most of a result that is kept.
pub const MAX_RESULT: usize = 4096;

/// A run's result file; deleted when dropped.
#[derive(Debug)]
pub struct ResultFile {
    path: PathBuf,
}

impl ResultFile {
    /// A new empty file for run `run_id` in `dir` (made 0700 when missing);
    /// without a folder, the system's temporary folder.
    pub fn create(dir: Option<&Path>, run_id: i64) -> std::io::Result<ResultFile> {
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => std::env::temp_dir(),
        };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        // The run id, this process and a clock reading: unique, and
        // `create_new` refuses to reuse anything already there.
        for attempt in 0..8u32 {
            let path = dir.join(format!(
                "jr-result-{run_id}-{}-{:x}",
                std::process::id(),
                nanos.wrapping_add(attempt)
            ));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(_) => return Ok(ResultFile { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("could not make a unique result file"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the job wrote: the first 4 KiB as text, trimmed; none when empty
    /// or not a regular file.
    pub fn read(&self) -> Option<String> {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
            .open(&self.path)
            .ok()?;
        if !f.metadata().ok()?.is_file() {
            return None;
        }
        let mut bytes = Vec::with_capacity(1024);
        f.take(MAX_RESULT as u64).read_to_end(&mut bytes).ok()?;
        let text = text_of(&bytes);
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }
}

impl Drop for ResultFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Bytes as text: a character cut at the end is dropped, invalid bytes
/// elsewhere become U+FFFD.
pub fn text_of(bytes: &[u8]) -> String {
    let end = bytes.len() - cut_tail(bytes);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// How many bytes at the end are a character cut short (0 to 3).
fn cut_tail(bytes: &[u8]) -> usize {
    let n = bytes.len();
    for back in 1..=n.min(3) {
        let b = bytes[n - back];
        if b & 0xC0 == 0x80 {
            continue; // a continuation byte: the lead is further back
        }
        let need = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if back < need { back } else { 0 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_at_a_character() {
        let s = "결과: https://example.com/리포트";
        let b = s.as_bytes();
        // Every cut gives a prefix of the text, never a broken character.
        for cut in 0..=b.len() {
            let t = text_of(&b[..cut]);
            assert!(s.starts_with(&t), "{cut}: {t:?}");
        }
        // Invalid bytes in the middle are replaced, a cut character at the end dropped.
        let mut bad = b"ok \xff then ".to_vec();
        bad.extend_from_slice(&"한".as_bytes()[..2]);
        assert_eq!(text_of(&bad), "ok \u{FFFD} then ");
    }

    #[test]
    fn the_file_is_private_read_and_removed() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("tmp");
        let f = ResultFile::create(Some(&dir), 7).unwrap();
        let path = f.path().to_path_buf();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(f.read(), None, "empty: no result");
        let long = format!("{}\n", "가".repeat(3000)); // 9,000 bytes
        std::fs::write(&path, &long).unwrap();
        let r = f.read().unwrap();
        assert!(
            r.len() <= MAX_RESULT && r.len() > MAX_RESULT - 3,
            "{}",
            r.len()
        );
        assert!(r.chars().all(|c| c == '가'));
        drop(f);
        assert!(!path.exists());
    }

    #[test]
    fn hostile_files_are_not_read() {
        let d = tempfile::tempdir().unwrap();
        let f = ResultFile::create(Some(d.path()), 1).unwrap();
        let secret = d.path().join("secret");
        std::fs::write(&secret, "do not read").unwrap();
        std::fs::remove_file(f.path()).unwrap();
        std::os::unix::fs::symlink(&secret, f.path()).unwrap();
        assert_eq!(f.read(), None, "a symlink is not followed");
        std::fs::remove_file(f.path()).unwrap();
        nix::unistd::mkfifo(f.path(), nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        assert_eq!(f.read(), None, "a FIFO is not read (and does not block)");
        drop(f);
        assert!(secret.exists());
    }
}
