#!/usr/bin/env bash
# evm-tests.sh RUNNER FIXTURES: the EVM conformance run (make evm-tests).
#
# Runs RUNNER (build/<V>/evm-statetest) over every folder of
# FIXTURES/ethereum-tests/GeneralStateTests (folders that only hold folders, such as
# Cancun/ or Pyspecs/, are split into their subfolders) and over
# EIPTests/StateTests/stEIP2537, one folder per job on `nproc` jobs (EVM_JOBS overrides).
# Each job's output is printed whole, in folder order; then the totals and the plain
# line `N passed, M failed`. Exit status: non-zero when any job failed (an unlisted
# failure, a listed case that now passes, a file that cannot be loaded).
# tests/evm/known_failures.txt is the list of allowed failures (see statetest.c).
set -u
runner=$1
fixtures=${2:-../shared/fixtures}
root="$fixtures/ethereum-tests"
known="$(dirname "$0")/../tests/evm/known_failures.txt"
if [ ! -d "$root/GeneralStateTests" ]; then
  echo "evm-tests: skip: $root/GeneralStateTests is absent (FIXTURES=$fixtures); nothing was run"
  exit 0
fi
jobs=${EVM_JOBS:-$(nproc)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

folders=()
for d in "$root"/GeneralStateTests/*/; do
  d=${d%/}
  if compgen -G "$d/*.json" > /dev/null; then
    folders+=("$d")
  else
    for s in "$d"/*/; do folders+=("${s%/}"); done
  fi
done
[ -d "$root/EIPTests/StateTests/stEIP2537" ] && folders+=("$root/EIPTests/StateTests/stEIP2537")

# The longest jobs start first, so the run takes about as long as its longest job
# (stTimeConsuming holds CALLBlake2f_MaxRounds: 2^32-1 blake2f rounds, one case of
# about two minutes) rather than that plus whatever was queued before it.
heavy=(GeneralStateTests/stTimeConsuming GeneralStateTests/VMTests/vmPerformance
       EIPTests/StateTests/stEIP2537 GeneralStateTests/stZeroKnowledge GeneralStateTests/stBadOpcode)
ordered=()
for h in "${heavy[@]}"; do
  for f in "${folders[@]}"; do [ "$f" = "$root/$h" ] && ordered+=("$f"); done
done
for f in "${folders[@]}"; do
  skip=0
  for h in "${heavy[@]}"; do [ "$f" = "$root/$h" ] && skip=1; done
  [ $skip = 1 ] || ordered+=("$f")
done
folders=("${ordered[@]}")

start=$(date +%s.%N)
# each job writes <folder relative to root, / as _>.out, so the report below (a glob,
# sorted) comes out in folder order whatever order the jobs ran in
for f in "${folders[@]}"; do
  rel=${f#"$root"/}
  echo "${rel//\//_} $f"
done | xargs -P "$jobs" -L 1 bash -c '
  "$0" --known "$1" --root "$2" --slow 5 "$5" > "$3/$4.out" 2>&1
  echo $? > "$3/$4.rc"' "$runner" "$known" "$root" "$out"
end=$(date +%s.%N)

status=0
passed=0; failed=0; known=0; skipped=0
for o in "$out"/*.out; do
  grep -v '^[0-9]* passed, [0-9]* failed$' "$o" | grep -v '^(.*skipped)$'
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$o" | tail -n 1)
  if [ -z "$line" ]; then
    echo "evm-tests: $(basename "$o"): the runner ended without a summary (crashed?)"
    status=1
    continue
  fi
  extra=$(grep -E '^\([0-9]+ known failures not counted, [0-9]+ entries' "$o" | tail -n 1)
  if [ -n "$extra" ]; then
    known=$((known + $(echo "$extra" | awk '{print substr($1, 2)}')))
    skipped=$((skipped + $(echo "$extra" | awk '{print $6}')))
  fi
  passed=$((passed + ${line%% passed*}))
  f=${line#*passed, }; failed=$((failed + ${f%% failed*}))
  [ "$(cat "${o%.out}.rc")" = 0 ] || status=1
done
printf 'evm-tests: %d folders on %d jobs in %.1f s\n' "${#folders[@]}" "$jobs" \
  "$(awk "BEGIN { print $end - $start }")"
echo "evm-tests: $known known failures (tests/evm/known_failures.txt) not counted, $skipped entries of forks the runner does not run skipped"
echo "$passed passed, $failed failed"
exit $status
