#!/usr/bin/env bash
# bench/callgrind.sh: instructions per cache hit, per function, for one or more verity
# binaries (valgrind --tool=callgrind). Instruction counts repeat from run to run on a
# shared machine, where CPU time does not: this is how a change to the hit path is judged.
#
# Same setup as bench/cache.sh (two anvil nodes, verify: true, eth_getBalance of the dev
# account at block 0x1 proven once). Each binary runs under callgrind with collection off;
# after the warm-up, collection is switched on, N requests (default 2000) are sent one after
# another on one keep-alive connection, collection is switched off and the profile dumped.
# Prints, per binary, instructions per request (total / N) and writes the profile to
# build/bench/callgrind.<label>.out (read it with callgrind_annotate).
#
#   bench/callgrind.sh [N] label=BINARY...   (e.g. new=build/release/verity old=/tmp/old/verity)
#   ANVIL_BIN=<path to anvil> overrides node_modules/.bin/anvil.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ANVIL=${ANVIL_BIN:-$ANVIL}
N=${1:-2000}
shift
A1=$(free_port); A2=$(free_port)
start_anvils "$A1" "$A2"
mine_blocks 4
BODY='{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","0x1"]}'
send() { # PORT COUNT: COUNT POSTs of BODY on one keep-alive connection, each answer read in full
  python3 - "$1" "$2" "$BODY" <<'PY'
import http.client, sys
port, n, body = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    c.request("POST", "/", body, {"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
}
for arg in "$@"; do
  label=${arg%%=*}; bin=${arg#*=}
  P=$(free_port)
  devnet_config "$P" true "timeout_ms: 5000, hedge_after_ms: 2000, head_poll_ms: 1000" > "$OUT/cg-$label.yaml"
  prof="$OUT/callgrind.$label.out"
  rm -f "$prof"
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$prof" \
    "$bin" --config "$OUT/cg-$label.yaml" 2> "$OUT/cg-$label.log" & vp=$!
  pids+=("$vp")
  POLL=0.5 wait_healthy "$P"
  send "$P" 20 # warm-up: the first proves, the rest are hits
  callgrind_control -i on "$vp" >/dev/null
  send "$P" "$N"
  callgrind_control -i off "$vp" >/dev/null
  callgrind_control -d "$vp" >/dev/null
  kill "$vp"; wait "$vp" 2>/dev/null || true
  rm -f "$prof"; mv "$prof.1" "$prof" # the dump taken with collection on; the exit one is empty
  total=$(callgrind_annotate "$prof" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); if (!t) t = $1} END {print t}')
  echo "$label: $total instructions for $N hits = $(( total / N )) per hit ($bin)"
done
