#!/usr/bin/env bash
# deps.sh: install what verity needs to build, test and benchmark on Debian.
# As root, missing packages are installed with apt-get; otherwise the exact
# command to run is printed and the script fails. npm test tools go into
# ./node_modules at the versions pinned in package-lock.json.
set -eu
cd "$(dirname "$0")/.."

APT_PKGS="build-essential pkg-config clang libclang-rt-14-dev
  libuv1-dev libhttp-parser-dev libcurl4-openssl-dev libssl-dev libjansson-dev nettle-dev
  libsecp256k1-dev libgmp-dev liblmdb-dev libhiredis-dev libyaml-dev libcmocka-dev
  redis-server haproxy nginx-light wrk nghttp2-client hyperfine nodejs npm
  chromium"

missing=""
for p in $APT_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
# nodejs may come from elsewhere than Debian (e.g. a newer one on PATH): accept any node >= 18 and npm.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=$(echo "$missing" | tr ' ' '\n' | grep -vxE 'nodejs|npm' | tr '\n' ' ')
fi
missing=$(echo $missing)
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "deps: missing Debian packages. Run:"
    echo "  sudo apt-get install -y $missing"
    exit 1
  fi
fi

if [ "${VERITY_NO_NPM:-0}" != 1 ]; then
  if [ ! -x node_modules/.bin/anvil ] || [ package-lock.json -nt node_modules/.stamp ]; then
    echo "deps: installing pinned npm test tools into ./node_modules"
    npm install --no-audit --no-fund --loglevel=error
    touch node_modules/.stamp
  fi
fi
