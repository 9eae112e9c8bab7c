"""Helpers shared by the Delta conformance tests: the C++ test tool and comparisons."""
import json
import os
import pathlib
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
