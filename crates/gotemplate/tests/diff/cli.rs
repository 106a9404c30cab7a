//! Running the CLI and comparing its outcome with ours.
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

/// What one build gave: the objects, or the error message.
#[derive(Debug, Clone)]
pub enum Outcome {
    Objects(Vec<Json>),
    Error(String),
}

impl Outcome {
    pub fn is_err(&self) -> bool {
        matches!(self, Outcome::Error(_))
    }

    pub fn show(&self) -> String {
        match self {
            Outcome::Objects(o) => serde_json::to_string_pretty(o).unwrap_or_default(),
            Outcome::Error(e) => format!("error: {e}"),
        }
    }
}

/// The CLI, or none (then the caller skips); under `CI=true` its absence is a failure.
pub fn binary() -> Option<PathBuf> {
    match std::env::var_os("KP_TEST_FLUX_OPERATOR") {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            assert!(
                p.exists(),
                "KP_TEST_FLUX_OPERATOR={} does not exist",
                p.display()
            );
            Some(p)
        }
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "KP_TEST_FLUX_OPERATOR must be set in CI (testenv/testenv.sh builds the CLI)"
            );
            None
        }
    }
}

fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("kp-diff-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!("{}", N.fetch_add(1, Ordering::Relaxed)))
}

/// A generated template can make the CLI loop (ranging over a huge number): such a call is
/// ended and reported instead of hanging the suite.
const CLI_TIMEOUT: Duration = Duration::from_secs(30);

/// The process's output, or none when it ran past `limit` (it is then killed).
fn output_within(mut cmd: Command, limit: Duration) -> Option<Output> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run flux-operator");
    let read = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("stdout")));
    let stderr = read(Box::new(child.stderr.take().expect("stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for flux-operator") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Some(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// `flux-operator build rset -f RSET [--inputs-from INPUTS]`, its stdout read back as data.
pub fn run_cli(bin: &Path, rset: &Json, inputs: Option<&Json>) -> Outcome {
    run_cli_with(bin, rset, inputs, None)
}

/// As [`run_cli`], with `--inputs-from-provider` given these provider manifests.
pub fn run_cli_with(
    bin: &Path,
    rset: &Json,
    inputs: Option<&Json>,
    providers: Option<&[Json]>,
) -> Outcome {
    let base = scratch();
    let rset_path = base.with_extension("rset.json");
    std::fs::write(&rset_path, rset.to_string()).expect("write rset");
    let mut cmd = Command::new(bin);
    // No namespace from a kubeconfig context: a ResourceSet without one is an error, as in
    // the operator, whatever the machine's kubeconfig says.
    cmd.args(["build", "rset", "--namespace=", "-f"])
        .arg(&rset_path)
        .env("KUBECONFIG", "/nonexistent");
    let inputs_path = base.with_extension("inputs.json");
    if let Some(inputs) = inputs {
        std::fs::write(&inputs_path, inputs.to_string()).expect("write inputs");
        cmd.arg("--inputs-from").arg(&inputs_path);
    }
    let providers_path = base.with_extension("providers.yaml");
    if let Some(providers) = providers {
        let docs: Vec<String> = providers.iter().map(|p| format!("---\n{p}\n")).collect();
        std::fs::write(&providers_path, docs.concat()).expect("write providers");
        cmd.arg("--inputs-from-provider").arg(&providers_path);
    }
    let out = match output_within(cmd, CLI_TIMEOUT) {
        Some(out) => out,
        None => {
            return Outcome::Error(format!(
                "the CLI did not finish within {}s",
                CLI_TIMEOUT.as_secs()
            ));
        }
    };
    let _ = std::fs::remove_file(&rset_path);
    let _ = std::fs::remove_file(&inputs_path);
    let _ = std::fs::remove_file(&providers_path);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let msg = stderr.trim_end_matches('\n');
        let msg = msg.strip_prefix("✗ ").unwrap_or(msg);
        // A Go panic: keep its first line.
        let msg = if msg.starts_with("panic: ") {
            msg.lines().next().unwrap_or(msg)
        } else {
            msg
        };
        return Outcome::Error(msg.to_string());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    match parse_documents(&stdout) {
        Ok(objects) => Outcome::Objects(objects),
        Err(e) => Outcome::Error(format!(
            "test harness could not read the CLI's output: {e}\n{stdout}"
        )),
    }
}

/// The CLI's output: `---`-separated documents as go-yaml v2 writes them (`# step:` comments
/// between them). v2 quotes every string that YAML could read as another type, so reading
/// it as YAML 1.2 gives the same data, except plain `0o17`-like strings (1.2 octal), which
/// `same` allows for.
pub fn parse_documents(text: &str) -> Result<Vec<Json>, String> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, docs: &mut Vec<Json>| -> Result<(), String> {
        if !cur.trim().is_empty() {
            // go-yaml v2 writes a `<<` key plain; it is data here, not a merge.
            let mut options = serde_saphyr::Options::default();
            options.merge_keys = serde_saphyr::MergeKeyPolicy::AsOrdinary;
            // go-yaml v2 writes a string like `22e69687` plain (as a float it overflows);
            // YAML 1.2 reads it as infinity, which becomes null here and `same` allows for.
            options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
            let v: Json =
                serde_saphyr::from_str_with_options(cur, options).map_err(|e| e.to_string())?;
            docs.push(v);
        }
        cur.clear();
        Ok(())
    };
    for line in text.lines() {
        if line == "---" {
            flush(&mut cur, &mut docs)?;
        } else if !line.starts_with("# step: ") {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    flush(&mut cur, &mut docs)?;
    Ok(docs)
}

/// Ours, as an outcome.
pub fn run_ours(rset: &Json, inputs: Option<&Json>) -> Outcome {
    match gotemplate::resourceset::cli_equivalent(rset, inputs) {
        Ok(o) => Outcome::Objects(o),
        Err(e) => Outcome::Error(e),
    }
}

/// Same objects in the same order (numbers by value), or both failed (with the same message
/// when `messages` is set).
pub fn same(cli: &Outcome, ours: &Outcome, messages: bool) -> bool {
    match (cli, ours) {
        (Outcome::Objects(a), Outcome::Objects(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_eq(x, y))
        }
        (Outcome::Error(a), Outcome::Error(b)) => !messages || a == b,
        _ => false,
    }
}

fn json_eq(cli: &Json, ours: &Json) -> bool {
    match (cli, ours) {
        (Json::Number(a), Json::Number(b)) => a == b || a.as_f64() == b.as_f64(),
        // A plain `0o17` printed by go-yaml v2 is a string that YAML 1.2 reads as a number.
        (Json::Number(_), Json::String(s)) => {
            s.starts_with("0o") && serde_saphyr::from_str::<Json>(s).ok().as_ref() == Some(cli)
        }
        // A plain float-looking string too large for a float (see `parse_documents`).
        (Json::Null, Json::String(s)) => s.parse::<f64>().is_ok_and(f64::is_infinite),
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_eq(x, y))
        }
        (Json::Object(a), Json::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => cli == ours,
    }
}

/// A divergence report.
pub fn report(
    what: &str,
    rset: &Json,
    inputs: Option<&Json>,
    cli: &Outcome,
    ours: &Outcome,
) -> String {
    format!(
        "=== DIVERGENCE: {what}\n--- ResourceSet:\n{}\n--- inputs:\n{}\n--- flux-operator:\n{}\n--- ours:\n{}\n",
        serde_json::to_string_pretty(rset).unwrap_or_default(),
        inputs
            .map(|i| serde_json::to_string_pretty(i).unwrap_or_default())
            .unwrap_or_else(|| "(none)".into()),
        cli.show(),
        ours.show()
    )
}
