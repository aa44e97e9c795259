//! Parses TypeScript typings and JavaScript glue with `oxc`, turning its first
//! error into a [`CodegenError`] that names file, line and column.

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::Program;
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType};

use crate::error::{CodegenError, Result};

/// Reads a text file, naming it in the error.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| CodegenError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Parses `text`; any syntax error fails the whole file.
pub(crate) fn parse<'a>(
    allocator: &'a Allocator,
    path: &Path,
    text: &'a str,
    source_type: SourceType,
    what: &'static str,
) -> Result<Program<'a>> {
    let parsed = Parser::new(allocator, text, source_type).parse();
    if let Some(error) = parsed.diagnostics.errors().next() {
        let offset = error
            .labels
            .first()
            .map(|l| l.offset() as usize)
            .unwrap_or_default();
        let (line, column) = line_column(text, offset);
        return Err(CodegenError::InvalidSource {
            path: path.to_owned(),
            what,
            message: error.message.to_string(),
            line,
            column,
        });
    }
    if parsed.panicked {
        return Err(CodegenError::InvalidSource {
            path: path.to_owned(),
            what,
            message: "the parser gave up".into(),
            line: 1,
            column: 1,
        });
    }
    Ok(parsed.program)
}

/// The source text of a node.
pub(crate) fn text_of<'a>(source: &'a str, node: &impl GetSpan) -> &'a str {
    let span = node.span();
    &source[span.start as usize..span.end as usize]
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
