#!/bin/sh
# cli.sh - the sensor's command line: every user mistake gets one clear line
# on stderr naming what and where, and a non-zero exit; good use exits 0.
. "${top_srcdir:-.}/tests/lib.sh"
cap="$top_srcdir/pcaps/bt-handshake.pcap"

"$SLUICE" --version | grep -q '^sluice [0-9]' || fail "--version"
"$SLUICE" --help | grep -q -- '--set KEY=VALUE' || fail "--help does not document --set"
"$SLUICE" --help-config | grep -q 'flow.timeout.udp' || fail "--help-config lacks flow.timeout.udp"

expect 1 "nothing to read" -- "$SLUICE"
expect 1 "unknown option '--bogus'" -- "$SLUICE" --bogus
expect 1 "option '-r' needs a value" -- "$SLUICE" -r
expect 1 "unexpected argument 'extra'" -- "$SLUICE" -r "$cap" extra
expect 1 "/nonexistent.pcap: No such file or directory" -- "$SLUICE" -r /nonexistent.pcap
expect 1 "not a capture file" -- "$SLUICE" -r "$top_srcdir/README.md"
: >"$TMPD/empty.pcap"
expect 1 "empty.pcap" -- "$SLUICE" -r "$TMPD/empty.pcap"

# A classic pcap header with link type 147 (USER0), which sluice cannot decode.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\223\000\000\000' >"$TMPD/user0.pcap"
expect 1 "unsupported link type 147" -- "$SLUICE" -r "$TMPD/user0.pcap"

# Config errors name the file, line and column.
printf '{\n  "flow": {\n    "timeout": {"udp": true}\n  }\n}\n' >"$TMPD/bad.json"
expect 1 "bad.json:3:[0-9]*: option 'flow.timeout.udp'" -- "$SLUICE" -c "$TMPD/bad.json" -r "$cap"
printf '{\n  "flow.timout.udp": 30\n}\n' >"$TMPD/typo.json"
expect 1 "typo.json:2:3: unknown option 'flow.timout.udp'" -- "$SLUICE" -c "$TMPD/typo.json" --test-config
expect 1 "cannot open" -- "$SLUICE" -c "$TMPD/missing.json" --test-config
expect 1 "option 'flow.memcap'" -- "$SLUICE" --set flow.memcap=-5 --test-config
expect 1 "unknown option 'no.such'" -- "$SLUICE" --set no.such=1 --test-config
expect 1 "home_networks" -- "$SLUICE" --set home_networks=10.0.0.0/33 --test-config
expect 0 "" -- "$SLUICE" -c "$top_srcdir/etc/sluice.json" --test-config
grep -q "configuration OK" "$TMPD/out" || fail "--test-config does not say OK"

# A log directory that does not exist.
expect 1 "$TMPD/nodir/eve.json" -- "$SLUICE" -r "$cap" -l "$TMPD/nodir"

# Good use: events in LOGDIR/eve.json, a summary on stderr, exit 0.
expect 0 "packets" -- "$SLUICE" -r "$cap" -l "$TMPD"
[ -s "$TMPD/eve.json" ] || fail "no eve.json written"
# -q silences the summary; a directory of captures reads every capture in it.
mkdir "$TMPD/dir" && cp "$cap" "$TMPD/dir/a.pcap" && cp "$cap" "$TMPD/dir/b.pcap" && echo notes >"$TMPD/dir/notes.txt"
expect 0 "warning: skipping" -- "$SLUICE" -r "$TMPD/dir" -l "$TMPD/dir"
# As many replay workers as CPUs leaves none for the reader: a warning, which -q silences.
n=$(nproc)
[ "$n" -le 64 ] || n=64
expect 0 "warning: $n workers and the reader on" -- "$SLUICE" -r "$cap" -l "$TMPD" --workers "$n"
expect 0 "" -- "$SLUICE" -q -r "$cap" -l "$TMPD" --workers "$n"
[ ! -s "$TMPD/err" ] || fail "-q still warned: $(cat "$TMPD/err")"
# A replay's queue is replay.queue_size, not the live capture.queue_size: a 200,000-byte record
# (under the 256 KiB record limit) reaches the engine with the live queue at its smallest, whose
# 256 KiB would hold no packet over half of that.
{
    printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\000\000\004\000\001\000\000\000'
    printf '\001\000\000\000\000\000\000\000\100\015\003\000\100\015\003\000'
    head -c 200000 /dev/zero
} >"$TMPD/big.pcap"
mkdir "$TMPD/big"
expect 0 "" -- "$SLUICE" -q -r "$TMPD/big.pcap" -l "$TMPD/big" --set capture.queue_size=256KiB \
    --set replay.queue_size=1MiB
grep -q '"decoder":{"pkts":1,"bytes":200000,' "$TMPD/big/eve.json" ||
    fail "the 200,000-byte record did not reach the engine through replay.queue_size"
expect 1 "option 'replay.queue_size'" -- "$SLUICE" --set replay.queue_size=512KiB --test-config
echo "cli: all checks passed"
