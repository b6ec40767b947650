//! What `init`'s discovery found: each fixture with where it came from, what it could not find
//! and why, and what it asked. Filled by `run::discover` (appointments) and `run::lookups`.

use std::collections::BTreeMap;

/// One fixture found: its value and where it came from (`Appointment/<id>: participant`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub value: String,
    pub from: String,
    /// A heuristic chose it among several (`the most frequent type`): worth a look.
    pub guessed: bool,
}

/// What discovery found: fixtures by name, what it could not find (name → why), the requests it
/// sent, the appointments it read (and those it left out as the harness's own), and the lookup searches the target does not serve (resource →
/// what it answered).
#[derive(Clone, Debug, Default)]
pub struct Discovery {
    pub found: BTreeMap<String, Found>,
    pub missing: BTreeMap<String, String>,
    /// For some missing fixtures, a value worth trying (Canvas's built-in types), never written
    /// as a fixture: the profile shows it commented out.
    pub suggested: BTreeMap<String, String>,
    pub requests: Vec<String>,
    pub appointments: usize,
    /// Appointments read but left out: booked by earlier runs of the harness (in its run windows).
    pub ignored: usize,
    pub unserved: BTreeMap<String, String>,
}
