//! A searchset too large for one chunk, streamed: the Bundle's head, then its entries read from
//! the store [`CHUNK`] rows at a time behind a bounded channel, so the server holds at most
//! [`CHUNKS_IN_FLIGHT`] + 1 rendered chunks of an answer however many appointments match.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use http_body::Frame;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::domain::Appointment;

/// Rows read, rendered and sent at a time.
pub(crate) const CHUNK: u64 = 500;

/// Rendered chunks waiting for the client at most (the channel's capacity).
pub(crate) const CHUNKS_IN_FLIGHT: usize = 2;

/// The store failed part-way through a streamed answer: the body ends with an error, which
/// closes the connection (the status line has gone already).
#[derive(Debug, thiserror::Error)]
#[error("the search failed while its answer was streamed")]
pub(crate) struct StreamFailed;

/// The bytes of a Bundle up to and including `"entry":[`: `bundle` (serialized without entries)
/// reopened to take them.
pub(crate) fn head(bundle: &Value) -> Vec<u8> {
    let mut head = bundle.to_string().into_bytes();
    head.pop(); // the closing brace
    head.extend_from_slice(br#","entry":["#);
    head
}

/// The entries of `rows` as JSON text, each `{"resource": …}`, comma-separated; `first` says
/// whether they open the array.
pub(crate) fn entries(
    rows: &[Appointment],
    first: bool,
    render: impl Fn(&Appointment) -> Value,
) -> Vec<u8> {
    let mut out = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if index > 0 || !first {
            out.push(b',');
        }
        out.extend_from_slice(json!({ "resource": render(row) }).to_string().as_bytes());
    }
    out
}

/// The end of a streamed Bundle.
pub(crate) const TAIL: &[u8] = b"]}";

/// A sender of an answer's chunks and the 200 answer whose body receives them.
pub(crate) fn channel() -> (mpsc::Sender<Result<Bytes, StreamFailed>>, Response) {
    let (tx, rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let mut response = Response::new(Body::new(ChannelBody(rx)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    (tx, response)
}

/// A body fed by a bounded channel (the sender waits while the client reads).
struct ChannelBody(mpsc::Receiver<Result<Bytes, StreamFailed>>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = StreamFailed;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamFailed>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|chunk| chunk.map(Frame::data)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_entries_and_tail_make_the_bundle() {
        let bundle = json!({"resourceType": "Bundle", "type": "searchset", "total": 2});
        let mut text = head(&bundle);
        text.extend(entries(&[], true, |_| json!({})));
        text.extend_from_slice(TAIL);
        let parsed: Value = serde_json::from_slice(&text).expect("valid JSON");
        assert_eq!(parsed["entry"], json!([]));
        assert_eq!(parsed["total"], 2);
    }

    #[tokio::test]
    async fn the_channel_holds_at_most_its_capacity() {
        let (tx, _response) = channel();
        for _ in 0..CHUNKS_IN_FLIGHT {
            tx.try_send(Ok(Bytes::from_static(b"x")))
                .expect("room in the channel");
        }
        assert!(
            tx.try_send(Ok(Bytes::from_static(b"x"))).is_err(),
            "a full channel makes the producer wait"
        );
    }
}
