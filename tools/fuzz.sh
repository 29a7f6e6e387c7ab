#!/bin/sh
# fuzz.sh - build the libFuzzer targets in tests/fuzz/ with clang, ASan and
# UBSan, seed them from the project's captures (and real ones when a folder is
# given), and run each in turn, one process at a time, until it has done RUNS
# executions or SECONDS have passed, whichever comes first.  Prints a table:
# target, executions, seconds, crashes.  A crash input is kept under
# OUT/crashes-TARGET/ (minimise it with -minimize_crash=1 and copy it into
# tests/fuzz/regressions/ to keep it).
#
# Usage: tools/fuzz.sh [-t SECONDS] [-r RUNS] [-o OUT] [-p REALPCAPS] [TARGET...]
#        tools/fuzz.sh SECONDS [OUT]          (the old form; make fuzz runs 60 s)
# Targets, fast ones first: decode bencode bt_wire dht utp edonkey gnutella
# peerid urldecode tracker jpick engine config capfile.  Environment: CC (clang), NICE
# (a prefix such as "nice -n 10"), FUZZ_RSS_MB (2048).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=60 runs=-1 out=$top/build-fuzz real=
case ${1:-} in [0-9]*)
    secs=$1
    out=${2:-$out}
    shift $(($# > 1 ? 2 : 1)) ;;
esac
while getopts t:r:o:p: opt; do
    case $opt in
    t) secs=$OPTARG ;;
    r) runs=$OPTARG ;;
    o) out=$OPTARG ;;
    p) real=$OPTARG ;;
    *) echo "usage: $0 [-t SECONDS] [-r RUNS] [-o OUT] [-p REALPCAPS] [TARGET...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
mkdir -p "$out"
CC=${CC:-clang}
NICE=${NICE:-}
INC="-I$top/plugin -I$top/dissectors -I$top/alerts $(pkg-config --cflags libndpi jansson hiredis)"
# A 64-byte capture read window: records cross it and grow it on nearly every input.
FLAGS="-std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -DPACKAGE_VERSION=\"fuzz\" -DSL_CAPFILE_WINDOW=64 -DSL_CHECKS"
LIBS="$(pkg-config --libs libndpi jansson hiredis libpcap) -lm -lpthread"

# name:source:define  (one target per dissector, plus the decoder, the engine, the config)
ALL="decode:fuzz_decode: bencode:fuzz_dissector:FUZZ_BENCODE bt_wire:fuzz_dissector:FUZZ_BT_WIRE
dht:fuzz_dissector:FUZZ_DHT utp:fuzz_dissector:FUZZ_UTP edonkey:fuzz_dissector:FUZZ_EDONKEY
gnutella:fuzz_dissector:FUZZ_GNUTELLA peerid:fuzz_dissector:FUZZ_PEERID
urldecode:fuzz_dissector:FUZZ_URLDECODE tracker:fuzz_dissector:FUZZ_TRACKER
jpick:fuzz_dissector:FUZZ_JPICK engine:fuzz_engine: config:fuzz_config: capfile:fuzz_capfile:"
if [ $# -gt 0 ]; then
    sel=
    for want in "$@"; do
        spec=$(printf '%s\n' $ALL | grep "^$want:") || { echo "fuzz: no target $want" >&2; exit 2; }
        sel="$sel $spec"
    done
    ALL=$sel
fi

# The engine, once, into an archive every target links (instrumented for coverage too).
lib=$out/libsluice-fuzz.a
objs=
mkdir -p "$out/obj"
for src in $(ls "$top"/plugin/*.c "$top"/dissectors/*.c "$top"/alerts/*.c | grep -v '/main.c$'); do
    o=$out/obj/$(basename "$(dirname "$src")")-$(basename "$src" .c).o
    if [ ! -f "$o" ] || [ "$src" -nt "$o" ]; then
        # shellcheck disable=SC2086
        $CC $FLAGS -fsanitize=fuzzer-no-link $INC -c -o "$o" "$src"
    fi
    objs="$objs $o"
done
rm -f "$lib"
# shellcheck disable=SC2086
ar rcs "$lib" $objs

status=0
table=$out/fuzz-table.txt
printf '%-10s %12s %8s %8s\n' target executions seconds crashes >"$table"
for spec in $ALL; do
    t=${spec%%:*}
    rest=${spec#*:}
    src=${rest%%:*}
    def=${rest#*:}
    bin=$out/fuzz_$t
    # shellcheck disable=SC2086
    $CC $FLAGS -fsanitize=fuzzer $INC ${def:+-D$def} -o "$bin" "$top/tests/fuzz/$src.c" "$lib" $LIBS
    rm -rf "$out/seed-$t"
    python3 "$top/tools/fuzz-seed.py" "$t" "$out/seed-$t" "$top" "$real"
    mkdir -p "$out/corpus-$t" "$out/crashes-$t"
    log=$out/fuzz_$t.log
    maxlen=4096
    [ "$t" = urldecode ] && maxlen=1024 # a query string; longer only repeats itself
    start=$(date +%s)
    # The corpus folder grows with new coverage; the seeds are read, not written.
    # shellcheck disable=SC2086
    if $NICE "$bin" -max_total_time="$secs" -runs="$runs" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
        -max_len="$maxlen" -timeout=10 -print_final_stats=1 -artifact_prefix="$out/crashes-$t/" \
        "$out/corpus-$t" "$out/seed-$t" >"$log" 2>&1; then
        :
    else
        status=1
    fi
    took=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    crashes=$(find "$out/crashes-$t" -type f | wc -l)
    printf '%-10s %12s %8s %8s\n' "$t" "${execs:-?}" "$took" "$crashes" | tee -a "$table"
done
echo "fuzz: table in $table"
cat "$table"
exit $status
