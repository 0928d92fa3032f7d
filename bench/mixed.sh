#!/usr/bin/env bash
# bench/mixed.sh: a mixed read workload with the memory cache and without it.
#
# Two anvil nodes (one chain: 200 blocks mined with the same timestamps on both, each
# with two value transfers to 300 addresses, so balances, nonces, blocks and receipts
# are not all empty) behind two verity instances with `verify: true` that differ only
# in `cache.memory` (256MiB vs 0 = no memory tier; no cache.path, no Redis). wrk drives
# each in turn with bench/mixed.lua (eth_getBalance, eth_getTransactionCount,
# eth_getBlockByNumber, eth_call, eth_getBlockReceipts over Zipf-distributed addresses
# and final blocks), after a warm-up run of the same length. Reports requests/s,
# latency, the memory hit rate and the upstream requests per answered call, and the
# ratios. Loopback only.
#
#   bench/mixed.sh [SECONDS]   (default 10; writes build/bench/mixed.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${1:-10}
A1=$(free_port); A2=$(free_port); PC=$(free_port); PN=$(free_port)
start_anvils "$A1" "$A2"
python3 - "$A1" "$A2" <<'PY'
# The same transfers and the same block timestamps on both nodes: one chain.
import http.client, json, sys, time
conns = []
for port in sys.argv[1:]:
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
            c.request("POST", "/", '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', {"Content-Type": "application/json"})
            c.getresponse().read()
            conns.append(c)
            break
        except OSError:
            time.sleep(0.1)
def rpc(c, method, params):
    c.request("POST", "/", json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
              {"Content-Type": "application/json"})
    r = json.loads(c.getresponse().read())
    if "error" in r:
        raise SystemExit("%s: %s" % (method, r["error"]))
    return r["result"]
accts = rpc(conns[0], "eth_accounts", [])
for c in conns:
    rpc(c, "evm_setAutomine", [False])
for i in range(1, 201):
    for c in conns:
        for k in range(2):
            to = "0x%040x" % (0x1000 + (2 * i + k) % 300)
            rpc(c, "eth_sendTransaction", [{"from": accts[k], "to": to, "value": hex(10**15 * i), "gas": "0x5208",
                                           "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x1"}])
        rpc(c, "evm_mine", [1700000000 + 12 * i])
h = [rpc(c, "eth_getBlockByNumber", ["0xc8", False])["hash"] for c in conns]
if h[0] != h[1]:
    raise SystemExit("the two anvil nodes did not build the same chain")
PY
for v in cached:$PC:256MiB none:$PN:0; do
  IFS=: read -r name port mem <<< "$v"
  devnet_config "$port" true "timeout_ms: 4000, hedge_after_ms: 0, head_poll_ms: 1000" "memory: $mem" > "$OUT/verity-mixed-$name.yaml"
  start_verity "$OUT/verity-mixed-$name.yaml" "$OUT/verity-mixed-$name.log"
done
wait_healthy "$PC" "$PN"
run() { bench_wrk "$OUT/wrk-m.txt" -t1 -c32 -d"$2"s --latency -s bench/mixed.lua "http://127.0.0.1:$1/"; } # port seconds
errs() { # port: JSON-RPC errors in a sample of 200 calls of the workload
  python3 - "$1" <<'PY'
import http.client, json, random, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
bad = 0
for i in range(200):
    b = 130 - int(121 ** random.random()) + 1
    a = "0x%040x" % (0x1000 + int(301 ** random.random()) - 1)
    body = [{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":[a, hex(b)]},
            {"jsonrpc":"2.0","id":1,"method":"eth_getTransactionCount","params":[a, hex(b)]},
            {"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":[hex(b), False]},
            {"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"0x0000000000000000000000000000000000000002","data":"0x"+a[2:]}, hex(b)]},
            {"jsonrpc":"2.0","id":1,"method":"eth_getBlockReceipts","params":[hex(b)]}][i % 5]
    c.request("POST", "/", json.dumps(body), {"Content-Type": "application/json"})
    r = json.loads(c.getresponse().read())
    bad += "error" in r
print(bad)
PY
}
declare -A R S E
for v in cached:$PC none:$PN; do
  IFS=: read -r name port <<< "$v"
  run "$port" "$SECS" > /dev/null # warm-up: the cache fills (nothing to fill without it)
  s0=$(status_counts "$port")
  R[$name]=$(run "$port" "$SECS")
  s1=$(status_counts "$port")
  S[$name]="$s0 $s1"
  E[$name]=$(errs "$port")
done
row() { # name label
  local r=${R[$1]} s=${S[$1]}
  local hits=$(( $(f "$s" 4) - $(f "$s" 1) )) miss=$(( $(f "$s" 5) - $(f "$s" 2) )) up=$(( $(f "$s" 6) - $(f "$s" 3) ))
  local rate=$(awk -v h="$hits" -v n="$(f "$r" 5)" 'BEGIN { printf "%.0f%%", n ? 100*h/n : 0 }')
  local upc=$(awk -v u="$up" -v n="$(f "$r" 5)" 'BEGIN { printf "%.2f", n ? u/n : 0 }')
  echo "| $2 | $(f "$r" 1) | $(f "$r" 2) | $(f "$r" 3) | $(f "$r" 4) | ${E[$1]}/200 | $rate | $upc |"
}
{
  echo "### Mixed workload with and without the memory cache, $(date -u +%Y-%m-%d), $(nproc) cores, ${SECS}s per run"
  echo
  echo "Command: \`bench/mixed.sh $SECS\` (verify: true, two anvil upstreams, 200 blocks; wrk -t1 -c32 -s bench/mixed.lua after a warm-up run of the same length)"
  echo
  echo "| cache.memory | req/s | p50 µs | p99 µs | non-2xx | JSON-RPC errors in a sample | answered from memory | upstream requests per call |"
  echo "|---|---|---|---|---|---|---|---|"
  row cached "256MiB"
  row none "0 (no memory tier)"
  echo
  awk -v c="$(f "${R[cached]}" 1)" -v n="$(f "${R[none]}" 1)" 'BEGIN { printf "- throughput with / without the memory cache: **%.1f**\n", c/n }'
  awk -v c="$(f "${R[cached]}" 2)" -v n="$(f "${R[none]}" 2)" 'BEGIN { printf "- p50 latency with / without: **%.2f**\n", c/n }'
} | tee "$OUT/mixed.md"
