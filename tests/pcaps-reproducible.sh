#!/bin/sh
# pcaps-reproducible.sh - the committed captures are exactly what the
# generator makes: anyone can rebuild them and get the same bytes.
. "${top_srcdir:-.}/tests/lib.sh"
"$PCAPGEN" "$TMPD" >/dev/null || fail "pcapgen failed"
n=0
for f in "$top_srcdir"/pcaps/*.pcap; do
    b=$(basename "$f")
    [ -f "$TMPD/$b" ] || fail "generator does not make $b any more"
    cmp -s "$f" "$TMPD/$b" || fail "pcaps/$b differs from what the generator makes (run 'make pcaps')"
    n=$((n + 1))
done
for f in "$TMPD"/*.pcap; do
    [ -f "$top_srcdir/pcaps/$(basename "$f")" ] || fail "$(basename "$f") is generated but not committed"
done
echo "pcaps: $n captures match the generator byte for byte"
