//! The sweep: searches one target for what the run created, by its tag (`identifier`) and by a
//! `date` range of its slots per practitioner fixture, all at once, each paged with the walker. Only what carries the
//! tag, or starts in range with that practitioner, counts: an ignored filter cannot widen it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::case::model::AuthMode;
use crate::exchange::tape::{CLEANUP_CASE, Slot};
use crate::exchange::walk::walk_next;
use crate::exchange::{Client, Exchange, Outgoing};
use crate::run::ledger::Traces;
use crate::run::tag::{TAG_SYSTEM, carries_tag};
use crate::target::Target;

/// The step the sweep's searches are recorded (and replayed) under, numbered: `(sweep) 1`, …
pub const SWEEP_STEP: &str = "(sweep)";

/// The fixtures that name practitioners a case books (`canvas_bot` is 2023-09's fallback for a
/// blank practitioner).
pub const PRACTITIONER_FIXTURES: &[&str] = &["practitioner", "practitioner_2", "canvas_bot"];

/// The page size the sweep asks for (the current edition's maximum, D3).
const PAGE_SIZE: &str = "100";

/// One appointment of the run the sweep found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub id: String,
    /// Its FHIR status (`cancelled` needs nothing more).
    pub status: String,
    /// Its `start`, when it is an instant.
    pub start: Option<Timestamp>,
    /// The whole resource as the search answered it (cleanup writes it back cancelled).
    pub resource: Value,
}

impl Found {
    /// The UTC day it starts on.
    pub fn day(&self) -> Option<Date> {
        self.start
            .map(|s| s.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
    }

    /// Whether it still needs cancelling (not cancelled, not entered in error).
    pub fn is_open(&self) -> bool {
        !matches!(self.status.as_str(), "cancelled" | "entered-in-error")
    }
}

/// What sweeping one target found, and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// The searches sent, as query strings (`identifier=…`, `practitioner=…&date=…`).
    pub searches: Vec<String>,
    /// The run's appointments found, each once, in the order found.
    pub found: Vec<Found>,
    /// Why a search could not be completed, when one could not (what it did not see is unknown).
    pub stopped: Option<String>,
    /// The longest chain of requests it sent one after another: its searches run at once, each
    /// a first page and then its next pages.
    pub chain: usize,
}

/// Which of a search's appointments are the run's: those carrying its tag, or those booking a
/// practitioner fixture within the run's days.
#[derive(Clone, Debug)]
enum Keep {
    Tag(String),
    Booking {
        reference: String,
        from: Date,
        to: Date,
    },
}

impl Keep {
    fn keeps(&self, resource: &Value) -> bool {
        match self {
            Keep::Tag(tag) => carries_tag(resource, tag),
            Keep::Booking {
                reference,
                from,
                to,
            } => {
                books(resource, reference)
                    && found_of(resource)
                        .and_then(|f| f.day())
                        .is_some_and(|day| *from <= day && day <= *to)
            }
        }
    }
}

/// Searches `target` for the run's appointments that `traces` says are there: every search at
/// once (each walks its own pages, recorded under its own step `(sweep) N`), the findings in the
/// order of the searches.
pub async fn sweep(client: &Client, target: &Target, traces: &Traces) -> Swept {
    let mut searches: Vec<(Vec<(String, String)>, Keep)> = Vec::new();
    for tag in &traces.tags {
        let query = vec![
            ("identifier".to_owned(), format!("{TAG_SYSTEM}|{tag}")),
            ("_count".to_owned(), PAGE_SIZE.to_owned()),
        ];
        searches.push((query, Keep::Tag(tag.clone())));
    }
    if let Some((from, to)) = traces.untagged_days {
        for name in PRACTITIONER_FIXTURES {
            let Some(id) = target.profile.fixtures.get(*name) else {
                continue;
            };
            let reference = format!("Practitioner/{id}");
            let query = vec![
                ("practitioner".to_owned(), reference.clone()),
                ("date".to_owned(), format!("ge{from}")),
                ("date".to_owned(), format!("le{to}")),
                ("_count".to_owned(), PAGE_SIZE.to_owned()),
            ];
            searches.push((
                query,
                Keep::Booking {
                    reference,
                    from,
                    to,
                },
            ));
        }
    }
    let mut running = JoinSet::new();
    for (position, (query, keep)) in searches.into_iter().enumerate() {
        // Each search is recorded (and replayed) under a step of its own: they run at once.
        let client = client.at(Slot {
            case: Some(CLEANUP_CASE.to_owned()),
            step: Some(format!("{SWEEP_STEP} {}", position + 1)),
        });
        let target = target.clone();
        running.spawn(async move {
            let searched = search(&client, &target, query).await;
            (position, searched, keep)
        });
    }
    let mut done = Vec::new();
    let mut swept = Swept::default();
    while let Some(joined) = running.join_next().await {
        match joined {
            Ok(one) => done.push(one),
            Err(e) => {
                // What that search would have found is unknown: the sweep is incomplete.
                tracing::error!("a sweep search failed: {e}");
                swept
                    .stopped
                    .get_or_insert_with(|| format!("a sweep search failed: {e}"));
            }
        }
    }
    done.sort_by_key(|(position, _, _)| *position);
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (_, searched, keep) in done {
        swept.searches.push(searched.query);
        swept.chain = swept.chain.max(searched.requests);
        if let Some(why) = searched.stopped {
            swept.stopped.get_or_insert(why);
        }
        for resource in searched.resources.iter().filter(|r| keep.keeps(r)) {
            if let Some(appointment) = found_of(resource)
                && !found.contains_key(&appointment.id)
            {
                order.push(appointment.id.clone());
                found.insert(appointment.id.clone(), appointment);
            }
        }
    }
    swept.found = order
        .into_iter()
        .filter_map(|id| found.remove(&id))
        .collect();
    swept
}

/// What one search of the sweep read.
struct Searched {
    /// Its query string.
    query: String,
    /// Every resource of every page read.
    resources: Vec<Value>,
    /// Requests sent, one after another (the first page and each next one).
    requests: usize,
    /// Why it could not be completed, if it could not.
    stopped: Option<String>,
}

/// Runs one search and walks its pages.
async fn search(client: &Client, target: &Target, query: Vec<(String, String)>) -> Searched {
    let mut searched = Searched {
        query: form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish(),
        resources: Vec::new(),
        requests: 1,
        stopped: None,
    };
    let first = client
        .send(
            target,
            &Outgoing::get("/Appointment".to_owned(), query, AuthMode::Target),
        )
        .await;
    let bundle = match bundle_of(&first) {
        Ok(bundle) => bundle,
        Err(why) => {
            searched.stopped = Some(why);
            return searched;
        }
    };
    searched.resources.extend(entries(bundle));
    let walk = walk_next(
        client,
        target,
        &first.request.url,
        bundle,
        AuthMode::Target,
        |_, _| {},
    )
    .await;
    searched.requests += walk.pages.len();
    for page in &walk.pages {
        if let Ok(bundle) = bundle_of(page) {
            searched.resources.extend(entries(bundle));
        }
    }
    searched.stopped = walk.stopped;
    searched
}

/// The searchset Bundle a search page answered, or why there is none.
fn bundle_of(exchange: &Exchange) -> Result<&Value, String> {
    let url = &exchange.request.url;
    match (&exchange.response, &exchange.error) {
        (_, Some(error)) => Err(format!("searching {url}: {error}")),
        (None, None) => Err(format!("searching {url}: no response")),
        (Some(r), None) if r.status != 200 => Err(format!("searching {url} answered {}", r.status)),
        (Some(r), None) => r
            .json
            .as_ref()
            .filter(|b| b.get("resourceType").and_then(Value::as_str) == Some("Bundle"))
            .ok_or_else(|| format!("searching {url} did not answer a Bundle")),
    }
}

/// The resources of a Bundle's entries.
fn entries(bundle: &Value) -> impl Iterator<Item = Value> + '_ {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.get("resource").cloned())
}

/// An Appointment resource as the sweep keeps it.
fn found_of(resource: &Value) -> Option<Found> {
    if resource.get("resourceType").and_then(Value::as_str) != Some("Appointment") {
        return None;
    }
    let id = resource.get("id")?.as_str()?.trim();
    if id.is_empty() {
        return None;
    }
    Some(Found {
        id: id.to_owned(),
        status: resource
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        start: resource
            .get("start")
            .and_then(Value::as_str)
            .and_then(instant),
        resource: resource.clone(),
    })
}

/// Whether the appointment has a participant that references `reference`.
fn books(resource: &Value, reference: &str) -> bool {
    resource
        .get("participant")
        .and_then(Value::as_array)
        .is_some_and(|participants| {
            participants
                .iter()
                .any(|p| p.pointer("/actor/reference").and_then(Value::as_str) == Some(reference))
        })
}

/// A FHIR instant or date-time (`…Z`, `…+00:00`, or without an offset: UTC, as D20 reads it).
pub fn instant(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    text.parse::<Timestamp>().ok().or_else(|| {
        text.parse::<jiff::civil::DateTime>()
            .ok()?
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instants_with_and_without_an_offset() {
        let z = instant("2100-03-10T09:00:00Z").expect("Z");
        assert_eq!(instant("2100-03-10T09:00:00+00:00"), Some(z));
        assert_eq!(instant("2100-03-10T11:00:00+02:00"), Some(z));
        assert_eq!(instant("2100-03-10T09:00"), Some(z));
        assert_eq!(instant("not a time"), None);
    }

    #[test]
    fn only_appointments_with_an_id_are_kept_and_their_status_decides() {
        let open = json!({"resourceType": "Appointment", "id": "a", "status": "booked",
            "start": "2100-03-10T09:00:00+00:00"});
        let found = found_of(&open).expect("an appointment");
        assert!(found.is_open());
        assert_eq!(found.day(), Some(jiff::civil::date(2100, 3, 10)));
        let done = json!({"resourceType": "Appointment", "id": "b", "status": "cancelled"});
        assert!(!found_of(&done).expect("an appointment").is_open());
        assert_eq!(
            found_of(&json!({"resourceType": "Patient", "id": "p"})),
            None
        );
        assert_eq!(found_of(&json!({"resourceType": "Appointment"})), None);
    }

    #[test]
    fn practitioners_are_found_by_reference() {
        let resource = json!({"participant": [
            {"actor": {"reference": "Patient/x"}},
            {"actor": {"reference": "Practitioner/p1"}}]});
        assert!(books(&resource, "Practitioner/p1"));
        assert!(!books(&resource, "Practitioner/p2"));
    }
}
