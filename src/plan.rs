//! ② Plan: cases × targets × selection → which case runs where, or why it is skipped (the write
//! guard, a double-booking setting no target has, a fixture the profile lacks, a read-only token
//! the target cannot get). No I/O.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use crate::case::Case;
use crate::case::model::{AuthMode, Method};
use crate::edition::Edition;
use crate::partition::Partition;
use crate::target::{FIXTURE_KEYS, Target};
use crate::template::{Template, templates_in};

/// Which cases to run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Keep cases whose name contains this text.
    pub filter: Option<String>,
    /// Keep cases naming any of these behaviour IDs (none: all).
    pub behaviours: Vec<String>,
    /// Keep only this shard of the cases selected so far (`--partition`).
    pub partition: Option<Partition>,
    /// Keep cases of these editions (`run --edition`, else the target profile's; none: all).
    pub editions: Vec<Edition>,
}

impl Selection {
    pub fn selects(&self, case: &Case) -> bool {
        let by_name = self
            .filter
            .as_deref()
            .is_none_or(|f| case.name().contains(f));
        let by_id = self.behaviours.is_empty()
            || case
                .behaviours()
                .any(|id| self.behaviours.iter().any(|b| b == id));
        let by_edition = self.editions.is_empty() || self.editions.contains(&case.edition);
        by_name && by_id && by_edition
    }
}

#[derive(Clone, Debug)]
pub struct PlanItem {
    pub case: Arc<Case>,
    /// Position of the case among all loaded cases (gives it its own time slot).
    pub index: usize,
    pub placement: Placement,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Index into the run's targets.
    Run(usize),
    Skip(String),
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub items: Vec<PlanItem>,
}

impl PlanItem {
    /// The requests the case sends one after another at least: one per step, one more for each
    /// step that walks a search's pages (a walk fetches at least its `first` page). Zero for a
    /// skipped case, which sends nothing.
    pub fn chain(&self) -> usize {
        match self.placement {
            Placement::Skip(_) => 0,
            Placement::Run(_) => self
                .case
                .spec
                .steps
                .value
                .iter()
                .map(|step| {
                    1 + usize::from(
                        step.expect
                            .search
                            .as_ref()
                            .is_some_and(|search| search.value.walk),
                    )
                })
                .sum(),
        }
    }
}

impl Plan {
    /// The order to start the items in, `jobs` at a time (positions into `items`): the `jobs`
    /// longest chains first, longest first (ties in plan order), then every other item in plan
    /// order. A run's wall time is at least its longest case's chain of requests × the latency, so
    /// a long case that started last would add its whole chain to the end of the run; the rest keep
    /// plan order, so outcomes, which are delivered in plan order, still come out steadily.
    pub fn start_order(&self, jobs: usize) -> Vec<usize> {
        let mut longest: Vec<usize> = (0..self.items.len())
            .filter(|&i| self.items[i].chain() > 0)
            .collect();
        longest.sort_by_cached_key(|&i| (std::cmp::Reverse(self.items[i].chain()), i));
        longest.truncate(jobs.max(1));
        let first: BTreeSet<usize> = longest.iter().copied().collect();
        longest.extend((0..self.items.len()).filter(|i| !first.contains(i)));
        longest
    }
}

pub fn build(cases: &[Arc<Case>], targets: &[Target], selection: &Selection) -> Plan {
    let items = cases
        .iter()
        .enumerate()
        .filter(|(_, case)| selection.selects(case))
        .enumerate()
        .filter(|(position, (_, case))| {
            selection
                .partition
                .is_none_or(|p| p.keeps(*position, case.name()))
        })
        .map(|(_, (index, case))| PlanItem {
            case: Arc::clone(case),
            index,
            placement: place(case, targets),
        })
        .collect();
    Plan { items }
}

fn place(case: &Case, targets: &[Target]) -> Placement {
    let requires = case.spec.requires;
    let of_edition: Vec<usize> = (0..targets.len())
        .filter(|&i| targets[i].profile.edition == case.edition)
        .collect();
    if of_edition.is_empty() {
        let have: Vec<&str> = targets.iter().map(|t| t.profile.edition.as_str()).collect();
        return Placement::Skip(format!(
            "a case of edition {}; the target speaks edition {}",
            case.edition,
            have.join(" / ")
        ));
    }
    let candidates: Vec<usize> = of_edition
        .into_iter()
        .filter(|&i| {
            requires
                .double_booking
                .is_none_or(|want| targets[i].profile.double_booking == want)
        })
        .collect();
    let Some(&chosen) = candidates.first() else {
        let want = requires.double_booking.map_or("", |d| d.as_str());
        let have: Vec<&str> = targets
            .iter()
            .filter(|t| t.profile.edition == case.edition)
            .map(|t| t.profile.double_booking.as_str())
            .collect();
        return Placement::Skip(format!(
            "needs a target with double booking {want}; the target has double booking {}",
            have.join(" / ")
        ));
    };
    let target = &targets[chosen];
    if requires.writes && !target.profile.allow_writes {
        return Placement::Skip(format!(
            "creates or changes data, and profile `{}` does not allow writes (allow_writes: false)",
            target.profile.name
        ));
    }
    let missing: Vec<String> = fixtures_used(case)
        .into_iter()
        .filter(|name| !target.profile.fixtures.contains_key(name))
        .collect();
    if !missing.is_empty() {
        return Placement::Skip(format!(
            "profile `{}` has no fixture {}",
            target.profile.name,
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(reason) = scoped_token_unavailable(case, target) {
        return Placement::Skip(reason);
    }
    Placement::Run(chosen)
}

/// Why the target cannot give a case the tokens of its own scope it asks for (`auth:
/// read_only`, `auth: { scope, patient }`, a token request), if it asks for any and cannot.
fn scoped_token_unavailable(case: &Case, target: &Target) -> Option<String> {
    let steps = &case.spec.steps.value;
    if steps
        .iter()
        .any(|step| step.request.auth_mode() == AuthMode::ReadOnly)
    {
        return target.read_only_unavailable();
    }
    if steps.iter().any(|step| step.request.needs_scoped_token()) {
        return target.scoped_tokens_unavailable();
    }
    None
}

/// The fixture names a case's templates use (case variables and captures shadow fixtures).
pub fn fixtures_used(case: &Case) -> BTreeSet<String> {
    let spec = &case.spec;
    let mut strings: Vec<&str> = spec.vars.values().map(|v| v.value.as_str()).collect();
    let mut json: Vec<&Value> = Vec::new();
    for step in &spec.steps.value {
        let request = &step.request;
        strings.extend(request.texts().into_iter().map(|v| v.value.as_str()));
        json.extend(request.query.iter().map(|q| &q.value));
        json.extend(request.body.iter().map(|b| &b.value));
        let expect = &step.expect;
        for header in &expect.headers {
            strings.extend(
                header
                    .equals
                    .iter()
                    .chain(&header.matches)
                    .map(|v| v.value.as_str()),
            );
        }
        for item in &expect.json {
            json.extend(item.equals.iter().chain(&item.contains).map(|v| &v.value));
            json.extend(item.one_of.iter().flat_map(|v| &v.value));
            strings.extend(item.matches.iter().map(|v| v.value.as_str()));
        }
        if let Some(outcome) = &expect.outcome {
            let o = &outcome.value;
            strings.extend(
                o.severity
                    .iter()
                    .chain(&o.code)
                    .chain(&o.text)
                    .map(|v| v.value.as_str()),
            );
        }
        if let Some(ids) = expect.search.as_ref().and_then(|s| s.value.ids.as_ref()) {
            strings.extend(ids.value.iter().map(|v| v.value.as_str()));
        }
    }
    let mut templates: Vec<Template> = strings
        .into_iter()
        .filter_map(|s| Template::parse(s).ok())
        .collect();
    let mut from_json = Vec::new();
    for value in json {
        templates_in(value, &mut from_json);
    }
    templates.extend(from_json.into_iter().filter_map(Result::ok));
    let shadowed: BTreeSet<&str> = spec
        .vars
        .keys()
        .map(String::as_str)
        .chain(
            spec.steps
                .value
                .iter()
                .flat_map(|s| s.capture.keys().map(String::as_str)),
        )
        .collect();
    templates
        .iter()
        .flat_map(|t| t.names())
        .filter(|name| !shadowed.contains(name) && FIXTURE_KEYS.iter().any(|(k, _)| k == name))
        .map(str::to_owned)
        .collect()
}

/// Whether a case sends anything but GET (the write guard's view; lint makes `requires.writes` agree).
pub fn writes(case: &Case) -> bool {
    case.spec
        .steps
        .value
        .iter()
        .any(|s| s.request.method() != Method::Get && !s.request.is_token_request())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::load::parse_case;

    /// A plan item of a case with `steps` plain GET steps, of which `walks` walk a search's
    /// pages, run on target 0 (or skipped).
    fn item(name: &str, steps: usize, walks: usize, run: bool) -> PlanItem {
        let mut text = format!("name: {name}\ndescription: d\nbehaviours: [READ-200]\nsteps:\n");
        for n in 0..steps {
            let walk = if n < walks {
                ", search: { walk: true }"
            } else {
                ""
            };
            text.push_str(&format!(
                "  - {{ name: s{n}, request: {{ method: GET, path: /Appointment }}, expect: {{ status: 200{walk} }} }}\n"
            ));
        }
        let case = parse_case(Arc::from(format!("{name}.yaml")), &text)
            .unwrap_or_else(|d| panic!("{name}: {d}"));
        PlanItem {
            case: Arc::new(case),
            index: 0,
            placement: if run {
                Placement::Run(0)
            } else {
                Placement::Skip("writes are not allowed".to_owned())
            },
        }
    }

    #[test]
    fn a_chain_counts_steps_and_a_page_per_walk_and_nothing_when_skipped() {
        assert_eq!(item("a", 3, 0, true).chain(), 3);
        assert_eq!(item("b", 3, 2, true).chain(), 5);
        assert_eq!(item("c", 9, 0, false).chain(), 0);
    }

    #[test]
    fn the_longest_chains_start_first_then_plan_order() {
        let plan = Plan {
            items: vec![
                item("short", 1, 0, true),
                item("long", 6, 0, true),
                item("skipped-long", 9, 0, false),
                item("middle", 3, 0, true),
                item("longest", 4, 3, true),
                item("short-too", 1, 0, true),
            ],
        };
        // Two at a time: the two longest (7, then 6) first, the others as planned.
        assert_eq!(plan.start_order(2), vec![4, 1, 0, 2, 3, 5]);
        // As many jobs as items: longest first, ties in plan order, skipped ones last.
        assert_eq!(plan.start_order(32), vec![4, 1, 3, 0, 5, 2]);
        // One at a time still puts the longest first, and every item appears once.
        assert_eq!(plan.start_order(0), vec![4, 0, 1, 2, 3, 5]);
    }
}
