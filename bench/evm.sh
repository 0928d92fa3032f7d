#!/usr/bin/env bash
# bench/evm.sh: EVM interpreter speed, verity beside @ethereumjs/evm on the same bytecode,
# in one run (bench/evm_bench.mjs does the work; see its header for the programs and
# how each side is timed). Builds build/release/evmrun, checks that both EVMs agree on
# every program, then prints the table and writes it to build/bench/evm.md.
#
#   bench/evm.sh            (EVM_BENCH_SCALE=N multiplies the repeat counts)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
nice make --no-print-directory -j2 build/release/evmrun V=release > /dev/null
echo "evm bench: $(date -u +%FT%TZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" >&2
EVMRUN_BIN=build/release/evmrun node bench/evm_bench.mjs | tee build/bench/evm.md
