//! Free slots: a practitioner's working hours over a range of UTC days, cut back to back into
//! slots of one length from the start of each day's hours, minus every slot that overlaps a
//! booked span or starts before now. A pure function (Slot search gathers its inputs).

use super::instant::DAY_MS;
use super::working_hours::{Weekday, WorkingHours};

/// Milliseconds in a minute.
const MINUTE_MS: i64 = 60_000;

/// A span of time `[start_ms, end_ms)` in UTC epoch milliseconds. A booked span may have its
/// ends in either order (2023-09 accepts an end before the start); a zero-length one holds its
/// instant, as the double-booking check counts it (`store.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// What to cut into slots.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cut<'a> {
    /// The practitioner's working hours (UTC).
    pub hours: &'a WorkingHours,
    /// The first day: the epoch milliseconds of its UTC midnight.
    pub first_day_ms: i64,
    /// How many days, the first included.
    pub days: u32,
    /// The length of every slot, in whole minutes (at least 1).
    pub duration_minutes: u32,
    /// Now: a slot that starts earlier is not offered.
    pub now_ms: i64,
}

/// The free slots of `cut`, in start order: on each working day, from the start of the hours,
/// slots of `duration_minutes` back to back while one still ends within the hours; minus those
/// that start before `now_ms` and those that overlap any of `booked`.
pub(crate) fn free_slots(cut: &Cut<'_>, booked: &[Span]) -> Vec<Span> {
    let duration = i64::from(cut.duration_minutes) * MINUTE_MS;
    if duration <= 0 {
        return Vec::new();
    }
    let (busy, points) = busy_spans(booked);
    let (mut next_busy, mut next_point) = (0, 0);
    let mut out = Vec::new();
    for day in 0..i64::from(cut.days) {
        let midnight = cut.first_day_ms + day * DAY_MS;
        if !cut
            .hours
            .works_on(Weekday::of_day(midnight.div_euclid(DAY_MS)))
        {
            continue;
        }
        let open = midnight + i64::from(cut.hours.start_minute) * MINUTE_MS;
        let close = midnight + i64::from(cut.hours.end_minute) * MINUTE_MS;
        let mut start = open;
        while start + duration <= close {
            let slot = Span {
                start_ms: start,
                end_ms: start + duration,
            };
            start = slot.end_ms;
            if slot.start_ms < cut.now_ms {
                continue;
            }
            // slots come in start order, so both cursors only move forward
            while busy
                .get(next_busy)
                .is_some_and(|b| b.end_ms <= slot.start_ms)
            {
                next_busy += 1;
            }
            if busy
                .get(next_busy)
                .is_some_and(|b| b.start_ms < slot.end_ms)
            {
                continue;
            }
            while points.get(next_point).is_some_and(|p| *p < slot.start_ms) {
                next_point += 1;
            }
            if points.get(next_point).is_some_and(|p| *p < slot.end_ms) {
                continue;
            }
            out.push(slot);
        }
    }
    out
}

/// The booked spans as disjoint spans in start order (ends put in order, overlapping ones
/// merged), and the zero-length ones as sorted instants.
fn busy_spans(booked: &[Span]) -> (Vec<Span>, Vec<i64>) {
    let mut spans: Vec<Span> = Vec::new();
    let mut points: Vec<i64> = Vec::new();
    for b in booked {
        let (lo, hi) = (b.start_ms.min(b.end_ms), b.start_ms.max(b.end_ms));
        if lo == hi {
            points.push(lo);
        } else {
            spans.push(Span {
                start_ms: lo,
                end_ms: hi,
            });
        }
    }
    spans.sort_unstable_by_key(|s| s.start_ms);
    points.sort_unstable();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start_ms <= last.end_ms => {
                last.end_ms = last.end_ms.max(span.end_ms)
            }
            _ => merged.push(span),
        }
    }
    (merged, points)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-07, a Monday, at 00:00 UTC.
    const MONDAY: i64 = 20_794 * DAY_MS;

    fn at(day: i64, hour: i64, minute: i64) -> i64 {
        MONDAY + day * DAY_MS + hour * 3_600_000 + minute * MINUTE_MS
    }

    fn span(start_ms: i64, end_ms: i64) -> Span {
        Span { start_ms, end_ms }
    }

    fn cut(hours: &WorkingHours, days: u32, duration_minutes: u32) -> Cut<'_> {
        Cut {
            hours,
            first_day_ms: MONDAY,
            days,
            duration_minutes,
            now_ms: 0,
        }
    }

    /// The (hour, minute) of each slot's start on day `day`.
    fn starts(slots: &[Span], day: i64) -> Vec<(i64, i64)> {
        slots
            .iter()
            .filter(|s| (s.start_ms - MONDAY).div_euclid(DAY_MS) == day)
            .map(|s| {
                let in_day = (s.start_ms - MONDAY).rem_euclid(DAY_MS) / MINUTE_MS;
                (in_day / 60, in_day % 60)
            })
            .collect()
    }

    #[test]
    fn default_hours_give_twenty_four_twenty_minute_slots_a_weekday() {
        let hours = WorkingHours::default();
        let slots = free_slots(&cut(&hours, 7, 20), &[]);
        assert_eq!(slots.len(), 5 * 24, "Monday to Friday, none at the weekend");
        assert_eq!(slots[0], span(at(0, 9, 0), at(0, 9, 20)));
        assert_eq!(slots[23], span(at(0, 16, 40), at(0, 17, 0)));
        assert_eq!(slots[24].start_ms, at(1, 9, 0));
        assert!(starts(&slots, 5).is_empty() && starts(&slots, 6).is_empty());
        assert!(slots.windows(2).all(|w| w[0].start_ms < w[1].start_ms));
    }

    #[test]
    fn a_slot_must_end_within_the_hours() {
        let hours = WorkingHours::default();
        // 480 minutes hold nine 50-minute slots; the tenth would end at 17:20
        let slots = free_slots(&cut(&hours, 1, 50), &[]);
        assert_eq!(slots.len(), 9);
        assert_eq!(slots[8], span(at(0, 15, 40), at(0, 16, 30)));
        assert!(free_slots(&cut(&hours, 1, 481), &[]).is_empty());
        assert_eq!(free_slots(&cut(&hours, 1, 480), &[]).len(), 1);
    }

    #[test]
    fn booked_spans_take_every_slot_they_overlap() {
        let hours = WorkingHours::default();
        let booked = [
            span(at(0, 10, 10), at(0, 10, 30)),
            // touching ends do not overlap: only 11:00–11:20 goes
            span(at(0, 11, 0), at(0, 11, 20)),
            // ends in the wrong order still hold their span
            span(at(0, 13, 20), at(0, 13, 0)),
            // an instant holds the slot it falls in, not the one it ends
            span(at(0, 14, 20), at(0, 14, 20)),
            // overlapping bookings merge
            span(at(0, 15, 0), at(0, 15, 30)),
            span(at(0, 15, 10), at(0, 15, 50)),
        ];
        let slots = free_slots(&cut(&hours, 2, 20), &booked);
        let monday = starts(&slots, 0);
        for gone in [
            (10, 0),
            (10, 20),
            (11, 0),
            (13, 0),
            (14, 20),
            (15, 0),
            (15, 20),
            (15, 40),
        ] {
            assert!(!monday.contains(&gone), "{gone:?} should be taken");
        }
        for free in [
            (9, 40),
            (10, 40),
            (11, 20),
            (12, 40),
            (13, 20),
            (14, 0),
            (14, 40),
            (16, 0),
        ] {
            assert!(monday.contains(&free), "{free:?} should be free");
        }
        assert_eq!(monday.len(), 24 - 8);
        assert_eq!(starts(&slots, 1).len(), 24, "Tuesday is untouched");
    }

    #[test]
    fn bookings_before_the_range_and_long_ones_count() {
        let hours = WorkingHours::default();
        let booked = [
            span(at(-3, 9, 0), at(-3, 9, 20)),
            // from Monday 16:00 to Tuesday 09:30
            span(at(0, 16, 0), at(1, 9, 30)),
        ];
        let slots = free_slots(&cut(&hours, 2, 20), &booked);
        assert_eq!(starts(&slots, 0).len(), 21);
        assert_eq!(starts(&slots, 1).first(), Some(&(9, 40)));
    }

    #[test]
    fn nothing_starts_before_now() {
        let hours = WorkingHours::default();
        let mut request = cut(&hours, 1, 20);
        request.now_ms = at(0, 12, 5);
        let slots = free_slots(&request, &[]);
        assert_eq!(slots[0].start_ms, at(0, 12, 20));
        assert_eq!(slots.len(), 14);
        request.now_ms = at(0, 12, 20);
        assert_eq!(free_slots(&request, &[])[0].start_ms, at(0, 12, 20));
    }

    #[test]
    fn own_hours_on_one_day_a_week() {
        let hours = WorkingHours {
            days: vec![Weekday::Tue],
            start_minute: 13 * 60,
            end_minute: 15 * 60,
        };
        let slots = free_slots(&cut(&hours, 14, 30), &[]);
        assert_eq!(slots.len(), 8, "four on each of two Tuesdays");
        assert_eq!(starts(&slots, 1), [(13, 0), (13, 30), (14, 0), (14, 30)]);
        assert_eq!(starts(&slots, 8).len(), 4);
        let whole_day = WorkingHours {
            days: Weekday::ALL.to_vec(),
            start_minute: 0,
            end_minute: 24 * 60,
        };
        assert_eq!(free_slots(&cut(&whole_day, 31, 1), &[]).len(), 31 * 1440);
    }
}
