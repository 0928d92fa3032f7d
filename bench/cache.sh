#!/usr/bin/env bash
# bench/cache.sh: requests/s of answers served from verity's memory cache.
#
# Two anvil nodes (one chain) behind verity with `verify: true`. One call,
# eth_getBalance of the funded dev account at block 0x1, is proven once (warm-up), and
# wrk then repeats it: every later request is a cache hit (checked on /status). Three
# load shapes: wrk -t1 -c64 and -t2 -c64 (one request per connection at a time), and
# the same with HTTP/1.1 pipelining, DEPTH requests per write (bench/pipeline.lua;
# latency there is per batch). The ceiling is the same wrk against bench/http_echo (the
# front door alone answering a canned 60-byte JSON-RPC reply, no JSON-RPC work), on the
# same two cores: verity/echo says how much of the machine's loopback capacity the
# cache-hit path uses. Loopback only.
#
# VERITY_BASE=<another verity binary> adds it, same config, to every row (before/after
# a change, in one run). Each row also gives the server's CPU time per request (user +
# system, from /proc/<pid>/stat around the wrk run): on two shared cores it is steadier
# than requests/s.
#
#   bench/cache.sh [SECONDS]   (default 10; DEPTH=16; writes build/bench/cache.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${1:-10}
DEPTH=${DEPTH:-16}
export DEPTH
ECHO=build/release/bench/http_echo
[ -x "$ECHO" ] || make --no-print-directory bench-build V=release >/dev/null
A1=$(free_port); A2=$(free_port); PV=$(free_port); PE=$(free_port); PB=$(free_port)
BASE=${VERITY_BASE:-}
start_anvils "$A1" "$A2"
mine_blocks 4
devnet_config "$PV" true "timeout_ms: 2000, hedge_after_ms: 500, head_poll_ms: 1000" > "$OUT/verity-cache.yaml"
start_verity "$OUT/verity-cache.yaml" "$OUT/verity-cache.log"; VPID=$BG_PID
if [ -n "$BASE" ]; then
  sed "s/^listen: .*/listen: 127.0.0.1:$PB/" "$OUT/verity-cache.yaml" > "$OUT/verity-cache-base.yaml"
  start_verity "$OUT/verity-cache-base.yaml" "$OUT/verity-cache-base.log" "$BASE"; BPID=$BG_PID
  wait_healthy "$PB"
fi
"$ECHO" "$PE" > "$OUT/http_echo.log" 2>&1 & pids+=($!)
EPID=$!
wait_healthy "$PV"
wait_answer "$PE"
export BODY='{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","0x1"]}'
warm=$(rpc "$PV" "$BODY" -D "$OUT/cache-headers.txt")
trust=$(tr -d '\r' < "$OUT/cache-headers.txt" | header x-verity-trust)
hit_hdr=$(post_headers "$PV" "$BODY" | grep -i '^x-verity' | tr '\n' ' ')
[ -n "$BASE" ] && rpc "$PB" "$BODY" >/dev/null
TCK=$(getconf CLK_TCK)
cpu() { awk '{print $14, $15}' "/proc/$1/stat"; } # utime stime, in ticks
run() { # url threads conns script server-pid -> wrk_parse's req/s p50 p99 non-2xx, then CPU µs/req user, sys
  local c0 c1 w
  c0=$(cpu "$5")
  w=$(bench_wrk "$OUT/wrk-c.txt" -t"$2" -c"$3" -d"$SECS"s --latency -s "$4" "$1")
  c1=$(cpu "$5")
  echo "$w" | awk -v c0="$c0" -v c1="$c1" -v tck="$TCK" '
       {split(c0, x, " "); split(c1, y, " ");
        printf "%s %s %s %s %.2f %.2f\n", $1, $2, ($3 + 0 > 0 ? $3 : "-"), $4, (y[1]-x[1])*1e6/tck/$5, (y[2]-x[2])*1e6/tck/$5}'
}
run "http://127.0.0.1:$PV/" 1 8 bench/post.lua "$VPID" >/dev/null # settle
before=$(status_counts "$PV")
rows=()
for shape in "1 64 bench/post.lua plain" "2 64 bench/post.lua plain" "1 64 bench/pipeline.lua pipelined" "2 64 bench/pipeline.lua pipelined"; do
  read -r t c s kind <<< "$shape"
  V=$(run "http://127.0.0.1:$PV/" "$t" "$c" "$s" "$VPID")
  B="- - - - - -"; [ -n "$BASE" ] && B=$(run "http://127.0.0.1:$PB/" "$t" "$c" "$s" "$BPID")
  E=$(run "http://127.0.0.1:$PE/" "$t" "$c" "$s" "$EPID")
  rows+=("$kind|$t|$c|$V|$E|$B")
done
after=$(status_counts "$PV")
rss=$(vm_rss "$VPID")
{
  echo "### Cache hits, $(date -u +%Y-%m-%d), $(nproc) cores, ${SECS}s per run"
  echo
  echo "Command: \`bench/cache.sh $SECS\` (verify: true, two anvil upstreams; eth_getBalance at block 0x1, proven once then served from memory; pipelined = $DEPTH requests per write, latency per batch)"
  echo
  echo "| load | wrk | verity req/s | p50 µs | p99 µs | non-2xx | verity CPU µs/req user+sys | http_echo req/s (ceiling) | echo CPU µs/req | verity / echo | base req/s | base CPU µs/req | verity / base |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for r in "${rows[@]}"; do
    IFS='|' read -r kind t c V E B <<< "$r"
    ratio=$(awk -v v="$(f "$V" 1)" -v e="$(f "$E" 1)" 'BEGIN { printf "%.2f", v/e }')
    vb=-; [ -n "$BASE" ] && vb=$(awk -v v="$(f "$V" 1)" -v b="$(f "$B" 1)" 'BEGIN { printf "%.2f", v/b }')
    echo "| $kind | -t$t -c$c | $(f "$V" 1) | $(f "$V" 2) | $(f "$V" 3) | $(f "$V" 4) | $(f "$V" 5)+$(f "$V" 6) | $(f "$E" 1) | $(f "$E" 5)+$(f "$E" 6) | $ratio | $(f "$B" 1) | $(f "$B" 5)+$(f "$B" 6) | $vb |"
  done
  echo
  [ -n "$BASE" ] && echo "- base: \`$BASE\`, same config"
  echo "- warm-up answer: trust \`$trust\`, \`$warm\`; a hit: $hit_hdr"
  echo "- /status cache hits during the runs: $(( $(f "$after" 1) - $(f "$before" 1) )), misses: $(( $(f "$after" 2) - $(f "$before" 2) ))"
  echo "- verity RSS after the runs: $((rss / 1024)) MiB"
} | tee "$OUT/cache.md"
