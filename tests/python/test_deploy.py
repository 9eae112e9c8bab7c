"""deploy/: the Dockerfile's runtime stage provides every shared library the built binary
loads, and the compose file keeps Kafka's state in its volume and runs orbitlake as a
non-root user with restart policies. No container runtime needed: the Dockerfile's
derivation (deploy/bundle: ldd -> shipped libraries + dpkg -S packages) runs on this host's
binary, which the image builds from the same source on the same Debian release.
"""
import functools
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

DOCKERFILE = ROOT / "deploy" / "Dockerfile"
COMPOSE = ROOT / "deploy" / "docker-compose.yml"
BUNDLE = ROOT / "deploy" / "bundle"
# In debian:12-slim already: libc6 and what apt and dpkg depend on.
SLIM_BASE = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}


def ldd(binary, env=None):
    """(name, path or None) for every library the dynamic loader loads for binary."""
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True, env=env).stdout
    libs = []
    for line in out.splitlines():
        line = line.strip()
        if m := re.match(r"(\S+) => (\S+)", line):
            libs.append((m[1], None if m[2] == "not" else m[2]))
        elif m := re.match(r"(/\S+) \(", line):
            libs.append((os.path.basename(m[1]), m[1]))
        # else linux-vdso.so.1: the kernel's
    return libs


@functools.lru_cache(maxsize=None)
def dpkg_owner(path):
    """The Debian package owning the library at path (dpkg knows /lib and /usr/lib paths
    as shipped; with merged /usr either may be the one), or None."""
    real = os.path.realpath(path)
    for p in dict.fromkeys([path, real, *(q[4:] if q.startswith("/usr/") else "/usr" + q for q in (path, real))]):
        out = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        lines = [ln for ln in out.stdout.splitlines() if not ln.startswith("diversion by")]
        if out.returncode == 0 and lines:
            return lines[0].split(": /")[0].split(",")[0].split(":")[0]
    return None


def instructions(text):
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#")))
    return [ln.strip() for ln in joined.splitlines() if ln.strip()]


def stages(text):
    out = []
    for ins in instructions(text):
        if ins.upper().startswith("FROM "):
            out.append([])
        if out:
            out[-1].append(ins)
    return out


def apt_installed(stage):
    """Packages named literally after `apt-get install` in the stage's RUNs, and whether a
    RUN installs a package list file (xargs -a FILE apt-get install / $(cat FILE))."""
    names, from_files = set(), []
    for ins in stage:
        if not ins.upper().startswith("RUN "):
            continue
        for m in re.finditer(r"apt-get install((?:\s+[^\s&;|]+)*)", ins):
            names |= {t for t in m[1].split() if not t.startswith("-") and "$" not in t and "/" not in t}
        if "apt-get install" in ins:
            from_files += re.findall(r"xargs\s+(?:-\S+\s+)*-a\s+(\S+)", ins)
            from_files += re.findall(r"\$\(cat\s+(\S+)\)", ins)
    return names, from_files


def uncovered(dockerfile_text, binary, out):
    """Libraries binary loads that the runtime stage of the Dockerfile neither ships in
    /out/lib nor gets from an installed package (or debian:12-slim), with a reason each;
    out: deploy/bundle's output for binary, as the build stage's /out."""
    build, runtime = stages(dockerfile_text)[0], stages(dockerfile_text)[-1]
    packages, lists = apt_installed(runtime)
    packages |= SLIM_BASE
    shipped = set()
    if any(re.search(r"\bdeploy/bundle\s+\S+\s+/out\b", ins) for ins in build if ins.upper().startswith("RUN ")):
        copied = {m[1] for ins in runtime for m in [re.match(r"COPY\s+--from=build\s+(\S+)\s+(\S+)", ins)] if m}
        if "/out/lib/" in copied or "/out/lib" in copied:
            shipped = {p.name for p in (out / "lib").iterdir()}
        if "/out/runtime-packages" in copied and lists:
            packages |= set((out / "runtime-packages").read_text().split())
    else:
        # The older way: `cp -L <globs under .venv> /out/lib/` in the build stage.
        for ins in build:
            for m in re.finditer(r"cp -L ((?:\S+\s+)+?)/out/lib/?", ins):
                for g in m[1].split():
                    shipped |= {p.name for p in ROOT.glob(g)}
    missing = []
    for name, path in ldd(binary):
        if path is None:
            missing.append(f"{name}: not found on this host")
        elif name in shipped:
            continue
        elif (pkg := dpkg_owner(path)) is None:
            missing.append(f"{name} ({path}): not shipped, and no Debian package owns it")
        elif pkg not in packages:
            missing.append(f"{name} ({path}): package {pkg} is not installed by the runtime stage")
    return missing


@pytest.fixture(scope="module")
def bundled(orbitlake_bin, tmp_path_factory):
    """deploy/bundle's output for the built binary: what the build stage leaves in /out."""
    out = tmp_path_factory.mktemp("bundle") / "out"
    subprocess.run([str(BUNDLE), orbitlake_bin, str(out)], check=True, capture_output=True, text=True)
    return out


def test_bundle_ships_or_names_a_package_for_every_library(orbitlake_bin, bundled):
    out = bundled
    packages = (out / "runtime-packages").read_text().split()
    shipped = {p.name for p in (out / "lib").iterdir()}
    assert packages == sorted(set(packages)) and packages
    # Every package exists (installed here, so the same release's runtime image has it).
    for pkg in packages:
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
        assert status.stdout == "install ok installed", (pkg, status.stderr)
    # Arrow/Parquet (pyarrow wheel) and librdkafka (confluent-kafka wheel) are shipped, not
    # taken from Debian (whose librdkafka 2.0.2 is too old, and which has no Arrow).
    assert {n for n in shipped if n.startswith(("libarrow.so.", "libparquet.so."))} and \
        any(n.startswith("librdkafka") for n in shipped), shipped
    for name, path in ldd(orbitlake_bin):
        assert path, f"{name} not found"
        assert name in shipped or dpkg_owner(path) in packages, f"{name} ({path}) neither shipped nor packaged"
        assert not (name in shipped and dpkg_owner(path)), f"{name} is shipped though Debian packages it"
    # The shipped copies are what the loader takes with /out/lib first (as /usr/local/lib in
    # the image), and the binary runs with them.
    env = {**os.environ, "LD_LIBRARY_PATH": str(out / "lib")}
    for name, path in ldd(out / "orbitlake", env=env):
        if name in shipped:
            assert path == str(out / "lib" / name)
    version = subprocess.run([str(out / "orbitlake"), "--version"], env=env, capture_output=True, text=True)
    assert version.returncode == 0 and "orbitlake" in version.stdout


def test_bundle_fails_on_a_missing_library(tmp_path):
    """A binary whose library is not found fails the bundle (and so the image build)."""
    cc = shutil.which("cc")
    if not cc:
        pytest.skip("no C compiler")
    (tmp_path / "lib.c").write_text("int f(void) { return 1; }\n")
    (tmp_path / "main.c").write_text("int f(void);\nint main(void) { return f(); }\n")
    subprocess.run([cc, "-shared", "-fPIC", "-o", tmp_path / "libgone.so", tmp_path / "lib.c"], check=True)
    subprocess.run([cc, "-o", tmp_path / "main", tmp_path / "main.c", "-L", tmp_path, "-lgone"], check=True)
    (tmp_path / "libgone.so").unlink()
    out = subprocess.run([str(BUNDLE), str(tmp_path / "main"), str(tmp_path / "out")], capture_output=True, text=True)
    assert out.returncode == 1 and "needs libgone.so, which is not found" in out.stderr


def test_dockerfile_runtime_stage_provides_every_library(orbitlake_bin, bundled):
    # (On the Dockerfile before deploy/bundle this names libcpp-httplib0.11 and libbrotli1.)
    missing = uncovered(DOCKERFILE.read_text(), orbitlake_bin, bundled)
    assert not missing, "\n".join(missing)


def test_dockerfile_runs_as_a_non_root_user():
    runtime = stages(DOCKERFILE.read_text())[-1]
    users = [ins.split(None, 1)[1] for ins in runtime if ins.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0"), users
    assert any("useradd" in ins and "ORBITLAKE_UID" in ins for ins in runtime)


def test_dockerfile_copies_what_cmake_configure_reads():
    """The build stage COPYs every top-level file or folder the configure step reads with
    tests and benchmarks off (fuzz/ was missing: each fuzz target checks its seed corpus)."""
    build = stages(DOCKERFILE.read_text())[0]
    copied = {pathlib.PurePosixPath(ins.split()[1]).parts[0] for ins in build
              if ins.upper().startswith("COPY ") and not ins.split()[1].startswith("--")}
    if any(ins.upper().startswith("RUN ") and "-m venv .venv" in ins for ins in build):
        copied.add(".venv")  # the pinned wheels' venv, made in the stage
    if any(ins.upper().startswith("RUN ") and "vendor-uplot" in ins for ins in build):
        copied.add(".cache")  # .cache/uplot, made in the stage by scripts/vendor-uplot
    cmake_files = [ROOT / "CMakeLists.txt", *(ROOT / "cmake").glob("*.cmake"),
                   *(ROOT / "src").rglob("CMakeLists.txt"), *(ROOT / "apps").rglob("CMakeLists.txt")]
    needed = {"CMakeLists.txt", "cmake", "src", "apps"}
    for f in cmake_files:
        needed |= set(re.findall(r"\$\{CMAKE_SOURCE_DIR\}/([A-Za-z0-9_.-]+)", f.read_text()))
    assert needed <= copied, sorted(needed - copied)


def compose_config(env=None):
    """`docker-compose config` of deploy/docker-compose.yml as a dict."""
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose missing: run scripts/setup"
    env = {**os.environ, **(env or {})}
    out = subprocess.run([compose, "-f", str(COMPOSE), "config"], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    # Debian's docker-compose (1.x, scripts/setup) is Python with PyYAML; v2 prints JSON on
    # request.
    shebang = open(compose, "rb").readline().decode(errors="replace")
    if shebang.startswith("#!") and "python" in shebang:
        conv = subprocess.run([shebang[2:].strip(), "-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), "
                               "sys.stdout)"], input=out.stdout, capture_output=True, text=True, check=True)
        return json.loads(conv.stdout)
    out = subprocess.run([compose, "-f", str(COMPOSE), "config", "--format", "json"], capture_output=True, text=True,
                         timeout=60, env=env, check=True)
    return json.loads(out.stdout)


def test_compose_file_is_valid():
    cfg = compose_config()
    services = cfg["services"]
    assert set(services) == {"kafka", "producer", "ingester"}
    assert services["kafka"]["image"].startswith("apache/kafka:")

    # Kafka writes its log where the volume is mounted (not the image's default
    # /tmp/kraft-combined-logs), in a named volume that `down` keeps.
    kafka = services["kafka"]
    env = {k: str(v) for k, v in kafka["environment"].items()}
    mounts = {}
    for v in kafka["volumes"]:
        src, dst = (v["source"], v["target"]) if isinstance(v, dict) else v.split(":")[:2]
        mounts[dst] = src
    assert env.get("KAFKA_LOG_DIRS") in mounts, (env.get("KAFKA_LOG_DIRS"), mounts)
    assert mounts[env["KAFKA_LOG_DIRS"]] in cfg.get("volumes", {}), "Kafka's log dir must be a named volume"
    # KRaft single node, in the image's KAFKA_* convention.
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert "CONTROLLER://:9093" in env["KAFKA_LISTENERS"] and env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env["CLUSTER_ID"])

    for name in ("kafka", "producer", "ingester"):
        assert services[name].get("restart") in ("always", "unless-stopped", "on-failure"), name
    for name in ("producer", "ingester"):
        svc = services[name]
        assert svc["build"]["dockerfile"] == "deploy/Dockerfile" and svc["image"] == "orbitlake:latest", name
        assert svc["user"] == "1000:1000", (name, svc["user"])
        assert any(str(v).endswith(":/data:rw") or (isinstance(v, dict) and v.get("target") == "/data")
                   for v in svc["volumes"]), name
    assert "kafka:9092" in " ".join(services["producer"]["command"])
    assert "--brokers=kafka:9092" in services["ingester"]["command"]

    # The host's UID for the bind-mounted ../data.
    services = compose_config({"ORBITLAKE_UID": "1234", "ORBITLAKE_GID": "5678"})["services"]
    assert services["producer"]["user"] == services["ingester"]["user"] == "1234:5678"
