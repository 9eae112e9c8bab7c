"""Shared fixtures for the Python-side checks.

The broker is the one CTest's kafka_broker fixture started (ORBITLAKE_TEST_KAFKA_DIR),
or ORBITLAKE_TEST_BROKERS. When pytest runs on its own, a session broker is started
with scripts/kafka on free ports and stopped at the end.
"""
import os
import pathlib
import subprocess
import uuid

import pytest

from delta_support import spark_session

ROOT = pathlib.Path(os.environ.get("ORBITLAKE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(autouse=True)
def sanitizer_reports():
    """Fails the test during which a sanitizer report appeared (scripts/sanitize builds).

    The instrumented binaries write their ASan/LSan/TSan reports to files in
    ORBITLAKE_SANITIZER_LOG_DIR rather than stderr: tests capture stderr, and a test
    that only checks for a non-zero exit would not show a finding. (UBSan ignores
    log_path and prints to stderr; it exits 86, which no orbitlake command does.)
    Unset in normal builds: then this does nothing.
    """
    log_dir = os.environ.get("ORBITLAKE_SANITIZER_LOG_DIR")
    if not log_dir:
        yield
        return
    log_dir = pathlib.Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)  # the runtime cannot create it, and dies
    before = set(log_dir.iterdir())
    yield
    reports = sorted(set(log_dir.iterdir()) - before)
    if reports:
        text = "\n".join(f"== {r.name}\n{r.read_text(errors='replace')[:6000]}" for r in reports)
        pytest.fail(f"sanitizer report(s) from a binary this test ran:\n{text}", pytrace=False)


@pytest.fixture(scope="session")
def orbitlake_bin() -> str:
    path = os.environ.get("ORBITLAKE_BIN", str(ROOT / "build" / "apps" / "orbitlake" / "orbitlake"))
    assert os.access(path, os.X_OK), f"orbitlake binary not found at {path}: run scripts/build"
    return path


@pytest.fixture(scope="session")
def brokers(tmp_path_factory):
    if os.environ.get("ORBITLAKE_TEST_BROKERS"):
        yield os.environ["ORBITLAKE_TEST_BROKERS"]
        return
    kdir = os.environ.get("ORBITLAKE_TEST_KAFKA_DIR")
    if kdir and (pathlib.Path(kdir) / "bootstrap").exists():
        yield (pathlib.Path(kdir) / "bootstrap").read_text().strip()
        return
    kdir = tmp_path_factory.mktemp("kafka")
    out = subprocess.run([str(ROOT / "scripts" / "kafka"), "start", "--dir", str(kdir), "--port", "auto"],
                         check=True, capture_output=True, text=True)
    try:
        yield out.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(ROOT / "scripts" / "kafka"), "stop", "--dir", str(kdir)], check=False)


@pytest.fixture
def unique():
    """A name no other test uses, for topics and groups."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def spark():
    """One local Spark 3.5 + delta-spark session for the whole run (the offline jars in
    .cache/delta-spark/libs, session time zone UTC). Fails, never skips, when missing."""
    try:
        session = spark_session("orbitlake-delta-conformance")
    except RuntimeError as e:
        pytest.fail(str(e))
    yield session
    session.stop()


class S3Server:
    """The S3 server of a test run (SeaweedFS from scripts/s3) on loopback.

    `env` holds its AWS_* variables (endpoint, key pair, region, AWS_ALLOW_HTTP) for
    orbitlake's environment, `storage_options` the same for delta-rs plus conditional_put
    = etag: delta-rs then commits with `If-None-Match: *` as orbitlake does, so both
    can write one table without a lock service.
    """

    bucket = "lake"

    def __init__(self, env: dict):
        self.env = env
        self.storage_options = {**env, "conditional_put": "etag"}

    def uri(self, name: str) -> str:
        return f"s3://{self.bucket}/{name}"

    def process_env(self) -> dict:
        return {**os.environ, **self.env}


def _read_aws_env(path: pathlib.Path) -> dict:
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip().removeprefix("export ")
        if "=" in line:
            k, v = line.split("=", 1)
            env[k] = v.strip("'\"")
    return env


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """CTest's s3_server fixture (ORBITLAKE_TEST_S3_DIR/aws.env), else a session server
    started with scripts/s3 on a free port and stopped at the end."""
    sdir = os.environ.get("ORBITLAKE_TEST_S3_DIR")
    if sdir and (pathlib.Path(sdir) / "aws.env").exists():
        yield S3Server(_read_aws_env(pathlib.Path(sdir) / "aws.env"))
        return
    sdir = tmp_path_factory.mktemp("s3")
    subprocess.run([str(ROOT / "scripts" / "s3"), "start", "--dir", str(sdir), "--port", "auto", "--bucket", "lake"],
                   check=True, capture_output=True, text=True)
    try:
        yield S3Server(_read_aws_env(sdir / "aws.env"))
    finally:
        subprocess.run([str(ROOT / "scripts" / "s3"), "stop", "--dir", str(sdir)], check=False)
