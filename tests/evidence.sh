#!/bin/sh
# evidence.sh - evidence pcaps open in tshark and hold the alerting packets
# (tests/e2e_evidence.py), on generated and real captures.
. "${top_srcdir:-.}/tests/lib.sh"
need_python
: "${TSHARK:=$(command -v tshark || true)}"
[ -n "$TSHARK" ] && [ -x "$TSHARK" ] || skip "tshark not found"
set -- "$top_srcdir/pcaps/bt-handshake.pcap" "$top_srcdir/pcaps/bt-handshake-vlan.pcap" \
    "$top_srcdir/pcaps/bt-handshake-sll.pcap" "$top_srcdir/pcaps/mixed.pcap"
if [ -n "${SLUICE_REAL_PCAPS:-}" ] && [ -d "$SLUICE_REAL_PCAPS" ]; then
    set -- "$@" "$SLUICE_REAL_PCAPS/ndpi-bittorrent_transmission.pcapng" \
        "$SLUICE_REAL_PCAPS/ndpi-bittorrent.pcap"
fi
exec "$PYTHON3" "$top_srcdir/tests/e2e_evidence.py" "$SLUICE" "$TSHARK" "$TMPD" \
    "$top_srcdir/pcaps/udp-scan.pcap" "$@"
