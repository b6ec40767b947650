//! `serve --describe`: the instance a `serve` would emulate, as Markdown (access, practitioners,
//! patients, locations, appointment types, reasons for visit, seeded appointments, and for the
//! reference instance its fixtures by name), printed instead of serving. Only the reference
//! instance's published credentials are printed.

use std::fmt::Write as _;

use canvas_sandbox::ServerConfig;
use canvas_sandbox::settings::{DoubleBooking, Settings, WorkingHours};

use crate::target::Profile;

/// The static token of the reference instance (docs/reference-instance.md): public, so printed.
const REFERENCE_TOKEN: &str = "dev-token";

/// The Markdown description of `config` served at `base_url` (`http://ADDR`, no trailing slash).
/// Secrets other than the reference instance's published ones (`dev-token`, the `conformance`
/// client's) are named by where they were set, never printed.
pub fn describe(config: &ServerConfig, base_url: &str) -> String {
    let settings = &config.settings;
    let reference = Settings::reference_for(settings.edition);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The instance this `serve` emulates (edition {})\n",
        settings.edition
    );
    let _ = writeln!(out, "- FHIR base URL: `{base_url}`");
    let _ = writeln!(
        out,
        "- OAuth2 client credentials: `POST {base_url}/auth/token/` (form-encoded `grant_type=client_credentials`, `client_id`, `client_secret`)"
    );
    if config.static_token == REFERENCE_TOKEN {
        let _ = writeln!(out, "- Static bearer token: `{REFERENCE_TOKEN}`");
    } else {
        let _ = writeln!(
            out,
            "- Static bearer token: set by `--token` or the settings file (not printed)"
        );
    }
    for client in &settings.oauth_clients {
        let published = reference
            .oauth_clients
            .iter()
            .any(|r| r.client_id == client.client_id && r.client_secret == client.client_secret);
        let secret = if published {
            format!("secret `{}`", client.client_secret)
        } else {
            "secret set in the settings file (not printed)".to_owned()
        };
        let _ = writeln!(
            out,
            "- OAuth client `{}`, {secret}; scope `{}`",
            client.client_id, client.scope
        );
    }
    let booking = match settings.double_booking {
        DoubleBooking::Allowed => "allowed",
        DoubleBooking::Disallowed => "disallowed",
    };
    let _ = writeln!(out, "- Double booking: {booking}");
    let _ = writeln!(
        out,
        "- Working hours (free Slots): {}\n",
        hours(&settings.working_hours)
    );
    table(
        &mut out,
        "Practitioners (Schedule ids `Location.<legacy id, else id>-Staff.<id>`)",
        &["id", "name", "meeting room", "working hours"],
        settings.practitioners.iter().map(|p| {
            vec![
                p.id.clone(),
                p.name.clone(),
                p.meeting_room.clone().unwrap_or_default(),
                p.working_hours.as_ref().map(hours).unwrap_or_default(),
            ]
        }),
    );
    table(
        &mut out,
        "Patients",
        &["id", "name", "birth date", "gender"],
        settings.patients.iter().map(|p| {
            vec![
                p.id.clone(),
                p.name.clone().unwrap_or_default(),
                p.birth_date.clone().unwrap_or_default(),
                p.gender.clone().unwrap_or_default(),
            ]
        }),
    );
    table(
        &mut out,
        "Locations (the first is the default)",
        &["id", "legacy id", "name"],
        settings.locations.iter().map(|l| {
            vec![
                l.id.clone(),
                l.legacy_id.clone().unwrap_or_default(),
                l.name.clone(),
            ]
        }),
    );
    table(
        &mut out,
        "Appointment (note) types",
        &[
            "system",
            "code",
            "display",
            "scheduleable",
            "default",
            "kind",
        ],
        settings.appointment_types.iter().map(|t| {
            let kind = if t.telehealth {
                "telehealth"
            } else if t.other_event {
                "other event (no patient)"
            } else {
                ""
            };
            vec![
                t.system.clone(),
                t.code.clone(),
                t.display.clone(),
                yes(t.scheduleable),
                yes(t.default),
                kind.to_owned(),
            ]
        }),
    );
    table(
        &mut out,
        "Structured reasons for visit",
        &["system", "code", "display"],
        settings
            .rfv_codings
            .iter()
            .map(|c| vec![c.system.clone(), c.code.clone(), c.display.clone()]),
    );
    table(
        &mut out,
        "Seeded appointments",
        &[
            "id",
            "Canvas status",
            "practitioner",
            "patient",
            "type",
            "start",
            "end",
        ],
        settings.seed_appointments.iter().map(|a| {
            vec![
                a.id.clone(),
                a.status.clone(),
                a.practitioner.clone(),
                a.patient.clone().unwrap_or_default(),
                a.appointment_type.clone(),
                a.start.clone(),
                a.end.clone(),
            ]
        }),
    );
    if settings == &reference {
        table(
            &mut out,
            "Fixtures of the built-in reference profile (what `run --target` assumes)",
            &["fixture", "value"],
            Profile::reference_for(settings.edition)
                .fixtures
                .into_iter()
                .map(|(name, value)| vec![name, value]),
        );
        let _ = writeln!(
            out,
            "This is the reference instance: `canvas-conformance run --target {base_url}` needs no profile."
        );
    } else {
        let _ = match settings.oauth_clients.first() {
            Some(client) => writeln!(
                out,
                "For a profile of this instance: `CANVAS_CLIENT_SECRET=<its secret> canvas-conformance init --target {base_url} --client-id {}` (or `--token <its static token>`).",
                client.client_id
            ),
            None => writeln!(
                out,
                "For a profile of this instance: `canvas-conformance init --target {base_url} --token <its token>`."
            ),
        };
    }
    out
}

/// `mon tue wed thu fri 09:00–17:00 UTC`.
fn hours(hours: &WorkingHours) -> String {
    let days: Vec<&str> = hours.days.iter().map(|d| d.as_str()).collect();
    let clock = |minute: u32| format!("{:02}:{:02}", minute / 60, minute % 60);
    format!(
        "{} {}–{} UTC",
        days.join(" "),
        clock(hours.start_minute),
        clock(hours.end_minute)
    )
}

fn yes(flag: bool) -> String {
    if flag { "yes" } else { "" }.to_owned()
}

/// A Markdown section: `## title` and a table, or `(none)` when there are no rows.
fn table(out: &mut String, title: &str, head: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let _ = writeln!(out, "## {title}\n");
    let rows: Vec<Vec<String>> = rows.collect();
    if rows.is_empty() {
        let _ = writeln!(out, "(none)\n");
        return;
    }
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                if c.is_empty() {
                    String::new()
                } else {
                    format!("`{}`", c.replace('|', "\\|"))
                }
            })
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(out);
}
