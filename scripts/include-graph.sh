#!/usr/bin/env bash
# include-graph.sh [-v]: check that the folders under src/ include each other without
# a circle, so every stage can be read, tested and changed without the ones above it.
#
# A folder is src/<name>/ (src/core and everything under it count as one: "core").
# An edge A -> B is any `#include "B/..."` in a .c or .h file of A. The edges are
# handed to tsort, which finds any circle; -v prints the folders bottom-up and every
# edge. Exit 0 when the graph has no circle, 1 (naming the circle) when it has one.
# Run by `make unit` (so by `make check`) and by hand: scripts/include-graph.sh -v
set -eu
cd "$(dirname "$0")/.."
edges=$(
  find src -name '*.c' -o -name '*.h' | sort | while read -r f; do
    from=${f#src/}; from=${from%%/*}
    grep -ho '^#include "[a-z_0-9]*/' "$f" | sed 's/^#include "//; s#/$##' | while read -r to; do
      [ "$to" = "$from" ] || echo "$from $to"
    done
  done | sort -u
)
if ! order=$(printf '%s\n' "$edges" | tsort 2>/tmp/include-graph.$$); then
  echo "include-graph: the folders under src/ include each other in a circle:" >&2
  cat /tmp/include-graph.$$ >&2
  rm -f /tmp/include-graph.$$
  exit 1
fi
if [ -s /tmp/include-graph.$$ ]; then
  echo "include-graph: the folders under src/ include each other in a circle:" >&2
  cat /tmp/include-graph.$$ >&2
  rm -f /tmp/include-graph.$$
  exit 1
fi
rm -f /tmp/include-graph.$$
if [ "${1:-}" = "-v" ]; then
  echo "folders, top of the flow first:"
  printf '%s\n' "$order" | sed 's/^/  /'
  echo "edges (A includes B):"
  printf '%s\n' "$edges" | sed 's/^/  /'
fi
echo "include-graph: $(printf '%s\n' "$order" | wc -l) folders, $(printf '%s\n' "$edges" | wc -l) edges, no circle"
