//! Follows a search Bundle's paging links (`first`, then `next` until there is none) and returns every
//! page fetched. Each link is resolved as RFC 3986 §5.2 says, against the URL of the page that carried
//! it (§5.1.3: the retrieval URI is the base), with the `url` crate; a link that leads outside the
//! target's base URL (another scheme, host or port, or above its path) is not followed, so the token
//! never travels elsewhere. Every message names the URL actually fetched.

use serde_json::Value;
use url::Url;

use crate::case::model::AuthMode;
use crate::exchange::record::Exchange;
use crate::exchange::render::Outgoing;
use crate::exchange::send::Client;
use crate::target::Target;

/// Pages beyond this are not fetched; the walk reports that it was cut short.
pub const MAX_PAGES: usize = 500;

/// The url of the link with this relation, if any.
pub fn link<'a>(bundle: &'a Value, relation: &str) -> Option<&'a str> {
    bundle.get("link")?.as_array()?.iter().find_map(|link| {
        (link.get("relation")?.as_str()? == relation)
            .then(|| link.get("url")?.as_str())
            .flatten()
    })
}

/// Splits a link url into path and query pairs, ignoring any scheme and host (for comparing a
/// link's form and parameters; fetching resolves it with [`resolve`]).
pub fn split_link(url: &str) -> (String, Vec<(String, String)>) {
    let without_host = match url.find("://") {
        Some(at) => {
            let rest = &url[at + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }
        None => url,
    };
    let (path, query) = without_host.split_once('?').unwrap_or((without_host, ""));
    let pairs = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    (path.to_owned(), pairs)
}

/// A link resolved against the page that carried it, as the target's client sends it: the path
/// below the target's base URL (starting with `/`) and the query pairs (decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The absolute URL the link names (RFC 3986 §5.2.2, dot segments removed).
    pub url: String,
    /// The path after the base URL's own path: `/Appointment` for `http://host/fhir/Appointment`
    /// under the base `http://host/fhir`.
    pub path: String,
    pub query: Vec<(String, String)>,
}

/// Why a link cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the url of the page it came from, {page}, is not an absolute URL: {reason}")]
    Page { page: String, reason: String },
    #[error("`{link}` is not a URL reference (RFC 3986): {reason}")]
    Link { link: String, reason: String },
    #[error(
        "`{link}` resolves to {resolved}, outside the target's base URL {base}; not followed (the token stays with the target)"
    )]
    Outside {
        link: String,
        resolved: String,
        base: String,
    },
}

/// Resolves `link` against `page_url` (the URL fetched for the page holding it) as RFC 3986 §5.2
/// says, and places it under `base_url` (the target's FHIR base, with or without a path).
///
/// # Errors
/// [`LinkError::Page`] / [`LinkError::Link`] when either is not a URL (reference), and
/// [`LinkError::Outside`] when the result has another scheme, host or port than `base_url` or lies
/// above its path.
pub fn resolve(base_url: &str, page_url: &str, link: &str) -> Result<Resolved, LinkError> {
    let page = Url::parse(page_url).map_err(|e| LinkError::Page {
        page: page_url.to_owned(),
        reason: e.to_string(),
    })?;
    let resolved = page.join(link.trim()).map_err(|e| LinkError::Link {
        link: link.to_owned(),
        reason: e.to_string(),
    })?;
    let outside = || LinkError::Outside {
        link: link.to_owned(),
        resolved: resolved.to_string(),
        base: base_url.to_owned(),
    };
    let base = Url::parse(base_url).map_err(|_| outside())?;
    if base.origin() != resolved.origin() {
        return Err(outside());
    }
    let base_path = base.path().trim_end_matches('/');
    let path = resolved
        .path()
        .strip_prefix(base_path)
        .filter(|rest| rest.starts_with('/'))
        .ok_or_else(outside)?
        .to_owned();
    let query = resolved
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok(Resolved {
        url: resolved.to_string(),
        path,
        query,
    })
}

/// What a walk produced.
pub struct Walk {
    pub pages: Vec<Exchange>,
    /// Why the walk stopped before the end, when it did.
    pub stopped: Option<String>,
}

/// Fetches `first`, then each `next`, from `first_bundle`, the bundle answered at `first_url` (the
/// URL fetched for the search); each link is resolved against the URL of the page that carried it.
/// `on_page` sees each page (0-based) as it arrives, after its `next` link was read, and may slim
/// it ([`Exchange::slim`]) before it is kept: a walk then holds one page whole at a time.
pub async fn walk(
    client: &Client,
    target: &Target,
    first_url: &str,
    first_bundle: &Value,
    auth: AuthMode,
    on_page: impl FnMut(usize, &mut Exchange),
) -> Walk {
    let Some(first) = link(first_bundle, "first") else {
        return Walk {
            pages: Vec::new(),
            stopped: Some("the bundle has no `first` link to start the walk from".to_owned()),
        };
    };
    follow(client, target, first_url, first, "first", auth, on_page).await
}

/// The pages after `bundle`, the page answered at `page_url`: each `next` until there is none,
/// resolved and bounded as [`walk`] does (a walk that already holds the first page, such as the
/// cleanup's sweep, does not fetch it again). No `next` link: no pages, and not stopped.
pub async fn walk_next(
    client: &Client,
    target: &Target,
    page_url: &str,
    bundle: &Value,
    auth: AuthMode,
    on_page: impl FnMut(usize, &mut Exchange),
) -> Walk {
    match link(bundle, "next") {
        Some(next) => follow(client, target, page_url, next, "next", auth, on_page).await,
        None => Walk {
            pages: Vec::new(),
            stopped: None,
        },
    }
}

/// Fetches `link_text` (the `relation` link of the page at `page_url`), then each `next`.
async fn follow(
    client: &Client,
    target: &Target,
    page_url: &str,
    link_text: &str,
    relation: &'static str,
    auth: AuthMode,
    mut on_page: impl FnMut(usize, &mut Exchange),
) -> Walk {
    let mut pages = Vec::new();
    let mut relation = relation;
    let mut link_text = link_text.to_owned();
    let mut page_url = page_url.to_owned();
    let mut seen_urls: Vec<String> = Vec::new();
    loop {
        if pages.len() >= MAX_PAGES {
            return Walk {
                pages,
                stopped: Some(format!("more than {MAX_PAGES} pages")),
            };
        }
        let resolved = match resolve(&target.base_url, &page_url, &link_text) {
            Ok(resolved) => resolved,
            Err(e) => {
                return Walk {
                    pages,
                    stopped: Some(format!("the `{relation}` link of {page_url}: {e}")),
                };
            }
        };
        if seen_urls.contains(&resolved.url) {
            return Walk {
                pages,
                stopped: Some(format!(
                    "the `{relation}` link of {page_url} loops back to {}",
                    resolved.url
                )),
            };
        }
        seen_urls.push(resolved.url.clone());
        let out = Outgoing::get(resolved.path, resolved.query, auth);
        let mut exchange = client.send(target, &out).await;
        let fetched = exchange.request.url.clone();
        let next = exchange
            .response
            .as_ref()
            .filter(|r| r.status == 200)
            .and_then(|r| r.json.as_ref())
            .and_then(|bundle| link(bundle, "next"))
            .map(str::to_owned);
        let failed =
            exchange.error.is_some() || exchange.response.as_ref().is_none_or(|r| r.status != 200);
        let reason = failed.then(|| match (&exchange.error, &exchange.response) {
            (Some(error), _) => format!("fetching {fetched}: {error}"),
            (None, Some(r)) => format!("fetching {fetched} answered {}", r.status),
            (None, None) => format!("fetching {fetched} failed"),
        });
        on_page(pages.len(), &mut exchange);
        pages.push(exchange);
        match (reason, next) {
            (Some(reason), _) => {
                return Walk {
                    pages,
                    stopped: Some(reason),
                };
            }
            (None, Some(next)) => {
                relation = "next";
                link_text = next;
                page_url = fetched;
            }
            (None, None) => {
                return Walk {
                    pages,
                    stopped: None,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_relative_and_absolute_links() {
        let (path, query) = split_link("/Appointment?patient=Patient%2Fabc&_count=2&_offset=4");
        assert_eq!(path, "/Appointment");
        assert_eq!(query[0], ("patient".to_owned(), "Patient/abc".to_owned()));
        assert_eq!(query.len(), 3);
        let (path, query) = split_link("https://elsewhere.example/Appointment?_count=1");
        assert_eq!(path, "/Appointment");
        assert_eq!(query.len(), 1);
    }

    const PAGE: &str = "http://127.0.0.1:8090/fhir/Appointment?patient=Patient%2Fabc&_count=2";

    #[test]
    fn every_link_form_resolves_under_a_base_url_with_a_path() {
        let base = "http://127.0.0.1:8090/fhir";
        for link in [
            "/fhir/Appointment?patient=Patient%2Fabc&_count=2&_offset=2",
            "http://127.0.0.1:8090/fhir/Appointment?patient=Patient%2Fabc&_count=2&_offset=2",
            "Appointment?patient=Patient%2Fabc&_count=2&_offset=2",
            "?patient=Patient%2Fabc&_count=2&_offset=2",
            "//127.0.0.1:8090/fhir/./x/../Appointment?patient=Patient%2Fabc&_count=2&_offset=2",
        ] {
            let resolved = resolve(base, PAGE, link).unwrap_or_else(|e| panic!("{link}: {e}"));
            assert_eq!(
                resolved.url,
                "http://127.0.0.1:8090/fhir/Appointment?patient=Patient%2Fabc&_count=2&_offset=2",
                "{link}"
            );
            assert_eq!(resolved.path, "/Appointment", "{link}");
            assert_eq!(
                resolved.query,
                [
                    ("patient", "Patient/abc"),
                    ("_count", "2"),
                    ("_offset", "2")
                ]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
            );
        }
    }

    #[test]
    fn a_base_url_without_a_path_takes_every_form_too() {
        let page = "http://127.0.0.1:8090/Appointment?_count=2";
        for link in [
            "/Appointment?_count=2&_offset=2",
            "Appointment?_count=2&_offset=2",
            "http://127.0.0.1:8090/Appointment?_count=2&_offset=2",
        ] {
            let resolved = resolve("http://127.0.0.1:8090", page, link).expect(link);
            assert_eq!(resolved.path, "/Appointment", "{link}");
            assert_eq!(resolved.query.len(), 2, "{link}");
        }
    }

    #[test]
    fn links_outside_the_base_url_are_not_followed() {
        let base = "http://127.0.0.1:8090/fhir";
        for link in [
            "https://elsewhere.example/fhir/Appointment?_count=2",
            "http://127.0.0.1:9999/fhir/Appointment?_count=2",
            "/Appointment?_count=2",
            "/fhirx/Appointment?_count=2",
        ] {
            match resolve(base, PAGE, link) {
                Err(LinkError::Outside { resolved, .. }) => {
                    assert!(resolved.starts_with("http"), "{resolved}")
                }
                other => panic!("{link}: {other:?}"),
            }
        }
        assert!(matches!(
            resolve(base, PAGE, "http://[::1"),
            Err(LinkError::Link { .. })
        ));
    }
}
