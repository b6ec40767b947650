//! How a transport failure reads: a reqwest error's source chain, `: `-joined. Shared by the token
//! fetch (here, in `target`) and by the exchange layer above, which imports it from here.

/// A reqwest error's source chain, `: `-joined. The URL is shown elsewhere (and may not be shown at
/// all for a token endpoint), so reqwest's own message, which echoes it, is left out.
pub fn cause_chain(error: &reqwest::Error) -> String {
    let mut chain: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    chain.join(": ")
}

/// `kind: cause: cause…` from a reqwest error's source chain (see [`cause_chain`]).
pub(crate) fn with_causes(kind: String, error: &reqwest::Error) -> String {
    format!("{kind}{}", causes(&cause_chain(error)))
}

/// `: detail`, or nothing when there is no detail.
pub(crate) fn causes(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}
