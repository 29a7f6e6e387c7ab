#!/bin/sh
# bench-smoke.sh - make bench's generator and runner work, on a tiny scale.
# Speeds are not checked here (that is what make bench prints); only that the
# captures are what they claim and the runner prints its whole table.
. "$top_srcdir/tests/lib.sh"
need_python
[ -n "${SLUICE_REAL_PCAPS:-}" ] && [ -d "$SLUICE_REAL_PCAPS" ] || skip "no real captures"
command -v ndpiReader >/dev/null 2>&1 || skip "ndpiReader not installed (libndpi-bin)"
B="$top_builddir/bench"

"$B/benchgen" -s 0.002 -d "$SLUICE_REAL_PCAPS" "$TMPD/a" >"$TMPD/gen1" || fail "benchgen"
"$B/benchgen" -s 0.002 -d "$SLUICE_REAL_PCAPS" "$TMPD/b" >/dev/null || fail "benchgen again"
for f in realmix bulk realmix-slice bulk-slice; do
    cmp "$TMPD/a/$f.pcap" "$TMPD/b/$f.pcap" || fail "$f.pcap differs between two runs"
done
rm -rf "$TMPD/b"
# Every reader agrees on the packet count, and it is what the generator said.
for f in realmix bulk; do
    want=$(awk -v f="$f" '$1 == f {print $3}' "$TMPD/gen1")
    [ "${want:-0}" -gt 100 ] || fail "$f: generator wrote ${want:-no} packets"
    for t in readloop capread tuples; do
        got=$("$B/$t" "$TMPD/a/$f.pcap" | awk '{print $2}')
        [ "$got" = "$want" ] || fail "$t $f.pcap: $got packets, generator wrote $want"
    done
done
# The bulk capture holds what it claims: nDPI names its four kinds of flows.
ndpiReader -i "$TMPD/a/bulk.pcap" -v 0 >"$TMPD/ndpi.txt" 2>&1 || fail "ndpiReader on bulk"
for p in BitTorrent TLS SSH HTTP; do
    grep -q "^[[:space:]]*$p[[:space:]].*flows:" "$TMPD/ndpi.txt" || fail "bulk: nDPI sees no $p"
done
# sluice alerts on the BitTorrent flows of both captures.
for f in realmix bulk; do
    mkdir -p "$TMPD/log-$f"
    "$SLUICE" -q -r "$TMPD/a/$f.pcap" -l "$TMPD/log-$f" || fail "sluice on $f"
    grep '"event_type":"alert"' "$TMPD/log-$f/eve.json" | grep -q BitTorrent ||
        fail "$f: no BitTorrent alert"
done
"$PYTHON3" "$top_srcdir/bench/run.py" --bin "$top_builddir" --dir "$TMPD/a" \
    --real "$SLUICE_REAL_PCAPS" --scale 0.002 --rounds 1 --no-callgrind >"$TMPD/table" 2>&1 ||
    { cat "$TMPD/table"; fail "run.py"; }
cat "$TMPD/table"
for w in "bare libpcap loop" "capfile.c bare loop" "ndpiReader -q" "sluice 1w JSON sink" \
    "sluice 1w no sink" "targets:" "B/flow"; do
    grep -q "$w" "$TMPD/table" || fail "the table has no '$w'"
done
exit 0
