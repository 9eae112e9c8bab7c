"""orbitlake tail / describe --version and --as-of (time travel), checked against delta-rs.

A table of delta-rs appends whose commit files get known, distinct modification times
(the commit timestamp both readers use): every version read by number must hold exactly
the rows `DeltaTable(path, version=N)` reads, and every time must pick the version
`DeltaTable.load_as_version(time)` picks. Errors: a version after the latest, a version
whose log was cleaned up after a checkpoint, a time before the first commit. And
`orbitlake history` shows the OPTIMIZE and VACUUM commits with their metrics.
"""
import datetime as dt_
import json
import os
import time

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from test_ingest import run

BASE = 1_800_000_000  # 2027-01-15T08:00:00Z; commit v is made at BASE + 10 * v seconds
APPENDS = 5


def iso(seconds):
    return dt_.datetime.fromtimestamp(seconds, dt_.timezone.utc).isoformat().replace("+00:00", "Z")


def make_table(path):
    for i in range(APPENDS):
        write_deltalake(str(path), pa.table({"day": ["2026-01-01", "2026-01-02"], "x": [2 * i, 2 * i + 1],
                                            "s": [f"r{i}", f"r{i}"]}), mode="append", partition_by=["day"])
    for v in range(APPENDS):
        t = BASE + 10 * v
        os.utime(path / "_delta_log" / f"{v:020d}.json", (t, t))


def rows_of(table):
    return sorted(zip(*(table.column(c).to_pylist() for c in ("day", "x", "s"))))


def orbitlake_rows(bin_, path, *at):
    out = run([bin_, "tail", str(path), "-n", "1000", "--format", "json", *at]).stdout
    return sorted((r["day"], r["x"], r["s"]) for r in map(json.loads, out.splitlines()))


def describe(bin_, path, *at):
    return json.loads(run([bin_, "describe", str(path), "--format", "json", *at]).stdout)


def test_versions_and_times_match_delta_rs(orbitlake_bin, tmp_path):
    table = tmp_path / "t"
    make_table(table)
    for v in range(APPENDS):
        expected = rows_of(DeltaTable(str(table), version=v).to_pyarrow_table())
        assert len(expected) == 2 * (v + 1)
        assert orbitlake_rows(orbitlake_bin, table, "--version", str(v)) == expected
        d = describe(orbitlake_bin, table, "--version", str(v))
        assert (d["version"], d["latest_version"], d["rows"]) == (v, APPENDS - 1, 2 * (v + 1))
        assert d["files"] == len(DeltaTable(str(table), version=v).file_uris())
    text = run([orbitlake_bin, "describe", str(table), "--version", "1"]).stdout
    assert f"1 (time travel; latest {APPENDS - 1})" in text

    # Times at, between and after commits; offsets and dates are the same instants.
    probes = [iso(BASE), iso(BASE + 5), iso(BASE + 20), iso(BASE + 29.999), iso(BASE + 10_000),
              dt_.datetime.fromtimestamp(BASE + 31, dt_.timezone(dt_.timedelta(hours=2))).isoformat()]
    for when in probes:
        ref = DeltaTable(str(table))
        ref.load_as_version(when)
        d = describe(orbitlake_bin, table, "--as-of", when)
        assert d["version"] == ref.version(), when
        assert orbitlake_rows(orbitlake_bin, table, "--as-of", when) == rows_of(ref.to_pyarrow_table()), when
    assert describe(orbitlake_bin, table, "--as-of", "2099-01-01")["version"] == APPENDS - 1

    # Before the first commit: Delta (Spark) refuses, and so does orbitlake, naming the times.
    early = run([orbitlake_bin, "tail", str(table), "--as-of", iso(BASE - 1)], check=False)
    assert early.returncode == 1
    assert "is before the first commit" in early.stderr and "2027-01-15T08:00:00" in early.stderr, early.stderr
    missing = run([orbitlake_bin, "describe", str(table), "--version", "9"], check=False)
    assert missing.returncode == 1 and f"has no version 9 (latest {APPENDS - 1})" in missing.stderr
    for bad in (["--as-of", "yesterday"], ["--version", "-1"], ["--version", "1", "--as-of", iso(BASE)],
                ["--follow", "--version", "1"]):
        out = run([orbitlake_bin, "tail", str(table), *bad], check=False)
        assert out.returncode == 2, (bad, out.stderr)


def test_cleaned_up_versions_and_maintenance_history(orbitlake_bin, tmp_path):
    table = tmp_path / "t"
    make_table(table)
    run([orbitlake_bin, "optimize", str(table)])
    run([orbitlake_bin, "vacuum", str(table), "--retain", "0s", "--force"])
    hist = json.loads("[" + ",".join(run([orbitlake_bin, "history", str(table), "-n", "3", "--format", "json"])
                                     .stdout.splitlines()) + "]")
    assert [h["operation"] for h in hist] == ["VACUUM END", "VACUUM START", "OPTIMIZE"]
    assert (hist[2]["files_removed"], hist[2]["files_added"]) == (2 * APPENDS, 2)
    assert hist[2]["metrics"]["partitions_optimized"] == 2
    assert hist[1]["metrics"]["files_to_delete"] == 2 * APPENDS and hist[1]["metrics"]["bytes_to_delete"] > 0
    assert hist[0]["metrics"]["deleted_files"] == 2 * APPENDS
    text = run([orbitlake_bin, "history", str(table), "-n", "3"]).stdout
    assert "deleted_files=10" in text and "files_to_delete=10" in text and "partitions_optimized=2" in text, text

    # A checkpoint, then a log cleanup (what delta.logRetentionDuration does): the
    # versions before the checkpoint can no longer be rebuilt, and orbitlake says so.
    run([orbitlake_bin, "checkpoint", str(table)])
    latest = DeltaTable(str(table)).version()
    for v in range(latest):
        (table / "_delta_log" / f"{v:020d}.json").unlink()
    gone = run([orbitlake_bin, "tail", str(table), "--version", "2"], check=False)
    assert gone.returncode == 1
    assert "version 2 of" in gone.stderr and "can no longer be read" in gone.stderr
    assert f"oldest readable version: {latest}" in gone.stderr, gone.stderr
    # The commits kept were made just now (optimize, vacuum): an hour ago is before them.
    early = run([orbitlake_bin, "describe", str(table), "--as-of", iso(time.time() - 3600)], check=False)
    assert early.returncode == 1 and f"oldest commit still in the log (version {latest})" in early.stderr
    assert describe(orbitlake_bin, table, "--version", str(latest))["rows"] == 2 * APPENDS
