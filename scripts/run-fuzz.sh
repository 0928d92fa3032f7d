#!/usr/bin/env bash
# run-fuzz.sh SECONDS BIN...: run each libFuzzer harness for SECONDS from its seed
# corpus (tests/fuzz/corpus/NAME, committed seeds; new finds go to build/ only).
set -u
secs=$1; shift
pass=0; fail=0
for f in "$@"; do
  name=$(basename "$f")
  seeds="tests/fuzz/corpus/${name#fuzz_}"
  work="build/fuzz-corpus/${name#fuzz_}"
  mkdir -p "$work"
  args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  if "$f" "${args[@]}" "$work" $( [ -d "$seeds" ] && echo "$seeds" ) > "build/fuzz-$name.log" 2>&1; then
    pass=$((pass + 1)); echo "ok    $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "build/fuzz-$name.log" | awk '{print $2}') runs; $(grep -c . "build/fuzz-$name.log") log lines)"
  else
    fail=$((fail + 1)); echo "FAIL  $name"; tail -n 60 "build/fuzz-$name.log"
  fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" = 0 ]
