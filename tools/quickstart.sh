#!/bin/sh
# quickstart.sh - from a fresh clone: install dependencies, build, and run the
# sensor on a bundled capture, printing its alerts.
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p build
cd build
[ -f Makefile ] || ../configure --quiet
make -j"$(nproc)" --quiet sluice >/dev/null
echo "== alerts from pcaps/mixed.pcap =="
./sluice -r ../pcaps/mixed.pcap --set outputs.eve.filename=- --set outputs.eve.types=alert
