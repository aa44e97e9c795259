//! Differences between two versions of a module: what an upgrade (say of o1js) breaks.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::ModuleModel;
use super::api::{JsApi, JsFunction};

/// Added, removed and changed exports and JS API items between two models.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ModelDiff {
    /// Raw exports only in the new module.
    pub added_exports: Vec<String>,
    /// Raw exports only in the old module.
    pub removed_exports: Vec<String>,
    /// Raw exports in both whose kind, signature or role changed: `name: old -> new`.
    pub changed_exports: Vec<String>,
    /// Classes only in the new typings.
    pub added_classes: Vec<String>,
    /// Classes only in the old typings.
    pub removed_classes: Vec<String>,
    /// JS functions and class members added, removed or retyped: one line each.
    pub api_changes: Vec<String>,
}

impl ModelDiff {
    /// Compares `old` with `new`.
    pub fn between(old: &ModuleModel, new: &ModuleModel) -> Self {
        let describe = |m: &ModuleModel| -> BTreeMap<String, String> {
            m.exports
                .iter()
                .map(|e| {
                    let what = format!(
                        "{} ({}) -> ({}) [{}]",
                        e.kind.as_str(),
                        e.params.join(", "),
                        e.results.join(", "),
                        e.role.as_str()
                    );
                    (e.name.clone(), what)
                })
                .collect()
        };
        let (old_exports, new_exports) = (describe(old), describe(new));
        let mut diff = ModelDiff::default();
        split(
            &old_exports,
            &new_exports,
            &mut diff.added_exports,
            &mut diff.removed_exports,
            &mut diff.changed_exports,
        );
        let empty = JsApi::default();
        let old_api = api_lines(old.api.as_ref().unwrap_or(&empty));
        let new_api = api_lines(new.api.as_ref().unwrap_or(&empty));
        let (mut added, mut removed, mut changed) = (vec![], vec![], vec![]);
        split(&old_api, &new_api, &mut added, &mut removed, &mut changed);
        diff.api_changes
            .extend(added.into_iter().map(|a| format!("+ {a}")));
        diff.api_changes
            .extend(removed.into_iter().map(|r| format!("- {r}")));
        diff.api_changes
            .extend(changed.into_iter().map(|c| format!("~ {c}")));
        let classes = |m: &ModuleModel| -> BTreeMap<String, String> {
            m.api
                .iter()
                .flat_map(|a| &a.classes)
                .map(|c| (c.name.clone(), String::new()))
                .collect()
        };
        split(
            &classes(old),
            &classes(new),
            &mut diff.added_classes,
            &mut diff.removed_classes,
            &mut Vec::new(),
        );
        diff
    }

    /// Whether the two modules are interchangeable.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl fmt::Display for ModelDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no differences");
        }
        let sections = [
            ("added exports", &self.added_exports),
            ("removed exports", &self.removed_exports),
            ("changed exports", &self.changed_exports),
            ("added classes", &self.added_classes),
            ("removed classes", &self.removed_classes),
            ("JS API changes", &self.api_changes),
        ];
        for (title, items) in sections {
            if items.is_empty() {
                continue;
            }
            writeln!(f, "{title} ({}):", items.len())?;
            for item in items {
                writeln!(f, "  {item}")?;
            }
        }
        Ok(())
    }
}

/// One line per JS function and class member, keyed by its path, valued by its signature.
fn api_lines(api: &JsApi) -> BTreeMap<String, String> {
    let signature = |f: &JsFunction| {
        let params: Vec<String> = f
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, p.ty.text))
            .collect();
        format!("({}): {}", params.join(", "), f.returns.text)
    };
    let mut lines = BTreeMap::new();
    for f in &api.functions {
        lines.insert(f.name.clone(), signature(f));
    }
    for c in &api.classes {
        if let Some(ctor) = &c.constructor {
            lines.insert(format!("{}.constructor", c.name), signature(ctor));
        }
        for m in &c.methods {
            let key = format!("{}.{}", c.name, m.function.name);
            let prefix = if m.is_static { "static " } else { "" };
            lines.insert(key, format!("{prefix}{}", signature(&m.function)));
        }
        for a in &c.accessors {
            let access = match (a.getter, a.setter) {
                (true, true) => "get/set",
                (true, false) => "get",
                _ => "set",
            };
            let setter = a
                .setter_ty
                .as_ref()
                .map(|t| format!(", set {}", t.text))
                .unwrap_or_default();
            lines.insert(
                format!("{}.{}", c.name, a.name),
                format!("{access} {}{setter}", a.ty.text),
            );
        }
    }
    lines
}

fn split(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    added: &mut Vec<String>,
    removed: &mut Vec<String>,
    changed: &mut Vec<String>,
) {
    for (name, what) in new {
        match old.get(name) {
            None => added.push(name.clone()),
            Some(before) if before != what => changed.push(format!("{name}: {before} -> {what}")),
            Some(_) => {}
        }
    }
    removed.extend(old.keys().filter(|k| !new.contains_key(*k)).cloned());
}
