//! Current edition, SEARCH-*: paging always on (10 by default, at most 100), self/first/last
//! and next links without previous, no links and no entry on an empty result, identifier and
//! appointment-type in FHIR's four token forms (D30), dates and dateTimes at their precision (D4),
//! and unknown parameters ignored (D2).

use serde_json::{Value, json};

use super::common::*;

fn link<'a>(bundle: &'a Value, relation: &str) -> Option<&'a str> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str())
}

#[tokio::test]
async fn search_bundle_is_paged_by_ten_with_next() {
    let api = Api::current().await;
    let bundle = api.search("").await;
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "searchset");
    assert_eq!(bundle["total"], 13);
    assert_eq!(bundle["entry"].as_array().unwrap().len(), 10);
    assert_eq!(
        link(&bundle, "self"),
        Some("/Appointment?_count=10&_offset=0")
    );
    assert_eq!(
        link(&bundle, "first"),
        Some("/Appointment?_count=10&_offset=0")
    );
    assert_eq!(
        link(&bundle, "last"),
        Some("/Appointment?_count=10&_offset=10")
    );
    assert_eq!(
        link(&bundle, "next"),
        Some("/Appointment?_count=10&_offset=10")
    );
    assert_eq!(link(&bundle, "previous"), None);
    // following next walks every match once
    let second = api.get(link(&bundle, "next").unwrap()).await.json();
    assert_eq!(second["entry"].as_array().unwrap().len(), 3);
    assert_eq!(link(&second, "next"), None);
    assert_eq!(link(&second, "previous"), None);
    let mut all = entry_ids(&bundle);
    all.extend(entry_ids(&second));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 13);
    api.stop().await;
}

#[tokio::test]
async fn search_links_repeat_the_query_encoded() {
    let api = Api::current().await;
    let bundle = api.search(&format!("patient=Patient/{PATIENT_2}")).await;
    assert_eq!(bundle["total"], 2);
    let expected = format!("/Appointment?patient=Patient%2F{PATIENT_2}&_count=10&_offset=0");
    for relation in ["self", "first", "last"] {
        assert_eq!(
            link(&bundle, relation),
            Some(expected.as_str()),
            "{relation}"
        );
    }
    assert_eq!(link(&bundle, "next"), None);
    api.stop().await;
}

#[tokio::test]
async fn search_empty_has_no_link_and_no_entry() {
    let api = Api::current().await;
    let bundle = api.search("date=1999-01-01").await;
    assert_eq!(bundle["total"], 0);
    assert!(bundle.get("link").is_none(), "{bundle}");
    assert!(bundle.get("entry").is_none(), "{bundle}");
    api.stop().await;
}

#[tokio::test]
async fn search_count_capped_at_100() {
    let api = Api::current().await;
    for count in ["101", "4294967296", "99999999999999999999999"] {
        let bundle = api.search(&format!("_count={count}")).await;
        assert_eq!(
            link(&bundle, "self"),
            Some("/Appointment?_count=100&_offset=0"),
            "{count}"
        );
        assert_eq!(bundle["entry"].as_array().unwrap().len(), 13);
    }
    for bad in ["0", "-1", "x", "1.5"] {
        let reply = api.get(&format!("/Appointment?_count={bad}")).await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    api.stop().await;
}

#[tokio::test]
async fn search_identifier_by_value_or_system_and_value() {
    let api = Api::current().await;
    for query in [
        "identifier=SCHED-12",
        "identifier=https://scheduler.example.com/appointment|SCHED-12",
    ] {
        assert_eq!(api.search_ids(query).await, vec![seeded(12)], "{query}");
    }
    assert_eq!(
        api.search_ids("identifier=LEGACY-13").await,
        vec![seeded(13)]
    );
    assert!(
        api.search_ids("identifier=urn:other|SCHED-12")
            .await
            .is_empty()
    );
    // D30: any value of a system, and a value with no system
    assert_eq!(
        api.search_ids("identifier=https://scheduler.example.com/appointment|")
            .await,
        vec![seeded(12), seeded(13)]
    );
    assert!(api.search_ids("identifier=|SCHED-12").await.is_empty());
    let body = with(
        current_appointment("2041-01-01T10:00Z", "2041-01-01T10:30Z"),
        "identifier",
        json!([{"value": "NO-SYSTEM-1"}]),
    );
    let id = api.create(&body).await;
    assert_eq!(api.search_ids("identifier=|NO-SYSTEM-1").await, vec![id]);
    for bad in ["identifier=", "identifier=|"] {
        let reply = api.get(&format!("/Appointment?{bad}")).await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    api.stop().await;
}

#[tokio::test]
async fn search_appointment_type_token_and_params() {
    let api = Api::current().await;
    let office = api
        .search("appointment-type=http://snomed.info/sct|308335008&_count=100")
        .await;
    assert_eq!(office["total"], 13);
    let code_only = api.search("appointment-type=308335008&_count=100").await;
    assert_eq!(code_only["total"], 13);
    assert_eq!(
        api.search("appointment-type=http://loinc.org|308335008")
            .await["total"],
        0
    );
    // D30: any code of a system; a code with no system (every configured type has one)
    assert_eq!(
        api.search("appointment-type=http://snomed.info/sct|").await["total"],
        13
    );
    assert_eq!(api.search("appointment-type=INTERNAL|").await["total"], 0);
    assert_eq!(api.search("appointment-type=|308335008").await["total"], 0);
    for bad in ["appointment-type=", "appointment-type=|"] {
        let reply = api.get(&format!("/Appointment?{bad}")).await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    // SEARCH-PARAMS: location by UUID or legacy id, practitioner, status, _id
    assert_eq!(
        api.search(&format!("location=Location/{LOCATION_UUID}"))
            .await["total"],
        13
    );
    assert_eq!(api.search("location=Location/1").await["total"], 13);
    assert_eq!(
        api.search_ids(&format!("practitioner=Practitioner/{PRACTITIONER_2}"))
            .await,
        vec![seeded(13)]
    );
    assert_eq!(api.search("status=booked").await["total"], 4);
    assert_eq!(
        api.search_ids(&format!("_id={}", seeded(5))).await,
        vec![seeded(5)]
    );
    api.stop().await;
}

#[tokio::test]
async fn search_date_sort_and_400s() {
    let api = Api::current().await;
    assert_eq!(api.search("date=2023-06-06").await["total"], 9);
    assert_eq!(
        api.search("date=ge2023-06-07&date=lt2023-06-09").await["total"],
        2
    );
    let ids = api.search_ids("_sort=-date&_count=2").await;
    assert_eq!(ids.len(), 2);
    assert!(
        ids.contains(&seeded(12)) && ids.contains(&seeded(13)),
        "{ids:?}"
    );
    // D4 as amended: a dateTime is the range of its precision, in its offset
    assert_eq!(api.search_ids("date=2023-06-06T10:00Z").await, [seeded(2)]);
    assert_eq!(
        api.search_ids("date=eq2023-06-06T06:00:00-04:00").await,
        [seeded(2)]
    );
    assert_eq!(api.search("date=2023-06").await["total"], 13);
    assert_eq!(
        api.search_ids("date=gt2023-06-06T16:59Z&date=lt2023-06-08")
            .await,
        [seeded(9), seeded(10)],
        "…0009 at 17:00 on the 6th and the original of the reschedule"
    );
    // SEARCH-400: malformed values of known parameters; unknown ones are ignored (D2)
    for bad in [
        "date=ne2023-06-06",
        "date=sa2023-06-06",
        "date=2023-06-06T10",
        "status=bogus",
        "_sort=name",
        "patient=Practitioner/x",
    ] {
        let reply = api.get(&format!("/Appointment?{bad}")).await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    let ignored = api.search("foo=bar&status=booked").await;
    assert_eq!(ignored["total"], 4);
    assert_eq!(
        link(&ignored, "self"),
        Some("/Appointment?status=booked&_count=10&_offset=0")
    );
    api.stop().await;
}
