//! Current edition, scopes as amended: the grammar and grants in the token answer (D28), what each
//! granted scope may do (D12), and patient tokens end to end (D29): answer, introspection, and
//! read, search (`_id`, paging links), create and update limited to the token's patient.

use serde_json::{Value, json};

use super::common::*;

/// The token answer's `scope` for a requested `scope`, asserting 200.
async fn granted(api: &Api, scope: &str) -> String {
    let reply = request_token(api, &[("scope", scope)]).await;
    assert_eq!(reply.status, 200, "{scope}: {}", reply.text);
    reply.json()["scope"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// An RFC 6749 error answer with this `error`.
fn oauth_refusal(reply: &Reply, error: &str) {
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json()["error"], error, "{}", reply.text);
    assert!(reply.json().get("access_token").is_none(), "{}", reply.text);
}

#[tokio::test]
async fn every_documented_spelling_is_granted_as_far_as_the_client_reaches() {
    let api = Api::current().await;
    assert_eq!(
        granted(&api, "system/Appointment.rs").await,
        "system/Appointment.rs"
    );
    assert_eq!(
        granted(&api, "system/Appointment.*").await,
        "system/Appointment.*"
    );
    assert_eq!(
        granted(&api, "system/Appointment.read system/Appointment.write").await,
        "system/Appointment.read system/Appointment.write"
    );
    // D12 and D33: `*` is every resource; the client reads six of them
    assert_eq!(
        granted(&api, "system/*.read").await,
        "system/Appointment.read system/Practitioner.read system/Patient.read \
         system/Location.read system/Schedule.read system/Slot.read"
    );
    // granted in part: v2 letters of what was
    assert_eq!(granted(&api, "system/Slot.*").await, "system/Slot.rs");
    assert_eq!(
        granted(&api, "system/Observation.read system/Appointment.cu").await,
        "system/Appointment.cu"
    );
    // nothing granted, or not the grammar: invalid_scope
    for refused in [
        "system/Slot.write",
        "system/Observation.read",
        "user/Appointment.read",
        "patient/Appointment.read",
        "system/Appointment.d",
        "system/Appointment.sr",
        "Appointment.read",
        "system/Appointment.read launch",
    ] {
        let reply = request_token(&api, &[("scope", refused)]).await;
        oauth_refusal(&reply, "invalid_scope");
    }
    // without scope: the client's whole configured set, as before (D33)
    let reply = request_token(&api, &[]).await;
    assert_eq!(reply.json()["scope"], FULL_SCOPE);
    api.stop().await;
}

#[tokio::test]
async fn each_operation_needs_its_own_permission() {
    let api = Api::current().await;
    let rs = access_token(&request_token(&api, &[("scope", "system/Appointment.rs")]).await);
    let s = access_token(&request_token(&api, &[("scope", "system/Appointment.s")]).await);
    let cu = access_token(&request_token(&api, &[("scope", "system/Appointment.cu")]).await);
    let star = access_token(&request_token(&api, &[("scope", "system/Appointment.*")]).await);
    let read = format!("/Appointment/{}", seeded(3));
    let body = current_appointment("2042-01-01T10:00Z", "2042-01-01T10:30Z");
    let get = |path: &str, token: &str| api.client.get(api.url(path)).bearer_auth(token);
    let post = |token: &str| {
        api.client
            .post(api.url("/Appointment"))
            .bearer_auth(token)
            .json(&body)
    };
    let status = |reply: Reply| reply.status;
    // rs: read and search, never write
    assert_eq!(status(api.send(get(&read, &rs)).await), 200);
    assert_eq!(status(api.send(get("/Appointment", &rs)).await), 200);
    let reply = api.send(post(&rs)).await;
    current_outcome(&reply, 403, "forbidden", "Authorization failed");
    // s: search only
    assert_eq!(status(api.send(get("/Appointment", &s)).await), 200);
    let reply = api.send(get(&read, &s)).await;
    current_outcome(&reply, 403, "forbidden", "Authorization failed");
    // cu: create and update, neither read nor search
    let created = api.send(post(&cu)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created
        .header("location")
        .and_then(location_id)
        .expect("Location");
    let reply = api
        .send(
            api.client
                .put(api.url(&format!("/Appointment/{id}")))
                .bearer_auth(&cu)
                .json(&with(body.clone(), "status", json!("arrived"))),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    for path in [format!("/Appointment/{id}"), "/Appointment".to_string()] {
        let reply = api.send(get(&path, &cu)).await;
        current_outcome(&reply, 403, "forbidden", "Authorization failed");
    }
    // *: everything on Appointment, nothing on the lookups
    assert_eq!(status(api.send(get(&read, &star)).await), 200);
    assert_eq!(status(api.send(post(&star)).await), 201);
    let reply = api.send(get("/Slot", &star)).await;
    current_outcome(&reply, 403, "forbidden", "Authorization failed");
    // system/*.read: reads the lookups too, writes nothing
    let all_read = access_token(&request_token(&api, &[("scope", "system/*.read")]).await);
    assert_eq!(
        status(
            api.send(get(&format!("/Patient/{PATIENT}"), &all_read))
                .await
        ),
        200
    );
    let reply = api.send(post(&all_read)).await;
    current_outcome(&reply, 403, "forbidden", "Authorization failed");
    api.stop().await;
}

#[tokio::test]
async fn a_patient_token_answers_as_smart_says_and_introspects_with_its_patient() {
    let api = Api::current().await;
    let reply = request_token(
        &api,
        &[("scope", "patient/Appointment.*"), ("patient", PATIENT)],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["patient"], PATIENT);
    assert_eq!(body["need_patient_banner"], true);
    assert_eq!(body["scope"], "patient/Appointment.*");
    assert_eq!(body["token_type"], "Bearer");
    let style = body["smart_style_url"].as_str().expect("smart_style_url");
    assert_eq!(style, api.url("/smart-style.json"));
    let reply = api.send(api.client.get(style)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json()["color_background"].is_string());
    let token = body["access_token"].as_str().unwrap_or_default();
    let reply = api
        .send(
            api.client
                .post(api.url("/auth/introspect/"))
                .basic_auth("conformance", Some("conformance-secret"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("token={token}")),
        )
        .await;
    assert_eq!(reply.json()["active"], true, "{}", reply.text);
    assert_eq!(reply.json()["patient"], PATIENT);
    assert_eq!(reply.json()["scope"], "patient/Appointment.*");
    // the v1 and v2 spellings in the patient context
    for scope in ["patient/Appointment.read", "patient/Appointment.rs"] {
        let reply = request_token(&api, &[("scope", scope), ("patient", PATIENT)]).await;
        assert_eq!(reply.json()["scope"], scope, "{}", reply.text);
    }
    // refusals: no scope, no patient/ scope, an unknown patient
    let reply = request_token(&api, &[("patient", PATIENT)]).await;
    oauth_refusal(&reply, "invalid_scope");
    let reply = request_token(
        &api,
        &[("scope", "system/Appointment.*"), ("patient", PATIENT)],
    )
    .await;
    oauth_refusal(&reply, "invalid_scope");
    let reply = request_token(
        &api,
        &[("scope", "patient/Appointment.*"), ("patient", "nobody")],
    )
    .await;
    oauth_refusal(&reply, "invalid_request");
    api.stop().await;
}

/// Books `start` for `patient` with the static token and returns the id.
async fn book(api: &Api, start: &str, end: &str, patient: &str) -> String {
    let mut body = current_appointment(start, end);
    body["participant"][1]["actor"]["reference"] = json!(format!("Patient/{patient}"));
    api.create(&body).await
}

#[tokio::test]
async fn a_patient_token_never_sees_or_writes_another_patients_appointment() {
    let api = Api::current().await;
    let own = book(&api, "2043-01-01T09:00Z", "2043-01-01T09:30Z", PATIENT_3).await;
    let own_2 = book(&api, "2043-01-01T10:00Z", "2043-01-01T10:30Z", PATIENT_3).await;
    let other = book(&api, "2043-01-01T11:00Z", "2043-01-01T11:30Z", PATIENT_2).await;
    let mut event = current_appointment("2043-01-01T12:00Z", "2043-01-01T12:30Z");
    event["appointmentType"] = type_coding("INTERNAL", "EVENT");
    event["participant"] = json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"}]);
    let no_patient = api.create(&event).await;
    let token = access_token(
        &request_token(
            &api,
            &[("scope", "patient/Appointment.*"), ("patient", PATIENT_3)],
        )
        .await,
    );
    let get = |path: &str| api.client.get(api.url(path)).bearer_auth(&token);
    let forbidden =
        |reply: &Reply| current_outcome(reply, 403, "forbidden", "Authorization failed");
    // read: its own, never another's or one without a patient
    assert_eq!(
        api.send(get(&format!("/Appointment/{own}"))).await.status,
        200
    );
    for id in [&other, &no_patient, &seeded(12)] {
        forbidden(&api.send(get(&format!("/Appointment/{id}"))).await);
    }
    // search: only its own, whatever the query; naming another patient is 403
    let bundle = api.send(get("/Appointment")).await.json();
    assert_eq!(bundle["total"], 2, "{bundle}");
    assert_eq!(entry_ids(&bundle), vec![own.clone(), own_2.clone()]);
    let by_id = api
        .send(get(&format!("/Appointment?_id={other},{own},{no_patient}")))
        .await
        .json();
    assert_eq!(entry_ids(&by_id), vec![own.clone()]);
    let by_date = api.send(get("/Appointment?date=2043-01-01")).await.json();
    assert_eq!(entry_ids(&by_date), vec![own.clone(), own_2.clone()]);
    let named = api
        .send(get(&format!("/Appointment?patient=Patient/{PATIENT_3}")))
        .await
        .json();
    assert_eq!(named["total"], 2);
    forbidden(
        &api.send(get(&format!("/Appointment?patient=Patient/{PATIENT_2}")))
            .await,
    );
    // paging links carry the query, and following them stays within the patient
    let first = api.send(get("/Appointment?_count=1")).await.json();
    let next = first["link"]
        .as_array()
        .and_then(|links| links.iter().find(|l| l["relation"] == "next"))
        .and_then(|l| l["url"].as_str())
        .expect("a next link")
        .to_string();
    let second = api.send(get(&next)).await.json();
    assert_eq!(second["total"], 2);
    assert_eq!(entry_ids(&second), vec![own_2.clone()]);
    // create: for its patient only
    let send_as = |request: reqwest::RequestBuilder| request.bearer_auth(&token);
    let mine = current_appointment("2043-01-02T09:00Z", "2043-01-02T09:30Z");
    let mine = with(
        mine,
        "participant",
        json!([
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"},
            {"actor": {"reference": format!("Patient/{PATIENT_3}")}, "status": "accepted"},
        ]),
    );
    let reply = api
        .send(send_as(
            api.client.post(api.url("/Appointment")).json(&mine),
        ))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let theirs = current_appointment("2043-01-02T10:00Z", "2043-01-02T10:30Z");
    let before = api.search("date=2043-01-02").await["total"].clone();
    for body in [theirs.clone(), event.clone()] {
        let reply = api
            .send(send_as(
                api.client.post(api.url("/Appointment")).json(&body),
            ))
            .await;
        forbidden(&reply);
    }
    assert_eq!(api.search("date=2043-01-02").await["total"], before);
    // update: its own (its patient may be left out, D24), never another's, never to another
    let cancel = |start: &str, end: &str| {
        json!({
            "status": "cancelled",
            "start": start,
            "end": end,
            "supportingInformation": [{"reference": format!("Location/{LOCATION_UUID}")}],
            "participant": [{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"}],
        })
    };
    let put = |id: &str, body: &Value| {
        send_as(
            api.client
                .put(api.url(&format!("/Appointment/{id}")))
                .json(body),
        )
    };
    let reply = api
        .send(put(&own, &cancel("2043-01-01T09:00Z", "2043-01-01T09:30Z")))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let cancel = cancel("2043-01-01T11:00Z", "2043-01-01T11:30Z");
    forbidden(&api.send(put(&other, &cancel)).await);
    forbidden(&api.send(put(&no_patient, &cancel)).await);
    let to_another = with(
        with(theirs.clone(), "start", json!("2043-01-01T10:00Z")),
        "end",
        json!("2043-01-01T10:30Z"),
    );
    forbidden(&api.send(put(&own_2, &to_another)).await);
    assert_eq!(api.read(&other).await["status"], "booked");
    assert_eq!(api.read(&own_2).await["status"], "booked");
    // a read-only patient token still cannot write
    let read_only = access_token(
        &request_token(
            &api,
            &[
                ("scope", "patient/Appointment.read"),
                ("patient", PATIENT_3),
            ],
        )
        .await,
    );
    let reply = api
        .send(
            api.client
                .put(api.url(&format!("/Appointment/{own_2}")))
                .bearer_auth(&read_only)
                .json(&with(
                    with(mine, "start", json!("2043-01-01T10:00Z")),
                    "end",
                    json!("2043-01-01T10:30Z"),
                )),
        )
        .await;
    forbidden(&reply);
    api.stop().await;
}

#[tokio::test]
async fn the_2023_09_edition_keeps_its_scope_words() {
    let api = Api::start().await;
    let reply = request_token(&api, &[("scope", "system/Appointment.read")]).await;
    assert_eq!(reply.json()["scope"], "system/Appointment.read");
    for scope in [
        "system/Appointment.rs",
        "system/Appointment.*",
        "system/*.read",
    ] {
        let reply = request_token(&api, &[("scope", scope)]).await;
        oauth_refusal(&reply, "invalid_scope");
    }
    // `patient` is no field of its token request: ignored, a system token
    let reply = request_token(
        &api,
        &[("scope", "system/Appointment.read"), ("patient", PATIENT)],
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(reply.json().get("patient").is_none(), "{}", reply.text);
    assert_eq!(
        api.send(api.client.get(api.url("/smart-style.json")))
            .await
            .status,
        404
    );
    api.stop().await;
}
