//! FHIR instants as the pages document them (`YYYY-MM-DDTHH:MM[:SS[.fffffffff]]` with a zone,
//! or without one, read as UTC, D20) and search days (`YYYY-MM-DD`), stored as UTC epoch
//! milliseconds. A value is accepted exactly when it is a valid FHIR R4 instant (years 0001–9999,
//! offsets up to ±14:00, at most nine fraction digits) or one of the page's documented omissions
//! (seconds, offset); the calendar arithmetic is our own so that all of 0001–9999 is reachable.

use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use regex::Regex;

/// Milliseconds in one UTC day.
pub(crate) const DAY_MS: i64 = 86_400_000;

static INSTANT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))?$",
    )
    .expect("static regex compiles")
});

static DAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})-(\d{2})-(\d{2})$").expect("static regex compiles"));

/// The first instant a FHIR instant can name: 0001-01-01T00:00:00Z, in epoch milliseconds.
const MIN_MS: i64 = -62_135_596_800_000;
/// The last: 9999-12-31T23:59:59.999Z.
const MAX_MS: i64 = 253_402_300_799_999;

/// Why a string is not an instant (or a day); phrased to follow "expected …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InstantError {
    #[error(
        "expected an instant YYYY-MM-DDTHH:MM with optional :SS and .fraction (1–9 digits), then Z, ±HH:MM or nothing (UTC)"
    )]
    Shape,
    #[error("expected a date YYYY-MM-DD")]
    DayShape,
    #[error("not a real date or time")]
    Calendar,
    #[error("the year must be 0001–9999 and the offset at most ±14:00")]
    Range,
}

/// Parses a documented instant into UTC epoch milliseconds (fraction digits beyond
/// milliseconds are truncated). Without an offset the time is UTC (D20).
pub(crate) fn parse_instant(text: &str) -> Result<i64, InstantError> {
    let caps = INSTANT.captures(text).ok_or(InstantError::Shape)?;
    let num = |i: usize| -> i64 {
        caps.get(i)
            .and_then(|m| m.as_str().parse::<i64>().ok())
            .unwrap_or(0)
    };
    let millis = caps.get(7).map_or(0, |m| {
        let digits: String = m.as_str().chars().chain("00".chars()).take(3).collect();
        digits.parse::<i64>().unwrap_or(0)
    });
    let days = civil_days(num(1), num(2), num(3))?;
    let (hour, minute, second) = (num(4), num(5), num(6));
    if hour > 23 || minute > 59 || second > 59 {
        return Err(InstantError::Calendar);
    }
    let offset_minutes = match caps.get(9) {
        None => 0,
        Some(sign) => {
            let (hours, minutes) = (num(10), num(11));
            if minutes > 59 {
                return Err(InstantError::Calendar);
            }
            if hours > 14 || (hours == 14 && minutes > 0) {
                return Err(InstantError::Range);
            }
            let total = hours * 60 + minutes;
            if sign.as_str() == "-" { -total } else { total }
        }
    };
    let local = days * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
    let utc = local - offset_minutes * 60_000;
    if !(MIN_MS..=MAX_MS).contains(&utc) {
        return Err(InstantError::Range);
    }
    Ok(utc)
}

/// Parses a search day `YYYY-MM-DD` (years 0001–9999) into the epoch milliseconds of its UTC
/// midnight.
pub(crate) fn parse_day(text: &str) -> Result<i64, InstantError> {
    let caps = DAY.captures(text).ok_or(InstantError::DayShape)?;
    let num = |i: usize| -> i64 {
        caps.get(i)
            .and_then(|m| m.as_str().parse::<i64>().ok())
            .unwrap_or(0)
    };
    Ok(civil_days(num(1), num(2), num(3))? * DAY_MS)
}

/// The number of days of `month` (1–12) in `year`; `None` for another month.
pub(crate) fn month_length(year: i64, month: i64) -> Option<i64> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 if leap => Some(29),
        2 => Some(28),
        _ => None,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date in years 0001–9999.
pub(crate) fn civil_days(year: i64, month: i64, day: i64) -> Result<i64, InstantError> {
    if !(1..=9999).contains(&year) {
        return Err(InstantError::Range);
    }
    let length = month_length(year, month).ok_or(InstantError::Calendar)?;
    if !(1..=length).contains(&day) {
        return Err(InstantError::Calendar);
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok(era * 146_097 + doe - 719_468)
}

/// The (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats UTC epoch milliseconds as Canvas answers: `YYYY-MM-DDTHH:MM:SS[.mmm]+00:00`.
pub(crate) fn format_instant(millis: i64) -> String {
    let in_day = millis.rem_euclid(DAY_MS);
    let mut out = format!(
        "{}T{:02}:{:02}:{:02}",
        format_day(millis),
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60
    );
    let ms = in_day % 1000;
    if ms != 0 {
        out.push_str(&format!(".{ms:03}"));
    }
    out.push_str("+00:00");
    out
}

/// The UTC date `YYYY-MM-DD` of epoch milliseconds.
pub(crate) fn format_day(millis: i64) -> String {
    let (year, month, day) = civil_from_days(millis.div_euclid(DAY_MS));
    format!("{year:04}-{month:02}-{day:02}")
}

/// Formats UTC epoch milliseconds without the offset, as the `read-start-without-offset` mutant does.
pub(crate) fn format_instant_local(millis: i64) -> String {
    let full = format_instant(millis);
    full.strip_suffix("+00:00").unwrap_or(&full).to_string()
}

/// Now, in UTC epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_documented_shape() {
        let base = parse_instant("2022-03-20T13:30:00Z").unwrap();
        assert_eq!(parse_instant("2022-03-20T13:30Z").unwrap(), base);
        assert_eq!(parse_instant("2022-03-20T13:30:00.000Z").unwrap(), base);
        assert_eq!(parse_instant("2022-03-20T14:30:00+01:00").unwrap(), base);
        assert_eq!(parse_instant("2022-03-20T08:30-05:00").unwrap(), base);
        assert_eq!(parse_instant("2022-03-20T13:30:00.5Z").unwrap(), base + 500);
        assert_eq!(
            parse_instant("2022-03-20T13:30:00.123456789Z").unwrap(),
            base + 123
        );
        // D20: no offset is UTC
        assert_eq!(parse_instant("2022-03-20T13:30").unwrap(), base);
        assert_eq!(parse_instant("2022-03-20T13:30:00").unwrap(), base);
    }

    #[test]
    fn accepts_exactly_the_fhir_year_and_offset_range() {
        let last = parse_instant("9999-12-31T23:59:59.999Z").unwrap();
        assert_eq!(format_instant(last), "9999-12-31T23:59:59.999+00:00");
        let first = parse_instant("0001-01-01T00:00:00Z").unwrap();
        assert_eq!(format_instant(first), "0001-01-01T00:00:00+00:00");
        assert!(parse_instant("2022-03-20T13:30+14:00").is_ok());
        assert!(parse_instant("2022-03-20T13:30-14:00").is_ok());
        for bad in [
            "0000-12-31T00:01:00Z",
            "-001-12-31T00:01:00Z",
            "10000-01-01T00:00:00Z",
            "2022-03-20T13:30+14:01",
            "2022-03-20T13:30+15:00",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:00:00-05:00",
            "2022-03-20T13:30:00.1234567890Z",
        ] {
            assert!(parse_instant(bad).is_err(), "{bad}");
        }
        assert_eq!(format_day(parse_day("2024-02-29").unwrap()), "2024-02-29");
        assert!(parse_day("2023-02-29").is_err());
        assert!(parse_day("0000-01-01").is_err());
    }

    #[test]
    fn rejects_undocumented_shapes() {
        for bad in [
            "2022-03-20",
            "2022-03-20T13",
            "2022-03-20 13:30:00Z",
            "2022-03-20T13:30.5Z",
            "2022-3-20T13:30Z",
            "2022-03-20T13:30:00+0100",
            "2022-03-20T13:30:00.Z",
            "2022-03-20T13:30:00z",
            "",
            " 2022-03-20T13:30Z",
        ] {
            assert_eq!(parse_instant(bad), Err(InstantError::Shape), "{bad}");
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            "2023-02-29T10:00Z",
            "2022-13-01T10:00Z",
            "2022-03-20T24:00Z",
            "2022-03-20T13:60Z",
            "2022-03-20T13:30:60Z",
            "2022-03-20T13:30Z+24:00",
            "2022-03-20T13:30+24:00",
        ] {
            assert!(parse_instant(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_utc_with_offset_and_optional_millis() {
        let ms = parse_instant("2023-06-06T09:00:00Z").unwrap();
        assert_eq!(format_instant(ms), "2023-06-06T09:00:00+00:00");
        assert_eq!(format_instant(ms + 7), "2023-06-06T09:00:00.007+00:00");
        assert_eq!(format_instant_local(ms), "2023-06-06T09:00:00");
    }

    #[test]
    fn parses_days_at_utc_midnight() {
        assert_eq!(
            parse_day("2023-06-06").unwrap(),
            parse_instant("2023-06-06T00:00Z").unwrap()
        );
        assert_eq!(parse_day("2023-6-06"), Err(InstantError::DayShape));
        assert_eq!(parse_day("2023-02-30"), Err(InstantError::Calendar));
        assert_eq!(parse_day("2023-06-06T00:00Z"), Err(InstantError::DayShape));
    }
}
