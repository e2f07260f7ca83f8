//! What a notification says, pure: the run's link, one run's message, and
//! a burst summed up in one message.

use crate::domain::Run;

/// A run's link: the first web address in its result (a shell job's
/// `JR_RESULT`, an agent's answer), else the external run it follows.
pub fn link_of(result: Option<&str>, external_url: Option<&str>) -> Option<String> {
    result
        .and_then(|r| {
            crate::engine::handoff_text::urls(r)
                .first()
                .map(|u| u.to_string())
        })
        .filter(|u| u.len() > "https://".len())
        .or_else(|| external_url.map(str::to_string))
}

/// The link of a stored run.
pub fn run_link(run: &Run, external_url: Option<&str>) -> Option<String> {
    link_of(run.result.as_deref(), external_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links() {
        assert_eq!(
            link_of(Some("report: https://x.io/r/1."), None).as_deref(),
            Some("https://x.io/r/1")
        );
        assert_eq!(
            link_of(Some("no link"), Some("http://dagster/runs/9")).as_deref(),
            Some("http://dagster/runs/9")
        );
        assert_eq!(link_of(Some("https://"), None), None);
        assert_eq!(link_of(None, None), None);
    }
}
