//! Search: the query string → validated filters, sort and page (every parameter the edition's
//! page lists; others are refused in 2023-09 and ignored in current, D2), and the Bundle around
//! the results with its relative paging links (D17 in the current edition).

use serde_json::{Value, json};

use super::edition::Policy;
use super::error::ApiError;
use super::mutant::Mutant;
use super::search_date::date_bounds;
use super::status::{CanvasStatus, FHIR_CODES};
use super::store::{Filters, SortKey, Token};

/// A parsed search: what to ask the store, and what the links must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchRequest {
    pub filters: Filters,
    pub paged: Paged,
}

/// What the links of any searchset carry (Appointment and the lookups alike).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Paged {
    /// The received parameters minus `_count`/`_offset`, decoded, in received order.
    pub carried: Vec<(String, String)>,
    /// (`_count`, `_offset`) when paging is on.
    pub page: Option<(u64, u64)>,
}

/// 400 `invalid` naming the parameter when a name or value of the query string decodes to bytes
/// that are not UTF-8 or to a NUL (`form_urlencoded` alone would replace the first and keep the
/// second).
pub(crate) fn well_formed_query(raw: Option<&str>) -> Result<(), ApiError> {
    let decode = |text: &str| -> Vec<u8> {
        let spaced = text.replace('+', " ");
        percent_encoding::percent_decode_str(&spaced).collect()
    };
    for pair in raw.unwrap_or_default().split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name_bytes = decode(name);
        let shown = String::from_utf8_lossy(&name_bytes).replace('\0', "\\0");
        for (part, bytes) in [("name", &name_bytes), ("value", &decode(value))] {
            let why = match std::str::from_utf8(bytes) {
                Err(_) => "is not UTF-8 once percent-decoded",
                Ok(text) if text.contains('\0') => "contains a NUL character",
                Ok(_) => continue,
            };
            return Err(ApiError::bad(
                shown.clone(),
                format!("the {part} of search parameter {shown:?} {why}"),
            ));
        }
    }
    Ok(())
}

/// Parses the raw query string of `GET /Appointment` under the edition's policy.
pub(crate) fn parse_query(
    raw: Option<&str>,
    policy: &Policy,
    mutant: Option<Mutant>,
) -> Result<SearchRequest, ApiError> {
    well_formed_query(raw)?;
    let mut filters = Filters::default();
    let mut carried = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut dates = 0;
    let mut count: Option<u64> = None;
    let mut offset: u64 = 0;
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let (name, value) = (name.into_owned(), value.into_owned());
        let known = matches!(
            name.as_str(),
            "_id"
                | "appointment-type"
                | "location"
                | "patient"
                | "practitioner"
                | "status"
                | "date"
                | "_count"
                | "_offset"
                | "_sort"
        ) || (name == "identifier" && policy.identifier_search);
        if !known {
            if policy.ignore_unknown_params || mutant == Some(Mutant::SearchUnknownParamIgnored) {
                continue;
            }
            return Err(ApiError::bad(
                &name,
                format!(
                    "unknown search parameter {name:?}; supported: _id, appointment-type, location, patient, practitioner, status, date, _count, _offset, _sort"
                ),
            ));
        }
        if value.is_empty() {
            return Err(ApiError::bad(&name, format!("{name} must not be empty")));
        }
        if name == "date" {
            dates += 1;
            if dates > 2 {
                return Err(ApiError::bad(
                    "date",
                    "at most two date parameters are accepted (a range)",
                ));
            }
        } else if seen.contains(&name) {
            return Err(ApiError::bad(
                &name,
                format!("{name} may be given only once"),
            ));
        }
        seen.push(name.clone());
        let bad = |why: String| ApiError::bad(&name, format!("{name}={value:?}: {why}"));
        match name.as_str() {
            "_id" => {
                let ids = split_list(&value).ok_or_else(|| bad("empty item in the list".into()))?;
                filters.ids = Some(ids);
            }
            "appointment-type" => {
                let parsed =
                    token_query(&value, policy).ok_or_else(|| bad(token_forms(policy, "code")))?;
                filters.appointment_type = Some(match parsed {
                    Token::SystemCode(_, code)
                        if mutant == Some(Mutant::TypeTokenSystemIgnored) =>
                    {
                        Token::Code(code)
                    }
                    Token::NoSystem(code) if mutant == Some(Mutant::TypeNoSystemAny) => {
                        Token::Code(code)
                    }
                    other => other,
                });
            }
            "identifier" => {
                let parsed = token_query(&value, policy)
                    .filter(|parsed| {
                        !(matches!(parsed, Token::System(_))
                            && mutant == Some(Mutant::IdentifierSystemOnlyRefused))
                    })
                    .ok_or_else(|| bad(token_forms(policy, "value")))?;
                if mutant != Some(Mutant::IdentifierSearchIgnored) {
                    filters.identifier = Some(parsed);
                }
            }
            "location" => filters.location = Some(reference(&value, "Location").map_err(bad)?),
            "patient" => {
                let id = reference(&value, "Patient").map_err(bad)?;
                if mutant != Some(Mutant::SearchIgnoresPatient) {
                    filters.patient = Some(id);
                }
            }
            "practitioner" => {
                filters.practitioner = Some(reference(&value, "Practitioner").map_err(bad)?);
            }
            "status" => {
                let codes =
                    split_list(&value).ok_or_else(|| bad("empty item in the list".into()))?;
                let mut statuses = Vec::new();
                for code in codes {
                    if !FHIR_CODES.contains(&code.as_str()) {
                        if mutant == Some(Mutant::SearchMalformedIgnored) {
                            continue;
                        }
                        return Err(bad(format!("unknown status {code:?}")));
                    }
                    statuses.extend(CanvasStatus::from_fhir_code(&code));
                }
                filters.statuses = Some(statuses);
            }
            "date" => filters
                .start
                .extend(date_bounds(&value, policy, mutant).map_err(bad)?),
            "_count" => count = Some(count_value(&value, policy, mutant).map_err(bad)?),
            "_offset" => offset = offset_value(&value).map_err(bad)?,
            "_sort" => filters.sort = sort_keys(&value, mutant).map_err(bad)?,
            _ => {}
        }
        if name != "_count" && name != "_offset" {
            carried.push((name, value));
        }
    }
    let page = page(count, offset, policy);
    filters.page = page.map(|(count, offset)| {
        let skew = u64::from(mutant == Some(Mutant::SearchOffsetOffByOne));
        (count, offset.saturating_add(skew))
    });
    Ok(SearchRequest {
        filters,
        paged: Paged { carried, page },
    })
}

fn digits(value: &str) -> Option<&str> {
    (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())).then_some(value)
}

/// A `_count` value: an integer of at least 1, capped at the edition's maximum (D3) unless the
/// `count-not-capped` mutant is active.
pub(crate) fn count_value(
    value: &str,
    policy: &Policy,
    mutant: Option<Mutant>,
) -> Result<u64, String> {
    let n = digits(value)
        .map(|v| v.parse::<u64>().unwrap_or(u64::MAX))
        .filter(|n| *n >= 1)
        .ok_or_else(|| "expected an integer of at least 1".to_string())?;
    let cap = policy
        .paging
        .max_count
        .filter(|_| mutant != Some(Mutant::CountNotCapped));
    Ok(cap.map_or(n, |cap| n.min(cap)))
}

/// An `_offset` value: an integer of at least 0.
pub(crate) fn offset_value(value: &str) -> Result<u64, String> {
    digits(value)
        .map(|v| v.parse::<u64>().unwrap_or(u64::MAX))
        .ok_or_else(|| "expected an integer of at least 0".to_string())
}

/// The page to answer: (`_count`, `_offset`) when `_count` was given or the edition pages by
/// default; `None` answers every match (2023-09 without `_count`).
pub(crate) fn page(count: Option<u64>, offset: u64, policy: &Policy) -> Option<(u64, u64)> {
    count
        .or(policy.paging.default_count)
        .map(|count| (count, offset))
}

/// A token search value of the served edition: FHIR R4's four forms in the current edition
/// (D30: `code`, `system|code`, `|code`, `system|`), `code` and `system|code` in 2023-09; `None`
/// for another (`|`, or a form the edition does not take).
pub(crate) fn token_query(value: &str, policy: &Policy) -> Option<Token> {
    if !policy.token_forms {
        return token(value).map(|(system, code)| match system {
            Some(system) => Token::SystemCode(system, code),
            None => Token::Code(code),
        });
    }
    Some(match value.split_once('|') {
        None => Token::Code(value.to_string()),
        Some(("", "")) => return None,
        Some(("", code)) => Token::NoSystem(code.to_string()),
        Some((system, "")) => Token::System(system.to_string()),
        Some((system, code)) => Token::SystemCode(system.to_string(), code.to_string()),
    })
}

/// What a token parameter takes in the served edition, for its 400.
fn token_forms(policy: &Policy, code: &str) -> String {
    if policy.token_forms {
        format!("expected {code}, system|{code}, |{code} or system|")
    } else {
        format!("expected {code} or system|{code}")
    }
}

/// A FHIR token `code` or `system|code` (both parts non-empty).
pub(crate) fn token(value: &str) -> Option<(Option<String>, String)> {
    match value.split_once('|') {
        Some((system, code)) if !system.is_empty() && !code.is_empty() => {
            Some((Some(system.to_string()), code.to_string()))
        }
        Some(_) => None,
        None => Some((None, value.to_string())),
    }
}

/// A comma list (`a,b`) with no empty item.
pub(crate) fn split_list(value: &str) -> Option<Vec<String>> {
    let items: Vec<String> = value.split(',').map(str::to_string).collect();
    (!items.iter().any(String::is_empty)).then_some(items)
}

/// `Kind/<id>` or a bare `<id>`.
pub(crate) fn reference(value: &str, kind: &str) -> Result<String, String> {
    let id = value
        .strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(value);
    if id.is_empty() || id.contains('/') {
        return Err(format!("expected {kind}/<id> or <id>"));
    }
    Ok(id.to_string())
}

fn sort_keys(value: &str, mutant: Option<Mutant>) -> Result<Vec<(SortKey, bool)>, String> {
    let mut keys: Vec<(SortKey, bool)> = Vec::new();
    for item in value.split(',') {
        let (desc, name) = match item.strip_prefix('-') {
            Some(name) => (mutant != Some(Mutant::SearchSortIgnoresDesc), name),
            None => (false, item),
        };
        let key = match name {
            "date" => SortKey::Date,
            "patient" => SortKey::Patient,
            "practitioner" => SortKey::Practitioner,
            _ => {
                return Err(format!(
                    "unknown sort key {item:?}; expected date, patient or practitioner, optionally with a leading -"
                ));
            }
        };
        if keys.iter().any(|(k, _)| *k == key) {
            return Err(format!("sort key {name:?} given twice"));
        }
        keys.push((key, desc));
    }
    Ok(keys)
}

/// Where a searchset's links point: the resource's search path (`/Appointment`,
/// `/Practitioner`, …), made absolute under `absolute_base` (the `search-links-absolute` mutant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LinkBase<'a> {
    pub path: &'static str,
    pub absolute_base: Option<&'a str>,
}

/// The Bundle's links: relative `<path>?…` URLs (or absolute ones under `absolute_base`);
/// `previous` and links on an empty result only where the edition has them (D17).
pub(crate) fn links(
    base: LinkBase<'_>,
    request: &Paged,
    total: u64,
    policy: &Policy,
    mutant: Option<Mutant>,
) -> Vec<(&'static str, String)> {
    if total == 0 && !policy.paging.links_when_empty && mutant != Some(Mutant::EmptySearchLinks) {
        return Vec::new();
    }
    let url = |page: Option<(u64, u64)>| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &request.carried {
            query.append_pair(name, value);
        }
        if let Some((count, offset)) = page {
            query.append_pair("_count", &count.to_string());
            query.append_pair("_offset", &offset.to_string());
        }
        let query = query.finish();
        let path = if query.is_empty() {
            base.path.to_string()
        } else {
            format!("{}?{query}", base.path)
        };
        format!("{}{path}", base.absolute_base.unwrap_or_default())
    };
    let Some((count, offset)) = request.page else {
        return ["self", "first", "last"]
            .into_iter()
            .map(|relation| (relation, url(None)))
            .collect();
    };
    let step = count;
    let last = total.saturating_sub(1) / step * step;
    let mut out = vec![
        ("self", url(Some((count, offset)))),
        ("first", url(Some((count, 0)))),
        ("last", url(Some((count, last)))),
    ];
    if offset.saturating_add(step) < total {
        out.push(("next", url(Some((count, offset + step)))));
    }
    if offset > 0 && policy.paging.previous_link {
        out.push(("previous", url(Some((count, offset.saturating_sub(step))))));
    }
    out
}

/// The searchset Bundle (`entry` left out when there are no results, `link` when there are no
/// links).
pub(crate) fn bundle(
    total: u64,
    links: Vec<(&'static str, String)>,
    resources: Vec<Value>,
    mutant: Option<Mutant>,
) -> Value {
    let kind = if mutant == Some(Mutant::SearchBundleCollection) {
        "collection"
    } else {
        "searchset"
    };
    let mut out = json!({
        "resourceType": "Bundle",
        "type": kind,
        "total": total,
    });
    if !links.is_empty()
        && let Some(obj) = out.as_object_mut()
    {
        let links = links
            .into_iter()
            .map(|(relation, url)| json!({"relation": relation, "url": url}))
            .collect();
        obj.insert("link".into(), Value::Array(links));
    }
    if !resources.is_empty()
        && let Some(obj) = out.as_object_mut()
    {
        let entries = resources
            .into_iter()
            .map(|resource| json!({"resource": resource}))
            .collect();
        obj.insert("entry".into(), Value::Array(entries));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instant::{DAY_MS, parse_day};
    use crate::store::Bound;

    use crate::edition::Edition;

    fn parse(q: &str) -> Result<SearchRequest, ApiError> {
        parse_query(Some(q), Edition::Sept2023.policy(), None)
    }

    #[test]
    fn values_that_decode_to_invalid_utf8_or_nul_are_refused_naming_the_parameter() {
        rejects("patient=%FF%FE", "patient");
        rejects("patient=a%00b", "patient");
        rejects("status=booked&practitioner=%C3", "practitioner");
        assert!(well_formed_query(Some("patient=caf%C3%A9+x")).is_ok());
    }

    fn parse_current(q: &str) -> Result<SearchRequest, ApiError> {
        parse_query(Some(q), Edition::Current.policy(), None)
    }

    fn rejects(q: &str, parameter: &str) {
        match parse(q) {
            Err(ApiError::BadRequest { expression, .. }) => {
                assert_eq!(expression.as_deref(), Some(parameter), "{q}")
            }
            other => panic!("{q}: expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn parses_every_parameter() {
        let r = parse(
            "_id=a,b&appointment-type=http://snomed.info/sct|448337001&location=Location/1&patient=Patient%2Fp1&practitioner=x1&status=booked,checked-in,waitlist&_sort=-date,patient&_count=5&_offset=10",
        )
        .unwrap();
        let f = &r.filters;
        assert_eq!(f.ids, Some(vec!["a".into(), "b".into()]));
        assert_eq!(
            f.appointment_type,
            Some(Token::SystemCode(
                "http://snomed.info/sct".into(),
                "448337001".into()
            ))
        );
        assert_eq!(f.location.as_deref(), Some("1"));
        assert_eq!(f.patient.as_deref(), Some("p1"));
        assert_eq!(f.practitioner.as_deref(), Some("x1"));
        assert_eq!(
            f.statuses,
            Some(vec![CanvasStatus::Confirmed, CanvasStatus::Roomed])
        );
        assert_eq!(
            f.sort,
            vec![(SortKey::Date, true), (SortKey::Patient, false)]
        );
        assert_eq!(r.paged.page, Some((5, 10)));
        assert_eq!(f.page, Some((5, 10)));
        assert_eq!(r.paged.carried.len(), 7);
    }

    #[test]
    fn offset_is_ignored_without_count() {
        let r = parse("_offset=3").unwrap();
        assert_eq!(r.paged.page, None);
        assert_eq!(r.filters.page, None);
        assert!(r.paged.carried.is_empty());
    }

    #[test]
    fn date_prefixes_bound_the_utc_day() {
        let day = parse_day("2023-06-06").unwrap();
        let bounds = |q: &str| parse(q).unwrap().filters.start;
        assert_eq!(
            bounds("date=2023-06-06"),
            vec![Bound::AtOrAfter(day), Bound::Before(day + DAY_MS)]
        );
        assert_eq!(
            bounds("date=eq2023-06-06"),
            vec![Bound::AtOrAfter(day), Bound::Before(day + DAY_MS)]
        );
        assert_eq!(
            bounds("date=gt2023-06-06"),
            vec![Bound::AtOrAfter(day + DAY_MS)]
        );
        assert_eq!(bounds("date=ge2023-06-06"), vec![Bound::AtOrAfter(day)]);
        assert_eq!(bounds("date=lt2023-06-06"), vec![Bound::Before(day)]);
        assert_eq!(
            bounds("date=le2023-06-06"),
            vec![Bound::Before(day + DAY_MS)]
        );
        assert_eq!(
            bounds("date=ge2023-06-06&date=lt2023-06-07"),
            vec![Bound::AtOrAfter(day), Bound::Before(day + DAY_MS)]
        );
    }

    #[test]
    fn rejects_malformed_parameters() {
        rejects("foo=1", "foo");
        rejects("status:not=booked", "status:not");
        rejects("status=", "status");
        rejects("status=bogus", "status");
        rejects("status=booked,", "status");
        rejects("_id=a&_id=b", "_id");
        rejects("date=2023-06-06&date=2023-06-07&date=2023-06-08", "date");
        rejects("date=ne2023-06-06", "date");
        rejects("date=2023-06-06T10:00Z", "date");
        rejects("date=2023-02-30", "date");
        rejects("_count=0", "_count");
        rejects("_count=-1", "_count");
        rejects("_count=%2B5", "_count");
        rejects("_count=abc", "_count");
        rejects("_offset=-1", "_offset");
        rejects("_sort=name", "_sort");
        rejects("_sort=date,-date", "_sort");
        rejects("patient=Practitioner/abc", "patient");
        rejects("appointment-type=|x", "appointment-type");
    }

    const APPOINTMENT: LinkBase<'static> = LinkBase {
        path: "/Appointment",
        absolute_base: None,
    };

    fn urls(q: &str, total: u64) -> Vec<(&'static str, String)> {
        links(
            APPOINTMENT,
            &parse(q).unwrap().paged,
            total,
            Edition::Sept2023.policy(),
            None,
        )
    }

    #[test]
    fn current_edition_pages_always_caps_and_ignores_unknown_parameters() {
        let r = parse_current("foo=1&status=booked").unwrap();
        assert_eq!(r.paged.page, Some((10, 0)));
        assert_eq!(
            r.paged.carried,
            vec![("status".to_string(), "booked".to_string())]
        );
        assert_eq!(
            parse_current("_count=4294967296").unwrap().paged.page,
            Some((100, 0))
        );
        assert_eq!(
            parse_current("_count=101").unwrap().paged.page,
            Some((100, 0))
        );
        assert_eq!(
            parse("_count=4294967296").unwrap().paged.page,
            Some((4_294_967_296, 0))
        );
        assert!(parse_current("_count=0").is_err());
        let r = parse_current("identifier=https://x|SCHED-12").unwrap();
        assert_eq!(
            r.filters.identifier,
            Some(Token::SystemCode("https://x".into(), "SCHED-12".into()))
        );
        let token_of = |q: &str| parse_current(q).unwrap().filters.identifier;
        assert_eq!(token_of("identifier=V"), Some(Token::Code("V".into())));
        assert_eq!(token_of("identifier=|V"), Some(Token::NoSystem("V".into())));
        assert_eq!(token_of("identifier=s|"), Some(Token::System("s".into())));
        assert!(parse_current("identifier=|").is_err());
        assert!(parse_current("identifier=").is_err());
        assert_eq!(
            parse_current("appointment-type=INTERNAL|")
                .unwrap()
                .filters
                .appointment_type,
            Some(Token::System("INTERNAL".into()))
        );
        assert!(parse("appointment-type=INTERNAL|").is_err());
        assert!(parse("identifier=x").is_err());
        let policy = Edition::Current.policy();
        let request = parse_current("_count=1&_offset=1").unwrap().paged;
        let rels: Vec<_> = links(APPOINTMENT, &request, 3, policy, None)
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(rels, ["self", "first", "last", "next"]);
        assert!(links(APPOINTMENT, &request, 0, policy, None).is_empty());
    }

    #[test]
    fn unpaged_links_carry_the_query_without_paging() {
        let l = urls("patient=Patient/abc&_offset=4", 3);
        assert_eq!(l.len(), 3);
        for (_, url) in &l {
            assert_eq!(url, "/Appointment?patient=Patient%2Fabc");
        }
        assert_eq!(urls("", 0)[0].1, "/Appointment");
    }

    #[test]
    fn paged_links_walk_every_page() {
        let l = urls("status=booked&_count=10&_offset=10", 25);
        let get = |rel: &str| l.iter().find(|(r, _)| *r == rel).map(|(_, u)| u.as_str());
        assert_eq!(
            get("self"),
            Some("/Appointment?status=booked&_count=10&_offset=10")
        );
        assert_eq!(
            get("first"),
            Some("/Appointment?status=booked&_count=10&_offset=0")
        );
        assert_eq!(
            get("last"),
            Some("/Appointment?status=booked&_count=10&_offset=20")
        );
        assert_eq!(
            get("next"),
            Some("/Appointment?status=booked&_count=10&_offset=20")
        );
        assert_eq!(
            get("previous"),
            Some("/Appointment?status=booked&_count=10&_offset=0")
        );

        let empty = urls("_count=10", 0);
        let rels: Vec<_> = empty.iter().map(|(r, _)| *r).collect();
        assert_eq!(rels, ["self", "first", "last"]);
        assert!(empty[2].1.ends_with("_offset=0"));

        let exact = urls("_count=5&_offset=15", 20);
        assert!(exact.iter().all(|(r, _)| *r != "next"));
        let odd = urls("_count=5&_offset=3", 20);
        let prev = odd.iter().find(|(r, _)| *r == "previous").unwrap();
        assert!(prev.1.ends_with("_offset=0"));
    }

    #[test]
    fn links_point_at_the_resource_searched() {
        let paged = Paged {
            carried: vec![("name".to_string(), "Canvas Bot".to_string())],
            page: Some((1, 0)),
        };
        let practitioner = LinkBase {
            path: "/Practitioner",
            absolute_base: None,
        };
        let l = links(practitioner, &paged, 2, Edition::Current.policy(), None);
        assert_eq!(l[0].1, "/Practitioner?name=Canvas+Bot&_count=1&_offset=0");
        assert_eq!(
            l.iter()
                .find(|(r, _)| *r == "next")
                .map(|(_, u)| u.as_str()),
            Some("/Practitioner?name=Canvas+Bot&_count=1&_offset=1")
        );
        let absolute = LinkBase {
            path: "/Slot",
            absolute_base: Some("http://h"),
        };
        let empty = Paged::default();
        let l = links(absolute, &empty, 1, Edition::Sept2023.policy(), None);
        assert_eq!(l[0].1, "http://h/Slot");
    }

    #[test]
    fn links_keep_the_received_order() {
        let l = urls("practitioner=Practitioner/p&_count=2&date=ge2022-02-24", 1);
        assert_eq!(
            l[0].1,
            "/Appointment?practitioner=Practitioner%2Fp&date=ge2022-02-24&_count=2&_offset=0"
        );
    }
}
