#!/bin/sh
# service.sh - running as a service, without root: --test-config rejects a bad
# config with file, line and column; a user that does not exist, a pidfile
# held by a live process and an interface that does not exist are refused
# with exit 1 and one clear line.  (Signals are tested live: tests/live-veth.sh.)
. "${top_srcdir:-.}/tests/lib.sh"
cap="$top_srcdir/pcaps/bt-handshake.pcap"
printf '{\n  "capture": {\n    "snaplen": "big"\n  }\n}\n' >"$TMPD/bad.json"
expect 1 "bad.json:3:16: option 'capture.snaplen': expected a whole number" -- \
    "$SLUICE" -c "$TMPD/bad.json" --test-config
printf '{\n  "workers": 65\n}\n' >"$TMPD/many.json"
expect 1 "many.json:2:14: option 'workers': 65 is above the maximum 64" -- \
    "$SLUICE" -c "$TMPD/many.json" --test-config
expect 1 "--user no-such-user-xyz: no such user" -- "$SLUICE" --user no-such-user-xyz --test-config
expect 1 "--user no-such-user-xyz: no such user; refusing to run" -- \
    "$SLUICE" -q -r "$cap" -l "$TMPD" --user no-such-user-xyz
expect 1 "--group no-such-group-xyz: no such group" -- \
    "$SLUICE" -q -r "$cap" -l "$TMPD" --group no-such-group-xyz
expect 1 "-r and -i cannot be combined" -- "$SLUICE" -r "$cap" -i lo
expect 1 "nothing to read" -- "$SLUICE" -q
expect 1 "-i no-such-if0" -- "$SLUICE" -q -i no-such-if0 -l "$TMPD"
# A pidfile held by a live process (this shell) is refused; a stale one is taken over.
echo $$ >"$TMPD/held.pid"
expect 1 "already running as pid $$" -- "$SLUICE" -q -r "$cap" -l "$TMPD" --pidfile "$TMPD/held.pid"
echo 999999999 >"$TMPD/stale.pid"
expect 0 "" -- "$SLUICE" -q -r "$cap" -l "$TMPD" --pidfile "$TMPD/stale.pid"
[ ! -e "$TMPD/stale.pid" ] || fail "pidfile not removed at exit"

echo "service: all checks passed"
