#!/usr/bin/env bash
# Prints what the browser downloads of the release build (after wasm-opt): the first
# load (kunci.wasm, .js, .css; raw, gzip -9, and the brotli twin the server sends), and
# the WASM chunks cut by --split, loaded on demand. Run after
# `cargo leptos build --release --precompress --split`.
set -euo pipefail
cd "$(dirname "$0")/../target/site/pkg" 2>/dev/null || { echo "error: target/site/pkg is missing: run the release build first" >&2; exit 1; }
[ -f kunci.wasm ] || { echo "error: kunci.wasm is missing: run the release build first" >&2; exit 1; }
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
first_br=0
for f in kunci.wasm kunci.js kunci.css; do
  printf "%-12s %9d bytes raw, %8d gzip -9, %8d brotli (as served)\n" "$f" "$(size "$f")" "$(gzip -9 -c "$f" | wc -c)" "$(size "$f.br")"
  first_br=$((first_br + $(size "$f.br")))
done
chunks=0
chunks_br=0
for f in *.wasm; do
  [ "$f" = kunci.wasm ] && continue
  chunks=$((chunks + 1))
  chunks_br=$((chunks_br + $(size "$f.br")))
done
printf "first load: %d bytes brotli; %d WASM chunks loaded on demand: %d bytes brotli in all\n" "$first_br" "$chunks" "$chunks_br"
