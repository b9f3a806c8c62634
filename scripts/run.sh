#!/usr/bin/env bash
# Builds Kunci (release) and runs it on SQLite with nothing to configure: the database
# is ./data/kunci.db, the address http://127.0.0.1:3000. Extra arguments go to
# `server serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$KUNCI_ROOT"
ensure_build_env
say "building Kunci (release)"
cargo leptos build --release --precompress --split --cargo-locked
say "starting Kunci"
exec target/release/server serve "$@"
