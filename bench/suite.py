#!/usr/bin/env python3
"""orbitlake against the physical limit of the machine, side by side in one run.

Started by `bench/run` (which sets up and builds first). Starts its own Kafka broker
(scripts/kafka, free port, temporary folder), pre-fills a 6-partition topic with
satellite events (`orbitlake generate` + `orbitlake produce`), and then measures, in
alternating rounds (the order of the sides flips every round, so drift of the machine
affects every side alike; round 0 is a warm-up of every side and is not reported):

  raw consume      kcat -C -e of the whole topic, every key and payload printed to
                   /dev/null (fetch + touch every byte: the ceiling of ingest)
  raw in a group   kcat -G -e, the same through a consumer group (librdkafka's group
                   consumer, which ingest must use to share partitions), with the
                   consumer settings orbitlake uses (prefetch queue, backoff)
  ingest           orbitlake ingest --until-caught-up into a fresh table
  produce          orbitlake produce of the sample CSVs (read, parse, encode, publish)
  kcat -P          kcat -P of exactly the same keys and payloads, dumped from the topic,
                   with the same producer settings (idempotent, acks=all, linger 5 ms,
                   lz4, same batch limits), into a fresh 6-partition topic each

kcat runs with the same librdkafka library as orbitlake (which may be newer than the
system's: cmake/Dependencies.cmake). Each side runs under /usr/bin/time -v: wall time,
CPU (user+sys) and peak RSS. Every run is checked to have moved every event (table row
count / topic end offsets), so a fast failure cannot pass for a fast run.

Then latency at a steady offered load: `orbitlake ingest --interval 1s` runs while
`orbitlake produce --rate R` publishes for S seconds; afterwards each row's latency is
computed from the table alone: modification time of the _delta_log/N.json commit that
added its file, minus the row's event timestamp (set by the producer when it sent the
event). Events of the first 2 s are a warm-up and are excluded.

Last, the Google Benchmark micro-benchmarks (bench/*_benchmark.cc), repeated R times.

Prints a markdown report (and --json FILE for the raw figures). Figures are medians
with (min..max) over the rounds. Nothing here is a test: `--quick` is a smoke run that
only checks the harness works (CI runs it).
"""
import argparse
import json
import os
import pathlib
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[1]
KAFKA = str(ROOT / "scripts" / "kafka")
# The producer settings orbitlake uses by default (src/kafka/producer.h), given to kcat.
KCAT_PRODUCER = ["-X", "enable.idempotence=true", "-X", "acks=all", "-X", "linger.ms=5", "-X",
                 "compression.type=lz4", "-X", "queue.buffering.max.messages=1000000", "-X", "batch.size=1000000"]
# orbitlake turns client metrics off (src/kafka/producer.h: a handle's destroy waits up to
# ~1 s for its last push); kcat gets the same where the library has them (>= 2.5).
KCAT_NO_METRICS = ["-X", "enable.metrics.push=false"]
# The consumer settings orbitlake uses (src/kafka/consumer.h), given to kcat -G so that
# "raw in a group" is the same group consumer without orbitlake's work.
KCAT_GROUP_CONSUMER = ["-X", "fetch.wait.max.ms=100", "-X", "queued.max.messages.kbytes=4096", "-X",
                       "fetch.queue.backoff.ms=10"]


def same_librdkafka_env(bin_, work):
    """Environment that makes kcat run with the librdkafka orbitlake runs with.

    orbitlake may link a newer librdkafka than the system's (cmake/Dependencies.cmake);
    every side of a comparison must use the same one. The library keeps its C ABI within
    soname 1, so kcat runs with a newer one unchanged."""
    env = dict(os.environ)
    ldd = subprocess.run(["ldd", bin_], capture_output=True, text=True).stdout
    m = re.search(r"(librdkafka\S*\.so\.1) => (\S+)", ldd)
    if not m:
        sys.exit(f"bench: cannot tell which librdkafka {bin_} uses:\n{ldd}")
    lib_dir = work / "librdkafka"
    lib_dir.mkdir(exist_ok=True)
    (lib_dir / "librdkafka.so.1").symlink_to(m.group(2))
    env["LD_LIBRARY_PATH"] = str(lib_dir) + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    return env


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Run:
    """One measured process: wall seconds, CPU seconds (user+sys), peak RSS in MB."""

    def __init__(self, wall, cpu, rss_mb, stdout):
        self.wall, self.cpu, self.rss_mb, self.stdout = wall, cpu, rss_mb, stdout


def timed(cmd, stdin=None, what=None, env=None):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.monotonic()
        out = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name, *cmd], stdin=stdin, capture_output=True,
                             text=True, env=env)
        wall = time.monotonic() - t0
        text = open(tf.name).read()
    if out.returncode != 0:
        sys.exit(f"bench: {what or cmd[0]} failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr[-3000:]}")
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
    sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    return Run(wall, user + sys_, rss, out.stdout)


def med(values, f="{:.2f}"):
    """median (min..max), or the single value."""
    if len(values) == 1:
        return f.format(values[0])
    return f"{f.format(statistics.median(values))} ({f.format(min(values))}..{f.format(max(values))})"


def machine():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, Linux {platform.release()}"


def versions(bin_, kcat_env=None):
    orb = subprocess.run([bin_, "--version"], capture_output=True, text=True).stdout.strip()
    kcat = subprocess.run(["kcat", "-V"], capture_output=True, text=True, env=kcat_env).stdout
    m = re.search(r"kcat - .*?version ([\w.]+)", kcat) or re.search(r"Version ([\w.\-]+)", kcat)
    rdk = re.search(r"librdkafka ([\d.]+)", kcat)
    jars = list((ROOT / ".cache" / "kafka" / "libs").glob("kafka_*.jar")) if (ROOT / ".cache").exists() else []
    kafka = jars[0].name if jars else "see scripts/kafka-pom.xml"
    return (f"{orb}; kcat {m.group(1) if m else '?'} (librdkafka {rdk.group(1) if rdk else '?'}); "
            f"broker {kafka}")


class Broker:
    def __init__(self, work):
        self.dir = work / "kafka"
        out = subprocess.run([KAFKA, "start", "--dir", str(self.dir), "--port", "auto"], capture_output=True,
                             text=True)
        if out.returncode != 0:
            sys.exit(f"bench: could not start Kafka:\n{out.stderr[-2000:]}")
        self.bootstrap = out.stdout.split()[-1]

    def stop(self):
        subprocess.run([KAFKA, "stop", "--dir", str(self.dir)], capture_output=True)

    def create_topic(self, name, partitions=6):
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)
        # Until every partition has a leader a producer would only wait: do it here.
        deadline = time.time() + 30
        while time.time() < deadline:
            md = admin.list_topics(name, timeout=10).topics[name]
            if md.error is None and len(md.partitions) == partitions and all(
                    p.leader >= 0 for p in md.partitions.values()):
                return
            time.sleep(0.2)
        sys.exit(f"bench: topic {name} has no leaders after 30 s")

    def end_offsets(self, topic):
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "bench-watermarks"})
        try:
            parts = c.list_topics(topic, timeout=10).topics[topic].partitions
            return sum(c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts)
        finally:
            c.close()


def dump_topic(broker, topic, events, path):
    """Writes every message of `topic` as key KD payload MD for kcat -P, returns (KD, MD)."""
    from confluent_kafka import Consumer
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "bench-dump", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    msgs = []
    deadline = time.time() + 300
    while len(msgs) < events and time.time() < deadline:
        for m in c.consume(10000, 1.0):
            if m.error() is None:
                msgs.append((m.key(), m.value()))
    c.close()
    if len(msgs) != events:
        sys.exit(f"bench: dumped {len(msgs)} of {events} messages from {topic}")
    while True:  # delimiters that occur in no key or payload
        # No NUL byte: kcat reads the delimiters as C strings.
        kd, md = (bytes(random.randrange(1, 256) for _ in range(8)) for _ in range(2))
        if not any(kd in k or md in k or kd in v or md in v for k, v in msgs):
            break
    with open(path, "wb") as f:
        for k, v in msgs:
            f.write(k + kd + v + md)
    return kd, md


def delim(b):
    return "".join(f"\\x{x:02x}" for x in b)


def table_rows(table):
    from deltalake import DeltaTable
    return DeltaTable(str(table)).to_pyarrow_table(columns=["kafka_offset"]).num_rows


def commit_latencies(table, warmup_ns):
    """Per row: mtime of the commit file that added its data file - event_time_ns (ms)."""
    import pyarrow.parquet as pq
    log_dir = table / "_delta_log"
    lat = []
    for commit in sorted(log_dir.glob("*.json")):
        visible_ns = commit.stat().st_mtime_ns
        for line in commit.read_text().splitlines():
            action = json.loads(line)
            if "add" not in action:
                continue
            path = table / urllib.parse.unquote(action["add"]["path"])
            for t in pq.read_table(path, columns=["event_time_ns"]).column(0).to_pylist():
                if t >= warmup_ns:
                    lat.append((visible_ns - t) / 1e6)
    return lat


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def micro(build, reps, quick):
    """Google Benchmark binaries: {name: (median, min, max) of cpu_time, unit, rate}."""
    results = []
    for exe in ("telemetry_benchmark", "ingest_benchmark", "delta_benchmark"):
        path = pathlib.Path(build) / "bench" / exe
        if not path.exists():
            sys.exit(f"bench: {path} missing (Google Benchmark not found at configure time?)")
        args = [str(path), "--benchmark_format=json", f"--benchmark_repetitions={reps}"]
        if quick:
            args += ["--benchmark_min_time=0.01", "--benchmark_filter=Parse|Encode|Decode|Append|ParquetWriteMemory/1$|"
                     "SnapshotLoad/10$"]
        out = subprocess.run(args, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"bench: {exe} failed:\n{out.stderr[-2000:]}")
        runs = {}
        for b in json.loads(out.stdout)["benchmarks"]:
            if b.get("run_type") == "aggregate":
                continue
            runs.setdefault(b["run_name"], []).append(b)
        for name, rs in runs.items():
            cpu = [r["cpu_time"] for r in rs]
            rate = []
            if "items_per_second" in rs[0]:
                rate.append(med([r["items_per_second"] / 1e6 for r in rs], "{:,.2f}") + " M items/s")
            if "bytes_per_second" in rs[0]:
                rate.append(med([r["bytes_per_second"] / 1e6 for r in rs], "{:,.0f}") + " MB/s")
            rate = ", ".join(rate)
            results.append((exe, name, med(cpu, "{:,.3g}"), rs[0]["time_unit"], rate))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=3_000_000, help="events pre-filled into the topic (3,000,000)")
    ap.add_argument("--runs", type=int, default=5, help="measured rounds after the warm-up round (5)")
    ap.add_argument("--rate", type=int, default=20_000, help="offered load of the latency run, events/s (20,000)")
    ap.add_argument("--latency-seconds", type=int, default=30, help="length of the latency run (30)")
    ap.add_argument("--micro-reps", type=int, default=5, help="repetitions of each micro-benchmark (5)")
    ap.add_argument("--skip", action="append", default=[], choices=["ingest", "produce", "json", "latency", "micro"],
                    help="leave out a part (repeatable)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 30,000 events, 1 round, 3 s latency run, short micro-benchmarks")
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--json", help="also write the raw figures to this file")
    a = ap.parse_args()
    if a.quick:
        a.events, a.runs, a.rate, a.latency_seconds, a.micro_reps = 30_000, 1, 2_000, 3, 1
    bin_ = str(pathlib.Path(a.build) / "apps" / "orbitlake" / "orbitlake")
    if not os.access(bin_, os.X_OK):
        sys.exit(f"bench: {bin_} not found: run scripts/build (or bench/run, which builds)")
    for tool in ("kcat", "/usr/bin/time"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not found: run scripts/setup")

    work = pathlib.Path(tempfile.mkdtemp(prefix="orbitlake-bench-"))
    kenv = same_librdkafka_env(bin_, work)
    rdk = re.search(r"librdkafka (\d+)\.(\d+)", subprocess.run(["kcat", "-V"], capture_output=True, text=True,
                                                                 env=kenv).stdout)
    kcat_metrics = KCAT_NO_METRICS if rdk and (int(rdk.group(1)), int(rdk.group(2))) >= (2, 5) else []
    report = [f"# orbitlake benchmark suite — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
              f"Machine: {machine()}", f"Versions: {versions(bin_, kenv)}",
              f"Command: `bench/run {' '.join(sys.argv[1:])}`".replace("  ", " "), ""]
    figures = {"machine": machine(), "versions": versions(bin_, kenv), "args": vars(a)}
    broker = Broker(work)
    log(f"broker {broker.bootstrap}, work folder {work}")
    try:
        sats = 6
        rows = a.events // sats
        events = rows * sats
        samples = work / "samples"
        gen = []
        for _ in range(max(1, a.runs)):
            gen.append(timed([bin_, "generate", "-n", str(sats), "-r", str(rows), "-o", str(samples), "--force"],
                             what="generate"))
        csv_mb = sum(f.stat().st_size for f in samples.glob("*.csv")) / 1e6
        broker.create_topic("bench")
        fill = timed([bin_, "produce", "-d", str(samples), "-b", broker.bootstrap, "-t", "bench", "--json"],
                     what="pre-fill produce")
        payload_mb = json.loads(fill.stdout)["bytes"] / 1e6
        if broker.end_offsets("bench") != events:
            sys.exit("bench: pre-fill did not land every event")
        log(f"pre-filled 'bench': {events:,} events, {payload_mb:.1f} MB payload, 6 partitions")
        dump = work / "messages.bin"
        kd, md = dump_topic(broker, "bench", events, dump)

        sides = {"raw": [], "raw-group": [], "ingest": [], "produce": [], "kcat-P": []}
        for i in range(a.runs + 1):
            order = list(sides) if i % 2 == 0 else list(reversed(sides))
            for side in order:
                if side in ("raw", "raw-group", "ingest") and "ingest" in a.skip:
                    continue
                if side in ("produce", "kcat-P") and "produce" in a.skip:
                    continue
                if side == "raw":
                    r = timed(["bash", "-c", f"kcat -C -b {broker.bootstrap} -t bench -o beginning -e -q "
                                             f"-f '%k%s' >/dev/null"], what="kcat -C", env=kenv)
                elif side == "raw-group":
                    # The same through a consumer group (what ingest must use to share
                    # partitions and survive rebalances): librdkafka's group consumer.
                    r = timed(["bash", "-c", f"kcat -b {broker.bootstrap} -G raw{i} bench -X auto.offset.reset=earliest "
                                             f"{' '.join(KCAT_GROUP_CONSUMER)} -e -q -f '%k%s' >/dev/null"],
                              what="kcat -G", env=kenv)
                elif side == "ingest":
                    table = work / f"table{i}"
                    r = timed([bin_, "ingest", "-b", broker.bootstrap, "-t", "bench", "-g", f"bench{i}", "--table",
                               str(table), "--until-caught-up", "--metrics-addr", "", "-q"], what="ingest")
                    if table_rows(table) != events:
                        sys.exit(f"bench: ingest round {i} committed {table_rows(table)} of {events} rows")
                    shutil.rmtree(table)
                elif side == "produce":
                    topic = f"p-orbitlake-{i}"
                    broker.create_topic(topic)
                    r = timed([bin_, "produce", "-d", str(samples), "-b", broker.bootstrap, "-t", topic], what="produce")
                    if broker.end_offsets(topic) != events:
                        sys.exit(f"bench: produce round {i} did not land every event")
                else:
                    topic = f"p-kcat-{i}"
                    broker.create_topic(topic)
                    with open(dump, "rb") as f:
                        r = timed(["kcat", "-P", "-b", broker.bootstrap, "-t", topic, "-K", delim(kd), "-D", delim(md),
                                   *KCAT_PRODUCER, *kcat_metrics], stdin=f, what="kcat -P", env=kenv)
                    if broker.end_offsets(topic) != events:
                        sys.exit(f"bench: kcat -P round {i} did not land every event")
                if i > 0:
                    sides[side].append(r)
                log(f"round {i}{' (warm-up)' if i == 0 else ''}: {side} {r.wall:.2f} s, cpu {r.cpu:.2f} s, "
                    f"rss {r.rss_mb:.0f} MB")

        def row(name, runs):
            walls = [r.wall for r in runs]
            return (f"| {name} | {med(walls)} | {med([events / w for w in walls], '{:,.0f}')} | "
                    f"{med([payload_mb / w for w in walls], '{:.1f}')} | "
                    f"{med([r.cpu / events * 1e6 for r in runs])} | {med([r.rss_mb for r in runs], '{:.0f}')} |")

        report += [f"## Throughput: {events:,} events ({payload_mb:.0f} MB of FlatBuffers payload), 6 partitions",
                   "", f"{a.runs} measured rounds after one warm-up round, sides alternating; median (min..max).", "",
                   "| side | wall s | events/s | MB/s | CPU s per M events | peak RSS MB |", "|---|---|---|---|---|---|"]
        labels = {"raw": "kcat -C -e (raw consume, ceiling)", "raw-group": "kcat -G -e (raw consume in a group)", "ingest": "orbitlake ingest --until-caught-up",
                  "produce": "orbitlake produce (CSV → FlatBuffers → Kafka)", "kcat-P": "kcat -P (same messages)"}
        for side, runs in sides.items():
            if runs:
                report.append(row(labels[side], runs))
                figures[side] = [vars(r) | {"stdout": None} for r in runs]
        report.append("")
        if sides["ingest"]:
            ratio = [r.wall / g.wall for r, g in zip(sides["raw"], sides["ingest"])]
            report.append(f"- ingest ÷ raw consume rate: **{med(ratio)}** (pairs of the same round)")
            ratio = [r.wall / g.wall for r, g in zip(sides["raw-group"], sides["ingest"])]
            report.append(f"- ingest ÷ raw consume in a group: **{med(ratio)}**")
        if sides["produce"]:
            ratio = [k.wall / p.wall for k, p in zip(sides["kcat-P"], sides["produce"])]
            report.append(f"- orbitlake produce ÷ kcat -P rate: **{med(ratio)}** (pairs of the same round)")
        report.append(f"- generate ({csv_mb:.0f} MB of CSV): {med([csv_mb / g.wall for g in gen], '{:.0f}')} MB/s")
        report.append("")

        if "json" not in a.skip:
            report += json_run(a, bin_, broker, work, kenv)
        if "latency" not in a.skip:
            report += latency_run(a, bin_, broker, work, sats)
        if "micro" not in a.skip:
            log("micro-benchmarks")
            report += ["## Micro-benchmarks (Google Benchmark, CPU time per iteration)", "",
                       f"{a.micro_reps} repetitions; median (min..max).", "",
                       "| binary | benchmark | CPU time | unit | rate |", "|---|---|---|---|---|"]
            for exe, name, cpu, unit, rate in micro(a.build, a.micro_reps, a.quick):
                report.append(f"| {exe} | {name} | {cpu} | {unit} | {rate} |")
            report.append("")
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(report))
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(figures, indent=1, default=str))


def clickstream_lines(n, path, seed=7):
    """n clickstream JSON events (~170-200 bytes each), one per line: a third page_view, a
    third purchase, a third click (which no table of the example takes: quarantined).
    Event times advance 2 ms per event from 2026-12-01T00:00Z, as a live stream's do (a
    micro-batch holds one or two dates, not a month of them)."""
    rnd = random.Random(seed)
    base_ms = 1_796_083_200_000  # 2026-12-01T00:00:00Z
    kinds = ["page_view", "purchase", "click"]
    with open(path, "w") as f:
        for i in range(n):
            kind = kinds[i % 3]
            e = {"event_id": f"{i:012d}", "event_type": kind, "user_id": rnd.randrange(1, 10**7),
                 "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((base_ms + 2 * i) // 1000))
                              + f".{(base_ms + 2 * i) % 1000:03d}Z"}
            if kind == "page_view":
                e.update(page={"url": f"/products/{rnd.randrange(10**5)}", "referrer": "https://example.com/"},
                         duration_ms=rnd.randrange(100, 90_000))
            elif kind == "purchase":
                e.update(amount=f"{rnd.randrange(1, 10**6) / 100:.2f}", items=[{"sku": f"sku-{rnd.randrange(10**4)}",
                                                                                 "qty": rnd.randrange(1, 5)}])
            else:
                e.update(element=f"button-{rnd.randrange(50)}", page={"url": "/cart"})
            f.write(json.dumps(e, separators=(",", ":")) + "\n")


def json_run(a, bin_, broker, work, kenv):
    """Declared JSON pipeline (examples/pipelines/clickstream.toml) against kcat's raw
    consume of the same topic, alternating rounds like the FlatBuffers sides."""
    n = max(30_000, a.events // 3)
    lines = work / "clickstream.jsonl"
    clickstream_lines(n, lines)
    payload_mb = lines.stat().st_size / 1e6 - n / 1e6
    broker.create_topic("bench-json")
    with open(lines, "rb") as f:
        timed(["kcat", "-P", "-b", broker.bootstrap, "-t", "bench-json", *KCAT_PRODUCER], stdin=f,
              what="json pre-fill", env=kenv)
    if broker.end_offsets("bench-json") != n:
        sys.exit("bench: json pre-fill did not land every event")
    log(f"pre-filled 'bench-json': {n:,} events, {payload_mb:.1f} MB, {payload_mb * 1e6 / n:.0f} bytes/event")
    sides = {"raw": [], "ingest": []}
    for i in range(a.runs + 1):
        for side in (list(sides) if i % 2 == 0 else list(reversed(sides))):
            if side == "raw":
                r = timed(["bash", "-c", f"kcat -C -b {broker.bootstrap} -t bench-json -o beginning -e -q "
                                         f"-f '%k%s' >/dev/null"], what="kcat -C json", env=kenv)
            else:
                run = work / f"json{i}"
                run.mkdir()
                pipeline = run / "clickstream.toml"
                pipeline.write_text((ROOT / "examples" / "pipelines" / "clickstream.toml").read_text()
                                    .replace('topics = ["raw_events"]', 'topics = ["bench-json"]')
                                    .replace('"./data/', f'"{run}/data/'))
                r = timed([bin_, "ingest", "--pipeline", str(pipeline), "-b", broker.bootstrap, "-g", f"json{i}",
                           "--until-caught-up", "--metrics-addr", "", "-q"], what="ingest json")
                lake = run / "data" / "delta-tables" / "clickstream"
                from deltalake import DeltaTable
                got = sum(DeltaTable(str(lake / t)).to_pyarrow_dataset().count_rows()
                          for t in ("page_view", "purchase", "events-quarantine"))
                if got != n:
                    sys.exit(f"bench: json ingest round {i} committed {got} of {n} rows")
                shutil.rmtree(run)
            if i > 0:
                sides[side].append(r)
            log(f"json round {i}{' (warm-up)' if i == 0 else ''}: {side} {r.wall:.2f} s, cpu {r.cpu:.2f} s, "
                f"rss {r.rss_mb:.0f} MB")
    out = [f"## JSON pipeline: {n:,} clickstream events ({payload_mb:.0f} MB, ~{payload_mb * 1e6 / n:.0f} B each), "
           "6 partitions, examples/pipelines/clickstream.toml", "",
           "Routed by event_type to page_view and purchase (a third, `click`, goes to the source's quarantine "
           "table); same rounds scheme as above.", "",
           "| side | wall s | events/s | CPU s per M events | peak RSS MB |", "|---|---|---|---|---|"]
    labels = {"raw": "kcat -C -e (raw consume)", "ingest": "orbitlake ingest --pipeline"}
    for side, runs in sides.items():
        walls = [r.wall for r in runs]
        out.append(f"| {labels[side]} | {med(walls)} | {med([n / w for w in walls], '{:,.0f}')} | "
                   f"{med([r.cpu / n * 1e6 for r in runs])} | {med([r.rss_mb for r in runs], '{:.0f}')} |")
    ratio = [r.wall / g.wall for r, g in zip(sides["raw"], sides["ingest"])]
    out += ["", f"- JSON ingest ÷ raw consume rate: **{med(ratio)}** (pairs of the same round)", ""]
    return out


def latency_run(a, bin_, broker, work, sats):
    log(f"latency run: {a.rate:,} events/s for {a.latency_seconds} s, ingest --interval 1s")
    table = work / "latency"
    broker.create_topic("steady")
    ingest = subprocess.Popen([bin_, "ingest", "-b", broker.bootstrap, "-t", "steady", "-g", "steady", "--table",
                               str(table), "--interval", "1s", "--metrics-addr", "", "-q", "--starting-offsets",
                               "earliest"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rows = max(10, a.rate * a.latency_seconds // sats)
    subprocess.run([bin_, "generate", "-n", str(sats), "-r", str(rows), "-o", str(work / "steady"), "--seed", "3"],
                   check=True, capture_output=True)
    time.sleep(5)  # the ingester has joined its group and been assigned the partitions
    start_ns = time.time_ns()
    subprocess.run([bin_, "produce", "-d", str(work / "steady"), "-b", broker.bootstrap, "-t", "steady", "--rate",
                    str(a.rate)], check=True, capture_output=True)
    sent = rows * sats
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if table_rows(table) >= sent:
                break
        except Exception:  # no table yet
            pass
        time.sleep(0.5)
    ingest.send_signal(signal.SIGINT)
    out, err = ingest.communicate(timeout=120)
    if ingest.returncode != 0 or table_rows(table) != sent:
        sys.exit(f"bench: latency run: ingest exited {ingest.returncode}, {table_rows(table)} of {sent} rows\n{err}")
    warmup_s = 2
    lat = sorted(commit_latencies(table, start_ns + warmup_s * 10**9))
    own = re.search(r"latency p50 (\d+) ms, p99 (\d+) ms, max (\d+) ms", out)
    lines = [f"## Produce → visible latency at {a.rate:,} events/s offered, `--interval 1s`", "",
             f"{sent:,} events over {a.latency_seconds} s; the first {warmup_s} s are a warm-up and excluded "
             f"({len(lat):,} events measured). Latency = mtime of the `_delta_log` commit that added the row's "
             "file − the row's event timestamp (stamped by the producer when it sent the event).", "",
             "| p50 | p99 | max |", "|---|---|---|",
             f"| {percentile(lat, 50):.0f} ms | {percentile(lat, 99):.0f} ms | {lat[-1]:.0f} ms |", ""]
    if own:
        lines += [f"The ingester's own summary (event → commit, all events): p50 {own.group(1)} ms, p99 "
                  f"{own.group(2)} ms, max {own.group(3)} ms.", ""]
    return lines


if __name__ == "__main__":
    main()
