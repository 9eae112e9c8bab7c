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

ROOT = pathlib.Path(os.environ.get("ORBITLAKE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


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
