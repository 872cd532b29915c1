#!/usr/bin/env python3
"""The change feed's wake latency over HTTP (a benchmark, not a test).

Starts neutrino-server (TOOLS_DIR/neutrino-server, SQLite in a temporary directory) and, ROUNDS
times: holds a long-poll `GET /v2.0/neutrino/changes?since=R&wait=30` on one keep-alive
connection, creates a network on another, and times the long-poll's answer against
  - the create's request being sent (an upper bound on commit -> answer: it includes the
    create itself), and
  - the create's response arriving (commit -> answer, minus the create's own reply; can be
    slightly negative when the long-poll's answer overtakes the create's).
Usage: feed_wake.py TOOLS_DIR [ROUNDS]   (default 200)
"""
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def request(conn, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {data!r}")
    return json.loads(data) if data else None


def main():
    tools = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    tmp = tempfile.mkdtemp()
    port = free_port()
    with open(os.path.join(tmp, "neutron.conf"), "w") as f:
        f.write(f"[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = {port}\n"
                f"[database]\nconnection = sqlite:///{tmp}/db.sqlite\n")
    server = subprocess.Popen([os.path.join(tools, "neutrino-server"), "--config-file",
                               os.path.join(tmp, "neutron.conf"), "--state-dir", tmp,
                               "--log-file", os.path.join(tmp, "server.log")],
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        poll = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        write = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        rev = request(poll, "GET", "/v2.0/neutrino/changes?since=0")["revision"]
        from_send, from_reply = [], []
        for i in range(rounds):
            answered = {}

            def wait(since=rev):
                doc = request(poll, "GET", f"/v2.0/neutrino/changes?since={since}&wait=30")
                answered["t"] = time.perf_counter()
                answered["doc"] = doc

            t = threading.Thread(target=wait)
            t.start()
            time.sleep(0.01)  # let the long-poll reach the server and wait
            sent = time.perf_counter()
            request(write, "POST", "/v2.0/networks", {"network": {"name": f"n{i}"}})
            replied = time.perf_counter()
            t.join()
            doc = answered["doc"]
            if not doc["changes"]:
                raise RuntimeError(f"round {i}: empty answer {doc}")
            rev = doc["revision"]
            from_send.append((answered["t"] - sent) * 1e3)
            from_reply.append((answered["t"] - replied) * 1e3)
        for name, xs in (("create sent -> long-poll answered", from_send),
                         ("create answered -> long-poll answered", from_reply)):
            print(f"{name:40s} median {statistics.median(xs):7.3f} ms  "
                  f"worst {max(xs):7.3f} ms  ({len(xs)} rounds)")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
