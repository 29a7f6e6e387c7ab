#!/bin/sh
# malformed.sh - sluice on malformed captures written at test time: see
# tests/malformed.py.
. "${top_srcdir:-.}/tests/lib.sh"
need_python
exec "$PYTHON3" "$top_srcdir/tests/malformed.py" "$SLUICE" "$top_builddir/tests/floodgen" \
    "$top_srcdir/doc/eve.schema.json" "$TMPD"
