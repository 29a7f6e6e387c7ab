#!/bin/sh
# fuzz.sh - build the libFuzzer targets in tests/fuzz/ with clang, ASan and
# UBSan, seed them from the project's captures, and run each for SECONDS.
# Prints executions and crashes per target; a crash input is kept under
# OUT/crashes-TARGET/ (copy it into tests/fuzz/regressions/ to keep it).
# Usage: tools/fuzz.sh [SECONDS] [OUT]      (make fuzz runs it for 60 s)
set -eu
secs=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$top/build-fuzz}
mkdir -p "$out"
CC=${CC:-clang}
INC="-I$top/plugin -I$top/dissectors -I$top/alerts $(pkg-config --cflags libndpi jansson)"
FLAGS="-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DPACKAGE_VERSION=\"fuzz\""
ENGINE_SRC=$(ls "$top"/plugin/*.c "$top"/dissectors/*.c "$top"/alerts/*.c | grep -v '/main.c$')
LIBS="$(pkg-config --libs libndpi jansson) -lm"

seed() { # target: write seed inputs from pcaps/ and the unit tests' messages
    dir=$out/corpus-$1
    mkdir -p "$dir"
    python3 - "$1" "$dir" "$top/pcaps" <<'PY'
import os, struct, sys
target, out, pcaps = sys.argv[1:]
frames = []
for name in sorted(os.listdir(pcaps)):
    if not name.endswith(".pcap"):
        continue
    d = open(os.path.join(pcaps, name), "rb").read()
    lt = struct.unpack("<I", d[20:24])[0]
    off, recs = 24, []
    while off + 16 <= len(d):
        incl = struct.unpack("<I", d[off + 8:off + 12])[0]
        recs.append((lt, d[off + 16:off + 16 + incl]))
        off += 16 + incl
    frames.append((name, recs))
n = 0
for name, recs in frames:
    if target == "decode":
        lts = [0, 1, 12, 14, 101, 108, 113, 239, 276]
        for lt, f in recs[:40]:
            open(os.path.join(out, "%s-%d" % (name, n)), "wb").write(bytes([lts.index(lt) if lt in lts else 1]) + f)
            n += 1
    elif target == "engine":
        blob = b"".join(struct.pack(">HB", len(f), 1) + f for lt, f in recs[:200] if lt == 1)
        if blob:
            open(os.path.join(out, name), "wb").write(blob)
    elif target == "bittorrent":
        for lt, f in recs[:60]:
            # transport payloads: skip the Ethernet/IPv4 headers and a 20/8-byte header
            if lt == 1 and len(f) > 42 and f[12:14] == b"\x08\x00":
                ihl = (f[14] & 15) * 4
                l4 = 14 + ihl
                body = f[l4 + ((f[l4 + 12] >> 4) * 4 if f[23] == 6 else 8):]
                if body:
                    open(os.path.join(out, "%s-%d" % (name, n)), "wb").write(body)
                    n += 1
if target == "config":
    open(os.path.join(out, "sample"), "wb").write(open(os.path.join(pcaps, "..", "etc", "sluice.json"), "rb").read())
    open(os.path.join(out, "set"), "wb").write(b"flow.timeout.udp=30s")
PY
}

status=0
# name:source:define  (one target per dissector, plus the decoder, the engine, the config)
TARGETS="decode:fuzz_decode: engine:fuzz_engine: config:fuzz_config:
bencode:fuzz_dissector:FUZZ_BENCODE bt_wire:fuzz_dissector:FUZZ_BT_WIRE
dht:fuzz_dissector:FUZZ_DHT utp:fuzz_dissector:FUZZ_UTP tracker:fuzz_dissector:FUZZ_TRACKER
edonkey:fuzz_dissector:FUZZ_EDONKEY gnutella:fuzz_dissector:FUZZ_GNUTELLA
peerid:fuzz_dissector:FUZZ_PEERID"
for spec in $TARGETS; do
    t=${spec%%:*}
    rest=${spec#*:}
    src=${rest%%:*}
    def=${rest#*:}
    bin=$out/fuzz_$t
    # shellcheck disable=SC2086
    $CC $FLAGS $INC ${def:+-D$def} -o "$bin" "$top/tests/fuzz/$src.c" $ENGINE_SRC $LIBS
    case $t in decode | engine | config) seed "$t" ;; *) seed bittorrent && rm -rf "$out/corpus-$t" &&
        cp -r "$out/corpus-bittorrent" "$out/corpus-$t" ;; esac
    mkdir -p "$out/crashes-$t"
    log=$out/fuzz_$t.log
    if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$out/crashes-$t/" "$out/corpus-$t" >"$log" 2>&1; then
        result=ok
    else
        result=CRASH
        status=1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $t: ${execs:-?} executions in ${secs}s, $result"
done
exit $status
