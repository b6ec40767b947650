//! The variables a case starts with: built-ins (run id, the case's own time slot, now, today),
//! the target's fixtures, then the case's own variables.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use crate::case::Case;
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

/// The first day of a run's window: a stretch of days from 2100 to ~9000 chosen by the run id, so
/// two runs (even on a shared sandbox) almost never share days, and never collide with real data.
fn window_start(run_id: &str) -> Date {
    let windows = 2_800_000 / (DAYS_PER_CASE * CASES_PER_WINDOW);
    let window = (fnv1a(run_id.as_bytes()) % windows as u64) as i64;
    let base = jiff::civil::date(2100, 1, 1);
    base.checked_add((window * DAYS_PER_CASE * CASES_PER_WINDOW).days())
        .unwrap_or(base)
}

/// The day that belongs to case `index` of run `run_id`.
pub fn slot_day(run_id: &str, index: usize) -> Date {
    let offset = (index as i64 % CASES_PER_WINDOW) * DAYS_PER_CASE + DAYS_PER_CASE / 2;
    let start = window_start(run_id);
    start.checked_add(offset.days()).unwrap_or(start)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Builds the starting scope of a case on a target.
pub fn case_scope(
    case: &Case,
    index: usize,
    run_id: &str,
    target: &Target,
) -> Result<Scope, (String, TemplateError)> {
    let mut scope = Scope::default();
    let day = slot_day(run_id, index);
    let now = Timestamp::now();
    scope.insert("run_id", Var::Text(run_id.to_owned()));
    scope.insert("case_id", Var::Text(format!("{run_id}-{index}")));
    scope.insert("slot_day", Var::Date(day));
    let slot = day
        .at(9, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(now);
    scope.insert("slot", Var::Instant(slot));
    scope.insert("now", Var::Instant(now));
    scope.insert(
        "today",
        Var::Date(now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()),
    );
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
}
