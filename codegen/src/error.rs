//! Errors of the codegen library: each names the file it is about.

use std::path::PathBuf;

/// Everything that can go wrong while reading a module or writing its shims.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// A file could not be read (missing, unreadable, a directory...).
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The bytes are not a WebAssembly module (wrong magic, a component, truncated, malformed).
    #[error("{}: not a valid WebAssembly module: {message} (at byte offset {offset:#x})", path.display())]
    InvalidWasm {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
        /// Where in the file it stopped.
        offset: usize,
    },
    /// A typings or glue file does not parse as TypeScript / JavaScript.
    #[error("{}:{line}:{column}: cannot parse {what}: {message}", path.display())]
    InvalidSource {
        /// The file.
        path: PathBuf,
        /// "TypeScript typings" or "JavaScript glue".
        what: &'static str,
        /// What the parser said.
        message: String,
        /// 1-based line of the first error.
        line: usize,
        /// 1-based column of the first error.
        column: usize,
    },
    /// A file named on purpose (a flag, a Builder input) does not exist.
    #[error("{}: {what} not found", path.display())]
    Missing {
        /// The path that was looked for.
        path: PathBuf,
        /// What it should have been.
        what: &'static str,
    },
    /// Output could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The configuration asks for something the module does not have.
    #[error("{0}")]
    Config(String),
    /// A replay policy file does not parse or names an unknown profile, role or glob.
    #[error("{}: invalid replay policy: {message}", path.display())]
    ReplayPolicy {
        /// The policy file.
        path: PathBuf,
        /// What is wrong, with the line when known.
        message: String,
    },
    /// A target asked for could not be rendered from this module.
    #[error("{module}: cannot render the {target} shim: {reason}")]
    Render {
        /// The module.
        module: String,
        /// `typescript` or `rust`.
        target: &'static str,
        /// Why.
        reason: String,
    },
    /// A module could not be rewritten (see [`rewrite`](crate::rewrite)): walrus cannot
    /// parse it, or the rewrite asks for something the module cannot do.
    #[error("cannot rewrite the module: {0}")]
    Rewrite(String),
    /// A rewrite names an export the module does not have.
    #[error("export `{name}` not found in the module")]
    ExportNotFound {
        /// The export name asked for.
        name: String,
    },
    /// A rewrite that needs a function names an export of another kind.
    #[error("export `{name}` is a {kind}, not a function")]
    ExportNotFunction {
        /// The export name asked for.
        name: String,
        /// What it is: `memory`, `table`, `global` or `tag`.
        kind: &'static str,
    },
    /// The [`Builder`](crate::Builder) was not given what it needs.
    #[error("codegen::Builder: {0}")]
    Builder(&'static str),
}

/// Result with a [`CodegenError`].
pub type Result<T, E = CodegenError> = std::result::Result<T, E>;
