//! The connection side of a reset: each accepted connection carries a flag the fault layer
//! raises; once raised, the next read or write fails and the socket closes with RST (zero linger).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// One accepted connection and its reset flag.
pub(crate) struct FaultStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl FaultStream {
    /// `stream` with a reset flag, and the handle that raises it.
    pub(crate) fn wrap(stream: TcpStream) -> (FaultStream, ConnHandle) {
        let reset = Arc::new(AtomicBool::new(false));
        let handle = ConnHandle(Arc::clone(&reset));
        (
            FaultStream {
                inner: stream,
                reset,
            },
            handle,
        )
    }

    /// Once the flag is up: zero linger (so closing sends RST) and an error that ends hyper's
    /// connection task, which drops the socket.
    fn reset_error(&self) -> Option<io::Error> {
        if !self.reset.load(Ordering::Relaxed) {
            return None;
        }
        if let Err(err) = self.inner.set_zero_linger() {
            tracing::warn!(%err, "cannot set zero linger for an injected reset");
        }
        Some(io::Error::from(io::ErrorKind::ConnectionReset))
    }
}

impl AsyncRead for FaultStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(err) = self.reset_error() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(err) = self.reset_error() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(err) = self.reset_error() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(err) = self.reset_error() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The handle a request has on its connection (a connect info), to reset it.
#[derive(Clone, Debug)]
pub(crate) struct ConnHandle(Arc<AtomicBool>);

impl ConnHandle {
    /// Resets the connection instead of writing the answer.
    pub(crate) fn reset(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
