//! Container variable names: the environment page checks them as they are typed, the
//! API (`AddContainerEnvVars` and the rest) on arrival, with this one rule.

/// The longest variable name, in characters.
pub const VAR_NAME_MAX_CHARS: usize = 256;

/// What is wrong with `name` as a container variable name (`[A-Za-z_][A-Za-z0-9_]*`,
/// at most 256 characters), or `None` when it is a valid one.
pub fn var_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("a variable needs a name");
    }
    if name.len() > VAR_NAME_MAX_CHARS {
        return Some("a variable name has at most 256 characters");
    }
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (!valid).then_some("a variable name is a letter or '_' followed by letters, digits or '_'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_shell_rule() {
        for ok in ["A", "_x", "DB_HOST", "a1", &"A".repeat(256)] {
            assert_eq!(var_name_problem(ok), None, "{ok}");
        }
        for bad in ["", "1A", "A-B", "A B", "Ä", "A\u{0}", &"A".repeat(257)] {
            assert!(var_name_problem(bad).is_some(), "{bad:?}");
        }
    }
}
