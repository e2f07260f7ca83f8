//! Noticing other processes' writes to the database without polling: an
//! inotify watch on the database's directory fires whenever the file or its
//! WAL changes. Callers still confirm with SQLite's `data_version` (cheap),
//! and keep a slow poll as a fallback where inotify is unavailable.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::Notify;

/// Keeps the watch alive; `changed` is notified on every write.
pub struct DbWatch {
    _watcher: notify::RecommendedWatcher,
    pub changed: Arc<Notify>,
}

/// Watch the database at `db`; None when the platform cannot (then poll).
pub fn watch(db: &Path) -> Option<DbWatch> {
    let changed = Arc::new(Notify::new());
    let tx = changed.clone();
    let watcher = watch_with(db, move || tx.notify_one())?;
    Some(DbWatch {
        _watcher: watcher,
        changed,
    })
}

/// Call `on_change` (on the watcher's thread) whenever the database file or
/// its WAL changes; for callers without a tokio runtime (the TUI's worker).
/// The watch lasts as long as the returned watcher.
pub fn watch_with(
    db: &Path,
    on_change: impl Fn() + Send + 'static,
) -> Option<notify::RecommendedWatcher> {
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = db.file_name()?.to_os_string();
    let ours: Vec<PathBuf> = ["", "-wal"]
        .iter()
        .map(|suffix| {
            let mut n = name.clone();
            n.push(suffix);
            dir.join(n)
        })
        .collect();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && matches!(ev.kind, EventKind::Modify(_) | EventKind::Create(_))
            && ev
                .paths
                .iter()
                .any(|p| ours.iter().any(|o| o.file_name() == p.file_name()))
        {
            on_change();
        }
    })
    .ok()?;
    watcher.watch(&dir, RecursiveMode::NonRecursive).ok()?;
    Some(watcher)
}
