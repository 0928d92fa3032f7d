#!/usr/bin/env bash
# run-unit.sh DIR BIN...: run each cmocka test binary in isolation under a timeout
# (libuv's runner habit) and print one closing tally line. Exit non-zero if any fail.
set -u
dir=$1; shift
pass=0; fail=0; failed=""
for t in "$@"; do
  name=$(basename "$t")
  if timeout 300 "$t" > "$dir/$name.log" 2>&1; then
    pass=$((pass + 1)); echo "ok    $name"
  else
    fail=$((fail + 1)); failed="$failed $name"; echo "FAIL  $name"; tail -n 40 "$dir/$name.log"
  fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" = 0 ]
