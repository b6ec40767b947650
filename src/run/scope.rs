//! The variables a case starts with: built-ins (run id, the case's own time slot, now, today),
//! the target's fixtures, then the case's own variables.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use crate::case::Case;
use crate::check::snapshot::Redactions;
use crate::partition::fnv1a;
use crate::target::Target;
use crate::template::{Scope, TemplateError, Var, render_str};

/// Days each case owns: its slot day is the middle one, so `slot_day ± 3d` stays its own.
pub const DAYS_PER_CASE: i64 = 7;
/// Cases per run window (more wrap around and may share days).
pub const CASES_PER_WINDOW: i64 = 128;

/// A run id: 8 lowercase hex characters, fresh per run.
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// The first year of the run windows: every appointment a run books starts on or after
/// 2100-01-01 (UTC), so a real instance's appointments are never among them.
pub const RUN_WINDOWS_FROM_YEAR: i16 = 2100;

/// The first day of a run's window: a stretch of days from 2100 to ~9000 chosen by the run id, so
/// two runs (even on a shared sandbox) almost never share days, and never collide with real data.
fn window_start(run_id: &str) -> Date {
    let windows = 2_800_000 / (DAYS_PER_CASE * CASES_PER_WINDOW);
    let window = (fnv1a(run_id.as_bytes()) % windows as u64) as i64;
    let base = jiff::civil::date(RUN_WINDOWS_FROM_YEAR, 1, 1);
    base.checked_add((window * DAYS_PER_CASE * CASES_PER_WINDOW).days())
        .unwrap_or(base)
}

/// The day that belongs to case `index` of run `run_id`.
pub fn slot_day(run_id: &str, index: usize) -> Date {
    let offset = (index as i64 % CASES_PER_WINDOW) * DAYS_PER_CASE + DAYS_PER_CASE / 2;
    let start = window_start(run_id);
    start.checked_add(offset.days()).unwrap_or(start)
}

/// The built-in facts of one case in one run (`case::names::BUILTINS` names them): they fill the
/// template scope and supply the snapshot redactions, so both read the same values.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltIns {
    /// `run_id`: 8 lowercase hex characters ([`new_run_id`]).
    pub run_id: String,
    /// `case_id`: `<run_id>-<case index>`.
    pub case_id: String,
    /// `slot_day`: the day the case owns ([`slot_day`]).
    pub slot_day: Date,
    /// `slot`: 09:00 UTC on the slot day.
    pub slot: Timestamp,
    /// `now`: when the case started.
    pub now: Timestamp,
    /// `today`: the UTC date of `now`.
    pub today: Date,
}

impl BuiltIns {
    /// The facts of case `index` (its place in the plan) of run `run_id`, as of now.
    pub fn new(run_id: &str, index: usize) -> BuiltIns {
        BuiltIns::at(run_id, index, Timestamp::now())
    }

    /// The facts of case `index` of run `run_id` started at `now` (a replay's recorded start).
    pub fn at(run_id: &str, index: usize, now: Timestamp) -> BuiltIns {
        let day = slot_day(run_id, index);
        let slot = day
            .at(9, 0, 0, 0)
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(now);
        BuiltIns {
            run_id: run_id.to_owned(),
            case_id: format!("{run_id}-{index}"),
            slot_day: day,
            slot,
            now,
            today: now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
        }
    }

    /// Puts every built-in into `scope` under its name.
    pub fn fill(&self, scope: &mut Scope) {
        scope.insert("run_id", Var::Text(self.run_id.clone()));
        scope.insert("case_id", Var::Text(self.case_id.clone()));
        scope.insert("slot_day", Var::Date(self.slot_day));
        scope.insert("slot", Var::Instant(self.slot));
        scope.insert("now", Var::Instant(self.now));
        scope.insert("today", Var::Date(self.today));
    }

    /// What a snapshot of this case redacts: these facts and the target's base URL.
    pub fn redactions<'a>(&'a self, base_url: &'a str) -> Redactions<'a> {
        Redactions {
            base_url,
            run_id: &self.run_id,
            case_id: &self.case_id,
            slot_day: Some(self.slot_day),
            today: Some(self.today),
        }
    }
}

/// Builds the starting scope of a case on a target: its built-ins, the target's fixtures, then
/// the case's own variables in order. Errors name the variable that failed to render.
pub fn case_scope(
    case: &Case,
    builtins: &BuiltIns,
    target: &Target,
) -> Result<Scope, (String, TemplateError)> {
    let mut scope = Scope::default();
    builtins.fill(&mut scope);
    for (name, value) in &target.profile.fixtures {
        scope.insert(name.clone(), Var::Text(value.clone()));
    }
    for (name, value) in &case.spec.vars {
        let rendered = render_str(&value.value, &scope).map_err(|e| (name.clone(), e))?;
        scope.insert(name.clone(), Var::Text(rendered));
    }
    Ok(scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_of_one_run_get_distinct_weeks() {
        let a = slot_day("abcd1234", 0);
        let b = slot_day("abcd1234", 1);
        assert_eq!(a.checked_add(7.days()).unwrap(), b);
        assert!(a.year() >= 2100);
        assert!(slot_day("ffffffff", 127).year() < 9999);
    }

    #[test]
    fn the_built_ins_fill_every_name_lint_knows_and_redact_the_same_values() {
        let facts = BuiltIns::new("abcd1234", 2);
        let mut scope = Scope::default();
        facts.fill(&mut scope);
        for (name, _) in crate::case::names::BUILTINS {
            assert!(scope.contains(name), "`{name}` is not filled");
        }
        assert_eq!(scope.get("case_id"), Some(&Var::Text("abcd1234-2".into())));
        assert_eq!(
            scope.get("slot_day"),
            Some(&Var::Date(slot_day("abcd1234", 2)))
        );
        let redactions = facts.redactions("http://h");
        assert_eq!(redactions.run_id, "abcd1234");
        assert_eq!(redactions.case_id, "abcd1234-2");
        assert_eq!(redactions.slot_day, Some(facts.slot_day));
        assert_eq!(redactions.today, Some(facts.today));
    }
}
