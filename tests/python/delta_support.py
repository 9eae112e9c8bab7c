"""Helpers shared by the Delta conformance tests: the C++ test tool and comparisons."""
import json
import os
import pathlib
import re
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = pathlib.Path(os.environ.get("ORBITLAKE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


def tool_path() -> str:
    path = os.environ.get("ORBITLAKE_DELTA_TOOL", str(ROOT / "build" / "tests" / "delta_tool"))
    assert os.access(path, os.X_OK), f"delta_tool not found at {path}: build the tests (scripts/build)"
    return path


def tool(*args, check=True) -> dict:
    """Runs delta_tool and returns its JSON output (or the CompletedProcess when check=False)."""
    out = subprocess.run([tool_path(), *map(str, args)], capture_output=True, text=True, timeout=300)
    if not check:
        return out
    assert out.returncode == 0, f"delta_tool {' '.join(map(str, args))} failed: {out.stderr}"
    return json.loads(out.stdout.strip().splitlines()[-1])


def orbitlake_read(table, tmp_path, **kw) -> tuple[dict, pa.Table]:
    """orbitlake's view of a table: its JSON summary and its rows (via a Parquet file)."""
    out_file = tmp_path / f"read-{os.urandom(4).hex()}.parquet"
    args = ["read", "--table", table, "--out", out_file]
    for app in kw.get("app_ids", []):
        args += ["--app-id", app]
    if "version" in kw:
        args += ["--version", kw["version"]]
    info = tool(*args)
    return info, pq.read_table(out_file)


def sorted_rows(table: pa.Table, key: str) -> list[dict]:
    """Rows as dicts sorted by `key` (None last), with columns in name order."""
    table = table.select(sorted(table.column_names))
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: (r[key] is None, r[key]))


JARS = ROOT / ".cache" / "delta-spark" / "libs"


def _artifact(jar_name: str) -> str:
    """'delta-spark_2.12-3.3.2.jar' -> 'delta-spark_2.12'."""
    return re.sub(r"-\d[^-]*(-[A-Za-z0-9]+)?\.jar$", "", jar_name)


def spark_session(app: str, memory: str = "1g"):
    """A local Spark 3.5 + delta-spark session (the offline jars in .cache/delta-spark/libs,
    session time zone UTC). Raises RuntimeError naming the setup step when pyspark or the
    jars are missing."""
    try:
        import pyspark
        from pyspark.sql import SparkSession
    except ImportError:
        raise RuntimeError("pyspark is not installed: run scripts/setup --with-spark (scripts/test does)")
    jars = sorted(JARS.glob("*.jar")) if JARS.is_dir() else []
    if not any(j.name.startswith("delta-spark") for j in jars):
        raise RuntimeError(f"delta-spark jars missing in {JARS}: run scripts/setup --with-spark")
    # Jars pyspark already ships (scala-library, antlr...) must not be loaded twice.
    shipped = {_artifact(name) for name in os.listdir(os.path.join(os.path.dirname(pyspark.__file__), "jars"))}
    use = [str(j) for j in jars if _artifact(j.name) not in shipped]
    session = (SparkSession.builder.master("local[2]").appName(app)
               .config("spark.jars", ",".join(use))
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.memory", memory)
               # Log replay of small tables: one task, not 50.
               .config("spark.databricks.delta.snapshotPartitions", "1")
               .config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session
