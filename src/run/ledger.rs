//! The cleanup ledger: each appointment a run created (its id from the answer), each create whose
//! answer was lost (it may have been created), and where each target's creations can be found again
//! (the run's tags and time slots). What could not be tidied is reported, never dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;
use serde_json::Value;

use crate::run::scope::DAYS_PER_CASE;

/// One appointment a run created: its create answered with its id.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Created {
    pub target: usize,
    pub id: String,
    pub case: String,
}

/// A create whose request went out but whose answer was lost (a reset, a timeout, a body that
/// could not be read and named nothing): it may have been created. The sweep settles it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Uncertain {
    pub target: usize,
    pub case: String,
    pub step: String,
    /// What happened to the answer, in the exchange's words.
    pub why: String,
    /// The `start` the create sent, as sent (the sweep matches it first).
    pub start: Option<String>,
    /// The case's slot day: its appointments start within [`DAYS_PER_CASE`] days around it.
    pub slot_day: Option<Date>,
}

/// A create about to be sent: which case, its slot day, and the run tag its body carries (none:
/// only its time slot identifies it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sending {
    pub target: usize,
    pub case: String,
    pub slot_day: Date,
    pub tag: Option<String>,
}

/// Where one target's creations of this run can be found again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Traces {
    /// The run tags (identifier values under the run's system) that creates carried.
    pub tags: BTreeSet<String>,
    /// The first and last day an untagged create's case owns: a `date` range finds them.
    pub untagged_days: Option<(Date, Date)>,
    /// Each case that sent a create, by its slot day (to name the case of what the sweep finds).
    pub cases: BTreeMap<Date, String>,
}

impl Traces {
    /// The case whose days hold `day` (its slot day ± half of [`DAYS_PER_CASE`]), if any.
    pub fn case_on(&self, day: Date) -> Option<&str> {
        self.cases
            .iter()
            .find(|(slot, _)| within_week(**slot, day))
            .map(|(_, case)| case.as_str())
    }
}

/// Whether `day` lies among the days a case with this slot day owns.
pub fn within_week(slot_day: Date, day: Date) -> bool {
    let half = DAYS_PER_CASE / 2;
    slot_day
        .checked_sub(half.days())
        .is_ok_and(|first| first <= day)
        && slot_day
            .checked_add(half.days())
            .is_ok_and(|last| day <= last)
}

/// How cleanup came to know of an appointment.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Its create answered with its id (`Location`, or the body's `id`).
    #[default]
    Answer,
    /// The sweep found it (the run's tag or time slot) although the ledger did not hold its id.
    Sweep,
    /// A create whose answer was lost, and the sweep found nothing it could have created: not
    /// created, nothing to cancel.
    NotCreated,
}

/// The create of an entry that may have been created: its step, and what happened to its answer.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct LostAnswer {
    pub step: String,
    pub why: String,
}

/// What cleanup did with one appointment the run created (or may have created).
#[derive(Clone, Debug, Serialize)]
pub struct Tidied {
    /// Empty for a create the sweep found was not created.
    pub id: String,
    pub case: String,
    pub target: String,
    /// `None` when cancelled (or not created); otherwise why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// How it was cancelled when not by the plain read-and-write-back (`already cancelled`, or a
    /// fallback after a failed read), for the reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub origin: Origin,
    /// For a create whose answer was lost: its step and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<LostAnswer>,
}

impl Tidied {
    /// Whether an appointment was (or may have been) created: everything but
    /// [`Origin::NotCreated`].
    pub fn was_created(&self) -> bool {
        self.origin != Origin::NotCreated
    }

    /// Whether the sweep found it (the ledger did not hold its id).
    pub fn found_by_sweep(&self) -> bool {
        self.origin == Origin::Sweep
    }
}

/// What the ledger holds.
#[derive(Debug, Default)]
struct Book {
    created: Vec<Created>,
    uncertain: Vec<Uncertain>,
    traces: BTreeMap<usize, Traces>,
    /// By (target, id): the last whole representation a case read of an appointment, or `None`
    /// once a request that may write it went out after that read.
    seen: BTreeMap<(usize, String), Option<Value>>,
}

/// The run's cleanup ledger, shared by its cases (and a Ctrl-C watcher).
#[derive(Debug, Default)]
pub struct Ledger {
    book: Mutex<Book>,
}

impl Ledger {
    fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records an appointment a create named (once).
    pub fn record(&self, created: Created) {
        let mut book = self.book();
        if !book.created.contains(&created) {
            book.created.push(created);
        }
    }

    /// Records a create that may have been created.
    pub fn record_uncertain(&self, uncertain: Uncertain) {
        self.book().uncertain.push(uncertain);
    }

    /// Notes a create about to be sent, so the sweep knows where to look on its target.
    pub fn sending(&self, sending: Sending) {
        let mut book = self.book();
        let traces = book.traces.entry(sending.target).or_default();
        traces
            .cases
            .entry(sending.slot_day)
            .or_insert_with(|| sending.case.clone());
        match sending.tag {
            Some(tag) => {
                traces.tags.insert(tag);
            }
            None => {
                let half = (DAYS_PER_CASE / 2).days();
                let first = sending
                    .slot_day
                    .checked_sub(half)
                    .unwrap_or(sending.slot_day);
                let last = sending
                    .slot_day
                    .checked_add(half)
                    .unwrap_or(sending.slot_day);
                traces.untagged_days = Some(match traces.untagged_days {
                    Some((from, to)) => (from.min(first), to.max(last)),
                    None => (first, last),
                });
            }
        }
    }

    pub fn remove(&self, created: &Created) {
        self.book().created.retain(|c| c != created);
    }

    /// The appointments still recorded (not yet tidied), oldest first.
    pub fn pending(&self) -> Vec<Created> {
        self.book().created.clone()
    }

    /// The appointments `case` created on target `target` still recorded, oldest first.
    pub fn pending_of(&self, case: &str, target: usize) -> Vec<Created> {
        self.book()
            .created
            .iter()
            .filter(|created| created.case == case && created.target == target)
            .cloned()
            .collect()
    }

    /// The creates that may have been created and are not settled yet, oldest first.
    pub fn uncertain(&self) -> Vec<Uncertain> {
        self.book().uncertain.clone()
    }

    /// Takes the recorded appointments out of the ledger.
    pub fn take(&self) -> Vec<Created> {
        std::mem::take(&mut self.book().created)
    }

    /// Takes the creates that may have been created out of the ledger.
    pub fn take_uncertain(&self) -> Vec<Uncertain> {
        std::mem::take(&mut self.book().uncertain)
    }

    /// Notes the whole representation a read of appointment `id` on `target` answered.
    pub fn saw(&self, target: usize, id: &str, resource: Value) {
        self.book()
            .seen
            .insert((target, id.to_owned()), Some(resource));
    }

    /// Notes that a request that may write appointment `id` went out: what was read before is
    /// no longer known to be current.
    pub fn wrote(&self, target: usize, id: &str) {
        self.book().seen.insert((target, id.to_owned()), None);
    }

    /// The last representation of appointment `id` a case read, when nothing may have written it
    /// since.
    pub fn last_seen(&self, target: usize, id: &str) -> Option<Value> {
        self.book()
            .seen
            .get(&(target, id.to_owned()))
            .cloned()
            .flatten()
    }

    /// Where each target's creations can be found again, by target index.
    pub fn traces(&self) -> BTreeMap<usize, Traces> {
        self.book().traces.clone()
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
    use super::*;

    #[test]
    fn a_case_s_pending_appointments_are_its_own_on_its_target_oldest_first() {
        let ledger = Ledger::default();
        let created = |target: usize, id: &str, case: &str| Created {
            target,
            id: id.to_owned(),
            case: case.to_owned(),
        };
        ledger.record(created(0, "a", "create/x"));
        ledger.record(created(1, "b", "create/x"));
        ledger.record(created(0, "c", "create/y"));
        ledger.record(created(0, "d", "create/x"));
        let ids = |case: &str, target: usize| -> Vec<String> {
            ledger
                .pending_of(case, target)
                .into_iter()
                .map(|c| c.id)
                .collect()
        };
        assert_eq!(ids("create/x", 0), ["a", "d"]);
        assert_eq!(ids("create/x", 1), ["b"]);
        ledger.remove(&created(0, "a", "create/x"));
        assert_eq!(ids("create/x", 0), ["d"]);
        assert!(ids("create/z", 0).is_empty());
    }

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

    fn day(d: i8) -> Date {
        jiff::civil::date(2100, 3, d)
    }

    #[test]
    fn the_ledger_holds_created_uncertain_and_where_to_sweep() {
        let ledger = Ledger::default();
        let created = Created {
            target: 0,
            id: "a1".to_owned(),
            case: "create/x".to_owned(),
        };
        ledger.record(created.clone());
        ledger.record(created.clone());
        assert_eq!(
            ledger.pending(),
            std::slice::from_ref(&created),
            "recorded once"
        );
        let lost = Uncertain {
            target: 1,
            case: "create/y".to_owned(),
            step: "create".to_owned(),
            why: "request failed: connection reset".to_owned(),
            start: Some("2100-03-10T09:00:00Z".to_owned()),
            slot_day: Some(day(10)),
        };
        ledger.record_uncertain(lost.clone());
        // A tagged create on target 0; two untagged ones on target 1, a week apart.
        ledger.sending(Sending {
            target: 0,
            case: "create/x".to_owned(),
            slot_day: day(3),
            tag: Some("abcd1234".to_owned()),
        });
        for (case, slot_day) in [("create/y", day(10)), ("create/z", day(17))] {
            ledger.sending(Sending {
                target: 1,
                case: case.to_owned(),
                slot_day,
                tag: None,
            });
        }
        let traces = ledger.traces();
        assert_eq!(
            traces[&0].tags,
            BTreeSet::from(["abcd1234".to_owned()]),
            "the tag is where the sweep looks on a tagged target"
        );
        assert_eq!(traces[&0].untagged_days, None);
        assert_eq!(
            traces[&1].untagged_days,
            Some((day(7), day(20))),
            "every day the untagged creates' cases own"
        );
        assert!(traces[&1].tags.is_empty());
        assert_eq!(traces[&1].case_on(day(12)), Some("create/y"));
        assert_eq!(traces[&1].case_on(day(14)), Some("create/z"));
        assert_eq!(traces[&1].case_on(day(21)), None);
        // Cancelled entries leave; uncertain ones are taken by the sweep.
        ledger.remove(&created);
        assert!(ledger.pending().is_empty());
        assert_eq!(ledger.uncertain(), std::slice::from_ref(&lost));
        assert_eq!(ledger.take_uncertain(), [lost]);
        assert!(ledger.uncertain().is_empty());
    }

    #[test]
    fn only_entries_not_created_count_as_not_created() {
        let mut tidied = Tidied {
            id: String::new(),
            case: "c".to_owned(),
            target: "t".to_owned(),
            problem: None,
            note: None,
            origin: Origin::NotCreated,
            lost: None,
        };
        assert!(!tidied.was_created());
        tidied.origin = Origin::Sweep;
        assert!(tidied.was_created());
        assert_eq!(
            serde_json::to_value(Origin::NotCreated).expect("json"),
            "not_created"
        );
    }
}
