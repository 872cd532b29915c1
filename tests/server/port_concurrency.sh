#!/usr/bin/env bash
# neutrino-server under concurrent port creates over real HTTP: 16 clients create 1,008 ports
# on one /22 (1,021 free addresses), then 16 more than the subnet holds on a /27. Every create
# must be a 201 or, once the subnet is full, Neutron's 409 IpAddressGenerationFailure; never a
# 5xx, never one address or MAC twice, and the /27 gives exactly its 29 addresses.
# With --postgresql: TWO servers sharing one private PostgreSQL (pg_fixture.sh), the clients
# split between them, so allocations must be unique across processes.
# Usage: port_concurrency.sh TOOLS_DIR [--postgresql]. Exits 77 (skipped) without python3 (or,
# with --postgresql, where PostgreSQL cannot run).
set -uo pipefail
tools=$1
engine=${2:-}
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  [ "$engine" = --postgresql ] && pg_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
connection="sqlite:///$tmp/db.sqlite"
servers=1
if [ "$engine" = --postgresql ]; then
  source "$(dirname "$0")/pg_fixture.sh"
  pg_start "$tmp" || exit 1
  connection=$PG_URL
  servers=2
fi
ports=()
for i in $(seq "$servers"); do
  port=$(free_port)
  ports+=("$port")
  printf '[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = %s\n[database]\nconnection = %s\n' \
    "$port" "$connection" >"$tmp/neutron$i.conf"
  "$tools/neutrino-server" --config-file "$tmp/neutron$i.conf" --log-file "$tmp/server$i.log" \
    --state-dir "$tmp" &
  pids+=($!)
done
python3 - "${ports[@]}" <<'PY'
import http.client, json, sys, threading, time

ports = [int(p) for p in sys.argv[1:]]
port = ports[0]
for p in ports:
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", p).request("GET", "/"); break
        except OSError:
            time.sleep(0.1)

def req(conn, method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body else None,
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"null")

def storm(cidr, per_client, clients=16):
    c = http.client.HTTPConnection("127.0.0.1", port)
    st, net = req(c, "POST", "/v2.0/networks", {"network": {"name": cidr}})
    assert st == 201, net
    nid = net["network"]["id"]
    st, sub = req(c, "POST", "/v2.0/subnets",
                  {"subnet": {"network_id": nid, "ip_version": 4, "cidr": cidr}})
    assert st == 201, sub
    results, lock = [], threading.Lock()
    def worker(i):
        cc = http.client.HTTPConnection("127.0.0.1", ports[i % len(ports)])
        for _ in range(per_client):
            got = req(cc, "POST", "/v2.0/ports", {"port": {"network_id": nid}})
            with lock:
                results.append(got)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.perf_counter() - t0
    ok = [b["port"] for s, b in results if s == 201]
    for s, b in results:
        if s != 201:
            assert s == 409 and b["NeutronError"]["type"] == "IpAddressGenerationFailure", (s, b)
    ips = [p["fixed_ips"][0]["ip_address"] for p in ok]
    macs = [p["mac_address"] for p in ok]
    assert len(set(ips)) == len(ips), "duplicate address"
    assert len(set(macs)) == len(macs), "duplicate MAC"
    # A new connection: the server closes keep-alive connections idle for 5 s.
    c = http.client.HTTPConnection("127.0.0.1", port)
    st, listed = req(c, "GET", "/v2.0/ports?network_id=" + nid)
    assert st == 200 and len(listed["ports"]) == len(ok), (st, len(listed["ports"]), len(ok))
    print(f"{cidr}: {len(results)} creates through {len(ports)} server(s), {len(ok)} ports, {len(results) / elapsed:.0f}/s")
    return len(ok)

assert storm("10.20.0.0/22", 63) == 1008
assert storm("10.30.0.0/27", 3) == 29   # 48 creates, 29 addresses

# Two servers: a long-poll on the second wakes on a commit made through the first
# (LISTEN/NOTIFY), long before its 20 s wait ends.
if len(ports) == 2:
    a, b = (http.client.HTTPConnection("127.0.0.1", p) for p in ports)
    since, more = 0, True
    while more:  # the feed pages its backlog (more): follow it to the head
        st, now = req(b, "GET", "/v2.0/neutrino/changes?since=%d&wait=0" % since)
        since, more = now["revision"], now["more"]
    answer = {}
    def poll():
        c = http.client.HTTPConnection("127.0.0.1", ports[1], timeout=30)
        t0 = time.perf_counter()
        answer["got"] = req(c, "GET", "/v2.0/neutrino/changes?since=%d&wait=20" % since)
        answer["s"] = time.perf_counter() - t0
    t = threading.Thread(target=poll); t.start()
    time.sleep(0.5)
    st, net = req(a, "POST", "/v2.0/networks", {"network": {"name": "woken"}})
    assert st == 201, (st, net)
    t.join()
    st, got = answer["got"]
    assert st == 200 and any(ch["id"] == net["network"]["id"] for ch in got["changes"]), got
    assert answer["s"] < 5, answer["s"]
    print(f"cross-server wake: answered {answer['s'] - 0.5:.3f} s after the commit was sent")
print("PASS")
PY
rc=$?
[ $rc -eq 0 ] || tail -n 5 "$tmp"/server*.log
exit $rc
