//! The regular expressions of case files (`matches:`), compiled once per process and shared by
//! the lint and the checks: a suite repeats a handful of patterns over many steps, and compiling
//! one (a counted repetition like `[0-9a-f-]{36}` unrolls) costs more than matching it many times.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use regex::Regex;

/// Patterns kept at most; past it the cache starts again (a suite has tens, rendered templates a
/// few more).
const KEPT: usize = 1024;

static COMPILED: LazyLock<Mutex<HashMap<String, Regex>>> = LazyLock::new(Mutex::default);

/// `pattern` compiled (the `regex` crate's syntax), from the cache when it was compiled before.
/// Errors are the `regex` crate's (a pattern that does not compile is not cached).
pub fn compiled(pattern: &str) -> Result<Regex, regex::Error> {
    if let Some(regex) = cache().get(pattern) {
        return Ok(regex.clone());
    }
    let regex = Regex::new(pattern)?;
    let mut cache = cache();
    if cache.len() >= KEPT {
        cache.clear();
    }
    cache.insert(pattern.to_owned(), regex.clone());
    Ok(regex)
}

fn cache() -> std::sync::MutexGuard<'static, HashMap<String, Regex>> {
    COMPILED.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_compiles_once_and_matches_as_compiled() {
        let first = compiled("^/Appointment/[0-9a-f-]{36}$").expect("compiles");
        let again = compiled("^/Appointment/[0-9a-f-]{36}$").expect("cached");
        assert!(again.is_match("/Appointment/0dfb2bcc-5289-4a9a-9824-c420ce78f2b9"));
        assert!(!first.is_match("/Appointment/1"));
        assert!(cache().contains_key("^/Appointment/[0-9a-f-]{36}$"));
    }

    #[test]
    fn a_bad_pattern_is_the_regex_crates_error_and_not_kept() {
        let error = compiled("(unclosed").expect_err("does not compile");
        assert!(error.to_string().contains("unclosed"), "{error}");
        assert!(!cache().contains_key("(unclosed"));
    }
}
