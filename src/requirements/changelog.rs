//! The changelog between the two editions as behaviours: per ID, SAME / CHANGED / NEW / REMOVED with
//! each edition's expectation and sources, built from the 2023-09 and the current catalogue (pure:
//! data in, data out; `report::changelog` renders it).

use std::collections::BTreeSet;

use serde::Serialize;

use super::{
    Behaviour, BehaviourSource, Catalogue, Change, Citation, Edition, Level, Rule, SourceKey,
    SourceRef,
};

/// What became of a behaviour ID between 2023-09 and the current edition. SAME, CHANGED and NEW
/// are the current catalogue's `change` column; REMOVED is its `removed` list.
/// Source: BEHAVIOURS-CURRENT.md, the "vs 2023-09" column and "2023-09 behaviours that are REMOVED".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// [`Change::Same`].
    Same,
    /// [`Change::Changed`].
    Changed,
    /// [`Change::New`].
    New,
    /// A 2023-09 behaviour with no counterpart now (the catalogue's `removed` list).
    Removed,
}

/// Written as its word: `SAME`, `CHANGED`, `NEW`, `REMOVED` ([`Status::as_str`]).
impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Status {
    /// Every status, in the order the counts list them.
    pub const ALL: [Status; 4] = [Status::Same, Status::Changed, Status::New, Status::Removed];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Same => "SAME",
            Status::Changed => "CHANGED",
            Status::New => "NEW",
            Status::Removed => "REMOVED",
        }
    }
}

impl From<Change> for Status {
    fn from(change: Change) -> Status {
        match change {
            Change::Same => Status::Same,
            Change::Changed => Status::Changed,
            Change::New => Status::New,
        }
    }
}

/// One edition as the changelog names it: the edition and the page its catalogue was read from
/// (the catalogue's `source.file` and `source.title`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct EditionRef {
    pub edition: Edition,
    pub file: String,
    pub title: String,
}

/// How many IDs have each status. `same + changed + removed` are the 2023-09 IDs;
/// `same + changed + new` are the current edition's live IDs.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub same: usize,
    pub changed: usize,
    pub new: usize,
    pub removed: usize,
}

impl Counts {
    pub fn of(&self, status: Status) -> usize {
        match status {
            Status::Same => self.same,
            Status::Changed => self.changed,
            Status::New => self.new,
            Status::Removed => self.removed,
        }
    }
}

/// What the 2023-09 edition requires of a behaviour: its row of `cases/requirements.yaml`, with the
/// seed page's 1-based lines and the verbatim quote.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Sept2023Expectation {
    pub level: Level,
    pub rule: Rule,
    pub statement: String,
    pub source: SourceRef,
}

/// What the current edition requires of a behaviour: its row of `cases/requirements.current.yaml`,
/// with references into the key table ([`Changelog::sources`]).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CurrentExpectation {
    pub level: Level,
    pub rule: Rule,
    pub statement: String,
    pub source: Vec<Citation>,
}

/// A project decision a row rests on, by ID and title (the full text is in the current catalogue).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DecisionRef {
    pub id: String,
    pub title: String,
}

/// What replaced a REMOVED behaviour: the current catalogue's `removed` row, plus the live IDs its
/// `now` names.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Removal {
    /// What the 2023-09 edition required, in the specification's summary.
    pub it_said: String,
    /// What holds now.
    pub now: String,
    /// When Canvas changed it, as the specification dates it (free text, e.g. `2024-04-18`).
    pub since: String,
    /// The current edition's behaviour IDs named in `now`, in the order they appear.
    pub replaced_by: Vec<String>,
    pub source: Vec<Citation>,
}

/// One behaviour ID across the two editions. `edition_2023_09` is absent for NEW, `current` for
/// REMOVED, `removal` for all but REMOVED.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ChangelogEntry {
    /// The stable ID, e.g. `READ-404`.
    pub id: String,
    /// `cross-cutting`, `read`, `create`, `update` or `search` (the current edition's, when live).
    pub area: String,
    pub status: Status,
    /// The "vs 2023-09" column's parenthesised note, e.g. `was SHOULD; exact body`.
    pub change_note: Option<String>,
    /// The decisions the current row names, with their titles.
    pub decisions: Vec<DecisionRef>,
    pub edition_2023_09: Option<Sept2023Expectation>,
    pub current: Option<CurrentExpectation>,
    pub removal: Option<Removal>,
}

/// The changelog from the 2023-09 edition to the current one: every ID of either, in the current
/// catalogue's order followed by the removed ones, with the counts per status and the key table
/// the current edition's citations refer to.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Changelog {
    pub from: EditionRef,
    pub to: EditionRef,
    pub counts: Counts,
    /// The current catalogue's `source.keys` (P, G, D, RN, V2, S, B, F, FHIR).
    pub sources: Vec<SourceKey>,
    pub behaviours: Vec<ChangelogEntry>,
}

/// The two catalogues cannot be compared: they are not the 2023-09 and the current one, or they
/// disagree about which IDs exist in which edition.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the two editions' catalogues do not agree:\n  {}", .problems.join("\n  "))]
pub struct ChangelogError {
    /// One sentence per problem, naming the ID.
    pub problems: Vec<String>,
}

impl Changelog {
    /// Builds the changelog from `sept_2023` (an `edition: 2023-09` catalogue) to `current` (an
    /// `edition: current` one). Errors: [`ChangelogError`] listing every problem: a wrong edition,
    /// a live row without `change`, a SAME/CHANGED or REMOVED ID the 2023-09 catalogue lacks, a NEW
    /// ID it has, a 2023-09 ID the current catalogue neither keeps nor removes, a 2023-09 row not in
    /// the seed-lines form, a decision the current catalogue does not list.
    pub fn between(
        sept_2023: &Catalogue,
        current: &Catalogue,
    ) -> Result<Changelog, ChangelogError> {
        let mut problems = Vec::new();
        for (catalogue, expected) in [(sept_2023, Edition::Sept2023), (current, Edition::Current)] {
            if catalogue.edition != expected {
                problems.push(format!(
                    "expected the {} catalogue, found one of edition {}",
                    expected.as_str(),
                    catalogue.edition.as_str()
                ));
            }
        }
        let mut behaviours = Vec::new();
        for row in &current.behaviours {
            let Some(change) = row.change else {
                problems.push(format!(
                    "{}: no `change` (SAME, CHANGED or NEW) in the current catalogue",
                    row.id
                ));
                continue;
            };
            let before = sept_2023.get(&row.id);
            match (change, before) {
                (Change::Same | Change::Changed, None) => problems.push(format!(
                    "{}: marked {}, but the 2023-09 catalogue has no such ID",
                    row.id,
                    change.as_str()
                )),
                (Change::New, Some(_)) => problems.push(format!(
                    "{}: marked NEW, but the 2023-09 catalogue has it",
                    row.id
                )),
                _ => {}
            }
            behaviours.push(ChangelogEntry {
                id: row.id.clone(),
                area: row.area.clone(),
                status: change.into(),
                change_note: row.change_note.clone(),
                decisions: decisions(current, row, &mut problems),
                edition_2023_09: before.and_then(|b| sept_2023_expectation(b, &mut problems)),
                current: Some(CurrentExpectation {
                    level: row.level,
                    rule: row.rule,
                    statement: row.statement.clone(),
                    source: row.source.citations().to_vec(),
                }),
                removal: None,
            });
        }
        let live: BTreeSet<&str> = current.behaviours.iter().map(|b| b.id.as_str()).collect();
        for removed in &current.removed {
            let Some(before) = sept_2023.get(&removed.id) else {
                problems.push(format!(
                    "{}: removed, but the 2023-09 catalogue has no such ID",
                    removed.id
                ));
                continue;
            };
            behaviours.push(ChangelogEntry {
                id: removed.id.clone(),
                area: before.area.clone(),
                status: Status::Removed,
                change_note: None,
                decisions: Vec::new(),
                edition_2023_09: sept_2023_expectation(before, &mut problems),
                current: None,
                removal: Some(Removal {
                    it_said: removed.it_said.clone(),
                    now: removed.now.clone(),
                    since: removed.since.clone(),
                    replaced_by: ids_named(&removed.now, &live),
                    source: removed.source.clone(),
                }),
            });
        }
        for b in &sept_2023.behaviours {
            if current.get(&b.id).is_none() && !current.removed.iter().any(|r| r.id == b.id) {
                problems.push(format!(
                    "{}: a 2023-09 behaviour the current catalogue neither keeps nor removes",
                    b.id
                ));
            }
        }
        if !problems.is_empty() {
            return Err(ChangelogError { problems });
        }
        let mut counts = Counts::default();
        for entry in &behaviours {
            *match entry.status {
                Status::Same => &mut counts.same,
                Status::Changed => &mut counts.changed,
                Status::New => &mut counts.new,
                Status::Removed => &mut counts.removed,
            } += 1;
        }
        Ok(Changelog {
            from: edition_ref(sept_2023),
            to: edition_ref(current),
            counts,
            sources: current.source.keys.clone(),
            behaviours,
        })
    }

    /// The entries of one status, in changelog order.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &ChangelogEntry> {
        self.behaviours.iter().filter(move |e| e.status == status)
    }

    pub fn get(&self, id: &str) -> Option<&ChangelogEntry> {
        self.behaviours.iter().find(|e| e.id == id)
    }
}

fn edition_ref(catalogue: &Catalogue) -> EditionRef {
    EditionRef {
        edition: catalogue.edition,
        file: catalogue.source.file.clone(),
        title: catalogue.source.title.clone(),
    }
}

fn sept_2023_expectation(
    row: &Behaviour,
    problems: &mut Vec<String>,
) -> Option<Sept2023Expectation> {
    match &row.source {
        BehaviourSource::Page(source) => Some(Sept2023Expectation {
            level: row.level,
            rule: row.rule,
            statement: row.statement.clone(),
            source: source.clone(),
        }),
        BehaviourSource::Cited(_) => {
            problems.push(format!(
                "{}: the 2023-09 row cites keyed sources instead of seed lines and a quote",
                row.id
            ));
            None
        }
    }
}

fn decisions(current: &Catalogue, row: &Behaviour, problems: &mut Vec<String>) -> Vec<DecisionRef> {
    let mut out = Vec::new();
    for id in &row.decisions {
        match current.decision(id) {
            Some(d) => out.push(DecisionRef {
                id: d.id.clone(),
                title: d.title.clone(),
            }),
            None => problems.push(format!(
                "{}: rests on {id}, which is not under decisions",
                row.id
            )),
        }
    }
    out
}

/// The words of `text` (runs of letters, digits and `-`) that are IDs of `live`, first mention
/// first, each once.
fn ids_named(text: &str, live: &BTreeSet<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        if live.contains(word) && !out.iter().any(|id| id == word) {
            out.push(word.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn load(file: &str) -> Catalogue {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("cases")
            .join(file);
        match Catalogue::load(&path) {
            Ok(catalogue) => catalogue,
            Err(e) => panic!("{e}"),
        }
    }

    fn project() -> (Catalogue, Catalogue, Changelog) {
        let (sept, current) = (load("requirements.yaml"), load("requirements.current.yaml"));
        let changelog = match Changelog::between(&sept, &current) {
            Ok(changelog) => changelog,
            Err(e) => panic!("{e}"),
        };
        (sept, current, changelog)
    }

    fn parse(text: &str) -> Catalogue {
        match serde_saphyr::from_str(text) {
            Ok(catalogue) => catalogue,
            Err(e) => panic!("{e}\n{text}"),
        }
    }

    const SEPT: &str = "version: 1\nsource: { file: seed.txt, title: old }\nbehaviours:\n  - { id: A-1, area: read, level: SHOULD, rule: canvas, statement: old A, source: { lines: [3], quote: q } }\n  - { id: B-2, area: create, level: MUST, rule: canvas, statement: old B, source: { lines: [7, 8], quote: r } }\ncontradictions: []\n";

    fn current(rows: &str, removed: &str) -> Catalogue {
        parse(&format!(
            "version: 1\nedition: current\nsource: {{ file: p.txt, title: new, keys: [{{ key: P, about: a }}] }}\nbehaviours:\n{rows}removed: [{removed}]\ndecisions: [{{ id: D1, title: A decision, text: x }}]\ncontradictions: []\n"
        ))
    }

    const ROW_A: &str = "  - { id: A-1, area: read, level: MUST, rule: canvas, statement: new A, change: CHANGED, change_note: was SHOULD, decisions: [D1], source: [{ key: P, lines: L1 }] }\n";
    const ROW_C: &str = "  - { id: C-3, area: update, level: MUST, rule: fhir, statement: new C, change: NEW, source: [{ key: P, lines: L9 }] }\n";
    const REMOVED_B: &str = "{ id: B-2, it_said: x, now: \"C-3 instead (see C-3, not B-2 or X-9)\", since: \"2024\", source: [{ key: P, lines: L5 }] }";

    #[test]
    fn the_project_catalogues_give_the_specifications_counts() {
        let (sept, current, changelog) = project();
        let counts = changelog.counts;
        // BEHAVIOURS-CURRENT.md: "45 IDs from 2023-09, of which 17 are SAME, 25 CHANGED and 3
        // REMOVED; 34 IDs are NEW. That gives 76 live IDs.", and its amendments add 5 NEW.
        assert_eq!(
            (counts.same, counts.changed, counts.new, counts.removed),
            (17, 25, 39, 3)
        );
        assert_eq!(
            counts.same + counts.changed + counts.removed,
            sept.behaviours.len()
        );
        assert_eq!(
            counts.same + counts.changed + counts.new,
            current.behaviours.len()
        );
        for status in Status::ALL {
            assert_eq!(changelog.with_status(status).count(), counts.of(status));
        }
        let order: Vec<&str> = changelog.behaviours.iter().map(|e| e.id.as_str()).collect();
        let expected: Vec<&str> = current
            .behaviours
            .iter()
            .map(|b| b.id.as_str())
            .chain(current.removed.iter().map(|r| r.id.as_str()))
            .collect();
        assert_eq!(order, expected);
    }

    #[test]
    fn a_changed_row_carries_both_statements_and_its_decisions() {
        let (_, _, changelog) = project();
        let read_404 = changelog.get("READ-404").expect("READ-404");
        assert_eq!(read_404.status, Status::Changed);
        let before = read_404.edition_2023_09.as_ref().expect("2023-09 side");
        let after = read_404.current.as_ref().expect("current side");
        assert!(
            before.statement.contains("Resource not found"),
            "{before:?}"
        );
        assert!(!before.source.lines.is_empty());
        assert!(
            after.statement.contains("Unknown Appointment resource"),
            "{after:?}"
        );
        assert!(!after.source.is_empty());
        let auth = changelog.get("AUTH-BEARER").expect("AUTH-BEARER");
        assert_eq!(auth.change_note.as_deref(), Some("was SHOULD; exact body"));
        assert_eq!(auth.decisions.len(), 1);
        assert_eq!(auth.decisions[0].id, "D12");
        assert!(!auth.decisions[0].title.is_empty());
    }

    #[test]
    fn a_removed_row_has_no_current_statement_and_names_its_replacements() {
        let (_, current, changelog) = project();
        let removed: Vec<&ChangelogEntry> = changelog.with_status(Status::Removed).collect();
        assert_eq!(removed.len(), current.removed.len());
        for entry in removed {
            assert!(entry.current.is_none(), "{}", entry.id);
            assert!(entry.edition_2023_09.is_some(), "{}", entry.id);
            let removal = entry.removal.as_ref().expect("removal");
            assert!(!removal.replaced_by.is_empty(), "{}", entry.id);
            for id in &removal.replaced_by {
                assert!(current.get(id).is_some(), "{}: {id}", entry.id);
                assert!(removal.now.contains(id.as_str()));
            }
        }
        let proposed = changelog.get("CREATE-STATUS-PROPOSED").expect("removed ID");
        assert_eq!(
            proposed.removal.as_ref().map(|r| r.replaced_by.clone()),
            Some(vec![
                "CREATE-REQUIRED".to_owned(),
                "CREATE-STATUS-VALUES".to_owned()
            ])
        );
    }

    #[test]
    fn a_new_row_has_no_2023_09_statement() {
        let (sept, _, changelog) = project();
        let new: Vec<&ChangelogEntry> = changelog.with_status(Status::New).collect();
        assert!(!new.is_empty());
        for entry in new {
            assert!(entry.edition_2023_09.is_none(), "{}", entry.id);
            assert!(sept.get(&entry.id).is_none(), "{}", entry.id);
            assert!(
                entry.current.is_some() && entry.removal.is_none(),
                "{}",
                entry.id
            );
        }
    }

    #[test]
    fn a_small_pair_builds_every_status_from_its_rows() {
        let changelog = Changelog::between(
            &parse(SEPT),
            &current(&format!("{ROW_A}{ROW_C}"), REMOVED_B),
        )
        .expect("consistent");
        let statuses: Vec<(&str, Status)> = changelog
            .behaviours
            .iter()
            .map(|e| (e.id.as_str(), e.status))
            .collect();
        assert_eq!(
            statuses,
            vec![
                ("A-1", Status::Changed),
                ("C-3", Status::New),
                ("B-2", Status::Removed)
            ]
        );
        let a = &changelog.behaviours[0];
        assert_eq!(
            a.edition_2023_09
                .as_ref()
                .map(|e| (e.level, e.statement.as_str())),
            Some((Level::Should, "old A"))
        );
        assert_eq!(
            a.current.as_ref().map(|e| (e.level, e.statement.as_str())),
            Some((Level::Must, "new A"))
        );
        assert_eq!(
            a.decisions,
            vec![DecisionRef {
                id: "D1".to_owned(),
                title: "A decision".to_owned()
            }]
        );
        let b = &changelog.behaviours[2];
        assert_eq!(b.area, "create");
        assert_eq!(
            b.edition_2023_09.as_ref().map(|e| e.source.lines.clone()),
            Some(vec![7, 8])
        );
        let removal = b.removal.as_ref().expect("removal");
        assert_eq!(removal.replaced_by, vec!["C-3".to_owned()]);
        assert_eq!(
            changelog.counts,
            Counts {
                same: 0,
                changed: 1,
                new: 1,
                removed: 1
            }
        );
        assert_eq!(changelog.sources.len(), 1);
        assert_eq!(
            (changelog.from.edition, changelog.to.edition),
            (Edition::Sept2023, Edition::Current)
        );
    }

    #[test]
    fn catalogues_that_disagree_name_every_id() {
        let new_a = ROW_A.replace("CHANGED", "NEW");
        let same_c = ROW_C.replace("NEW", "SAME");
        let error = Changelog::between(&parse(SEPT), &current(&format!("{new_a}{same_c}"), ""))
            .expect_err("inconsistent");
        assert_eq!(
            error.problems,
            vec![
                "A-1: marked NEW, but the 2023-09 catalogue has it",
                "C-3: marked SAME, but the 2023-09 catalogue has no such ID",
                "B-2: a 2023-09 behaviour the current catalogue neither keeps nor removes",
            ]
        );
    }

    #[test]
    fn swapped_catalogues_are_refused() {
        let sept = parse(SEPT);
        let current = current(&format!("{ROW_A}{ROW_C}"), REMOVED_B);
        let error = Changelog::between(&current, &sept).expect_err("swapped");
        assert_eq!(
            error.problems[..2],
            [
                "expected the 2023-09 catalogue, found one of edition current",
                "expected the current catalogue, found one of edition 2023-09",
            ]
        );
    }
}
