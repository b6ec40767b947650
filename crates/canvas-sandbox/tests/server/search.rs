//! SEARCH-*: the searchset Bundle, parameters, dates, paging, links and sorting.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::common::*;

/// A server with the seeds plus a few appointments whose fields differ on purpose.
struct Fixture {
    api: Api,
    /// practitioner 2 / patient 2, Telemedicine, 2034-05-01 10:00
    a: String,
    /// practitioner 2 / patient 3, Home Visit, 2034-05-02 10:00, booked
    b: String,
    /// practitioner 1 / patient 2, Office Visit, 2034-05-03 23:30 (UTC day 05-03)
    c: String,
}

fn body(practitioner: &str, patient: &str, code: &str, start: &str, end: &str) -> Value {
    json!({
        "resourceType": "Appointment",
        "start": start,
        "end": end,
        "appointmentType": type_coding("http://snomed.info/sct", code),
        "participant": [
            {"actor": {"reference": format!("Practitioner/{practitioner}")}},
            {"actor": {"reference": format!("Patient/{patient}")}},
        ],
    })
}

async fn fixture() -> Fixture {
    let api = Api::start().await;
    let a = api
        .create(&body(
            PRACTITIONER_2,
            PATIENT_2,
            "448337001",
            "2034-05-01T10:00Z",
            "2034-05-01T10:30Z",
        ))
        .await;
    let b = api
        .create(&body(
            PRACTITIONER_2,
            PATIENT_3,
            "439708006",
            "2034-05-02T10:00Z",
            "2034-05-02T10:30Z",
        ))
        .await;
    api.update(
        &b,
        &json!({"resourceType": "Appointment", "status": "booked"}),
    )
    .await;
    // 01:30+02:00 on 05-04 is 23:30 UTC on 05-03
    let c = api
        .create(&body(
            PRACTITIONER,
            PATIENT_2,
            "308335008",
            "2034-05-04T01:30+02:00",
            "2034-05-04T02:00+02:00",
        ))
        .await;
    Fixture { api, a, b, c }
}

#[tokio::test]
async fn search_bundle_shape() {
    let f = fixture().await;
    let bundle = f
        .api
        .search("patient=Patient/9420c5f6c44e47ec82d7e48f78d5723a")
        .await;
    let keys: Vec<&str> = bundle
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["resourceType", "type", "total", "link", "entry"]);
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "searchset");
    assert_eq!(bundle["total"], 2);
    for entry in bundle["entry"].as_array().unwrap() {
        assert_eq!(
            entry.as_object().unwrap().len(),
            1,
            "only resource: {entry}"
        );
        let id = entry["resource"]["id"].as_str().unwrap();
        assert_eq!(
            entry["resource"],
            f.api.read(id).await,
            "entries have the read shape"
        );
    }
    let empty = f
        .api
        .search("_id=00000000-0000-4000-8000-000000000099")
        .await;
    assert_eq!(empty["total"], 0);
    assert!(empty.get("entry").is_none());
    assert_eq!(empty["link"].as_array().unwrap().len(), 3);
    let everything = f.api.search("").await;
    assert_eq!(everything["total"], 14);
    assert_eq!(everything["entry"].as_array().unwrap().len(), 14);
}

#[tokio::test]
async fn search_params_each_filter() {
    let f = fixture().await;
    let api = &f.api;
    let (a, b, c) = (f.a.clone(), f.b.clone(), f.c.clone());
    let set = |ids: Vec<String>| ids.into_iter().collect::<HashSet<_>>();
    assert_eq!(api.search_ids(&format!("_id={a}")).await, [a.as_str()]);
    assert_eq!(
        set(api.search_ids(&format!("_id={a},{c}")).await),
        set(vec![a.clone(), c.clone()])
    );
    assert_eq!(
        api.search_ids("appointment-type=448337001").await,
        [a.as_str()]
    );
    assert_eq!(
        api.search_ids("appointment-type=http://snomed.info/sct|439708006")
            .await,
        [b.as_str()]
    );
    assert!(
        api.search_ids("appointment-type=INTERNAL|439708006")
            .await
            .is_empty()
    );
    assert_eq!(api.search("location=Location/1").await["total"], 14);
    assert_eq!(api.search("location=1").await["total"], 14);
    assert_eq!(api.search("location=2").await["total"], 0);
    assert_eq!(
        set(api
            .search_ids(&format!("patient=Patient/{PATIENT_2}"))
            .await),
        set(vec![a.clone(), c.clone()])
    );
    assert_eq!(
        api.search_ids(&format!("patient={PATIENT_3}")).await,
        [b.as_str()]
    );
    assert_eq!(
        set(api
            .search_ids(&format!("practitioner=Practitioner/{PRACTITIONER_2}"))
            .await),
        set(vec![a.clone(), b.clone()])
    );
    assert_eq!(
        api.search_ids(&format!(
            "patient=Patient%2F{PATIENT_2}&practitioner=Practitioner%2F{PRACTITIONER_2}"
        ))
        .await,
        [a.as_str()]
    );
    let booked = api.search_ids("status=booked").await;
    assert_eq!(set(booked), set(vec![b.clone(), seeded(3), seeded(11)]));
    assert_eq!(api.search_ids("status=checked-in").await, [seeded(5)]);
    assert_eq!(api.search_ids("status=entered-in-error").await, [seeded(9)]);
    assert_eq!(api.search("status=noshow,fulfilled").await["total"], 2);
    assert_eq!(api.search("status=waitlist").await["total"], 0);
}

#[tokio::test]
async fn search_date_prefixes_on_the_utc_day() {
    let f = fixture().await;
    let api = &f.api;
    let (a, b, c) = (f.a.clone(), f.b.clone(), f.c.clone());
    let mine = |ids: Vec<String>| -> Vec<String> {
        ids.into_iter()
            .filter(|id| !id.starts_with("00000000-"))
            .collect()
    };
    assert_eq!(mine(api.search_ids("date=2034-05-02").await), [b.as_str()]);
    assert_eq!(
        mine(api.search_ids("date=eq2034-05-03").await),
        [c.as_str()]
    );
    assert!(
        mine(api.search_ids("date=2034-05-04").await).is_empty(),
        "UTC day, not local"
    );
    assert_eq!(
        mine(api.search_ids("date=gt2034-05-01").await),
        [b.clone(), c.clone()]
    );
    assert_eq!(
        mine(api.search_ids("date=ge2034-05-02").await),
        [b.clone(), c.clone()]
    );
    assert_eq!(
        mine(api.search_ids("date=lt2034-05-02").await),
        [a.as_str()]
    );
    assert_eq!(
        mine(api.search_ids("date=le2034-05-02").await),
        [a.clone(), b.clone()]
    );
    assert_eq!(
        mine(api.search_ids("date=ge2034-05-02&date=lt2034-05-03").await),
        [b.as_str()]
    );
    assert_eq!(
        api.search("date=2023-06-06").await["total"],
        9,
        "the nine seeded"
    );
    assert_eq!(api.search("date=lt2023-06-07").await["total"], 9);
    assert_eq!(
        api.search("date=gt2023-06-06&date=lt2023-06-09").await["total"],
        2
    );
}

#[tokio::test]
async fn search_paging_count_offset_total() {
    let f = fixture().await;
    let api = &f.api;
    let all = api.search_ids("").await;
    assert_eq!(all.len(), 14);
    let page = api.search("_count=5").await;
    assert_eq!(page["total"], 14);
    assert_eq!(entry_ids(&page), all[..5]);
    let page = api.search("_count=5&_offset=10").await;
    assert_eq!(page["total"], 14);
    assert_eq!(entry_ids(&page), all[10..]);
    let page = api.search("_count=5&_offset=20").await;
    assert_eq!(page["total"], 14);
    assert!(page.get("entry").is_none());
    let ignored = api.search("_offset=3").await;
    assert_eq!(
        entry_ids(&ignored),
        all,
        "_offset without _count is ignored"
    );
    let page = api.search("_offset=3&_count=2").await;
    assert_eq!(entry_ids(&page), all[3..5]);
}

fn link<'a>(bundle: &'a Value, relation: &str) -> Option<&'a str> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str())
}

#[tokio::test]
async fn search_links_are_relative_and_walk_every_match_once() {
    let f = fixture().await;
    let api = &f.api;
    let query = format!(
        "practitioner=Practitioner/{PRACTITIONER}&status=proposed,booked,cancelled,checked-in&_count=2"
    );
    let first = api.search(&query).await;
    let total = first["total"].as_u64().unwrap();
    assert_eq!(total, 7, "seeds 1, 3, 5, 8, 10, 11 and c: {first}");
    assert_eq!(
        link(&first, "self"),
        Some(format!("/Appointment?practitioner=Practitioner%2F{PRACTITIONER}&status=proposed%2Cbooked%2Ccancelled%2Cchecked-in&_count=2&_offset=0").as_str())
    );
    assert_eq!(link(&first, "first"), link(&first, "self"));
    assert!(
        link(&first, "last")
            .unwrap()
            .ends_with("_count=2&_offset=6")
    );
    assert!(link(&first, "previous").is_none());
    let mut seen = Vec::new();
    let mut page = first;
    loop {
        seen.extend(entry_ids(&page));
        for relation in ["self", "first", "last"] {
            assert!(
                link(&page, relation).unwrap().starts_with("/Appointment?"),
                "{relation}"
            );
        }
        let Some(next) = link(&page, "next") else {
            break;
        };
        let reply = api.get(next).await;
        assert_eq!(reply.status, 200, "{next}: {}", reply.text);
        let next_page = reply.json();
        let previous = link(&next_page, "previous").unwrap().to_string();
        let back = api.get(&previous).await.json();
        assert_eq!(entry_ids(&back), entry_ids(&page), "previous leads back");
        page = next_page;
    }
    assert_eq!(seen.len() as u64, total);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        seen.len(),
        "no duplicates"
    );
    assert_eq!(link(&page, "self"), link(&page, "last"));
    // without _count: self, first and last carry the query only
    let unpaged = api.search("status=booked&_offset=1").await;
    for relation in ["self", "first", "last"] {
        assert_eq!(link(&unpaged, relation), Some("/Appointment?status=booked"));
    }
    assert!(link(&unpaged, "next").is_none());
}

#[tokio::test]
async fn search_sort_by_date_patient_practitioner() {
    let f = fixture().await;
    let api = &f.api;
    let (a, b, c) = (f.a.clone(), f.b.clone(), f.c.clone());
    let mine = "_id=".to_string() + &[a.clone(), b.clone(), c.clone()].join(",");
    assert_eq!(
        api.search_ids(&mine).await,
        [a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(
        api.search_ids(&format!("{mine}&_sort=date")).await,
        [a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(
        api.search_ids(&format!("{mine}&_sort=-date")).await,
        [c.clone(), b.clone(), a.clone()]
    );
    // PRACTITIONER (3a18…) < PRACTITIONER_2 (fc87…); ties by start
    assert_eq!(
        api.search_ids(&format!("{mine}&_sort=practitioner")).await,
        [c.clone(), a.clone(), b.clone()]
    );
    assert_eq!(
        api.search_ids(&format!("{mine}&_sort=-practitioner")).await,
        [a.clone(), b.clone(), c.clone()]
    );
    // PATIENT_3 (5350…) < PATIENT_2 (9420…)
    assert_eq!(
        api.search_ids(&format!("{mine}&_sort=patient")).await,
        [b.clone(), a.clone(), c.clone()]
    );
    assert_eq!(
        api.search_ids(&format!("{mine}&_sort=-patient,-date"))
            .await,
        [c.clone(), a.clone(), b.clone()]
    );
    assert_eq!(
        api.search_ids(&format!("{mine}&_sort=-practitioner,-date"))
            .await,
        [b.clone(), a.clone(), c.clone()]
    );
}

#[tokio::test]
async fn search_400_unknown_or_malformed_parameters() {
    let api = Api::start().await;
    for (query, parameter) in [
        ("foo=bar", "foo"),
        ("identifier=x", "identifier"),
        ("status:not=booked", "status:not"),
        ("status=", "status"),
        ("status=check-in", "status"),
        ("_id=a&_id=b", "_id"),
        ("date=2023-06-06&date=2023-06-07&date=2023-06-08", "date"),
        ("date=ne2023-06-06", "date"),
        ("date=2023-06", "date"),
        ("_count=0", "_count"),
        ("_count=ten", "_count"),
        ("_offset=-5", "_offset"),
        ("_sort=name", "_sort"),
        ("patient=Practitioner/abc", "patient"),
        ("appointment-type=system|", "appointment-type"),
    ] {
        let reply = api.get(&format!("/Appointment?{query}")).await;
        let issue = reply.outcome(400, "invalid", "Bad request");
        assert_eq!(issue["expression"], json!([parameter]), "{query}");
        assert!(
            issue["diagnostics"].as_str().unwrap().contains(parameter),
            "{query}"
        );
    }
}
