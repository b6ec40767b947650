//! The rules of the house as a test: every file under `src/` may import only what its room (its
//! top-level module) is allowed to, read from its `use crate::…` lines and `crate::…` paths in code.
//! The rules are the README's Layout; each exception names the file, the item and why. The
//! reference server is a crate below this one (`canvas-sandbox`): the compiler keeps it apart.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

/// What a room may import from the rest of the crate (itself always).
enum Rule {
    /// Any room but these.
    Not(&'static [&'static str]),
    /// Only these rooms.
    Only(&'static [&'static str]),
}

/// The rooms with rules, and the rule. A room not listed may import downward freely; `cli`
/// is forbidden to every room but itself (only `main.rs`, outside the library, uses it).
const RULES: &[(&str, Rule)] = &[
    (
        "case",
        Rule::Not(&["check", "target", "exchange", "run", "report"]),
    ),
    ("check", Rule::Not(&["run", "report", "exchange"])),
    (
        "report",
        Rule::Only(&["outcome", "requirements", "source", "edition"]),
    ),
];

/// Rooms that do no file I/O (no `std::fs`, `tokio::fs`, `File`): checks are pure functions.
const NO_FILE_IO: &[&str] = &["check"];

/// Imports that break a rule on purpose: (file, imported path prefix, why).
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    // Checks judge the recorded response and the paging walk: the exchange layer's data (and the
    // `Link` reading the walk shares), never its sending.
    (
        "src/check/mod.rs",
        "exchange::Received",
        "checks judge the recorded response",
    ),
    (
        "src/check/body.rs",
        "exchange::Received",
        "the recorded response",
    ),
    (
        "src/check/format.rs",
        "exchange::Received",
        "the recorded response",
    ),
    (
        "src/check/header.rs",
        "exchange::Received",
        "the recorded response",
    ),
    (
        "src/check/json_path.rs",
        "exchange::Received",
        "the recorded response",
    ),
    (
        "src/check/operation_outcome.rs",
        "exchange::Received",
        "the recorded response",
    ),
    (
        "src/check/schema.rs",
        "exchange::Received",
        "the recorded response",
    ),
    (
        "src/check/snapshot.rs",
        "exchange::Received",
        "the recorded response",
    ),
    (
        "src/check/status.rs",
        "exchange::Received",
        "the recorded response",
    ),
    (
        "src/check/search.rs",
        "exchange::Received",
        "the recorded response",
    ),
    (
        "src/check/search.rs",
        "exchange::Exchange",
        "each page of the paging walk, judged as it arrives",
    ),
    (
        "src/check/search.rs",
        "exchange::SentRequest",
        "test data: a walk page's request",
    ),
    (
        "src/check/search.rs",
        "exchange::walk::",
        "the paging walk and its `Link` reading (RFC 8288), shared with the walker",
    ),
    // The report model is built from a run's data; these types are the data it reads.
    (
        "src/report/model.rs",
        "check::Finding",
        "a step's findings, rendered as they are",
    ),
    (
        "src/report/model.rs",
        "exchange::Exchange",
        "the exchange shown with a failing step",
    ),
    (
        "src/report/model.rs",
        "exchange::Truncation",
        "the mark a passing step's cut body carries",
    ),
    (
        "src/report/model.rs",
        "exchange::Traffic",
        "the requests a run sent, which report.json counts",
    ),
    (
        "src/report/model.rs",
        "exchange::Received",
        "test data: a recorded response",
    ),
    (
        "src/report/model.rs",
        "exchange::SentRequest",
        "test data: a sent request",
    ),
    (
        "src/report/model.rs",
        "run::RunReport",
        "what a run produced, the report's input",
    ),
    (
        "src/report/model.rs",
        "run::ledger::Tidied",
        "a line of the cleanup ledger, the report's cleanup entry",
    ),
    (
        "src/report/model.rs",
        "run::ledger::Origin",
        "test data: how cleanup knew of an appointment",
    ),
    (
        "src/report/model.rs",
        "run::ledger::LostAnswer",
        "test data: a create whose answer was lost",
    ),
    (
        "src/report/model.rs",
        "run::cleanup::SweepNote",
        "test data: what a sweep searched and found",
    ),
    (
        "src/report/model.rs",
        "target::Target",
        "the target label and base URL a report names",
    ),
    (
        "src/report/model.rs",
        "partition::Partition",
        "the shard a partitioned run's report covers",
    ),
    (
        "src/report/model.rs",
        "partition::fnv1a",
        "the suite digest, the stable hash shard assignment uses",
    ),
    (
        "src/report/merge.rs",
        "partition::Partition",
        "the shards `report merge` joins",
    ),
    (
        "src/report/console.rs",
        "case::Case",
        "lint diagnostics and the case list printed",
    ),
    (
        "src/report/console.rs",
        "run::RunReport",
        "the run the console summarizes",
    ),
    (
        "src/report/console.rs",
        "run::preflight",
        "the preflight whose causes the console headlines",
    ),
    (
        "src/report/failing.rs",
        "check::operation_outcome::target_words",
        "the target's own words of an error answer, shown under a failing step",
    ),
    (
        "src/report/progress.rs",
        "case::Case",
        "the case a progress line names",
    ),
    // A unit test (only) renders the typed errors of real exchanges with a loopback target.
    (
        "src/report/json.rs",
        "case::model::AuthMode",
        "test only: the probe request of the typed-exchange-error test",
    ),
    (
        "src/report/json.rs",
        "exchange",
        "test only: a real timeout and a still-busy target, sent through the client",
    ),
    (
        "src/report/json.rs",
        "target",
        "test only: the loopback target of that test",
    ),
];

/// One import that breaks a rule.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    file: String,
    path: String,
    rule: String,
}

/// The room of a file under `src/`: its top-level module (`src/case/lint.rs` → `case`,
/// `src/harness.rs` → `harness`).
fn room_of(file: &str) -> String {
    let inside = file.strip_prefix("src/").unwrap_or(file);
    let first = inside.split('/').next().unwrap_or(inside);
    first.trim_end_matches(".rs").to_owned()
}

/// The text with comment lines left out (doc comments name modules without importing them).
fn code_of(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(path: &str) -> Vec<String> {
    let path: String = path.split_whitespace().collect();
    let Some(open) = path.find('{') else {
        return vec![path];
    };
    let (prefix, rest) = path.split_at(open);
    let inner = rest
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(rest);
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.is_empty())
        .flat_map(|item| expand(&format!("{prefix}{item}")))
        .collect()
}

static TESTS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"#\[cfg\(test\)\]\s*(?:pub(?:\(crate\))?\s+)?mod tests").unwrap());
static RENAMED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+as\s+\w+").unwrap());
static USES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"use\s+crate::([^;]*);").unwrap());
static INLINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^$\w])crate::((?:\w+::)*\w+)").unwrap());

/// Every crate path a file's code uses: its `use crate::…;` items and other `crate::…` paths.
fn crate_paths(text: &str) -> Vec<String> {
    let code = code_of(text);
    let code = RENAMED.replace_all(&code, "");
    let mut paths: Vec<String> = USES
        .captures_iter(&code)
        .flat_map(|c| expand(&c[1]))
        .collect();
    let rest = USES.replace_all(&code, "");
    paths.extend(INLINE.captures_iter(&rest).map(|c| c[1].to_owned()));
    paths
}

/// The imports of one file (its path from the crate root, its text) that break a rule and are
/// not listed in `exceptions`.
fn violations(file: &str, text: &str, exceptions: &[(&str, &str, &str)]) -> Vec<Violation> {
    let room = room_of(file);
    let mut out = Vec::new();
    let mut flag = |path: &str, rule: String| {
        let excused = exceptions
            .iter()
            .any(|(f, prefix, _)| *f == file && path.starts_with(prefix));
        if !excused {
            out.push(Violation {
                file: file.to_owned(),
                path: path.to_owned(),
                rule,
            });
        }
    };
    for path in crate_paths(text) {
        let target = path.split("::").next().unwrap_or_default();
        if target == room {
            continue;
        }
        if target == "cli" {
            flag(&path, "nothing imports `cli` but main.rs".to_owned());
            continue;
        }
        for (ruled, rule) in RULES {
            if *ruled != room {
                continue;
            }
            match rule {
                Rule::Not(forbidden) if forbidden.contains(&target) => {
                    flag(&path, format!("`{room}` must not import `{target}`"))
                }
                Rule::Only(allowed) if !allowed.contains(&target) => flag(
                    &path,
                    format!("`{room}` imports only {allowed:?} (and itself)"),
                ),
                _ => {}
            }
        }
    }
    if NO_FILE_IO.contains(&room.as_str()) {
        let code = code_of(text);
        for io in ["std::fs", "tokio::fs", "File::"] {
            if code.contains(io) {
                flag(io, format!("`{room}` does no file I/O"));
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_imports_only_what_its_layer_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut found = Vec::new();
    let mut used: BTreeSet<(&str, &str)> = BTreeSet::new();
    for path in &files {
        let file = path
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        // The binary, outside the library: the one place `cli` is used from.
        if file == "src/main.rs" {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("a readable source file");
        found.extend(violations(&file, &text, &[]).into_iter().filter(|v| {
            let excused = EXCEPTIONS
                .iter()
                .find(|(f, prefix, _)| *f == v.file && v.path.starts_with(prefix));
            if let Some((f, prefix, _)) = excused {
                used.insert((f, prefix));
            }
            excused.is_none()
        }));
    }
    let report: Vec<String> = found
        .iter()
        .map(|v| format!("{}: `crate::{}`: {}", v.file, v.path, v.rule))
        .collect();
    assert!(
        report.is_empty(),
        "imports against the rules:\n{}",
        report.join("\n")
    );
    let stale: Vec<String> = EXCEPTIONS
        .iter()
        .filter(|(f, prefix, _)| !used.contains(&(*f, *prefix)))
        .map(|(f, prefix, _)| format!("{f}: {prefix}"))
        .collect();
    assert!(
        stale.is_empty(),
        "exceptions no longer needed (remove them from EXCEPTIONS):\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_rule_checker_catches_a_forbidden_import() {
    let flagged = |file: &str, text: &str| {
        violations(file, text, &[])
            .into_iter()
            .map(|v| v.path)
            .collect::<Vec<_>>()
    };
    // The case layer borrowing the check layer's parser, as it once did.
    assert_eq!(
        flagged(
            "src/case/lint.rs",
            "use crate::check::status::StatusSpec;\n"
        ),
        ["check::status::StatusSpec"]
    );
    assert_eq!(
        flagged("src/case/lint.rs", "use crate::target::FIXTURE_KEYS;"),
        ["target::FIXTURE_KEYS"]
    );
    // Grouped, multi-line, and a path in code.
    assert_eq!(
        flagged(
            "src/check/header.rs",
            "use crate::{\n    run::scope::BuiltIns,\n    source::Pos,\n};\nfn f() { crate::report::write(); }"
        ),
        ["run::scope::BuiltIns", "report::write"]
    );
    assert_eq!(
        flagged("src/report/junit.rs", "use crate::run::RunReport;"),
        ["run::RunReport"]
    );
    assert_eq!(
        flagged("src/bench/suite.rs", "use crate::cli::run::NetArgs;"),
        ["cli::run::NetArgs"]
    );
    assert_eq!(
        flagged(
            "src/check/schema.rs",
            "let text = std::fs::read_to_string(p);"
        ),
        ["std::fs"]
    );
    // Allowed: within the room, downward, and comments naming a module.
    assert!(
        flagged(
            "src/check/status.rs",
            "use crate::case::model::StatusSpec;\nuse crate::check::Finding;"
        )
        .is_empty()
    );
    assert!(flagged("src/report/html.rs", "use crate::report::model::Report;").is_empty());
    assert!(
        flagged(
            "src/case/lint.rs",
            "/// unlike `crate::check::status`\n// crate::run"
        )
        .is_empty()
    );
    // A listed exception is excused, for that file only.
    let exception = [("src/report/model.rs", "run::RunReport", "why")];
    assert!(
        violations(
            "src/report/model.rs",
            "use crate::run::RunReport;",
            &exception
        )
        .is_empty()
    );
    assert_eq!(
        violations(
            "src/report/html.rs",
            "use crate::run::RunReport;",
            &exception
        )
        .len(),
        1
    );
}

/// The module a file under `src/` is (`src/report/model.rs` → `report::model`, `src/cli/mod.rs` →
/// `cli`, `src/lib.rs` → ``).
fn module_of(file: &str) -> String {
    let inside = file.strip_prefix("src/").unwrap_or(file);
    let inside = inside.strip_suffix(".rs").unwrap_or(inside);
    let inside = inside.strip_suffix("/mod").unwrap_or(inside);
    if inside == "lib" {
        String::new()
    } else {
        inside.replace('/', "::")
    }
}

/// The module an import path lands in: its longest prefix that is one of `modules`.
fn target_module<'a>(path: &str, modules: &'a BTreeSet<String>) -> Option<&'a String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .find_map(|n| modules.get(&parts[..n].join("::")))
}

/// The circles of a directed graph: each strongly connected part of two nodes or more (Tarjan),
/// its nodes sorted, joined with ` ↔ `.
fn circles(edges: &BTreeSet<(String, String)>) -> Vec<String> {
    struct Walk<'a> {
        edges: &'a BTreeSet<(String, String)>,
        index: std::collections::BTreeMap<&'a str, usize>,
        low: std::collections::BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<String>,
    }
    fn visit<'a>(walk: &mut Walk<'a>, node: &'a str) {
        let n = walk.index.len();
        walk.index.insert(node, n);
        walk.low.insert(node, n);
        walk.stack.push(node);
        let edges = walk.edges;
        for (_, next) in edges.iter().filter(|(from, _)| from == node) {
            let next = next.as_str();
            if !walk.index.contains_key(next) {
                visit(walk, next);
                let low = walk.low[node].min(walk.low[next]);
                walk.low.insert(node, low);
            } else if walk.stack.contains(&next) {
                let low = walk.low[node].min(walk.index[next]);
                walk.low.insert(node, low);
            }
        }
        if walk.low[node] == walk.index[node] {
            let mut part = Vec::new();
            while let Some(top) = walk.stack.pop() {
                part.push(top);
                if top == node {
                    break;
                }
            }
            if part.len() > 1 {
                part.sort();
                walk.found.push(part.join(" ↔ "));
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: Default::default(),
        low: Default::default(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    let nodes: BTreeSet<&str> = edges
        .iter()
        .flat_map(|(a, b)| [a.as_str(), b.as_str()])
        .collect();
    for node in nodes {
        if !walk.index.contains_key(node) {
            visit(&mut walk, node);
        }
    }
    walk.found.sort();
    walk.found
}

#[test]
fn no_file_or_room_imports_in_a_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut texts = Vec::new();
    for path in &files {
        let file = path
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        if file == "src/main.rs" {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("a readable source file");
        // A file's unit tests (its trailing `mod tests`) may render through the modules above it.
        let text = match TESTS.find(&text) {
            Some(at) => text[..at.start()].to_owned(),
            None => text,
        };
        texts.push((file, text));
    }
    let modules: BTreeSet<String> = texts.iter().map(|(file, _)| module_of(file)).collect();
    let mut file_edges = BTreeSet::new();
    let mut room_edges = BTreeSet::new();
    for (file, text) in &texts {
        let from = module_of(file);
        for path in crate_paths(text) {
            let Some(to) = target_module(&path, &modules) else {
                continue;
            };
            if *to != from && !to.is_empty() {
                file_edges.insert((from.clone(), to.clone()));
            }
            let (from_room, to_room) = (room_of(file), to.split("::").next().unwrap_or_default());
            if from_room != to_room && !to_room.is_empty() {
                room_edges.insert((from_room, to_room.to_owned()));
            }
        }
    }
    assert!(
        file_edges.len() > 100,
        "read only {} imports",
        file_edges.len()
    );
    let found: Vec<String> = circles(&file_edges)
        .into_iter()
        .map(|c| format!("files: {c}"))
        .chain(
            circles(&room_edges)
                .into_iter()
                .map(|c| format!("rooms: {c}")),
        )
        .collect();
    assert!(
        found.is_empty(),
        "import circles (move the shared piece down):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_circle_finder_finds_a_circle() {
    let edges = |list: &[(&str, &str)]| -> BTreeSet<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        circles(&edges(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])),
        ["a ↔ b ↔ c"]
    );
    assert!(circles(&edges(&[("a", "b"), ("b", "c"), ("a", "c")])).is_empty());
    assert_eq!(module_of("src/report/model.rs"), "report::model");
    assert_eq!(module_of("src/cli/mod.rs"), "cli");
}
