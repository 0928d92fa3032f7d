#!/usr/bin/env bash
# run-fuzz.sh SECONDS BIN...: run each libFuzzer harness for SECONDS from its seed
# corpus (tests/fuzz/corpus/NAME, committed seeds; new finds go to build/ only),
# FUZZ_JOBS harnesses at a time (default 2). Each runs for a fixed time, so two side by
# side halve the wall time of the stage and each does fewer runs. A line "ok NAME (runs)"
# or "FAIL NAME" with the log's tail is printed as each ends; then "fuzz: N passed, M
# failed". Exit non-zero if any failed.
set -u
secs=$1; shift
jobs=${FUZZ_JOBS:-2}
pass=0; fail=0

# report NAME: print the verdict of a finished harness (build/fuzz-NAME.rc) and count it
report() {
  local name=$1 log="build/fuzz-$1.log" rc
  rc=$(cat "build/fuzz-$name.rc" 2>/dev/null || echo 1)
  if [ "$rc" = 0 ]; then
    pass=$((pass + 1))
    echo "ok    $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') runs; $(grep -c . "$log") log lines)"
  else
    fail=$((fail + 1)); echo "FAIL  $name"; tail -n 60 "$log"
  fi
}

declare -A running=()   # pid -> name
for f in "$@"; do
  name=$(basename "$f")
  seeds="tests/fuzz/corpus/${name#fuzz_}"
  work="build/fuzz-corpus/${name#fuzz_}"
  mkdir -p "$work"
  rm -f "build/fuzz-$name.rc"
  args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  ( "$f" "${args[@]}" "$work" $( [ -d "$seeds" ] && echo "$seeds" ) > "build/fuzz-$name.log" 2>&1
    echo $? > "build/fuzz-$name.rc" ) &
  running[$!]=$name
  # a harness has ended when its .rc file exists (written last by its subshell)
  while [ "${#running[@]}" -ge "$jobs" ]; do
    for pid in "${!running[@]}"; do
      if [ -s "build/fuzz-${running[$pid]}.rc" ]; then
        wait "$pid"; report "${running[$pid]}"; unset "running[$pid]"
      fi
    done
    [ "${#running[@]}" -ge "$jobs" ] && sleep 0.2
  done
done
for pid in "${!running[@]}"; do
  wait "$pid"
  report "${running[$pid]}"
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" = 0 ]
