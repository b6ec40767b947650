//! The layers around every route: the bearer-token and scope check on `/Appointment` and the
//! lookups (401/403, D12, D33), and the outermost edition layer (414/431 limits, errors
//! re-rendered for the served edition and error mutant, the `fumage-correlation-id` of D19).

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{Grant, bearer, guarded_resource, needed_scope};
use super::edition::Edition;
use super::error::{ApiError, MAX_HEADER_BYTES, MAX_URI_BYTES};
use super::mutant::Mutant;
use super::settings::FULL_SCOPE;
use super::state::AppState;

/// The header Canvas's v2 API answers every request with (D19).
pub(crate) const CORRELATION_ID: &str = "fumage-correlation-id";

/// Middleware: every `/Appointment` and lookup route (`/Practitioner`, `/Patient`, `/Location`,
/// `/Schedule`, `/Slot`) needs a valid bearer token (401 otherwise) whose scope allows the
/// method on that resource (403 otherwise).
pub(crate) async fn require_bearer(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(resource) = guarded_resource(request.uri().path()) {
        let grant = match bearer(request.headers()) {
            Some(_) if state.mutant == Some(Mutant::AuthAcceptsAnyToken) => Some(Grant {
                scope: FULL_SCOPE.to_string(),
                client_id: None,
                exp: None,
            }),
            Some(token) => state.tokens.grant(token),
            None => None,
        };
        let Some(grant) = grant else {
            return ApiError::Unauthorized.into_response();
        };
        if let Some(wanted) = needed_scope(resource, request.method())
            && !grant.allows(&wanted)
            && state.mutant != Some(Mutant::ScopeIgnored)
        {
            return ApiError::Forbidden.into_response();
        }
    }
    next.run(request).await
}

/// Outermost layer: refuses over-long URIs (414) and headers (431) as OperationOutcomes,
/// re-renders every error answer for the served edition and the active error mutant, and adds
/// the edition's `fumage-correlation-id` (D19).
pub(crate) async fn edition_layer(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let policy = state.policy();
    let too_long = request
        .uri()
        .path_and_query()
        .is_some_and(|p| p.as_str().len() > MAX_URI_BYTES);
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let mut response = if too_long {
        ApiError::UriTooLong.into_response()
    } else if header_bytes > MAX_HEADER_BYTES {
        ApiError::HeadersTooLarge.into_response()
    } else {
        next.run(request).await
    };
    let mutant = state.mutant.filter(|m| {
        matches!(
            m,
            Mutant::ErrorsPlainText
                | Mutant::BadRequestWrongText
                | Mutant::BadRequestCodeStructure
                | Mutant::BusinessRuleCodeInvalid
        )
    });
    if (policy.edition != Edition::Sept2023 || mutant.is_some())
        && let Some(error) = response.extensions_mut().remove::<ApiError>()
    {
        // keep the status a handler (or a status mutant) set on the rendered answer
        let status = response.status();
        response = error.render(policy, mutant);
        *response.status_mut() = status;
    }
    if policy.correlation_id && state.mutant != Some(Mutant::CorrelationIdMissing) {
        let id = uuid::Uuid::new_v4().to_string();
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(CORRELATION_ID, value);
        }
    }
    response
}
