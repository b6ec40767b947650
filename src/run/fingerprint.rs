//! Which edition a target speaks, from the read-only edition fingerprints of BEHAVIOURS-CURRENT.md
//! (F1 404 text, F2 correlation id, F3 default paging, F5 unknown parameter, F9 identifier search):
//! each probe's answer and the edition it points to. Nothing is written.

use serde_json::Value;

use crate::case::model::AuthMode;
use crate::edition::Edition;
use crate::exchange::{Client, Exchange, Outgoing};
use crate::target::Target;

/// One probe: its fingerprint ID, what it asked, what the target answered, and the edition that
/// answer belongs to (`None`: it tells neither, e.g. no answer or an unexpected status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub id: &'static str,
    pub asked: String,
    pub answered: String,
    pub points_to: Option<Edition>,
}

/// The probes, and the edition they agree on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub probes: Vec<Probe>,
}

impl Fingerprint {
    /// The edition every deciding probe points to, `None` when none decides or they disagree
    /// (Canvas changed in steps between 2023-10 and 2026: a server may be part way).
    pub fn edition(&self) -> Option<Edition> {
        let mut said = self.probes.iter().filter_map(|p| p.points_to);
        let first = said.next()?;
        said.all(|e| e == first).then_some(first)
    }

    /// How many deciding probes point to `edition`.
    pub fn votes(&self, edition: Edition) -> usize {
        self.probes
            .iter()
            .filter(|p| p.points_to == Some(edition))
            .count()
    }
}

/// Sends the read-only probes (five GETs, with the target's token) and reads their answers.
pub async fn detect(client: &Client, target: &Target) -> Fingerprint {
    let get = |path: &str, query: &[(&str, &str)]| {
        Outgoing::get(
            path.to_owned(),
            query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            AuthMode::Target,
        )
    };
    let unknown = "00000000-0000-4000-8000-00000000f1f1";
    // The probes are independent: sent at once.
    let (f1_out, f3_out, f5_out, f9_out) = (
        get(&format!("/Appointment/{unknown}"), &[]),
        get("/Appointment", &[]),
        get("/Appointment", &[("foo", "bar"), ("_count", "1")]),
        get("/Appointment", &[("identifier", "x"), ("_count", "1")]),
    );
    let (f1, f3, f5, f9) = tokio::join!(
        client.send(target, &f1_out),
        client.send(target, &f3_out),
        client.send(target, &f5_out),
        client.send(target, &f9_out),
    );
    let probes = vec![
        Probe {
            id: "F1",
            asked: format!("GET /Appointment/{unknown}"),
            answered: answer(&f1),
            points_to: not_found_text(&f1),
        },
        Probe {
            id: "F2",
            asked: "a fumage-correlation-id header on that answer".to_owned(),
            answered: f1.response.as_ref().map_or_else(
                || "no answer".to_owned(),
                |r| match r.header("fumage-correlation-id") {
                    Some(_) => "present".to_owned(),
                    None => "absent".to_owned(),
                },
            ),
            points_to: f1
                .response
                .as_ref()
                .map(|r| match r.header("fumage-correlation-id") {
                    Some(_) => Edition::Current,
                    None => Edition::Sept2023,
                }),
        },
        Probe {
            id: "F3",
            asked: "GET /Appointment (no parameters): are its links paged?".to_owned(),
            answered: answer(&f3),
            points_to: default_paging(&f3),
        },
        Probe {
            id: "F5",
            asked: "GET /Appointment?foo=bar&_count=1".to_owned(),
            answered: answer(&f5),
            points_to: refused_or_ignored(&f5),
        },
        Probe {
            id: "F9",
            asked: "GET /Appointment?identifier=x&_count=1".to_owned(),
            answered: answer(&f9),
            points_to: refused_or_ignored(&f9),
        },
    ];
    Fingerprint { probes }
}

fn answer(exchange: &Exchange) -> String {
    match (&exchange.response, &exchange.error) {
        (Some(r), _) => {
            let text = r.json.as_ref().and_then(|b| {
                b.pointer("/issue/0/details/text")?
                    .as_str()
                    .map(str::to_owned)
            });
            match text {
                Some(text) => format!("{} {text:?}", r.status),
                None => r.status.to_string(),
            }
        }
        (None, Some(error)) => error.to_string(),
        (None, None) => "no answer".to_owned(),
    }
}

/// F1: `Resource not found` (2023-09) or `Unknown Appointment resource '<id>'` (current).
fn not_found_text(exchange: &Exchange) -> Option<Edition> {
    let response = exchange.response.as_ref()?;
    let text = response
        .json
        .as_ref()?
        .pointer("/issue/0/details/text")?
        .as_str()?;
    match (response.status, text) {
        (404, "Resource not found") => Some(Edition::Sept2023),
        (404, t) if t.starts_with("Unknown Appointment resource") => Some(Edition::Current),
        _ => None,
    }
}

/// F3: the `self` link of an unparameterized search carries `_count` only where search is
/// always paged (current); 2023-09 pages only when asked.
fn default_paging(exchange: &Exchange) -> Option<Edition> {
    let response = exchange.response.as_ref()?;
    if response.status != 200 {
        return None;
    }
    let links = response.json.as_ref()?.get("link")?.as_array()?;
    let url = links
        .iter()
        .find(|l| l.get("relation").and_then(Value::as_str) == Some("self"))?
        .get("url")?
        .as_str()?;
    Some(if url.contains("_count=") {
        Edition::Current
    } else {
        Edition::Sept2023
    })
}

/// F5, F9: 400 (an unknown parameter refused: 2023-09) or 200 (ignored or known: current).
fn refused_or_ignored(exchange: &Exchange) -> Option<Edition> {
    match exchange.response.as_ref()?.status {
        400 => Some(Edition::Sept2023),
        200 => Some(Edition::Current),
        _ => None,
    }
}
