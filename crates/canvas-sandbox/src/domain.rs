//! The domain model: a stored [`Appointment`] (Canvas status inside, times in UTC epoch
//! milliseconds), the validated [`Changes`] a create or update asks for, and the contained
//! meeting Endpoint's ids (D5). No HTTP, no SQL, no JSON.

use super::identifier::IdentifierInput;
use super::settings::{Coding, Identifier};
use super::status::CanvasStatus;

/// The contained Endpoint's id of the 2023-09 page (accepted in both editions, D5).
pub(crate) const MEETING_ENDPOINT_ID: &str = "appointment-meeting-endpoint";
/// The contained Endpoint's id of the current page (accepted in both editions, D5).
pub(crate) const MEETING_ENDPOINT_ID_0: &str = "appointment-meeting-endpoint-0";

/// One stored appointment (Canvas status inside; times in UTC epoch milliseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Appointment {
    pub id: String,
    pub status: CanvasStatus,
    pub appointment_type: Coding,
    pub rfv_coding: Option<Coding>,
    pub rfv_text: Option<String>,
    pub meeting_link: Option<String>,
    pub location: String,
    pub encounter: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub practitioner: String,
    pub patient: Option<String>,
    pub rescheduled_from: Option<String>,
    pub rescheduled_to: Option<String>,
    /// The note the appointment belongs to (read back in the current edition, D15).
    pub note_id: Option<String>,
    /// External identifiers (current edition, D14).
    pub identifiers: Vec<Identifier>,
    /// Appointments scheduled together with this one (D21).
    pub coscheduled: Vec<String>,
    /// The last change, in UTC epoch milliseconds (`If-Unmodified-Since`, D10).
    pub updated_ms: i64,
}

/// A reason for visit: an optional structured coding and an optional text (the comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reason {
    pub coding: Option<Coding>,
    pub text: Option<String>,
}

/// What a request body asks for; `None` means "not in the body".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    pub status: Option<CanvasStatus>,
    pub appointment_type: Option<Coding>,
    pub reason: Option<Reason>,
    pub meeting_link: Option<String>,
    pub location: Option<String>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// (practitioner id, patient id)
    pub participants: Option<(String, Option<String>)>,
    /// `identifier[]` when sent (current edition, D14).
    pub identifiers: Option<Vec<IdentifierInput>>,
    /// The body's `id` (ignored on create, CREATE-ID-EXCLUDED; only a mutant reads it).
    pub body_id: Option<String>,
    /// `If-Unmodified-Since` of an update, in whole seconds since the epoch (D10).
    pub if_unmodified_since: Option<i64>,
}
