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
. bench/lib.sh
SECS=${1:-10}
A1=$(free_port); A2=$(free_port); PV=$(free_port); PU=$(free_port)
start_anvils "$A1" "$A2"
mine_blocks 1
for v in verified:$PV:true plain:$PU:false; do
  IFS=: read -r name port flag <<< "$v"
  devnet_config "$port" "$flag" "timeout_ms: 2000, hedge_after_ms: 500, head_poll_ms: 1000" > "$OUT/verity-$name.yaml"
  start_verity "$OUT/verity-$name.yaml" "$OUT/verity-$name.log"
done
wait_healthy "$PV" "$PU"
export BODY='{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","latest"]}'
run() { bench_wrk "$OUT/wrk-v.txt" -t1 -c"$2" -d"$3"s --latency -s bench/balance_random.lua "$1"; } # url conns secs
trust_v=$(post_headers "$PV" "$BODY" | header x-verity-trust)
trust_u=$(post_headers "$PU" "$BODY" | header x-verity-trust)
run "http://127.0.0.1:$PV/" 2 1 >/dev/null; run "http://127.0.0.1:$PU/" 2 1 >/dev/null
V=$(run "http://127.0.0.1:$PV/" 8 "$SECS"); U=$(run "http://127.0.0.1:$PU/" 8 "$SECS")
V1=$(run "http://127.0.0.1:$PV/" 1 "$SECS"); U1=$(run "http://127.0.0.1:$PU/" 1 "$SECS")
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
