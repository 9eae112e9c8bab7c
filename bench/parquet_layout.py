#!/usr/bin/env python3
"""Bytes per row and ingest rate of each Parquet choice on the same events (issue 20).

Produces N satellite events once, then runs `orbitlake ingest --until-caught-up` into a
fresh table per side (same topic, new group each time), and writes the same Arrow
table (read back from orbitlake's snappy table) with delta-rs for comparison. Every
table is checked to hold N rows with delta-rs before its numbers count. A --baseline
binary (e.g. a build from before the encodings change) is run the same way.

Usage: bench/parquet_layout.py --brokers HOST:PORT [--events 1000000] [--baseline BIN] [--no-spark]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from delta_support import spark_session  # noqa: E402


def files(path):
    return [p for p in pathlib.Path(path).rglob("*.parquet") if "_delta_log" not in p.parts]


def size(path):
    return sum(p.stat().st_size for p in files(path))


def spark_sides(arrow, work, events):
    """Spark 3.5 + delta-spark writing the same rows, partitioned by date: its default
    (snappy) and zstd. The rows come from one Parquet file of the Arrow table; the wall
    time is the write job, which includes scanning that file (Spark reads lazily)."""
    src = work / "spark-source.parquet"
    pq.write_table(arrow, src)
    spark = spark_session("orbitlake-parquet-layout", memory="4g")
    out = []
    try:
        for codec in ("snappy", "zstd"):
            spark.conf.set("spark.sql.parquet.compression.codec", codec)
            table = work / f"spark-{codec}"
            t0 = time.monotonic()
            spark.read.parquet(str(src)).write.format("delta").partitionBy("date").save(str(table))
            wall = time.monotonic() - t0
            n = DeltaTable(str(table)).to_pyarrow_table(columns=["kafka_offset"]).num_rows
            assert n == events, ("spark", codec, n)
            out.append((f"Spark 3.5 + delta-spark, {codec}{' (its default)' if codec == 'snappy' else ''}",
                        size(table), wall, table))
    finally:
        spark.stop()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--bin", default=str(ROOT / "build/apps/orbitlake/orbitlake"))
    ap.add_argument("--baseline")
    ap.add_argument("--no-spark", action="store_true", help="skip the Spark + delta-spark side")
    a = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="parquet-layout-"))
    sats = 8
    topic = f"layout-{os.getpid()}"
    subprocess.run([a.bin, "generate", "-n", str(sats), "-r", str(a.events // sats), "--seed", "7", "-o",
                    str(work / "samples"), "--force"], check=True, capture_output=True)
    subprocess.run([a.bin, "produce", "-d", str(work / "samples"), "-b", a.brokers, "-t", topic, "--partitions", "6",
                    "--json"], check=True, capture_output=True)
    sides = []
    if a.baseline:
        sides.append(("before (snappy, PLAIN integers)", a.baseline, []))
    for c in ["snappy", "zstd", "lz4", "none"]:
        sides.append((f"--compression {c}", a.bin, ["--compression", c]))
    rows = []
    for i, (name, binary, extra) in enumerate(sides):
        table = work / f"t{i}"
        t0 = time.monotonic()
        subprocess.run([binary, "ingest", "-b", a.brokers, "-t", topic, "-g", f"g{i}-{os.getpid()}", "--table",
                        str(table), "--until-caught-up", "--metrics-addr", "", "-q", *extra], check=True,
                       capture_output=True)
        wall = time.monotonic() - t0
        n = DeltaTable(str(table)).to_pyarrow_table(columns=["kafka_offset"]).num_rows
        assert n == a.events, (name, n)
        rows.append((name, size(table), wall, table))
    # delta-rs: the same Arrow table (orbitlake's rows and columns), its default writer.
    snappy = next(t for name, _, _, t in rows if name == "--compression snappy")
    arrow = DeltaTable(str(snappy)).to_pyarrow_table()
    out = work / "delta-rs"
    t0 = time.monotonic()
    write_deltalake(str(out), arrow, partition_by=["date"])
    rows.append(("delta-rs write_deltalake (same Arrow table)", size(out), time.monotonic() - t0, out))
    if not a.no_spark:
        rows += spark_sides(arrow, work, a.events)
    # What BYTE_STREAM_SPLIT on the doubles would save (not orbitlake's default: Spark 3.5
    # cannot read it): the same table by pyarrow with and without it, zstd.
    doubles = [f.name for f in arrow.schema if str(f.type) == "double"]
    for bss in (False, True):
        p = work / f"pyarrow-zstd-bss{int(bss)}.parquet"
        pq.write_table(arrow.drop_columns(["date"]), p, compression="zstd", use_dictionary=["satellite", "kafka_topic"],
                       column_encoding={**{c: "DELTA_BINARY_PACKED" for c in ["sequence", "event_time_ns",
                                        "kafka_offset", "kafka_partition"]},
                                        **({c: "BYTE_STREAM_SPLIT" for c in doubles} if bss else {})},
                       row_group_size=131072)
        rows.append((f"pyarrow zstd, DELTA ints{', BYTE_STREAM_SPLIT doubles' if bss else ''} (one file)",
                     p.stat().st_size, None, p))
    print(f"events: {a.events:,}, columns: {len(arrow.schema)} ({', '.join(arrow.schema.names)})\n")
    print("| side | data files | bytes per row | wall | events/s |")
    print("|---|---|---|---|---|")
    for name, b, wall, _ in rows:
        rate = f"{a.events / wall:,.0f}" if wall else "-"
        print(f"| {name} | {b / 1e6:.1f} MB | {b / a.events:.2f} | {wall:.2f} s | {rate} |" if wall else
              f"| {name} | {b / 1e6:.1f} MB | {b / a.events:.2f} | - | - |")
    subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
