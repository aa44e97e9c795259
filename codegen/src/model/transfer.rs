//! Analysis pass: how each class of a module can move to a fresh instance by
//! **transfer** (read it in the old instance, rebuild it in the new one) and how
//! a moved object can be **observed** to verify it against its original.
//!
//! Derived from the typings alone, the way a reader of the API would guess it:
//! - a *serial pair*: an instance method without parameters returning bytes or a
//!   string (`to_bytes`, `serialize`, `to_bech32`, `encode`) and a static method or
//!   top-level function taking one such value and returning the class
//!   (`from_bytes`, `deserialize`, `from_bech32`, `decode`);
//! - *value fields*: a class that is only data (public fields with a getter and
//!   a setter each, of plain types, no instance method but clones) with a way to make
//!   a blank one (a constructor or a function without parameters returning it).
//!
//! Every candidate is a guess; the runtime tries them in order and keeps the
//! first whose rebuilt object observes equal to the original, so a wrong guess
//! costs a failed attempt, never a silent change.

use serde::Serialize;

use super::api::{JsApi, JsClass, JsFunction, JsType};
use crate::reader::glue::{Glue, RawArg};

/// How one class can move and be observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassTransfer {
    /// Class name as the typings declare it.
    pub class: String,
    /// Serial pairs, best first.
    pub serial: Vec<SerialPair>,
    /// Value fields, when the class is only data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<ValueFields>,
}

/// `save` in the old instance, `load` in the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SerialPair {
    /// Instance method without parameters returning the serialisation.
    pub save: String,
    /// Static method of the class (`Class.load(x)`) or top-level function (`load(x)`).
    pub load: String,
    /// Whether `load` is a top-level function rather than a static method.
    pub load_is_function: bool,
}

/// The public fields of a data class and how to make a blank one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueFields {
    /// Field names (each with a getter and a setter).
    pub names: Vec<String>,
    /// How to make a blank object: `new Class()`, `Class.make()` or `make()`.
    pub make: Maker,
}

/// A call without arguments that returns a new object of the class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Maker {
    /// `new Class()`.
    Constructor,
    /// `Class.name()`.
    Static(String),
    /// `name()`, a top-level function.
    Function(String),
}

/// Every class of `api` that has at least one way to transfer. With the `glue`, a
/// method that consumes its object (`this.__destroy_into_raw()`) is never a `save`:
/// reading the original must leave it as it was.
pub fn analyse(api: &JsApi, glue: Option<&Glue>) -> Vec<ClassTransfer> {
    api.classes
        .iter()
        .filter_map(|class| {
            let consumes_this = |method: &str| {
                glue.and_then(|g| g.export(&class.name))
                    .and_then(|e| e.members.iter().find(|m| m.name == method))
                    .is_some_and(|m| {
                        m.call_sites.iter().any(|site| {
                            site.args
                                .iter()
                                .any(|a| matches!(a, RawArg::Consumed { of } if of == "this"))
                        })
                    })
            };
            let serial = serial_pairs(api, class, &consumes_this);
            let fields = value_fields(api, class);
            (!serial.is_empty() || fields.is_some()).then(|| ClassTransfer {
                class: class.name.clone(),
                serial,
                fields,
            })
        })
        .collect()
}

/// A serialisation type: bytes or a string.
fn is_serial(ty: &JsType) -> bool {
    matches!(ty, JsType::String) || matches!(ty, JsType::TypedArray(t) if t == "Uint8Array")
}

/// The name stripped of its direction: `to_bytes`, `toBytes`, `as_bytes` → `bytes`.
fn stem<'a>(name: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    for p in prefixes {
        if let Some(rest) = name.strip_prefix(p) {
            let rest = rest.strip_prefix('_').unwrap_or(rest);
            if !rest.is_empty() {
                return Some(rest);
            }
        }
    }
    None
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// How well a save name and a load name belong together (lower is better).
fn pairing(save: &str, load: &str) -> Option<u8> {
    const NAMED: &[(&str, &str)] = &[
        ("serialize", "deserialize"),
        ("serialise", "deserialise"),
        ("encode", "decode"),
        ("tojson", "fromjson"),
    ];
    let (s, l) = (normalise(save), normalise(load));
    if NAMED.iter().any(|(a, b)| *a == s && *b == l) {
        return Some(0);
    }
    let save_stem = normalise(stem(save, &["to", "as", "into"])?);
    let load_stem = normalise(stem(load, &["from"])?);
    if save_stem == load_stem {
        Some(1)
    } else if load_stem.ends_with(&save_stem) || save_stem.ends_with(&load_stem) {
        Some(2)
    } else {
        None
    }
}

fn returns_class(f: &JsFunction, class: &str) -> bool {
    matches!(&f.returns.ty, JsType::Class(c) if c == class)
}

fn takes_one_serial(f: &JsFunction) -> Option<&JsType> {
    match f.params.as_slice() {
        [p] if is_serial(&p.ty.ty) && !p.rest => Some(&p.ty.ty),
        _ => None,
    }
}

fn serial_pairs(
    api: &JsApi,
    class: &JsClass,
    consumes_this: &dyn Fn(&str) -> bool,
) -> Vec<SerialPair> {
    let saves = class.methods.iter().filter(|m| {
        !m.is_static
            && !consumes_this(&m.function.name)
            && m.function.params.iter().all(|p| p.optional)
            && is_serial(&m.function.returns.ty)
            && !m.function.is_async
    });
    let statics = class
        .methods
        .iter()
        .filter(|m| m.is_static)
        .map(|m| (&m.function, false));
    let functions = api.functions.iter().map(|f| (f, true));
    let loads: Vec<(&JsFunction, bool)> = statics
        .chain(functions)
        .filter(|(f, _)| returns_class(f, &class.name) && !f.is_async)
        .collect();
    let mut pairs: Vec<(u8, u8, SerialPair)> = Vec::new();
    for save in saves {
        for (load, load_is_function) in &loads {
            let Some(param) = takes_one_serial(load) else {
                continue;
            };
            if *param != save.function.returns.ty {
                continue;
            }
            let Some(rank) = pairing(&save.function.name, &load.name) else {
                continue;
            };
            // Bytes before strings: a string form may be lossy (a display form).
            let kind = u8::from(matches!(param, JsType::String));
            pairs.push((
                kind,
                rank,
                SerialPair {
                    save: save.function.name.clone(),
                    load: load.name.clone(),
                    load_is_function: *load_is_function,
                },
            ));
        }
    }
    pairs.sort_by_key(|(kind, rank, _)| (*kind, *rank));
    pairs.into_iter().map(|(_, _, p)| p).collect()
}

/// A field type the runtime can copy by value.
fn is_plain(ty: &JsType) -> bool {
    match ty {
        JsType::Number
        | JsType::BigInt
        | JsType::Boolean
        | JsType::String
        | JsType::Enum(_)
        | JsType::TypedArray(_) => true,
        JsType::Optional(inner) => is_plain(inner),
        _ => false,
    }
}

fn value_fields(api: &JsApi, class: &JsClass) -> Option<ValueFields> {
    let fields: Vec<_> = class.accessors.iter().filter(|a| !a.is_static).collect();
    let data_only = !fields.is_empty()
        && fields.iter().all(|a| a.getter && a.setter && is_plain(&a.ty.ty))
        && class.methods.iter().all(|m| {
            // Static methods and clones (`wasm_clone(): Self`) read nothing hidden.
            m.is_static || (m.function.params.is_empty() && returns_class(&m.function, &class.name))
        });
    if !data_only {
        return None;
    }
    let make = if class
        .constructor
        .as_ref()
        .is_some_and(|c| c.params.iter().all(|p| p.optional))
    {
        Maker::Constructor
    } else if let Some(m) = class.methods.iter().find(|m| {
        m.is_static && m.function.params.is_empty() && returns_class(&m.function, &class.name)
    }) {
        Maker::Static(m.function.name.clone())
    } else {
        let f = api
            .functions
            .iter()
            .find(|f| f.params.is_empty() && returns_class(f, &class.name))?;
        Maker::Function(f.name.clone())
    };
    Some(ValueFields {
        names: fields.iter().map(|a| a.name.clone()).collect(),
        make,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_by_name() {
        assert_eq!(pairing("to_bytes", "from_bytes"), Some(1));
        assert_eq!(pairing("toBytes", "fromBytes"), Some(1));
        assert_eq!(pairing("as_bytes", "from_normal_bytes"), Some(2));
        assert_eq!(pairing("to_bech32", "from_bech32"), Some(1));
        assert_eq!(pairing("serialize", "deserialize"), Some(0));
        assert_eq!(pairing("encode", "decode"), Some(0));
        assert_eq!(pairing("to_hex", "from_bytes"), None);
        assert_eq!(pairing("free", "from_bytes"), None);
    }
}
