"""orbitlake pipeline check: the issue's example file is valid and resolves as declared;
broken files give exactly one error line naming file:line:column and the key, exit 1.

Runs the built binary only (no broker, no table is touched).
"""
import re
import subprocess

import pytest

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "pipelines" / "clickstream.toml"
ERROR_LINE = re.compile(r"^orbitlake pipeline: error: (?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<key>\S+): (?P<what>.+)$")


def check(orbitlake_bin, path):
    return subprocess.run([orbitlake_bin, "pipeline", "check", str(path)], capture_output=True, text=True, timeout=60)


def test_the_example_is_valid_and_resolved(orbitlake_bin):
    out = check(orbitlake_bin, EXAMPLE)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    text = out.stdout
    assert text.startswith(f"{EXAMPLE}: valid (1 source, 2 tables)\n")
    assert re.search(r"^  brokers +127\.0\.0\.1:9092$", text, re.M)
    assert re.search(r"^  group +clickstream$", text, re.M)
    assert re.search(r"^source events\n  topics +raw_events\n  format +json\n", text, re.M)
    assert "./data/delta-tables/clickstream/events-quarantine" in text
    for table in ("page_view", "purchase"):
        block = text.split(f"\ntable {table}\n", 1)[1].split("\ntable ", 1)[0]
        assert re.search(rf"^  path +\./data/delta-tables/clickstream/{table}$", block, re.M)
        assert re.search(r"^  source +events$", block, re.M)
        assert re.search(rf'^  route +\$\.event_type = "{table}"$', block, re.M)
        assert re.search(rf"^  quarantine +\./data/delta-tables/clickstream/{table}-quarantine ", block, re.M)
    page_view = text.split("\ntable page_view\n", 1)[1].split("\ntable ", 1)[0]
    assert re.search(r"^  partition_by +date$", page_view, re.M)
    rows = [line.split() for line in page_view.split("  columns\n", 1)[1].split("  checks\n", 1)[0].splitlines()]
    assert rows[0] == ["name", "type", "from", "required"]
    assert [r[:3] for r in rows[1:]] == [
        ["event_id", "string", "$.event_id"], ["user_id", "long", "$.user_id"], ["url", "string", "$.page.url"],
        ["duration_ms", "integer", "$.duration_ms"], ["event_time", "timestamp", "$.timestamp"],
        ["date", "date", "event_time"], ["kafka_partition", "integer", "kafka.partition"],
        ["kafka_offset", "long", "kafka.offset"]]
    assert [r[-1] for r in rows[1:]] == ["yes"] + ["no"] * 7
    # Aligned: every row's type starts in the same column as the header's.
    lines = page_view.split("  columns\n", 1)[1].split("  checks\n", 1)[0].splitlines()
    assert len({line.index(row[1], 4 + len(row[0])) for line, row in zip(lines, rows)}) == 1
    assert page_view.split("  checks\n", 1)[1].split() == ["user_id", ">=", "0", "duration_ms", "<=", "86400000"]
    purchase = text.split("\ntable purchase\n", 1)[1]
    assert re.search(r"^    amount +decimal\(12,2\) +\$\.amount +no$", purchase, re.M)
    assert re.search(r"^    items +array<struct<sku:string,qty:integer>> +\$\.items +no$", purchase, re.M)


def broken(tmp_path, old, new):
    text = EXAMPLE.read_text()
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def position(path, new, at):
    """1-based (line, column) of the first `at` at or after the edited text `new`."""
    text = path.read_text()
    offset = text.index(at, text.index(new))
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


# (old text, new text, where the error points (the first such text from the edit on: a
#  string's opening quote, or the character inside it that is wrong), key, message)
CASES = [
    ('sku:string,qty', 'sku:strin,qty', "strin,qty", "table[1].columns[3].type",
     "type 'array<struct<sku:strin,qty:integer>>', character 18: unknown type 'strin' (did you mean string?)"),
    ('type = "integer",   from = "$.duration_ms"', 'type = "int",   from = "$.duration_ms"', 'int",',
     "table[0].columns[3].type", "type 'int', character 1: unknown type 'int' (did you mean integer?)"),
    ('source = "events"\nwhere = { field = "event_type", equals = "purchase" }',
     'source = "event"\nwhere = { field = "event_type", equals = "purchase" }', '"event"', "table[1].source",
     "no source named 'event' (did you mean events?)"),
    ('from = "event_time" }', 'from = "event_tim" }', '"event_tim"', "table[0].columns[5].from",
     "'event_tim' is not a column of table 'page_view' (did you mean event_time?); a message field is written "
     "$.event_tim, see also kafka.*, ingest_time, and value = for a constant"),
    ('"user_id >= 0"', '"userid >= 0"', "userid", "table[0].checks[0]",
     "check 'userid >= 0': 'userid' is not a column of table 'page_view' (did you mean user_id?)"),
    ('partition_by = ["date"]', 'partition_by = ["day"]', '"day"', "table[0].partition_by[0]",
     "'day' is not a column of table 'page_view'"),
    ('type = "long",      from = "kafka.offset"', 'type = "integer",   from = "kafka.offset"', '"kafka.offset"',
     "table[0].columns[7].from", "kafka.offset fills long columns, not integer"),
    ('group = "clickstream"', 'groups = "clickstream"', "groups", "kafka.groups",
     "unknown key (did you mean group?); kafka takes brokers, group, app_id, properties"),
    ('format = "json"', 'format = "avro"', '"avro"', "source[0].format", "unknown format 'avro'; one of json, telemetry"),
    ('checks = ["user_id >= 0", ', 'checks = ["user_id >= 0", "url = 3", ', '"url = 3"', "table[0].checks[1]",
     "check 'url = 3': 'url' is string: compare it with quoted text ('...')"),
    ('where = { field = "event_type", equals = "page_view" }\npartition_by',
     'where = { field = "event_type", equals = "page_view" }\ndefault = true\npartition_by', "true", "table[0].default",
     "a default table takes the messages no other table takes: it has no where"),
]


@pytest.mark.parametrize("old,new,at,key,what", CASES)
def test_a_broken_file_names_file_line_column_and_key(orbitlake_bin, tmp_path, old, new, at, key, what):
    path = broken(tmp_path, old, new)
    out = check(orbitlake_bin, path)
    assert out.returncode == 1, out.stdout
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    m = ERROR_LINE.match(lines[0])
    assert m, lines[0]
    line, col = position(path, new, at)
    assert (m["file"], int(m["line"]), int(m["col"]), m["key"], m["what"]) == (str(path), line, col, key, what)


def test_invalid_toml_and_a_missing_file(orbitlake_bin, tmp_path):
    path = broken(tmp_path, "[[table]]\nname = \"purchase\"", "[[table]\nname = \"purchase\"")
    out = check(orbitlake_bin, path)
    assert out.returncode == 1
    assert out.stderr.startswith(f"orbitlake pipeline: error: {path}:28:")
    assert "invalid TOML" in out.stderr
    missing = tmp_path / "nope.toml"
    out = check(orbitlake_bin, missing)
    assert out.returncode == 1
    assert out.stderr == f"orbitlake pipeline: error: cannot open pipeline file {missing}: No such file or directory\n"


def test_help_explains_the_command(orbitlake_bin):
    out = subprocess.run([orbitlake_bin, "pipeline", "check", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for words in ("Exit status: 0 the file is valid, 1", "docs/pipelines.md",
                  "orbitlake pipeline check examples/pipelines/clickstream.toml"):
        assert words in out.stdout


SENSORS = ROOT / "examples" / "pipelines" / "sensors.toml"


def test_the_sensors_pipeline_is_valid(orbitlake_bin):
    """The four tables of the MQTT sensor system, one per Kafka topic the bridge feeds."""
    out = check(orbitlake_bin, SENSORS)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"{SENSORS}: valid (4 sources, 4 tables)\n")
    for topic, value in (("temperature", "temperature_c"), ("humidity", "humidity_pct"),
                         ("distance", "distance_cm"), ("motion", "motion")):
        assert re.search(rf"^source {topic}\n  topics +{topic}\n  format +json\n", out.stdout, re.M)
        block = out.stdout.split(f"\ntable {topic}\n", 1)[1].split("\ntable ", 1)[0]
        assert re.search(r"^    device +string +\$\.device +yes$", block, re.M)
        assert re.search(r"^    seq +long +\$\.seq +yes$", block, re.M)
        assert re.search(rf"^    {value} +\S+ +\$\.{value} +yes$", block, re.M)
