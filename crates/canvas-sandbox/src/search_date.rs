//! The `date` search parameter (SEARCH-DATE): a prefix and a value → bounds on an appointment's
//! UTC start. The current edition reads a FHIR date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) or dateTime
//! as the range of its precision (D4 as amended); 2023-09 reads a UTC day (`YYYY-MM-DD`) only.

use std::sync::LazyLock;

use regex::Regex;

use super::edition::Policy;
use super::instant::{DAY_MS, civil_days, month_length, parse_day, parse_instant};
use super::mutant::Mutant;
use super::store::Bound;

/// A FHIR date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$").expect("static regex compiles")
});

/// The parts of a dateTime that set its precision: seconds and the fraction's digits.
static DATE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(?:\.(\d{1,9}))?)?(?:Z|[+-]\d{2}:\d{2})?$")
        .expect("static regex compiles")
});

/// One `date` parameter of the served edition as bounds on the UTC start; the error says what is
/// wrong with the value (a 400 `invalid`).
pub(crate) fn date_bounds(
    value: &str,
    policy: &Policy,
    mutant: Option<Mutant>,
) -> Result<Vec<Bound>, String> {
    let gt_inclusive = mutant == Some(Mutant::DateGtInclusive);
    if !policy.date_precision {
        let (prefix, day) = match value.get(..2) {
            Some(p @ ("eq" | "gt" | "ge" | "lt" | "le")) => (p, &value[2..]),
            _ => ("eq", value),
        };
        let start =
            parse_day(day).map_err(|e| format!("{e}, with an optional eq/gt/ge/lt/le prefix"))?;
        return Ok(bounds(prefix, (start, start + DAY_MS), gt_inclusive));
    }
    let (prefix, rest) = match value.get(..2) {
        Some(p) if p.bytes().all(|b| b.is_ascii_alphabetic()) => (p, &value[2..]),
        _ => ("eq", value),
    };
    match prefix {
        "eq" | "ge" | "gt" | "le" | "lt" => {}
        "ne" | "sa" | "eb" | "ap" => {
            return Err(format!(
                "the prefix {prefix} is not supported; use eq, ge, gt, le or lt"
            ));
        }
        other => {
            return Err(format!(
                "unknown prefix {other:?}; use eq, ge, gt, le or lt"
            ));
        }
    }
    let mut range = range_of(rest).ok_or_else(|| {
        "expected a date (YYYY, YYYY-MM, YYYY-MM-DD) or a dateTime (YYYY-MM-DDThh:mm with optional :ss and fraction, then Z, ±hh:mm or nothing for UTC), with an optional eq/ge/gt/le/lt prefix".to_string()
    })?;
    if mutant == Some(Mutant::DateTimeAsDay) && rest.contains('T') {
        let day = range.0 - range.0.rem_euclid(DAY_MS);
        range = (day, day + DAY_MS);
    }
    Ok(bounds(prefix, range, gt_inclusive))
}

/// FHIR's prefixes on a point in time (the start) against a range `[lo, hi)`: `eq` within it,
/// `ge` at or after its start, `gt` after its end, `le` before its end, `lt` before its start.
fn bounds(prefix: &str, (lo, hi): (i64, i64), gt_inclusive: bool) -> Vec<Bound> {
    match prefix {
        "gt" if gt_inclusive => vec![Bound::AtOrAfter(lo)],
        "gt" => vec![Bound::AtOrAfter(hi)],
        "ge" => vec![Bound::AtOrAfter(lo)],
        "lt" => vec![Bound::Before(lo)],
        "le" => vec![Bound::Before(hi)],
        _ => vec![Bound::AtOrAfter(lo), Bound::Before(hi)],
    }
}

/// The range `[lo, hi)` in UTC epoch milliseconds that a date or dateTime stands for at its
/// precision (a year, a month, a day, a minute, a second, a fraction); `None` when it is neither.
fn range_of(text: &str) -> Option<(i64, i64)> {
    if let Some(caps) = DATE.captures(text) {
        let num = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<i64>().ok());
        let year = num(1)?;
        return match (num(2), num(3)) {
            (None, _) => {
                let lo = civil_days(year, 1, 1).ok()?;
                Some((lo * DAY_MS, (civil_days(year, 12, 31).ok()? + 1) * DAY_MS))
            }
            (Some(month), None) => {
                let lo = civil_days(year, month, 1).ok()?;
                Some((lo * DAY_MS, (lo + month_length(year, month)?) * DAY_MS))
            }
            (Some(month), Some(day)) => {
                let lo = civil_days(year, month, day).ok()? * DAY_MS;
                Some((lo, lo + DAY_MS))
            }
        };
    }
    let caps = DATE_TIME.captures(text)?;
    let lo = parse_instant(text).ok()?;
    let width = match (caps.get(1), caps.get(2)) {
        (None, _) => 60_000,
        (Some(_), None) => 1000,
        (Some(_), Some(fraction)) => match fraction.as_str().len() {
            1 => 100,
            2 => 10,
            _ => 1,
        },
    };
    Some((lo, lo + width))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edition::Edition;

    fn current(value: &str) -> Result<Vec<Bound>, String> {
        date_bounds(value, Edition::Current.policy(), None)
    }

    fn at(text: &str) -> i64 {
        parse_instant(text).unwrap()
    }

    #[test]
    fn each_precision_is_its_range() {
        assert_eq!(
            current("2024").unwrap(),
            [
                Bound::AtOrAfter(at("2024-01-01T00:00Z")),
                Bound::Before(at("2025-01-01T00:00Z"))
            ]
        );
        assert_eq!(
            current("eq2024-02").unwrap(),
            [
                Bound::AtOrAfter(at("2024-02-01T00:00Z")),
                Bound::Before(at("2024-03-01T00:00Z"))
            ]
        );
        assert_eq!(
            current("2024-03-05T09:00:00-05:00").unwrap(),
            [
                Bound::AtOrAfter(at("2024-03-05T14:00:00Z")),
                Bound::Before(at("2024-03-05T14:00:01Z"))
            ]
        );
        assert_eq!(
            current("ge2024-03-05T09:00").unwrap(),
            [Bound::AtOrAfter(at("2024-03-05T09:00Z"))]
        );
        assert_eq!(
            current("gt2024-03-05T09:00Z").unwrap(),
            [Bound::AtOrAfter(at("2024-03-05T09:01Z"))]
        );
        assert_eq!(
            current("lt2024-03-05T09:00:00.5Z").unwrap(),
            [Bound::Before(at("2024-03-05T09:00:00.5Z"))]
        );
        assert_eq!(
            current("le2024-03-05T09:00:00.5Z").unwrap(),
            [Bound::Before(at("2024-03-05T09:00:00.6Z"))]
        );
        assert_eq!(
            current("9999").unwrap()[1],
            Bound::Before(at("9999-12-31T23:59:59.999Z") + 1)
        );
        // days stay UTC days, as in 2023-09
        let old = |v: &str| date_bounds(v, Edition::Sept2023.policy(), None);
        for day in [
            "2024-03-05",
            "ge2024-03-05",
            "gt2024-03-05",
            "le2024-03-05",
            "lt2024-03-05",
        ] {
            assert_eq!(current(day), old(day), "{day}");
        }
    }

    #[test]
    fn other_prefixes_and_malformed_values_are_refused() {
        for bad in [
            "ne2024-03-05",
            "sa2024-03-05",
            "eb2024",
            "ap2024",
            "xx2024",
            "2024-13",
            "2024-02-30",
            "2024-03-05T09",
            "2024-03-05T24:00Z",
            "2024-03-05Z",
            "24",
            "",
        ] {
            assert!(current(bad).is_err(), "{bad}");
        }
        let old = |v: &str| date_bounds(v, Edition::Sept2023.policy(), None);
        assert!(old("2024-03-05T09:00Z").is_err());
        assert!(old("2024").is_err());
    }

    #[test]
    fn the_mutant_widens_a_date_time_to_its_day() {
        let wide = date_bounds(
            "2024-03-05T09:00Z",
            Edition::Current.policy(),
            Some(Mutant::DateTimeAsDay),
        )
        .unwrap();
        assert_eq!(
            wide,
            [
                Bound::AtOrAfter(at("2024-03-05T00:00Z")),
                Bound::Before(at("2024-03-06T00:00Z"))
            ]
        );
    }
}
