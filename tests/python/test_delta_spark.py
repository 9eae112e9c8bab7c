"""Delta conformance with Apache Spark + delta-spark (offline jars from Maven Central).

orbitlake -> Spark: row count, schema and an aggregate query on a partitioned table
past several checkpoints, with timestamps; Spark's DESCRIBE HISTORY sees our commits.
Spark -> orbitlake: appends, a delete and an overwrite (removes), Spark's own
checkpoints, partition values with special characters and nulls read back identically.

Spark is set up by `scripts/setup --with-spark` (scripts/test does it). When it is
missing these tests fail with the command to run; they are never skipped silently.
"""
import datetime as dt
import os

from delta_support import orbitlake_read, sorted_rows, tool

# The `spark` session fixture (one Spark for every test module) is in conftest.py.


def test_spark_reads_orbitlake_table_past_checkpoints(spark, tmp_path):
    path = str(tmp_path / "sat")
    tool("create", "--table", path, "--config", "delta.checkpointInterval=3")
    for i in range(8):
        tool("append", "--table", path, "--first", i * 500, "--rows", 500, "--days", 2, "--app-id", "sat-data-0")
    info, ours = orbitlake_read(path, tmp_path)

    df = spark.read.format("delta").load(path)
    assert df.count() == 4000 == info["num_rows"]
    types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    assert types == {"sat_id": "string", "ts": "timestamp", "seq": "bigint", "alt_km": "double", "lat": "double",
                     "lon": "double", "status": "string", "date": "date"}
    df.createOrReplaceTempView("sat")
    got = spark.sql("""SELECT date, count(*) AS n, sum(seq) AS s, min(ts) AS lo, max(ts) AS hi,
                              count(alt_km) AS alt FROM sat GROUP BY date ORDER BY date""").collect()
    expected = {}
    for r in ours.to_pylist():
        e = expected.setdefault(r["date"], {"n": 0, "s": 0, "lo": r["ts"], "hi": r["ts"], "alt": 0})
        e["n"] += 1
        e["s"] += r["seq"]
        e["lo"], e["hi"] = min(e["lo"], r["ts"]), max(e["hi"], r["ts"])
        e["alt"] += r["alt_km"] is not None
    assert [r["date"] for r in got] == sorted(expected)
    for r in got:
        e = expected[r["date"]]
        assert (r["n"], r["s"], r["alt"]) == (e["n"], e["s"], e["alt"])
        assert r["lo"].replace(tzinfo=dt.timezone.utc) == e["lo"] and r["hi"].replace(tzinfo=dt.timezone.utc) == e["hi"]
    # Data skipping on our statistics.
    assert spark.sql("SELECT count(*) AS c FROM sat WHERE seq >= 3990").collect()[0]["c"] == 10
    history = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").select("version", "operation").collect()
    assert [(h["version"], h["operation"]) for h in history] == [(v, "WRITE") for v in range(8, 0, -1)] + [
        (0, "CREATE TABLE")]


SPECIAL = ["a/b", "x y", "100%", "a=b", "é:ü", None, "#?", "plain", ""]


def test_orbitlake_reads_spark_tables_with_removes_checkpoints_and_special_partitions(spark, tmp_path):
    from pyspark.sql import functions as F
    path = str(tmp_path / "spark")
    n = 300
    rows = [(i, SPECIAL[i % len(SPECIAL)], dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=i),
             None if i % 4 == 0 else i / 3.0, i % 7) for i in range(n)]
    schema = "id LONG, part STRING, ts TIMESTAMP, value DOUBLE, small INT"
    df = spark.createDataFrame(rows, schema)
    (df.write.format("delta").partitionBy("part")
       .option("delta.checkpointInterval", "2").save(path))
    spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('delta.checkpointInterval' = '2')")
    for k in range(1, 4):
        df.limit(40).withColumn("id", F.col("id") + n * k).write.format("delta").mode("append").save(path)
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id % 10 = 3")
    spark.sql(f"DELETE FROM delta.`{path}` WHERE part = 'x y'")

    def compare():
        theirs = spark.read.format("delta").load(path)
        expected = [r.asDict() for r in theirs.collect()]
        info, ours = orbitlake_read(path, tmp_path)
        assert info["num_rows"] == len(expected)
        got = sorted_rows(ours, "id")
        expected = sorted(expected, key=lambda r: r["id"])
        for r in expected:
            r["ts"] = r["ts"].replace(tzinfo=dt.timezone.utc)
        assert [dict(sorted(r.items())) for r in expected] == got
        return info, ours

    info, ours = compare()
    log = os.listdir(os.path.join(path, "_delta_log"))
    assert any(name.endswith(".checkpoint.parquet") for name in log), log
    assert {r for r in ours.column("part").to_pylist()} == {None, "a/b", "100%", "a=b", "é:ü", "#?", "plain"}
    assert info["version"] == 6
    # Overwrite: every file is removed and replaced.
    df.limit(17).write.format("delta").mode("overwrite").save(path)
    info, _ = compare()
    assert info["num_rows"] == 17


def test_spark_and_orbitlake_append_to_the_same_table(spark, tmp_path):
    path = str(tmp_path / "mixed")
    tool("create", "--table", path, "--config", "delta.checkpointInterval=2")
    tool("append", "--table", path, "--first", 0, "--rows", 100, "--app-id", "o")
    df = spark.read.format("delta").load(path)
    df.limit(10).selectExpr("sat_id", "ts", "seq + 100000 AS seq", "alt_km", "lat", "lon", "status", "date") \
        .write.format("delta").mode("append").save(path)
    out = tool("append", "--table", path, "--first", 100, "--rows", 100, "--app-id", "o")
    assert out["outcome"] == "committed" and out["version"] == 3
    info, ours = orbitlake_read(path, tmp_path, app_ids=["o"])
    assert info["num_rows"] == 210 == spark.read.format("delta").load(path).count()
    assert info["txns"]["o"] == 199


def test_spark_reads_tables_orbitlake_optimized_and_vacuumed(spark, orbitlake_bin, tmp_path):
    import subprocess
    # orbitlake's own table: 12 small appends to one day (delta_tool: ts = start + seq * step,
    # --days 0 makes the step 1 us).
    path = str(tmp_path / "ours")
    tool("create", "--table", path)
    for i in range(12):
        tool("append", "--table", path, "--first", i * 100, "--rows", 100, "--days", 0, "--app-id", "sat-data-0")
    assert len(spark.read.format("delta").load(path).inputFiles()) == 12
    before = spark.read.format("delta").load(path).selectExpr("count(*) AS n", "sum(seq) AS s").collect()[0]
    for args in (["optimize", path, "--sort-by", "ts"], ["vacuum", path, "--retain", "0s", "--force"]):
        out = subprocess.run([orbitlake_bin, *args], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
    df = spark.read.format("delta").load(path)
    after = df.selectExpr("count(*) AS n", "sum(seq) AS s").collect()[0]
    assert (after["n"], after["s"]) == (before["n"], before["s"]) == (1200, sum(range(1200)))
    assert len(df.inputFiles()) == 1
    history = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").select("operation", "operationMetrics").collect()
    assert [h["operation"] for h in history[:3]] == ["VACUUM END", "VACUUM START", "OPTIMIZE"]
    assert history[2]["operationMetrics"]["numFilesRemoved"] == "12"
    assert history[0]["operationMetrics"]["numDeletedFiles"] == "12"

    # A table Spark wrote, with its own appends: compacted by orbitlake, read by Spark.
    spark_path = str(tmp_path / "theirs")
    for i in range(6):
        spark.createDataFrame([(i * 10 + k, f"p{k % 2}") for k in range(10)], "x long, p string") \
            .write.format("delta").mode("append").partitionBy("p").save(spark_path)
    out = subprocess.run([orbitlake_bin, "optimize", spark_path], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    df = spark.read.format("delta").load(spark_path)
    assert sorted(r["x"] for r in df.collect()) == list(range(60))
    assert len(df.inputFiles()) == 2
    assert spark.sql(f"DESCRIBE HISTORY delta.`{spark_path}`").collect()[0]["operation"] == "OPTIMIZE"
