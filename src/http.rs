//! The reqwest clients requests go out through: one for `http://` URLs, built at once, and one for
//! `https://` URLs, built on first use. Only the second loads the system's CA certificates (a few
//! milliseconds, and an error on a machine without them), which a run against `http://` servers
//! (the embedded ones, a local `serve`) must neither wait for nor fail on. Below both users: FHIR
//! requests (`exchange`) and OAuth token requests (`target::auth`).

use std::sync::OnceLock;

/// How every client of one [`Clients`] is configured (timeouts, redirects, user agent): called once
/// per client built.
type Configure = Box<dyn Fn() -> reqwest::ClientBuilder + Send + Sync>;

/// A pair of clients configured alike, one per URL scheme.
pub struct Clients {
    configure: Configure,
    plain: reqwest::Client,
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
        Ok(Clients {
            configure: Box::new(configure),
            plain,
            tls: OnceLock::new(),
        })
    }

    /// The client for `url`: the TLS one (built now if it is the first) when the scheme is
    /// `https`, else the plain one.
    pub fn for_url(&self, url: &str) -> Result<&reqwest::Client, TlsUnavailable> {
        if !is_https(url) {
            return Ok(&self.plain);
        }
        self.tls
            .get_or_init(|| {
                (self.configure)()
                    .build()
                    .map_err(|e| innermost(&e).to_owned())
            })
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
