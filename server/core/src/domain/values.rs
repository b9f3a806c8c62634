//! The values the platform's methods take, each validated once: container variables,
//! paths, image tags, group names, external domains, links, labels.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Error;
use crate::refusal::Refusal;

/// Container variables of one node: name → text.
pub type Vars = BTreeMap<String, String>;

/// Most bytes of variables (names and values) one node holds.
pub const MAX_VARS_BYTES: usize = 64 * 1024;
/// Most volumes per node, and the longest volume or mount path.
pub const MAX_VOLUMES: usize = 64;
pub const MAX_PATH_CHARS: usize = 255;

/// A link between node groups: every node of the linking group reaches `group`'s master
/// as `alias`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Link {
    pub group: String,
    pub alias: String,
}

/// A variable name: `[A-Za-z_][A-Za-z0-9_]*`, at most 256 characters (the rule the
/// environment page applies as a name is typed: `kunci_rules::env`).
pub fn var_name(raw: &str, param: &str) -> Result<String, Error> {
    match kunci_rules::env::check_var_name(raw) {
        Ok(()) => Ok(raw.to_string()),
        Err(e) => Err(Error::refused(param, Refusal::VarName(e))),
    }
}

/// A `vars`/`data` object of variables: text values; numbers and booleans become text.
pub fn parse_vars(value: &Value, param: &str) -> Result<Vars, Error> {
    let obj = value
        .as_object()
        .ok_or_else(|| Error::invalid(param, "must be a JSON object of NAME: value"))?;
    let mut vars = Vars::new();
    for (k, v) in obj {
        let name = var_name(k, param)?;
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => String::new(),
            _ => {
                return Err(Error::invalid(
                    param,
                    format!("the value of {name} must be text"),
                ));
            }
        };
        if text.contains('\0') {
            return Err(Error::refused(param, Refusal::VarValueHasNul { name }));
        }
        vars.insert(name, text);
    }
    check_vars_size(&vars, param)?;
    Ok(vars)
}

pub(crate) fn check_vars_size(vars: &Vars, param: &str) -> Result<(), Error> {
    let size: usize = vars.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > MAX_VARS_BYTES {
        return Err(Error::refused(
            param,
            Refusal::VarsTooBig {
                kib: MAX_VARS_BYTES / 1024,
            },
        ));
    }
    Ok(())
}

/// A list of variable names (RemoveContainerEnvVars).
pub fn parse_var_names(value: &Value, param: &str) -> Result<Vec<String>, Error> {
    let list = value
        .as_array()
        .ok_or_else(|| Error::invalid(param, "must be a JSON array of variable names"))?;
    list.iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| Error::invalid(param, "must be a JSON array of variable names"))
                .and_then(|s| var_name(s, param))
        })
        .collect()
}

/// An absolute container path: normalized, no `..`, not `/`, at most 255 characters.
pub fn container_path(raw: &str, param: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::invalid(param, format!("{raw:?} {why}"));
    if !raw.starts_with('/') {
        return Err(bad("is not an absolute path"));
    }
    if raw.chars().count() > MAX_PATH_CHARS {
        return Err(bad("is longer than 255 characters"));
    }
    if raw.chars().any(char::is_control) {
        return Err(bad("contains control characters"));
    }
    let segments: Vec<&str> = raw
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if segments.contains(&"..") {
        return Err(bad("contains '..'"));
    }
    if segments.is_empty() {
        return Err(bad("is the root directory"));
    }
    Ok(format!("/{}", segments.join("/")))
}

/// A JSON array of container paths.
pub fn parse_paths(value: &Value, param: &str) -> Result<Vec<String>, Error> {
    let list = match value {
        Value::Array(a) => a.clone(),
        Value::String(s) => vec![Value::String(s.clone())],
        _ => return Err(Error::invalid(param, "must be a JSON array of paths")),
    };
    if list.is_empty() {
        return Err(Error::invalid(param, "must name at least one path"));
    }
    let mut out: Vec<String> = Vec::new();
    for v in &list {
        let p = container_path(
            v.as_str()
                .ok_or_else(|| Error::invalid(param, "must be a JSON array of paths"))?,
            param,
        )?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    if out.len() > MAX_VOLUMES {
        return Err(Error::invalid(
            param,
            format!("at most {MAX_VOLUMES} paths"),
        ));
    }
    Ok(out)
}

/// An external domain: lower-cased, at most 253 characters, two labels or more.
pub fn ext_domain(raw: &str, platform_domain: &str) -> Result<String, Error> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let labels: Vec<&str> = d.split('.').collect();
    if d.len() > 253 || labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) {
        return Err(Error::invalid(
            "extdomain",
            format!("{raw:?} is not a domain name such as www.example.com"),
        ));
    }
    let own = platform_domain.to_ascii_lowercase();
    if d == own || d.ends_with(&format!(".{own}")) {
        return Err(Error::invalid(
            "extdomain",
            format!("{d} is under the platform's own domain"),
        ));
    }
    Ok(d)
}

/// An image tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn image_tag(raw: &str, param: &str) -> Result<String, Error> {
    let ok = (1..=128).contains(&raw.len())
        && raw.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(raw.to_string())
    } else {
        Err(Error::invalid(
            param,
            "an image tag is letters, digits, '_', '.' or '-'",
        ))
    }
}

/// Environment group names: `/`-separated segments of 1–64 characters, at most 5 levels.
pub fn group_name(raw: &str, param: &str) -> Result<String, Error> {
    let segments: Vec<&str> = raw.trim().split('/').map(str::trim).collect();
    let ok = !segments.is_empty()
        && segments.len() <= 5
        && segments
            .iter()
            .all(|s| !s.is_empty() && s.chars().count() <= 64 && !s.chars().any(char::is_control));
    if ok {
        Ok(segments.join("/"))
    } else {
        Err(Error::invalid(
            param,
            "a group name is up to 5 levels separated by '/', each 1 to 64 characters without control characters",
        ))
    }
}

/// A list of group names: one name, a JSON array, or comma-separated names.
pub fn group_names(raw: &str, param: &str) -> Result<Vec<String>, Error> {
    let trimmed = raw.trim();
    let items: Vec<String> = if trimmed.starts_with('[') {
        let v: Value = serde_json::from_str(trimmed)
            .map_err(|_| Error::invalid(param, "not a JSON array of names"))?;
        v.as_array()
            .ok_or_else(|| Error::invalid(param, "not a JSON array of names"))?
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| Error::invalid(param, "not a JSON array of names"))
            })
            .collect::<Result<_, _>>()?
    } else {
        trimmed.split(',').map(str::to_string).collect()
    };
    let mut out = Vec::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let name = group_name(item, param)?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Every ancestor of a hierarchical group name, outermost first, the name last.
pub fn with_ancestors(name: &str) -> Vec<String> {
    let parts: Vec<&str> = name.split('/').collect();
    (1..=parts.len()).map(|i| parts[..i].join("/")).collect()
}

/// A short label: 1..=`max` characters, no control characters.
pub fn label(raw: &str, param: &str, what: &str, max: usize) -> Result<String, Error> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(Error::refused(
            param,
            Refusal::Label {
                what: what.to_string(),
                max,
            },
        ));
    }
    Ok(s.to_string())
}
