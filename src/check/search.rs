//! Search semantics: the Bundle answers the request's own query. Every entry satisfies the filters
//! (`_id`, `patient`, `practitioner`, `location`, `status`, `appointment-type` and `identifier` as
//! FHIR tokens, `date` with prefixes on dates and dateTimes, `search_value`),
//! the order follows `_sort`, `total` and the page size agree, the links are relative and carry the
//! query, and a walk along `next` visits every match exactly once. Each finding is evidence for the
//! behaviour it checks: filters → SEARCH-PARAMS (SEARCH-DATE for `date`), page size → SEARCH-PAGING,
//! link form and the walk → SEARCH-LINKS, order → SEARCH-SORT, Bundle shape → SEARCH-BUNDLE.
//! Paging follows the case's edition: only with `_count` in 2023-09; always in the current one
//! (10 by default, `_count` capped at 100 → SEARCH-COUNT-MAX, no links on an empty result →
//! SEARCH-EMPTY).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

use serde_json::Value;
use serde_saphyr::Spanned;

use crate::case::model::SearchExpect;
use crate::check::search_value::{TokenQuery, date_range, prefix_holds};
use crate::check::value::{parse_instant, show};
use crate::check::{CheckContext, Finding};
use crate::edition::Edition;
use crate::exchange::walk::{link, split_link};
use crate::exchange::{Exchange, Received};
use crate::source::{Location, Pos};
use crate::template::render_str;

const PAGING: [&str; 2] = ["_count", "_offset"];

/// The behaviours the search semantics are evidence for (BEHAVIOURS.md, Search).
const BUNDLE: &str = "SEARCH-BUNDLE";
const PARAMS: &str = "SEARCH-PARAMS";
const DATE: &str = "SEARCH-DATE";
const PAGING_ID: &str = "SEARCH-PAGING";
const LINKS: &str = "SEARCH-LINKS";
const SORT: &str = "SEARCH-SORT";
const READ_SHAPE: &str = "READ-SHAPE";
/// Current edition only (BEHAVIOURS-CURRENT.md, Search).
const EMPTY: &str = "SEARCH-EMPTY";
const COUNT_MAX: &str = "SEARCH-COUNT-MAX";
const IDENTIFIER: &str = "SEARCH-IDENTIFIER";
const TYPE_TOKEN: &str = "SEARCH-APPOINTMENT-TYPE-TOKEN";

/// The current edition's page size without `_count`, and its largest (P L32000–32001; D3, D17).
pub const CURRENT_DEFAULT_COUNT: u64 = 10;
pub const CURRENT_MAX_COUNT: u64 = 100;

pub fn check(
    spec: &Spanned<SearchExpect>,
    ctx: &CheckContext<'_>,
    received: &Received,
    walk: Option<&WalkJudgement>,
) -> Vec<Finding> {
    // A refusal is the status expectation's to judge: where the page allows one (a `_count` over
    // 100 may be capped or refused), the search semantics have nothing to say about it.
    if received.status >= 400 {
        return Vec::new();
    }
    let mut out = Out {
        location: ctx.at(Pos::of(spec)),
        findings: Vec::new(),
    };
    let Some(bundle) = bundle_of(received, &mut out, "the response") else {
        return out.findings;
    };
    let query = Query::from_pairs(ctx.query, ctx.edition);
    let entries = resources(bundle);
    let total = bundle.get("total").and_then(Value::as_u64);
    if total.is_none() {
        out.fail(
            BUNDLE,
            "total",
            "an integer total",
            bundle
                .get("total")
                .map_or_else(|| "(absent)".to_owned(), show),
        );
    }
    check_entries(&query, &entries, "page 1", &mut out);
    if let Some(total) = total {
        check_page_size(&query, total, entries.len(), &mut out);
        check_links(&query, bundle, total, &mut out);
    }
    let page_ids = || {
        entries
            .iter()
            .filter_map(|e| id_of(e))
            .collect::<Vec<String>>()
    };
    // Why the walk's evidence is incomplete (its links cut it short), when it is.
    let mut incomplete: Option<&str> = None;
    let all_ids: Vec<String> = match (walk, spec.value.walk) {
        (Some(walk), true) => {
            out.findings.extend(walk.findings.iter().cloned());
            match walk.stopped.as_deref() {
                None => walk.ids.clone(),
                // The first page alone holds every match: the evidence is whole without the walk.
                Some(_) if total.is_some_and(|t| t == entries.len() as u64) => page_ids(),
                Some(why) => {
                    incomplete = Some(why);
                    walk.ids.clone()
                }
            }
        }
        _ => page_ids(),
    };
    if let Some(expected) = &spec.value.ids {
        let mut found = Out {
            location: out.location.clone(),
            findings: Vec::new(),
        };
        check_ids(spec.value.ordered, expected, &all_ids, ctx, &mut found);
        // Ids compared with a walk its links cut short say nothing of the search: SEARCH-LINKS
        // failed, and these checks are not decided.
        out.findings
            .extend(found.findings.into_iter().map(|f| match incomplete {
                Some(why) => f.not_decided(
                    &[LINKS.to_owned()],
                    &format!("the walk did not reach every page: {why}"),
                ),
                None => f,
            }));
    }
    out.findings
}

struct Out {
    location: Location,
    findings: Vec<Finding>,
}

impl Out {
    fn fail(
        &mut self,
        behaviour: &str,
        subject: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) {
        self.findings.push(
            Finding::fail("search", self.location.clone(), subject, expected, actual)
                .for_behaviour(behaviour),
        );
    }
}

/// The query parameters that matter to the oracle.
struct Query {
    filters: Vec<(String, String)>,
    /// The page size in force: `_count` in 2023-09 (no paging without it); in the current edition
    /// always, `_count` capped at 100 or 10 without it.
    count: Option<u64>,
    /// The `_count` the request sent, when the current edition capped it.
    capped_from: Option<u64>,
    edition: Edition,
    offset: u64,
    sort: Vec<(String, bool)>,
    /// Every parameter except `_count` and `_offset`, for comparing links.
    carried: Vec<(String, String)>,
}

impl Query {
    fn from_pairs(pairs: &[(String, String)], edition: Edition) -> Query {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let asked: Option<u64> = get("_count").and_then(|v| v.parse().ok());
        let count = match edition {
            Edition::Sept2023 => asked,
            Edition::Current => {
                Some(asked.map_or(CURRENT_DEFAULT_COUNT, |c| c.min(CURRENT_MAX_COUNT)))
            }
        };
        Query {
            capped_from: asked.filter(|c| edition == Edition::Current && *c > CURRENT_MAX_COUNT),
            edition,
            filters: pairs
                .iter()
                .filter(|(k, _)| !k.starts_with('_') || k == "_id")
                .cloned()
                .collect(),
            count,
            offset: if count.is_some() {
                get("_offset").and_then(|v| v.parse().ok()).unwrap_or(0)
            } else {
                0
            },
            sort: get("_sort")
                .map(|s| {
                    s.split(',')
                        .map(|key| match key.strip_prefix('-') {
                            Some(key) => (key.to_owned(), true),
                            None => (key.to_owned(), false),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            carried: sorted(
                pairs
                    .iter()
                    .filter(|(k, _)| !PAGING.contains(&k.as_str()))
                    .cloned()
                    .collect(),
            ),
        }
    }
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

fn bundle_of<'a>(received: &'a Received, out: &mut Out, which: &str) -> Option<&'a Value> {
    let Some(bundle) = received
        .json
        .as_ref()
        .filter(|b| b.get("resourceType").and_then(Value::as_str) == Some("Bundle"))
    else {
        out.fail(
            BUNDLE,
            format!("{which}: Bundle"),
            "a searchset Bundle",
            received.json.as_ref().map_or_else(
                || "no JSON body".to_owned(),
                |b| b.get("resourceType").map_or_else(|| show(b), show),
            ),
        );
        return None;
    };
    if bundle.get("type").and_then(Value::as_str) != Some("searchset") {
        out.fail(
            BUNDLE,
            format!("{which}: Bundle.type"),
            "\"searchset\"",
            bundle
                .get("type")
                .map_or_else(|| "(absent)".to_owned(), show),
        );
    }
    Some(bundle)
}

fn resources(bundle: &Value) -> Vec<&Value> {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(|entries| entries.iter().filter_map(|e| e.get("resource")).collect())
        .unwrap_or_default()
}

fn id_of(resource: &Value) -> Option<String> {
    resource
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn check_entries(query: &Query, entries: &[&Value], page: &str, out: &mut Out) {
    for (i, resource) in entries.iter().enumerate() {
        let id = id_of(resource).unwrap_or_else(|| format!("#{i}"));
        for (name, value) in &query.filters {
            // In the current edition the deprecated integer location (`Location/1`) names the
            // practice location, which reads back as its UUID (D13): the entries cannot show which
            // UUID it means, so only the step's `ids` judge that search.
            if query.edition == Edition::Current
                && name == "location"
                && value
                    .strip_prefix("Location/")
                    .unwrap_or(value)
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            {
                continue;
            }
            let behaviour = match (name.as_str(), query.edition) {
                ("date", _) => DATE,
                ("identifier", _) => IDENTIFIER,
                ("appointment-type", Edition::Current) => TYPE_TOKEN,
                _ => PARAMS,
            };
            match satisfies(resource, name, value) {
                Some(Ok(true)) | None => {}
                Some(Ok(false)) => out.fail(
                    behaviour,
                    format!("{page} entry {id}"),
                    format!("to satisfy {name}={value}"),
                    describe_field(resource, name),
                ),
                // The entry itself cannot be read (a `start` that is no instant): its shape's fault.
                Some(Err(problem)) => out.fail(
                    READ_SHAPE,
                    format!("{page} entry {id}"),
                    format!("to satisfy {name}={value}"),
                    problem,
                ),
            }
        }
    }
    for pair in entries.windows(2) {
        if let Some(problem) = out_of_order(&query.sort, pair[0], pair[1]) {
            out.fail(
                SORT,
                format!("{page} order"),
                format!("sorted by _sort={}", sort_text(&query.sort)),
                problem,
            );
        }
    }
}

fn sort_text(sort: &[(String, bool)]) -> String {
    sort.iter()
        .map(|(k, desc)| if *desc { format!("-{k}") } else { k.clone() })
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether a resource satisfies one search parameter; `None` for parameters that do not filter.
pub fn satisfies(resource: &Value, name: &str, value: &str) -> Option<Result<bool, String>> {
    let result = match name {
        "_id" => Ok(value
            .split(',')
            .any(|id| resource.get("id").and_then(Value::as_str) == Some(id))),
        "status" => Ok(value
            .split(',')
            .any(|s| resource.get("status").and_then(Value::as_str) == Some(s))),
        "patient" => Ok(has_participant(resource, "Patient", value)),
        "practitioner" => Ok(has_participant(resource, "Practitioner", value)),
        "location" => {
            let id = value.strip_prefix("Location/").unwrap_or(value);
            Ok(references(resource).any(|r| r == format!("Location/{id}")))
        }
        // FHIR token search in its four forms (D30): a coding's system and code, an
        // identifier's system and value (P L2667–2672).
        "appointment-type" | "identifier" => {
            let query = TokenQuery::parse(value)?;
            let (list, code) = if name == "identifier" {
                ("/identifier", "value")
            } else {
                ("/appointmentType/coding", "code")
            };
            let items = resource.pointer(list).and_then(Value::as_array);
            Ok(items.is_some_and(|items| {
                items.iter().any(|item| {
                    query.matches(
                        item.get("system").and_then(Value::as_str),
                        item.get(code).and_then(Value::as_str),
                    )
                })
            }))
        }
        // A query date this oracle cannot read is not judged (the server refuses it: 400).
        "date" if date_range(value).is_none() => return None,
        "date" => date_matches(resource, value),
        _ => return None,
    };
    Some(result)
}

fn has_participant(resource: &Value, kind: &str, value: &str) -> bool {
    let id = value.strip_prefix(&format!("{kind}/")).unwrap_or(value);
    participant_refs(resource).any(|r| r == format!("{kind}/{id}"))
}

fn participant_refs(resource: &Value) -> impl Iterator<Item = &str> {
    resource
        .get("participant")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.pointer("/actor/reference").and_then(Value::as_str))
}

fn references(resource: &Value) -> impl Iterator<Item = &str> {
    resource
        .get("supportingInformation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("reference").and_then(Value::as_str))
}

/// Whether an entry's `start` satisfies a `date` parameter (the range of the value's precision,
/// a day being a UTC day); an error when the entry has no readable `start`.
fn date_matches(resource: &Value, value: &str) -> Result<bool, String> {
    let (prefix, lo, hi) = date_range(value)
        .ok_or_else(|| format!("the query's date `{value}` is no date or dateTime"))?;
    let start = resource
        .get("start")
        .and_then(Value::as_str)
        .ok_or_else(|| "an entry without start".to_owned())?;
    let instant =
        parse_instant(start).ok_or_else(|| format!("start `{start}` is not an instant"))?;
    Ok(prefix_holds(prefix, instant, lo, hi))
}

fn describe_field(resource: &Value, name: &str) -> String {
    let field = match name {
        "_id" => resource.get("id").cloned(),
        "status" => resource.get("status").cloned(),
        "patient" | "practitioner" => {
            Some(Value::from(participant_refs(resource).collect::<Vec<_>>()))
        }
        "location" => Some(Value::from(references(resource).collect::<Vec<_>>())),
        "appointment-type" => resource.get("appointmentType").cloned(),
        "date" => resource.get("start").cloned(),
        _ => None,
    };
    field.map_or_else(|| "(absent)".to_owned(), |v| show(&v))
}

fn sort_key(resource: &Value, key: &str) -> Option<String> {
    match key {
        "date" => resource
            .get("start")
            .and_then(Value::as_str)
            .and_then(parse_instant)
            .map(|t| format!("{:020}", t.as_millisecond() as i128 + i128::from(i64::MAX))),
        "patient" => participant_refs(resource)
            .find(|r| r.starts_with("Patient/"))
            .map(str::to_owned),
        "practitioner" => participant_refs(resource)
            .find(|r| r.starts_with("Practitioner/"))
            .map(str::to_owned),
        _ => None,
    }
}

fn out_of_order(sort: &[(String, bool)], a: &Value, b: &Value) -> Option<String> {
    for (key, descending) in sort {
        let (Some(x), Some(y)) = (sort_key(a, key), sort_key(b, key)) else {
            return None;
        };
        let ordering = if *descending { y.cmp(&x) } else { x.cmp(&y) };
        match ordering {
            Ordering::Less => return None,
            Ordering::Greater => {
                let shown = |r: &Value| match key.as_str() {
                    "date" => r.get("start").map_or_else(String::new, show),
                    _ => sort_key(r, key).unwrap_or_default(),
                };
                return Some(format!(
                    "{} ({}) before {} ({})",
                    id_of(a).unwrap_or_default(),
                    shown(a),
                    id_of(b).unwrap_or_default(),
                    shown(b)
                ));
            }
            Ordering::Equal => {}
        }
    }
    None
}

fn check_page_size(query: &Query, total: u64, shown: usize, out: &mut Out) {
    let expected = match query.count {
        None => total,
        Some(count) => count.min(total.saturating_sub(query.offset)),
    };
    if shown as u64 != expected {
        let why = match (query.count, query.capped_from) {
            (None, _) => format!("all {total} matches (no _count)"),
            (Some(count), Some(asked)) => format!(
                "{expected} entries (total {total}, _count {asked} capped at {count}, _offset {})",
                query.offset
            ),
            (Some(count), None) => format!(
                "{expected} entries (total {total}, _count {count}, _offset {})",
                query.offset
            ),
        };
        let behaviour = if query.capped_from.is_some() {
            COUNT_MAX
        } else {
            PAGING_ID
        };
        out.fail(
            behaviour,
            "entries on page 1",
            why,
            format!("{shown} entries"),
        );
    }
}

fn check_links(query: &Query, bundle: &Value, total: u64, out: &mut Out) {
    if query.edition == Edition::Current && total == 0 {
        // "Pagination links will not be provided for an empty result set" (P L32000; D17).
        if let Some(links) = bundle.get("link") {
            out.fail(
                EMPTY,
                "link",
                "absent (an empty result set has no links)",
                show(links),
            );
        }
        return;
    }
    let mut expected: BTreeMap<&str, Option<u64>> = BTreeMap::new();
    match query.count {
        None => {
            for relation in ["self", "first", "last"] {
                expected.insert(relation, None);
            }
        }
        Some(count) => {
            let last = if total == 0 || count == 0 {
                0
            } else {
                (total - 1) / count * count
            };
            expected.insert("self", Some(query.offset));
            expected.insert("first", Some(0));
            expected.insert("last", Some(last));
            if query.offset + count < total {
                expected.insert("next", Some(query.offset + count));
            }
            // FHIR allows `previous` and the page promises only links "to see the subsequent
            // pages": checked where present, never required.
            if query.offset > 0 && link(bundle, "previous").is_some() {
                expected.insert("previous", Some(query.offset.saturating_sub(count)));
            }
        }
    }
    for (relation, offset) in &expected {
        let Some(url) = link(bundle, relation) else {
            out.fail(LINKS, format!("link {relation}"), "present", "absent");
            continue;
        };
        if !url.starts_with('/') {
            out.fail(
                LINKS,
                format!("link {relation}"),
                "a relative url (/Appointment?…)",
                url,
            );
        }
        let (path, pairs) = split_link(url);
        if !path.ends_with("/Appointment") {
            out.fail(
                LINKS,
                format!("link {relation}"),
                "a url to /Appointment",
                url,
            );
        }
        let carried = sorted(
            pairs
                .iter()
                .filter(|(k, _)| !PAGING.contains(&k.as_str()))
                .cloned()
                .collect(),
        );
        if carried != query.carried {
            out.fail(
                LINKS,
                format!("link {relation}"),
                format!("the query {}", pairs_text(&query.carried)),
                url,
            );
        }
        if let (Some(count), Some(offset)) = (query.count, offset) {
            let get = |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            };
            let want = (Some(count.to_string()), Some(offset.to_string()));
            if (get("_count"), get("_offset")) != want {
                out.fail(
                    if query.capped_from.is_some() {
                        COUNT_MAX
                    } else {
                        LINKS
                    },
                    format!("link {relation}"),
                    format!("_count={count}&_offset={offset}"),
                    url,
                );
            }
        }
    }
    for relation in ["next", "previous"] {
        if !expected.contains_key(relation)
            && let Some(url) = link(bundle, relation)
        {
            out.fail(
                LINKS,
                format!("link {relation}"),
                "absent (no such page)",
                url,
            );
        }
    }
}

fn pairs_text(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return "(no parameters)".to_owned();
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A search walk judged page by page as each page arrives, so no page has to be kept whole: the
/// entries of every page satisfy the query, the order holds across pages, every match is visited
/// once (ids kept, not pages), the walk reaches its end, and it visits `total` matches.
pub struct WalkJudge {
    query: Query,
    out: Out,
    total: Option<u64>,
    ids: Vec<String>,
    seen: HashSet<String>,
    previous_last: Option<Value>,
}

/// What a judged walk came to: the ids in the order visited, the findings, and why it stopped
/// before the last page (`None`: it reached the end).
#[derive(Clone, Debug, Default)]
pub struct WalkJudgement {
    pub ids: Vec<String>,
    pub findings: Vec<Finding>,
    pub stopped: Option<String>,
}

impl WalkJudge {
    /// A judge for the walk of the search `spec` whose first answer was `first` (its `total` is
    /// what the walk must visit), under `ctx`'s query and edition.
    pub fn new(spec: &Spanned<SearchExpect>, ctx: &CheckContext<'_>, first: &Value) -> WalkJudge {
        WalkJudge {
            query: Query::from_pairs(ctx.query, ctx.edition),
            out: Out {
                location: ctx.at(Pos::of(spec)),
                findings: Vec::new(),
            },
            total: first.get("total").and_then(Value::as_u64),
            ids: Vec::new(),
            seen: HashSet::new(),
            previous_last: None,
        }
    }

    /// Judges page `n` (0-based) of the walk; `true` when it failed a check (the caller keeps its
    /// body as evidence).
    pub fn page(&mut self, n: usize, page: &Exchange) -> bool {
        let before = self.out.findings.len();
        let label = format!("walk page {} ({})", n + 1, page.request.url);
        let Some(received) = &page.response else {
            return false;
        };
        let out = &mut self.out;
        let Some(bundle) = bundle_of(received, out, &label) else {
            return out.findings.len() > before;
        };
        let entries = resources(bundle);
        check_entries(&self.query, &entries, &label, out);
        if let (Some(last), Some(first)) = (&self.previous_last, entries.first())
            && let Some(problem) = out_of_order(&self.query.sort, last, first)
        {
            out.fail(
                SORT,
                format!("{label} order across pages"),
                format!("sorted by _sort={}", sort_text(&self.query.sort)),
                problem,
            );
        }
        self.previous_last = entries.last().map(|v| (*v).clone());
        for resource in entries {
            if let Some(id) = id_of(resource) {
                if !self.seen.insert(id.clone()) {
                    out.fail(
                        LINKS,
                        format!("{label} entry {id}"),
                        "each match visited once",
                        "visited again",
                    );
                }
                self.ids.push(id);
            }
        }
        out.findings.len() > before
    }

    /// The judgement once the walk is over; `stopped` is why it ended before the last page.
    pub fn finish(mut self, stopped: Option<&str>) -> WalkJudgement {
        if let Some(reason) = stopped {
            self.out
                .fail(LINKS, "walk", "to reach the last page", reason.to_owned());
        }
        if let Some(total) = self.total
            && self.ids.len() as u64 != total
        {
            self.out.fail(
                LINKS,
                "walk",
                format!("{total} matches (total)"),
                format!("{} visited", self.ids.len()),
            );
        }
        WalkJudgement {
            ids: self.ids,
            findings: self.out.findings,
            stopped: stopped.map(str::to_owned),
        }
    }
}

fn check_ids(
    ordered: bool,
    expected: &Spanned<Vec<Spanned<String>>>,
    actual: &[String],
    ctx: &CheckContext<'_>,
    out: &mut Out,
) {
    let mut wanted = Vec::new();
    for id in &expected.value {
        match render_str(&id.value, ctx.scope) {
            Ok(id) => wanted.push(id),
            Err(e) => {
                out.findings.push(Finding::error(
                    "search",
                    ctx.at(Pos::of(id)),
                    "ids",
                    e.to_string(),
                ));
                return;
            }
        }
    }
    let location = ctx.at(Pos::of(expected));
    if ordered {
        if wanted != actual {
            out.findings.push(Finding::fail(
                "search",
                location,
                "ids in order",
                wanted.join(", "),
                actual.join(", "),
            ));
        }
        return;
    }
    let missing: Vec<&String> = wanted.iter().filter(|id| !actual.contains(id)).collect();
    let extra: Vec<&String> = actual.iter().filter(|id| !wanted.contains(id)).collect();
    if !missing.is_empty() || !extra.is_empty() {
        let actual_text = format!(
            "missing [{}], unexpected [{}]",
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            extra
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        out.findings.push(Finding::fail(
            "search",
            location,
            "ids",
            format!("exactly [{}]", wanted.join(", ")),
            actual_text,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn appt(id: &str, start: &str, patient: &str) -> Value {
        json!({"resourceType": "Appointment", "id": id, "status": "proposed", "start": start,
            "appointmentType": {"coding": [{"system": "http://snomed.info/sct", "code": "308335008"}]},
            "supportingInformation": [{"reference": "Location/1", "type": "Location"}],
            "participant": [{"actor": {"reference": "Practitioner/p1"}}, {"actor": {"reference": format!("Patient/{patient}")}}]})
    }

    #[test]
    fn filters() {
        let a = appt("a", "2100-01-02T23:30:00+00:00", "x");
        assert_eq!(satisfies(&a, "patient", "Patient/x"), Some(Ok(true)));
        assert_eq!(satisfies(&a, "patient", "y"), Some(Ok(false)));
        assert_eq!(satisfies(&a, "date", "2100-01-02"), Some(Ok(true)));
        assert_eq!(satisfies(&a, "date", "gt2100-01-02"), Some(Ok(false)));
        assert_eq!(satisfies(&a, "date", "ge2100-01-02"), Some(Ok(true)));
        assert_eq!(satisfies(&a, "date", "lt2100-01-03"), Some(Ok(true)));
        assert_eq!(satisfies(&a, "date", "le2100-01-01"), Some(Ok(false)));
        assert_eq!(
            satisfies(&a, "appointment-type", "http://snomed.info/sct|308335008"),
            Some(Ok(true))
        );
        assert_eq!(
            satisfies(&a, "appointment-type", "INTERNAL|308335008"),
            Some(Ok(false))
        );
        assert_eq!(satisfies(&a, "location", "Location/1"), Some(Ok(true)));
        assert_eq!(satisfies(&a, "status", "booked,proposed"), Some(Ok(true)));
        assert_eq!(satisfies(&a, "_sort", "date"), None);
    }

    #[test]
    fn identifiers_match_as_tokens() {
        let mut a = appt("a", "2100-01-02T09:00:00Z", "x");
        a["identifier"] = json!([{"system": "https://s.example", "value": "V-1"}]);
        assert_eq!(satisfies(&a, "identifier", "V-1"), Some(Ok(true)));
        assert_eq!(
            satisfies(&a, "identifier", "https://s.example|V-1"),
            Some(Ok(true))
        );
        assert_eq!(
            satisfies(&a, "identifier", "https://other|V-1"),
            Some(Ok(false))
        );
        assert_eq!(
            satisfies(&appt("b", "2100-01-02T09:00:00Z", "x"), "identifier", "V-1"),
            Some(Ok(false))
        );
    }

    fn page(total: u64, entries: usize, links: &[(&str, &str)]) -> Value {
        let entry: Vec<Value> = (0..entries)
            .map(|i| json!({"resource": appt(&format!("e{i}"), "2100-01-02T09:00:00Z", "x")}))
            .collect();
        let mut bundle = json!({"resourceType": "Bundle", "type": "searchset", "total": total});
        if !entry.is_empty() {
            bundle["entry"] = Value::Array(entry);
        }
        if !links.is_empty() {
            bundle["link"] = links
                .iter()
                .map(|(r, u)| json!({"relation": r, "url": u}))
                .collect();
        }
        bundle
    }

    fn failures(pairs: &[(&str, &str)], edition: Edition, bundle: &Value) -> Vec<(String, String)> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let query = Query::from_pairs(&pairs, edition);
        let mut out = Out {
            location: Location::new(&std::sync::Arc::from("c.yaml"), Pos { line: 1, col: 1 }),
            findings: Vec::new(),
        };
        let total = bundle["total"].as_u64().unwrap_or(0);
        let shown = bundle
            .get("entry")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        check_page_size(&query, total, shown, &mut out);
        check_links(&query, bundle, total, &mut out);
        out.findings
            .iter()
            .map(|f| (f.behaviours.join(","), f.subject.clone()))
            .collect()
    }

    #[test]
    fn the_current_edition_pages_always_caps_count_and_links_nothing_when_empty() {
        let current = Edition::Current;
        // Without _count: 10 of 13, links with _count=10.
        let links = [
            ("self", "/Appointment?_count=10&_offset=0"),
            ("first", "/Appointment?_count=10&_offset=0"),
            ("last", "/Appointment?_count=10&_offset=10"),
            ("next", "/Appointment?_count=10&_offset=10"),
        ];
        assert_eq!(failures(&[], current, &page(13, 10, &links)), vec![]);
        // The 2023-09 answer (every match, links without paging) fails SEARCH-PAGING and SEARCH-LINKS.
        let old = page(
            13,
            13,
            &[
                ("self", "/Appointment"),
                ("first", "/Appointment"),
                ("last", "/Appointment"),
            ],
        );
        let found = failures(&[], current, &old);
        assert!(found.iter().any(|(b, _)| b == "SEARCH-PAGING"), "{found:?}");
        assert!(found.iter().any(|(b, _)| b == "SEARCH-LINKS"), "{found:?}");
        assert_eq!(failures(&[], Edition::Sept2023, &old), vec![]);
        // _count=150 is capped at 100: the links say so.
        let capped = [
            ("self", "/Appointment?_count=100&_offset=0"),
            ("first", "/Appointment?_count=100&_offset=0"),
            ("last", "/Appointment?_count=100&_offset=0"),
        ];
        assert_eq!(
            failures(&[("_count", "150")], current, &page(13, 13, &capped)),
            vec![]
        );
        let uncapped = [
            ("self", "/Appointment?_count=150&_offset=0"),
            ("first", "/Appointment?_count=150&_offset=0"),
            ("last", "/Appointment?_count=150&_offset=0"),
        ];
        let found = failures(&[("_count", "150")], current, &page(13, 13, &uncapped));
        assert!(
            !found.is_empty() && found.iter().all(|(b, _)| b == "SEARCH-COUNT-MAX"),
            "{found:?}"
        );
        // An empty result: no links at all.
        assert_eq!(
            failures(&[("patient", "Patient/none")], current, &page(0, 0, &[])),
            vec![]
        );
        let found = failures(
            &[("patient", "Patient/none")],
            current,
            &page(
                0,
                0,
                &[(
                    "self",
                    "/Appointment?patient=Patient%2Fnone&_count=10&_offset=0",
                )],
            ),
        );
        assert_eq!(found, vec![("SEARCH-EMPTY".to_owned(), "link".to_owned())]);
    }

    #[test]
    fn order() {
        let a = appt("a", "2100-01-02T09:00:00Z", "x");
        let b = appt("b", "2100-01-02T10:00:00+00:00", "w");
        let asc = vec![("date".to_owned(), false)];
        let desc = vec![("date".to_owned(), true)];
        assert_eq!(out_of_order(&asc, &a, &b), None);
        assert!(out_of_order(&desc, &a, &b).is_some());
        assert!(out_of_order(&[("patient".to_owned(), false)], &a, &b).is_some());
    }

    fn judge(total: u64) -> WalkJudge {
        WalkJudge {
            query: Query::from_pairs(&[("patient".to_owned(), "x".to_owned())], Edition::Current),
            out: Out {
                location: Location::new(&std::sync::Arc::from("c.yaml"), Pos { line: 1, col: 1 }),
                findings: Vec::new(),
            },
            total: Some(total),
            ids: Vec::new(),
            seen: HashSet::new(),
            previous_last: None,
        }
    }

    fn fetched(ids: &[&str]) -> Exchange {
        let entry: Vec<Value> = ids
            .iter()
            .map(|id| json!({"resource": appt(id, "2100-01-02T09:00:00Z", "x")}))
            .collect();
        let bundle = json!({"resourceType": "Bundle", "type": "searchset", "entry": entry});
        Exchange {
            request: crate::exchange::SentRequest {
                method: "GET".to_owned(),
                url: "http://127.0.0.1:1/Appointment?patient=x".to_owned(),
                headers: Vec::new(),
                body: None,
            },
            response: Some(Received {
                status: 200,
                headers: Vec::new(),
                body: bundle.to_string(),
                json: Some(bundle),
                elapsed_ms: 0,
                truncated: None,
            }),
            error: None,
        }
    }

    #[test]
    fn a_walk_is_judged_page_by_page_keeping_ids_not_pages() {
        // Three clean pages visiting the four matches once each.
        let mut clean = judge(4);
        for (n, ids) in [&["a", "b"][..], &["c"], &["d"]].iter().enumerate() {
            assert!(!clean.page(n, &fetched(ids)), "page {n}");
        }
        let judged = clean.finish(None);
        assert_eq!(judged.ids, ["a", "b", "c", "d"]);
        assert!(judged.findings.is_empty(), "{:?}", judged.findings);

        // A match seen again on page 2: that page is the failing one (kept whole as evidence),
        // and the count no longer agrees with total.
        let mut twice = judge(3);
        assert!(!twice.page(0, &fetched(&["a", "b"])));
        assert!(twice.page(1, &fetched(&["b", "c"])));
        let judged = twice.finish(None);
        let subjects: Vec<&str> = judged.findings.iter().map(|f| f.subject.as_str()).collect();
        assert!(
            subjects
                .iter()
                .any(|s| s.starts_with("walk page 2") && s.ends_with("entry b")),
            "{subjects:?}"
        );
        assert!(
            judged
                .findings
                .iter()
                .all(|f| f.behaviours == ["SEARCH-LINKS"])
        );
        assert_eq!(
            judged.findings.last().map(|f| f.actual.as_str()),
            Some("4 visited")
        );

        // An entry of another patient fails the filter on its page; a walk cut short says why.
        let mut stray = judge(1);
        let mut other = fetched(&["z"]);
        if let Some(r) = other.response.as_mut() {
            let bundle = json!({"resourceType": "Bundle", "type": "searchset",
                "entry": [{"resource": appt("z", "2100-01-02T09:00:00Z", "y")}]});
            r.body = bundle.to_string();
            r.json = Some(bundle);
        }
        assert!(stray.page(0, &other));
        let judged = stray.finish(Some("more than 500 pages"));
        assert!(
            judged
                .findings
                .iter()
                .any(|f| f.behaviours == ["SEARCH-PARAMS"])
        );
        assert!(
            judged
                .findings
                .iter()
                .any(|f| f.actual == "more than 500 pages")
        );
    }
}
