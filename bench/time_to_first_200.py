#!/usr/bin/env python3
"""Starts a command and prints the milliseconds from its launch to the first 200 answered on a URL.

    python3 bench/time_to_first_200.py URL LOGFILE -- java ... -jar rampart.jar ...

Polls with a fresh connection every millisecond (a refused connect costs microseconds on
loopback), so the figure is the launch-to-first-response time within about a millisecond. The
command's stdout and stderr go to LOGFILE. The process is stopped with SIGTERM (SIGKILL after 30 s)
once measured. Standard library only. Exit status 1 when no 200 came within 60 s or the process
died first.
"""

import http.client
import subprocess
import sys
import time
import urllib.parse

LIMIT_S = 60.0


def answered_200(host, port, path):
    conn = http.client.HTTPConnection(host, port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def main(argv):
    if len(argv) < 5 or argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    url = urllib.parse.urlsplit(argv[1])
    with open(argv[2], "ab") as log:
        start = time.monotonic()
        proc = subprocess.Popen(argv[4:], stdout=log, stderr=subprocess.STDOUT)
        try:
            while time.monotonic() - start < LIMIT_S:
                if proc.poll() is not None:
                    print(f"the process exited with status {proc.returncode} before answering", file=sys.stderr)
                    return 1
                if answered_200(url.hostname, url.port, url.path or "/"):
                    print(f"{(time.monotonic() - start) * 1000:.0f}")
                    return 0
                time.sleep(0.001)
            print(f"no 200 from {argv[1]} within {LIMIT_S:.0f}s", file=sys.stderr)
            return 1
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
