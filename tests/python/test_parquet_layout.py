"""Data-file layout: `ingest --compression` and the per-column encodings.

One topic is ingested once per codec (snappy, zstd, lz4, none); every table must hold
exactly the topic for delta-rs and Spark (one Spark session, shared with the other
modules), each column chunk must carry the chosen codec, integer and timestamp columns
DELTA_BINARY_PACKED, strings a dictionary, and doubles no BYTE_STREAM_SPLIT (Spark
3.5's vectorized reader refuses it). `optimize --compression` rewrites a table's files
into another codec that both engines read.
"""
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from delta_support import tool
from test_ingest import assert_exactly_the_topic, ingest, produce_samples, run

# As pyarrow names them: it reports Parquet's LZ4_RAW as "LZ4" (and the deprecated
# Hadoop-framed LZ4 as "LZ4_HADOOP").
CODECS = {"snappy": "SNAPPY", "zstd": "ZSTD", "lz4": "LZ4", "none": "UNCOMPRESSED"}
DELTA = {"sequence", "event_time", "event_time_ns", "kafka_partition", "kafka_offset", "kafka_timestamp",
         "ingest_time"}
DICTIONARY = {"satellite", "kafka_topic"}


@pytest.fixture(scope="module")
def tables(orbitlake_bin, brokers, tmp_path_factory):
    root = tmp_path_factory.mktemp("layout")
    topic = f"layout-{root.name}"
    produce_samples(orbitlake_bin, brokers, topic, root / "samples", sats=4, rows=3000)
    out = {}
    for codec in CODECS:
        out[codec] = root / codec
        ingest(orbitlake_bin, brokers, topic, out[codec], f"g-{codec}-{root.name}", "--compression", codec)
    return topic, out


def data_files(path):
    return sorted(p for p in path.rglob("*.parquet") if "_delta_log" not in p.parts)


def chunk_layout(path):
    """{column: (codecs, encodings)} over every row group of every data file."""
    layout = {}
    for f in data_files(path):
        md = pq.ParquetFile(f).metadata
        for rg in range(md.num_row_groups):
            for c in range(md.num_columns):
                col = md.row_group(rg).column(c)
                codecs, encodings = layout.setdefault(col.path_in_schema, (set(), set()))
                codecs.add(col.compression)
                encodings.update(col.encodings)
    return layout


@pytest.mark.parametrize("codec", list(CODECS))
def test_ingest_writes_the_chosen_codec_and_encodings_that_delta_rs_reads(brokers, tables, codec):
    topic, paths = tables
    assert_exactly_the_topic(paths[codec], brokers, topic)
    layout = chunk_layout(paths[codec])
    assert set(layout) >= DELTA | DICTIONARY | {"temp_c"}
    tag = {"snappy": ".snappy", "zstd": ".zstd", "lz4": ".lz4raw", "none": "-c000"}[codec]
    assert all(f.name.endswith(tag + ".parquet") for f in data_files(paths[codec]))  # Spark's names
    for column, (codecs, encodings) in layout.items():
        assert codecs == {CODECS[codec]}, (column, codecs)
        assert "BYTE_STREAM_SPLIT" not in encodings, column
        if column in DELTA:
            assert "DELTA_BINARY_PACKED" in encodings, (column, encodings)
        if column in DICTIONARY:
            assert "RLE_DICTIONARY" in encodings, (column, encodings)


def test_zstd_files_are_smaller_than_snappy_and_compressed_ones_than_none(tables):
    _, paths = tables
    size = {c: sum(f.stat().st_size for f in data_files(p)) for c, p in paths.items()}
    assert size["zstd"] < size["snappy"] < size["none"], size
    assert size["lz4"] < size["none"], size


def test_spark_reads_every_codec(spark, tables):
    _, paths = tables
    reference = DeltaTable(str(paths["snappy"])).to_pyarrow_table().sort_by("kafka_offset")
    key = ["kafka_partition", "kafka_offset"]

    def spark_rows(path):
        df = spark.read.format("delta").load(str(path))
        return sorted((tuple(r[k] for k in key), r["satellite"], r["sequence"], r["temp_c"], r["event_time_ns"])
                      for r in df.select(*key, "satellite", "sequence", "temp_c", "event_time_ns").collect())

    expected = sorted((tuple(r[k] for k in key), r["satellite"], r["sequence"], r["temp_c"], r["event_time_ns"])
                      for r in reference.to_pylist())
    for codec, path in paths.items():
        assert spark_rows(path) == expected, codec


def chunk_layout_live(path):
    """chunk_layout of the files the table's latest version holds."""
    layout = {}
    for uri in DeltaTable(str(path)).file_uris():
        md = pq.ParquetFile(uri.removeprefix("file://")).metadata
        for rg in range(md.num_row_groups):
            for c in range(md.num_columns):
                col = md.row_group(rg).column(c)
                layout.setdefault(col.path_in_schema, (set(), set()))[0].add(col.compression)
    return layout


def test_optimize_rewrites_small_files_into_the_chosen_codec(orbitlake_bin, tmp_path):
    path = str(tmp_path / "t")
    tool("create", "--table", path)
    for i in range(4):
        tool("append", "--table", path, "--first", i * 500, "--rows", 500, "--days", 0, "--app-id", "a")
    before = DeltaTable(path).to_pyarrow_table().sort_by("seq")
    assert {c for codecs, _ in chunk_layout_live(path).values() for c in codecs} == {"SNAPPY"}
    run([orbitlake_bin, "optimize", path, "--compression", "zstd"])
    assert {c for codecs, _ in chunk_layout_live(path).values() for c in codecs} == {"ZSTD"}
    assert DeltaTable(path).to_pyarrow_table().sort_by("seq").equals(before)
    bad = run([orbitlake_bin, "optimize", path, "--compression", "gzip"], check=False)
    assert bad.returncode != 0 and "gzip" in bad.stderr and "zstd" in bad.stderr, bad.stderr


def test_optimize_copying_row_groups_is_read_by_delta_rs_and_spark(spark, orbitlake_bin, tmp_path):
    """`optimize --copy-row-groups` merges files without re-encoding: each engine reads the
    merged files as the small ones, row groups and statistics intact; a plain optimize
    afterwards compacts the copied files into one row group."""
    path = str(tmp_path / "t")
    tool("create", "--table", path)
    for i in range(12):
        tool("append", "--table", path, "--first", i * 300, "--rows", 300, "--days", 0, "--app-id", "a")
    before = DeltaTable(path).to_pyarrow_table().sort_by("seq")
    assert len(DeltaTable(path).file_uris()) == 12
    out = run([orbitlake_bin, "optimize", path, "--copy-row-groups", "--max-row-groups", "8"]).stdout
    assert "copied" in out, out
    dt = DeltaTable(path)
    uris = dt.file_uris()
    assert len(uris) == 2, uris  # 8 + 4 row groups
    groups = sorted(pq.ParquetFile(u.removeprefix("file://")).metadata.num_row_groups for u in uris)
    assert groups == [4, 8]
    for u in uris:
        md = pq.ParquetFile(u.removeprefix("file://")).metadata
        for rg in range(md.num_row_groups):
            assert md.row_group(rg).column(0).statistics is not None
    assert dt.to_pyarrow_table().sort_by("seq").equals(before)
    op = dt.history(1)[0]
    assert op["operation"] == "OPTIMIZE" and op["operationParameters"].get("copiedRowGroups") == "true", op
    adds = pa.table(dt.get_add_actions(flatten=True))
    assert sum(adds.column("num_records").to_pylist()) == before.num_rows
    assert min(adds.column("min.seq").to_pylist()) == 0 and max(adds.column("max.seq").to_pylist()) == 3599

    cols = ["seq", "sat_id", "date", "alt_km"]
    spark_rows = sorted(tuple(r) for r in spark.read.format("delta").load(path).select(*cols).collect())
    assert spark_rows == sorted(tuple(r[c] for c in cols) for r in before.to_pylist())
    # Spark's data skipping uses the merged statistics: a range on seq finds exactly its rows.
    assert spark.read.format("delta").load(path).where("seq >= 1000 AND seq < 1100").count() == 100

    run([orbitlake_bin, "optimize", path])
    dt = DeltaTable(path)
    assert len(dt.file_uris()) == 1
    assert all(pq.ParquetFile(u.removeprefix("file://")).metadata.num_row_groups == 1 for u in dt.file_uris())
    assert dt.to_pyarrow_table().sort_by("seq").equals(before)
