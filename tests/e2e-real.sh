#!/bin/sh
# e2e-real.sh - end to end over ../shared/pcaps/real (or $SLUICE_REAL_PCAPS):
# see tests/e2e_real.py for what is checked.
. "${top_srcdir:-.}/tests/lib.sh"
need_python
real=${SLUICE_REAL_PCAPS:-}
[ -n "$real" ] && [ -f "$real/MANIFEST.tsv" ] ||
    skip "no real captures (configure --with-real-pcaps=DIR or set SLUICE_REAL_PCAPS)"
exec "$PYTHON3" "$top_srcdir/tests/e2e_real.py" "$SLUICE" "$real" "$top_srcdir/doc/eve.schema.json" "$TMPD"
