"""orbitlake bridge mqtt against a real Mosquitto (its own, restarted here) and Kafka:
every published reading reaches its Kafka topic at least once, and with (device, seq)
dedup exactly the published set, after a bridge SIGKILL mid-stream and a Mosquitto
restart; malformed payloads go to the dead-letter topic without stopping the bridge."""
import json
import signal
import subprocess
import time

from conftest import ROOT

MQTT = str(ROOT / "scripts" / "mqtt")


def publish(url, topic, lines):
    host_port = url.removeprefix("tcp://")
    host, port = host_port.rsplit(":", 1)
    subprocess.run(["mosquitto_pub", "-h", host, "-p", port, "-q", "1", "-t", topic, "-l"],
                   input="\n".join(lines) + "\n", text=True, check=True, timeout=120)


def consume(brokers, topic):
    out = subprocess.run(["kcat", "-b", brokers, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                          "-f", "%k\t%T\t%s\n"], capture_output=True, text=True, timeout=60)
    return [line.split("\t", 2) for line in out.stdout.splitlines() if line]


def start_bridge(orbitlake_bin, url, brokers, prefix):
    return subprocess.Popen([orbitlake_bin, "bridge", "mqtt", "--mqtt", url, "-b", brokers,
                             "--client-id", f"{prefix}-bridge", "--batch", "200",
                             "--rule", f"{prefix}/+/sr04={prefix}-distance",
                             "--dead-letter-topic", f"{prefix}-dead"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def readings(device, start, n):
    return [json.dumps({"device": device, "seq": s, "ts": 1764667200000 + s, "distance_cm": 100.0 + s % 300})
            for s in range(start, start + n)]


def test_bridge_survives_sigkill_and_broker_restart(orbitlake_bin, brokers, unique, tmp_path):
    url = subprocess.run([MQTT, "start", "--dir", str(tmp_path / "mqtt"), "--port", "auto"],
                         check=True, capture_output=True, text=True).stdout.strip()
    prefix = unique("s")
    bridge = None
    try:
        # The session exists once the bridge subscribed; then readings queue for it.
        bridge = start_bridge(orbitlake_bin, url, brokers, prefix)
        time.sleep(2)
        publish(url, f"{prefix}/board-1/sr04", readings("board-1", 0, 3000))
        time.sleep(0.5)
        bridge.send_signal(signal.SIGKILL)  # mid-stream: some batches in Kafka, not acknowledged
        bridge.wait(timeout=10)
        publish(url, f"{prefix}/board-1/sr04", readings("board-1", 3000, 2000) + ["{not json", "[1]"])
        subprocess.run([MQTT, "stop", "--dir", str(tmp_path / "mqtt")], check=True, capture_output=True)
        subprocess.run([MQTT, "start", "--dir", str(tmp_path / "mqtt")], check=True, capture_output=True)
        bridge = start_bridge(orbitlake_bin, url, brokers, prefix)
        deadline = time.time() + 120
        seen = set()
        rows = []
        while time.time() < deadline and len(seen) < 5000:
            time.sleep(2)
            rows = consume(brokers, f"{prefix}-distance")
            seen = {json.loads(v)["seq"] for _, _, v in rows}
        bridge.send_signal(signal.SIGTERM)
        out, err = bridge.communicate(timeout=30)
        assert bridge.returncode == 0, err
        assert seen == set(range(5000)), f"missing {sorted(set(range(5000)) - seen)[:10]}"
        assert len(rows) >= 5000
        for key, ts, value in rows:
            v = json.loads(value)
            assert key == "board-1" and int(ts) == v["ts"]
        dead = consume(brokers, f"{prefix}-dead")
        assert sorted(v for _, _, v in dead)[:2] == ["[1]", "{not json"] or {v for _, _, v in dead} == {"[1]", "{not json"}
        assert "dead-lettered" in out
    finally:
        if bridge is not None and bridge.poll() is None:
            bridge.kill()
        subprocess.run([MQTT, "stop", "--dir", str(tmp_path / "mqtt")], check=False, capture_output=True)
