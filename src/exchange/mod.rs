//! ③ Exchange: render a step's request template against the scope (`render`), send it (`send`,
//! composing `pace`, `hold`, `transport`, `retry` and `scrub`, counted in `traffic`) and record
//! what went and came back with secrets already scrubbed (`record`), failures typed (`error`);
//! follow a search's paging links (`walk`). Record a run's exchanges as they complete
//! (`recorder`, in the `tape` format) and replay them offline (`replay`).

pub mod error;
mod hold;
pub mod pace;
pub mod record;
pub mod recorder;
pub mod render;
pub mod replay;
pub mod retry;
pub mod scrub;
pub mod send;
pub mod tape;
pub mod traffic;
pub mod transport;
pub mod walk;

pub use error::ExchangeError;
pub use record::{Exchange, PASSING_BODY_CAP, Received, SentRequest, Truncation};
pub use render::{Outgoing, TokenUse, render_request};
pub use send::{Client, ClientError};
pub use traffic::Traffic;
