//! Current edition, cross-cutting: 401/403 with scopes (D12), 405 (D11), 422's code, bare
//! resources, non-empty strings, the correlation id (D19), 414/431 as OperationOutcomes, and the
//! token endpoint's HTTP Basic, `scope` and introspection (RFC 6749 §2.3.1, RFC 7662).

use std::collections::HashSet;

use serde_json::{Value, json};

use super::common::*;

/// A form-encoded POST.
fn post_form(api: &Api, path: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    api.client
        .post(api.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

async fn token(api: &Api, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> Reply {
    let mut request = post_form(api, "/auth/token/", form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    api.send(request).await
}

#[tokio::test]
async fn auth_bearer_401_and_scope_403() {
    let api = Api::current().await;
    let reply = api
        .send(
            api.client
                .get(api.url(&format!("/Appointment/{}", seeded(1)))),
        )
        .await;
    current_outcome(&reply, 401, "unknown", "Authentication failed");
    let reply = api
        .send(api.client.get(api.url("/Appointment")).bearer_auth("nope"))
        .await;
    current_outcome(&reply, 401, "unknown", "Authentication failed");
    // a read-only token reads and searches, and may not write
    let reply = token(
        &api,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "conformance"),
            ("client_secret", "conformance-secret"),
            ("scope", "system/Appointment.read"),
        ],
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["scope"], "system/Appointment.read");
    let read_only = reply.json()["access_token"].as_str().unwrap().to_string();
    let get = |path: String| api.client.get(api.url(&path)).bearer_auth(&read_only);
    assert_eq!(
        api.send(get(format!("/Appointment/{}", seeded(1))))
            .await
            .status,
        200
    );
    assert_eq!(api.send(get("/Appointment".into())).await.status, 200);
    let body = current_appointment("2033-03-01T10:00Z", "2033-03-01T10:30Z");
    let reply = api
        .send(
            api.client
                .post(api.url("/Appointment"))
                .bearer_auth(&read_only)
                .json(&body),
        )
        .await;
    current_outcome(&reply, 403, "forbidden", "Authorization failed");
    let reply = api
        .send(
            api.client
                .put(api.url(&format!("/Appointment/{}", seeded(3))))
                .bearer_auth(&read_only)
                .json(&body),
        )
        .await;
    current_outcome(&reply, 403, "forbidden", "Authorization failed");
    assert_eq!(api.search("_count=1").await["total"], 13, "nothing stored");
    api.stop().await;
}

#[tokio::test]
async fn token_endpoint_basic_auth_scope_and_introspection() {
    let api = Api::current().await;
    // HTTP Basic with only grant_type in the form
    let reply = token(
        &api,
        &[("grant_type", "client_credentials")],
        Some(("conformance", "conformance-secret")),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["scope"], FULL_SCOPE);
    assert_eq!(body["expires_in"], 36000);
    let issued = body["access_token"].as_str().unwrap().to_string();
    // both methods at once are refused; a wrong secret is invalid_client
    let reply = token(
        &api,
        &[
            ("grant_type", "client_credentials"),
            ("client_secret", "conformance-secret"),
        ],
        Some(("conformance", "conformance-secret")),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_request");
    let reply = token(
        &api,
        &[("grant_type", "client_credentials")],
        Some(("conformance", "s3cr3t-guess")),
    )
    .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"], "invalid_client");
    assert!(!reply.text.contains("s3cr3t-guess"), "no secret in answers");
    // a scope outside the client's (which has read on the lookups, D33, but nothing else)
    let reply = token(
        &api,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "system/Observation.read"),
        ],
        Some(("conformance", "conformance-secret")),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_scope");
    // RFC 7662 §2.1: a token in the query string is refused, even with a valid caller
    let reply = api
        .send(
            api.client
                .get(api.url(&format!("/auth/introspect/?token={issued}")))
                .bearer_auth(&issued),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json()["error"], "invalid_request");
    assert!(
        !reply.text.contains(&issued),
        "the answer does not echo the token"
    );
    // … a POST form with a bearer or with client credentials is answered
    let reply = api
        .send(
            post_form(&api, "/auth/introspect/", &[("token", issued.as_str())])
                .bearer_auth(&issued),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["active"], true);
    assert_eq!(body["client_id"], "conformance");
    assert_eq!(body["scope"], FULL_SCOPE);
    assert!(body["exp"].as_u64().unwrap() > 1_700_000_000);
    let reply = api
        .send(
            post_form(&api, "/auth/introspect/", &[("token", "unknown-token")])
                .basic_auth("conformance", Some("conformance-secret")),
        )
        .await;
    assert_eq!(reply.json(), json!({"active": false}));
    let reply = api
        .send(post_form(
            &api,
            "/auth/introspect/",
            &[("token", issued.as_str())],
        ))
        .await;
    assert_eq!(
        reply.status, 401,
        "introspection needs a caller: {}",
        reply.text
    );
    api.stop().await;
}

#[tokio::test]
async fn err_405_unsupported_methods() {
    let api = Api::current().await;
    let one = api.url(&format!("/Appointment/{}", seeded(1)));
    let all = api.url("/Appointment");
    for request in [
        api.client.delete(&one),
        api.client.patch(&one),
        api.client.post(&one).json(&json!({})),
        api.client.put(&all).json(&json!({})),
    ] {
        let reply = api.send(request.bearer_auth(TOKEN)).await;
        current_outcome(&reply, 405, "not-supported", "Operation is not supported");
    }
    api.stop().await;
}

#[tokio::test]
async fn req_bare_resource_and_nonempty_strings() {
    let api = Api::current().await;
    let good = current_appointment("2033-03-02T10:00Z", "2033-03-02T10:30Z");
    let reply = api
        .post("/Appointment", &json!({"resource": good.clone()}))
        .await;
    current_outcome(&reply, 400, "invalid", "Bad request");
    for (key, value) in [("description", json!("")), ("status", json!(""))] {
        let reply = api
            .post("/Appointment", &with(good.clone(), key, value))
            .await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    let mut nested = good.clone();
    nested["reasonCode"] = json!([{"text": ""}]);
    current_outcome(
        &api.post("/Appointment", &nested).await,
        400,
        "invalid",
        "Bad request",
    );
    assert_eq!(api.search("_count=1").await["total"], 13);
    api.stop().await;
}

#[tokio::test]
async fn resp_correlation_id_on_every_response() {
    let api = Api::current().await;
    let replies = vec![
        api.get(&format!("/Appointment/{}", seeded(1))).await,
        api.get("/Appointment/nope").await,
        api.send(api.client.get(api.url("/Appointment"))).await,
        api.post(
            "/Appointment",
            &current_appointment("2033-03-03T10:00Z", "2033-03-03T10:30Z"),
        )
        .await,
        api.send(api.client.get(api.url("/openapi.json"))).await,
        token(
            &api,
            &[("grant_type", "client_credentials")],
            Some(("conformance", "conformance-secret")),
        )
        .await,
    ];
    let mut seen = HashSet::new();
    for reply in &replies {
        let id = reply
            .header("fumage-correlation-id")
            .expect("correlation id");
        assert!(uuid::Uuid::try_parse(id).is_ok(), "{id}");
        assert!(seen.insert(id.to_string()), "fresh per request");
    }
    api.stop().await;
}

#[tokio::test]
async fn uri_and_headers_too_long_are_operation_outcomes() {
    let api = Api::current().await;
    let long = "x".repeat(10_000);
    let reply = api.get(&format!("/Appointment?status={long}")).await;
    current_outcome(&reply, 414, "too-long", "URI too long");
    let reply = api
        .send(
            api.client
                .get(api.url("/Appointment"))
                .bearer_auth(TOKEN)
                .header("x-big", "y".repeat(40_000)),
        )
        .await;
    current_outcome(&reply, 431, "too-long", "Request headers too large");
    api.stop().await;
}

/// Every malformed request of the current edition is a 4xx OperationOutcome and stores nothing.
#[tokio::test]
async fn malformed_requests_are_4xx_outcomes_and_store_nothing() {
    let api = Api::current().await;
    let good = current_appointment("2033-03-04T10:00Z", "2033-03-04T10:30Z");
    let mut table: Vec<(&str, Value)> = vec![
        ("array body", json!([good.clone()])),
        ("string body", json!("appointment")),
        ("null body", Value::Null),
        ("wrapped", json!({"resource": good.clone()})),
        (
            "wrong resourceType",
            with(good.clone(), "resourceType", json!("Patient")),
        ),
        ("numeric status", with(good.clone(), "status", json!(1))),
        ("start number", with(good.clone(), "start", json!(20330304))),
        (
            "start year 0",
            with(good.clone(), "start", json!("0000-01-01T10:00Z")),
        ),
        (
            "start offset 15h",
            with(good.clone(), "start", json!("2033-03-04T10:00+15:00")),
        ),
        (
            "participant object",
            with(good.clone(), "participant", json!({})),
        ),
        (
            "two practitioners",
            with(
                good.clone(),
                "participant",
                json!([
                    {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"},
                    {"actor": {"reference": format!("Practitioner/{PRACTITIONER_2}")}, "status": "accepted"},
                ]),
            ),
        ),
        (
            "unknown practitioner",
            with(
                good.clone(),
                "participant",
                json!([
                    {"actor": {"reference": "Practitioner/0000"}, "status": "accepted"},
                ]),
            ),
        ),
        (
            "unknown patient",
            with(
                good.clone(),
                "participant",
                json!([
                    {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"},
                    {"actor": {"reference": "Patient/0000"}, "status": "accepted"},
                ]),
            ),
        ),
        (
            "supportingInformation object",
            with(good.clone(), "supportingInformation", json!({})),
        ),
        (
            "reference number",
            with(
                good.clone(),
                "supportingInformation",
                json!([{"reference": 1}]),
            ),
        ),
        (
            "other # reference",
            with(
                good.clone(),
                "supportingInformation",
                json!([{"reference": "#elsewhere"}]),
            ),
        ),
        (
            "contained object",
            with(good.clone(), "contained", json!({})),
        ),
        (
            "reasonCode string",
            with(good.clone(), "reasonCode", json!("[{\"text\": \"x\"}]")),
        ),
        (
            "description number",
            with(good.clone(), "description", json!(3)),
        ),
        (
            "type string",
            with(good.clone(), "appointmentType", json!("308335008")),
        ),
        (
            "identifier object",
            with(good.clone(), "identifier", json!({"value": "x"})),
        ),
        (
            "identifier use",
            with(
                good.clone(),
                "identifier",
                json!([{"use": "primary", "value": "x"}]),
            ),
        ),
        (
            "identifier period",
            with(
                good.clone(),
                "identifier",
                json!([{"value": "x", "period": {"start": "2024-02-30"}}]),
            ),
        ),
        (
            "zero duration",
            with(good.clone(), "end", json!("2033-03-04T10:00Z")),
        ),
        (
            "unknown type",
            with(
                good.clone(),
                "appointmentType",
                type_coding("INTERNAL", "NOPE"),
            ),
        ),
    ];
    table.push(("empty string", with(good.clone(), "description", json!(""))));
    for (what, body) in &table {
        let reply = api.post("/Appointment", body).await;
        assert!(
            (400..500).contains(&reply.status),
            "{what}: {} {}",
            reply.status,
            reply.text
        );
        assert_eq!(reply.json()["resourceType"], "OperationOutcome", "{what}");
        let reply = api.update(&seeded(3), body).await;
        assert!(
            (400..500).contains(&reply.status),
            "PUT {what}: {} {}",
            reply.status,
            reply.text
        );
        assert_eq!(
            reply.json()["resourceType"],
            "OperationOutcome",
            "PUT {what}"
        );
    }
    for raw in ["", "{", "not json", "{\"resourceType\": \"Appointment\",}"] {
        let reply = api
            .send(
                api.client
                    .post(api.url("/Appointment"))
                    .bearer_auth(TOKEN)
                    .header("content-type", "application/json")
                    .body(raw),
            )
            .await;
        assert_eq!(reply.status, 400, "{raw:?}: {}", reply.text);
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    assert_eq!(api.search("_count=1").await["total"], 13, "nothing stored");
    assert_eq!(
        api.read(&seeded(3)).await["status"],
        "booked",
        "nothing changed"
    );
    api.stop().await;
}
