#!/bin/sh
# report.sh - sluice-report's page in headless Chromium (tests/e2e_report.py);
# the screenshot stays in the build directory as report.png.
. "${top_srcdir:-.}/tests/lib.sh"
need_python
p="$top_srcdir/pcaps"
exec "$PYTHON3" "$top_srcdir/tests/e2e_report.py" "$SLUICE" "${SLUICE_REPORT:-$top_builddir/sluice-report}" \
    "$TMPD" "$top_builddir/report.png" "$p/p2p-downloads.pcap" "$p/mixed.pcap" "$p/bt-metadata.pcap" \
    "$p/bt-overshare.pcap" "$p/hostile-peerid.pcap" "$p/dht.pcap" "$p/dns-bt-lookup.pcap" \
    "$p/bt-encrypted.pcap"
