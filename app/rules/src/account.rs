//! Account limits the sign-up form states and the server enforces.

/// The longest login (an email address), in characters: RFC 5321's path limit.
pub const LOGIN_MAX_CHARS: usize = 254;
/// The longest display name, in characters.
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;
/// The shortest password an account may have, in characters (not bytes: twelve
/// multi-byte characters are enough).
pub const PASSWORD_MIN_CHARS: usize = 12;
/// The longest password, in bytes: argon2 takes any length, but a megabyte password is
/// an attack, and is refused before it is hashed.
pub const PASSWORD_MAX_BYTES: usize = 1024;
