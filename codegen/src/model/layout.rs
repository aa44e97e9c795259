//! What the TypeScript shim needs of the glue's shape: its module format, whether a loader
//! hands it its wasm, why it cannot be proxied, the names it exports, and the methods of its
//! classes.

use std::collections::HashMap;

use super::ModuleModel;
use crate::reader::glue::{GlueFormat, MemberKind};

/// The glue's module system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleFormat {
    /// `require()`-able (`module.exports.x = ...`).
    CommonJs,
    /// An ES module (`export function x`).
    EsModule,
}

/// The shape of a module's glue.
#[derive(Debug, Clone)]
pub struct GlueLayout {
    /// Its module system.
    pub format: ModuleFormat,
    /// A loader hands it its wasm instance (`__wbg_set_wasm`: the `X_bg.js` half of
    /// wasm-bindgen's bundler target).
    pub takes_wasm: bool,
    /// Why it looks re-bundled by a JS bundler, if it does.
    pub bundled: Option<String>,
    /// How it loads its wasm itself, if it does (no other instance can be handed to it).
    pub loads_wasm_itself: Option<String>,
    /// Every name it exports, in source order.
    pub exports: Vec<String>,
    /// The methods and static methods of each class it exports, in source order.
    pub methods: HashMap<String, Vec<GlueMethod>>,
}

/// A method of a glue class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueMethod {
    /// Its name.
    pub name: String,
    /// `static`.
    pub is_static: bool,
}

impl GlueLayout {
    /// The layout of `model`'s glue, if it has one.
    pub fn of(model: &ModuleModel) -> Option<Self> {
        let glue = model.glue.as_ref()?;
        Some(GlueLayout {
            format: match glue.format {
                GlueFormat::CommonJs => ModuleFormat::CommonJs,
                GlueFormat::EsModule => ModuleFormat::EsModule,
            },
            takes_wasm: glue.takes_wasm(),
            bundled: glue.bundled.clone(),
            loads_wasm_itself: glue.loads_wasm_itself.clone(),
            exports: glue.exports.iter().map(|e| e.name.clone()).collect(),
            methods: glue
                .exports
                .iter()
                .map(|e| {
                    let methods = e
                        .members
                        .iter()
                        .filter(|m| matches!(m.kind, MemberKind::Method | MemberKind::StaticMethod))
                        .map(|m| GlueMethod {
                            name: m.name.clone(),
                            is_static: m.kind == MemberKind::StaticMethod,
                        })
                        .collect();
                    (e.name.clone(), methods)
                })
                .collect(),
        })
    }

    /// Whether the glue exports `name`.
    pub fn exports(&self, name: &str) -> bool {
        self.exports.iter().any(|e| e == name)
    }
}
