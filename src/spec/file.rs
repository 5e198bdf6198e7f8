//! A knowledge-base file as read, before it is parsed.

/// One authored file: its path relative to the knowledge-base root, with `/` separators.
#[derive(Debug, Clone)]
pub struct KbFile {
    /// Relative path such as `rules/neuvector/consul-leaderless.yaml`.
    pub path: String,
    /// The file's text.
    pub text: String,
}
