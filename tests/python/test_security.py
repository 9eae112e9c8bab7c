"""Security basics of the CLI: secrets never printed, HTTP endpoints on loopback.

Secrets reach orbitlake through `-X key=value` (librdkafka properties) or the [command]
sections of a --config file. Each run below is made to fail or log on purpose (an
unreachable broker, SASL against a plaintext listener, librdkafka `debug` output), and
every byte of stdout and stderr is searched for the secret values.
"""
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

PASSWORD = "S3cr3t-sasl-pa55word-7d1f"
KEY_PASSWORD = "k3y-pa55word-2b9e"
CLIENT_SECRET = "oauth-cl1ent-secret-55aa"
SECRETS = (PASSWORD, KEY_PASSWORD, CLIENT_SECRET)

SASL = ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=PLAIN", "-X", "sasl.username=alice",
        "-X", f"sasl.password={PASSWORD}", "-X", f"ssl.key.password={KEY_PASSWORD}"]
# librdkafka's most talkative logging: the configuration dump, security and broker state.
DEBUG = ["-X", "debug=conf,security,broker,protocol"]


def run(args, timeout=120, env=None):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def assert_no_secret(out):
    text = out.stdout + out.stderr
    for s in SECRETS:
        assert s not in text, f"secret printed:\n{text[max(0, text.find(s) - 500):text.find(s) + 200]}"
    # librdkafka's raw stderr format ("%3|1700000000.123|FAC|name| msg") must not appear:
    # its lines go through orbitlake's redacting log sink.
    assert not re.search(r"^%\d\|", text, re.M), text[-2000:]


def test_secrets_never_printed_by_produce_against_an_unreachable_broker(orbitlake_bin, tmp_path):
    subprocess.run([orbitlake_bin, "generate", "-n", "1", "-r", "5", "-o", str(tmp_path / "s")], check=True,
                   capture_output=True)
    out = run([orbitlake_bin, "produce", "-d", str(tmp_path / "s"), "-b", "127.0.0.1:1", *SASL, *DEBUG])
    assert out.returncode != 0
    assert_no_secret(out)
    assert "orbitlake: kafka" in out.stderr, out.stderr[-2000:]  # librdkafka did log, through the sink


def test_a_secret_property_librdkafka_refuses_is_named_without_its_value(orbitlake_bin, tmp_path):
    # A misspelt secret property: librdkafka refuses the unknown key (in every version),
    # and the error must name it without echoing the value.
    out = run([orbitlake_bin, "ingest", "-b", "127.0.0.1:1", "--table", str(tmp_path / "t"), "--metrics-addr", "",
               "-X", f"sasl.oauthbearer.client.secrett={CLIENT_SECRET}"])
    assert out.returncode == 1
    assert "sasl.oauthbearer.client.secrett" in out.stderr and "<redacted>" in out.stderr, out.stderr
    assert_no_secret(out)


def test_secrets_never_printed_by_ingest_when_sasl_meets_a_plaintext_broker(orbitlake_bin, brokers, unique,
                                                                           tmp_path):
    out = run([orbitlake_bin, "ingest", "-b", brokers, "-t", unique("sec"), "--table", str(tmp_path / "t"),
               "--metrics-addr", "", "--startup-timeout", "3s", *SASL, *DEBUG])
    assert out.returncode == 1, out.stderr[-2000:]
    assert brokers in out.stderr
    assert_no_secret(out)
    assert "orbitlake: kafka" in out.stderr, out.stderr[-2000:]


def test_secrets_from_a_config_file_are_not_printed_in_errors_or_help(orbitlake_bin, tmp_path):
    cfg = tmp_path / "orbitlake.toml"
    props = ", ".join(f'"{p}"' for p in SASL[1::2] + DEBUG[1::2])
    cfg.write_text(f'[ingest]\nbrokers = "127.0.0.1:1"\nX = [{props}]\n')
    out = run([orbitlake_bin, "--config", str(cfg), "ingest", "--table", str(tmp_path / "t"), "--metrics-addr", "",
               "--startup-timeout", "2s"])
    assert out.returncode == 1
    assert "127.0.0.1:1" in out.stderr
    assert_no_secret(out)
    assert "orbitlake: kafka" in out.stderr, "the config file's -X properties were not applied:\n" + out.stderr
    for args in (["--config", str(cfg), "ingest", "--help"], ["ingest", "--help", *SASL]):
        helped = run([orbitlake_bin, *args])
        assert helped.returncode == 0
        assert_no_secret(helped)


def test_a_mistyped_secret_property_is_not_echoed(orbitlake_bin, tmp_path):
    out = run([orbitlake_bin, "ingest", "-b", "127.0.0.1:1", "--table", str(tmp_path / "t"), "--metrics-addr", "",
               "-X", f"sasl.password:{PASSWORD}"])
    assert out.returncode == 1
    assert "sasl.password" in out.stderr and "key=value" in out.stderr, out.stderr
    assert_no_secret(out)


def non_loopback_address():
    """An IPv4 address of this machine other than 127.x (the one its default route uses)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.254", 9))  # no packet is sent for a UDP connect
        addr = s.getsockname()[0]
    except OSError:
        addr = None
    finally:
        s.close()
    if not addr or addr.startswith("127."):
        pytest.skip("this machine has no non-loopback IPv4 address to probe from")
    return addr


def free_port():
    s = socket.socket()
    s.bind(("0.0.0.0", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def reachable(host, port):
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=3) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, socket.timeout):
        return False


def start_ingest(orbitlake_bin, brokers, topic, table, *extra):
    proc = subprocess.Popen([orbitlake_bin, "ingest", "-b", brokers, "-t", topic, "--table", str(table), "-q",
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()
    return proc, first


def stop(proc):
    proc.terminate()
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def test_metrics_endpoint_binds_loopback_by_default_and_all_interfaces_only_when_told(
        orbitlake_bin, brokers, unique, tmp_path):
    other = non_loopback_address()
    help_text = run([orbitlake_bin, "ingest", "--help"]).stdout
    assert re.search(r"--metrics-addr TEXT=127\.0\.0\.1:9464\s", help_text), help_text

    # The default address: 127.0.0.1:9464 (only checkable when nobody else has the port).
    proc, first = start_ingest(orbitlake_bin, brokers, unique("m"), tmp_path / "a")
    try:
        if "metrics on http://127.0.0.1:9464/metrics" not in first:
            pytest.skip(f"port 9464 is taken on this machine, the default cannot be probed: {first.strip()}")
        deadline = time.time() + 10
        while not reachable("127.0.0.1", 9464) and time.time() < deadline:
            time.sleep(0.2)
        assert reachable("127.0.0.1", 9464)
        assert not reachable(other, 9464), f"the default metrics endpoint answers on {other}"
    finally:
        stop(proc)

    # Told to listen everywhere, it does.
    port = free_port()
    proc, first = start_ingest(orbitlake_bin, brokers, unique("m"), tmp_path / "b", "--metrics-addr",
                               f"0.0.0.0:{port}")
    try:
        assert f"metrics on http://0.0.0.0:{port}/metrics" in first, first
        deadline = time.time() + 10
        while not reachable(other, port) and time.time() < deadline:
            time.sleep(0.2)
        assert reachable(other, port)
    finally:
        stop(proc)

    # An address without a host is refused rather than read as "every interface".
    out = run([orbitlake_bin, "ingest", "-b", brokers, "--table", str(tmp_path / "c"), "--metrics-addr", f":{port}"])
    assert out.returncode == 1
    assert "has no host" in out.stderr, out.stderr
