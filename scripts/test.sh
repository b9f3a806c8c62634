#!/usr/bin/env bash
# Runs every Kunci test: formatting and lints, unit and integration tests (SQLite and
# PostgreSQL, the real server over HTTP), then Playwright end-to-end tests in Chromium
# against the release build. Installs what it lacks first.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$KUNCI_ROOT"
started=$SECONDS
ensure_build_env
ensure_chromium
ensure_postgres
ensure_cargo_deb

say "cargo fmt --check"
cargo_fmt --all -- --check
# The server side and the browser side are built separately: building the whole
# workspace at once would unify `app`'s ssr and hydrate features into one build.
say "cargo clippy (server, then browser)"
cargo_clippy -p kunci-rules -p kunci-core -p server -p app --all-targets --locked -- -D warnings
cargo_clippy -p frontend --target wasm32-unknown-unknown --locked -- -D warnings
say "unit and integration tests (SQLite and PostgreSQL)"
cargo test -p kunci-rules -p kunci-core -p server -p app --locked
say "release build (optimised WASM, its brotli and gzip twins, then the server that embeds them)"
cargo leptos build --release --precompress --split --cargo-locked
say "the release server alone: copied into an empty directory, it serves the dashboard"
node scripts/standalone.mjs
say "the Debian package: built from that binary, unpacked and run"
scripts/deb-check.sh
say "end-to-end tests in Chromium"
(cd end2end && npx playwright test)
say "benchmark smoke run (timings reported, not asserted)"
ensure_oha
ensure_psql
node scripts/bench.mjs --smoke
say "soak: 30 seconds of mixed traffic (fails on any unexpected answer)"
node scripts/soak.mjs --seconds 30
scripts/wasm-size.sh
say "all tests passed in $((SECONDS - started)) s"
