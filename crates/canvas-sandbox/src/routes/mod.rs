//! One file per interaction of the API, one per lookup resource (Practitioner, Patient,
//! Location, Schedule, Slot), the SMART style a patient token names, plus the fallbacks for
//! unknown routes and methods.

pub(crate) mod create;
pub(crate) mod directory;
pub(crate) mod fallback;
pub(crate) mod introspect;
pub(crate) mod location;
pub(crate) mod openapi;
pub(crate) mod patient;
pub(crate) mod practitioner;
pub(crate) mod read;
pub(crate) mod schedule;
pub(crate) mod search;
pub(crate) mod slot;
pub(crate) mod smart_style;
pub(crate) mod token;
pub(crate) mod update;
