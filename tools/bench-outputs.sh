#!/bin/sh
# bench-outputs.sh - replay throughput with (a) no sink, (b) the EVE file
# sink, (c) the Redis sink pointed at a port nobody listens on (so every
# event goes through the memory queue to the spool), interleaved a b c a b c
# so machine load hits all three alike.  Prints packets/s per run, the median
# of each, and the ratios b/a and c/a.  A benchmark, not a test: the target
# is c/a >= 0.90 (the packet path never waits on Redis or on spool I/O).
#
#   tools/bench-outputs.sh [SLUICE] [CAPTURE_DIR_OR_FILE]
#   env: ROUNDS (default 5), REPEAT (-r given this many times, default 10)
set -eu
SLUICE=${1:-build/sluice}
INPUT=${2:-${SLUICE_REAL_PCAPS:-/work/shared/pcaps/real}}
ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-10}
[ -x "$SLUICE" ] || { echo "bench-outputs: $SLUICE: not built" >&2; exit 1; }
[ -e "$INPUT" ] || { echo "bench-outputs: $INPUT: no such capture" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

reads=""
i=0
while [ "$i" -lt "$REPEAT" ]; do
    reads="$reads -r $INPUT"
    i=$((i + 1))
done

# One run: prints packets/s.  $1 = a|b|c
run() {
    rm -rf "$tmp/log"
    mkdir -p "$tmp/log"
    case $1 in
    a) set -- --set outputs.eve.enabled=false ;;
    b) set -- ;;
    c) set -- --set outputs.eve.enabled=false --set redis.enabled=true \
        --set redis.server=127.0.0.1 --set redis.port=1 --set redis.drain_timeout=0 ;;
    esac
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    "$SLUICE" -l "$tmp/log" $reads "$@" 2>"$tmp/err" || true
    t1=$(date +%s%N)
    pkts=$(sed -n 's/^sluice: \([0-9]*\) packets,.*/\1/p' "$tmp/err")
    [ -n "$pkts" ] || { cat "$tmp/err" >&2; exit 1; }
    echo "$pkts $t0 $t1" | awk '{ printf "%.0f\n", $1 / (($3 - $2) / 1e9) }'
}

echo "sluice output benchmark: $REPEAT x $INPUT, $ROUNDS rounds, $(nproc) cpus"
r=1
while [ "$r" -le "$ROUNDS" ]; do
    for k in a b c; do
        v=$(run $k)
        echo "$v" >>"$tmp/$k"
        printf 'round %d %s %s pkts/s\n' "$r" "$k" "$v"
    done
    r=$((r + 1))
done
if [ -d "$tmp/log/redis-spool" ]; then
    echo "(c) spooled: $(cat "$tmp/log/redis-spool"/*.spool 2>/dev/null | wc -l) events in the last run"
fi
med() { sort -n "$tmp/$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
a=$(med a)
b=$(med b)
c=$(med c)
echo "median pkts/s: (a) no sink $a  (b) eve file $b  (c) redis unreachable, spooling $c"
echo "$a $b $c" | awk '{ printf "ratios: b/a %.3f  c/a %.3f  (target c/a >= 0.90)\n", $2 / $1, $3 / $1 }'
