//! Connection discipline: the accept loop with its cap on open connections, hyper's header-read
//! timeout and head limits, a body-read deadline, a keep-alive idle timeout, graceful draining,
//! and the request log (one line per request; every 5xx and every refused connection).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use http_body::Frame;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

use super::faults::FaultStream;
use tokio::task::JoinSet;
use tokio::time::Sleep;
use tower::ServiceExt;

use super::connection_settings::ConnectionSettings;
use super::middleware::CORRELATION_ID;

/// The limits one server holds its clients to; [`Connections::default`] gives the documented
/// defaults (docs/server.md, "Connections").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connections {
    /// From the first byte awaited of a request head to its end (hyper's header-read timeout).
    pub header_read_timeout: Duration,
    /// From the end of a request head to the end of its body.
    pub body_read_timeout: Duration,
    /// A connection with no request in flight on which no byte moved either way for this long
    /// is closed (the keep-alive idle timeout; it also ends a client that stopped reading).
    pub idle_timeout: Duration,
    /// Open connections at most; a client beyond it gets 503 with `Retry-After` and is closed.
    pub max_connections: usize,
    /// How long shutdown waits for open requests before it cuts their connections off.
    pub drain_timeout: Duration,
    /// Log one line per request (target `canvas_sandbox::request`, level info).
    pub log_requests: bool,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_connections: 512,
            drain_timeout: Duration::from_secs(10),
            log_requests: false,
        }
    }
}

impl Connections {
    /// The defaults, with what the settings file's `connections:` sets.
    pub fn from_settings(settings: &ConnectionSettings) -> Self {
        let default = Connections::default();
        let secs =
            |value: Option<u64>, default: Duration| value.map_or(default, Duration::from_secs);
        Connections {
            header_read_timeout: secs(
                settings.header_read_timeout_secs,
                default.header_read_timeout,
            ),
            body_read_timeout: secs(settings.body_read_timeout_secs, default.body_read_timeout),
            idle_timeout: secs(settings.idle_timeout_secs, default.idle_timeout),
            max_connections: settings
                .max_connections
                .map_or(default.max_connections, |n| {
                    usize::try_from(n).unwrap_or(usize::MAX)
                }),
            log_requests: settings.log_requests.unwrap_or(default.log_requests),
            ..default
        }
    }
}

/// Request heads are read into a buffer of at most this many bytes (hyper's `max_buf_size`):
/// above the application's 8 KiB URI and 32 KiB header limits, so those answer as
/// OperationOutcomes; a head beyond it gets hyper's own empty 431.
pub(crate) const MAX_HEAD_BUFFER: usize = 64 * 1024;

/// Header fields hyper parses at most; the application refuses more than
/// [`crate::error::MAX_HEADER_COUNT`] with an OperationOutcome, hyper beyond this with an empty 431.
pub(crate) const MAX_HEADER_FIELDS: usize = 1024;

/// Refused connections being answered at once; beyond it a refused connection is closed unanswered
/// (so answering refusals cannot itself exhaust file descriptors).
const MAX_REFUSALS_IN_FLIGHT: usize = 64;

/// How long the 503 to a refused connection may take to write.
const REFUSAL_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// A pause after a failed accept (e.g. the process is out of file descriptors), so the loop does
/// not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` under `limits` until `shutdown` resolves, then stops accepting and
/// drains open requests for at most `limits.drain_timeout`.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    app: Router,
    limits: Connections,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let limits = Arc::new(limits);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS_IN_FLIGHT));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut open = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // forget the connections that have ended
        while open.try_join_next().is_some() {}
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(target: "canvas_sandbox::connection", %err, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(
                target: "canvas_sandbox::connection",
                %peer,
                max_connections = limits.max_connections,
                "connection refused: too many open connections"
            );
            if let Ok(slot) = refusals.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    refuse(stream).await;
                    drop(slot);
                });
            }
            continue;
        };
        let app = app.clone();
        let limits = limits.clone();
        let stop = stop_rx.clone();
        open.spawn(async move {
            serve_connection(stream, app, &limits, stop).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(limits.drain_timeout, async {
        while open.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            target: "canvas_sandbox::connection",
            open = open.len(),
            "shutdown: requests still open after the drain timeout are cut off"
        );
        open.abort_all();
    }
}

/// Answers a connection over the cap with 503 and `Retry-After`, then closes it.
async fn refuse(mut stream: TcpStream) {
    let body = format!(
        r#"{{"resourceType":"OperationOutcome","id":"{}","issue":[{{"severity":"error","code":"transient","details":{{"text":"Service unavailable"}},"diagnostics":"too many open connections; retry later"}}]}}"#,
        uuid::Uuid::new_v4()
    );
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_WRITE_TIMEOUT, async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

/// Serves one connection until the client closes it, a timeout closes it, or shutdown drains it.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    limits: &Connections,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    // The fault layer resets a connection through this handle (an injected `reset` fault).
    let (stream, handle) = FaultStream::wrap(stream);
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let body_timeout = limits.body_read_timeout;
    let log_requests = limits.log_requests;
    let in_service = activity.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        let app = app.clone();
        let activity = in_service.clone();
        request.extensions_mut().insert(ConnectInfo(handle.clone()));
        async move {
            let _in_flight = activity.begin();
            Ok::<_, Infallible>(answer(app, request, body_timeout, log_requests).await)
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_HEAD_BUFFER)
        .max_headers(MAX_HEADER_FIELDS)
        .keep_alive(true);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        // while a request is in flight the idle clock is not running: check again later
        let idle_left = if activity.busy() {
            limits.idle_timeout
        } else {
            limits
                .idle_timeout
                .saturating_sub(activity.since())
                .max(Duration::from_millis(10))
        };
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(target: "canvas_sandbox::connection", %err, "connection ended");
                }
                return;
            }
            changed = stop.changed(), if !draining => {
                if changed.is_err() || *stop.borrow() {
                    draining = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
            () = tokio::time::sleep(idle_left) => {
                if !activity.busy() && activity.since() >= limits.idle_timeout {
                    tracing::debug!(target: "canvas_sandbox::connection", "idle connection closed");
                    return;
                }
            }
        }
    }
}

/// Hands one request to the router with its body under a deadline, and logs it.
async fn answer(
    app: Router,
    request: Request<Incoming>,
    body_timeout: Duration,
    log_requests: bool,
) -> Response<Body> {
    let started = Instant::now();
    let method = request.method().clone();
    // the path only: query values can carry patient data
    let path = request.uri().path().to_string();
    let request = request.map(|body| {
        Body::new(DeadlineBody {
            inner: body,
            deadline: Box::pin(tokio::time::sleep(body_timeout)),
        })
    });
    let response = match app.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status();
    let latency_ms = started.elapsed().as_millis();
    let correlation_id = response
        .headers()
        .get(CORRELATION_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    // A 503 the fault injection answered on purpose is no failure of the server: its own line
    // (`injected fault`, level info) names it, and the request log's line below counts it.
    let injected = response.headers().contains_key("x-sandbox-fault");
    if status.is_server_error() && !injected {
        tracing::error!(
            target: "canvas_sandbox::request",
            %method, path, status = status.as_u16(), latency_ms, correlation_id,
            "request failed"
        );
    } else if log_requests {
        tracing::info!(
            target: "canvas_sandbox::request",
            %method, path, status = status.as_u16(), latency_ms, correlation_id,
            "request"
        );
    }
    response
}

/// The body-read deadline passed: the body ends with this error (answered 400, connection closed).
#[derive(Debug, thiserror::Error)]
#[error("the request body was not received within the body-read timeout")]
pub(crate) struct BodyTimedOut;

/// A request body that fails once its deadline passes, however slowly bytes still trickle in
/// (tower-http's `TimeoutBody` restarts its timer at every frame, which one byte a second defeats).
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut))));
        }
        Pin::new(&mut self.inner)
            .poll_frame(cx)
            .map_err(axum::Error::new)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// When a byte last moved on a connection, in milliseconds since the connection opened.
struct Activity {
    opened: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

/// One request being answered (from its head to its answer's head); the idle timeout waits.
struct InFlight<'a>(&'a Activity);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

impl Activity {
    fn new() -> Self {
        Activity {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn begin(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) > 0
    }

    fn touch(&self) {
        let now = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now, Ordering::Relaxed);
    }

    fn since(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }
}

/// A socket that records when bytes last moved, for the idle timeout.
struct Watched {
    inner: FaultStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_documented_figures() {
        let limits = Connections::default();
        assert_eq!(limits.header_read_timeout, Duration::from_secs(10));
        assert_eq!(limits.body_read_timeout, Duration::from_secs(30));
        assert_eq!(limits.idle_timeout, Duration::from_secs(30));
        assert_eq!(limits.max_connections, 512);
        assert!(!limits.log_requests);
        assert_eq!(
            Connections::from_settings(&ConnectionSettings::default()),
            limits
        );
    }

    #[test]
    fn the_settings_override_what_they_name() {
        let settings = ConnectionSettings {
            idle_timeout_secs: Some(7),
            max_connections: Some(9),
            log_requests: Some(true),
            ..ConnectionSettings::default()
        };
        let limits = Connections::from_settings(&settings);
        assert_eq!(limits.idle_timeout, Duration::from_secs(7));
        assert_eq!(limits.max_connections, 9);
        assert!(limits.log_requests);
        assert_eq!(limits.header_read_timeout, Duration::from_secs(10));
    }

    #[tokio::test]
    async fn activity_counts_from_the_last_byte_and_in_flight_requests() {
        let activity = Activity::new();
        activity.touch();
        assert!(activity.since() < Duration::from_secs(5));
        assert!(!activity.busy());
        {
            let _request = activity.begin();
            assert!(activity.busy());
        }
        assert!(!activity.busy());
    }
}
