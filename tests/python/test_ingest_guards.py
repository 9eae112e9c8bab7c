"""orbitlake ingest refuses to guess when the table and Kafka disagree.

Each test is a defect a new user hit: a recreated topic whose new events were silently
never ingested, a changed --app-id that re-ingested everything, a missing topic that
left an empty table behind, and metrics that were registered but never updated. Checked
against the real broker, with delta-rs reading the table.
"""
import json
import re
import signal
import subprocess
import time
import urllib.request

from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from deltalake import DeltaTable

from test_ingest import assert_exactly_the_topic, high_watermarks, ingest, ingest_args, produce_samples


def recreate_topic(brokers, topic, partitions):
    admin = AdminClient({"bootstrap.servers": brokers})
    admin.delete_topics([topic], operation_timeout=30)[topic].result()
    deadline = time.time() + 60
    while True:  # deletion completes asynchronously: creating too early fails
        try:
            admin.create_topics([NewTopic(topic, partitions, 1)], operation_timeout=30)[topic].result()
            break
        except Exception:  # TOPIC_ALREADY_EXISTS while the deletion is pending
            if time.time() > deadline:
                raise
            time.sleep(0.5)
    # Until the new partitions have leaders, producing to them fails.
    while len(admin.list_topics(topic, timeout=10).topics[topic].partitions) < partitions:
        time.sleep(0.2)


def table_offsets(table):
    t = DeltaTable(str(table)).to_pyarrow_table(columns=["kafka_partition", "kafka_offset"])
    return list(zip(t.column("kafka_partition").to_pylist(), t.column("kafka_offset").to_pylist()))


def rows_with_time(table):
    """(partition, offset, event_time_ns) per row: offsets repeat across a recreated topic."""
    t = DeltaTable(str(table)).to_pyarrow_table(columns=["kafka_partition", "kafka_offset", "event_time_ns"])
    return list(zip(*(t.column(c).to_pylist() for c in ["kafka_partition", "kafka_offset", "event_time_ns"])))


def commits(table):
    log = sorted((table / "_delta_log").glob("*.json"))
    return [[json.loads(line) for line in f.read_text().splitlines() if line] for f in log]


def test_a_recreated_topic_is_an_error_naming_both_offsets_until_its_offsets_are_reset(
        orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("recreated"), unique("g"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s1", sats=2, rows=300, seed=1, partitions=2)
    ingest(orbitlake_bin, brokers, topic, table, group)
    old_rows = rows_with_time(table)
    assert len(old_rows) == 600
    version = DeltaTable(str(table)).version()

    recreate_topic(brokers, topic, 2)
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s2", sats=1, rows=100, seed=2, partitions=2)

    out = ingest(orbitlake_bin, brokers, topic, table, group, check=False)
    assert out.returncode == 1, out.stdout + out.stderr[-2000:]
    err = out.stderr.strip().splitlines()[-1]
    assert re.search(rf"{topic}/\d: the table holds offsets up to \d+ but the partition ends at offset \d+", err), err
    assert f"--reset-offsets-for {topic}" in err, err
    assert DeltaTable(str(table)).version() == version, "the refused run changed the table"

    out = ingest(orbitlake_bin, brokers, topic, table, group, "--reset-offsets-for", topic)
    assert "reset offsets of" in out.stderr, out.stderr[-2000:]
    resets = [c for c in commits(table) if any(a.get("commitInfo", {}).get("operation") == "RESET OFFSETS" for a in c)]
    assert len(resets) == 1, "the reset is recorded once in the table's log"
    info = next(a["commitInfo"] for a in resets[0] if "commitInfo" in a)
    assert info["operationParameters"]["topic"] == topic
    # The old topic's rows stay; the new topic's events are all there, once.
    now = rows_with_time(table)
    assert len(now) == 700 and set(old_rows) <= set(now)
    added = sorted((p, o) for p, o, _ in set(now) - set(old_rows))
    assert added == sorted((p, o) for p, hw in high_watermarks(brokers, topic).items() for o in range(hw))

    # Leaving the flag on is safe: the offsets are back within the partitions, nothing resets again.
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s3", sats=1, rows=50, seed=3, partitions=2)
    out = ingest(orbitlake_bin, brokers, topic, table, group, "--reset-offsets-for", topic)
    assert "reset offsets of" not in out.stderr, out.stderr[-2000:]
    assert len(table_offsets(table)) == 600 + 100 + 50
    resets = [c for c in commits(table) if any(a.get("commitInfo", {}).get("operation") == "RESET OFFSETS" for a in c)]
    assert len(resets) == 1
    dt = DeltaTable(str(table))
    for p, hw in high_watermarks(brokers, topic).items():
        assert dt.transaction_version(f"orbitlake:{topic}:{p}") == (hw - 1 if hw else None)


def test_offsets_deleted_by_retention_before_ingestion_are_reported_and_counted(
        orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("retention"), unique("g"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s1", sats=1, rows=100, seed=1, partitions=1)
    ingest(orbitlake_bin, brokers, topic, table, group)
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s2", sats=1, rows=100, seed=2, partitions=1)
    # Kafka drops offsets 100..149 before orbitlake saw them (what retention does).
    admin = AdminClient({"bootstrap.servers": brokers})
    tp = TopicPartition(topic, 0, 150)
    admin.delete_records([tp], operation_timeout=30)[tp].result()
    out = ingest(orbitlake_bin, brokers, topic, table, group)
    assert f"{topic}/0: offsets 100..149 were deleted by Kafka" in out.stderr, out.stderr[-2000:]
    assert "50 offsets deleted by Kafka before they were ingested" in out.stdout, out.stdout
    offsets = sorted(o for _, o in table_offsets(table))
    assert offsets == list(range(100)) + list(range(150, 200))


def test_a_new_app_id_on_a_table_holding_the_topic_is_refused_unless_allowed(orbitlake_bin, brokers, unique, tmp_path):
    topic, group, table = unique("appid"), unique("g"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s1", sats=1, rows=100, seed=1, partitions=2)
    ingest(orbitlake_bin, brokers, topic, table, group)
    version = DeltaTable(str(table)).version()

    out = ingest(orbitlake_bin, brokers, topic, table, group, "--app-id", "other", check=False)
    assert out.returncode == 1
    err = [l for l in out.stderr.splitlines() if "error:" in l]
    assert len(err) == 1, out.stderr
    assert f"holds offsets of topic {topic} under app id 'orbitlake'" in err[0] and "--app-id orbitlake" in err[0], err
    assert DeltaTable(str(table)).version() == version

    out = ingest(orbitlake_bin, brokers, topic, table, group, "--app-id", "", check=False)
    assert out.returncode != 0 and "app id must not be empty" in out.stderr, out.stderr

    # A deliberate second pipeline: it reads the topic again, under its own offsets.
    ingest(orbitlake_bin, brokers, topic, table, unique("g2"), "--app-id", "other", "--allow-new-app-id")
    assert len(table_offsets(table)) == 200
    dt = DeltaTable(str(table))
    for app in ["other", "orbitlake"]:
        assert {p: dt.transaction_version(f"{app}:{topic}:{p}") for p in range(2)} == \
            {p: (hw - 1 if hw else None) for p, hw in high_watermarks(brokers, topic).items()}


def test_until_caught_up_on_a_missing_topic_fails_and_creates_no_table(orbitlake_bin, brokers, unique, tmp_path):
    table = tmp_path / "raw"
    out = ingest(orbitlake_bin, brokers, unique("missing"), table, unique("g"), check=False)
    assert out.returncode == 1, out.stderr
    assert "does not exist" in out.stderr
    assert not table.exists() and not (tmp_path / "raw-quarantine").exists()


def test_an_ingester_waiting_for_a_topic_creates_the_table_with_its_first_rows(orbitlake_bin, brokers, unique, tmp_path):
    topic, table = unique("later"), tmp_path / "raw"
    proc = subprocess.Popen(ingest_args(orbitlake_bin, brokers, topic, table, unique("g")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)
        assert not table.exists(), "the table was created before anything was ingested"
        produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s", sats=1, rows=50, partitions=1)
        deadline = time.time() + 60
        while time.time() < deadline and not (table / "_delta_log").exists():
            time.sleep(0.2)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if len(table_offsets(table)) == 50:
                    break
            except Exception:
                pass
            time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert_exactly_the_topic(table, brokers, topic)


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def test_metrics_observe_latency_and_last_commit_and_name_the_build(orbitlake_bin, brokers, unique, tmp_path):
    topic, table = unique("metrics"), tmp_path / "raw"
    produce_samples(orbitlake_bin, brokers, topic, tmp_path / "s", sats=1, rows=200, partitions=1)
    args = [a for a in ingest_args(orbitlake_bin, brokers, topic, table, unique("g")) if a != "-q"]
    i = args.index("--metrics-addr")
    args[i + 1] = "127.0.0.1:0"
    proc = subprocess.Popen(args + ["-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in proc.stderr:
            m = re.search(r"metrics on (http://\S+/metrics)", line)
            if m:
                url = m.group(1)
                break
        assert url, "no metrics endpoint announced"
        deadline, text = time.time() + 60, ""
        while time.time() < deadline:
            text = scrape(url)
            m = re.search(r"^orbitlake_ingest_event_to_commit_seconds_count (\d+)", text, re.M)
            if m and int(m.group(1)) >= 200:
                break
            time.sleep(0.3)
        assert re.search(r"^orbitlake_ingest_event_to_commit_seconds_count 200$", text, re.M), text
        m = re.search(r"^orbitlake_ingest_last_commit_timestamp_seconds (\S+)", text, re.M)
        assert m and abs(float(m.group(1)) - time.time()) < 120, text
        assert re.search(r'^orbitlake_build_info\{version="[^"]+",librdkafka="[^"]+"\} 1', text, re.M), text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
