#!/usr/bin/env python3
"""Summarises a JFR recording: top frames of CPU samples and of allocation samples (by weight).

usage: summarize.py recording.jfr [top-n] [requests]

With the number of requests served during the recording, it also prints the bytes allocated per
request by the proxy's event-loop threads (from jdk.ThreadAllocationStatistics, exact per-thread
counters read at the start and end of the recording rather than samples).
"""
import collections
import json
import subprocess
import sys


def events(jfr, name):
    out = subprocess.run(["jfr", "print", "--json", "--events", name, jfr],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def frame_name(frame):
    method = frame["method"]
    return (method["type"]["name"] + "." + method["name"]).replace("/", ".")


def first_project_frame(frames):
    for f in frames:
        if frame_name(f).startswith("dev.rampart"):
            return frame_name(f)
    return "(no rampart frame)"


def main():
    jfr = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    if len(sys.argv) > 3:
        allocated_per_request(jfr, int(sys.argv[3]))

    cpu_top = collections.Counter()
    cpu_self = collections.Counter()
    samples = events(jfr, "jdk.ExecutionSample")
    for e in samples:
        frames = e["values"]["stackTrace"]["frames"] if e["values"]["stackTrace"] else []
        if frames:
            cpu_self[frame_name(frames[0])] += 1
            cpu_top[first_project_frame(frames)] += 1
    print(f"== CPU: {len(samples)} execution samples; top frames (self) ==")
    for name, n in cpu_self.most_common(top):
        print(f"{100.0 * n / len(samples):6.2f}%  {name}")
    print("\n== CPU: nearest rampart frame ==")
    for name, n in cpu_top.most_common(top):
        print(f"{100.0 * n / len(samples):6.2f}%  {name}")

    by_type = collections.Counter()
    by_site = collections.Counter()
    by_stack = collections.Counter()
    total = 0
    for e in events(jfr, "jdk.ObjectAllocationSample"):
        v = e["values"]
        weight = v["weight"]
        total += weight
        by_type[v["objectClass"]["name"]] += weight
        frames = v["stackTrace"]["frames"] if v["stackTrace"] else []
        site = frame_name(frames[0]) if frames else "?"
        by_site[site + "  <-  " + first_project_frame(frames)] += weight
        by_stack[" <- ".join(short(f) for f in frames[:5])] += weight
    print(f"\n== Allocation: {total / 1e6:.1f} MB sampled weight; by class ==")
    for name, w in by_type.most_common(top):
        print(f"{100.0 * w / total:6.2f}%  {name}")
    print("\n== Allocation by site (allocating frame <- nearest rampart frame) ==")
    for name, w in by_site.most_common(top):
        print(f"{100.0 * w / total:6.2f}%  {name}")
    print("\n== Allocation by stack (five innermost frames) ==")
    for name, w in by_stack.most_common(top):
        print(f"{100.0 * w / total:6.2f}%  {name}")


def allocated_per_request(jfr, requests):
    first = {}
    last = {}
    for e in events(jfr, "jdk.ThreadAllocationStatistics"):
        thread = e["values"]["thread"]
        name = thread["javaName"] if thread else "?"
        if not name or not name.startswith("rampart-io"):
            continue
        first.setdefault(name, e["values"]["allocated"])
        last[name] = e["values"]["allocated"]
    total = sum(last[n] - first[n] for n in last)
    print(f"== Event-loop threads {sorted(last)}: {total / 1e6:.1f} MB allocated for {requests} requests"
          f" = {total / requests:.0f} B/request ==\n")


def short(frame):
    name = frame_name(frame)
    return name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[-1]


if __name__ == "__main__":
    main()
