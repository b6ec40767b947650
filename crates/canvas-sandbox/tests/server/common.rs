//! Shared helpers: start a server, send requests, check OperationOutcomes.

use canvas_sandbox::{Edition, RunningServer, ServerConfig, spawn};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const TOKEN: &str = "dev-token";
/// The scope of `dev-token` and of the reference client's tokens by default (D12, D33).
pub const FULL_SCOPE: &str = "system/Appointment.read system/Appointment.write system/Practitioner.read system/Patient.read system/Location.read system/Schedule.read system/Slot.read";
pub const PRACTITIONER: &str = "3a182f42885645e0bc3d608e7c02aad8";
pub const PRACTITIONER_2: &str = "fc87cbb2525f4c5eb50294f620c7a15e";
pub const CANVAS_BOT: &str = "5eede137ecfe4124b8b773040e33be14";
pub const PATIENT: &str = "a29eaebb284143ba97c76b01fdb46964";
pub const PATIENT_2: &str = "9420c5f6c44e47ec82d7e48f78d5723a";
pub const PATIENT_3: &str = "5350cd20de8a470aa570a852859ac87e";

/// The id of seeded appointment `n` (1..=11).
pub fn seeded(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// One HTTP answer, fully read.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an OperationOutcome error answer and returns its first issue.
    pub fn outcome(&self, status: u16, code: &str, text: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert!(
            self.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "content-type {:?}",
            self.header("content-type")
        );
        let body = self.json();
        assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
        assert!(
            body["id"]
                .as_str()
                .is_some_and(|id| uuid::Uuid::try_parse(id).is_ok()),
            "{body}"
        );
        let issue = body["issue"][0].clone();
        assert_eq!(issue["severity"], "error", "{body}");
        assert_eq!(issue["code"], code, "{body}");
        assert_eq!(issue["details"]["text"], text, "{body}");
        issue
    }

    /// A 400 `invalid` "Bad request" whose diagnostics mention `needle`.
    pub fn bad_request(&self, needle: &str) {
        let issue = self.outcome(400, "invalid", "Bad request");
        let diagnostics = issue["diagnostics"].as_str().unwrap_or_default();
        assert!(
            diagnostics.contains(needle),
            "diagnostics {diagnostics:?} should mention {needle:?}"
        );
    }

    /// A 422 `business-rule` with exactly `text`.
    pub fn rule(&self, text: &str) {
        self.outcome(422, "business-rule", text);
    }
}

/// Asks the reference client's token (`POST /auth/token/`, client credentials in the form) with
/// these extra form fields (`scope`, `patient`, …).
pub async fn request_token(api: &Api, extra: &[(&str, &str)]) -> Reply {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", "conformance"),
        ("client_secret", "conformance-secret"),
    ];
    form.extend_from_slice(extra);
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    api.send(
        api.client
            .post(api.url("/auth/token/"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

/// The access token of a successful token answer (asserting 200).
pub fn access_token(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// A running server and a client for it.
pub struct Api {
    pub server: RunningServer,
    pub client: reqwest::Client,
    pub token: String,
}

impl Api {
    pub async fn start() -> Api {
        Api::with(ServerConfig::reference()).await
    }

    /// The reference instance of the current edition.
    pub async fn current() -> Api {
        Api::with(ServerConfig::reference_for(Edition::Current)).await
    }

    pub async fn with(config: ServerConfig) -> Api {
        let token = config.static_token.clone();
        let server = spawn(config).await.expect("server starts");
        Api {
            server,
            client: reqwest::Client::new(),
            token,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request is answered");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body is read");
        Reply {
            status,
            headers,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.client.get(self.url(path)).bearer_auth(&self.token))
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(&self.token)
                .json(body),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .put(self.url(path))
                .bearer_auth(&self.token)
                .json(body),
        )
        .await
    }

    /// Creates an appointment, asserting 201, and returns its id (from `Location`).
    pub async fn create(&self, body: &Value) -> String {
        let reply = self.post("/Appointment", body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let location = reply.header("location").expect("Location header");
        let id = location_id(location).expect("Location names /Appointment/<id>");
        assert!(uuid::Uuid::try_parse(&id).is_ok(), "{location}");
        id
    }

    /// Reads an appointment, asserting 200.
    pub async fn read(&self, id: &str) -> Value {
        let reply = self.get(&format!("/Appointment/{id}")).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()
    }

    pub async fn update(&self, id: &str, body: &Value) -> Reply {
        self.put(&format!("/Appointment/{id}"), body).await
    }

    pub async fn search(&self, query: &str) -> Value {
        let reply = self.get(&format!("/Appointment?{query}")).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.text);
        reply.json()
    }

    /// The ids of a search's entries, in order.
    pub async fn search_ids(&self, query: &str) -> Vec<String> {
        entry_ids(&self.search(query).await)
    }

    pub async fn stop(self) {
        self.server.shutdown().await;
    }
}

/// The appointment id a `Location` names, with or without `/_history/<n>`.
pub fn location_id(location: &str) -> Option<String> {
    let (_, rest) = location.rsplit_once("/Appointment/")?;
    rest.split('/').next().map(str::to_string)
}

pub fn entry_ids(bundle: &Value) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| e["resource"]["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A minimal valid create body: practitioner and patient, 30 minutes from `start`.
pub fn appointment(start: &str, end: &str) -> Value {
    json!({
        "resourceType": "Appointment",
        "start": start,
        "end": end,
        "participant": [
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "active"},
            {"actor": {"reference": format!("Patient/{PATIENT}")}, "status": "active"},
        ],
    })
}

/// The current edition's practice location (REFERENCE-INSTANCE.md, D13).
pub const LOCATION_UUID: &str = "c1a4e5d2-7b3f-4e69-8a0d-5f2b9c6e1d47";

/// A minimal valid create body of the current edition (CREATE-REQUIRED): status, start, end,
/// accepted practitioner and patient participants, and the practice location.
pub fn current_appointment(start: &str, end: &str) -> Value {
    json!({
        "resourceType": "Appointment",
        "status": "booked",
        "start": start,
        "end": end,
        "supportingInformation": [{"reference": format!("Location/{LOCATION_UUID}")}],
        "participant": [
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"},
            {"actor": {"reference": format!("Patient/{PATIENT}")}, "status": "accepted"},
        ],
    })
}

/// The Content-Type of every JSON answer of the current edition's API (D31, RESP-FHIR-JSON).
pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// Asserts a current-edition OperationOutcome (no `id`, ERR-OO, as FHIR JSON, D31) and returns
/// its first issue.
pub fn current_outcome(reply: &Reply, status: u16, code: &str, text: &str) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some(FHIR_JSON),
        "{}",
        reply.text
    );
    let body = reply.json();
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    assert!(
        body.get("id").is_none(),
        "current outcomes carry no id: {body}"
    );
    let issue = body["issue"][0].clone();
    assert_eq!(issue["severity"], "error", "{body}");
    assert_eq!(issue["code"], code, "{body}");
    assert_eq!(issue["details"]["text"], text, "{body}");
    issue
}

/// `body` with `key` set to `value`.
pub fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

/// `body` without `key`.
pub fn without(mut body: Value, key: &str) -> Value {
    if let Some(obj) = body.as_object_mut() {
        obj.remove(key);
    }
    body
}

/// The supportingInformation reference of a given type in a read.
pub fn supporting<'a>(resource: &'a Value, kind: &str) -> Vec<&'a Value> {
    resource["supportingInformation"]
        .as_array()
        .map(|items| items.iter().filter(|i| i["type"] == kind).collect())
        .unwrap_or_default()
}

pub fn telehealth(address: &str) -> (Value, Value) {
    (
        json!([
            {"reference": "Location/1", "type": "Location"},
            {"reference": "#appointment-meeting-endpoint", "type": "Endpoint"},
        ]),
        json!([{
            "resourceType": "Endpoint",
            "id": "appointment-meeting-endpoint",
            "address": address,
        }]),
    )
}

pub fn type_coding(system: &str, code: &str) -> Value {
    json!({"coding": [{"system": system, "code": code}]})
}

/// What a client saw, normalized so two healthy runs compare equal: the base URL as `BASE`, every
/// UUID as `<idN>` in order of appearance (the mutant tests compare these with a mutant's).
pub struct Transcript {
    pub lines: Vec<String>,
    ids: std::collections::HashMap<String, usize>,
    base: String,
}

impl Transcript {
    pub fn new(base: &str) -> Transcript {
        Transcript {
            lines: Vec::new(),
            ids: std::collections::HashMap::new(),
            base: base.to_owned(),
        }
    }

    fn normalize(&mut self, text: &str) -> String {
        static UUID: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        let re = UUID.get_or_init(|| {
            regex::Regex::new(
                r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            )
            .unwrap()
        });
        let text = text.replace(&self.base, "BASE");
        let mut out = String::new();
        let mut last = 0;
        for m in re.find_iter(&text) {
            out.push_str(&text[last..m.start()]);
            let next = self.ids.len();
            let n = *self.ids.entry(m.as_str().to_string()).or_insert(next);
            out.push_str(&format!("<id{n}>"));
            last = m.end();
        }
        out.push_str(&text[last..]);
        out
    }

    /// Records a request and its answer (status, Content-Type, Location, whether a correlation id
    /// came, body); returns the status.
    pub fn record(&mut self, request: &str, reply: &Reply) -> u16 {
        let line = format!(
            "{request} → {} [{}] [{}] [{}] {}",
            reply.status,
            reply.header("content-type").unwrap_or_default(),
            reply.header("location").unwrap_or_default(),
            reply.header("fumage-correlation-id").is_some(),
            reply.text
        );
        let line = self.normalize(&line);
        self.lines.push(line);
        reply.status
    }
}

/// A validator for `#/components/schemas/<schema>` of an OpenAPI document the server serves.
pub fn document_schema(doc: &Value, schema: &str) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{schema}"),
        "components": doc["components"].clone(),
    });
    jsonschema::validator_for(&root).expect("the document's schema compiles")
}
