#!/usr/bin/env python3
"""The demo's latency tail: event time -> Delta commit under the demo's paced producer.

For each --interval (default 5s and 1s) and each binary (--bin, and --baseline to compare
in the same run), starts a fresh broker (scripts/kafka, free port: cold, as the default
demo's own broker is), creates the demo's topic with message.timestamp.type=LogAppendTime
(so each row's kafka_timestamp is the broker's append time, splitting producer from
consumer time), runs `orbitlake demo -i INTERVAL` against it (4 satellites x 4,000 rows,
2..18 ms random pauses: ~380 events/s for ~42 s), and reads back per row, from the table
alone:

  event -> broker append   kafka_timestamp - event_time_ns (producer queueing, PID wait)
  append -> ingester       ingest_time - kafka_timestamp (fetch + the poll round)
  ingester -> file         data file mtime - ingest_time (the batch's wait, Parquet)
  file -> commit           _delta_log/N.json mtime - data file mtime
  event -> commit          the total, as bench/suite.py measures it

plus the ingester's own summary (the demo's "latency" line: event -> commit, all rows).
Prints a markdown report. Nothing here is a test (no thresholds are asserted).

  .venv/bin/python bench/latency_tail.py --baseline /tmp/orbitlake-before
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from suite import KAFKA, ROOT, log, machine, percentile  # noqa: E402

STAGES = ["event → broker append", "append → ingester", "ingester → file", "file → commit", "event → commit"]


def parse_duration_ms(text):
    m = re.fullmatch(r"(\d+)(ms|s)", text)
    if not m:
        sys.exit(f"bench: bad interval {text!r} (e.g. 5s, 500ms)")
    return int(m.group(1)) * (1000 if m.group(2) == "s" else 1)


def rows_by_stage(table):
    """Per row, each stage's duration in ms (see the module comment)."""
    import pyarrow.parquet as pq
    stages = {s: [] for s in STAGES}
    for commit in sorted((table / "_delta_log").glob("*.json")):
        commit_ns = commit.stat().st_mtime_ns
        for line in commit.read_text().splitlines():
            action = json.loads(line)
            if "add" not in action:
                continue
            path = table / urllib.parse.unquote(action["add"]["path"])
            file_ns = path.stat().st_mtime_ns
            cols = pq.read_table(path, columns=["event_time_ns", "kafka_timestamp", "ingest_time"])
            event = cols.column("event_time_ns").to_pylist()
            # Timestamps in microseconds since the epoch, as stored.
            append = [v.value * 1000 for v in cols.column("kafka_timestamp")]
            ingest = [v.value * 1000 for v in cols.column("ingest_time")]
            for e, a, i in zip(event, append, ingest):
                stages["event → broker append"].append((a - e) / 1e6)
                stages["append → ingester"].append((i - a) / 1e6)
                stages["ingester → file"].append((file_ns - i) / 1e6)
                stages["file → commit"].append((commit_ns - file_ns) / 1e6)
                stages["event → commit"].append((commit_ns - e) / 1e6)
    return {s: sorted(v) for s, v in stages.items()}


def create_topic(bootstrap, topic, partitions):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1, config={"message.timestamp.type": "LogAppendTime"})])[
        topic].result(30)


def run_one(bin_, interval, work):
    broker_dir = work / "kafka"
    out = subprocess.run([KAFKA, "start", "--dir", str(broker_dir), "--port", "auto"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench: could not start Kafka:\n{out.stderr[-2000:]}")
    bootstrap = out.stdout.split()[-1]
    try:
        create_topic(bootstrap, "sat-data", 3)
        demo = subprocess.run([bin_, "demo", "-b", bootstrap, "-i", interval, "--data-dir", str(work / "data"),
                               "--figures-script", ""], capture_output=True, text=True)
    finally:
        subprocess.run([KAFKA, "stop", "--dir", str(broker_dir)], capture_output=True)
    if demo.returncode != 0:
        sys.exit(f"bench: demo exited {demo.returncode}\n{demo.stderr[-3000:]}")
    own = re.search(r"latency\s+produce -> commit p50 (\d+) ms, p99 (\d+) ms, max (\d+) ms", demo.stdout)
    commits = re.search(r"committed\s+(\d+) rows in (\d+) commits", demo.stdout)
    stages = rows_by_stage(work / "data" / "delta-tables" / "satellite-data-raw")
    return {"stages": stages, "own": own.groups() if own else None, "commits": int(commits.group(2)) if commits else -1}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "build" / "apps" / "orbitlake" / "orbitlake"))
    ap.add_argument("--baseline", help="another orbitlake binary to run the same way (e.g. the previous commit's)")
    ap.add_argument("--intervals", default="5s,1s", help="comma-separated --interval values (5s,1s)")
    ap.add_argument("--rounds", type=int, default=1, help="runs per interval and binary (1)")
    a = ap.parse_args()
    bins = [("this build", a.bin)] + ([("baseline", a.baseline)] if a.baseline else [])
    report = [f"# orbitlake latency tail under the demo's paced producer — "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "", f"Machine: {machine()}.", ""]
    for interval in a.intervals.split(","):
        bound = parse_duration_ms(interval) + 300
        report += [f"## `orbitlake demo -i {interval}` (bound: p99 ≤ {bound} ms)", "",
                   "| binary | round | commits | stage | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|---|---|"]
        owns = []
        for name, bin_ in bins:
            for r in range(a.rounds):
                log(f"{name}: demo -i {interval}, round {r + 1}")
                with tempfile.TemporaryDirectory(prefix="orbitlake-lat-") as tmp:
                    res = run_one(bin_, interval, pathlib.Path(tmp))
                for stage, v in res["stages"].items():
                    bold = "**" if stage == "event → commit" else ""
                    report.append(f"| {name} | {r + 1} | {res['commits']} | {bold}{stage}{bold} | "
                                  f"{percentile(v, 50):.0f} | {bold}{percentile(v, 99):.0f}{bold} | {v[-1]:.0f} |")
                if res["own"]:
                    owns.append(f"{name} round {r + 1}: p50 {res['own'][0]} ms, p99 {res['own'][1]} ms, "
                                f"max {res['own'][2]} ms")
        report += ["", "The ingester's own summary (event → commit, every row): " + "; ".join(owns) + ".", ""]
    print("\n".join(report))


if __name__ == "__main__":
    main()
