//! The emulated Canvas instance: practitioners, patients, locations, working hours, note types,
//! structured reasons for visit, access and seeded appointments. Built in (`Settings::reference()`,
//! the REFERENCE-INSTANCE) or read from a YAML file whose errors point at `file:line:col`.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::{Location as YamlLocation, Spanned};

pub use super::connection_settings::ConnectionSettings;
use super::edition::Edition;
use super::faults::Faults;
use super::instant::{parse_day, parse_instant};
use super::status::CanvasStatus;
use super::working_hours::RawWorkingHours;
pub use super::working_hours::{Weekday, WorkingHours};

/// The practitioner an empty `Practitioner/` reference falls back to.
pub const CANVAS_BOT_ID: &str = "5eede137ecfe4124b8b773040e33be14";

/// Canvas Bot's name: every instance lists it under this name when its settings leave it out.
pub const CANVAS_BOT_NAME: &str = "Canvas Bot";

/// The practice location's id in the current edition's reference instance (D13).
pub const CURRENT_LOCATION_ID: &str = "c1a4e5d2-7b3f-4e69-8a0d-5f2b9c6e1d47";

/// The Telemedicine type code: the reference instance's telehealth type.
const TELEMEDICINE_CODE: &str = "448337001";

/// The current reference instance's Other Event type code (`INTERNAL`).
const OTHER_EVENT_CODE: &str = "EVENT";

/// Personal meeting rooms of the current reference instance: this, then the practitioner id.
const MEETING_ROOM_BASE: &str = "https://meet.example.com/room/";

/// Everything an instance is configured with (`Debug` redacts the static token).
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// The edition of the API the instance speaks (`edition:`; default 2023-09).
    pub edition: Edition,
    /// Every practitioner, Canvas Bot included (added when a settings file leaves it out).
    pub practitioners: Vec<Practitioner>,
    pub patients: Vec<Patient>,
    /// The first one is used when a create names no location.
    pub locations: Vec<Location>,
    /// When practitioners without hours of their own can be booked (Slot search; default
    /// Monday–Friday 09:00–17:00 UTC).
    pub working_hours: WorkingHours,
    pub appointment_types: Vec<AppointmentType>,
    pub rfv_codings: Vec<Coding>,
    pub double_booking: DoubleBooking,
    /// The static bearer token the file asks for (the CLI's `--token` wins over it).
    pub static_token: Option<String>,
    pub oauth_clients: Vec<OAuthClient>,
    pub token_lifetime_secs: u64,
    /// Appointments present from the start (seeding is idempotent).
    pub seed_appointments: Vec<SeedAppointment>,
    /// Timeouts, connection cap and request log (`connections:`; every limit optional).
    pub connections: ConnectionSettings,
    /// Injected latency and faults (`faults:`; default none).
    pub faults: Faults,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("edition", &self.edition)
            .field("practitioners", &self.practitioners)
            .field("patients", &self.patients)
            .field("locations", &self.locations)
            .field("working_hours", &self.working_hours)
            .field("appointment_types", &self.appointment_types)
            .field("rfv_codings", &self.rfv_codings)
            .field("double_booking", &self.double_booking)
            .field(
                "static_token",
                &self.static_token.as_ref().map(|_| "[redacted]"),
            )
            .field("oauth_clients", &self.oauth_clients)
            .field("token_lifetime_secs", &self.token_lifetime_secs)
            .field("seed_appointments", &self.seed_appointments)
            .field("connections", &self.connections)
            .field("faults", &self.faults)
            .finish()
    }
}

/// A practitioner (32-hex id, as Canvas uses) and the name Practitioner search matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Practitioner {
    pub id: String,
    pub name: String,
    /// The personal meeting-room link a telehealth appointment without a link gets (D16).
    pub meeting_room: Option<String>,
    /// This practitioner's own working hours; `None`: the instance's [`Settings::working_hours`].
    pub working_hours: Option<WorkingHours>,
}

/// A patient: a bare id in a settings file, or a map with the optional details the Patient
/// lookup answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patient {
    pub id: String,
    /// Read back as `name[0].text` (`use: usual`); Patient search's `name` matches it.
    pub name: Option<String>,
    /// `YYYY-MM-DD`, read back as `birthDate`.
    pub birth_date: Option<String>,
    /// A FHIR administrative gender ([`GENDERS`]), read back as `gender`.
    pub gender: Option<String>,
}

/// The FHIR R4 AdministrativeGender codes a patient's `gender` may be.
pub const GENDERS: [&str; 4] = ["male", "female", "other", "unknown"];

impl Patient {
    /// A patient known by its id alone.
    pub fn bare(id: &str) -> Patient {
        Patient {
            id: id.to_string(),
            name: None,
            birth_date: None,
            gender: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub id: String,
    pub name: String,
    /// A deprecated id that still names this location in bodies and searches (`1`, D13).
    #[serde(default)]
    pub legacy_id: Option<String>,
}

/// A note type usable as an appointment type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentType {
    pub system: String,
    pub code: String,
    pub display: String,
    pub scheduleable: bool,
    pub default: bool,
    /// The telehealth type: a create without a meeting link gets the practitioner's room (D16).
    pub telehealth: bool,
    /// An "Other Event": needs no patient, and an update must name its type (D16).
    pub other_event: bool,
}

/// The scope an OAuth client may ask for by default, and that `dev-token` carries: read and
/// write on Appointment (D12), read on the lookups (D33).
pub const FULL_SCOPE: &str = "system/Appointment.read system/Appointment.write \
    system/Practitioner.read system/Patient.read system/Location.read system/Schedule.read \
    system/Slot.read";

fn full_scope() -> String {
    FULL_SCOPE.to_string()
}

/// An external identifier (D14): stored with its defaults filled in; `assigner` is the display
/// of `assigner`, kept but never read back. Periods are UTC dates `YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    pub id: String,
    #[serde(rename = "use", default = "usual")]
    pub use_: String,
    #[serde(default)]
    pub system: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub assigner: Option<String>,
    #[serde(default = "period_start")]
    pub period_start: String,
    #[serde(default = "period_end")]
    pub period_end: String,
}

fn usual() -> String {
    "usual".to_string()
}

/// D14's default `period.start`.
pub(crate) fn period_start() -> String {
    "1970-01-01".to_string()
}

/// D14's default `period.end`.
pub(crate) fn period_end() -> String {
    "2100-12-31".to_string()
}

/// A coding (structured reasons for visit).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coding {
    pub system: String,
    pub code: String,
    pub display: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DoubleBooking {
    Allowed,
    Disallowed,
}

/// An OAuth2 client-credentials client; the secret never shows in `Debug`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
    /// The space-separated scopes the client may be issued (D12, D33; default [`FULL_SCOPE`]).
    #[serde(default = "full_scope")]
    pub scope: String,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scope", &self.scope)
            .finish()
    }
}

/// One appointment present from the start. `status` is a Canvas status (`roomed`, `no-showed`, …);
/// `appointment_type` is a configured type code; `start`/`end` are instants.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAppointment {
    pub id: String,
    pub status: String,
    pub practitioner: String,
    #[serde(default)]
    pub patient: Option<String>,
    pub appointment_type: String,
    #[serde(default)]
    pub location: Option<String>,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// The Encounter id; when absent a fresh one is drawn at first seeding.
    #[serde(default)]
    pub encounter: Option<String>,
    #[serde(default)]
    pub rescheduled_from: Option<String>,
    #[serde(default)]
    pub rescheduled_to: Option<String>,
    /// The note id the current edition reads back in its extension (D15); drawn when absent.
    #[serde(default)]
    pub note_id: Option<String>,
    /// External identifiers (D14).
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    /// Ids of seeded appointments scheduled together with this one (D21).
    #[serde(default)]
    pub coscheduled: Vec<String>,
}

/// Why a settings file could not be used; every variant names the file, most a line and column.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{}: cannot read settings file: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
}

impl SettingsError {
    /// The 1-based line the error points at (0 when unknown).
    pub fn line(&self) -> u64 {
        match self {
            Self::Io { .. } => 0,
            Self::Parse { line, .. } | Self::Invalid { line, .. } => *line,
        }
    }
}

impl AppointmentType {
    /// The coding an appointment of this type reads back with.
    pub(crate) fn coding(&self) -> Coding {
        Coding {
            system: self.system.clone(),
            code: self.code.clone(),
            display: self.display.clone(),
        }
    }
}

impl Settings {
    /// The default instance of REFERENCE-INSTANCE.md (2023-09 edition), value for value.
    pub fn reference() -> Self {
        Self::reference_for(Edition::Sept2023)
    }

    /// The default instance of an edition: REFERENCE-INSTANCE.md, plus its section "Current
    /// edition" for `current` (location UUID with `1` as its legacy id, the Other Event type,
    /// meeting rooms, thirteen seeds with note ids, a co-scheduled pair and identifiers).
    pub fn reference_for(edition: Edition) -> Self {
        let current = edition == Edition::Current;
        let practitioner = |id: &str, name: &str| Practitioner {
            id: id.to_string(),
            name: name.to_string(),
            meeting_room: current.then(|| format!("{MEETING_ROOM_BASE}{id}")),
            working_hours: None,
        };
        let snomed = |code: &str, display: &str, default: bool| AppointmentType {
            system: "http://snomed.info/sct".to_string(),
            code: code.to_string(),
            display: display.to_string(),
            scheduleable: true,
            default,
            telehealth: current && code == TELEMEDICINE_CODE,
            other_event: false,
        };
        let internal = |code: &str, display: &str, scheduleable: bool| AppointmentType {
            system: "INTERNAL".to_string(),
            code: code.to_string(),
            display: display.to_string(),
            scheduleable,
            default: false,
            telehealth: false,
            other_event: code == OTHER_EVENT_CODE,
        };
        let rfv = |code: &str, display: &str| Coding {
            system: "INTERNAL".to_string(),
            code: code.to_string(),
            display: display.to_string(),
        };
        let mut appointment_types = vec![
            snomed("308335008", "Office Visit", true),
            snomed(TELEMEDICINE_CODE, "Telemedicine", false),
            snomed("439708006", "Home Visit", false),
            snomed("31108002", "Lab Visit", false),
            snomed("185317003", "Phone Call", false),
            internal("INIV", "Initial Visit", true),
            internal("CHART", "Chart Review", false),
        ];
        if current {
            appointment_types.push(internal(OTHER_EVENT_CODE, "Other Event", true));
        }
        let location = if current {
            Location {
                id: CURRENT_LOCATION_ID.to_string(),
                name: "Main practice location".to_string(),
                legacy_id: Some("1".to_string()),
            }
        } else {
            Location {
                id: "1".to_string(),
                name: "Main practice location".to_string(),
                legacy_id: None,
            }
        };
        Settings {
            edition,
            practitioners: vec![
                practitioner("3a182f42885645e0bc3d608e7c02aad8", "Youta Priti MD"),
                practitioner("fc87cbb2525f4c5eb50294f620c7a15e", "Ada Lovelace NP"),
                practitioner(CANVAS_BOT_ID, CANVAS_BOT_NAME),
            ],
            patients: vec![
                Patient::bare("a29eaebb284143ba97c76b01fdb46964"),
                Patient::bare("9420c5f6c44e47ec82d7e48f78d5723a"),
                Patient::bare("5350cd20de8a470aa570a852859ac87e"),
            ],
            locations: vec![location],
            working_hours: WorkingHours::default(),
            appointment_types,
            rfv_codings: vec![
                rfv("INIV30", "Initial Visit 30"),
                rfv("9903", "Urgent Visit"),
            ],
            double_booking: DoubleBooking::Allowed,
            static_token: None,
            oauth_clients: vec![OAuthClient {
                client_id: "conformance".to_string(),
                client_secret: "conformance-secret".to_string(),
                scope: full_scope(),
            }],
            token_lifetime_secs: 36_000,
            seed_appointments: reference_seeds(edition),
            connections: ConnectionSettings::default(),
            faults: Faults::default(),
        }
    }

    /// Reads and validates a YAML settings file.
    pub fn from_yaml_file(path: &Path) -> Result<Settings, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_yaml_str(&text, path)
    }

    /// Parses and validates YAML text; `path` only names the source in errors.
    pub fn from_yaml_str(text: &str, path: &Path) -> Result<Settings, SettingsError> {
        let raw: RawSettings = serde_saphyr::from_str(text).map_err(|err| {
            let location = err.location();
            SettingsError::Parse {
                path: path.to_path_buf(),
                line: location.map_or(0, |l| l.line()),
                column: location.map_or(0, |l| l.column()),
                message: first_line(&err.to_string()),
            }
        })?;
        raw.validate(path)
    }

    /// The appointment type used when a create omits one.
    pub(crate) fn default_type(&self) -> Option<&AppointmentType> {
        self.appointment_types.iter().find(|t| t.default)
    }

    pub(crate) fn find_type(&self, system: &str, code: &str) -> Option<&AppointmentType> {
        self.appointment_types
            .iter()
            .find(|t| t.system == system && t.code == code)
    }

    /// The first type with this code in any system (only the `type-any-system-accepted` mutant asks).
    pub(crate) fn find_type_by_code(&self, code: &str) -> Option<&AppointmentType> {
        self.appointment_types.iter().find(|t| t.code == code)
    }

    pub(crate) fn find_rfv(&self, code: &str) -> Option<&Coding> {
        self.rfv_codings.iter().find(|c| c.code == code)
    }

    pub(crate) fn has_practitioner(&self, id: &str) -> bool {
        id == CANVAS_BOT_ID || self.practitioners.iter().any(|p| p.id == id)
    }

    pub(crate) fn has_patient(&self, id: &str) -> bool {
        self.patient(id).is_some()
    }

    pub(crate) fn patient(&self, id: &str) -> Option<&Patient> {
        self.patients.iter().find(|p| p.id == id)
    }

    pub(crate) fn has_location(&self, id: &str) -> bool {
        self.location_id(id).is_some()
    }

    /// The canonical id of the location named `id` or by its legacy id (`1`, D13).
    pub(crate) fn location_id(&self, id: &str) -> Option<&str> {
        self.location(id).map(|l| l.id.as_str())
    }

    /// The structured reasons configured with `code` (more than one is a 422 in current).
    pub(crate) fn rfv_count(&self, code: &str) -> usize {
        self.rfv_codings.iter().filter(|c| c.code == code).count()
    }

    pub(crate) fn practitioner(&self, id: &str) -> Option<&Practitioner> {
        self.practitioners.iter().find(|p| p.id == id)
    }

    /// The location named by its id or its legacy id (D13).
    pub(crate) fn location(&self, id: &str) -> Option<&Location> {
        self.locations
            .iter()
            .find(|l| l.id == id || l.legacy_id.as_deref() == Some(id))
    }

    /// When `practitioner` can be booked: its own hours, else the instance's.
    pub(crate) fn hours_of<'a>(&'a self, practitioner: &'a Practitioner) -> &'a WorkingHours {
        practitioner
            .working_hours
            .as_ref()
            .unwrap_or(&self.working_hours)
    }

    /// The location a create without one gets.
    pub(crate) fn default_location(&self) -> &str {
        self.locations.first().map_or("1", |l| l.id.as_str())
    }
}

/// The seeded appointments of REFERENCE-INSTANCE.md: one per Canvas status, then a reschedule
/// pair; in the current edition also the co-scheduled pair, note ids (`d…0NN`), identifiers and
/// the location UUID. Encounter ids are fixed (`e…0NN`) so snapshots of reads stay stable.
fn reference_seeds(edition: Edition) -> Vec<SeedAppointment> {
    let current = edition == Edition::Current;
    let location = if current { CURRENT_LOCATION_ID } else { "1" };
    let seed = |n: u32, status: &str, day: u32, hour: u32| SeedAppointment {
        id: seed_id(n),
        status: status.to_string(),
        practitioner: "3a182f42885645e0bc3d608e7c02aad8".to_string(),
        patient: Some("a29eaebb284143ba97c76b01fdb46964".to_string()),
        appointment_type: "308335008".to_string(),
        location: Some(location.to_string()),
        start: format!("2023-06-{day:02}T{hour:02}:00:00Z"),
        end: format!("2023-06-{day:02}T{hour:02}:30:00Z"),
        reason: Some(format!("Seeded {status}")),
        encounter: Some(format!("e0000000-0000-4000-8000-{n:012}")),
        rescheduled_from: None,
        rescheduled_to: None,
        note_id: current.then(|| format!("d0000000-0000-4000-8000-{n:012}")),
        identifiers: Vec::new(),
        coscheduled: Vec::new(),
    };
    let statuses = [
        "unconfirmed",
        "attempted",
        "confirmed",
        "arrived",
        "roomed",
        "exited",
        "no-showed",
        "cancelled",
        "deleted",
    ];
    let mut seeds: Vec<SeedAppointment> = statuses
        .iter()
        .zip(1u32..)
        .map(|(status, n)| seed(n, status, 6, 8 + n))
        .collect();
    let mut original = seed(10, "cancelled", 7, 9);
    original.rescheduled_to = Some(seed_id(11));
    let mut replacement = seed(11, "confirmed", 8, 9);
    replacement.rescheduled_from = Some(seed_id(10));
    seeds.push(original);
    seeds.push(replacement);
    if current {
        let identifier = |id: &str, use_: &str, value: &str, start: &str, end: &str| Identifier {
            id: id.to_string(),
            use_: use_.to_string(),
            system: Some(SCHEDULER_SYSTEM.to_string()),
            value: Some(value.to_string()),
            assigner: Some(SCHEDULER_SYSTEM.to_string()),
            period_start: start.to_string(),
            period_end: end.to_string(),
        };
        let mut first = seed(12, "confirmed", 9, 9);
        let mut second = seed(13, "confirmed", 9, 9);
        second.practitioner = "fc87cbb2525f4c5eb50294f620c7a15e".to_string();
        for (pair, other) in [(&mut first, 13), (&mut second, 12)] {
            pair.patient = Some("9420c5f6c44e47ec82d7e48f78d5723a".to_string());
            pair.reason = Some("Seeded co-visit".to_string());
            pair.coscheduled = vec![seed_id(other)];
        }
        first.identifiers = vec![identifier(
            "f0000000-0000-4000-8000-000000000121",
            "usual",
            "SCHED-12",
            "1970-01-01",
            "2100-12-31",
        )];
        second.identifiers = vec![
            identifier(
                "f0000000-0000-4000-8000-000000000131",
                "usual",
                "SCHED-13",
                "1970-01-01",
                "2100-12-31",
            ),
            identifier(
                "f0000000-0000-4000-8000-000000000132",
                "old",
                "LEGACY-13",
                "2020-01-01",
                "2020-12-31",
            ),
        ];
        seeds.push(first);
        seeds.push(second);
    }
    seeds
}

/// The system of the current reference instance's seeded identifiers.
const SCHEDULER_SYSTEM: &str = "https://scheduler.example.com/appointment";

fn seed_id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// The parser's message without its snippet and its own "error: line L column C:" prefix
/// (the location is rendered once, as `file:line:col`).
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default().trim();
    let line = line.strip_prefix("error:").unwrap_or(line).trim_start();
    match line
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((position, rest)) if position.contains(" column ") => rest.to_string(),
        _ => line.to_string(),
    }
}

// ---- the file format: raw, spanned, then validated into `Settings` ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default)]
    edition: Edition,
    #[serde(default)]
    practitioners: Vec<Spanned<RawPractitioner>>,
    #[serde(default)]
    patients: Vec<Spanned<RawPatient>>,
    locations: Spanned<Vec<Spanned<Location>>>,
    #[serde(default)]
    working_hours: Option<RawWorkingHours>,
    appointment_types: Spanned<Vec<Spanned<RawAppointmentType>>>,
    #[serde(default)]
    rfv_codings: Vec<Spanned<Coding>>,
    #[serde(default = "allowed")]
    double_booking: DoubleBooking,
    #[serde(default)]
    static_token: Option<Spanned<String>>,
    #[serde(default)]
    oauth_clients: Vec<Spanned<OAuthClient>>,
    #[serde(default = "default_lifetime")]
    token_lifetime_secs: Spanned<u64>,
    #[serde(default)]
    seed_appointments: Option<Spanned<RawSeeds>>,
    #[serde(default)]
    connections: Option<Spanned<ConnectionSettings>>,
    faults: Option<Spanned<Faults>>,
}

fn allowed() -> DoubleBooking {
    DoubleBooking::Allowed
}

fn default_lifetime() -> Spanned<u64> {
    Spanned::new(36_000, YamlLocation::UNKNOWN, YamlLocation::UNKNOWN)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPractitioner {
    id: String,
    name: String,
    #[serde(default)]
    meeting_room: Option<String>,
    #[serde(default)]
    working_hours: Option<RawWorkingHours>,
}

/// A patient as written: a bare id, or a map with `id` and optional `name`, `birth_date`,
/// `gender`. Read by hand rather than as an untagged enum, so a wrong map says what is wrong
/// with it (`unknown field`, `missing field `id``) at its line.
enum RawPatient {
    Id(String),
    Details(Box<PatientDetails>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatientDetails {
    id: String,
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default)]
    birth_date: Option<Spanned<String>>,
    #[serde(default)]
    gender: Option<Spanned<String>>,
}

impl<'de> Deserialize<'de> for RawPatient {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> serde::de::Visitor<'de> for Entry {
            type Value = RawPatient;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a patient id, or a map with id and optional name, birth_date, gender")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<RawPatient, E> {
                Ok(RawPatient::Id(value.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<RawPatient, E> {
                Ok(RawPatient::Id(value.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<RawPatient, E> {
                Ok(RawPatient::Id(value.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<RawPatient, E> {
                // YAML reads a long all-digit id as a number, past u64 as a float: its digits
                // are lost, so say how to keep them instead of guessing.
                Err(E::custom(
                    "this patient id is read as a number (all digits): quote it, e.g. \"11112222333344445555666677778888\"",
                ))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawPatient, A::Error> {
                PatientDetails::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|details| RawPatient::Details(Box::new(details)))
            }
        }
        deserializer.deserialize_any(Entry)
    }
}

impl RawPatient {
    fn id(&self) -> &str {
        match self {
            RawPatient::Id(id) => id,
            RawPatient::Details(details) => &details.id,
        }
    }

    /// Checks the details (a non-empty name, a real `YYYY-MM-DD` birth date, a FHIR gender).
    fn check(self) -> Result<Patient, (YamlLocation, String)> {
        let details = match self {
            RawPatient::Id(id) => return Ok(Patient::bare(&id)),
            RawPatient::Details(details) => *details,
        };
        if let Some(name) = &details.name
            && name.value.trim().is_empty()
        {
            return Err((
                name.referenced,
                "patient name must not be empty".to_string(),
            ));
        }
        if let Some(date) = &details.birth_date
            && let Err(err) = parse_day(&date.value)
        {
            return Err((
                date.referenced,
                format!("birth_date `{}`: {err}", date.value),
            ));
        }
        if let Some(gender) = &details.gender
            && !GENDERS.contains(&gender.value.as_str())
        {
            return Err((
                gender.referenced,
                format!(
                    "gender `{}`: expected male, female, other or unknown",
                    gender.value
                ),
            ));
        }
        Ok(Patient {
            id: details.id,
            name: details.name.map(|n| n.value),
            birth_date: details.birth_date.map(|d| d.value),
            gender: details.gender.map(|g| g.value),
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppointmentType {
    system: String,
    code: String,
    display: String,
    #[serde(default = "yes")]
    scheduleable: bool,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    telehealth: bool,
    #[serde(default)]
    other_event: bool,
}

fn yes() -> bool {
    true
}

/// `seed_appointments: true` (the reference eleven), `false`, or an explicit list. Read by hand
/// rather than as an untagged enum, so a wrong list entry is reported as what is wrong with it
/// (`missing field `status``) at its line, not as "did not match any variant".
enum RawSeeds {
    Reference(bool),
    List(Vec<SeedAppointment>),
}

impl<'de> Deserialize<'de> for RawSeeds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Seeds;
        impl<'de> serde::de::Visitor<'de> for Seeds {
            type Value = RawSeeds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "true, false, or a list of appointments (each with id, status, practitioner, appointment_type, start, end)",
                )
            }
            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<RawSeeds, E> {
                Ok(RawSeeds::Reference(value))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<RawSeeds, A::Error> {
                Vec::<SeedAppointment>::deserialize(serde::de::value::SeqAccessDeserializer::new(
                    seq,
                ))
                .map(RawSeeds::List)
            }
        }
        deserializer.deserialize_any(Seeds)
    }
}

/// Collects validation errors against a file, with the location of the offending node.
struct Checker<'a> {
    path: &'a Path,
}

impl Checker<'_> {
    fn fail(&self, at: &YamlLocation, message: impl Into<String>) -> SettingsError {
        SettingsError::Invalid {
            path: self.path.to_path_buf(),
            line: at.line(),
            column: at.column(),
            message: message.into(),
        }
    }

    /// The error of a node's own check (`(where, what)`), against this file.
    fn at(&self, (at, message): (YamlLocation, String)) -> SettingsError {
        self.fail(&at, message)
    }

    /// Working hours as written, checked.
    fn hours(&self, raw: Option<RawWorkingHours>) -> Result<Option<WorkingHours>, SettingsError> {
        raw.map(|raw| raw.check().map_err(|e| self.at(e)))
            .transpose()
    }

    fn unique<'v>(
        &self,
        what: &str,
        items: impl IntoIterator<Item = (&'v str, &'v YamlLocation)>,
    ) -> Result<(), SettingsError> {
        let mut seen = HashSet::new();
        for (key, at) in items {
            if key.is_empty() {
                return Err(self.fail(at, format!("{what} must not be empty")));
            }
            if !seen.insert(key) {
                return Err(self.fail(at, format!("duplicate {what} `{key}`")));
            }
        }
        Ok(())
    }
}

impl RawSettings {
    fn validate(self, path: &Path) -> Result<Settings, SettingsError> {
        let check = Checker { path };
        check.unique(
            "practitioner id",
            self.practitioners
                .iter()
                .map(|p| (p.value.id.as_str(), &p.referenced)),
        )?;
        check.unique(
            "patient id",
            self.patients.iter().map(|p| (p.value.id(), &p.referenced)),
        )?;
        if self.locations.value.is_empty() {
            return Err(check.fail(
                &self.locations.referenced,
                "at least one location is required",
            ));
        }
        check.unique(
            "location id",
            self.locations.value.iter().flat_map(|l| {
                std::iter::once((l.value.id.as_str(), &l.referenced))
                    .chain(l.value.legacy_id.as_deref().map(|id| (id, &l.referenced)))
            }),
        )?;
        let mut seen_types = HashSet::new();
        for t in &self.appointment_types.value {
            if t.value.code.is_empty() || t.value.system.is_empty() {
                return Err(check.fail(
                    &t.referenced,
                    "appointment type system and code must not be empty",
                ));
            }
            if !seen_types.insert((t.value.system.as_str(), t.value.code.as_str())) {
                return Err(check.fail(
                    &t.referenced,
                    format!(
                        "duplicate appointment type {}|{}",
                        t.value.system, t.value.code
                    ),
                ));
            }
        }
        let defaults: Vec<_> = self
            .appointment_types
            .value
            .iter()
            .filter(|t| t.value.default)
            .collect();
        match defaults.as_slice() {
            [_] => {}
            [] => {
                return Err(check.fail(
                    &self.appointment_types.referenced,
                    "exactly one appointment type must have `default: true`, found none",
                ));
            }
            [_, second, ..] => {
                return Err(check.fail(
                    &second.referenced,
                    "exactly one appointment type must have `default: true`, found a second one",
                ));
            }
        }
        // The current edition answers a code configured twice with 422 (CREATE-RFV-STRUCTURED),
        // so only 2023-09 refuses such a file.
        if self.edition == Edition::Sept2023 {
            check.unique(
                "structured reason-for-visit code",
                self.rfv_codings
                    .iter()
                    .map(|c| (c.value.code.as_str(), &c.referenced)),
            )?;
        }
        check.unique(
            "oauth client_id",
            self.oauth_clients
                .iter()
                .map(|c| (c.value.client_id.as_str(), &c.referenced)),
        )?;
        if let Some(token) = &self.static_token
            && token.value.trim().is_empty()
        {
            return Err(check.fail(&token.referenced, "static_token must not be empty"));
        }
        if let Some(connections) = &self.connections
            && let Some(key) = connections.value.zero_key()
        {
            return Err(check.fail(
                &connections.referenced,
                format!("connections.{key} must be at least 1"),
            ));
        }
        if self.token_lifetime_secs.value == 0 {
            return Err(check.fail(
                &self.token_lifetime_secs.referenced,
                "token_lifetime_secs must be at least 1",
            ));
        }
        let mut practitioners = Vec::new();
        for p in self.practitioners {
            practitioners.push(Practitioner {
                working_hours: check.hours(p.value.working_hours)?,
                id: p.value.id,
                name: p.value.name,
                meeting_room: p.value.meeting_room,
            });
        }
        if !practitioners.iter().any(|p| p.id == CANVAS_BOT_ID) {
            practitioners.push(Practitioner {
                id: CANVAS_BOT_ID.to_string(),
                name: CANVAS_BOT_NAME.to_string(),
                meeting_room: None,
                working_hours: None,
            });
        }
        let patients = self
            .patients
            .into_iter()
            .map(|p| p.value.check().map_err(|e| check.at(e)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut settings = Settings {
            edition: self.edition,
            practitioners,
            patients,
            locations: self.locations.value.into_iter().map(|l| l.value).collect(),
            working_hours: check.hours(self.working_hours)?.unwrap_or_default(),
            appointment_types: self
                .appointment_types
                .value
                .into_iter()
                .map(|t| AppointmentType {
                    system: t.value.system,
                    code: t.value.code,
                    display: t.value.display,
                    scheduleable: t.value.scheduleable,
                    default: t.value.default,
                    telehealth: t.value.telehealth,
                    other_event: t.value.other_event,
                })
                .collect(),
            rfv_codings: self.rfv_codings.into_iter().map(|c| c.value).collect(),
            double_booking: self.double_booking,
            static_token: self.static_token.map(|t| t.value),
            oauth_clients: self.oauth_clients.into_iter().map(|c| c.value).collect(),
            token_lifetime_secs: self.token_lifetime_secs.value,
            seed_appointments: Vec::new(),
            connections: self
                .connections
                .as_ref()
                .map(|c| c.value.clone())
                .unwrap_or_default(),
            faults: Faults::default(),
        };
        if let Some(faults) = self.faults {
            if let Err(message) = faults.value.check() {
                return Err(check.fail(&faults.referenced, message));
            }
            settings.faults = faults.value;
        }
        if let Some(seeds) = self.seed_appointments {
            let list = match seeds.value {
                RawSeeds::Reference(true) => reference_seeds(self.edition),
                RawSeeds::Reference(false) => Vec::new(),
                RawSeeds::List(list) => list,
            };
            if let Err(message) = check_seeds(&settings, &list) {
                return Err(check.fail(&seeds.referenced, message));
            }
            settings.seed_appointments = list;
        }
        Ok(settings)
    }
}

/// Checks seeded appointments against the rest of the settings (ids, statuses, references, instants).
pub(crate) fn check_seeds(settings: &Settings, seeds: &[SeedAppointment]) -> Result<(), String> {
    let ids: HashSet<&str> = seeds.iter().map(|s| s.id.as_str()).collect();
    if ids.len() != seeds.len() {
        return Err("seed appointment ids must be unique".to_string());
    }
    for seed in seeds {
        let id = &seed.id;
        let fail = |what: String| Err(format!("seed appointment {id}: {what}"));
        if uuid::Uuid::try_parse(id).is_err() {
            return fail("id must be a UUID".to_string());
        }
        if CanvasStatus::from_canvas_name(&seed.status).is_none() {
            return fail(format!(
                "unknown Canvas status `{}` (expected one of unconfirmed, attempted, confirmed, arrived, roomed, exited, no-showed, cancelled, deleted)",
                seed.status
            ));
        }
        if !settings.has_practitioner(&seed.practitioner) {
            return fail(format!("unknown practitioner `{}`", seed.practitioner));
        }
        if let Some(patient) = &seed.patient
            && !settings.has_patient(patient)
        {
            return fail(format!("unknown patient `{patient}`"));
        }
        if !settings
            .appointment_types
            .iter()
            .any(|t| t.code == seed.appointment_type)
        {
            return fail(format!(
                "unknown appointment type code `{}`",
                seed.appointment_type
            ));
        }
        if let Some(location) = &seed.location
            && !settings.has_location(location)
        {
            return fail(format!("unknown location `{location}`"));
        }
        for (field, value) in [("start", &seed.start), ("end", &seed.end)] {
            if let Err(err) = parse_instant(value) {
                return fail(format!("{field} `{value}`: {err}"));
            }
        }
        if let Some(encounter) = &seed.encounter
            && uuid::Uuid::try_parse(encounter).is_err()
        {
            return fail("encounter must be a UUID".to_string());
        }
        if let Some(note) = &seed.note_id
            && uuid::Uuid::try_parse(note).is_err()
        {
            return fail("note_id must be a UUID".to_string());
        }
        for identifier in &seed.identifiers {
            if uuid::Uuid::try_parse(&identifier.id).is_err() {
                return fail("identifier id must be a UUID".to_string());
            }
        }
        for link in [&seed.rescheduled_from, &seed.rescheduled_to]
            .into_iter()
            .flatten()
            .chain(&seed.coscheduled)
        {
            if !ids.contains(link.as_str()) {
                return fail(format!(
                    "reschedule link `{link}` is not a seeded appointment"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, SettingsError> {
        Settings::from_yaml_str(text, Path::new("s.yaml"))
    }

    const MINIMAL: &str = "locations:\n  - {id: '1', name: Main}\nappointment_types:\n  - {system: INTERNAL, code: A, display: A, default: true}\n";

    #[test]
    fn reference_seeds_are_valid() {
        let settings = Settings::reference();
        assert_eq!(settings.seed_appointments.len(), 11);
        check_seeds(&settings, &settings.seed_appointments).unwrap();
        let current = Settings::reference_for(Edition::Current);
        assert_eq!(current.seed_appointments.len(), 13);
        check_seeds(&current, &current.seed_appointments).unwrap();
        assert_eq!(current.location_id("1"), Some(CURRENT_LOCATION_ID));
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut settings = Settings::reference();
        settings.static_token = Some("s3cr3t-token".into());
        let shown = format!("{settings:?}");
        assert!(!shown.contains("s3cr3t-token"), "{shown}");
        assert!(!shown.contains("conformance-secret"), "{shown}");
        assert!(shown.contains("conformance"), "{shown}");
    }

    #[test]
    fn minimal_file_gets_defaults() {
        let settings = parse(MINIMAL).unwrap();
        assert_eq!(settings.token_lifetime_secs, 36_000);
        assert_eq!(settings.double_booking, DoubleBooking::Allowed);
        assert!(settings.seed_appointments.is_empty());
    }

    #[test]
    fn unknown_field_names_line_and_column() {
        let err = parse(&format!("{MINIMAL}colour: blue\n")).unwrap_err();
        assert_eq!(err.line(), 5, "{err}");
        assert!(err.to_string().starts_with("s.yaml:5:1: "), "{err}");
        assert!(!err.to_string().contains("line 5"), "location once: {err}");
        let err = parse(&format!("{MINIMAL}token_lifetime_secs: abc\n")).unwrap_err();
        assert!(err.to_string().starts_with("s.yaml:5:22: "), "{err}");
    }

    #[test]
    fn connections_are_read_and_a_zero_limit_is_refused() {
        let settings = parse(&format!(
            "{MINIMAL}connections:\n  idle_timeout_secs: 7\n  log_requests: true\n"
        ))
        .expect("valid");
        assert_eq!(settings.connections.idle_timeout_secs, Some(7));
        assert_eq!(settings.connections.log_requests, Some(true));
        assert_eq!(settings.connections.max_connections, None);
        let err = parse(&format!("{MINIMAL}connections:\n  max_connections: 0\n")).unwrap_err();
        assert!(
            err.to_string()
                .contains("connections.max_connections must be at least 1"),
            "{err}"
        );
        assert!(parse(&format!("{MINIMAL}connections:\n  bogus: 1\n")).is_err());
    }

    #[test]
    fn two_defaults_are_rejected_at_the_second() {
        let text = "locations:\n  - {id: '1', name: Main}\nappointment_types:\n  - {system: INTERNAL, code: A, display: A, default: true}\n  - {system: INTERNAL, code: B, display: B, default: true}\n";
        let err = parse(text).unwrap_err();
        assert!(
            matches!(err, SettingsError::Invalid { line: 5, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("exactly one"), "{err}");
    }

    #[test]
    fn no_default_is_rejected() {
        let text = "locations:\n  - {id: '1', name: Main}\nappointment_types:\n  - {system: INTERNAL, code: A, display: A}\n";
        let err = parse(text).unwrap_err();
        assert!(err.to_string().contains("found none"), "{err}");
        assert_eq!(err.line(), 4, "{err}");
    }

    #[test]
    fn bad_seed_is_rejected() {
        let text = format!(
            "{MINIMAL}seed_appointments:\n  - {{id: not-a-uuid, status: roomed, practitioner: {CANVAS_BOT_ID}, appointment_type: A, start: '2023-01-01T10:00Z', end: '2023-01-01T10:30Z'}}\n"
        );
        let err = parse(&text).unwrap_err();
        assert!(err.to_string().contains("UUID"), "{err}");
    }

    #[test]
    fn reference_seeds_need_reference_entities() {
        let err = parse(&format!("{MINIMAL}seed_appointments: true\n")).unwrap_err();
        assert!(err.to_string().contains("unknown practitioner"), "{err}");
    }

    #[test]
    fn a_seed_list_entry_says_what_it_lacks_at_its_line() {
        let text =
            format!("{MINIMAL}seed_appointments:\n  - id: 00000000-0000-4000-8000-000000000001\n");
        let err = parse(&text).unwrap_err();
        assert!(err.to_string().contains("missing field `status`"), "{err}");
        assert!(!err.to_string().contains("variant"), "{err}");
        let lines = text.lines().count();
        assert_eq!(err.line() as usize, lines, "{err}");
        let err = parse(&format!("{MINIMAL}seed_appointments: maybe\n")).unwrap_err();
        assert!(err.to_string().contains("true, false, or a list"), "{err}");
    }

    #[test]
    fn patients_are_bare_ids_or_maps() {
        let text = format!(
            "{MINIMAL}patients:\n  - a29eaebb284143ba97c76b01fdb46964\n  - {{id: p2, name: Ana Diaz, birth_date: 1980-02-29, gender: female}}\n  - id: p3\n    name: Bo\n  - 12345\n"
        );
        let settings = parse(&text).unwrap();
        assert_eq!(
            settings.patients,
            [
                Patient::bare("a29eaebb284143ba97c76b01fdb46964"),
                Patient {
                    id: "p2".into(),
                    name: Some("Ana Diaz".into()),
                    birth_date: Some("1980-02-29".into()),
                    gender: Some("female".into()),
                },
                Patient {
                    id: "p3".into(),
                    name: Some("Bo".into()),
                    birth_date: None,
                    gender: None,
                },
                Patient::bare("12345"),
            ]
        );
        assert!(settings.has_patient("p3"));
    }

    #[test]
    fn a_wrong_patient_is_reported_at_its_line_and_column() {
        let line = MINIMAL.lines().count() + 2;
        // (entry, the node the error points at, what it says)
        for (entry, at, needle) in [
            (
                "{id: p, birth_date: 1980-02-30}",
                "1980",
                "birth_date `1980-02-30`",
            ),
            (
                "{id: p, gender: f}",
                "f}",
                "gender `f`: expected male, female",
            ),
            ("{id: p, name: ''}", "''", "name must not be empty"),
            ("{id: p, colour: blue}", "", "unknown field `colour`"),
            ("{name: Ana}", "", "missing field `id`"),
            (
                "11112222333344445555666677778888",
                "",
                "is read as a number (all digits): quote it",
            ),
        ] {
            let entry_line = format!("  - {entry}");
            let text = format!("{MINIMAL}patients:\n{entry_line}\n");
            let err = parse(&text).unwrap_err();
            assert_eq!(err.line() as usize, line, "{entry}: {err}");
            assert!(err.to_string().contains(needle), "{entry}: {err}");
            if let Some(column) = entry_line.find(at).filter(|_| !at.is_empty()) {
                let prefix = format!("s.yaml:{line}:{}: ", column + 1);
                assert!(err.to_string().starts_with(&prefix), "{entry}: {err}");
            }
        }
        let text = format!("{MINIMAL}patients:\n  - p\n  - {{id: p}}\n");
        let err = parse(&text).unwrap_err();
        assert!(
            err.to_string().contains("duplicate patient id `p`"),
            "{err}"
        );
    }

    #[test]
    fn working_hours_for_the_instance_and_per_practitioner() {
        let settings = parse(MINIMAL).unwrap();
        assert_eq!(settings.working_hours, WorkingHours::default());
        let text = format!(
            "{MINIMAL}working_hours: {{days: [sat, sun], start: '10:00', end: '12:30'}}\npractitioners:\n  - id: a\n    name: A\n    working_hours: {{days: [tue], start: 13:00, end: 15:00}}\n  - {{id: b, name: B}}\n"
        );
        let settings = parse(&text).unwrap();
        assert_eq!(
            settings.working_hours,
            WorkingHours {
                days: vec![Weekday::Sat, Weekday::Sun],
                start_minute: 600,
                end_minute: 750,
            }
        );
        let own = WorkingHours {
            days: vec![Weekday::Tue],
            start_minute: 780,
            end_minute: 900,
        };
        assert_eq!(settings.hours_of(&settings.practitioners[0]), &own);
        assert_eq!(
            settings.hours_of(&settings.practitioners[1]),
            &settings.working_hours
        );
    }

    #[test]
    fn wrong_working_hours_point_at_the_mistake() {
        let line = MINIMAL.lines().count() + 1;
        // (hours, the node the error points at, what it says)
        for (hours, at, needle) in [
            (
                "{days: [mon, funday], start: '09:00', end: '17:00'}",
                "funday",
                "unknown day `funday`",
            ),
            (
                "{days: [tue, mon, mon], start: '09:00', end: '17:00'}",
                "mon]",
                "day `mon` given twice",
            ),
            (
                "{days: [mon], start: '9am', end: '17:00'}",
                "'9am'",
                "start `9am`: expected a UTC time",
            ),
            (
                "{days: [mon], start: '09:00', end: '24:30'}",
                "'24:30'",
                "end `24:30`",
            ),
            (
                "{days: [mon], start: '17:00', end: '09:00'}",
                "'09:00'",
                "end `09:00` must be after start `17:00`",
            ),
            ("{days: [mon], start: '09:00'}", "", "missing field `end`"),
        ] {
            let hours_line = format!("working_hours: {hours}");
            let text = format!("{MINIMAL}{hours_line}\n");
            let err = parse(&text).unwrap_err();
            assert_eq!(err.line() as usize, line, "{hours}: {err}");
            assert!(err.to_string().contains(needle), "{hours}: {err}");
            if let Some(column) = hours_line.find(at).filter(|_| !at.is_empty()) {
                let prefix = format!("s.yaml:{line}:{}: ", column + 1);
                assert!(err.to_string().starts_with(&prefix), "{hours}: {err}");
            }
        }
        let text = format!(
            "{MINIMAL}practitioners:\n  - id: a\n    name: A\n    working_hours: {{days: [tue], start: '15:00', end: '13:00'}}\n"
        );
        let err = parse(&text).unwrap_err();
        assert_eq!(err.line() as usize, MINIMAL.lines().count() + 4, "{err}");
    }

    #[test]
    fn canvas_bot_is_always_listed() {
        let settings = parse(MINIMAL).unwrap();
        assert_eq!(settings.practitioners.len(), 1);
        assert_eq!(settings.practitioners[0].id, CANVAS_BOT_ID);
        assert_eq!(settings.practitioners[0].name, CANVAS_BOT_NAME);
        let text = format!(
            "{MINIMAL}practitioners:\n  - {{id: {CANVAS_BOT_ID}, name: Robot}}\n  - {{id: a, name: A}}\n"
        );
        let settings = parse(&text).unwrap();
        let names: Vec<&str> = settings
            .practitioners
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["Robot", "A"], "a listed Canvas Bot keeps its entry");
    }
}
