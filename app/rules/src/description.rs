//! A token's description: what the token is for, shown in lists and the security log.

use std::fmt;

/// The longest description, in characters (Unicode scalar values) after trimming.
pub const MAX_CHARS: usize = 255;

/// Why a description was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptionError {
    /// Empty, or only spaces.
    Empty,
    /// More than [`MAX_CHARS`] characters.
    TooLong,
    /// A control character (NUL, a line break, ...) anywhere in it.
    ControlCharacter,
}

impl fmt::Display for DescriptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DescriptionError::Empty => f.write_str("a description is required"),
            DescriptionError::TooLong => {
                write!(f, "a description has at most {MAX_CHARS} characters")
            }
            DescriptionError::ControlCharacter => {
                f.write_str("a description has no control characters")
            }
        }
    }
}

impl std::error::Error for DescriptionError {}

/// The description as it is kept: `raw` trimmed, 1 to [`MAX_CHARS`] characters, any
/// Unicode except control characters.
pub fn check(raw: &str) -> Result<&str, DescriptionError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(DescriptionError::Empty);
    }
    if s.chars().count() > MAX_CHARS {
        return Err(DescriptionError::TooLong);
    }
    if s.chars().any(char::is_control) {
        return Err(DescriptionError::ControlCharacter);
    }
    Ok(s)
}

/// `raw` cut to at most [`MAX_CHARS`] characters (a copy's "… (copy)" description).
pub fn truncate(raw: &str) -> &str {
    match raw.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => &raw[..end],
        None => raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_trimmed() {
        assert_eq!(check("  gitlab deploy \n"), Ok("gitlab deploy"));
        assert_eq!(
            check("<img src=x onerror=alert(1)> 🚀"),
            Ok("<img src=x onerror=alert(1)> 🚀")
        );
    }

    #[test]
    fn empty_descriptions_are_refused() {
        for bad in ["", "   ", "\t\n"] {
            assert_eq!(check(bad), Err(DescriptionError::Empty), "{bad:?}");
        }
    }

    #[test]
    fn the_limit_counts_characters_not_bytes() {
        assert!(check(&"é".repeat(MAX_CHARS)).is_ok());
        assert!(
            check(&format!("  {}  ", "x".repeat(MAX_CHARS))).is_ok(),
            "after trimming"
        );
        assert_eq!(
            check(&"é".repeat(MAX_CHARS + 1)),
            Err(DescriptionError::TooLong)
        );
        assert_eq!(truncate(&"é".repeat(300)), "é".repeat(MAX_CHARS));
        assert_eq!(truncate("CI (copy)"), "CI (copy)");
    }

    #[test]
    fn control_characters_are_refused_anywhere() {
        for bad in ["a\u{0}b", "a\nb", "a\u{7f}b", "a\u{9b}b"] {
            assert_eq!(
                check(bad),
                Err(DescriptionError::ControlCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn messages_name_the_limit() {
        assert_eq!(
            DescriptionError::TooLong.to_string(),
            "a description has at most 255 characters"
        );
    }
}
