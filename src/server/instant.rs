//! FHIR instants as the page documents them (`YYYY-MM-DDTHH:MM[:SS[.fff…]]` and a zone) and
//! search days (`YYYY-MM-DD`), stored as UTC epoch milliseconds. jiff's own parser is more
//! permissive than the page, so the shape is checked here first, then jiff validates the calendar.

use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use regex::Regex;

/// Milliseconds in one UTC day.
pub(crate) const DAY_MS: i64 = 86_400_000;

static INSTANT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$",
    )
    .expect("static regex compiles")
});

static DAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})-(\d{2})-(\d{2})$").expect("static regex compiles"));

/// Why a string is not an instant (or a day); phrased to follow "expected …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InstantError {
    #[error(
        "expected an instant YYYY-MM-DDTHH:MM with optional :SS and .fraction, then Z or ±HH:MM"
    )]
    Shape,
    #[error("expected a date YYYY-MM-DD")]
    DayShape,
    #[error("not a real date or time")]
    Calendar,
}

/// Parses a documented instant into UTC epoch milliseconds (extra fraction digits are truncated).
pub(crate) fn parse_instant(text: &str) -> Result<i64, InstantError> {
    let caps = INSTANT.captures(text).ok_or(InstantError::Shape)?;
    let num = |i: usize| -> i64 {
        caps.get(i)
            .and_then(|m| m.as_str().parse::<i64>().ok())
            .unwrap_or(0)
    };
    let millis = caps.get(7).map_or(0, |m| {
        let digits: String = m.as_str().chars().chain("00".chars()).take(3).collect();
        digits.parse::<i32>().unwrap_or(0)
    });
    let datetime = civil(
        num(1),
        num(2),
        num(3),
        num(4),
        num(5),
        num(6),
        millis * 1_000_000,
    )?;
    let offset = if caps.get(8).is_some() {
        Offset::UTC
    } else {
        let (hours, minutes) = (num(10), num(11));
        if hours > 23 || minutes > 59 {
            return Err(InstantError::Calendar);
        }
        let sign = if caps.get(9).map(|m| m.as_str()) == Some("-") {
            -1
        } else {
            1
        };
        let seconds = i32::try_from(sign * (hours * 3600 + minutes * 60))
            .map_err(|_| InstantError::Calendar)?;
        Offset::from_seconds(seconds).map_err(|_| InstantError::Calendar)?
    };
    let timestamp = offset
        .to_timestamp(datetime)
        .map_err(|_| InstantError::Calendar)?;
    Ok(timestamp.as_millisecond())
}

/// Parses a search day `YYYY-MM-DD` into the epoch milliseconds of its UTC midnight.
pub(crate) fn parse_day(text: &str) -> Result<i64, InstantError> {
    let caps = DAY.captures(text).ok_or(InstantError::DayShape)?;
    let num = |i: usize| -> i64 {
        caps.get(i)
            .and_then(|m| m.as_str().parse::<i64>().ok())
            .unwrap_or(0)
    };
    let datetime = civil(num(1), num(2), num(3), 0, 0, 0, 0)?;
    let timestamp = Offset::UTC
        .to_timestamp(datetime)
        .map_err(|_| InstantError::Calendar)?;
    Ok(timestamp.as_millisecond())
}

/// Formats UTC epoch milliseconds as Canvas answers: `YYYY-MM-DDTHH:MM:SS[.mmm]+00:00`.
pub(crate) fn format_instant(millis: i64) -> String {
    let Ok(timestamp) = Timestamp::from_millisecond(millis) else {
        return String::new();
    };
    let dt = Offset::UTC.to_datetime(timestamp);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    let ms = dt.subsec_nanosecond() / 1_000_000;
    if ms != 0 {
        out.push_str(&format!(".{ms:03}"));
    }
    out.push_str("+00:00");
    out
}

/// Formats UTC epoch milliseconds without the offset, as the `read-start-without-offset` mutant does.
pub(crate) fn format_instant_local(millis: i64) -> String {
    let full = format_instant(millis);
    full.strip_suffix("+00:00").unwrap_or(&full).to_string()
}

fn civil(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    nanos: i32,
) -> Result<DateTime, InstantError> {
    let small = |v: i64| i8::try_from(v).map_err(|_| InstantError::Calendar);
    let year = i16::try_from(year).map_err(|_| InstantError::Calendar)?;
    let date = Date::new(year, small(month)?, small(day)?).map_err(|_| InstantError::Calendar)?;
    DateTime::new(
        date.year(),
        date.month(),
        date.day(),
        small(hour)?,
        small(minute)?,
        small(second)?,
        nanos,
    )
    .map_err(|_| InstantError::Calendar)
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
    }

    #[test]
    fn rejects_undocumented_shapes() {
        for bad in [
            "2022-03-20",
            "2022-03-20T13",
            "2022-03-20T13:30",
            "2022-03-20T13:30:00",
            "2022-03-20 13:30:00Z",
            "2022-03-20T13:30.5Z",
            "2022-3-20T13:30Z",
            "2022-03-20T13:30:00+0100",
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
