#!/usr/bin/env python3
"""e2e_generated.py - sluice over the project's own captures (pcaps/), with
exact expectations from pcaps/README.md.

Each case replays one capture and asserts which alerts come out (signature,
endpoints, evidence), what the flow events count, and that every event is
valid (evecheck.py).  Community IDs are recomputed here in Python from the
spec, independently of the C code.
Usage: e2e_generated.py SLUICE PCAPS_DIR SCHEMA WORKDIR
"""
import base64
import collections
import hashlib
import ipaddress
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evecheck  # noqa: E402

BT_SESSION, BT_INDICATOR, BT_HANDSHAKE = 2290001, 2291001, 2292001
BT_SEEDING, BT_DHT, SUSPICIOUS_FILE, OVERSHARE = 2292004, 2292005, 2292006, 2292007
INFERRED = 2292003


def community_id(proto, saddr, daddr, sport, dport):
    """Community ID v1, seed 0 (corelight/community-id-spec), TCP/UDP only."""
    s, d = ipaddress.ip_address(saddr).packed, ipaddress.ip_address(daddr).packed
    if (s, sport) > (d, dport):
        s, d, sport, dport = d, s, dport, sport
    data = struct.pack("!H", 0) + s + d + struct.pack("!BBHH", proto, 0, sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


class Case:
    def __init__(self, pcap, events):
        self.pcap, self.events, self.errors = pcap, events, []

    def of(self, t):
        return [e for e in self.events if e["event_type"] == t]

    def check(self, cond, msg):
        if not cond:
            self.errors.append(msg)


def check_common(c):
    for e in c.events:
        if "community_id" in e and e["proto"] in ("TCP", "UDP"):
            want = community_id(6 if e["proto"] == "TCP" else 17, e["src_ip"], e["dest_ip"],
                                e["src_port"], e["dest_port"])
            c.check(e["community_id"] == want, "community_id %s, spec gives %s" % (e["community_id"], want))
    stats = c.of("stats")
    c.check(len(stats) == 1, "one stats event at the end, got %d" % len(stats))
    if stats:
        s = stats[0]["stats"]
        c.check(s["flow"]["created"] == len(c.of("flow")),
                "stats.flow.created %d != flow events %d" % (s["flow"]["created"], len(c.of("flow"))))
        c.check(s["alerts"]["total"] == len(c.of("alert")), "stats.alerts.total disagrees")


def expect_bt_session(c, client, server, ports, vlan=None, pieces=(2, 1), info_hash=None,
                      peer_ids=("-qB4650-a1b2c3d4e5f6", "-TR3000-z9y8x7w6v5u4")):
    """A BitTorrent session: the session alert at the first handshake, the handshake alert
    naming the torrent and both clients, and a flow event counting the pieces exactly."""
    alerts = c.of("alert")
    sids = [a["alert"]["signature_id"] for a in alerts]
    c.check(sids == [BT_SESSION, BT_HANDSHAKE], "alerts %s, expected [%d, %d]" % (sids, BT_SESSION, BT_HANDSHAKE))
    if len(alerts) != 2:
        return
    a, h = alerts
    got = (a["src_ip"], a["dest_ip"]) + ((a["src_port"], a["dest_port"]) if ports else ())
    c.check(got == (client, server) + (ports or ()),
            "alert endpoints %s:%s -> %s:%s" % (a["src_ip"], a["src_port"], a["dest_ip"], a["dest_port"]))
    c.check(a["p2p"]["detection"] == "session" and a["p2p"]["protocol"] == "bittorrent", "p2p %s" % a["p2p"])
    c.check(a["app_proto"] == "bittorrent", "app_proto %s" % a["app_proto"])
    c.check(a.get("pcap_cnt", 0) >= 4, "alert pcap_cnt %s: the handshake is packet 4 or later" % a.get("pcap_cnt"))
    c.check(a["pcap_filename"].endswith(c.pcap), "pcap_filename %s" % a.get("pcap_filename"))
    if vlan is not None:
        c.check(a.get("vlan") == vlan, "vlan %s, expected %s" % (a.get("vlan"), vlan))
    # The alert is raised while the flow is young, not at its end.
    c.check(a["flow"]["pkts_toserver"] + a["flow"]["pkts_toclient"] < 10,
            "alert came after %d packets" % (a["flow"]["pkts_toserver"] + a["flow"]["pkts_toclient"]))
    bt = h["p2p"].get("bittorrent", {})
    c.check(bt.get("info_hash") == info_hash, "info_hash %s, expected %s" % (bt.get("info_hash"), info_hash))
    for side, pid in zip(("client", "server"), peer_ids):
        got_pid = bt.get(side, {}).get("peer_id_hex")
        c.check(got_pid == pid.encode("latin-1").hex(), "%s peer_id %s, expected %s" % (side, got_pid, pid))
    flows = [f for f in c.of("flow") if f["flow_id"] == a["flow_id"]]
    c.check(len(flows) == 1, "the alerted flow has %d flow events" % len(flows))
    if flows:
        f = flows[0]["flow"]
        c.check(f["alerted"] and f["state"] == "closed", "flow state %s alerted %s" % (f["state"], f["alerted"]))
        fbt = flows[0]["p2p"]["bittorrent"]
        up, down = pieces
        got = (fbt["client"]["pieces"], fbt["client"]["piece_bytes"], fbt["server"]["pieces"],
               fbt["server"]["piece_bytes"])
        c.check(got == (up, up * 16384, down, down * 16384), "pieces sent (client, server): %s" % (got,))


def ih(first):
    return bytes(range(first, first + 20)).hex()


def case_bt(first, ip_client="192.168.1.10", ip_server="203.0.113.5", ports=None, vlan=None, pieces=(2, 1)):
    def run(c):
        expect_bt_session(c, ip_client, ip_server, ports, vlan, pieces, ih(first))
    return run


def case_no_alert(app_proto=None):
    def run(c):
        c.check(not c.of("alert"), "expected no alert, got %s" % [a["alert"]["signature"] for a in c.of("alert")])
        if app_proto:
            protos = {f["app_proto"] for f in c.of("flow")}
            c.check(app_proto in protos, "no flow with app_proto %s (got %s)" % (app_proto, protos))
    return run


def case_dns_indicator(c):
    alerts = c.of("alert")
    c.check(len(alerts) == 1, "expected 1 indicator, got %d" % len(alerts))
    for a in alerts:
        c.check(a["alert"]["signature_id"] == BT_INDICATOR and a["alert"]["severity"] == 3,
                "signature %s severity %s" % (a["alert"]["signature_id"], a["alert"]["severity"]))
        c.check(a["p2p"]["evidence"] == "hostname" and a["p2p"]["detection"] == "indicator", "p2p %s" % a["p2p"])


def case_dht(c):
    alerts = [a for a in c.of("alert") if a["alert"]["signature_id"] == BT_SESSION]
    c.check(len(alerts) == 4 and all(a["p2p"]["protocol"] == "bittorrent" and a["proto"] == "UDP"
                                     and a["p2p"]["evidence"] == "dht" for a in alerts),
            "DHT: expected 4 BitTorrent alerts from DHT, got %s" % [(a["p2p"], a["proto"]) for a in alerts])
    # One DHT lookup alert for the torrent: get_peers; announce_peer for the same torrent within
    # alerts.rate_limit is held back (and counted).
    lookups = [a for a in c.of("alert") if a["alert"]["signature_id"] == BT_DHT]
    c.check(len(lookups) == 1 and lookups[0]["dest_ip"] == "203.0.113.22" and
            lookups[0]["p2p"]["dht"]["info_hashes"] == [ih(0x01)],
            "DHT lookup alerts: %s" % [(a["dest_ip"], a["p2p"].get("dht")) for a in lookups])
    st = c.of("stats")[0]["stats"]["alerts"]
    c.check(st["suppressed"] == 1, "alerts suppressed %s, expected 1" % st["suppressed"])
    # Per node (pcaps/README.md): ping, find_node (target), get_peers and announce_peer (info_hash).
    dht = {f["dest_ip"]: f["p2p"]["dht"] for f in c.of("flow")}
    want = {
        "203.0.113.20": ({"ping": 1}, [], []),
        "203.0.113.21": ({"find_node": 1}, [], [ih(0x01)]),
        "203.0.113.22": ({"get_peers": 1}, [ih(0x01)], []),
        "203.0.113.23": ({"announce_peer": 1}, [ih(0x01)], []),
    }
    for node, (queries, hashes, targets) in want.items():
        d = dht.get(node, {})
        got = (d.get("query"), d.get("info_hashes"), d.get("targets"), d.get("messages"))
        c.check(got == (queries, hashes, targets, 2), "DHT %s: %s" % (node, got))
        c.check(d.get("client", {}).get("node_id") == bytes(range(0x40, 0x54)).hex(), "DHT %s node id" % node)


def case_mixed(c):
    sids = [a["alert"]["signature_id"] for a in c.of("alert")]
    c.check(sids == [BT_SESSION, BT_HANDSHAKE],
            "mixed: expected only the BitTorrent alerts, got %s" % [a["alert"]["signature"] for a in c.of("alert")])
    protos = sorted(f["app_proto"] for f in c.of("flow"))
    for p in ("bittorrent", "http", "tls"):
        c.check(p in protos, "mixed: no %s flow (flows: %s)" % (p, protos))


def case_hostile(c):
    # evecheck already parsed every line strictly (UTF-8, JSON); the bytes survive in hex.
    expect_bt_session(c, "192.168.1.66", "203.0.113.66", (40000, 6881), pieces=(1, 1), info_hash=ih(0x61),
                      peer_ids=("-qB4650-\x00\x01\x1b\"\\\xff\xc3\x28\xed\xa0\x80z", "-TR3000-z9y8x7w6v5u4"))
    flows = c.of("flow")
    if flows and "p2p" in flows[0]:
        client = flows[0]["p2p"]["bittorrent"]["client"]
        want = b"evil\x00\x1b\"\\\xff\xc3\x28\xe2\x80\xa8".hex()
        c.check(client.get("ext_client_hex") == want, "ext_client_hex %s" % client.get("ext_client_hex"))


def case_seeding(c):
    """With p2p.seeding_bytes=128KiB the internal host's 16 pieces cross it at the 8th block."""
    seeds = [a for a in c.of("alert") if a["alert"]["signature_id"] == BT_SEEDING]
    c.check(len(seeds) == 1, "expected one seeding alert, got %d" % len(seeds))
    if seeds:
        s = seeds[0]
        sent = s["p2p"]["bittorrent"]["client"]["piece_bytes"]
        # Counted as the bytes pass: this packet (at most one MSS) is the one that crossed.
        c.check(131072 <= sent < 131072 + 1460, "seeding alert at %d piece bytes" % sent)
        c.check(s["src_ip"] == "192.168.1.10", "seeding alert names %s" % s["src_ip"])


def case_metadata(c):
    """BEP 9: the internal host receives a torrent holding movie.avi.exe."""
    sids = [a["alert"]["signature_id"] for a in c.of("alert")]
    c.check(sids == [BT_SESSION, BT_HANDSHAKE, SUSPICIOUS_FILE], "alerts %s" % sids)
    bad = [a for a in c.of("alert") if a["alert"]["signature_id"] == SUSPICIOUS_FILE]
    if bad:
        p = bad[0]["p2p"]
        c.check((p["file_verdict"], p["file_name"], bad[0]["alert"]["severity"]) ==
                ("double-extension", "movie.avi.exe", 2), "suspicious file alert %s" % p)
        meta = p["bittorrent"]["metadata"]
        c.check(meta == {"sent_by": "server", "name": "Top Movie", "files": ["movie.avi.exe", "readme.txt"]},
                "metadata %s" % meta)


def case_overshare(c):
    """192.168.1.70 answers peers for six torrents: the alert at the fifth (p2p.overshare_torrents)."""
    sids = collections.Counter(a["alert"]["signature_id"] for a in c.of("alert"))
    c.check(sids == {BT_SESSION: 6, BT_HANDSHAKE: 6, OVERSHARE: 1}, "alerts %s" % dict(sids))
    over = [a for a in c.of("alert") if a["alert"]["signature_id"] == OVERSHARE]
    if over:
        a = over[0]
        c.check((a["dest_ip"], a["src_ip"], a["p2p"]["torrents_served"]) ==
                ("192.168.1.70", "198.51.100.104", 5), "over-sharing alert %s" % a["p2p"])


def case_encrypted(c):
    """After a BitTorrent session, the host's unidentified flows are inferred; port 443 is not."""
    flows = {(f["dest_ip"], f["dest_port"]): f.get("p2p", {}) for f in c.of("flow")}
    got = {k: (p.get("detection"), p.get("inferred_by")) for k, p in flows.items()}
    c.check(got.get(("203.0.113.81", 6881)) == ("inferred", "mse-shape"), "MSE-shaped flow %s" % got)
    c.check(got.get(("203.0.113.82", 443)) == (None, None), "port 443 flow %s" % got)
    same_peer = [f.get("p2p", {}).get("inferred_by") for f in c.of("flow")
                 if f["dest_ip"] == "203.0.113.80" and f["src_port"] == 53001]
    c.check(same_peer == ["known-peer"], "flow to the same peer: %s" % same_peer)
    inferred = [(a["p2p"]["inferred_by"], a["p2p"]["protocol"]) for a in c.of("alert")
                if a["alert"]["signature_id"] == INFERRED]
    c.check(inferred == [("known-peer", "bittorrent"), ("mse-shape", "bittorrent")],
            "inferred alerts: %s" % inferred)


def case_downloads(c):
    """eDonkey and Gnutella downloads with malware names; an eDonkey offer of 600 files."""
    got = sorted((a["alert"]["signature_id"], a["p2p"]["protocol"], a["p2p"].get("file_name"),
                  a["p2p"].get("files_offered")) for a in c.of("alert"))
    want = sorted([(2290002, "edonkey", None, None), (2290002, "edonkey", None, None),
                   (2290003, "gnutella", None, None),
                   (SUSPICIOUS_FILE, "edonkey", "song.mp3.scr", None),
                   (SUSPICIOUS_FILE, "gnutella", "Holiday Photos.zip.exe", None),
                   (BT_INDICATOR, "bittorrent", None, None),
                   (SUSPICIOUS_FILE, "bittorrent", "Free.Movie.2024.mkv.exe", None),
                   (OVERSHARE, "edonkey", None, 600)])
    c.check(got == want, "alerts %s" % got)
    magnets = [a["p2p"].get("magnet") for a in c.of("alert") if a["p2p"].get("evidence") == "magnet"]
    c.check(magnets == [{"info_hashes": [ih(0x01)], "display_name": "Free.Movie.2024.mkv.exe"}],
            "magnet: %s" % magnets)


def case_scan(c):
    stats = c.of("stats")[0]["stats"] if c.of("stats") else {}
    created = stats.get("flow", {}).get("created")
    c.check(created == 2300, "scan: %s flows created, expected 2300 (2000 UDP + 300 SYN)" % created)
    c.check(not c.of("alert"), "scan: no alerts expected")


CASES = {
    "bt-handshake.pcap": case_bt(0x01, ports=(51413, 6881), pieces=(16, 4)),
    "bt-handshake-vlan.pcap": case_bt(0x21, vlan=100),
    "bt-handshake-qinq.pcap": case_bt(0x41, vlan=200),
    "bt-handshake-ipv6.pcap": case_bt(0x61, "fd00:1::10", "2001:db8::5"),
    "bt-handshake-sll.pcap": case_bt(0x81),
    "bt-handshake-raw.pcap": case_bt(0xa1),
    "https-benign.pcap": case_no_alert("tls"),
    "dht.pcap": case_dht,
    "dns-bt-lookup.pcap": case_dns_indicator,
    "mixed.pcap": case_mixed,
    "hostile-peerid.pcap": case_hostile,
    "udp-scan.pcap": case_scan,
    "bt-metadata.pcap": case_metadata,
    "bt-overshare.pcap": case_overshare,
    "bt-encrypted.pcap": case_encrypted,
    "p2p-downloads.pcap": case_downloads,
    "bt-handshake.pcap#seeding": (case_seeding, ["--set", "p2p.seeding_bytes=128KiB"]),
    "wdo-7680.pcap": case_no_alert(),
    "webrtc-media.pcap": case_no_alert(),
}


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    sluice, pcaps, schema, work = argv[1:]
    if evecheck.jsonschema is None:
        print("SKIP: python3-jsonschema not installed", file=sys.stderr)
        return 77
    failed = 0
    for name, check in CASES.items():
        out = os.path.join(work, name)
        os.makedirs(out, exist_ok=True)
        extra = []
        if isinstance(check, tuple):
            check, extra = check
        pcap = name.split("#")[0]
        r = subprocess.run([sluice, "-q", "-r", os.path.join(pcaps, pcap), "-l", out] + extra,
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL %s: exit %d: %s" % (name, r.returncode, r.stderr.strip()))
            failed += 1
            continue
        try:
            events = evecheck.load_events(os.path.join(out, "eve.json"), schema)
        except evecheck.EveError as e:
            print("FAIL %s: %s" % (name, e))
            failed += 1
            continue
        c = Case(pcap, events)
        check_common(c)
        check(c)
        if c.errors:
            failed += 1
            for e in c.errors:
                print("FAIL %s: %s" % (name, e))
        else:
            print("ok   %s: %d events, %d alerts" % (name, len(events), len(c.of("alert"))))
    print("%d passed, %d failed" % (len(CASES) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
