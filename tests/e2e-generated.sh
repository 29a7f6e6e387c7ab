#!/bin/sh
# e2e-generated.sh - end to end over the project's own captures in pcaps/:
# see tests/e2e_generated.py for what is checked.
. "${top_srcdir:-.}/tests/lib.sh"
need_python
exec "$PYTHON3" "$top_srcdir/tests/e2e_generated.py" "$SLUICE" "$top_srcdir/pcaps" \
    "$top_srcdir/doc/eve.schema.json" "$TMPD"
