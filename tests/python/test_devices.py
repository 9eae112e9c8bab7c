"""The IoT sensor system end to end, on real servers: `orbitlake simulate devices` ->
Mosquitto -> `orbitlake bridge mqtt` -> Kafka (four topics) -> `orbitlake ingest
--pipeline examples/pipelines/sensors.toml` -> four Delta tables, read back by delta-rs.

Every sampled reading must be in its table exactly once by (device, seq), after a bridge
SIGKILL mid-stream (the MQTT broker redelivers what the bridge read but had not
acknowledged: duplicates in Kafka) and a Mosquitto restart (the simulator reconnects and
sends again what was not acknowledged), and a Kafka restart under a running bridge and
ingester (the bridge holds back MQTT acknowledgements until Kafka is back); a reading whose
values do not fit its table is quarantined."""
import json
import re
import signal
import subprocess
import sys
import time

from deltalake import DeltaTable

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "torture"))
import torture  # noqa: E402  (its private, restartable broker)

MQTT = str(ROOT / "scripts" / "mqtt")
EXAMPLE = ROOT / "examples" / "pipelines" / "sensors.toml"
MEASURES = ["temperature", "humidity", "distance", "motion"]


def keys(path):
    return [(r["device"], r["seq"]) for r in DeltaTable(str(path)).to_pyarrow_table(columns=["device", "seq"]).to_pylist()]


def bridge_command(orbitlake_bin, url, brokers, prefix):
    rules = [f"{prefix}/+/dht11={prefix}-temperature", f"{prefix}/+/dht11={prefix}-humidity",
             f"{prefix}/+/sr04={prefix}-distance", f"{prefix}/+/pir={prefix}-motion"]
    return [orbitlake_bin, "bridge", "mqtt", "--mqtt", url, "-b", brokers, "--client-id", f"{prefix}-bridge",
            "--batch", "300", "--dead-letter-topic", f"{prefix}-dead"] + [a for r in rules for a in ("--rule", r)]


def sensors_pipeline(tmp_path, prefix):
    """The example pipeline, on this test's topics and folder. Its sources start at the
    latest offsets, like the original's streaming jobs; here the tables are created
    after the readings were produced, so they read from the earliest."""
    text = EXAMPLE.read_text()
    for m in MEASURES:
        text = text.replace(f'topics = ["{m}"]', f'topics = ["{prefix}-{m}"]')
    text = text.replace('starting_offsets = "latest"', 'starting_offsets = "earliest"')
    text = text.replace("./data/delta-tables/sensors", str(tmp_path / "lake"))
    pipeline = tmp_path / "sensors.toml"
    pipeline.write_text(text)
    return pipeline


def sampled_keys(simulator_stdout, boards):
    """Every (device, seq) the simulator's summary says it sampled."""
    sampled = {}
    for line in simulator_stdout.splitlines():
        m = re.match(r"(board-\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\.\.(\d+)$", line)
        if m:
            sampled[m.group(1)] = (int(m.group(5)), int(m.group(6)))
    assert len(sampled) == boards, simulator_stdout
    return {(d, s) for d, (a, b) in sampled.items() for s in range(a, b + 1)}


def readings(got):
    """A DHT11 reading feeds two tables: the union over one table per sensor."""
    return set(got["temperature"]) | set(got["distance"]) | set(got["motion"])


def ingest_until_complete(orbitlake_bin, pipeline, brokers, group, lake, want, timeout=180):
    """Runs the pipeline until caught up, and again while readings are missing (the
    bridge may still be forwarding); returns the keys of each table."""
    deadline = time.time() + timeout
    while True:
        r = subprocess.run([orbitlake_bin, "ingest", "--pipeline", str(pipeline), "-b", brokers, "-g", group,
                            "--until-caught-up", "--interval", "500ms", "--metrics-addr", "", "-q"],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr + r.stdout
        got = {m: keys(lake / m) if (lake / m / "_delta_log").is_dir() else [] for m in MEASURES}
        if readings(got) >= want or time.time() > deadline:
            return got
        time.sleep(2)


def check_exactly_once(got, want):
    for m in MEASURES:
        assert len(got[m]) == len(set(got[m])), f"{m}: duplicate (device, seq)"
    union = readings(got)
    assert union == want, f"missing {sorted(want - union)[:10]}, extra {sorted(union - want)[:10]}"
    assert set(got["humidity"]) == set(got["temperature"])
    assert not set(got["temperature"]) & set(got["distance"]) and not set(got["distance"]) & set(got["motion"])


def test_simulated_boards_land_exactly_once_through_bridge_kill_and_mqtt_restart(
        orbitlake_bin, brokers, unique, tmp_path):
    prefix = unique("iot")
    mqtt_dir = tmp_path / "mqtt"
    url = subprocess.run([MQTT, "start", "--dir", str(mqtt_dir), "--port", "auto"],
                         check=True, capture_output=True, text=True).stdout.strip()
    bridge_args = bridge_command(orbitlake_bin, url, brokers, prefix)

    def start_bridge():
        return subprocess.Popen(bridge_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    pipeline = sensors_pipeline(tmp_path, prefix)

    bridge = start_bridge()
    sim = None
    try:
        time.sleep(1.5)  # the bridge's session exists before the first reading
        sim = subprocess.Popen([orbitlake_bin, "simulate", "devices", "--mqtt", url, "--boards", "3", "--rate", "20",
                                "--count", "12000", "--topic-prefix", prefix, "--client-id", prefix],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        bridge.send_signal(signal.SIGKILL)  # mid-stream: a batch in Kafka, not acknowledged to MQTT
        bridge.wait(timeout=10)
        time.sleep(0.5)
        subprocess.run([MQTT, "stop", "--dir", str(mqtt_dir)], check=True, capture_output=True)
        time.sleep(1)  # the simulator buffers and retries meanwhile
        subprocess.run([MQTT, "start", "--dir", str(mqtt_dir)], check=True, capture_output=True)
        bridge = start_bridge()
        # A reading the temperature table cannot take (and the humidity table misses its value).
        subprocess.run(["mosquitto_pub", "-L", f"{url.replace('tcp://', 'mqtt://')}/{prefix}/board-x/dht11", "-q", "1",
                        "-m", json.dumps({"device": "board-x", "seq": 0, "ts": 1764667200000, "temperature_c": "hot"})],
                       check=True, timeout=30)
        out, err = sim.communicate(timeout=120)
        assert sim.returncode == 0, err + out
        assert "12000 acknowledged by the broker" in out, out
        assert re.search(r"after [1-9]\d* reconnect", out), out  # the MQTT restart was seen
        want = sampled_keys(out, 3)
        assert len(want) == 12000
        lake = tmp_path / "lake"
        got = ingest_until_complete(orbitlake_bin, pipeline, brokers, unique("sensors"), lake, want)
        check_exactly_once(got, want)
        q = DeltaTable(str(lake / "temperature-quarantine")).to_pyarrow_table().to_pylist()
        assert len(q) == 1 and "hot" in json.dumps(q[0], default=str), q
        assert len(DeltaTable(str(lake / "humidity-quarantine")).to_pyarrow_table()) == 1
    finally:
        for p in (bridge, sim):
            if p is not None and p.poll() is None:
                p.kill()
        subprocess.run([MQTT, "stop", "--dir", str(mqtt_dir)], check=False, capture_output=True)


def test_readings_land_exactly_once_through_a_kafka_restart_under_a_running_bridge_and_ingester(
        orbitlake_bin, unique, tmp_path):
    # A broker of its own: the shared test broker must stay up for the other tests.
    broker = torture.Broker(tmp_path / "kafka", torture.Log(quiet=True))
    brokers = broker.start()
    prefix = unique("iot")
    mqtt_dir = tmp_path / "mqtt"
    url = subprocess.run([MQTT, "start", "--dir", str(mqtt_dir), "--port", "auto"],
                         check=True, capture_output=True, text=True).stdout.strip()
    pipeline = sensors_pipeline(tmp_path, prefix)
    group = unique("sensors")
    bridge = subprocess.Popen(bridge_command(orbitlake_bin, url, brokers, prefix),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sim = ingest = None
    try:
        time.sleep(1.5)  # the bridge's session exists before the first reading
        sim = subprocess.Popen([orbitlake_bin, "simulate", "devices", "--mqtt", url, "--boards", "3", "--rate", "5",
                                "--count", "10000", "--topic-prefix", prefix, "--client-id", prefix],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)  # the bridge has created the four topics
        ingest = subprocess.Popen([orbitlake_bin, "ingest", "--pipeline", str(pipeline), "-b", brokers, "-g", group,
                                   "--interval", "500ms", "--metrics-addr", "", "-q"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        assert sim.poll() is None, "the simulator finished before the outage: raise --count"
        broker.stop()
        time.sleep(3)  # readings keep arriving over MQTT; the bridge must not acknowledge them
        assert bridge.poll() is None and ingest.poll() is None, "bridge or ingester exited during the outage"
        assert sim.poll() is None, "the simulator finished during the outage: raise --count"
        broker.start()  # the same port
        out, err = sim.communicate(timeout=180)
        assert sim.returncode == 0, err + out
        assert "10000 acknowledged by the broker" in out, out
        want = sampled_keys(out, 3)
        lake = tmp_path / "lake"
        deadline = time.time() + 120  # the running ingester catches up by itself
        while time.time() < deadline:
            got = {m: keys(lake / m) if (lake / m / "_delta_log").is_dir() else [] for m in MEASURES}
            if readings(got) >= want:
                break
            time.sleep(1)
        assert bridge.poll() is None and ingest.poll() is None, "bridge or ingester exited after the outage"
        ingest.send_signal(signal.SIGINT)
        iout, ierr = ingest.communicate(timeout=60)
        assert ingest.returncode == 0, ierr + iout
        check_exactly_once(got, want)
    finally:
        for p in (bridge, sim, ingest):
            if p is not None and p.poll() is None:
                p.kill()
        subprocess.run([MQTT, "stop", "--dir", str(mqtt_dir)], check=False, capture_output=True)
        broker.stop()


def test_demo_devices_runs_the_sensor_system_and_reports_every_reading_once(orbitlake_bin, brokers, tmp_path):
    mqtt_dir = tmp_path / "mqtt"
    url = subprocess.run([MQTT, "start", "--dir", str(mqtt_dir), "--port", "auto"],
                         check=True, capture_output=True, text=True).stdout.strip()
    try:
        r = subprocess.run([orbitlake_bin, "demo", "devices", "-b", brokers, "--mqtt", url, "--data-dir",
                            str(tmp_path / "data"), "--duration", "3s", "--interval", "500ms"],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr + r.stdout
        assert "every reading of this run is in its table exactly once" in r.stdout, r.stdout
        sampled = int(re.search(r"boards\s+(\d+) readings sampled", r.stdout).group(1))
        lake = tmp_path / "data" / "delta-tables" / "sensors"
        got = {m: keys(lake / m) for m in ["temperature", "humidity", "distance"]}
        motion = keys(lake / "motion") if (lake / "motion" / "_delta_log").is_dir() else []
        assert len(got["temperature"]) + len(got["distance"]) + len(motion) == sampled
        assert set(got["humidity"]) == set(got["temperature"])
    finally:
        subprocess.run([MQTT, "stop", "--dir", str(mqtt_dir)], check=False, capture_output=True)
