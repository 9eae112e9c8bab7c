"""Short variants of the torture runs (tests/torture/torture.py; the long ones are run by hand).

Each injects real faults into real processes: SIGKILLs of the ingester (plain and at
storage points: Parquet writing, between data files and commit, after the commit,
checkpoint writing), stops and restarts of a broker (its own: the shared test broker must
stay up for the other tests), random starts/stops of three ingesters in one group, and
SIGKILLs of an ingester or of `orbitlake optimize` compacting its table meanwhile.
The table must then hold exactly the (satellite, sequence) set Kafka acknowledged, every
data file added once, and no process may have exited on its own.
"""
import os
import pathlib
import sys
import uuid

ROOT = pathlib.Path(os.environ.get("ORBITLAKE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(ROOT / "tests" / "torture"))

import torture  # noqa: E402


def check(row):
    assert row.ok, row.summary()
    assert row.produced > 0 and row.in_table == row.produced, row.summary()


def test_crash_torture_short(orbitlake_bin, brokers, tmp_path):
    row = torture.run_crash(torture.Config(bin=orbitlake_bin, brokers=brokers, workdir=tmp_path, kills=8))
    check(row)
    assert row.injections == 8, row.summary()
    # Some of the kills hit a storage point (not all: random), and commits kept landing.
    assert row.details["table_versions"] > 8, row.summary()


def test_broker_restart_short(orbitlake_bin, tmp_path):
    row = torture.run_broker_restart(torture.Config(bin=orbitlake_bin, workdir=tmp_path, restarts=2,
                                                    down=(1.0, 3.0), rate=1000))
    check(row)
    assert row.injections == 2, row.summary()


def test_rebalance_torture_short(orbitlake_bin, brokers, tmp_path):
    row = torture.run_rebalance(torture.Config(bin=orbitlake_bin, brokers=brokers, workdir=tmp_path, duration=30,
                                               rate=1000))
    check(row)
    assert row.details["membership_changes"]["start"] >= 3, row.summary()


def test_pipeline_crash_torture_short(orbitlake_bin, brokers, tmp_path):
    # One JSON topic routed to three tables, a table's quarantine and the source's.
    row = torture.run_pipeline_crash(torture.Config(bin=orbitlake_bin, brokers=brokers, workdir=tmp_path, kills=8,
                                                    rate=1000))
    check(row)
    assert row.injections == 8, row.summary()
    tables = row.details["tables"]
    for name in ["alpha", "beta", "gamma", "gamma-quarantine", "events-quarantine"]:
        assert tables[name]["expected"] > 0 and tables[name]["rows"] == tables[name]["expected"], tables


def test_registry_crash_torture_short(orbitlake_bin, brokers, tmp_path):
    # One table per registered event type (folder registry), SIGKILLs at random moments and
    # at storage points, a new schema version midway: each table exactly its events.
    row = torture.run_registry_crash(torture.Config(bin=orbitlake_bin, brokers=brokers, workdir=tmp_path, kills=8,
                                                    rate=1000))
    check(row)
    assert row.injections == 8, row.summary()
    tables = row.details["tables"]
    for name in ["alpha", "beta", "gamma", "_quarantine"]:
        assert tables[name]["expected"] > 0 and tables[name]["rows"] == tables[name]["expected"], tables


# The same runs on an S3 table (the SeaweedFS server of the test run): SIGKILLs at the
# storage points of a commit made of conditional PUTs, and a group rebalancing on S3.
def test_crash_torture_on_s3_short(orbitlake_bin, brokers, s3_server, tmp_path):
    row = torture.run_crash(torture.Config(bin=orbitlake_bin, brokers=brokers, workdir=tmp_path, kills=6,
                                           table=s3_server.uri(f"torture/crash-{uuid.uuid4().hex[:8]}"),
                                           s3_env=s3_server.env))
    check(row)
    assert row.injections == 6, row.summary()
    assert row.details["table_versions"] > 6, row.summary()


def test_rebalance_torture_on_s3_with_a_delta_rs_writer_short(orbitlake_bin, brokers, s3_server, tmp_path):
    # Three ingester slots of one group started and stopped at random while delta-rs
    # appends to the same S3 table: every event once, every delta-rs append once, the
    # log contiguous from version 0 (replay_log).
    row = torture.run_rebalance(torture.Config(bin=orbitlake_bin, brokers=brokers, workdir=tmp_path, duration=25,
                                               rate=1000, table=s3_server.uri(f"torture/rb-{uuid.uuid4().hex[:8]}"),
                                               s3_env=s3_server.env, delta_rs_writer=True))
    check(row)
    assert row.details["membership_changes"]["start"] >= 3, row.summary()
    assert row.details["delta_rs_appends"] >= 10, row.summary()


def test_optimize_crash_torture_short(orbitlake_bin, brokers, tmp_path):
    # An ingester, an optimize loop and background compactions; SIGKILLs of either.
    row = torture.run_optimize_crash(torture.Config(bin=orbitlake_bin, brokers=brokers, workdir=tmp_path, kills=10,
                                                    rate=1000, max_rows=200))
    check(row)
    assert row.injections >= 3, row.summary()
    assert row.details["optimize_commits"] >= 1, row.summary()
