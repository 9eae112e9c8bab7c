"""orbitlake ingest under real storage faults, against the real broker.

The faults are the operating system's own: the table lives on a tmpfs mounted for the
test, remounted read-only (EROFS) or too small (ENOSPC), and other processes write its
Delta log. After each fault the table must still read with delta-rs, hold no commit
naming a missing or partial file, and a later ingest (fault gone) must leave exactly the
topic in it: every Kafka offset once.

Mounting needs root (CI and the development machines run as root); elsewhere these
tests skip, naming why. Every mount is undone in a finally block, even when a test fails.
"""
import contextlib
import json
import os
import pathlib
import signal
import subprocess
import time

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable, write_deltalake

from test_ingest import assert_exactly_the_topic, ingest, ingest_args, produce_samples, run


def _mount(*args):
    return subprocess.run(["mount", *args], capture_output=True, text=True)


@contextlib.contextmanager
def tmpfs(path: pathlib.Path, size: str):
    """A private tmpfs of `size` at `path`, unmounted (lazily if still busy) at the end."""
    path.mkdir(parents=True, exist_ok=True)
    out = _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
    if out.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({out.stderr.strip()}); storage-fault tests need root")
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount(path, options):
    out = _mount("-o", f"remount,{options}", str(path))
    assert out.returncode == 0, out.stderr


def ingest_every(bin_, brokers, topic, table, group, interval):
    """Arguments of a long-running ingest committing every `interval`."""
    args = ingest_args(bin_, brokers, topic, table, group)
    args[args.index("--interval") + 1] = interval
    return args


def log_files(table):
    return sorted(p.name for p in (pathlib.Path(table) / "_delta_log").iterdir())


def assert_log_is_whole(table):
    """Every commit file is complete JSON, versions are contiguous, and every file an
    add action names exists with the size the log says (no partial Parquet file)."""
    log = pathlib.Path(table) / "_delta_log"
    commits = sorted(p for p in log.iterdir() if p.name.endswith(".json"))
    assert [int(p.name[:20]) for p in commits] == list(range(len(commits))), [p.name for p in commits]
    for p in commits:
        for line in p.read_text().splitlines():
            action = json.loads(line)  # raises on a torn line (delta-rs ends without a newline)
            if "add" in action:
                data = pathlib.Path(table) / action["add"]["path"]
                assert data.stat().st_size == action["add"]["size"], f"{p.name} names a partial {data}"
    dt = DeltaTable(str(table))
    assert dt.version() == len(commits) - 1
    return dt.to_pyarrow_table()  # reads every data file: a partial one would fail here


def test_read_only_table_folder_fails_clearly_and_the_next_run_resumes(orbitlake_bin, brokers, unique, tmp_path):
    topic, group = unique("rofs"), unique("g")
    with tmpfs(tmp_path / "mnt", "64m") as mnt:
        table = mnt / "raw"
        produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s1", sats=2, rows=300, seed=1, partitions=3)
        ingest(orbitlake_bin, brokers, topic, table, group)
        before = log_files(table)
        rows_before = len(assert_log_is_whole(table))
        assert rows_before == 600

        produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s2", sats=2, rows=300, seed=2, partitions=3)
        remount(mnt, "ro")
        started = time.time()
        out = ingest(orbitlake_bin, brokers, topic, table, group, check=False)
        assert out.returncode == 1, out.stderr[-3000:]
        assert time.time() - started < 60
        assert "Read-only file system" in out.stderr, out.stderr[-3000:]
        assert str(table) in out.stderr, out.stderr[-3000:]
        assert log_files(table) == before
        assert len(assert_log_is_whole(table)) == rows_before

        remount(mnt, "rw")
        ingest(orbitlake_bin, brokers, topic, table, group)
        assert_log_is_whole(table)
        assert_exactly_the_topic(table, brokers, topic)


def test_read_only_folder_without_a_table_names_the_real_cause(orbitlake_bin, brokers, unique, tmp_path):
    """Creating the table on a read-only mount reports EROFS, not 'no table found'."""
    topic, group = unique("rofs-new"), unique("g")
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s", sats=1, rows=10, partitions=1)
    with tmpfs(tmp_path / "mnt", "4m") as mnt:
        remount(mnt, "ro")
        out = ingest(orbitlake_bin, brokers, topic, mnt / "raw", group, check=False)
        assert out.returncode == 1
        assert "Read-only file system" in out.stderr, out.stderr[-3000:]
        assert str(mnt / "raw") in out.stderr, out.stderr[-3000:]


def test_disk_full_fails_clearly_without_a_partial_commit_and_resumes_once_there_is_room(
        orbitlake_bin, brokers, unique, tmp_path):
    topic, group = unique("enospc"), unique("g")
    # About 45 bytes per row in Parquet: 24,000 rows cannot fit in 384 KiB, while several
    # batches of 2,000 rows can, so the disk fills up in the middle of the run.
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s", sats=4, rows=6000, partitions=3)
    with tmpfs(tmp_path / "mnt", "384k") as mnt:
        table = mnt / "raw"
        out = ingest(orbitlake_bin, brokers, topic, table, group, "--max-rows", "2000", check=False)
        assert out.returncode == 1, out.stdout + out.stderr[-3000:]
        assert "No space left on device" in out.stderr, out.stderr[-3000:]
        assert str(table) in out.stderr, out.stderr[-3000:]
        # Some batches landed before the disk filled; each is whole and exactly once.
        got = assert_log_is_whole(table)
        assert 0 < len(got) < 24000, len(got)
        pairs = list(zip(got.column("kafka_partition").to_pylist(), got.column("kafka_offset").to_pylist()))
        assert len(pairs) == len(set(pairs))
        dt = DeltaTable(str(table))
        for p in range(3):
            done = dt.transaction_version(f"orbitlake:{topic}:{p}")
            have = sorted(o for q, o in pairs if q == p)
            assert have == list(range(done + 1 if done is not None else 0)), f"partition {p}: not a prefix"

        remount(mnt, "size=64m")
        ingest(orbitlake_bin, brokers, topic, table, group, "--max-rows", "2000")
        assert_log_is_whole(table)
        assert_exactly_the_topic(table, brokers, topic)


def test_another_writer_committing_concurrently_keeps_both_writers_rows(orbitlake_bin, brokers, unique, tmp_path):
    """delta-rs appends to the table while orbitlake ingests: each commit lands once."""
    topic, group, table = unique("concurrent"), unique("g"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s0", sats=1, rows=100, partitions=3)
    ingest(orbitlake_bin, brokers, topic, table, group)
    # The other writer's rows: real rows of this table's schema, marked as its own.
    template = DeltaTable(str(table)).to_pyarrow_table().slice(0, 10)
    foreign = template.set_column(template.schema.get_field_index("kafka_topic"), "kafka_topic",
                                  pa.array(["other-writer"] * 10, type=template.schema.field("kafka_topic").type))

    proc = subprocess.Popen(ingest_every(orbitlake_bin, brokers, topic, table, group, "200ms"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        producer = subprocess.Popen([orbitlake_bin, "produce", "-d", str(tmp_path / "s0"), "-b", brokers, "-t", topic,
                                     "--repeat", "40", "--sleep", "0ms..1ms"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        appended = 0
        while producer.poll() is None or appended < 10:
            write_deltalake(str(table), foreign, mode="append")
            appended += 1
            time.sleep(0.05)
        assert producer.wait(120) == 0, producer.stderr.read()
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-3000:]
    ingest(orbitlake_bin, brokers, topic, table, group)  # whatever the SIGINT left behind

    everything = assert_log_is_whole(table)
    others = everything.filter(pc.equal(everything.column("kafka_topic"), "other-writer"))
    assert len(others) == 10 * appended
    ours_path = tmp_path / "ours-only"
    write_deltalake(str(ours_path), everything.filter(pc.equal(everything.column("kafka_topic"), topic)))
    assert_exactly_the_topic(ours_path, brokers, topic)
    # The two writers really interleaved: some orbitlake commit follows a delta-rs one.
    engines = [h.get("engineInfo", "") or h.get("clientVersion", "")
               for h in reversed(DeltaTable(str(table)).history())]
    ours = [i for i, e in enumerate(engines) if str(e).startswith("orbitlake")]
    theirs = [i for i, e in enumerate(engines) if not str(e).startswith("orbitlake")]
    assert ours and theirs and min(theirs) < max(ours), engines


def test_garbage_as_the_next_log_version_is_refused_naming_the_file(orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("garbage"), unique("g"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s", sats=1, rows=200, seed=1, partitions=2)
    ingest(orbitlake_bin, brokers, topic, table, group)
    version = DeltaTable(str(table)).version()
    bad = table / "_delta_log" / f"{version + 1:020d}.json"
    garbage = '{"commitInfo":{"timestamp":1,"operation":"WRITE"}}\n{"add":{"path":"torn'  # a broken writer's file

    # 1. The garbage appears while orbitlake runs: its next commit meets it.
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s2", sats=1, rows=200, seed=2, partitions=2)
    proc = subprocess.Popen(ingest_every(orbitlake_bin, brokers, topic, table, group, "3s"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)  # it has loaded the table at `version` and holds the new rows
        bad.write_text(garbage)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err[-3000:]
    assert bad.name in err, err[-3000:]
    assert bad.read_text() == garbage
    assert not (table / "_delta_log" / f"{version + 2:020d}.json").exists()

    # 2. It is there at start-up.
    out = ingest(orbitlake_bin, brokers, topic, table, group, check=False)
    assert out.returncode == 1
    assert bad.name in out.stderr and "not JSON" in out.stderr, out.stderr[-3000:]
    assert bad.read_text() == garbage
    assert len(DeltaTable(str(table), version=version).to_pyarrow_table()) == 200

    # Once the broken file is removed, the next run completes the table.
    bad.unlink()
    ingest(orbitlake_bin, brokers, topic, table, group)
    assert_log_is_whole(table)
    assert_exactly_the_topic(table, brokers, topic)
