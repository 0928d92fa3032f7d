#!/usr/bin/env bash
# bench/call.sh: verified vs unverified eth_call through verity (bench/call_bench.mjs):
# cold added p50 of a balanceOf-like call, warm throughput ratio at a final block, and a
# Multicall3-style aggregate3 of 50 token balances cold and warm, on three loopback anvil
# nodes. Needs node_modules (scripts/deps.sh) and build/release/verity.
#   bench/call.sh            (N=200 cold calls, SECS=5 warm, C=16 clients; prints markdown)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/release/verity ] || make --no-print-directory build V=release >/dev/null
VERITY_BIN=${VERITY_BIN:-$PWD/build/release/verity} VERITY_LOG_LEVEL=${VERITY_LOG_LEVEL:-error} \
  exec node bench/call_bench.mjs
