//! The success answer of create (201) and update (200) in the served edition (D6): the body
//! (`null` or empty) and the `Location` form (`…/_history/1` on a 2023-09 create, none on a
//! 2023-09 update, `[base]/Appointment/<id>` on both in current).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::edition::{Policy, SuccessBody};

/// Which interaction succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    Created,
    Updated,
}

/// The success answer for appointment `id` under `base` (`http://host`).
pub(crate) fn success(
    policy: &Policy,
    written: Written,
    status: StatusCode,
    base: &str,
    id: &str,
) -> Response {
    let mut response = match policy.success_body {
        SuccessBody::Null => (status, Json(Value::Null)).into_response(),
        SuccessBody::Empty => status.into_response(),
    };
    let location = match written {
        Written::Created if policy.create_location_history => {
            Some(format!("{base}/Appointment/{id}/_history/1"))
        }
        Written::Created => Some(format!("{base}/Appointment/{id}")),
        Written::Updated if policy.update_location => Some(format!("{base}/Appointment/{id}")),
        Written::Updated => None,
    };
    if let Some(location) = location
        && let Ok(value) = HeaderValue::from_str(&location)
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
