//! Deliberate defects: each mutant breaks exactly one documented behaviour (a BEHAVIOURS.md or
//! BEHAVIOURS-CURRENT.md ID), observably through the API, so a conformance run can prove it
//! notices. The table below is the one place that names them, with the editions each runs in;
//! the server consults `state.mutant` where each bites.

use super::edition::Edition;

macro_rules! mutants {
    (
        sept2023 { $($variant:ident => $name:literal, $behaviour:literal, $shared:literal, $description:literal;)+ }
        current { $($cvariant:ident => $cname:literal, $cbehaviour:literal, $cdescription:literal;)+ }
    ) => {
        /// A deliberate defect the reference server can run with (`serve --mutant NAME`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Mutant {
            $($variant,)+
            $($cvariant,)+
        }

        impl Mutant {
            /// Every mutant of the 2023-09 edition, in table order: the set the conformance
            /// suite's mutation analysis runs (`canvas-conformance mutants`).
            pub const ALL: &'static [Mutant] = &[$(Mutant::$variant,)+];

            /// The mutants that exist only in the current edition.
            pub const CURRENT_ONLY: &'static [Mutant] = &[$(Mutant::$cvariant,)+];

            /// The one table: (name, behaviour ID, editions, description).
            fn row(self) -> (&'static str, &'static str, &'static [Edition], &'static str) {
                match self {
                    $(Mutant::$variant => (
                        $name,
                        $behaviour,
                        if $shared { &Edition::ALL } else { &[Edition::Sept2023] },
                        $description,
                    ),)+
                    $(Mutant::$cvariant => ($cname, $cbehaviour, &[Edition::Current], $cdescription),)+
                }
            }
        }
    };
}

// `true` in the third column: the behaviour ID means the same in the current edition, and the
// mutant breaks it there too.
mutants! {
  sept2023 {
    AuthAcceptsAnyToken => "auth-accepts-any-token", "AUTH-BEARER", true,
        "any bearer token is accepted, even an unknown or expired one";
    ErrorsPlainText => "errors-plain-text", "ERR-OO", true,
        "error answers are plain text instead of an OperationOutcome";
    // 2023-09 only: the current edition's ERR-400 checks the status and code, not the text (D23).
    BadRequestWrongText => "bad-request-wrong-text", "ERR-400", false,
        "400 answers say \"Invalid request\" instead of \"Bad request\"";
    ReadWrongId => "read-wrong-id", "READ-200", true,
        "read answers the appointment under a different, fresh id";
    ReadMissing404As200 => "read-missing-404-as-200", "READ-404", true,
        "reading an unknown id answers 200 (with the not-found OperationOutcome)";
    RoomedAsCheckIn => "roomed-as-check-in", "READ-STATUS-MAP", true,
        "roomed appointments read back as \"check-in\" (the page's typo) instead of \"checked-in\"";
    ReadStartWithoutOffset => "read-start-without-offset", "READ-SHAPE", true,
        "start and end are answered without an offset (2023-06-06T09:00:00), not FHIR instants";
    ReadLocationMissing => "read-location-missing", "READ-LOCATION", true,
        "reads leave the Location reference out of supportingInformation";
    ReadEncounterMissing => "read-encounter-missing", "READ-ENCOUNTER", true,
        "reads leave the Encounter reference out of supportingInformation";
    RescheduleDisplaysSwapped => "reschedule-displays-swapped", "READ-RESCHEDULE", true,
        "the Previously/Replacement reschedule displays are swapped";
    DescriptionTrailingPeriod => "description-trailing-period", "READ-DESCRIPTION", true,
        "description answers the reason text with an extra trailing period";
    TelehealthEndpointBare => "telehealth-endpoint-bare", "READ-TELEHEALTH", true,
        "the contained Endpoint lacks the auto-populated status, connectionType and payloadType";
    CreateAnswers200 => "create-answers-200", "CREATE-201", true,
        "a successful create answers 200 instead of 201";
    CreateKeepsStatus => "create-keeps-status", "CREATE-STATUS-PROPOSED", false,
        "create stores the status sent in the body instead of always proposed";
    CreateDefaultTypeWrong => "create-default-type-wrong", "CREATE-TYPE-DEFAULT", true,
        "an omitted appointmentType gets the last configured type, not the default one";
    TypeManyCodingsAccepted => "type-many-codings-accepted", "CREATE-TYPE-ONE-CODING", true,
        "an appointmentType with several codings is accepted (the first is used)";
    TypeAnySystemAccepted => "type-any-system-accepted", "CREATE-TYPE-SYSTEM", true,
        "the coding system is not checked: a code is looked up whatever system it is sent with";
    TypeUnknownWrongText => "type-unknown-wrong-text", "CREATE-TYPE-UNKNOWN", false,
        "the unknown-type 422 names code before system (a later edition's wording)";
    TypeUnschedulableAccepted => "type-unschedulable-accepted", "CREATE-TYPE-UNSCHEDULABLE", true,
        "create accepts a type that is not scheduleable";
    RfvUsesLast => "rfv-uses-last", "CREATE-RFV-FIRST", true,
        "the last reasonCode item is used instead of the first";
    RfvUnknownCodeAccepted => "rfv-unknown-code-accepted", "CREATE-RFV-STRUCTURED", true,
        "an unknown structured reason-for-visit code is accepted and dropped";
    RfvTextDropped => "rfv-text-dropped", "CREATE-RFV-TEXT", true,
        "create drops reasonCode[0].text when a structured coding is given";
    TelehealthLinkIgnored => "telehealth-link-ignored", "CREATE-TELEHEALTH", true,
        "create ignores the contained meeting Endpoint";
    LocationOmittedNotDefault => "location-omitted-not-default", "CREATE-LOCATION", false,
        "a create without a Location reference gets Location/0, not the instance's practice location";
    StartWithoutSecondsRejected => "start-without-seconds-rejected", "CREATE-START-FORMAT", true,
        "instants without seconds (YYYY-MM-DDTHH:MMZ) are rejected with 400";
    EndBeforeStartRejected => "end-before-start-rejected", "CREATE-END-UNVALIDATED", false,
        "create rejects an end before the start with 400";
    ParticipantByPosition => "participant-by-position", "CREATE-PARTICIPANT", true,
        "the first participant is taken as the practitioner, whatever its reference type";
    DoubleBookingIgnored => "double-booking-ignored", "CREATE-DOUBLE-BOOKING", true,
        "double booking is allowed even when the settings disallow it";
    UpdateAnswers204 => "update-answers-204", "UPDATE-200", true,
        "a successful update answers 204 No Content instead of 200";
    UpdateRejectsCheckedIn => "update-rejects-checked-in", "UPDATE-STATUS-SET", true,
        "update refuses the status checked-in with 400";
    UpdateAcceptsEnteredInError => "update-accepts-entered-in-error", "UPDATE-STATUS-UNSUPPORTED", true,
        "update accepts entered-in-error (marks the appointment deleted)";
    CancelledReopenable => "cancelled-reopenable", "UPDATE-CANCELLED-FINAL", true,
        "a cancelled appointment can be moved to another status";
    OmittedStatusResets => "omitted-status-resets", "UPDATE-STATUS-OMITTED", false,
        "an update without status resets it to proposed";
    UpdateOmittedTypeDefault => "update-omitted-type-default", "UPDATE-PARTIAL", false,
        "an update without appointmentType resets it to the default type (the page's update text)";
    UpdateAcceptsUnschedulable => "update-accepts-unschedulable", "UPDATE-TYPE-RULES", true,
        "update accepts a type that is not scheduleable";
    UpdateRfvKept => "update-rfv-kept", "UPDATE-RFV-REPLACE", true,
        "update ignores reasonCode and description";
    UpdateTelehealthIgnored => "update-telehealth-ignored", "UPDATE-TELEHEALTH", true,
        "update ignores a new meeting link";
    UpdateMissingAs200 => "update-missing-as-200", "UPDATE-404", true,
        "updating an unknown id answers 200 and does nothing";
    SearchBundleCollection => "search-bundle-collection", "SEARCH-BUNDLE", true,
        "the search Bundle has type collection instead of searchset";
    SearchIgnoresPatient => "search-ignores-patient", "SEARCH-PARAMS", true,
        "the patient search parameter filters nothing";
    DateGtInclusive => "date-gt-inclusive", "SEARCH-DATE", true,
        "date=gtDAY includes appointments on DAY itself (acts like ge)";
    SearchOffsetOffByOne => "search-offset-off-by-one", "SEARCH-PAGING", true,
        "pages start one result after _offset";
    SearchLinksAbsolute => "search-links-absolute", "SEARCH-LINKS", true,
        "search links are absolute URLs (http://host/Appointment?…) instead of relative";
    SearchSortIgnoresDesc => "search-sort-ignores-desc", "SEARCH-SORT", true,
        "a leading - in _sort is ignored (always ascending)";
    SearchUnknownParamIgnored => "search-unknown-param-ignored", "SEARCH-400", false,
        "unknown search parameters are ignored instead of answering 400";
  }
  current {
    BadRequestCodeStructure => "bad-request-code-structure", "ERR-400",
        "400 answers carry code \"structure\" instead of \"invalid\"";
    ScopeIgnored => "scope-ignored", "AUTH-403-SCOPE",
        "a read-only token may create and update (its scope is not checked)";
    UnsupportedMethod404 => "unsupported-method-404", "ERR-405",
        "unsupported methods on Appointment URLs answer 404 instead of 405";
    BusinessRuleCodeInvalid => "business-rule-code-invalid", "ERR-422",
        "422 answers carry the issue code invalid instead of business-rule";
    WrappedResourceAccepted => "wrapped-resource-accepted", "REQ-BARE-RESOURCE",
        "a v1 body {\"resource\": {…}} is unwrapped and accepted";
    EmptyStringsAccepted => "empty-strings-accepted", "REQ-NONEMPTY-STRINGS",
        "empty strings in a body are accepted (an empty description is stored)";
    CorrelationIdMissing => "correlation-id-missing", "RESP-CORRELATION-ID",
        "responses carry no fumage-correlation-id header";
    CoscheduledMissing => "coscheduled-missing", "READ-COSCHEDULED",
        "reads leave the co-scheduled Appointment references out";
    NoteExtensionMissing => "note-extension-missing", "READ-NOTE-EXTENSION",
        "reads leave the note-id extension out";
    IdentifierAssignerShown => "identifier-assigner-shown", "READ-IDENTIFIER",
        "identifiers read back without their id (and with assigner)";
    ReadPatientMissing => "read-patient-missing", "READ-PARTICIPANT",
        "reads leave the Patient participant out";
    SupportingInformationOptional => "supporting-information-optional", "CREATE-REQUIRED",
        "a create without supportingInformation is accepted";
    CreateStatusProposed => "create-status-proposed", "CREATE-STATUS-VALUES",
        "create stores proposed whatever status is sent (the 2023-09 rule)";
    CreateKeepsBodyId => "create-keeps-body-id", "CREATE-ID-EXCLUDED",
        "create uses a UUID sent as the body id instead of a new one";
    ExtensionRefused => "extension-refused", "CREATE-IGNORED-FIELDS",
        "a body with an extension answers 400 instead of ignoring it";
    TypeUnknownOldText => "type-unknown-old-text", "CREATE-TYPE-UNKNOWN",
        "the unknown-type 422 has the 2023-09 text (system before code)";
    RfvDefaultMissing => "rfv-default-missing", "CREATE-RFV-DEFAULT",
        "a create without reasonCode and description reads back with no reason";
    TelehealthRoomMissing => "telehealth-room-missing", "CREATE-TELEHEALTH-DEFAULT",
        "a telehealth create without a meeting link gets no Endpoint";
    LegacyLocationRefused => "legacy-location-refused", "CREATE-LOCATION",
        "the deprecated Location/1 is refused with 400";
    ZeroDurationAccepted => "zero-duration-accepted", "CREATE-DURATION-POSITIVE",
        "an end at or before the start is accepted";
    ParticipantStatusAny => "participant-status-any", "CREATE-PARTICIPANT-STATUS",
        "any participant status is accepted, not only accepted";
    IdentifierUseMissing => "identifier-use-missing", "CREATE-IDENTIFIER",
        "an identifier sent without use reads back without the default usual";
    EventNeedsPatient => "event-needs-patient", "CREATE-EVENT-NO-NOTE",
        "an Other Event without a Patient participant is refused with 400";
    UpdateRequiredRelaxed => "update-required-relaxed", "UPDATE-REQUIRED",
        "an update without start and end is accepted (the stored times are kept)";
    UpdateIdMismatchAccepted => "update-id-mismatch-accepted", "UPDATE-ID-MATCH",
        "a body id that differs from the URL id is accepted";
    UpdateDropsMeetingLink => "update-drops-meeting-link", "UPDATE-PARTIAL",
        "an update without a meeting-link reference removes the stored meeting link";
    UpdateOmittedTypeReset => "update-omitted-type-reset", "UPDATE-TYPE-OMITTED-KEPT",
        "an update without appointmentType resets it to the default type";
    EventTypeOptional => "event-type-optional", "UPDATE-TYPE-EVENT-REQUIRED",
        "an Other Event update without appointmentType is accepted";
    UpdateOmittedRfvCleared => "update-omitted-rfv-cleared", "UPDATE-RFV-OMITTED-KEPT",
        "an update without reasonCode and description clears the reason";
    PatientChangeable => "patient-changeable", "UPDATE-PATIENT-FIXED",
        "an update may change the appointment's patient";
    IdentifiersAllReplaced => "identifiers-all-replaced", "UPDATE-IDENTIFIER",
        "an update's identifier list also deletes omitted identifiers whose period has ended";
    IfUnmodifiedSinceIgnored => "if-unmodified-since-ignored", "UPDATE-412",
        "If-Unmodified-Since is ignored: a stale update succeeds";
    UpdateAddsRescheduleLink => "update-adds-reschedule-link", "UPDATE-IN-PLACE",
        "an update that moves the start adds a reschedule reference to the appointment itself";
    IdentifierSearchIgnored => "identifier-search-ignored", "SEARCH-IDENTIFIER",
        "the identifier search parameter filters nothing";
    TypeTokenSystemIgnored => "type-token-system-ignored", "SEARCH-APPOINTMENT-TYPE-TOKEN",
        "appointment-type=system|code ignores the system";
    EmptySearchLinks => "empty-search-links", "SEARCH-EMPTY",
        "an empty search result carries self/first/last links";
    CountNotCapped => "count-not-capped", "SEARCH-COUNT-MAX",
        "_count above 100 is not capped (a page may hold more than 100)";
    SearchMalformedIgnored => "search-malformed-ignored", "SEARCH-400",
        "a malformed status value is ignored instead of answering 400";
    // The amendments (BEHAVIOURS-CURRENT-AMENDMENTS.md).
    SearchScopeReads => "search-scope-reads", "AUTH-403-SCOPE",
        "a token whose scope allows only search (system/Appointment.s) may also read";
    NullRefused => "null-refused", "REQ-NULL-ABSENT",
        "null for an optional element (contained: null) is refused with 400 instead of read as absent";
    PlainJsonMediaType => "plain-json-media-type", "RESP-FHIR-JSON",
        "JSON answers carry Content-Type application/json instead of application/fhir+json";
    ScopeAnswerEchoed => "scope-answer-echoed", "AUTH-SCOPE-GRANT",
        "the token answer's scope repeats the request (system/*.read) instead of what was granted";
    PatientTokenSearchesAll => "patient-token-searches-all", "AUTH-PATIENT-TOKEN",
        "a patient token's search answers every patient's appointments";
    CreateResourceTypeRequired => "create-resource-type-required", "CREATE-REQUIRED",
        "a create without resourceType is refused with 400";
    DurationSecondsKept => "duration-seconds-kept", "CREATE-DURATION-MINUTES",
        "end keeps its seconds (29 min 30 s after start reads back so) instead of whole minutes";
    UpdateResourceTypeRequired => "update-resource-type-required", "UPDATE-REQUIRED",
        "an update without resourceType is refused with 400";
    DateTimeAsDay => "date-time-as-day", "SEARCH-DATE",
        "a dateTime date value matches its whole UTC day instead of its minute or second";
    IdentifierSystemOnlyRefused => "identifier-system-only-refused", "SEARCH-IDENTIFIER",
        "identifier=system| (any value of a system) answers 400";
    TypeNoSystemAny => "type-no-system-any", "SEARCH-APPOINTMENT-TYPE-TOKEN",
        "appointment-type=|code (a code with no system) matches the code in any system";
  }
}

impl Mutant {
    /// The kebab-case name used on the command line.
    pub fn name(self) -> &'static str {
        self.row().0
    }

    /// The behaviour ID this mutant breaks (BEHAVIOURS.md, and BEHAVIOURS-CURRENT.md for the
    /// current edition's mutants).
    pub fn behaviour(self) -> &'static str {
        self.row().1
    }

    /// The editions the mutant can run with.
    pub fn editions(self) -> &'static [Edition] {
        self.row().2
    }

    /// What the mutant does differently, in one sentence.
    pub fn description(self) -> &'static str {
        self.row().3
    }

    /// Every mutant of `edition`, in table order.
    pub fn of(edition: Edition) -> Vec<Mutant> {
        Mutant::ALL
            .iter()
            .chain(Mutant::CURRENT_ONLY)
            .copied()
            .filter(|m| m.editions().contains(&edition))
            .collect()
    }

    /// Looks a 2023-09 mutant up by its kebab-case name.
    pub fn from_name(name: &str) -> Option<Mutant> {
        Mutant::ALL.iter().copied().find(|m| m.name() == name)
    }

    /// Looks a mutant of `edition` up by its kebab-case name.
    pub fn from_name_in(edition: Edition, name: &str) -> Option<Mutant> {
        Mutant::of(edition).into_iter().find(|m| m.name() == name)
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
        for m in Mutant::ALL.iter().chain(Mutant::CURRENT_ONLY) {
            assert!(seen.insert(m.name()), "duplicate {}", m.name());
            assert!(
                m.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                m.name()
            );
            let edition = m.editions()[0];
            assert_eq!(Mutant::from_name_in(edition, m.name()), Some(*m));
            assert!(!m.description().is_empty());
        }
        assert_eq!(Mutant::from_name("no-such-mutant"), None);
    }
}
