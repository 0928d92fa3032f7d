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
SECS=${1:-10}
VERITY=${VERITY_BIN:-build/release/verity}
OUT=build/bench
mkdir -p "$OUT"
rm -rf "$OUT/nginx" && mkdir -p "$OUT/nginx"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
P_UP=$(free_port); P_HA=$(free_port); P_VT=$(free_port); P_VT10=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

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

cat > "$OUT/verity.yaml" <<CFG
listen: 127.0.0.1:$P_VT
log: { level: warn }
chain: { id: 4660, name: bench }
anchor: { mode: quorum, quorum: 1 }
verify: false
pool: { timeout_ms: 2000, connect_timeout_ms: 1000, hedge_after_ms: 1000, head_poll_ms: 1000 }
upstreams:
  - { name: nginx, url: "http://127.0.0.1:$P_UP" }
CFG
"$VERITY" --config "$OUT/verity.yaml" 2> "$OUT/verity.log" & VPID=$!; pids+=($VPID)

{
  echo "listen: 127.0.0.1:$P_VT10"
  echo "log: { level: warn }"
  echo "chain: { id: 4660, name: bench }"
  echo "anchor: { mode: quorum, quorum: 2 }"
  echo "verify: false"
  echo "pool: { head_poll_ms: 1000 }"
  echo "upstreams:"
  for i in $(seq 1 10); do echo "  - { name: up$i, url: \"http://127.0.0.1:$P_UP\" }"; done
} > "$OUT/verity10.yaml"
"$VERITY" --config "$OUT/verity10.yaml" 2> "$OUT/verity10.log" & V10=$!; pids+=($V10)

for p in $P_UP $P_HA $P_VT $P_VT10; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.05; done
done
# wait for verity's head
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$P_VT/healthz" && break; sleep 0.05; done

run_wrk() { # url conns secs -> "rps p50_us p99_us"
  wrk -t1 -c"$2" -d"$3"s --latency -s bench/post.lua "$1" > "$OUT/wrk.txt" 2>&1
  awk '
    function us(v) { if (v ~ /us$/) return v+0; if (v ~ /ms$/) return (v+0)*1000; if (v ~ /s$/) return (v+0)*1e6; return v }
    /Requests\/sec/ { rps=$2 }
    /^ +50%/ { p50=us($2) }
    /^ +99%/ { p99=us($2) }
    /Non-2xx/ { bad=$NF }
    END { printf "%d %.0f %.0f %s\n", rps, p50, p99, (bad==""?0:bad) }' "$OUT/wrk.txt"
}

declare -A R
for t in direct haproxy verity; do
  case $t in direct) u="http://127.0.0.1:$P_UP/";; haproxy) u="http://127.0.0.1:$P_HA/";; verity) u="http://127.0.0.1:$P_VT/";; esac
  run_wrk "$u" 2 1 > /dev/null   # warm up
  R[$t.load]=$(run_wrk "$u" 32 "$SECS")
  R[$t.one]=$(run_wrk "$u" 1 "$SECS")
done
check=$(curl -s -X POST -H 'content-type: application/json' --data "$(sed -n 's/.*or .\(.*\).$/\1/p' bench/post.lua)" "http://127.0.0.1:$P_VT/")
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$V10/status)
rss1_kb=$(awk '/VmRSS/ {print $2}' /proc/$VPID/status)

f() { echo "${R[$1]}" | awk -v i="$2" '{print $i}'; }
{
  echo "### Passthrough (cache miss), $(date -u +%Y-%m-%d), $(nproc) cores, ${SECS}s per run"
  echo
  echo "Command: \`bench/run.sh $SECS\` (wrk -t1 -c32 and -c1, POST eth_getBalance; upstream: nginx returning a canned reply)"
  echo
  echo "| path | req/s (c=32) | p50 µs (c=32) | p99 µs (c=32) | p50 µs (c=1) | p99 µs (c=1) | non-2xx |"
  echo "|---|---|---|---|---|---|---|"
  for t in direct haproxy verity; do
    echo "| $t | $(f $t.load 1) | $(f $t.load 2) | $(f $t.load 3) | $(f $t.one 2) | $(f $t.one 3) | $(f $t.load 4) |"
  done
  echo
  awk -v v="$(f verity.load 1)" -v h="$(f haproxy.load 1)" 'BEGIN { printf "- throughput verity / HAProxy: **%.2f**\n", v/h }'
  awk -v v="$(f verity.one 2)" -v d="$(f direct.one 2)" -v h="$(f haproxy.one 2)" 'BEGIN { printf "- added p50 at c=1: verity **%d µs**, HAProxy %d µs (target ≤ 50 µs)\n", v-d, h-d }'
  awk -v v="$(f verity.one 3)" -v d="$(f direct.one 3)" -v h="$(f haproxy.one 3)" 'BEGIN { printf "- added p99 at c=1: verity **%d µs**, HAProxy %d µs (target ≤ 200 µs)\n", v-d, h-d }'
  echo "- verity RSS after the run, 1 upstream: $((rss1_kb / 1024)) MiB; idle with 10 upstreams: **$((rss_kb / 1024)) MiB** ($rss_kb KiB; target ≤ 20 MB)"
  echo "- sample answer through verity: \`$check\`"
} | tee "$OUT/result.md"
