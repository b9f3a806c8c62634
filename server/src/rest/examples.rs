//! Example requests and answers for the API reference, from `server/data/api-examples.toml`
//! (checked against a real server by the integration suite).

use std::sync::OnceLock;

const EXAMPLES: &str = include_str!("../../data/api-examples.toml");

/// Node ids (and the key id and token) the examples name, as the pages show them.
pub const SHOWN_IDS: &[(&str, &str)] = &[
    ("{cp}", "110"),
    ("{cp2}", "111"),
    ("{sqldb}", "120"),
    ("{store}", "210"),
    ("{sshkey}", "3"),
    ("{token}", "$TOKEN"),
    ("{tokenid}", "12"),
];

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// `service.class.Method`.
    pub method: String,
    /// The query string after `session=...`, with `{cp}`-style node ids.
    pub request: String,
    /// The answer, as JSON text.
    pub answer: String,
}

#[derive(serde::Deserialize)]
struct File {
    example: Vec<Example>,
}

/// Every example, in the file's order.
pub fn all() -> &'static [Example] {
    static ALL: OnceLock<Vec<Example>> = OnceLock::new();
    ALL.get_or_init(|| {
        toml::from_str::<File>(EXAMPLES)
            .expect("server/data/api-examples.toml is valid")
            .example
    })
}

/// The example of a method (by catalog key), for its page: the request with the ids
/// the page shows, and the answer pretty-printed.
pub fn for_method(key: &str) -> Option<(String, String)> {
    let method = kunci_core::domain::catalog::Catalog::get().find(key)?;
    let e = all()
        .iter()
        .find(|e| e.method.eq_ignore_ascii_case(&method.name))?;
    let request = SHOWN_IDS
        .iter()
        .fold(e.request.clone(), |r, (k, v)| r.replace(k, v));
    let answer = serde_json::from_str::<serde_json::Value>(&e.answer)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| e.answer.clone());
    Some((request, answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_names_an_implemented_method_and_answers_json() {
        for e in all() {
            let m = kunci_core::domain::catalog::Catalog::get()
                .find(&e.method)
                .unwrap_or_else(|| panic!("{} is not a catalog method", e.method));
            assert!(
                super::super::is_implemented(m),
                "{} is not implemented",
                e.method
            );
            let v: serde_json::Value =
                serde_json::from_str(&e.answer).unwrap_or_else(|err| panic!("{}: {err}", e.method));
            assert!(v["result"].is_i64(), "{}", e.method);
        }
    }
}
