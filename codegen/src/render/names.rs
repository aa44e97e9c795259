//! Turns arbitrary export, parameter and class names into identifiers that are
//! valid in generated TypeScript and Rust: keywords, non-ASCII characters and
//! names that collide once converted all still give code that compiles.

use std::collections::HashSet;

/// Words that cannot name a binding in strict-mode JavaScript or TypeScript declarations.
const JS_RESERVED: &[&str] = &[
    "arguments",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// Rust keywords, strict and reserved (2024 edition).
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe",
    "unsized", "use", "virtual", "where", "while", "yield",
];

/// Whether `name` can be used as-is as a JavaScript binding name (Unicode
/// identifiers included, as JS and TypeScript allow).
pub fn is_js_identifier(name: &str) -> bool {
    is_js_property_name(name) && !JS_RESERVED.contains(&name)
}

/// Whether `name` can follow a `.` or stand unquoted as a class member name.
pub fn is_js_property_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (unicode_ident::is_xid_start(first) || first == '_' || first == '$')
        && chars.all(|c| unicode_ident::is_xid_continue(c) || c == '$')
}

/// A JavaScript identifier for `name`: itself when valid, else an ASCII spelling of it.
pub fn js_identifier(name: &str) -> String {
    if is_js_identifier(name) {
        return name.to_owned();
    }
    let mut out = ascii_word(name);
    if out.is_empty()
        || out.starts_with(|c: char| c.is_ascii_digit())
        || JS_RESERVED.contains(&out.as_str())
    {
        out.insert(0, '_');
    }
    out
}

/// A Rust identifier for `name`, raw (`r#type`) for keywords that allow it.
pub fn rust_identifier(name: &str) -> String {
    let mut out = ascii_word(name);
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    match out.as_str() {
        // These cannot be raw identifiers.
        "self" | "Self" | "super" | "crate" | "_" => format!("{out}_"),
        w if RUST_KEYWORDS.contains(&w) => format!("r#{out}"),
        _ => out,
    }
}

/// Whether `path` is a Rust path a `use` can start from (`proxy_runtime`, `::proxy_runtime`,
/// `my_dep::proxy_runtime`, `crate::runtime`): `::`-separated ASCII identifiers, `crate`,
/// `self` or `super` only where Rust allows them.
pub fn is_rust_path(path: &str) -> bool {
    let segments: Vec<&str> = path
        .strip_prefix("::")
        .unwrap_or(path)
        .split("::")
        .collect();
    let absolute = path.starts_with("::");
    segments.iter().enumerate().all(|(i, segment)| {
        let word = segment.strip_prefix("r#").unwrap_or(segment);
        let ident = !word.is_empty()
            && word != "_"
            && !word.starts_with(|c: char| c.is_ascii_digit())
            && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match *segment {
            "crate" | "self" => i == 0 && !absolute,
            "super" => !absolute && segments[..i].iter().all(|s| matches!(*s, "self" | "super")),
            _ if segment.starts_with("r#") => {
                ident && !matches!(word, "crate" | "self" | "Self" | "super")
            }
            w => ident && !RUST_KEYWORDS.contains(&w),
        }
    })
}

/// A JS string literal for `s` (double-quoted, JSON escaping is valid JS).
pub fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Keeps ASCII letters, digits and `_`; spells other characters as `uXXXX`.
fn ascii_word(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if c.is_ascii() {
            out.push('_');
        } else {
            out.push_str(&format!("u{:04x}", c as u32));
        }
    }
    out
}

/// Hands out names that are unique within one scope, suffixing `_2`, `_3`... on collision.
#[derive(Debug, Default)]
pub struct NameScope {
    taken: HashSet<String>,
}

impl NameScope {
    /// A scope where `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Takes `candidate`, or the first free suffixed variant of it.
    pub fn take(&mut self, candidate: String) -> String {
        if self.taken.insert(candidate.clone()) {
            return candidate;
        }
        let mut n = 2;
        loop {
            let next = format!("{candidate}_{n}");
            if self.taken.insert(next.clone()) {
                return next;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_always_valid() {
        assert_eq!(js_identifier("caml_fp_add"), "caml_fp_add");
        assert_eq!(js_identifier("new"), "_new");
        assert_eq!(js_identifier("my-name"), "my_name");
        assert_eq!(js_identifier("1st"), "_1st");
        assert_eq!(js_identifier("größe"), "größe");
        assert_eq!(js_identifier("a→b"), "au2192b");
        assert_eq!(js_identifier(""), "_");
        assert_eq!(rust_identifier("type"), "r#type");
        assert_eq!(rust_identifier("self"), "self_");
        assert_eq!(rust_identifier("a.b"), "a_b");
    }

    #[test]
    fn rust_paths_are_checked() {
        for good in [
            "proxy_runtime",
            "::proxy_runtime",
            "my_dep::proxy_runtime",
            "crate::rt",
            "self::rt",
            "super::super::rt",
            "r#type::rt",
        ] {
            assert!(is_rust_path(good), "{good}");
        }
        for bad in [
            "",
            "::",
            "proxy-runtime",
            "a::",
            "a::::b",
            "1x",
            "fn",
            "a::crate",
            "::crate",
            "a::super",
            "r#crate",
            "a b",
            "_",
        ] {
            assert!(!is_rust_path(bad), "{bad}");
        }
    }

    #[test]
    fn scopes_suffix_collisions() {
        let mut scope = NameScope::with_reserved(&["glue"]);
        assert_eq!(scope.take("glue".into()), "glue_2");
        assert_eq!(scope.take("a".into()), "a");
        assert_eq!(scope.take("a".into()), "a_2");
    }
}
