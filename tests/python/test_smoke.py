"""The smoke pipeline's Parquet file, read back by an independent reader (pyarrow)."""
import json
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq


def test_smoke_pipeline_writes_snappy_parquet_readable_by_pyarrow(orbitlake_bin, brokers, unique, tmp_path):
    topic = unique("pysmoke")
    n = 2000
    out = subprocess.run(
        [orbitlake_bin, "smoke", "--brokers", brokers, "--topic", topic, "--messages", str(n),
         "--out", str(tmp_path), "--json"],
        check=True, capture_output=True, text=True, timeout=120)
    report = json.loads(out.stdout)
    assert report["produced"] == n
    assert report["consumed"] == n
    assert report["missing"] == 0 and report["duplicates"] == 0 and report["corrupted"] == 0

    path = report["parquet_path"]
    meta = pq.ParquetFile(path).metadata
    for rg in range(meta.num_row_groups):
        for col in range(meta.num_columns):
            assert meta.row_group(rg).column(col).compression == "SNAPPY"
    ts_col = meta.schema.column(3)
    assert ts_col.logical_type.type == "TIMESTAMP"
    assert '"timeUnit":"microseconds"' in ts_col.logical_type.to_json().replace(" ", "")
    assert '"isAdjustedToUTC":true' in ts_col.logical_type.to_json().replace(" ", "")

    table = pq.read_table(path)
    assert table.schema.field("kafka_timestamp").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("seq").type == pa.int64()
    assert table.num_rows == n
    rows = table.to_pydict()
    assert sorted(rows["seq"]) == list(range(n))
    run_id = report["run_id"]
    for seq, payload, key in zip(rows["seq"], rows["payload"], rows["key"]):
        assert payload.decode().startswith(f"{run_id}:{seq}:")
        assert key == f"k{seq % 16}"
    # Offsets are unique per partition and timestamps are recent (set by the client).
    pairs = set(zip(rows["kafka_partition"], rows["kafka_offset"]))
    assert len(pairs) == n
    assert min(t.year for t in table.column("kafka_timestamp").to_pylist()) >= 2024


def test_smoke_reports_unreachable_broker_quickly(orbitlake_bin, tmp_path):
    out = subprocess.run(
        [orbitlake_bin, "smoke", "--brokers", "127.0.0.1:1", "--messages", "1", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "127.0.0.1:1" in out.stderr
