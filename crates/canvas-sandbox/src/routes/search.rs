//! `GET /Appointment?…`: a searchset Bundle of the matches, paged and linked (streamed when it
//! holds more than one chunk); a patient token finds only its patient's appointments, and naming
//! another patient is 403 (D29).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::extract::TokenPatient;
use crate::mutant::Mutant;
use crate::render::appointment_json;
use crate::search::{LinkBase, bundle, links, parse_query};
use crate::searchset_stream::{CHUNK, TAIL, channel, entries, head};
use crate::state::AppState;
use crate::store::Filters;

pub(crate) async fn search(
    State(state): State<AppState>,
    TokenPatient(token_patient): TokenPatient,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let policy = state.policy();
    let request = parse_query(raw.as_deref(), policy, state.mutant)?;
    let mut filters = request.filters.clone();
    // D13: a legacy location id (`1`) searches the location it names.
    if let Some(location) = &filters.location
        && let Some(canonical) = state.settings.location_id(location)
    {
        filters.location = Some(canonical.to_string());
    }
    if let Some(patient) = token_patient
        && state.mutant != Some(Mutant::PatientTokenSearchesAll)
    {
        if filters
            .patient
            .as_ref()
            .is_some_and(|asked| *asked != patient)
        {
            return Err(ApiError::OtherPatient);
        }
        filters.patient = Some(patient);
    }
    // the answer's window (limit: None is every match), read at most CHUNK rows at a time
    let (limit, offset) = match filters.page {
        Some((limit, offset)) => (Some(limit), offset),
        None => (None, 0),
    };
    let first_len = limit.map_or(CHUNK, |limit| limit.min(CHUNK));
    let mut first = filters.clone();
    first.page = Some((first_len, offset));
    let (total, rows) = state
        .with_store(move |store| Ok(store.search(&first)?))
        .await?;
    let base =
        (state.mutant == Some(Mutant::SearchLinksAbsolute)).then(|| state.base_url(&headers));
    let base = LinkBase {
        path: "/Appointment",
        absolute_base: base.as_deref(),
    };
    let links = links(base, &request.paged, total, policy, state.mutant);
    let read = rows.len() as u64;
    let more = read == first_len && limit.is_none_or(|limit| limit > read);
    if !more {
        let resources = rows
            .iter()
            .map(|row| appointment_json(row, policy, state.mutant))
            .collect();
        return Ok(Json(bundle(total, links, resources, state.mutant)).into_response());
    }
    let mutant = state.mutant;
    let mut text = head(&bundle(total, links, Vec::new(), mutant));
    text.extend(entries(&rows, true, |row| {
        appointment_json(row, policy, mutant)
    }));
    let (tx, response) = channel();
    tokio::spawn(async move {
        let mut text = text;
        let mut next = offset.saturating_add(read);
        let mut left = limit.map(|limit| limit - read);
        loop {
            if tx.send(Ok(Bytes::from(text))).await.is_err() {
                return; // the client went away
            }
            let len = left.map_or(CHUNK, |left| left.min(CHUNK));
            if len == 0 {
                break;
            }
            let mut chunk: Filters = filters.clone();
            chunk.page = Some((len, next));
            let rows = match state
                .with_store(move |store| Ok(store.search(&chunk)?))
                .await
            {
                Ok((_, rows)) => rows,
                Err(err) => {
                    tracing::error!(%err, "a streamed search failed part-way");
                    let _ = tx.send(Err(crate::searchset_stream::StreamFailed)).await;
                    return;
                }
            };
            let got = rows.len() as u64;
            text = entries(&rows, false, |row| appointment_json(row, policy, mutant));
            next = next.saturating_add(got);
            left = left.map(|left| left.saturating_sub(got));
            if got < len {
                left = Some(0);
            }
        }
        let _ = tx.send(Ok(Bytes::from_static(TAIL))).await;
    });
    Ok(response)
}
