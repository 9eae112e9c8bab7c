"""orbitlake ingest against the real broker, checked with independent readers.

The table is read with delta-rs (`deltalake`), Kafka with librdkafka's Python binding
(`confluent_kafka`). "Exactly the produced set" means: every Kafka offset of every
partition appears in the table exactly once, and every (satellite, sequence, event
timestamp) once.
"""
import json
import warnings
import os
import re
import signal
import struct
import subprocess
import time

import flatbuffers
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from deltalake import DeltaTable, write_deltalake

INTERVAL = "1s"


def run(args, timeout=300, check=True):
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check:
        assert out.returncode == 0, f"{args[1]} failed ({out.returncode}):\n{out.stderr[-3000:]}"
    return out


def produce_samples(bin_, brokers, topic, folder, sats, rows, seed=1, partitions=6):
    run([bin_, "generate", "-n", str(sats), "-r", str(rows), "--seed", str(seed), "-o", str(folder), "--force"])
    out = run([bin_, "produce", "-d", str(folder), "-b", brokers, "-t", topic, "--partitions", str(partitions),
               "--json"])
    report = json.loads(out.stdout)
    assert report["acked"] == sats * rows
    return report


# A killed member stays in its group until the session times out (45 s by default);
# tests that kill ingesters use a short one so the next member gets its partitions soon.
FAST_REBALANCE = ["-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"]


def ingest_args(bin_, brokers, topic, table, group, *extra):
    return [bin_, "ingest", "-b", brokers, "-t", topic, "-g", group, "--table", str(table), "--interval", INTERVAL,
            "--metrics-addr", "", "-q", *FAST_REBALANCE, *extra]


def ingest(bin_, brokers, topic, table, group, *extra, check=True):
    return run(ingest_args(bin_, brokers, topic, table, group, "--until-caught-up", *extra), check=check)


def high_watermarks(brokers, topic):
    c = Consumer({"bootstrap.servers": brokers, "group.id": "wm-reader"})
    try:
        md = c.list_topics(topic, timeout=10)
        parts = sorted(md.topics[topic].partitions)
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts}
    finally:
        c.close()


def assert_exactly_the_topic(table, brokers, topic, skip=frozenset()):
    """Every offset of the topic is in the table once (except `skip`: (partition, offset))."""
    t = DeltaTable(str(table)).to_pyarrow_table(columns=["kafka_partition", "kafka_offset", "satellite", "sequence",
                                                        "event_time_ns"])
    got = list(zip(t.column("kafka_partition").to_pylist(), t.column("kafka_offset").to_pylist()))
    assert len(got) == len(set(got)), f"{len(got) - len(set(got))} duplicated rows"
    expected = {(p, o) for p, hw in high_watermarks(brokers, topic).items() for o in range(hw)} - set(skip)
    missing = expected - set(got)
    assert not missing, f"{len(missing)} offsets missing, e.g. {sorted(missing)[:5]}"
    assert set(got) == expected
    events = list(zip(t.column("satellite").to_pylist(), t.column("sequence").to_pylist(),
                      t.column("event_time_ns").to_pylist()))
    assert len(events) == len(set(events))
    return t


def txn_versions(table, topic, partitions=6, app="orbitlake"):
    dt = DeltaTable(str(table))
    return {p: dt.transaction_version(f"{app}:{topic}:{p}") for p in range(partitions)}


def test_hundred_thousand_events_over_six_partitions_then_restart(orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("ing"), unique("g"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s", sats=4, rows=25_000)
    out = ingest(orbitlake_bin, brokers, topic, table, group)
    assert "100000 rows committed" in out.stdout, out.stdout

    t = assert_exactly_the_topic(table, brokers, topic)
    assert t.num_rows == 100_000
    full = DeltaTable(str(table)).to_pyarrow_table()
    # Values equal the CSV, row by row (sequence = row index in the file).
    df = full.to_pandas()
    for sat in range(4):
        csv = pacsv.read_csv(tmp_path / "s" / f"sat{sat}.csv").to_pandas()
        mine = df[df.satellite == f"sat{sat}"].sort_values("sequence")
        assert list(mine.sequence) == list(range(25_000))
        for col in csv.columns:
            assert (mine[col].to_numpy() == csv[col].to_numpy()).all(), col
        # Timestamps increase with the sequence (stamped when pumped); Kafka's timestamp is
        # the event's, to the millisecond; one satellite sits in one partition.
        assert mine.event_time_ns.is_monotonic_increasing
        assert mine.kafka_partition.nunique() == 1
        assert (mine.kafka_timestamp.astype("int64") // 1000 == mine.event_time_ns // 1_000_000).all()
    assert str(full.schema.field("event_time").type) == "timestamp[us, tz=UTC]"
    hw = high_watermarks(brokers, topic)
    assert txn_versions(table, topic) == {p: (hw[p] - 1 if hw[p] > 0 else None) for p in hw}

    # Restart: only what was produced since is appended.
    version_before = DeltaTable(str(table)).version()
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s2", sats=4, rows=2_000, seed=2)
    out = ingest(orbitlake_bin, brokers, topic, table, group)
    assert "8000 rows committed" in out.stdout, out.stdout
    assert DeltaTable(str(table)).version() > version_before
    assert assert_exactly_the_topic(table, brokers, topic).num_rows == 108_000

    # A third run with nothing new commits nothing.
    out = ingest(orbitlake_bin, brokers, topic, table, group)
    assert "0 rows committed" in out.stdout


CRASH_POINTS = [
    "write:.parquet:1:crash-before",            # while the first data file is written
    "put:_delta_log/:1:crash-before",           # data files written, commit not made
    "put:_delta_log/:2:crash-after",            # a commit landed; killed before anything else
    "write:checkpoint.parquet:1:crash-before",  # while the checkpoint is written
]


def test_kill_minus_nine_at_every_point_then_restart_gives_exactly_the_produced_set(
        orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("crash"), unique("g"), tmp_path / "raw"
    for i, point in enumerate(CRASH_POINTS):
        produce_samples(orbitlake_bin, brokers, topic, tmp_path / f"s{i}", sats=3, rows=4_000, seed=10 + i)
        # Small batches: many commits per run, so checkpoints (every 10) happen too.
        out = ingest(orbitlake_bin, brokers, topic, table, group, "--max-rows", "1000", "--inject-crash", point,
                     check=False)
        assert out.returncode == -signal.SIGKILL, f"{point}: expected SIGKILL, got {out.returncode}\n{out.stderr}"
        assert "injected crash" in out.stderr
        # Whatever the table holds after a crash reads fine and has no duplicates.
        if (table / "_delta_log").exists():
            t = DeltaTable(str(table)).to_pyarrow_table(columns=["kafka_partition", "kafka_offset"])
            pairs = list(zip(t.column(0).to_pylist(), t.column(1).to_pylist()))
            assert len(pairs) == len(set(pairs)), point
    out = ingest(orbitlake_bin, brokers, topic, table, group, "--max-rows", "1000")
    t = assert_exactly_the_topic(table, brokers, topic)
    assert t.num_rows == len(CRASH_POINTS) * 3 * 4_000
    assert any(name.endswith(".checkpoint.parquet") for name in os.listdir(table / "_delta_log"))


def test_two_ingesters_in_one_group_one_killed_midway(orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("group"), unique("g"), tmp_path / "raw"
    run([orbitlake_bin, "generate", "-n", "6", "-r", "3000", "-o", str(tmp_path / "s")])
    producer = subprocess.Popen([orbitlake_bin, "produce", "-d", str(tmp_path / "s"), "-b", brokers, "-t", topic,
                                 "--partitions", "6", "--sleep", "1ms..2ms", "--json"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Output goes to files: an unread pipe that fills up would stall an ingester.
    logs = {n: open(tmp_path / f"{n}.log", "w+") for n in ("a", "b")}
    a = subprocess.Popen(ingest_args(orbitlake_bin, brokers, topic, table, group),
                         stdout=logs["a"], stderr=subprocess.STDOUT, text=True)
    b = subprocess.Popen(ingest_args(orbitlake_bin, brokers, topic, table, group),
                         stdout=logs["b"], stderr=subprocess.STDOUT, text=True)
    time.sleep(6)
    b.kill()  # SIGKILL midway: its uncommitted rows must be re-read by `a`, not lost
    b.wait()
    out, err = producer.communicate(timeout=240)
    assert producer.returncode == 0, err
    assert json.loads(out)["acked"] == 18_000
    # Wait for the table to hold every offset Kafka has. Kafka's high watermarks are the
    # truth the ingester can see: a broker that acknowledged more than it serves is
    # reported below, but it is not the ingester's fault.
    deadline = time.time() + 120
    rows, hw = 0, {}
    while time.time() < deadline:
        hw = high_watermarks(brokers, topic)
        try:
            rows = DeltaTable(str(table)).to_pyarrow_table(columns=["kafka_offset"]).num_rows
        except Exception:  # table not created yet
            rows = 0
        if rows >= 18_000 or (rows == sum(hw.values()) and time.time() > deadline - 60):
            break
        time.sleep(1)
    a.send_signal(signal.SIGINT)
    a.wait(timeout=60)
    logs["a"].seek(0)
    a_log = logs["a"].read()
    assert a.returncode == 0, a_log[-3000:]
    assert_exactly_the_topic(table, brokers, topic)
    assert rows == sum(hw.values()), f"table {rows} rows, Kafka high watermarks {hw}; ingester a: {a_log[-2000:]}"
    if sum(hw.values()) != 18_000:
        warnings.warn(f"Kafka acknowledged 18000 events but serves {sum(hw.values())} (high watermarks {hw})")


def test_quiet_topic_flushes_within_the_interval(orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("quiet"), unique("g"), tmp_path / "raw"
    run([orbitlake_bin, "generate", "-n", "1", "-r", "5", "-o", str(tmp_path / "s")])
    # Topic exists and the ingester has joined before anything is produced.
    proc = subprocess.Popen(ingest_args(orbitlake_bin, brokers, topic, table, group, "--starting-offsets", "earliest"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        run([orbitlake_bin, "produce", "-d", str(tmp_path / "s"), "-b", brokers, "-t", topic, "--partitions", "2"])
        sent = time.time()
        seen_after = None
        while time.time() - sent < 30:
            try:
                if DeltaTable(str(table)).to_pyarrow_table(columns=["sequence"]).num_rows == 5:
                    seen_after = time.time() - sent
                    break
            except Exception:
                pass
            time.sleep(0.05)
        assert seen_after is not None, "5 events never committed on a quiet topic"
        # interval (1 s) + margin for joining the group and the commit itself
        assert seen_after < 1.0 + 4.0, f"committed after {seen_after:.2f} s"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]


def another_type_buffer(file_identifier):
    """A valid FlatBuffer of another schema, table Reading { id:int; label:string;
    value:double; }, as a misconfigured producer on the same topic would send."""
    b = flatbuffers.Builder(64)
    label = b.CreateString("pump-3")
    b.StartObject(3)
    b.PrependFloat64Slot(2, 21.5, 0.0)
    b.PrependUOffsetTRelativeSlot(1, label, 0)
    b.PrependInt32Slot(0, 42, 0)
    b.Finish(b.EndObject(), file_identifier=file_identifier)
    return bytes(b.Output())


def test_malformed_messages_go_to_quarantine_with_reasons(orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("bad"), unique("g"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s", sats=2, rows=500, partitions=3)
    # Take one real event and break it in the ways a broker may carry.
    c = Consumer({"bootstrap.servers": brokers, "group.id": unique("peek"), "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    msg = None
    while msg is None or msg.error():
        msg = c.poll(10)
    c.close()
    good = msg.value()
    temp = pacsv.read_csv(tmp_path / "s" / f"{msg.key().decode()}.csv").column("temp_c")[0].as_py()
    packed = struct.pack("<d", temp)
    assert packed in good
    nan_event = good.replace(packed, struct.pack("<d", float("nan")), 1)
    inf_event = good.replace(packed, struct.pack("<d", float("inf")), 1)
    bad = {
        b"": "Corruption",
        os.urandom(64): "Corruption",
        good[: len(good) // 2]: "Corruption",
        b"\x00" * 4 + good[4:]: "Corruption",        # root offset corrupted
        good[:4] + b"XXXX" + good[8:]: "Corruption",  # wrong file identifier
        nan_event: "not a finite number",
        inf_event: "not a finite number",
        os.urandom(10 * 1024 * 1024): "Corruption",  # a 10 MB message
        # Verifies as FlatBuffers, but the satellite name is not UTF-8.
        good.replace(msg.key(), b"\xf6\xb0" + msg.key()[2:], 1): "not valid UTF-8",
        # Valid FlatBuffers of another schema: with its own identifier, with none, and
        # disguised with ours (its field 0 is an int where our name string should be).
        another_type_buffer(b"OTHR"): "file identifier is 'OTHR'",
        another_type_buffer(None): "expected 'OLTE'",
        another_type_buffer(b"OLTE"): "failed FlatBuffers verification",
    }
    p = Producer({"bootstrap.servers": brokers, "message.max.bytes": 16_000_000})
    for payload in bad:
        p.produce(topic, value=payload, partition=0)
    p.produce(topic, value=b"no key at all")  # missing key as well
    assert p.flush(30) == 0
    out = ingest(orbitlake_bin, brokers, topic, table, group, "-X", "fetch.message.max.bytes=16000000")
    assert "1000 rows committed" in out.stdout, out.stdout
    assert "13 quarantined" in out.stdout, out.stdout

    q = DeltaTable(str(table) + "-quarantine").to_pyarrow_table().to_pylist()
    assert len(q) == 13
    reasons = {bytes(r["payload"]): r["reason"] for r in q}
    for payload, why in bad.items():
        assert why in reasons[payload], (why, reasons[payload])
    assert all(r["kafka_topic"] == topic for r in q)
    bad_offsets = {(r["kafka_partition"], r["kafka_offset"]) for r in q}
    assert_exactly_the_topic(table, brokers, topic, skip=bad_offsets)
    # The quarantine table is exactly-once too: rerunning adds nothing.
    ingest(orbitlake_bin, brokers, topic, table, group)
    assert len(DeltaTable(str(table) + "-quarantine").to_pyarrow_table()) == 13


def test_unreachable_broker_fails_in_bounded_time_naming_it(orbitlake_bin, tmp_path):
    start = time.time()
    out = run([orbitlake_bin, "ingest", "-b", "127.0.0.1:1", "--table", str(tmp_path / "t"), "--metrics-addr", ""],
              timeout=60, check=False)
    assert out.returncode == 1
    assert "127.0.0.1:1" in out.stderr
    assert time.time() - start < 40


def test_options_from_config_file_and_environment_with_documented_precedence(orbitlake_bin, tmp_path):
    """command line > config file > environment > default (the first line echoes them)."""
    cfg = tmp_path / "orbitlake.toml"
    cfg.write_text('[ingest]\nbrokers = "127.0.0.1:1"\ntopic = ["from-file"]\ninterval = "2s"\n')

    def first_line(*args, env=None):
        out = subprocess.run([orbitlake_bin, "ingest", "--metrics-addr", "", "--table", str(tmp_path / "t"),
                              "--startup-timeout", "500ms", *args],
                             capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})
        return out.stderr.splitlines()[0]

    assert "127.0.0.1:1 topic(s) from-file" in first_line("--config", str(cfg))
    assert "every 2s" in first_line("--config", str(cfg))
    assert "127.0.0.1:1 " in first_line("--config", str(cfg), env={"ORBITLAKE_BROKERS": "127.0.0.1:2"})
    assert "127.0.0.1:2 topic(s) sat-data" in first_line(env={"ORBITLAKE_BROKERS": "127.0.0.1:2"})
    assert "127.0.0.1:3 " in first_line("--config", str(cfg), "-b", "127.0.0.1:3",
                                        env={"ORBITLAKE_BROKERS": "127.0.0.1:2"})


def test_metrics_endpoint_serves_prometheus_text(orbitlake_bin, brokers, unique, tmp_path):
    import urllib.request
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    topic, group, table = unique("metrics"), unique("g"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s", sats=2, rows=1000, partitions=2)
    args = ingest_args(orbitlake_bin, brokers, topic, table, group)
    args[args.index("--metrics-addr") + 1] = f"127.0.0.1:{port}"
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, text = time.time() + 60, ""
        while time.time() < deadline:
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
                if "orbitlake_ingest_rows_written_total 2000" in text:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        assert "orbitlake_ingest_rows_written_total 2000" in text, text
        assert "orbitlake_ingest_messages_total 2000" in text
        assert f'orbitlake_ingest_consumer_lag{{topic="{topic}",partition="0"}} 0' in text
        assert "orbitlake_ingest_commit_duration_seconds_count" in text
        assert "orbitlake_ingest_event_to_commit_seconds_bucket" in text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 0


def test_a_table_of_another_schema_is_refused_in_one_line_naming_the_column(orbitlake_bin, brokers, unique,
                                                                            tmp_path):
    """Another tool's table at --table: one line naming the table and the first differing
    column, not both schemas dumped (it was 25 lines)."""
    table = tmp_path / "theirs"
    write_deltalake(table, pa.table({"satellite": pa.array(["a"]), "sequence": pa.array(["1"]),
                                     "note": pa.array(["x"])}))
    out = run(ingest_args(orbitlake_bin, brokers, unique("schema"), table, unique("g"), "--until-caught-up"),
              timeout=120, check=False)
    assert out.returncode == 1
    errors = [line for line in out.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, out.stderr
    assert re.search(f"table {re.escape(str(table))}/? exists with another schema: column 'sequence' is string in "
                     "the table, expected long$", errors[0]), out.stderr
    # Every line is one of orbitlake's own (prefixed) messages: no schema dump continues it.
    assert all(line.startswith("orbitlake") for line in out.stderr.splitlines()), out.stderr
