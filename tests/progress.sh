#!/bin/sh
# progress.sh - the progress line on a terminal and the end summary (tests/e2e_progress.py).
. "${top_srcdir:-.}/tests/lib.sh"
need_python
p="$top_srcdir/pcaps"
exec "$PYTHON3" "$top_srcdir/tests/e2e_progress.py" "$SLUICE" "$TMPD" "$p/p2p-downloads.pcap" \
    "$p/mixed.pcap" "$p/bt-metadata.pcap" "$p/dht.pcap"
