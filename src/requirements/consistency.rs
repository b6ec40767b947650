//! What a catalogue must hold together beyond its shape: unique IDs, and every behaviour, decision
//! and source key it names present in the same file. Checked on every load, for both editions.

use std::collections::BTreeSet;

use super::Catalogue;

/// Every dangling or duplicate name in `catalogue`, one sentence each naming the ID; empty when
/// consistent. Behaviours named by a contradiction must be live rows; a behaviour's or a
/// contradiction's `Dn` must be a decision of the file (checked when the file lists decisions);
/// a citation's key must be in `source.keys`.
pub fn problems(catalogue: &Catalogue) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let ids = catalogue
        .behaviours
        .iter()
        .map(|b| &b.id)
        .chain(catalogue.removed.iter().map(|r| &r.id))
        .chain(catalogue.decisions.iter().map(|d| &d.id))
        .chain(catalogue.contradictions.iter().map(|c| &c.id))
        .chain(catalogue.fingerprints.iter().map(|f| &f.id));
    for id in ids {
        if !seen.insert(id.as_str()) {
            problems.push(format!("{id} appears more than once"));
        }
    }
    let has_decisions = !catalogue.decisions.is_empty();
    for b in &catalogue.behaviours {
        for d in &b.decisions {
            if catalogue.decision(d).is_none() {
                problems.push(format!(
                    "{}: rests on {d}, which is not under decisions",
                    b.id
                ));
            }
        }
        for c in b.source.citations() {
            if catalogue.source.key(&c.key).is_none() {
                problems.push(format!(
                    "{}: cites {}, which is not in source.keys",
                    b.id, c.key
                ));
            }
        }
    }
    for r in &catalogue.removed {
        if catalogue.get(&r.id).is_some() {
            problems.push(format!("{}: removed, yet still a behaviour", r.id));
        }
        for c in &r.source {
            if catalogue.source.key(&c.key).is_none() {
                problems.push(format!(
                    "{}: cites {}, which is not in source.keys",
                    r.id, c.key
                ));
            }
        }
    }
    for c in &catalogue.contradictions {
        for id in &c.behaviours {
            if catalogue.get(id).is_none() {
                problems.push(format!("{}: touches {id}, which is not a behaviour", c.id));
            }
        }
        if has_decisions {
            for d in decision_names(&c.decision) {
                if catalogue.decision(d).is_none() {
                    problems.push(format!("{}: names {d}, which is not under decisions", c.id));
                }
            }
        }
    }
    problems
}

/// The `D<digits>` words of `text`.
fn decision_names(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() > 1 && w.starts_with('D') && w[1..].bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue(text: &str) -> Catalogue {
        serde_saphyr::from_str(text).unwrap()
    }

    const HEAD: &str = "version: 1\nedition: current\nsource: { file: f, title: t, keys: [{ key: P, about: a }] }\n";

    #[test]
    fn a_consistent_catalogue_has_no_problems() {
        let c = catalogue(&format!(
            "{HEAD}behaviours:\n  - {{ id: A-1, area: read, level: MUST, rule: fhir, statement: s, decisions: [D1], source: [{{ key: P, lines: L1 }}] }}\ndecisions: [{{ id: D1, title: t, text: x }}]\ncontradictions: [{{ id: C1, summary: s, behaviours: [A-1], decision: \"D1.\" }}]\n"
        ));
        assert_eq!(problems(&c), Vec::<String>::new());
    }

    #[test]
    fn dangling_names_and_duplicates_are_each_named() {
        let c = catalogue(&format!(
            "{HEAD}behaviours:\n  - {{ id: A-1, area: read, level: MUST, rule: fhir, statement: s, decisions: [D2], source: [{{ key: Q }}] }}\n  - {{ id: A-1, area: read, level: MUST, rule: fhir, statement: s, source: [] }}\nremoved: [{{ id: A-1, it_said: x, now: y, since: z, source: [] }}]\ndecisions: [{{ id: D1, title: t, text: x }}]\ncontradictions: [{{ id: C1, summary: s, behaviours: [B-2], decision: \"D9, D1.\" }}]\n"
        ));
        assert_eq!(
            problems(&c),
            vec![
                "A-1 appears more than once",
                "A-1 appears more than once",
                "A-1: rests on D2, which is not under decisions",
                "A-1: cites Q, which is not in source.keys",
                "A-1: removed, yet still a behaviour",
                "C1: touches B-2, which is not a behaviour",
                "C1: names D9, which is not under decisions",
            ]
        );
    }
}
