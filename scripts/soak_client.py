#!/usr/bin/env python3
"""Mixed traffic for the soak run; prints one JSON summary at the end.

    soak_client.py PROXY_PORT SECONDS [THREADS]

Each thread loops over: GET and POST to a healthy route, GET and POST to a flaky route, and now and
then a client that gives up (half a head, or a full request and an immediate close). Every answered
request is counted by status and envelope reason; a request that got no response at all is "lost";
a response whose body was cut after its head (the upstream reset mid-body, which no proxy can mend)
is "cut". Latency percentiles cover answered requests.
"""
import http.client
import json
import random
import socket
import sys
import threading
import time
from collections import Counter

PORT = int(sys.argv[1])
SECONDS = float(sys.argv[2])
THREADS = int(sys.argv[3]) if len(sys.argv) > 3 else 16

lock = threading.Lock()
outcomes = Counter()
latencies = []


def record(key, seconds=None):
    with lock:
        outcomes[key] += 1
        if seconds is not None:
            latencies.append(seconds)


def abort_early(rng):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    try:
        if rng.random() < 0.5:
            s.sendall(b"POST /flaky/abort HTTP/1.1\r\nHost: soak\r\nContent-Len")
        else:
            s.sendall(b"GET /flaky/abort HTTP/1.1\r\nHost: soak\r\n\r\n")
    finally:
        s.close()
    record("client_aborted")


def one_request(conn, rng, n):
    r = rng.random()
    if r < 0.35:
        method, path, body = "GET", "/healthy/item/%d" % n, None
    elif r < 0.45:
        method, path, body = "POST", "/healthy/orders", b"order-%d" % n
    elif r < 0.75:
        method, path, body = "GET", "/flaky/item/%d" % n, None
    else:
        method, path, body = "POST", "/flaky/orders", b"order-%d" % n
    started = time.monotonic()
    conn.request(method, path, body=body, headers={"Host": "soak"})
    response = conn.getresponse()
    try:
        data = response.read()
    except http.client.IncompleteRead:
        record("cut_mid_body")
        return False
    elapsed = time.monotonic() - started
    key = str(response.status)
    if response.getheader("Content-Type", "").startswith("application/json"):
        try:
            key += " " + json.loads(data).get("reason", "?")
        except ValueError:
            key += " (json unreadable)"
    record(key, elapsed)
    return not response.will_close


def worker(seed, deadline):
    rng = random.Random(seed)
    conn = None
    n = 0
    while time.monotonic() < deadline:
        n += 1
        if rng.random() < 0.05:
            try:
                abort_early(rng)
            except OSError as e:
                record("lost (abort connect: %s)" % type(e).__name__)
            continue
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        try:
            if not one_request(conn, rng, n):
                conn.close()
                conn = None
        except (http.client.HTTPException, OSError) as e:
            record("lost (%s)" % type(e).__name__)
            conn.close()
            conn = None


def main():
    deadline = time.monotonic() + SECONDS
    threads = [threading.Thread(target=worker, args=(i, deadline), daemon=True) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ordered = sorted(latencies)

    def pct(p):
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1) if ordered else None

    total = sum(outcomes.values())
    lost = sum(v for k, v in outcomes.items() if k.startswith("lost"))
    print(json.dumps({"requests": total, "lost": lost, "p50_ms": pct(0.50), "p99_ms": pct(0.99),
                      "max_ms": pct(1.0), "outcomes": dict(sorted(outcomes.items()))}, indent=2))


if __name__ == "__main__":
    main()
