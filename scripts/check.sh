#!/usr/bin/env bash
# check.sh: `make check` (what CI runs through .ci/run), in stages, with the stages that
# can share the machine run side by side. Called by the Makefile with MAKE set; prints
# "== STAGE: started HH:MM:SS" when a stage starts, its output whole when it ends (never
# two interleaved), "== STAGE: ok|FAIL in N s" after it, and at the end a table of times.
# Exit status: non-zero as soon as a stage (or either of two overlapping stages) fails;
# later stages are not started then.
#
# The stages (docs/testing.md has their times and the reasons):
#   build      release, then asan, then fuzz binaries, each `make -j2`
#   unit       release unit binaries, 2 at a time, timing-sensitive ones alone at the end
#   unit-asan  the same under ASan+UBSan
#   evm-tests + fuzz-short   side by side: both are CPU-bound with no clocks to miss; the
#              conformance run's long tail is one case on one core (CALLBlake2f_MaxRounds)
#   e2e        alone: anvil nodes, fault proxies and hedging delays want a quiet machine
#
# CHECK_JOBS (default 2) is the -j of the builds and the width of the unit and fuzz runs.
set -u
cd "$(dirname "$0")/.."
make=${MAKE:-make}
jobs=${CHECK_JOBS:-2}
logs=build/check
mkdir -p "$logs"
summary=()

now() { date +%s.%N; }
since() { awk "BEGIN { printf \"%.0f\", $(now) - $1 }"; }

# finish NAME RC SECS: print a stage's log and its closing line, remember its time
finish() {
  local name=$1 rc=$2 secs=$3 verdict=ok
  cat "$logs/$name.log"
  [ "$rc" = 0 ] || verdict=FAIL
  echo "== $name: $verdict in $secs s"
  summary+=("$(printf '%-11s %-4s %5s s' "$name" "$verdict" "$secs")")
}

# timed NAME FN: run FN with output to NAME's log; write "RC SECONDS" to NAME.rc
timed() {
  local t0 rc
  t0=$(now)
  "$2" > "$logs/$1.log" 2>&1; rc=$?
  echo "$rc $(since "$t0")" > "$logs/$1.rc"
  return "$rc"
}

# stage NAME FN: run one stage alone
stage() {
  local rc secs
  echo "== $1: started $(date -u +%H:%M:%S)"
  timed "$1" "$2"
  read -r rc secs < "$logs/$1.rc"
  finish "$1" "$rc" "$secs"
  return "$rc"
}

# pair NAME1 FN1 NAME2 FN2: run two stages side by side; each keeps its own time
pair() {
  local p1 p2 rc1 rc2 s1 s2
  echo "== $1 and $3: started side by side $(date -u +%H:%M:%S)"
  timed "$1" "$2" & p1=$!
  timed "$3" "$4" & p2=$!
  wait "$p1"; wait "$p2"
  read -r rc1 s1 < "$logs/$1.rc" || rc1=1
  read -r rc2 s2 < "$logs/$3.rc" || rc2=1
  finish "$1" "$rc1" "$s1"
  finish "$3" "$rc2" "$s2"
  [ "$rc1" = 0 ] && [ "$rc2" = 0 ]
}

build_all() {
  local v
  for v in release asan fuzz; do
    echo "-- build $v"
    case $v in
      release) $make -j"$jobs" --no-print-directory build unit-bins evm-tools V=release || return 1 ;;
      asan)    $make -j"$jobs" --no-print-directory unit-bins V=asan || return 1 ;;
      fuzz)    $make -j"$jobs" --no-print-directory fuzz-bins V=fuzz || return 1 ;;
    esac
  done
}
unit_release() { UNIT_JOBS=$jobs $make --no-print-directory unit V=release; }
unit_asan() { UNIT_JOBS=$jobs $make --no-print-directory unit V=asan; }
evm_tests() { EVM_JOBS=$jobs $make --no-print-directory evm-tests V=release; }
fuzz_short() { FUZZ_JOBS=$jobs $make --no-print-directory fuzz-short; }
e2e() { $make --no-print-directory e2e; }

t_all=$(now)
status=0
stage build build_all &&
  stage unit unit_release &&
  stage unit-asan unit_asan &&
  pair evm-tests evm_tests fuzz-short fuzz_short &&
  stage e2e e2e || status=1

echo "== check: stage times ($(nproc) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg))"
printf '   %s\n' "${summary[@]}"
echo "== check: $([ $status = 0 ] && echo ok || echo FAIL) in $(since "$t_all") s"
exit $status
