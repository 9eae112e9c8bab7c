"""orbitlake optimize / vacuum / checkpoint, checked with delta-rs (`deltalake`).

A table built from many small commits (orbitlake ingest from the real broker, or
delta-rs appends) is compacted and vacuumed; delta-rs must read exactly the same rows
afterwards, from fewer files, with OPTIMIZE / VACUUM in its history. Concurrency: a
delta-rs append that lands between optimize's plan and its commit is kept (optimize
retries at the next version); a delta-rs DELETE that removes one of optimize's files
makes it give up, changing nothing and leaving no file behind.
"""
import json
import os
import pathlib
import re
import signal
import subprocess
import time

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from test_ingest import assert_exactly_the_topic, high_watermarks, ingest, ingest_args, produce_samples, run


def parquet_files(table):
    """Every data file in the table folder (not _delta_log), relative paths."""
    root = pathlib.Path(table)
    return {str(p.relative_to(root)) for p in root.rglob("*.parquet") if "_delta_log" not in p.parts}


def live_files(table):
    dt = DeltaTable(str(table))
    return {a for a in dt.get_add_actions(flatten=True).column("path").to_pylist()}


def sorted_table(table, keys):
    t = DeltaTable(str(table)).to_pyarrow_table()
    return t.sort_by([(k, "ascending") for k in keys])


def test_ingested_table_optimize_vacuum_checkpoint(orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("maint"), unique("g"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s", sats=4, rows=1_500)
    # Small batches: many commits, each with a few small files, as a streaming table gets.
    ingest(orbitlake_bin, brokers, topic, table, group, "--max-rows", "300")
    keys = ["kafka_partition", "kafka_offset"]
    before = sorted_table(table, keys)
    assert before.num_rows == 6_000
    files_before = live_files(table)
    dt = DeltaTable(str(table))
    version_before = dt.version()
    assert len(files_before) >= 20, f"only {len(files_before)} files: not a small-file table"
    partitions = {tuple(sorted(p.items())) for p in dt.get_add_actions(flatten=False)
                  .column("partition_values").to_pylist()}

    dry = run([orbitlake_bin, "optimize", str(table), "--dry-run"])
    assert "nothing was written" in dry.stdout
    assert DeltaTable(str(table)).version() == version_before

    out = run([orbitlake_bin, "optimize", str(table), "--sort-by", "event_time"])
    assert f"{len(files_before)} -> {len(partitions)} live files" in out.stdout, out.stdout
    dt = DeltaTable(str(table))
    assert dt.version() == version_before + 1
    after = sorted_table(table, keys)
    assert after.equals(before), "optimize changed the rows"
    assert_exactly_the_topic(table, brokers, topic)
    assert len(live_files(table)) == len(partitions)
    last = dt.history(1)[0]
    assert last["operation"] == "OPTIMIZE"
    m = last["operationMetrics"]
    assert m["numFilesRemoved"] == len(files_before)
    assert m["numFilesAdded"] == len(partitions)
    assert json.loads(m["filesRemoved"])["totalFiles"] == len(files_before)
    assert m["preserveInsertionOrder"] is False
    # Every add and remove of the compaction is dataChange=false.
    log = (table / "_delta_log" / f"{dt.version():020d}.json").read_text().splitlines()
    actions = [json.loads(line) for line in log]
    assert all(a["add"]["dataChange"] is False for a in actions if "add" in a)
    assert all(a["remove"]["dataChange"] is False for a in actions if "remove" in a)
    # Rows of each new file are sorted by event_time.
    for f in live_files(table):
        import pyarrow.parquet as pq
        ts = pq.read_table(table / f, columns=["event_time"]).column("event_time").to_pylist()
        assert ts == sorted(ts)
    hist = run([orbitlake_bin, "history", str(table), "-n", "1"]).stdout
    assert "OPTIMIZE" in hist and "partitions_optimized" in hist

    # The old version still reads (its files are kept for 7 days by default).
    old = DeltaTable(str(table), version=version_before)
    assert old.to_pyarrow_table().num_rows == 6_000
    out = run([orbitlake_bin, "vacuum", str(table)])
    assert "deleted 0 files" in out.stdout, out.stdout
    assert parquet_files(table) >= files_before
    refused = run([orbitlake_bin, "vacuum", str(table), "--retain", "0s"], check=False)
    assert refused.returncode == 1 and "--force" in refused.stderr
    out = run([orbitlake_bin, "vacuum", str(table), "--retain", "0s", "--force"])
    assert f"deleted {len(files_before)} files" in out.stdout, out.stdout
    assert parquet_files(table) == live_files(table)
    assert sorted_table(table, keys).equals(before)
    ops = [h["operation"] for h in DeltaTable(str(table)).history(3)]
    assert ops == ["VACUUM END", "VACUUM START", "OPTIMIZE"]
    with pytest.raises(Exception):
        DeltaTable(str(table), version=version_before).to_pyarrow_table()

    out = run([orbitlake_bin, "checkpoint", str(table)])
    v = DeltaTable(str(table)).version()
    assert json.loads((table / "_delta_log" / "_last_checkpoint").read_text())["version"] == v
    assert (table / "_delta_log" / f"{v:020d}.checkpoint.parquet").exists()
    assert sorted_table(table, keys).equals(before)


def small_table(path, appends=20):
    for i in range(appends):
        write_deltalake(str(path), pa.table({"day": ["2026-01-01", "2026-01-02"], "x": [2 * i, 2 * i + 1],
                                            "s": [f"r{i}", f"r{i}"]}), mode="append", partition_by=["day"])


def optimize_with_pause(orbitlake_bin, table, marker, *extra):
    """Starts optimize, returns it once it has written its files and waits for `marker`."""
    p = subprocess.Popen([orbitlake_bin, "optimize", str(table), "--wait-before-commit", str(marker), *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        seen.append(line)
        if "waiting for" in line:
            return p
        if not line and p.poll() is not None:
            break
    p.kill()
    pytest.fail("optimize never reached its commit:\n" + "".join(seen))


def test_append_between_plan_and_commit_is_kept(orbitlake_bin, tmp_path):
    table, marker = tmp_path / "t", tmp_path / "go"
    small_table(table)
    p = optimize_with_pause(orbitlake_bin, table, marker)
    plan_version = DeltaTable(str(table)).version()
    write_deltalake(str(table), pa.table({"day": ["2026-01-01"], "x": [1000], "s": ["late"]}), mode="append",
                    partition_by=["day"])
    marker.touch()
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert "attempt 2" in out, out
    dt = DeltaTable(str(table))
    assert dt.version() == plan_version + 2
    assert dt.history(1)[0]["operation"] == "OPTIMIZE"
    xs = sorted(dt.to_pyarrow_table().column("x").to_pylist())
    assert xs == list(range(40)) + [1000]
    assert len(live_files(table)) == 3  # one compacted file per day + the late append


def test_delete_of_a_file_it_compacts_makes_it_give_up_cleanly(orbitlake_bin, tmp_path):
    table, marker = tmp_path / "t", tmp_path / "go"
    small_table(table)
    on_disk = parquet_files(table)
    p = optimize_with_pause(orbitlake_bin, table, marker)
    DeltaTable(str(table)).delete("x = 3")  # removes the file holding x=3
    after_delete = DeltaTable(str(table)).version()
    marker.touch()
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1, (out, err)
    assert "gave up" in err and "nothing was changed" in err, err
    dt = DeltaTable(str(table))
    assert dt.version() == after_delete, "no OPTIMIZE commit"
    xs = sorted(dt.to_pyarrow_table().column("x").to_pylist())
    assert xs == [x for x in range(40) if x != 3]
    # The files optimize wrote were deleted again: only delta-rs' rewrite is new.
    new = parquet_files(table) - on_disk
    assert new <= live_files(table), f"leftover files: {new - live_files(table)}"
    # Run again: now it compacts the table as it is.
    run([orbitlake_bin, "optimize", str(table)])
    assert sorted(DeltaTable(str(table)).to_pyarrow_table().column("x").to_pylist()) == xs


def test_where_target_size_and_bad_input(orbitlake_bin, tmp_path):
    table = tmp_path / "t"
    small_table(table)
    out = run([orbitlake_bin, "optimize", str(table), "--where", "day = '2026-01-02'", "--target-size", "64MiB"])
    assert "20 small files rewritten into 1 in 1 partition" in out.stdout, out.stdout
    dt = DeltaTable(str(table))
    params = dt.history(1)[0]["operationParameters"]
    assert params["targetSize"] == str(64 << 20)
    assert json.loads(params["predicate"]) == ["day = '2026-01-02'"]
    per_day = {}
    for pv in dt.get_add_actions(flatten=True).column("partition.day").to_pylist():
        per_day[pv] = per_day.get(pv, 0) + 1
    assert per_day == {"2026-01-01": 20, "2026-01-02": 1}
    for args, says in [(["--where", "x = 1"], "'x' is not a partition column"),
                       (["--where", "day = '2026-01-01' OR day = 'b'"], "only AND"),
                       (["--sort-by", "nope"], "no column 'nope'"),
                       (["--target-size", "12 parsecs"], "byte size")]:
        bad = run([orbitlake_bin, "optimize", str(table), *args], check=False)
        assert bad.returncode in (1, 2) and says in bad.stderr, (args, bad.stderr)
    missing = run([orbitlake_bin, "vacuum", str(tmp_path / "none")], check=False)
    assert missing.returncode == 1 and "is not a Delta table" in missing.stderr
    assert DeltaTable(str(table)).version() == dt.version()


def test_ingest_optimize_every_compacts_in_the_background(orbitlake_bin, brokers, unique, tmp_path):
    """--optimize-every: the ingester compacts what it wrote while it goes on committing."""
    topic, group, table = unique("optev"), unique("g"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s", sats=4, rows=1_500)
    # Not --until-caught-up: compaction runs at idle priority and a shutdown cancels a
    # compaction in progress, so wait until one landed and every offset is in.
    p = subprocess.Popen(ingest_args(orbitlake_bin, brokers, topic, table, group, "--max-rows", "250",
                                     "--optimize-every", "4"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        hw = high_watermarks(brokers, topic)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if not (table / "_delta_log").exists():
                continue
            dt = DeltaTable(str(table))
            caught_up = all(h == 0 or (dt.transaction_version(f"orbitlake:{topic}:{q}") or -1) >= h - 1
                            for q, h in hw.items())
            if caught_up and any(h["operation"] == "OPTIMIZE" for h in dt.history()):
                break
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err[-3000:]
    m = re.search(r"(\d+) rows committed to .* in (\d+) commits .*, (\d+) files", out)
    assert m and int(m.group(1)) == 6_000, out
    commits, files_written = int(m.group(2)), int(m.group(3))
    assert commits >= 16, out
    t = assert_exactly_the_topic(table, brokers, topic)
    assert t.num_rows == 6_000
    hist = DeltaTable(str(table)).history()
    optimizes = [h for h in hist if h["operation"] == "OPTIMIZE"]
    assert optimizes, [h["operation"] for h in hist]
    m = re.search(r"background optimize: (\d+) OPTIMIZE commits compacted (\d+) small files", out)
    assert m and int(m.group(1)) == len(optimizes), out
    removed = sum(int(h["operationMetrics"]["numFilesRemoved"]) for h in optimizes)
    assert int(m.group(2)) == removed
    live = len(live_files(table))
    assert live < files_written and live == files_written - removed + sum(
        int(h["operationMetrics"]["numFilesAdded"]) for h in optimizes)
