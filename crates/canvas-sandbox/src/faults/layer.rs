//! The fault layer, outermost on the router: waits the request's delay, then refuses it (429,
//! 503), or handles it and resets the connection, cuts the answer's body short, or slows it.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CONTENT_LENGTH, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::conn::ConnHandle;
use super::dice::{Fault, Injector};

/// The header naming the injected fault on answers that have a head.
const FAULT_HEADER: HeaderName = HeaderName::from_static("x-sandbox-fault");

/// How long a cut body waits after its half, so that the half is flushed before the connection
/// ends.
const CUT_PAUSE_MS: u64 = 5;

/// Pieces a slow body comes in.
const SLOW_PIECES: u64 = 10;

/// Applies the request's draw (see [`super::Faults`]).
pub(crate) async fn fault_layer(
    State(injector): State<Arc<Injector>>,
    request: Request,
    next: Next,
) -> Response {
    let draw = injector.next();
    if !draw.delay.is_zero() {
        tokio::time::sleep(draw.delay).await;
    }
    let Some(fault) = draw.fault else {
        return next.run(request).await;
    };
    tracing::info!(
        fault = fault.name(),
        method = %request.method(),
        path = request.uri().path(),
        "injected fault"
    );
    let faults = &injector.faults;
    match fault {
        Fault::TooManyRequests => refuse(
            StatusCode::TOO_MANY_REQUESTS,
            fault,
            faults.retry_after_secs,
        ),
        Fault::Unavailable => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            fault,
            faults.retry_after_secs,
        ),
        Fault::Reset => {
            let conn = request
                .extensions()
                .get::<ConnectInfo<ConnHandle>>()
                .map(|info| info.0.clone());
            let answer = next.run(request).await;
            match conn {
                Some(conn) => {
                    conn.reset();
                    answer
                }
                // Served without the fault listener (`router()`): the nearest is a cut body.
                None => cut(answer, fault).await,
            }
        }
        Fault::CutBody => cut(next.run(request).await, fault).await,
        Fault::SlowBody => {
            let total = Duration::from_millis(faults.slow_body_ms);
            slow(next.run(request).await, total).await
        }
    }
}

/// A 429 or 503 with `Retry-After`, the request not handled. A plain-text body, as the gateway
/// in front of a real instance answers (an OperationOutcome is the API's own, from `error`).
fn refuse(status: StatusCode, fault: Fault, retry_after_secs: u64) -> Response {
    let text = format!("injected fault: {}\n", fault.name());
    let mut answer = (status, text).into_response();
    let headers = answer.headers_mut();
    headers.insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
    headers.insert(FAULT_HEADER, HeaderValue::from_static(fault.name()));
    answer
}

/// The answer with its full `Content-Length` but only the first half of its body, then the
/// connection closes.
async fn cut(answer: Response, fault: Fault) -> Response {
    let (mut parts, body) = answer.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // An empty body is cut too: it declares one byte it never sends.
    let declared = bytes.len().max(1);
    let sent = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(declared));
    parts
        .headers
        .insert(FAULT_HEADER, HeaderValue::from_static(fault.name()));
    // The half goes out, and is flushed (the stream waits once) before the error ends the
    // connection: otherwise hyper drops the head and the half with it, and the client sees a reset.
    let stream = futures_util::stream::unfold((Some(sent), true), |state| async move {
        match state {
            (Some(half), _) => Some((Ok(half), (None, true))),
            (None, true) => {
                tokio::time::sleep(Duration::from_millis(CUT_PAUSE_MS)).await;
                let cut =
                    io::Error::new(io::ErrorKind::ConnectionAborted, "injected fault: cut-body");
                Some((Err(cut), (None, false)))
            }
            (None, false) => None,
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// The answer's body in [`SLOW_PIECES`] pieces, spread over `total`.
async fn slow(answer: Response, total: Duration) -> Response {
    let (mut parts, body) = answer.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    parts.headers.insert(
        FAULT_HEADER,
        HeaderValue::from_static(Fault::SlowBody.name()),
    );
    let step = bytes.len().div_ceil(SLOW_PIECES as usize).max(1);
    let pause = total / SLOW_PIECES as u32;
    let stream = futures_util::stream::unfold(0usize, move |at| {
        let bytes = bytes.clone();
        async move {
            if at >= bytes.len() {
                return None;
            }
            tokio::time::sleep(pause).await;
            let end = (at + step).min(bytes.len());
            Some((Ok::<Bytes, io::Error>(bytes.slice(at..end)), end))
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}
