//! `GET /Slot`: the free slots of one schedule's practitioner (`schedule` required; `start`,
//! `end`, `duration`, `appointment-type`), from its working hours minus the appointments that
//! hold time (docs.canvasmedical.com/api/slot/).

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use crate::error::ApiError;
use crate::free_slots::{Cut, Span, free_slots};
use crate::instant::{DAY_MS, format_day, now_ms, parse_day};
use crate::lookup_query::LookupQuery;
use crate::resources::{Schedule, schedules, slot_json};
use crate::search::token;
use crate::settings::{AppointmentType, Settings};
use crate::state::AppState;
use crate::status::CanvasStatus;
use crate::store::Filters;

/// The most days one search may span (`end` − `start` + 1): bounds the slots it holds in memory
/// (at most 31 × 1440).
pub(crate) const MAX_DAYS: i64 = 31;
/// `end` when omitted: this many days after `start` (the page: "a week … 7 days from the start
/// date"); `end` is inclusive.
const DEFAULT_SPAN_DAYS: i64 = 7;
/// `duration` when omitted, in minutes (the page's default).
const DEFAULT_DURATION: u32 = 20;
/// The longest `duration`, in minutes (a working day of eight hours).
const MAX_DURATION: u32 = 480;

const PARAMETERS: [&str; 5] = ["schedule", "start", "end", "duration", "appointment-type"];

/// A searchset of free Slots, in start order. 400 when `schedule` is missing or names no
/// schedule, a date is not `YYYY-MM-DD`, `end` is before `start` or more than 30 days after it,
/// `duration` is not 1–480, or `appointment-type` is not a configured scheduleable type.
pub(crate) async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let policy = state.policy();
    let query = LookupQuery::parse(raw.as_deref(), &PARAMETERS, policy)?;
    let now = now_ms();
    let all = schedules(&state.settings);
    let schedule = schedule_of(&query, &all)?;
    let (first_day_ms, days) = days_of(&query, now)?;
    let duration_minutes = duration_of(&query)?;
    let appointment_type = appointment_type_of(&query, &state.settings)?;
    let filters = Filters {
        practitioner: Some(schedule.practitioner.id.clone()),
        statuses: Some(
            CanvasStatus::ALL
                .iter()
                .copied()
                .filter(|s| s.holds_slot())
                .collect(),
        ),
        overlapping: Some((first_day_ms, first_day_ms + i64::from(days) * DAY_MS)),
        ..Filters::default()
    };
    let (_, rows) = state
        .with_store(move |store| Ok(store.search(&filters)?))
        .await?;
    let booked: Vec<Span> = rows
        .iter()
        .map(|row| Span {
            start_ms: row.start_ms,
            end_ms: row.end_ms,
        })
        .collect();
    let cut = Cut {
        hours: state.settings.hours_of(schedule.practitioner),
        first_day_ms,
        days,
        duration_minutes,
        now_ms: now,
    };
    let schedule_id = schedule.id();
    Ok(Json(query.searchset(
        "/Slot",
        free_slots(&cut, &booked),
        |span| slot_json(&schedule_id, *span, appointment_type),
        policy,
    )))
}

/// The schedule `schedule` names (`Schedule/<id>` or `<id>`).
fn schedule_of<'a>(
    query: &LookupQuery,
    all: &'a [Schedule<'a>],
) -> Result<&'a Schedule<'a>, ApiError> {
    let Some(id) = query.reference("schedule", "Schedule")? else {
        return Err(ApiError::bad(
            "schedule",
            "schedule is required: a Schedule id (Schedule/<id> or <id>) from GET /Schedule",
        ));
    };
    all.iter().find(|s| s.id() == id).ok_or_else(|| {
        ApiError::bad(
            "schedule",
            format!("unknown schedule {id:?}; GET /Schedule lists the schedules"),
        )
    })
}

/// The first day (epoch ms of its UTC midnight) and the number of days, `end` included.
fn days_of(query: &LookupQuery, now: i64) -> Result<(i64, u32), ApiError> {
    let day = |name: &str| {
        query
            .get(name)
            .map(|value| {
                parse_day(value).map_err(|e| ApiError::bad(name, format!("{name}={value:?}: {e}")))
            })
            .transpose()
    };
    let start = day("start")?.unwrap_or(now.div_euclid(DAY_MS) * DAY_MS);
    let end = day("end")?.unwrap_or(start + DEFAULT_SPAN_DAYS * DAY_MS);
    if end < start {
        return Err(ApiError::bad(
            "end",
            format!(
                "end {} is before start {}",
                format_day(end),
                format_day(start)
            ),
        ));
    }
    let days = (end - start) / DAY_MS + 1;
    if days > MAX_DAYS {
        return Err(ApiError::bad(
            "end",
            format!(
                "{} to {} is {days} days; a Slot search spans at most {MAX_DAYS}",
                format_day(start),
                format_day(end)
            ),
        ));
    }
    Ok((start, u32::try_from(days).unwrap_or(0)))
}

/// `duration` in whole minutes (1–480; default 20).
fn duration_of(query: &LookupQuery) -> Result<u32, ApiError> {
    let Some(value) = query.get("duration") else {
        return Ok(DEFAULT_DURATION);
    };
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_DURATION).contains(n) && value.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            ApiError::bad(
                "duration",
                format!("duration={value:?}: expected whole minutes from 1 to {MAX_DURATION}"),
            )
        })
}

/// The configured scheduleable type `appointment-type` names (`code` or `system|code`).
fn appointment_type_of<'a>(
    query: &LookupQuery,
    settings: &'a Settings,
) -> Result<Option<&'a AppointmentType>, ApiError> {
    let Some(value) = query.get("appointment-type") else {
        return Ok(None);
    };
    let bad = |why: &str| {
        ApiError::bad(
            "appointment-type",
            format!("appointment-type={value:?}: {why}"),
        )
    };
    let (system, code) = token(value).ok_or_else(|| bad("expected code or system|code"))?;
    let kind = settings
        .appointment_types
        .iter()
        .find(|t| t.code == code && system.as_ref().is_none_or(|s| *s == t.system))
        .ok_or_else(|| bad("not a configured appointment type"))?;
    if !kind.scheduleable {
        return Err(bad("the appointment type is not scheduleable"));
    }
    Ok(Some(kind))
}
