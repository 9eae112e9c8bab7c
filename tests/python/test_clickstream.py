"""Clickstream with a schema registry, end to end: `simulate clickstream` -> Kafka ->
`ingest --registry redis://...` -> one Delta table per event type, read back with
deltalake. A real Kafka broker and a real redis-server (its own, started here with
scripts/redis, since the test stops and restarts it)."""
import json
import subprocess
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer
from deltalake import DeltaTable

from conftest import ROOT

TYPES = ["add_to_cart", "click", "page_view", "purchase", "search"]


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)
    assert r.returncode == 0, r.stderr + r.stdout
    return r


def ids_of(path):
    return [json.loads(line)["event_id"] for line in Path(path).read_text().splitlines()]


def by_type(path):
    out = {}
    for line in Path(path).read_text().splitlines():
        e = json.loads(line)
        out.setdefault(e["event_type"], set()).add(e["event_id"])
    return out


def table_ids(path):
    if not (Path(path) / "_delta_log").exists():
        return []
    return DeltaTable(str(path)).to_pyarrow_table(columns=["event_id"]).column("event_id").to_pylist()


def quarantine(path):
    if not (Path(path) / "_delta_log").exists():
        return []
    rows = DeltaTable(str(path)).to_pyarrow_table(columns=["payload", "reason"]).to_pylist()
    return [(json.loads(r["payload"])["event_id"], r["reason"]) for r in rows]


LOGS = []  # the ingester's log, shown when a wait times out


def wait_for(what, check, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.3)
    log = Path(LOGS[-1]).read_text()[-3000:] if LOGS else ""
    pytest.fail(f"timed out waiting for {what}; ingest log:\n{log}")


@pytest.fixture
def redis(tmp_path):
    rdir = tmp_path / "redis"
    out = run([str(ROOT / "scripts" / "redis"), "start", "--dir", str(rdir), "--port", "auto"])
    url = out.stdout.strip().splitlines()[-1]
    yield rdir, url
    subprocess.run([str(ROOT / "scripts" / "redis"), "stop", "--dir", str(rdir)], check=False)


def test_one_table_per_type_with_types_and_versions_registered_mid_run_and_the_registry_away(
        orbitlake_bin, brokers, unique, tmp_path, redis):
    rdir, url = redis
    registry = url + "/" + unique("ns")
    topic = unique("raw_events")
    lake = tmp_path / "lake"
    ol = orbitlake_bin

    # The generator's schemas, into a folder registry (nothing is sent: -n 0) ...
    ref = tmp_path / "ref"
    run([ol, "simulate", "clickstream", "-b", brokers, "-t", topic, "-n", "0", "--register", "--registry", str(ref)])
    assert sorted(p.name for p in ref.iterdir()) == TYPES
    # ... then every type but purchase into Redis.
    for t in TYPES:
        if t != "purchase":
            run([ol, "schema", "put", t, str(ref / t / "1.toml"), "--registry", registry])
    listed = run([ol, "schema", "list", "--registry", registry]).stdout
    assert "4 event type(s)" in listed

    first = tmp_path / "first.jsonl"
    run([ol, "simulate", "clickstream", "-b", brokers, "-t", topic, "-n", "30", "--seed", "1", "--save", str(first)])
    expected = by_type(first)
    assert all(len(expected[t]) == 30 for t in TYPES)

    log = open(tmp_path / "ingest.log", "w")
    LOGS.append(tmp_path / "ingest.log")
    ingest = subprocess.Popen([ol, "ingest", "-b", brokers, "-t", topic, "-g", unique("g"), "--registry", registry,
                               "--tables", str(lake), "--interval", "300ms", "--registry-refresh", "500ms",
                               "--metrics-addr", "", "-q"], stdout=log, stderr=subprocess.STDOUT)
    try:
        # Unknown type: purchases go to the quarantine with the reason.
        wait_for("purchases quarantined", lambda: len(quarantine(lake / "_quarantine")) == 30)
        assert {i for i, _ in quarantine(lake / "_quarantine")} == expected["purchase"]
        assert all("unknown event type 'purchase'" in r for _, r in quarantine(lake / "_quarantine"))
        wait_for("the known types", lambda: all(sorted(table_ids(lake / t)) == sorted(expected[t])
                                                for t in TYPES if t != "purchase"))
        assert not (lake / "purchase").exists()

        # A type registered while running gets its table, from the earliest offset.
        run([ol, "schema", "put", "purchase", str(ref / "purchase" / "1.toml"), "--registry", registry])
        wait_for("the purchase table", lambda: sorted(table_ids(lake / "purchase")) == sorted(expected["purchase"]))

        # A new version adding an optional field evolves the table.
        v2 = (ref / "page_view" / "1.toml").read_text().replace(
            '  { name = "kafka_partition"', '  { name = "entry_referrer", type = "string", from = "referrer" },\n'
            '  { name = "kafka_partition"')
        (tmp_path / "pv2.toml").write_text(v2)
        out = run([ol, "schema", "put", "page_view", str(tmp_path / "pv2.toml"), "--registry", registry]).stdout
        assert "page_view v2 registered" in out and "entry_referrer" in out
        wait_for("the ingester to take page_view v2",
                 lambda: "page_view v1 -> v2" in (tmp_path / "ingest.log").read_text())
        second = tmp_path / "second.jsonl"
        run([ol, "simulate", "clickstream", "-b", brokers, "-t", topic, "-n", "10", "--seed", "2",
             "--save", str(second)])
        for t, ids in by_type(second).items():
            expected[t] |= ids

        def page_views_complete():
            return sorted(table_ids(lake / "page_view")) == sorted(expected["page_view"])
        wait_for("second batch", page_views_complete)
        assert "entry_referrer" in [f.name for f in DeltaTable(str(lake / "page_view")).schema().fields]
        pv = DeltaTable(str(lake / "page_view")).to_pyarrow_table(
            columns=["event_id", "entry_referrer"]).to_pylist()
        new_ids = by_type(second)["page_view"]
        referrers = {json.loads(l)["event_id"]: json.loads(l)["referrer"]
                     for l in second.read_text().splitlines() if '"page_view"' in l}
        for r in pv:
            if r["event_id"] in new_ids:
                assert r["entry_referrer"] == referrers[r["event_id"]]
            else:
                assert r["entry_referrer"] is None

        # The registry goes away: known types go on; an unknown type waits for it.
        run([str(ROOT / "scripts" / "redis"), "stop", "--dir", str(rdir)])
        third = tmp_path / "third.jsonl"
        run([ol, "simulate", "clickstream", "-b", brokers, "-t", topic, "-n", "5", "--seed", "3",
             "--save", str(third)])
        bogus = [{"event_id": f"bogus-{i}", "event_type": "signup", "user_id": i} for i in range(3)]
        p = Producer({"bootstrap.servers": brokers})
        for b in bogus:
            p.produce(topic, json.dumps(b).encode(), key=b"bogus")
        assert p.flush(30) == 0
        for t, ids in by_type(third).items():
            expected[t] |= ids
        time.sleep(3)
        assert ingest.poll() is None, "ingest keeps running while the registry is away"
        assert not any(i.startswith("bogus") for i, _ in quarantine(lake / "_quarantine")), \
            "nothing is quarantined as unknown while the registry cannot say"
        run([str(ROOT / "scripts" / "redis"), "start", "--dir", str(rdir)])
        wait_for("everything after the registry came back", lambda: all(
            sorted(table_ids(lake / t)) == sorted(expected[t]) for t in TYPES) and
            len(quarantine(lake / "_quarantine")) == 33)
    finally:
        ingest.terminate()
        rc = ingest.wait(60)
        log.close()
    out = (tmp_path / "ingest.log").read_text()
    assert rc == 0, out
    assert "reloading the pipeline" in out
    # Exactly once: every event in exactly its type's table, no duplicates.
    for t in TYPES:
        got = table_ids(lake / t)
        assert len(got) == len(set(got)), t
        assert set(got) == expected[t], t
    q = quarantine(lake / "_quarantine")
    assert {i for i, _ in q} == expected["purchase"] - by_type(second)["purchase"] - by_type(third)["purchase"] \
        | {b["event_id"] for b in bogus}
    assert all("unknown event type 'signup'" in r for i, r in q if i.startswith("bogus"))


def test_demo_clickstream_fills_one_table_per_type_and_quarantines_the_unknown_type(
        orbitlake_bin, brokers, unique, tmp_path):
    data = tmp_path / "demo"
    r = subprocess.run([orbitlake_bin, "demo", "clickstream", "-b", brokers, "-t", unique("raw_events"),
                        "--data-dir", str(data), "-n", "7", "--seed", "3"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr + r.stdout
    tables = data / "delta-tables" / "clickstream"
    for t in TYPES:
        assert len(set(table_ids(tables / t))) == len(table_ids(tables / t)) == 7, t
        assert f"{t:<12} {7:>8}" in r.stdout
    q = quarantine(tables / "_quarantine")
    assert len(q) == 3 and all("unknown event type 'newsletter_signup'" in reason for _, reason in q)
    assert "last rows of purchase" in r.stdout
    assert not (data / "redis" / "redis.pid").exists(), "the demo's Redis is stopped at the end"


def test_tables_on_s3_from_the_originals_environment(orbitlake_bin, brokers, unique, s3_server, tmp_path):
    """The original writes each type's table to s3://$S3_BUCKET/$S3_PREFIX<type>: the same
    variables pick the base here (no --tables), with the AWS settings of the local S3
    server; delta-rs reads the tables back from S3."""
    ol, topic = orbitlake_bin, unique("raw_events")
    registry = tmp_path / "registry"
    prefix = unique("click") + "/"
    env = {**s3_server.process_env(), "S3_BUCKET": s3_server.bucket, "S3_PREFIX": prefix, "KAFKA_TOPIC": topic}
    run([ol, "simulate", "clickstream", "-b", brokers, "-t", topic, "-n", "0", "--register", "--registry",
         str(registry)])
    events = tmp_path / "events.jsonl"
    run([ol, "simulate", "clickstream", "-b", brokers, "-t", topic, "-n", "12", "--seed", "5", "--save", str(events)])
    r = run([ol, "ingest", "-b", brokers, "-g", unique("g"), "--registry", str(registry), "--interval", "300ms",
             "--until-caught-up", "--metrics-addr", "", "-q"], env=env)
    assert f"s3://{s3_server.bucket}/{prefix}" in r.stdout + r.stderr, r.stdout + r.stderr
    want = by_type(events)
    assert sorted(want) == TYPES
    for t in TYPES:
        dt = DeltaTable(s3_server.uri(prefix + t), storage_options=s3_server.storage_options)
        got = dt.to_pyarrow_table(columns=["event_id"]).column("event_id").to_pylist()
        assert len(got) == len(set(got)) and set(got) == want[t], t
