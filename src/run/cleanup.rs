//! Cleanup, both ends: recording every appointment a create named (any 2xx, its id from `Location`
//! or the body), and cancelling them at the end of the run. The API has no delete; a cancel reads the
//! appointment and writes it back whole with `status: cancelled`, so a server that replaces the whole
//! resource on PUT (FHIR's update) keeps every other field.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::case::model::Method;
use crate::exchange::tape::{CLEANUP_CASE, Slot};
use crate::exchange::{Client, Exchange, Outgoing, Received};
use crate::run::ledger::{Created, Ledger, Tidied, appointment_id_from_location};
use crate::target::Target;

/// The id of the appointment a create answered with, if the exchange was one: `POST /Appointment`
/// answered 2xx, the id from `Location` (absolute or relative, with or without `/_history/<n>`),
/// else from the body's `id` when the body is an Appointment (or carries no `resourceType`).
pub fn created_id(out: &Outgoing, received: &Received) -> Option<String> {
    if out.method != Method::Post
        || out.path.trim_end_matches('/') != "/Appointment"
        || !(200..300).contains(&received.status)
    {
        return None;
    }
    if let Some(id) = received
        .header("location")
        .and_then(appointment_id_from_location)
    {
        return Some(id);
    }
    let body = received.json.as_ref()?;
    let kind = body.get("resourceType").and_then(Value::as_str);
    if kind.is_some_and(|k| k != "Appointment") {
        return None;
    }
    let id = body.get("id")?.as_str()?.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// Records the appointment a create named (see [`created_id`]) in the ledger.
pub fn record_creation(
    out: &Outgoing,
    received: &Received,
    case: &str,
    target: usize,
    ledger: &Ledger,
) {
    if let Some(id) = created_id(out, received) {
        ledger.record(Created {
            target,
            id,
            case: case.to_owned(),
        });
    }
}

/// Cancels every appointment the ledger holds, up to `jobs` at once (the client's `--rps` pacing
/// applies to each request). Each entry is removed from the ledger once tried, so what the ledger
/// still holds is what is left to do. Never fails: each entry says how it went, in ledger order.
pub async fn cleanup(
    ledger: &Arc<Ledger>,
    targets: &Arc<Vec<Target>>,
    client: &Client,
    jobs: usize,
) -> Vec<Tidied> {
    let mut tidied = Vec::new();
    loop {
        let batch = ledger.pending();
        if batch.is_empty() {
            return tidied;
        }
        let semaphore = Arc::new(Semaphore::new(jobs.max(1)));
        let mut tasks = JoinSet::new();
        for (position, created) in batch.into_iter().enumerate() {
            let (ledger, targets, client) =
                (Arc::clone(ledger), Arc::clone(targets), client.clone());
            let semaphore = Arc::clone(&semaphore);
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await.ok();
                let Some(target) = targets.get(created.target) else {
                    ledger.remove(&created);
                    return None;
                };
                // Cleanup's exchanges are recorded (and replayed) per appointment.
                let client = client.at(Slot {
                    case: Some(CLEANUP_CASE.to_owned()),
                    step: Some(created.id.clone()),
                });
                let (problem, note) = cancel(&client, target, &created.id).await;
                ledger.remove(&created);
                Some((
                    position,
                    Tidied {
                        id: created.id,
                        case: created.case,
                        target: target.label.clone(),
                        problem,
                        note,
                    },
                ))
            });
        }
        let mut done = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Some(entry)) => done.push(entry),
                Ok(None) => {}
                // The entry stays in the ledger and is tried again in the next round; a cancel that
                // panics twice in a row is reported rather than retried for ever.
                Err(e) => tracing::error!("a cancel task failed: {e}"),
            }
        }
        if done.is_empty() {
            // Nothing could be tried (every task failed): report what is left instead of looping.
            for created in ledger.take() {
                tidied.push(Tidied {
                    target: targets
                        .get(created.target)
                        .map_or_else(String::new, |t| t.label.clone()),
                    id: created.id,
                    case: created.case,
                    problem: Some("cancelling failed: the cleanup task stopped".to_owned()),
                    note: None,
                });
            }
            return tidied;
        }
        done.sort_by_key(|(position, _)| *position);
        tidied.extend(done.into_iter().map(|(_, t)| t));
    }
}

/// Cancels one appointment: read it, then PUT it back whole with `status: cancelled`. Returns the
/// problem (`None`: cancelled) and a note on how, when it was not the plain way.
async fn cancel(client: &Client, target: &Target, id: &str) -> (Option<String>, Option<String>) {
    let path = format!("/Appointment/{id}");
    let read = client
        .send(
            target,
            &Outgoing::get(path.clone(), Vec::new(), Default::default()),
        )
        .await;
    let (body, note) = match current(&read) {
        Ok(resource) if resource.get("status").and_then(Value::as_str) == Some("cancelled") => {
            return (None, Some("already cancelled".to_owned()));
        }
        Ok(mut resource) => {
            resource["status"] = json!("cancelled");
            (resource, None)
        }
        Err(why) => (
            json!({"resourceType": "Appointment", "id": id, "status": "cancelled"}),
            Some(format!(
                "reading it back failed ({why}): cancelled with a status-only body, which a server that replaces whole resources on PUT applies by erasing the other fields"
            )),
        ),
    };
    let out = Outgoing {
        method: Method::Put,
        path,
        query: Vec::new(),
        headers: Vec::new(),
        body: Some(body.to_string()),
        auth: Default::default(),
        token: None,
    };
    let exchange = client.send(target, &out).await;
    let problem = match (&exchange.response, &exchange.error) {
        (Some(r), _) if (200..300).contains(&r.status) => None,
        (Some(r), _) => Some(format!(
            "cancelling answered {}{}",
            r.status,
            outcome_text(r.json.as_ref())
                .map(|t| format!(": {t}"))
                .unwrap_or_default()
        )),
        (None, Some(error)) => Some(format!("cancelling failed: {error}")),
        (None, None) => Some("cancelling failed".to_owned()),
    };
    match (problem, note) {
        (Some(problem), Some(note)) => (Some(format!("{problem} (after {note})")), None),
        other => other,
    }
}

/// The appointment as the target holds it now, or why it could not be read.
fn current(read: &Exchange) -> Result<Value, String> {
    let received = match (&read.response, &read.error) {
        (Some(received), None) => received,
        (_, Some(error)) => return Err(error.to_string()),
        (None, None) => return Err("no response".to_owned()),
    };
    if received.status != 200 {
        return Err(format!("the read answered {}", received.status));
    }
    match &received.json {
        Some(resource @ Value::Object(_))
            if resource.get("resourceType").and_then(Value::as_str) == Some("Appointment") =>
        {
            Ok(resource.clone())
        }
        _ => Err("the read did not answer an Appointment".to_owned()),
    }
}

/// The first issue's text of an OperationOutcome: `details.text`, else `diagnostics`.
fn outcome_text(body: Option<&Value>) -> Option<&str> {
    let issue = body?.pointer("/issue/0")?;
    issue
        .pointer("/details/text")
        .or_else(|| issue.get("diagnostics"))?
        .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post() -> Outgoing {
        Outgoing {
            method: Method::Post,
            path: "/Appointment".to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Some("{}".to_owned()),
            auth: Default::default(),
            token: None,
        }
    }

    fn answer(status: u16, location: Option<&str>, body: Option<Value>) -> Received {
        Received {
            status,
            headers: location
                .map(|l| vec![("Location".to_owned(), l.to_owned())])
                .unwrap_or_default(),
            body: body.as_ref().map(Value::to_string).unwrap_or_default(),
            json: body,
            elapsed_ms: 0,
            truncated: None,
        }
    }

    const ID: &str = "4be5c594-cfbd-4b7c-a047-ee3b06881745";

    #[test]
    fn any_2xx_create_that_names_an_appointment_is_recorded() {
        let absolute = format!("http://127.0.0.1:9/fhir/Appointment/{ID}/_history/1");
        let relative = format!("Appointment/{ID}");
        for (status, location) in [
            (201, Some(absolute.as_str())),
            (200, Some(relative.as_str())),
            (202, Some(relative.as_str())),
        ] {
            assert_eq!(
                created_id(&post(), &answer(status, location, None)).as_deref(),
                Some(ID),
                "{status} {location:?}"
            );
        }
        let body = json!({"resourceType": "Appointment", "id": ID, "status": "proposed"});
        assert_eq!(
            created_id(&post(), &answer(200, None, Some(body))).as_deref(),
            Some(ID)
        );
    }

    #[test]
    fn refusals_reads_and_other_resources_are_not_recorded() {
        let outcome = json!({"resourceType": "OperationOutcome", "id": "x", "issue": []});
        assert_eq!(created_id(&post(), &answer(200, None, Some(outcome))), None);
        let location = format!("/Appointment/{ID}");
        assert_eq!(
            created_id(&post(), &answer(422, Some(&location), None)),
            None
        );
        let mut put = post();
        put.method = Method::Put;
        assert_eq!(created_id(&put, &answer(201, Some(&location), None)), None);
        assert_eq!(created_id(&post(), &answer(201, None, None)), None);
    }

    #[test]
    fn the_reason_comes_from_details_or_diagnostics() {
        let generic = json!({"issue": [{"severity": "error", "code": "invalid", "diagnostics": "participant is required"}]});
        assert_eq!(
            outcome_text(Some(&generic)),
            Some("participant is required")
        );
        let canvas = json!({"issue": [{"details": {"text": "Bad request"}, "diagnostics": "x"}]});
        assert_eq!(outcome_text(Some(&canvas)), Some("Bad request"));
    }
}
