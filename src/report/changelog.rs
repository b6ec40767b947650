//! `canvas-conformance editions`: the editions changelog ([`Changelog`]) rendered as Markdown for
//! people (counts, one table per status, the source keys) and as JSON for tools (versioned by
//! [`FORMAT_VERSION`]; its JSON Schema is `schemas/editions.schema.json`).

use std::fmt::Write as _;

use serde::Serialize;

use crate::report::model::{TOOL_NAME, Tool};
use crate::requirements::{
    Changelog, ChangelogEntry, Citation, CurrentExpectation, Removal, Sept2023Expectation, Status,
};

/// The JSON document's `format_version`: changes when a field is removed, renamed or changes
/// meaning; added fields keep it (and are added to the schema in the same change).
pub const FORMAT_VERSION: u32 = 1;

/// The order of the Markdown sections: what breaks a 2023-09 integration first.
const SECTIONS: [Status; 4] = [Status::Changed, Status::Removed, Status::New, Status::Same];

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    tool: Tool,
    #[serde(flatten)]
    changelog: &'a Changelog,
}

/// The changelog as pretty-printed JSON ending with a newline: `format_version`, `tool` and the
/// fields of [`Changelog`] (`from`, `to`, `counts`, `sources`, `behaviours`).
pub fn render_json(changelog: &Changelog) -> Result<String, serde_json::Error> {
    let document = Document {
        format_version: FORMAT_VERSION,
        tool: Tool {
            name: TOOL_NAME.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        changelog,
    };
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    Ok(text)
}

/// The changelog as GitHub-flavoured Markdown: a counts table, then a table per status (CHANGED,
/// REMOVED, NEW, SAME) with one row per ID: each edition's level, statement and source lines, what
/// changed and the decisions; last, the key table the current edition's sources refer to.
pub fn render_markdown(changelog: &Changelog) -> String {
    let (from, to) = (&changelog.from, &changelog.to);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Canvas Appointment API: {} → {}\n",
        from.edition.as_str(),
        to.edition.as_str()
    );
    let _ = writeln!(
        out,
        "What a Canvas integration must change to move from the **{}** edition ({}) to the **{}** \
         edition ({}). Each ID keeps its meaning as a topic; the columns give what each edition \
         requires of it, with its level and source lines.\n",
        from.edition.as_str(),
        cell(&from.title),
        to.edition.as_str(),
        cell(&to.title)
    );
    out.push_str("| Status | IDs | Meaning |\n|---|---:|---|\n");
    for status in SECTIONS {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            status.as_str(),
            changelog.counts.of(status),
            meaning(status)
        );
    }
    for status in SECTIONS {
        let _ = writeln!(
            out,
            "\n## {} ({})\n",
            status.as_str(),
            changelog.counts.of(status)
        );
        out.push_str("| ID | 2023-09 | current | What changed | Decisions |\n");
        out.push_str("|---|---|---|---|---|\n");
        for entry in changelog.with_status(status) {
            row(&mut out, entry);
        }
    }
    out.push_str("\n## Sources\n\n");
    let _ = writeln!(
        out,
        "2023-09 lines (`seed L…`) are 1-based lines of `{}`. The current edition's references \
         name a key of this table, its lines as the specification writes them.\n",
        cell(&from.file)
    );
    out.push_str("| Key | Where | What |\n|---|---|---|\n");
    for key in &changelog.sources {
        let mut place = String::new();
        if let Some(repo) = &key.repo {
            place.push_str(repo);
            if let Some(commit) = &key.commit {
                let _ = write!(place, "@{commit}");
            }
        }
        if let Some(path) = &key.path {
            if !place.is_empty() {
                place.push(':');
            }
            place.push_str(path);
        }
        let _ = writeln!(
            out,
            "| {} | `{}` | {} |",
            key.key,
            cell(&place),
            cell(&key.about)
        );
    }
    out
}

fn meaning(status: Status) -> &'static str {
    match status {
        Status::Changed => {
            "The ID lives on, but its status, text or shape differs: change to the current expectation."
        }
        Status::Removed => {
            "A 2023-09 behaviour with no counterpart now: rely on what holds instead."
        }
        Status::New => {
            "Not in 2023-09: new behaviour to expect (some of it refuses what 2023-09 accepted)."
        }
        Status::Same => "The same behaviour, possibly reworded or at another level.",
    }
}

fn row(out: &mut String, entry: &ChangelogEntry) {
    let before = entry
        .edition_2023_09
        .as_ref()
        .map_or_else(|| "—".to_owned(), sept_2023);
    let (after, changed) = match (&entry.current, &entry.removal) {
        (Some(current), _) => (
            current_cell(current),
            entry.change_note.as_deref().map_or_else(String::new, cell),
        ),
        (None, Some(removal)) => removed_cells(removal),
        (None, None) => ("—".to_owned(), String::new()),
    };
    let decisions: Vec<String> = entry
        .decisions
        .iter()
        .map(|d| format!("{} {}", d.id, cell(&d.title)))
        .collect();
    let _ = writeln!(
        out,
        "| {} | {before} | {after} | {changed} | {} |",
        entry.id,
        decisions.join("<br>")
    );
}

fn sept_2023(expectation: &Sept2023Expectation) -> String {
    format!(
        "**{}** {}<br>seed {}",
        expectation.level.as_str(),
        cell(&expectation.statement),
        line_spans(&expectation.source.lines)
    )
}

fn current_cell(expectation: &CurrentExpectation) -> String {
    format!(
        "**{}** {}<br>{}",
        expectation.level.as_str(),
        cell(&expectation.statement),
        citations(&expectation.source)
    )
}

/// The current and "what changed" cells of a REMOVED row.
fn removed_cells(removal: &Removal) -> (String, String) {
    let mut now = format!("*none.* Now: {}", cell(&removal.now));
    if !removal.source.is_empty() {
        let _ = write!(now, "<br>{}", citations(&removal.source));
    }
    let mut changed = format!("removed since {}", cell(&removal.since));
    if !removal.replaced_by.is_empty() {
        let _ = write!(changed, "; see {}", removal.replaced_by.join(", "));
    }
    (now, changed)
}

/// `[187, 188, 189, 305]` as `L187–189, L305`.
fn line_spans(lines: &[u32]) -> String {
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for &line in lines {
        match spans.last_mut() {
            Some((_, end)) if line == *end + 1 => *end = line,
            _ => spans.push((line, line)),
        }
    }
    spans
        .iter()
        .map(|&(start, end)| {
            if start == end {
                format!("L{start}")
            } else {
                format!("L{start}–{end}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// References as the specification writes them: `P L2253–2254; P@b0d2afb L2477; RN `path` L8`.
fn citations(citations: &[Citation]) -> String {
    citations
        .iter()
        .map(|c| {
            let mut text = c.key.clone();
            if let Some(commit) = &c.commit {
                let _ = write!(text, "@{commit}");
            }
            if let Some(path) = &c.path {
                let _ = write!(text, " `{}`", cell(path));
            }
            if let Some(lines) = &c.lines {
                let _ = write!(text, " {}", cell(lines));
            }
            if let Some(note) = &c.note {
                let _ = write!(text, " {}", cell(note));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Catalogue text (Markdown, as the specification writes it) made safe for one table cell: `|`
/// escaped, line breaks as spaces, and `<`/`>` outside code spans as entities so that `<id>` shows
/// instead of being taken for an HTML tag.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requirements::{
        Counts, CurrentExpectation, DecisionRef, Edition, EditionRef, Level, Rule, SourceKey,
        SourceRef,
    };

    fn changelog() -> Changelog {
        let edition = |edition, file: &str| EditionRef {
            edition,
            file: file.to_owned(),
            title: format!("{file} title"),
        };
        Changelog {
            from: edition(Edition::Sept2023, "seed.txt"),
            to: edition(Edition::Current, "p.txt"),
            counts: Counts {
                same: 0,
                changed: 1,
                new: 0,
                removed: 1,
            },
            sources: vec![SourceKey {
                key: "P".to_owned(),
                repo: Some("canvas-medical/x".to_owned()),
                commit: Some("abc1234".to_owned()),
                path: Some("page.txt".to_owned()),
                about: "the page".to_owned(),
            }],
            behaviours: vec![
                ChangelogEntry {
                    id: "READ-404".to_owned(),
                    area: "read".to_owned(),
                    status: Status::Changed,
                    change_note: Some("text".to_owned()),
                    decisions: vec![DecisionRef {
                        id: "D5".to_owned(),
                        title: "A title".to_owned(),
                    }],
                    edition_2023_09: Some(Sept2023Expectation {
                        level: Level::Should,
                        rule: Rule::Canvas,
                        statement:
                            "Answers \"Resource not found\" as {\"reference\": \"Location/<id>\"}"
                                .to_owned(),
                        source: SourceRef {
                            lines: vec![158, 270, 271, 272],
                            quote: "q".to_owned(),
                        },
                    }),
                    current: Some(CurrentExpectation {
                        level: Level::Must,
                        rule: Rule::Canvas,
                        statement: "`Unknown Appointment resource '<id>'` or `a|b`\nnext"
                            .to_owned(),
                        source: vec![Citation {
                            key: "P".to_owned(),
                            commit: Some("b0d2afb".to_owned()),
                            path: None,
                            lines: Some("L3099–3113".to_owned()),
                            note: None,
                        }],
                    }),
                    removal: None,
                },
                ChangelogEntry {
                    id: "OLD-1".to_owned(),
                    area: "create".to_owned(),
                    status: Status::Removed,
                    change_note: None,
                    decisions: Vec::new(),
                    edition_2023_09: Some(Sept2023Expectation {
                        level: Level::Must,
                        rule: Rule::Canvas,
                        statement: "old".to_owned(),
                        source: SourceRef {
                            lines: vec![24],
                            quote: "q".to_owned(),
                        },
                    }),
                    current: None,
                    removal: Some(Removal {
                        it_said: "x".to_owned(),
                        now: "NEW-2 holds".to_owned(),
                        since: "2024-04-18".to_owned(),
                        replaced_by: vec!["NEW-2".to_owned()],
                        source: Vec::new(),
                    }),
                },
            ],
        }
    }

    fn line_of<'a>(markdown: &'a str, id: &str) -> &'a str {
        markdown
            .lines()
            .find(|l| l.starts_with(&format!("| {id} |")))
            .unwrap_or_else(|| panic!("no row for {id}:\n{markdown}"))
    }

    #[test]
    fn a_changed_row_shows_both_editions_with_their_lines() {
        let markdown = render_markdown(&changelog());
        let row = line_of(&markdown, "READ-404");
        assert!(
            row.contains("**SHOULD** Answers \"Resource not found\""),
            "{row}"
        );
        assert!(row.contains("seed L158, L270–272"), "{row}");
        assert!(
            row.contains("**MUST** `Unknown Appointment resource '<id>'` or `a\\|b` next"),
            "{row}"
        );
        assert!(row.contains("Location/&lt;id&gt;"), "{row}");
        assert!(row.contains("P@b0d2afb L3099–3113"), "{row}");
        assert!(row.contains("| text | D5 A title |"), "{row}");
        let section = markdown.find("## CHANGED (1)").expect("CHANGED section");
        assert!(markdown.find(row).expect("row") > section);
        assert!(markdown.contains("| CHANGED | 1 |"));
        assert!(markdown.contains("| P | `canvas-medical/x@abc1234:page.txt` | the page |"));
    }

    #[test]
    fn a_removed_row_says_what_holds_now_and_since_when() {
        let markdown = render_markdown(&changelog());
        let row = line_of(&markdown, "OLD-1");
        assert!(
            row.contains("| *none.* Now: NEW-2 holds | removed since 2024-04-18; see NEW-2 |"),
            "{row}"
        );
        assert!(markdown.find(row) > markdown.find("## REMOVED (1)"));
        assert!(markdown.contains("## NEW (0)"));
    }

    #[test]
    fn the_json_carries_the_format_version_and_every_side() {
        let text = render_json(&changelog()).expect("json");
        let value: serde_json::Value = serde_json::from_str(&text).expect("parses");
        assert_eq!(value["format_version"], FORMAT_VERSION);
        assert_eq!(value["tool"]["name"], "canvas-conformance");
        assert_eq!(value["from"]["edition"], "2023-09");
        assert_eq!(value["counts"]["removed"], 1);
        let read_404 = &value["behaviours"][0];
        assert_eq!(read_404["status"], "CHANGED");
        assert_eq!(
            read_404["edition_2023_09"]["source"]["lines"],
            serde_json::json!([158, 270, 271, 272])
        );
        assert_eq!(read_404["current"]["source"][0]["commit"], "b0d2afb");
        assert_eq!(read_404["removal"], serde_json::Value::Null);
        let removed = &value["behaviours"][1];
        assert_eq!(removed["current"], serde_json::Value::Null);
        assert_eq!(
            removed["removal"]["replaced_by"],
            serde_json::json!(["NEW-2"])
        );
    }

    #[test]
    fn line_spans_join_consecutive_lines() {
        assert_eq!(line_spans(&[187, 188, 189, 305]), "L187–189, L305");
        assert_eq!(line_spans(&[20]), "L20");
        assert_eq!(line_spans(&[]), "");
    }
}
