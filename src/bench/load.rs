//! Part 4's load: reads, creates and filtered+paged searches against a child server seeded with
//! synthetic appointments, each workload at a fixed concurrency, bounded in time and count.
//! Records req/s, p50/p99 latency and errors, then the child's memory (VmHWM, VmRSS).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;
use tokio::task::JoinSet;

use crate::bench::child::ChildServer;
use crate::bench::measure::{self, Memory};
use crate::bench::{BenchError, BenchOptions};
use crate::target::Secret;
use canvas_sandbox::{Edition, SYNTHETIC_START_MS, SYNTHETIC_STEP_MS, Settings, synthetic_id};

/// Bounds of one workload.
#[derive(Clone, Copy, Debug)]
pub struct LoadSpec {
    /// Requests in flight at once (one task each, sharing one connection pool).
    pub concurrency: usize,
    /// Stop starting requests after this long...
    pub duration: Duration,
    /// ...or after this many, whichever comes first.
    pub max_requests: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    /// `GET /Appointment/{id}` of a random seeded appointment.
    Read,
    /// `POST /Appointment`, a new slot each time.
    Create,
    /// `GET /Appointment?patient=…&date=ge…&date=lt…(a week)&_count=10&_offset=0|10|20`.
    Search,
}

impl Workload {
    pub const ALL: [Workload; 3] = [Workload::Read, Workload::Create, Workload::Search];

    pub fn name(self) -> &'static str {
        match self {
            Workload::Read => "read",
            Workload::Create => "create",
            Workload::Search => "search",
        }
    }

    fn expected_status(self) -> u16 {
        match self {
            Workload::Create => 201,
            Workload::Read | Workload::Search => 200,
        }
    }
}

/// What one workload measured.
#[derive(Clone, Debug, Serialize)]
pub struct LoadResult {
    pub workload: Workload,
    pub requests: usize,
    /// Requests with no response or an unexpected status.
    pub errors: usize,
    pub elapsed_ms: f64,
    pub requests_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// One child server: its seed size, start-up time, memory after the load, and the workloads.
#[derive(Clone, Debug, Serialize)]
pub struct ServerSize {
    /// The API edition the child speaks (`serve --edition`).
    pub edition: Edition,
    pub seeded: u64,
    /// From spawning the child to its URL (includes seeding).
    pub startup_ms: f64,
    pub pid: u32,
    pub memory: Option<Memory>,
    pub loads: Vec<LoadResult>,
    /// Whether the child was gone after the kill.
    pub stopped: bool,
}

/// Starts a child seeded with `seeded` appointments, runs every workload, reads its memory, kills it.
pub async fn server_size(
    options: &BenchOptions,
    edition: Edition,
    seeded: u64,
) -> Result<ServerSize, BenchError> {
    let token = Secret::new(format!("bench-{}", uuid::Uuid::new_v4().simple()));
    let exe = options.server_exe.clone();
    let timeout = options.startup_timeout;
    let started = Instant::now();
    let spawn_token = token.clone();
    let mut child = tokio::task::spawn_blocking(move || {
        ChildServer::start(&exe, edition, seeded, &spawn_token, timeout)
    })
    .await
    .map_err(|e| BenchError::Task(e.to_string()))??;
    let startup = started.elapsed();
    let target = Arc::new(Driven::new(&child.base_url, &token, seeded)?);
    let mut loads = Vec::new();
    for workload in Workload::ALL {
        loads.push(drive(&target, workload, options.scale.load).await?);
    }
    let memory = measure::memory_of(child.pid());
    let pid = child.pid();
    child.kill();
    let stopped = child.exited();
    Ok(ServerSize {
        edition,
        seeded,
        startup_ms: measure::ms(startup),
        pid,
        memory,
        loads,
        stopped,
    })
}

/// The server under load and what the requests pick from.
struct Driven {
    http: reqwest::Client,
    base_url: String,
    authorization: Secret<String>,
    seeded: u64,
    settings: Settings,
}

impl Driven {
    fn new(base_url: &str, token: &Secret<String>, seeded: u64) -> Result<Driven, BenchError> {
        let http = crate::http::plain_only(
            reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .redirect(reqwest::redirect::Policy::none()),
        )?;
        Ok(Driven {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            authorization: Secret::new(format!("Bearer {}", token.expose())),
            seeded: seeded.max(1),
            settings: Settings::reference(),
        })
    }

    /// The `k`-th request of a workload (pseudo-random but reproducible).
    fn request(&self, workload: Workload, k: usize) -> reqwest::RequestBuilder {
        let r = mix(k as u64);
        let builder = match workload {
            Workload::Read => {
                let id = synthetic_id(r % self.seeded);
                self.http.get(format!("{}/Appointment/{id}", self.base_url))
            }
            Workload::Create => self
                .http
                .post(format!("{}/Appointment", self.base_url))
                .header("Content-Type", "application/json")
                .body(self.create_body(k)),
            Workload::Search => {
                let patients = &self.settings.patients;
                let patient = &patients[(r % patients.len().max(1) as u64) as usize].id;
                let span_days = (self.seeded as i64 * SYNTHETIC_STEP_MS / DAY_MS).max(1);
                let day_ms = SYNTHETIC_START_MS + ((r >> 8) as i64 % span_days) * DAY_MS;
                let offset = (r >> 20) % 3 * 10;
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("patient", &format!("Patient/{patient}"))
                    .append_pair("date", &format!("ge{}", day(day_ms)))
                    .append_pair("date", &format!("lt{}", day(day_ms + 7 * DAY_MS)))
                    .append_pair("_count", "10")
                    .append_pair("_offset", &offset.to_string())
                    .finish();
                self.http
                    .get(format!("{}/Appointment?{query}", self.base_url))
            }
        };
        builder
            .header("Accept", "application/json")
            .header("Authorization", self.authorization.expose())
    }

    /// A create in its own half-hour, far after the seeded ones.
    fn create_body(&self, k: usize) -> String {
        let start = CREATE_START_MS + k as i64 * 30 * 60 * 1000;
        let settings = &self.settings;
        let practitioner = settings.practitioners.first().map_or("", |p| p.id.as_str());
        let patient = settings.patients.first().map_or("", |p| p.id.as_str());
        json!({
            "resourceType": "Appointment",
            "status": "proposed",
            "appointmentType": {"coding": [{
                "system": "http://snomed.info/sct", "code": "308335008", "display": "Office Visit"
            }]},
            "reasonCode": [{"text": format!("bench {k}")}],
            // required in the current edition, an empty list is fine in both
            "supportingInformation": [],
            "start": instant(start),
            "end": instant(start + 30 * 60 * 1000),
            "participant": [
                {"actor": {"reference": format!("Practitioner/{practitioner}")}, "status": "accepted"},
                {"actor": {"reference": format!("Patient/{patient}")}, "status": "accepted"}
            ]
        })
        .to_string()
    }
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// 2200-01-01T00:00Z: creates never meet the seeded appointments.
const CREATE_START_MS: i64 = 7_258_118_400_000;

fn day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn instant(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// splitmix64: spreads request numbers over ids, patients and days.
fn mix(k: u64) -> u64 {
    let mut z = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Runs one workload: `concurrency` tasks take request numbers from one counter until the count
/// or the time runs out; each request's latency is recorded in microseconds.
async fn drive(
    target: &Arc<Driven>,
    workload: Workload,
    spec: LoadSpec,
) -> Result<LoadResult, BenchError> {
    let counter = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + spec.duration;
    let mut tasks = JoinSet::new();
    for _ in 0..spec.concurrency.max(1) {
        let target = Arc::clone(target);
        let counter = Arc::clone(&counter);
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            loop {
                let k = counter.fetch_add(1, Ordering::Relaxed);
                if k >= spec.max_requests || Instant::now() >= deadline {
                    break;
                }
                let sent = Instant::now();
                let ok = match target.request(workload, k).send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        response.bytes().await.is_ok() && status == workload.expected_status()
                    }
                    Err(_) => false,
                };
                latencies.push(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
                errors += usize::from(!ok);
            }
            (latencies, errors)
        });
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    while let Some(joined) = tasks.join_next().await {
        let (mine, failed) = joined.map_err(|e| BenchError::Task(e.to_string()))?;
        latencies.extend(mine);
        errors += failed;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let us_to_ms = |us: u64| us as f64 / 1000.0;
    Ok(LoadResult {
        workload,
        requests: latencies.len(),
        errors,
        elapsed_ms: measure::ms(elapsed),
        requests_per_s: measure::per_second(latencies.len(), elapsed),
        p50_ms: us_to_ms(measure::percentile(&latencies, 0.5)),
        p99_ms: us_to_ms(measure::percentile(&latencies, 0.99)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_instants_render_as_the_api_wants() {
        assert_eq!(day(SYNTHETIC_START_MS), "2030-01-01");
        assert_eq!(instant(CREATE_START_MS), "2200-01-01T00:00:00Z");
    }

    #[test]
    fn request_numbers_spread() {
        let ids: std::collections::BTreeSet<u64> = (0..100).map(|k| mix(k) % 1000).collect();
        assert!(ids.len() > 80, "{}", ids.len());
    }
}
