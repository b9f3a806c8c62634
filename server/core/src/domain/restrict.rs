//! A token's restrictions past its methods, validated once at the edge: the client
//! addresses it may be used from ([`IpAllowlist`]) and the environments it may touch
//! ([`EnvScope`]). The rules themselves are `kunci_rules::restrict`', which the token
//! dialog applies as the user types.

use std::net::IpAddr;
use std::sync::Arc;

use kunci_rules::restrict::{
    self, AddressRange, EnvPattern, RestrictError, allows_address, allows_env,
};

use crate::Error;

/// The addresses and CIDR ranges a token may be used from; empty: anywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpAllowlist(Vec<AddressRange>);

impl IpAllowlist {
    /// The API's and the dialog's `ipAllowlist`: entries separated by `,` `;` spaces or
    /// new lines; result 3 naming `param` and the entry at fault.
    pub fn parse(raw: &str, param: &str) -> Result<IpAllowlist, Error> {
        restrict::parse_allowlist(raw)
            .map(IpAllowlist)
            .map_err(|e| invalid(param, e))
    }

    /// Whether a client at `ip` (as the `--trust-proxy` rules decided it) may use the
    /// token; an address that is not one (`unknown`) only passes an empty list.
    pub fn allows(&self, ip: &str) -> bool {
        if self.0.is_empty() {
            return true;
        }
        ip.parse::<IpAddr>()
            .is_ok_and(|ip| allows_address(&self.0, ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each entry in canonical form (`10.0.0.0/8`, `2001:db8::1`).
    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// As stored: canonical entries joined with `,` (empty: anywhere).
    pub fn stored(&self) -> String {
        self.entries().join(",")
    }
}

/// Stored text back to a list; a row that no longer parses is damaged.
impl TryFrom<String> for IpAllowlist {
    type Error = RestrictError;
    fn try_from(s: String) -> Result<IpAllowlist, RestrictError> {
        restrict::parse_allowlist(&s).map(IpAllowlist)
    }
}

/// The environments a token may touch, by name or name prefix (`pr-*`); empty: every
/// environment of the account. A scoped token sees only those in GetEnvs, is refused
/// (8202) on any other, and may create (or clone into) an environment only under a
/// name its scope covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvScope(Arc<[EnvPattern]>);

impl EnvScope {
    /// The API's and the dialog's `envNames`; result 3 naming `param` and the entry.
    pub fn parse(raw: &str, param: &str) -> Result<EnvScope, Error> {
        restrict::parse_env_scope(raw)
            .map(|v| EnvScope(v.into()))
            .map_err(|e| invalid(param, e))
    }

    /// Whether the environment `name` (any case) is within the scope.
    pub fn allows(&self, name: &str) -> bool {
        allows_env(&self.0, name)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    pub fn stored(&self) -> String {
        self.entries().join(",")
    }

    /// 8202 unless `name` is within the scope, saying which environments the token may
    /// use (`doing`: "use", "create", ...).
    pub fn check(&self, name: &str, doing: &str) -> Result<(), Error> {
        if self.allows(name) {
            return Ok(());
        }
        let shown: String = name
            .trim()
            .chars()
            .take(40)
            .flat_map(char::escape_default)
            .collect();
        Err(Error::PermissionDenied(format!(
            "this token is limited to the environments {}: it cannot {doing} [{shown}]",
            self.entries().join(", ")
        )))
    }
}

impl TryFrom<String> for EnvScope {
    type Error = RestrictError;
    fn try_from(s: String) -> Result<EnvScope, RestrictError> {
        restrict::parse_env_scope(&s).map(|v| EnvScope(v.into()))
    }
}

fn invalid(param: &str, e: RestrictError) -> Error {
    Error::refused(param, crate::refusal::Refusal::Restrict(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_round_trips() {
        let l = IpAllowlist::parse("10.0.0.0/8; ::ffff:192.0.2.1 2001:db8::/32", "ipAllowlist")
            .unwrap();
        assert_eq!(l.stored(), "10.0.0.0/8,192.0.2.1,2001:db8::/32");
        assert_eq!(IpAllowlist::try_from(l.stored()).unwrap(), l);
        assert!(l.allows("192.0.2.1"));
        assert!(l.allows("::ffff:10.9.9.9"));
        assert!(!l.allows("unknown"));
        assert!(IpAllowlist::default().allows("unknown"));
        let s = EnvScope::parse("shop, PR-*", "envNames").unwrap();
        assert_eq!(s.stored(), "shop,pr-*");
        assert_eq!(EnvScope::try_from(s.stored()).unwrap(), s);
    }

    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any text a client can send is a list or a result 3 naming the parameter,
        /// never a panic; what parses is stored in a form that reads back the same, and a
        /// refusal holds no control character.
        #[test]
        fn any_text_is_a_list_or_a_clear_refusal(raw in "\\PC{0,80}|[0-9a-f:./, ;\\x00-\\x1f]{0,60}") {
            match IpAllowlist::parse(&raw, "ipAllowlist") {
                Ok(l) => prop_assert_eq!(IpAllowlist::try_from(l.stored()).unwrap(), l),
                Err(e) => {
                    prop_assert_eq!(e.code(), 3);
                    prop_assert!(!e.to_string().chars().any(char::is_control), "{}", e);
                }
            }
            match EnvScope::parse(&raw, "envNames") {
                Ok(l) => prop_assert_eq!(EnvScope::try_from(l.stored()).unwrap(), l),
                Err(e) => prop_assert!(!e.to_string().chars().any(char::is_control), "{}", e),
            }
        }

        /// An IPv4 range holds exactly the addresses whose first `prefix` bits are its
        /// network's, written plain or IPv4-mapped, and no IPv6 address.
        #[test]
        fn ipv4_ranges_hold_exactly_their_addresses(net in any::<u32>(), prefix in 0u8..=32, probe in any::<u32>()) {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            let range = format!("{}/{prefix}", Ipv4Addr::from(net & mask));
            let l = IpAllowlist::parse(&range, "ipAllowlist").unwrap();
            let want = probe & mask == net & mask;
            let v4 = Ipv4Addr::from(probe);
            prop_assert_eq!(l.allows(&v4.to_string()), want);
            prop_assert_eq!(l.allows(&v4.to_ipv6_mapped().to_string()), want);
            prop_assert!(!l.allows(&Ipv6Addr::from(u128::from(probe) << 64).to_string()));
        }

        /// The same for IPv6 ranges.
        #[test]
        fn ipv6_ranges_hold_exactly_their_addresses(net in any::<u128>(), prefix in 0u8..=128, probe in any::<u128>()) {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            let network = Ipv6Addr::from(net & mask);
            prop_assume!(network.to_ipv4_mapped().is_none());
            let l = IpAllowlist::parse(&format!("{network}/{prefix}"), "ipAllowlist").unwrap();
            let p = Ipv6Addr::from(probe);
            prop_assume!(p.to_ipv4_mapped().is_none());
            prop_assert_eq!(l.allows(&p.to_string()), probe & mask == net & mask);
        }
    }

    #[test]
    fn a_refusal_names_the_scope_and_escapes_the_name() {
        let s = EnvScope::parse("shop", "envNames").unwrap();
        let e = s.check("evil\u{1b}[31m", "use").unwrap_err();
        assert_eq!(e.code(), 8202);
        let text = e.to_string();
        assert!(text.contains("limited to the environments shop"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        let e = IpAllowlist::parse("10.0.0.0/8, nope", "ipAllowlist").unwrap_err();
        assert_eq!(e.code(), 3);
        assert!(e.to_string().contains("[nope]"), "{e}");
    }
}
