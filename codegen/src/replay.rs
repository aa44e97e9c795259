//! Which calls a generated proxy logs for replay into a fresh instance: one
//! policy, resolved here for every export and emitted into both shims (the
//! TypeScript shim's `$runtime.op({...})` decisions and the Rust shim's
//! `#[replay]` attributes). The runtimes hold mechanism, not rules.
//!
//! A swap replays only the calls that built state still alive (constructors,
//! `*_create`, decoders, methods returning a new object) and the calls that
//! changed such state in place (a method, adding a gate to a gate vector).
//! Calls that only read (`toString`, `len`, `get_*`, by their JS name) and calls
//! whose replay would redo work or side effects (proofs, file I/O, pure
//! arithmetic) stay unlogged. Calls that are not deterministic (`random`,
//! `generate`, `rng`...) are logged but **refused**: what they made or changed
//! cannot be rebuilt by replay, so it moves by transfer or stays stale.
//!
//! Policies are an ordered list of rules; for each export the *last* rule that
//! matches decides, so a config file's rules, appended to a built-in profile,
//! override it. (`pointers` is the exception: any matching rule sets it.)
//!
//! ```toml
//! # replay.toml: start from the o1js profile, then log one more export
//! profile = "o1js"
//!
//! [[rule]]
//! exports = "caml_pasta_fp_plonk_index_*_create"
//!
//! [[rule]]
//! exports = "my_vector_push"
//! mutates = 0        # the call changes its first argument
//!
//! [[rule]]
//! exports = "caml_fp_srs_create_parallel"
//! replay = false     # never logged
//!
//! [[rule]]
//! exports = "doc_shuffle"
//! refuse = "shuffles with a random seed"   # logged, never replayed
//!
//! [[rule]]
//! role = "method"
//! reads_only = true  # selects methods whose JS name says they only read
//! replay = false
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{CodegenError, Result};
use crate::model::{Export, ModuleModel, Role};

/// An ordered list of [`ReplayRule`]s; the last one matching an export decides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayPolicy {
    /// Built-in profile the rules are appended to (`"none"`, `"wasm-bindgen"`, `"o1js"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Rules in order (`[[rule]]` in TOML, `"rule": [...]` in JSON).
    #[serde(default, rename = "rule", alias = "rules")]
    pub rules: Vec<ReplayRule>,
    /// Transfers codegen cannot guess from the names (`[[transfer]]`), tried before
    /// the ones it derives. The TypeScript runtime moves by them; the Rust runtime
    /// does not transfer yet.
    #[serde(default, rename = "transfer", skip_serializing_if = "Vec::is_empty")]
    pub transfers: Vec<TransferRule>,
}

/// How a class moves by transfer, named in a policy file:
///
/// ```toml
/// [[transfer]]
/// class = "Keypair"
/// save = "export_secret"     # instance method returning bytes or a string
/// load = "import_secret"     # static method `Keypair.import_secret(x)`
///
/// [[transfer]]
/// class = "Doc"
/// save = "encodeState"       # top-level function `encodeState(doc)`
/// load = "applyState"        # top-level function `applyState(blank, x)`
/// apply = true
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRule {
    /// The class, as the typings name it.
    pub class: String,
    /// What reads the object: an instance method, or (with `apply`) a top-level function.
    pub save: String,
    /// What rebuilds it: a static method of the class, a top-level function
    /// (`function = true`), or (with `apply`) a function applying the value to a blank object.
    pub load: String,
    /// `load` is a top-level function, not a static method.
    #[serde(default, skip_serializing_if = "is_false")]
    pub function: bool,
    /// `save(obj)` and `load(blank, saved)` are top-level functions applied to a blank object.
    #[serde(default, skip_serializing_if = "is_false")]
    pub apply: bool,
}

/// One rule: which exports it selects and what it decides for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayRule {
    /// Glob over export names (`*`, `?`, `[...]`); absent selects every export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exports: Option<String>,
    /// Role the export must have (`constructor`, `method`, ...); absent selects any role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Whether calls are logged for replay.
    #[serde(default = "yes")]
    pub replay: bool,
    /// The call changes this argument in place (0-based raw parameter position);
    /// implies `replay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutates: Option<usize>,
    /// The call changes the object it is a method of (`this`); implies `replay`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub mutates_self: bool,
    /// The call changes its first class-handle argument (`applyUpdate(doc, bytes)`);
    /// implies `replay`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub mutates_first_handle: bool,
    /// Selects only exports with (`true`) or without (`false`) a class-handle parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub takes_handle: Option<bool>,
    /// Logged but never replayed, for this reason: what the call made or changed
    /// moves by transfer or stays stale (randomness, time, I/O).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refuse: Option<String>,
    /// Selects only exports whose JS result is (`true`) or is not (`false`) a class handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns_handle: Option<bool>,
    /// Selects only members whose JS name says they read and change nothing
    /// (`toString`, `len`, `get_x`, `is_empty`; not `get_or_insert`), see [`reads_only`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads_only: Option<bool>,
    /// Selects only members whose JS name says they are not deterministic
    /// (`random`, `rng`, `generate`, `nonce`, `uuid`, `now`), see [`nondeterministic`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nondeterministic: Option<bool>,
    /// Selects only exports with a JS parameter of this type (e.g. `Uint32Array`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub takes: Option<String>,
    /// The call's `Uint32Array` arguments are raw pointers into one instance: a
    /// logged call with a non-empty one is not replayed (what it made stays stale).
    #[serde(default, skip_serializing_if = "is_false")]
    pub pointers: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What codegen knows of one export when it applies a policy: the raw export
/// and its JS face (from the typings; empty where there are none).
#[derive(Debug, Clone, Default)]
pub struct CallFacts<'a> {
    /// Raw export name.
    pub export: &'a str,
    /// Its role.
    pub role: Option<Role>,
    /// The JS function or member name.
    pub member: Option<&'a str>,
    /// The JS result is a class handle.
    pub returns_handle: bool,
    /// A JS parameter is a class handle.
    pub takes_handle: bool,
    /// JS parameter types as written.
    pub param_types: Vec<&'a str>,
}

impl<'a> CallFacts<'a> {
    /// The facts of `export` from the model: its JS function or member, if the
    /// typings declare one.
    pub fn of(model: &'a ModuleModel, export: &'a Export) -> Self {
        let mut facts = CallFacts {
            export: &export.name,
            role: Some(export.role),
            member: export.member.as_deref(),
            ..CallFacts::default()
        };
        let (Some(api), Some(member)) = (model.api.as_ref(), export.member.as_deref()) else {
            return facts;
        };
        let function = match &export.class {
            None => api.functions.iter().find(|f| f.name == member),
            Some(class) => api.class(class).and_then(|c| match export.role {
                Role::Constructor => c.constructor.as_ref(),
                Role::Method | Role::StaticMethod => c
                    .methods
                    .iter()
                    .find(|m| m.function.name == member)
                    .map(|m| &m.function),
                _ => None,
            }),
        };
        if export.role == Role::Constructor {
            facts.returns_handle = true;
        }
        if let Some(f) = function {
            facts.returns_handle |= f.returns.ty.class().is_some();
            facts.param_types = f.params.iter().map(|p| p.ty.text.as_str()).collect();
            facts.takes_handle = f.params.iter().any(|p| p.ty.ty.class().is_some());
        }
        facts
    }
}

/// Which object a logged call changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mutated {
    /// The raw parameter at this 0-based position.
    Arg(usize),
    /// The object the method is called on.
    This,
    /// The first argument that is a class handle.
    FirstHandle,
}

/// The whole decision of a policy for one export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// Calls are logged.
    pub log: bool,
    /// The object a logged call changes, if any.
    pub mutates: Option<Mutated>,
    /// Logged calls are never replayed, for this reason.
    pub refuse: Option<String>,
    /// `Uint32Array` arguments are raw pointers (see [`ReplayRule::pointers`]).
    pub pointers: bool,
}

/// Whether a JS member name says the call only reads: a reading prefix (`get`,
/// `is`, `has`, `to`, `as`, `len`, `size`, `count`...) ending at a word boundary,
/// and no word that says it changes something (`insert`, `set`, `push`...).
pub fn reads_only(member: &str) -> bool {
    const READS: &[&str] = &[
        "get",
        "is",
        "has",
        "to",
        "as",
        "len",
        "length",
        "size",
        "count",
        "num",
        "contains",
        "equals",
        "compare",
        "hash",
        "encode",
        "serialize",
        "serialise",
    ];
    const CHANGES: &[&str] = &[
        "insert", "set", "put", "push", "pop", "add", "remove", "delete", "take", "clear", "mut",
        "apply", "update", "write", "append",
    ];
    if matches!(member, "toString" | "toJSON" | "valueOf") {
        return true;
    }
    let lower = member.to_lowercase();
    if CHANGES.iter().any(|w| lower.contains(w)) {
        return false;
    }
    READS.iter().any(|prefix| {
        member.strip_prefix(prefix).is_some_and(|rest| {
            rest.chars()
                .next()
                .is_none_or(|c| c == '_' || c.is_ascii_uppercase() || c.is_ascii_digit())
        })
    })
}

/// Whether a JS member name says the call is not deterministic.
pub fn nondeterministic(member: &str) -> bool {
    const WORDS: &[&str] = &["random", "rng", "generate", "nonce", "uuid", "timestamp"];
    let lower = member.to_lowercase();
    WORDS.iter().any(|w| lower.contains(w)) || lower == "now" || lower.ends_with("_now")
}

fn yes() -> bool {
    true
}

/// What a policy decides for one export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayDecision {
    /// Not logged.
    Unlogged,
    /// Logged and replayed: the call builds state.
    Replay,
    /// Logged and replayed: the call changes its argument `arg` in place.
    Mutates {
        /// 0-based raw parameter position.
        arg: usize,
    },
}

/// Names of the built-in profiles.
pub const PROFILES: &[&str] = &["none", "wasm-bindgen", "o1js"];

impl ReplayRule {
    /// A rule logging the exports matching `glob`.
    pub fn replay(glob: &str) -> Self {
        Self {
            exports: Some(glob.to_owned()),
            ..Self::any()
        }
    }

    /// A rule selecting every export, logging it.
    pub fn any() -> Self {
        Self {
            exports: None,
            role: None,
            replay: true,
            mutates: None,
            mutates_self: false,
            mutates_first_handle: false,
            takes_handle: None,
            refuse: None,
            returns_handle: None,
            reads_only: None,
            nondeterministic: None,
            takes: None,
            pointers: false,
        }
    }

    /// A rule keeping the exports matching `glob` unlogged.
    pub fn unlogged(glob: &str) -> Self {
        Self {
            replay: false,
            ..Self::replay(glob)
        }
    }

    /// A rule logging the exports matching `glob` as changing argument `arg`.
    pub fn mutates(glob: &str, arg: usize) -> Self {
        Self {
            mutates: Some(arg),
            ..Self::replay(glob)
        }
    }

    /// A rule logging every export of `role`.
    pub fn role(role: Role) -> Self {
        Self {
            role: Some(role.as_str().to_owned()),
            ..Self::any()
        }
    }

    fn selects(&self, call: &CallFacts<'_>) -> Result<bool> {
        if let Some(r) = &self.role
            && call.role.is_none_or(|role| r != role.as_str())
        {
            return Ok(false);
        }
        let member = call.member.unwrap_or(call.export);
        let checks = [
            self.returns_handle
                .is_none_or(|want| want == call.returns_handle),
            self.takes_handle
                .is_none_or(|want| want == call.takes_handle),
            self.reads_only
                .is_none_or(|want| want == reads_only(member)),
            self.nondeterministic
                .is_none_or(|want| want == nondeterministic(member)),
            self.takes
                .as_ref()
                .is_none_or(|ty| call.param_types.iter().any(|t| t == ty)),
        ];
        if checks.contains(&false) {
            return Ok(false);
        }
        match &self.exports {
            None => Ok(true),
            Some(glob) => Ok(pattern(glob)?.matches(call.export)),
        }
    }

    fn resolution(&self) -> Resolution {
        let mutates = match (self.mutates, self.mutates_self, self.mutates_first_handle) {
            (Some(arg), _, _) => Some(Mutated::Arg(arg)),
            (None, true, _) => Some(Mutated::This),
            (None, false, true) => Some(Mutated::FirstHandle),
            (None, false, false) => None,
        };
        Resolution {
            log: self.replay || mutates.is_some() || self.refuse.is_some(),
            mutates,
            refuse: self.refuse.clone(),
            pointers: false,
        }
    }
}

fn pattern(glob: &str) -> Result<glob::Pattern> {
    glob::Pattern::new(glob)
        .map_err(|e| CodegenError::Config(format!("replay rule `{glob}`: {}", e.msg)))
}

impl ReplayPolicy {
    /// Logs nothing.
    pub fn none() -> Self {
        Self::default()
    }

    /// The default of every wasm-bindgen module: constructors, functions and
    /// static methods returning a new object, methods (changing their object,
    /// unless their name says they only read), setters, functions and static
    /// methods that take an object and return none (changing that object, unless
    /// their name says they only read); calls whose name says they are not
    /// deterministic are refused.
    pub fn wasm_bindgen() -> Self {
        let changes_argument = |role: Role| ReplayRule {
            takes_handle: Some(true),
            returns_handle: Some(false),
            mutates_first_handle: true,
            ..ReplayRule::role(role)
        };
        let refuse = |role: Role| ReplayRule {
            nondeterministic: Some(true),
            refuse: Some("not deterministic (by its name)".to_owned()),
            ..ReplayRule::role(role)
        };
        Self {
            profile: None,
            transfers: Vec::new(),
            rules: vec![
                ReplayRule::role(Role::Constructor),
                ReplayRule {
                    returns_handle: Some(true),
                    ..ReplayRule::role(Role::Function)
                },
                ReplayRule {
                    returns_handle: Some(true),
                    ..ReplayRule::role(Role::StaticMethod)
                },
                ReplayRule {
                    mutates_self: true,
                    ..ReplayRule::role(Role::Method)
                },
                ReplayRule {
                    returns_handle: Some(false),
                    reads_only: Some(true),
                    replay: false,
                    ..ReplayRule::role(Role::Method)
                },
                ReplayRule {
                    mutates_self: true,
                    ..ReplayRule::role(Role::Setter)
                },
                changes_argument(Role::Function),
                changes_argument(Role::StaticMethod),
                ReplayRule {
                    takes_handle: Some(true),
                    returns_handle: Some(false),
                    reads_only: Some(true),
                    replay: false,
                    ..ReplayRule::role(Role::Function)
                },
                ReplayRule {
                    takes_handle: Some(true),
                    returns_handle: Some(false),
                    reads_only: Some(true),
                    replay: false,
                    ..ReplayRule::role(Role::StaticMethod)
                },
                refuse(Role::Function),
                refuse(Role::StaticMethod),
                refuse(Role::Method),
            ],
        }
    }

    /// o1js's `plonk_wasm` and `kimchi_wasm`: calls that build prover state
    /// (SRS, indexes, gate vectors, decoded keys) are logged, gate-vector
    /// mutations name the vector, and proofs, randomness and file I/O are not.
    pub fn o1js() -> Self {
        let mut policy = Self::wasm_bindgen();
        policy.rules.extend([
            // o1js's functions that change an object are listed below: the rest read.
            ReplayRule {
                returns_handle: Some(false),
                replay: false,
                ..ReplayRule::role(Role::Function)
            },
            ReplayRule::replay("*_create"),
            ReplayRule::replay("*_create_parallel"),
            ReplayRule::replay("*_new"),
            ReplayRule::replay("wire_create"),
            ReplayRule::replay("*_decode"),
            ReplayRule::replay("*_deserialize"),
            ReplayRule::mutates("caml_pasta_f[pq]_plonk_gate_vector_add", 0),
            ReplayRule::mutates("caml_pasta_f[pq]_plonk_gate_vector_wrap", 0),
            // Caches the Lagrange basis inside the SRS that later commitments read.
            ReplayRule::mutates("caml_f[pq]_srs_add_lagrange_basis", 0),
            ReplayRule::mutates("caml_f[pq]_srs_set_lagrange_basis", 0),
            // Last, so they win over `*_create` and friends: proofs, oracles, checks,
            // randomness and files are not replayed; curve arithmetic is converted by
            // o1js at once (its points move by value); witness vectors live for one proof.
            ReplayRule::unlogged("*_proof_create"),
            ReplayRule::unlogged("*_oracles_create"),
            ReplayRule::unlogged("*_batch_*"),
            ReplayRule::unlogged("*_verify*"),
            ReplayRule::unlogged("*_srs_get*"),
            ReplayRule::unlogged("*_lagrange_commitments_whole_domain*"),
            ReplayRule::unlogged("caml_pallas_*"),
            ReplayRule::unlogged("caml_vesta_*"),
            ReplayRule::unlogged("wasmvecvec*"),
            ReplayRule::unlogged("*_random"),
            ReplayRule::unlogged("*_rng"),
            ReplayRule::unlogged("*_read"),
            ReplayRule::unlogged("*_write"),
            // Pointer arrays (poly-comm constructors, `prev_sgs`...) hold one instance's addresses.
            ReplayRule {
                takes: Some("Uint32Array".to_owned()),
                pointers: true,
                ..ReplayRule::any()
            },
        ]);
        policy
    }

    /// The built-in profile of that name (see [`PROFILES`]).
    pub fn profile(name: &str) -> Result<Self> {
        match name {
            "none" => Ok(Self::none()),
            "wasm-bindgen" => Ok(Self::wasm_bindgen()),
            "o1js" => Ok(Self::o1js()),
            other => Err(CodegenError::Config(format!(
                "unknown replay profile `{other}` (known: {})",
                PROFILES.join(", ")
            ))),
        }
    }

    /// The default for a module: the o1js profile for `plonk_wasm` and
    /// `kimchi_wasm`, constructors only for anything else.
    pub fn for_module(name: &str) -> Self {
        match name {
            "plonk_wasm" | "kimchi_wasm" => Self::o1js(),
            _ => Self::wasm_bindgen(),
        }
    }

    /// Appends a rule (it overrides every earlier one it overlaps).
    pub fn with_rule(mut self, rule: ReplayRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Reads a policy file: TOML, or JSON when the file name ends in `.json`.
    /// The rules are appended to the `profile` the file names (default `none`).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => CodegenError::Missing {
                path: path.to_owned(),
                what: "replay policy file",
            },
            _ => CodegenError::Read {
                path: path.to_owned(),
                source,
            },
        })?;
        let is_json = path.extension().is_some_and(|e| e == "json");
        let parsed = if is_json {
            Self::parse_json(&text)
        } else {
            Self::parse_toml(&text)
        };
        parsed.map_err(|message| CodegenError::ReplayPolicy {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses a TOML policy; the error is one line with the position.
    pub fn parse_toml(text: &str) -> std::result::Result<Self, String> {
        let file: Self = toml::from_str(text).map_err(|e| {
            let position = e
                .span()
                .map(|s| {
                    let line = text[..s.start].matches('\n').count() + 1;
                    format!("line {line}: ")
                })
                .unwrap_or_default();
            format!("{position}{}", e.message())
        })?;
        file.expand()
    }

    /// Parses a JSON policy; the error is one line with the position.
    pub fn parse_json(text: &str) -> std::result::Result<Self, String> {
        let file: Self = serde_json::from_str(text)
            .map_err(|e| format!("line {} column {}: {e}", e.line(), e.column()))?;
        file.expand()
    }

    /// Expands the named profile and checks every glob.
    fn expand(self) -> std::result::Result<Self, String> {
        let mut policy = match &self.profile {
            Some(name) => Self::profile(name).map_err(|e| e.to_string())?,
            None => Self::none(),
        };
        policy.profile = self.profile;
        policy.transfers = self.transfers;
        for rule in self.rules {
            if let Some(glob) = &rule.exports {
                pattern(glob).map_err(|e| e.to_string())?;
            }
            if let Some(role) = &rule.role
                && !ROLE_NAMES.contains(&role.as_str())
            {
                return Err(format!(
                    "unknown role `{role}` (known: {})",
                    ROLE_NAMES.join(", ")
                ));
            }
            policy.rules.push(rule);
        }
        Ok(policy)
    }

    /// What the policy decides for one export, whole (see [`Resolution`]).
    pub fn resolve(&self, call: &CallFacts<'_>) -> Result<Resolution> {
        let mut resolution = Resolution::default();
        let mut pointers = false;
        for rule in &self.rules {
            if !rule.selects(call)? {
                continue;
            }
            if rule.pointers {
                // A fact about the arguments, not a decision: it adds to the last one.
                pointers = true;
                continue;
            }
            resolution = rule.resolution();
        }
        resolution.pointers = pointers && resolution.log;
        Ok(resolution)
    }

    /// What the policy decides for `export` of `role`, knowing only its name:
    /// [`Self::resolve`] with no JS facts. A refused call is [`ReplayDecision::Unlogged`]
    /// here, and a call changing `this` is [`ReplayDecision::Replay`].
    pub fn decide(&self, export: &str, role: Role) -> Result<ReplayDecision> {
        let facts = CallFacts {
            export,
            role: Some(role),
            ..CallFacts::default()
        };
        Ok(self.resolve(&facts)?.into())
    }
}

impl From<Resolution> for ReplayDecision {
    fn from(r: Resolution) -> Self {
        match r {
            Resolution { log: false, .. }
            | Resolution {
                refuse: Some(_), ..
            } => Self::Unlogged,
            Resolution {
                mutates: Some(Mutated::Arg(arg)),
                ..
            } => Self::Mutates { arg },
            _ => Self::Replay,
        }
    }
}

/// Roles a rule may name.
const ROLE_NAMES: &[&str] = &[
    "function",
    "constructor",
    "method",
    "static_method",
    "getter",
    "setter",
    "free",
    "plumbing",
    "unmatched",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(policy: &ReplayPolicy, export: &str) -> ReplayDecision {
        let facts = CallFacts {
            export,
            role: Some(Role::Function),
            returns_handle: true,
            ..CallFacts::default()
        };
        policy.resolve(&facts).unwrap().into()
    }

    #[test]
    fn o1js_profile_logs_state_builders_and_not_proofs() {
        let p = ReplayPolicy::o1js();
        for logged in [
            "caml_fp_srs_create",
            "caml_fq_srs_create_parallel",
            "caml_pasta_fp_plonk_index_create",
            "caml_pasta_fp_plonk_index_decode",
            "caml_pasta_fq_plonk_verifier_index_deserialize",
            "wire_create",
            "lookuppatterns_new",
        ] {
            assert_eq!(decide(&p, logged), ReplayDecision::Replay, "{logged}");
        }
        for unlogged in [
            "caml_pasta_fp_plonk_proof_create",
            "caml_pasta_fq_plonk_proof_create",
            "caml_pallas_random",
            "caml_vesta_rng",
            "caml_pasta_fp_plonk_index_read",
            "caml_pasta_fp_plonk_index_write",
            "caml_fp_srs_read",
            "caml_vesta_add",
        ] {
            assert_eq!(decide(&p, unlogged), ReplayDecision::Unlogged, "{unlogged}");
        }
        for mutating in [
            "caml_pasta_fp_plonk_gate_vector_add",
            "caml_pasta_fq_plonk_gate_vector_wrap",
            "caml_fq_srs_add_lagrange_basis",
        ] {
            assert_eq!(
                decide(&p, mutating),
                ReplayDecision::Mutates { arg: 0 },
                "{mutating}"
            );
        }
        // A copy of a gate returns an object: logged like any builder.
        assert_eq!(
            decide(&p, "caml_pasta_fp_plonk_gate_vector_get"),
            ReplayDecision::Replay
        );
        // Constructors by role, whatever their name.
        assert_eq!(
            p.decide("wasmfpgate_new_2", Role::Constructor).unwrap(),
            ReplayDecision::Replay
        );
    }

    #[test]
    fn names_say_what_reads_and_what_is_random() {
        for name in [
            "toString",
            "length",
            "get_value",
            "isEmpty",
            "to_bytes",
            "len",
        ] {
            assert!(reads_only(name), "{name}");
        }
        for name in [
            "insert",
            "get_or_insert",
            "push",
            "total",
            "assign",
            "toggle",
            "getter_set",
        ] {
            assert!(!reads_only(name), "{name}");
        }
        for name in ["generate_ed25519", "random", "fromRng", "now"] {
            assert!(nondeterministic(name), "{name}");
        }
        for name in ["from_bytes", "snow", "generation_id_of"] {
            assert!(!nondeterministic(name), "{name}");
        }
    }

    #[test]
    fn wasm_bindgen_profile_logs_builders_and_changes_refuses_randomness() {
        let p = ReplayPolicy::wasm_bindgen();
        let facts = |export, role, member, returns_handle| CallFacts {
            export,
            role: Some(role),
            member: Some(member),
            returns_handle,
            ..CallFacts::default()
        };
        let resolve = |f: CallFacts<'_>| p.resolve(&f).unwrap();
        assert!(resolve(facts("doc_new", Role::Constructor, "constructor", true)).log);
        let method = resolve(facts("ytext_insert", Role::Method, "insert", false));
        assert_eq!(method.mutates, Some(Mutated::This));
        assert!(!resolve(facts("ytext_toString", Role::Method, "toString", false)).log);
        // A reading name that returns a new object still builds state.
        assert!(resolve(facts("doc_getText", Role::Method, "getText", true)).log);
        assert!(!resolve(facts("add", Role::Function, "add", false)).log);
        assert!(resolve(facts("make_counter", Role::Function, "make_counter", true)).log);
        let random = resolve(facts(
            "privatekey_generate_ed25519",
            Role::StaticMethod,
            "generate_ed25519",
            true,
        ));
        assert!(random.log);
        assert!(random.refuse.is_some());
        assert_eq!(ReplayDecision::from(random), ReplayDecision::Unlogged);
    }

    #[test]
    fn config_rules_override_the_profile() {
        let p = ReplayPolicy::parse_toml(
            r#"
profile = "o1js"
[[rule]]
exports = "caml_fp_srs_create_parallel"
replay = false
[[rule]]
exports = "my_push"
mutates = 1
"#,
        )
        .unwrap();
        assert_eq!(p.profile.as_deref(), Some("o1js"));
        assert_eq!(
            decide(&p, "caml_fp_srs_create_parallel"),
            ReplayDecision::Unlogged
        );
        assert_eq!(decide(&p, "caml_fp_srs_create"), ReplayDecision::Replay);
        assert_eq!(decide(&p, "my_push"), ReplayDecision::Mutates { arg: 1 });

        let json = ReplayPolicy::parse_json(
            r#"{"rule": [{"exports": "make_*"}, {"role": "getter", "replay": true}]}"#,
        )
        .unwrap();
        assert_eq!(decide(&json, "make_counter"), ReplayDecision::Replay);
        assert_eq!(
            decide(&json, "caml_fp_srs_create"),
            ReplayDecision::Unlogged
        );
        assert_eq!(
            json.decide("__wbg_get_x_y", Role::Getter).unwrap(),
            ReplayDecision::Replay
        );
    }

    #[test]
    fn bad_policies_say_what_and_where() {
        let err =
            ReplayPolicy::parse_toml("[[rule]]\nexports = \"a\"\nreplay = \"yes\"\n").unwrap_err();
        assert!(err.starts_with("line 3: "), "{err}");
        let err = ReplayPolicy::parse_toml("[[rule]]\nexport = \"a\"\n").unwrap_err();
        assert!(err.contains("unknown field `export`"), "{err}");
        let err = ReplayPolicy::parse_toml("profile = \"plonk\"\n").unwrap_err();
        assert!(err.contains("unknown replay profile `plonk`"), "{err}");
        let err = ReplayPolicy::parse_toml("[[rule]]\nexports = \"a[\"\n").unwrap_err();
        assert!(err.contains("replay rule `a[`"), "{err}");
        let err = ReplayPolicy::parse_toml("[[rule]]\nrole = \"ctor\"\n").unwrap_err();
        assert!(err.contains("unknown role `ctor`"), "{err}");
        let err = ReplayPolicy::parse_json("{\"rule\": [}").unwrap_err();
        assert!(err.starts_with("line 1 column "), "{err}");
    }
}
