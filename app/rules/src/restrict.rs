//! What narrows a token beyond its methods: the client addresses it may be used from
//! (an allowlist of IPv4/IPv6 addresses and CIDR ranges), and the environments it may
//! touch (names, or name prefixes ending in `*`). The token dialog checks both as they
//! are typed; the API checks them on arrival, with these functions.
//!
//! Addresses are read with `std`'s own parser; only the prefix arithmetic is ours. An
//! IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is the IPv4 address it maps, on either
//! side: a range written either way matches a client seen either way.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// At most this many entries in one allowlist, and in one environment scope.
pub const MAX_ENTRIES: usize = 100;
/// The longest entry shown back in an error, in characters.
const SHOWN_CHARS: usize = 60;

/// One allowlist entry: an address (`prefix` = its full length) or a CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressRange {
    network: IpAddr,
    prefix: u8,
}

/// Why an allowlist or a scope was refused; `Display` names the entry at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestrictError {
    /// Not an IPv4/IPv6 address or CIDR range.
    NotAnAddress(String),
    /// A prefix longer than the address (`/33` for IPv4, `/129` for IPv6), or not a number.
    BadPrefix(String),
    /// Bits set past the prefix: `suggestion` is the range it probably means.
    HostBits { entry: String, suggestion: String },
    /// Not an environment name or a prefix ending in `*`.
    NotAnEnvName(String),
    /// More than [`MAX_ENTRIES`] entries.
    TooMany,
}

impl fmt::Display for RestrictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestrictError::NotAnAddress(e) => write!(
                f,
                "[{e}] is not an IP address or CIDR range (such as 203.0.113.7, 10.0.0.0/8 or 2001:db8::/32)"
            ),
            RestrictError::BadPrefix(e) => write!(
                f,
                "[{e}] has an invalid prefix length: at most /32 for IPv4 and /128 for IPv6"
            ),
            RestrictError::HostBits { entry, suggestion } => write!(
                f,
                "[{entry}] has address bits set past its prefix: did you mean {suggestion}?"
            ),
            RestrictError::NotAnEnvName(e) => write!(
                f,
                "[{e}] is not an environment name (3 to 33 characters: a letter, then letters, digits or '-') or a name prefix ending in * (such as pr-*)"
            ),
            RestrictError::TooMany => write!(f, "at most {MAX_ENTRIES} entries"),
        }
    }
}

impl std::error::Error for RestrictError {}

/// `raw` as shown in an error: at most [`SHOWN_CHARS`] characters, control characters
/// escaped, so a hostile entry cannot break a message or a log line.
fn shown(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .take(SHOWN_CHARS)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if raw.chars().count() > SHOWN_CHARS {
        s.push('…');
    }
    s
}

/// The IPv4 address an IPv4-mapped IPv6 address stands for; any other address as is.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// `ip` with every bit past `prefix` cleared.
fn masked(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
        }
    }
}

impl AddressRange {
    /// One entry: `203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`, `::ffff:10.0.0.0/104`
    /// (the same as `10.0.0.0/8`); surrounding spaces are ignored.
    pub fn parse(raw: &str) -> Result<AddressRange, RestrictError> {
        let entry = raw.trim();
        let (addr, prefix) = match entry.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (entry, None),
        };
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| RestrictError::NotAnAddress(shown(entry)))?;
        let full = max_prefix(ip);
        let prefix = match prefix {
            None => full,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= full && p.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return Err(RestrictError::BadPrefix(shown(entry))),
            },
        };
        let network = masked(ip, prefix);
        if network != ip {
            return Err(RestrictError::HostBits {
                entry: shown(entry),
                suggestion: AddressRange { network, prefix }.to_string(),
            });
        }
        // A mapped range is the IPv4 range it maps (a prefix of at least /96).
        if let Some(v4) = network_v4_mapped(network).filter(|_| prefix >= 96) {
            return Ok(AddressRange {
                network: IpAddr::V4(v4),
                prefix: prefix - 96,
            });
        }
        Ok(AddressRange { network, prefix })
    }

    /// Whether `ip` (mapped addresses as their IPv4 address) is in this range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        max_prefix(ip) == max_prefix(self.network) && masked(ip, self.prefix) == self.network
    }
}

fn network_v4_mapped(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
        IpAddr::V4(_) => None,
    }
}

impl fmt::Display for AddressRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == max_prefix(self.network) {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

/// The entries of a list in any form the API and the dialog take: separated by `,`,
/// `;`, spaces or new lines; a JSON-style list (`["a", "b"]`) too. Blank entries are
/// dropped.
pub fn split_entries(raw: &str) -> Vec<&str> {
    let inner = raw.trim();
    let inner = inner
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(inner);
    inner
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(|s| s.trim_matches(|c| c == '"' || c == '\''))
        .filter(|s| !s.is_empty())
        .collect()
}

/// An allowlist: empty means "from anywhere". Duplicates collapse; order is kept.
pub fn parse_allowlist(raw: &str) -> Result<Vec<AddressRange>, RestrictError> {
    let entries = split_entries(raw);
    if entries.len() > MAX_ENTRIES {
        return Err(RestrictError::TooMany);
    }
    let mut out: Vec<AddressRange> = Vec::with_capacity(entries.len());
    for e in entries {
        let range = AddressRange::parse(e)?;
        if !out.contains(&range) {
            out.push(range);
        }
    }
    Ok(out)
}

/// Whether a client at `ip` may use a token with `allowlist` (empty: anywhere).
pub fn allows_address(allowlist: &[AddressRange], ip: IpAddr) -> bool {
    allowlist.is_empty() || allowlist.iter().any(|r| r.contains(ip))
}

/// One environment scope entry: a name, or a prefix (`pr-*`: every name starting `pr-`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EnvPattern {
    Name(String),
    Prefix(String),
}

impl EnvPattern {
    /// A name (`^[a-z][a-z0-9-]{2,32}$`, any case: names are lower case) or a prefix of
    /// one, 1 to 32 characters, followed by `*`.
    pub fn parse(raw: &str) -> Result<EnvPattern, RestrictError> {
        let entry = raw.trim();
        let lower = entry.to_lowercase();
        let (body, prefix) = match lower.strip_suffix('*') {
            Some(b) => (b, true),
            None => (lower.as_str(), false),
        };
        let chars_ok = body.starts_with(|c: char| c.is_ascii_lowercase())
            && body
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let len_ok = if prefix {
            (1..=32).contains(&body.len())
        } else {
            (3..=33).contains(&body.len())
        };
        if !(chars_ok && len_ok) {
            return Err(RestrictError::NotAnEnvName(shown(entry)));
        }
        Ok(if prefix {
            EnvPattern::Prefix(body.to_string())
        } else {
            EnvPattern::Name(body.to_string())
        })
    }

    /// Whether the environment `name` (lower case) is covered.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            EnvPattern::Name(n) => n == name,
            EnvPattern::Prefix(p) => name.starts_with(p.as_str()),
        }
    }
}

impl fmt::Display for EnvPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvPattern::Name(n) => f.write_str(n),
            EnvPattern::Prefix(p) => write!(f, "{p}*"),
        }
    }
}

/// An environment scope: empty means "every environment of the account". Duplicates
/// collapse; order is kept.
pub fn parse_env_scope(raw: &str) -> Result<Vec<EnvPattern>, RestrictError> {
    let entries = split_entries(raw);
    if entries.len() > MAX_ENTRIES {
        return Err(RestrictError::TooMany);
    }
    let mut out: Vec<EnvPattern> = Vec::with_capacity(entries.len());
    for e in entries {
        let p = EnvPattern::parse(e)?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

/// Whether a token with `scope` (empty: all) may touch the environment `name` (any
/// case).
pub fn allows_env(scope: &[EnvPattern], name: &str) -> bool {
    if scope.is_empty() {
        return true;
    }
    let name = name.trim().to_lowercase();
    scope.iter().any(|p| p.matches(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_contain_what_their_prefix_says() {
        // (range, address, contained)
        let cases = [
            ("203.0.113.7", "203.0.113.7", true),
            ("203.0.113.7", "203.0.113.8", false),
            ("203.0.113.7/32", "203.0.113.7", true),
            ("10.0.0.0/8", "10.255.255.255", true),
            ("10.0.0.0/8", "11.0.0.0", false),
            ("0.0.0.0/0", "198.51.100.1", true),
            ("0.0.0.0/0", "2001:db8::1", false),
            ("::/0", "2001:db8::1", true),
            ("::/0", "198.51.100.1", false),
            ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::1", false),
            ("2001:db8::1/128", "2001:db8::1", true),
            ("2001:db8::1/128", "2001:db8::2", false),
            // A mapped client address is its IPv4 address, and so is a mapped range.
            ("10.0.0.0/8", "::ffff:10.1.2.3", true),
            ("::ffff:10.0.0.0/104", "10.1.2.3", true),
            ("::ffff:10.0.0.0/104", "11.1.2.3", false),
            ("::ffff:203.0.113.7", "203.0.113.7", true),
            ("127.0.0.1", "::1", false),
        ];
        for (range, addr, want) in cases {
            let r = AddressRange::parse(range).unwrap();
            assert_eq!(r.contains(ip(addr)), want, "{range} ∋ {addr}");
        }
    }

    #[test]
    fn bad_entries_are_named_and_host_bits_get_a_suggestion() {
        for bad in [
            "10.0.0.0/33",
            "2001:db8::/129",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
        ] {
            assert!(
                matches!(AddressRange::parse(bad), Err(RestrictError::BadPrefix(_))),
                "{bad}"
            );
        }
        for bad in [
            "",
            "example.com",
            "10.0.0",
            "10.0.0.256",
            "1.2.3.4\u{0}",
            "é",
        ] {
            let e = AddressRange::parse(bad).unwrap_err();
            assert!(matches!(e, RestrictError::NotAnAddress(_)), "{bad:?}");
            assert!(!e.to_string().contains('\u{0}'), "{e}");
        }
        let e = AddressRange::parse("10.1.2.3/8").unwrap_err();
        assert_eq!(
            e.to_string(),
            "[10.1.2.3/8] has address bits set past its prefix: did you mean 10.0.0.0/8?"
        );
    }

    #[test]
    fn lists_split_any_way_collapse_duplicates_and_are_capped() {
        let l = parse_allowlist(" 10.0.0.0/8 ; 2001:db8::/32,\n10.0.0.0/8 203.0.113.7").unwrap();
        let shown: Vec<String> = l.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.0/8", "2001:db8::/32", "203.0.113.7"]);
        assert!(parse_allowlist("").unwrap().is_empty());
        assert!(allows_address(&[], ip("192.0.2.1")));
        assert!(!allows_address(&l, ip("192.0.2.1")));
        let many: Vec<String> = (0..=MAX_ENTRIES)
            .map(|i| format!("10.0.{}.1", i % 250))
            .collect();
        assert_eq!(
            parse_allowlist(&many.join(",")),
            Err(RestrictError::TooMany)
        );
        assert_eq!(
            parse_allowlist(r#"["10.0.0.1", "10.0.0.2"]"#)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn env_scopes_take_names_and_prefixes() {
        let s = parse_env_scope("Shop, pr-*, shop").unwrap();
        assert_eq!(s.len(), 2);
        assert!(allows_env(&s, "shop"));
        assert!(allows_env(&s, "SHOP"));
        assert!(allows_env(&s, "pr-12"));
        assert!(!allows_env(&s, "pr"));
        assert!(!allows_env(&s, "shop2"));
        assert!(allows_env(&[], "anything"));
        for bad in [
            "ab",
            "1abc",
            "a_b",
            "*",
            "-*",
            "shöp",
            "a\u{7}bc",
            &"a".repeat(34),
        ] {
            assert!(
                matches!(EnvPattern::parse(bad), Err(RestrictError::NotAnEnvName(_))),
                "{bad:?}"
            );
        }
        assert_eq!(EnvPattern::parse("p*").unwrap().to_string(), "p*");
    }
}
