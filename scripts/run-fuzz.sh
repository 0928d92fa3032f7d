#!/usr/bin/env bash
# run-fuzz.sh SECONDS BIN...: run each libFuzzer harness for SECONDS from its seed
# corpus (tests/fuzz/corpus/NAME, committed seeds; new finds go to build/ only),
# FUZZ_JOBS harnesses at a time (default 2). Each runs for a fixed time, so two side by
# side halve the wall time of the stage and each does fewer runs. A line "ok NAME (runs)"
# or "FAIL NAME" with the log's tail is printed as each ends; then "fuzz: N passed, M
# failed". Exit non-zero if any failed.
set -u
. "$(dirname "$0")/pool.sh"
secs=$1; shift
jobs=${FUZZ_JOBS:-2}
pass=0; fail=0

# report NAME: print the verdict of a finished harness and count it (called by pool.sh)
report() {
  local name=$1 log="build/fuzz-$1.log" rc secs
  read -r rc secs < "build/fuzz-$name.rc" 2>/dev/null || { rc=1; secs=?; }
  if [ "$rc" = 0 ]; then
    pass=$((pass + 1))
    echo "ok    $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') runs; $(grep -c . "$log") log lines)"
  else
    fail=$((fail + 1)); echo "FAIL  $name"; tail -n 60 "$log"
  fi
}

# fuzz_one BIN: one harness for SECONDS from its seeds, output to its log
fuzz_one() {
  local name seeds work
  name=$(basename "$1")
  seeds="tests/fuzz/corpus/${name#fuzz_}"
  work="build/fuzz-corpus/${name#fuzz_}"
  mkdir -p "$work"
  "$1" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "$work" $( [ -d "$seeds" ] && echo "$seeds" ) > "build/fuzz-$name.log" 2>&1
}

for f in "$@"; do
  pool_reap_until "$jobs"
  pool_start "$(basename "$f")" "build/fuzz-$(basename "$f").rc" fuzz_one "$f"
done
pool_reap_all
echo "fuzz: $pass passed, $fail failed"
[ "$fail" = 0 ]
