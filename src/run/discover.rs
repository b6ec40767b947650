//! Discovery for `init`: the fixtures a profile needs, found on a target with read-only requests
//! only (Appointment searches, paged and bounded), each with where it came from. Guesses are said
//! to be guesses; what cannot be found read-only is listed with the reason.

use serde_json::Value;

use crate::case::model::AuthMode;
use crate::exchange::{Client, Outgoing};
use crate::run::discovery::{Discovery, Found};
use crate::run::lookups;
use crate::run::scope::RUN_WINDOWS_FROM_YEAR;
use crate::target::Target;

/// Most appointments read (the searches stop there): enough to find every status on a sandbox.
pub const MAX_APPOINTMENTS: usize = 1000;
/// Page size asked for (the current edition's largest).
const PAGE: usize = 100;

/// The Canvas status each FHIR status reads back from (READ-STATUS-MAP), as fixture names.
const STATUS_FIXTURES: &[(&str, &str)] = &[
    ("proposed", "appt_unconfirmed"),
    ("pending", "appt_attempted"),
    ("booked", "appt_confirmed"),
    ("arrived", "appt_arrived"),
    ("checked-in", "appt_roomed"),
    ("fulfilled", "appt_exited"),
    ("noshow", "appt_noshowed"),
    ("cancelled", "appt_cancelled"),
    ("entered-in-error", "appt_deleted"),
];

/// Why a fixture cannot be found with read-only requests, by name.
const NOT_READABLE: &[(&str, &str)] = &[
    (
        "canvas_bot",
        "the Canvas Bot practitioner is only known by its name, and the target's Practitioner search did not find `name=Canvas Bot`; look it up in Canvas",
    ),
    (
        "location_legacy",
        "the deprecated integer id of the practice location is in no answer but Schedule ids (`Location.<n>-Staff.<id>`), and the target's Schedule search gave none; it is 1 on an instance with one practice location",
    ),
    (
        "type_unschedulable_system",
        "a type NOT marked scheduleable never appears on an appointment; take one from Canvas's settings (note types)",
    ),
    (
        "type_unschedulable_code",
        "a type NOT marked scheduleable never appears on an appointment; take one from Canvas's settings (note types)",
    ),
];

/// Reads appointments from `target` (GET /Appointment, `_count` pages, at most
/// [`MAX_APPOINTMENTS`]), picks a value for every fixture they show, then asks the lookup
/// searches the target serves for the rest ([`lookups::fill`]); what is still missing is listed
/// with why.
pub async fn discover(client: &Client, target: &Target) -> Discovery {
    let mut discovery = Discovery::default();
    let mut appointments: Vec<Value> = Vec::new();
    let mut offset = 0;
    while appointments.len() < MAX_APPOINTMENTS {
        let query = vec![
            ("_count".to_owned(), PAGE.to_string()),
            ("_offset".to_owned(), offset.to_string()),
        ];
        discovery
            .requests
            .push(format!("GET /Appointment?_count={PAGE}&_offset={offset}"));
        let exchange = client
            .send(
                target,
                &Outgoing::get("/Appointment".to_owned(), query, AuthMode::Target),
            )
            .await;
        let Some(bundle) = exchange
            .response
            .as_ref()
            .filter(|r| r.status == 200)
            .and_then(|r| r.json.as_ref())
        else {
            break;
        };
        let page: Vec<Value> = bundle
            .get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("resource").cloned())
            .collect();
        let total = bundle.get("total").and_then(Value::as_u64);
        let got = page.len();
        appointments.extend(page);
        offset += got;
        // A page shorter than asked, or the total reached: nothing more to read.
        if got < PAGE || total.is_some_and(|t| offset as u64 >= t) {
            break;
        }
    }
    // What earlier runs booked (and cancelled) is the harness's own, not the instance's.
    let before = appointments.len();
    appointments.retain(|a| !booked_by_a_run(a));
    discovery.ignored = before - appointments.len();
    discovery.appointments = appointments.len();
    pick(&appointments, &mut discovery);
    lookups::fill(client, target, &mut discovery).await;
    list_missing(&mut discovery);
    discovery
}

/// Whether `appointment` starts in the run windows (from [`RUN_WINDOWS_FROM_YEAR`] on), where
/// only the harness's runs book.
fn booked_by_a_run(appointment: &Value) -> bool {
    appointment
        .get("start")
        .and_then(Value::as_str)
        .and_then(|start| start.get(..4))
        .and_then(|year| year.parse::<i16>().ok())
        .is_some_and(|year| year >= RUN_WINDOWS_FROM_YEAR)
}

/// Chooses every fixture the appointments show.
fn pick(appointments: &[Value], discovery: &mut Discovery) {
    let id = |a: &Value| {
        a.get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut set = |name: &str, value: String, from: String, guessed: bool| {
        discovery.found.entry(name.to_owned()).or_insert(Found {
            value,
            from,
            guessed,
        });
    };
    // Appointments that point at another appointment (a reschedule, a co-scheduled pair).
    let linked = |a: &Value, pattern: &str| -> Option<String> {
        supporting(a).find_map(|(reference, kind, display)| {
            (kind == "Appointment" && display.to_ascii_lowercase().contains(pattern))
                .then(|| reference.trim_start_matches("Appointment/").to_owned())
        })
    };
    // Those with a reason for visit first (a stable sort): the cases reading an appointment's
    // description need one, and the first of each status becomes its fixture.
    let mut ordered: Vec<&Value> = appointments.iter().collect();
    ordered.sort_by_key(|a| {
        a.pointer("/reasonCode/0/text")
            .and_then(Value::as_str)
            .is_none_or(|t| t.trim().is_empty())
    });
    for a in ordered {
        let status = a.get("status").and_then(Value::as_str).unwrap_or_default();
        if status == "cancelled"
            && let Some(other) = linked(a, "resched")
        {
            set(
                "appt_rescheduled_original",
                id(a),
                format!("Appointment/{}: cancelled, names its replacement", id(a)),
                false,
            );
            set(
                "appt_rescheduled_replacement",
                other.clone(),
                format!("Appointment/{}: the replacement it names", id(a)),
                false,
            );
            continue;
        }
        if let Some(other) = linked(a, "co-scheduled") {
            set(
                "appt_coscheduled",
                id(a),
                format!("Appointment/{}: names a co-scheduled appointment", id(a)),
                false,
            );
            set(
                "appt_coscheduled_other",
                other,
                format!("Appointment/{}: the co-scheduled one it names", id(a)),
                false,
            );
            if let Some(identifier) = a
                .get("identifier")
                .and_then(Value::as_array)
                .and_then(|ids| ids.first())
            {
                let field = |k: &str| identifier.get(k).and_then(Value::as_str).map(str::to_owned);
                if let (Some(system), Some(value)) = (field("system"), field("value")) {
                    let from = format!("Appointment/{}: identifier[0]", id(a));
                    set("identifier_system", system, from.clone(), false);
                    set("identifier_value", value, from, false);
                }
            }
            continue;
        }
        if let Some((_, name)) = STATUS_FIXTURES.iter().find(|(s, _)| *s == status) {
            set(
                name,
                id(a),
                format!("Appointment/{}: status {status}", id(a)),
                false,
            );
        }
    }
    // People and places, most frequent first.
    let practitioners = ranked(appointments, |a| actors(a, "Practitioner/"));
    for (name, (value, n)) in ["practitioner", "practitioner_2"]
        .iter()
        .zip(&practitioners)
    {
        set(
            name,
            value.clone(),
            format!("named by {n} appointment(s) as a participant"),
            false,
        );
    }
    let patients = ranked(appointments, |a| actors(a, "Patient/"));
    for (name, (value, n)) in ["patient", "patient_2", "patient_3"].iter().zip(&patients) {
        set(
            name,
            value.clone(),
            format!("named by {n} appointment(s) as a participant"),
            false,
        );
    }
    let locations = ranked(appointments, |a| {
        supporting(a)
            .filter(|(_, kind, _)| *kind == "Location")
            .map(|(reference, _, _)| reference.trim_start_matches("Location/").to_owned())
            .collect()
    });
    if let Some((value, n)) = locations.first() {
        set(
            "location",
            value.clone(),
            format!("named by {n} appointment(s) in supportingInformation"),
            false,
        );
        // A UUID location (the current edition) still answers to its deprecated integer id,
        // which no answer shows: 1 where the instance has one practice location (D13).
        if value.contains('-') {
            set(
                "location_legacy",
                "1".to_owned(),
                "the deprecated integer id of the practice location: 1 on an instance with one location (D13); no answer shows it".to_owned(),
                true,
            );
        }
    }
    // Appointment (note) types. An event type is one seen only on appointments without a patient;
    // the default is guessed as the most frequent patient type; type_other prefers a telehealth
    // type (its appointment has a meeting Endpoint) other than the default; an INTERNAL patient
    // type other than those is type_internal.
    let type_of = |a: &Value| coding(a.get("appointmentType"));
    let with_patient = |a: &Value| !actors(a, "Patient/").is_empty();
    let patient_types = ranked(appointments, |a| {
        type_of(a).filter(|_| with_patient(a)).into_iter().collect()
    });
    let event_types: Vec<(Coding, usize)> = ranked(appointments, |a| {
        type_of(a)
            .filter(|_| !with_patient(a))
            .into_iter()
            .collect()
    })
    .into_iter()
    .filter(|(c, _)| !patient_types.iter().any(|(p, _)| p == c))
    .collect();
    if let Some((event, n)) = event_types.first() {
        set_coding(
            &mut set,
            "type_event",
            event,
            &format!("a type seen only on appointments without a patient ({n}): an event type"),
            true,
        );
    }
    let default = patient_types.first().map(|(c, _)| c.clone());
    if let (Some(coding), Some((_, n))) = (&default, patient_types.first()) {
        set_coding(
            &mut set,
            "type_default",
            coding,
            &format!(
                "the most frequent type ({n} appointment(s)); the instance's default type may differ"
            ),
            true,
        );
    }
    let is_telehealth = |a: &Value| {
        a.get("contained")
            .and_then(Value::as_array)
            .is_some_and(|c| {
                c.iter()
                    .any(|r| r.get("resourceType").and_then(Value::as_str) == Some("Endpoint"))
            })
    };
    let telehealth_type = appointments
        .iter()
        .filter(|a| is_telehealth(a) && with_patient(a))
        .filter_map(type_of)
        .find(|c| Some(c) != default.as_ref());
    let other = match telehealth_type {
        Some(coding) => Some((coding, "a telehealth type (its appointment has a meeting Endpoint)".to_owned())),
        None => patient_types
            .iter()
            .find(|(c, _)| Some(c) != default.as_ref())
            .map(|(c, n)| (c.clone(), format!("another patient type ({n} appointment(s)); type_other should be a telehealth type"))),
    };
    if let Some((coding, why)) = &other {
        set_coding(&mut set, "type_other", coding, why, true);
    }
    if let Some((coding, _)) = patient_types.iter().find(|(c, _)| {
        c.0 == "INTERNAL"
            && Some(c) != default.as_ref()
            && other.as_ref().is_none_or(|(o, _)| o != c)
    }) {
        set(
            "type_internal_code",
            coding.1.clone(),
            "an INTERNAL type on an appointment with a patient (so scheduleable)".to_owned(),
            true,
        );
    }
    let telehealth = appointments.iter().find(|a| is_telehealth(a));
    if let Some(room) = telehealth.and_then(|a| {
        let practitioner = actors(a, "Practitioner/").into_iter().next()?;
        let chosen = practitioners.first().map(|(p, _)| p.clone())?;
        (practitioner == chosen).then_some(())?;
        a.get("contained")?
            .as_array()?
            .iter()
            .find_map(|r| r.get("address").and_then(Value::as_str).map(str::to_owned))
    }) {
        set(
            "meeting_room",
            room,
            "the meeting Endpoint of a telehealth appointment of `practitioner`".to_owned(),
            true,
        );
    }
    // Structured reasons for visit: the most frequent coding, and another code of its system.
    let reasons = ranked(appointments, |a| {
        a.get("reasonCode")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| coding(Some(r)))
            .collect()
    });
    if let Some((first, n)) = reasons.first() {
        let from = format!("the most frequent reason for visit ({n} appointment(s))");
        set("rfv_system", first.0.clone(), from.clone(), true);
        set("rfv_code", first.1.clone(), from.clone(), true);
        set("rfv_display", first.2.clone(), from, true);
        if let Some((second, _)) = reasons.iter().skip(1).find(|(c, _)| c.0 == first.0) {
            set(
                "rfv_code_2",
                second.1.clone(),
                "another reason code of the same system".to_owned(),
                true,
            );
        }
    }
}

/// Canvas's built-in appointment types (SNOMED), which an instance has unless it changed them:
/// what to try for a type no appointment shows (fixture prefix, code, display).
const BUILT_IN_TYPES: &[(&str, &str, &str)] = &[
    ("type_default", "308335008", "Office Visit"),
    ("type_other", "448337001", "Telemedicine"),
];

/// Lists, with why, every fixture neither the appointments nor the lookups gave, and for a
/// type no appointment shows, Canvas's built-in one to try.
fn list_missing(discovery: &mut Discovery) {
    for (prefix, code, display) in BUILT_IN_TYPES {
        let code_name = format!("{prefix}_code");
        let seen_elsewhere = discovery.found.values().any(|f| f.value == *code);
        if discovery.found.contains_key(&code_name) || seen_elsewhere {
            continue;
        }
        for (suffix, value) in [
            ("system", "http://snomed.info/sct"),
            ("code", code),
            ("display", display),
        ] {
            let name = format!("{prefix}_{suffix}");
            discovery
                .suggested
                .insert(name.clone(), (*value).to_owned());
            discovery.missing.insert(
                name,
                format!("no appointment shows one; Canvas's built-in {display} type is worth a try: uncomment if your instance has it"),
            );
        }
    }
    for (name, why) in NOT_READABLE {
        if !discovery.found.contains_key(*name) {
            discovery
                .missing
                .insert((*name).to_owned(), (*why).to_owned());
        }
    }
    for (name, _) in crate::case::names::FIXTURE_KEYS {
        if !discovery.found.contains_key(*name) && !discovery.missing.contains_key(*name) {
            let why = if ["practitioner", "patient", "location"]
                .iter()
                .any(|kind| name.starts_with(kind))
            {
                "neither the appointments read nor the lookup searches show one"
            } else if name.starts_with("appt_") {
                "no appointment read is in that state"
            } else {
                "no appointment read shows one (types, reasons and meeting rooms are only seen on appointments)"
            };
            discovery.missing.insert((*name).to_owned(), why.to_owned());
        }
    }
}

/// A coding as (system, code, display).
type Coding = (String, String, String);

fn set_coding(
    set: &mut impl FnMut(&str, String, String, bool),
    prefix: &str,
    coding: &Coding,
    why: &str,
    guessed: bool,
) {
    set(
        &format!("{prefix}_system"),
        coding.0.clone(),
        why.to_owned(),
        guessed,
    );
    set(
        &format!("{prefix}_code"),
        coding.1.clone(),
        why.to_owned(),
        guessed,
    );
    set(
        &format!("{prefix}_display"),
        coding.2.clone(),
        why.to_owned(),
        guessed,
    );
}

/// The first coding of a CodeableConcept, when it has a system and a code.
fn coding(concept: Option<&Value>) -> Option<Coding> {
    let first = concept?.get("coding")?.as_array()?.first()?;
    let field = |k: &str| first.get(k).and_then(Value::as_str).map(str::to_owned);
    Some((
        field("system")?,
        field("code")?,
        field("display").unwrap_or_default(),
    ))
}

/// The ids of the participants whose reference starts with `prefix` (`Practitioner/`).
fn actors(appointment: &Value, prefix: &str) -> Vec<String> {
    appointment
        .get("participant")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.pointer("/actor/reference").and_then(Value::as_str))
        .filter_map(|r| r.strip_prefix(prefix).map(str::to_owned))
        .collect()
}

/// The supportingInformation references as (reference, type, display).
fn supporting(appointment: &Value) -> impl Iterator<Item = (&str, &str, &str)> {
    appointment
        .get("supportingInformation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| {
            let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or_default();
            let reference = field("reference");
            let kind = match field("type") {
                "" => reference.split('/').next().unwrap_or_default(),
                kind => kind,
            };
            (reference, kind, field("display"))
        })
}

/// The values `of` each appointment gives, most frequent first (ties in the order first seen),
/// each with how many appointments gave it.
fn ranked<T: Clone + PartialEq>(
    appointments: &[Value],
    of: impl Fn(&Value) -> Vec<T>,
) -> Vec<(T, usize)> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for a in appointments {
        for value in of(a) {
            match counts.iter_mut().find(|(v, _)| *v == value) {
                Some((_, n)) => *n += 1,
                None => counts.push((value, 1)),
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_confirmed_fixture_is_one_with_a_reason_when_there_is_one() {
        let appointments = [
            json!({"resourceType": "Appointment", "id": "bare", "status": "booked"}),
            json!({"resourceType": "Appointment", "id": "blank", "status": "booked",
                "reasonCode": [{"text": "  "}]}),
            json!({"resourceType": "Appointment", "id": "with-reason", "status": "booked",
                "reasonCode": [{"text": "Follow-up"}]}),
            json!({"resourceType": "Appointment", "id": "arrived", "status": "arrived"}),
        ];
        let mut discovery = Discovery::default();
        pick(&appointments, &mut discovery);
        assert_eq!(discovery.found["appt_confirmed"].value, "with-reason");
        // The other statuses are still found, reason or not.
        assert_eq!(discovery.found["appt_arrived"].value, "arrived");
        // Without a reason anywhere, the first one still serves.
        let mut discovery = Discovery::default();
        pick(&appointments[..2], &mut discovery);
        assert_eq!(discovery.found["appt_confirmed"].value, "bare");
    }
}
