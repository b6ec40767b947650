//! Follows a search Bundle's paging links (`first`, then `next` until there is none) and returns every
//! page fetched. Links are resolved against the target's base URL: only their path and query are
//! used, so a link to another host never receives the token.

use serde_json::Value;

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

/// Splits a link url into path and query pairs, ignoring any scheme and host.
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

/// What a walk produced.
pub struct Walk {
    pub pages: Vec<Exchange>,
    /// Why the walk stopped before the end, when it did.
    pub stopped: Option<String>,
}

/// Fetches `first`, then each `next`, from the bundle of the first response.
pub async fn walk(client: &Client, target: &Target, first_bundle: &Value, auth: AuthMode) -> Walk {
    let mut pages = Vec::new();
    let Some(mut url) = link(first_bundle, "first").map(str::to_owned) else {
        return Walk {
            pages,
            stopped: Some("the bundle has no `first` link to start the walk from".to_owned()),
        };
    };
    let mut seen_urls = Vec::new();
    loop {
        if pages.len() >= MAX_PAGES {
            return Walk {
                pages,
                stopped: Some(format!("more than {MAX_PAGES} pages")),
            };
        }
        if seen_urls.contains(&url) {
            return Walk {
                pages,
                stopped: Some(format!("the `next` links loop back to {url}")),
            };
        }
        seen_urls.push(url.clone());
        let (path, query) = split_link(&url);
        let out = Outgoing::get(path, query, auth);
        let exchange = client.send(target, &out).await;
        let next = exchange
            .response
            .as_ref()
            .filter(|r| r.status == 200)
            .and_then(|r| r.json.as_ref())
            .and_then(|bundle| link(bundle, "next"))
            .map(str::to_owned);
        let failed = exchange.response.as_ref().is_none_or(|r| r.status != 200);
        let reason = failed.then(|| match (&exchange.error, &exchange.response) {
            (Some(error), _) => format!("fetching {url}: {error}"),
            (None, Some(r)) => format!("fetching {url} answered {}", r.status),
            (None, None) => format!("fetching {url} failed"),
        });
        pages.push(exchange);
        match (reason, next) {
            (Some(reason), _) => {
                return Walk {
                    pages,
                    stopped: Some(reason),
                };
            }
            (None, Some(next)) => url = next,
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
}
