//! jr's own files on disk: folders made 0700 and logs created 0600, since
//! they hold task titles, job output and error text. Used by every front end
//! that writes a log; the database file is the store's (also 0600).

use std::fs::File;
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Create `dir` and any missing parents with mode 0700 (existing folders
/// are left as they are).
pub fn private_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Open `path` for appending, creating it with mode 0600 (and its folder
/// with `private_dir`).
pub fn private_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn logs_and_folders_are_private() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("state/jr/x.log");
        private_append(&p).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(&d.path().join("state/jr")), 0o700);
    }
}
