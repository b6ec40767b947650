//! AUTH-BEARER, ERR-OO, ERR-400: tokens (static and OAuth), and the shape of every error answer.

use std::path::Path;

use canvas_sandbox::{ServerConfig, Settings};
use serde_json::{Value, json};

use super::common::*;

#[tokio::test]
async fn auth_bearer_is_required_on_every_appointment_route() {
    let api = Api::start().await;
    let read = format!("/Appointment/{}", seeded(1));
    let body = appointment("2031-01-01T10:00Z", "2031-01-01T10:30Z");
    let cases = [
        ("GET", read.as_str(), None),
        ("GET", "/Appointment?status=booked", None),
        ("POST", "/Appointment", Some("Bearer wrong-token")),
        ("PUT", read.as_str(), Some("Bearer ")),
        ("GET", read.as_str(), Some("Basic ZGV2LXRva2Vu")),
        ("GET", read.as_str(), Some("dev-token")),
        ("DELETE", read.as_str(), None),
        ("GET", "/Appointment/no/such/route", None),
    ];
    for (method, path, authorization) in cases {
        let mut request = api
            .client
            .request(method.parse().unwrap(), api.url(path))
            .json(&body);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let reply = api.send(request).await;
        reply.outcome(401, "unknown", "Authentication failed");
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer"),
            "{method} {path}"
        );
        assert!(!reply.text.contains("Appointment\""), "no data leaks");
    }
    // the scheme is case-insensitive; the token is not
    let ok = api
        .send(
            api.client
                .get(api.url(&read))
                .header("authorization", "bearer dev-token"),
        )
        .await;
    assert_eq!(ok.status, 200);
    let custom = Api::with(ServerConfig {
        static_token: "s3cret".into(),
        ..ServerConfig::reference()
    })
    .await;
    assert_eq!(custom.get(&read).await.status, 200);
    let old = custom
        .send(custom.client.get(custom.url(&read)).bearer_auth(TOKEN))
        .await;
    assert_eq!(old.status, 401);
}

async fn issue(api: &Api, form: &[(&str, &str)]) -> (u16, Value) {
    let mut encoded = form_urlencoded::Serializer::new(String::new());
    encoded.extend_pairs(form);
    let reply = api
        .send(
            api.client
                .post(api.url("/auth/token/"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(encoded.finish()),
        )
        .await;
    (reply.status, reply.json())
}

const CLIENT: [(&str, &str); 3] = [
    ("grant_type", "client_credentials"),
    ("client_id", "conformance"),
    ("client_secret", "conformance-secret"),
];

#[tokio::test]
async fn auth_bearer_oauth_tokens_are_issued_used_and_expire() {
    let mut settings = Settings::reference();
    settings.token_lifetime_secs = 1;
    let api = Api::with(ServerConfig {
        settings,
        ..ServerConfig::reference()
    })
    .await;
    let (status, body) = issue(&api, &CLIENT).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 1);
    assert!(body["scope"].is_string());
    let token = body["access_token"].as_str().unwrap().to_string();
    assert!(token.len() >= 32);
    let read = format!("/Appointment/{}", seeded(1));
    let with_token = |token: String| {
        let api = &api;
        let read = &read;
        async move {
            api.send(api.client.get(api.url(read)).bearer_auth(token))
                .await
                .status
        }
    };
    assert_eq!(with_token(token.clone()).await, 200);
    let (_, second) = issue(&api, &CLIENT).await;
    assert_ne!(
        second["access_token"], body["access_token"],
        "tokens are random"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(with_token(token).await, 401, "expired tokens are refused");
    assert_eq!(
        with_token(TOKEN.to_string()).await,
        200,
        "the static token stays"
    );
}

#[tokio::test]
async fn auth_bearer_token_endpoint_errors_follow_rfc_6749() {
    let api = Api::start().await;
    let (status, body) = issue(&api, &CLIENT).await;
    assert_eq!((status, body["expires_in"].clone()), (200, json!(36000)));
    let (status, body) = issue(&api, &[("grant_type", "password"), CLIENT[1], CLIENT[2]]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = issue(&api, &[CLIENT[0], CLIENT[1], ("client_secret", "nope")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = issue(&api, &[CLIENT[0], ("client_id", "who"), CLIENT[2]]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = issue(&api, &[CLIENT[1], CLIENT[2]]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
}

#[tokio::test]
async fn err_oo_every_error_answer_is_an_operation_outcome() {
    let api = Api::start().await;
    let unknown = format!("/Appointment/{}", uuid::Uuid::new_v4());
    api.get(&unknown)
        .await
        .outcome(404, "not-found", "Resource not found");
    api.get("/Observation/abc")
        .await
        .outcome(404, "not-found", "Resource not found");
    api.get("/Patient/abc")
        .await
        .outcome(404, "not-found", "Resource not found");
    api.get("/Appointment/a/b")
        .await
        .outcome(404, "not-found", "Resource not found");
    api.send(
        api.client
            .delete(api.url(&format!("/Appointment/{}", seeded(1))))
            .bearer_auth(TOKEN),
    )
    .await
    .outcome(405, "not-supported", "Method not allowed");
    api.send(api.client.get(api.url("/Appointment")))
        .await
        .outcome(401, "unknown", "Authentication failed");
    api.post("/Appointment", &json!([]))
        .await
        .outcome(400, "invalid", "Bad request");
    let chart = with(
        appointment("2031-01-01T10:00Z", "2031-01-01T10:30Z"),
        "appointmentType",
        type_coding("INTERNAL", "CHART"),
    );
    api.post("/Appointment", &chart).await.outcome(
        422,
        "business-rule",
        "Appointment Create Error: Appointment type must be scheduleable",
    );
}

#[tokio::test]
async fn err_oo_body_over_one_mib_is_413() {
    let api = Api::start().await;
    let mut body = appointment("2031-01-01T10:00Z", "2031-01-01T10:30Z");
    body["description"] = json!("x".repeat(1024 * 1024 + 10));
    let reply = api.post("/Appointment", &body).await;
    reply.outcome(413, "too-long", "Request body too large");
    // just under the limit is fine
    body["description"] = json!("x".repeat(1024 * 1000));
    assert_eq!(api.post("/Appointment", &body).await.status, 201);
}

/// ≥ 20 malformed requests: each a 4xx OperationOutcome, never a 5xx.
#[tokio::test]
async fn err_400_malformed_requests_answer_bad_request() {
    let api = Api::start().await;
    let good = appointment("2031-02-01T10:00Z", "2031-02-01T10:30Z");
    let raw = |text: &'static str| {
        api.client
            .post(api.url("/Appointment"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(text)
    };
    let raw_replies = [
        ("not JSON", api.send(raw("{not json")).await),
        ("empty body", api.send(raw("")).await),
        ("truncated JSON", api.send(raw("{\"resourceType\": ")).await),
    ];
    for (what, reply) in raw_replies {
        assert_eq!(reply.status, 400, "{what}: {}", reply.text);
        reply.outcome(400, "invalid", "Bad request");
    }
    let p = |reference: &str| json!([{"actor": {"reference": reference}, "status": "active"}]);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("array body", json!([good.clone()]), "JSON object"),
        ("string body", json!("Appointment"), "JSON object"),
        (
            "wrong resourceType",
            with(good.clone(), "resourceType", json!("Patient")),
            "resourceType",
        ),
        (
            "no resourceType",
            without(good.clone(), "resourceType"),
            "resourceType",
        ),
        (
            "numeric resourceType",
            with(good.clone(), "resourceType", json!(1)),
            "resourceType",
        ),
        ("missing start", without(good.clone(), "start"), "start"),
        ("missing end", without(good.clone(), "end"), "end"),
        (
            "date-only start",
            with(good.clone(), "start", json!("2031-02-01")),
            "start",
        ),
        (
            "hour-only start",
            with(good.clone(), "start", json!("2031-02-01T10")),
            "start",
        ),
        (
            "start in year 0000",
            with(good.clone(), "start", json!("0000-12-31T00:01:00Z")),
            "start",
        ),
        (
            "impossible end",
            with(good.clone(), "end", json!("2031-02-30T10:00Z")),
            "end",
        ),
        (
            "numeric start",
            with(good.clone(), "start", json!(1700000000)),
            "start",
        ),
        (
            "reasonCode as string",
            with(good.clone(), "reasonCode", json!("[{\"text\": \"x\"}]")),
            "reasonCode",
        ),
        (
            "reasonCode item not object",
            with(good.clone(), "reasonCode", json!(["x"])),
            "reasonCode",
        ),
        (
            "description not string",
            with(good.clone(), "description", json!(5)),
            "description",
        ),
        (
            "participant not array",
            with(good.clone(), "participant", json!({})),
            "participant",
        ),
        (
            "no participant",
            without(good.clone(), "participant"),
            "participant",
        ),
        (
            "no practitioner",
            with(
                good.clone(),
                "participant",
                p(&format!("Patient/{PATIENT}")),
            ),
            "Practitioner",
        ),
        (
            "unknown practitioner",
            with(good.clone(), "participant", p("Practitioner/nobody")),
            "nobody",
        ),
        (
            "unknown patient",
            with(
                good.clone(),
                "participant",
                json!([
                    {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}},
                    {"actor": {"reference": "Patient/nobody"}},
                ]),
            ),
            "nobody",
        ),
        (
            "other actor type",
            with(good.clone(), "participant", p("RelatedPerson/x")),
            "RelatedPerson",
        ),
        (
            "actor without reference",
            with(good.clone(), "participant", json!([{"actor": {}}])),
            "reference",
        ),
        (
            "unknown location",
            with(
                good.clone(),
                "supportingInformation",
                json!([{"reference": "Location/2"}]),
            ),
            "location",
        ),
        (
            "supportingInformation object",
            with(
                good.clone(),
                "supportingInformation",
                json!({"reference": "Location/1"}),
            ),
            "supportingInformation",
        ),
        (
            "endpoint without contained",
            with(
                good.clone(),
                "supportingInformation",
                json!([{"reference": "#appointment-meeting-endpoint", "type": "Endpoint"}]),
            ),
            "contained",
        ),
        (
            "endpoint without address",
            with(
                with(
                    good.clone(),
                    "supportingInformation",
                    json!([{"reference": "#appointment-meeting-endpoint", "type": "Endpoint"}]),
                ),
                "contained",
                json!([{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint"}]),
            ),
            "address",
        ),
        (
            "appointmentType string",
            with(good.clone(), "appointmentType", json!("Office Visit")),
            "appointmentType",
        ),
        (
            "coding not array",
            with(
                good.clone(),
                "appointmentType",
                json!({"coding": {"code": "x"}}),
            ),
            "coding",
        ),
        (
            "coding without code",
            with(
                good.clone(),
                "appointmentType",
                json!({"coding": [{"system": "INTERNAL"}]}),
            ),
            "code",
        ),
    ];
    assert!(cases.len() + 3 >= 20);
    for (what, body, needle) in cases {
        let reply = api.post("/Appointment", &body).await;
        assert!(reply.status < 500, "{what}: {}", reply.text);
        assert_eq!(reply.status, 400, "{what}: {}", reply.text);
        reply.bad_request(needle);
        let issue = reply.json()["issue"][0].clone();
        assert!(issue["expression"][0].is_string(), "{what}: {issue}");
    }
    // update-side malformations
    let id = seeded(1);
    let put = |body: Value| {
        let api = &api;
        let id = &id;
        async move { api.update(id, &body).await }
    };
    put(json!({"resourceType": "Appointment", "id": seeded(2)}))
        .await
        .bad_request("does not match");
    put(json!({"resourceType": "Appointment", "status": "bogus"}))
        .await
        .bad_request("bogus");
    put(json!({"resourceType": "Appointment", "status": 3}))
        .await
        .bad_request("status");
    put(json!({"resourceType": "Appointment", "start": "soon"}))
        .await
        .bad_request("start");
    // search-side malformations
    for query in [
        "foo=bar",
        "_count=0",
        "date=2023/06/06",
        "status=nope",
        "_sort=name",
    ] {
        let reply = api.get(&format!("/Appointment?{query}")).await;
        reply.outcome(400, "invalid", "Bad request");
    }
}

#[tokio::test]
async fn openapi_document_is_served_without_auth() {
    let api = Api::start().await;
    let reply = api.send(api.client.get(api.url("/openapi.json"))).await;
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    for path in ["/Appointment", "/Appointment/{id}", "/auth/token/"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["components"]["securitySchemes"].is_object());
    for schema in ["Appointment", "Bundle", "OperationOutcome"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    let on_disk: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(doc, on_disk);
}
