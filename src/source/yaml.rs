//! YAML errors as diagnostics, placed on the line that has the fault. The parser reports some
//! errors where it noticed them rather than where the fault is: a flow collection left open (`[`,
//! `{`) is noticed on a later line, a tab at the start of a line is reported at the end of the line
//! before it, and a missing field at the last key of its mapping. Each is moved to its cause here:
//! the unclosed bracket, the tab, the mapping's first key (or its `{`).

use std::sync::Arc;

use crate::source::{Diagnostic, Location, Pos};

/// Turns a serde-saphyr error into a diagnostic for `file`, keeping its message but our layout,
/// at the position of the fault (see the module docs).
pub fn yaml_diagnostic(file: &Arc<str>, source: &str, error: &serde_saphyr::Error) -> Diagnostic {
    let reported = error
        .location()
        .map(|l| Pos {
            line: l.line() as u32,
            col: l.column() as u32,
        })
        .unwrap_or(Pos { line: 1, col: 1 });
    let rendered = error.to_string();
    let first = rendered.lines().next().unwrap_or("invalid YAML");
    let message = strip_location_prefix(first);
    // The library's advice about its own options means nothing to someone editing a case file.
    let message = message
        .split_once(", set DuplicateKeyPolicy")
        .map_or(message.clone(), |(head, _)| head.to_owned());
    let missing_field = matches!(
        error.without_snippet(),
        serde_saphyr::Error::SerdeMissingField { .. }
    );
    let (pos, message) = place(source, reported, message, missing_field);
    Diagnostic::new(Location::new(file, pos), message, Some(source))
}

/// Where an error reported at `reported` belongs, and its message there.
fn place(source: &str, reported: Pos, message: String, missing_field: bool) -> (Pos, String) {
    if missing_field {
        return (
            mapping_start(source, reported),
            format!("{message} in this mapping"),
        );
    }
    if let Some(open) = left_open(source, reported) {
        let (kind, closer) = match open.bracket {
            '[' => ("sequence", ']'),
            _ => ("mapping", '}'),
        };
        return (
            open.pos,
            format!(
                "this flow {kind} is never closed: `{}` needs a matching `{closer}` (the parser stopped at {}:{}: {message})",
                open.bracket, reported.line, reported.col
            ),
        );
    }
    if message.contains("tab")
        && let Some(tab) = tab_from(source, reported)
    {
        return (
            tab,
            format!("{message}: YAML indents with spaces, never tabs"),
        );
    }
    (reported, message)
}

/// serde-saphyr prefixes messages with `error: line N column M: `; the location is rendered apart.
fn strip_location_prefix(message: &str) -> String {
    let rest = message.strip_prefix("error: ").unwrap_or(message);
    if let Some(after_line) = rest.strip_prefix("line ")
        && let Some((_, tail)) = after_line.split_once(": ")
        && after_line.contains(" column ")
    {
        return tail.to_owned();
    }
    rest.to_owned()
}

/// A flow collection opened (`[` or `{`) and not closed yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Opener {
    bracket: char,
    pos: Pos,
}

/// The flow collections still open just before `stop`, innermost last. A light scan, not a
/// parser: it knows quoted scalars, comments, block scalars (`|`, `>`) and that a bracket opens a
/// collection only where a node starts (so `$.a[0]` in a plain scalar opens nothing).
fn open_flows(source: &str, stop: Pos) -> Vec<Opener> {
    let mut stack: Vec<Opener> = Vec::new();
    let mut quote: Option<char> = None;
    // The indentation of the line that started a block scalar, while its content lasts.
    let mut block_scalar: Option<usize> = None;
    for (index, line) in source.lines().enumerate() {
        let number = index as u32 + 1;
        if number > stop.line {
            break;
        }
        let indent = indentation(line);
        if let Some(parent) = block_scalar {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block_scalar = None;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut previous = ' ';
        let mut last_sign: Option<char> = None;
        let mut i = 0;
        while i < chars.len() {
            let col = i as u32 + 1;
            if number == stop.line && col >= stop.col {
                return stack;
            }
            let c = chars[i];
            if let Some(q) = quote {
                if q == '"' && c == '\\' {
                    i += 2;
                    previous = 'x';
                    continue;
                }
                if c == q {
                    if q == '\'' && chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    quote = None;
                }
                previous = c;
                last_sign = Some(c);
                i += 1;
                continue;
            }
            let node_starts = match last_sign {
                None | Some(',' | '[' | '{') => true,
                Some(':' | '-' | '?') => previous.is_whitespace(),
                Some(_) => false,
            };
            match c {
                '#' if previous.is_whitespace() => break,
                '"' | '\'' if node_starts => quote = Some(c),
                '[' | '{' if node_starts => stack.push(Opener {
                    bracket: c,
                    pos: Pos { line: number, col },
                }),
                ']' | '}' if !stack.is_empty() => {
                    stack.pop();
                }
                '|' | '>' if node_starts && stack.is_empty() && quote.is_none() => {
                    block_scalar = Some(indent);
                    break;
                }
                _ => {}
            }
            if !c.is_whitespace() {
                last_sign = Some(c);
            }
            previous = c;
            i += 1;
        }
    }
    stack
}

/// The flow collection an error at `reported` really comes from: one opened on an earlier line and
/// still open where the block structure goes on (the error's line is indented no deeper than the
/// opener's), so the parser read the following lines as its content.
fn left_open(source: &str, reported: Pos) -> Option<Opener> {
    let open = *open_flows(source, reported).last()?;
    let line_of = |n: u32| source.lines().nth(n.checked_sub(1)? as usize);
    let error_line = line_of(reported.line)?;
    let open_line = line_of(open.pos.line)?;
    (open.pos.line < reported.line && indentation(error_line) <= indentation(open_line))
        .then_some(open)
}

/// The first tab at or after `reported` (on its line or the next), where a tab error belongs.
fn tab_from(source: &str, reported: Pos) -> Option<Pos> {
    for (index, line) in source
        .lines()
        .enumerate()
        .skip(reported.line.checked_sub(1)? as usize)
    {
        let number = index as u32 + 1;
        if number > reported.line + 1 {
            break;
        }
        let from = if number == reported.line {
            reported.col.saturating_sub(1) as usize
        } else {
            0
        };
        if let Some(i) = line.chars().skip(from).position(|c| c == '\t') {
            return Some(Pos {
                line: number,
                col: (from + i) as u32 + 1,
            });
        }
    }
    None
}

/// The start of the mapping holding the key at `reported`: its `{` for a flow mapping, else its
/// first key (going up through the keys written at the same column, to the `- ` of a sequence
/// item or the parent key).
fn mapping_start(source: &str, reported: Pos) -> Pos {
    let lines: Vec<&str> = source.lines().collect();
    let at = |pos: Pos| {
        lines
            .get(pos.line.checked_sub(1)? as usize)?
            .chars()
            .nth(pos.col.checked_sub(1)? as usize)
    };
    if at(reported) == Some('{') {
        return reported;
    }
    if let Some(open) = open_flows(source, reported).last() {
        if open.bracket == '{' {
            return open.pos;
        }
        // A block mapping inside a flow sequence is not written; leave it where it was found.
        return reported;
    }
    let col = reported.col as usize;
    let mut start = reported;
    for index in (0..(reported.line as usize).saturating_sub(1)).rev() {
        let line = lines.get(index).copied().unwrap_or_default();
        let trimmed = line.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        // Where this line's key starts: after its indentation and any `- ` item markers.
        let mut key_col = indent + 1;
        let mut rest = trimmed;
        let mut item = false;
        while let Some(after) = rest.strip_prefix("- ") {
            let after = after.trim_start_matches(' ');
            key_col += rest.len() - after.len();
            rest = after;
            item = true;
        }
        if key_col == col {
            start = Pos {
                line: index as u32 + 1,
                col: reported.col,
            };
            if item {
                break;
            }
            continue;
        }
        // Deeper: the value of an earlier key. A sequence at the key's own column: the same.
        if indent + 1 > col || (item && indent + 1 == col) {
            continue;
        }
        break;
    }
    start
}

/// Leading spaces of a line.
fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    #[test]
    fn strips_saphyr_prefix() {
        assert_eq!(
            strip_location_prefix("error: line 3 column 11: expected string scalar"),
            "expected string scalar"
        );
        assert_eq!(strip_location_prefix("something else"), "something else");
    }

    #[test]
    fn brackets_in_plain_scalars_quotes_and_comments_open_nothing() {
        let text = "a: $.b[0]\nb: \"[\"\nc: x # [\nd: 'it''s ['\ne: |\n  [ not yaml\nf: [1,\n  2]\ng: {h: [i\n";
        assert!(open_flows(text, pos(9, 1)).is_empty());
        let open = open_flows(text, pos(10, 1));
        assert_eq!(
            open,
            [
                Opener {
                    bracket: '{',
                    pos: pos(9, 4)
                },
                Opener {
                    bracket: '[',
                    pos: pos(9, 8)
                }
            ]
        );
    }

    #[test]
    fn an_error_inside_a_multiline_flow_collection_stays_where_it_is() {
        let text = "a: [1,\n   2 3]\n";
        assert_eq!(left_open(text, pos(2, 6)), None);
        let unclosed = "a: [1,\nb: 2\n";
        assert_eq!(
            left_open(unclosed, pos(2, 2)).map(|o| o.pos),
            Some(pos(1, 4))
        );
    }

    #[test]
    fn a_missing_field_belongs_to_its_mappings_first_key_or_brace() {
        let text = "name: x\nsteps:\n  - name: a\n    request:\n      path: /x\n      headers: {}\n  - request: { path: /y }\n";
        assert_eq!(mapping_start(text, pos(6, 7)), pos(5, 7));
        assert_eq!(mapping_start(text, pos(4, 5)), pos(3, 5));
        assert_eq!(mapping_start(text, pos(7, 16)), pos(7, 14));
        assert_eq!(mapping_start(text, pos(2, 1)), pos(1, 1));
        let same_column = "a:\n- 1\nb: 2\n";
        assert_eq!(mapping_start(same_column, pos(3, 1)), pos(1, 1));
    }

    #[test]
    fn a_tab_error_goes_to_the_tab() {
        assert_eq!(tab_from("a: 1\n\tb: 2\n", pos(1, 5)), Some(pos(2, 1)));
        assert_eq!(tab_from("a: 1\nb: 2\n", pos(1, 5)), None);
    }
}
