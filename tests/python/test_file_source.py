"""File sources (docs/pipelines.md, "File sources"): JSON files dropped into a folder ->
`orbitlake ingest --pipeline examples/pipelines/medallion-bronze.toml` -> the bronze table,
read back by delta-rs.

Files arrive while the ingester runs: JSON Lines, whole-file arrays, gzip, files written
under a temporary name and renamed, a file appended to in place, an unreadable gzip (fixed
later), malformed lines and out-of-range readings. The ingester is SIGKILLed at random
moments and restarted; afterwards the bronze table must hold every valid reading exactly
once, and its quarantine every bad line once, with file name and line.
"""
import gzip
import json
import random
import signal
import subprocess
import time

from deltalake import DeltaTable

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "pipelines" / "medallion-bronze.toml"


def pipeline(tmp_path, extra=""):
    text = EXAMPLE.read_text()
    text = text.replace("./data/landing/sensors", str(tmp_path / "landing"))
    text = text.replace("./data/delta-tables/bronze", str(tmp_path / "lake"))
    text = text.replace('starting_files = "all"', extra or 'starting_files = "all"')
    p = tmp_path / "bronze.toml"
    p.write_text(text)
    return p


def reading(sensor, rid, temperature=21.5):
    return {"sensor_id": sensor, "reading_id": rid, "timestamp": f"2026-12-03T10:{rid // 60 % 60:02d}:{rid % 60:02d}Z",
            "temperature": temperature, "humidity": 40.0, "pressure": 1013.2, "battery": 88.0}


def rows(path, columns):
    return DeltaTable(str(path)).to_pyarrow_table(columns=columns).to_pylist()


class Landing:
    """Writes files the ways real writers do; remembers what is valid and what is not."""

    def __init__(self, folder, rng):
        self.folder = folder
        self.rng = rng
        folder.mkdir(parents=True, exist_ok=True)
        self.valid = set()     # (sensor, reading_id)
        self.bad = set()       # (file, line)
        self.n = 0

    def lines(self, sensor, count):
        out = []
        for _ in range(count):
            self.n += 1
            kind = self.rng.random()
            if kind < 0.08:
                out.append(("not json {", False))
            elif kind < 0.15:
                out.append((json.dumps(reading(sensor, self.n, temperature=500.0)), False))
            else:
                out.append((json.dumps(reading(sensor, self.n)), True))
                self.valid.add((sensor, self.n))
        return out

    def note_bad(self, name, entries, first_line=1):
        for i, (_, ok) in enumerate(entries):
            if not ok:
                self.bad.add((name, first_line + i))

    def jsonl(self, name, count, rename=True):
        entries = self.lines(name.split(".")[0], count)
        text = "".join(line + "\n" for line, _ in entries)
        target = self.folder / name
        if rename:  # written under a temporary name, then renamed into place
            tmp = self.folder / (name + ".tmp")
            tmp.write_text(text)
            tmp.rename(target)
        else:
            target.write_text(text)
        self.note_bad(name, entries)

    def gz(self, name, count):
        entries = self.lines(name.split(".")[0], count)
        tmp = self.folder / (name + ".part")
        tmp.write_bytes(gzip.compress("".join(line + "\n" for line, _ in entries).encode()))
        tmp.rename(self.folder / name)
        self.note_bad(name, entries)

    def array(self, name, count):
        entries = [(line, ok) for line, ok in self.lines(name.split(".")[0], count) if ok]  # arrays of valid ones
        text = "[\n" + ",\n".join(line for line, _ in entries) + "\n]\n"
        tmp = self.folder / (name + ".tmp")
        tmp.write_text(text)
        tmp.rename(self.folder / name)


def ingest(orbitlake_bin, pipe, *args, timeout=120):
    return subprocess.run([orbitlake_bin, "ingest", "--pipeline", str(pipe), "--metrics-addr", "", "-q",
                           "--interval", "200ms", *args], capture_output=True, text=True, timeout=timeout)


def test_landed_files_are_ingested_exactly_once_through_sigkills(orbitlake_bin, tmp_path):
    rng = random.Random(20261203)
    land = Landing(tmp_path / "landing", rng)
    pipe = pipeline(tmp_path)
    (tmp_path / "landing").mkdir(exist_ok=True)
    (tmp_path / "landing" / "broken.json.gz").write_bytes(b"this is not gzip")
    (tmp_path / "landing" / "notes.txt").write_text("not a JSON file: never read\n")
    kills = 0
    proc = None
    try:
        for round_ in range(8):
            proc = subprocess.Popen([orbitlake_bin, "ingest", "--pipeline", str(pipe), "--metrics-addr", "", "-q",
                                     "--interval", "200ms"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for k in range(4):
                i = round_ * 4 + k
                [land.jsonl, land.gz, land.array, lambda n, c: land.jsonl(n, c, rename=False)][k](
                    f"s{i:03d}.{['jsonl', 'json.gz', 'json', 'json'][k]}", rng.randint(20, 400))
                time.sleep(rng.uniform(0.0, 0.3))
            time.sleep(rng.uniform(0.2, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            kills += 1
        # A file appended to in place: taken once two listings saw it unchanged.
        grow = tmp_path / "landing" / "grow.jsonl"
        entries = land.lines("grow", 50)
        with grow.open("w") as f:
            for j, (line, _) in enumerate(entries):
                f.write(line + "\n")
                f.flush()
                if j % 10 == 0:
                    time.sleep(0.05)
        land.note_bad("grow.jsonl", entries)
        # The broken file is rewritten as a valid one: read now that it changed.
        fixed = land.lines("broken", 30)
        (tmp_path / "landing" / "broken.json.gz").write_bytes(
            gzip.compress("".join(line + "\n" for line, _ in fixed).encode()))
        land.note_bad("broken.json.gz", fixed)
        r = ingest(orbitlake_bin, pipe, "--until-caught-up")
        assert r.returncode == 0, r.stderr + r.stdout
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()

    got = [(x["sensor_id"], x["reading_id"]) for x in rows(tmp_path / "lake" / "sensor_data",
                                                            ["sensor_id", "reading_id"])]
    assert len(got) == len(set(got)), f"{len(got) - len(set(got))} duplicated readings after {kills} SIGKILLs"
    assert set(got) == land.valid, f"missing {sorted(land.valid - set(got))[:5]}, extra {sorted(set(got) - land.valid)[:5]}"
    q = [(x["kafka_topic"], x["kafka_offset"]) for x in rows(tmp_path / "lake" / "sensor_data-quarantine",
                                                              ["kafka_topic", "kafka_offset"])]
    assert len(q) == len(set(q)), "a bad line quarantined twice"
    assert set(q) == land.bad
    # Every file is recorded in the table's log, once; notes.txt matched no pattern.
    dt = DeltaTable(str(tmp_path / "lake" / "sensor_data"))
    names = sorted(p.name for p in (tmp_path / "landing").iterdir() if p.name != "notes.txt")
    for name in names:
        assert dt.transaction_version(f"orbitlake:file:{name}:0") is not None, name
    assert dt.transaction_version("orbitlake:file:notes.txt:0") is None


def test_unreadable_files_are_reported_and_archive_moves_what_was_committed(orbitlake_bin, tmp_path):
    land = Landing(tmp_path / "landing", random.Random(1))
    land.jsonl("a.jsonl", 40)
    land.gz("b.json.gz", 40)
    (tmp_path / "landing" / "c.json.gz").write_bytes(gzip.compress(b'{"sensor_id":"x"}\n')[:-6])  # truncated
    pipe = pipeline(tmp_path)
    r = ingest(orbitlake_bin, pipe, "--until-caught-up", "--archive", str(tmp_path / "archive"))
    assert r.returncode == 0, r.stderr + r.stdout
    assert "cannot read" in r.stderr and "c.json.gz" in r.stderr and "truncated" in r.stderr, r.stderr
    assert "2 files" in r.stdout and "1 unreadable" in r.stdout, r.stdout
    assert sorted(p.name for p in (tmp_path / "archive").iterdir()) == ["a.jsonl", "b.json.gz"]
    assert sorted(p.name for p in (tmp_path / "landing").iterdir()) == ["c.json.gz"]
    got = {(x["sensor_id"], x["reading_id"]) for x in rows(tmp_path / "lake" / "sensor_data", ["sensor_id", "reading_id"])}
    assert got == land.valid
    # Running again reads nothing twice (the archived files are gone, c is still unreadable).
    again = ingest(orbitlake_bin, pipe, "--until-caught-up")
    assert again.returncode == 0, again.stderr
    assert len(rows(tmp_path / "lake" / "sensor_data", ["sensor_id"])) == len(land.valid)


def test_starting_files_new_skips_what_was_there_and_delete_removes_ingested_files(orbitlake_bin, tmp_path):
    land = Landing(tmp_path / "landing", random.Random(2))
    land.jsonl("old.jsonl", 30)
    old_valid = set(land.valid)
    pipe = pipeline(tmp_path, extra='starting_files = "new"')
    r = ingest(orbitlake_bin, pipe, "--until-caught-up")
    assert r.returncode == 0, r.stderr
    assert "recorded as skipped" in r.stderr, r.stderr
    assert rows(tmp_path / "lake" / "sensor_data", ["sensor_id"]) == []
    land.jsonl("new.jsonl", 30)
    r = ingest(orbitlake_bin, pipe, "--until-caught-up", "--delete")
    assert r.returncode == 0, r.stderr
    got = {(x["sensor_id"], x["reading_id"]) for x in rows(tmp_path / "lake" / "sensor_data", ["sensor_id", "reading_id"])}
    assert got == land.valid - old_valid and got
    # Both files are recorded, so both are deleted (old.jsonl was recorded as skipped).
    assert list((tmp_path / "landing").iterdir()) == []
