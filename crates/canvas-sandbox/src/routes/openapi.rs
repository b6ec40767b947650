//! `GET /openapi.json` (no auth): the OpenAPI 3.1 description of the served edition, from
//! `openapi/` (`openapi.json` for 2023-09, `openapi-current.json` for current).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::edition::Edition;
use crate::state::AppState;

const SEPT_2023: &str = include_str!("../../openapi/openapi.json");
const CURRENT: &str = include_str!("../../openapi/openapi-current.json");

pub(crate) async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    let document = match state.policy().edition {
        Edition::Sept2023 => SEPT_2023,
        Edition::Current => CURRENT,
    };
    ([(header::CONTENT_TYPE, "application/json")], document)
}
