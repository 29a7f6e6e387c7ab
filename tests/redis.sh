#!/bin/sh
# redis.sh - the Redis sink against real redis-server processes (each case
# starts its own on a free loopback port and stops it): see tests/e2e_redis.py.
. "${top_srcdir:-.}/tests/lib.sh"
need_python
command -v redis-server >/dev/null 2>&1 || skip "redis-server not found (tools/deps.sh installs it)"
"$PYTHON3" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema not found"
"$PYTHON3" "$top_srcdir/tests/e2e_redis.py" "$SLUICE" "$top_srcdir/pcaps" \
    "${SLUICE_REAL_PCAPS:-}" "$top_srcdir/doc/eve.schema.json" "$TMPD"
exit $?
