//! `report.json`: the report model serialized as pretty JSON, the stable machine-readable interface
//! (versioned by `format_version`; its JSON Schema is `schemas/report.schema.json`).

use crate::report::model::Report;

/// The report as pretty-printed JSON, ending with a newline.
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use crate::report::model::tests::report;

    #[test]
    fn carries_the_format_version_and_flat_verdicts() {
        let text = super::render(&report()).expect("json");
        let value: serde_json::Value = serde_json::from_str(&text).expect("parses");
        assert_eq!(value["format_version"], 2);
        assert_eq!(value["verdict"]["passed"], false);
        assert_eq!(
            value["cases"][1]["steps"][0]["findings"][0]["behaviours"],
            serde_json::json!(["A-1", "B-2"])
        );
        assert_eq!(value["tool"]["name"], "canvas-conformance");
        assert_eq!(value["cases"][1]["verdict"], "fail");
        assert_eq!(value["cases"][2]["verdict"], "skipped");
        assert_eq!(
            value["cases"][2]["reason"],
            "profile `x` does not allow writes"
        );
        assert_eq!(
            value["cases"][1]["steps"][0]["findings"][0]["location"]["display"],
            "cases/read/b.yaml:12:7"
        );
        assert_eq!(value["behaviours"][0]["level"], "MUST");
        assert_eq!(value["snapshot_drift"][0]["snapshot"]["status"], "drifted");
    }
}
