//! The cleanup ledger: every appointment a run creates is recorded, and at the end the run cancels
//! them (`run::cleanup`; the API has no delete). What could not be tidied is reported, never
//! silently dropped.

use std::sync::Mutex;

use serde::Serialize;

/// One appointment a run created.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Created {
    pub target: usize,
    pub id: String,
    pub case: String,
}

/// What cleanup did with one created appointment.
#[derive(Clone, Debug, Serialize)]
pub struct Tidied {
    pub id: String,
    pub case: String,
    pub target: String,
    /// `None` when cancelled; otherwise why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// How it was cancelled when not by the plain read-and-write-back (`already cancelled`, or a
    /// fallback after a failed read), for the reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Default)]
pub struct Ledger {
    created: Mutex<Vec<Created>>,
}

impl Ledger {
    pub fn record(&self, created: Created) {
        let mut list = self
            .created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !list.contains(&created) {
            list.push(created);
        }
    }

    pub fn remove(&self, created: &Created) {
        self.created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|c| c != created);
    }

    /// What is still recorded (not yet tidied), oldest first.
    pub fn pending(&self) -> Vec<Created> {
        self.created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn take(&self) -> Vec<Created> {
        std::mem::take(
            &mut *self
                .created
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// The appointment id inside a `Location` header: after `Appointment/`, before any `/_history/<n>`,
/// absolute (any host) or relative (`/Appointment/<id>`, or `Appointment/<id>` against the base).
pub fn appointment_id_from_location(location: &str) -> Option<String> {
    // Absolute, root-relative (`/Appointment/x`) or relative (`Appointment/x`, FHIR's own form).
    let after = match location.rsplit_once("/Appointment/") {
        Some((_, rest)) => rest,
        None => location.trim_start().strip_prefix("Appointment/")?,
    };
    let id = after.split(['/', '?', '#']).next()?.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::appointment_id_from_location as id;

    #[test]
    fn every_location_form() {
        let want = Some("4be5c594-cfbd-4b7c-a047-ee3b06881745".to_owned());
        assert_eq!(
            id(
                "https://fumage-x.canvasmedical.com/Appointment/4be5c594-cfbd-4b7c-a047-ee3b06881745"
            ),
            want
        );
        assert_eq!(
            id(
                "http://fumage-x.canvasmedical.com/Appointment/4be5c594-cfbd-4b7c-a047-ee3b06881745/_history/1"
            ),
            want
        );
        assert_eq!(
            id("/Appointment/4be5c594-cfbd-4b7c-a047-ee3b06881745"),
            want
        );
        assert_eq!(
            id("Appointment/4be5c594-cfbd-4b7c-a047-ee3b06881745/_history/1"),
            want
        );
        assert_eq!(id("/Patient/x"), None);
        assert_eq!(id("Patient/x"), None);
        assert_eq!(id("/Appointment/"), None);
    }
}
