"""`orbitlake ingest --pipeline FILE`: declared JSON tables, routing, quarantine, exactly once.

Against the real broker; every table is read back by delta-rs (and Spark, for the
declared schemas) and compared with what was produced.
"""
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from deltalake import DeltaTable

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pipelines" / "clickstream.toml"


def create_topic(brokers, topic, partitions=3, config=None):
    admin = AdminClient({"bootstrap.servers": brokers})
    admin.create_topics([NewTopic(topic, partitions, 1, config=config or {})], operation_timeout=30)[topic].result()


def produce(brokers, topic, messages, **conf):
    """messages: (key, value bytes, headers) triples, in order per key."""
    p = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "linger.ms": 5, **conf})
    for key, value, headers in messages:
        p.produce(topic, value=value, key=key, headers=headers)
        p.poll(0)
    assert p.flush(60) == 0


def ingest(bin_, brokers, pipeline, group, cwd, *extra, check=True):
    args = [bin_, "ingest", "--pipeline", str(pipeline), "-b", brokers, "-g", group, "--until-caught-up",
            "--interval", "300ms", "--metrics-addr", "", "-q", *extra]
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    if check:
        assert r.returncode == 0, r.stderr + r.stdout
    return r


def event(i, kind):
    e = {"event_id": f"e{i}", "event_type": kind, "user_id": 1000 + i, "timestamp": f"2026-11-{1 + i % 3:02d}T10:00:00.5Z"}
    if kind == "page_view":
        e.update(page={"url": f"/p/{i}", "title": "ignored"}, duration_ms=i * 10)
    elif kind == "purchase":
        e.update(amount=f"{i}.25", items=[{"sku": f"s{i}", "qty": 1 + i % 4}], currency="EUR")
    return e


def clickstream(n):
    kinds = ["page_view", "purchase", "click"]  # click: routed nowhere
    return [event(i, kinds[i % 3]) for i in range(n)]


def rows(path, columns=None):
    return DeltaTable(str(path)).to_pyarrow_table(columns=columns).to_pylist()


def example_in(folder, topic):
    text = EXAMPLE.read_text()
    assert 'topics = ["raw_events"]' in text
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "clickstream.toml"
    f.write_text(text.replace('topics = ["raw_events"]', f'topics = ["{topic}"]'))
    return f


def test_the_example_pipeline_as_written_routes_each_event_type_to_its_table_exactly_once(
        orbitlake_bin, brokers, unique, tmp_path):
    # The file exactly as written (topic raw_events, relative paths under ./data).
    admin = AdminClient({"bootstrap.servers": brokers})
    if "raw_events" in admin.list_topics(timeout=10).topics:
        admin.delete_topics(["raw_events"], operation_timeout=30)["raw_events"].result()
        import time
        for _ in range(120):
            try:
                create_topic(brokers, "raw_events")
                break
            except Exception:
                time.sleep(0.5)
    else:
        create_topic(brokers, "raw_events")
    events = clickstream(300)
    bad = [
        b'{"event_type":"page_view","event_id":"t1"',              # truncated
        b'{"event_type":"page_view","event_id":"t2"} trailing',   # trailing garbage
        b'[' * 5000 + b']' * 5000,                                  # deeply nested, not an object
        b'{"event_type":"page_view","event_id":"t3","duration_ms":1e400}',
        b'{"event_type":"page_view","event_id":"t4","url":"\xff\xfe"}',  # invalid UTF-8
        b'{"event_type":"page_view","event_id":"t5","user_id":1,"user_id":2}',  # duplicate key
        b'{"event_type":"page_view","event_id":"t6","user_id":"seven"}',        # wrong type
        b'{"event_type":"page_view","event_id":"t7","user_id":-1}',             # check
        b'{"event_type":"page_view","user_id":7}',                              # required
        b'{"event_type":"purchase","event_id":"t8","amount":2.5e1000}',
    ]
    produce(brokers, "raw_events", [(e["event_id"].encode(), json.dumps(e).encode(), None) for e in events] +
            [(b"bad", b, None) for b in bad])
    pipeline = tmp_path / "clickstream.toml"
    shutil.copy(EXAMPLE, pipeline)
    group = unique("example")
    r = ingest(orbitlake_bin, brokers, pipeline, group, tmp_path)
    assert "page_view" in r.stdout and "purchase" in r.stdout, r.stdout

    lake = tmp_path / "data" / "delta-tables" / "clickstream"
    pv = rows(lake / "page_view")
    want_pv = [e for e in events if e["event_type"] == "page_view"]
    assert sorted(x["event_id"] for x in pv) == sorted(e["event_id"] for e in want_pv)
    by_id = {x["event_id"]: x for x in pv}
    e = want_pv[1]
    got = by_id[e["event_id"]]
    assert got["url"] == e["page"]["url"] and got["duration_ms"] == e["duration_ms"] and got["user_id"] == e["user_id"]
    assert got["event_time"].isoformat() == e["timestamp"].replace("Z", "+00:00").replace(".5", ".500000")
    assert str(got["date"]) == e["timestamp"][:10]
    assert DeltaTable(str(lake / "page_view")).metadata().partition_columns == ["date"]
    purchase = rows(lake / "purchase")
    want_pu = [e for e in events if e["event_type"] == "purchase"]
    assert sorted(x["event_id"] for x in purchase) == sorted(e["event_id"] for e in want_pu)
    p = {x["event_id"]: x for x in purchase}[want_pu[2]["event_id"]]
    assert p["amount"] == Decimal(want_pu[2]["amount"])
    assert p["items"] == want_pu[2]["items"]

    # Per-table quarantine (coercions, checks, required) and the source's (syntax, no route).
    table_q = {x["reason"] for x in rows(lake / "page_view-quarantine")}
    source_q = rows(lake / "events-quarantine")
    reasons = " | ".join(table_q)
    for needle in ["user_id >= 0", "event_id", "user_id"]:
        assert needle in reasons, reasons
    assert len(rows(lake / "page_view-quarantine")) + len(rows(lake / "purchase-quarantine")) + len(source_q) == \
        len(bad) + sum(1 for e in events if e["event_type"] == "click")
    no_route = [x for x in source_q if "no route" in x["reason"]]
    assert len(no_route) == sum(1 for e in events if e["event_type"] == "click")
    syntax = [x for x in source_q if "no route" not in x["reason"]]
    assert any("byte" in x["reason"] for x in syntax), [x["reason"] for x in syntax]
    assert all(x["payload"] in bad for x in syntax)

    # A restart ingests nothing again; new events are appended once.
    ingest(orbitlake_bin, brokers, pipeline, group, tmp_path)
    more = [event(i, "page_view") for i in range(1000, 1010)]
    produce(brokers, "raw_events", [(e["event_id"].encode(), json.dumps(e).encode(), None) for e in more])
    ingest(orbitlake_bin, brokers, pipeline, group, tmp_path)
    pv = rows(lake / "page_view", ["event_id"])
    assert len(pv) == len(want_pv) + 10 and len({x["event_id"] for x in pv}) == len(pv)
    assert len(rows(lake / "purchase", ["event_id"])) == len(want_pu)

    # Every table carries the offsets of every partition it covers, so reading resumes
    # from the tables alone.
    for t in ["page_view", "purchase"]:
        txns = [json.loads(line)["txn"] for f in sorted((lake / t / "_delta_log").glob("*.json"))
                for line in f.read_text().splitlines() if '"txn"' in line]
        assert {x["appId"] for x in txns} >= {f"orbitlake:raw_events:{p}" for p in range(3)}


def test_two_topics_into_one_table_kafka_fields_headers_and_keys(orbitlake_bin, brokers, unique, tmp_path):
    t1, t2 = unique("a"), unique("b")
    create_topic(brokers, t1, 2)
    create_topic(brokers, t2, 1)
    f = tmp_path / "p.toml"
    f.write_text(f"""
[[source]]
name = "readings"
topics = ["{t1}", "{t2}"]

[[table]]
name = "readings"
path = "{tmp_path / 'readings'}"
source = "readings"
columns = [
  {{ name = "device", type = "string", required = true }},
  {{ name = "value", type = "double" }},
  {{ name = "at", type = "timestamp", from = "$.ts", unit = "ms" }},
  {{ name = "topic", type = "string", from = "kafka.topic" }},
  {{ name = "offset", type = "long", from = "kafka.offset" }},
  {{ name = "key", type = "binary", from = "kafka.key" }},
  {{ name = "trace", type = "string", from = "kafka.header.trace" }},
  {{ name = "site", type = "string", value = "lab" }},
]
""")
    check = subprocess.run([orbitlake_bin, "pipeline", "check", str(f)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    msgs1 = [(f"d{i}".encode(), json.dumps({"device": f"d{i}", "value": i / 2, "ts": 1764000000000 + i}).encode(),
              [("trace", f"t{i}".encode())]) for i in range(20)]
    msgs2 = [(None, json.dumps({"device": f"x{i}", "value": -i, "ts": 1764000000000}).encode(), None) for i in range(5)]
    produce(brokers, t1, msgs1)
    produce(brokers, t2, msgs2)
    ingest(orbitlake_bin, brokers, f, unique("g"), tmp_path)
    got = rows(tmp_path / "readings")
    assert len(got) == 25
    from_t1 = sorted((x for x in got if x["topic"] == t1), key=lambda x: x["device"])
    assert len(from_t1) == 20 and all(x["site"] == "lab" for x in got)
    d3 = next(x for x in from_t1 if x["device"] == "d3")
    assert d3["key"] == b"d3" and d3["trace"] == "t3" and d3["value"] == 1.5
    assert d3["at"].timestamp() * 1000 == 1764000000003
    from_t2 = [x for x in got if x["topic"] == t2]
    assert len(from_t2) == 5 and all(x["key"] is None and x["trace"] is None for x in from_t2)


def test_a_10_mb_message_is_quarantined_and_nothing_else_is_lost(orbitlake_bin, brokers, unique, tmp_path):
    topic = unique("big")
    create_topic(brokers, topic, 1, {"max.message.bytes": str(12 << 20)})
    f = example_in(tmp_path, topic)
    huge = json.dumps({"event_type": "page_view", "event_id": "big", "page": {"url": "x" * (10 << 20)},
                       "user_id": "not a long"}).encode()
    events = clickstream(30)
    msgs = [(b"k", json.dumps(e).encode(), None) for e in events[:15]] + [(b"k", huge, None)] + \
           [(b"k", json.dumps(e).encode(), None) for e in events[15:]]
    produce(brokers, topic, msgs, **{"message.max.bytes": 12 << 20})
    ingest(orbitlake_bin, brokers, f, unique("g"), tmp_path)
    lake = tmp_path / "data" / "delta-tables" / "clickstream"
    assert len(rows(lake / "page_view", ["event_id"])) == sum(e["event_type"] == "page_view" for e in events)
    q = rows(lake / "page_view-quarantine", ["kafka_offset", "reason"])
    assert [x["kafka_offset"] for x in q] == [15] and "user_id" in q[0]["reason"], q


def test_new_nullable_columns_evolve_the_table_and_unsafe_changes_are_refused(orbitlake_bin, brokers, unique, tmp_path):
    topic = unique("evolve")
    create_topic(brokers, topic, 1)
    f = example_in(tmp_path, topic)
    group = unique("g")
    produce(brokers, topic, [(b"k", json.dumps(e).encode(), None) for e in clickstream(9)])
    ingest(orbitlake_bin, brokers, f, group, tmp_path)
    lake = tmp_path / "data" / "delta-tables" / "clickstream"
    text = f.read_text()
    f.write_text(text.replace('{ name = "kafka_offset", type = "long",      from = "kafka.offset" },',
                              '{ name = "kafka_offset", type = "long",      from = "kafka.offset" },\n'
                              '  { name = "title", type = "string", from = "$.page.title" },'))
    produce(brokers, topic, [(b"k", json.dumps(e).encode(), None) for e in clickstream(6)])
    ingest(orbitlake_bin, brokers, f, group, tmp_path)
    dt = DeltaTable(str(lake / "page_view"))
    assert "title" in [fl.name for fl in dt.schema().fields]
    assert dt.history(1)[0]["operation"] in ("ADD COLUMNS", "STREAMING UPDATE")
    titles = [x["title"] for x in rows(lake / "page_view", ["title"])]
    assert titles.count(None) == 3 and titles.count("ignored") == 2, titles

    # A type change is refused at start, naming the table and the column; nothing moves.
    version = dt.version()
    f.write_text(f.read_text().replace('{ name = "user_id",      type = "long"', '{ name = "user_id",      type = "integer"'))
    r = ingest(orbitlake_bin, brokers, f, group, tmp_path, check=False)
    assert r.returncode != 0
    err = r.stderr.strip().splitlines()[-1]
    assert "page_view" in err and "'user_id'" in err, r.stderr
    assert DeltaTable(str(lake / "page_view")).version() == version


def test_spark_reads_every_declared_table_with_the_declared_schema(orbitlake_bin, brokers, unique, tmp_path, spark):
    topic = unique("spark")
    create_topic(brokers, topic, 2)
    f = example_in(tmp_path, topic)
    events = clickstream(60)
    produce(brokers, topic, [(e["event_id"].encode(), json.dumps(e).encode(), None) for e in events])
    ingest(orbitlake_bin, brokers, f, unique("g"), tmp_path)
    lake = tmp_path / "data" / "delta-tables" / "clickstream"
    pv = spark.read.format("delta").load(str(lake / "page_view"))
    assert dict(pv.dtypes) == {"event_id": "string", "user_id": "bigint", "url": "string", "duration_ms": "int",
                               "event_time": "timestamp", "date": "date", "kafka_partition": "int",
                               "kafka_offset": "bigint"}
    assert pv.count() == sum(e["event_type"] == "page_view" for e in events)
    pu = spark.read.format("delta").load(str(lake / "purchase"))
    assert dict(pu.dtypes) == {"event_id": "string", "user_id": "bigint", "amount": "decimal(12,2)",
                               "items": "array<struct<sku:string,qty:int>>", "event_time": "timestamp"}
    got = {r["event_id"]: r for r in pu.collect()}
    want = [e for e in events if e["event_type"] == "purchase"]
    assert set(got) == {e["event_id"] for e in want}
    assert got[want[0]["event_id"]]["amount"] == Decimal(want[0]["amount"])
    assert got[want[0]["event_id"]]["items"][0]["qty"] == want[0]["items"][0]["qty"]


def test_every_declared_type_lands_as_declared_for_delta_rs_and_spark(orbitlake_bin, brokers, unique, tmp_path, spark):
    topic = unique("types")
    create_topic(brokers, topic, 1)
    f = tmp_path / "types.toml"
    f.write_text(f"""
[[source]]
name = "s"
topics = ["{topic}"]

[[table]]
name = "types"
path = "{tmp_path / 'types'}"
source = "s"
partition_by = ["day"]
columns = [
  {{ name = "s",   type = "string" }},
  {{ name = "l",   type = "long" }},
  {{ name = "i",   type = "integer" }},
  {{ name = "sh",  type = "short" }},
  {{ name = "b",   type = "byte" }},
  {{ name = "d",   type = "double" }},
  {{ name = "f",   type = "float" }},
  {{ name = "ok",  type = "boolean" }},
  {{ name = "bin", type = "binary" }},
  {{ name = "day", type = "date" }},
  {{ name = "ts",  type = "timestamp" }},
  {{ name = "ntz", type = "timestamp_ntz" }},
  {{ name = "dec", type = "decimal(20,4)" }},
  {{ name = "st",  type = "struct<a:long,b:string>" }},
  {{ name = "arr", type = "array<double>" }},
  {{ name = "m",   type = "map<string,integer>" }},
]
""")
    value = {"s": "héllo", "l": 2**62, "i": -5, "sh": 300, "b": -7, "d": 0.1, "f": 1.5, "ok": True,
             "bin": "AAEC/w==", "day": "2026-12-01", "ts": "2026-12-01T10:00:00.123456+01:00",
             "ntz": "2026-12-01T10:00:00.5", "dec": "-12345678.9012", "st": {"a": 1, "b": "x"},
             "arr": [1.0, None, 2.5], "m": {"k": 1, "n": None}}
    produce(brokers, topic, [(None, json.dumps(value).encode(), None), (None, b'{"s": null}', None)])
    ingest(orbitlake_bin, brokers, f, unique("g"), tmp_path)
    got = sorted(rows(tmp_path / "types"), key=lambda r: r["s"] is None)
    assert len(got) == 2 and all(v is None for k, v in got[1].items() if k != "day") and got[1]["day"] is None
    r = got[0]
    assert (r["s"], r["l"], r["i"], r["sh"], r["b"], r["ok"]) == ("héllo", 2**62, -5, 300, -7, True)
    assert r["d"] == 0.1 and r["f"] == 1.5 and r["bin"] == b"\x00\x01\x02\xff"
    assert str(r["day"]) == "2026-12-01" and r["dec"] == Decimal("-12345678.9012")
    assert r["ts"].isoformat() == "2026-12-01T09:00:00.123456+00:00"
    assert r["ntz"].isoformat() == "2026-12-01T10:00:00.500000" and r["ntz"].tzinfo is None
    assert r["st"] == {"a": 1, "b": "x"} and r["arr"] == [1.0, None, 2.5] and dict(r["m"]) == {"k": 1, "n": None}
    df = spark.read.format("delta").load(str(tmp_path / "types"))
    assert dict(df.dtypes) == {"s": "string", "l": "bigint", "i": "int", "sh": "smallint", "b": "tinyint",
                               "d": "double", "f": "float", "ok": "boolean", "bin": "binary", "day": "date",
                               "ts": "timestamp", "ntz": "timestamp_ntz", "dec": "decimal(20,4)",
                               "st": "struct<a:bigint,b:string>", "arr": "array<double>", "m": "map<string,int>"}
    srow = df.where("s is not null").collect()[0]
    assert srow["dec"] == Decimal("-12345678.9012") and srow["m"] == {"k": 1, "n": None}
    assert str(srow["ntz"]) == "2026-12-01 10:00:00.500000"


def test_a_latest_source_skips_what_was_there_before_its_first_start(orbitlake_bin, brokers, unique, tmp_path):
    import signal
    import time
    topic = unique("latest")
    create_topic(brokers, topic, 1)
    f = tmp_path / "p.toml"
    f.write_text(f"""
[[source]]
name = "s"
topics = ["{topic}"]
starting_offsets = "latest"
[[table]]
name = "t"
path = "{tmp_path / 't'}"
source = "s"
columns = [{{ name = "n", type = "long" }}]
""")
    produce(brokers, topic, [(None, json.dumps({"n": -i}).encode(), None) for i in range(5)])
    group = unique("g")
    p = subprocess.Popen([orbitlake_bin, "ingest", "--pipeline", str(f), "-b", brokers, "-g", group, "--interval",
                          "200ms", "--metrics-addr", "", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        deadline = time.time() + 60
        while not (tmp_path / "t" / "_delta_log").is_dir() or not rows(tmp_path / "t"):
            assert time.time() < deadline and p.poll() is None, "no rows from the latest source"
            produce(brokers, topic, [(None, json.dumps({"n": 1}).encode(), None)])
            time.sleep(1)
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    got = [r["n"] for r in rows(tmp_path / "t")]
    assert got and all(n == 1 for n in got), got  # none of the five produced before the start


def test_dedup_drops_a_resent_reading_within_a_batch_across_batches_and_after_a_restart(
        orbitlake_bin, brokers, unique, tmp_path):
    topic = unique("dedup")
    create_topic(brokers, topic, 2)
    f = tmp_path / "p.toml"
    f.write_text(f"""
[[source]]
name = "s"
topics = ["{topic}"]
[[table]]
name = "t"
path = "{tmp_path / 't'}"
columns = [
  {{ name = "device", type = "string", required = true }},
  {{ name = "seq", type = "long", required = true }},
  {{ name = "v", type = "double" }},
  {{ name = "offset", type = "long", from = "kafka.offset" }},
]
dedup = {{ key = ["device", "seq"], within = "1h" }}
""")

    def reading(device, seq, v):
        return (device.encode(), json.dumps({"device": device, "seq": seq, "v": v}).encode(), None)

    # Run 1: 2 devices x 30 readings, each sent twice in the same stream (a bridge
    # redelivering); the first copy's value (v = seq) must win.
    first = [reading(d, s, float(s)) for d in ("a", "b") for s in range(30)]
    produce(brokers, topic, first + [reading(d, s, -1.0) for d in ("a", "b") for s in range(30)])
    r = ingest(orbitlake_bin, brokers, f, group := unique("g"), tmp_path)
    assert "60 duplicate rows dropped" in r.stdout, r.stdout
    got = rows(tmp_path / "t")
    assert sorted((x["device"], x["seq"]) for x in got) == sorted((d, s) for d in ("a", "b") for s in range(30))
    assert all(x["v"] == x["seq"] for x in got)

    # Run 2, a new process (the window rebuilt from the table): re-sends of old readings
    # are dropped, new ones (seq 30..39) land once even though each is sent twice.
    produce(brokers, topic, [reading("a", s, -2.0) for s in range(0, 30, 3)] +
            [reading(d, s, float(s)) for d in ("a", "b") for s in range(30, 40)] * 2)
    r = ingest(orbitlake_bin, brokers, f, group, tmp_path)
    assert "30 duplicate rows dropped" in r.stdout, r.stdout
    got = rows(tmp_path / "t")
    keys = [(x["device"], x["seq"]) for x in got]
    assert len(keys) == len(set(keys)) == 80
    assert all(x["v"] == x["seq"] for x in got)
