#!/usr/bin/env bash
# check.sh: `make check` (what CI runs through .ci/run), in stages, with the stages that
# can share the machine run side by side. Called by the Makefile with MAKE set; prints
# each stage's output whole when the stage ends (never two interleaved), a line
# "== STAGE: ok|FAIL in N s" after it, and at the end one table of every stage's time.
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

# finish NAME RC T0: print a stage's log and its closing line, remember its time
finish() {
  local name=$1 rc=$2 t0=$3 verdict=ok
  cat "$logs/$name.log"
  [ "$rc" = 0 ] || verdict=FAIL
  echo "== $name: $verdict in $(since "$t0") s"
  summary+=("$(printf '%-11s %-4s %5s s' "$name" "$verdict" "$(since "$t0")")")
}

# stage NAME CMD...: run one stage alone
stage() {
  local name=$1 t0 rc; shift
  t0=$(now)
  "$@" > "$logs/$name.log" 2>&1; rc=$?
  finish "$name" "$rc" "$t0"
  return "$rc"
}

# pair NAME1 CMD1 NAME2 CMD2: run two stages side by side (each CMD one word: a function)
pair() {
  local t0 p1 p2 rc1 rc2
  t0=$(now)
  "$2" > "$logs/$1.log" 2>&1 & p1=$!
  "$4" > "$logs/$3.log" 2>&1 & p2=$!
  wait "$p1"; rc1=$?
  finish "$1" "$rc1" "$t0"
  wait "$p2"; rc2=$?
  finish "$3" "$rc2" "$t0"
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
