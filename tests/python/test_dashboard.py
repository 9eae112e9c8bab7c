"""orbitlake dashboard in a real browser: headless Chromium (Debian's `chromium`) loads the
page of a table that a running `orbitlake ingest` writes from a real Kafka topic, and the
DOM must show the series and their latest point, which advance after a new commit.

The page lists each series' newest point as text (rows with data-group / data-t) and
marks its table section with the version it has (data-version): what is asserted here.
A screenshot of the final page is saved next to the test's files (tmp_path); set
ORBITLAKE_DASHBOARD_SCREENSHOT=path to keep a copy (docs/img/dashboard.png was made so).
"""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
from deltalake import DeltaTable

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run(args, timeout=120):
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{args[1]} failed ({out.returncode}):\n{out.stderr[-3000:]}"
    return out


def chromium(*args, timeout=90):
    # --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--window-size=1400,1700"]
    return subprocess.run(base + list(args), capture_output=True, text=True, timeout=timeout)


def dom(url):
    out = chromium("--virtual-time-budget=8000", "--dump-dom", url)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def latest_points(html):
    """{(column, group): t_ms} of the page's latest-point rows."""
    rows = re.findall(r'<tr class="latest-row" data-column="([^"]+)" data-group="([^"]+)" data-t="(\d+)"', html)
    return {(c, g): int(t) for c, g, t in rows}


def page_version(html):
    m = re.search(r'id="table-0"[^>]*data-version="(-?\d+)"|data-version="(-?\d+)"[^>]*id="table-0"', html)
    assert m, html[:3000]
    return int(m.group(1) or m.group(2))


def wait_for_version(table, at_least, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            v = DeltaTable(str(table)).version()
            if v >= at_least:
                return v
        except Exception:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{table} never reached version {at_least}")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/setup installs it)")
def test_page_shows_series_and_latest_points_that_advance_after_a_commit(orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("dash"), unique("g"), tmp_path / "raw"
    run([orbitlake_bin, "generate", "-n", "3", "-r", "30", "--seed", "1", "-o", str(tmp_path / "s1")])
    run([orbitlake_bin, "generate", "-n", "3", "-r", "30", "--seed", "2", "-o", str(tmp_path / "s2")])
    dash_err = open(tmp_path / "dashboard.err", "w+")
    # The dashboard starts before the table exists: the page must wait for it.
    dash = subprocess.Popen([orbitlake_bin, "dashboard", str(table), "--listen", "127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=dash_err, text=True)
    ingest_log = open(tmp_path / "ingest.log", "w")
    ingest = None
    try:
        url = None
        deadline = time.time() + 20
        while url is None and time.time() < deadline:
            dash_err.seek(0)
            m = re.search(r"listening on (http://\S+/)", dash_err.read())
            url = m.group(1) if m else None
            time.sleep(0.1)
        assert url, "the dashboard never printed its address"

        waiting = dom(url)
        assert 'data-state="waiting"' in waiting, waiting[:3000]
        assert "Waiting for" in waiting

        ingest = subprocess.Popen([orbitlake_bin, "ingest", "-b", brokers, "-t", topic, "-g", group, "--table",
                                   str(table), "--interval", "1s", "--metrics-addr", "", "-q",
                                   "--starting-offsets", "earliest"],
                                  stdout=ingest_log, stderr=subprocess.STDOUT)
        run([orbitlake_bin, "produce", "-d", str(tmp_path / "s1"), "-b", brokers, "-t", topic, "--partitions", "2"])
        v1 = wait_for_version(table, 1)
        first = dom(url)
        points1 = latest_points(first)
        groups = {g for (c, g) in points1 if c == "temp_c"}
        assert len(groups) == 3, f"expected 3 satellites in the temp_c chart, got {groups}"
        assert page_version(first) >= v1
        assert "temp_c (°C)" in first  # the unit in the axis / chart title

        run([orbitlake_bin, "produce", "-d", str(tmp_path / "s2"), "-b", brokers, "-t", topic, "--partitions", "2"])
        v2 = wait_for_version(table, page_version(first) + 1)
        # The produce above is one commit per interval: wait for all of it, 180 rows in all.
        deadline = time.time() + 30
        while DeltaTable(str(table)).to_pyarrow_table(columns=["sequence"]).num_rows < 180 and time.time() < deadline:
            time.sleep(0.2)
        second = dom(url)
        points2 = latest_points(second)
        assert page_version(second) >= v2 > page_version(first)
        newest1 = max(t for (c, _), t in points1.items() if c == "temp_c")
        newest2 = max(t for (c, _), t in points2.items() if c == "temp_c")
        assert newest2 > newest1, f"the latest point did not advance: {newest1} -> {newest2}"
        # The health view came from the same table.
        assert "produce → commit p50" in second and "ms" in second

        shot = tmp_path / "dashboard.png"
        out = chromium("--virtual-time-budget=8000", f"--screenshot={shot}", url + "?range=300")
        assert out.returncode == 0 and shot.exists(), out.stderr[-2000:]
        if os.environ.get("ORBITLAKE_DASHBOARD_SCREENSHOT"):
            shutil.copy(shot, os.environ["ORBITLAKE_DASHBOARD_SCREENSHOT"])
    finally:
        if ingest:
            ingest.send_signal(signal.SIGTERM)
            ingest.wait(timeout=60)
        dash.send_signal(signal.SIGINT)
        rc = dash.wait(timeout=30)
        dash_err.seek(0)
        err = dash_err.read()
    assert rc == 0, err[-2000:]
    assert "requests served" in err  # the summary line
