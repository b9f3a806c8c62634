#!/usr/bin/env bash
# Kunci's benchmarks: the API figures (scripts/bench.mjs, both databases), the
# dashboard's Search speed and its first load under mobile emulation (Playwright in
# Chromium), from one release build.
#   scripts/bench.sh           full run (about 15 minutes); figures go to BENCHMARKS.md by hand
#   scripts/bench.sh --smoke   the seconds-long version the test command runs
# Installs what it lacks (oha from crates.io, the build tools), like scripts/test.sh.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$KUNCI_ROOT"
ensure_build_env
ensure_chromium
ensure_postgres
ensure_oha
ensure_psql
if [ "${1:-}" != "--no-build" ] && [ "${KUNCI_BENCH_NO_BUILD:-}" != 1 ]; then
  say "release build"
  cargo leptos build --release --precompress --split --cargo-locked
fi
say "API benchmarks"
node scripts/bench.mjs "$@"
say "search speed and first load in Chromium"
if [ "${1:-}" = "--smoke" ]; then
  (cd end2end && npx playwright test tests/search-speed.spec.ts)
  (cd end2end && npx playwright test tests/first-load.spec.ts)
else
  (cd end2end && KUNCI_BENCH=full npx playwright test tests/search-speed.spec.ts)
  (cd end2end && KUNCI_BENCH=full npx playwright test tests/first-load.spec.ts)
fi
scripts/wasm-size.sh
