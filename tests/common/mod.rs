//! What the tests that drive the binary or a loopback server share: the project root, the binary
//! as a `Command`, scratch folders, and reference servers and test proxies on 127.0.0.1:0.
//! Each test crate uses a part of it (`mod common;`), hence `dead_code` is allowed here.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use canvas_sandbox::{RunningServer, ServerConfig, spawn};

/// The project root (the harness crate), where `cases/`, `schemas/` and `snapshots/` are.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The built `canvas-conformance`, run in the project root without the token variables of the
/// caller's environment and without colour.
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_canvas-conformance"));
    command
        .current_dir(root())
        .env_remove("CANVAS_TOKEN")
        .env_remove("CANVAS_CONFORMANCE_SERVE_TOKEN")
        .env("NO_COLOR", "1");
    command
}

/// Everything a command printed: stdout, then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs the binary with `args` and the extra environment `env` (with no OAuth client variables,
/// `INSTA_UPDATE` or `CI` of the caller's) off the async threads: its exit code and all it printed.
pub async fn run_binary(
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
) -> (Option<i32>, String) {
    tokio::task::spawn_blocking(move || {
        let mut command = binary();
        command
            .env_remove("CANVAS_CLIENT_ID")
            .env_remove("CANVAS_CLIENT_SECRET")
            .env_remove("INSTA_UPDATE")
            .env_remove("CI")
            .args(&args);
        for (key, value) in env {
            command.env(key, value);
        }
        match command.output() {
            Ok(output) => (output.status.code(), text(&output)),
            Err(e) => (None, format!("the binary did not start: {e}")),
        }
    })
    .await
    .unwrap_or_else(|e| (None, format!("the run task failed: {e}")))
}

/// The strings of `args`, owned.
pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

/// A fresh path under the temporary folder, named after `name`; nothing is created there.
pub fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("cc-{name}-{}", uuid::Uuid::new_v4().simple()))
}

/// A fresh, empty scratch folder.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A scratch folder holding the project's catalogue plus the given case files.
pub fn scratch_cases(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = scratch_dir(name);
    std::fs::copy(
        root().join("cases/requirements.yaml"),
        dir.join("requirements.yaml"),
    )
    .expect("copy catalogue");
    for (file, content) in files {
        std::fs::write(dir.join(file), content).expect("write case");
    }
    dir
}

/// The text of `file` in `dir`.
pub fn read(dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A reference server (the sandbox crate, in process) on 127.0.0.1:0.
pub async fn start_server(config: ServerConfig) -> RunningServer {
    spawn(config).await.expect("server starts")
}

/// What an upstream server answered to a request a test proxy passed on.
pub struct Upstream {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}
/// Passes a request on to `url` with its Authorization, Content-Type and Accept headers and reads
/// the whole answer (the part every loopback proxy of these tests shares); `None` when the
/// upstream could not be reached.
pub async fn pass_on(
    http: &reqwest::Client,
    method: &reqwest::Method,
    url: String,
    headers: &reqwest::header::HeaderMap,
    body: Vec<u8>,
) -> Option<Upstream> {
    let mut upstream = http.request(method.clone(), url).body(body);
    // What a request means travels on: its credentials, media types and preconditions.
    for name in [
        "authorization",
        "content-type",
        "accept",
        "if-unmodified-since",
        "if-match",
    ] {
        if let Some(value) = headers.get(name) {
            upstream = upstream.header(name, value.as_bytes());
        }
    }
    let answer = upstream.send().await.ok()?;
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let body = answer.bytes().await.unwrap_or_default().to_vec();
    Some(Upstream {
        status,
        headers,
        body,
    })
}

/// The client a test proxy passes requests on with: redirects are the harness's business, so the
/// proxy hands them back untouched.
pub fn proxy_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Serves a test proxy on 127.0.0.1 (a free port): `app` gets the proxy's own base URL and builds
/// its router. Returns that base URL.
pub async fn serve_loopback(app: impl FnOnce(&str) -> axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let own = format!("http://{}", listener.local_addr().expect("addr"));
    let router = app(&own);
    tokio::spawn(async move { axum::serve(listener, router).await });
    own
}

/// A test proxy's answer when the server behind it did not answer: 502, no body.
pub fn bad_gateway() -> axum::http::Response<axum::body::Body> {
    let mut response = axum::http::Response::new(axum::body::Body::empty());
    *response.status_mut() = axum::http::StatusCode::BAD_GATEWAY;
    response
}

/// Gives every entry of a Bundle `body` an absolute `fullUrl` under `base` and `search.mode:
/// match` (legal FHIR R4 shapes Canvas does not send); whether it changed any.
pub fn entries_with_full_url_and_search_mode(body: &mut serde_json::Value, base: &str) -> bool {
    let mut changed = false;
    for entry in body
        .get_mut("entry")
        .and_then(serde_json::Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let id = entry
            .pointer("/resource/id")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(map) = entry.as_object_mut() {
            map.insert(
                "fullUrl".into(),
                serde_json::Value::String(format!("{base}/Appointment/{id}")),
            );
            map.insert("search".into(), serde_json::json!({"mode": "match"}));
            changed = true;
        }
    }
    changed
}

/// A test proxy's response builder with `status` and the upstream's `headers`, less the
/// hop-by-hop ones the proxy's own framing replaces (`content-length`, `transfer-encoding`,
/// `connection`).
pub fn relayed(status: u16, headers: &reqwest::header::HeaderMap) -> axum::http::response::Builder {
    let mut response = axum::http::Response::builder().status(status);
    for (name, value) in headers {
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            response = response.header(name, value);
        }
    }
    response
}
