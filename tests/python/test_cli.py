"""The CLI's contract with its user, through the built binary: usage errors, the config
file, the environment, table locations.

- A usage error (bad option or value, malformed or unknown config) is one line on stderr,
  "orbitlake <cmd>: error: ...", exit code 2, and nothing runs.
- Config file: parse errors and unknown keys stop the command, naming file, line and key.
- ORBITLAKE_BROKERS / ORBITLAKE_TOPIC / ORBITLAKE_GROUP are read by every command with
  the option; comma lists are split for repeatable topics and refused for single ones.
- Table locations: local paths and file:// URIs everywhere; other schemes and '' refused.
"""
import json
import os
import subprocess

import pytest
from deltalake import DeltaTable

USAGE = 2
ORBITLAKE_VARIABLES = ("ORBITLAKE_BROKERS", "ORBITLAKE_TOPIC", "ORBITLAKE_GROUP", "ORBITLAKE_TABLE")


def run(args, env=None, cwd=None, timeout=120):
    full_env = {k: v for k, v in os.environ.items() if k not in ORBITLAKE_VARIABLES}
    full_env.update(env or {})
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=full_env, cwd=cwd)


def assert_usage_error(out, command, *says):
    assert out.returncode == USAGE, f"exit {out.returncode}, stderr:\n{out.stderr}"
    lines = out.stderr.splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{out.stderr}"
    prefix = f"orbitlake {command}: error: " if command else "orbitlake: error: "
    assert lines[0].startswith(prefix), lines[0]
    for s in says:
        assert s in lines[0], f"{s!r} not in {lines[0]!r}"
    assert out.stdout == "", out.stdout
    return lines[0]


@pytest.mark.parametrize("args, says", [
    (["ingest", "--max-rows", "0"], ["--max-rows", "from 1 to 100000000", "'0'"]),
    (["ingest", "--max-rows", "-5"], ["--max-rows", "'-5'"]),
    (["ingest", "--max-rows", "100000000000000000000"], ["--max-rows", "'100000000000000000000'"]),
    (["ingest", "--max-bytes", "-1"], ["--max-bytes", "'-1'"]),
    (["ingest", "--max-bytes", "1"], ["--max-bytes", "from 1048576"]),
    (["ingest", "--interval", "0s"], ["--interval", "'0s'"]),
    (["ingest", "--startup-timeout", "5"], ["--startup-timeout", "'5'"]),
    (["produce", "--rate", "-1"], ["--rate", "'-1'"]),
    (["produce", "--rate", "nan"], ["--rate", "'nan'"]),
    (["produce", "--repeat", "0"], ["--repeat", "'0'"]),
    (["produce", "--sleep", "50ms..5ms"], ["--sleep"]),
    (["produce", "--delivery-timeout", "0ms"], ["--delivery-timeout"]),
    (["generate", "-s", "-1"], ["--seed", "'-1'"]),
    (["generate", "-r", "0"], ["--rows", "'0'"]),
    (["demo", "--commit-timeout", "-1"], ["--commit-timeout", "'-1'"]),
    (["demo", "--interval", "0ms"], ["--interval"]),
    (["demo", "--sleep", "x"], ["--sleep"]),
    (["smoke", "-n", "0"], ["--messages", "'0'"]),
    (["history", "-n", "-1", "/tmp"], ["--limit", "'-1'"]),
    (["tail", "-f", "--poll", "0", "/tmp"], ["--poll", "'0'"]),
    (["tail", "-n", "-3", "/tmp"], ["--rows", "'-3'"]),
    (["ingest", "--no-such-option"], ["--no-such-option"]),      # CLI11's own errors get the same form
    (["produce", "--threads"], ["--threads"]),
    (["tail"], ["table"]),
])
def test_bad_values_are_one_line_usage_errors(orbitlake_bin, tmp_path, args, says):
    out = run([orbitlake_bin, *args], cwd=tmp_path)
    assert_usage_error(out, args[0], *says)
    assert list(tmp_path.iterdir()) == [], "a usage error wrote something"


def test_no_or_unknown_command_is_a_usage_error(orbitlake_bin):
    assert_usage_error(run([orbitlake_bin]), None, "a command is required", "ingest")
    assert_usage_error(run([orbitlake_bin, "ingset"]), None, "unknown command 'ingset'")
    # The variables are read by the chosen command only: one no command accepts is no reason.
    assert_usage_error(run([orbitlake_bin], env={"ORBITLAKE_TOPIC": "a,b"}), None, "a command is required")


def test_help_lists_exit_codes_environment_and_precedence(orbitlake_bin):
    root = run([orbitlake_bin, "--help"])
    assert root.returncode == 0
    assert "2 usage error" in root.stdout and "3 it ran but data was not delivered" in root.stdout
    for cmd, env in [("ingest", ["ORBITLAKE_BROKERS", "ORBITLAKE_TOPIC", "ORBITLAKE_GROUP", "ORBITLAKE_TABLE"]),
                     ("produce", ["ORBITLAKE_BROKERS", "ORBITLAKE_TOPIC"]),
                     ("demo", ["ORBITLAKE_BROKERS", "ORBITLAKE_TOPIC"]),
                     ("smoke", ["ORBITLAKE_BROKERS"])]:
        out = run([orbitlake_bin, cmd, "--help"])
        assert out.returncode == 0, out.stderr
        for e in env:
            assert e in out.stdout, f"{cmd} --help does not name {e}"
        assert "command line > config file > environment > default" in out.stdout, cmd
        assert f"[{cmd}] section" in out.stdout
        assert "2 usage error" in out.stdout
    smoke = run([orbitlake_bin, "smoke", "--help"]).stdout
    assert "ORBITLAKE_TOPIC" not in smoke  # its scratch topic never comes from the telemetry topic variable
    tail = run([orbitlake_bin, "tail", "--help"]).stdout
    assert "command line > config file > default" in tail and "ORBITLAKE_" not in tail


# ---- the config file ----

def config_error(orbitlake_bin, tmp_path, text, command="ingest"):
    cfg = tmp_path / "orbitlake.toml"
    cfg.write_text(text)
    out = run([orbitlake_bin, "--config", str(cfg), command, "--metrics-addr", "", "--table", str(tmp_path / "t"),
               "-b", "127.0.0.1:1", "--startup-timeout", "200ms"], cwd=tmp_path)
    return cfg, out


@pytest.mark.parametrize("text, line, says", [
    ('[ingest]\ninterval = "1s"\nuntil_caught_up = true\n', 3,
     "unknown key 'until_caught_up' in [ingest] (did you mean 'until-caught-up'?)"),
    ('[ingest]\nbogus-key = 1\n', 2, "unknown key 'bogus-key' in [ingest]"),
    ('[ingest]\n\ninterval = "2s\n', 3, 'Error while parsing string'),
    ('[ingest]\ninterval = 2s\n', 2, "(in: interval = 2s)"),
    ('[ingest]\nuntil-caught-up\n', 2, "expected '=', saw '\\n' (in: until-caught-up)"),
    ('brokers = "x:1"\n[ingest]\n', 1, "key 'brokers' is outside a [command] section"),
    ('[ingest\nbrokers = "x:1"\n', 1, "expected ']'"),
    ('[ingets]\n', 1, "unknown section [ingets]"),
    ('[ingest]\nmax-rows = 0\n', 2, "key 'max-rows' in [ingest]: must be an integer from 1 to 100000000"),
    ('[ingest]\nmax-rows = 10\nmax-rows = 20\n', 3, "cannot redefine existing integer 'max-rows'"),
    ('[ingest]\ntable = "gs://bucket/t"\n', 2, "key 'table' in [ingest]: table URI scheme 'gs'"),
    ('[ingest]\nuntil-caught-up = "yes"\n', 2, "is a flag"),
    ('[produce]\nrate = -1\n', 2, "key 'rate' in [produce]"),  # a broken section of another command
])
def test_a_malformed_config_file_stops_the_command_naming_file_line_and_key(orbitlake_bin, tmp_path, text, line,
                                                                             says):
    cfg, out = config_error(orbitlake_bin, tmp_path, text)
    assert_usage_error(out, "ingest", f"{cfg}:{line}:", says)
    assert not (tmp_path / "t").exists()


def test_a_missing_config_file_is_an_error_naming_it(orbitlake_bin, tmp_path):
    missing = tmp_path / "nope.toml"
    out = run([orbitlake_bin, "--config", str(missing), "ingest"])
    assert_usage_error(out, "ingest", str(missing), "No such file")
    out = run([orbitlake_bin, "ingest", "--config", str(tmp_path)])  # also after the command name; a folder
    assert_usage_error(out, "ingest", str(tmp_path), "not a file")


def test_a_valid_config_file_is_applied(orbitlake_bin, tmp_path):
    cfg = tmp_path / "orbitlake.toml"
    cfg.write_text('# all the value forms\n[ingest]\nbrokers = "127.0.0.1:1"  # unreachable\n'
                   'topic = ["t1",\n  "t2,t3",  # split too\n]\ngroup = \'g-file\'\ninterval = "2s"\n'
                   'max-rows = 1_000\nuntil-caught-up = true\nX = ["socket.timeout.ms=1000"]\n'
                   '[tail]\nrows = 3\n')
    out = run([orbitlake_bin, "--config", str(cfg), "ingest", "--metrics-addr", "", "--table", str(tmp_path / "t"),
               "--startup-timeout", "300ms"])
    assert out.returncode == 1, out.stderr  # it ran: the broker does not answer
    first = out.stderr.splitlines()[0]
    assert "127.0.0.1:1 topic(s) t1,t2,t3 (group g-file)" in first and "every 2s, until caught up" in first, first


# ---- the environment ----

def test_every_kafka_command_reads_the_same_variables(orbitlake_bin, brokers, unique, tmp_path):
    samples = tmp_path / "samples"
    assert run([orbitlake_bin, "generate", "-n", "2", "-r", "50", "-o", str(samples)]).returncode == 0
    topic = unique("cli-env")
    env = {"ORBITLAKE_BROKERS": brokers, "ORBITLAKE_TOPIC": topic, "ORBITLAKE_GROUP": unique("g")}
    out = run([orbitlake_bin, "produce", "-d", str(samples), "--json"], env=env)
    assert out.returncode == 0, out.stderr
    assert f"Kafka {brokers} topic '{topic}'" in out.stderr.splitlines()[0]
    assert json.loads(out.stdout)["acked"] == 100

    table = tmp_path / "t"
    out = run([orbitlake_bin, "ingest", "--table", str(table), "--metrics-addr", "", "--interval", "500ms",
               "--until-caught-up", "-q"], env=env)
    assert out.returncode == 0, out.stderr
    first = out.stderr.splitlines()[0]
    assert f"{brokers} topic(s) {topic} (group {env['ORBITLAKE_GROUP']})" in first, first
    assert len(DeltaTable(str(table)).to_pyarrow_table()) == 100

    out = run([orbitlake_bin, "smoke", "-n", "20", "-t", unique("cli-smoke"), "-o", str(tmp_path / "smoke"),
               "--json"], env=env)
    assert out.returncode == 0, out.stderr
    assert f"Kafka {brokers}" in out.stderr.splitlines()[0]
    assert json.loads(out.stdout)["consumed"] == 20

    # demo: brokers from the environment count as named (it never starts a local broker
    # for them), and the topic comes from ORBITLAKE_TOPIC.
    out = run([orbitlake_bin, "demo", "--data-dir", str(tmp_path / "demo"), "--kafka-script", ""],
              env={"ORBITLAKE_BROKERS": "127.0.0.1:1", "ORBITLAKE_TOPIC": "demo-env"}, timeout=60)
    assert out.returncode == 1, out.stderr
    assert "topic 'demo-env'" in out.stdout, out.stdout
    assert "127.0.0.1:1" in out.stderr, out.stderr


def test_a_topic_list_in_the_environment_is_split_or_refused(orbitlake_bin, tmp_path):
    env = {"ORBITLAKE_BROKERS": "127.0.0.1:1", "ORBITLAKE_TOPIC": "a,b"}
    out = run([orbitlake_bin, "ingest", "--metrics-addr", "", "--table", str(tmp_path / "t"),
               "--startup-timeout", "300ms"], env=env)
    assert "127.0.0.1:1 topic(s) a,b " in out.stderr.splitlines()[0], out.stderr
    out = run([orbitlake_bin, "ingest", "--metrics-addr", "", "--table", str(tmp_path / "t"), "-t", "x,y", "-t", "z",
               "--startup-timeout", "300ms"], env=env)
    assert "topic(s) x,y,z " in out.stderr.splitlines()[0], out.stderr  # the command line wins, split too
    out = run([orbitlake_bin, "produce", "-d", str(tmp_path)], env=env)
    assert_usage_error(out, "produce", "--topic", "one topic", "'a,b'")
    out = run([orbitlake_bin, "produce", "-d", str(tmp_path), "-t", "bad topic"])
    assert_usage_error(out, "produce", "'bad topic' is not a Kafka topic name")


# ---- table locations ----

@pytest.mark.parametrize("command", [["ingest", "--table"], ["ingest", "--quarantine-table"], ["tail"], ["history"],
                                     ["describe"], ["demo", "--data-dir"], ["smoke", "-o"]])
@pytest.mark.parametrize("location, says", [("gs://bucket/t", "table URI scheme 'gs' in 'gs://bucket/t'"),
                                            ("", "empty")])
def test_unsupported_or_empty_table_locations_are_refused(orbitlake_bin, tmp_path, command, location, says):
    out = run([orbitlake_bin, *command, location], cwd=tmp_path)
    assert_usage_error(out, command[0], says)
    assert list(tmp_path.iterdir()) == [], "a folder was created for a refused location"


@pytest.mark.parametrize("command", [["demo", "--data-dir"], ["smoke", "-o"]])
def test_local_folders_refuse_s3_locations(orbitlake_bin, tmp_path, command):
    out = run([orbitlake_bin, *command, "s3://bucket/d"], cwd=tmp_path)
    assert_usage_error(out, command[0], "'s3://bucket/d' is not a local folder")
    assert list(tmp_path.iterdir()) == []


def test_file_uris_work_everywhere_a_table_is_taken(orbitlake_bin, brokers, unique, tmp_path):
    samples = tmp_path / "samples"
    assert run([orbitlake_bin, "generate", "-n", "1", "-r", "30", "-o", str(samples)]).returncode == 0
    topic = unique("cli-uri")
    out = run([orbitlake_bin, "produce", "-d", str(samples), "-b", brokers, "-t", topic, "--partitions", "1"])
    assert out.returncode == 0, out.stderr
    folder = tmp_path / "lake dir" / "raw"
    uri = folder.as_uri()  # file:///.../lake%20dir/raw, percent-encoded as delta-rs and Python write them
    assert uri.startswith("file:///") and "%20" in uri
    out = run([orbitlake_bin, "ingest", "-b", brokers, "-t", topic, "-g", unique("g"), "--table", uri,
               "--quarantine-table", uri + "-q", "--metrics-addr", "", "--until-caught-up", "-q"])
    assert out.returncode == 0, out.stderr
    assert len(DeltaTable(str(folder)).to_pyarrow_table()) == 30  # the plain folder, a real space in its name
    assert not (tmp_path / "lake%20dir").exists()
    # Every reader takes the forms engines print: file:///abs, Spark's file:/abs, file://localhost/abs.
    spark_style = "file:" + str(folder)
    for args in (["tail", uri, "-n", "2", "--format", "json"], ["history", uri, "--format", "csv"],
                 ["tail", spark_style, "-n", "1"], ["tail", "file://localhost" + str(folder), "-n", "1"]):
        out = run([orbitlake_bin, *args])
        assert out.returncode == 0, f"{args}: {out.stderr}"
    assert json.loads(run([orbitlake_bin, "describe", uri, "--format", "json"]).stdout)["rows"] == 30
    assert len(run([orbitlake_bin, "tail", uri, "-n", "5", "--format", "json"]).stdout.splitlines()) == 5
