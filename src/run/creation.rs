//! What a create's exchange means for the cleanup ledger: it created this appointment (a 2xx naming
//! it in `Location` or the body, even when the body was lost), it may have created one (sent, and
//! the answer lost or naming nothing), or it created nothing (refused, or never sent).

use serde_json::Value;

use crate::case::model::Method;
use crate::exchange::error::{ExchangeError, TimeoutPhase};
use crate::exchange::{Exchange, Outgoing, Received};
use crate::run::ledger::{Created, Ledger, Uncertain, appointment_id_from_location};

/// What one exchange created, as far as the harness can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Creation {
    /// It named the appointment it created.
    Created(String),
    /// The request went out and the answer was lost or named nothing: it may have created one.
    Uncertain(String),
    /// Not a create, or one that created nothing.
    Nothing,
}

/// Whether `out` creates an appointment: `POST /Appointment`.
pub fn is_create(out: &Outgoing) -> bool {
    out.method == Method::Post && out.path.trim_end_matches('/') == "/Appointment"
}

/// The id of the appointment a create answered with, if the exchange was one: `POST /Appointment`
/// answered 2xx, the id from `Location` (absolute or relative, with or without `/_history/<n>`),
/// else from the body's `id` when the body is an Appointment (or carries no `resourceType`).
pub fn created_id(out: &Outgoing, received: &Received) -> Option<String> {
    if !is_create(out) || !is_success(received.status) {
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

/// What the exchange of `out` created (see [`Creation`]).
pub fn creation(out: &Outgoing, exchange: &Exchange) -> Creation {
    if !is_create(out) {
        return Creation::Nothing;
    }
    if let Some(received) = &exchange.response {
        return match created_id(out, received) {
            Some(id) => Creation::Created(id),
            None if is_success(received.status) => Creation::Uncertain(format!(
                "it answered {} without naming the appointment (no Location, no body id)",
                received.status
            )),
            // Refused, or still busy after every retry: nothing was created.
            None => Creation::Nothing,
        };
    }
    let Some(error) = &exchange.error else {
        return Creation::Uncertain("no answer".to_owned());
    };
    let lost = || Creation::Uncertain(error.to_string());
    match error {
        // The head arrived and the body did not: the head says what happened.
        ExchangeError::Transport {
            status: Some(status),
            location,
            ..
        } => match location.as_deref().and_then(appointment_id_from_location) {
            Some(id) if is_success(*status) => Creation::Created(id),
            _ if is_success(*status) => lost(),
            _ => Creation::Nothing,
        },
        ExchangeError::BodyTooLarge { status, .. } if is_success(*status) => lost(),
        ExchangeError::Transport { .. } => lost(),
        ExchangeError::Timeout { phase, .. } if *phase != TimeoutPhase::Connect => lost(),
        // Never sent (no connection, no token, not replayed), or answered with a refusal.
        ExchangeError::Timeout { .. }
        | ExchangeError::Connect { .. }
        | ExchangeError::BodyTooLarge { .. }
        | ExchangeError::StillBusy { .. }
        | ExchangeError::Token { .. }
        | ExchangeError::NotRecorded { .. } => Creation::Nothing,
    }
}

/// Where a create was sent from: its case and step, the target's index, and the case's slot day.
pub struct CreateAt<'a> {
    pub case: &'a str,
    pub step: &'a str,
    pub target: usize,
    pub slot_day: jiff::civil::Date,
}

/// Records in the ledger what the exchange of `out` created: an appointment it named, or a create
/// that may have created one (with the `start` it sent, for the sweep to match).
pub fn record_creation(out: &Outgoing, exchange: &Exchange, at: &CreateAt<'_>, ledger: &Ledger) {
    match creation(out, exchange) {
        Creation::Created(id) => ledger.record(Created {
            target: at.target,
            id,
            case: at.case.to_owned(),
        }),
        Creation::Uncertain(why) => ledger.record_uncertain(Uncertain {
            target: at.target,
            case: at.case.to_owned(),
            step: at.step.to_owned(),
            why,
            start: sent_start(out),
            slot_day: Some(at.slot_day),
        }),
        Creation::Nothing => {}
    }
}

/// The `start` a JSON create body sent.
fn sent_start(out: &Outgoing) -> Option<String> {
    let body: Value = serde_json::from_str(out.body.as_deref()?).ok()?;
    body.get("start")?.as_str().map(str::to_owned)
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::SentRequest;
    use crate::exchange::error::TransportStage;
    use serde_json::json;

    fn post() -> Outgoing {
        Outgoing {
            method: Method::Post,
            path: "/Appointment".to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Some(r#"{"start":"2100-03-10T09:00:00Z"}"#.to_owned()),
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

    fn exchange(response: Option<Received>, error: Option<ExchangeError>) -> Exchange {
        Exchange {
            request: SentRequest {
                method: "POST".to_owned(),
                url: "http://127.0.0.1:9/Appointment".to_owned(),
                headers: Vec::new(),
                body: None,
            },
            response,
            error,
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
    fn a_lost_body_after_a_location_is_a_creation_and_a_lost_answer_may_be_one() {
        let location = format!("http://127.0.0.1:9/Appointment/{ID}");
        let cut = |status: u16, location: Option<&str>| ExchangeError::Transport {
            stage: TransportStage::ResponseBody,
            detail: "connection reset".to_owned(),
            status: Some(status),
            location: location.map(str::to_owned),
        };
        assert_eq!(
            creation(&post(), &exchange(None, Some(cut(201, Some(&location))))),
            Creation::Created(ID.to_owned())
        );
        assert!(matches!(
            creation(&post(), &exchange(None, Some(cut(201, None)))),
            Creation::Uncertain(_)
        ));
        assert_eq!(
            creation(&post(), &exchange(None, Some(cut(422, Some(&location))))),
            Creation::Nothing
        );
        let reset = ExchangeError::Transport {
            stage: TransportStage::Request,
            detail: "connection reset by peer".to_owned(),
            status: None,
            location: None,
        };
        match creation(&post(), &exchange(None, Some(reset))) {
            Creation::Uncertain(why) => assert!(why.contains("connection reset"), "{why}"),
            other => panic!("{other:?}"),
        }
        let timeout = |phase| ExchangeError::Timeout {
            phase,
            connect_timeout_s: 1.0,
            read_timeout_s: 1.0,
            timeout_s: 1.0,
            detail: String::new(),
        };
        assert!(matches!(
            creation(
                &post(),
                &exchange(None, Some(timeout(TimeoutPhase::ReadSilence)))
            ),
            Creation::Uncertain(_)
        ));
        assert_eq!(
            creation(
                &post(),
                &exchange(None, Some(timeout(TimeoutPhase::Connect)))
            ),
            Creation::Nothing,
            "never sent"
        );
        // A 2xx that names nothing may have created one; a refusal did not.
        assert!(matches!(
            creation(&post(), &exchange(Some(answer(201, None, None)), None)),
            Creation::Uncertain(_)
        ));
        assert_eq!(
            creation(&post(), &exchange(Some(answer(400, None, None)), None)),
            Creation::Nothing
        );
    }

    #[test]
    fn the_ledger_gets_the_entry_and_the_start_sent() {
        let ledger = Ledger::default();
        let at = CreateAt {
            case: "create/x",
            step: "create",
            target: 1,
            slot_day: jiff::civil::date(2100, 3, 10),
        };
        let reset = ExchangeError::Connect {
            detail: String::new(),
        };
        record_creation(&post(), &exchange(None, Some(reset)), &at, &ledger);
        assert!(ledger.pending().is_empty() && ledger.uncertain().is_empty());
        let lost = ExchangeError::Transport {
            stage: TransportStage::Request,
            detail: "connection reset".to_owned(),
            status: None,
            location: None,
        };
        record_creation(&post(), &exchange(None, Some(lost)), &at, &ledger);
        let uncertain = ledger.uncertain();
        assert_eq!(uncertain.len(), 1);
        assert_eq!(uncertain[0].step, "create");
        assert_eq!(uncertain[0].start.as_deref(), Some("2100-03-10T09:00:00Z"));
        let location = format!("/Appointment/{ID}");
        record_creation(
            &post(),
            &exchange(Some(answer(201, Some(&location), None)), None),
            &at,
            &ledger,
        );
        assert_eq!(
            ledger.pending(),
            [Created {
                target: 1,
                id: ID.to_owned(),
                case: "create/x".to_owned()
            }]
        );
    }
}
