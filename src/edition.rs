//! The editions of Canvas's Appointment API the harness knows: `2023-09` (BEHAVIOURS.md, the seed
//! page of 2023-09-07) and `current` (BEHAVIOURS-CURRENT.md, docs.canvasmedical.com as of 2026).
//! The one type lives in the server crate, below both; cases, catalogues, plans and reports name it.

pub use canvas_sandbox::edition::{Edition, UnknownEdition};
