#!/bin/sh
# flood.sh - a flow-table flood with small caps: see tests/flood.py.  The
# capture is written into the build tree at test time and removed after.
# SLUICE_FLOOD_PACKETS sets its size (1,000,000; 300,000 under ASan, which is
# several times slower, so the test stays under a minute in either build).
. "${top_srcdir:-.}/tests/lib.sh"
need_python
if [ -n "${SLUICE_SANITIZERS:-}" ]; then n=${SLUICE_FLOOD_PACKETS:-300000}; else n=${SLUICE_FLOOD_PACKETS:-1000000}; fi
work="$top_builddir/tests/flood.work"
rm -rf "$work" && mkdir -p "$work" || fail "mkdir $work"
trap 'rm -rf "$TMPD" "$work"' EXIT
"$PYTHON3" "$top_srcdir/tests/flood.py" "$SLUICE" "$top_builddir/tests/floodgen" \
    "$top_srcdir/doc/eve.schema.json" "$top_srcdir/pcaps" "$work" "$n"
