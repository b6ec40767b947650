//! Part 2: the requests of a suite run re-sent by a bare reqwest loop, in the same order and with
//! the same number of cases in flight on each target, with no rendering or checks, then the
//! cleanup's write-backs (not its sweep). Suite time ÷ this time is the harness overhead. Tokens go back in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::bench::BenchError;
use crate::bench::suite::{Cancel, RecordedCase};
use crate::exchange::SentRequest;
use crate::target::{Secret, Target};

/// What the replay did.
pub struct Replay {
    pub requests: usize,
    /// Requests that got no response (transport errors).
    pub errors: usize,
    pub wall: Duration,
}

/// Re-sends every recorded request (cases concurrently, `jobs` at once on each target, each case's
/// requests in order), then the cleanup's write-backs the same way (their bodies fetched before
/// the clock starts), as the run does.
pub async fn replay(
    targets: &[Target],
    cases: &[RecordedCase],
    cancels: &[Cancel],
    jobs: usize,
) -> Result<Replay, BenchError> {
    // Loopback http:// servers, as the harness's plain client (no CA certificates loaded).
    let http = crate::http::plain_only(
        reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none()),
    )?;
    // The recorded requests carry `Bearer [redacted]`: get each target's real token once, up front.
    let mut tokens = Vec::with_capacity(targets.len());
    for target in targets {
        let token = target
            .auth
            .bearer()
            .await
            .map_err(|e| BenchError::Task(format!("no token for {}: {e}", target.label)))?;
        tokens.push(token);
    }
    let prepared: Vec<(usize, Vec<Prepared>)> = cases
        .iter()
        .map(|case| {
            let token = &tokens[case.target];
            let requests = case
                .requests
                .iter()
                .map(|r| Prepared::of(r, token))
                .collect();
            (case.target, requests)
        })
        .collect();
    // The cleanup writes each appointment back from the sweep's copy (no read): the bodies are
    // fetched here, before the clock starts, and only the writes are timed.
    let mut writes = Vec::new();
    for cancel in cancels.iter().filter(|c| c.writes) {
        let (Some(target), Some(token)) = (targets.get(cancel.target), tokens.get(cancel.target))
        else {
            continue;
        };
        writes.push((
            cancel.target,
            Prepared::cancel(target, token, &cancel.id)
                .with_current_body(&http)
                .await,
        ));
    }
    // As the runner: `jobs` cases (then cancels) in flight on each target.
    let semaphores: Vec<Arc<Semaphore>> = targets
        .iter()
        .map(|_| Arc::new(Semaphore::new(jobs.max(1))))
        .collect();
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for (target, requests) in prepared {
        let http = http.clone();
        let semaphore = semaphores.get(target).cloned();
        tasks.spawn(async move {
            let _permit = acquire(semaphore).await;
            let mut errors = 0;
            for request in &requests {
                errors += usize::from(!request.send(&http).await);
            }
            (requests.len(), errors)
        });
    }
    let (mut requests, mut errors) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        let (sent, failed) = joined.map_err(|e| BenchError::Task(e.to_string()))?;
        requests += sent;
        errors += failed;
    }
    let cancel_requests = writes.len();
    for (target, write) in writes {
        let http = http.clone();
        let semaphore = semaphores.get(target).cloned();
        tasks.spawn(async move {
            let _permit = acquire(semaphore).await;
            (0, usize::from(!write.send(&http).await))
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (_, failed) = joined.map_err(|e| BenchError::Task(e.to_string()))?;
        errors += failed;
    }
    Ok(Replay {
        requests: requests + cancel_requests,
        errors,
        wall: started.elapsed(),
    })
}

/// A permit of its target's semaphore, if it has one.
async fn acquire(semaphore: Option<Arc<Semaphore>>) -> Option<tokio::sync::OwnedSemaphorePermit> {
    match semaphore {
        Some(semaphore) => semaphore.acquire_owned().await.ok(),
        None => None,
    }
}

/// A request ready to send again.
struct Prepared {
    method: reqwest::Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl Prepared {
    fn of(request: &SentRequest, token: &Secret<String>) -> Prepared {
        let headers = request
            .headers
            .iter()
            .map(|(name, value)| {
                let value = if name.eq_ignore_ascii_case("authorization")
                    && value.ends_with("[redacted]")
                {
                    format!("Bearer {}", token.expose())
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .collect();
        Prepared {
            method: reqwest::Method::from_bytes(request.method.as_bytes())
                .unwrap_or(reqwest::Method::GET),
            url: request.url.clone(),
            headers,
            body: request.body.clone(),
        }
    }

    /// The cleanup's cancel: `PUT /Appointment/{id}` with status cancelled (a status-only body
    /// until [`Prepared::with_current_body`] puts the whole appointment in it).
    fn cancel(target: &Target, token: &Secret<String>, id: &str) -> Prepared {
        Prepared {
            method: reqwest::Method::PUT,
            url: format!("{}/Appointment/{id}", target.base_url.trim_end_matches('/')),
            headers: vec![
                ("Accept".into(), "application/json".into()),
                ("Content-Type".into(), "application/json".into()),
                ("Authorization".into(), format!("Bearer {}", token.expose())),
            ],
            body: Some(
                json!({"resourceType": "Appointment", "id": id, "status": "cancelled"}).to_string(),
            ),
        }
    }

    /// The same write with the appointment as the server holds it now, status cancelled (the
    /// copy the run's cleanup has from its sweep); unchanged when it cannot be read.
    async fn with_current_body(mut self, http: &reqwest::Client) -> Prepared {
        let mut read = http.get(&self.url);
        for (name, value) in self.headers.iter().filter(|(n, _)| n != "Content-Type") {
            read = read.header(name, value);
        }
        let current = match read.send().await {
            Ok(response) => response.bytes().await.ok(),
            Err(_) => None,
        };
        if let Some(mut resource @ serde_json::Value::Object(_)) =
            current.and_then(|bytes| serde_json::from_slice(&bytes).ok())
        {
            resource["status"] = json!("cancelled");
            self.body = Some(resource.to_string());
        }
        self
    }

    /// Sends it and reads the whole body; `false` when no response came.
    async fn send(&self, http: &reqwest::Client) -> bool {
        let mut builder = http.request(self.method.clone(), &self.url);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &self.body {
            builder = builder.body(body.clone());
        }
        match builder.send().await {
            Ok(response) => response.bytes().await.is_ok(),
            Err(_) => false,
        }
    }
}
