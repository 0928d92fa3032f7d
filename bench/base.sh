#!/usr/bin/env bash
# bench/base.sh: verified vs unverified reads on an OP-stack (Base-like) chain.
#
# Two anvil nodes in optimism mode (`--optimism`), one chain: every block is mined with
# the same explicit timestamp on both and starts with an OP deposit transaction (type
# 0x7e, as every Base block does), sent to both before the block. Two verity instances
# with `chain.kind: op-stack` and the same config except `verify`; no answer cache
# (cache.memory 0), so every request is carried upstream. wrk drives
#   eth_getBalance       a new address per request (bench/balance_random.lua): proven
#                        from eth_getProof against the quorum-agreed header's stateRoot;
#   eth_getBlockByNumber a random block of BLOCKS (bench/block_random.lua), hashes only:
#                        proven by fetching the full block and checking its header hash
#                        and transactions root (deposits included).
# The machine is shared and noisy: compare the ratios of one run, not absolute figures
# across runs. Loopback only.
#
#   bench/base.sh [SECONDS]   (default 10; BLOCKS=200; writes build/bench/base.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${1:-10}
BLOCKS=${BLOCKS:-200}
export BLOCKS
A1=$(free_port); A2=$(free_port); PV=$(free_port); PU=$(free_port)
ANVILS=("$A1" "$A2")
for p in "${ANVILS[@]}"; do
  "$ANVIL" --port "$p" --silent --optimism --no-mining --timestamp 1700000000 & pids+=($!)
done
for p in "${ANVILS[@]}"; do poll rpc "$p" '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}'; done
# one deposit per block: 0x7e || rlp([sourceHash, from, to, mint, value, gas, isSystemTx, data])
python3 - "$BLOCKS" > "$OUT/base-deposits.txt" <<'PY'
import sys
def rlp_bytes(b):
    if len(b) == 1 and b[0] < 0x80: return b
    if len(b) < 56: return bytes([0x80 + len(b)]) + b
    l = len(b).to_bytes((len(b).bit_length() + 7) // 8, 'big')
    return bytes([0xb7 + len(l)]) + l + b
def rlp_list(items):
    p = b''.join(items)
    if len(p) < 56: return bytes([0xc0 + len(p)]) + p
    l = len(p).to_bytes((len(p).bit_length() + 7) // 8, 'big')
    return bytes([0xf7 + len(l)]) + l + p
q = lambda n: n.to_bytes((n.bit_length() + 7) // 8, 'big') if n else b''
for i in range(1, int(sys.argv[1]) + 1):
    f = [i.to_bytes(32, 'big'), bytes.fromhex('11' * 20), (0xd0000000 + i).to_bytes(20, 'big'),
         q(10**18), q(10**17), q(100000), b'', b'']
    print('0x7e' + rlp_list([rlp_bytes(x) for x in f]).hex())
PY
i=0
while read -r raw; do
  i=$((i + 1))
  for p in "${ANVILS[@]}"; do
    rpc "$p" "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendRawTransaction\",\"params\":[\"$raw\"]}" >/dev/null
    rpc "$p" "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"evm_mine\",\"params\":[$((1700000000 + 2 * i))]}" >/dev/null
  done
done < "$OUT/base-deposits.txt"
h1=$(rpc "$A1" '{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["latest",false]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["hash"])')
h2=$(rpc "$A2" '{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["latest",false]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["hash"])')
[ "$h1" = "$h2" ] || { echo "base.sh: the two anvil nodes forked ($h1 vs $h2)" >&2; exit 1; }
ups=("a=http://127.0.0.1:$A1" "b=http://127.0.0.1:$A2")
for v in verified:$PV:true plain:$PU:false; do
  IFS=: read -r name port flag <<< "$v"
  verity_config "$port" "id: 31337, name: devnet, kind: op-stack" 2 "$flag" \
    "timeout_ms: 2000, hedge_after_ms: 500, head_poll_ms: 1000" "memory: ${CACHE_MEMORY:-0}" "${ups[@]}" > "$OUT/verity-base-$name.yaml"
  start_verity "$OUT/verity-base-$name.yaml" "$OUT/verity-base-$name.log"
done
wait_healthy "$PV" "$PU"
BAL='{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":["0x00000000000000000000000000000000d0000001","latest"]}'
BLK='{"jsonrpc":"2.0","id":7,"method":"eth_getBlockByNumber","params":["0x1",false]}'
trust_bal=$(post_headers "$PV" "$BAL" | header x-verity-trust)
trust_blk=$(post_headers "$PV" "$BLK" | header x-verity-trust)
run() { bench_wrk "$OUT/wrk-base.txt" -t1 -c8 -d"$3"s --latency -s "$2" "$1"; } # url script secs
rows=""
for m in balance:bench/balance_random.lua:eth_getBalance:"$trust_bal" block:bench/block_random.lua:eth_getBlockByNumber:"$trust_blk"; do
  IFS=: read -r tag script method trust <<< "$m"
  run "http://127.0.0.1:$PV/" "$script" 1 >/dev/null; run "http://127.0.0.1:$PU/" "$script" 1 >/dev/null
  V=$(run "http://127.0.0.1:$PV/" "$script" "$SECS"); U=$(run "http://127.0.0.1:$PU/" "$script" "$SECS")
  ratio=$(awk -v v="$(f "$V" 1)" -v u="$(f "$U" 1)" 'BEGIN { printf "%.2f", (u > 0 ? v / u : 0) }')
  rows+="| $method | verify: true ($trust) | $(f "$V" 1) | $(f "$V" 2) | $(f "$V" 3) | $(f "$V" 4) | **$ratio** |"$'\n'
  rows+="| $method | verify: false | $(f "$U" 1) | $(f "$U" 2) | $(f "$U" 3) | $(f "$U" 4) | |"$'\n'
done
{
  echo "### OP stack (Base-like): verified vs unverified through verity, $(date -u +%Y-%m-%d), $(nproc) cores, ${SECS}s per run"
  echo
  echo "Command: \`bench/base.sh $SECS\` (two anvil --optimism upstreams, $BLOCKS blocks each starting with a deposit; wrk -t1 -c8; no answer cache)"
  echo
  echo "| method | verity | req/s | p50 µs | p99 µs | non-2xx | verified / unverified |"
  echo "|---|---|---|---|---|---|---|"
  printf "%s" "$rows"
  echo
  echo "The machine is shared by several jobs: ratios within one run are meaningful, absolute figures are noisy."
} | tee "$OUT/base.md"
