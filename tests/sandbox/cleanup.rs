//! Cleanup against a scripted loopback server: a cancel reads the appointment and writes it back
//! whole with `status: cancelled`; one already cancelled is left alone; a failed read falls back to
//! a status-only body in 2023-09 and says so, and is a problem in the current edition, which
//! refuses such a body; a refused cancel is reported with the server's reason (its `diagnostics`
//! when the OperationOutcome has no `details.text`). What a case last read, unwritten since, is
//! written back without a read. Cancels run up to `jobs` at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use canvas_conformance::edition::Edition;
use canvas_conformance::run::cleanup::cleanup;
use canvas_conformance::run::ledger::{Created, Ledger};
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use serde_json::{Value, json};

use super::common::client;

/// Every PUT body received, with its id.
type Puts = Arc<Mutex<Vec<(String, Value)>>>;

fn stored(id: &str, status: &str) -> Value {
    json!({"resourceType": "Appointment", "id": id, "status": status,
        "reasonCode": [{"text": "keep this reason"}], "description": "keep this reason",
        "start": "2100-01-01T09:00:00Z", "end": "2100-01-01T09:30:00Z",
        "participant": [{"actor": {"reference": "Practitioner/p1"}, "status": "accepted"}]})
}

async fn read(Path(id): Path<String>) -> (StatusCode, axum::Json<Value>) {
    match id.as_str() {
        "unreadable" => (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(Value::Null)),
        "done" => (StatusCode::OK, axum::Json(stored(&id, "cancelled"))),
        _ => (StatusCode::OK, axum::Json(stored(&id, "booked"))),
    }
}

async fn write(
    State(puts): State<Puts>,
    Path(id): Path<String>,
    body: axum::Json<Value>,
) -> (StatusCode, axum::Json<Value>) {
    puts.lock().expect("puts").push((id.clone(), body.0));
    if id == "refused" {
        let outcome = json!({"resourceType": "OperationOutcome", "issue": [
            {"severity": "error", "code": "business-rule", "diagnostics": "locked by another user"}]});
        return (StatusCode::CONFLICT, axum::Json(outcome));
    }
    (StatusCode::OK, axum::Json(Value::Null))
}

/// The scripted server on 127.0.0.1:0, recording each PUT in `puts`, as a target of `edition`.
async fn scripted(puts: &Puts, edition: Edition) -> Target {
    let app = Router::new()
        .route("/Appointment/{id}", get(read).put(write))
        .with_state(Arc::clone(puts));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Target {
        label: "scripted".to_owned(),
        base_url: base,
        auth: Auth::static_token(Secret::new("dev-token".to_owned())),
        profile: Arc::new(Profile::reference_for(edition)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancels_write_back_the_whole_resource_and_say_how_they_went() {
    let puts: Puts = Arc::default();
    let target = scripted(&puts, Edition::Sept2023).await;
    let ledger = Arc::new(Ledger::default());
    for id in ["plain", "done", "unreadable", "refused"] {
        ledger.record(Created {
            target: 0,
            id: id.to_owned(),
            case: "c".to_owned(),
        });
    }
    let targets = Arc::new(vec![target]);
    let tidied = cleanup(
        &ledger,
        &targets,
        &client(Duration::from_secs(10)),
        4,
        Vec::new(),
    )
    .await
    .tidied;
    assert!(ledger.pending().is_empty());
    // Reported in ledger order, however the cancels interleaved.
    let order: Vec<&str> = tidied.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(order, ["plain", "done", "unreadable", "refused"]);
    let by_id = |id: &str| {
        tidied
            .iter()
            .find(|t| t.id == id)
            .unwrap_or_else(|| panic!("{id} not tidied: {tidied:?}"))
    };
    let puts = puts.lock().expect("puts").clone();
    let put_of = |id: &str| puts.iter().find(|(i, _)| i == id).map(|(_, b)| b.clone());

    // Read, then written back whole: only the status changed.
    assert_eq!(
        (&by_id("plain").problem, &by_id("plain").note),
        (&None, &None)
    );
    assert_eq!(put_of("plain"), Some(stored("plain", "cancelled")));

    // Already cancelled: nothing written.
    assert_eq!(by_id("done").problem, None);
    assert_eq!(by_id("done").note.as_deref(), Some("already cancelled"));
    assert_eq!(put_of("done"), None);

    // The read failed: a status-only body, and the note says so.
    assert_eq!(by_id("unreadable").problem, None);
    let note = by_id("unreadable").note.clone().unwrap_or_default();
    assert!(
        note.contains("reading it back failed (the read answered 500)")
            && note.contains("status-only"),
        "{note}"
    );
    assert_eq!(
        put_of("unreadable"),
        Some(json!({"resourceType": "Appointment", "id": "unreadable", "status": "cancelled"}))
    );

    // Refused: the server's own reason, from diagnostics.
    assert_eq!(
        by_id("refused").problem.as_deref(),
        Some("cancelling answered 409: locked by another user")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_current_edition_an_unreadable_appointment_is_a_problem_not_a_blank_write() {
    let puts: Puts = Arc::default();
    let target = scripted(&puts, Edition::Current).await;
    let ledger = Arc::new(Ledger::default());
    for id in ["plain", "unreadable"] {
        ledger.record(Created {
            target: 0,
            id: id.to_owned(),
            case: "c".to_owned(),
        });
    }
    let tidied = cleanup(
        &ledger,
        &Arc::new(vec![target]),
        &client(Duration::from_secs(10)),
        2,
        Vec::new(),
    )
    .await
    .tidied;
    assert_eq!(tidied[0].problem, None);
    // The current edition refuses a PUT of the status alone: none is sent, and the reason is given.
    let problem = tidied[1].problem.clone().unwrap_or_default();
    assert!(
        problem.contains("reading it back failed (the read answered 500)")
            && problem.contains("UPDATE-REQUIRED"),
        "{problem}"
    );
    let puts = puts.lock().expect("puts").clone();
    assert_eq!(
        puts.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        ["plain"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_case_last_read_is_written_back_without_reading_it_again() {
    let puts: Puts = Arc::default();
    let target = scripted(&puts, Edition::Sept2023).await;
    let ledger = Arc::new(Ledger::default());
    for id in ["seen", "seen-cancelled", "written-since", "refused"] {
        ledger.record(Created {
            target: 0,
            id: id.to_owned(),
            case: "c".to_owned(),
        });
    }
    // What the cases read last; `written-since` was then written again, so it is read back.
    let mut seen = stored("seen", "booked");
    seen["description"] = json!("as the case read it");
    ledger.saw(0, "seen", seen.clone());
    ledger.saw(0, "seen-cancelled", stored("seen-cancelled", "cancelled"));
    ledger.saw(0, "written-since", stored("written-since", "booked"));
    ledger.wrote(0, "written-since");
    ledger.saw(0, "refused", stored("refused", "booked"));
    let client = client(Duration::from_secs(10));
    let tidied = cleanup(&ledger, &Arc::new(vec![target]), &client, 2, Vec::new())
        .await
        .tidied;
    assert!(
        tidied
            .iter()
            .all(|t| t.id == "refused" || t.problem.is_none()),
        "{tidied:?}"
    );
    let puts = puts.lock().expect("puts").clone();
    let put_of = |id: &str| -> Vec<Value> {
        puts.iter()
            .filter(|(i, _)| i == id)
            .map(|(_, b)| b.clone())
            .collect()
    };
    // Written back from what the case read (the server's copy would say `keep this reason`).
    seen["status"] = json!("cancelled");
    assert_eq!(put_of("seen"), [seen]);
    // Left cancelled by its case: no request at all.
    assert!(put_of("seen-cancelled").is_empty());
    assert_eq!(tidied[1].note.as_deref(), Some("already cancelled"));
    // Written since the read: read back first, as before.
    assert_eq!(
        put_of("written-since"),
        [stored("written-since", "cancelled")]
    );
    // A refused write-back from the last read is read back and tried once more.
    assert_eq!(put_of("refused").len(), 2);
    assert_eq!(
        tidied[3].problem.as_deref(),
        Some("cancelling answered 409: locked by another user")
    );
    // seen: 1 PUT; seen-cancelled: none; written-since: read + PUT; refused: PUT + read + PUT.
    assert_eq!(client.traffic().requests, 6);
}

/// Requests in flight now, and the most seen at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

async fn slow_read(
    State(seen): State<Arc<InFlight>>,
    Path(id): Path<String>,
) -> (StatusCode, axum::Json<Value>) {
    let now = seen.now.fetch_add(1, Ordering::SeqCst) + 1;
    seen.most.fetch_max(now, Ordering::SeqCst);
    // Long enough for the other cancels to start if they may.
    tokio::time::sleep(Duration::from_millis(40)).await;
    seen.now.fetch_sub(1, Ordering::SeqCst);
    (StatusCode::OK, axum::Json(stored(&id, "booked")))
}

async fn quick_write() -> StatusCode {
    StatusCode::OK
}

/// The most cancels in flight at once when `ids` appointments are tidied with `jobs`.
async fn most_in_flight(ids: usize, jobs: usize) -> usize {
    let seen = Arc::new(InFlight::default());
    let app = Router::new()
        .route("/Appointment/{id}", get(slow_read).put(quick_write))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let targets = Arc::new(vec![Target {
        label: "slow".to_owned(),
        base_url: base,
        auth: Auth::static_token(Secret::new("dev-token".to_owned())),
        profile: Arc::new(Profile::reference()),
    }]);
    let ledger = Arc::new(Ledger::default());
    for n in 0..ids {
        ledger.record(Created {
            target: 0,
            id: format!("a{n}"),
            case: "c".to_owned(),
        });
    }
    let tidied = cleanup(
        &ledger,
        &targets,
        &client(Duration::from_secs(10)),
        jobs,
        Vec::new(),
    )
    .await
    .tidied;
    assert_eq!(tidied.len(), ids);
    assert!(tidied.iter().all(|t| t.problem.is_none()), "{tidied:?}");
    assert!(ledger.pending().is_empty());
    seen.most.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancels_run_concurrently_within_jobs() {
    let parallel = most_in_flight(8, 4).await;
    assert!(
        (2..=4).contains(&parallel),
        "{parallel} in flight with --jobs 4"
    );
    assert_eq!(
        most_in_flight(4, 1).await,
        1,
        "--jobs 1 cancels one at a time"
    );
}
