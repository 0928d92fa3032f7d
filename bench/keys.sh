#!/usr/bin/env bash
# bench/keys.sh: what client keys cost on the cache-hit path.
#
# Two verity instances with the same config in front of two anvil nodes (verify: true),
# one open (no keys) and one with KEYS client keys (default 1000; the one used has no
# rate limit, so every request is looked up, charged to its bucket and counted, and
# none is refused). One call, eth_getBalance at block 0x1, is proven once per instance
# (warm-up) and wrk then repeats it: every later request is a cache hit. The key goes as
# X-Verity-Key (header) and in the path (/k/<key>); the open instance gets the same
# header (it ignores it), so the bytes on the wire are the same and the difference is
# the check itself. Each row gives requests/s and the
# server's CPU time per request (user + system, /proc/<pid>/stat around the wrk run:
# steadier than requests/s on two shared cores), and the ratio keys / open.
#
#   bench/keys.sh [SECONDS]   (default 10; KEYS=1000; writes build/bench/keys.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${1:-10}
NKEYS=${KEYS:-1000}
A1=$(free_port); A2=$(free_port); PO=$(free_port); PK=$(free_port)
start_anvils "$A1" "$A2"
mine_blocks 4
devnet_config "$PO" true "timeout_ms: 2000, hedge_after_ms: 500, head_poll_ms: 1000" > "$OUT/verity-open.yaml"
KEY="bench-key-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
{
  sed "s/^listen: .*/listen: 127.0.0.1:$PK/" "$OUT/verity-open.yaml"
  echo "keys:"
  for i in $(seq 2 "$NKEYS"); do echo "  - { name: k$i, key: bench-other-key-$i-abcdef, rps: 100 }"; done
  echo "  - { name: bench, key: \"\${BENCH_VERITY_KEY}\" }"
} > "$OUT/verity-keys.yaml"
export BENCH_VERITY_KEY="$KEY"
start_verity "$OUT/verity-open.yaml" "$OUT/verity-open.log"; OPID=$BG_PID
start_verity "$OUT/verity-keys.yaml" "$OUT/verity-keys.log"; KPID=$BG_PID
wait_healthy "$PO" "$PK"
export BODY='{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","0x1"]}'
rpc "$PO" "$BODY" >/dev/null
rpc "$PK" "$BODY" -H "X-Verity-Key: $KEY" >/dev/null
code=$(rpc "$PK" "$BODY" -o /dev/null -w '%{http_code}')
[ "$code" = 401 ] || { echo "keys instance answered $code without a key (expected 401)" >&2; exit 1; }
TCK=$(getconf CLK_TCK)
cpu() { awk '{print $14, $15}' "/proc/$1/stat"; }
run() { # url threads conns server-pid [wrk args...] -> req/s p50 p99 non-2xx CPU-µs/req
  local c0 c1 w
  c0=$(cpu "$4")
  w=$(bench_wrk "$OUT/wrk-k.txt" -t"$2" -c"$3" -d"$SECS"s --latency -s bench/post.lua "${@:5}" "$1")
  c1=$(cpu "$4")
  echo "$w" | awk -v c0="$c0" -v c1="$c1" -v tck="$TCK" '
       {split(c0, x, " "); split(c1, y, " ");
        printf "%s %s %s %s %.2f\n", $1, $2, $3, $4, ((y[1]-x[1])+(y[2]-x[2]))*1e6/tck/$5}'
}
run "http://127.0.0.1:$PO/" 1 8 "$OPID" >/dev/null # settle
run "http://127.0.0.1:$PK/" 1 8 "$KPID" -H "X-Verity-Key: $KEY" >/dev/null
rows=()
for shape in "1 64" "2 64"; do
  read -r t c <<< "$shape"
  O=$(run "http://127.0.0.1:$PO/" "$t" "$c" "$OPID" -H "X-Verity-Key: $KEY")
  H=$(run "http://127.0.0.1:$PK/" "$t" "$c" "$KPID" -H "X-Verity-Key: $KEY")
  P=$(run "http://127.0.0.1:$PK/k/$KEY" "$t" "$c" "$KPID")
  rows+=("$t|$c|$O|$H|$P")
done
admitted=$(curl -s "http://127.0.0.1:$PK/status" | python3 -c 'import json,sys; a=json.load(sys.stdin)["access"]; print(a["admitted"], a["limited"], a["wrong"])')
{
  echo "### Client keys on the cache-hit path, $(date -u +%Y-%m-%d), $(nproc) cores, ${SECS}s per run"
  echo
  echo "Command: \`bench/keys.sh $SECS\` ($NKEYS keys configured; verify: true, two anvil upstreams; eth_getBalance at block 0x1 served from memory)"
  echo
  echo "| wrk | open req/s | open p50 µs | open CPU µs/req | key header req/s | p50 µs | CPU µs/req | key in path req/s | p50 µs | CPU µs/req | req/s header/open | req/s path/open | CPU header/open |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for r in "${rows[@]}"; do
    IFS='|' read -r t c O H P <<< "$r"
    rh=$(awk -v a="$(f "$H" 1)" -v b="$(f "$O" 1)" 'BEGIN { printf "%.3f", a/b }')
    rp=$(awk -v a="$(f "$P" 1)" -v b="$(f "$O" 1)" 'BEGIN { printf "%.3f", a/b }')
    ch=$(awk -v a="$(f "$H" 5)" -v b="$(f "$O" 5)" 'BEGIN { printf "%.3f", a/b }')
    echo "| -t$t -c$c | $(f "$O" 1) | $(f "$O" 2) | $(f "$O" 5) | $(f "$H" 1) | $(f "$H" 2) | $(f "$H" 5) | $(f "$P" 1) | $(f "$P" 2) | $(f "$P" 5) | $rh | $rp | $ch |"
  done
  echo
  bad=0; for r in "${rows[@]}"; do IFS='|' read -r t c O H P <<< "$r"; bad=$((bad + $(f "$O" 4) + $(f "$H" 4) + $(f "$P" 4))); done
  echo "- non-2xx answers in all runs: $bad"
  echo "- keys instance /status access: admitted, limited, wrong = $admitted"
} | tee "$OUT/keys.md"
