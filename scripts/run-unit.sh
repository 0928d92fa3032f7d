#!/usr/bin/env bash
# run-unit.sh DIR BIN...: run each cmocka test binary in isolation under a timeout
# (libuv's runner habit), UNIT_JOBS of them at a time (default 2, the machine's cores),
# and print one closing tally line. Exit non-zero if any fail.
#
# Each binary writes DIR/NAME.log; its status and wall time go to DIR/NAME.rc. A line
# "ok NAME (N s)" or "FAIL NAME" (with the log's tail) is printed as each one ends, so
# the order follows completion, not the argument list. The binaries make their own
# temporary directories and pick free ports, so two of them side by side share nothing.
#
# Binaries that assert wall-clock bounds (a Redis outage answered within its timeout plus
# 40 ms, a slow HTTP/2 stream overtaken by a fast one, upstream hedging delays) run last,
# one at a time with nothing beside them: UNIT_SOLO lists them (names, no path).
set -u
. "$(dirname "$0")/pool.sh"
dir=$1; shift
jobs=${UNIT_JOBS:-2}
per_test_secs=${UNIT_TIMEOUT:-300}
solo=${UNIT_SOLO:-test_redis test_upstream test_fetch_h2 test_h1client test_flight}
pass=0; fail=0; failed=""

# report NAME: print the verdict of a finished binary and count it (called by pool.sh)
report() {
  local name=$1 rc secs
  read -r rc secs < "$dir/$name.rc" 2>/dev/null || { rc=1; secs=?; }
  if [ "$rc" = 0 ]; then
    pass=$((pass + 1)); echo "ok    $name (${secs} s)"
  else
    fail=$((fail + 1)); failed="$failed $name"; echo "FAIL  $name (exit $rc, ${secs} s)"
    tail -n 40 "$dir/$name.log"
  fi
}

# run_one BIN: one binary under its timeout, output to its log
run_one() { timeout "$per_test_secs" "$1" > "$dir/$(basename "$1").log" 2>&1; }

# the parallel ones first, then the solo ones, each started when nothing else runs
last=()
for t in "$@"; do
  case " $solo " in
    *" $(basename "$t") "*) last+=("$t") ;;
    *) pool_reap_until "$jobs"; pool_start "$(basename "$t")" "$dir/$(basename "$t").rc" run_one "$t" ;;
  esac
done
for t in ${last[@]+"${last[@]}"}; do
  pool_reap_all
  pool_start "$(basename "$t")" "$dir/$(basename "$t").rc" run_one "$t"
done
pool_reap_all
echo "unit: $pass passed, $fail failed${failed:+ (failed:$failed)}"
[ "$fail" = 0 ]
