//! One file per interaction of the API (plus the fallbacks for unknown routes and methods).

pub(crate) mod create;
pub(crate) mod fallback;
pub(crate) mod introspect;
pub(crate) mod openapi;
pub(crate) mod read;
pub(crate) mod search;
pub(crate) mod token;
pub(crate) mod update;
