#!/bin/sh
# live-veth.sh - live capture end to end, for real: a network namespace with a
# veth pair, `sluice -i` with two workers on one end (dropping to nobody, with
# a pidfile), the project's Ethernet captures and a real BitTorrent capture
# replayed into the other end with tcpreplay.  Checks: the same alerts (by
# signature and flow) as `sluice -r` of the same captures; SIGUSR1 writes stats
# with capture counters; a quiet link still ends idle flows on time; SIGHUP
# after a rename loses no line; SIGTERM ends every flow with its event and
# exits 0; the process ran as nobody.  Traffic stays inside the namespace.
. "${top_srcdir:-.}/tests/lib.sh"
need_python
[ "$(id -u)" -eq 0 ] || skip "not root: cannot create network namespaces (CI runs this as root)"
command -v ip >/dev/null || fail "ip (iproute2) not found: run tools/deps.sh"
command -v tcpreplay >/dev/null || fail "tcpreplay not found: run tools/deps.sh"
ns="sluice-test-$$"
ip netns add "$ns" 2>"$TMPD/netns.err" || skip "cannot create a network namespace: $(cat "$TMPD/netns.err")"
pid="" spid=""
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" ${spid:-} 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
nsx() { ip netns exec "$ns" "$@"; }
nsx ip link set lo up
nsx ip link add vs0 type veth peer name vs1 || fail "cannot create a veth pair"
for d in vs0 vs1; do
    nsx ip link set "$d" mtu 9000 up || fail "cannot bring $d up"
done
# No IPv6 autoconfiguration chatter on the capture side.
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true

# The captures: the generated Ethernet ones, and one real BitTorrent capture.
caps=""
for f in "$top_srcdir"/pcaps/*.pcap; do
    # The egress scenarios are recorded headers-only (65,040-byte packets of which 54 bytes
    # were kept): put back on a wire they would be 54-byte packets, not the volume they record.
    case "$f" in */egress-*) continue ;; esac
    lt=$("$PYTHON3" -c 'import struct,sys; b=open(sys.argv[1],"rb").read(24); print(struct.unpack("<I", b[20:24])[0])' "$f")
    [ "$lt" = 1 ] && caps="$caps $f"
done
real="${SLUICE_REAL_PCAPS:-}/ndpi-bittorrent.pcap"
[ -n "${SLUICE_REAL_PCAPS:-}" ] && [ -f "$real" ] && caps="$caps $real"

# Both runs use the same settings; nothing time-dependent is rate-limited or windowed away.
set -- --set alerts.rate_limit=0 --set p2p.infer_window=86400 --set flow.timeout.udp=5 \
    --set stats.interval=0

# Reference: a replay of the same packets in the order tcpreplay sends them, with as many
# workers (nDPI's endpoint cache is per engine: see README, "Workers").  Several -r files
# are merged by packet time, and the generated captures all start at the same instant, so
# the reference is one capture of them one after another, each shifted to start a second
# after the one before ends.
mkdir -p "$TMPD/replay"
# shellcheck disable=SC2086
"$PYTHON3" "$top_srcdir/tests/pcapcat.py" "$TMPD/sequence.pcap" $caps ||
    fail "cannot write the reference capture"
"$SLUICE" -q --workers 2 -r "$TMPD/sequence.pcap" -l "$TMPD/replay" "$@" ||
    fail "replay of the captures failed"

chmod 755 "$TMPD"
mkdir -p "$TMPD/live" && chown nobody "$TMPD/live"
nsx "$SLUICE" -i vs0 --workers 2 --user nobody --pidfile "$TMPD/live/sluice.pid" -q \
    -l "$TMPD/live" "$@" 2>"$TMPD/live.err" &
pid=$!
# Up when the pidfile exists and the handle is open.
for i in $(seq 50); do [ -s "$TMPD/live/sluice.pid" ] && break; sleep 0.1; done
[ -s "$TMPD/live/sluice.pid" ] || fail "no pidfile: $(cat "$TMPD/live.err")"
# `ip netns exec` may fork: the pidfile names the sensor itself.
spid=$(cat "$TMPD/live/sluice.pid")
tr '\0' ' ' <"/proc/$spid/cmdline" | grep -q "sluice -i vs0" || fail "pidfile holds $spid, not sluice"
sleep 1
# The privilege drop: every uid and gid is nobody's.
uid=$(id -u nobody)
grep -q "^Uid:[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid$" "/proc/$spid/status" ||
    fail "sluice does not run as nobody: $(grep '^Uid' "/proc/$spid/status")"
grep -q "^Groups:[[:space:]]*$(id -g nobody)[[:space:]]*$" "/proc/$spid/status" ||
    fail "supplementary groups kept: $(grep '^Groups' "/proc/$spid/status")"

# shellcheck disable=SC2086
nsx tcpreplay -q -i vs1 --pps=1500 $caps >"$TMPD/tcpreplay.out" 2>&1 ||
    fail "tcpreplay failed: $(cat "$TMPD/tcpreplay.out")"
sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$TMPD/tcpreplay.out")
failed=$(sed -n 's/.*Failed packets: *\([0-9]*\).*/\1/p' "$TMPD/tcpreplay.out")
# Flows idle past flow.timeout.udp end on a quiet link, with nothing captured to move time.
sleep 7
kill -USR1 "$spid"
sleep 1
timeouts=$("$PYTHON3" -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if (e:=json.loads(l))["event_type"]=="flow" and e["flow"]["reason"]=="timeout"))' "$TMPD/live/eve.json")
[ "$timeouts" -gt 0 ] || fail "no flow ended by timeout on a quiet link"

# Rotation: rename, SIGHUP, more traffic; then every line is in one file or the other.
mv "$TMPD/live/eve.json" "$TMPD/live/eve.json.1"
kill -HUP "$spid"
sleep 0.5
nsx tcpreplay -q -i vs1 --pps=1500 "$top_srcdir/pcaps/mixed.pcap" >/dev/null 2>&1 || fail "second tcpreplay failed"
sleep 1
kill -TERM "$spid"
wait "$pid"
st=$?
pid=""
[ "$st" -eq 0 ] || fail "sluice exited $st after SIGTERM: $(cat "$TMPD/live.err")"
[ ! -e "$TMPD/live/sluice.pid" ] || fail "pidfile not removed at exit"
[ -s "$TMPD/live/eve.json" ] || fail "nothing written to the reopened eve.json"

"$PYTHON3" - "$TMPD" "$top_srcdir/doc/eve.schema.json" "${sent:-0}" "${failed:-0}" <<'PY'
import json, sys
tmp, schema, sent, failed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def load(p):
    return [json.loads(l) for l in open(p)]
old, new = load(tmp + "/live/eve.json.1"), load(tmp + "/live/eve.json")
live, ref = old + new, load(tmp + "/replay/eve.json")
def fail(msg):
    sys.exit("FAIL: " + msg)
# Lines: what the engines say they wrote (their last stats events) is what the two files hold.
last = {}
for e in live:
    if e["event_type"] == "stats":
        last[e["stats"].get("worker", {}).get("id", 0)] = e
if len(last) != 2:
    fail("expected final stats from 2 workers, got %s" % sorted(last))
written = sum(s["stats"]["output"]["events"] for s in last.values())
if written != len(live):
    fail("rotation lost lines: engines wrote %d events, files hold %d + %d" % (written, len(old), len(new)))
# SIGTERM: every flow created has its flow event.
created = sum(s["stats"]["flow"]["created"] for s in last.values())
flows = [e for e in live if e["event_type"] == "flow"]
if created != len(flows) or not created:
    fail("%d flows created, %d flow events" % (created, len(flows)))
shutdown = sum(1 for e in flows if e["flow"]["reason"] == "shutdown")
# SIGUSR1: a stats event per worker before the final ones; worker 0 carries the capture counters.
stats = [e for e in live if e["event_type"] == "stats"]
if len(stats) < 4:
    fail("SIGUSR1 wrote no stats events (%d stats events in all)" % len(stats))
cap = last[0]["stats"].get("capture")
if not cap or cap["interfaces"][0]["name"] != "vs0" or cap["kernel_packets"] < sent:
    fail("stats.capture missing or short: %s (sent %d)" % (cap, sent))
# The alerts: the same signatures on the same flows as the replay.
def alerts(evs):
    return sorted({(e["alert"]["signature_id"], e["src_ip"], e.get("src_port"), e["dest_ip"],
                    e.get("dest_port"), e["proto"]) for e in evs if e["event_type"] == "alert"})
# (Both files: handshakes seen one way are reported when their flow ends, at SIGTERM; the second
# pass of mixed.pcap repeats flows of the first, so it adds no signature/flow pair.)
a_live = alerts(live)
a_ref = alerts(ref)
if a_live != a_ref:
    only_r = [a for a in a_ref if a not in a_live]
    only_l = [a for a in a_live if a not in a_ref]
    fail("alerts differ: %d only in replay %s, %d only live %s (tcpreplay: %d sent, %d failed)"
         % (len(only_r), only_r[:5], len(only_l), only_l[:5], sent, failed))
try:
    import jsonschema
    sch = json.load(open(schema))
    for e in live:
        jsonschema.validate(e, sch)
except ImportError:
    pass
sids = sorted({a[0] for a in a_live})
print("live-veth: %d packets sent, kernel saw %d, %d kernel drops, %d if drops, %d queue drops; "
      "%d alerts (%d signature/flow pairs, sids %s) = replay; %d flow events (%d at shutdown); "
      "%d + %d lines across the rotation = %d written"
      % (sent, cap["kernel_packets"], cap["kernel_drops"], cap["if_drops"], cap["queue_drops"],
         sum(1 for e in live if e["event_type"] == "alert"), len(a_live), sids, len(flows), shutdown,
         len(old), len(new), written))
PY
