#!/usr/bin/env python3
"""Figures of an orbitlake satellite table (the seed's figures notebook, as a script).

Reads the Delta table with delta-rs (`deltalake`) and writes three PNGs:

  measurements.png     each measurement over event time, one line per satellite
  latency.png          produce -> commit latency: the commit time of the Delta version that
                       added a row's file (commitInfo.timestamp) minus the row's event time
  rows_per_commit.png  rows added by each commit (version), from the log's statistics

Usage: python/figures.py [--table ./data/delta-tables/satellite-data-raw] [--out ./data/figures]
Prints the path of every figure written, one per line.
"""
import argparse
import json
import os
import pathlib
import sys
from urllib.parse import unquote

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from deltalake import DeltaTable  # noqa: E402

MEASUREMENTS = [
    ("temp_c", "temperature (°C)"),
    ("battery_charge_pct", "battery charge (%)"),
    ("altitude", "altitude (km)"),
    ("sensor1", "sensor 1 (normalised, 0..1)"),
    ("sensor2", "sensor 2 (normalised, 0..1)"),
    ("sensor3", "sensor 3 (normalised, 0..1)"),
]
MAX_POINTS_PER_LINE = 5000


def read_rows(table):
    """The columns the figures need, sorted by satellite then event time (pandas)."""
    dt = DeltaTable(str(table))
    cols = ["satellite", "event_time", "event_time_ns"] + [m for m, _ in MEASUREMENTS]
    df = dt.to_pyarrow_table(columns=cols).to_pandas()
    return df.sort_values(["satellite", "event_time_ns"])


def log_commits(table):
    """Per version: commit timestamp (ms) and its data-changing adds (path, numRecords)."""
    log = pathlib.Path(table) / "_delta_log"
    commits = {}
    for f in sorted(log.glob("*.json")):
        if not f.stem.isdigit():
            continue
        version, ts, adds = int(f.stem), None, []
        for line in f.read_text().splitlines():
            if not line.strip():
                continue
            action = json.loads(line)
            if "commitInfo" in action:
                ts = action["commitInfo"].get("timestamp")
            elif "add" in action and action["add"].get("dataChange", True):
                add = action["add"]
                stats = json.loads(add["stats"]) if add.get("stats") else {}
                adds.append((add["path"], stats.get("numRecords"), add.get("modificationTime")))
        if ts is None:
            ts = int(f.stat().st_mtime * 1000)
        commits[version] = (ts, adds)
    return commits


def plot_measurements(df, out):
    fig, axes = plt.subplots(3, 2, figsize=(14, 10), sharex=True)
    for ax, (col, label) in zip(axes.flat, MEASUREMENTS):
        for sat, rows in df.groupby("satellite", sort=True):
            step = max(1, len(rows) // MAX_POINTS_PER_LINE)
            r = rows.iloc[::step]
            ax.plot(r["event_time"].dt.tz_convert(None), r[col], linewidth=0.8, label=sat)
        ax.set_ylabel(label)
        ax.set_title(label.split(" (")[0])
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("event time (UTC)")
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, title="satellite", loc="upper right", ncol=min(len(labels), 8))
    fig.suptitle(f"Satellite telemetry over time ({len(df):,} rows)")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    path = out / "measurements.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def commit_latencies_ms(table, commits):
    """Latency of every row: its file's commit time minus its event time, in ms."""
    lat = []
    for ts, adds in commits.values():
        for path, _, _ in adds:
            t = pq.read_table(os.path.join(str(table), unquote(path)), columns=["event_time_ns"])
            ns = t.column("event_time_ns").to_numpy()
            lat.append(ts - ns / 1e6)
    return np.concatenate(lat) if lat else np.array([])


def plot_latency(lat, out):
    fig, ax = plt.subplots(figsize=(10, 5))
    if len(lat):
        p50, p99 = np.percentile(lat, [50, 99])
        ax.hist(lat, bins=60, color="tab:blue", alpha=0.8)
        ax.axvline(p50, color="tab:green", linestyle="--", label=f"p50 {p50:,.0f} ms")
        ax.axvline(p99, color="tab:red", linestyle="--", label=f"p99 {p99:,.0f} ms")
        ax.legend()
    ax.set_xlabel("produce → commit latency (ms): Delta commit timestamp of the version holding the row − event time")
    ax.set_ylabel("rows")
    ax.set_title(f"Produce → commit latency ({len(lat):,} rows)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = out / "latency.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_rows_per_commit(commits, out):
    versions = sorted(v for v, (_, adds) in commits.items() if adds)
    rows = [sum(n or 0 for _, n, _ in commits[v][1]) for v in versions]
    fig, ax = plt.subplots(figsize=(10, 5))
    ax.bar([str(v) for v in versions], rows, color="tab:orange")
    ax.set_xlabel("table version (commit)")
    ax.set_ylabel("rows added")
    ax.set_title(f"Rows per commit ({len(versions)} commits, {sum(rows):,} rows)")
    if len(versions) > 30:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(20))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path = out / "rows_per_commit.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def render(table, out):
    """Writes the three figures; returns their paths."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    commits = log_commits(table)
    df = read_rows(table)
    return [plot_measurements(df, out), plot_latency(commit_latencies_ms(table, commits), out),
            plot_rows_per_commit(commits, out)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default="./data/delta-tables/satellite-data-raw", help="Delta table folder")
    ap.add_argument("--out", default="./data/figures", help="folder for the PNGs")
    args = ap.parse_args(argv)
    if not (pathlib.Path(args.table) / "_delta_log").is_dir():
        print(f"figures: {args.table} is not a Delta table (no _delta_log)", file=sys.stderr)
        return 1
    for path in render(args.table, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
