//! `report.json`: the report model serialized as pretty JSON, the stable machine-readable interface
//! (versioned by `format_version`; its JSON Schema is `schemas/report.schema.json`).

use crate::report::model::Report;

/// The report as pretty-printed JSON, ending with a newline.
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::report::model::tests::report;

    #[test]
    fn carries_the_format_version_and_flat_verdicts() {
        let text = super::render(&report()).expect("json");
        let value: serde_json::Value = serde_json::from_str(&text).expect("parses");
        assert_eq!(value["format_version"], 2);
        assert_eq!(value["verdict"]["passed"], false);
        assert_eq!(
            value["cases"][1]["steps"][0]["findings"][0]["behaviours"],
            serde_json::json!(["A-1", "B-2"])
        );
        assert_eq!(value["tool"]["name"], "canvas-conformance");
        assert_eq!(value["cases"][1]["verdict"], "fail");
        assert_eq!(value["cases"][2]["verdict"], "skipped");
        assert_eq!(
            value["cases"][2]["reason"],
            "profile `x` does not allow writes"
        );
        assert_eq!(
            value["cases"][1]["steps"][0]["findings"][0]["location"]["display"],
            "cases/read/b.yaml:12:7"
        );
        assert_eq!(value["behaviours"][0]["level"], "MUST");
        assert_eq!(value["snapshot_drift"][0]["snapshot"]["status"], "drifted");
    }

    /// A loopback target on 127.0.0.1:0: `/hang` reads the request and never answers (until the
    /// test ends), anything else answers 429 with `Retry-After: 1`, every time.
    async fn unhelpful_target() -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    if head.starts_with(b"GET /hang ") {
                        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                        return;
                    }
                    let _ = stream
                        .write_all(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n")
                        .await;
                });
            }
        });
        base
    }

    /// The run's report as `report.json` parses it, with one case per path, each step's error
    /// taken from its exchange as the runner does.
    async fn report_of(paths: &[&str]) -> serde_json::Value {
        use std::sync::Arc;
        use std::time::Duration;

        use crate::case::model::AuthMode;
        use crate::exchange::Outgoing;
        use crate::exchange::send::{Client, ClientOptions, RetryPolicy};
        use crate::outcome::{StepOutcome, Verdict};
        use crate::report::model::tests::{catalogue, location, run};
        use crate::report::model::{Report, ReportInput, SuiteRef};
        use crate::target::{Auth, Profile, Secret, Target};

        let target = Target {
            label: "unhelpful".to_owned(),
            base_url: unhelpful_target().await,
            auth: Auth::static_token(Secret::new("unused".to_owned())),
            profile: Arc::new(Profile::reference()),
        };
        let client = Client::with_options(ClientOptions {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_millis(300),
            timeout: Duration::from_millis(300),
            rps: None,
            retry: RetryPolicy {
                attempts: 3,
                base_delay: Duration::from_millis(1),
                // Retry-After: 1 is honoured but capped, so the test does not wait a second.
                max_wait: Duration::from_millis(5),
            },
            max_body_bytes: 1024,
        })
        .expect("client");
        let mut run = run();
        run.outcomes.truncate(1);
        let template = run.outcomes[0].clone();
        run.outcomes.clear();
        for path in paths {
            let exchange = client
                .send(
                    &target,
                    &Outgoing::get((*path).to_owned(), Vec::new(), AuthMode::None),
                )
                .await;
            let mut step = StepOutcome::new(
                format!("GET {path}"),
                location("cases/x.yaml", 3),
                Vec::new(),
            );
            step.error = exchange.error.as_ref().map(ToString::to_string);
            step.exchange = Some(exchange);
            let step = step.decide();
            let mut case = template.clone();
            case.name = format!("x{path}");
            case.verdict = step.verdict.clone();
            case.steps = vec![step];
            run.outcomes.push(case);
        }
        assert!(run.outcomes.iter().all(|o| o.verdict == Verdict::Error));
        let report = Report::build(&ReportInput {
            run: &run,
            catalogues: vec![&catalogue()],
            targets: Vec::new(),
            started_at: jiff::Timestamp::UNIX_EPOCH,
            suite: SuiteRef::of(&catalogue(), ["x/hang", "x/busy"]),
            partition: None,
            allow_drift: false,
        });
        serde_json::from_str(&super::render(&report).expect("json")).expect("parses")
    }

    #[tokio::test]
    async fn a_timeout_and_a_target_still_busy_are_typed_data() {
        let value = report_of(&["/hang", "/busy"]).await;
        let hang = &value["cases"][0]["steps"][0];
        assert_eq!(hang["exchange_error"]["kind"], "timeout", "{hang}");
        // Read and whole-request timeouts are equal: the whole request's trips (never earlier).
        assert_eq!(hang["exchange_error"]["phase"], "whole_request", "{hang}");
        assert_eq!(hang["exchange_error"]["timeout_s"], 0.3, "{hang}");
        assert_eq!(hang["exchange"]["exchange_error"], hang["exchange_error"]);
        assert!(
            hang["error"].as_str().is_some_and(|e| e.starts_with(
                "timed out (connect timeout 5 s, read timeout 0.3 s, whole request 0.3 s)"
            )),
            "{hang}"
        );
        let busy = &value["cases"][1]["steps"][0];
        assert_eq!(
            busy["exchange_error"],
            serde_json::json!({"kind": "still_busy", "status": 429, "attempts": 3, "retry_after": "1"}),
            "{busy}"
        );
        assert_eq!(
            busy["error"],
            "the target still answered 429 after 3 attempts (last Retry-After: 1)"
        );
        assert_eq!(busy["exchange"]["response"]["status"], 429);
        // The schema knows the new field.
        assert_schema_valid(&value);
    }

    /// Fails with every error when `value` is not valid against schemas/report.schema.json.
    pub(crate) fn assert_schema_valid(value: &serde_json::Value) {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schemas/report.schema.json")).expect("schema");
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
