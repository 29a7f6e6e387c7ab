#!/bin/sh
# replay-merge.sh - replaying a capture split into several files gives the
# unsplit capture's events (tests/e2e_replay.py), on generated and real captures.
. "${top_srcdir:-.}/tests/lib.sh"
need_python
set -- "$top_srcdir/pcaps/mixed.pcap" "$top_srcdir/pcaps/bt-metadata.pcap" \
    "$top_srcdir/pcaps/p2p-downloads.pcap"
if [ -n "${SLUICE_REAL_PCAPS:-}" ] && [ -d "$SLUICE_REAL_PCAPS" ]; then
    set -- "$@" "$SLUICE_REAL_PCAPS/ndpi-bittorrent.pcap" "$SLUICE_REAL_PCAPS/ndpi-gnutella.pcap"
fi
exec "$PYTHON3" "$top_srcdir/tests/e2e_replay.py" "$SLUICE" "$top_srcdir/tools/pcapsplit.py" \
    "$TMPD" "$@"
