#!/usr/bin/env bash
# bench/restart.sh: warm restart from the LMDB store (cache.path) against a cold start.
#
# Two anvil nodes (one chain, 200 blocks, so most blocks are final: verity keeps in
# LMDB only answers about blocks at least 64 below its head) behind verity with
# `verify: true` and cache.path set. N eth_getBalance calls at final blocks (distinct
# address × block pairs) are answered once with an empty store (cold: every one is
# proven from the upstreams), verity is stopped (SIGTERM: LMDB flushed) and started
# again on the same store (warm). Both starts report
#   (a) exec -> first served request: a probe call polled every 5 ms until answered,
#       and exec -> healthy (/healthz 200: a head agreed by the upstreams; until then
#       no call is cacheable, so nothing is answered from any cache tier);
#   (b) time to answer the N calls once healthy, sent as JSON-RPC batches of 25 over
#       one keep-alive connection (25 per batch: a batch of 100 distinct blocks passes
#       pool.max_inflight, 64 per upstream, and part of it is refused as unavailable),
# and the warm run is checked on /status: every one of the N is an LMDB hit and the
# upstreams were asked for nothing but head polls. Loopback only.
#
#   bench/restart.sh [N]   (default 2000; writes build/bench/restart.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-2000}
STORE=$OUT/restart-store
rm -rf "$STORE"
A1=$(free_port); A2=$(free_port); PV=$(free_port)
start_anvils "$A1" "$A2"
mine_blocks 200
devnet_config "$PV" true "timeout_ms: 4000, hedge_after_ms: 0, head_poll_ms: 1000" "path: $STORE" > "$OUT/verity-restart.yaml"
python3 - "$VERITY" "$OUT/verity-restart.yaml" "$PV" "$N" "$OUT" <<'PY' | tee "$OUT/restart.md"
import http.client, json, os, signal, subprocess, sys, time
verity, cfg, port, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
addrs = max(1, n // 100)
calls = [("0x%040x" % (0x1000 + a), "0x%x" % b) for a in range(addrs) for b in range(1, 121)][:n]
probe = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance",
                    "params": ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x1"]})

def post(conn, body):
    conn.request("POST", "/", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, r.read()

def status():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/status")
    s = json.loads(c.getresponse().read())
    c.close()
    return s

def up_requests(s):
    return sum(u["requests"] for u in s["upstreams"])

def run(label):
    log = open(os.path.join(out, "verity-restart-%s.log" % label), "w")
    t0 = time.perf_counter()
    p = subprocess.Popen([verity, "--config", cfg], stderr=log)
    first = None
    while first is None:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            st, body = post(c, probe)
            c.close()
            if st == 200 and b'"result"' in body:
                first = time.perf_counter() - t0
                break
        except OSError:
            pass
        time.sleep(0.005)
    healthy = None
    while healthy is None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", "/healthz")
        if c.getresponse().status == 200:
            healthy = time.perf_counter() - t0
        c.close()
        if healthy is None:
            time.sleep(0.005)
    s0 = status()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t1 = time.perf_counter()
    answered = 0
    first_err = None
    for i in range(0, len(calls), 25):
        batch = [{"jsonrpc": "2.0", "id": i + j, "method": "eth_getBalance", "params": [a, b]}
                 for j, (a, b) in enumerate(calls[i:i + 25])]
        st, body = post(c, json.dumps(batch))
        for x in json.loads(body):
            if "result" in x:
                answered += 1
            elif first_err is None:
                first_err = json.dumps(x.get("error"))[-400:]
    tn = time.perf_counter() - t1
    c.close()
    time.sleep(0.1)  # LMDB commits every 20 ms
    s1 = status()
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=10)
    if first_err:
        print("<!-- %s: first error: %s -->" % (label, first_err))
    return {"first": first, "healthy": healthy, "all": tn, "answered": answered,
            "lmdb_hits": s1["store"]["lmdb_hits"] - s0["store"]["lmdb_hits"],
            "lmdb_stored": s1["store"]["lmdb_stored"],
            "upstream": up_requests(s1) - up_requests(s0)}

cold = run("cold")
warm = run("warm")
print("### Warm restart from LMDB, %s, %d cores, N = %d" % (time.strftime("%Y-%m-%d", time.gmtime()), os.cpu_count(), n))
print()
print("Command: `bench/restart.sh %d` (verify: true, two anvil upstreams, 200 blocks; N eth_getBalance calls at final blocks, as JSON-RPC batches of 25 over one connection)" % n)
print()
print("| start | exec -> first served request | exec -> healthy | N answered in | N/s | answered | LMDB hits | upstream requests during the N |")
print("|---|---|---|---|---|---|---|---|")
for name, r in (("cold (empty store)", cold), ("warm (store from the cold run)", warm)):
    print("| %s | %.0f ms | %.0f ms | %.0f ms | %.0f | %d | %d | %d |" % (name, r["first"] * 1e3, r["healthy"] * 1e3,
          r["all"] * 1e3, n / r["all"], r["answered"], r["lmdb_hits"], r["upstream"]))
print()
print("- exec -> first served request, warm / cold: **%.2f**; exec -> healthy, warm / cold: **%.2f**"
      % (warm["first"] / cold["first"], warm["healthy"] / cold["healthy"]))
print("- N answered, warm / cold time: **%.3f** (%.1fx faster)" % (warm["all"] / cold["all"], cold["all"] / warm["all"]))
print("- answers stored in LMDB by the cold run: %d" % cold["lmdb_stored"])
PY
