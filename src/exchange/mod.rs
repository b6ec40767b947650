//! ③ Exchange: render a step's request template against the scope (`render`), send it with reqwest
//! and record what went and came back with secrets already scrubbed (`send`, `record`), and follow
//! a search's paging links (`walk`).

pub mod record;
pub mod render;
pub mod send;
pub mod walk;

pub use record::{Exchange, Received, SentRequest};
pub use render::{Outgoing, render_request};
pub use send::{Client, ClientError};
