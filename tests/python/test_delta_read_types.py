"""orbitlake reads tables partitioned by every primitive Delta type, written by delta-rs
and by Spark, and the protocol features that need nothing from a reader.

For each type (string, long, integer, short, byte, boolean, date, timestamp,
timestamp_ntz, decimal, float, double, binary) one table per writer, partitioned by a
column of that type, with a null partition value (and special characters for strings,
NaN/Infinity for floats, a 31-digit decimal). `orbitlake tail --format json` must give
exactly the rows that delta-rs reads (Spark where delta-rs 1.1 cannot: negative
decimals with a fraction, vacuumProtocolCheck) and the values that were written. Then
Spark tables with the timestampNtz and vacuumProtocolCheck features are read, and one
with deletion vectors is refused naming `deletionVectors`.

Known writer quirks the expectations spell out (see src/delta/partition.h): an empty
string partition is null in every engine; delta-rs stores a binary partition value as
"\\u00XX" escape text and reads back that text (so does orbitlake); delta-rs 1.1 cannot
write a negative decimal with a fraction (it formats -1.25 as "-1.-25") or a double whose
text would be longer than a file name, so those values are only in the Spark tables.
"""
import base64
import datetime as dt
import json
import math
import subprocess
from decimal import Decimal

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

UTC = dt.timezone.utc
NAN, INF = float("nan"), float("inf")

# name -> (Spark SQL type, Arrow type, values of the partition column)
TYPES = {
    "string": ("STRING", pa.string(),
               ["a/b", "x y", "100%", "a=b", "é:ü", "#?", "{[]}\\", "'\"", "plain", "", None]),
    "long": ("BIGINT", pa.int64(), [0, -1, 2**63 - 1, -2**63, None]),
    "integer": ("INT", pa.int32(), [2**31 - 1, -2**31, 7, None]),
    "short": ("SMALLINT", pa.int16(), [32767, -32768, None]),
    "byte": ("TINYINT", pa.int8(), [127, -128, 0, None]),
    "boolean": ("BOOLEAN", pa.bool_(), [True, False, None]),
    "date": ("DATE", pa.date32(), [dt.date(2026, 1, 2), dt.date(1969, 12, 31), dt.date(1900, 3, 1), None]),
    "timestamp": ("TIMESTAMP", pa.timestamp("us", "UTC"),
                  [dt.datetime(2026, 1, 2, 3, 4, 5, 123456, UTC), dt.datetime(2026, 1, 2, tzinfo=UTC),
                   dt.datetime(1969, 12, 31, 23, 59, 59, 500000, UTC), None]),
    "timestamp_ntz": ("TIMESTAMP_NTZ", pa.timestamp("us"),
                      [dt.datetime(2026, 1, 2, 3, 4, 5, 123456), dt.datetime(1969, 12, 31, 23, 59, 59, 1), None]),
    "decimal": ("DECIMAL(38,2)", pa.decimal128(38, 2),
                [Decimal("12.30"), Decimal("-3.00"), Decimal("1234567890123456789012345678901.23"), None]),
    "float": ("FLOAT", pa.float32(), [1.5, 0.1, 3e-5, NAN, INF, -INF, None]),
    "double": ("DOUBLE", pa.float64(), [0.1, 1e20, 1e-7, 123456789.125, NAN, -INF, None]),
    "binary": ("BINARY", pa.binary(), [b"ab", "é".encode(), b"x/y z", None]),
}
SPARK_ONLY = {"decimal": [Decimal("-0.05"), Decimal("-1.25")], "double": [1e300, 5e-324], "float": [1.4e-45]}


def rows_for(name, writer):
    values = TYPES[name][2] + (SPARK_ONLY.get(name, []) if writer == "spark" else [])
    # Two rows per value, so that a file holds more than one row.
    return [(i, v) for i, v in enumerate(values * 2)]


def expected_value(name, writer, v):
    """What a reader should see for written value `v` (the quirks in the docstring)."""
    if v in ("", b""):
        return None
    if name == "binary" and writer == "delta-rs" and v is not None:
        return "".join(f"\\u{b:04X}" for b in v).encode()
    if name == "float" and v is not None and math.isfinite(v):
        return float(pa.scalar(v, pa.float32()).as_py())  # the float32 nearest to v
    return v


def json_value(name, v):
    """A Python value as `orbitlake tail --format json` prints it, parsed back."""
    if v is None:
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, dt.datetime):
        # tail prints timestamps as ISO 8601: UTC ones with a Z, zone-less (ntz) ones without.
        if v.tzinfo:
            return v.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
        return v.isoformat(timespec="microseconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def orbitlake_rows(orbitlake_bin, path):
    out = subprocess.run([orbitlake_bin, "tail", str(path), "--format", "json", "-n", "1000000"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # Decimals exactly: JSON numbers with a fraction as Decimal, not float.
    rows = [json.loads(line, parse_float=Decimal) for line in out.stdout.splitlines()]
    return sorted(rows, key=lambda r: r["id"])


def same(a, b):
    """Equality with NaN equal to NaN and Decimal/float compared by value."""
    if isinstance(a, float) and isinstance(b, (float, Decimal)):
        return (math.isnan(a) and math.isnan(float(b))) or a == float(b)
    if isinstance(b, float) and isinstance(a, Decimal):
        return same(b, a)
    return a == b


def delta_rs_rows(path):
    return DeltaTable(str(path)).to_pyarrow_table().sort_by("id").to_pylist()


def spark_rows(spark, path):
    rows = [r.asDict() for r in spark.read.format("delta").load(str(path)).collect()]
    return sorted(rows, key=lambda r: r["id"])


def check_table(orbitlake_bin, path, name, writer, theirs):
    """orbitlake's rows equal the written values and `theirs` (another engine's read)."""
    ours = orbitlake_rows(orbitlake_bin, path)
    written = rows_for(name, writer)
    assert len(ours) == len(theirs) == len(written), (name, writer)
    for got, rs, (i, v) in zip(ours, theirs, written):
        assert got["id"] == rs["id"] == i
        want = json_value(name, expected_value(name, writer, v))
        assert same(got["p"], want), f"{name}/{writer} row {i}: orbitlake {got['p']!r}, written {v!r}"
        assert same(got["p"], json_value(name, rs["p"])), f"{name}/{writer} row {i}: other engine {rs['p']!r}"
        if name == "decimal" and v is not None:
            assert str(got["p"]) == str(v), "decimal not exact"  # same digits and scale


def partition_values(path):
    out = []
    for f in sorted((path / "_delta_log").glob("*.json")):
        for line in f.read_text().splitlines():
            action = json.loads(line)
            if "add" in action:
                out.append(action["add"]["partitionValues"]["p"])
    return out


@pytest.mark.parametrize("name", list(TYPES))
def test_reads_delta_rs_tables_partitioned_by_each_type(orbitlake_bin, tmp_path, name):
    rows = rows_for(name, "delta-rs")
    table = pa.table({"id": pa.array([i for i, _ in rows], pa.int64()),
                      "p": pa.array([v for _, v in rows], TYPES[name][1])})
    path = tmp_path / name
    write_deltalake(str(path), table, partition_by=["p"])
    assert None in partition_values(path)  # a real null partition value in the log
    check_table(orbitlake_bin, path, name, "delta-rs", delta_rs_rows(path))


@pytest.fixture(scope="module")
def spark_tables(spark, tmp_path_factory):
    """One Spark table per type, written once for the parametrized test below."""
    root = tmp_path_factory.mktemp("spark-types")
    for name, (sql_type, _, _) in TYPES.items():
        rows = [(i, bytearray(v) if isinstance(v, bytes) else v) for i, v in rows_for(name, "spark")]
        df = spark.createDataFrame(rows, f"id BIGINT, p {sql_type}")
        df.write.format("delta").partitionBy("p").save(str(root / name))
    return root


@pytest.mark.parametrize("name", list(TYPES))
def test_reads_spark_tables_partitioned_by_each_type(spark, orbitlake_bin, spark_tables, name):
    path = spark_tables / name
    assert None in partition_values(path)
    if name == "decimal":
        # delta-rs 1.1 misreads Spark's "-1.25" (as "-1.-25") and fails: Spark is the reference.
        with pytest.raises(Exception, match="-1.-25"):
            delta_rs_rows(path)
        theirs = spark_rows(spark, path)
    else:
        theirs = delta_rs_rows(path)
    check_table(orbitlake_bin, path, name, "spark", theirs)


def test_spark_spellings_are_the_ones_parsed(spark_tables):
    """The stored strings these tests exercise (so a writer change shows up here)."""
    assert "2026-01-02T03:04:05.123456Z" in partition_values(spark_tables / "timestamp")
    assert "2026-01-02 03:04:05.123456" in partition_values(spark_tables / "timestamp_ntz")
    assert {"NaN", "Infinity", "-Infinity", "1.4E-45"} <= set(partition_values(spark_tables / "float"))
    assert {"1.0E20", "1.0E-7", "4.9E-324"} <= set(partition_values(spark_tables / "double"))
    assert "-0.05" in partition_values(spark_tables / "decimal")


def protocol(path):
    for f in sorted((path / "_delta_log").glob("*.json")):
        for line in f.read_text().splitlines():
            if "protocol" in json.loads(line):
                proto = json.loads(line)["protocol"]
    return proto


def test_reads_spark_tables_with_timestamp_ntz_and_vacuum_protocol_check(spark, orbitlake_bin, tmp_path):
    path = tmp_path / "features"
    spark.sql(f"""CREATE TABLE delta.`{path}` (id BIGINT, at TIMESTAMP_NTZ, p STRING) USING delta
                  PARTITIONED BY (p) TBLPROPERTIES ('delta.feature.vacuumProtocolCheck' = 'supported',
                                                    'delta.appendOnly' = 'true')""")
    spark.sql(f"""INSERT INTO delta.`{path}` VALUES (1, timestamp_ntz'2026-01-02 03:04:05.5', 'a'),
                  (2, NULL, NULL), (3, timestamp_ntz'1969-12-31 23:59:59', 'a')""")
    proto = protocol(path)
    assert proto["minReaderVersion"] == 3
    assert set(proto["readerFeatures"]) == {"timestampNtz", "vacuumProtocolCheck"}
    assert {"timestampNtz", "vacuumProtocolCheck", "appendOnly"} <= set(proto["writerFeatures"])
    assert orbitlake_rows(orbitlake_bin, path) == [
        {"id": 1, "at": "2026-01-02T03:04:05.500000", "p": "a"},
        {"id": 2, "at": None, "p": None},
        {"id": 3, "at": "1969-12-31T23:59:59.000000", "p": "a"}]
    # delta-rs 1.1 refuses vacuumProtocolCheck ("Unsupported reader features"): Spark is
    # the reference here.
    theirs = spark_rows(spark, path)
    assert [r["at"] for r in theirs] == [dt.datetime(2026, 1, 2, 3, 4, 5, 500000), None,
                                         dt.datetime(1969, 12, 31, 23, 59, 59)]
    described = subprocess.run([orbitlake_bin, "describe", str(path), "--format", "json"],
                               capture_output=True, text=True, timeout=60)
    assert described.returncode == 0, described.stderr


def test_refuses_spark_table_with_deletion_vectors(spark, orbitlake_bin, tmp_path):
    path = tmp_path / "dv"
    spark.sql(f"CREATE TABLE delta.`{path}` (id BIGINT) USING delta "
              "TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')")
    spark.sql(f"INSERT INTO delta.`{path}` SELECT id FROM range(100)")
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id % 3 = 0")
    adds = [json.loads(line)["add"] for f in sorted((path / "_delta_log").glob("*.json"))
            for line in f.read_text().splitlines() if '"add"' in line]
    assert any(a.get("deletionVector") for a in adds)  # the delete really wrote a vector
    for cmd in (["tail", str(path), "--format", "json"], ["describe", str(path)]):
        out = subprocess.run([orbitlake_bin, *cmd], capture_output=True, text=True, timeout=60)
        assert out.returncode == 1, (cmd, out.stdout)
        assert "deletionVectors" in out.stderr, out.stderr
        assert out.stdout == ""  # no rows: reading them would resurrect the deleted ones
