#!/bin/sh
# ndpi-dispatch.sh - sluice's copy of nDPI's dissector loop (plugin/ndpi_dispatch.c) against
# libndpi's own (SLUICE_NDPI_DISPATCH=library): every generated and real capture gives the
# same events byte for byte.  The evidence writer's wait count is timing, not detection.
. "${top_srcdir:-.}/tests/lib.sh"
run() { # MODE CAPTURE OUT
    rm -rf "$TMPD/log" && mkdir "$TMPD/log"
    if [ "$1" = library ]; then
        SLUICE_NDPI_DISPATCH=library "$SLUICE" -q -r "$2" -l "$TMPD/log" \
            --set outputs.eve.filename=- >"$3" 2>"$TMPD/err" || fail "$2 ($1): exit $?"
        grep -q "nDPI runs its own dissector loop" "$TMPD/err" ||
            fail "$2: SLUICE_NDPI_DISPATCH=library did not take libndpi's loop"
    else
        "$SLUICE" -q -r "$2" -l "$TMPD/log" --set outputs.eve.filename=- >"$3" 2>"$TMPD/err" ||
            fail "$2 ($1): exit $?"
        ! grep -q "own dissector loop" "$TMPD/err" || fail "$2: library loop without asking"
    fi
    sed -i 's/"writer_waits":[0-9]*//' "$3"
}
n=0 flows=0
for cap in "$top_srcdir"/pcaps/*.pcap ${SLUICE_REAL_PCAPS:+"$SLUICE_REAL_PCAPS"/*.pcap*}; do
    [ -f "$cap" ] || continue
    run own "$cap" "$TMPD/own.json"
    run library "$cap" "$TMPD/lib.json"
    cmp -s "$TMPD/own.json" "$TMPD/lib.json" ||
        fail "$cap: events differ: $(diff "$TMPD/lib.json" "$TMPD/own.json" | head -4)"
    n=$((n + 1))
    flows=$((flows + $(grep -c '"event_type":"flow"' "$TMPD/own.json")))
done
[ "$n" -ge 20 ] || fail "only $n captures compared"
[ "$flows" -gt 0 ] || fail "no flow events in $n captures"
echo "ndpi-dispatch: $n captures, $flows flows: the same events with either loop"
