"""Delta tables on S3 (s3://lake/...), against the SeaweedFS server of the test run.

The S3 side is checked with independent readers and writers: delta-rs (`deltalake`, with
storage_options and conditional_put=etag, so it commits with `If-None-Match: *` like
orbitlake) and pyarrow's S3 filesystem for the raw log listing. The C++ side (storage
contract over S3, 16 racing conditional PUTs with one winner, lost responses) is in
src/storage/storage_test.cc and s3_storage_test.cc.
"""
import json
import signal
import subprocess
import threading
import time
import uuid
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable, write_deltalake
from pyarrow import fs as pafs

from test_ingest import CRASH_POINTS, FAST_REBALANCE, high_watermarks, produce_samples

INTERVAL = "1s"


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Cli:
    """Runs orbitlake with the S3 server's AWS_* environment and keeps every output, so a
    test can check that no credential ever appears in what orbitlake printed."""

    def __init__(self, bin_, s3):
        self.bin, self.s3, self.outputs = bin_, s3, []

    def popen(self, *args, env=None):
        return subprocess.Popen([self.bin, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env or self.s3.process_env())

    def collect(self, p, timeout=300):
        out, err = p.communicate(timeout=timeout)
        self.outputs.append(out + err)
        return subprocess.CompletedProcess(p.args, p.returncode, out, err)

    def run(self, *args, check=True, env=None, timeout=300):
        r = self.collect(self.popen(*args, env=env), timeout)
        if check:
            assert r.returncode == 0, f"{args[0]} failed ({r.returncode}):\n{r.stderr[-3000:]}"
        return r

    def assert_no_secret(self):
        secret = self.s3.env["AWS_SECRET_ACCESS_KEY"]
        for text in self.outputs:
            assert secret not in text


@pytest.fixture
def cli(orbitlake_bin, s3_server):
    c = Cli(orbitlake_bin, s3_server)
    yield c
    c.assert_no_secret()


def ingest_args(brokers, topic, table, group, *extra):
    return ["ingest", "-b", brokers, "-t", topic, "-g", group, "--table", table, "--interval", INTERVAL,
            "--metrics-addr", "", "-q", *FAST_REBALANCE, *extra]


def dt(s3, table):
    return DeltaTable(table, storage_options=s3.storage_options)


def log_versions(s3, table):
    """The commit versions in the table's _delta_log, listed with pyarrow's S3 client."""
    e = s3.env
    endpoint = urlparse(e["AWS_ENDPOINT_URL"])
    s3fs = pafs.S3FileSystem(access_key=e["AWS_ACCESS_KEY_ID"], secret_key=e["AWS_SECRET_ACCESS_KEY"],
                             region=e["AWS_REGION"], endpoint_override=endpoint.netloc, scheme=endpoint.scheme)
    infos = s3fs.get_file_info(pafs.FileSelector(table.removeprefix("s3://") + "/_delta_log"))
    names = [i.base_name for i in infos]
    return sorted(int(n.split(".")[0]) for n in names if n.endswith(".json") and n.split(".")[0].isdigit())


def assert_exactly_the_topic(s3, table, brokers, topic, where=None):
    t = dt(s3, table).to_pyarrow_table(columns=["kafka_partition", "kafka_offset", "satellite", "sequence",
                                                "event_time_ns"])
    if where is not None:
        t = t.filter(where(t))
    got = list(zip(t.column("kafka_partition").to_pylist(), t.column("kafka_offset").to_pylist()))
    assert len(got) == len(set(got)), f"{len(got) - len(set(got))} duplicated rows"
    expected = {(p, o) for p, hw in high_watermarks(brokers, topic).items() for o in range(hw)}
    assert not expected - set(got), f"{len(expected - set(got))} offsets missing"
    assert set(got) == expected
    return t


def test_ingest_into_s3_exactly_once_through_crashes_and_a_restart(cli, s3_server, brokers, tmp_path):
    s3 = s3_server
    topic, group, table = name("s3ing"), name("g"), s3.uri(name("raw"))
    produce_samples(cli.bin, brokers, topic, tmp_path / "s1", sats=3, rows=2_000)
    out = cli.run(*ingest_args(brokers, topic, table, group, "--until-caught-up", "--max-rows", "1000"))
    assert "6000 rows committed" in out.stdout, out.stdout
    assert assert_exactly_the_topic(s3, table, brokers, topic).num_rows == 6_000
    # SIGKILL at the storage points of a commit on S3, then a clean restart.
    for i, point in enumerate(CRASH_POINTS[:3]):
        produce_samples(cli.bin, brokers, topic, tmp_path / f"c{i}", sats=2, rows=1_000, seed=20 + i)
        r = cli.run(*ingest_args(brokers, topic, table, group, "--until-caught-up", "--max-rows", "500",
                                 "--inject-crash", point), check=False)
        assert r.returncode == -signal.SIGKILL, f"{point}: {r.returncode}\n{r.stderr[-2000:]}"
        t = dt(s3, table).to_pyarrow_table(columns=["kafka_partition", "kafka_offset"])
        pairs = list(zip(t.column(0).to_pylist(), t.column(1).to_pylist()))
        assert len(pairs) == len(set(pairs)), point
    out = cli.run(*ingest_args(brokers, topic, table, group, "--until-caught-up", "--max-rows", "1000"))
    t = assert_exactly_the_topic(s3, table, brokers, topic)
    assert t.num_rows == 6_000 + 3 * 2_000
    # Each produce pass re-sends sat0.. from sequence 0: an event is (satellite, sequence, time).
    events = list(zip(t.column("satellite").to_pylist(), t.column("sequence").to_pylist(),
                      t.column("event_time_ns").to_pylist()))
    assert len(set(events)) == len(events)
    versions = log_versions(s3, table)
    assert versions == list(range(len(versions)))
    # Nothing new: nothing committed.
    out = cli.run(*ingest_args(brokers, topic, table, group, "--until-caught-up"))
    assert "0 rows committed" in out.stdout

    # Readers, maintenance, and credentials kept out of what they print.
    d = json.loads(cli.run("describe", table, "--format", "json").stdout)
    assert d["version"] == dt(s3, table).version()
    before = dt(s3, table).to_pyarrow_table().sort_by([("kafka_partition", "ascending"), ("kafka_offset", "ascending")])
    files_before = len(dt(s3, table).file_uris())
    cli.run("optimize", table)
    cli.run("checkpoint", table)
    cli.run("vacuum", table, "--retain", "0s", "--force")
    after = dt(s3, table).to_pyarrow_table().sort_by([("kafka_partition", "ascending"), ("kafka_offset", "ascending")])
    assert after.equals(before)
    assert len(dt(s3, table).file_uris()) < files_before
    cli.run("history", table, "--format", "csv")


def test_storage_options_on_the_command_line_replace_the_environment(cli, s3_server, tmp_path):
    s3 = s3_server
    table = s3.uri(name("opts"))
    write_deltalake(table, pa.table({"n": [1, 2, 3]}), storage_options=s3.storage_options)
    env = {k: v for k, v in s3.process_env().items() if not k.startswith("AWS_")}
    opts = []
    for k in ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ALLOW_HTTP"]:
        opts += ["-S", f"{k.removeprefix('AWS_').lower()}={s3.env[k]}"]
    out = cli.run("tail", table, "--format", "csv", *opts, env=env)
    assert out.stdout.split() == ["n", "1", "2", "3"]
    # A wrong secret: a clear 403, the secret given nowhere in the message.
    bad = cli.run("tail", table, *opts, "-S", "secret_access_key=not-the-secret-1234", env=env, check=False)
    assert bad.returncode == 1 and "403" in bad.stderr and "not-the-secret-1234" not in bad.stderr, bad.stderr
    # A misspelt key is refused before anything is sent, naming the key only.
    typo = cli.run("describe", table, "-S", "secret_acess_key=zzz-secret-zzz", env=env, check=False)
    assert typo.returncode == 2 and "secret_acess_key" in typo.stderr and "zzz-secret-zzz" not in typo.stderr


def test_delta_rs_and_orbitlake_read_each_others_s3_tables(cli, s3_server, brokers, tmp_path):
    s3 = s3_server
    # delta-rs writes (two appends, partitioned), orbitlake reads.
    table = s3.uri(name("rs"))
    a = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "city": ["a b", "São Paulo", "x"]})
    write_deltalake(table, a, partition_by=["city"], storage_options=s3.storage_options)
    write_deltalake(table, pa.table({"id": pa.array([4], pa.int64()), "city": ["x"]}), mode="append",
                    storage_options=s3.storage_options)
    out = cli.run("tail", table, "--format", "json", "-n", "100")
    rows = sorted((json.loads(line)["id"], json.loads(line)["city"]) for line in out.stdout.splitlines())
    assert rows == [(1, "a b"), (2, "São Paulo"), (3, "x"), (4, "x")]
    hist = cli.run("history", table, "--format", "csv").stdout.splitlines()
    assert len(hist) == 3  # header + versions 1 and 0

    # orbitlake writes, delta-rs reads (values, txn offsets).
    topic, group, t2 = name("s3rd"), name("g"), s3.uri(name("ol"))
    produce_samples(cli.bin, brokers, topic, tmp_path / "s", sats=2, rows=500, partitions=2)
    cli.run(*ingest_args(brokers, topic, t2, group, "--until-caught-up"))
    d = dt(s3, t2)
    t = d.to_pyarrow_table()
    assert t.num_rows == 1_000
    assert sorted(t.column("sequence").to_pylist()) == sorted(list(range(500)) * 2)
    hw = high_watermarks(brokers, topic)
    assert {p: d.transaction_version(f"orbitlake:{topic}:{p}") for p in hw} == {p: (hw[p] - 1 if hw[p] > 0 else None) for p in hw}


def test_three_ingesters_and_a_delta_rs_writer_append_to_one_s3_table(cli, s3_server, brokers, tmp_path):
    """~30 s: a paced producer, three ingesters of one group (started one by one, one
    killed with SIGKILL and restarted: rebalances), and delta-rs appending to the same
    table all along. 0 lost, 0 duplicated, every version contiguous."""
    s3 = s3_server
    topic, group, table = name("s3conc"), name("g"), s3.uri(name("conc"))
    cli.run("generate", "-n", "6", "-r", "6000", "-o", str(tmp_path / "s"))
    producer = cli.popen("produce", "-d", str(tmp_path / "s"), "-b", brokers, "-t", topic, "--partitions", "6",
                         "--sleep", "1ms..3ms", "--json")
    ingesters = [cli.popen(*ingest_args(brokers, topic, table, group))]
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            dt(s3, table)
            break
        except Exception:
            time.sleep(0.5)
    template = dt(s3, table).to_pyarrow_table().slice(0, 1)

    rs_written, rs_errors, stop = [], [], threading.Event()

    def delta_rs_writer():
        seq = 0
        while not stop.is_set():
            batch = template.set_column(template.schema.get_field_index("satellite"), "satellite",
                                        pa.array(["delta-rs"], template.schema.field("satellite").type))
            batch = batch.set_column(batch.schema.get_field_index("sequence"), "sequence",
                                     pa.array([seq], batch.schema.field("sequence").type))
            try:
                write_deltalake(table, batch, mode="append", storage_options=s3.storage_options)
                rs_written.append(seq)
            except Exception as e:  # noqa: BLE001 - a failed append is reported, not retried
                rs_errors.append(repr(e))
            seq += 1
            time.sleep(0.3)

    writer = threading.Thread(target=delta_rs_writer)
    writer.start()
    try:
        time.sleep(3)
        ingesters.append(cli.popen(*ingest_args(brokers, topic, table, group)))
        time.sleep(3)
        ingesters.append(cli.popen(*ingest_args(brokers, topic, table, group)))
        time.sleep(5)
        ingesters[1].kill()  # its uncommitted rows must be read again by the others
        cli.collect(ingesters[1])
        time.sleep(2)
        ingesters[1] = cli.popen(*ingest_args(brokers, topic, table, group))
        p = cli.collect(producer, timeout=240)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["acked"] == 36_000
        caught_up = time.time() + 120
        while time.time() < caught_up:
            d = dt(s3, table)
            hw = high_watermarks(brokers, topic)
            done = [d.transaction_version(f"orbitlake:{topic}:{q}") for q in hw]
            if all(hw[q] == 0 or (v is not None and v >= hw[q] - 1) for v, q in zip(done, hw)):
                break
            time.sleep(1)
    finally:
        stop.set()
        writer.join()
        for i in ingesters:
            if i.poll() is None:
                i.send_signal(signal.SIGINT)
        results = [cli.collect(i, timeout=60) for i in ingesters]
    for r in results[:1] + results[2:]:
        assert r.returncode == 0, r.stderr[-3000:]
    assert not rs_errors, rs_errors[:3]
    assert len(rs_written) >= 10

    t = assert_exactly_the_topic(s3, table, brokers, topic, where=lambda t: pc.not_equal(t["satellite"], "delta-rs"))
    assert t.num_rows == 36_000
    rs = dt(s3, table).to_pyarrow_table(columns=["satellite", "sequence"]).filter(
        pc.equal(pc.field("satellite"), "delta-rs"))
    assert sorted(rs.column("sequence").to_pylist()) == rs_written
    versions = log_versions(s3, table)
    assert versions == list(range(len(versions)))
    assert len(versions) > len(rs_written)
