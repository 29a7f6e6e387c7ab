#!/bin/sh
# e2e-egress.sh - the egress tracker end to end: the generated egress-*.pcap
# scenarios against an oracle, split replays, the allowlist and groups, and
# with real captures and tshark, byte counts against tshark's.
# See tests/e2e_egress.py for what is checked.
. "${top_srcdir:-.}/tests/lib.sh"
need_python
real=${SLUICE_REAL_PCAPS:-}
tshark=${TSHARK:-}
if [ -n "$real" ] && [ -f "$real/MANIFEST.tsv" ] && [ -n "$tshark" ] && [ -x "$tshark" ]; then
    exec "$PYTHON3" "$top_srcdir/tests/e2e_egress.py" "$SLUICE" "$top_srcdir/pcaps" \
        "$top_srcdir/doc/eve.schema.json" "$TMPD" "$real" "$tshark"
fi
echo "note: no real captures or no tshark: the comparison with tshark is not run"
exec "$PYTHON3" "$top_srcdir/tests/e2e_egress.py" "$SLUICE" "$top_srcdir/pcaps" \
    "$top_srcdir/doc/eve.schema.json" "$TMPD"
