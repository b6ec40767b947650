//! Cancelling one appointment (the API has no delete): write it back whole with `status:
//! cancelled` (so a server that replaces whole resources on PUT keeps every other field), from the
//! run's last read when nothing wrote it since, else read first. The client given is idempotent.

use serde_json::{Value, json};

use crate::case::model::Method;
use crate::edition::Edition;
use crate::exchange::{Client, Exchange, Outgoing};
use crate::target::Target;

/// How one cancel went: `problem` is `None` when it is cancelled; `note` says how, when it was not
/// the plain read-and-write-back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cancelled {
    pub problem: Option<String>,
    pub note: Option<String>,
}

/// Cancels the appointment `id` on `target`. When the read fails after every retry, the 2023-09
/// edition still takes a status-only body (omitted fields keep their values there, UPDATE-PARTIAL),
/// so that fallback is sent, and the note says so; the current edition refuses such a body
/// (UPDATE-REQUIRED: every required field must be sent), so the appointment is reported as not
/// cancelled, with the reason.
///
/// `known` is the appointment as the run last saw it, when nothing may have written it since (a
/// case's read, or the sweep's search when it shows the appointment open): one it shows cancelled
/// is left as it is (no request), any other is written back from it without a read; only when
/// that write is refused is it read back and written again.
pub async fn cancel(client: &Client, target: &Target, id: &str, known: Option<Value>) -> Cancelled {
    let path = format!("/Appointment/{id}");
    if let Some(mut resource) = known {
        if is_cancelled(&resource) {
            return already_cancelled();
        }
        resource["status"] = json!("cancelled");
        let exchange = client.send(target, &write_back(&path, &resource)).await;
        if refusal(&exchange).is_none() {
            return Cancelled::default();
        }
    }
    let read = client
        .send(
            target,
            &Outgoing::get(path.clone(), Vec::new(), Default::default()),
        )
        .await;
    let (body, note) = match current(&read) {
        Ok(resource) if is_cancelled(&resource) => return already_cancelled(),
        Ok(mut resource) => {
            resource["status"] = json!("cancelled");
            (resource, None)
        }
        Err(why) if target.profile.edition == Edition::Sept2023 => (
            json!({"resourceType": "Appointment", "id": id, "status": "cancelled"}),
            Some(format!(
                "reading it back failed ({why}): cancelled with a status-only body, which a server that replaces whole resources on PUT applies by erasing the other fields"
            )),
        ),
        Err(why) => {
            return Cancelled {
                problem: Some(format!(
                    "not cancelled: reading it back failed ({why}), and the current edition refuses a PUT of the status alone (UPDATE-REQUIRED), so there is nothing safe to write back"
                )),
                note: None,
            };
        }
    };
    let exchange = client.send(target, &write_back(&path, &body)).await;
    let problem = refusal(&exchange);
    match (problem, note) {
        (Some(problem), Some(note)) => Cancelled {
            problem: Some(format!("{problem} (after {note})")),
            note: None,
        },
        (problem, note) => Cancelled { problem, note },
    }
}

/// Whether `resource` (an Appointment) says `status: cancelled`.
pub fn is_cancelled(resource: &Value) -> bool {
    resource.get("status").and_then(Value::as_str) == Some("cancelled")
}

fn already_cancelled() -> Cancelled {
    Cancelled {
        problem: None,
        note: Some("already cancelled".to_owned()),
    }
}

/// The PUT of `body` to `path`.
fn write_back(path: &str, body: &Value) -> Outgoing {
    Outgoing {
        method: Method::Put,
        path: path.to_owned(),
        query: Vec::new(),
        headers: Vec::new(),
        body: Some(body.to_string()),
        auth: Default::default(),
        token: None,
    }
}

/// Why a write-back did not cancel, or `None` when it was answered 2xx.
fn refusal(exchange: &Exchange) -> Option<String> {
    match (&exchange.response, &exchange.error) {
        (Some(r), None) if (200..300).contains(&r.status) => None,
        (Some(r), _) => Some(format!(
            "cancelling answered {}{}",
            r.status,
            outcome_text(r.json.as_ref())
                .map(|t| format!(": {t}"))
                .unwrap_or_default()
        )),
        (None, Some(error)) => Some(format!("cancelling failed: {error}")),
        (None, None) => Some("cancelling failed".to_owned()),
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
