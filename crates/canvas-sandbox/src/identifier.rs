//! External identifiers of the current edition (D14, D22, D24): `identifier[]` JSON → validated
//! items, defaults on create, the update merge (replace inside the periods sent; an omitted
//! stored identifier is deleted only while its `period.end` is in the future), and the read form.

use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::instant::{format_day, now_ms, parse_day, parse_instant};
use super::settings::{Identifier, period_end, period_start};

/// FHIR R4 `Identifier.use` codes.
const USES: [&str; 5] = ["usual", "official", "temp", "secondary", "old"];

/// One `identifier[]` item as sent; `None` fields take D14's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdentifierInput {
    /// The stored identifier this item updates (ignored on create, CREATE-IGNORED-FIELDS).
    pub id: Option<String>,
    pub use_: Option<String>,
    pub system: Option<String>,
    pub value: Option<String>,
    pub assigner: Option<String>,
    /// UTC dates `YYYY-MM-DD` (a date-time is cut to its UTC date, D22).
    pub period_start: Option<String>,
    pub period_end: Option<String>,
}

/// Parses `identifier` (400 on any shape error).
pub(crate) fn parse_identifiers(value: &Value) -> Result<Vec<IdentifierInput>, ApiError> {
    let items = value
        .as_array()
        .ok_or_else(|| ApiError::bad("Appointment.identifier", "identifier must be an array"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_one(item, &format!("Appointment.identifier[{i}]")))
        .collect()
}

fn parse_one(item: &Value, at: &str) -> Result<IdentifierInput, ApiError> {
    let obj = item
        .as_object()
        .ok_or_else(|| ApiError::bad(at, format!("{at} must be an object")))?;
    let text =
        |obj: &Map<String, Value>, key: &str, at: &str| -> Result<Option<String>, ApiError> {
            match obj.get(key) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(ApiError::bad(
                    format!("{at}.{key}"),
                    format!("{at}.{key} must be a string"),
                )),
            }
        };
    let use_ = text(obj, "use", at)?;
    if let Some(code) = &use_
        && !USES.contains(&code.as_str())
    {
        return Err(ApiError::bad(
            format!("{at}.use"),
            format!(
                "unknown identifier use {code:?}; expected one of {}",
                USES.join(", ")
            ),
        ));
    }
    let assigner = match obj.get("assigner") {
        None => None,
        Some(Value::Object(assigner)) => text(assigner, "display", &format!("{at}.assigner"))?,
        Some(_) => {
            return Err(ApiError::bad(
                format!("{at}.assigner"),
                format!("{at}.assigner must be a Reference object"),
            ));
        }
    };
    let (period_start, period_end) = match obj.get("period") {
        None => (None, None),
        Some(Value::Object(period)) => {
            let at = format!("{at}.period");
            let start = date(text(period, "start", &at)?, &format!("{at}.start"))?;
            let end = date(text(period, "end", &at)?, &format!("{at}.end"))?;
            (start, end)
        }
        Some(_) => {
            return Err(ApiError::bad(
                format!("{at}.period"),
                format!("{at}.period must be a Period object"),
            ));
        }
    };
    Ok(IdentifierInput {
        id: text(obj, "id", at)?,
        use_,
        system: text(obj, "system", at)?,
        value: text(obj, "value", at)?,
        assigner,
        period_start,
        period_end,
    })
}

/// A date or a date-time, as its UTC date `YYYY-MM-DD` (D22).
fn date(value: Option<String>, at: &str) -> Result<Option<String>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let ms = parse_day(&value)
        .or_else(|_| parse_instant(&value))
        .map_err(|err| {
            ApiError::bad(
                at,
                format!("{value:?}: expected a date YYYY-MM-DD or an instant ({err})"),
            )
        })?;
    Ok(Some(format_day(ms)))
}

/// The identifier `input` describes, with id `id` and D14's defaults.
fn stored(input: IdentifierInput, id: String, no_use_default: bool) -> Identifier {
    let use_ = match input.use_ {
        Some(code) => code,
        None if no_use_default => String::new(),
        None => "usual".to_string(),
    };
    Identifier {
        id,
        use_,
        assigner: input.assigner.or_else(|| input.system.clone()),
        system: input.system,
        value: input.value,
        period_start: input.period_start.unwrap_or_else(period_start),
        period_end: input.period_end.unwrap_or_else(period_end),
    }
}

/// The identifiers of a create: every item gets a new id (CREATE-IDENTIFIER).
/// `no_use_default` is the `identifier-use-missing` mutant.
pub(crate) fn new_identifiers(
    items: Vec<IdentifierInput>,
    no_use_default: bool,
) -> Vec<Identifier> {
    items
        .into_iter()
        .map(|item| stored(item, uuid::Uuid::new_v4().to_string(), no_use_default))
        .collect()
}

/// The identifiers after an update that sent `sent` (UPDATE-IDENTIFIER): an item with a stored
/// id updates it, one without (or with an unknown id) is new; a stored identifier left out is
/// deleted if its `period.end` is in the future and kept otherwise. `delete_all` is the
/// `identifiers-all-replaced` mutant.
pub(crate) fn merge_identifiers(
    sent: Vec<IdentifierInput>,
    stored_list: Vec<Identifier>,
    delete_all: bool,
) -> Vec<Identifier> {
    let today = format_day(now_ms());
    let mut out: Vec<Identifier> = Vec::new();
    for item in sent {
        let id = item
            .id
            .clone()
            .filter(|id| {
                stored_list.iter().any(|s| &s.id == id) && !out.iter().any(|o| &o.id == id)
            })
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        out.push(stored(item, id, false));
    }
    for old in stored_list {
        let kept_by_id = out.iter().any(|o| o.id == old.id);
        let ended = old.period_end <= today;
        if !kept_by_id && ended && !delete_all {
            out.push(old);
        }
    }
    out
}

/// The read form: `id`, `use`, `system`, `value`, `period` (never `assigner`, D14).
/// `hide_id` is the `identifier-assigner-shown` mutant (which shows `assigner` instead).
pub(crate) fn identifier_json(identifier: &Identifier, hide_id: bool) -> Value {
    let mut out = Map::new();
    if hide_id {
        if let Some(assigner) = &identifier.assigner {
            out.insert("assigner".into(), json!({"display": assigner}));
        }
    } else {
        out.insert("id".into(), json!(identifier.id));
    }
    if !identifier.use_.is_empty() {
        out.insert("use".into(), json!(identifier.use_));
    }
    if let Some(system) = &identifier.system {
        out.insert("system".into(), json!(system));
    }
    if let Some(value) = &identifier.value {
        out.insert("value".into(), json!(value));
    }
    out.insert(
        "period".into(),
        json!({"start": identifier.period_start, "end": identifier.period_end}),
    );
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: Option<&str>, value: &str, end: &str) -> IdentifierInput {
        IdentifierInput {
            id: id.map(str::to_string),
            use_: None,
            system: Some("s".into()),
            value: Some(value.into()),
            assigner: None,
            period_start: None,
            period_end: Some(end.into()),
        }
    }

    #[test]
    fn create_fills_the_defaults() {
        let item = parse_one(&json!({"system": "s", "value": "v"}), "i").unwrap();
        let made = new_identifiers(vec![item], false).remove(0);
        assert_eq!(made.use_, "usual");
        assert_eq!(made.assigner.as_deref(), Some("s"));
        assert_eq!(
            (made.period_start.as_str(), made.period_end.as_str()),
            ("1970-01-01", "2100-12-31")
        );
        assert!(uuid::Uuid::try_parse(&made.id).is_ok());
    }

    #[test]
    fn periods_take_dates_or_instants_as_utc_dates() {
        let item = parse_one(
            &json!({"period": {"start": "2024-01-01T23:30:00-02:00", "end": "2024-02-01"}}),
            "i",
        )
        .unwrap();
        assert_eq!(item.period_start.as_deref(), Some("2024-01-02"));
        assert_eq!(item.period_end.as_deref(), Some("2024-02-01"));
        assert!(parse_one(&json!({"period": {"start": "2024-13-01"}}), "i").is_err());
        assert!(parse_one(&json!({"use": "primary"}), "i").is_err());
        assert!(parse_one(&json!({"value": 7}), "i").is_err());
    }

    #[test]
    fn update_keeps_ended_and_deletes_running_omitted_identifiers() {
        let stored_list = new_identifiers(
            vec![
                input(None, "A", "2100-12-31"),
                input(None, "OLD", "2020-12-31"),
            ],
            false,
        );
        let a = stored_list[0].id.clone();
        let merged = merge_identifiers(
            vec![input(Some(&a), "A2", "2100-12-31")],
            stored_list.clone(),
            false,
        );
        let values: Vec<_> = merged.iter().map(|i| i.value.clone().unwrap()).collect();
        assert_eq!(values, ["A2", "OLD"]);
        assert_eq!(merged[0].id, a);
        let merged = merge_identifiers(vec![input(None, "B", "2100-12-31")], stored_list, false);
        let values: Vec<_> = merged.iter().map(|i| i.value.clone().unwrap()).collect();
        assert_eq!(values, ["B", "OLD"]);
        assert_ne!(merged[0].id, a);
    }
}
