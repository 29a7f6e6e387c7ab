#!/bin/sh
# e2e-bt-oracle.sh - BitTorrent handshakes and piece bytes on the real
# captures against Wireshark (tests/e2e_bt_oracle.py).
. "${top_srcdir:-.}/tests/lib.sh"
need_python
real=${SLUICE_REAL_PCAPS:-}
[ -n "$real" ] && [ -f "$real/MANIFEST.tsv" ] ||
    skip "no real captures (configure --with-real-pcaps=DIR or set SLUICE_REAL_PCAPS)"
exec "$PYTHON3" "$top_srcdir/tests/e2e_bt_oracle.py" "$SLUICE" "$real" \
    "$top_srcdir/doc/eve.schema.json" "$TMPD" "${TSHARK:-}"
