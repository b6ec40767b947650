//! Scrubbing: the target's bearer token out of everything an exchange records (request and
//! response headers, an echoed body, error text), so nothing downstream can leak it. The harness's
//! deliberately invalid token (`auth: invalid`) is no secret and stays visible.

use crate::exchange::error::ExchangeError;
use crate::exchange::record::Received;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The bearer token a step with `auth: invalid` sends (no secret; recorded as sent).
pub const INVALID_TOKEN: &str = "invalid-token-canvas-conformance";

/// Replaces any occurrence of the token in `text`.
pub fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, REDACTED)
    }
}

/// Every `Authorization` value becomes `Bearer [redacted]` (unless it carries [`INVALID_TOKEN`]),
/// and the token is replaced in every other value.
pub fn scrub_headers(headers: Vec<(String, String)>, token: &str) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(name, value)| {
            let value =
                if name.eq_ignore_ascii_case("authorization") && !value.contains(INVALID_TOKEN) {
                    format!("Bearer {REDACTED}")
                } else {
                    scrub(&value, token)
                };
            (name, value)
        })
        .collect()
}

/// The response without the token in its headers or body (a body that echoed it is re-parsed).
pub fn scrub_received(mut received: Received, token: &str) -> Received {
    received.headers = scrub_headers(received.headers, token);
    if !token.is_empty() && received.body.contains(token) {
        // An echoed token: record the body without it (and its JSON likewise).
        received.body = scrub(&received.body, token);
        received.json = serde_json::from_str(&received.body).ok();
    }
    received
}

/// A token endpoint's answer without the tokens it issued (`access_token`, `refresh_token`,
/// `id_token`): each value is replaced in the body (and its JSON re-read), so a case can judge
/// the answer and no report shows a live token.
pub fn scrub_issued_tokens(mut received: Received) -> Received {
    received.parse_body();
    let issued: Vec<String> = ["access_token", "refresh_token", "id_token"]
        .iter()
        .filter_map(|key| received.json.as_ref()?.get(key)?.as_str())
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect();
    if issued.is_empty() {
        return received;
    }
    for token in &issued {
        received = scrub_received(received, token);
    }
    received.parse_body();
    received
}

/// The error without the token in any of its text.
pub fn scrub_error(error: ExchangeError, token: &str) -> ExchangeError {
    error.map_text(|text| scrub(text, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_authorization_and_token() {
        let headers = scrub_headers(
            vec![
                ("Authorization".into(), "Bearer abc123".into()),
                ("X-Echo".into(), "token abc123 here".into()),
            ],
            "abc123",
        );
        assert_eq!(headers[0].1, "Bearer [redacted]");
        assert_eq!(headers[1].1, "token [redacted] here");
    }

    #[test]
    fn issued_tokens_are_redacted_and_the_rest_of_the_answer_kept() {
        let received = Received {
            status: 200,
            headers: Vec::new(),
            body:
                r#"{"access_token":"tok-1","token_type":"Bearer","scope":"system/Appointment.rs"}"#
                    .to_owned(),
            json: None,
            elapsed_ms: 1,
            truncated: None,
        };
        let clean = scrub_issued_tokens(received);
        assert!(!clean.body.contains("tok-1"), "{}", clean.body);
        let json = clean.json.expect("still JSON");
        assert_eq!(json["access_token"], REDACTED);
        assert_eq!(json["scope"], "system/Appointment.rs");
    }

    #[test]
    fn scrubs_an_echoed_body_and_error_text() {
        let received = Received {
            status: 200,
            headers: Vec::new(),
            body: r#"{"echo":"abc123"}"#.to_owned(),
            json: None,
            elapsed_ms: 1,
            truncated: None,
        };
        let clean = scrub_received(received, "abc123");
        assert_eq!(clean.body, r#"{"echo":"[redacted]"}"#);
        assert_eq!(clean.json, Some(serde_json::json!({"echo": "[redacted]"})));
        let error = scrub_error(
            ExchangeError::Connect {
                detail: "refused for abc123".to_owned(),
            },
            "abc123",
        );
        assert_eq!(
            error.to_string(),
            "could not connect: refused for [redacted]"
        );
    }
}
