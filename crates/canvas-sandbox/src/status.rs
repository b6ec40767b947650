//! Canvas appointment statuses (what the database keeps) and their FHIR codes (what the API
//! speaks): the page's mapping table, with FHIR's `checked-in` for `roomed`.

/// A Canvas appointment status, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CanvasStatus {
    Unconfirmed,
    Attempted,
    Confirmed,
    Arrived,
    Roomed,
    Exited,
    NoShowed,
    Cancelled,
    Deleted,
}

/// Every FHIR R4 AppointmentStatus code (search accepts them all; some match no Canvas status).
pub(crate) const FHIR_CODES: &[&str] = &[
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
];

impl CanvasStatus {
    pub(crate) const ALL: &'static [CanvasStatus] = &[
        Self::Unconfirmed,
        Self::Attempted,
        Self::Confirmed,
        Self::Arrived,
        Self::Roomed,
        Self::Exited,
        Self::NoShowed,
        Self::Cancelled,
        Self::Deleted,
    ];

    /// The Canvas name, as kept in the database and in settings files.
    pub(crate) fn canvas_name(self) -> &'static str {
        match self {
            Self::Unconfirmed => "unconfirmed",
            Self::Attempted => "attempted",
            Self::Confirmed => "confirmed",
            Self::Arrived => "arrived",
            Self::Roomed => "roomed",
            Self::Exited => "exited",
            Self::NoShowed => "no-showed",
            Self::Cancelled => "cancelled",
            Self::Deleted => "deleted",
        }
    }

    pub(crate) fn from_canvas_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.canvas_name() == name)
    }

    /// The FHIR code a read answers.
    pub(crate) fn fhir_code(self) -> &'static str {
        match self {
            Self::Unconfirmed => "proposed",
            Self::Attempted => "pending",
            Self::Confirmed => "booked",
            Self::Arrived => "arrived",
            Self::Roomed => "checked-in",
            Self::Exited => "fulfilled",
            Self::NoShowed => "noshow",
            Self::Cancelled => "cancelled",
            Self::Deleted => "entered-in-error",
        }
    }

    /// The Canvas status a FHIR code stands for (`waitlist` has none).
    pub(crate) fn from_fhir_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.fhir_code() == code)
    }

    /// Whether update may set this status (everything but `deleted`, i.e. entered-in-error).
    pub(crate) fn settable(self) -> bool {
        !matches!(self, Self::Deleted)
    }

    /// Whether an appointment in this status still holds its time slot (double booking).
    pub(crate) fn holds_slot(self) -> bool {
        !matches!(self, Self::Cancelled | Self::Deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_mapping_round_trips() {
        for status in CanvasStatus::ALL {
            assert_eq!(
                CanvasStatus::from_canvas_name(status.canvas_name()),
                Some(*status)
            );
            assert_eq!(
                CanvasStatus::from_fhir_code(status.fhir_code()),
                Some(*status)
            );
            assert!(FHIR_CODES.contains(&status.fhir_code()));
        }
        assert_eq!(CanvasStatus::Roomed.fhir_code(), "checked-in");
        assert_eq!(CanvasStatus::from_fhir_code("waitlist"), None);
    }
}
