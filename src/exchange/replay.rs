//! The replay transport behind `canvas-conformance replay DIR`: answers each request from a
//! recording, keyed by target, case, step and the request's ordinal in its step. It holds no HTTP
//! client, so a replay opens no socket; a request that differs from the recorded one (method, URL
//! or body) or has no recorded counterpart gets [`ExchangeError::NotRecorded`], never a guess.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::exchange::error::ExchangeError;
use crate::exchange::record::{Exchange, SentRequest};
use crate::exchange::recorder::TapeError;
use crate::exchange::tape::{CaseFacts, FILE, FORMAT, Header, Line, Slot, Taped, VERSION};

/// How much of a body a mismatch message shows.
const SHOWN_BODY_CHARS: usize = 400;

type Key = (String, Slot, u32);

/// A recording, loaded for replay.
#[derive(Debug)]
pub struct Replayer {
    header: Header,
    exchanges: HashMap<Key, Taped>,
    cases: HashMap<(String, String), CaseFacts>,
}

impl Replayer {
    /// Reads `dir/recording.jsonl` (or `dir` itself when it is the file).
    ///
    /// Errors: [`TapeError::Read`] when it cannot be read; [`TapeError::Invalid`] when its first
    /// line is not a header of [`FORMAT`], its version is not [`VERSION`], or a line does not parse
    /// (named by its number).
    pub fn open(dir: &Path) -> Result<Replayer, TapeError> {
        let path: PathBuf = if dir.is_dir() {
            dir.join(FILE)
        } else {
            dir.to_owned()
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| TapeError::Read {
            path: shown.clone(),
            source,
        })?;
        Replayer::parse(&shown, &text)
    }

    /// The recording in `text` (`path` names it in errors); see [`Replayer::open`].
    pub fn parse(path: &str, text: &str) -> Result<Replayer, TapeError> {
        let invalid = |problem: String| TapeError::Invalid {
            path: path.to_owned(),
            problem,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, first) = lines
            .next()
            .ok_or_else(|| invalid("empty: not a recording".to_owned()))?;
        let head: serde_json::Value = serde_json::from_str(first)
            .map_err(|e| invalid(format!("line 1 is not JSON ({e}): not a recording")))?;
        if head.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
            return Err(invalid(format!(
                "not a recording: line 1 has no `\"format\": \"{FORMAT}\"`"
            )));
        }
        let version = head.get("version").and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(VERSION)) {
            return Err(invalid(format!(
                "recording format version {} is not the version this tool reads ({VERSION}): record the run again with this version (`run --record DIR`)",
                version.map_or_else(|| "(none)".to_owned(), |v| v.to_string())
            )));
        }
        let header = match serde_json::from_value::<Line>(head) {
            Ok(Line::Header(header)) => header,
            Ok(_) => return Err(invalid("line 1 is not the header".to_owned())),
            Err(e) => return Err(invalid(format!("line 1: {e}"))),
        };
        let mut replayer = Replayer {
            header,
            exchanges: HashMap::new(),
            cases: HashMap::new(),
        };
        for (number, line) in lines {
            match serde_json::from_str::<Line>(line) {
                Ok(Line::Header(_)) => {
                    return Err(invalid(format!("line {}: a second header", number + 1)));
                }
                Ok(Line::Case(facts)) => {
                    replayer
                        .cases
                        .insert((facts.target.clone(), facts.case.clone()), facts);
                }
                Ok(Line::Exchange(mut taped)) => {
                    if let Some(response) = taped.response.as_mut() {
                        response.parse_body();
                    }
                    let key = (taped.target.clone(), taped.slot.clone(), taped.ordinal);
                    replayer.exchanges.insert(key, *taped);
                }
                Err(e) => return Err(invalid(format!("line {}: {e}", number + 1))),
            }
        }
        Ok(replayer)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The recorded index and start of `case` on `target`, if the recording has them.
    pub fn case_facts(&self, target: &str, case: &str) -> Option<&CaseFacts> {
        self.cases.get(&(target.to_owned(), case.to_owned()))
    }

    /// The recorded exchange for `would` (the request the current cases would send, headers
    /// already scrubbed) at this place, or a [`ExchangeError::NotRecorded`] exchange saying what
    /// was recorded there and what would be sent.
    pub fn answer(&self, target: &str, slot: &Slot, ordinal: u32, would: SentRequest) -> Exchange {
        let place = format!(
            "request {} of {} on target `{target}`",
            ordinal + 1,
            slot.describe()
        );
        let Some(taped) = self
            .exchanges
            .get(&(target.to_owned(), slot.clone(), ordinal))
        else {
            let detail = format!(
                "the recording has no {place}; it would send {} {}",
                would.method, would.url
            );
            return not_recorded(would, detail);
        };
        match differences(&taped.request, &would) {
            None => Exchange {
                request: taped.request.clone(),
                response: taped.response.clone(),
                error: taped.error.clone(),
            },
            Some(what) => {
                let detail =
                    format!("the request no longer matches the recording at {place}: {what}");
                not_recorded(would, detail)
            }
        }
    }
}

fn not_recorded(request: SentRequest, detail: String) -> Exchange {
    Exchange {
        request,
        response: None,
        error: Some(ExchangeError::NotRecorded { detail }),
    }
}

/// What differs between the recorded request and the one that would be sent (method, URL, body;
/// JSON bodies compare as JSON), or `None` when they match.
fn differences(recorded: &SentRequest, would: &SentRequest) -> Option<String> {
    let mut what = Vec::new();
    if recorded.method != would.method {
        what.push(format!(
            "the method differs: recorded {}, would send {}",
            recorded.method, would.method
        ));
    }
    if recorded.url != would.url {
        what.push(format!(
            "the URL differs: recorded {}, would send {}",
            recorded.url, would.url
        ));
    }
    if !same_body(recorded.body.as_deref(), would.body.as_deref()) {
        what.push(format!(
            "the body differs: recorded {}, would send {}",
            shown(recorded.body.as_deref()),
            shown(would.body.as_deref())
        ));
    }
    (!what.is_empty()).then(|| what.join("; "))
}

fn same_body(recorded: Option<&str>, would: Option<&str>) -> bool {
    match (recorded, would) {
        (None, None) => true,
        (Some(a), Some(b)) if a == b => true,
        (Some(a), Some(b)) => {
            match (
                serde_json::from_str::<serde_json::Value>(a),
                serde_json::from_str::<serde_json::Value>(b),
            ) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        }
        _ => false,
    }
}

fn shown(body: Option<&str>) -> String {
    match body {
        None => "no body".to_owned(),
        Some(body) if body.chars().count() > SHOWN_BODY_CHARS => {
            let cut: String = body.chars().take(SHOWN_BODY_CHARS).collect();
            format!("`{cut}…`")
        }
        Some(body) => format!("`{body}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, url: &str, body: Option<&str>) -> SentRequest {
        SentRequest {
            method: method.to_owned(),
            url: url.to_owned(),
            headers: Vec::new(),
            body: body.map(str::to_owned),
        }
    }

    const HEADER: &str = r#"{"kind":"header","format":"canvas-conformance-recording","version":2,"tool_version":"0.1.0","run_id":"0badcafe","started_at":"2026-01-01T00:00:00Z","editions":["2023-09"],"suite":{"cases":1,"digest":"00"},"selected":["2023-09/c"],"cases":["2023-09/c"],"targets":[]}"#;

    #[test]
    fn answers_the_recorded_exchange_and_names_what_differs() {
        let exchange = r#"{"kind":"exchange","target":"t","case":"2023-09/c","step":"s","ordinal":0,"request":{"method":"POST","url":"http://x/Appointment","headers":[],"body":"{\"a\":1,\"b\":2}"},"response":{"status":201,"headers":[],"body":"{\"id\":\"7\"}","elapsed_ms":3}}"#;
        let replayer =
            Replayer::parse("r", &format!("{HEADER}\n{exchange}\n")).expect("a recording");
        let slot = Slot::step("2023-09/c", "s");
        // The same request with its JSON body's keys in another order matches.
        let same = replayer.answer(
            "t",
            &slot,
            0,
            request("POST", "http://x/Appointment", Some(r#"{"b":2,"a":1}"#)),
        );
        let response = same.response.expect("the recorded response");
        assert_eq!(response.status, 201);
        assert_eq!(response.json, Some(serde_json::json!({"id": "7"})));
        let changed = replayer.answer(
            "t",
            &slot,
            0,
            request("POST", "http://x/Appointment", Some(r#"{"a":1,"b":3}"#)),
        );
        assert!(changed.response.is_none());
        let message = changed.error.expect("an error").to_string();
        assert!(message.contains("no longer matches"), "{message}");
        assert!(
            message.contains(r#"recorded `{"a":1,"b":2}`, would send `{"a":1,"b":3}`"#),
            "{message}"
        );
        let missing = replayer.answer("t", &slot, 1, request("GET", "http://x/y", None));
        let message = missing.error.expect("an error").to_string();
        assert!(
            message.contains("has no request 2 of step `s` of case `2023-09/c` on target `t`"),
            "{message}"
        );
    }

    #[test]
    fn refuses_what_is_not_a_recording_of_this_version() {
        let other = HEADER.replace("\"version\":2", "\"version\":1");
        let err = Replayer::parse("r", &other).expect_err("an older version");
        assert!(err.to_string().contains("format version 1"), "{err}");
        assert!(err.to_string().contains("run --record"), "{err}");
        let err = Replayer::parse("r", r#"{"format_version":2}"#).expect_err("a report");
        assert!(err.to_string().contains("not a recording"), "{err}");
        let err = Replayer::parse("r", &format!("{HEADER}\n{{\"kind\":\"oops\"}}"))
            .expect_err("a bad line");
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
