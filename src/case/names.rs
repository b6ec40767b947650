//! The variable names every case can use without declaring them: the built-ins a run supplies
//! (`run::scope` fills them) and the fixture keys a target profile supplies (`target` reads them).

/// Variables every case can use without declaring them.
pub const BUILTINS: &[(&str, &str)] = &[
    ("run_id", "a short id unique to this run"),
    ("case_id", "a short id unique to this run and case"),
    (
        "slot",
        "an instant (09:00 UTC) on a day unique to this run and case",
    ),
    ("slot_day", "that day, as YYYY-MM-DD"),
    ("now", "the current instant"),
    ("today", "the current UTC date"),
];

/// Every fixture a case may use, with what it names. Cases may only use these (lint checks it);
/// a profile may leave some out, and cases needing them are then Skipped with the reason.
pub const FIXTURE_KEYS: &[(&str, &str)] = &[
    ("practitioner", "a practitioner id (32 hex)"),
    ("practitioner_2", "a second practitioner id"),
    (
        "canvas_bot",
        "the Canvas Bot practitioner id (blank practitioner fallback)",
    ),
    ("patient", "a patient id"),
    ("patient_2", "a second patient id"),
    ("patient_3", "a third patient id"),
    ("location", "a practice location id"),
    (
        "location_legacy",
        "the practice location's deprecated integer id (`Location/1` on an instance with one location)",
    ),
    (
        "type_default_system",
        "system of the default appointment type",
    ),
    ("type_default_code", "code of the default appointment type"),
    (
        "type_default_display",
        "display of the default appointment type",
    ),
    (
        "type_other_system",
        "system of another scheduleable SNOMED type",
    ),
    (
        "type_other_code",
        "code of another scheduleable SNOMED type",
    ),
    ("type_other_display", "display of that type"),
    ("type_internal_code", "code of a scheduleable INTERNAL type"),
    (
        "type_unschedulable_system",
        "system of a type not marked scheduleable",
    ),
    (
        "type_unschedulable_code",
        "code of a type not marked scheduleable",
    ),
    (
        "rfv_system",
        "system of a structured reason-for-visit coding",
    ),
    ("rfv_code", "code of a structured reason-for-visit coding"),
    ("rfv_display", "display of that coding"),
    (
        "rfv_code_2",
        "code of a second structured reason-for-visit coding",
    ),
    (
        "appt_unconfirmed",
        "an existing appointment in Canvas status unconfirmed",
    ),
    (
        "appt_attempted",
        "an existing appointment in Canvas status attempted",
    ),
    (
        "appt_confirmed",
        "an existing appointment in Canvas status confirmed",
    ),
    (
        "appt_arrived",
        "an existing appointment in Canvas status arrived",
    ),
    (
        "appt_roomed",
        "an existing appointment in Canvas status roomed",
    ),
    (
        "appt_exited",
        "an existing appointment in Canvas status exited",
    ),
    (
        "appt_noshowed",
        "an existing appointment in Canvas status no-showed",
    ),
    (
        "appt_cancelled",
        "an existing appointment in Canvas status cancelled",
    ),
    (
        "appt_deleted",
        "an existing appointment in Canvas status deleted",
    ),
    (
        "appt_rescheduled_original",
        "an appointment replaced by a reschedule",
    ),
    (
        "appt_rescheduled_replacement",
        "the appointment that replaced it",
    ),
    (
        "type_event_system",
        "system of the Other Event type, which needs no patient (current edition)",
    ),
    ("type_event_code", "code of the Other Event type"),
    ("type_event_display", "display of the Other Event type"),
    (
        "meeting_room",
        "the personal meeting-room link of `practitioner` (current edition)",
    ),
    (
        "appt_coscheduled",
        "an appointment co-scheduled with another (current edition)",
    ),
    (
        "appt_coscheduled_other",
        "the appointment co-scheduled with it",
    ),
    (
        "identifier_system",
        "the system of an external identifier `appt_coscheduled` carries (current edition)",
    ),
    (
        "identifier_value",
        "its value, which finds `appt_coscheduled` only",
    ),
];
