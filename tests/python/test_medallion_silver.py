"""Medallion parts 2 and 3 (docs/pipelines.md, "Cleaning", "Dedup", "Delta sources"):

- Kafka -> silver: `orbitlake simulate sensors --kafka` sends readings with a share of dirty
  ones (nulls, out of range, bad timestamps, duplicates, malformed JSON) to a 3-partition
  topic; examples/pipelines/medallion-silver.toml cleans them into the silver table while
  the ingester is SIGKILLed and restarted. Reconciliation with delta-rs: silver rows =
  clean readings, each once; quarantined = null + out of range + bad timestamp +
  malformed; duplicates dropped = duplicates sent.
- bronze -> silver: the bronze table written by the file pipeline is a streaming source
  (examples/pipelines/medallion-bronze-to-silver.toml). Bronze grows while the silver
  ingester is SIGKILLed at random moments, and bronze is compacted by delta-rs
  (optimize.compact, dataChange = false) mid-stream; silver must hold every reading of
  bronze exactly once (its dedup is switched off here, so a re-read would show).
"""
import json
import os
import random
import re
import signal
import subprocess
import time

from confluent_kafka import Consumer
from deltalake import DeltaTable

from conftest import ROOT

EXAMPLES = ROOT / "examples" / "pipelines"


def write(tmp_path, name, text, **subs):
    for old, new in subs.items():
        text = text.replace(old, new)
    p = tmp_path / name
    p.write_text(text)
    return p


def table_rows(path, columns):
    try:
        return DeltaTable(str(path)).to_pyarrow_table(columns=columns).to_pylist()
    except Exception:  # not created (nothing went there)
        return []


def kinds(simulator_stdout):
    line = next(l for l in simulator_stdout.splitlines() if l.startswith("kinds:"))
    return {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", line)}


def ingest_cmd(bin_, pipe, *extra):
    return [bin_, "ingest", "--pipeline", str(pipe), "--metrics-addr", "", "-q", "--interval", "300ms", *extra]


# A SIGKILLed consumer keeps its partitions until the group's session times out.
FAST_REBALANCE = ["-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"]
# One static member: a restarted ingester takes over the killed one's partitions at once,
# so the final --until-caught-up run is assigned every partition (not only those a killed
# member, still in the group until its session times out, does not hold).
STATIC = ["-X", "group.instance.id=medallion-silver-test"]


def test_kafka_to_silver_reconciles_through_sigkills(orbitlake_bin, brokers, unique, tmp_path):
    topic, group = unique("sensor_data"), unique("silver")
    lake = tmp_path / "lake"
    pipe = write(tmp_path, "silver.toml", (EXAMPLES / "medallion-silver.toml").read_text(),
                 **{'"127.0.0.1:9092"': f'"{brokers}"', '"medallion-silver"': f'"{group}"',
                    '["sensor_data"]': f'["{topic}"]', "./data/delta-tables": str(lake)})
    sim = subprocess.Popen([orbitlake_bin, "simulate", "sensors", "--kafka", topic, "-b", brokers, "--sensors", "3",
                            "--rate", "150", "--count", "4000", "--dirty", "0.25", "--seed", "7"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rng = random.Random(16)
    kills = 0
    try:
        while sim.poll() is None and kills < 4:
            proc = subprocess.Popen(ingest_cmd(orbitlake_bin, pipe, *FAST_REBALANCE, *STATIC), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(1.0, 3.0))
            proc.kill()
            proc.wait(timeout=30)
            kills += 1
        out, err = sim.communicate(timeout=120)
        assert sim.returncode == 0, err
    finally:
        if sim.poll() is None:
            sim.kill()
    sent = kinds(out)
    assert sum(sent.values()) == 4000 and all(sent[k] > 0 for k in sent), sent
    final = subprocess.run(ingest_cmd(orbitlake_bin, pipe, "--until-caught-up", *FAST_REBALANCE, *STATIC), capture_output=True, text=True,
                           timeout=180)
    assert final.returncode == 0, final.stderr + final.stdout

    silver = table_rows(lake / "silver" / "sensor_data", ["sensor_id", "reading_id", "temperature_c", "temperature_f",
                                                          "humidity", "kafka_partition"])
    keys = [(r["sensor_id"], r["reading_id"]) for r in silver]
    assert len(keys) == len(set(keys)), f"{len(keys) - len(set(keys))} duplicated readings after {kills} SIGKILLs"
    assert len(silver) == sent["clean"], (len(silver), sent)
    c = Consumer({"bootstrap.servers": brokers, "group.id": "partition-count"})
    try:
        assert len(c.list_topics(topic, timeout=10).topics[topic].partitions) == 3  # created by the simulator
    finally:
        c.close()
    assert {r["kafka_partition"] for r in silver} <= {0, 1, 2}
    for r in silver:
        assert -40 <= r["temperature_c"] <= 85 and 0 <= r["humidity"] <= 100, r
        assert r["temperature_f"] == round(r["temperature_c"] * 9 / 5 + 32, 2), r
        assert r["sensor_id"].startswith("sensor-")
    # Rejects: the table's quarantine (null, out of range, bad timestamp) and the source's
    # (not JSON), each message once, with its reason.
    table_q = table_rows(lake / "silver" / "sensor_data-quarantine", ["kafka_partition", "kafka_offset", "reason"])
    source_q = table_rows(lake / "silver" / "sensors-quarantine", ["kafka_partition", "kafka_offset", "reason"])
    q = [(r["kafka_partition"], r["kafka_offset"]) for r in table_q + source_q]
    assert len(q) == len(set(q)), "a message quarantined twice"
    assert len(table_q) == sent["null"] + sent["out_of_range"] + sent["bad_timestamp"], (len(table_q), sent)
    assert len(source_q) == sent["malformed"], (len(source_q), sent)
    reasons = " ".join(r["reason"] for r in table_q)
    assert "required" in reasons and ("temperature_c <= 85" in reasons or "humidity <= 100" in reasons), reasons[:500]
    # silver + quarantined + duplicates dropped = sent.
    assert len(silver) + len(q) + sent["duplicate"] == 4000


def bronze_to_silver_pipeline(tmp_path, lake, dedup=True):
    text = (EXAMPLES / "medallion-bronze-to-silver.toml").read_text().replace("./data/delta-tables", str(lake))
    if not dedup:
        text = "\n".join(l for l in text.splitlines() if not l.startswith("dedup"))
    return write(tmp_path, "b2s.toml", text)


def test_bronze_to_silver_is_incremental_exactly_once_and_skips_compaction(orbitlake_bin, tmp_path):
    lake, landing = tmp_path / "lake", tmp_path / "landing"
    bronze_pipe = write(tmp_path, "bronze.toml", (EXAMPLES / "medallion-bronze.toml").read_text(),
                        **{"./data/landing/sensors": str(landing), "./data/delta-tables": str(lake)})
    silver_pipe = bronze_to_silver_pipeline(tmp_path, lake, dedup=False)
    bronze_path, silver_path = lake / "bronze" / "sensor_data", lake / "silver" / "sensor_files"
    rng = random.Random(3)
    bronze = subprocess.Popen(ingest_cmd(orbitlake_bin, bronze_pipe), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    silver = None
    kills = 0
    compacted = False
    try:
        for round_ in range(6):
            # Clean readings only (--dirty 0): bronze holds each once, and so must silver.
            sim = subprocess.run([orbitlake_bin, "simulate", "sensors", "--files", str(landing), "--rate", "400",
                                  "--count", "600", "--file-every", "500ms", "--dirty", "0",
                                  "--first-reading-id", str(1 + round_ * 1000)],
                                 capture_output=True, text=True, timeout=60)
            assert sim.returncode == 0, sim.stderr
            if silver is None or silver.poll() is not None:
                silver = subprocess.Popen(ingest_cmd(orbitlake_bin, silver_pipe), stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.5, 2.0))
            if round_ == 3:
                # Compaction of the source mid-stream: a commit of dataChange=false adds.
                before = len(DeltaTable(str(bronze_path)).file_uris())
                metrics = DeltaTable(str(bronze_path)).optimize.compact()
                assert metrics["numFilesRemoved"] >= 2 and len(DeltaTable(str(bronze_path)).file_uris()) < before
                compacted = True
            if round_ % 2 == 0:
                silver.send_signal(signal.SIGKILL)
                silver.wait(timeout=30)
                kills += 1
        time.sleep(1.5)  # the last files become complete
        bronze.send_signal(signal.SIGINT)
        assert bronze.wait(timeout=60) == 0
        if silver.poll() is None:
            silver.send_signal(signal.SIGINT)
            assert silver.wait(timeout=60) == 0
    finally:
        for p in (bronze, silver):
            if p is not None and p.poll() is None:
                p.kill()
    assert compacted
    r = subprocess.run(ingest_cmd(orbitlake_bin, silver_pipe, "--until-caught-up"), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr + r.stdout
    src = [(x["sensor_id"], x["reading_id"]) for x in table_rows(bronze_path, ["sensor_id", "reading_id"])]
    assert len(src) == 600 * 6 == len(set(src))
    got = table_rows(silver_path, ["sensor_id", "reading_id", "bronze_version", "temperature_f"])
    keys = [(x["sensor_id"], x["reading_id"]) for x in got]
    assert len(keys) == len(set(keys)), f"{len(keys) - len(set(keys))} bronze rows read twice ({kills} SIGKILLs)"
    assert set(keys) == set(src)
    # The bronze version processed is in silver's log; a run with nothing new commits nothing.
    dt = DeltaTable(str(silver_path))
    assert dt.transaction_version("orbitlake:delta:bronze:0") == DeltaTable(str(bronze_path)).version()
    version = dt.version()
    again = subprocess.run(ingest_cmd(orbitlake_bin, silver_pipe, "--until-caught-up"), capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert DeltaTable(str(silver_path)).version() == version
    # Rows came from bronze's appends, never from the compaction's version.
    optimize_versions = {h["version"] for h in DeltaTable(str(bronze_path)).history() if h["operation"] == "OPTIMIZE"}
    assert optimize_versions and not optimize_versions & {x["bronze_version"] for x in got}


def test_delta_source_starting_latest_skips_existing_commits(orbitlake_bin, tmp_path):
    lake, landing = tmp_path / "lake", tmp_path / "landing"
    bronze_pipe = write(tmp_path, "bronze.toml", (EXAMPLES / "medallion-bronze.toml").read_text(),
                        **{"./data/landing/sensors": str(landing), "./data/delta-tables": str(lake)})
    text = bronze_to_silver_pipeline(tmp_path, lake).read_text().replace(
        'delta = "', 'starting_offsets = "latest"\ndelta = "')
    silver_pipe = write(tmp_path, "latest.toml", text)

    def land(first):
        sim = subprocess.run([orbitlake_bin, "simulate", "sensors", "--files", str(landing), "--rate", "1000",
                              "--count", "90", "--dirty", "0", "--first-reading-id", str(first)],
                             capture_output=True, text=True, timeout=60)
        assert sim.returncode == 0, sim.stderr
        r = subprocess.run(ingest_cmd(orbitlake_bin, bronze_pipe, "--until-caught-up"), capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, r.stderr

    land(1)
    r = subprocess.run(ingest_cmd(orbitlake_bin, silver_pipe, "--until-caught-up"), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert table_rows(lake / "silver" / "sensor_files", ["reading_id"]) == []
    land(1000)
    r = subprocess.run(ingest_cmd(orbitlake_bin, silver_pipe, "--until-caught-up"), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    got = {x["reading_id"] for x in table_rows(lake / "silver" / "sensor_files", ["reading_id"])}
    assert got == set(range(1000, 1030))
    # pipeline check shows the source.
    chk = subprocess.run([orbitlake_bin, "pipeline", "check", str(silver_pipe)], capture_output=True, text=True)
    assert chk.returncode == 0 and "delta" in chk.stdout and "bronze" in chk.stdout, chk.stdout + chk.stderr


def test_demo_medallion_reconciles(orbitlake_bin, brokers, tmp_path):
    r = subprocess.run([str(ROOT / "scripts" / "demo"), "medallion", "--brokers", brokers, "--data", str(tmp_path),
                        "--duration", "6s", "--rate", "20", "--dirty", "0.2"],
                       capture_output=True, text=True, timeout=240, env={**os.environ,
                                                                          "ORBITLAKE_BIN": orbitlake_bin})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "demo medallion: reconciled" in r.stdout
    assert r.stdout.count("  ok   ") == 5, r.stdout
    sent = kinds(r.stdout)
    assert sent["clean"] > 0 and sent["duplicate"] > 0 and sent["malformed"] > 0, sent
    # The three pipelines' tables, readable by delta-rs.
    tables = next(tmp_path.glob("delta-tables/medallion-*"))
    assert len(table_rows(tables / "silver" / "sensor_data", ["reading_id"])) == sent["clean"]
    assert len(table_rows(tables / "silver" / "sensor_files", ["reading_id"])) == sent["clean"]


def test_silver_on_s3_drops_a_resent_run_after_a_restart(orbitlake_bin, brokers, unique, s3_server, tmp_path):
    """A simulator that sends the same readings again after the ingester restarted: the
    restarted ingester rebuilds its dedup window from the S3 table (the key columns only,
    read with ranged GETs) and drops every re-sent reading."""
    topic, group, base = unique("sensor_data"), unique("silver"), unique("medallion")
    pipe = write(tmp_path, "silver.toml", (EXAMPLES / "medallion-silver.toml").read_text(),
                 **{'"127.0.0.1:9092"': f'"{brokers}"', '"medallion-silver"': f'"{group}"',
                    '["sensor_data"]': f'["{topic}"]', "./data/delta-tables": s3_server.uri(base)})
    sim = [orbitlake_bin, "simulate", "sensors", "--kafka", topic, "-b", brokers, "--rate", "1000", "--count", "600",
           "--dirty", "0", "--seed", "9"]
    env = s3_server.process_env()
    for _ in range(2):  # the second run re-sends the first one's readings, byte for byte
        s = subprocess.run(sim, capture_output=True, text=True, timeout=60)
        assert s.returncode == 0, s.stderr
        r = subprocess.run(ingest_cmd(orbitlake_bin, pipe, "--until-caught-up"), capture_output=True, text=True,
                           timeout=120, env=env)
        assert r.returncode == 0, r.stderr + r.stdout
    assert "600 duplicate rows dropped" in r.stdout, r.stdout
    dt = DeltaTable(s3_server.uri(base + "/silver/sensor_data"), storage_options=s3_server.storage_options)
    keys = [(x["sensor_id"], x["reading_id"]) for x in dt.to_pyarrow_table(columns=["sensor_id", "reading_id"]).to_pylist()]
    assert len(keys) == 600 == len(set(keys))
