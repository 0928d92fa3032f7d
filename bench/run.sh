#!/usr/bin/env bash
# bench/run.sh: passthrough benchmark, side by side in one run, on loopback only.
#
# A fast local upstream (nginx returning a canned JSON-RPC reply) is measured three
# ways with wrk: directly, through HAProxy (plain HTTP passthrough, keep-alive reuse),
# and through verity (JSON-RPC parsing, method table, block pinning, upstream pool).
# Reports requests/s and p50/p99 latency at 32 connections, added p50/p99 latency at
# one connection, and verity's idle RSS with 10 upstreams. Ratios are verity/HAProxy.
# The canned upstream cannot serve proofs, so verity runs with `verify: false` here: this
# measures the gateway path itself (bench/verified.sh measures what proving adds).
#
#   bench/run.sh [SECONDS]     (default 10; writes build/bench/result.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
POLL=0.05
SECS=${1:-10}
rm -rf "$OUT/nginx" && mkdir -p "$OUT/nginx"
P_UP=$(free_port); P_HA=$(free_port); P_VT=$(free_port); P_VT10=$(free_port)

sed -e "s|@PORT@|$P_UP|g" -e "s|@DIR@|$PWD/$OUT/nginx|g" bench/nginx.conf.in > "$OUT/nginx/nginx.conf"
nginx -c "$PWD/$OUT/nginx/nginx.conf" -e "$PWD/$OUT/nginx/nginx-error.log" & pids+=($!)

cat > "$OUT/haproxy.cfg" <<CFG
global
  maxconn 4096
  nbthread 1
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe
  bind 127.0.0.1:$P_HA
  default_backend be
backend be
  server up 127.0.0.1:$P_UP
CFG
haproxy -f "$OUT/haproxy.cfg" -q & pids+=($!)

verity_config "$P_VT" "id: 4660, name: bench" 1 false \
  "timeout_ms: 2000, connect_timeout_ms: 1000, hedge_after_ms: 1000, head_poll_ms: 1000" "" \
  "nginx=http://127.0.0.1:$P_UP" > "$OUT/verity.yaml"
start_verity "$OUT/verity.yaml" "$OUT/verity.log"; VPID=$BG_PID

ups=(); for i in $(seq 1 10); do ups+=("up$i=http://127.0.0.1:$P_UP"); done
verity_config "$P_VT10" "id: 4660, name: bench" 2 false "head_poll_ms: 1000" "" "${ups[@]}" > "$OUT/verity10.yaml"
start_verity "$OUT/verity10.yaml" "$OUT/verity10.log"; V10=$BG_PID

wait_answer "$P_UP" "$P_HA" "$P_VT" "$P_VT10"
wait_healthy "$P_VT" # verity's head

run_wrk() { bench_wrk "$OUT/wrk.txt" -t1 -c"$2" -d"$3"s --latency -s bench/post.lua "$1"; } # url conns secs

declare -A R
for t in direct haproxy verity; do
  case $t in direct) u="http://127.0.0.1:$P_UP/";; haproxy) u="http://127.0.0.1:$P_HA/";; verity) u="http://127.0.0.1:$P_VT/";; esac
  run_wrk "$u" 2 1 > /dev/null   # warm up
  R[$t.load]=$(run_wrk "$u" 32 "$SECS")
  R[$t.one]=$(run_wrk "$u" 1 "$SECS")
done
check=$(rpc "$P_VT" "$(sed -n 's/.*or .\(.*\).$/\1/p' bench/post.lua)")
rss_kb=$(vm_rss "$V10")
rss1_kb=$(vm_rss "$VPID")

r() { f "${R[$1]}" "$2"; } # result key, field
{
  echo "### Passthrough (cache miss), $(date -u +%Y-%m-%d), $(nproc) cores, ${SECS}s per run"
  echo
  echo "Command: \`bench/run.sh $SECS\` (wrk -t1 -c32 and -c1, POST eth_getBalance; upstream: nginx returning a canned reply)"
  echo
  echo "| path | req/s (c=32) | p50 µs (c=32) | p99 µs (c=32) | p50 µs (c=1) | p99 µs (c=1) | non-2xx |"
  echo "|---|---|---|---|---|---|---|"
  for t in direct haproxy verity; do
    echo "| $t | $(r $t.load 1) | $(r $t.load 2) | $(r $t.load 3) | $(r $t.one 2) | $(r $t.one 3) | $(r $t.load 4) |"
  done
  echo
  awk -v v="$(r verity.load 1)" -v h="$(r haproxy.load 1)" 'BEGIN { printf "- throughput verity / HAProxy: **%.2f**\n", v/h }'
  awk -v v="$(r verity.one 2)" -v d="$(r direct.one 2)" -v h="$(r haproxy.one 2)" 'BEGIN { printf "- added p50 at c=1: verity **%d µs**, HAProxy %d µs (target ≤ 50 µs)\n", v-d, h-d }'
  awk -v v="$(r verity.one 3)" -v d="$(r direct.one 3)" -v h="$(r haproxy.one 3)" 'BEGIN { printf "- added p99 at c=1: verity **%d µs**, HAProxy %d µs (target ≤ 200 µs)\n", v-d, h-d }'
  echo "- verity RSS after the run, 1 upstream: $((rss1_kb / 1024)) MiB; idle with 10 upstreams: **$((rss_kb / 1024)) MiB** ($rss_kb KiB; target ≤ 20 MB)"
  echo "- sample answer through verity: \`$check\`"
} | tee "$OUT/result.md"
