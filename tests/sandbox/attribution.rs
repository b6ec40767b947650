//! Each behaviour gets its own evidence: a step goes on after a failure it does not depend on, a
//! step whose input an earlier failure left uncaptured is not run (its behaviour not decided, naming
//! the blocking one), and a capture made impossible by a failed expectation is a note, not an Error.

use std::time::Duration;

use canvas_conformance::check::FindingKind;
use canvas_conformance::outcome::{BehaviourVerdict, Verdict, per_behaviour};
use canvas_conformance::run::RunControl;
use canvas_conformance::suite::load_suite;
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{ServerConfig, spawn};
use std::sync::Arc;

use super::common::{client, outcome, run_suite, scratch_cases};

const CASE: &str = r#"
name: scratch/attribution
description: A failing read, an independent search, and a read that needs a capture that failed.
behaviours: [READ-200, READ-SHAPE]
steps:
  - name: read with a wrong expectation
    request: { method: GET, path: "/Appointment/{{ appt_confirmed }}" }
    expect:
      status: 201
      behaviour: READ-200
    capture: { missing: { json: "$.noSuchElement" } }
  - name: an independent read
    request: { method: GET, path: "/Appointment/{{ appt_confirmed }}" }
    expect: { status: 200, schema: Appointment }
  - name: a read that needs the capture
    request: { method: GET, path: "/Appointment/{{ missing }}" }
    expect: { status: 200 }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_go_on_unless_they_need_what_a_failure_left_uncaptured() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let dir = scratch_cases("attribution", &[("attribution.yaml", CASE)]);
    let suite = load_suite(&dir).expect("suite");
    let target = Target {
        label: "reference".to_owned(),
        base_url: server.base_url().to_owned(),
        auth: Auth::static_token(Secret::new("dev-token".to_owned())),
        profile: Arc::new(Profile::reference()),
    };
    let report = run_suite(
        &suite,
        vec![target],
        client(Duration::from_secs(10)),
        &RunControl::default(),
        1,
    )
    .await;
    let case = outcome(&report, "scratch/attribution");
    assert_eq!(case.verdict, Verdict::Fail);
    let [first, second, third] = case.steps.as_slice() else {
        panic!("three steps: {:?}", case.steps);
    };
    // The first cause: a wrong status, with the capture it made impossible noted, not an Error.
    assert_eq!(first.verdict, Verdict::Fail);
    assert!(
        first
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::Fail && f.behaviours == ["READ-200"])
    );
    assert!(
        first
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::Note && f.check == "capture")
    );
    assert_eq!(second.verdict, Verdict::Pass, "{second:?}");
    assert!(matches!(&third.verdict, Verdict::Skipped(reason) if reason.contains("`missing`")));
    assert_eq!(third.blocked_by, ["READ-200"]);
    let verdicts = per_behaviour(&report.outcomes);
    assert_eq!(verdicts.get("READ-200"), Some(&BehaviourVerdict::Fail));
    assert_eq!(
        verdicts.get("READ-SHAPE"),
        Some(&BehaviourVerdict::NotDecided {
            blocked_by: vec!["READ-200".to_owned()],
            setup: Vec::new(),
        })
    );
    server.shutdown().await;
}
