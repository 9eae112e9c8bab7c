"""orbitlake demo, the readers (tail/history/describe), the figures script and the notebook,
against the real broker (the compose file: test_deploy.py).

The demo runs in a reduced size (2 satellites x 300 rows, no pauses) into its own data
folder and topic; its table is checked with delta-rs to hold exactly the produced events,
also after a second run (appends, no duplicates).
"""
import json
import os
import pathlib
import signal
import subprocess
import time

import nbformat
import pyarrow.csv as pacsv
import pytest
from deltalake import DeltaTable

from conftest import ROOT
from test_ingest import assert_exactly_the_topic, high_watermarks, ingest, produce_samples, run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FIGURES = ["measurements.png", "latency.png", "rows_per_commit.png"]


def demo(bin_, brokers, topic, data, *extra):
    return run([bin_, "demo", "--brokers", brokers, "--topic", topic, "--data-dir", str(data), "--satellites", "2",
                "--rows", "300", "--sleep", "0ms..1ms", "--interval", "500ms", *extra], timeout=300)


def test_demo_end_to_end_twice(orbitlake_bin, brokers, unique, tmp_path):
    topic, data = unique("demo"), tmp_path / "data"
    out = demo(orbitlake_bin, brokers, topic, data)
    table = data / "delta-tables" / "satellite-data-raw"
    assert "every produced event is in the table" in out.stdout, out.stdout
    assert "produced     600 events, 600 acknowledged" in out.stdout, out.stdout
    assert "latency      produce -> commit p50" in out.stdout
    assert "last rows of the table:" in out.stdout
    t = assert_exactly_the_topic(table, brokers, topic)
    assert t.num_rows == 600
    assert sorted(set(t.column("satellite").to_pylist())) == ["sat0", "sat1"]
    for name in FIGURES:
        png = data / "figures" / name
        assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 10_000, name
        assert str(png) in out.stdout

    # Again: the same table grows by the new events only, without duplicates.
    out = demo(orbitlake_bin, brokers, topic, data)
    assert "every produced event is in the table" in out.stdout, out.stdout
    t = assert_exactly_the_topic(table, brokers, topic)
    assert t.num_rows == 1200
    assert sum(high_watermarks(brokers, topic).values()) == 1200


def test_demo_interrupted_leaves_a_consistent_table_the_next_run_completes(orbitlake_bin, brokers, unique, tmp_path):
    topic, data = unique("demo-int"), tmp_path / "data"
    args = [orbitlake_bin, "demo", "--brokers", brokers, "--topic", topic, "--data-dir", str(data), "--satellites",
            "2", "--sleep", "1ms..3ms", "--interval", "1s", "--figures-script", ""]
    p = subprocess.Popen([*args, "--rows", "20000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err[-2000:]
    assert "== orbitlake demo INTERRUPTED ==" in out
    table = data / "delta-tables" / "satellite-data-raw"
    t = DeltaTable(str(table)).to_pyarrow_table(columns=["kafka_partition", "kafka_offset"])
    got = list(zip(t.column(0).to_pylist(), t.column(1).to_pylist()))
    assert 0 < len(got) == len(set(got))
    # The next run ingests whatever the interrupted one left in Kafka, then its own events.
    out = run([*args, "--rows", "10"], timeout=300)
    assert "every produced event is in the table" in out.stdout
    assert_exactly_the_topic(table, brokers, topic)


def test_demo_fails_clearly_without_a_broker(orbitlake_bin, tmp_path):
    out = run([orbitlake_bin, "demo", "--brokers", "127.0.0.1:1", "--data-dir", str(tmp_path)], check=False)
    assert out.returncode == 1
    assert "no Kafka broker answers at 127.0.0.1:1" in out.stderr


@pytest.fixture(scope="module")
def known_table(orbitlake_bin, brokers, tmp_path_factory):
    """One satellite x 100 rows (seed 7) ingested into a fresh table; its CSV."""
    tmp = tmp_path_factory.mktemp("known")
    topic = "known-" + os.urandom(5).hex()
    produce_samples(orbitlake_bin, brokers, topic, tmp / "s", sats=1, rows=100, seed=7, partitions=2)
    table = tmp / "raw"
    ingest(orbitlake_bin, brokers, topic, table, "g-" + topic)
    return table, pacsv.read_csv(tmp / "s" / "sat0.csv").to_pandas(), topic


def reader(bin_, *args, check=True):
    return run([bin_, *[str(a) for a in args]], check=check)


def test_tail_formats(orbitlake_bin, known_table):
    table, csv, _ = known_table
    cols = "satellite,sequence,temp_c,altitude"
    out = reader(orbitlake_bin, "tail", table, "-n", 3, "--columns", cols, "--format", "csv").stdout
    expected = ["satellite,sequence,temp_c,altitude"] + [
        f"sat0,{i},{float(csv.temp_c[i])!r},{float(csv.altitude[i])!r}" for i in (97, 98, 99)]
    assert out.splitlines() == expected

    rows = [json.loads(line) for line in
            reader(orbitlake_bin, "tail", table, "-n", 2, "--format", "json").stdout.splitlines()]
    assert [r["sequence"] for r in rows] == [98, 99]
    assert rows[-1]["battery_charge_pct"] == csv.battery_charge_pct[99]
    assert rows[-1]["event_time"].endswith("Z") and rows[-1]["kafka_topic"] == known_table[2]

    text = reader(orbitlake_bin, "tail", table, "-n", 2, "-c", "sequence,satellite,event_time").stdout.splitlines()
    assert text[0].split() == ["sequence", "satellite", "event_time"]
    assert text[1].split()[:2] == ["98", "sat0"] and text[2].split()[:2] == ["99", "sat0"]
    # Aligned: every value starts under its header.
    assert text[1].index("sat0") == text[0].index("satellite")


def test_tail_follow_prints_new_commits(orbitlake_bin, brokers, tmp_path):
    topic = "follow-" + os.urandom(5).hex()
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "a", sats=1, rows=5, seed=1)
    table = tmp_path / "raw"
    ingest(orbitlake_bin, brokers, topic, table, "g-" + topic)
    p = subprocess.Popen([orbitlake_bin, "tail", str(table), "-n", "1", "--follow", "--poll", "100ms",
                          "--format", "csv", "-c", "sequence"], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline() == "sequence\n"
        assert p.stdout.readline() == "4\n"
        produce_samples(orbitlake_bin, brokers, topic, tmp_path / "b", sats=1, rows=3, seed=2)
        ingest(orbitlake_bin, brokers, topic, table, "g-" + topic)
        assert [p.stdout.readline() for _ in range(3)] == ["0\n", "1\n", "2\n"]
    finally:
        p.terminate()
        assert p.wait(timeout=10) == 0


def test_history(orbitlake_bin, known_table):
    table = known_table[0]
    rows = [json.loads(line) for line in
            reader(orbitlake_bin, "history", table, "-n", 0, "--format", "json").stdout.splitlines()]
    dt = DeltaTable(str(table))
    assert [r["version"] for r in rows] == list(range(dt.version(), -1, -1))
    assert rows[-1]["operation"] == "CREATE TABLE" and rows[-1]["rows_added"] == 0
    assert all(r["operation"] == "STREAMING UPDATE" and r["files_added"] >= 1 for r in rows[:-1])
    assert sum(r["rows_added"] for r in rows) == 100
    assert sum(r["files_added"] for r in rows) == len(dt.file_uris())
    assert all(r["files_removed"] == 0 and r["rows_removed"] == 0 for r in rows)  # appends only
    text = reader(orbitlake_bin, "history", table, "-n", 0).stdout.splitlines()
    assert text[0].split() == ["version", "time", "operation", "files_added", "files_removed", "rows_added",
                               "rows_removed", "bytes_added", "bytes_removed", "metrics"]
    assert "CREATE TABLE" in text[-1]


def test_describe(orbitlake_bin, brokers, known_table):
    table, _, topic = known_table
    d = json.loads(reader(orbitlake_bin, "describe", table, "--format", "json").stdout)
    dt = DeltaTable(str(table))
    assert d["version"] == dt.version()
    assert d["rows"] == 100
    assert d["partition_columns"] == ["date"]
    assert d["files"] == len(dt.file_uris())
    assert [f["name"] for f in d["schema"]] == [f.name for f in dt.schema().fields]
    hw = high_watermarks(brokers, topic)
    assert {o["partition"]: o["offset"] for o in d["kafka_offsets"]} == {p: h - 1 for p, h in hw.items() if h > 0}
    assert all(o["topic"] == topic for o in d["kafka_offsets"])
    text = reader(orbitlake_bin, "describe", table).stdout
    assert "partitioned by     date" in text and "kafka offsets" in text and "rows               100" in text
    csv = reader(orbitlake_bin, "describe", table, "--format", "csv").stdout
    assert "rows,100\n" in csv


def test_readers_refuse_what_is_not_a_readable_table(orbitlake_bin, tmp_path):
    for cmd in ("tail", "history", "describe"):
        out = reader(orbitlake_bin, cmd, tmp_path, check=False)
        assert out.returncode == 1
        assert f"{tmp_path} is not a Delta table" in out.stderr, out.stderr
    # A table that needs deletion vectors (reader feature orbitlake does not implement).
    log = tmp_path / "dv" / "_delta_log"
    log.mkdir(parents=True)
    schema = json.dumps({"type": "struct", "fields": [{"name": "x", "type": "long", "nullable": True,
                                                       "metadata": {}}]})
    actions = [{"protocol": {"minReaderVersion": 3, "minWriterVersion": 7, "readerFeatures": ["deletionVectors"],
                             "writerFeatures": ["deletionVectors"]}},
               {"metaData": {"id": "x", "format": {"provider": "parquet", "options": {}}, "schemaString": schema,
                             "partitionColumns": [], "configuration": {}, "createdTime": 0}}]
    (log / "00000000000000000000.json").write_text("\n".join(json.dumps(a) for a in actions) + "\n")
    out = reader(orbitlake_bin, "describe", tmp_path / "dv", check=False)
    assert out.returncode == 1
    assert "uses a Delta feature orbitlake cannot read" in out.stderr and "deletionVectors" in out.stderr


def test_figures_script_writes_pngs(known_table, tmp_path):
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "python" / "figures.py"),
                          "--table", str(known_table[0]), "--out", str(tmp_path / "fig")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(tmp_path / "fig" / n) for n in FIGURES]
    for name in FIGURES:
        data = (tmp_path / "fig" / name).read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 10_000


def test_notebook_is_valid_nbformat4():
    nb = nbformat.read(str(ROOT / "python" / "figures.ipynb"), as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for fn in ("plot_measurements", "plot_latency", "plot_rows_per_commit"):
        assert fn in code
