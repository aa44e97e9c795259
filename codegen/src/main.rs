//! `codegen`: lists every export of a wasm module and generates proxy shims.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use codegen::model::diff::ModelDiff;
use codegen::output::{check_files, write_files};
use codegen::{
    Generation, ModuleModel, ReadOptions, ReplayPolicy, Severity, Targets, generate_targets,
    read_module,
};

/// Reads a WebAssembly module (and the wasm-bindgen typings and glue beside it),
/// lists every export with its role, and generates proxy shims.
#[derive(Parser)]
#[command(name = "codegen", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    default: GenerateArgs,
}

#[derive(Subcommand)]
enum Command {
    /// List every export with its kind, signature and role.
    List {
        /// The `.wasm` file (wasm-bindgen's `X_bg.wasm`, or any core module).
        wasm: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Generate the shims into the output directory.
    Generate(GenerateArgs),
    /// Exit non-zero if the files in the output directory differ from what would be generated.
    Check(GenerateArgs),
    /// Show exports and classes added, removed or changed between two modules.
    Diff {
        /// The old module.
        old: PathBuf,
        /// The new module.
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Write a copy of the module whose export grows linear memory on every call
    /// (a leak simulator, to test swaps on real growth).
    InjectLeak {
        /// The module to rewrite.
        input: PathBuf,
        /// Where to write the rewritten module.
        output: PathBuf,
        /// The function export that leaks.
        #[arg(long = "export", value_name = "NAME")]
        export_name: String,
        /// Bytes to grow memory by per call, rounded up to 64 KiB pages
        /// (a number, or with a KiB/MiB/GiB suffix: `150MiB`).
        #[arg(long, value_name = "N", value_parser = parse_bytes)]
        bytes: u64,
    },
}

/// Where the typings and glue are, when not beside the wasm.
#[derive(Args)]
struct ReadArgs {
    /// Typings to use instead of `X.d.ts`/`X.d.cts` beside the wasm.
    #[arg(long)]
    typings: Option<PathBuf>,
    /// Raw ABI typings to use instead of `X_bg.wasm.d.ts` beside the wasm.
    #[arg(long)]
    raw_typings: Option<PathBuf>,
    /// Glue to use instead of `X.cjs`/`X.js` beside the wasm.
    #[arg(long)]
    glue: Option<PathBuf>,
    /// Read the wasm alone, ignoring any typings and glue beside it.
    #[arg(long)]
    wasm_only: bool,
}

impl ReadArgs {
    fn options(&self) -> ReadOptions {
        ReadOptions {
            typings: self.typings.clone(),
            raw_typings: self.raw_typings.clone(),
            glue: self.glue.clone(),
            wasm_only: self.wasm_only,
        }
    }
}

#[derive(Args)]
struct GenerateArgs {
    /// The `.wasm` file (wasm-bindgen's `X_bg.wasm`, or any core module).
    wasm: Option<PathBuf>,
    /// Output directory [default: proxy-out/<module>].
    #[arg(long)]
    out_dir: Option<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    /// Which shims: the TypeScript/JS shim, the Rust shim (`<module>.rs` for
    /// proxy-runtime), or both.
    #[arg(long, value_enum, default_value_t = Lang::Ts)]
    lang: Lang,
    /// Replay policy of both shims (TOML, or JSON if named `*.json`) [default: the o1js
    /// profile for plonk_wasm/kimchi_wasm, the wasm-bindgen profile otherwise].
    #[arg(long, value_name = "FILE")]
    replay_policy: Option<PathBuf>,
    /// Path the Rust shim reaches proxy-runtime under, when the host renames or
    /// re-exports the crate (e.g. `my_dep::proxy_runtime`) [default: proxy_runtime].
    #[arg(long, value_name = "PATH")]
    runtime_crate: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Lang {
    Ts,
    Rust,
    Both,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => {
            let args = cli.default;
            let model = args.read()?;
            print_summary(&model);
            write(&model, &args)?;
        }
        Some(Command::Generate(args)) => {
            let model = args.read()?;
            write(&model, &args)?;
        }
        Some(Command::Check(args)) => {
            let model = args.read()?;
            let out_dir = args.out_dir(&model);
            let drift = check_files(&out_dir, &args.generate(&model, &out_dir)?.files);
            if !drift.is_empty() {
                for d in &drift {
                    println!("{d}");
                }
                println!(
                    "{} file(s) out of date: run `codegen generate` again",
                    drift.len()
                );
                return Ok(ExitCode::FAILURE);
            }
            println!("{}: up to date", out_dir.display());
        }
        Some(Command::List {
            wasm,
            read: args,
            format,
        }) => {
            let model = read(&wasm, &args.options())?;
            match format {
                ListFormat::Json => emit(&format!("{}\n", list_json(&model)?))?,
                ListFormat::Table => emit(&table(&model))?,
            }
        }
        Some(Command::Diff { old, new, format }) => {
            let old = read(&old, &ReadOptions::default())?;
            let new = read(&new, &ReadOptions::default())?;
            let diff = ModelDiff::between(&old, &new);
            match format {
                DiffFormat::Json => emit(&format!("{}\n", serde_json::to_string_pretty(&diff)?))?,
                DiffFormat::Text => emit(&diff.to_string())?,
            }
        }
        Some(Command::InjectLeak {
            input,
            output,
            export_name,
            bytes,
        }) => inject_leak(&input, &output, &export_name, bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

impl GenerateArgs {
    fn read(&self) -> Result<ModuleModel> {
        let Some(wasm) = &self.wasm else {
            bail!("no wasm file given (see `codegen --help`)");
        };
        read(wasm, &self.read.options())
    }

    /// Renders what `--lang` asks for; a replay policy file that does not parse is an error.
    fn generate(&self, model: &ModuleModel, out_dir: &Path) -> Result<Generation> {
        let replay = self
            .replay_policy
            .as_deref()
            .map(ReplayPolicy::from_file)
            .transpose()?;
        let targets = Targets {
            typescript: matches!(self.lang, Lang::Ts | Lang::Both),
            rust: matches!(self.lang, Lang::Rust | Lang::Both),
            replay,
            runtime_crate: self.runtime_crate.clone(),
        };
        Ok(generate_targets(model, out_dir, &targets))
    }

    fn out_dir(&self, model: &ModuleModel) -> PathBuf {
        self.out_dir
            .clone()
            .unwrap_or_else(|| Path::new("proxy-out").join(&model.name))
    }
}

fn read(wasm: &Path, options: &ReadOptions) -> Result<ModuleModel> {
    Ok(read_module(wasm, options)?)
}

fn inject_leak(input: &Path, output: &Path, export_name: &str, bytes: u64) -> Result<()> {
    let wasm = std::fs::read(input).with_context(|| format!("{}: cannot read", input.display()))?;
    let started = std::time::Instant::now();
    let leaky = codegen::rewrite::inject_leak(&wasm, export_name, bytes)
        .with_context(|| input.display().to_string())?;
    let elapsed = started.elapsed();
    std::fs::write(output, &leaky)
        .with_context(|| format!("{}: cannot write", output.display()))?;
    let pages = codegen::rewrite::pages_per_call(bytes);
    println!(
        "{}: `{export_name}` grows memory by {pages} page(s) ({} bytes) per call; \
         {} -> {} bytes in {:.0} ms",
        output.display(),
        pages * codegen::rewrite::PAGE_SIZE,
        wasm.len(),
        leaky.len(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(())
}

/// `--bytes`: a count of bytes, optionally with a `KiB`, `MiB` or `GiB` suffix.
fn parse_bytes(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        .iter()
        .find_map(|(suffix, unit)| text.strip_suffix(suffix).map(|d| (d.trim(), *unit)))
        .unwrap_or((text, 1));
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("`{text}` is not a byte count (like 65536 or 150MiB)"))
}

fn write(model: &ModuleModel, args: &GenerateArgs) -> Result<()> {
    let out_dir = args.out_dir(model);
    let generation = args.generate(model, &out_dir)?;
    for (target, reason) in &generation.skipped {
        // The Rust shim fails only on a bad replay policy: an error, not a skip.
        if *target == "rust" {
            bail!("{}: cannot render the Rust shim: {reason}", model.name);
        }
        println!("{target} shim skipped: {reason}");
    }
    // Never a success with nothing written: the skips above are the reasons.
    if generation.files.is_empty() {
        let reasons: Vec<String> = generation
            .skipped
            .iter()
            .map(|(target, reason)| format!("{target}: {reason}"))
            .collect();
        bail!(
            "{}: nothing to generate ({})",
            model.name,
            reasons.join("; ")
        );
    }
    // Nor with one of the shims asked for (`--lang both`) left out.
    if let Some((target, reason)) = generation.skipped.first() {
        bail!(
            "{}: the {target} shim cannot be written: {reason}",
            model.name
        );
    }
    if let Some(shim) = &generation.rust {
        println!(
            "rust shim: trait {} with {} methods ({} handle parameters, {} handle results, \
             {} replayed, {} untyped), {} function(s) skipped",
            shim.trait_name,
            shim.methods,
            shim.handle_params,
            shim.handle_results,
            shim.replayed,
            shim.untyped,
            shim.skipped.len()
        );
    }
    let report = write_files(&out_dir, &generation.files)
        .with_context(|| format!("writing {}", out_dir.display()))?;
    println!(
        "{}: {} file(s) written, {} unchanged",
        out_dir.display(),
        report.written.len(),
        report.unchanged.len()
    );
    Ok(())
}

fn print_summary(model: &ModuleModel) {
    let bindgen = model
        .wasm_bindgen_version()
        .map(|v| format!(", wasm-bindgen {v}"))
        .unwrap_or_default();
    println!("{} ({}{bindgen})", model.name, model.files.wasm.display());
    let kinds: Vec<String> = model
        .count_by_kind()
        .iter()
        .map(|(k, n)| format!("{} {n}", k.as_str()))
        .collect();
    println!("  exports  {} ({})", model.exports.len(), kinds.join(", "));
    let roles: Vec<String> = model
        .count_by_role()
        .iter()
        .map(|(r, n)| format!("{} {n}", r.as_str()))
        .collect();
    println!("  roles    {}", roles.join(", "));
    println!(
        "  imports  {} ({} functions)",
        model.wasm.imports.len(),
        model
            .wasm
            .imports
            .iter()
            .filter(|i| i.kind == codegen::reader::wasm::ExportKind::Function)
            .count()
    );
    for (i, m) in model.wasm.memories.iter().enumerate() {
        let max = m.maximum.map_or("none".into(), |x| x.to_string());
        println!(
            "  memory {i} {}{}{}: {} pages initial, {max} maximum",
            if m.imported { "imported" } else { "defined" },
            if m.shared { ", shared" } else { "" },
            if m.memory64 { ", 64-bit" } else { "" },
            m.initial
        );
    }
    if let Some(api) = &model.api {
        println!(
            "  api      {} functions, {} classes, {} enums",
            api.functions.len(),
            api.classes.len(),
            api.enums.len()
        );
    }
    const SHOWN: usize = 12;
    for finding in model.findings.iter().take(SHOWN) {
        let tag = match finding.severity {
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        println!("  {tag}: {}", finding.message);
    }
    if model.findings.len() > SHOWN {
        println!(
            "  ... {} more findings ({} warnings in all): `codegen list --format json` lists them",
            model.findings.len() - SHOWN,
            model.warnings().count()
        );
    }
}

fn list_json(model: &ModuleModel) -> Result<String> {
    let json = serde_json::json!({
        "module": model.name,
        "wasm_bindgen": model.wasm_bindgen_version(),
        "exports": model.exports,
        "findings": model.findings,
    });
    Ok(serde_json::to_string_pretty(&json)?)
}

/// Writes to stdout; a reader that went away (`codegen list x | head`) is not an error.
fn emit(text: &str) -> Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn table(model: &ModuleModel) -> String {
    let rows: Vec<[String; 5]> = model
        .exports
        .iter()
        .map(|e| {
            let signature = match e.kind {
                codegen::reader::wasm::ExportKind::Function => {
                    format!("({}) -> ({})", e.params.join(", "), e.results.join(", "))
                }
                _ => e.results.join(", "),
            };
            let owner = match (&e.class, &e.member) {
                (Some(c), Some(m)) => format!("{c}.{m}"),
                (None, Some(m)) => m.clone(),
                (Some(c), None) => c.clone(),
                (None, None) => String::new(),
            };
            [
                e.name.clone(),
                e.kind.as_str().to_owned(),
                e.role.as_str().to_owned(),
                owner,
                signature,
            ]
        })
        .collect();
    let header = ["name", "kind", "role", "js", "signature"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String; 5]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = String::new();
    out.push_str(&line(&header));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}
