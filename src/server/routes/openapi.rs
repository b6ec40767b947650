//! `GET /openapi.json` (no auth): the OpenAPI 3.1 description of this API, from `schemas/`.

use axum::http::header;
use axum::response::IntoResponse;

const OPENAPI: &str = include_str!("../../../schemas/openapi.json");

pub(crate) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
