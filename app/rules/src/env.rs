//! Container variable names: the environment page checks them as they are typed, the
//! API (`AddContainerEnvVars` and the rest) on arrival, with this one rule.

/// The longest variable name, in characters.
pub const VAR_NAME_MAX_CHARS: usize = 256;

/// Why a container variable name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarNameError {
    Empty,
    /// More than [`VAR_NAME_MAX_CHARS`] characters.
    TooLong,
    /// Not a letter or '_' followed by letters, digits or '_'.
    NotAName,
}

impl VarNameError {
    pub fn as_str(self) -> &'static str {
        match self {
            VarNameError::Empty => "a variable needs a name",
            VarNameError::TooLong => "a variable name has at most 256 characters",
            VarNameError::NotAName => {
                "a variable name is a letter or '_' followed by letters, digits or '_'"
            }
        }
    }
}

impl std::fmt::Display for VarNameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks `name` as a container variable name (`[A-Za-z_][A-Za-z0-9_]*`, at most 256
/// characters).
pub fn check_var_name(name: &str) -> Result<(), VarNameError> {
    if name.is_empty() {
        return Err(VarNameError::Empty);
    }
    if name.len() > VAR_NAME_MAX_CHARS {
        return Err(VarNameError::TooLong);
    }
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(VarNameError::NotAName)
    }
}

/// What is wrong with `name` as a container variable name, or `None` when it is a
/// valid one ([`check_var_name`] in English).
pub fn var_name_problem(name: &str) -> Option<&'static str> {
    check_var_name(name).err().map(VarNameError::as_str)
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
