//! The 2023-09 suite against the current edition's reference server (a sandbox that moved on while
//! its profile did not): every behaviour it fails is one the current catalogue marks CHANGED or
//! REMOVED, every REMOVED one fails, every SAME one passes, and each failure carries an edition
//! hint ("matches the current edition").

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use canvas_conformance::edition::Edition;
use canvas_conformance::outcome::{BehaviourVerdict, per_behaviour};
use canvas_conformance::requirements::Change;
use canvas_conformance::run::RunControl;
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{ServerConfig, spawn};

use super::common::{client, project_suite, run_suite};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2023_09_suite_fails_a_current_server_only_where_the_editions_differ_with_hints() {
    let suite = project_suite();
    let current = suite
        .catalogue(Edition::Current)
        .expect("the current catalogue");
    let server = spawn(ServerConfig::reference_for(Edition::Current))
        .await
        .expect("server");
    // The 2023-09 reference profile (its fixtures, its edition) on a server of the current edition.
    let target = Target {
        label: "current-server".to_owned(),
        base_url: server.base_url().to_owned(),
        auth: Auth::static_token(Secret::new("dev-token".to_owned())),
        profile: Arc::new(Profile::reference()),
    };
    let report = run_suite(
        &suite,
        vec![target],
        client(Duration::from_secs(30)),
        &RunControl::default(),
        4,
    )
    .await;
    server.shutdown().await;

    let changed: BTreeSet<&str> = current
        .behaviours
        .iter()
        .filter(|b| b.change == Some(Change::Changed))
        .map(|b| b.id.as_str())
        .collect();
    let removed: BTreeSet<&str> = current.removed.iter().map(|r| r.id.as_str()).collect();
    let same: BTreeSet<&str> = current
        .behaviours
        .iter()
        .filter(|b| b.change == Some(Change::Same))
        .map(|b| b.id.as_str())
        .collect();
    let verdicts = per_behaviour(&report.outcomes);
    let red: BTreeSet<&str> = verdicts
        .iter()
        .filter(|(_, v)| !matches!(v, BehaviourVerdict::Pass | BehaviourVerdict::Skipped { .. }))
        .map(|(id, _)| id.as_str())
        .collect();
    let unexpected: Vec<&&str> = red
        .iter()
        .filter(|id| !changed.contains(**id) && !removed.contains(**id))
        .collect();
    assert!(
        unexpected.is_empty(),
        "failed, yet SAME in both editions: {unexpected:?}"
    );
    let kept: Vec<&&str> = removed.iter().filter(|id| !red.contains(**id)).collect();
    assert!(kept.is_empty(), "REMOVED, yet passed: {kept:?}");
    let same_passing = same
        .iter()
        .filter(|id| matches!(verdicts.get(**id), Some(BehaviourVerdict::Pass)))
        .count();
    assert_eq!(
        same_passing,
        same.len(),
        "every SAME behaviour passes: {verdicts:?}"
    );
    assert!(
        red.len() > removed.len(),
        "CHANGED behaviours fail too: {red:?}"
    );
    // Each red behaviour has a hint note attributed to it.
    let hinted: BTreeSet<&str> = report
        .outcomes
        .iter()
        .flat_map(|o| &o.steps)
        .flat_map(|s| &s.findings)
        .filter(|f| f.check == "edition" && f.actual.contains("matches the current edition"))
        .flat_map(|f| f.behaviours.iter().map(String::as_str))
        .collect();
    let unhinted: Vec<&&str> = red.iter().filter(|id| !hinted.contains(**id)).collect();
    assert!(
        unhinted.is_empty(),
        "failed without an edition hint: {unhinted:?}"
    );
}
