#!/usr/bin/env bash
# Producer and generator throughput on this machine, against kcat -P on the same broker.
#
# Starts its own single-node Kafka broker (scripts/kafka, private --dir, free port),
# then measures:
#   1. orbitlake generate            MB/s of CSV written
#   2. orbitlake produce (no pacing) events/s and MB/s, idempotent, acks=all
#   3. kcat -P                       the same number of messages of the same size and
#                                    keys, with the same producer settings
# for compression none (the fair comparison: payload content does not matter) and lz4
# (orbitlake's default; kcat's payload here is random text, so lz4 helps it less).
#
# Usage: bench/producer_vs_kcat.sh [--satellites N] [--rows N] [--gen-rows N]
# Environment: BUILD_DIR (default ./build), where apps/orbitlake/orbitlake is built.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BUILD_DIR:-$ROOT/build}/apps/orbitlake/orbitlake"
SATS=4; ROWS=250000; GEN_ROWS=2000000
while (($#)); do
  case "$1" in
    --satellites) SATS="$2"; shift 2 ;;
    --rows) ROWS="$2"; shift 2 ;;
    --gen-rows) GEN_ROWS="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$BIN" ]] || { echo "build orbitlake first (scripts/build); looked for $BIN" >&2; exit 1; }
command -v kcat >/dev/null || { echo "kcat not found (apt-get install kcat)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/orbitlake-bench.XXXXXX)"
cleanup() { "$ROOT/scripts/kafka" stop --dir "$WORK/kafka" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
BROKERS="$("$ROOT/scripts/kafka" start --dir "$WORK/kafka" --port auto --timeout 120 | tail -1)"
echo "broker $BROKERS; machine: $(nproc) cores, $(uname -sr)"
now() { date +%s.%N; }

# 1. Generator
"$BIN" generate --satellites 8 --rows "$GEN_ROWS" --out "$WORK/gen" --seed 1 2>/dev/null | tee "$WORK/gen.txt"
rm -rf "$WORK/gen"

# 2./3. Producer vs kcat
"$BIN" generate --satellites "$SATS" --rows "$ROWS" --out "$WORK/samples" >/dev/null 2>&1
EVENTS=$((SATS * ROWS))
# Creates the topic (3 partitions) and warms the broker with one tiny run.
mkdir -p "$WORK/one" && head -2 "$WORK/samples/sat0.csv" >"$WORK/one/sat0.csv"
warm() { "$BIN" produce -d "$WORK/one" -b "$BROKERS" -t "$1" --partitions 3 >/dev/null 2>&1; }

SETTINGS=(-X enable.idempotence=true -X acks=all -X linger.ms=5
          -X queue.buffering.max.messages=1000000 -X batch.size=1000000)
for comp in none lz4; do
  warm "ol-$comp"
  t0=$(now)
  json="$(/usr/bin/time -f '%U %S' -o "$WORK/cpu" \
          "$BIN" produce -d "$WORK/samples" -b "$BROKERS" -t "ol-$comp" --json -X compression.type=$comp 2>/dev/null)"
  t1=$(now)
  cpu=$(awk '{print $1 + $2}' "$WORK/cpu")
  size=$(python3 -c "import json,sys; j=json.loads(sys.argv[1]); print(j['bytes']//j['events'])" "$json")
  python3 - "$json" "$t0" "$t1" "$comp" "$cpu" <<'PY'
import json, sys
j = json.loads(sys.argv[1]); wall = float(sys.argv[3]) - float(sys.argv[2]); cpu = float(sys.argv[5])
assert j["acked"] == j["events"] and j["failed"] == 0, j
print(f"orbitlake produce  compression={sys.argv[4]:4}  {j['events']} events x {j['bytes']//j['events']} B: "
      f"{j['events_per_second']:,.0f} events/s, {j['mb_per_second']:.1f} MB/s (run {j['seconds']:.2f} s; "
      f"wall incl. startup {wall:.2f} s = {j['events']/wall:,.0f} events/s; "
      f"CPU {cpu:.2f} s = {cpu/j['events']*1e6:.2f} us/event incl. CSV parsing)")
PY
  # Same count, same size (key<TAB>payload per line), same keys, printable payload.
  python3 - "$WORK/kcat-$comp.txt" "$EVENTS" "$SATS" "$size" <<'PY'
import random, string, sys
path, n, sats, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(1)
alphabet = (string.ascii_letters + string.digits).encode()
pool = bytes(rnd.choice(alphabet) for _ in range(1 << 20))
with open(path, "wb") as f:
    for i in range(n):
        off = (i * 7919) % (len(pool) - size)
        f.write(b"sat%d\t" % (i % sats) + pool[off:off + size] + b"\n")
PY
  warm "kc-$comp"
  t0=$(now)
  /usr/bin/time -f '%U %S' -o "$WORK/cpu" \
    kcat -P -b "$BROKERS" -t "kc-$comp" -K $'\t' "${SETTINGS[@]}" -X compression.type=$comp <"$WORK/kcat-$comp.txt"
  t1=$(now)
  cpu=$(awk '{print $1 + $2}' "$WORK/cpu")
  python3 - "$t0" "$t1" "$EVENTS" "$size" "$comp" "$cpu" <<'PY'
import sys
wall = float(sys.argv[2]) - float(sys.argv[1]); n = int(sys.argv[3]); size = int(sys.argv[4]); cpu = float(sys.argv[6])
print(f"kcat -P            compression={sys.argv[5]:4}  {n} messages x {size} B: {n/wall:,.0f} messages/s, "
      f"{n*size/wall/1e6:.1f} MB/s (wall incl. startup {wall:.2f} s; CPU {cpu:.2f} s = {cpu/n*1e6:.2f} us/message)")
PY
  rm -f "$WORK/kcat-$comp.txt"
done
# kcat's count, checked by reading back the high watermarks.
for t in kc-none kc-lz4; do
  n=$(kcat -C -b "$BROKERS" -t "$t" -e -q -f 'x\n' 2>/dev/null | wc -l)
  [[ "$n" -eq $((EVENTS + 1)) ]] || echo "WARNING: $t holds $n messages, expected $((EVENTS + 1))"
done
