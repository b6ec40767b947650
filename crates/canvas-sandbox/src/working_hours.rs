//! Working hours: the weekdays and the UTC times of day a practitioner can be booked (the
//! instance's `working_hours:` or a practitioner's own), read from a settings file with the
//! line and column of every mistake. Slot search (`free_slots.rs`) cuts them into slots.

use serde::Deserialize;
use serde_saphyr::{Location as YamlLocation, Spanned};

/// A day of the week, named `mon` … `sun` in settings files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    /// Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// The settings name: `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`.
    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    /// The day a settings name stands for (exactly as [`Weekday::as_str`] spells it).
    pub fn from_name(name: &str) -> Option<Weekday> {
        Weekday::ALL.into_iter().find(|d| d.as_str() == name)
    }

    /// The weekday of UTC day number `day` (days since 1970-01-01, a Thursday).
    pub(crate) fn of_day(day: i64) -> Weekday {
        let index = usize::try_from((day + 3).rem_euclid(7)).unwrap_or(0);
        Weekday::ALL[index]
    }
}

/// When a practitioner can be booked: on each of `days`, from `start_minute` to `end_minute`,
/// both in minutes after UTC midnight (`start_minute < end_minute <= 1440`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkingHours {
    pub days: Vec<Weekday>,
    pub start_minute: u32,
    pub end_minute: u32,
}

impl Default for WorkingHours {
    /// Monday to Friday, 09:00–17:00 UTC.
    fn default() -> Self {
        WorkingHours {
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            start_minute: 9 * 60,
            end_minute: 17 * 60,
        }
    }
}

impl WorkingHours {
    /// Whether `day` is a working day.
    pub(crate) fn works_on(&self, day: Weekday) -> bool {
        self.days.contains(&day)
    }
}

/// `working_hours:` as written: `{days: [mon, …], start: "09:00", end: "17:00"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWorkingHours {
    days: Spanned<Vec<Spanned<String>>>,
    start: Spanned<String>,
    end: Spanned<String>,
}

impl RawWorkingHours {
    /// Checks the days (known names, each once) and the times (`HH:MM`, `end` after `start`);
    /// an error names the node at fault.
    pub(crate) fn check(self) -> Result<WorkingHours, (YamlLocation, String)> {
        let mut days = Vec::new();
        for day in &self.days.value {
            let Some(weekday) = Weekday::from_name(&day.value) else {
                return Err((
                    day.referenced,
                    format!(
                        "unknown day `{}`: expected mon, tue, wed, thu, fri, sat or sun",
                        day.value
                    ),
                ));
            };
            if days.contains(&weekday) {
                return Err((day.referenced, format!("day `{}` given twice", day.value)));
            }
            days.push(weekday);
        }
        let time = |field: &str, at: &Spanned<String>| {
            parse_time(&at.value).ok_or_else(|| {
                (
                    at.referenced,
                    format!(
                        "{field} `{}`: expected a UTC time HH:MM (00:00–23:59, or 24:00)",
                        at.value
                    ),
                )
            })
        };
        let start_minute = time("start", &self.start)?;
        let end_minute = time("end", &self.end)?;
        if end_minute <= start_minute {
            return Err((
                self.end.referenced,
                format!(
                    "end `{}` must be after start `{}`",
                    self.end.value, self.start.value
                ),
            ));
        }
        Ok(WorkingHours {
            days,
            start_minute,
            end_minute,
        })
    }
}

/// `HH:MM` (two digits each) as minutes after midnight; `24:00` is the end of the day.
fn parse_time(text: &str) -> Option<u32> {
    let (hours, minutes) = text.split_once(':')?;
    let two_digits = |part: &str| {
        (part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let (hours, minutes) = (two_digits(hours)?, two_digits(minutes)?);
    match (hours, minutes) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(hours * 60 + minutes),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_two_digit_hours_and_minutes() {
        assert_eq!(parse_time("09:00"), Some(540));
        assert_eq!(parse_time("00:00"), Some(0));
        assert_eq!(parse_time("23:59"), Some(1439));
        assert_eq!(parse_time("24:00"), Some(1440));
        for bad in [
            "9:00", "09:0", "24:01", "25:00", "12:60", "09-00", "", "+9:00", "0900",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn day_numbers_have_their_weekdays() {
        // 1970-01-01 was a Thursday, 2026-12-07 a Monday (day 20_794)
        assert_eq!(Weekday::of_day(0), Weekday::Thu);
        assert_eq!(Weekday::of_day(-1), Weekday::Wed);
        assert_eq!(Weekday::of_day(20_794), Weekday::Mon);
        assert_eq!(Weekday::of_day(20_800), Weekday::Sun);
        for day in Weekday::ALL {
            assert_eq!(Weekday::from_name(day.as_str()), Some(day));
        }
        assert_eq!(Weekday::from_name("Mon"), None);
    }

    #[test]
    fn the_default_is_weekdays_nine_to_five() {
        let hours = WorkingHours::default();
        assert!(hours.works_on(Weekday::Fri));
        assert!(!hours.works_on(Weekday::Sat));
        assert_eq!((hours.start_minute, hours.end_minute), (540, 1020));
    }
}
