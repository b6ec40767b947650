//! The read-only lookups (Practitioner, Patient, Location, Schedule, Slot) in both editions:
//! their token and scope (D33), 404s, paging, shapes, and the booking flow Schedule → Slot →
//! Appointment (a booked slot leaves the free list and comes back when cancelled).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use canvas_sandbox::{Edition, ServerConfig, Settings};
use serde_json::{Value, json};

use super::common::*;

const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;

/// The reference schedule of `practitioner` (`Location.1-Staff.<id>` in both editions).
fn schedule_of(practitioner: &str) -> String {
    format!("Location.1-Staff.{practitioner}")
}

/// Now, in UTC epoch milliseconds.
fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(since.as_millis()).expect("milliseconds fit")
}

/// Monday = 0 … Sunday = 6, of UTC day number `day` (1970-01-01 was a Thursday).
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// `YYYY-MM-DD` of UTC day number `day` (Howard Hinnant's civil_from_days).
fn date(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The instant Canvas answers for `minute` minutes after the UTC midnight of `day`.
fn instant(day: i64, minute: i64) -> String {
    format!(
        "{}T{:02}:{:02}:00+00:00",
        date(day),
        minute / 60,
        minute % 60
    )
}

/// The first weekday (Monday–Friday) at least `ahead` days after today.
fn weekday_ahead(ahead: i64) -> i64 {
    let mut day = now_ms().div_euclid(DAY_MS) + ahead;
    while weekday(day) >= 5 {
        day += 1;
    }
    day
}

/// The default free slots of a reference practitioner with no appointments, as seen at `now`:
/// 20 minutes from 09:00 to 17:00 UTC, Monday–Friday, from today to today + 7, none before now.
fn default_slot_starts(now: i64) -> Vec<String> {
    let today = now.div_euclid(DAY_MS);
    let mut out = Vec::new();
    for day in today..=today + 7 {
        if weekday(day) >= 5 {
            continue;
        }
        for k in 0..24 {
            let minute = 9 * 60 + k * 20;
            if day * DAY_MS + minute * MINUTE_MS >= now {
                out.push(instant(day, minute));
            }
        }
    }
    out
}

/// Asserts an error answer of `edition`'s shape (2023-09: with an `id`; current: without) and
/// returns its first issue.
fn outcome(edition: Edition, reply: &Reply, status: u16, code: &str, text: &str) -> Value {
    match edition {
        Edition::Sept2023 => reply.outcome(status, code, text),
        Edition::Current => current_outcome(reply, status, code, text),
    }
}

/// A 400 naming `parameter` in `expression`, whose diagnostics mention `needle`.
fn bad_parameter(edition: Edition, reply: &Reply, parameter: &str, needle: &str) {
    let issue = outcome(edition, reply, 400, "invalid", "Bad request");
    assert_eq!(issue["expression"], json!([parameter]), "{}", reply.text);
    let diagnostics = issue["diagnostics"].as_str().unwrap_or_default();
    assert!(
        diagnostics.contains(needle),
        "{diagnostics:?} lacks {needle:?}"
    );
}

/// Every resource of a search, page by page along its `next` links, with each page's `total`.
async fn walk(api: &Api, first: &str) -> (Vec<Value>, Vec<u64>) {
    let mut resources = Vec::new();
    let mut totals = Vec::new();
    let mut path = first.to_string();
    for _ in 0..100 {
        let reply = api.get(&path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        let bundle = reply.json();
        assert_eq!(bundle["resourceType"], "Bundle", "{bundle}");
        assert_eq!(bundle["type"], "searchset", "{bundle}");
        totals.push(bundle["total"].as_u64().expect("a total"));
        for entry in bundle["entry"].as_array().into_iter().flatten() {
            resources.push(entry["resource"].clone());
        }
        let next = bundle["link"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["relation"] == "next")
            .and_then(|l| l["url"].as_str().map(str::to_string));
        match next {
            Some(next) => path = next,
            None => return (resources, totals),
        }
    }
    panic!("{first}: more than 100 pages");
}

/// The `start` of each Slot.
fn starts(slots: &[Value]) -> Vec<String> {
    slots
        .iter()
        .map(|s| s["start"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The free slots of `schedule` on `day` (one page of up to 100).
async fn slots_on(api: &Api, schedule: &str, day: i64, extra: &str) -> Vec<Value> {
    let path = format!(
        "/Slot?schedule=Schedule/{schedule}&start={d}&end={d}&_count=100{extra}",
        d = date(day)
    );
    let reply = api.get(&path).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    reply.json()["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| entry["resource"].clone())
        .collect()
}

/// A token of the reference client narrowed to `scope`.
async fn narrowed_token(api: &Api, scope: &str) -> String {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "client_credentials"),
            ("client_id", "conformance"),
            ("client_secret", "conformance-secret"),
            ("scope", scope),
        ])
        .finish();
    let reply = api
        .send(
            api.client
                .post(api.url("/auth/token/"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["scope"], scope);
    reply.json()["access_token"]
        .as_str()
        .expect("a token")
        .to_string()
}

/// One lookup path per route, all of which exist in the reference instance.
fn lookup_paths() -> Vec<String> {
    vec![
        "/Practitioner".to_string(),
        format!("/Practitioner/{PRACTITIONER}"),
        "/Patient".to_string(),
        format!("/Patient/{PATIENT}"),
        "/Location".to_string(),
        "/Location/1".to_string(),
        "/Schedule".to_string(),
        format!("/Slot?schedule={}", schedule_of(PRACTITIONER)),
    ]
}

#[tokio::test]
async fn lookups_need_a_token_with_their_read_scope() {
    for edition in Edition::ALL {
        let api = Api::with(ServerConfig::reference_for(edition)).await;
        let appointment_only = narrowed_token(&api, "system/Appointment.read").await;
        let slot_only = narrowed_token(&api, "system/Slot.read").await;
        for path in lookup_paths() {
            assert_eq!(api.get(&path).await.status, 200, "{edition} {path}");
            let reply = api.send(api.client.get(api.url(&path))).await;
            outcome(edition, &reply, 401, "unknown", "Authentication failed");
            assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
            let reply = api
                .send(api.client.get(api.url(&path)).bearer_auth("not-a-token"))
                .await;
            outcome(edition, &reply, 401, "unknown", "Authentication failed");
            let reply = api
                .send(
                    api.client
                        .get(api.url(&path))
                        .bearer_auth(&appointment_only),
                )
                .await;
            outcome(edition, &reply, 403, "forbidden", "Authorization failed");
            let reply = api
                .send(api.client.get(api.url(&path)).bearer_auth(&slot_only))
                .await;
            let expected = if path.starts_with("/Slot") { 200 } else { 403 };
            assert_eq!(reply.status, expected, "{edition} {path}: {}", reply.text);
        }
        // the narrowed token still reads appointments
        let reply = api
            .send(
                api.client
                    .get(api.url(&format!("/Appointment/{}", seeded(1))))
                    .bearer_auth(&appointment_only),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        // the lookups are read-only: other methods are 405 once authenticated
        let text = match edition {
            Edition::Sept2023 => "Method not allowed",
            Edition::Current => "Operation is not supported",
        };
        for request in [
            api.client.post(api.url("/Practitioner")).json(&json!({})),
            api.client
                .put(api.url(&format!("/Patient/{PATIENT}")))
                .json(&json!({})),
            api.client.delete(api.url("/Location/1")),
            api.client.post(api.url("/Slot")).json(&json!({})),
        ] {
            let reply = api.send(request.bearer_auth(TOKEN)).await;
            outcome(edition, &reply, 405, "not-supported", text);
        }
        api.stop().await;
    }
}

#[tokio::test]
async fn unknown_ids_are_404_naming_the_resource_in_current() {
    for edition in Edition::ALL {
        let api = Api::with(ServerConfig::reference_for(edition)).await;
        for resource in ["Practitioner", "Patient", "Location"] {
            let reply = api.get(&format!("/{resource}/nope-42")).await;
            let text = match edition {
                Edition::Sept2023 => "Resource not found".to_string(),
                Edition::Current => format!("Unknown {resource} resource 'nope-42'"),
            };
            outcome(edition, &reply, 404, "not-found", &text);
        }
        // Appointment keeps its own text
        let unknown = "00000000-0000-4000-8000-00000000ffff";
        let reply = api.get(&format!("/Appointment/{unknown}")).await;
        let text = match edition {
            Edition::Sept2023 => "Resource not found".to_string(),
            Edition::Current => format!("Unknown Appointment resource '{unknown}'"),
        };
        outcome(edition, &reply, 404, "not-found", &text);
        // Schedule and Slot have no read
        let reply = api
            .get(&format!("/Schedule/{}", schedule_of(PRACTITIONER)))
            .await;
        outcome(edition, &reply, 404, "not-found", "Resource not found");
        api.stop().await;
    }
}

#[tokio::test]
async fn practitioners_page_one_by_one_and_canvas_bot_is_found_by_name() {
    for edition in Edition::ALL {
        let api = Api::with(ServerConfig::reference_for(edition)).await;
        let (all, totals) = walk(&api, "/Practitioner?_count=1").await;
        let ids: Vec<&str> = all.iter().filter_map(|p| p["id"].as_str()).collect();
        assert_eq!(ids, [PRACTITIONER, PRACTITIONER_2, CANVAS_BOT], "{edition}");
        assert_eq!(totals, [3, 3, 3]);
        let bundle = api.get("/Practitioner?name=Canvas%20Bot").await.json();
        assert_eq!(bundle["total"], 1);
        assert_eq!(
            bundle["entry"][0]["resource"],
            json!({
                "resourceType": "Practitioner",
                "id": CANVAS_BOT,
                "active": true,
                "name": [{"use": "usual", "text": "Canvas Bot"}],
            })
        );
        let bundle = api.get("/Practitioner?name=LOVELACE").await.json();
        assert_eq!(entry_ids(&bundle), [PRACTITIONER_2], "case-insensitive");
        let bundle = api
            .get(&format!("/Practitioner?_id={PRACTITIONER},{CANVAS_BOT},x"))
            .await
            .json();
        assert_eq!(entry_ids(&bundle), [PRACTITIONER, CANVAS_BOT]);
        let reply = api.get(&format!("/Practitioner/{PRACTITIONER}")).await;
        assert_eq!(
            reply.json(),
            json!({
                "resourceType": "Practitioner",
                "id": PRACTITIONER,
                "active": true,
                "name": [{"use": "usual", "text": "Youta Priti MD"}],
            })
        );
        let bundle = api.get("/Practitioner?name=nobody").await.json();
        assert_eq!(bundle["total"], 0);
        assert!(bundle.get("entry").is_none(), "{bundle}");
        api.stop().await;
    }
}

#[tokio::test]
async fn paging_and_unknown_parameters_follow_the_edition() {
    // 2023-09: no paging without _count, and an unknown parameter is a 400 naming it
    let api = Api::start().await;
    let bundle = api.get("/Patient").await.json();
    assert_eq!(entry_ids(&bundle), [PATIENT, PATIENT_2, PATIENT_3]);
    let links: Vec<&str> = bundle["link"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["url"].as_str())
        .collect();
    assert_eq!(links, ["/Patient", "/Patient", "/Patient"]);
    let bundle = api.get("/Patient?_count=2&_offset=2").await.json();
    let previous = bundle["link"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["relation"] == "previous")
        .map(|l| l["url"].clone());
    assert_eq!(previous, Some(json!("/Patient?_count=2&_offset=0")));
    let reply = api.get("/Practitioner?colour=blue").await;
    bad_parameter(
        Edition::Sept2023,
        &reply,
        "colour",
        "unknown search parameter",
    );
    let reply = api.get("/Schedule?name=x").await;
    bad_parameter(Edition::Sept2023, &reply, "name", "supported: _id, actor");
    let reply = api.get("/Patient?name=").await;
    bad_parameter(Edition::Sept2023, &reply, "name", "must not be empty");
    api.stop().await;

    // current: ten a page by default, at most 100, unknown parameters ignored, no previous
    let api = Api::current().await;
    let bundle = api.get("/Patient?colour=blue").await.json();
    assert_eq!(bundle["total"], 3);
    assert_eq!(
        bundle["link"][0],
        json!({"relation": "self", "url": "/Patient?_count=10&_offset=0"})
    );
    let bundle = api.get("/Patient?_count=2&_offset=2").await.json();
    let relations: Vec<&str> = bundle["link"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["relation"].as_str())
        .collect();
    assert_eq!(relations, ["self", "first", "last"]);
    let bundle = api.get("/Patient?_id=nope").await.json();
    assert_eq!(
        bundle,
        json!({"resourceType": "Bundle", "type": "searchset", "total": 0})
    );
    let reply = api.get("/Patient?_count=0").await;
    bad_parameter(Edition::Current, &reply, "_count", "at least 1");
    api.stop().await;
}

#[tokio::test]
async fn patients_and_locations_by_id_and_legacy_id() {
    for edition in Edition::ALL {
        let api = Api::with(ServerConfig::reference_for(edition)).await;
        assert_eq!(
            api.get(&format!("/Patient/{PATIENT_2}")).await.json(),
            json!({"resourceType": "Patient", "id": PATIENT_2, "active": true})
        );
        let bundle = api.get(&format!("/Patient?_id={PATIENT_3}")).await.json();
        assert_eq!(entry_ids(&bundle), [PATIENT_3]);
        let bundle = api.get("/Patient?name=a").await.json();
        assert_eq!(bundle["total"], 0, "reference patients have no names");
        let canonical = match edition {
            Edition::Sept2023 => "1",
            Edition::Current => LOCATION_UUID,
        };
        let location = json!({
            "resourceType": "Location",
            "id": canonical,
            "status": "active",
            "mode": "instance",
            "name": "Main practice location",
        });
        assert_eq!(api.get("/Location/1").await.json(), location, "{edition}");
        assert_eq!(
            api.get(&format!("/Location/{canonical}")).await.json(),
            location
        );
        for query in ["_id=1", "name=PRACTICE"] {
            let bundle = api.get(&format!("/Location?{query}")).await.json();
            assert_eq!(bundle["entry"][0]["resource"], location, "{query}");
            assert_eq!(bundle["total"], 1);
        }
        api.stop().await;
    }
}

#[tokio::test]
async fn schedules_pair_the_location_with_each_practitioner_but_canvas_bot() {
    for edition in Edition::ALL {
        let api = Api::with(ServerConfig::reference_for(edition)).await;
        let bundle = api.get("/Schedule").await.json();
        assert_eq!(bundle["type"], "searchset");
        assert_eq!(
            entry_ids(&bundle),
            [schedule_of(PRACTITIONER), schedule_of(PRACTITIONER_2)],
            "{edition}"
        );
        assert_eq!(
            bundle["entry"][1]["resource"],
            json!({
                "resourceType": "Schedule",
                "id": schedule_of(PRACTITIONER_2),
                "text": {
                    "status": "generated",
                    "div": "<div>Schedule for Ada Lovelace NP at Main practice location</div>",
                },
                "actor": [{
                    "reference": format!("Practitioner/{PRACTITIONER_2}"),
                    "type": "Practitioner",
                }],
                "comment": "Schedule for Ada Lovelace NP at Main practice location",
            })
        );
        for query in [
            format!("actor=Practitioner/{PRACTITIONER_2}"),
            format!("actor={PRACTITIONER_2}"),
            format!("_id={}", schedule_of(PRACTITIONER_2)),
        ] {
            let bundle = api.get(&format!("/Schedule?{query}")).await.json();
            assert_eq!(entry_ids(&bundle), [schedule_of(PRACTITIONER_2)], "{query}");
        }
        for query in ["_id=Location.1-Staff.nobody", "actor=Practitioner/nobody"] {
            let bundle = api.get(&format!("/Schedule?{query}")).await.json();
            assert_eq!(bundle["total"], 0, "{query}");
        }
        let bundle = api
            .get(&format!("/Schedule?actor={CANVAS_BOT}"))
            .await
            .json();
        assert_eq!(bundle["total"], 0, "Canvas Bot has no schedule");
        let reply = api.get("/Schedule?actor=Location/1").await;
        bad_parameter(edition, &reply, "actor", "Practitioner/<id>");
        api.stop().await;
    }
}

#[tokio::test]
async fn slot_defaults_are_twenty_minutes_for_a_week_from_now() {
    for edition in Edition::ALL {
        let api = Api::with(ServerConfig::reference_for(edition)).await;
        let before = now_ms();
        let path = format!("/Slot?schedule={}&_count=50", schedule_of(PRACTITIONER_2));
        let (slots, totals) = walk(&api, &path).await;
        let after = now_ms();
        let seen = starts(&slots);
        assert!(
            seen == default_slot_starts(before) || seen == default_slot_starts(after),
            "{edition}: {seen:?}"
        );
        assert!(!seen.is_empty(), "a week holds working days");
        assert!(totals.iter().all(|t| *t == seen.len() as u64), "{totals:?}");
        for slot in &slots {
            let start = slot["start"].as_str().unwrap_or_default();
            let day = &start[..10];
            let minute = |text: &str| -> i64 {
                let h: i64 = text[11..13].parse().unwrap_or(0);
                let m: i64 = text[14..16].parse().unwrap_or(0);
                h * 60 + m
            };
            let end = slot["end"].as_str().unwrap_or_default();
            assert_eq!(&end[..10], day);
            assert_eq!(minute(end) - minute(start), 20, "{slot}");
            assert_eq!(
                slot,
                &json!({
                    "resourceType": "Slot",
                    "schedule": {
                        "reference": format!("Schedule/{}", schedule_of(PRACTITIONER_2)),
                        "type": "Schedule",
                    },
                    "status": "free",
                    "start": start,
                    "end": end,
                })
            );
        }
        api.stop().await;
    }
}

#[tokio::test]
async fn slot_parameters_are_checked() {
    for edition in Edition::ALL {
        let api = Api::with(ServerConfig::reference_for(edition)).await;
        let schedule = schedule_of(PRACTITIONER);
        let day = weekday_ahead(3);
        let reply = api.get("/Slot").await;
        bad_parameter(edition, &reply, "schedule", "schedule is required");
        let reply = api.get("/Slot?start=2030-01-01").await;
        bad_parameter(edition, &reply, "schedule", "schedule is required");
        let reply = api.get("/Slot?schedule=Location.1-Staff.nobody").await;
        bad_parameter(edition, &reply, "schedule", "Location.1-Staff.nobody");
        let reply = api
            .get(&format!("/Slot?schedule={}", schedule_of(CANVAS_BOT)))
            .await;
        bad_parameter(edition, &reply, "schedule", "unknown schedule");
        let cases = [
            (
                format!("start={}&end={}", date(day), date(day - 1)),
                "end",
                "is before start",
            ),
            (
                format!("start={}&end={}", date(day), date(day + 31)),
                "end",
                "at most 31",
            ),
            ("start=tomorrow".to_string(), "start", "YYYY-MM-DD"),
            ("end=2030-02-30".to_string(), "end", "not a real date"),
            ("duration=0".to_string(), "duration", "from 1 to 480"),
            ("duration=481".to_string(), "duration", "from 1 to 480"),
            ("duration=20.5".to_string(), "duration", "from 1 to 480"),
            (
                "appointment-type=CHART".to_string(),
                "appointment-type",
                "not scheduleable",
            ),
            (
                "appointment-type=http://snomed.info/sct|CHART".to_string(),
                "appointment-type",
                "not a configured appointment type",
            ),
        ];
        for (query, parameter, needle) in cases {
            let reply = api.get(&format!("/Slot?schedule={schedule}&{query}")).await;
            bad_parameter(edition, &reply, parameter, needle);
        }
        // 31 days is the most; a duration and a type shape every slot
        let path = format!(
            "/Slot?schedule={schedule}&start={}&end={}&_count=1",
            date(day),
            date(day + 30)
        );
        assert_eq!(api.get(&path).await.status, 200, "31 days are allowed");
        let slots = slots_on(
            &api,
            &schedule,
            day,
            "&duration=45&appointment-type=http://snomed.info/sct%7C448337001",
        )
        .await;
        assert_eq!(
            starts(&slots),
            [
                9 * 60,
                9 * 60 + 45,
                10 * 60 + 30,
                11 * 60 + 15,
                12 * 60,
                12 * 60 + 45,
                13 * 60 + 30,
                14 * 60 + 15,
                15 * 60,
                15 * 60 + 45
            ]
            .map(|minute| instant(day, minute))
        );
        assert_eq!(slots[0]["end"], instant(day, 9 * 60 + 45));
        assert_eq!(
            slots[0]["appointmentType"],
            json!({"coding": [{
                "system": "http://snomed.info/sct",
                "code": "448337001",
                "display": "Telemedicine",
            }]})
        );
        let slots = slots_on(&api, &schedule, day, "&appointment-type=INIV").await;
        assert_eq!(slots.len(), 24);
        assert_eq!(slots[0]["appointmentType"]["coding"][0]["code"], "INIV");
        api.stop().await;
    }
}

/// A create body for `edition` (practitioner 1, patient 1) and the body that sets its `status`.
fn bodies(edition: Edition, start: &str, end: &str, status: &str) -> (Value, Value) {
    match edition {
        Edition::Sept2023 => (
            appointment(start, end),
            json!({"resourceType": "Appointment", "status": status}),
        ),
        Edition::Current => (
            current_appointment(start, end),
            with(current_appointment(start, end), "status", json!(status)),
        ),
    }
}

#[tokio::test]
async fn a_booked_slot_leaves_the_free_list_and_comes_back_when_cancelled() {
    for edition in Edition::ALL {
        let api = Api::with(ServerConfig::reference_for(edition)).await;
        let schedule = schedule_of(PRACTITIONER);
        let day = weekday_ahead(3);
        let free = starts(&slots_on(&api, &schedule, day, "").await);
        assert_eq!(free.len(), 24, "{edition}");
        let ten = instant(day, 10 * 60);
        assert!(free.contains(&ten));
        // book 10:00–10:20 on that day (the slot's own start and end)
        let (create, _) = bodies(edition, &ten, &instant(day, 10 * 60 + 20), "booked");
        let id = api.create(&create).await;
        let free = starts(&slots_on(&api, &schedule, day, "").await);
        assert_eq!(free.len(), 23, "{edition}");
        assert!(!free.contains(&ten), "{edition}: the booked slot is gone");
        assert!(free.contains(&instant(day, 9 * 60 + 40)));
        assert!(free.contains(&instant(day, 10 * 60 + 20)));
        // another practitioner's schedule is untouched
        let other = slots_on(&api, &schedule_of(PRACTITIONER_2), day, "").await;
        assert_eq!(other.len(), 24);
        // a 30-minute cut overlaps the booking with its 10:00–10:30 slot only
        let half_hours = starts(&slots_on(&api, &schedule, day, "&duration=30").await);
        assert_eq!(half_hours.len(), 15);
        assert!(!half_hours.contains(&ten));
        // a no-show still holds the time; a cancel frees it
        for (status, held) in [("noshow", true), ("cancelled", false)] {
            let (_, update) = bodies(edition, &ten, &instant(day, 10 * 60 + 20), status);
            let reply = api.update(&id, &update).await;
            assert_eq!(reply.status, 200, "{edition} {status}: {}", reply.text);
            assert_eq!(api.read(&id).await["status"], status);
            let free = starts(&slots_on(&api, &schedule, day, "").await);
            assert_eq!(free.contains(&ten), !held, "{edition} {status}");
            assert_eq!(free.len(), if held { 23 } else { 24 });
        }
        api.stop().await;
    }
}

/// Another instance: its own ids, a location without a legacy id, a named patient, the instance's
/// hours on Saturdays 10:00–11:00 and one practitioner's own on Tuesdays 13:00–15:00. No Canvas
/// Bot in the file.
const OTHER_INSTANCE: &str = r#"
practitioners:
  - id: 0a1b2c3d4e5f40718293a4b5c6d7e8f9
    name: Grace Hopper MD
    working_hours: {days: [tue], start: "13:00", end: "15:00"}
  - {id: 1f2e3d4c5b6a47989a8b7c6d5e4f3a2b, name: Alan Turing PA}
patients:
  - 99aa88bb77cc66dd55ee44ff33001122
  - {id: 0123456789abcdef0123456789abcdef, name: Ada Byron, birth_date: 1815-12-10, gender: female}
locations:
  - {id: 6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f, name: Harbour clinic}
working_hours: {days: [sat], start: "10:00", end: "11:00"}
appointment_types:
  - {system: INTERNAL, code: A, display: Visit, default: true}
"#;

#[tokio::test]
async fn another_instance_with_its_own_ids_and_working_hours() {
    let grace = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
    let alan = "1f2e3d4c5b6a47989a8b7c6d5e4f3a2b";
    let location = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";
    for edition in Edition::ALL {
        let mut settings =
            Settings::from_yaml_str(OTHER_INSTANCE, Path::new("other.yaml")).expect("settings");
        settings.edition = edition;
        let api = Api::with(ServerConfig {
            settings,
            ..ServerConfig::reference_for(edition)
        })
        .await;
        let bundle = api.get("/Practitioner?name=canvas").await.json();
        assert_eq!(
            entry_ids(&bundle),
            [CANVAS_BOT],
            "Canvas Bot is always listed"
        );
        assert_eq!(api.get("/Practitioner").await.json()["total"], 3);
        let schedules = api.get("/Schedule").await.json();
        let grace_schedule = format!("Location.{location}-Staff.{grace}");
        let alan_schedule = format!("Location.{location}-Staff.{alan}");
        assert_eq!(
            entry_ids(&schedules),
            [grace_schedule.clone(), alan_schedule.clone()]
        );
        assert_eq!(
            schedules["entry"][0]["resource"]["comment"],
            "Schedule for Grace Hopper MD at Harbour clinic"
        );
        // Grace: Tuesdays 13:00–15:00, 30 minutes: four a Tuesday, two Tuesdays in fourteen days
        let mut tuesday = now_ms().div_euclid(DAY_MS) + 1;
        while weekday(tuesday) != 1 {
            tuesday += 1;
        }
        let path = format!(
            "/Slot?schedule={grace_schedule}&start={}&end={}&duration=30&_count=100",
            date(tuesday),
            date(tuesday + 13)
        );
        let (slots, _) = walk(&api, &path).await;
        let expected: Vec<String> = [tuesday, tuesday + 7]
            .into_iter()
            .flat_map(|day| [780, 810, 840, 870].map(|minute| instant(day, minute)))
            .collect();
        assert_eq!(starts(&slots), expected, "{edition}");
        assert_eq!(slots[3]["end"], instant(tuesday, 900));
        // Alan keeps the instance's hours: Saturdays 10:00–11:00
        let mut saturday = now_ms().div_euclid(DAY_MS) + 1;
        while weekday(saturday) != 5 {
            saturday += 1;
        }
        let slots = slots_on(&api, &alan_schedule, saturday, "&duration=30").await;
        assert_eq!(
            starts(&slots),
            [instant(saturday, 600), instant(saturday, 630)]
        );
        assert!(slots_on(&api, &alan_schedule, tuesday, "").await.is_empty());
        // a named patient reads back with its details, and is found by name
        let ada = json!({
            "resourceType": "Patient",
            "id": "0123456789abcdef0123456789abcdef",
            "active": true,
            "name": [{"use": "usual", "text": "Ada Byron"}],
            "birthDate": "1815-12-10",
            "gender": "female",
        });
        assert_eq!(
            api.get("/Patient/0123456789abcdef0123456789abcdef")
                .await
                .json(),
            ada
        );
        let bundle = api.get("/Patient?name=byron").await.json();
        assert_eq!(bundle["entry"][0]["resource"], ada);
        assert_eq!(bundle["total"], 1);
        assert_eq!(api.get(&format!("/Location/{location}")).await.status, 200);
        let reply = api.get("/Location/1").await;
        assert_eq!(reply.status, 404, "no legacy id here: {}", reply.text);
        api.stop().await;
    }
}

#[tokio::test]
async fn the_openapi_documents_describe_the_lookups_as_served() {
    for edition in Edition::ALL {
        let api = Api::with(ServerConfig::reference_for(edition)).await;
        let doc = api
            .send(api.client.get(api.url("/openapi.json")))
            .await
            .json();
        let schedule = schedule_of(PRACTITIONER);
        let day = weekday_ahead(3);
        for (path, operation, schema) in [
            (
                "/Practitioner".to_string(),
                "/Practitioner",
                "PractitionerBundle",
            ),
            (
                format!("/Practitioner/{CANVAS_BOT}"),
                "/Practitioner/{id}",
                "Practitioner",
            ),
            ("/Patient?_count=2".to_string(), "/Patient", "PatientBundle"),
            (format!("/Patient/{PATIENT}"), "/Patient/{id}", "Patient"),
            (
                "/Location?name=main".to_string(),
                "/Location",
                "LocationBundle",
            ),
            ("/Location/1".to_string(), "/Location/{id}", "Location"),
            ("/Schedule".to_string(), "/Schedule", "ScheduleBundle"),
            (
                format!(
                    "/Slot?schedule={schedule}&start={d}&end={d}&appointment-type=INIV",
                    d = date(day)
                ),
                "/Slot",
                "SlotBundle",
            ),
        ] {
            assert!(
                doc["paths"][operation]["get"].is_object(),
                "{edition}: {operation}"
            );
            let answer = api.get(&path).await.json();
            let validator = document_schema(&doc, schema);
            let errors: Vec<String> = validator
                .iter_errors(&answer)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{edition} {path}: {errors:?}");
            // the document is not vacuous: another resource's answer fails it
            let other = if schema == "Practitioner" {
                "Patient"
            } else {
                "Practitioner"
            };
            let wrong = json!({"resourceType": other, "id": "x", "active": true});
            assert!(!validator.is_valid(&wrong), "{edition} {schema}");
        }
        let scopes =
            &doc["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"];
        assert!(scopes["system/Slot.read"].is_string(), "{edition}");
        api.stop().await;
    }
}
