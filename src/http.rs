//! The reqwest clients requests go out through: for `http://` URLs, built at once (one that honours
//! the proxy variables, one that never proxies a loopback host), and for `https://` URLs, built on
//! first use. Only that one loads the system's CA certificates (a few milliseconds, and an error on
//! a machine without them), which a run against `http://` servers (the embedded ones, a local
//! `serve`) must neither wait for nor fail on. Below both users: FHIR requests (`exchange`) and
//! OAuth token requests (`target::auth`).

use std::net::IpAddr;
use std::sync::OnceLock;

/// How every client of one [`Clients`] is configured (timeouts, redirects, user agent): called once
/// per client built.
type Configure = Box<dyn Fn() -> reqwest::ClientBuilder + Send + Sync>;

/// Clients configured alike: per URL scheme, and for loopback hosts.
pub struct Clients {
    configure: Configure,
    /// `http://` URLs, through the proxy `HTTP_PROXY`/`ALL_PROXY` name (unless `NO_PROXY` exempts
    /// the host), as reqwest does by default.
    plain: reqwest::Client,
    /// `http://` URLs of a loopback host (`localhost`, 127.0.0.0/8, `::1`): never through a proxy
    /// (as Go's `net/http` does), so a proxy set for the outside world cannot break a run against
    /// the embedded servers or a local `serve`.
    loopback: reqwest::Client,
    tls: OnceLock<Result<reqwest::Client, String>>,
}

/// `https://` URLs cannot be sent: the TLS client could not be built. `reason` is the innermost
/// cause reqwest gave (typically "No CA certificates were loaded from the system").
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot make https:// connections: {reason}; install the system's CA certificates (the ca-certificates package on Debian and Ubuntu) or point SSL_CERT_FILE at a PEM bundle"
)]
pub struct TlsUnavailable {
    pub reason: String,
}

impl Clients {
    /// Builds the `http://` client from `configure()` now; the `https://` one is built from it on
    /// the first `https://` URL. Errors are reqwest's builder errors for the `http://` client.
    pub fn new(
        configure: impl Fn() -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Result<Clients, reqwest::Error> {
        let plain = plain_only(configure())?;
        let loopback = plain_only(configure().no_proxy())?;
        Ok(Clients {
            configure: Box::new(configure),
            plain,
            loopback,
            tls: OnceLock::new(),
        })
    }

    /// The client for `url`: the TLS one (built now if it is the first) when the scheme is
    /// `https`, else the loopback one for a loopback host, else the plain one.
    pub fn for_url(&self, url: &str) -> Result<&reqwest::Client, TlsUnavailable> {
        if !is_https(url) {
            return Ok(if is_loopback(url) {
                &self.loopback
            } else {
                &self.plain
            });
        }
        self.tls
            .get_or_init(|| (self.configure)().build().map_err(|e| innermost(&e)))
            .as_ref()
            .map_err(|reason| TlsUnavailable {
                reason: reason.clone(),
            })
    }
}

/// `builder` as a client for `http://` URLs only: no CA certificates are loaded (an `https://`
/// URL sent through it fails its handshake). For servers known to be local (the bench's).
pub fn plain_only(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, reqwest::Error> {
    builder
        .tls_certs_only(std::iter::empty::<reqwest::Certificate>())
        .build()
}

/// Whether `url`'s scheme is `https` (ASCII case-insensitive, RFC 3986 §3.1).
fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// Whether `url`'s host is `localhost` or a loopback address (127.0.0.0/8, `[::1]`).
fn is_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    match parsed.host_str() {
        Some(host) if host.eq_ignore_ascii_case("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// The proxy variable a request to `url` goes through, when one is set (`HTTPS_PROXY` or
/// `ALL_PROXY` for `https://`, `HTTP_PROXY` or `ALL_PROXY` for `http://`, either case; `NO_PROXY`
/// may still exempt the host). `None` for a loopback host over `http://`, which is never proxied.
/// Names the variable only: its value may hold the proxy's credentials.
pub fn proxy_variable(url: &str) -> Option<&'static str> {
    let names: &[&'static str] = if is_https(url) {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else if is_loopback(url) {
        &[]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    names
        .iter()
        .copied()
        .find(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// What to add to the cause of a request to `url` that failed with `detail` (its error text),
/// appended to an unreachable target's or token URL's cause; empty when nothing applies:
/// - ` (the server answered in plain HTTP, not TLS: try http://…)` when an `https://` URL was
///   answered with bytes that are no TLS record (rustls: "corrupt message of type
///   InvalidContentType"), what a plain-HTTP server sends back to a TLS handshake;
/// - ` (HTTPS_PROXY is set: …)` when the request went through a proxy variable ([`proxy_variable`]).
pub fn failure_notes(url: &str, detail: &str) -> String {
    let mut notes = String::new();
    if is_https(url) && detail.contains("InvalidContentType") {
        let plain = format!("http://{}", url.get(8..).unwrap_or_default());
        notes.push_str(&format!(
            " (the server answered in plain HTTP, not TLS: try {})",
            plain.trim_end_matches('/')
        ));
    }
    if let Some(name) = proxy_variable(url) {
        notes.push_str(&format!(
            " ({name} is set: the request went through that proxy unless NO_PROXY names the host)"
        ));
    }
    notes
}

/// The last message in `error`'s source chain (reqwest wraps the TLS set-up's own reason twice).
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_client() {
        assert!(is_https(
            "https://fumage-example.canvasmedical.com/Appointment"
        ));
        assert!(is_https("HTTPS://example.invalid"));
        assert!(!is_https("http://127.0.0.1:8090/Appointment"));
        assert!(!is_https("http:/"));
        assert!(!is_https(""));
    }

    #[test]
    fn loopback_hosts_are_told_apart() {
        assert!(is_loopback("http://127.0.0.1:8090/Appointment"));
        assert!(is_loopback("http://127.8.9.10/"));
        assert!(is_loopback("http://LOCALHOST:8090"));
        assert!(is_loopback("http://[::1]:8090/Appointment"));
        assert!(!is_loopback("http://10.0.0.1:8090/"));
        assert!(!is_loopback("http://localhost.example.com/"));
        assert!(!is_loopback("http://fumage-example.canvasmedical.com/"));
        assert!(!is_loopback("not a url"));
        assert_eq!(proxy_variable("http://127.0.0.1:8090/Appointment"), None);
    }

    #[test]
    fn a_plain_http_answer_to_tls_says_to_try_http() {
        let said = failure_notes(
            "https://127.0.0.1:8090/Appointment",
            "client error (Connect): received corrupt message of type InvalidContentType",
        );
        assert!(
            said.contains("try http://127.0.0.1:8090/Appointment"),
            "{said}"
        );
        assert!(
            !failure_notes("https://127.0.0.1:8090", "Connection refused").contains("plain HTTP")
        );
    }

    #[test]
    fn the_tls_client_is_built_only_for_an_https_url() {
        let clients = Clients::new(reqwest::Client::builder).expect("the plain client");
        clients
            .for_url("http://127.0.0.1:9/Appointment")
            .expect("plain");
        assert!(clients.tls.get().is_none(), "built for an http:// URL");
        let _ = clients.for_url("https://127.0.0.1:9/Appointment");
        assert!(clients.tls.get().is_some(), "not built for an https:// URL");
    }

    #[test]
    fn a_tls_set_up_failure_says_what_to_install() {
        let clients = Clients {
            configure: Box::new(reqwest::Client::builder),
            plain: plain_only(reqwest::Client::builder()).expect("plain"),
            loopback: plain_only(reqwest::Client::builder()).expect("loopback"),
            tls: OnceLock::from(Err(
                "No CA certificates were loaded from the system".to_owned()
            )),
        };
        let error = clients
            .for_url("https://example.invalid/Appointment")
            .expect_err("no TLS client");
        let said = error.to_string();
        assert!(said.contains("No CA certificates were loaded"), "{said}");
        assert!(
            said.contains("ca-certificates") && said.contains("SSL_CERT_FILE"),
            "{said}"
        );
        assert!(clients.for_url("http://127.0.0.1:9/").is_ok());
    }
}
