# bench/lib.sh: the setup the load benchmarks share, sourced (never run) by bench/run.sh,
# bench/verified.sh, bench/cache.sh, bench/restart.sh and bench/mixed.sh, each right after
# `set -euo pipefail` and `cd "$(dirname "$0")/.."` (paths here are from the repository root).
#
# Sourcing it sets VERITY (the binary under test: $VERITY_BIN, else build/release/verity),
# ANVIL (node_modules/.bin/anvil), OUT (build/bench, created: every config, log, wrk report
# and result table goes there) and POLL (0.1 s between readiness polls; a script may lower
# it), and starts an empty `pids` array with an EXIT trap (cleanup) that kills every pid in
# it and waits: a script appends each background process it starts (`cmd & pids+=($!)`), and
# the helpers below do that for the processes they start.
#
# The functions:
#   free_port          an unused loopback TCP port (the kernel picks it).
#   rpc PORT BODY [CURL-ARGS...]
#                      POSTs the JSON-RPC BODY to 127.0.0.1:PORT and prints the answer;
#                      extra curl arguments go before it (say -D FILE to keep the headers).
#   post_headers PORT BODY
#                      the response headers of that POST, without the \r.
#   header NAME        on stdin a header block, prints the value of header NAME (lower case).
#   poll CMD...        runs CMD up to 100 times, POLL seconds apart, until it succeeds; gives up
#                      quietly (the benchmark then fails where it needs the service).
#   wait_answer PORT...    until each port answers HTTP at all (GET /, any status).
#   wait_healthy PORT...   until each verity's GET /healthz is 200 (a head is agreed).
#   start_anvils PORT...   one anvil dev node per port, all with the same genesis timestamp
#                      (so one chain), waits until each answers eth_chainId, and keeps the
#                      ports in ANVILS for mine_blocks and devnet_config.
#   mine_blocks N      mines N blocks on every node of ANVILS, block i at time
#                      1700000000 + 12 i, as one JSON-RPC batch per node (same chain on all).
#   verity_config PORT CHAIN QUORUM VERIFY POOL CACHE UPSTREAM...
#                      prints a verity config: listen on 127.0.0.1:PORT, log level warn,
#                      `chain: { CHAIN }`, quorum anchor of QUORUM, `verify: VERIFY`,
#                      `cache: { CACHE }` unless CACHE is empty, `pool: { POOL }`, and one
#                      upstream per NAME=URL argument.
#   devnet_config PORT VERIFY POOL [CACHE]
#                      verity_config for the anvil chain (31337, devnet, quorum 2) with the
#                      nodes of ANVILS as upstreams a, b, ...
#   start_verity CONFIG LOG [BINARY]
#                      starts verity (or BINARY) on CONFIG in the background, stderr to LOG;
#                      its pid is in BG_PID (and in pids).
#   bench_wrk FILE WRK-ARGS...
#                      runs wrk with WRK-ARGS (give --latency), its report in FILE, and prints
#                      wrk_parse of it.
#   wrk_parse FILE     from a wrk --latency report: "req/s p50_µs p99_µs non-2xx requests".
#   f VALUES I         the I-th space-separated field of VALUES (to pick from those lines).
#   status_counts PORT from verity's GET /status: "cache-hits cache-misses upstream-requests".
#   vm_rss PID         the resident set size (VmRSS) of PID in KiB.

VERITY=${VERITY_BIN:-build/release/verity}
ANVIL=node_modules/.bin/anvil
OUT=build/bench
POLL=0.1
mkdir -p "$OUT"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

rpc() { curl -s "${@:3}" -X POST -H 'content-type: application/json' -d "$2" "http://127.0.0.1:$1/"; }
post_headers() { rpc "$1" "$2" -D - -o /dev/null | tr -d '\r'; }
header() { awk -F': ' -v h="$1" 'tolower($1)==h {print $2}'; }

poll() {
  local i
  for i in $(seq 1 100); do "$@" >/dev/null && return 0; sleep "$POLL"; done
  return 0
}
wait_answer() { local p; for p in "$@"; do poll curl -s -o /dev/null "http://127.0.0.1:$p/"; done; }
wait_healthy() { local p; for p in "$@"; do poll curl -sf -o /dev/null "http://127.0.0.1:$p/healthz"; done; }

ANVILS=()
start_anvils() {
  local p
  ANVILS=("$@")
  for p in "$@"; do "$ANVIL" --port "$p" --silent --timestamp 1700000000 & pids+=($!); done
  for p in "$@"; do poll rpc "$p" '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}'; done
}
mine_blocks() {
  local i p batch=""
  for i in $(seq 1 "$1"); do
    batch+="${batch:+,}{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"evm_mine\",\"params\":[$((1700000000 + 12 * i))]}"
  done
  for p in "${ANVILS[@]}"; do rpc "$p" "[$batch]" >/dev/null; done
}

verity_config() {
  local up
  echo "listen: 127.0.0.1:$1"
  echo "log: { level: warn }"
  echo "chain: { $2 }"
  echo "anchor: { mode: quorum, quorum: $3 }"
  echo "verify: $4"
  [ -z "$6" ] || echo "cache: { $6 }"
  echo "pool: { $5 }"
  echo "upstreams:"
  for up in "${@:7}"; do echo "  - { name: ${up%%=*}, url: \"${up#*=}\" }"; done
}
devnet_config() {
  local names=(a b c d e f g h) ups=() i
  for i in "${!ANVILS[@]}"; do ups+=("${names[i]}=http://127.0.0.1:${ANVILS[i]}"); done
  verity_config "$1" "id: 31337, name: devnet" 2 "$2" "$3" "${4:-}" "${ups[@]}"
}
start_verity() {
  "${3:-$VERITY}" --config "$1" 2> "$2" & BG_PID=$!
  pids+=("$BG_PID")
}

bench_wrk() {
  wrk "${@:2}" > "$1" 2>&1
  wrk_parse "$1"
}
wrk_parse() {
  awk '
    function us(v) { if (v ~ /us$/) return v+0; if (v ~ /ms$/) return (v+0)*1000; return (v+0)*1e6 }
    /Requests\/sec/ { rps=$2 }
    /^ +50%/ { p50=us($2) }
    /^ +99%/ { p99=us($2) }
    /Non-2xx/ { bad=$NF }
    /requests in/ { n=$1 }
    END { printf "%d %.0f %.0f %s %d\n", rps, p50, p99, (bad==""?0:bad), n }' "$1"
}
f() { echo "$1" | awk -v i="$2" '{print $i}'; }

status_counts() {
  curl -s "http://127.0.0.1:$1/status" |
    python3 -c 'import json,sys; s=json.load(sys.stdin); c=s["cache"]; print(c["hits"], c["misses"], sum(u["requests"] for u in s["upstreams"]))'
}
vm_rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
