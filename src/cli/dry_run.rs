//! `run --dry-run`: the planned requests as curl lines, in plan order, with the Authorization value
//! masked (`Bearer ***`) and values captured from earlier responses shown as `<capture:name>`.
//! Nothing is sent; skipped cases are listed with their reason.

use std::fmt::Write as _;

use crate::case::model::AuthMode;
use crate::exchange::render::{path_and_query, render_request};
use crate::plan::{Placement, Plan};
use crate::run::creation::is_create;
use crate::run::scope::{BuiltIns, case_scope};
use crate::run::tag::{apply_tag, tag_for};
use crate::target::Target;
use crate::template::Var;

/// What the dry run prints for `plan` on `targets`.
pub fn render(plan: &Plan, targets: &[Target], run_id: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# dry run {run_id}: nothing is sent");
    for target in targets {
        if let Some(oauth) = target
            .profile
            .oauth
            .as_ref()
            .filter(|_| target.auth.is_oauth())
        {
            // Double quotes: the shell fills in the variables' values, never printed here.
            let _ = writeln!(
                out,
                "# token for {} (once, renewed before expiry):\ncurl -X POST {} -H {} --data-urlencode grant_type=client_credentials --data-urlencode \"client_id=${}\" --data-urlencode \"client_secret=${}\"",
                target.label,
                quote(&oauth.token_url),
                quote("Content-Type: application/x-www-form-urlencoded"),
                oauth.client_id_env,
                oauth.client_secret_env,
            );
        }
    }
    let mut writes = 0;
    for item in &plan.items {
        let case = &item.case;
        let index = match &item.placement {
            Placement::Skip(reason) => {
                let _ = writeln!(out, "\n# skip {}: {reason}", case.name());
                continue;
            }
            Placement::Run(index) => *index,
        };
        let Some(target) = targets.get(index) else {
            continue;
        };
        let _ = writeln!(
            out,
            "\n# case {} on {} [{}]",
            case.name(),
            target.label,
            case.behaviours().collect::<Vec<_>>().join(" ")
        );
        let mut scope = match case_scope(case, &BuiltIns::new(run_id, item.index), target) {
            Ok(scope) => scope,
            Err((name, e)) => {
                let _ = writeln!(out, "# cannot render variable `{name}`: {e}");
                continue;
            }
        };
        for step in &case.spec.steps.value {
            for name in step.capture.keys() {
                scope.insert(name.clone(), Var::Text(format!("<capture:{name}>")));
            }
        }
        let tag = tag_for(case, run_id);
        for step in &case.spec.steps.value {
            let _ = writeln!(out, "# step: {}", step.name.value);
            let mut outgoing = match render_request(&step.request, &scope) {
                Ok(outgoing) => outgoing,
                Err(e) => {
                    let _ = writeln!(out, "# cannot render the request: {e}");
                    continue;
                }
            };
            if let Some(fields) = outgoing.token_request() {
                let form = Target::recorded_token_form(fields).replace("%5Bredacted%5D", "***");
                let _ = writeln!(
                    out,
                    "curl -X POST {} -H {} --data-raw {}",
                    quote(&target.token_url()),
                    quote("Content-Type: application/x-www-form-urlencoded"),
                    quote(&form)
                );
                continue;
            }
            if outgoing.method != crate::case::model::Method::Get {
                writes += 1;
            }
            // The run's tag, as the run would send it.
            if is_create(&outgoing)
                && let Some(tag) = &tag
            {
                apply_tag(step, &mut outgoing, tag);
            }
            let url = format!(
                "{}{}",
                target.base_url,
                path_and_query(&outgoing.path, &outgoing.query)
            );
            let mut line = format!("curl -X {} {}", outgoing.method.as_str(), quote(&url));
            let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
            if outgoing.body.is_some() {
                headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
            }
            headers.extend(outgoing.headers.iter().cloned());
            match outgoing.auth {
                AuthMode::Target | AuthMode::ReadOnly | AuthMode::Scoped => {
                    headers.push(("Authorization".into(), "Bearer ***".into()))
                }
                AuthMode::Invalid => headers.push((
                    "Authorization".into(),
                    "Bearer invalid-token-canvas-conformance".into(),
                )),
                AuthMode::None => {}
            }
            for (name, value) in &headers {
                let value = if name.eq_ignore_ascii_case("authorization")
                    && matches!(
                        outgoing.auth,
                        AuthMode::Target | AuthMode::ReadOnly | AuthMode::Scoped
                    ) {
                    "Bearer ***"
                } else {
                    value.as_str()
                };
                let _ = write!(line, " -H {}", quote(&format!("{name}: {value}")));
            }
            if let Some(body) = &outgoing.body {
                let _ = write!(line, " --data-raw {}", quote(body));
            }
            let _ = writeln!(out, "{line}");
            if step
                .expect
                .search
                .as_ref()
                .is_some_and(|search| search.value.walk)
            {
                let _ = writeln!(out, "# then follows the Bundle's `next` links");
            }
        }
    }
    if writes > 0 {
        let _ = writeln!(
            out,
            "\n# afterwards: each appointment created is cancelled (PUT /Appointment/<id> with status cancelled), then a sweep searches GET /Appointment for the run's tag and time slots and cancels what it finds open"
        );
    }
    out
}

/// A shell word in single quotes.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_for_the_shell() {
        assert_eq!(super::quote("it's"), r"'it'\''s'");
    }
}
