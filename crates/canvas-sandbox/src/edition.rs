//! The editions of Canvas's Appointment API (`2023-09`, `current`): the one edition type of both
//! crates (the harness re-exports it), and the one [`Policy`] value per edition that the handlers
//! consult for everything that differs: statuses, texts, paging, success bodies, `Location` forms.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An edition of Canvas's Appointment page: `2023-09` (BEHAVIOURS.md, the seed page of
/// 2023-09-07) or `current` (BEHAVIOURS-CURRENT.md, docs.canvasmedical.com as of 2026). A
/// catalogue, case, profile or settings file that names none is `2023-09`'s, except where its own
/// docs say otherwise (a case without `editions:` serves both).
#[derive(
    Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
pub enum Edition {
    #[default]
    #[serde(rename = "2023-09")]
    Sept2023,
    #[serde(rename = "current")]
    Current,
}

/// An edition name that is neither `2023-09` nor `current`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown edition `{0}`: expected 2023-09 or current")]
pub struct UnknownEdition(pub String);

impl Edition {
    /// Both editions, oldest first.
    pub const ALL: [Edition; 2] = [Edition::Sept2023, Edition::Current];

    /// The name used on the command line, in files and in reports: `2023-09` or `current`.
    pub fn as_str(self) -> &'static str {
        match self {
            Edition::Sept2023 => "2023-09",
            Edition::Current => "current",
        }
    }

    /// The other edition (the one an edition hint compares with).
    pub fn other(self) -> Edition {
        match self {
            Edition::Sept2023 => Edition::Current,
            Edition::Current => Edition::Sept2023,
        }
    }

    /// What the server does differently in this edition.
    pub(crate) fn policy(self) -> &'static Policy {
        match self {
            Edition::Sept2023 => &SEPT_2023,
            Edition::Current => &CURRENT,
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Edition {
    type Err = UnknownEdition;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Edition::ALL
            .into_iter()
            .find(|e| e.as_str() == text)
            .ok_or_else(|| UnknownEdition(text.to_string()))
    }
}

/// The text of a 404 for an unknown resource id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotFoundText {
    /// `Resource not found` (2023-09, S L262–278).
    ResourceNotFound,
    /// `Unknown <Resource> resource '<id>'`, the resource type and the id as requested
    /// (READ-404, UPDATE-404; `Unknown Practitioner resource '…'` on the lookups).
    UnknownResource,
}

/// The body of a successful create or update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SuccessBody {
    /// JSON `null` with `Content-Type: application/json` (2023-09 example).
    Null,
    /// Empty, without Content-Type (D6).
    Empty,
}

/// How `status` in a create body is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CreateStatus {
    /// Ignored; every create is stored `proposed` (CREATE-STATUS-PROPOSED).
    AlwaysProposed,
    /// Required; the eight creatable values are stored as sent (CREATE-STATUS-VALUES).
    Required,
}

/// Which 422 texts the appointment-type rules answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypeTexts {
    /// `Appointment Create Error: …` (S L30, L32).
    Sept2023,
    /// `Appointment Type does not exist with code: … and system: …`; `Note type: {name} is not
    /// scheduleable` (P L2162–2163).
    Current,
}

/// Search paging.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Paging {
    /// The page size without `_count`; `None`: no paging unless `_count` asks (2023-09).
    pub default_count: Option<u64>,
    /// A larger `_count` is capped to this (D3); `None`: no maximum.
    pub max_count: Option<u64>,
    /// Whether a `previous` link is emitted (2023-09) or not (D17).
    pub previous_link: bool,
    /// Whether an empty result carries links (2023-09) or neither `link` nor `entry` (D17).
    pub links_when_empty: bool,
}

/// Everything that differs between editions, as data. One value per edition; handlers ask it
/// rather than comparing editions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    pub edition: Edition,
    // ---- errors ----
    /// Whether an OperationOutcome carries an `id` (2023-09) or not (ERR-OO current).
    pub outcome_id: bool,
    pub not_found: NotFoundText,
    /// `details.text` of a 405 (D11 in current).
    pub method_not_allowed_text: &'static str,
    /// Whether every response carries `fumage-correlation-id` (D19).
    pub correlation_id: bool,
    // ---- success answers (D6) ----
    pub success_body: SuccessBody,
    /// Create's `Location` ends in `/_history/1` (2023-09) or not (current).
    pub create_location_history: bool,
    /// Whether update answers a `Location`.
    pub update_location: bool,
    // ---- create and update bodies ----
    pub create_status: CreateStatus,
    /// Whether update requires every CREATE-REQUIRED field (UPDATE-REQUIRED).
    pub update_requires_all: bool,
    /// Whether `supportingInformation` and `participant[].status` are required (CREATE-REQUIRED).
    pub strict_required: bool,
    /// Whether `end` must be after `start` (CREATE-DURATION-POSITIVE, D25).
    pub positive_duration: bool,
    /// Whether `participant[].status` must be `accepted` (CREATE-PARTICIPANT-STATUS, D26).
    pub participant_status_accepted: bool,
    /// Whether a blank `Practitioner/` means Canvas Bot (2023-09) or is a 400 (current).
    pub blank_practitioner_is_bot: bool,
    /// Whether a different patient on update is refused (D9) and an omitted one kept (D24).
    pub patient_fixed_on_update: bool,
    /// Whether coding-count, type-system and unsupported-status errors are 400 (D1) or 422.
    pub shape_errors_are_400: bool,
    pub type_texts: TypeTexts,
    /// Whether an Other Event update must send `appointmentType` (UPDATE-TYPE-EVENT-REQUIRED).
    pub event_type_required_on_update: bool,
    /// Whether empty strings anywhere in a body are refused (REQ-NONEMPTY-STRINGS).
    pub nonempty_strings: bool,
    /// Whether `#…` references, Endpoint ids and the contained count are checked (CREATE-TELEHEALTH).
    pub strict_contained: bool,
    /// Whether a telehealth type without a link gets the practitioner's room (D16).
    pub telehealth_room_default: bool,
    /// Whether `identifier[]` is stored and read (D14).
    pub identifiers: bool,
    /// The reason text of a create without reasonCode and description (D18).
    pub default_reason_text: Option<&'static str>,
    /// Whether `If-Unmodified-Since` is honoured on update (D10).
    pub if_unmodified_since: bool,
    // ---- reads ----
    /// The contained meeting Endpoint's id on read (D5).
    pub endpoint_read_id: &'static str,
    /// Whether the Endpoint's connectionType and payloadType codings carry a system.
    pub endpoint_systems: bool,
    /// Whether reads carry the note-id extension (D15).
    pub note_extension: bool,
    /// Whether co-scheduled appointments reference each other (D21).
    pub coscheduled: bool,
    // ---- search ----
    pub paging: Paging,
    /// Whether unknown search parameters are ignored (D2) or refused with 400.
    pub ignore_unknown_params: bool,
    /// Whether `identifier` is a search parameter (SEARCH-IDENTIFIER).
    pub identifier_search: bool,
    /// Whether `date` takes a date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) or a dateTime, each at its
    /// precision (D4 as amended), or only a UTC day (2023-09).
    pub date_precision: bool,
    /// Whether `identifier` and `appointment-type` take FHIR's four token forms (D30) or only
    /// `code` and `system|code` (2023-09).
    pub token_forms: bool,
    // ---- the amendments of the current edition (D27–D32) ----
    /// Whether a body may leave `resourceType` out (D27, CREATE-REQUIRED as amended).
    pub resource_type_optional: bool,
    /// Whether `null` is an absent element at any depth of a body (D27, REQ-NULL-ABSENT).
    pub null_as_absent: bool,
    /// Whether scopes follow the SMART grammar, granted per operation and resource (D12 as
    /// amended, D28, `scope.rs`), or are compared as words (2023-09).
    pub scope_grammar: bool,
    /// Whether the token endpoint issues patient-scoped tokens and the API enforces them (D29).
    pub patient_tokens: bool,
    /// The Content-Type of every JSON answer of the API's routes, OperationOutcomes included
    /// (D31); `None`: as the handlers set it, `application/json` (2023-09).
    pub json_media_type: Option<&'static str>,
    /// Whether `end` is kept at whole minutes after `start` (D32).
    pub whole_minutes: bool,
}

/// The 2023-09 edition (BEHAVIOURS.md).
const SEPT_2023: Policy = Policy {
    edition: Edition::Sept2023,
    outcome_id: true,
    not_found: NotFoundText::ResourceNotFound,
    method_not_allowed_text: "Method not allowed",
    correlation_id: false,
    success_body: SuccessBody::Null,
    create_location_history: true,
    update_location: false,
    create_status: CreateStatus::AlwaysProposed,
    update_requires_all: false,
    strict_required: false,
    positive_duration: false,
    participant_status_accepted: false,
    blank_practitioner_is_bot: true,
    patient_fixed_on_update: false,
    shape_errors_are_400: false,
    type_texts: TypeTexts::Sept2023,
    event_type_required_on_update: false,
    nonempty_strings: false,
    strict_contained: false,
    telehealth_room_default: false,
    identifiers: false,
    default_reason_text: None,
    if_unmodified_since: false,
    endpoint_read_id: "appointment-meeting-endpoint",
    endpoint_systems: true,
    note_extension: false,
    coscheduled: false,
    paging: Paging {
        default_count: None,
        max_count: None,
        previous_link: true,
        links_when_empty: true,
    },
    ignore_unknown_params: false,
    identifier_search: false,
    date_precision: false,
    token_forms: false,
    resource_type_optional: false,
    null_as_absent: false,
    scope_grammar: false,
    patient_tokens: false,
    json_media_type: None,
    whole_minutes: false,
};

/// The current edition (BEHAVIOURS-CURRENT.md, D1–D26, as amended by
/// BEHAVIOURS-CURRENT-AMENDMENTS.md, D4, D12, D27–D33).
const CURRENT: Policy = Policy {
    edition: Edition::Current,
    outcome_id: false,
    not_found: NotFoundText::UnknownResource,
    method_not_allowed_text: "Operation is not supported",
    correlation_id: true,
    success_body: SuccessBody::Empty,
    create_location_history: false,
    update_location: true,
    create_status: CreateStatus::Required,
    update_requires_all: true,
    strict_required: true,
    positive_duration: true,
    participant_status_accepted: true,
    blank_practitioner_is_bot: false,
    patient_fixed_on_update: true,
    shape_errors_are_400: true,
    type_texts: TypeTexts::Current,
    event_type_required_on_update: true,
    nonempty_strings: true,
    strict_contained: true,
    telehealth_room_default: true,
    identifiers: true,
    default_reason_text: Some("No description given"),
    if_unmodified_since: true,
    endpoint_read_id: "appointment-meeting-endpoint-0",
    endpoint_systems: false,
    note_extension: true,
    coscheduled: true,
    paging: Paging {
        default_count: Some(10),
        max_count: Some(100),
        previous_link: false,
        links_when_empty: false,
    },
    ignore_unknown_params: true,
    identifier_search: true,
    date_precision: true,
    token_forms: true,
    resource_type_optional: true,
    null_as_absent: true,
    scope_grammar: true,
    patient_tokens: true,
    json_media_type: Some("application/fhir+json; charset=utf-8"),
    whole_minutes: true,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for edition in Edition::ALL {
            assert_eq!(edition.as_str().parse::<Edition>(), Ok(edition));
            assert_eq!(edition.policy().edition, edition);
            assert_eq!(edition.other().other(), edition);
        }
        assert_eq!(
            "2024".parse::<Edition>(),
            Err(UnknownEdition("2024".into()))
        );
        assert_eq!(
            "2024-04".parse::<Edition>().unwrap_err().to_string(),
            "unknown edition `2024-04`: expected 2023-09 or current"
        );
        assert_eq!(Edition::default(), Edition::Sept2023);
    }
}
