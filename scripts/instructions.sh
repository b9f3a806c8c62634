#!/usr/bin/env bash
# User-space instructions per request of the release server, counted by callgrind: the
# figure that does not move from run to run, where req/s on a shared 2-core VM moves by
# ±10 % (BENCHMARKS.md). For each of /healthz and a token's GetEnvInfo on a seeded
# SQLite file: the server starts under valgrind with counting off, takes 500 requests
# (warm-up), then counts N requests (4 connections) and stops.
#   scripts/instructions.sh [N] [server binary]   (defaults: 2000, target/release/server)
# Only what runs inside the connections' tasks is counted (`kunci_server::serve`'s
# per-connection future: hyper, the middleware, the handlers): the background tasks'
# work (the token activity writer, timers) goes by the second, not by the request, and
# would make the count depend on the rate valgrind allows. The kernel's share (the
# socket writes) is not counted either. Installs valgrind and oha when missing.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$KUNCI_ROOT"
command -v valgrind >/dev/null 2>&1 || apt_install valgrind
ensure_oha
n=${1:-2000}
bin=$(realpath "${2:-target/release/server}")
[ -x "$bin" ] || { echo "no server binary at $bin: run cargo leptos build --release first" >&2; exit 2; }
work=$(mktemp -d -t kunci-instructions.XXXXXX)
trap 'rm -rf "$work"' EXIT
port=3291
password=instructions-bench-password
printf '%s\n' "$password" | "$bin" seed --login bench@example.com --tokens 99 --environments 10 \
  --database-url "sqlite://$work/seed.db" > "$work/seed.json"
token=$(tail -1 "$work/seed.json" | sed -E 's/.*"token":"([^"]+)".*/\1/')
env=$(tail -1 "$work/seed.json" | sed -E 's/.*"env":"([^"]+)".*/\1/')
# Prints the instructions counted over the N requests to `url`.
count() {
  local what=$1 url=$2 pid
  rm -f "$work"/k.db*
  # The seed's WAL holds what it wrote (no checkpoint at exit): copied with the file.
  for part in "" -wal -shm; do
    [ ! -f "$work/seed.db$part" ] || cp "$work/seed.db$part" "$work/k.db$part"
  done
  RUST_LOG=warn valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/$what.out" \
    '--toggle-collect=kunci_server::serve::{{closure}}::{{closure}}' \
    "$bin" serve --listen "127.0.0.1:$port" --database-url "sqlite://$work/k.db" >/dev/null 2>"$work/$what.log" &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/$what.log" >&2; exit 1; }
    sleep 0.3
  done
  # A refused call would be held by the flood guard and count the wrong path.
  curl -sf "$url" | grep -qE '^ok$|"result":0' || { echo "$url does not succeed" >&2; kill "$pid"; exit 1; }
  oha -n 500 -c 4 --no-tui "$url" >/dev/null
  callgrind_control -i on "$pid" >/dev/null 2>&1
  sleep 0.5
  oha -n "$n" -c 4 --no-tui "$url" >/dev/null
  callgrind_control -i off "$pid" >/dev/null 2>&1
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  callgrind_annotate "$work/$what.out" | awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}'
}
ir_healthz=$(count healthz "http://127.0.0.1:$port/healthz")
ir_token=$(count token "http://127.0.0.1:$port/1.0/environment/control/rest/getenvinfo?envName=$env&session=$token")
echo "/healthz: $((ir_healthz / n)) instructions per request"
echo "token GetEnvInfo: $((ir_token / n)) instructions per request"
echo "token GetEnvInfo / /healthz: $(awk -v t="$ir_token" -v h="$ir_healthz" 'BEGIN { printf "%.2f", t / h }')"
