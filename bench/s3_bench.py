#!/usr/bin/env python3
"""orbitlake ingest into a Delta table on S3 against the local filesystem, same run.

Starts its own Kafka broker (scripts/kafka) and S3 server (scripts/s3: SeaweedFS on
loopback), each on free ports in a temporary folder, pre-fills a 6-partition topic with
satellite events (`orbitlake generate` + `orbitlake produce`), then runs
`orbitlake ingest --until-caught-up` of the whole topic into a fresh table, alternating
between a local folder and s3://lake/... (the order flips every round; round 0 is a
warm-up of both and is not reported). Batches are cut at --max-rows so that each run
makes many commits.

Per run, from ingest's own summary: messages/s, commit latency p50/p99 (seal ->
committed: Parquet upload + the commit's conditional PUT, or fsync + rename locally), and
for S3 the requests S3Storage sent (GET/PUT/LIST/HEAD/DELETE/POST, loading the table at
start included) per commit. Every run is checked to have committed every event.
Figures are medians with (min..max) over the rounds. Prints markdown (bench/RESULTS.md).

  .venv/bin/python bench/s3_bench.py [--events N] [--runs R] [--max-rows M] [--quick]
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from suite import ROOT, Broker, log, machine, med, timed  # noqa: E402

S3 = str(ROOT / "scripts" / "s3")


def parse_summary(text):
    m = re.search(r"(\d+) rows committed to \S+ in (\d+) commits", text)
    rate = re.search(r"consumed in ([\d.]+) s, (\d+) msg/s", text)
    commit = re.search(r"commit \(seal->committed\) p50 (\d+) ms, p99 (\d+) ms", text)
    req = re.search(r"S3 requests: (\d+) \(GET (\d+), PUT (\d+), LIST (\d+), HEAD (\d+), DELETE (\d+), POST (\d+)\)",
                    text)
    out = {"rows": int(m.group(1)), "commits": int(m.group(2)), "seconds": float(rate.group(1)),
           "msg_s": int(rate.group(2)), "commit_p50": int(commit.group(1)), "commit_p99": int(commit.group(2))}
    if req:
        out["requests"] = dict(zip(["total", "get", "put", "list", "head", "del", "post"], map(int, req.groups())))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=600_000, help="events pre-filled into the topic (600,000)")
    ap.add_argument("--runs", type=int, default=3, help="measured rounds after the warm-up round (3)")
    ap.add_argument("--max-rows", type=int, default=20_000, help="rows per batch, i.e. per commit (20,000)")
    ap.add_argument("--quick", action="store_true", help="a smoke run of the harness: figures mean nothing")
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", str(ROOT / "build")))
    a = ap.parse_args()
    if a.quick:
        a.events, a.runs = 30_000, 1
    bin_ = str(pathlib.Path(a.build) / "apps" / "orbitlake" / "orbitlake")
    work = pathlib.Path(tempfile.mkdtemp(prefix="orbitlake-s3-bench-"))
    broker = Broker(work)
    s3dir = work / "s3"
    subprocess.run([S3, "start", "--dir", str(s3dir), "--port", "auto", "--bucket", "lake"], check=True,
                   capture_output=True, text=True)
    env = dict(os.environ)
    for line in (s3dir / "aws.env").read_text().splitlines():
        k, _, v = line.removeprefix("export ").partition("=")
        if k:
            env[k] = v.strip("'\"")
    log(f"broker {broker.bootstrap}, S3 {env['AWS_ENDPOINT_URL']}, work folder {work}")
    try:
        sats = 6
        rows = a.events // sats
        events = rows * sats
        samples = work / "samples"
        subprocess.run([bin_, "generate", "-n", str(sats), "-r", str(rows), "-o", str(samples), "--force"], check=True,
                       capture_output=True)
        broker.create_topic("bench")
        timed([bin_, "produce", "-d", str(samples), "-b", broker.bootstrap, "-t", "bench", "--json"], what="produce")
        if broker.end_offsets("bench") != events:
            sys.exit("bench: pre-fill did not land every event")
        log(f"pre-filled 'bench': {events:,} events, 6 partitions")
        results = {"local": [], "s3": []}
        for i in range(a.runs + 1):
            order = ["local", "s3"] if i % 2 == 0 else ["s3", "local"]
            for side in order:
                table = str(work / f"t{i}") if side == "local" else f"s3://lake/bench/t{i}"
                r = timed([bin_, "ingest", "-b", broker.bootstrap, "-t", "bench", "-g", f"{side}{i}", "--table", table,
                           "--until-caught-up", "--max-rows", str(a.max_rows), "--interval", "5s", "--metrics-addr",
                           "", "-q"], what=f"ingest {side}", env=env)
                s = parse_summary(r.stdout)
                if s["rows"] != events:
                    sys.exit(f"bench: {side} ingest committed {s['rows']} of {events} events")
                s["cpu"] = r.cpu
                log(f"round {i} {side}: {s}")
                if i > 0:
                    results[side].append(s)
        print(f"### S3 (SeaweedFS on loopback) against the local filesystem, "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
        print(f"Machine: {machine()}")
        print(f"Command: `{' '.join(['.venv/bin/python', 'bench/s3_bench.py', *sys.argv[1:]])}`")
        print(f"\n{events:,} events, 6 partitions, `--max-rows {a.max_rows}` ({events // a.max_rows} commits a run "
              f"or more), {a.runs} measured rounds after a warm-up, sides alternating; median (min..max).\n")
        print("| table | events/s | commits | commit p50 ms | commit p99 ms | CPU s per M events |")
        print("|---|---|---|---|---|---|")
        for side, runs in results.items():
            print(f"| {side} | {med([r['msg_s'] for r in runs], '{:,.0f}')} | {med([r['commits'] for r in runs], '{}')} "
                  f"| {med([r['commit_p50'] for r in runs], '{}')} | {med([r['commit_p99'] for r in runs], '{}')} "
                  f"| {med([r['cpu'] / events * 1e6 for r in runs])} |")
        s3runs = results["s3"]
        print("\nS3 requests per commit (whole run, table load included):\n")
        print("| GET | PUT | LIST | HEAD | DELETE | POST | total |")
        print("|---|---|---|---|---|---|---|")
        per = lambda k: med([r["requests"][k] / r["commits"] for r in s3runs])  # noqa: E731
        print(f"| {per('get')} | {per('put')} | {per('list')} | {per('head')} | {per('del')} | {per('post')} "
              f"| {per('total')} |")
    finally:
        subprocess.run([S3, "stop", "--dir", str(s3dir)], capture_output=True)
        broker.stop()
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
