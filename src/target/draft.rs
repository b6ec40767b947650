//! A profile `init` writes: the YAML text of a target profile with a comment on every line that
//! needs one (where each fixture came from, why one is missing, the one line to flip for writes).
//! Holds no secret: credentials are named by their environment variables only.

use std::fmt::Write as _;

use crate::edition::Edition;
use crate::target::OAuthSettings;

/// What a drafted profile says.
#[derive(Clone, Debug)]
pub struct ProfileDraft {
    pub name: String,
    pub base_url: String,
    pub edition: Edition,
    /// How the edition was told (`5 of 5 fingerprints agree`), or why it was assumed.
    pub edition_note: String,
    /// The OAuth client, by its token URL and variable names; `None`: a static token
    /// (`--token` / `CANVAS_TOKEN`), which a profile never holds.
    pub oauth: Option<OAuthSettings>,
    /// `(name, value, where it came from)`, in the order written.
    pub fixtures: Vec<(String, String, String)>,
    /// `(name, a value to try or "", why it is missing)`: written commented out.
    pub missing: Vec<(String, String, String)>,
}

/// The profile as YAML text with comments (it parses with [`crate::target::Profile::parse`]).
pub fn render(draft: &ProfileDraft) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Target profile written by `canvas-conformance init` from read-only requests to\n# {} (nothing was written there). Check the fixtures marked GUESSED, then:\n#   canvas-conformance doctor --profile <this file>\n#   canvas-conformance run --profile <this file> --report-dir report\n# docs/profiles.md explains every field.\n",
        draft.base_url
    );
    let _ = writeln!(out, "name: {}", quote(&draft.name));
    let _ = writeln!(out, "base_url: {}", quote(&draft.base_url));
    let _ = writeln!(out, "# {}", draft.edition_note);
    let _ = writeln!(out, "edition: {}", draft.edition);
    match &draft.oauth {
        Some(oauth) => {
            let _ = writeln!(
                out,
                "# OAuth2 client credentials, read from these environment variables at run time\n# (export {} and {} before a run; the profile never holds them).",
                oauth.client_id_env, oauth.client_secret_env
            );
            let _ = writeln!(out, "oauth:");
            let _ = writeln!(out, "  token_url: {}", quote(&oauth.token_url));
            let _ = writeln!(out, "  client_id_env: {}", oauth.client_id_env);
            let _ = writeln!(out, "  client_secret_env: {}", oauth.client_secret_env);
        }
        None => {
            let _ = writeln!(
                out,
                "# A static bearer token: give it with --token or CANVAS_TOKEN on every run (never here)."
            );
        }
    }
    let _ = writeln!(
        out,
        "# Cases that create or update appointments are skipped until this is true (every appointment a\n# run creates is cancelled at the end: the API has no delete). Flip it when the sandbox may be written:\nallow_writes: false"
    );
    let _ = writeln!(
        out,
        "# The instance's double-booking setting (Canvas's default is allowed); not visible read-only.\ndouble_booking: allowed"
    );
    let _ = writeln!(out, "fixtures:");
    for (name, value, from) in &draft.fixtures {
        let _ = writeln!(out, "  # {from}");
        let _ = writeln!(out, "  {name}: {}", quote(value));
    }
    if !draft.missing.is_empty() {
        let _ = writeln!(
            out,
            "  # Not found read-only; the cases that need them are skipped until you add them:"
        );
        for (name, value, why) in &draft.missing {
            let _ = writeln!(out, "  # {name}: {}   # {why}", quote(value));
        }
    }
    out
}

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn quote(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "\"\"".to_owned())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::target::Profile;

    #[test]
    fn a_draft_parses_back_as_the_profile_it_describes_and_holds_no_secret() {
        let draft = ProfileDraft {
            name: "my-sandbox".to_owned(),
            base_url: "https://fumage-x.canvasmedical.com".to_owned(),
            edition: Edition::Current,
            edition_note: "the target speaks the current edition (5 of 5 fingerprints agree)"
                .to_owned(),
            oauth: Some(OAuthSettings {
                token_url: "https://x.canvasmedical.com/auth/token/".to_owned(),
                client_id_env: "CANVAS_CLIENT_ID".to_owned(),
                client_secret_env: "CANVAS_CLIENT_SECRET".to_owned(),
            }),
            fixtures: vec![
                (
                    "practitioner".to_owned(),
                    "3a182f42885645e0bc3d608e7c02aad8".to_owned(),
                    "named by 11 appointment(s)".to_owned(),
                ),
                (
                    "type_default_code".to_owned(),
                    "308335008".to_owned(),
                    "GUESSED: the most frequent type".to_owned(),
                ),
                (
                    "rfv_display".to_owned(),
                    "Initial \"Visit\": 30".to_owned(),
                    "a quote and a colon".to_owned(),
                ),
            ],
            missing: vec![
                (
                    "canvas_bot".to_owned(),
                    String::new(),
                    "only known by name".to_owned(),
                ),
                (
                    "type_other_code".to_owned(),
                    "448337001".to_owned(),
                    "try Canvas's built-in Telemedicine".to_owned(),
                ),
            ],
        };
        let text = render(&draft);
        let profile = Profile::parse(&Arc::from("draft.yaml"), &text).expect(&text);
        assert_eq!(profile.edition, Edition::Current);
        assert!(!profile.allow_writes);
        assert_eq!(
            profile
                .fixtures
                .get("type_default_code")
                .map(String::as_str),
            Some("308335008")
        );
        assert_eq!(
            profile.fixtures.get("rfv_display").map(String::as_str),
            Some("Initial \"Visit\": 30")
        );
        assert!(!profile.fixtures.contains_key("canvas_bot"));
        assert!(
            text.contains("# canvas_bot: \"\"   # only known by name"),
            "{text}"
        );
        assert!(!profile.fixtures.contains_key("type_other_code"));
        assert!(
            text.contains(
                "# type_other_code: \"448337001\"   # try Canvas's built-in Telemedicine"
            ),
            "{text}"
        );
        assert!(text.contains("allow_writes: false"), "{text}");
        assert!(!text.to_ascii_lowercase().contains("secret:"), "{text}");
    }
}
