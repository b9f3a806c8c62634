#!/usr/bin/env bash
# Prints the size of the release WASM the browser downloads (after wasm-opt): raw,
# gzip -9 and brotli if available. Run after `cargo leptos build --release`.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm=target/site/pkg/kunci.wasm
[ -f "$wasm" ] || { echo "error: $wasm is missing: run cargo leptos build --release first" >&2; exit 1; }
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
js=$(gzip -9 -c target/site/pkg/kunci.js | wc -c)
printf "kunci.wasm: %d bytes raw, %d bytes gzip -9 (%d KB); kunci.js: %d bytes gzip\n" "$raw" "$gz" "$((gz / 1000))" "$js"
