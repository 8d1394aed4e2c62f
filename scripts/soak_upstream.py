#!/usr/bin/env python3
"""A stand-in upstream for the soak run: HTTP/1.1 with keep-alive, healthy or flaky.

    soak_upstream.py PORT [--flaky]

Healthy: every request gets 200 with a small body (a POST body is echoed).
Flaky: per request, by weighted chance, 200, 503 with Retry-After, a reset before the response, a
hang (no answer for 30 s), a reset half-way through the body, a close on a reused connection, or
bytes that are not HTTP. The seed is fixed so two runs see the same sequence of faults.
"""
import random
import socket
import socketserver
import struct
import sys
import threading
import time

FAULTS = [("ok", 70), ("503", 10), ("reset", 5), ("hang", 3), ("reset_mid_body", 4),
          ("close_on_reuse", 5), ("garbage", 3)]
_rng = random.Random(20240601)
_rng_lock = threading.Lock()


def pick_fault():
    with _rng_lock:
        return _rng.choices([f for f, _ in FAULTS], weights=[w for _, w in FAULTS])[0]


def read_request(stream):
    """Returns (method, path, body) or None at EOF; reads Content-Length and chunked bodies."""
    line = stream.readline()
    while line in (b"\r\n", b"\n"):
        line = stream.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers = {}
    while True:
        h = stream.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int(stream.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while stream.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            body += stream.read(size)
            stream.readline()
    elif "content-length" in headers:
        body = stream.read(int(headers["content-length"]))
    return method, path, body


def reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class Handler(socketserver.BaseRequestHandler):
    flaky = False

    def handle(self):
        sock = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = sock.makefile("rb")
        served = 0
        try:
            while True:
                req = read_request(stream)
                if req is None:
                    return
                method, path, body = req
                fault = pick_fault() if self.flaky else "ok"
                if fault == "close_on_reuse" and served == 0:
                    fault = "ok"
                served += 1
                payload = body if method == "POST" else b"hello from the upstream\n" * 4
                if fault == "ok":
                    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                                 % len(payload) + payload)
                elif fault == "503":
                    sock.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n"
                                 b"Content-Length: 4\r\n\r\nbusy")
                elif fault in ("reset", "close_on_reuse"):
                    reset(sock)
                    return
                elif fault == "hang":
                    time.sleep(30)
                    return
                elif fault == "reset_mid_body":
                    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
                    reset(sock)
                    return
                elif fault == "garbage":
                    sock.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
                    sock.close()
                    return
        except (ConnectionError, OSError, ValueError):
            return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512


def main():
    port = int(sys.argv[1])
    Handler.flaky = "--flaky" in sys.argv
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
