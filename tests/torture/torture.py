#!/usr/bin/env python3
"""Torture runs for `orbitlake ingest`: crashes, broker restarts, rebalances.

Each mode keeps `orbitlake produce --loop` publishing paced events while faults hit the
ingester (or the broker), then stops the producer, lets one ingester catch up, and checks
with independent readers that the Delta table holds exactly what the producer got
acknowledged:

  crash           start the ingester, SIGKILL it (a plain kill at a random moment, or an
                  `--inject-crash` rule at a storage point: Parquet data file, data files
                  written but commit not made, commit landed, checkpoint), restart; repeat.
  broker-restart  the driver's own broker is stopped and started again (same port and
                  state) several times; producer and ingester keep running throughout and
                  must recover by themselves.
  rebalance       three ingester slots in one group on a 6-partition topic, started and
                  stopped (SIGTERM or SIGKILL) at random for a while.
  optimize-crash  an ingester keeps committing while `orbitlake optimize` runs in a loop
                  on the same table (and, on half of the ingester starts, its own
                  --optimize-every compaction); either is SIGKILLed at a random moment.
                  Compactions that lose a race must give up cleanly.
  pipeline-crash  `ingest --pipeline`: one JSON topic routed by event type to three tables
                  (one with a check), a table's quarantine and the source's (no route,
                  malformed JSON); killed like `crash`. Each table must hold exactly the
                  messages routed to it, decided here from the topic with json + the routes.
  registry-crash  `ingest --registry DIR --tables BASE` (one table per registered event
                  type, the clickstream engine), killed like `crash` while the registry
                  changes (a new schema version midway); the same exact check per table.

The produced set is read back from Kafka itself (confluent_kafka; (satellite, sequence)
decoded from each FlatBuffers event by the small reader below, not by orbitlake's code)
and must match the producer's acknowledged count with contiguous sequences per
satellite. The table is read with delta-rs (`deltalake`); its log is replayed here to
check that no data file is added twice and that checkpoints agree with the commits.

Result row per run: fault, injections, rows produced, rows in table, lost, duplicated,
crashes (ingester exits other than our own kills and clean stops, plus any non-zero exit
of the producer). The exit code is 0 only when lost = duplicated = crashes = 0 and every
table check passed. `--report FILE` writes the rows as JSON; `table FILE...` renders them
as a markdown table.

Usage (from the repository root, with the project venv):
  .venv/bin/python tests/torture/torture.py crash --kills 50 --report crash.json
  .venv/bin/python tests/torture/torture.py broker-restart --restarts 5
  .venv/bin/python tests/torture/torture.py rebalance --duration 300
  .venv/bin/python tests/torture/torture.py pipeline-crash --kills 50
  .venv/bin/python tests/torture/torture.py optimize-crash --kills 50
  .venv/bin/python tests/torture/torture.py table crash.json broker.json rebalance.json

On S3 (crash, broker-restart, rebalance): `--table s3://lake/some/prefix` with the server's
AWS_* variables in the environment (e.g. `scripts/s3 start --port auto; eval "$(scripts/s3
env)"`); the ingesters get them, the checks read the log and the data files through
pyarrow's S3 client and delta-rs with storage_options. `rebalance --delta-rs-writer` adds
delta-rs appending to the same table all along (each append must land once).
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import os
import pathlib
import random
import signal
import struct
import subprocess
import sys
import tempfile
import time
from typing import Callable, Optional

ROOT = pathlib.Path(os.environ.get("ORBITLAKE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
DEFAULT_BIN = os.environ.get("ORBITLAKE_BIN", str(ROOT / "build" / "apps" / "orbitlake" / "orbitlake"))

# A killed member stays in its group until its session times out (45 s by default);
# a short one hands its partitions to the others soon.
FAST_REBALANCE = ["-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"]

# Storage points where `ingest --inject-crash` SIGKILLs the process (fault_storage.h).
# Data files are `part-...snappy.parquet`; checkpoints `N.checkpoint.parquet`; commits
# `_delta_log/N.json` (put-if-absent). NTH ranges keep the point reachable within a run.
CRASH_POINTS = {
    "parquet-write": ("write:snappy.parquet:{n}:crash-before", 1, 6),       # while a data file is written
    "before-commit": ("put:.json:{n}:crash-before", 1, 6),                  # data files written, no commit
    "after-commit": ("put:.json:{n}:crash-after", 1, 6),                    # commit landed, nothing after
    "checkpoint-write": ("write:checkpoint.parquet:{n}:crash-before", 1, 2),  # while a checkpoint is written
    "checkpoint-hint": ("write:_last_checkpoint:{n}:crash-before", 1, 2),     # checkpoint done, hint not
}


# ---------------------------------------------------------------------------------------
# Small utilities

class Log:
    def __init__(self, quiet: bool = False):
        self.start = time.monotonic()
        self.quiet = quiet

    def __call__(self, msg: str) -> None:
        if not self.quiet:
            print(f"[torture {time.monotonic() - self.start:7.1f}s] {msg}", file=sys.stderr, flush=True)


@dataclasses.dataclass
class Config:
    bin: str = DEFAULT_BIN
    brokers: Optional[str] = None     # None: start our own broker (always, for broker-restart)
    workdir: Optional[pathlib.Path] = None
    seed: Optional[int] = None
    rate: float = 2000.0              # events/s the producer publishes
    satellites: int = 4
    rows: int = 5000                  # rows per sample file (replayed with --loop)
    kills: int = 50                   # crash
    restarts: int = 5                 # broker-restart
    down: tuple = (2.0, 6.0)          # broker-restart: seconds the broker stays down
    duration: float = 300.0           # rebalance
    max_rows: int = 500               # ingester batch size: many commits, checkpoints every 10
    interval: str = "200ms"
    produce_args: tuple = ()          # extra arguments for `orbitlake produce`
    quiet: bool = False
    # The table (crash, broker-restart, rebalance): None = <workdir>/table; or a location
    # such as s3://lake/torture/t, then `s3_env` holds the server's AWS_* settings, given
    # to the ingesters' environment and to the checks (delta-rs, pyarrow's S3 client).
    table: Optional[str] = None
    s3_env: Optional[dict] = None
    # rebalance: delta-rs also appends to the table all along (one row per commit, every
    # `delta_rs_every` s, satellite DELTA_RS_SATELLITE), as a second writer committing
    # with put-if-absent beside the ingesters.
    delta_rs_writer: bool = False
    delta_rs_every: float = 0.3


@dataclasses.dataclass
class Row:
    """One result row (the README table's columns, plus details)."""
    fault: str
    injections: int = 0
    produced: int = 0
    in_table: int = 0
    lost: int = 0
    duplicated: int = 0
    crashes: int = 0
    seconds: float = 0.0
    seed: int = 0
    details: dict = dataclasses.field(default_factory=dict)
    problems: list = dataclasses.field(default_factory=list)  # failed checks, crash reasons

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.crashes == 0 and not self.problems

    def summary(self) -> str:
        head = (f"{self.fault}: injections={self.injections} produced={self.produced} in_table={self.in_table} "
                f"lost={self.lost} duplicated={self.duplicated} crashes={self.crashes} "
                f"({self.seconds:.0f} s, seed {self.seed})")
        return "\n".join([head, *[f"  problem: {p}" for p in self.problems]])


class Proc:
    """A child process whose output goes to files (pipes would fill up and block it)."""

    def __init__(self, name: str, args: list, logdir: pathlib.Path, env: Optional[dict] = None):
        self.name = name
        self.args = args
        self.out_path = logdir / f"{name}.out"
        self.err_path = logdir / f"{name}.err"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.p = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        self.started = time.monotonic()
        self.signalled: Optional[int] = None

    def running(self) -> bool:
        return self.p.poll() is None

    def signal(self, sig: int) -> None:
        if self.p.poll() is None:
            self.signalled = sig
            self.p.send_signal(sig)

    def wait(self, timeout: float) -> Optional[int]:
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    @property
    def returncode(self) -> Optional[int]:
        return self.p.returncode

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def rows_committed(self) -> Optional[int]:
        """From the ingester's summary ("N rows committed to ..."), when it printed one."""
        for line in self.stdout().splitlines():
            if "rows committed" in line:
                return int(line.split()[0])
        return None

    def stderr_tail(self, n: int = 1500) -> str:
        return self.err_path.read_text(errors="replace")[-n:]


class Broker:
    """A private single-node broker from scripts/kafka, restartable on the same port."""

    def __init__(self, kdir: pathlib.Path, log: Log):
        self.kdir = kdir
        self.log = log
        self.port = "auto"
        self.address: Optional[str] = None

    def _kafka(self, *args: str, timeout: float = 180) -> str:
        out = subprocess.run([str(ROOT / "scripts" / "kafka"), *args, "--dir", str(self.kdir)],
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"scripts/kafka {args[0]} failed ({out.returncode}):\n{out.stderr[-2000:]}")
        return out.stdout

    def start(self) -> str:
        out = self._kafka("start", "--port", str(self.port), "--timeout", "120")
        self.address = out.strip().splitlines()[-1]
        self.port = self.address.rsplit(":", 1)[1]
        return self.address

    def stop(self) -> None:
        self._kafka("stop")


# ---------------------------------------------------------------------------------------
# The produced set, read from Kafka

def decode_event(buf: bytes) -> tuple:
    """(satellite, sequence) of one telemetry event (src/telemetry/telemetry.fbs).

    A minimal FlatBuffers reader, independent of orbitlake's decoder: root table offset,
    file identifier "OLTE", vtable lookup of field 0 (string) and 1 (ulong, default 0).
    """
    if len(buf) < 8 or buf[4:8] != b"OLTE":
        raise ValueError("not a telemetry event (file identifier)")
    root = struct.unpack_from("<I", buf, 0)[0]
    vtable = root - struct.unpack_from("<i", buf, root)[0]
    vt_size = struct.unpack_from("<H", buf, vtable)[0]

    def field(i: int) -> int:
        pos = 4 + 2 * i
        return struct.unpack_from("<H", buf, vtable + pos)[0] if pos < vt_size else 0

    sat_at = root + field(0)
    s = sat_at + struct.unpack_from("<I", buf, sat_at)[0]
    n = struct.unpack_from("<I", buf, s)[0]
    satellite = buf[s + 4:s + 4 + n].decode()
    seq = struct.unpack_from("<Q", buf, root + field(1))[0] if field(1) else 0
    return satellite, seq


def high_watermarks(brokers: str, topic: str) -> dict:
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": brokers, "group.id": "torture-watermarks"})
    try:
        md = c.list_topics(topic, timeout=30)
        if md.topics[topic].error is not None:
            raise RuntimeError(f"topic {topic}: {md.topics[topic].error}")
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
                for p in sorted(md.topics[topic].partitions)}
    finally:
        c.close()


def read_topic(brokers: str, topic: str) -> list:
    """Every message of the topic as (satellite, sequence, partition, offset)."""
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    hw = high_watermarks(brokers, topic)
    c = Consumer({"bootstrap.servers": brokers, "group.id": "torture-reader", "enable.auto.commit": False,
                  "enable.partition.eof": False})
    out = []
    try:
        todo = {p for p, h in hw.items() if h > 0}
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in todo])
        deadline = time.monotonic() + 300
        while todo:
            if time.monotonic() > deadline:
                raise RuntimeError(f"reading topic {topic} back did not finish: partitions {sorted(todo)} short")
            for m in c.consume(num_messages=10000, timeout=1.0):
                if m.error():
                    raise RuntimeError(f"reading topic {topic}: {m.error()}")
                sat, seq = decode_event(m.value())
                if m.key() is not None and m.key().decode() != sat:
                    raise RuntimeError(f"{topic}/{m.partition()}@{m.offset()}: key {m.key()!r} != satellite {sat}")
                out.append((sat, seq, m.partition(), m.offset()))
                if m.offset() >= hw[m.partition()] - 1:
                    todo.discard(m.partition())
    finally:
        c.close()
    return out


def wait_for_topic(brokers: str, topic: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if sum(high_watermarks(brokers, topic).values()) > 0:
                return
        except Exception:  # not created yet
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"topic {topic} got no events within {timeout:.0f} s")
        time.sleep(0.5)


# ---------------------------------------------------------------------------------------
# Table checks

class Table:
    """Where the checks read a table: a local folder, or s3://bucket/prefix on the server
    `s3_env` (AWS_* settings) describes. The log and the data files are read through
    pyarrow's filesystem for either, delta-rs with the matching storage_options
    (conditional_put=etag: delta-rs commits with If-None-Match like orbitlake)."""

    def __init__(self, location, s3_env: Optional[dict] = None):
        from pyarrow import fs as pafs
        self.location = str(location)
        self.env = None  # the ingesters' environment (None: inherit)
        if self.location.startswith("s3://"):
            from urllib.parse import urlparse
            if not s3_env:
                raise SystemExit(f"{self.location}: an S3 table needs the server's AWS_* settings (s3_env)")
            endpoint = urlparse(s3_env["AWS_ENDPOINT_URL"])
            self.fs = pafs.S3FileSystem(access_key=s3_env["AWS_ACCESS_KEY_ID"],
                                        secret_key=s3_env["AWS_SECRET_ACCESS_KEY"],
                                        region=s3_env.get("AWS_REGION", "us-east-1"),
                                        endpoint_override=endpoint.netloc, scheme=endpoint.scheme)
            self.root = self.location.removeprefix("s3://").rstrip("/")
            self.storage_options = {**s3_env, "conditional_put": "etag"}
            self.env = {**os.environ, **s3_env}
        else:
            self.fs = pafs.LocalFileSystem()
            self.root = str(pathlib.Path(self.location).absolute())
            self.storage_options = None

    def __str__(self) -> str:
        return self.location

    def delta(self):
        from deltalake import DeltaTable
        return DeltaTable(self.location, storage_options=self.storage_options)

    def log_names(self) -> list:
        from pyarrow import fs as pafs
        infos = self.fs.get_file_info(pafs.FileSelector(f"{self.root}/_delta_log", allow_not_found=True))
        return [i.base_name for i in infos if i.type == pafs.FileType.File]

    def read_text(self, rel: str) -> str:
        with self.fs.open_input_stream(f"{self.root}/{rel}") as f:
            return f.read().decode()

    def read_parquet(self, rel_or_uri: str, columns: list):
        import pyarrow.parquet as pq
        # delta-rs's file_uris(): "s3://bucket/key", "file:///abs" or a plain absolute path.
        if "://" in rel_or_uri:
            path = rel_or_uri.split("://", 1)[1]
        elif rel_or_uri.startswith("/"):
            path = rel_or_uri
        else:
            path = f"{self.root}/{rel_or_uri}"
        return pq.read_table(path, columns=columns, filesystem=self.fs)

    def data_files(self) -> set:
        """Every .parquet outside _delta_log, relative to the table's root."""
        from pyarrow import fs as pafs
        infos = self.fs.get_file_info(pafs.FileSelector(self.root, recursive=True, allow_not_found=True))
        rels = (i.path[len(self.root) + 1:] for i in infos if i.type == pafs.FileType.File)
        return {r for r in rels if r.endswith(".parquet") and not r.startswith("_delta_log/")}


def replay_log(table: Table) -> dict:
    """Replays _delta_log by hand (independent of orbitlake and of delta-rs).

    Returns the live add paths and the problems found: a data file added twice (in
    commits, or within a checkpoint), a checkpoint that disagrees with the commits up to
    its version, a live file missing on disk. Orphans (files no commit names) are counted,
    not faulted: a crash between writing data files and committing leaves them.
    """
    names = table.log_names()
    problems = []
    commits = sorted(int(n.split(".")[0]) for n in names if n.endswith(".json"))
    if not commits:
        return {"problems": [f"{table}/_delta_log: no commits"], "live": set(), "versions": 0, "orphans": 0}
    if commits != list(range(commits[0], commits[-1] + 1)) or commits[0] != 0:
        problems.append(f"commit versions not contiguous from 0: {commits[:3]}...{commits[-3:]}")
    added_at = {}      # path -> version it was added
    live_at = {}       # version -> live set after it (only kept for checkpoint versions)
    checkpoints = sorted(int(n.split(".")[0]) for n in names if n.endswith(".checkpoint.parquet"))
    live = set()
    for v in commits:
        for line in table.read_text(f"_delta_log/{v:020d}.json").splitlines():
            line = line.strip()
            if not line:
                continue
            action = json.loads(line)
            if "add" in action:
                path = action["add"]["path"]
                if path in added_at:
                    problems.append(f"data file {path} added twice: versions {added_at[path]} and {v}")
                added_at[path] = v
                live.add(path)
            elif "remove" in action:
                live.discard(action["remove"]["path"])
        if v in checkpoints:
            live_at[v] = set(live)
    for v in checkpoints:
        t = table.read_parquet(f"_delta_log/{v:020d}.checkpoint.parquet", ["add"]).column("add").to_pylist()
        paths = [a["path"] for a in t if a is not None]
        if len(paths) != len(set(paths)):
            problems.append(f"checkpoint {v}: {len(paths) - len(set(paths))} data file(s) listed twice")
        if v in live_at and set(paths) != live_at[v]:
            problems.append(f"checkpoint {v} disagrees with commits 0..{v}: "
                            f"{len(set(paths) - live_at[v])} extra, {len(live_at[v] - set(paths))} missing")
    from urllib.parse import unquote
    on_disk = table.data_files()
    live_plain = {unquote(p) for p in live}
    missing = live_plain - on_disk
    if missing:
        problems.append(f"{len(missing)} live data file(s) missing on disk, e.g. {sorted(missing)[:2]}")
    return {"problems": problems, "live": live_plain, "versions": commits[-1] + 1,
            "checkpoints": len(checkpoints), "orphans": len(on_disk - live_plain)}


def table_pairs(table: Table, columns=("satellite", "sequence", "kafka_partition", "kafka_offset")) -> list:
    t = table.delta().to_pyarrow_table(columns=list(columns))
    return list(zip(*(t.column(c).to_pylist() for c in columns)))


class CrashChecker:
    """After each crash: the table (if any) loads with delta-rs and no offset is in it twice.

    Incremental: data files are immutable, so each live file is read once (re-reading the
    whole table after every kill would take longer than the torture itself).
    """

    def __init__(self, table: Table):
        self.table = table
        self.seen: dict = {}  # file uri -> [(partition, offset)]

    def __call__(self) -> Optional[str]:
        if not self.table.log_names():
            return None
        try:
            uris = self.table.delta().file_uris()
            for uri in uris:
                if uri not in self.seen:
                    t = self.table.read_parquet(uri, ["kafka_partition", "kafka_offset"])
                    self.seen[uri] = list(zip(t.column(0).to_pylist(), t.column(1).to_pylist()))
        except Exception as e:  # a table that does not read is a failure too
            return f"table does not read after a crash: {e}"
        counts = collections.Counter(po for uri in uris for po in self.seen[uri])
        dup = sum(n - 1 for n in counts.values())
        return f"{dup} duplicated offsets after a crash" if dup else None


DELTA_RS_SATELLITE = "delta-rs-writer"  # rows the delta-rs writer appends (never produced to Kafka)


class DeltaRsWriter:
    """Appends one row at a time to the table with delta-rs, from a thread, until stop():
    a copy of the table's first row with satellite DELTA_RS_SATELLITE and sequence 0, 1,
    ... Each append is one delta-rs commit (put-if-absent, retried by delta-rs on a lost
    race); `written` holds the sequences whose append returned, `errors` the failures."""

    def __init__(self, table: Table, every: float):
        import threading
        self.table, self.every = table, every
        self.written: list = []
        self.errors: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import pyarrow as pa
        from deltalake import write_deltalake
        template = None
        seq = 0
        while not self._stop.is_set():
            try:
                if template is None:
                    template = self.table.delta().to_pyarrow_table().slice(0, 1)
                    if template.num_rows == 0:
                        template = None
                        raise LookupError("no row yet")
                row = template
                for name, value in (("satellite", DELTA_RS_SATELLITE), ("sequence", seq)):
                    i = row.schema.get_field_index(name)
                    row = row.set_column(i, row.schema.field(i), pa.array([value], row.schema.field(i).type))
                write_deltalake(self.table.location, row, mode="append", storage_options=self.table.storage_options)
                self.written.append(seq)
                seq += 1
            except LookupError:
                pass
            except Exception as e:  # the table not there yet is the only expected case
                if template is not None:
                    self.errors.append(repr(e)[:300])
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)


def verify(row: Row, table: Table, brokers: str, topic: str, acked: Optional[int], log: Log,
           delta_rs: Optional[DeltaRsWriter] = None) -> None:
    """Fills produced / in_table / lost / duplicated and the problems of `row` (rows of the
    delta-rs writer are checked on their own: each append there once)."""
    log("reading the topic back from Kafka")
    topic_rows = read_topic(brokers, topic)
    produced = collections.Counter((s, q) for s, q, _, _ in topic_rows)
    row.produced = len(produced)
    dup_in_topic = sum(n - 1 for n in produced.values())
    if dup_in_topic:
        row.problems.append(f"the topic holds {dup_in_topic} duplicated (satellite, sequence): producer duplicates")
    if acked is not None and acked != len(topic_rows):
        row.problems.append(f"the producer reported {acked} acknowledged events, the topic holds {len(topic_rows)}")
    per_sat = collections.defaultdict(set)
    for s, q in produced:
        per_sat[s].add(q)
    for s, seqs in sorted(per_sat.items()):
        if seqs != set(range(len(seqs))):
            gaps = sorted(set(range(max(seqs) + 1)) - seqs)
            row.problems.append(f"satellite {s}: sequences not contiguous from 0 ({len(gaps)} gaps, e.g. {gaps[:5]})")

    log("reading the table with deltalake")
    rows = table_pairs(table)
    if delta_rs is not None:
        theirs = sorted(q for s, q, _, _ in rows if s == DELTA_RS_SATELLITE)
        rows = [r for r in rows if r[0] != DELTA_RS_SATELLITE]
        if theirs != sorted(delta_rs.written):
            row.problems.append(f"delta-rs appended {len(delta_rs.written)} rows, the table holds {len(theirs)} of "
                                f"them ({len(theirs) - len(set(theirs))} repeated)")
        if delta_rs.errors:
            row.problems.append(f"{len(delta_rs.errors)} delta-rs appends failed, e.g. {delta_rs.errors[0]}")
        row.details["delta_rs_appends"] = len(delta_rs.written)
    row.in_table = len(rows)
    got = collections.Counter((s, q) for s, q, _, _ in rows)
    row.lost = sum(1 for k in produced if k not in got)
    row.duplicated = sum(n - 1 for n in got.values())
    extra = [k for k in got if k not in produced]
    if extra:
        row.problems.append(f"{len(extra)} rows in the table were never produced, e.g. {extra[:3]}")
    # The same by Kafka coordinates: every offset of the topic exactly once.
    offsets = collections.Counter((p, o) for _, _, p, o in rows)
    expected_offsets = {(p, o) for _, _, p, o in topic_rows}
    if set(offsets) != expected_offsets or any(n > 1 for n in offsets.values()):
        row.problems.append(f"table offsets differ from the topic's: {len(expected_offsets - set(offsets))} missing, "
                            f"{sum(n - 1 for n in offsets.values())} repeated")
    by_key = {(s, q): (p, o) for s, q, p, o in topic_rows}
    wrong = [(s, q) for s, q, p, o in rows if (s, q) in by_key and by_key[(s, q)] != (p, o)]
    if wrong:
        row.problems.append(f"{len(wrong)} rows carry another event's Kafka offset, e.g. {wrong[:3]}")

    log("replaying the Delta log")
    replay = replay_log(table)
    row.problems.extend(replay["problems"])
    dt = table.delta()
    import pyarrow as pa
    adds = pa.table(dt.get_add_actions(flatten=True)).column("path").to_pylist()
    if len(adds) != len(set(adds)):
        row.problems.append(f"deltalake lists {len(adds) - len(set(adds))} data file(s) twice")
    from urllib.parse import unquote
    if {unquote(p) for p in adds} != replay["live"]:
        row.problems.append("deltalake's live files differ from the replayed log's")
    row.details.update(table_versions=replay["versions"], checkpoints=replay["checkpoints"],
                       live_files=len(adds), orphan_files=replay["orphans"])


def committed_total(table: Table, topic: str, partitions, app: str = "orbitlake") -> int:
    """Messages the table's txn versions cover (sum of version + 1 over the partitions)."""
    try:
        dt = table.delta()
    except Exception:  # not created yet
        return 0
    total = 0
    for p in partitions:
        v = dt.transaction_version(f"{app}:{topic}:{p}")
        total += 0 if v is None else v + 1
    return total


def wait_recovered(table: Table, brokers: str, topic: str, timeout: float, min_new: int) -> Optional[float]:
    """After a broker restart: seconds until the producer delivered `min_new` more events
    and the ingester committed everything the topic held at the restart; None if not
    within `timeout`."""
    start = time.monotonic()
    base = None
    while time.monotonic() - start < timeout:
        try:
            hw = high_watermarks(brokers, topic)
        except Exception:  # the broker may still be loading
            time.sleep(0.5)
            continue
        if base is None:
            base = sum(hw.values())
        if sum(hw.values()) >= base + min_new and committed_total(table, topic, hw) >= base:
            return time.monotonic() - start
        time.sleep(0.5)
    return None


def commit_count(table: Table) -> int:
    """Commit files in the table's log (0 before the table exists)."""
    return sum(1 for n in table.log_names() if n.endswith(".json"))


def wait_caught_up(table: Table, brokers: str, topic: str, timeout: float, app: str = "orbitlake") -> bool:
    """Until the table's txn versions reach the topic's end offsets."""
    hw = high_watermarks(brokers, topic)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            dt = table.delta()
            if all(h == 0 or (dt.transaction_version(f"{app}:{topic}:{p}") or -1) >= h - 1 for p, h in hw.items()):
                return True
        except Exception:  # table not there yet
            pass
        time.sleep(1)
    return False


# ---------------------------------------------------------------------------------------
# The runs

class Run:
    """What every mode shares: work folder, broker, samples, producer, ingester command."""

    def __init__(self, cfg: Config, fault: str, partitions: int):
        self.cfg = cfg
        self.seed = cfg.seed if cfg.seed is not None else random.SystemRandom().randrange(1 << 31)
        self.rng = random.Random(self.seed)
        self.log = Log(cfg.quiet)
        self.row = Row(fault=fault, seed=self.seed)
        self.partitions = partitions
        self._tmp = None
        if cfg.workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix=f"orbitlake-torture-{fault}-")
            self.work = pathlib.Path(self._tmp.name)
        else:
            self.work = pathlib.Path(cfg.workdir)
            self.work.mkdir(parents=True, exist_ok=True)
        self.logs = self.work / "logs"
        self.logs.mkdir(exist_ok=True)
        self.table = Table(cfg.table or self.work / "table", cfg.s3_env)
        self.topic = f"torture-{fault}-{self.seed:x}-{int(time.time())}"
        self.group = f"{self.topic}-g"
        self.broker: Optional[Broker] = None
        self.brokers = cfg.brokers
        self.producer: Optional[Proc] = None
        self.started = time.monotonic()
        self.ingesters: list = []
        self.delta_rs: Optional[DeltaRsWriter] = None

    def __enter__(self):
        self.log(f"{self.row.fault}: seed {self.seed}, work folder {self.work}")
        if self.brokers is None:
            self.broker = Broker(self.work / "kafka", self.log)
            self.brokers = self.broker.start()
            self.log(f"own broker at {self.brokers}")
        subprocess.run([self.cfg.bin, "generate", "-n", str(self.cfg.satellites), "-r", str(self.cfg.rows),
                        "--seed", str(self.seed % 100000), "-o", str(self.work / "samples"), "--force"],
                       check=True, capture_output=True)
        return self

    def __exit__(self, *exc):
        # Nothing outlives the run, also when it ends with an exception.
        if self.delta_rs is not None:
            self.delta_rs.stop()
        for p in [self.producer, *self.ingesters]:
            if p is not None and p.running():
                p.signal(signal.SIGKILL)
                p.wait(30)
        if self.broker is not None:
            try:
                self.broker.stop()
            except Exception as e:
                self.log(f"stopping the broker: {e}")
        self.row.seconds = time.monotonic() - self.started
        if self._tmp is not None and self.row.ok:
            self._tmp.cleanup()
        elif self._tmp is not None:
            self.row.details["kept_work_folder"] = str(self.work)
        return False

    def start_producer(self) -> None:
        self.producer = Proc("producer", [self.cfg.bin, "produce", "-d", str(self.work / "samples"), "-b",
                                          self.brokers, "-t", self.topic, "--partitions", str(self.partitions),
                                          "--loop", "--rate", str(self.cfg.rate), "--json",
                                          *self.cfg.produce_args], self.logs)
        wait_for_topic(self.brokers, self.topic)
        self.log(f"producer running: {self.cfg.rate:.0f} events/s into {self.topic} ({self.partitions} partitions)")

    def stop_producer(self) -> Optional[int]:
        """SIGINT (flush, summary); returns the acknowledged count. A non-zero exit is a crash."""
        p = self.producer
        if not p.running():
            self.crash(f"producer exited by itself ({p.returncode}): {p.stderr_tail()}")
        p.signal(signal.SIGINT)
        if p.wait(120) is None:
            self.crash("producer did not stop within 120 s of SIGINT")
            p.signal(signal.SIGKILL)
            p.wait(30)
            return None
        try:
            report = json.loads(p.stdout().strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.crash(f"producer printed no JSON summary (exit {p.returncode}): {p.stderr_tail()}")
            return None
        if p.returncode != 0:
            self.crash(f"producer exit {p.returncode}: {report.get('error') or report.get('delivery_error')}")
        self.row.details["producer"] = {k: report[k] for k in ("events", "acked", "failed", "events_per_second")}
        self.log(f"producer stopped: {report['events']} sent, {report['acked']} acknowledged")
        return report["acked"]

    def crash(self, why: str) -> None:
        self.row.crashes += 1
        self.row.problems.append(why)
        self.log(f"CRASH: {why}")

    def ingest_args(self, *extra: str) -> list:
        return [self.cfg.bin, "ingest", "-b", self.brokers, "-t", self.topic, "-g", self.group,
                "--table", str(self.table), "--interval", self.cfg.interval, "--max-rows", str(self.cfg.max_rows),
                "--metrics-addr", "", "-q", *FAST_REBALANCE, *extra]

    def start_ingester(self, *extra: str) -> Proc:
        p = Proc(f"ingest-{len(self.ingesters) + 1:03d}", self.ingest_args(*extra), self.logs, env=self.table.env)
        self.ingesters.append(p)
        return p

    def final_catch_up(self, *extra: str) -> None:
        """One ingester reads whatever the table does not hold yet, then stops."""
        p = self.start_ingester("--until-caught-up", *extra)
        if p.wait(600) is None:
            p.signal(signal.SIGKILL)
            p.wait(30)
            self.crash("the final --until-caught-up ingest did not finish within 600 s")
        elif p.returncode != 0:
            self.crash(f"the final --until-caught-up ingest exited {p.returncode}: {p.stderr_tail()}")
        else:
            self.row.details["final_catch_up_rows"] = p.rows_committed()
            self.log(f"final ingest caught up: {p.rows_committed()} rows committed")

    def finish(self, acked: Optional[int]) -> Row:
        verify(self.row, self.table, self.brokers, self.topic, acked, self.log, self.delta_rs)
        self.row.seconds = time.monotonic() - self.started
        self.log(self.row.summary())
        return self.row


def run_crash(cfg: Config) -> Row:
    """SIGKILL the ingester `cfg.kills` times, at random moments and at storage points."""
    # Static membership: a restarted ingester takes the killed one's place at once
    # instead of waiting out its session (the table, not the group, holds the offsets,
    # so this changes how fast the torture goes, not what it checks).
    STATIC = ["-X", "group.instance.id=torture-crash"]
    with Run(cfg, "crash", partitions=3) as run:
        rng, log = run.rng, run.log
        run.start_producer()
        kinds = collections.Counter()
        not_fired = 0
        check = CrashChecker(run.table)
        for k in range(1, cfg.kills + 1):
            kind = rng.choice(["plain", "plain", *CRASH_POINTS])
            extra, rule = [], None
            if kind != "plain":
                template, lo, hi = CRASH_POINTS[kind]
                rule = template.format(n=rng.randint(lo, hi))
                extra = ["--inject-crash", rule]
            p = run.start_ingester(*STATIC, *extra)
            if rule is None:
                delay = rng.uniform(0.2, 5.0)
                if p.wait(delay) is None:
                    p.signal(signal.SIGKILL)
                    p.wait(30)
                what = f"SIGKILL after {delay:.1f} s"
            else:
                # The rule kills the process when the ingester gets there; a point it does
                # not reach in time (e.g. no checkpoint yet) ends as a plain kill.
                if p.wait(30) is None:
                    p.signal(signal.SIGKILL)
                    p.wait(30)
                    not_fired += 1
                what = f"--inject-crash {rule}"
            rc = p.returncode
            injected = rc == -signal.SIGKILL and "injected crash" in p.err_path.read_text(errors="replace")
            if rc == -signal.SIGKILL and (p.signalled == signal.SIGKILL or injected):
                kinds[kind if (rule is None or injected) else "plain (rule not reached)"] += 1
                run.row.injections += 1
            else:
                run.crash(f"ingester run {k} ({what}) exited {rc}: {p.stderr_tail()}")
            problem = check()
            if problem:
                run.row.problems.append(f"after kill {k} ({what}): {problem}")
            log(f"kill {k}/{cfg.kills}: {what} -> exit {rc}{' (injected)' if injected else ''} "
                f"after {time.monotonic() - p.started:.1f} s"
                f"{'; ' + problem if problem else ''}")
        run.row.details["kills"] = dict(kinds)
        run.row.details["rules_not_reached"] = not_fired
        acked = run.stop_producer()
        run.final_catch_up(*STATIC)
        return run.finish(acked)


def run_broker_restart(cfg: Config) -> Row:
    """Stop and restart the (own) broker under a running producer and ingester."""
    if cfg.brokers is not None:
        raise SystemExit("broker-restart stops and starts its own broker: do not pass --brokers")
    with Run(cfg, "broker-restart", partitions=3) as run:
        rng, log = run.rng, run.log
        run.start_producer()
        ing = run.start_ingester()
        wait_deadline = time.monotonic() + 60
        while not run.table.log_names() and time.monotonic() < wait_deadline:
            time.sleep(0.5)
        downs, recovered = [], []
        for k in range(1, cfg.restarts + 1):
            time.sleep(rng.uniform(3.0, 8.0))
            t0 = time.monotonic()
            run.broker.stop()
            stopped = time.monotonic()
            time.sleep(rng.uniform(*cfg.down))
            run.broker.start()
            up = time.monotonic()
            downs.append(round(up - t0, 1))
            run.row.injections += 1
            log(f"restart {k}/{cfg.restarts}: broker down {up - t0:.1f} s (stop took {stopped - t0:.1f} s)")
            # Recovery by themselves: the producer delivers again and the ingester commits
            # what the topic held at the restart, before the next outage.
            took = wait_recovered(run.table, run.brokers, run.topic, timeout=120, min_new=int(cfg.rate))
            recovered.append(None if took is None else round(took, 1))
            if took is None:
                run.row.problems.append(f"restart {k}: producer and ingester did not recover within 120 s")
            log(f"restart {k}/{cfg.restarts}: " +
                ("NOT recovered within 120 s" if took is None else f"producer and ingester recovered in {took:.1f} s"))
            for name, p in (("producer", run.producer), ("ingester", ing)):
                if not p.running():
                    run.crash(f"{name} exited during the outage ({p.returncode}): {p.stderr_tail()}")
            if run.row.crashes:
                break
        run.row.details["outage_seconds"] = downs
        run.row.details["recovery_seconds"] = recovered
        time.sleep(5)
        acked = run.stop_producer()
        if ing.running():
            if not wait_caught_up(run.table, run.brokers, run.topic, timeout=180):
                run.row.problems.append("the running ingester did not catch up within 180 s after the last restart")
            ing.signal(signal.SIGINT)
            if ing.wait(120) is None:
                run.crash("ingester did not stop within 120 s of SIGINT")
                ing.signal(signal.SIGKILL)
                ing.wait(30)
            elif ing.returncode != 0:
                run.crash(f"ingester exit {ing.returncode} after SIGINT: {ing.stderr_tail()}")
        elif ing.signalled is None and not any("ingester exited" in p for p in run.row.problems):
            run.crash(f"ingester exited by itself ({ing.returncode}): {ing.stderr_tail()}")
        # Whatever the surviving ingester did, the table must be complete after one more
        # pass (it adds nothing when the ingester caught up, which is the expected case).
        run.final_catch_up()
        return run.finish(acked)


def run_rebalance(cfg: Config, slots: int = 3) -> Row:
    """Ingester slots in one group, started and stopped (SIGTERM / SIGKILL) at random."""
    with Run(cfg, "rebalance", partitions=6) as run:
        rng, log = run.rng, run.log
        run.start_producer()
        procs: list = [None] * slots
        stopping: list = [None] * slots   # deadline of a SIGTERM stop in progress
        next_at = [0.0] * slots
        counts = collections.Counter()
        end = time.monotonic() + cfg.duration

        def reap(i: int) -> None:
            p = procs[i]
            rc = p.returncode
            if p.signalled == signal.SIGTERM:
                if rc == 0 and (p.rows_committed() or 0) > 0:
                    counts["clean stops after committing"] += 1
                if rc != 0:
                    run.crash(f"slot {i}: exit {rc} after SIGTERM (clean stop expected): {p.stderr_tail()}")
            elif p.signalled == signal.SIGKILL:
                if rc != -signal.SIGKILL:
                    run.crash(f"slot {i}: exit {rc} before our SIGKILL landed: {p.stderr_tail()}")
            else:
                run.crash(f"slot {i}: ingester exited by itself ({rc}): {p.stderr_tail()}")
            procs[i] = None
            stopping[i] = None

        if cfg.delta_rs_writer:
            run.delta_rs = DeltaRsWriter(run.table, cfg.delta_rs_every)
        last_status = 0.0
        while time.monotonic() < end:
            now = time.monotonic()
            for i in range(slots):
                p = procs[i]
                if p is not None and not p.running():
                    reap(i)
                    next_at[i] = now + rng.uniform(0.5, 4.0)
                    continue
                if p is not None and stopping[i] is not None:
                    if now > stopping[i]:
                        run.crash(f"slot {i}: no exit within 60 s of SIGTERM")
                        p.signal(signal.SIGKILL)
                        p.wait(30)
                        procs[i] = None
                        stopping[i] = None
                    continue
                if now < next_at[i]:
                    continue
                if p is None:
                    procs[i] = run.start_ingester()
                    counts["start"] += 1
                    next_at[i] = now + rng.uniform(2.0, 12.0)
                elif rng.random() < 0.5:
                    p.signal(signal.SIGTERM)
                    stopping[i] = now + 60
                    counts["sigterm"] += 1
                else:
                    p.signal(signal.SIGKILL)
                    p.wait(30)
                    counts["sigkill"] += 1
                    reap(i)
                    next_at[i] = now + rng.uniform(0.5, 4.0)
            if now - last_status > 10:
                last_status = now
                log(f"slots {['up' if p else '--' for p in procs]}; {dict(counts)}")
            time.sleep(0.2)
        # Let the group settle before the final clean stop, so that path is exercised on
        # every seed: at least one member up, and two commits made after the last change of
        # membership (the first may come from a member that was leaving). A short run on a
        # busy machine can otherwise end with every member just started and nothing committed.
        for i, p in enumerate(procs):
            if p is not None and stopping[i] is not None:
                if p.wait(60) is None:
                    run.crash(f"slot {i}: no exit within 60 s of SIGTERM")
                    p.signal(signal.SIGKILL)
                    p.wait(30)
                    procs[i] = None
                    stopping[i] = None
                else:
                    reap(i)
        if all(p is None for p in procs):
            procs[0] = run.start_ingester()
            counts["start"] += 1
        settled_at = commit_count(run.table) + 2
        settle_deadline = time.monotonic() + 90
        while commit_count(run.table) < settled_at and time.monotonic() < settle_deadline:
            time.sleep(0.5)
        # Clean stop of whoever is still running (a clean exit is part of the check).
        for i, p in enumerate(procs):
            if p is not None and stopping[i] is None:
                p.signal(signal.SIGTERM)
        for i, p in enumerate(procs):
            if p is not None:
                if p.wait(90) is None:
                    run.crash(f"slot {i}: no exit within 90 s of the final SIGTERM")
                    p.signal(signal.SIGKILL)
                    p.wait(30)
                    continue
                reap(i)
        if run.delta_rs is not None:
            run.delta_rs.stop()
            log(f"delta-rs writer stopped: {len(run.delta_rs.written)} appends, {len(run.delta_rs.errors)} failed")
        run.row.injections = counts["start"] + counts["sigterm"] + counts["sigkill"]
        run.row.details["membership_changes"] = dict(counts)
        if counts["clean stops after committing"] == 0:
            run.row.problems.append("no ingester committed anything before a clean stop: the group never got going")
        acked = run.stop_producer()
        run.final_catch_up()
        return run.finish(acked)


def run_optimize_crash(cfg: Config) -> Row:
    """A running ingester and an `orbitlake optimize` loop on its table; SIGKILL of either at random.

    Half of the ingester starts also compact in the background (--optimize-every), so two
    compactions race each other too: the loser must give up cleanly (Conflict, exit 1)
    and change nothing. Every kill is followed by the crash check (the table reads, no
    offset twice).
    """
    STATIC = ["-X", "group.instance.id=torture-optimize"]
    with Run(cfg, "optimize-crash", partitions=3) as run:
        rng, log = run.rng, run.log
        run.start_producer()
        kinds = collections.Counter()
        check = CrashChecker(run.table)
        ing: Optional[Proc] = None

        def ensure_ingester() -> Proc:
            nonlocal ing
            if ing is not None and ing.running():
                return ing
            if ing is not None and ing.signalled != signal.SIGKILL:
                run.crash(f"ingester exited by itself ({ing.returncode}): {ing.stderr_tail()}")
            background = ["--optimize-every", str(rng.randint(2, 6))] if rng.random() < 0.5 else []
            ing = run.start_ingester(*STATIC, *background)
            return ing

        def optimize_ended(p: Proc, what: str) -> None:
            if p.returncode == 0:
                kinds["optimize finished"] += 1
            elif p.returncode == 1 and "Conflict" in p.stderr_tail():
                kinds["optimize gave up (conflict)"] += 1
            elif p.returncode == 1 and "is not a Delta table" in p.stderr_tail():
                kinds["optimize before the table existed"] += 1
            else:
                run.crash(f"optimize ({what}) exited {p.returncode}: {p.stderr_tail()}")

        ensure_ingester()
        deadline = time.monotonic() + 60
        while not run.table.log_names() and time.monotonic() < deadline:
            time.sleep(0.2)
        runs = 0
        for k in range(1, cfg.kills + 1):
            ensure_ingester()
            time.sleep(rng.uniform(0.2, 1.5))  # a few more small files
            extra = ["--sort-by", "event_time"] if rng.random() < 0.3 else []
            opt = Proc(f"optimize-{runs + 1:03d}", [cfg.bin, "optimize", str(run.table), *extra], run.logs)
            runs += 1
            # A compaction of this table takes a fraction of a second: kill it early.
            delay = rng.uniform(0.0, 1.0)
            if rng.random() < 0.5:
                victim = "optimize"
                delay = rng.uniform(0.0, 0.25)
                if opt.wait(delay) is None:
                    opt.signal(signal.SIGKILL)
                    opt.wait(30)
                    kinds["optimize SIGKILL"] += 1
                    run.row.injections += 1
                else:
                    optimize_ended(opt, "finished before its kill")
            else:
                victim = "ingester"
                time.sleep(delay)
                if ing.running():
                    ing.signal(signal.SIGKILL)
                    ing.wait(30)
                    kinds["ingester SIGKILL"] += 1
                    run.row.injections += 1
                if opt.wait(120) is None:
                    opt.signal(signal.SIGKILL)
                    opt.wait(30)
                    run.crash("optimize did not finish within 120 s")
                else:
                    optimize_ended(opt, "beside the killed ingester")
            problem = check()
            if problem:
                run.row.problems.append(f"after kill {k} ({victim}): {problem}")
            log(f"kill {k}/{cfg.kills}: {victim} after {delay:.2f} s{'; ' + problem if problem else ''}")
        # One last compaction beside the running ingester, to its end.
        ensure_ingester()
        last = Proc("optimize-last", [cfg.bin, "optimize", str(run.table)], run.logs)
        if last.wait(120) is None:
            last.signal(signal.SIGKILL)
            run.crash("the last optimize did not finish within 120 s")
        else:
            optimize_ended(last, "the last one")
        acked = run.stop_producer()
        if ing is not None and ing.running():
            ing.signal(signal.SIGINT)
            if ing.wait(120) is None:
                run.crash("ingester did not stop within 120 s of SIGINT")
                ing.signal(signal.SIGKILL)
                ing.wait(30)
            elif ing.returncode != 0:
                run.crash(f"ingester exit {ing.returncode} after SIGINT: {ing.stderr_tail()}")
        run.final_catch_up(*STATIC)
        from deltalake import DeltaTable
        ops = collections.Counter(h.get("operation") for h in DeltaTable(str(run.table)).history())
        run.row.details["optimize"] = dict(kinds)
        run.row.details["optimize_commits"] = ops.get("OPTIMIZE", 0)
        if ops.get("OPTIMIZE", 0) == 0:
            run.row.problems.append("no OPTIMIZE commit landed: the compaction path was never exercised")
        return run.finish(acked)


MODES: dict = {"crash": run_crash, "broker-restart": run_broker_restart, "rebalance": run_rebalance,
               "optimize-crash": run_optimize_crash}


# ---------------------------------------------------------------------------------------
# A declared pipeline: one JSON topic routed to three tables plus quarantine

ROUTED = ("alpha", "beta", "gamma")  # event types with a table each; "delta" has none


def pipeline_file(work: pathlib.Path, topic: str) -> pathlib.Path:
    """Three routed tables (gamma with a check), the source's quarantine for "delta"
    events (no route) and malformed JSON."""
    tables = []
    for kind in ROUTED:
        check = '\nchecks = ["value >= 0"]' if kind == "gamma" else ""
        tables.append(f"""
[[table]]
name = "{kind}"
path = "{work / 'lake' / kind}"
source = "events"
where = {{ field = "type", equals = "{kind}" }}
columns = [
  {{ name = "id", type = "long", from = "$.id", required = true }},
  {{ name = "value", type = "long", from = "$.value" }},
  {{ name = "at", type = "timestamp", from = "$.at", unit = "ms" }},
  {{ name = "kafka_partition", type = "integer", from = "kafka.partition" }},
  {{ name = "kafka_offset", type = "long", from = "kafka.offset" }},
]{check}
""")
    f = work / "pipeline.toml"
    f.write_text(f'[[source]]\nname = "events"\ntopics = ["{topic}"]\nquarantine = "{work / "lake" / "events-quarantine"}"\n'
                 + "".join(tables))
    return f


class JsonProducer:
    """Publishes paced JSON events of every type (and some malformed ones) from a thread;
    counts what Kafka acknowledged."""

    def __init__(self, brokers: str, topic: str, partitions: int, rate: float, rng: random.Random,
                 field: str = "type"):
        import threading
        from confluent_kafka import Producer
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": brokers})
        admin.create_topics([NewTopic(topic, partitions, 1)], operation_timeout=30)[topic].result()
        self.p = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "linger.ms": 5})
        self.topic, self.rate, self.rng, self.field = topic, rate, rng, field
        self.acked = self.failed = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _delivered(self, err, _msg):
        if err is None:
            self.acked += 1
        else:
            self.failed += 1

    def _run(self):
        i = 0
        start = time.monotonic()
        while not self.stopping.is_set():
            r = self.rng.random()
            if r < 0.02:
                value = b'{"' + self.field.encode() + b'":"alpha","id":' + str(i).encode()  # truncated
            else:
                kind = ("alpha", "beta", "gamma", "delta")[i % 4]
                value = json.dumps({self.field: kind, "id": i, "value": -1 if r < 0.05 else i,
                                    "at": 1764000000000 + i}).encode()
            self.p.produce(self.topic, value=value, key=str(i % 16).encode(), on_delivery=self._delivered)
            self.p.poll(0)
            i += 1
            ahead = i / self.rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)

    def stop(self) -> int:
        self.stopping.set()
        self.thread.join()
        self.p.flush(60)
        return self.acked


def expected_routes(brokers: str, topic: str, field: str = "type", quarantine: Optional[str] = None) -> dict:
    """Per table, the (partition, offset) of every message it must hold, decided here from
    the topic alone (json + the pipeline's routes, not orbitlake's decoder)."""
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    hw = high_watermarks(brokers, topic)
    c = Consumer({"bootstrap.servers": brokers, "group.id": "torture-reader", "enable.auto.commit": False})
    out = collections.defaultdict(list)
    try:
        todo = {p for p, h in hw.items() if h > 0}
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in todo])
        deadline = time.monotonic() + 300
        while todo and time.monotonic() < deadline:
            for m in c.consume(num_messages=10000, timeout=1.0):
                where = (m.partition(), m.offset())
                try:
                    e = json.loads(m.value())
                except ValueError:
                    out[quarantine or "events-quarantine"].append(where)
                else:
                    if e[field] not in ROUTED:
                        out[quarantine or "events-quarantine"].append(where)
                    elif e[field] == "gamma" and e["value"] < 0:
                        out[quarantine or "gamma-quarantine"].append(where)
                    else:
                        out[e[field]].append(where)
                if m.offset() >= hw[m.partition()] - 1:
                    todo.discard(m.partition())
        if todo:
            raise RuntimeError(f"reading topic {topic} back did not finish: partitions {sorted(todo)} short")
    finally:
        c.close()
    return out


def kill_at_random(run, cfg: Config, static: list, max_run_s: float, before_run=None) -> None:
    """`cfg.kills` ingester runs, each SIGKILLed at a random moment (up to `max_run_s`) or
    by an injected crash at a random storage point; counts the kinds in run.row."""
    rng, log = run.rng, run.log
    kinds = collections.Counter()
    for k in range(1, cfg.kills + 1):
        if before_run is not None:
            before_run(k)
        kind = rng.choice(["plain", "plain", *CRASH_POINTS])
        extra, rule = [], None
        if kind != "plain":
            template, lo, hi = CRASH_POINTS[kind]
            rule = template.format(n=rng.randint(lo, hi))
            extra = ["--inject-crash", rule]
        p = run.start_ingester(*static, *extra)
        if p.wait(rng.uniform(0.3, max_run_s) if rule is None else 30) is None:
            p.signal(signal.SIGKILL)
            p.wait(30)
        injected = p.returncode == -signal.SIGKILL and "injected crash" in p.err_path.read_text(errors="replace")
        if p.returncode == -signal.SIGKILL and (p.signalled == signal.SIGKILL or injected):
            kinds[kind if (rule is None or injected) else "plain (rule not reached)"] += 1
            run.row.injections += 1
        else:
            run.crash(f"ingester run {k} exited {p.returncode}: {p.stderr_tail()}")
        log(f"kill {k}/{cfg.kills}: {rule or 'plain'} -> exit {p.returncode}{' (injected)' if injected else ''}")
    run.row.details["kills"] = dict(kinds)


def run_pipeline_crash(cfg: Config) -> Row:
    """`ingest --pipeline`: one topic routed to three tables plus quarantine, SIGKILLed
    `cfg.kills` times at random moments and at storage points of every table."""
    STATIC = ["-X", "group.instance.id=torture-pipeline"]
    with Run(cfg, "pipeline-crash", partitions=3) as run:
        rng, log = run.rng, run.log
        pipeline = pipeline_file(run.work, run.topic)
        run.ingest_args = lambda *extra: [cfg.bin, "ingest", "--pipeline", str(pipeline), "-b", run.brokers, "-g",
                                          run.group, "--interval", cfg.interval, "--max-rows", str(cfg.max_rows),
                                          "--metrics-addr", "", "-q", *FAST_REBALANCE, *extra]
        producer = JsonProducer(run.brokers, run.topic, run.partitions, cfg.rate, rng)
        kill_at_random(run, cfg, STATIC, max_run_s=5.0)
        acked = producer.stop()
        run.row.details["producer"] = {"acked": acked, "failed": producer.failed}
        run.final_catch_up(*STATIC)
        want = expected_routes(run.brokers, run.topic)
        check_routed_tables(run, acked, want, [*ROUTED, "events-quarantine", *(f"{k}-quarantine" for k in ROUTED)])
        log(run.row.summary())
        return run.row


def check_routed_tables(run, acked: int, want: dict, names: list) -> None:
    """Each table of `names` (under run.work/lake) holds exactly the messages `want` says."""
    from deltalake import DeltaTable
    run.row.produced = sum(len(v) for v in want.values())
    if run.row.produced != acked:
        run.row.problems.append(f"the topic holds {run.row.produced} messages, the producer got {acked} acks")
    per_table = {}
    for name in names:
        path = run.work / "lake" / name
        got = []
        if (path / "_delta_log").is_dir():
            t = DeltaTable(str(path)).to_pyarrow_table(columns=["kafka_partition", "kafka_offset"])
            got = list(zip(t.column("kafka_partition").to_pylist(), t.column("kafka_offset").to_pylist()))
        counts = collections.Counter(got)
        expected = set(want.get(name, []))
        lost = len(expected - set(counts))
        dup = sum(n - 1 for n in counts.values() if n > 1) + sum(1 for x in counts if x not in expected)
        run.row.in_table += len(got)
        run.row.lost += lost
        run.row.duplicated += dup
        per_table[name] = {"expected": len(expected), "rows": len(got), "lost": lost, "duplicated": dup}
        if (path / "_delta_log").is_dir():  # every data file added once, checkpoints agree
            run.row.problems += [f"{name}: {p}" for p in replay_log(Table(path))["problems"]]
    run.row.details["tables"] = per_table
    run.row.seconds = time.monotonic() - run.started


MODES["pipeline-crash"] = run_pipeline_crash


REGISTRY_SCHEMA = """columns = [
  {{ name = "id", type = "long", from = "$.id", required = true }},
  {{ name = "value", type = "long", from = "$.value" }},
  {{ name = "at", type = "timestamp", from = "$.at", unit = "ms" }},
  {{ name = "kafka_partition", type = "integer", from = "kafka.partition" }},
  {{ name = "kafka_offset", type = "long", from = "kafka.offset" }},{extra}
]{checks}
"""


def run_registry_crash(cfg: Config) -> Row:
    """`ingest --registry DIR --tables BASE` (the clickstream engine: one table per
    registered event type): SIGKILLed `cfg.kills` times at random moments and at storage
    points of every table, while the registry changes (a new version of alpha with an
    optional column, a new type delta registered midway)."""
    STATIC = ["-X", "group.instance.id=torture-registry"]
    with Run(cfg, "registry-crash", partitions=3) as run:
        rng, log = run.rng, run.log
        registry = run.work / "registry"

        def put(kind: str, extra: str = "", checks: str = "") -> None:
            f = run.work / f"{kind}.toml"
            f.write_text(REGISTRY_SCHEMA.format(extra=extra, checks=checks))
            r = subprocess.run([cfg.bin, "schema", "put", kind, str(f), "--registry", str(registry)],
                               capture_output=True, text=True)
            if r.returncode != 0:
                run.crash(f"schema put {kind}: {r.stderr}")

        for kind in ROUTED:
            put(kind, checks='\nchecks = ["value >= 0"]' if kind == "gamma" else "")
        run.ingest_args = lambda *extra: [cfg.bin, "ingest", "--registry", str(registry), "--tables",
                                          str(run.work / "lake"), "-t", run.topic, "-b", run.brokers, "-g", run.group,
                                          "--interval", cfg.interval, "--max-rows", str(cfg.max_rows),
                                          "--registry-refresh", "1s", "--metrics-addr", "", "-q", *FAST_REBALANCE,
                                          *extra]
        producer = JsonProducer(run.brokers, run.topic, run.partitions, cfg.rate, rng, field="event_type")
        def midway(k: int) -> None:
            if k == cfg.kills // 2:
                put("alpha", extra='\n  { name = "note", type = "string", from = "$.note" },')
                log("registry: alpha v2 (an optional column added)")

        kill_at_random(run, cfg, STATIC, max_run_s=5.0, before_run=midway)
        acked = producer.stop()
        run.row.details["producer"] = {"acked": acked, "failed": producer.failed}
        run.final_catch_up(*STATIC)
        want = expected_routes(run.brokers, run.topic, field="event_type", quarantine="_quarantine")
        check_routed_tables(run, acked, want, [*ROUTED, "_quarantine"])
        log(run.row.summary())
        return run.row


MODES["registry-crash"] = run_registry_crash


def markdown_table(rows: list) -> str:
    lines = ["| fault | injections | rows produced | rows in table | lost | duplicated | crashes |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['fault']} | {r['injections']} | {r['produced']:,} | {r['in_table']:,} | {r['lost']} | "
                     f"{r['duplicated']} | {r['crashes']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    for mode in MODES:
        s = sub.add_parser(mode)
        s.add_argument("--bin", default=DEFAULT_BIN, help="the orbitlake binary (default: %(default)s)")
        s.add_argument("--brokers", help="use this broker instead of starting one (not for broker-restart)")
        s.add_argument("--workdir", type=pathlib.Path, help="keep table, samples and logs here (default: a temp "
                                                             "folder, removed when the run passes)")
        s.add_argument("--seed", type=int, help="random seed (default: random; printed)")
        s.add_argument("--rate", type=float, default=Config.rate, help="producer events/s (default: %(default)s)")
        s.add_argument("--max-rows", type=int, default=Config.max_rows, help="ingester batch rows (default: %(default)s)")
        s.add_argument("--interval", default=Config.interval, help="ingester batch interval (default: %(default)s)")
        s.add_argument("--produce-arg", action="append", default=[], metavar="ARG",
                       help="extra argument for orbitlake produce, repeatable (e.g. --produce-arg=-X "
                            "--produce-arg=linger.ms=50)")
        s.add_argument("--report", type=pathlib.Path, help="write the result row as JSON here")
        if mode in ("crash", "broker-restart", "rebalance"):
            s.add_argument("--table", help="table location (default: <workdir>/table); s3://bucket/prefix takes the "
                                           "server from the AWS_* variables, e.g. eval \"$(scripts/s3 env)\"")
        if mode in ("crash", "pipeline-crash", "optimize-crash"):
            s.add_argument("--kills", type=int, default=Config.kills, help="SIGKILLs (default: %(default)s)")
        if mode == "broker-restart":
            s.add_argument("--restarts", type=int, default=Config.restarts, help="broker restarts (default: %(default)s)")
            s.add_argument("--down", type=float, nargs=2, metavar=("MIN", "MAX"), default=Config.down,
                           help="seconds the broker stays stopped before each restart, drawn from [MIN, MAX] "
                                "(default: %(default)s; an outage also includes the broker's start-up)")
        if mode == "rebalance":
            s.add_argument("--duration", type=float, default=Config.duration, help="seconds (default: %(default)s)")
            s.add_argument("--delta-rs-writer", action="store_true",
                           help="delta-rs appends to the table all along too (a second writer)")
    t = sub.add_parser("table", help="render --report files as the README's markdown table")
    t.add_argument("reports", nargs="+", type=pathlib.Path)
    a = ap.parse_args(argv)
    if a.mode == "table":
        print(markdown_table([json.loads(p.read_text()) for p in a.reports]))
        return 0
    cfg = Config(bin=a.bin, brokers=a.brokers, workdir=a.workdir, seed=a.seed, rate=a.rate, max_rows=a.max_rows,
                 interval=a.interval, produce_args=tuple(a.produce_arg))
    if getattr(a, "table", None):
        cfg.table = a.table
        if a.table.startswith("s3://"):
            cfg.s3_env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    cfg.delta_rs_writer = getattr(a, "delta_rs_writer", False)
    for name in ("kills", "restarts", "duration", "down"):
        if hasattr(a, name):
            setattr(cfg, name, tuple(getattr(a, name)) if name == "down" else getattr(a, name))
    if not os.access(cfg.bin, os.X_OK):
        raise SystemExit(f"orbitlake binary not found at {cfg.bin}: run scripts/build (or pass --bin)")
    row = MODES[a.mode](cfg)
    if a.report:
        a.report.write_text(json.dumps(dataclasses.asdict(row), indent=1) + "\n")
    print(markdown_table([dataclasses.asdict(row)]))
    print(row.summary())
    return 0 if row.ok else 1


if __name__ == "__main__":
    sys.exit(main())
