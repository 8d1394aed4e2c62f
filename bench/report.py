#!/usr/bin/env python3
"""Summarises a bench/run.sh results directory.

Reads the wrk outputs named <case>--<target>--<round>.txt (each holds one "BENCH_JSON {...}" line
printed by bench/wrk/bench.lua), beside each the proxy process's CPU clock ticks before and after the
run (<case>--<target>--<round>.cpu, absent for "direct"), the RSS samples rss-<case>.txt (kB, one per
line) and rss-status.txt, and prints per case: requests/s, p50 and p99 latency, the proxy's CPU time
per request (user + system of its whole process; medians over the rounds), the errors summed over the rounds, and the ratios Rampart/nginx, Rampart/HAProxy and
Rampart/direct (and, when the run had it, Rampart with its access log off against nginx and
against Rampart with it on). A ratio is taken within each round (the targets of a round ran back to back)
and the median over the rounds is printed. Then the peak RSS and the issue's targets, met or not.

    python3 bench/report.py RESULTS_DIR [--markdown]

Standard library only.
"""

import json
import os
import re
import statistics
import sys
from collections import defaultdict

RUN_FILE = re.compile(r"^(?P<case>[a-z0-9-]+)--(?P<target>[a-z-]+)--(?P<round>\d+)\.txt$")
TARGET_ORDER = ["direct", "rampart", "rampart-nolog", "nginx", "haproxy"]
RATIOS = [("rampart", "nginx", "Rampart/nginx"), ("rampart", "haproxy", "Rampart/HAProxy"),
          ("rampart", "direct", "Rampart/direct"), ("rampart-nolog", "nginx", "Rampart (log off)/nginx"),
          ("rampart", "rampart-nolog", "log on/log off")]
CASE_CONNECTIONS = {"get100-c32": 32, "get100-c256": 256, "get1m-c32": 32, "post64k-c32": 32}
RSS_LIMIT_MB = 200
THROUGHPUT_TARGET = 1.1
THROUGHPUT_CASES = ["get100-c32", "get100-c256"]


class Run:
    """One wrk run: its rate, latency percentiles and error count, or why it has none."""

    def __init__(self, path):
        self.problem = None
        self.data = None
        self.cpu_ticks = None
        cpu_path = path[:-len(".txt")] + ".cpu"
        if os.path.exists(cpu_path):
            ticks = [int(v) for v in open(cpu_path).read().split() if v.isdigit()]
            if len(ticks) == 2:
                self.cpu_ticks = ticks[1] - ticks[0]
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for line in text.splitlines():
            if line.startswith("BENCH_JSON "):
                self.data = json.loads(line[len("BENCH_JSON "):])
        if self.data is None:
            self.problem = "no BENCH_JSON line: " + " ".join(text.split())[:200]
        elif self.data["requests"] == 0 or self.data["duration_us"] == 0:
            self.problem = "no requests completed"

    @property
    def ok(self):
        return self.problem is None

    @property
    def rps(self):
        return self.data["requests"] / (self.data["duration_us"] / 1e6)

    @property
    def p50_ms(self):
        return self.data["latency_us"]["p50"] / 1000.0

    @property
    def p99_ms(self):
        return self.data["latency_us"]["p99"] / 1000.0

    @property
    def cpu_us(self):
        """The proxy process's CPU time per request in µs; None without a .cpu file (direct)."""
        if self.cpu_ticks is None:
            return None
        return self.cpu_ticks / os.sysconf("SC_CLK_TCK") * 1e6 / self.data["requests"]

    @property
    def errors(self):
        return sum(self.data["errors"].values()) if self.data else 0

    def error_detail(self):
        if not self.data:
            return {}
        return {k: v for k, v in self.data["errors"].items() if v}


def load_runs(results_dir):
    """{case: {target: {round: Run}}}"""
    runs = defaultdict(lambda: defaultdict(dict))
    for name in sorted(os.listdir(results_dir)):
        m = RUN_FILE.match(name)
        if m:
            runs[m["case"]][m["target"]][int(m["round"])] = Run(os.path.join(results_dir, name))
    return runs


def read_rss(results_dir):
    """Peak sampled VmRSS (kB) per 256-connection case, and the last VmHWM recorded."""
    peaks = {}
    for name in os.listdir(results_dir):
        if name.startswith("rss-") and name.endswith(".txt") and name != "rss-status.txt":
            values = [int(v) for v in open(os.path.join(results_dir, name)).read().split() if v.isdigit()]
            if values:
                peaks[name[len("rss-"):-len(".txt")]] = (max(values), len(values))
    hwm = None
    status = os.path.join(results_dir, "rss-status.txt")
    if os.path.exists(status):
        for line in open(status):
            parts = line.split()
            if len(parts) == 3 and parts[1] == "VmHWM:":
                hwm = (parts[0], int(parts[2]))
    return peaks, hwm


def ordered_targets(targets):
    return sorted(targets, key=lambda t: TARGET_ORDER.index(t) if t in TARGET_ORDER else 99)


def median_of(runs, attr):
    values = [getattr(r, attr) for r in runs if r.ok and getattr(r, attr) is not None]
    return statistics.median(values) if values else None


def round_ratios(by_target, subject, base, attr):
    """Median over rounds of subject/base, using only rounds where both ran."""
    if subject not in by_target or base not in by_target:
        return None
    ratios = []
    for rnd, run in by_target[subject].items():
        other = by_target[base].get(rnd)
        if run.ok and other and other.ok and getattr(other, attr) > 0:
            ratios.append(getattr(run, attr) / getattr(other, attr))
    return statistics.median(ratios) if ratios else None


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def summarise(runs):
    """Per case: rows of (target, rps, rps_min, rps_max, p50, p99, errors, detail, problems) and ratios."""
    out = {}
    for case in sorted(runs, key=lambda c: list(CASE_CONNECTIONS).index(c) if c in CASE_CONNECTIONS else 99):
        by_target = runs[case]
        rows = []
        for target in ordered_targets(by_target):
            rs = list(by_target[target].values())
            good = [r for r in rs if r.ok]
            detail = defaultdict(int)
            for r in rs:
                for k, v in r.error_detail().items():
                    detail[k] += v
            rows.append({
                "target": target,
                "rounds": len(rs),
                "rps": median_of(rs, "rps"),
                "rps_min": min((r.rps for r in good), default=None),
                "rps_max": max((r.rps for r in good), default=None),
                "p50": median_of(rs, "p50_ms"),
                "p99": median_of(rs, "p99_ms"),
                "cpu": median_of(rs, "cpu_us"),
                "errors": sum(r.errors for r in rs),
                "detail": dict(detail),
                "problems": [r.problem for r in rs if not r.ok],
            })
        ratios = []
        for subject, base, label in RATIOS:
            rps = round_ratios(by_target, subject, base, "rps")
            p99 = round_ratios(by_target, subject, base, "p99_ms")
            if rps is not None:
                ratios.append((label, rps, p99))
        out[case] = (rows, ratios)
    return out


def print_text(summary, peaks, hwm, meta):
    for line in meta:
        print(line)
    for case, (rows, ratios) in summary.items():
        conns = CASE_CONNECTIONS.get(case, "?")
        print()
        print(f"== {case} ({conns} connections)")
        print(f"{'target':<14}{'req/s':>11}{'(min-max over rounds)':>26}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'CPU us/req':>12}{'errors':>8}")
        for r in rows:
            spread = f"{fmt(r['rps_min'], ',.0f')}-{fmt(r['rps_max'], ',.0f')}"
            err = str(r["errors"]) + (f" {r['detail']}" if r["detail"] else "")
            print(f"{r['target']:<14}{fmt(r['rps'], ',.0f'):>11}{spread:>26}"
                  f"{fmt(r['p50'], '.2f'):>9}{fmt(r['p99'], '.2f'):>9}{fmt(r['cpu'], '.1f'):>12}  {err:>6}")
            for p in r["problems"]:
                print(f"{'':<14}! {p}")
        for label, rps, p99 in ratios:
            print(f"  {label:<24} req/s x{rps:.2f}   p99 x{fmt(p99, '.2f')}")
    print()
    print_rss_and_targets(summary, peaks, hwm, lambda s: print(s))


def print_markdown(summary, peaks, hwm, meta):
    for line in meta:
        print(line.lstrip("# ") + "  ")
    print()
    print("| case | target | req/s (median) | min–max | p50 ms | p99 ms | CPU µs/req | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for case, (rows, _) in summary.items():
        for r in rows:
            print(f"| {case} | {r['target']} | {fmt(r['rps'], ',.0f')} | "
                  f"{fmt(r['rps_min'], ',.0f')}–{fmt(r['rps_max'], ',.0f')} | "
                  f"{fmt(r['p50'], '.2f')} | {fmt(r['p99'], '.2f')} | {fmt(r['cpu'], '.1f')} | {r['errors']} |")
    print()
    print("| case | ratio | req/s | p99 |")
    print("|---|---|---:|---:|")
    for case, (_, ratios) in summary.items():
        for label, rps, p99 in ratios:
            print(f"| {case} | {label} | {rps:.2f} | {fmt(p99, '.2f')} |")
    print()
    print_rss_and_targets(summary, peaks, hwm, lambda s: print("- " + s.strip() if s else ""))


def print_rss_and_targets(summary, peaks, hwm, emit):
    rss_mb = None
    for case, (peak_kb, samples) in sorted(peaks.items()):
        rss_mb = max(rss_mb or 0, peak_kb / 1024)
        emit(f"Rampart RSS during {case}: max {peak_kb / 1024:.0f} MB ({samples} samples)")
    if hwm:
        emit(f"Rampart VmHWM (peak RSS since start, read {hwm[0]}): {hwm[1] / 1024:.0f} MB")
    checks = []
    for case in THROUGHPUT_CASES:
        if case not in summary:
            continue
        ratio = dict((label, (rps, p99)) for label, rps, p99 in summary[case][1]).get("Rampart/nginx")
        if ratio:
            rps, p99 = ratio
            checks.append((f"{case}: throughput >= {THROUGHPUT_TARGET} x nginx", rps >= THROUGHPUT_TARGET,
                           f"x{rps:.2f}"))
            if p99 is not None:
                checks.append((f"{case}: p99 <= nginx's", p99 <= 1.0, f"x{p99:.2f}"))
    if rss_mb is not None:
        checks.append((f"RSS < {RSS_LIMIT_MB} MB in the 256-connection run", rss_mb < RSS_LIMIT_MB,
                       f"{rss_mb:.0f} MB"))
    rampart_errors = sum(r["errors"] for rows, _ in summary.values() for r in rows if r["target"] == "rampart")
    if any(r["target"] == "rampart" for rows, _ in summary.values() for r in rows):
        checks.append(("Rampart: zero errors", rampart_errors == 0, str(rampart_errors)))
    if checks:
        emit("")
        emit("Targets (reported, not enforced):")
        for name, met, value in checks:
            emit(f"  [{'met ' if met else 'MISS'}] {name}: {value}")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    results_dir = argv[1]
    runs = load_runs(results_dir)
    if not runs:
        print(f"no wrk results in {results_dir}", file=sys.stderr)
        return 1
    meta_path = os.path.join(results_dir, "meta.txt")
    meta = open(meta_path).read().splitlines() if os.path.exists(meta_path) else []
    peaks, hwm = read_rss(results_dir)
    summary = summarise(runs)
    if "--markdown" in argv[2:]:
        print_markdown(summary, peaks, hwm, meta)
    else:
        print_text(summary, peaks, hwm, meta)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
