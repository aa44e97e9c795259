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
//!   a blank one (a constructor or a function without parameters returning it);
//! - an *apply pair*: a top-level function reading the object whole into bytes
//!   (`encodeStateAsUpdate(doc)`) and one applying such bytes to an object
//!   (`applyUpdate(doc, update)`), used on a blank object.
//!
//! Every class also gets its **observation**: those readers, its getters of plain
//! types and its methods that only read by their name (`toString`, `to_hex`,
//! `len`; see [`crate::replay::reads_only`]) returning plain values, compared
//! between a moved object and its original.
//! (`Uint32Array` is left out everywhere: wasm-bindgen modules use it for raw
//! pointers, which differ between instances.)
//!
//! Every candidate is a guess; the runtime tries them in order and keeps the
//! first whose rebuilt object observes equal to the original, so a wrong guess
//! costs a failed attempt, never a silent change.

use serde::Serialize;

use super::api::{JsApi, JsClass, JsFunction, JsType};
use crate::reader::glue::{Glue, RawArg};
use crate::replay::TransferRule;

/// How one class can move and be observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassTransfer {
    /// Class name as the typings declare it (the key of the shim's `transfers`).
    #[serde(skip)]
    pub class: String,
    /// Serial pairs, best first.
    pub serial: Vec<SerialPair>,
    /// Value fields, when the class is only data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<ValueFields>,
    /// Apply pairs, best first.
    pub apply: Vec<ApplyPair>,
    /// Top-level functions that read the object whole (`f(obj)` → bytes or string).
    pub views: Vec<String>,
    /// Getters of plain types (instance, not static).
    pub getters: Vec<String>,
    /// Instance methods that only read (by their name), callable without
    /// arguments, returning plain values.
    pub readers: Vec<String>,
    /// How to make a blank object, if there is a way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub make: Option<Maker>,
}

/// `save(obj)` in the old instance, `apply(blank, saved)` in the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyPair {
    /// Top-level function taking the object, returning bytes or a string.
    pub save: String,
    /// Top-level function taking an object and that value, returning nothing.
    pub apply: String,
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

/// [`analyse`] of a module's typings and glue.
pub fn of_model(model: &super::ModuleModel) -> Vec<ClassTransfer> {
    model
        .api
        .as_ref()
        .map(|api| analyse(api, model.glue.as_ref()))
        .unwrap_or_default()
}

/// Every class of `api` that can be transferred or observed. With the `glue`, a
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
            let make = maker(api, class);
            let fields = make
                .clone()
                .and_then(|make| value_fields(class).map(|names| ValueFields { names, make }));
            let consumes_argument = |function: &str| {
                glue.and_then(|g| g.export(function)).is_some_and(|e| {
                    e.call_sites.iter().any(|site| {
                        site.args
                            .iter()
                            .any(|a| matches!(a, RawArg::Consumed { .. }))
                    })
                })
            };
            let views: Vec<String> = api
                .functions
                .iter()
                .filter(|f| reads_whole(f, &class.name) && !consumes_argument(&f.name))
                .map(|f| f.name.clone())
                .collect();
            let apply = if make.is_some() {
                apply_pairs(api, &class.name, &views)
            } else {
                Vec::new()
            };
            let getters: Vec<String> = class
                .accessors
                .iter()
                .filter(|a| !a.is_static && a.getter && is_plain(&a.ty.ty))
                .map(|a| a.name.clone())
                .collect();
            let readers: Vec<String> = class
                .methods
                .iter()
                .filter(|m| {
                    !m.is_static
                        && !m.function.is_async
                        && m.function.params.iter().all(may_omit)
                        && is_plain(&m.function.returns.ty)
                        && crate::replay::reads_only(&m.function.name)
                        && !consumes_this(&m.function.name)
                })
                .map(|m| m.function.name.clone())
                .collect();
            let useful = !serial.is_empty()
                || fields.is_some()
                || !apply.is_empty()
                || !views.is_empty()
                || !getters.is_empty()
                || !readers.is_empty();
            useful.then(|| ClassTransfer {
                class: class.name.clone(),
                serial,
                fields,
                apply,
                views,
                getters,
                readers,
                make,
            })
        })
        .collect()
}

/// Puts the transfers a replay policy names ahead of the derived ones (a class the
/// analysis found nothing for gets an entry of its own).
pub fn add_named(transfers: &mut Vec<ClassTransfer>, api: &JsApi, named: &[TransferRule]) {
    for rule in named {
        let Some(class) = api.class(&rule.class) else {
            continue;
        };
        let index = match transfers.iter().position(|t| t.class == rule.class) {
            Some(i) => i,
            None => {
                transfers.push(ClassTransfer {
                    class: rule.class.clone(),
                    serial: Vec::new(),
                    fields: None,
                    apply: Vec::new(),
                    views: Vec::new(),
                    getters: Vec::new(),
                    readers: Vec::new(),
                    make: maker(api, class),
                });
                transfers.len() - 1
            }
        };
        let entry = &mut transfers[index];
        if rule.apply {
            entry.apply.insert(
                0,
                ApplyPair {
                    save: rule.save.clone(),
                    apply: rule.load.clone(),
                },
            );
        } else {
            entry.serial.insert(
                0,
                SerialPair {
                    save: rule.save.clone(),
                    load: rule.load.clone(),
                    load_is_function: rule.function,
                },
            );
        }
    }
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

/// A value the runtime can copy and compare (not `Uint32Array`: raw pointers).
fn is_plain(ty: &JsType) -> bool {
    match ty {
        JsType::Number | JsType::BigInt | JsType::Boolean | JsType::String | JsType::Enum(_) => {
            true
        }
        JsType::TypedArray(t) => t != "Uint32Array",
        JsType::Optional(inner) => is_plain(inner),
        _ => false,
    }
}

/// A parameter that may be left out: optional, or `any` (wasm-bindgen's options objects).
fn may_omit(p: &super::api::JsParam) -> bool {
    p.optional || matches!(p.ty.ty, JsType::Any | JsType::Undefined)
}

/// A call without required arguments that makes a new object of the class.
fn maker(api: &JsApi, class: &JsClass) -> Option<Maker> {
    if class
        .constructor
        .as_ref()
        .is_some_and(|c| c.params.iter().all(may_omit))
    {
        return Some(Maker::Constructor);
    }
    if let Some(m) = class.methods.iter().find(|m| {
        m.is_static
            && m.function.params.iter().all(may_omit)
            && returns_class(&m.function, &class.name)
    }) {
        return Some(Maker::Static(m.function.name.clone()));
    }
    let f = api
        .functions
        .iter()
        .find(|f| f.params.iter().all(may_omit) && returns_class(f, &class.name))?;
    Some(Maker::Function(f.name.clone()))
}

/// The public fields of a data-only class.
fn value_fields(class: &JsClass) -> Option<Vec<String>> {
    let fields: Vec<_> = class.accessors.iter().filter(|a| !a.is_static).collect();
    let data_only = !fields.is_empty()
        && fields
            .iter()
            .all(|a| a.getter && a.setter && is_plain(&a.ty.ty))
        && class.methods.iter().all(|m| {
            // Static methods and clones (`wasm_clone(): Self`) read nothing hidden.
            m.is_static || (m.function.params.is_empty() && returns_class(&m.function, &class.name))
        });
    data_only.then(|| fields.iter().map(|a| a.name.clone()).collect())
}

/// `f(obj: Class, ...optional)` returning bytes or a string: reads the object whole.
fn reads_whole(f: &JsFunction, class: &str) -> bool {
    let Some((first, rest)) = f.params.split_first() else {
        return false;
    };
    matches!(&first.ty.ty, JsType::Class(c) if c == class)
        && rest.iter().all(|p| p.optional)
        && is_serial(&f.returns.ty)
        && !f.is_async
}

/// Readers paired with a function `apply(obj: Class, data, ...)` returning nothing,
/// by a shared tail of their names (`encodeStateAsUpdateV2` / `applyUpdateV2`).
fn apply_pairs(api: &JsApi, class: &str, views: &[String]) -> Vec<ApplyPair> {
    let mut pairs = Vec::new();
    for save in views {
        let Some(saved) = api.functions.iter().find(|f| &f.name == save) else {
            continue;
        };
        for f in &api.functions {
            let [first, data, rest @ ..] = f.params.as_slice() else {
                continue;
            };
            let shape = matches!(&first.ty.ty, JsType::Class(c) if c == class)
                && data.ty.ty == saved.returns.ty
                && rest.iter().all(may_omit)
                && matches!(f.returns.ty, JsType::Void | JsType::Undefined);
            if shape && common_tail(&normalise(save), &normalise(&f.name)) >= 4 {
                pairs.push(ApplyPair {
                    save: save.clone(),
                    apply: f.name.clone(),
                });
            }
        }
    }
    pairs
}

fn common_tail(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .count()
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
        assert!(common_tail("encodestateasupdatev2", "applyupdatev2") >= 4);
        assert!(common_tail("encodestatevector", "applyupdate") < 4);
    }
}
