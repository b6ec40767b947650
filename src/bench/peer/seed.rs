//! Prepares a child server for the big-response scenario: creates the scenario's pre-seeded
//! appointments on its shared day through the API (`POST /Appointment`, a few in flight), and
//! measures once what one of its searches then answers (entries and bytes).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::bench::BenchError;
use crate::bench::peer::scenario::Scenario;
use crate::target::Secret;

/// Creates at once, at most.
const IN_FLIGHT: usize = 8;

/// What the shared day's search answered before the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    pub entries: usize,
    pub bytes: usize,
}

/// The server a scenario is prepared on.
pub struct Server {
    http: reqwest::Client,
    base_url: String,
    authorization: Secret<String>,
}

impl Server {
    /// Errors: the HTTP client cannot be built.
    pub fn new(base_url: &str, token: &Secret<String>) -> Result<Server, BenchError> {
        let http = crate::http::plain_only(
            reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .redirect(reqwest::redirect::Policy::none()),
        )?;
        Ok(Server {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            authorization: Secret::new(format!("Bearer {}", token.expose())),
        })
    }

    /// Creates `count` appointments (`scenario.seed_body(k)`, k = 0..count).
    ///
    /// Errors: a create that fails or does not answer 201 (the first one is named).
    pub async fn seed(
        self: &Arc<Self>,
        scenario: &Scenario,
        count: usize,
    ) -> Result<(), BenchError> {
        let gate = Arc::new(Semaphore::new(IN_FLIGHT));
        let mut tasks = JoinSet::new();
        for k in 0..count {
            let server = Arc::clone(self);
            let body = scenario.seed_body(k).to_string();
            let gate = Arc::clone(&gate);
            tasks.spawn(async move {
                let _permit = gate.acquire().await;
                let response = server
                    .http
                    .post(format!("{}/Appointment", server.base_url))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .header("Authorization", server.authorization.expose())
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| format!("seed {k}: {e}"))?;
                match response.status().as_u16() {
                    201 => Ok(()),
                    other => Err(format!("seed {k}: the create answered {other}")),
                }
            });
        }
        let mut first_problem = None;
        while let Some(joined) = tasks.join_next().await {
            let problem = match joined {
                Ok(Ok(())) => continue,
                Ok(Err(problem)) => problem,
                Err(e) => e.to_string(),
            };
            first_problem.get_or_insert(problem);
        }
        match first_problem {
            None => Ok(()),
            Some(problem) => Err(BenchError::Peer(format!(
                "seeding the big-response scenario failed: {problem}"
            ))),
        }
    }

    /// Runs the search of iteration 0 once and counts what it answers.
    ///
    /// Errors: no answer, a status other than 200, or a body that is not a Bundle.
    pub async fn probe(&self, scenario: &Scenario) -> Result<Probe, BenchError> {
        let fail = |what: String| BenchError::Peer(format!("probing the search: {what}"));
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("patient", &scenario.patient_reference())
            .append_pair("date", &scenario.day(0))
            .finish();
        let response = self
            .http
            .get(format!("{}/Appointment?{query}", self.base_url))
            .header("Accept", "application/json")
            .header("Authorization", self.authorization.expose())
            .send()
            .await
            .map_err(|e| fail(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| fail(e.to_string()))?;
        if status != 200 {
            return Err(fail(format!("it answered {status}")));
        }
        let bundle: Value = serde_json::from_slice(&body).map_err(|e| fail(e.to_string()))?;
        let entries = bundle
            .get("entry")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        Ok(Probe {
            entries,
            bytes: body.len(),
        })
    }
}
