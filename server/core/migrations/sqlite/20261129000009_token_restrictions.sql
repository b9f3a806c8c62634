-- Issue 15: what narrows a token past its methods. Both hold canonical entries joined
-- with ',' (domain::restrict); empty means no restriction.
-- ip_allowlist: IPv4/IPv6 addresses and CIDR ranges the token may be used from.
-- env_names: environment names and name prefixes ending in '*' it may touch.
ALTER TABLE tokens ADD COLUMN ip_allowlist TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN env_names TEXT NOT NULL DEFAULT '';
