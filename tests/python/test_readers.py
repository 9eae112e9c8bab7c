"""orbitlake's readers (tail, tail --follow, history) on tables that delta-rs wrote and
rewrote: DELETE, UPDATE and OPTIMIZE, binary and nested columns, hostile strings.

No Kafka needed: every table here is written by the Python `deltalake` package.
"""
import base64
import csv
import io
import json
import queue
import signal
import subprocess
import threading
import time

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake


def ids(first, n):
    return pa.table({"id": pa.array(range(first, first + n), pa.int64()),
                     "v": pa.array([float(i) for i in range(first, first + n)], pa.float64())})


def run(orbitlake_bin, *args) -> subprocess.CompletedProcess:
    out = subprocess.run([orbitlake_bin, *map(str, args)], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return out


class Follower:
    """`orbitlake tail --follow` in the background, its stdout and stderr lines in queues."""

    def __init__(self, orbitlake_bin, table, fmt):
        self.proc = subprocess.Popen([orbitlake_bin, "tail", str(table), "--follow", "--poll", "100ms",
                                      "-n", "0", "-c", "id", "--format", fmt],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out, self.err = [], []
        self._lines = queue.Queue()
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()

    def _pump(self, stream, sink):
        for line in stream:
            sink.append(line.rstrip("\n"))
            self._lines.put(None)

    def wait_for(self, predicate, what, timeout=20):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert self.proc.poll() is None, f"tail --follow exited: {self.err}"
            try:
                self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                pass
            assert time.monotonic() < deadline, f"timed out waiting for {what}: out={self.out} err={self.err}"

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        assert self.proc.wait(timeout=10) == 0, self.err


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_follow_prints_appends_and_announces_delete_update_optimize(orbitlake_bin, tmp_path, fmt):
    path = tmp_path / "t"
    write_deltalake(path, ids(0, 3))
    f = Follower(orbitlake_bin, path, fmt)
    try:
        if fmt == "table":
            f.wait_for(lambda: f.out[:1] == ["id"], "the header")
        # Give the follower its first snapshot (version 0) before anything changes.
        time.sleep(0.5)
        write_deltalake(path, ids(100, 3), mode="append")
        write_deltalake(path, ids(200, 2), mode="append")
        f.wait_for(lambda: len(f.out) >= (5 if fmt == "json" else 6), "the appended rows")
        dt = DeltaTable(path)
        dt.delete("id = 100")
        dt.update({"v": "-1.0"}, predicate="id = 200")
        DeltaTable(path).optimize.compact()
        write_deltalake(path, ids(300, 1), mode="append")
        announced = f.err if fmt == "json" else f.out
        f.wait_for(lambda: any("OPTIMIZE" in line for line in announced) and
                   any(("300" in line) for line in f.out), "the announcements and the last append")
    finally:
        f.stop()

    if fmt == "json":
        rows = [json.loads(line)["id"] for line in f.out]
        announcements = f.err
    else:
        rows = [int(line) for line in f.out[1:] if not line.startswith("-- ")]
        announcements = [line[3:] for line in f.out if line.startswith("-- ")]
    # Only appended rows: nothing the DELETE/UPDATE/OPTIMIZE rewrites re-added.
    assert rows == [100, 101, 102, 200, 201, 300]
    assert len(announcements) == 3, announcements
    assert announcements[0].startswith("version 3 DELETE: 1 file added (")
    assert "removed" in announcements[0] and "deleted_rows=1" in announcements[0]
    assert announcements[1].startswith("version 4 UPDATE: ") and "updated_rows=1" in announcements[1]
    # The three live files (3 + 2 + 2 rows) became one.
    assert announcements[2].startswith("version 5 OPTIMIZE: 1 file added (7 rows), 3 files removed (7 rows)")
    assert "data unchanged" in announcements[2]


def test_history_shows_what_delete_update_and_optimize_added_and_removed(orbitlake_bin, tmp_path):
    path = tmp_path / "t"
    write_deltalake(path, ids(0, 10))
    write_deltalake(path, ids(10, 5), mode="append")
    write_deltalake(path, ids(15, 5), mode="append")
    dt = DeltaTable(path)
    dt.delete("id < 3")                            # v3
    dt.update({"v": "0.0"}, predicate="id >= 18")  # v4
    DeltaTable(path).optimize.compact()            # v5
    out = run(orbitlake_bin, "history", path, "--format", "json")
    h = {r["version"]: r for r in map(json.loads, out.stdout.decode().splitlines())}
    assert sorted(h) == [0, 1, 2, 3, 4, 5]
    assert h[1]["operation"] == "WRITE" and (h[1]["files_added"], h[1]["rows_added"]) == (1, 5)
    assert (h[1]["files_removed"], h[1]["rows_removed"]) == (0, 0)

    delete = h[3]
    assert delete["operation"] == "DELETE"
    # delta-rs rewrote the first file without ids 0..2: 10 rows out, 7 back in.
    assert (delete["files_removed"], delete["rows_removed"]) == (1, 10)
    assert (delete["files_added"], delete["rows_added"]) == (1, 7)
    assert delete["metrics"]["deleted_rows"] == 3 and delete["metrics"]["copied_rows"] == 7

    update = h[4]
    assert update["operation"] == "UPDATE" and update["metrics"]["updated_rows"] == 2
    assert update["files_removed"] == 1 and update["rows_removed"] == update["rows_added"] == 5

    optimize = h[5]
    assert optimize["operation"] == "OPTIMIZE"
    live = len(DeltaTable(path).file_uris())
    assert (optimize["files_added"], optimize["files_removed"]) == (live, 3)
    assert optimize["rows_added"] == optimize["rows_removed"] == 17
    assert optimize["bytes_removed"] > 0

    table = run(orbitlake_bin, "history", path).stdout.decode().splitlines()
    assert table[0].split() == ["version", "time", "operation", "files_added", "files_removed", "rows_added",
                                "rows_removed", "bytes_added", "bytes_removed", "metrics"]
    assert table[3].split()[-2:] == ["deleted_rows=3", "copied_rows=7"]


def test_history_shows_the_newest_20_commits_unless_told(orbitlake_bin, tmp_path):
    path = tmp_path / "t"
    for i in range(25):
        write_deltalake(path, ids(i, 1), mode="append")
    newest = [json.loads(line)["version"]
              for line in run(orbitlake_bin, "history", path, "--format", "json").stdout.decode().splitlines()]
    assert newest == list(range(24, 4, -1))
    assert len(run(orbitlake_bin, "history", path, "-n", "0", "--format", "csv").stdout.decode().splitlines()) == 26
    assert len(run(orbitlake_bin, "history", path, "-n", "3", "--format", "csv").stdout.decode().splitlines()) == 4
    assert "default 20; 0 = all" in run(orbitlake_bin, "history", "--help").stdout.decode()


def hostile_table():
    invalid_utf8 = pa.array([b"ok \xff\xfe", b"fine"], pa.binary()).view(pa.string())  # Arrow does not check
    return pa.table({
        "id": pa.array([1, 2], pa.int64()),
        "raw": pa.array([bytes(range(20)), b"\x00\x1b"], pa.binary()),
        "tags": pa.array([[1, None, 3], []], pa.list_(pa.int64())),
        "pos": pa.array([{"lat": 1.5, "name": 'a"b'}, None],
                        pa.struct([("lat", pa.float64()), ("name", pa.string())])),
        "m": pa.array([[("k", 1)], [("x", 2), ("y", 3)]], pa.map_(pa.string(), pa.int64())),
        "im": pa.array([[(7, "v")], []], pa.map_(pa.int32(), pa.string())),
        "note": pa.array(["red \x1b[31mX\x1b[0m\x07 bell", "tab\there\nnext"], pa.string()),
        "bad": invalid_utf8,
    })


def test_binary_nested_and_hostile_strings_in_every_format(orbitlake_bin, tmp_path):
    path = tmp_path / "t"
    write_deltalake(path, hostile_table())

    out = run(orbitlake_bin, "tail", path, "--format", "json").stdout
    rows = [json.loads(line) for line in out.decode("utf-8", errors="strict").splitlines()]
    assert [base64.b64decode(r["raw"]) for r in rows] == [bytes(range(20)), b"\x00\x1b"]
    assert [r["tags"] for r in rows] == [[1, None, 3], []]
    assert [r["pos"] for r in rows] == [{"lat": 1.5, "name": 'a"b'}, None]
    assert [r["m"] for r in rows] == [{"k": 1}, {"x": 2, "y": 3}]           # string keys: objects
    assert [r["im"] for r in rows] == [[{"key": 7, "value": "v"}], []]       # other keys: key/value pairs
    assert rows[0]["note"] == "red \x1b[31mX\x1b[0m\x07 bell"                # escaped, not lost
    assert rows[0]["bad"] == "ok \ufffd\ufffd"

    out = run(orbitlake_bin, "tail", path, "--format", "csv").stdout
    assert b"\x00" not in out
    parsed = list(csv.DictReader(io.StringIO(out.decode("utf-8", errors="strict"), newline="")))
    assert base64.b64decode(parsed[0]["raw"]) == bytes(range(20))
    assert json.loads(parsed[0]["pos"]) == {"lat": 1.5, "name": 'a"b'}
    assert parsed[1]["note"] == "tab\there\nnext"

    out = run(orbitlake_bin, "tail", path).stdout
    text = out.decode("utf-8", errors="strict")
    assert not any(ch < 0x20 and ch != 0x0A for ch in out), "control bytes reached the terminal"
    lines = text.splitlines()
    assert len(lines) == 3
    assert "0x0001020304050607\u2026 (20 bytes)" in lines[1] and "0x001b" in lines[2]
    assert "red \\x1b[31mX\\x1b[0m\\x07 bell" in lines[1] and "ok \\xff\\xfe" in lines[1]
    assert "tab\\there\\nnext" in lines[2]
    assert '{"lat":1.5,"name":"a\\"b"}' in lines[1] and "[1,null,3]" in lines[1]
