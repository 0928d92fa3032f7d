#!/usr/bin/env bash
# run-unit.sh DIR BIN...: run each cmocka test binary in isolation under a timeout
# (libuv's runner habit), UNIT_JOBS of them at a time (default 2, the machine's cores),
# and print one closing tally line. Exit non-zero if any fail.
#
# Each binary writes DIR/NAME.log; its status goes to DIR/NAME.rc. A line "ok NAME" or
# "FAIL NAME" (with the log's tail) is printed as each one ends, so the order follows
# completion, not the argument list; each carries its wall time in seconds. The binaries make their own temporary directories
# and pick free ports, so two of them side by side do not share anything.
#
# Binaries that assert wall-clock bounds (a Redis outage answered within its timeout plus
# 40 ms, a slow HTTP/2 stream overtaken by a fast one, upstream hedging delays) run last,
# one at a time with nothing beside them: UNIT_SOLO lists them (names, no path).
set -u
dir=$1; shift
jobs=${UNIT_JOBS:-2}
per_test_secs=${UNIT_TIMEOUT:-300}
solo=${UNIT_SOLO:-test_redis test_upstream test_fetch_h2 test_h1client test_flight}
pass=0; fail=0; failed=""

# report NAME: print the verdict of a finished binary and count it
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

# the parallel ones first, then the solo ones (each then waits for the one before)
ordered=(); last=()
for t in "$@"; do
  case " $solo " in *" $(basename "$t") "*) last+=("$t") ;; *) ordered+=("$t") ;; esac
done
ordered+=(${last[@]+"${last[@]}"})
n_parallel=$(( ${#ordered[@]} - ${#last[@]} ))

declare -A running=()   # pid -> name
# reap_until N: wait until fewer than N binaries run, reporting each one that ends (a
# binary has ended when its .rc file exists: its subshell writes it last)
reap_until() {
  while [ "${#running[@]}" -ge "$1" ]; do
    for pid in "${!running[@]}"; do
      if [ -s "$dir/${running[$pid]}.rc" ]; then
        wait "$pid"; report "${running[$pid]}"; unset "running[$pid]"
      fi
    done
    [ "${#running[@]}" -ge "$1" ] && sleep 0.1
  done
}
i=0
for t in "${ordered[@]}"; do
  name=$(basename "$t")
  i=$((i + 1))
  # a solo binary starts when nothing else runs
  if [ "$i" -gt "$n_parallel" ]; then reap_until 1; else reap_until "$jobs"; fi
  rm -f "$dir/$name.rc"
  ( s0=$(date +%s.%N); timeout "$per_test_secs" "$t" > "$dir/$name.log" 2>&1; rc=$?
    printf '%d %.1f\n' "$rc" "$(awk "BEGIN { print $(date +%s.%N) - $s0 }")" > "$dir/$name.rc" ) &
  running[$!]=$name
done
for pid in "${!running[@]}"; do
  wait "$pid"
  report "${running[$pid]}"
done
echo "unit: $pass passed, $fail failed${failed:+ (failed:$failed)}"
[ "$fail" = 0 ]
