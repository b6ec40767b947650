//! What a case's exchange tells cleanup about an appointment it may cancel: a plain read answered
//! 200 with the whole Appointment is its current representation (cleanup writes it back without
//! reading it again); any other request to that appointment may have written it.

use serde_json::Value;

use crate::case::model::{AuthMode, Method};
use crate::exchange::{Exchange, Outgoing};
use crate::run::ledger::Ledger;

/// Notes in the ledger what `out`'s exchange on target `target` says of the appointment its path
/// names, if any: a whole representation (a read with no query, under the target's own token,
/// answered 200 with that Appointment), or a possible write (any request but a read).
pub fn observe(out: &Outgoing, exchange: &Exchange, target: usize, ledger: &Ledger) {
    let Some(id) = appointment_of(&out.path) else {
        return;
    };
    if out.method != Method::Get {
        ledger.wrote(target, id);
        return;
    }
    if let Some(resource) = whole(out, exchange, id) {
        ledger.saw(target, id, resource);
    }
}

/// The id in `/Appointment/<id>` (nothing after it).
fn appointment_of(path: &str) -> Option<&str> {
    let id = path.strip_prefix("/Appointment/")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

/// The answer's Appointment when it is the whole current representation of `id`.
fn whole(out: &Outgoing, exchange: &Exchange, id: &str) -> Option<Value> {
    if !out.query.is_empty() || out.auth != AuthMode::Target || exchange.error.is_some() {
        return None;
    }
    let received = exchange.response.as_ref()?;
    if received.status != 200 || received.truncated.is_some() {
        return None;
    }
    let resource = received.json.as_ref()?;
    let is_it = resource.get("resourceType").and_then(Value::as_str) == Some("Appointment")
        && resource.get("id").and_then(Value::as_str) == Some(id);
    is_it.then(|| resource.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_appointment_path_names_one() {
        assert_eq!(appointment_of("/Appointment/abc"), Some("abc"));
        assert_eq!(appointment_of("/Appointment/abc/_history/1"), None);
        assert_eq!(appointment_of("/Appointment"), None);
        assert_eq!(appointment_of("/Appointment/"), None);
        assert_eq!(appointment_of("/Patient/abc"), None);
    }
}
