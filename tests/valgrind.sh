#!/bin/sh
# valgrind.sh - the sensor end to end under valgrind: the generated captures,
# a few real ones (pcap and pcapng, several link types), a valid config and a
# broken one.  Fails on any invalid read or write, use of uninitialised memory
# or definite leak; memory nDPI keeps reachable until exit is not an error.
# Skipped without valgrind, and in the sanitizer build (ASan and valgrind do
# not mix; Makefile.am exports SLUICE_SANITIZERS).
. "${top_srcdir:-.}/tests/lib.sh"
command -v valgrind >/dev/null 2>&1 || skip "valgrind not installed"
[ -z "${SLUICE_SANITIZERS:-}" ] || skip "sanitizer build: valgrind cannot run ASan binaries"
need_python
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-origins=yes"

set -- "$top_srcdir"/pcaps/*.pcap
real=${SLUICE_REAL_PCAPS:-}
for f in ndpi-bittorrent.pcap ndpi-bittorrent_utp.pcap ndpi-edonkey.pcap ndpi-gnutella.pcap \
    ndpi-bt-http.pcapng zeek-pcapng-multi-interface.pcapng zeek-nflog-http.pcap \
    ndpi-dns2tcp_tunnel.pcap ndpi-psiphon3.pcap sv-http-post-file.pcap arkime-bigendian.pcap; do
    [ -n "$real" ] && [ -f "$real/$f" ] && set -- "$@" "$real/$f"
done
args=
for f in "$@"; do args="$args -r $f"; done

# shellcheck disable=SC2086
$VG "$SLUICE" -q $args -l "$TMPD" 2>"$TMPD/vg.err"
rc=$?
cat "$TMPD/vg.err" >&2
[ "$rc" -ne 99 ] || fail "valgrind found errors replaying $# captures"
[ "$rc" -eq 0 ] || fail "sluice exited $rc replaying $# captures"
"$PYTHON3" "$top_srcdir/tests/evecheck.py" "$top_srcdir/doc/eve.schema.json" "$TMPD/eve.json" ||
    fail "invalid events"
grep -q '"event_type":"alert"' "$TMPD/eve.json" || fail "no alert: the replay did not run"

# The config loader's success and error paths.
$VG "$SLUICE" --test-config -c "$top_srcdir/etc/sluice.json" >/dev/null 2>"$TMPD/vg.err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$TMPD/vg.err" >&2; fail "--test-config on the sample config exited $rc"; }
printf '{"flow": {"memcap": "4MiB", "nope": 1}}\n' >"$TMPD/bad.json"
$VG "$SLUICE" --test-config -c "$TMPD/bad.json" >/dev/null 2>"$TMPD/vg.err"
rc=$?
[ "$rc" -eq 1 ] || { cat "$TMPD/vg.err" >&2; fail "a bad config exited $rc, want 1"; }
# A truncated capture (the error path of the reader): exit 2, no leak.
head -c 3000 "$top_srcdir/pcaps/bt-handshake.pcap" >"$TMPD/cut.pcap"
$VG "$SLUICE" -q -r "$TMPD/cut.pcap" -l "$TMPD" 2>"$TMPD/vg.err"
rc=$?
[ "$rc" -eq 2 ] || { cat "$TMPD/vg.err" >&2; fail "a truncated capture exited $rc, want 2"; }
echo "valgrind: $# captures, the sample and a bad config, a truncated capture: no errors, no definite leaks"
