#!/bin/sh
# workers.sh - replaying with 1, 2 and 4 workers gives the same events
# (tests/e2e_workers.py): the generated captures, then the real ones.
. "${top_srcdir:-.}/tests/lib.sh"
need_python
"$PYTHON3" "$top_srcdir/tests/e2e_workers.py" "$SLUICE" "$TMPD" "$top_srcdir/pcaps" || exit 1
if [ -n "${SLUICE_REAL_PCAPS:-}" ] && [ -d "$SLUICE_REAL_PCAPS" ]; then
    "$PYTHON3" "$top_srcdir/tests/e2e_workers.py" "$SLUICE" "$TMPD" "$SLUICE_REAL_PCAPS" || exit 1
else
    echo "workers: no real captures (SLUICE_REAL_PCAPS): generated captures only"
fi
