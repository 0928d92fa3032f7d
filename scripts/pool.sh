# pool.sh: a small pool of background jobs, sourced by run-unit.sh and run-fuzz.sh.
#
# pool_start NAME RCFILE CMD...: run CMD in the background; when it ends, its exit status
#   and wall time in seconds ("RC SECS") are written to RCFILE, last.
# pool_reap_until N: wait until fewer than N jobs run; for each job that ends, calls the
#   sourcing script's `report NAME` (after `wait`ing for it). A job has ended when its
#   RCFILE is non-empty.
# pool_reap_all: pool_reap_until 1.
declare -A pool_name=() pool_rc=()   # pid -> name, pid -> rc file

pool_start() {
  local name=$1 rcfile=$2; shift 2
  rm -f "$rcfile"
  ( s0=$(date +%s.%N); "$@"; rc=$?
    printf '%d %.1f\n' "$rc" "$(awk "BEGIN { print $(date +%s.%N) - $s0 }")" > "$rcfile" ) &
  pool_name[$!]=$name
  pool_rc[$!]=$rcfile
}

pool_reap_until() {
  local pid
  while [ "${#pool_name[@]}" -ge "$1" ]; do
    for pid in "${!pool_name[@]}"; do
      if [ -s "${pool_rc[$pid]}" ]; then
        wait "$pid"
        report "${pool_name[$pid]}"
        unset "pool_name[$pid]" "pool_rc[$pid]"
      fi
    done
    [ "${#pool_name[@]}" -ge "$1" ] && sleep 0.1
  done
}

pool_reap_all() { pool_reap_until 1; }
