//! Which calls a generated proxy logs for replay into a fresh instance.
//!
//! A swap replays only the calls that built state still alive (constructors,
//! `*_create`, decoders) and the calls that changed such state in place (adding
//! a gate to a gate vector). Everything else (proofs, random numbers, file I/O,
//! pure arithmetic) stays unlogged: replaying it would redo work or repeat side
//! effects. A [`ReplayPolicy`] says which is which, by export name or role.
//!
//! Policies are an ordered list of rules; for each export the *last* rule that
//! matches decides, so a config file's rules, appended to a built-in profile,
//! override it.
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
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{CodegenError, Result};
use crate::model::Role;

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
            role: None,
            replay: true,
            mutates: None,
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
            exports: None,
            role: Some(role.as_str().to_owned()),
            replay: true,
            mutates: None,
        }
    }

    fn selects(&self, export: &str, role: Role) -> Result<bool> {
        if let Some(r) = &self.role
            && r != role.as_str()
        {
            return Ok(false);
        }
        match &self.exports {
            None => Ok(true),
            Some(glob) => Ok(pattern(glob)?.matches(export)),
        }
    }

    fn decision(&self) -> ReplayDecision {
        match (self.mutates, self.replay) {
            (Some(arg), _) => ReplayDecision::Mutates { arg },
            (None, true) => ReplayDecision::Replay,
            (None, false) => ReplayDecision::Unlogged,
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

    /// Logs wasm-bindgen class constructors: the state every module builds.
    pub fn wasm_bindgen() -> Self {
        Self {
            profile: None,
            rules: vec![ReplayRule::role(Role::Constructor)],
        }
    }

    /// o1js's `plonk_wasm` and `kimchi_wasm`: calls that build prover state
    /// (SRS, indexes, gate vectors, decoded keys) are logged, gate-vector
    /// mutations name the vector, and proofs, randomness and file I/O are not.
    pub fn o1js() -> Self {
        let mut policy = Self::wasm_bindgen();
        policy.rules.extend([
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
            // Last, so they win over `*_create` and friends.
            ReplayRule::unlogged("*_proof_create"),
            ReplayRule::unlogged("*_random"),
            ReplayRule::unlogged("*_rng"),
            ReplayRule::unlogged("*_read"),
            ReplayRule::unlogged("*_write"),
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
        file.resolve()
    }

    /// Parses a JSON policy; the error is one line with the position.
    pub fn parse_json(text: &str) -> std::result::Result<Self, String> {
        let file: Self = serde_json::from_str(text)
            .map_err(|e| format!("line {} column {}: {e}", e.line(), e.column()))?;
        file.resolve()
    }

    /// Expands the named profile and checks every glob.
    fn resolve(self) -> std::result::Result<Self, String> {
        let mut policy = match &self.profile {
            Some(name) => Self::profile(name).map_err(|e| e.to_string())?,
            None => Self::none(),
        };
        policy.profile = self.profile;
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

    /// What the policy decides for `export` of `role`.
    pub fn decide(&self, export: &str, role: Role) -> Result<ReplayDecision> {
        let mut decision = ReplayDecision::Unlogged;
        for rule in &self.rules {
            if rule.selects(export, role)? {
                decision = rule.decision();
            }
        }
        Ok(decision)
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
        policy.decide(export, Role::Function).unwrap()
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
            "caml_pasta_fp_plonk_gate_vector_get",
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
        // Constructors by role, whatever their name.
        assert_eq!(
            p.decide("wasmfpgate_new_2", Role::Constructor).unwrap(),
            ReplayDecision::Replay
        );
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
