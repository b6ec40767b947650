//! The layers around every route: the bearer-token and scope check on `/Appointment` and the
//! lookups (401/403, D12, D28, D33; the grant handed on to the handlers for D29), and the
//! outermost edition layer (414/431 limits, errors re-rendered for the served edition and error
//! mutant, the JSON media type of D31, the `fumage-correlation-id` of D19).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{Grant, SMART_STYLE_PATH, bearer, guarded_resource, needed_scope};
use super::edition::Edition;
use super::error::{ApiError, MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_URI_BYTES};
use super::mutant::Mutant;
use super::scope::{operation, permits};
use super::settings::FULL_SCOPE;
use super::state::AppState;

/// The header Canvas's v2 API answers every request with (D19).
pub(crate) const CORRELATION_ID: &str = "fumage-correlation-id";

/// Middleware: every `/Appointment` and lookup route (`/Practitioner`, `/Patient`, `/Location`,
/// `/Schedule`, `/Slot`) needs a valid bearer token (401 otherwise) whose scope allows the
/// request on that resource (403 otherwise): in the current edition the operation (read, search,
/// create, update) under the SMART grammar (AUTH-403-SCOPE as amended), in 2023-09 the scope word
/// of the method. The accepted [`Grant`] goes on in the request's extensions, where the
/// Appointment handlers find a patient token's patient (D29).
pub(crate) async fn require_bearer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(resource) = guarded_resource(request.uri().path()) {
        let grant = match bearer(request.headers()) {
            Some(_) if state.mutant == Some(Mutant::AuthAcceptsAnyToken) => Some(Grant {
                scope: FULL_SCOPE.to_string(),
                client_id: None,
                exp: None,
                patient: None,
            }),
            Some(token) => state.tokens.grant(token),
            None => None,
        };
        let Some(grant) = grant else {
            return ApiError::Unauthorized.into_response();
        };
        let allowed = if state.policy().scope_grammar {
            let search_reads = state.mutant == Some(Mutant::SearchScopeReads);
            operation(resource, request.method(), request.uri().path())
                .is_none_or(|op| permits(&grant.scope, resource, op, search_reads))
        } else {
            needed_scope(resource, request.method()).is_none_or(|wanted| grant.allows(&wanted))
        };
        if !allowed && state.mutant != Some(Mutant::ScopeIgnored) {
            return ApiError::Forbidden.into_response();
        }
        request.extensions_mut().insert(grant);
    }
    next.run(request).await
}

/// Whether answers to `path` are the API's (FHIR JSON, D31): everything but the OAuth endpoints
/// (`/auth/…`, RFC 6749's `application/json`), the OpenAPI document and the SMART style.
fn fhir_path(path: &str) -> bool {
    !path.starts_with("/auth/") && path != "/openapi.json" && path != SMART_STYLE_PATH
}

/// Outermost layer: refuses over-long URIs (414) and too many or too large headers (431) as
/// OperationOutcomes,
/// re-renders every error answer for the served edition and the active error mutant, and adds
/// the edition's `fumage-correlation-id` (D19).
pub(crate) async fn edition_layer(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let policy = state.policy();
    let fhir = fhir_path(request.uri().path());
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
    } else if header_bytes > MAX_HEADER_BYTES || request.headers().len() > MAX_HEADER_COUNT {
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
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if let Some(media_type) = policy.json_media_type
        && fhir
        && json
        && state.mutant != Some(Mutant::PlainJsonMediaType)
    {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    }
    if policy.correlation_id && state.mutant != Some(Mutant::CorrelationIdMissing) {
        let id = uuid::Uuid::new_v4().to_string();
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(CORRELATION_ID, value);
        }
    }
    response
}
