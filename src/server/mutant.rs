//! Deliberate defects: each mutant breaks exactly one documented behaviour (a BEHAVIOURS.md ID),
//! observably through the API, so a conformance run can prove it notices. The table below is the
//! one place that names and describes them; the server consults `state.mutant` where each bites.

macro_rules! mutants {
    ($($variant:ident => $name:literal, $behaviour:literal, $description:literal;)+) => {
        /// A deliberate defect the reference server can run with (`serve --mutant NAME`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Mutant {
            $($variant,)+
        }

        impl Mutant {
            /// Every mutant, in table order.
            pub const ALL: &'static [Mutant] = &[$(Mutant::$variant,)+];

            /// The one table: (name, behaviour ID, description).
            fn row(self) -> (&'static str, &'static str, &'static str) {
                match self {
                    $(Mutant::$variant => ($name, $behaviour, $description),)+
                }
            }
        }
    };
}

mutants! {
    AuthAcceptsAnyToken => "auth-accepts-any-token", "AUTH-BEARER",
        "any bearer token is accepted, even an unknown or expired one";
    ErrorsPlainText => "errors-plain-text", "ERR-OO",
        "error answers are plain text instead of an OperationOutcome";
    BadRequestWrongText => "bad-request-wrong-text", "ERR-400",
        "400 answers say \"Invalid request\" instead of \"Bad request\"";
    ReadWrongId => "read-wrong-id", "READ-200",
        "read answers the appointment under a different, fresh id";
    ReadMissing404As200 => "read-missing-404-as-200", "READ-404",
        "reading an unknown id answers 200 (with the not-found OperationOutcome)";
    RoomedAsCheckIn => "roomed-as-check-in", "READ-STATUS-MAP",
        "roomed appointments read back as \"check-in\" (the page's typo) instead of \"checked-in\"";
    ReadStartWithoutOffset => "read-start-without-offset", "READ-SHAPE",
        "start and end are answered without an offset (2023-06-06T09:00:00), not FHIR instants";
    ReadLocationMissing => "read-location-missing", "READ-LOCATION",
        "reads leave the Location reference out of supportingInformation";
    ReadEncounterMissing => "read-encounter-missing", "READ-ENCOUNTER",
        "reads leave the Encounter reference out of supportingInformation";
    RescheduleDisplaysSwapped => "reschedule-displays-swapped", "READ-RESCHEDULE",
        "the Previously/Replacement reschedule displays are swapped";
    DescriptionTrailingPeriod => "description-trailing-period", "READ-DESCRIPTION",
        "description answers the reason text with an extra trailing period";
    TelehealthEndpointBare => "telehealth-endpoint-bare", "READ-TELEHEALTH",
        "the contained Endpoint lacks the auto-populated status, connectionType and payloadType";
    CreateAnswers200 => "create-answers-200", "CREATE-201",
        "a successful create answers 200 instead of 201";
    CreateKeepsStatus => "create-keeps-status", "CREATE-STATUS-PROPOSED",
        "create stores the status sent in the body instead of always proposed";
    CreateDefaultTypeWrong => "create-default-type-wrong", "CREATE-TYPE-DEFAULT",
        "an omitted appointmentType gets the last configured type, not the default one";
    TypeManyCodingsAccepted => "type-many-codings-accepted", "CREATE-TYPE-ONE-CODING",
        "an appointmentType with several codings is accepted (the first is used)";
    TypeAnySystemAccepted => "type-any-system-accepted", "CREATE-TYPE-SYSTEM",
        "the coding system is not checked, so other systems fall through to \"does not exist\"";
    TypeUnknownWrongText => "type-unknown-wrong-text", "CREATE-TYPE-UNKNOWN",
        "the unknown-type 422 names code before system (a later edition's wording)";
    TypeUnschedulableAccepted => "type-unschedulable-accepted", "CREATE-TYPE-UNSCHEDULABLE",
        "create accepts a type that is not scheduleable";
    RfvUsesLast => "rfv-uses-last", "CREATE-RFV-FIRST",
        "the last reasonCode item is used instead of the first";
    RfvUnknownCodeAccepted => "rfv-unknown-code-accepted", "CREATE-RFV-STRUCTURED",
        "an unknown structured reason-for-visit code is accepted and dropped";
    RfvTextDropped => "rfv-text-dropped", "CREATE-RFV-TEXT",
        "create drops reasonCode[0].text when a structured coding is given";
    TelehealthLinkIgnored => "telehealth-link-ignored", "CREATE-TELEHEALTH",
        "create ignores the contained meeting Endpoint";
    LocationUnknownAccepted => "location-unknown-accepted", "CREATE-LOCATION",
        "create accepts a Location that is not configured (and stores it)";
    StartWithoutSecondsRejected => "start-without-seconds-rejected", "CREATE-START-FORMAT",
        "instants without seconds (YYYY-MM-DDTHH:MMZ) are rejected with 400";
    EndBeforeStartRejected => "end-before-start-rejected", "CREATE-END-UNVALIDATED",
        "create rejects an end before the start with 400";
    ParticipantByPosition => "participant-by-position", "CREATE-PARTICIPANT",
        "the first participant is taken as the practitioner, whatever its reference type";
    DoubleBookingIgnored => "double-booking-ignored", "CREATE-DOUBLE-BOOKING",
        "double booking is allowed even when the settings disallow it";
    UpdateAnswers204 => "update-answers-204", "UPDATE-200",
        "a successful update answers 204 No Content instead of 200";
    UpdateRejectsCheckedIn => "update-rejects-checked-in", "UPDATE-STATUS-SET",
        "update refuses the status checked-in with 400";
    UpdateAcceptsEnteredInError => "update-accepts-entered-in-error", "UPDATE-STATUS-UNSUPPORTED",
        "update accepts entered-in-error (marks the appointment deleted)";
    CancelledReopenable => "cancelled-reopenable", "UPDATE-CANCELLED-FINAL",
        "a cancelled appointment can be moved to another status";
    OmittedStatusResets => "omitted-status-resets", "UPDATE-STATUS-OMITTED",
        "an update without status resets it to proposed";
    UpdateOmittedTypeDefault => "update-omitted-type-default", "UPDATE-PARTIAL",
        "an update without appointmentType resets it to the default type (the page's update text)";
    UpdateAcceptsUnschedulable => "update-accepts-unschedulable", "UPDATE-TYPE-RULES",
        "update accepts a type that is not scheduleable";
    UpdateRfvKept => "update-rfv-kept", "UPDATE-RFV-REPLACE",
        "update ignores reasonCode and description";
    UpdateTelehealthIgnored => "update-telehealth-ignored", "UPDATE-TELEHEALTH",
        "update ignores a new meeting link";
    UpdateMissingAs200 => "update-missing-as-200", "UPDATE-404",
        "updating an unknown id answers 200 and does nothing";
    SearchBundleCollection => "search-bundle-collection", "SEARCH-BUNDLE",
        "the search Bundle has type collection instead of searchset";
    SearchIgnoresPatient => "search-ignores-patient", "SEARCH-PARAMS",
        "the patient search parameter filters nothing";
    DateGtInclusive => "date-gt-inclusive", "SEARCH-DATE",
        "date=gtDAY includes appointments on DAY itself (acts like ge)";
    SearchOffsetOffByOne => "search-offset-off-by-one", "SEARCH-PAGING",
        "pages start one result after _offset";
    SearchLinksAbsolute => "search-links-absolute", "SEARCH-LINKS",
        "search links are absolute URLs (http://host/Appointment?…) instead of relative";
    SearchSortIgnoresDesc => "search-sort-ignores-desc", "SEARCH-SORT",
        "a leading - in _sort is ignored (always ascending)";
    SearchUnknownParamIgnored => "search-unknown-param-ignored", "SEARCH-400",
        "unknown search parameters are ignored instead of answering 400";
}

impl Mutant {
    /// The kebab-case name used on the command line.
    pub fn name(self) -> &'static str {
        self.row().0
    }

    /// The BEHAVIOURS.md ID this mutant breaks.
    pub fn behaviour(self) -> &'static str {
        self.row().1
    }

    /// What the mutant does differently, in one sentence.
    pub fn description(self) -> &'static str {
        self.row().2
    }

    /// Looks a mutant up by its kebab-case name.
    pub fn from_name(name: &str) -> Option<Mutant> {
        Mutant::ALL.iter().copied().find(|m| m.name() == name)
    }
}

impl std::fmt::Display for Mutant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for m in Mutant::ALL {
            assert!(seen.insert(m.name()), "duplicate {}", m.name());
            assert!(
                m.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                m.name()
            );
            assert_eq!(Mutant::from_name(m.name()), Some(*m));
            assert!(!m.description().is_empty());
        }
        assert_eq!(Mutant::from_name("no-such-mutant"), None);
    }
}
