//! Renderers: turn a [`ModuleModel`](crate::model::ModuleModel) into source files.
//!
//! Renderers only build file contents in memory; [`crate::output`] writes them.

pub mod names;
pub mod typescript;

use std::path::PathBuf;

/// One file a renderer produced, relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output directory.
    pub path: PathBuf,
    /// Full contents.
    pub contents: String,
}

impl GeneratedFile {
    /// A file at `path` with `contents`.
    pub fn new(path: impl Into<PathBuf>, contents: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// A string builder for generated code, indenting two spaces per level.
#[derive(Debug, Default)]
pub(crate) struct CodeWriter {
    out: String,
    depth: usize,
}

impl CodeWriter {
    /// Writes one line at the current depth (an empty line stays empty).
    pub fn line(&mut self, text: impl AsRef<str>) {
        let text = text.as_ref();
        if !text.is_empty() {
            for _ in 0..self.depth {
                self.out.push_str("  ");
            }
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    /// Writes `open`, runs `body` one level deeper, then writes `close`.
    pub fn block(&mut self, open: impl AsRef<str>, close: &str, body: impl FnOnce(&mut Self)) {
        self.line(open);
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.line(close);
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }
}
