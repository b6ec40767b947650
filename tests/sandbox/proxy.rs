//! Tolerance (CANVAS-NOTES §1): the whole suite through a reshaping proxy in front of the reference
//! server. The proxy makes every `Location` absolute `http://…/Appointment/<id>/_history/1`, answers
//! creates and updates with an empty body instead of `null`, reverses the keys of every JSON object,
//! writes `Z` for `+00:00`, and adds headers. The suite must still pass.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use canvas_conformance::run::RunControl;
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{ServerConfig, spawn};
use serde_json::{Map, Value};

use super::common::{
    client, not_passed, pass_on, passed, project_suite, proxy_http, run_suite, serve_loopback,
    skipped,
};

/// What the proxy changed, so the test knows the reshaping really happened.
#[derive(Default)]
struct Reshaped {
    locations: AtomicU64,
    nulls_emptied: AtomicU64,
    instants: AtomicU64,
    objects_reversed: AtomicU64,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    own: String,
    http: reqwest::Client,
    reshaped: Arc<Reshaped>,
}

/// Every object's keys in reverse order, every `…+00:00` instant as `…Z`.
fn reshape(value: Value, reshaped: &Reshaped) -> Value {
    match value {
        Value::Object(map) => {
            if map.len() > 1 {
                reshaped.objects_reversed.fetch_add(1, Ordering::Relaxed);
            }
            let reversed: Map<String, Value> = map
                .into_iter()
                .rev()
                .map(|(k, v)| (k, reshape(v, reshaped)))
                .collect();
            Value::Object(reversed)
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| reshape(v, reshaped)).collect())
        }
        Value::String(text)
            if text.len() > 19 && text.as_bytes()[10] == b'T' && text.ends_with("+00:00") =>
        {
            reshaped.instants.fetch_add(1, Ordering::Relaxed);
            Value::String(format!("{}Z", &text[..text.len() - 6]))
        }
        other => other,
    }
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let body = to_bytes(body, 4 * 1024 * 1024).await.unwrap_or_default();
    let Some(answer) = pass_on(
        &proxy.http,
        &parts.method,
        format!("{}{path}", proxy.upstream),
        &parts.headers,
        body.to_vec(),
    )
    .await
    else {
        return Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::empty())
            .unwrap();
    };
    let status = axum::http::StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let headers = answer.headers;
    let bytes = answer.body;
    let mut response = Response::builder().status(status.as_u16());
    let mut empty = false;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = if text.trim() == "null" && matches!(status.as_u16(), 200 | 201) {
        proxy.reshaped.nulls_emptied.fetch_add(1, Ordering::Relaxed);
        empty = true;
        Vec::new()
    } else {
        match serde_json::from_str::<Value>(&text) {
            Ok(json) => serde_json::to_vec(&reshape(json, &proxy.reshaped)).unwrap(),
            Err(_) => bytes.to_vec(),
        }
    };
    for (name, value) in &headers {
        match name.as_str() {
            "content-length" | "transfer-encoding" | "connection" | "date" => {}
            "content-type" if empty => {}
            "location" => {
                let location = value.to_str().unwrap_or_default();
                let id = location
                    .rsplit_once("/Appointment/")
                    .map(|(_, id)| id.split('/').next().unwrap_or(id).to_owned())
                    .expect("an Appointment location");
                proxy.reshaped.locations.fetch_add(1, Ordering::Relaxed);
                response = response.header(
                    "location",
                    format!("{}/Appointment/{id}/_history/1", proxy.own),
                );
            }
            _ => response = response.header(name, value),
        }
    }
    response
        .header(
            HeaderName::from_static("fumage-correlation-id"),
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).unwrap(),
        )
        .header("x-served-by", "reshaping-proxy")
        .body(Body::from(body))
        .unwrap()
}

/// Starts the proxy in front of `upstream`; returns its base URL.
async fn start_proxy(upstream: &str, reshaped: Arc<Reshaped>) -> String {
    serve_loopback(|own| {
        let proxy = Proxy {
            upstream: upstream.to_owned(),
            own: own.to_owned(),
            http: proxy_http(),
            reshaped,
        };
        Router::new().fallback(forward).with_state(proxy)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_passes_through_a_reshaping_proxy() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let reshaped = Arc::new(Reshaped::default());
    let base = start_proxy(server.base_url(), Arc::clone(&reshaped)).await;
    let target = Target {
        label: "reshaped".to_owned(),
        base_url: base,
        auth: Auth::static_token(Secret::new("dev-token".to_owned())),
        profile: Arc::new(Profile::reference()),
    };
    let report = run_suite(
        &project_suite(),
        vec![target],
        client(Duration::from_secs(30)),
        &RunControl::default(),
        2,
    )
    .await;
    assert_eq!(
        not_passed(&report),
        "",
        "every case passes through the proxy"
    );
    let skipped = skipped(&report);
    assert_eq!(
        skipped.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        ["create/double-booking-disallowed"],
        "{skipped:?}"
    );
    assert_eq!(passed(&report), report.outcomes.len() - 1);
    // The reshaping happened, and creates answered with `/_history/1` Locations were all tidied.
    for (what, count) in [
        ("locations", &reshaped.locations),
        ("nulls emptied", &reshaped.nulls_emptied),
        ("instants", &reshaped.instants),
        ("objects reversed", &reshaped.objects_reversed),
    ] {
        assert!(count.load(Ordering::Relaxed) > 0, "no {what}");
    }
    assert!(
        report.cleanup.len() >= 10,
        "{} tidied",
        report.cleanup.len()
    );
    assert!(
        report.cleanup.iter().all(|t| t.problem.is_none()),
        "{:?}",
        report.cleanup
    );
    server.shutdown().await;
}
