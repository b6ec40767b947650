//! Each edition's suite is judged by what it catches: against the unbroken reference servers of its
//! edition every case passes,
//! every documented behaviour has at least one mutant, and every mutant makes a case checking its own
//! behaviour fail. (`canvas-conformance mutants` prints the same analysis.)

use std::collections::BTreeSet;
use std::time::Duration;

use canvas_conformance::edition::Edition;
use canvas_conformance::exchange::Client;
use canvas_conformance::requirements::Coverage;
use canvas_conformance::run::mutation::analyse;
use canvas_conformance::suite::{default_cases_dir, load_suite};
use canvas_sandbox::Mutant;

/// Live behaviours no mutant can break observably: ERR-5XX (current) is OBSERVED, and no request
/// makes the reference server fail (BEHAVIOURS-CURRENT.md; `serve --edition current --list-mutants`).
const WITHOUT_MUTANT: &[(Edition, &str)] = &[(Edition::Current, "ERR-5XX")];

#[test]
fn every_behaviour_of_each_edition_is_covered_by_a_case_and_a_mutant() {
    let suite = load_suite(&default_cases_dir()).expect("the suite loads");
    assert_eq!(
        suite.editions(),
        Edition::ALL.to_vec(),
        "both catalogues load"
    );
    for edition in Edition::ALL {
        let catalogue = suite.catalogue(edition).expect("a catalogue per edition");
        let coverage = Coverage::of(
            catalogue,
            suite
                .cases_of(edition)
                .map(|c| (c.name(), c.behaviours().collect())),
        );
        let uncovered: Vec<&str> = coverage.uncovered().map(|r| r.id.as_str()).collect();
        assert!(
            uncovered.is_empty(),
            "{edition}: behaviours without a case: {uncovered:?}"
        );
        let mutated: BTreeSet<&str> = Mutant::of(edition)
            .into_iter()
            .map(|m| m.behaviour())
            .collect();
        let unmutated: Vec<&str> = catalogue
            .behaviours
            .iter()
            .map(|b| b.id.as_str())
            .filter(|id| !mutated.contains(id) && !WITHOUT_MUTANT.contains(&(edition, *id)))
            .collect();
        assert!(
            unmutated.is_empty(),
            "{edition}: behaviours without a mutant: {unmutated:?}"
        );
        let unknown: Vec<&str> = mutated
            .iter()
            .copied()
            .filter(|id| catalogue.get(id).is_none())
            .collect();
        assert!(
            unknown.is_empty(),
            "{edition}: mutants naming unknown behaviours: {unknown:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutant_of_each_edition_is_killed_and_the_unbroken_servers_pass() {
    let suite = load_suite(&default_cases_dir()).expect("the suite loads");
    let client = Client::new(Duration::from_secs(30)).expect("client");
    for edition in Edition::ALL {
        let mutants = Mutant::of(edition);
        let report = analyse(&suite.cases, edition, &mutants, &client, 4, |_| {})
            .await
            .expect("reference servers start");
        assert!(
            report.baseline.all_passed() && report.baseline.skipped == 0,
            "{edition}: the unbroken reference servers must pass every case: {:?}, failing {:?}",
            report.baseline,
            report.baseline_failures
        );
        let survivors: Vec<String> = report
            .mutants
            .iter()
            .filter(|m| !m.killed())
            .map(|m| {
                format!(
                    "{} ({}): failing cases {:?}, red behaviours {:?}",
                    m.mutant, m.behaviour, m.failing_cases, m.caught_by
                )
            })
            .collect();
        assert!(
            survivors.is_empty(),
            "{edition}: mutants the suite did not catch:\n{}",
            survivors.join("\n")
        );
        // Blame stays precise: each of these mutants breaks one behaviour in a way no other case's
        // checks depend on, so the findings attributed to its own behaviour are the only red ones.
        let precise: &[&str] = match edition {
            Edition::Sept2023 => &[
                "auth-accepts-any-token",
                "errors-plain-text",
                "bad-request-wrong-text",
                "reschedule-displays-swapped",
                "create-answers-200",
                "create-keeps-status",
                "type-many-codings-accepted",
                "type-any-system-accepted",
                "type-unknown-wrong-text",
                "type-unschedulable-accepted",
                "rfv-uses-last",
                "rfv-unknown-code-accepted",
                "start-without-seconds-rejected",
                "end-before-start-rejected",
                "participant-by-position",
                "double-booking-ignored",
                "update-answers-204",
                "update-rejects-checked-in",
                "update-accepts-entered-in-error",
                "cancelled-reopenable",
                "update-accepts-unschedulable",
                "update-telehealth-ignored",
                "update-missing-as-200",
                "date-gt-inclusive",
                "search-links-absolute",
                "search-sort-ignores-desc",
                "search-unknown-param-ignored",
            ],
            // The amendments' mutants (BEHAVIOURS-CURRENT-AMENDMENTS.md): each is seen only by
            // the cases of its own behaviour.
            Edition::Current => &[
                "search-scope-reads",
                "null-refused",
                "plain-json-media-type",
                "scope-answer-echoed",
                "patient-token-searches-all",
                "create-resource-type-required",
                "duration-seconds-kept",
                "update-resource-type-required",
                "date-time-as-day",
                "identifier-system-only-refused",
                "type-no-system-any",
            ],
        };
        let imprecise: Vec<String> = report
            .mutants
            .iter()
            .filter(|m| precise.contains(&m.mutant))
            .filter(|m| m.caught_by.iter().ne([m.behaviour]))
            .map(|m| {
                format!(
                    "{} ({}): also blamed {:?}",
                    m.mutant, m.behaviour, m.caught_by
                )
            })
            .collect();
        assert!(imprecise.is_empty(), "{}", imprecise.join("\n"));
    }
}
