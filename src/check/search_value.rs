//! What a search parameter's value asks of one entry, as FHIR R4 search defines it: a token in
//! its four forms (`code`, `system|code`, `|code`, `system|`; D30) and a date or dateTime prefix
//! on the range of the value's precision (D4 as amended; a day is a UTC day, as in 2023-09).

use jiff::civil::Date;
use jiff::{Span, Timestamp, ToSpan};

/// A token search value: the system it asks for (`None`: any; `Some("")`: none) and the code
/// (`None`: any code of the system).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenQuery<'a> {
    pub system: Option<&'a str>,
    pub code: Option<&'a str>,
}

impl<'a> TokenQuery<'a> {
    /// Reads a token value; `None` for one that asks nothing (`|`, empty).
    pub fn parse(value: &'a str) -> Option<TokenQuery<'a>> {
        let query = match value.split_once('|') {
            None => TokenQuery {
                system: None,
                code: Some(value),
            },
            Some((system, code)) => TokenQuery {
                system: Some(system),
                code: (!code.is_empty()).then_some(code),
            },
        };
        (query.code.is_some_and(|c| !c.is_empty()) || query.system.is_some_and(|s| !s.is_empty()))
            .then_some(query)
    }

    /// Whether a coding (or identifier) with this system and code (value) matches.
    pub fn matches(&self, system: Option<&str>, code: Option<&str>) -> bool {
        let system_ok = match self.system {
            None => true,
            Some("") => system.is_none_or(str::is_empty),
            Some(wanted) => system == Some(wanted),
        };
        system_ok && self.code.is_none_or(|wanted| code == Some(wanted))
    }
}

/// A `date` value's prefix (`eq` when none) and the range `[lo, hi)` it stands for; `None` for a
/// prefix or a value the oracle does not read (the server judges those: 400).
pub fn date_range(value: &str) -> Option<(&str, Timestamp, Timestamp)> {
    let (prefix, rest) = match value.get(..2) {
        Some(p) if p.bytes().all(|b| b.is_ascii_alphabetic()) => (p, &value[2..]),
        _ => ("eq", value),
    };
    if !matches!(prefix, "eq" | "gt" | "ge" | "lt" | "le") {
        return None;
    }
    let (lo, hi) = if rest.contains('T') {
        date_time_range(rest)?
    } else {
        date_only_range(rest)?
    };
    Some((prefix, lo, hi))
}

/// Whether an instant satisfies a prefix on `[lo, hi)`, as FHIR R4 search applies prefixes to a
/// point in time: `eq` within, `ge` at or after its start, `gt` after its end, `le` before its
/// end, `lt` before its start.
pub fn prefix_holds(prefix: &str, at: Timestamp, lo: Timestamp, hi: Timestamp) -> bool {
    match prefix {
        "gt" => at >= hi,
        "ge" => at >= lo,
        "lt" => at < lo,
        "le" => at < hi,
        _ => lo <= at && at < hi,
    }
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` as UTC days.
fn date_only_range(text: &str) -> Option<(Timestamp, Timestamp)> {
    let parts: Vec<&str> = text.split('-').collect();
    let number = |part: &str, len: usize| -> Option<i16> {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (start, span): (Date, Span) = match parts.as_slice() {
        [year] => (Date::new(number(year, 4)?, 1, 1).ok()?, 1.year()),
        [year, month] => (
            Date::new(number(year, 4)?, i8::try_from(number(month, 2)?).ok()?, 1).ok()?,
            1.month(),
        ),
        [year, month, day] => (
            Date::new(
                number(year, 4)?,
                i8::try_from(number(month, 2)?).ok()?,
                i8::try_from(number(day, 2)?).ok()?,
            )
            .ok()?,
            1.day(),
        ),
        _ => return None,
    };
    let utc = |date: Date| format!("{date}T00:00:00Z").parse::<Timestamp>().ok();
    let lo = utc(start)?;
    let hi = start
        .checked_add(span)
        .ok()
        .and_then(utc)
        .unwrap_or(Timestamp::MAX);
    Some((lo, hi))
}

/// A dateTime (no offset: UTC, D4) and its precision: a minute, a second or its fraction.
fn date_time_range(text: &str) -> Option<(Timestamp, Timestamp)> {
    let zoned = text.ends_with('Z')
        || text
            .get(text.len().saturating_sub(6)..)
            .is_some_and(|tail| {
                tail.starts_with(['+', '-']) && tail.as_bytes().get(3) == Some(&b':')
            });
    let (local, _) = text.split_at(if text.ends_with('Z') {
        text.len() - 1
    } else if zoned {
        text.len() - 6
    } else {
        text.len()
    });
    let time = local.split_once('T')?.1;
    let width = match time.split(':').count() {
        2 => 60.seconds(),
        3 => match time.split_once('.') {
            None => 1.second(),
            Some((_, fraction)) => {
                let digits = u32::try_from(fraction.len())
                    .ok()
                    .filter(|n| (1..=9).contains(n))?;
                (10_i64.pow(9 - digits)).nanoseconds()
            }
        },
        _ => return None,
    };
    let full = if zoned {
        text.to_owned()
    } else {
        format!("{text}Z")
    };
    let lo: Timestamp = full.parse().ok()?;
    Some((lo, lo.checked_add(width).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_four_token_forms() {
        fn q(v: &str) -> TokenQuery<'_> {
            TokenQuery::parse(v).unwrap()
        }
        assert!(q("V").matches(Some("s"), Some("V")));
        assert!(q("V").matches(None, Some("V")));
        assert!(q("s|V").matches(Some("s"), Some("V")));
        assert!(!q("s|V").matches(Some("t"), Some("V")));
        assert!(q("|V").matches(None, Some("V")));
        assert!(!q("|V").matches(Some("s"), Some("V")));
        assert!(q("s|").matches(Some("s"), Some("W")));
        assert!(!q("s|").matches(None, Some("W")));
        assert_eq!(TokenQuery::parse("|"), None);
        assert_eq!(TokenQuery::parse(""), None);
    }

    #[test]
    fn dates_and_date_times_are_ranges_of_their_precision() {
        let range = |v: &str| date_range(v).map(|(p, lo, hi)| (p.to_owned(), lo, hi));
        assert_eq!(
            range("2024"),
            Some((
                "eq".into(),
                at("2024-01-01T00:00Z"),
                at("2025-01-01T00:00Z")
            ))
        );
        assert_eq!(
            range("ge2024-02"),
            Some((
                "ge".into(),
                at("2024-02-01T00:00Z"),
                at("2024-03-01T00:00Z")
            ))
        );
        assert_eq!(
            range("2024-03-05T09:00:00-05:00"),
            Some((
                "eq".into(),
                at("2024-03-05T14:00:00Z"),
                at("2024-03-05T14:00:01Z")
            ))
        );
        assert_eq!(
            range("lt2024-03-05T09:00"),
            Some((
                "lt".into(),
                at("2024-03-05T09:00Z"),
                at("2024-03-05T09:01Z")
            ))
        );
        assert_eq!(range("ne2024-03-05"), None);
        assert_eq!(range("2024-3-05"), None);
        let (_, lo, hi) = date_range("2024-03-05").unwrap();
        assert!(prefix_holds("eq", at("2024-03-05T23:59Z"), lo, hi));
        assert!(!prefix_holds("gt", at("2024-03-05T23:59Z"), lo, hi));
        assert!(prefix_holds("le", at("2024-03-05T23:59Z"), lo, hi));
        assert!(prefix_holds("lt", at("2024-03-04T23:59Z"), lo, hi));
    }
}
