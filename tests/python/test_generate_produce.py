"""orbitlake generate / produce through the CLI: files readable by an independent CSV
reader (pyarrow), determinism, no clobbering, exit codes, SIGINT and bad input."""
import json
import re
import signal
import subprocess
import time

import pyarrow.csv as pacsv

COLUMNS = ["temp_c", "battery_charge_pct", "altitude", "sensor1", "sensor2", "sensor3"]


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


def test_generate_is_deterministic_readable_and_does_not_clobber(orbitlake_bin, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        out = run([orbitlake_bin, "generate", "-n", "3", "-r", "2000", "--seed", "5", "-o", str(d)])
        assert out.returncode == 0, out.stderr
    for i in range(3):
        assert (a / f"sat{i}.csv").read_bytes() == (b / f"sat{i}.csv").read_bytes()
    table = pacsv.read_csv(a / "sat0.csv")
    assert table.column_names == COLUMNS
    assert table.num_rows == 2000
    lines = (a / "sat1.csv").read_text().splitlines()
    assert all(re.fullmatch(r"(-?\d+\.\d\d,){5}-?\d+\.\d\d", line) for line in lines[1:])

    again = run([orbitlake_bin, "generate", "-n", "3", "-r", "10", "-o", str(a)])
    assert again.returncode == 1
    assert "already exists" in again.stderr and "--force" in again.stderr
    assert (a / "sat0.csv").read_bytes() == (b / "sat0.csv").read_bytes()
    forced = run([orbitlake_bin, "generate", "-n", "3", "-r", "10", "-o", str(a), "--force"])
    assert forced.returncode == 0, forced.stderr
    assert len((a / "sat0.csv").read_text().splitlines()) == 11


def test_produce_loop_stops_on_sigint_with_everything_acknowledged(orbitlake_bin, brokers, unique, tmp_path):
    run([orbitlake_bin, "generate", "-n", "2", "-r", "500", "-o", str(tmp_path)], check=True)
    proc = subprocess.Popen(
        [orbitlake_bin, "produce", "-d", str(tmp_path), "-b", brokers, "-t", unique("pyproduce"),
         "--sleep", "1ms..3ms", "--loop", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    report = json.loads(out)
    assert report["stopped"] is True
    assert report["events"] > 0
    assert report["acked"] == report["events"] and report["failed"] == 0


def test_produce_bad_row_stops_unless_skipped(orbitlake_bin, brokers, unique, tmp_path):
    (tmp_path / "sat0.csv").write_text(",".join(COLUMNS) + "\r\n1,2,3,4,5,6\r\n1,2,x,4,5,6\r\n7,8,9,10,11,12")
    topic = unique("pybad")
    out = run([orbitlake_bin, "produce", "-d", str(tmp_path), "-b", brokers, "-t", topic, "--json"])
    assert out.returncode == 1
    assert "sat0.csv:3:5: 'x' is not a number, for 'altitude' (column 3)" in out.stderr
    assert json.loads(out.stdout)["acked"] == 1
    out = run([orbitlake_bin, "produce", "-d", str(tmp_path), "-b", brokers, "-t", topic, "--json",
               "--skip-bad-rows"])
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["skipped_rows"] == 1 and report["acked"] == 2
    assert "skipped bad row" in out.stderr


def test_produce_unreachable_broker_fails_fast_naming_it(orbitlake_bin, tmp_path):
    run([orbitlake_bin, "generate", "-n", "1", "-r", "10", "-o", str(tmp_path)], check=True)
    start = time.monotonic()
    out = run([orbitlake_bin, "produce", "-d", str(tmp_path), "-b", "127.0.0.1:1"])
    assert out.returncode == 1
    assert "127.0.0.1:1" in out.stderr
    assert time.monotonic() - start < 30


def test_produce_missing_folder(orbitlake_bin, tmp_path):
    out = run([orbitlake_bin, "produce", "-d", str(tmp_path / "nope"), "-b", "127.0.0.1:1"])
    assert out.returncode == 1
    assert "does not exist" in out.stderr


def test_produce_bad_delivery_timeout_is_named(orbitlake_bin, tmp_path):
    run([orbitlake_bin, "generate", "-n", "1", "-r", "10", "-o", str(tmp_path)], check=True)
    for bad in ("5", "0s", "soon"):
        out = run([orbitlake_bin, "produce", "-d", str(tmp_path), "-b", "127.0.0.1:1", "--delivery-timeout", bad])
        assert out.returncode == 2, (bad, out.stderr)  # a usage error, found before anything runs
        assert out.stderr.startswith("orbitlake produce: error: --delivery-timeout: "), (bad, out.stderr)
