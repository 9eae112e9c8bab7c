#!/usr/bin/env python3
"""Table maintenance benchmark (issue 18): small files, OPTIMIZE, --optimize-every.

Not a test and not part of the default test suite: run it by hand (after scripts/build),
it prints a markdown report for bench/RESULTS.md.

1. A small-file table: `--files` files (default 10,000) in 3 date partitions, written by
   delta-rs appends of one file per partition each (a streaming table's 5 s commits:
   3,334 commits for 10,000 files; delta-rs writes its checkpoints every 100 commits).
2. Read time before and after compaction, median of `--reads`: delta-rs
   (`DeltaTable(path).to_pyarrow_table()`, log replay + every file), `orbitlake tail -n 10`
   (log replay + the newest files) and `orbitlake tail -n ALL --format csv` to /dev/null
   (every file, rendered).
3. Compaction of the same table, same run: `orbitlake optimize` on it and delta-rs'
   `DeltaTable.optimize.compact()` on a copy (both with the 100 MiB default target);
   MB/s = bytes of the files rewritten / wall seconds. Both results are read back and
   must hold the same rows as before.
4. Ingest throughput with and without `--optimize-every N`: the same pre-filled topic
   ingested `--until-caught-up` into a fresh table, sides alternating over `--rounds`
   rounds (after a warm-up round), median; every run must commit every event.

Usage: .venv/bin/python bench/maintenance.py [--files 10000] [--rows-per-file 200]
       [--events 600000] [--optimize-every 10] [--max-rows 5000] [--rounds 3]
       [--brokers HOST:PORT] [--skip ingest] [--bin build/apps/orbitlake/orbitlake]
Without --brokers it starts its own broker (scripts/kafka) and stops it at the end.
"""
import argparse
import datetime as dt
import os
import pathlib
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

ROOT = pathlib.Path(__file__).resolve().parents[1]
last_cpu = 0.0  # CPU seconds (user + sys) of the last timed() child
DAYS = ["2026-11-01", "2026-11-02", "2026-11-03"]


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(args, **kw):
    global last_cpu
    t0, c0 = time.monotonic(), children_cpu()
    out = subprocess.run(args, capture_output=True, text=True, **kw)
    took = time.monotonic() - t0
    last_cpu = children_cpu() - c0
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args[:3]))} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return took, out


def timed_py(fn):
    t0 = time.monotonic()
    r = fn()
    return time.monotonic() - t0, r


def med(xs):
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}..{max(xs):.2f})" if len(xs) > 1 else f"{xs[0]:.2f}"


def build_table(path, files, rows_per_file):
    """files // 3 appends of 3 files (one per partition), like 5 s commits of a stream."""
    commits = -(-files // len(DAYS))
    seq = 0
    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    for c in range(commits):
        n = rows_per_file * len(DAYS)
        days = [DAYS[i % len(DAYS)] for i in range(n)]
        t = pa.table({
            "date": pa.array([dt.date.fromisoformat(d) for d in days], pa.date32()),
            "satellite": [f"sat{i % 4}" for i in range(n)],
            "sequence": pa.array(range(seq, seq + n), pa.int64()),
            "event_time": pa.array([start + dt.timedelta(days=DAYS.index(d), seconds=5 * c, microseconds=i)
                                    for i, d in enumerate(days)], pa.timestamp("us", tz="UTC")),
            "temp_c": pa.array([20.0 + (seq + i) % 97 / 7 for i in range(n)], pa.float64()),
            "altitude": pa.array([400.0 + (seq + i) % 31 for i in range(n)], pa.float64()),
        })
        seq += n
        write_deltalake(str(path), t, mode="append", partition_by=["date"])
        if (c + 1) % 500 == 0:
            log(f"  {c + 1}/{commits} commits")
    return seq


def live(path):
    adds = pa.table(DeltaTable(str(path)).get_add_actions(flatten=True))
    return adds.num_rows, sum(adds.column("size_bytes").to_pylist())


def read_times(bin_, path, reads, rows):
    deltars, tail10, tailall = [], [], []
    for _ in range(reads):
        took, t = timed_py(lambda: DeltaTable(str(path)).to_pyarrow_table())
        assert t.num_rows == rows, (t.num_rows, rows)
        deltars.append(took)
        took, _ = timed([bin_, "tail", str(path), "-n", "10"])
        tail10.append(took)
        with open(os.devnull, "w") as null:
            t0 = time.monotonic()
            subprocess.run([bin_, "tail", str(path), "-n", str(rows), "--format", "csv"], stdout=null, check=True)
            tailall.append(time.monotonic() - t0)
    return deltars, tail10, tailall


def row_set(path):
    t = DeltaTable(str(path)).to_pyarrow_table(columns=["sequence"])
    return sorted(t.column("sequence").to_pylist())


def bench_tables(a, work, report):
    table = work / "small"
    log(f"writing {a.files} small files with delta-rs appends")
    took, rows = timed_py(lambda: build_table(table, a.files, a.rows_per_file))
    files, size = live(table)
    commits = DeltaTable(str(table)).version() + 1
    log(f"table: {files} files, {size / 1e6:.1f} MB, {rows} rows, {commits} commits ({took:.0f} s)")
    copy = work / "small-copy"
    shutil.copytree(table, copy)
    expected = row_set(table)

    log("reading before compaction")
    before = read_times(a.bin, table, a.reads, rows)

    log("orbitlake optimize")
    ol_s, out = timed([a.bin, "optimize", str(table)])
    summary = [line for line in out.stdout.splitlines() if line.startswith("summary:")]
    log("delta-rs optimize.compact() on the copy")
    dr_s, metrics = timed_py(lambda: DeltaTable(str(copy)).optimize.compact())
    ol_files, ol_size = live(table)
    dr_files, dr_size = live(copy)
    assert row_set(table) == expected, "orbitlake optimize changed the rows"
    assert row_set(copy) == expected, "delta-rs compact changed the rows"

    log("reading after compaction")
    after = read_times(a.bin, table, a.reads, rows)
    after_copy = read_times(a.bin, copy, a.reads, rows)

    mb = size / 1e6
    report += [
        f"### Small files: {files:,} files in 3 partitions ({mb:.1f} MB, {rows:,} rows, {commits:,} delta-rs commits)",
        "",
        f"Built in {took:.0f} s. Reads: median (min..max) of {a.reads}.",
        "",
        "| table | live files | delta-rs to_pyarrow_table() s | orbitlake tail -n 10 s | orbitlake tail -n ALL --format csv s |",
        "|---|---|---|---|---|",
        f"| before optimize | {files:,} | {med(before[0])} | {med(before[1])} | {med(before[2])} |",
        f"| after orbitlake optimize | {ol_files} | {med(after[0])} | {med(after[1])} | {med(after[2])} |",
        f"| after delta-rs compact() (copy) | {dr_files} | {med(after_copy[0])} | {med(after_copy[1])} | "
        f"{med(after_copy[2])} |",
        "",
        "| compaction of the same table | wall s | input MB/s | files after | bytes after |",
        "|---|---|---|---|---|",
        f"| orbitlake optimize | {ol_s:.2f} | {mb / ol_s:.1f} | {ol_files} | {ol_size / 1e6:.1f} MB |",
        f"| delta-rs DeltaTable.optimize.compact() | {dr_s:.2f} | {mb / dr_s:.1f} | {dr_files} | "
        f"{dr_size / 1e6:.1f} MB |",
        "",
        f"- orbitlake: `{summary[0] if summary else out.stdout.strip()}`",
        f"- delta-rs metrics: numFilesRemoved={metrics.get('numFilesRemoved')}, "
        f"numFilesAdded={metrics.get('numFilesAdded')}",
        "- Both read back with exactly the rows of the small-file table (delta-rs).",
        "",
    ]


def bench_ingest(a, work, report):
    brokers, kdir = a.brokers, None
    if brokers is None:
        kdir = work / "kafka"
        out = subprocess.run([str(ROOT / "scripts" / "kafka"), "start", "--dir", str(kdir), "--port", "auto"],
                             capture_output=True, text=True, check=True)
        brokers = out.stdout.strip().splitlines()[-1]
    try:
        topic = f"bench-maint-{int(time.time())}"
        sats = 4
        log(f"producing {a.events} events to {topic}")
        timed([a.bin, "generate", "-n", str(sats), "-r", str(a.events // sats), "-o", str(work / "samples"), "--force"])
        timed([a.bin, "produce", "-d", str(work / "samples"), "-b", brokers, "-t", topic, "--partitions", "6",
               "--json"])
        every = ["--optimize-every", str(a.optimize_every)]
        variants = {"ingest": [],
                    f"ingest --optimize-every {a.optimize_every}": every,
                    f"ingest --optimize-every {a.optimize_every} --optimize-cpu-share 0": every + [
                        "--optimize-cpu-share", "0"],
                    f"ingest --optimize-every {a.optimize_every} --optimize-method rewrite":
                        every + ["--optimize-method", "rewrite"]}
        sides = {side: [] for side in variants}
        cpu = {side: [] for side in sides}
        files_after = {side: [] for side in sides}
        optimize_commits = {side: [] for side in sides}
        # Removed after the last round, not between runs: ext4 makes creating files slower
        # for a while after many deletions (inode allocation skips recently deleted
        # inodes), which would charge one side for the previous side's cleanup.
        done = []
        for rnd in range(a.rounds + 1):
            order = list(sides) if rnd % 2 == 0 else list(reversed(sides))
            for side in order:
                extra = variants[side]
                table = work / f"ingest-{rnd}-side{list(sides).index(side)}"
                took, out = timed([a.bin, "ingest", "-b", brokers, "-t", topic, "-g", f"{table.name}-{time.time()}",
                                   "--table", str(table), "--until-caught-up", "--max-rows", str(a.max_rows),
                                   "--metrics-addr", "", "-q", *extra])
                n = DeltaTable(str(table)).to_pyarrow_table(columns=["kafka_offset"]).num_rows
                assert n == a.events // sats * sats, (side, n)
                if rnd > 0:
                    sides[side].append(took)
                    cpu[side].append(last_cpu)
                    files_after[side].append(live(table)[0])
                    hist = DeltaTable(str(table)).history()
                    optimize_commits[side].append(sum(h["operation"] == "OPTIMIZE" for h in hist))
                log(f"round {rnd} {side}: {took:.2f} s")
                done.append(table)
        for table in done:
            shutil.rmtree(table)
        names = list(sides)
        plain = sides[names[0]]
        report += [
            f"### Ingest with and without --optimize-every: {a.events:,} events, 6 partitions, --max-rows {a.max_rows}",
            "",
            f"{a.rounds} measured rounds after a warm-up, sides alternating; median (min..max).",
            "",
            "| side | wall s | events/s | CPU s (user+sys) | OPTIMIZE commits per run | live files at the end |",
            "|---|---|---|---|---|---|",
            *[f"| orbitlake {side} --until-caught-up | {med(xs)} | {a.events / statistics.median(xs):,.0f} | "
              f"{med(cpu[side])} | {optimize_commits[side]} | {files_after[side]} |"
              for side, xs in sides.items()],
            "",
            *[f"- `{side}` ÷ plain ingest, pairs of the same round: wall **{med([o / p for o, p in zip(sides[side], plain)])}**"
              f" (target ≤ 1.10), CPU {med([o / p for o, p in zip(cpu[side], cpu[names[0]])])}"
              for side in names[1:]],
            "",
        ]
    finally:
        if kdir is not None:
            subprocess.run([str(ROOT / "scripts" / "kafka"), "stop", "--dir", str(kdir)], capture_output=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=str(ROOT / "build" / "apps" / "orbitlake" / "orbitlake"))
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--rows-per-file", type=int, default=200)
    ap.add_argument("--reads", type=int, default=3)
    ap.add_argument("--events", type=int, default=600_000)
    ap.add_argument("--optimize-every", type=int, default=10)
    ap.add_argument("--max-rows", type=int, default=5_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--brokers")
    ap.add_argument("--skip", action="append", default=[], choices=["tables", "ingest"])
    ap.add_argument("--workdir", type=pathlib.Path)
    a = ap.parse_args()
    tmp = None
    if a.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="orbitlake-bench-maint-")
        work = pathlib.Path(tmp.name)
    else:
        work = a.workdir
        work.mkdir(parents=True, exist_ok=True)
    import deltalake
    version = subprocess.run([a.bin, "--version"], capture_output=True, text=True).stdout.strip()
    report = [f"## Table maintenance, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (issue 18)", "",
              f"Machine: {os.cpu_count()} cores, Linux {platform.release()}; {version}; deltalake "
              f"{deltalake.__version__}, pyarrow {pa.__version__}",
              f"Command: `.venv/bin/python bench/maintenance.py {' '.join(sys.argv[1:])}`", ""]
    try:
        if "tables" not in a.skip:
            bench_tables(a, work, report)
        if "ingest" not in a.skip:
            bench_ingest(a, work, report)
    finally:
        if tmp is not None:
            tmp.cleanup()
    print("\n".join(report))


if __name__ == "__main__":
    main()
