#!/usr/bin/env bash
# bench/verified.sh: the end-to-end cost of proof checking, side by side in one run.
#
# Two anvil nodes (one chain: same genesis, automine) behind two verity instances with
# the same config except `verify`: one proves eth_getBalance (eth_getProof upstream,
# account proof checked against the anchored header's stateRoot), the other passes
# eth_getBalance through. wrk drives both with the same request; the table reports
# requests/s and latency, and the ratio. Every request asks for another address, so
# nothing is answered from the cache on either side. Loopback only.
#
#   bench/verified.sh [SECONDS]   (default 10; writes build/bench/verified.md)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
VERITY=${VERITY_BIN:-build/release/verity}
ANVIL=node_modules/.bin/anvil
OUT=build/bench
mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
A1=$(free_port); A2=$(free_port); PV=$(free_port); PU=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for p in $A1 $A2; do "$ANVIL" --port "$p" --silent --timestamp 1700000000 & pids+=($!); done
for p in $A1 $A2; do for _ in $(seq 1 100); do curl -s -o /dev/null -X POST -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' "http://127.0.0.1:$p" && break; sleep 0.1; done; done
for p in $A1 $A2; do curl -s -o /dev/null -X POST -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"evm_mine","params":[1700000012]}' "http://127.0.0.1:$p"; done
for v in verified:$PV:true plain:$PU:false; do
  IFS=: read -r name port flag <<< "$v"
  cat > "$OUT/verity-$name.yaml" <<CFG
listen: 127.0.0.1:$port
log: { level: warn }
chain: { id: 31337, name: devnet }
anchor: { mode: quorum, quorum: 2 }
verify: $flag
pool: { timeout_ms: 2000, hedge_after_ms: 500, head_poll_ms: 1000 }
upstreams:
  - { name: a, url: "http://127.0.0.1:$A1" }
  - { name: b, url: "http://127.0.0.1:$A2" }
CFG
  "$VERITY" --config "$OUT/verity-$name.yaml" 2> "$OUT/verity-$name.log" & pids+=($!)
done
for p in $PV $PU; do for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.1; done; done
export BODY='{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","latest"]}'
run() {
  wrk -t1 -c"$2" -d"$3"s --latency -s bench/balance_random.lua "$1" > "$OUT/wrk-v.txt" 2>&1
  awk 'function us(v){ if (v ~ /us$/) return v+0; if (v ~ /ms$/) return (v+0)*1000; return (v+0)*1e6 }
       /Requests\/sec/ {r=$2} /^ +50%/ {a=us($2)} /^ +99%/ {b=us($2)} /Non-2xx/ {bad=$NF}
       END {printf "%d %.0f %.0f %s\n", r, a, b, (bad==""?0:bad)}' "$OUT/wrk-v.txt"
}
trust_v=$(curl -s -D - -o /dev/null -X POST -H 'content-type: application/json' -d "$BODY" "http://127.0.0.1:$PV/" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-verity-trust"{print $2}')
trust_u=$(curl -s -D - -o /dev/null -X POST -H 'content-type: application/json' -d "$BODY" "http://127.0.0.1:$PU/" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-verity-trust"{print $2}')
run "http://127.0.0.1:$PV/" 2 1 >/dev/null; run "http://127.0.0.1:$PU/" 2 1 >/dev/null
V=$(run "http://127.0.0.1:$PV/" 8 "$SECS"); U=$(run "http://127.0.0.1:$PU/" 8 "$SECS")
V1=$(run "http://127.0.0.1:$PV/" 1 "$SECS"); U1=$(run "http://127.0.0.1:$PU/" 1 "$SECS")
f() { echo "$1" | awk -v i="$2" '{print $i}'; }
{
  echo "### Verified vs unverified eth_getBalance through verity, $(date -u +%Y-%m-%d), $(nproc) cores, ${SECS}s per run"
  echo
  echo "Command: \`bench/verified.sh $SECS\` (two anvil upstreams; wrk -t1 -c8 and -c1; a new address per request, so no cache hits)"
  echo
  echo "| verity | trust | req/s (c=8) | p50 µs (c=8) | p99 µs (c=8) | p50 µs (c=1) | p99 µs (c=1) | non-2xx |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| verify: true | $trust_v | $(f "$V" 1) | $(f "$V" 2) | $(f "$V" 3) | $(f "$V1" 2) | $(f "$V1" 3) | $(f "$V" 4) |"
  echo "| verify: false | $trust_u | $(f "$U" 1) | $(f "$U" 2) | $(f "$U" 3) | $(f "$U1" 2) | $(f "$U1" 3) | $(f "$U" 4) |"
  echo
  awk -v v="$(f "$V" 1)" -v u="$(f "$U" 1)" 'BEGIN { printf "- throughput verified / unverified: **%.2f**\n", v/u }'
  awk -v v="$(f "$V1" 2)" -v u="$(f "$U1" 2)" 'BEGIN { printf "- added p50 at c=1 for proving: **%d µs** (eth_getProof instead of eth_getBalance upstream, plus the check)\n", v-u }'
} | tee "$OUT/verified.md"
