//! The query of a lookup search (`/Practitioner`, `/Patient`, `/Location`, `/Schedule`,
//! `/Slot`) under Appointment search's rules: each parameter at most once and never empty,
//! `_count`/`_offset` and unknown parameters as the edition has them (D2, D3), and the page.

use axum::Json;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use serde_json::Value;

use super::edition::Policy;
use super::error::ApiError;
use super::search::{
    LinkBase, Paged, bundle, count_value, links, offset_value, page, reference, split_list,
    well_formed_query,
};

/// Whether `ids` (an `_id` list) lets any of `names` through: always when there is no list.
pub(crate) fn listed<'a>(ids: Option<&[String]>, mut names: impl Iterator<Item = &'a str>) -> bool {
    ids.is_none_or(|ids| names.any(|name| ids.iter().any(|id| id == name)))
}

/// The answer of a lookup read: the resource `found` renders for the id of the path, or a 404
/// naming `resource` and the id as requested.
pub(crate) fn read_answer(
    resource: &'static str,
    path: Result<Path<String>, PathRejection>,
    found: impl FnOnce(&str) -> Option<Value>,
) -> Result<Json<Value>, ApiError> {
    let id = path.map(|Path(id)| id).unwrap_or_default();
    found(&id)
        .map(Json)
        .ok_or_else(|| ApiError::unknown(resource, &id))
}

/// A parsed lookup query: the known parameters it carries, and its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LookupQuery {
    /// The known parameters except `_count`/`_offset`, decoded, in received order.
    params: Vec<(String, String)>,
    pub paged: Paged,
}

impl LookupQuery {
    /// Parses `raw` for a lookup whose parameters are `known` (plus `_count` and `_offset`,
    /// always known). An unknown parameter is a 400 naming it in 2023-09 and ignored in current
    /// (D2); an empty or repeated one is a 400.
    pub(crate) fn parse(
        raw: Option<&str>,
        known: &[&str],
        policy: &Policy,
    ) -> Result<LookupQuery, ApiError> {
        well_formed_query(raw)?;
        let mut params: Vec<(String, String)> = Vec::new();
        let mut count = None;
        let mut offset = None;
        for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let (name, value) = (name.into_owned(), value.into_owned());
            let paging = name == "_count" || name == "_offset";
            if !paging && !known.contains(&name.as_str()) {
                if policy.ignore_unknown_params {
                    continue;
                }
                let supported: Vec<&str> =
                    known.iter().copied().chain(["_count", "_offset"]).collect();
                return Err(ApiError::bad(
                    &name,
                    format!(
                        "unknown search parameter {name:?}; supported: {}",
                        supported.join(", ")
                    ),
                ));
            }
            if value.is_empty() {
                return Err(ApiError::bad(&name, format!("{name} must not be empty")));
            }
            let repeated = match name.as_str() {
                "_count" => count.is_some(),
                "_offset" => offset.is_some(),
                _ => params.iter().any(|(seen, _)| *seen == name),
            };
            if repeated {
                return Err(ApiError::bad(
                    &name,
                    format!("{name} may be given only once"),
                ));
            }
            let bad = |why: String| ApiError::bad(&name, format!("{name}={value:?}: {why}"));
            match name.as_str() {
                "_count" => count = Some(count_value(&value, policy, None).map_err(bad)?),
                "_offset" => offset = Some(offset_value(&value).map_err(bad)?),
                _ => params.push((name, value)),
            }
        }
        let page = page(count, offset.unwrap_or(0), policy);
        Ok(LookupQuery {
            paged: Paged {
                carried: params.clone(),
                page,
            },
            params,
        })
    }

    /// The value of parameter `name`, when given.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(seen, _)| seen == name)
            .map(|(_, value)| value.as_str())
    }

    /// A comma-list parameter (`_id=a,b`); an empty item is a 400.
    pub(crate) fn list(&self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        self.get(name)
            .map(|value| {
                split_list(value).ok_or_else(|| {
                    ApiError::bad(name, format!("{name}={value:?}: empty item in the list"))
                })
            })
            .transpose()
    }

    /// Whether `name` contains the `name` parameter, ignoring case: always without the parameter,
    /// never for a resource without a name.
    pub(crate) fn matches_name(&self, name: Option<&str>) -> bool {
        match (self.get("name"), name) {
            (None, _) => true,
            (Some(wanted), Some(name)) => name.to_lowercase().contains(&wanted.to_lowercase()),
            (Some(_), None) => false,
        }
    }

    /// A reference parameter, `<kind>/<id>` or a bare `<id>`, as its id; another shape is a 400.
    pub(crate) fn reference(&self, name: &str, kind: &str) -> Result<Option<String>, ApiError> {
        self.get(name)
            .map(|value| {
                reference(value, kind)
                    .map_err(|why| ApiError::bad(name, format!("{name}={value:?}: {why}")))
            })
            .transpose()
    }

    /// The searchset Bundle of the page of `matches` this query asks for (all of them when it
    /// asks for none), each rendered by `render`, with links to `path` (the edition's link rules,
    /// D17). The mutants break Appointment search only, so none applies here.
    pub(crate) fn searchset<T>(
        &self,
        path: &'static str,
        matches: Vec<T>,
        render: impl Fn(&T) -> Value,
        policy: &Policy,
    ) -> Value {
        let total = u64::try_from(matches.len()).unwrap_or(u64::MAX);
        let shown: Vec<Value> = match self.paged.page {
            Some((count, offset)) => matches
                .iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(count).unwrap_or(usize::MAX))
                .map(render)
                .collect(),
            None => matches.iter().map(render).collect(),
        };
        let base = LinkBase {
            path,
            absolute_base: None,
        };
        bundle(
            total,
            links(base, &self.paged, total, policy, None),
            shown,
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edition::Edition;

    fn parse(q: &str, edition: Edition) -> Result<LookupQuery, ApiError> {
        LookupQuery::parse(Some(q), &["_id", "name"], edition.policy())
    }

    fn rejects(q: &str, parameter: &str) {
        match parse(q, Edition::Sept2023) {
            Err(ApiError::BadRequest { expression, .. }) => {
                assert_eq!(expression.as_deref(), Some(parameter), "{q}")
            }
            other => panic!("{q}: expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn parameters_paging_and_the_unknown_rule() {
        let q = parse("name=Ada&_count=2&_offset=1", Edition::Sept2023).unwrap();
        assert_eq!(q.get("name"), Some("Ada"));
        assert_eq!(q.get("_id"), None);
        assert_eq!(q.paged.page, Some((2, 1)));
        assert_eq!(q.paged.carried, [("name".to_string(), "Ada".to_string())]);
        assert_eq!(parse("", Edition::Sept2023).unwrap().paged.page, None);
        let current = parse("colour=blue&_count=500", Edition::Current).unwrap();
        assert_eq!(current.paged.page, Some((100, 0)));
        assert!(current.paged.carried.is_empty());
        assert_eq!(
            parse("_id=a,b", Edition::Current)
                .unwrap()
                .list("_id")
                .unwrap(),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        rejects("colour=blue", "colour");
        rejects("name=", "name");
        rejects("name=a&name=b", "name");
        rejects("_count=0", "_count");
        rejects("_offset=-1", "_offset");
        rejects("_count=1&_count=2", "_count");
        let list = parse("_id=a,,b", Edition::Sept2023).unwrap().list("_id");
        assert!(matches!(list, Err(ApiError::BadRequest { .. })), "{list:?}");
    }

    #[test]
    fn names_and_ids_filter_as_documented() {
        let q = parse("name=lOVE", Edition::Sept2023).unwrap();
        assert!(q.matches_name(Some("Ada Lovelace NP")));
        assert!(!q.matches_name(Some("Youta Priti MD")));
        assert!(!q.matches_name(None));
        let all = parse("", Edition::Sept2023).unwrap();
        assert!(all.matches_name(None));
        let ids = ["a".to_string(), "1".to_string()];
        assert!(listed(Some(&ids), ["uuid", "1"].into_iter()));
        assert!(!listed(Some(&ids), ["b"].into_iter()));
        assert!(listed(None, ["b"].into_iter()));
    }

    #[test]
    fn the_searchset_pages_and_links_its_own_path() {
        let q = parse("_count=2&_offset=2", Edition::Sept2023).unwrap();
        let bundle = q.searchset(
            "/Practitioner",
            vec![1, 2, 3, 4, 5],
            |n| Value::from(*n),
            Edition::Sept2023.policy(),
        );
        assert_eq!(bundle["total"], 5);
        assert_eq!(bundle["entry"][0]["resource"], 3);
        assert_eq!(bundle["entry"].as_array().map(Vec::len), Some(2));
        let next = bundle["link"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["relation"] == "next")
            .map(|l| l["url"].clone());
        assert_eq!(next, Some(Value::from("/Practitioner?_count=2&_offset=4")));
    }
}
