//! The dashboard's languages and which one a page is shown in: the account's choice,
//! else the `kunci_lang` cookie (a choice made while signed out), else the browser's
//! `Accept-Language`, else English. The server decides before rendering; the browser
//! reads the decision from `<html lang>`, so both sides render the same words.

/// The languages the dashboard speaks, as their `<html lang>` codes; the first is the
/// default. Adding one: a code here and `app/locales/<code>.json` (see README).
pub const LANGUAGES: [&str; 2] = ["en", "id"];

/// Each of [`LANGUAGES`] named in itself, in the same order (the header's switch).
pub const NATIVE_NAMES: [&str; LANGUAGES.len()] = ["English", "Bahasa Indonesia"];

/// The cookie that keeps a signed-out visitor's choice.
pub const LANGUAGE_COOKIE: &str = "kunci_lang";

/// One of [`LANGUAGES`] for a code (`"id"`, `"id-ID"`, `"EN-us"`), by its primary tag.
pub fn parse(code: &str) -> Option<&'static str> {
    let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    LANGUAGES.into_iter().find(|l| *l == primary)
}

/// The first language of an `Accept-Language` header the dashboard speaks, in the
/// order of the header's weights (`q`); ties keep the header's order.
pub fn from_accept_language(header: &str) -> Option<&'static str> {
    let mut ranked: Vec<(u16, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), |q| {
                    q.trim().parse::<f32>().ok().map(|q| (q * 1000.0) as u16)
                })?;
            (q > 0).then_some((q, i, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().find_map(|(_, _, tag)| parse(tag))
}

/// The language of a page: the account's saved choice, else the cookie, else the
/// browser's header, else the default.
pub fn choose(
    saved: Option<&str>,
    cookie: Option<&str>,
    accept_language: Option<&str>,
) -> &'static str {
    saved
        .and_then(parse)
        .or_else(|| cookie.and_then(parse))
        .or_else(|| accept_language.and_then(from_accept_language))
        .unwrap_or(LANGUAGES[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_the_primary_tag_only() {
        assert_eq!(parse("id-ID"), Some("id"));
        assert_eq!(parse("EN-us"), Some("en"));
        assert_eq!(parse("id"), Some("id"));
        assert_eq!(parse("fr"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn accept_language_follows_weights_then_order() {
        assert_eq!(from_accept_language("id-ID,id;q=0.9,en;q=0.8"), Some("id"));
        assert_eq!(from_accept_language("fr, en;q=0.5, id;q=0.7"), Some("id"));
        assert_eq!(from_accept_language("en-US,en;q=0.9"), Some("en"));
        assert_eq!(from_accept_language("fr-FR"), None);
        assert_eq!(from_accept_language("id;q=0, en"), Some("en"));
    }

    #[test]
    fn choose_prefers_account_then_cookie_then_header() {
        assert_eq!(choose(Some("id"), Some("en"), Some("en")), "id");
        assert_eq!(choose(None, Some("id"), Some("en")), "id");
        assert_eq!(choose(None, None, Some("id")), "id");
        assert_eq!(choose(None, None, Some("de")), "en");
        assert_eq!(choose(Some("xx"), None, Some("id")), "id");
        assert_eq!(choose(None, None, None), "en");
    }
}
