"""Delta conformance with delta-rs (the Python `deltalake` package), both directions.

orbitlake -> deltalake: rows, schema, version, history and transaction_version(appId)
must be exactly what orbitlake wrote, for a partitioned table, a table past several
checkpoints (read from the checkpoint alone), and timestamps.
deltalake -> orbitlake: appends, overwrite and delete (removes), checkpoints, partition
values with special characters and nulls read back identically.
Concurrency: several processes commit to one table at once; every commit lands once.
"""
import datetime as dt
import json
import shutil
import subprocess

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable, write_deltalake

from delta_support import orbitlake_read, sorted_rows, tool, tool_path

START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def make_table(path, *extra):
    return tool("create", "--table", path, *extra)


def append(path, first, rows, days=1, app=None, txn=None):
    args = ["append", "--table", path, "--first", first, "--rows", rows, "--days", days]
    if app:
        args += ["--app-id", app]
    if txn is not None:
        args += ["--txn-version", txn]
    return tool(*args)


def test_partitioned_table_reads_identically_in_deltalake(tmp_path):
    path = str(tmp_path / "sat")
    make_table(path)
    for i in range(4):
        out = append(path, i * 1000, 1000, days=2, app=f"sat-data-{i % 2}")
        assert out == {**out, "outcome": "committed", "version": i + 1}
    info, ours = orbitlake_read(path, tmp_path, app_ids=["sat-data-0", "sat-data-1"])

    t = DeltaTable(path)
    assert t.version() == 4 == info["version"]
    assert t.metadata().partition_columns == ["date"]
    p = t.protocol()
    assert (p.min_reader_version, p.min_writer_version) == (1, 2)
    theirs = t.to_pyarrow_table()
    assert theirs.num_rows == 4000
    assert sorted_rows(theirs, "seq") == sorted_rows(ours, "seq")
    assert sorted(theirs.column("seq").to_pylist()) == list(range(4000))

    schema = {f.name: f.type for f in theirs.schema}
    assert schema["ts"] == pa.timestamp("us", tz="UTC")
    assert schema["date"] == pa.date32()
    assert schema["seq"] == pa.int64() and schema["alt_km"] == pa.float64() and schema["sat_id"] == pa.string()
    assert [f.name for f in t.schema().fields] == ["sat_id", "ts", "seq", "alt_km", "lat", "lon", "status", "date"]

    assert t.transaction_version("sat-data-0") == 2999 == info["txns"]["sat-data-0"]
    assert t.transaction_version("sat-data-1") == 3999 == info["txns"]["sat-data-1"]
    assert t.transaction_version("nobody") is None

    history = t.history()
    assert [h["version"] for h in history] == [4, 3, 2, 1, 0]
    assert [h["operation"] for h in history] == ["WRITE"] * 4 + ["CREATE TABLE"]
    assert all(h.get("engineInfo", "").startswith("orbitlake/") for h in history)
    assert [(h["version"], h["operation"]) for h in history] == [(h["version"], h["operation"]) for h in info["history"]]

    # One file per partition value per commit, each in its Hive-style folder.
    adds = pa.table(t.get_add_actions(flatten=True))
    paths = adds.column("path").to_pylist()
    dates = adds.column("partition.date").to_pylist()
    assert len(paths) == 8
    for p_, d in zip(paths, dates):
        assert p_.startswith(f"date={d}/"), (p_, d)
    assert sum(adds.column("num_records").to_pylist()) == 4000


def test_timestamps_and_file_statistics(tmp_path):
    path = str(tmp_path / "ts")
    make_table(path)
    append(path, 0, 5000, days=3)
    t = DeltaTable(path)
    rows = t.to_pyarrow_table()
    ts = sorted(rows.column("ts").to_pylist())
    assert ts[0] == START
    step = dt.timedelta(microseconds=3 * 86_400_000_000 // 5000)
    assert ts[1] - ts[0] == step
    for r in rows.to_pylist()[:50]:
        assert r["date"] == r["ts"].date()
    adds = pa.table(t.get_add_actions(flatten=True))
    for i in range(adds.num_rows):
        d = adds.column("partition.date")[i].as_py()
        in_file = rows.filter(pc.equal(rows.column("date"), pa.scalar(d, pa.date32())))
        lo, hi = pc.min(in_file.column("ts")).as_py(), pc.max(in_file.column("ts")).as_py()
        assert adds.column("min.ts")[i].as_py() <= lo and adds.column("max.ts")[i].as_py() >= hi
        assert adds.column("min.seq")[i].as_py() == pc.min(in_file.column("seq")).as_py()
        assert adds.column("null_count.alt_km")[i].as_py() == in_file.column("alt_km").null_count
        assert adds.column("num_records")[i].as_py() == in_file.num_rows
    # Data skipping with those statistics returns exactly the matching rows.
    some = DeltaTable(path).to_pyarrow_table(filters=[("seq", ">=", 4990)])
    assert sorted(some.column("seq").to_pylist()) == list(range(4990, 5000))


def test_table_past_several_checkpoints_reads_from_checkpoint_alone(tmp_path):
    path = tmp_path / "cp"
    make_table(str(path), "--config", "delta.checkpointInterval=4")
    for i in range(14):
        out = append(str(path), i * 100, 100, app="app")
        assert out["checkpoint"] == ((i + 1) % 4 == 0), out
    log = path / "_delta_log"
    assert sorted(p.name for p in log.glob("*.checkpoint.parquet")) == [
        f"{v:020d}.checkpoint.parquet" for v in (4, 8, 12)]
    assert json.loads((log / "_last_checkpoint").read_text())["version"] == 12

    # Drop the commits the last checkpoint replaces: readers must rely on our checkpoint.
    copy = tmp_path / "cp-only"
    shutil.copytree(path, copy)
    for v in range(12):
        (copy / "_delta_log" / f"{v:020d}.json").unlink()
    for table in (str(path), str(copy)):
        t = DeltaTable(table)
        assert t.version() == 14
        assert t.transaction_version("app") == 1399
        rows = t.to_pyarrow_table()
        assert sorted(rows.column("seq").to_pylist()) == list(range(1400))
        info, ours = orbitlake_read(table, tmp_path, app_ids=["app"])
        assert info["version"] == 14 and info["txns"]["app"] == 1399
        assert sorted_rows(ours, "seq") == sorted_rows(rows, "seq")
    # Time travel to a version before the first checkpoint.
    assert DeltaTable(str(path), version=2).to_pyarrow_table().num_rows == 200


def test_same_txn_version_is_not_written_twice(tmp_path):
    path = str(tmp_path / "dup")
    make_table(path)
    assert append(path, 0, 100, app="p0", txn=41)["outcome"] == "committed"
    assert append(path, 0, 100, app="p0", txn=41)["outcome"] == "already_committed"
    assert append(path, 0, 100, app="p0", txn=40)["outcome"] == "already_committed"
    t = DeltaTable(path)
    assert t.version() == 1
    assert t.to_pyarrow_table().num_rows == 100
    assert t.transaction_version("p0") == 41


def test_concurrent_processes_all_commit_with_contiguous_versions(tmp_path):
    path = str(tmp_path / "conc")
    make_table(path, "--config", "delta.checkpointInterval=5")
    procs, commits, rows = 4, 12, 50
    running = [
        subprocess.Popen([tool_path(), "stress", "--table", path, "--commits", str(commits), "--rows", str(rows),
                          "--first", str(p * commits * rows), "--app-id", f"writer-{p}"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for p in range(procs)
    ]
    versions = []
    for p in running:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        versions += json.loads(out)["versions"]
    assert sorted(versions) == list(range(1, procs * commits + 1)), "every commit landed once, no version reused"
    log = tmp_path / "conc" / "_delta_log"
    assert sorted(int(f.name[:20]) for f in log.glob("*.json")) == list(range(procs * commits + 1))
    t = DeltaTable(path)
    assert t.version() == procs * commits
    seqs = sorted(t.to_pyarrow_table().column("seq").to_pylist())
    assert seqs == list(range(procs * commits * rows))
    for p in range(procs):
        assert t.transaction_version(f"writer-{p}") == (p + 1) * commits * rows - 1


SPECIAL = ["a/b", "x y", "100%", "a=b", "é:ü", None, "#?", "plain"]


def test_tables_written_by_deltalake_read_back_identically(tmp_path):
    path = str(tmp_path / "rs")
    n = 400
    base = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "part": pa.array([SPECIAL[i % len(SPECIAL)] for i in range(n)], pa.string()),
        "ts": pa.array([START + dt.timedelta(seconds=i) for i in range(n)], pa.timestamp("us", tz="UTC")),
        "value": pa.array([None if i % 5 == 0 else i * 1.5 for i in range(n)], pa.float64()),
        "day": pa.array([(START + dt.timedelta(days=i % 3)).date() for i in range(n)], pa.date32()),
        "n32": pa.array(range(n), pa.int32()),
    })
    write_deltalake(path, base, partition_by=["part"], configuration={"delta.checkpointInterval": "3"})
    for k in range(1, 4):
        write_deltalake(path, base.slice(0, 50).set_column(0, "id", pa.array(range(n * k, n * k + 50), pa.int64())),
                        mode="append", partition_by=["part"])
    DeltaTable(path).delete("id < 100")  # removes files, rewrites the rest
    DeltaTable(path).create_checkpoint()
    write_deltalake(path, base.slice(100, 10), mode="append", partition_by=["part"])

    t = DeltaTable(path)
    theirs = t.to_pyarrow_table()
    info, ours = orbitlake_read(str(path), tmp_path)
    assert info["version"] == t.version()
    assert info["num_rows"] == theirs.num_rows
    assert sorted_rows(ours, "id") == sorted_rows(theirs, "id")
    assert set(ours.column("part").to_pylist()) == set(SPECIAL)
    # Overwrite: every old file is removed.
    write_deltalake(path, base.slice(0, 7), mode="overwrite", partition_by=["part"])
    info, ours = orbitlake_read(str(path), tmp_path)
    assert info["num_rows"] == 7
    assert sorted_rows(ours, "id") == sorted_rows(DeltaTable(path).to_pyarrow_table(), "id")
    # Time travel through the log written by delta-rs.
    info, ours = orbitlake_read(str(path), tmp_path, version=0)
    assert info["num_rows"] == n


def test_orbitlake_appends_to_a_deltalake_table_and_both_agree(tmp_path):
    path = str(tmp_path / "mixed")
    make_table(path)
    append(path, 0, 100, app="o")
    t = DeltaTable(path)
    extra = t.to_pyarrow_table().slice(0, 10)
    extra = extra.set_column(extra.schema.get_field_index("seq"), "seq", pa.array(range(1000, 1010), pa.int64()))
    write_deltalake(path, extra, mode="append")
    append(path, 100, 100, app="o")
    t = DeltaTable(path)
    assert t.version() == 3
    assert t.transaction_version("o") == 199
    info, ours = orbitlake_read(path, tmp_path)
    assert sorted_rows(ours, "seq") == sorted_rows(t.to_pyarrow_table(), "seq")


@pytest.mark.parametrize("feature", ["deletionVectors", "v2Checkpoint", "columnMapping"])
def test_unsupported_reader_feature_is_refused_with_its_name(tmp_path, feature):
    # delta-rs cannot write these features, so the upgrade commit is written by hand, as
    # Spark would write it.
    path = tmp_path / "feat"
    make_table(str(path))
    append(str(path), 0, 10)
    actions = [{"protocol": {"minReaderVersion": 3, "minWriterVersion": 7,
                             "readerFeatures": [feature], "writerFeatures": [feature]}}]
    if feature == "columnMapping":
        md = json.loads((path / "_delta_log" / f"{0:020d}.json").read_text().splitlines()[2])
        md["metaData"]["configuration"]["delta.columnMapping.mode"] = "name"
        actions.append(md)
    (path / "_delta_log" / f"{2:020d}.json").write_text("\n".join(json.dumps(a) for a in actions) + "\n")
    out = tool("read", "--table", path, check=False)
    assert out.returncode != 0
    assert feature in out.stderr and "Unsupported" in out.stderr, out.stderr
    out = tool("append", "--table", path, "--first", 10, "--rows", 10, check=False)
    assert out.returncode != 0 and feature in out.stderr, out.stderr
