//! Discovery through the lookup endpoints Canvas's Appointment page points to (Practitioner,
//! Patient, Location and Schedule search), read-only, for `init`: what the appointments did not
//! show, and what only a lookup can (Canvas Bot's id, the location's integer id).

use serde_json::Value;

use crate::case::model::AuthMode;
use crate::exchange::{Client, Outgoing};
use crate::run::discovery::{Discovery, Found};
use crate::target::Target;

/// The Canvas Bot practitioner's name, as Practitioner search finds it (the page: "If
/// `<practitioner_id>` is left blank, the practitioner will be set to Canvas Bot").
const CANVAS_BOT: &str = "Canvas Bot";
/// Entries asked for per lookup search (one page: enough for the fixtures it fills).
const PAGE: usize = 100;

/// Fills, from the lookup searches the target serves, the fixtures `discovery` lacks: `canvas_bot`
/// (Practitioner search by name), practitioners, patients and `location` not named by any
/// appointment, and `location_legacy` (the integer in Schedule ids `Location.<n>-Staff.<id>`,
/// where the location found is a UUID). A lookup the target does not serve (an error status or
/// no searchset Bundle) is noted in `discovery.unserved` and changes nothing.
pub async fn fill(client: &Client, target: &Target, discovery: &mut Discovery) {
    let bot = search(
        client,
        target,
        discovery,
        "Practitioner",
        &[("name", CANVAS_BOT)],
    )
    .await;
    if let Some(bot) = bot.iter().flatten().find(|p| name_of(p) == CANVAS_BOT) {
        set(
            discovery,
            "canvas_bot",
            id_of(bot),
            "Practitioner search `name=Canvas Bot`",
        );
    }
    let bot_id = discovery.found.get("canvas_bot").map(|f| f.value.clone());
    if missing_any(discovery, &["practitioner", "practitioner_2"])
        && let Some(practitioners) = search(client, target, discovery, "Practitioner", &[]).await
    {
        let ids = practitioners
            .iter()
            .filter(|p| name_of(p) != CANVAS_BOT)
            .map(id_of)
            .filter(|id| Some(id) != bot_id.as_ref());
        fill_in_order(
            discovery,
            &["practitioner", "practitioner_2"],
            ids,
            "Practitioner search",
        );
    }
    if missing_any(discovery, &["patient", "patient_2", "patient_3"])
        && let Some(patients) = search(client, target, discovery, "Patient", &[]).await
    {
        fill_in_order(
            discovery,
            &["patient", "patient_2", "patient_3"],
            patients.iter().map(id_of),
            "Patient search",
        );
    }
    if missing_any(discovery, &["location"])
        && let Some(locations) = search(client, target, discovery, "Location", &[]).await
        && let Some(first) = locations.first()
    {
        set(
            discovery,
            "location",
            id_of(first),
            "Location search: the first location",
        );
    }
    legacy_location(client, target, discovery).await;
}

/// `location_legacy` from Schedule ids, when the location is a UUID and a guess (or nothing)
/// stands for its integer id.
async fn legacy_location(client: &Client, target: &Target, discovery: &mut Discovery) {
    let uuid_location = discovery
        .found
        .get("location")
        .is_some_and(|f| f.value.contains('-'));
    let known = discovery
        .found
        .get("location_legacy")
        .is_some_and(|f| !f.guessed);
    if !uuid_location || known {
        return;
    }
    let Some(schedules) = search(client, target, discovery, "Schedule", &[]).await else {
        return;
    };
    let legacy = schedules.iter().find_map(|s| {
        let id = id_of(s);
        let rest = id.strip_prefix("Location.")?;
        let (location, _) = rest.split_once("-Staff.")?;
        (!location.is_empty() && location.bytes().all(|b| b.is_ascii_digit()))
            .then(|| (location.to_owned(), id.clone()))
    });
    if let Some((value, schedule)) = legacy {
        discovery.missing.remove("location_legacy");
        discovery.found.insert(
            "location_legacy".to_owned(),
            Found {
                value,
                from: format!(
                    "Schedule/{schedule}: the location part of a Schedule id (the Appointment page: the Location ID is the value after the period)"
                ),
                guessed: false,
            },
        );
    }
}

/// The resources of one search page of `resource` (`GET /<resource>?_count=…&…`), or `None` when
/// the target does not serve it (noted in `discovery.unserved`).
async fn search(
    client: &Client,
    target: &Target,
    discovery: &mut Discovery,
    resource: &str,
    params: &[(&str, &str)],
) -> Option<Vec<Value>> {
    let mut query: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    query.push(("_count".to_owned(), PAGE.to_string()));
    let shown: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    discovery
        .requests
        .push(format!("GET /{resource}?{}", shown.join("&")));
    let exchange = client
        .send(
            target,
            &Outgoing::get(format!("/{resource}"), query, AuthMode::Target),
        )
        .await;
    let answer = match exchange.response.as_ref() {
        Some(response) if response.status == 200 => response
            .json
            .as_ref()
            .filter(|bundle| bundle.get("resourceType").and_then(Value::as_str) == Some("Bundle")),
        Some(response) => {
            note_unserved(discovery, resource, format!("answered {}", response.status));
            return None;
        }
        None => {
            note_unserved(discovery, resource, "no answer".to_owned());
            return None;
        }
    };
    let Some(bundle) = answer else {
        note_unserved(
            discovery,
            resource,
            "answered 200 without a Bundle".to_owned(),
        );
        return None;
    };
    Some(
        bundle
            .get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("resource").cloned())
            .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some(resource))
            .collect(),
    )
}

fn note_unserved(discovery: &mut Discovery, resource: &str, why: String) {
    discovery.unserved.entry(resource.to_owned()).or_insert(why);
}

fn missing_any(discovery: &Discovery, names: &[&str]) -> bool {
    names.iter().any(|n| !discovery.found.contains_key(*n))
}

/// Gives each name of `names` not found yet the next id of `ids` not already used by one of them.
fn fill_in_order(
    discovery: &mut Discovery,
    names: &[&str],
    ids: impl Iterator<Item = String>,
    from: &str,
) {
    let mut ids = ids.filter(|id| !id.is_empty());
    for name in names {
        if discovery.found.contains_key(*name) {
            continue;
        }
        let taken: Vec<String> = names
            .iter()
            .filter_map(|n| discovery.found.get(*n).map(|f| f.value.clone()))
            .collect();
        if let Some(id) = ids.by_ref().find(|id| !taken.contains(id)) {
            set(discovery, name, id, from);
        }
    }
}

fn set(discovery: &mut Discovery, name: &str, value: String, from: &str) {
    if value.is_empty() {
        return;
    }
    discovery.missing.remove(name);
    discovery.found.entry(name.to_owned()).or_insert(Found {
        value,
        from: from.to_owned(),
        guessed: false,
    });
}

fn id_of(resource: &Value) -> String {
    resource
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A resource's first name: its `text`, else its given names and family joined.
fn name_of(resource: &Value) -> String {
    let Some(name) = resource
        .get("name")
        .and_then(Value::as_array)
        .and_then(|n| n.first())
    else {
        return String::new();
    };
    if let Some(text) = name.get("text").and_then(Value::as_str) {
        return text.to_owned();
    }
    let mut parts: Vec<&str> = name
        .get("given")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    parts.extend(name.get("family").and_then(Value::as_str));
    parts.join(" ")
}
