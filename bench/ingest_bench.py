#!/usr/bin/env python3
"""Ingest throughput against the physical limit of the machine, and end-to-end latency.

Starts its own Kafka broker (scripts/kafka, free port, temp folder), pre-fills a
6-partition topic with satellite events (orbitlake generate + produce), then alternates:

  raw   kcat -C -e -o beginning   the whole topic to /dev/null (the ceiling: fetch only)
  ing   orbitlake ingest --until-caught-up into a fresh table (decode, Parquet, Delta)

and reports median (min..max) wall time, events/s, MB/s, CPU seconds per million events
and peak RSS (/usr/bin/time -v). Then a latency run: `orbitlake produce --rate R` for
--latency-seconds while `orbitlake ingest --interval 1s` runs, and the ingester's own
summary gives event -> commit latency p50/p99/max.

Usage: bench/ingest_bench.py [--events 3000000] [--runs 3] [--rate 20000]
                             [--latency-seconds 30] [--build build]
Prints a markdown table; nothing here is a test.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time -v; returns (wall s, cpu s, peak RSS MB, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.monotonic()
        out = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name, *cmd], capture_output=True, text=True, **kw)
        wall = time.monotonic() - t0
        if out.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr[-2000:]}")
        text = open(tf.name).read()
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
    sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    return wall, user + sys_, rss, out.stdout


def fmt_range(values, f="{:.2f}"):
    return f"{f.format(statistics.median(values))} ({f.format(min(values))}..{f.format(max(values))})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=3_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rate", type=int, default=20_000)
    ap.add_argument("--latency-seconds", type=int, default=30)
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", str(ROOT / "build")))
    a = ap.parse_args()
    bin_ = str(pathlib.Path(a.build) / "apps" / "orbitlake" / "orbitlake")
    work = pathlib.Path(tempfile.mkdtemp(prefix="orbitlake-bench-"))
    kdir = work / "kafka"
    brokers = subprocess.run([str(ROOT / "scripts" / "kafka"), "start", "--dir", str(kdir), "--port", "auto"],
                             check=True, capture_output=True, text=True).stdout.split()[-1]
    try:
        sats = 6
        rows = a.events // sats
        subprocess.run([bin_, "generate", "-n", str(sats), "-r", str(rows), "-o", str(work / "samples")],
                       check=True, capture_output=True)
        rep = json.loads(subprocess.run([bin_, "produce", "-d", str(work / "samples"), "-b", brokers, "-t", "bench",
                                         "--partitions", "6", "--json"], check=True, capture_output=True,
                                        text=True).stdout)
        events, payload_mb = rep["acked"], rep["bytes"] / 1e6
        print(f"pre-filled topic 'bench': {events} events, {payload_mb:.1f} MB of payload, 6 partitions",
              file=sys.stderr)

        raw, ing = [], []
        for i in range(a.runs + 1):  # run 0 is a warm-up of both sides, not reported
            # -f prints every payload, so kcat touches every byte it fetched.
            r = timed(["bash", "-c", f"kcat -C -b {brokers} -t bench -o beginning -e -q -f '%p %o %s\\n' >/dev/null"])
            table = work / f"table{i}"
            g = timed([bin_, "ingest", "-b", brokers, "-t", "bench", "-g", f"bench{i}", "--table", str(table),
                       "--until-caught-up", "--metrics-addr", "", "-q"])
            if i == 0:
                continue
            raw.append(r)
            ing.append(g)
            shutil.rmtree(table, ignore_errors=True)
            print(f"run {i}: raw {r[0]:.2f} s, ingest {g[0]:.2f} s", file=sys.stderr)

        def row(name, runs):
            walls = [r[0] for r in runs]
            return (f"| {name} | {fmt_range(walls)} s | {fmt_range([events / w for w in walls], '{:,.0f}')} | "
                    f"{fmt_range([payload_mb / w for w in walls], '{:.1f}')} | "
                    f"{fmt_range([r[1] / events * 1e6 for r in runs])} | {fmt_range([r[2] for r in runs], '{:.0f}')} |")

        print(f"\n{events:,} events ({payload_mb:.0f} MB), 6 partitions, {a.runs} alternating runs after one "
              f"warm-up; median (min..max)\n")
        print("| side | wall | events/s | MB/s | CPU s per M events | peak RSS MB |")
        print("|---|---|---|---|---|---|")
        print(row("kcat -C -e (raw consume)", raw))
        print(row("orbitlake ingest --until-caught-up", ing))
        ratio = [raw[i][0] / ing[i][0] for i in range(len(raw))]
        print(f"\ningest / raw rate: {fmt_range(ratio)} (per-run pairs)")

        # Latency at a steady offered load, 1 s interval.
        table = work / "latency"
        ingest = subprocess.Popen([bin_, "ingest", "-b", brokers, "-t", "steady", "-g", "steady", "--table",
                                   str(table), "--interval", "1s", "--metrics-addr", "", "-q",
                                   "--starting-offsets", "earliest"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        loop_rows = max(1000, a.rate * a.latency_seconds // sats)
        subprocess.run([bin_, "generate", "-n", str(sats), "-r", str(loop_rows), "-o", str(work / "steady"),
                        "--seed", "3"], check=True, capture_output=True)
        subprocess.run([bin_, "produce", "-d", str(work / "steady"), "-b", brokers, "-t", "steady", "--partitions",
                        "6", "--rate", str(a.rate)], check=True, capture_output=True)
        time.sleep(3)
        ingest.send_signal(2)
        out, err = ingest.communicate(timeout=120)
        m = re.search(r"latency p50 (\d+) ms, p99 (\d+) ms, max (\d+) ms", out)
        print(f"\nLatency, {a.rate:,} events/s offered for {a.latency_seconds} s, --interval 1s: "
              f"event -> commit p50 {m.group(1)} ms, p99 {m.group(2)} ms, max {m.group(3)} ms")
        print(out.strip())
    finally:
        subprocess.run([str(ROOT / "scripts" / "kafka"), "stop", "--dir", str(kdir)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
