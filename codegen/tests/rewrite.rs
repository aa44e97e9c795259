//! `codegen::rewrite`: the walrus round trip and the leak simulator, on WAT fixtures
//! and on o1js's real plonk_wasm and kimchi_wasm.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use codegen::CodegenError;
use codegen::rewrite::{PAGE_SIZE, inject_leak, pages_per_call, round_trip};
use common::*;
use wasmparser::{
    BlockType, CompositeInnerType, ExternalKind, Operator, Parser, Payload, TypeRef, Validator,
    WasmFeatures,
};

/// What must not change in a rewrite: imports and exports with their types, and
/// the custom sections.
#[derive(Debug, PartialEq, Eq)]
struct Interface {
    /// `(module, name) -> kind and type`.
    imports: BTreeMap<(String, String), String>,
    /// `name -> kind and type`, in export order.
    exports: Vec<(String, String)>,
    /// Names of the custom sections other than the ones walrus regenerates.
    custom: Vec<String>,
}

/// A parsed module: its interface, and the code of every function by index.
struct Parsed {
    interface: Interface,
    /// Function index of each function export.
    export_funcs: BTreeMap<String, u32>,
    /// Parameter count of each function export.
    export_params: BTreeMap<String, u32>,
    /// Operators of each defined function, by function index (imports have none).
    bodies: BTreeMap<u32, Vec<String>>,
    /// The same with every function and type index replaced by the signature it
    /// names: comparable across a rewrite, which may renumber both.
    normalized: BTreeMap<u32, Vec<String>>,
}

/// An operator with its function and type indices replaced by signatures.
fn normalize(op: &Operator, types: &[(String, usize)], funcs: &[(String, usize)]) -> String {
    let ty = |i: &u32| &types[*i as usize].0;
    let func = |i: &u32| &funcs[*i as usize].0;
    match op {
        Operator::Call { function_index } => format!("Call {}", func(function_index)),
        Operator::ReturnCall { function_index } => format!("ReturnCall {}", func(function_index)),
        Operator::RefFunc { function_index } => format!("RefFunc {}", func(function_index)),
        Operator::CallIndirect {
            type_index,
            table_index,
        } => format!("CallIndirect {} {table_index}", ty(type_index)),
        Operator::ReturnCallIndirect {
            type_index,
            table_index,
        } => format!("ReturnCallIndirect {} {table_index}", ty(type_index)),
        Operator::Block {
            blockty: BlockType::FuncType(i),
        } => format!("Block {}", ty(i)),
        Operator::Loop {
            blockty: BlockType::FuncType(i),
        } => format!("Loop {}", ty(i)),
        Operator::If {
            blockty: BlockType::FuncType(i),
        } => format!("If {}", ty(i)),
        other => format!("{other:?}"),
    }
}

/// Validates `bytes` with threads (shared memory, atomics) enabled, then reads them.
fn parse(bytes: &[u8]) -> Parsed {
    Validator::new_with_features(WasmFeatures::default() | WasmFeatures::THREADS)
        .validate_all(bytes)
        .expect("the module validates");
    let mut types = Vec::new();
    let mut func_types = Vec::new();
    let mut memories = Vec::new();
    let mut imports = BTreeMap::new();
    let mut exports = Vec::new();
    let mut export_funcs = BTreeMap::new();
    let mut export_params = BTreeMap::new();
    let mut custom = Vec::new();
    let mut bodies = BTreeMap::new();
    let mut normalized = BTreeMap::new();
    let mut imported_funcs = 0;
    let mut next_body = 0;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.unwrap() {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.unwrap().into_types() {
                        types.push(match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => (format!("{f:?}"), f.params().len()),
                            other => (format!("{other:?}"), 0),
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.unwrap();
                    let ty = match import.ty {
                        TypeRef::Func(i) => {
                            imported_funcs += 1;
                            func_types.push(types[i as usize].clone());
                            format!("func {}", types[i as usize].0)
                        }
                        TypeRef::Memory(m) => {
                            memories.push(format!("{m:?}"));
                            format!("memory {m:?}")
                        }
                        other => format!("{other:?}"),
                    };
                    imports.insert((import.module.to_owned(), import.name.to_owned()), ty);
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    func_types.push(types[ty.unwrap() as usize].clone());
                }
            }
            Payload::MemorySection(reader) => {
                for m in reader {
                    memories.push(format!("{:?}", m.unwrap()));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.unwrap();
                    let what = match export.kind {
                        ExternalKind::Func => {
                            let (ty, params) = &func_types[export.index as usize];
                            export_funcs.insert(export.name.to_owned(), export.index);
                            export_params.insert(export.name.to_owned(), *params as u32);
                            format!("func {ty}")
                        }
                        ExternalKind::Memory => {
                            format!("memory {}", memories[export.index as usize])
                        }
                        kind => format!("{kind:?}"),
                    };
                    exports.push((export.name.to_owned(), what));
                }
            }
            Payload::CodeSectionEntry(body) => {
                let ops: Vec<Operator> = body
                    .get_operators_reader()
                    .unwrap()
                    .into_iter()
                    .map(Result::unwrap)
                    .collect();
                let index = imported_funcs + next_body;
                bodies.insert(index, ops.iter().map(|op| format!("{op:?}")).collect());
                normalized.insert(
                    index,
                    ops.iter()
                        .map(|op| normalize(op, &types, &func_types))
                        .collect(),
                );
                next_body += 1;
            }
            Payload::CustomSection(section) if !matches!(section.name(), "name" | "producers") => {
                custom.push(section.name().to_owned());
            }
            _ => {}
        }
    }
    Parsed {
        interface: Interface {
            imports,
            exports,
            custom,
        },
        export_funcs,
        export_params,
        bodies,
        normalized,
    }
}

/// The body of the leaky export `name` in `out`: grow, drop, pass every argument
/// on, call the original. Returns the original's function index.
fn assert_leak_body(out: &Parsed, name: &str, grow: &str) -> u32 {
    assert_leak_then_call(
        out,
        name,
        vec![
            grow.to_owned(),
            "MemoryGrow { mem: 0 }".into(),
            "Drop".into(),
        ],
    )
}

/// The body of the leaky export `name` in `out`: `leak`, then every argument passed on
/// to the original. Returns the original's function index.
fn assert_leak_then_call(out: &Parsed, name: &str, leak: Vec<String>) -> u32 {
    let params = out.export_params[name];
    let body = &out.bodies[&out.export_funcs[name]];
    let mut expected = leak;
    expected.extend((0..params).map(|i| format!("LocalGet {{ local_index: {i} }}")));
    assert_eq!(body[..expected.len()], expected[..], "{name}: {body:#?}");
    let call = &body[expected.len()];
    let callee = call
        .strip_prefix("Call { function_index: ")
        .and_then(|rest| rest.strip_suffix(" }"))
        .unwrap_or_else(|| panic!("{name}: expected a call, got {call}"))
        .parse()
        .unwrap();
    assert_eq!(body[expected.len() + 1..], ["End".to_owned()], "{name}");
    callee
}

/// The leak through wasm-bindgen's allocator: `malloc(bytes[, 1])`, its pointer dropped.
fn malloc_leak(bytes: u32, arity: usize, malloc: u32) -> Vec<String> {
    let mut leak = vec![format!("I32Const {{ value: {} }}", bytes as i32)];
    if arity == 2 {
        leak.push("I32Const { value: 1 }".into());
    }
    leak.push(format!("Call {{ function_index: {malloc} }}"));
    leak.push("Drop".into());
    leak
}

/// Every normalized function body, sorted: the code up to function order.
fn sorted_bodies(parsed: &Parsed) -> Vec<&Vec<String>> {
    let mut bodies: Vec<_> = parsed.normalized.values().collect();
    bodies.sort();
    bodies
}

fn wat(relative: &str) -> Vec<u8> {
    wat::parse_file(fixture(relative)).expect("fixture WAT compiles")
}

#[test]
fn pages_round_up() {
    assert_eq!(pages_per_call(0), 0);
    assert_eq!(pages_per_call(1), 1);
    assert_eq!(pages_per_call(PAGE_SIZE), 1);
    assert_eq!(pages_per_call(PAGE_SIZE + 1), 2);
    assert_eq!(pages_per_call(150 << 20), 2400);
}

#[test]
fn round_trip_keeps_the_interface() {
    for fixture in ["wat/leak.wat", "wat/kinds.wat", "wat/odd_names.wat"] {
        let bytes = wat(fixture);
        let out = round_trip(&bytes).unwrap();
        assert_eq!(parse(&out).interface, parse(&bytes).interface, "{fixture}");
    }
}

#[test]
fn leaky_export_grows_then_calls_the_original() {
    let bytes = wat("wat/leak.wat");
    let before = parse(&bytes);
    let out = parse(&inject_leak(&bytes, "add", 100_000).unwrap());
    assert_eq!(out.interface, before.interface);

    let original = assert_leak_body(&out, "add", "I32Const { value: 2 }");
    // The callee is `add` as it was; every other export, `add_alias` (the same
    // function) included, still points where it did.
    assert_eq!(
        out.normalized[&original],
        before.normalized[&before.export_funcs["add"]]
    );
    assert_eq!(out.export_funcs["add_alias"], original);
    for (name, index) in &before.export_funcs {
        if name != "add" {
            assert_eq!(
                out.normalized[&out.export_funcs[name]], before.normalized[index],
                "{name}"
            );
        }
    }
}

#[test]
fn every_signature_and_memory_kind() {
    // `pair`: two parameters, two results; `void`: none; kinds.wat's memory 0 is
    // imported and shared, its export `log_again` an imported function.
    let leak = parse(&inject_leak(&wat("wat/leak.wat"), "pair", 1).unwrap());
    assert_leak_body(&leak, "pair", "I32Const { value: 1 }");
    assert_eq!(leak.export_params["pair"], 2);
    let leak = parse(&inject_leak(&wat("wat/leak.wat"), "void", 0).unwrap());
    assert_leak_body(&leak, "void", "I32Const { value: 0 }");
    let kinds = wat("wat/kinds.wat");
    for export in ["pair", "void", "log_again"] {
        let out = parse(&inject_leak(&kinds, export, 3 * PAGE_SIZE).unwrap());
        assert_eq!(out.interface, parse(&kinds).interface, "{export}");
        assert_leak_body(&out, export, "I32Const { value: 3 }");
    }
    let memory64 = wat::parse_str(r#"(module (memory i64 1) (func (export "f")))"#).unwrap();
    let out = parse(&inject_leak(&memory64, "f", PAGE_SIZE).unwrap());
    assert_leak_body(&out, "f", "I64Const { value: 1 }");
}

#[test]
fn with_wasm_bindgen_s_allocator_the_leak_is_a_heap_allocation_never_freed() {
    // Both arities of `__wbindgen_malloc`: (size) before wasm-bindgen 0.2.84, (size, align) since.
    for (params, args) in [("(param i32)", 1), ("(param i32 i32)", 2)] {
        let source = format!(
            r#"(module (memory 1)
                 (func $malloc {params} (result i32) i32.const 8)
                 (func $prove (param i32) (result i32) local.get 0)
                 (export "__wbindgen_malloc" (func $malloc))
                 (export "prove" (func $prove)))"#
        );
        let bytes = wat::parse_str(&source).unwrap();
        let out = parse(&inject_leak(&bytes, "prove", 100 << 20).unwrap());
        let malloc = out.export_funcs["__wbindgen_malloc"];
        assert_leak_then_call(&out, "prove", malloc_leak(100 << 20, args, malloc));
        // No leak asked for: the control keeps its `memory.grow 0`.
        let control = parse(&inject_leak(&bytes, "prove", 0).unwrap());
        assert_leak_body(&control, "prove", "I32Const { value: 0 }");
    }
}

#[test]
fn errors_name_what_is_wrong() {
    let bytes = wat("wat/leak.wat");
    let message = |r: codegen::Result<Vec<u8>>| r.unwrap_err().to_string();

    let err = inject_leak(&bytes, "nope", 1).unwrap_err();
    assert!(matches!(&err, CodegenError::ExportNotFound { name } if name == "nope"));
    assert_eq!(err.to_string(), "export `nope` not found in the module");
    assert_eq!(
        message(inject_leak(&bytes, "calls", 1)),
        "export `calls` is a global, not a function"
    );
    assert_eq!(
        message(inject_leak(&bytes, "memory", 1)),
        "export `memory` is a memory, not a function"
    );
    assert_eq!(
        message(inject_leak(&bytes, "add", 4 << 30 | 1)),
        "cannot rewrite the module: cannot grow memory by 4294967297 bytes per call: \
         a 32-bit memory holds at most 65536 pages of 64 KiB"
    );
    let no_memory = wat::parse_str(r#"(module (func (export "f")))"#).unwrap();
    assert_eq!(
        message(inject_leak(&no_memory, "f", 1)),
        "cannot rewrite the module: the module has no linear memory to grow"
    );
    let garbage = message(inject_leak(b"\0asm\x01\0\0\0\x01", "f", 1));
    assert!(
        garbage.starts_with("cannot rewrite the module: walrus cannot parse it: ")
            && !garbage.contains('\n'),
        "{garbage}"
    );
}

/// Runs the leaky fixture in node: memory grows by the pages asked per call until
/// the cap, and every call still returns what the original returns.
#[test]
fn leaky_fixture_runs_in_node() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipped: node not found");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bytes = wat("wat/leak.wat");
    let (original, leaky) = (
        dir.path().join("original.wasm"),
        dir.path().join("leaky.wasm"),
    );
    std::fs::write(&original, &bytes).unwrap();
    std::fs::write(&leaky, inject_leak(&bytes, "add", 100_000).unwrap()).unwrap();
    let script = r#"
        const fs = require('fs');
        const load = (p) => new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(p))).exports;
        const [o, l] = [load(process.argv[1]), load(process.argv[2])];
        const pages = () => l.memory.buffer.byteLength / 65536;
        const out = { before: pages(), calls: [] };
        for (let i = 0; i < 10; i++) {
          const result = l.add(i, 40);
          out.calls.push({ result, expected: o.add(i, 40), pages: pages(), count: l.calls.value,
                           last_byte: l.touch(pages() * 65536 - 1) });
        }
        for (const f of ['add_alias', 'add_inside', 'add_indirect']) out[f] = [l[f](1, 2), pages()];
        console.log(JSON.stringify(out));
    "#;
    let run = Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(&original)
        .arg(&leaky)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(out["before"], 1);
    // 2 pages per call from 1, capped at 16: 3, 5, ... 15, then growth fails and
    // the original still runs.
    let calls = out["calls"].as_array().unwrap();
    for (i, call) in calls.iter().enumerate() {
        let pages = (1 + 2 * (i as u64 + 1)).min(15);
        assert_eq!(call["pages"], pages, "call {i}: {call}");
        assert_eq!(call["result"], call["expected"], "call {i}");
        assert_eq!(call["result"], i as u64 + 40, "call {i}");
        assert_eq!(call["count"], i as u64 + 1, "call {i}");
        assert_eq!(call["last_byte"], 7, "call {i}");
    }
    // The other ways into `add` do not leak.
    for f in ["add_alias", "add_inside", "add_indirect"] {
        assert_eq!(out[f], serde_json::json!([3, 15]), "{f}");
    }
}

#[test]
fn cli_writes_the_leaky_module_or_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let input = compile_wat("wat/leak.wat", dir.path(), "leak.wasm");
    let output = dir.path().join("leaky.wasm");
    let run = codegen(&[
        "inject-leak".as_ref(),
        input.as_os_str(),
        output.as_os_str(),
        "--export".as_ref(),
        "add".as_ref(),
        "--bytes".as_ref(),
        "1MiB".as_ref(),
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("`add` grows memory by 16 page(s) (1048576 bytes) per call"),
        "{stdout}"
    );
    let out = parse(&std::fs::read(&output).unwrap());
    assert_leak_body(&out, "add", "I32Const { value: 16 }");

    let run = codegen(&[
        "inject-leak".as_ref(),
        input.as_os_str(),
        output.as_os_str(),
        "--export".as_ref(),
        "missing".as_ref(),
        "--bytes".as_ref(),
        "65536".as_ref(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        stderr,
        format!(
            "error: {}: export `missing` not found in the module\n",
            input.display()
        )
    );
}

/// The real modules: walrus round-trips them (threads, shared memory, atomics) and
/// the leak goes into the prover's entry point.
#[test]
fn o1js_modules_round_trip_and_take_a_leak() {
    let bindings = o1js_bindings();
    for (module, export) in [
        ("kimchi_wasm", "caml_pasta_fp_plonk_proof_create"),
        ("plonk_wasm", "caml_pasta_fp_plonk_proof_create"),
    ] {
        let bytes = std::fs::read(bindings.join(format!("{module}_bg.wasm"))).unwrap();
        let before = parse(&bytes);
        assert!(
            before
                .interface
                .imports
                .values()
                .any(|t| t.contains("shared: true")),
            "{module} imports a shared memory"
        );
        let again = parse(&round_trip(&bytes).unwrap());
        assert_eq!(again.interface, before.interface, "{module} round trip");
        // The same code: every body, up to the order of functions and types.
        assert!(
            sorted_bodies(&again) == sorted_bodies(&before),
            "{module}: walrus changed some function body"
        );

        let out = parse(&inject_leak(&bytes, export, 150 << 20).unwrap());
        assert_eq!(out.interface, before.interface, "{module} with the leak");
        // Both take wasm-bindgen's `(size, align)` allocator: the leak is a heap allocation.
        let malloc = out.export_funcs["__wbindgen_malloc"];
        let original = assert_leak_then_call(&out, export, malloc_leak(150 << 20, 2, malloc));
        assert_eq!(
            out.normalized[&original], before.normalized[&before.export_funcs[export]],
            "{module}: the original body is unchanged"
        );
        let mut out = out;
        out.normalized.remove(&out.export_funcs[export]);
        assert!(
            sorted_bodies(&out) == sorted_bodies(&before),
            "{module}: a body other than the leak changed"
        );
    }
}
