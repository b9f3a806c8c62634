# Kunci's set-up steps, sourced by scripts/run.sh and scripts/test.sh.
# Each step checks first and installs only what is missing, so a second run costs seconds.
# Uses only what builds offline on these machines (see docs/toolchain.md): Debian
# packages, crates.io, npm. Nothing downloads a prebuilt binary from elsewhere.

KUNCI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION=0.3.10
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
# npm's wasm-opt (binaryen 132) must come before any other: Debian's wasm-opt 108
# produces a WASM that never hydrates.
export PATH="$KUNCI_ROOT/end2end/node_modules/.bin:$CARGO_HOME/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The browser build names every crate's source by where cargo keeps it, and the WASM
# quotes those paths (panic locations). Call that place /cargo on every machine, so the
# WASM is the same bytes wherever it is built with the same toolchain: the splitter's
# choices, and so the first load, follow its data layout (built under
# /tmp/fresh-check.*/cargo the main module kept 98 KB more data, and the first load was
# 320 KB instead of 290 KB). A path with spaces cannot go into these flags; it is left
# as it is, with a word.
wasm_remap() {
  local home=$CARGO_HOME real flags
  real=$(CDPATH='' cd "$home" 2>/dev/null && pwd -P) || real=$home
  case "$home$real" in *[[:space:]]*)
    say "CARGO_HOME ($home) holds a space: the WASM will quote this machine's paths"; return 0 ;;
  esac
  # A remap the user set is theirs to keep.
  case " ${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:-} " in *" --remap-path-prefix="*) return 0 ;; esac
  flags="--remap-path-prefix=$home=/cargo"
  [ "$real" = "$home" ] || flags="$flags --remap-path-prefix=$real=/cargo"
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:+$CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS }$flags"
}
wasm_remap

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "error: '$*' needs root; run as root or install sudo" >&2; return 1
  fi
}

apt_updated=
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A C toolchain and perl (sqlx's bundled SQLite and cargo-leptos' vendored OpenSSL build from source).
ensure_build_tools() {
  command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1 && command -v perl >/dev/null 2>&1 \
    && command -v pkg-config >/dev/null 2>&1 && return 0
  apt_install build-essential pkg-config perl
}

# rustfmt and clippy; call cargo's subcommands through rustup so they work even where
# ~/.cargo/bin holds no proxy for them.
ensure_rust_components() {
  local installed
  installed=$(rustup component list --installed 2>/dev/null)
  for c in rustfmt clippy; do
    grep -q "^$c" <<<"$installed" || { say "adding the $c component"; rustup component add "$c"; }
  done
}
cargo_fmt() { "$(rustup which cargo-fmt)" fmt "$@"; }
# Doctests run rustdoc; take the toolchain's own where ~/.cargo/bin has no proxy for it.
export RUSTDOC="${RUSTDOC:-$(rustup which rustdoc 2>/dev/null || echo rustdoc)}"
cargo_clippy() { "$(rustup which cargo-clippy)" clippy "$@"; }

ensure_wasm_target() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown && return 0
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then return 0; fi
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 11 minutes on 2 cores)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
}

# wasm-bindgen's CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$KUNCI_ROOT/Cargo.lock")
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then return 0; fi
  say "installing wasm-bindgen-cli $want"
  cargo install wasm-bindgen-cli --version "$want" --locked
}

ensure_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && return 0
  apt_install nodejs npm
}

# @playwright/test and binaryen (wasm-opt) from npm, exactly as package-lock.json says.
ensure_node_packages() {
  ensure_node
  local lock="$KUNCI_ROOT/end2end/package-lock.json" stamp="$KUNCI_ROOT/end2end/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$lock" ] && [ -x "$KUNCI_ROOT/end2end/node_modules/.bin/wasm-opt" ]; then return 0; fi
  say "installing npm packages (Playwright, binaryen)"
  (cd "$KUNCI_ROOT/end2end" && npm ci --no-audit --no-fund --loglevel=error)
}

# Debian's Chromium for the end-to-end tests (Playwright never downloads a browser here).
ensure_chromium() {
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && return 0
  apt_install chromium
}

pg_reachable() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

# A PostgreSQL server on 127.0.0.1:5432 for the integration tests: use the running
# one, start an installed one, or install one.
ensure_postgres() {
  if [ -n "${KUNCI_TEST_PG_URL:-}" ] || pg_reachable; then return 0; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
    local fresh=1
  fi
  say "starting PostgreSQL"
  local version
  version=$(ls /etc/postgresql | sort -V | tail -1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_reachable && break; sleep 1; done
  pg_reachable || { echo "error: PostgreSQL did not start on 127.0.0.1:5432" >&2; return 1; }
  if [ -n "${fresh:-}" ]; then
    # A fresh Debian cluster wants a password over TCP: give the postgres role one for the tests.
    as_root runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'kunci-tests'"
    export KUNCI_TEST_PG_URL="postgres://postgres:kunci-tests@127.0.0.1:5432/postgres"
  fi
}

# oha, the HTTP load generator of the benchmarks, from crates.io.
OHA_VERSION=1.16.0
ensure_oha() {
  if oha --version 2>/dev/null | grep -q " $OHA_VERSION\$"; then return 0; fi
  say "installing oha $OHA_VERSION (the benchmarks' load generator)"
  command -v cmake >/dev/null 2>&1 || apt_install cmake   # its TLS library (aws-lc) builds with cmake
  cargo install oha --version "$OHA_VERSION" --locked
}

# cargo-deb, to build the Debian package from the release binary (scripts/deb-check.sh).
CARGO_DEB_VERSION=3.8.0
ensure_cargo_deb() {
  if cargo deb --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then return 0; fi
  say "installing cargo-deb $CARGO_DEB_VERSION (a few minutes)"
  cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked --no-default-features
}

# psql, to create and drop the benchmarks' PostgreSQL databases.
ensure_psql() {
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client
}

ensure_build_env() {
  ensure_build_tools
  ensure_rust_components
  ensure_wasm_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_node_packages
}
