#!/bin/sh
# deps.sh - install what sluice needs to build and test, from Debian 12's
# packages.  Runs apt-get only when something is missing; uses sudo when not root.
set -eu
PKGS="build-essential autoconf automake libtool pkg-config clang
libpcap-dev libndpi-dev libjansson-dev libhiredis-dev check
python3 python3-jsonschema tshark redis-server tcpreplay iproute2 valgrind chromium
libndpi-bin time"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# tshark asks whether non-root users may capture; the default answer (no) is right here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
