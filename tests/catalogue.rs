//! The current catalogue checked against `../shared/BEHAVIOURS-CURRENT.md` as amended by
//! `BEHAVIOURS-CURRENT-AMENDMENTS.md` (rows and decisions replaced by ID, an unknown ID failing):
//! live IDs and order, SAME/CHANGED/NEW, REMOVED, decisions, C1–C25, fingerprints, names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use canvas_conformance::requirements::{Catalogue, Change, Edition};
use regex::Regex;

/// The specification folder: `CANVAS_SHARED_DIR`, else `../shared` beside this crate.
fn shared_dir() -> PathBuf {
    std::env::var_os("CANVAS_SHARED_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
        PathBuf::from,
    )
}

fn read_shared(name: &str) -> String {
    let path = shared_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the specification {} ({e}); set CANVAS_SHARED_DIR to the folder holding it",
            path.display()
        )
    })
}

fn spec() -> String {
    read_shared("BEHAVIOURS-CURRENT.md")
}

fn amendments() -> String {
    read_shared("BEHAVIOURS-CURRENT-AMENDMENTS.md")
}

fn current() -> Catalogue {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    match Catalogue::load(&root.join("cases/requirements.current.yaml")) {
        Ok(catalogue) => catalogue,
        Err(e) => panic!("{e}"),
    }
}

fn sept_2023() -> Catalogue {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    match Catalogue::load(&root.join("cases/requirements.yaml")) {
        Ok(catalogue) => catalogue,
        Err(e) => panic!("{e}"),
    }
}

/// The cells of a Markdown table row, `\|` unescaped.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.iter().map(|c| c.trim().to_owned()).collect()
}

/// The lines of the section whose heading starts with `heading`, up to the next `## ` heading.
fn section<'a>(spec: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = spec.lines().skip_while(|l| !l.starts_with(heading));
    assert!(
        lines.next().is_some(),
        "the specification has no section `{heading}`"
    );
    lines.take_while(|l| !l.starts_with("## ")).collect()
}

/// Body rows of the first table in `lines` (header and rule skipped).
fn table_rows(lines: &[&str]) -> Vec<Vec<String>> {
    lines
        .iter()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| cells(l))
        .collect()
}

/// One live row of the specification: ID, behaviour text, level column, "vs 2023-09" column,
/// source column.
#[derive(Clone, Debug)]
struct SpecRow {
    id: String,
    text: String,
    level: String,
    vs: String,
    source: String,
}

const AREAS: [&str; 5] = [
    "## Cross-cutting",
    "## Read",
    "## Create",
    "## Update",
    "## Search",
];

/// The main file's live rows, area by area.
fn main_rows(spec: &str) -> Vec<(&'static str, SpecRow)> {
    AREAS
        .iter()
        .flat_map(|heading| {
            table_rows(&section(spec, heading))
                .into_iter()
                .map(move |c| (*heading, c))
        })
        .map(|(heading, c)| {
            assert_eq!(c.len(), 5, "a live row has 5 columns: {c:?}");
            (
                heading,
                SpecRow {
                    id: c[0].clone(),
                    text: c[1].clone(),
                    level: c[2].clone(),
                    vs: c[3].clone(),
                    source: c[4].clone(),
                },
            )
        })
        .collect()
}

/// The amendments' changed rows: one per ID (a row may name several, comma-separated).
fn changed_rows(amendments: &str) -> Vec<SpecRow> {
    table_rows(&section(amendments, "## Changed rows"))
        .into_iter()
        .flat_map(|c| {
            assert_eq!(c.len(), 5, "a changed row has 5 columns: {c:?}");
            c[0].split(',')
                .map(|id| SpecRow {
                    id: id.trim().to_owned(),
                    text: c[1].clone(),
                    level: c[2].clone(),
                    vs: c[3].clone(),
                    source: c[4].clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The amendments' new rows with the section heading each is added to.
fn new_rows(amendments: &str) -> Vec<(String, SpecRow)> {
    table_rows(&section(amendments, "## New rows"))
        .into_iter()
        .map(|c| {
            assert_eq!(c.len(), 6, "a new row has 6 columns: {c:?}");
            (
                format!("## {}", c[1]),
                SpecRow {
                    id: c[0].clone(),
                    text: c[2].clone(),
                    level: c[3].clone(),
                    vs: c[4].clone(),
                    source: c[5].clone(),
                },
            )
        })
        .collect()
}

/// Whether an amended cell keeps the main file's (`as before`).
fn as_before(cell: &str) -> bool {
    cell.eq_ignore_ascii_case("as before")
}

/// The live rows of the amended specification, in order: the main file's, each changed row
/// replacing its ID's (its text appended to the old one where it starts "As before"; `as before`
/// cells keep the old value), and each new row at the end of its section. Panics, naming it, on
/// an amendment whose ID the main file does not know (changed) or already has (new).
fn spec_rows(spec: &str) -> Vec<SpecRow> {
    let amendments = amendments();
    let mut rows = main_rows(spec);
    for changed in changed_rows(&amendments) {
        let Some((_, row)) = rows.iter_mut().find(|(_, r)| r.id == changed.id) else {
            panic!(
                "BEHAVIOURS-CURRENT-AMENDMENTS.md changes {}, which BEHAVIOURS-CURRENT.md does not have",
                changed.id
            );
        };
        let text = if changed.text.starts_with("As before") {
            format!("{} {}", row.text, changed.text)
        } else {
            changed.text.clone()
        };
        *row = SpecRow {
            id: changed.id.clone(),
            text,
            level: if as_before(&changed.level) {
                row.level.clone()
            } else {
                changed.level.clone()
            },
            vs: if as_before(&changed.vs) {
                row.vs.clone()
            } else {
                changed.vs.clone()
            },
            source: changed.source.clone(),
        };
    }
    for (heading, new) in new_rows(&amendments) {
        assert!(
            AREAS.contains(&heading.as_str()),
            "{}: unknown section `{heading}`",
            new.id
        );
        assert!(
            rows.iter().all(|(_, r)| r.id != new.id),
            "BEHAVIOURS-CURRENT-AMENDMENTS.md adds {}, which BEHAVIOURS-CURRENT.md already has",
            new.id
        );
        let at = rows
            .iter()
            .rposition(|(h, _)| *h == heading)
            .map_or(rows.len(), |i| i + 1);
        let heading = AREAS
            .into_iter()
            .find(|a| *a == heading)
            .unwrap_or_default();
        rows.insert(at, (heading, new));
    }
    rows.into_iter().map(|(_, row)| row).collect()
}

/// `CHANGED (was SHOULD; exact body)` → (`CHANGED`, Some(`was SHOULD; exact body`)).
fn split_vs(vs: &str) -> (&str, Option<&str>) {
    match vs.split_once(" (") {
        Some((word, rest)) => (word, Some(rest.strip_suffix(')').unwrap_or(rest))),
        None => (vs, None),
    }
}

fn decisions_in(text: &str) -> BTreeSet<String> {
    let re = Regex::new(r"\bD\d+\b").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_owned()).collect()
}

/// Behaviour IDs named in free text (AUTH-…, ERR-…, REQ-…, RESP-…, READ-…, CREATE-…, …).
fn ids_in(text: &str) -> Vec<String> {
    let re =
        Regex::new(r"\b(?:AUTH|ERR|REQ|RESP|READ|CREATE|UPDATE|SEARCH)(?:-[A-Z0-9]+)+\b").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_owned()).collect()
}

fn assert_none(problems: Vec<String>) {
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_current_catalogue_says_it_is_the_current_edition_and_the_old_one_2023_09() {
    assert_eq!(current().edition, Edition::Current);
    assert_eq!(sept_2023().edition, Edition::Sept2023);
}

#[test]
fn live_ids_are_the_specifications_in_its_order() {
    let spec = spec();
    let wanted: Vec<String> = spec_rows(&spec).into_iter().map(|r| r.id).collect();
    let got: Vec<String> = current().behaviours.into_iter().map(|b| b.id).collect();
    let mut problems = Vec::new();
    for (i, (w, g)) in wanted.iter().zip(&got).enumerate() {
        if w != g {
            problems.push(format!(
                "row {}: the specification has {w}, the catalogue {g}",
                i + 1
            ));
        }
    }
    for w in wanted.iter().skip(got.len()) {
        problems.push(format!("{w}: missing from the catalogue"));
    }
    for g in got.iter().skip(wanted.len()) {
        problems.push(format!("{g}: not a live ID of the specification"));
    }
    assert_none(problems);
    assert_eq!(
        got.len(),
        81,
        "BEHAVIOURS-CURRENT.md counts 76 live IDs, and its amendments add 5"
    );
}

#[test]
fn change_level_and_decisions_follow_each_row() {
    let spec = spec();
    let catalogue = current();
    let mut problems = Vec::new();
    for row in spec_rows(&spec) {
        let Some(b) = catalogue.get(&row.id) else {
            problems.push(format!("{}: missing from the catalogue", row.id));
            continue;
        };
        let (word, note) = split_vs(&row.vs);
        let change = b.change.map(Change::as_str);
        if change != Some(word) {
            problems.push(format!(
                "{}: change is {change:?}, the specification says {word}",
                b.id
            ));
        }
        if b.change_note.as_deref() != note {
            problems.push(format!(
                "{}: change_note is {:?}, the specification says {note:?}",
                b.id, b.change_note
            ));
        }
        let level = row.level.split_whitespace().next().unwrap_or_default();
        if b.level.as_str() != level {
            problems.push(format!(
                "{}: level {}, the specification says {}",
                b.id,
                b.level.as_str(),
                row.level
            ));
        }
        if row.level != level && !b.statement.contains(&row.level) {
            problems.push(format!(
                "{}: the statement drops the level's qualification `{}`",
                b.id, row.level
            ));
        }
        let named = decisions_in(&format!("{} {} {}", row.text, row.level, row.source));
        let listed: BTreeSet<String> = b.decisions.iter().cloned().collect();
        if named != listed {
            problems.push(format!(
                "{}: decisions {listed:?}, the row names {named:?}",
                b.id
            ));
        }
        if b.source.citations().is_empty() {
            problems.push(format!("{}: no source references", b.id));
        }
    }
    assert_none(problems);
}

#[test]
fn counts_are_the_specifications_as_amended() {
    let spec = spec();
    let counts = Regex::new(
        r"Counts: (\d+) IDs from 2023-09, of which (\d+) are SAME, (\d+) CHANGED and (\d+) REMOVED; (\d+) IDs are NEW\. That gives (\d+) live IDs\.",
    )
    .unwrap()
    .captures(&spec)
    .expect("BEHAVIOURS-CURRENT.md states its counts");
    let n = |i: usize| counts[i].parse::<usize>().unwrap();
    // The main file's counts, moved by the amendments: a changed row whose "vs 2023-09" word
    // differs moves from the old word to the new one; a new row adds to its word.
    let word = |vs: &str| split_vs(vs).0.to_owned();
    let main: Vec<SpecRow> = main_rows(&spec).into_iter().map(|(_, r)| r).collect();
    let amended = spec_rows(&spec);
    let tally = |rows: &[SpecRow], w: &str| rows.iter().filter(|r| word(&r.vs) == w).count();
    let moved = |w: &str| tally(&amended, w) as isize - tally(&main, w) as isize;
    let expect = |base: usize, w: &str| (base as isize + moved(w)) as usize;
    let catalogue = current();
    let count = |c: Change| {
        catalogue
            .behaviours
            .iter()
            .filter(|b| b.change == Some(c))
            .count()
    };
    assert_eq!(count(Change::Same), expect(n(2), "SAME"), "SAME");
    assert_eq!(count(Change::Changed), expect(n(3), "CHANGED"), "CHANGED");
    assert_eq!(catalogue.removed.len(), n(4), "REMOVED");
    assert_eq!(count(Change::New), expect(n(5), "NEW"), "NEW");
    assert_eq!(catalogue.behaviours.len(), amended.len(), "live");
    assert_eq!(amended.len(), n(6) + new_rows(&amendments()).len());
    assert_eq!(sept_2023().behaviours.len(), n(1), "2023-09 IDs");
}

#[test]
fn removed_ids_are_the_specifications_and_no_longer_live() {
    let spec = spec();
    let wanted: Vec<String> = table_rows(&section(&spec, "## 2023-09 behaviours that are REMOVED"))
        .into_iter()
        .map(|c| c[0].clone())
        .collect();
    let catalogue = current();
    let got: Vec<String> = catalogue.removed.iter().map(|r| r.id.clone()).collect();
    assert_eq!(got, wanted, "REMOVED IDs");
    let old = sept_2023();
    let mut problems = Vec::new();
    for r in &catalogue.removed {
        if catalogue.get(&r.id).is_some() {
            problems.push(format!("{}: REMOVED but still a live row", r.id));
        }
        if old.get(&r.id).is_none() {
            problems.push(format!("{}: REMOVED but not a 2023-09 ID", r.id));
        }
        for id in ids_in(&r.now) {
            if catalogue.get(&id).is_none() {
                problems.push(format!("{}: `now` names {id}, which is not live", r.id));
            }
        }
    }
    assert_none(problems);
}

#[test]
fn the_2023_09_ids_less_the_removed_are_the_same_and_changed_ones() {
    let catalogue = current();
    let removed: BTreeSet<&str> = catalogue.removed.iter().map(|r| r.id.as_str()).collect();
    let old = sept_2023();
    let carried: BTreeSet<&str> = old
        .behaviours
        .iter()
        .map(|b| b.id.as_str())
        .filter(|id| !removed.contains(id))
        .collect();
    let kept: BTreeSet<&str> = catalogue
        .behaviours
        .iter()
        .filter(|b| matches!(b.change, Some(Change::Same | Change::Changed)))
        .map(|b| b.id.as_str())
        .collect();
    let mut problems = Vec::new();
    for id in carried.difference(&kept) {
        problems.push(format!(
            "{id}: a 2023-09 ID neither REMOVED nor SAME/CHANGED"
        ));
    }
    for id in kept.difference(&carried) {
        problems.push(format!("{id}: SAME/CHANGED but not a 2023-09 ID"));
    }
    assert_none(problems);
}

/// Numbered decision headings (`4. **D4. `date` (replaces).**`) of a section: (ID, title), the
/// title without a trailing `(replaces…)`.
fn decision_headings(lines: &[&str]) -> Vec<(String, String, bool)> {
    let heading = Regex::new(r"^\d+\. \*\*(D\d+)\. (.*?)\.?\*\*").unwrap();
    let replaces = Regex::new(r" \(replaces[^)]*\)$").unwrap();
    lines
        .iter()
        .filter_map(|l| heading.captures(l))
        .map(|c| {
            let title = replaces.replace(&c[2], "").into_owned();
            (c[1].to_owned(), title, replaces.is_match(&c[2]))
        })
        .collect()
}

#[test]
fn decisions_are_all_there_with_their_titles_as_amended() {
    let spec = spec();
    let mut wanted: Vec<(String, String)> = decision_headings(&section(&spec, "## Decisions"))
        .into_iter()
        .map(|(id, title, _)| (id, title))
        .collect();
    let amendments = amendments();
    for (id, title, replaces) in
        decision_headings(&section(&amendments, "## Changed and new decisions"))
    {
        match wanted.iter_mut().find(|(known, _)| *known == id) {
            Some(entry) if replaces => entry.1 = title,
            Some(_) => panic!(
                "BEHAVIOURS-CURRENT-AMENDMENTS.md adds {id}, which BEHAVIOURS-CURRENT.md already has"
            ),
            None if replaces => panic!(
                "BEHAVIOURS-CURRENT-AMENDMENTS.md replaces {id}, which BEHAVIOURS-CURRENT.md does not have"
            ),
            None => wanted.push((id, title)),
        }
    }
    let got: Vec<(String, String)> = current()
        .decisions
        .iter()
        .map(|d| (d.id.clone(), d.title.clone()))
        .collect();
    assert_eq!(got, wanted);
    let ids: Vec<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
    let d1_to_d33: Vec<String> = (1..=33).map(|n| format!("D{n}")).collect();
    assert_eq!(ids, d1_to_d33);
}

#[test]
fn contradictions_are_the_specifications_twenty_five() {
    let spec = spec();
    let item = Regex::new(r"^(\d+)\. \*\*").unwrap();
    let wanted: Vec<String> = section(&spec, "## Contradictions inside the current edition")
        .iter()
        .filter_map(|l| item.captures(l))
        .map(|c| format!("C{}", &c[1]))
        .collect();
    let got: Vec<String> = current().contradictions.into_iter().map(|c| c.id).collect();
    assert_eq!(got, wanted);
    assert_eq!(got.len(), 25);
}

#[test]
fn every_id_and_decision_named_exists() {
    let catalogue = current();
    let decided: BTreeSet<&str> = catalogue.decisions.iter().map(|d| d.id.as_str()).collect();
    let mut problems = Vec::new();
    for b in &catalogue.behaviours {
        for d in &b.decisions {
            if !decided.contains(d.as_str()) {
                problems.push(format!("{}: rests on {d}, which is not a decision", b.id));
            }
        }
    }
    for d in &catalogue.decisions {
        for id in ids_in(&d.text) {
            if catalogue.get(&id).is_none() {
                problems.push(format!("{}: names {id}, which is not a live ID", d.id));
            }
        }
        for other in decisions_in(&d.text) {
            if !decided.contains(other.as_str()) {
                problems.push(format!("{}: names {other}, which is not a decision", d.id));
            }
        }
    }
    for c in &catalogue.contradictions {
        if c.behaviours.is_empty() {
            problems.push(format!("{}: touches no behaviour", c.id));
        }
        let named = ids_in(&c.summary).into_iter().chain(ids_in(&c.decision));
        for id in c.behaviours.iter().cloned().chain(named) {
            if catalogue.get(&id).is_none() {
                problems.push(format!("{}: names {id}, which is not a live ID", c.id));
            }
        }
        for d in decisions_in(&c.decision) {
            if !decided.contains(d.as_str()) {
                problems.push(format!("{}: names {d}, which is not a decision", c.id));
            }
        }
    }
    assert_none(problems);
}

#[test]
fn every_reference_uses_a_key_of_the_key_table() {
    let catalogue = current();
    let mut problems = Vec::new();
    let cited = catalogue
        .behaviours
        .iter()
        .map(|b| (&b.id, b.source.citations()))
        .chain(
            catalogue
                .removed
                .iter()
                .map(|r| (&r.id, r.source.as_slice())),
        );
    for (id, citations) in cited {
        for c in citations {
            if catalogue.source.key(&c.key).is_none() {
                problems.push(format!("{id}: cites key {}, not in source.keys", c.key));
            }
        }
    }
    assert_none(problems);
}

#[test]
fn fingerprints_are_the_specifications_and_only_w_probes_write() {
    let spec = spec();
    let wanted: Vec<Vec<String>> = table_rows(&section(&spec, "## Edition fingerprints"));
    let catalogue = current();
    let got: Vec<Vec<String>> = catalogue
        .fingerprints
        .iter()
        .map(|f| {
            vec![
                f.id.clone(),
                f.probe.clone(),
                f.edition_2023_09.clone(),
                f.current.clone(),
                f.canvas_since.clone(),
            ]
        })
        .collect();
    assert_eq!(got, wanted);
    let mut problems = Vec::new();
    for f in &catalogue.fingerprints {
        if f.writes != f.id.starts_with('W') {
            problems.push(format!("{}: writes is {}", f.id, f.writes));
        }
    }
    assert_none(problems);
}

#[test]
fn the_2023_09_catalogue_has_no_edition_only_fields() {
    let old = sept_2023();
    let mut problems = Vec::new();
    for b in &old.behaviours {
        if b.change.is_some() || b.change_note.is_some() || !b.decisions.is_empty() {
            problems.push(format!("{}: carries current-edition fields", b.id));
        }
        if !b.source.citations().is_empty() {
            problems.push(format!("{}: cites keyed sources", b.id));
        }
    }
    assert_none(problems);
    assert!(old.removed.is_empty() && old.decisions.is_empty() && old.fingerprints.is_empty());
}

/// A behaviour marked `fhir` cites the FHIR R4 section that requires it (an R4 page, `*.html`), so
/// its red verdict can be read against the spec; a Canvas rule cites none.
#[test]
fn every_fhir_behaviour_cites_its_r4_section_and_no_canvas_one_does() {
    use canvas_conformance::requirements::Rule;
    let page = Regex::new(r"^[a-z]+\.html(#[A-Za-z0-9-]+)? ").expect("regex");
    let mut problems = Vec::new();
    for catalogue in [sept_2023(), current()] {
        for b in &catalogue.behaviours {
            match (b.rule, &b.fhir_spec) {
                (Rule::Fhir, Some(spec)) if page.is_match(spec) => {}
                (Rule::Fhir, other) => {
                    problems.push(format!("{} (fhir) cites no R4 page: {other:?}", b.id))
                }
                (Rule::Canvas, Some(spec)) => {
                    problems.push(format!("{} is Canvas's rule but cites {spec}", b.id))
                }
                (Rule::Canvas, None) => {}
            }
        }
    }
    assert_none(problems);
}
