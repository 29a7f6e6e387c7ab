#!/usr/bin/env python3
"""e2e_bt_oracle.py - sluice's P2P dissectors against Wireshark: BitTorrent peer
wire, DHT, uTP, trackers, LSD, eDonkey and Gnutella.

For every real capture with BitTorrent handshakes over TCP, each handshake
Wireshark's dissector finds (info_hash, peer_id, sending endpoint) must be
reported by sluice on the flow and side it came from, byte for byte.
Wireshark is asked live when tshark is installed; otherwise the capture's
label file (made by tshark 4.0) stands in.  Handshakes carried by uTP (UDP)
are not sluice's yet and are listed, not checked.

DHT: every get_peers/announce_peer info_hash Wireshark decodes (.bt-dht.jsonl)
is in sluice's p2p.dht.info_hashes for that flow, and the query counts agree.
uTP: every uTP stream Wireshark finds with traffic both ways (.bt-utp.tsv) is
reported by sluice as a confirmed uTP connection with the same packet and
payload byte counts each way.
Trackers: each HTTP announce flow's last request (.bt-tracker.tsv: info_hash,
peer_id, port, uploaded, downloaded, left, event, User-Agent) and each LSD
announce (.bt-lsd.tsv: infohash, port) is what sluice reports for that flow.
eDonkey: every hello's user hash and nickname (.edonkey.tsv); Gnutella: every
handshake's first line and User-Agent (.gnutella.tsv), and every UDP flow a
newer nDPI (.ndpi-newer.txt, 4.11) names Gnutella is alerted as a Gnutella
session from its messages (nDPI 4.2, which sluice links, names none).

Piece bytes each way are compared with the capture's .bt-messages.tsv label
(tshark's piece lengths less the 9-byte header) on every TCP flow Wireshark
framed completely (no "continuation" bytes it could not place).
Usage: e2e_bt_oracle.py SLUICE REAL_DIR SCHEMA WORKDIR [TSHARK]
"""
import collections
import csv
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evecheck  # noqa: E402


def tshark_handshakes(tshark, pcap):
    """(src, sport, info_hash, peer_id_hex) for every TCP handshake, from tshark."""
    out = subprocess.run(
        [tshark, "-n", "-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE", "-Y",
         "bittorrent.info_hash && tcp", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
         "-e", "ip.src", "-e", "tcp.srcport", "-e", "bittorrent.info_hash", "-e", "bittorrent.peer_id"],
        capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        src, sport, ih, pid = line.split("\t")
        for h, p in zip(ih.split(","), pid.split(",")):
            rows.append((src, int(sport), h.replace(":", ""), p.replace(":", "")))
    return rows


def label_handshakes(real, name):
    path = os.path.join(real, "labels", name + ".bt-handshakes.tsv")
    with open(path, newline="", encoding="utf-8") as f:
        return [(r["src"], int(r["sport"]), r["info_hash"], r["peer_id_hex"])
                for r in csv.DictReader(f, delimiter="\t") if r["transport"] == "tcp"]


def check_pieces(real, name, events):
    """Flows whose piece byte counts tshark framed fully: (agreeing count, disagreements)."""
    path = os.path.join(real, "labels", name + ".bt-messages.tsv")
    if not os.path.exists(path):
        return 0, []
    ours = {}
    for e in events:
        bt = e.get("p2p", {}).get("bittorrent")
        if e["event_type"] == "flow" and bt and e["proto"] == "TCP":
            c, sv = bt.get("client", {}), bt.get("server", {})
            ours[(e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"])] = (
                c.get("piece_bytes", 0), sv.get("piece_bytes", 0))
    ok, bad = 0, []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["transport"] != "tcp" or r["continuation_bytes_a2b"] != "0" or r["continuation_bytes_b2a"] != "0":
                continue
            a, b = (r["a_addr"], int(r["a_port"])), (r["b_addr"], int(r["b_port"]))
            want = (int(r["piece_bytes_a2b"]), int(r["piece_bytes_b2a"]))
            got = ours.get(a + b)
            if got is None:
                rev = ours.get(b + a)
                got = (rev[1], rev[0]) if rev else None
            if got is None:
                continue  # a flow sluice did not follow (no handshake at its start)
            if got == want:
                ok += 1
            else:
                bad.append("%s:%d <-> %s:%d: sluice %d/%d piece bytes, tshark %d/%d" % (a + b + got + want))
    return ok, bad


def flow_key(a, ap, b, bp):
    """Endpoints in a fixed order, so both directions name the same flow."""
    return tuple(sorted([(a, int(ap)), (b, int(bp))]))


def flow_events(events):
    """sluice's flow events that carry p2p data, by endpoint pair."""
    out = {}
    for e in events:
        if e["event_type"] == "flow" and "p2p" in e and e["proto"] == "UDP":
            out.setdefault(flow_key(e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"]), []).append(e)
    return out


def check_dht(real, name, events):
    """(checks passed, failures) for the DHT labels of one capture."""
    path = os.path.join(real, "labels", name + ".bt-dht.jsonl")
    if not os.path.exists(path):
        return 0, []
    ours = flow_events(events)
    want_hashes, want_queries = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = json.loads(line)
            if m.get("y") != "q":
                continue
            k = flow_key(m["src"], m["sport"], m["dst"], m["dport"])
            want_queries.setdefault(k, collections.Counter())[m["q"]] += 1
            ih = m["msg"].get("a", {}).get("info_hash", {}).get("hex")
            if ih and m["q"] in ("get_peers", "announce_peer"):
                want_hashes.setdefault(k, set()).add(ih)
    ok, bad = 0, []
    for k, counts in want_queries.items():
        evs = ours.get(k, [])
        got = collections.Counter()
        hashes = set()
        for e in evs:
            d = e["p2p"].get("dht", {})
            got.update(d.get("query", {}))
            hashes.update(d.get("info_hashes", []))
        known = {q: n for q, n in counts.items() if q in ("ping", "find_node", "get_peers", "announce_peer")}
        if {q: got.get(q, 0) for q in known} != known:
            bad.append("DHT %s: queries %s, tshark %s" % (k, dict(got), known))
        elif not want_hashes.get(k, set()) <= hashes:
            bad.append("DHT %s: info_hashes %s, tshark %s" % (k, sorted(hashes), sorted(want_hashes[k])))
        else:
            ok += 1
    return ok, bad


def check_utp(real, name, events):
    path = os.path.join(real, "labels", name + ".bt-utp.tsv")
    if not os.path.exists(path):
        return 0, []
    ours = flow_events(events)
    ok, bad = 0, []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["pkts_a2b"] == "0" or r["pkts_b2a"] == "0":
                continue  # one way only: not a connection, sluice does not claim it
            k = flow_key(r["a_addr"], r["a_port"], r["b_addr"], r["b_port"])
            evs = [e for e in ours.get(k, []) if "utp" in e["p2p"]]
            if not evs:
                bad.append("uTP %s: not reported by sluice" % (k,))
                continue
            # A UDP flow idle past flow.timeout.udp ends; Wireshark's stream does not: add up.
            got = [0, 0, 0, 0]
            confirmed = False
            for e in evs:
                u = e["p2p"]["utp"]
                confirmed |= u["confirmed"]
                one = (u["packets_toserver"], u["packets_toclient"], u["payload_bytes_toserver"],
                       u["payload_bytes_toclient"])
                if (r["a_addr"], int(r["a_port"])) != (e["src_ip"], e["src_port"]):
                    one = (one[1], one[0], one[3], one[2])
                got = [x + y for x, y in zip(got, one)]
            got = tuple(got)
            u = {"confirmed": confirmed}
            want = (int(r["pkts_a2b"]), int(r["pkts_b2a"]), int(r["utp_payload_a2b"]), int(r["utp_payload_b2a"]))
            if not u["confirmed"] or got != want:
                bad.append("uTP %s: confirmed %s, packets/payload %s, tshark %s" % (k, u["confirmed"], got, want))
            else:
                ok += 1
    return ok, bad


def check_tracker(real, name, events):
    """HTTP announces (.bt-tracker.tsv) and LSD announces (.bt-lsd.tsv) against sluice's flows."""
    ok, bad = 0, []
    ours = {}
    for e in events:
        p = e.get("p2p", {})
        t = p.get("tracker") or p.get("lsd")
        if e["event_type"] == "flow" and t:
            k = flow_key(e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"])
            ours.setdefault(k, []).append(t)
    path = os.path.join(real, "labels", name + ".bt-tracker.tsv")
    if os.path.exists(path):
        last = {}
        with open(path, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f, delimiter="\t"):
                last[flow_key(r["src"], r["sport"], r["dst"], r["dport"])] = r
        for k, r in last.items():
            ts = ours.get(k, [])
            want = (r["info_hash"], r["peer_id_hex"], int(r["port"]), int(r["uploaded"]),
                    int(r["downloaded"]), int(r["left"]), r["event"], r["user_agent"])
            got = [(t["info_hashes"][-1] if t["info_hashes"] else None, t.get("peer_id_hex"), t.get("port"),
                    t.get("uploaded"), t.get("downloaded"), t.get("left"), t.get("event", ""),
                    t.get("user_agent")) for t in ts]
            if want in got:
                ok += 1
            else:
                bad.append("tracker %s: sluice %s, tshark %s" % (k, got, want))
    path = os.path.join(real, "labels", name + ".bt-lsd.tsv")
    if os.path.exists(path):
        with open(path, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f, delimiter="\t"):
                k = flow_key(r["src"], r["sport"], r["dst"], r["dport"])
                if any(r["infohash"].lower() in t["info_hashes"] and t.get("port") == int(r["lsd_port"])
                       for t in ours.get(k, [])):
                    ok += 1
                else:
                    bad.append("LSD %s: sluice %s, tshark %s port %s" % (k, ours.get(k), r["infohash"], r["lsd_port"]))
    return ok, bad


def sides_by_endpoint(events, key):
    """{(ip, port): side record} for every flow event's p2p[key] client and server."""
    out = {}
    for e in events:
        obj = e.get("p2p", {}).get(key) if e["event_type"] == "flow" else None
        if not obj:
            continue
        for side, ep in (("client", (e["src_ip"], e["src_port"])), ("server", (e["dest_ip"], e["dest_port"]))):
            if side in obj:
                out.setdefault(ep, []).append(obj[side])
    return out


def check_edonkey(real, name, events):
    """Every eDonkey hello Wireshark decodes (.edonkey.tsv): user hash and nickname."""
    path = os.path.join(real, "labels", name + ".edonkey.tsv")
    if not os.path.exists(path):
        return 0, []
    ours = sides_by_endpoint(events, "edonkey")
    ok, bad = 0, []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if not r["message_type"].startswith("Hello"):
                continue
            nick = [t.split("=", 1)[1] for t in r["meta_tags"].split(" | ") if t.startswith("Name (0x01)=")]
            want = (r["client_hash"], nick[0] if nick else None)
            got = [(s["user_hash"], s.get("name")) for s in ours.get((r["src"], int(r["sport"])), [])]
            if want in got:
                ok += 1
            else:
                bad.append("eDonkey hello from %s:%s: sluice %s, tshark %s" % (r["src"], r["sport"], got, want))
    return ok, bad


def check_gnutella(real, name, events):
    """Every Gnutella handshake (.gnutella.tsv): its first line and User-Agent."""
    path = os.path.join(real, "labels", name + ".gnutella.tsv")
    if not os.path.exists(path):
        return 0, []
    ours = sides_by_endpoint(events, "gnutella")
    ok, bad = 0, []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if not r["first_line"].startswith("GNUTELLA"):
                continue  # Gnutella's HTTP file transfers: not followed yet
            want = (r["first_line"], r["user_agent"] or r["server"] or None)
            got = [(s["first_line"], s.get("user_agent")) for s in ours.get((r["src"], int(r["sport"])), [])
                   if "first_line" in s]
            if want in got:
                ok += 1
            else:
                bad.append("Gnutella from %s:%s: sluice %s, tshark %s" % (r["src"], r["sport"], got, want))
    return ok, bad


def ndpi_newer_udp(real, name, proto):
    """The unordered endpoint pairs of UDP flows nDPI 4.11 names `proto` (.ndpi-newer.txt)."""
    path = os.path.join(real, "labels", name + ".ndpi-newer.txt")
    pairs = set()
    if not os.path.exists(path):
        return pairs
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 6 or parts[1] != "UDP" or parts[3] not in ("<->", "->"):
                continue
            if "/%s]" % proto not in line.split("[proto: ", 1)[-1].split("]", 1)[0] + "]":
                continue
            pairs.add(frozenset((parts[2], parts[4])))
    return pairs


def endpoint(ip, port):
    return "[%s]:%d" % (ip, port) if ":" in ip else "%s:%d" % (ip, port)


def check_gnutella_udp(real, name, events):
    """Every UDP flow nDPI 4.11 names Gnutella: a Gnutella session alert from its messages."""
    want = ndpi_newer_udp(real, name, "Gnutella")
    if not want:
        return 0, []
    ours = {frozenset((endpoint(a["src_ip"], a["src_port"]), endpoint(a["dest_ip"], a["dest_port"])))
            for a in events if a["event_type"] == "alert" and a["proto"] == "UDP"
            and a["p2p"]["protocol"] == "gnutella" and a["p2p"]["detection"] == "session"
            and a["p2p"].get("evidence") == "message"}
    missed = sorted(" <-> ".join(sorted(p)) for p in want - ours)
    return len(want) - len(missed), ["Gnutella over UDP, %s: no session alert" % m for m in missed]


def main(argv):
    if len(argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    sluice, real, schema, work = argv[1:5]
    tshark = argv[5] if len(argv) == 6 and argv[5] else None
    if evecheck.jsonschema is None:
        print("SKIP: python3-jsonschema not installed", file=sys.stderr)
        return 77
    suffixes = (".bt-handshakes.tsv", ".bt-dht.jsonl", ".bt-utp.tsv", ".bt-tracker.tsv", ".bt-lsd.tsv",
                ".edonkey.tsv", ".gnutella.tsv", ".ndpi-newer.txt")
    names = sorted({f[:-len(suf)] for f in os.listdir(os.path.join(real, "labels"))
                    for suf in suffixes if f.endswith(suf)})
    failed = total = 0
    print("oracle: %s" % ("tshark, live" if tshark else "tshark labels (tshark not installed)"))
    for name in names:
        pcap = os.path.join(real, name)
        hs_label = os.path.join(real, "labels", name + ".bt-handshakes.tsv")
        want = [] if not os.path.exists(hs_label) else (
            tshark_handshakes(tshark, pcap) if tshark else label_handshakes(real, name))
        out = os.path.join(work, name)
        os.makedirs(out, exist_ok=True)
        subprocess.run([sluice, "-q", "-r", pcap, "-l", out], check=True)
        events = evecheck.load_events(os.path.join(out, "eve.json"), schema)
        seen = set()
        for e in events:
            bt = e.get("p2p", {}).get("bittorrent")
            if e["event_type"] != "flow" or not bt:
                continue
            sides = {"client": (e["src_ip"], e["src_port"]), "server": (e["dest_ip"], e["dest_port"])}
            for side, (ip, port) in sides.items():
                s = bt.get(side, {})
                if "peer_id_hex" in s:
                    ih = bt["info_hash"] if side == "client" else bt.get("info_hash_server", bt["info_hash"])
                    seen.add((ip, port, ih, s["peer_id_hex"]))
        for check in (check_dht, check_utp, check_tracker, check_edonkey, check_gnutella,
                      check_gnutella_udp):
            n_ok, n_bad = check(real, name, events)
            total += n_ok + len(n_bad)
            failed += len(n_bad)
            for b in n_bad:
                print("  " + b, file=sys.stderr)
            if n_ok or n_bad:
                print("%-40s %s: %d of %d agree" % (name, check.__name__[6:], n_ok, n_ok + len(n_bad)))
        pieces_ok, pieces_bad = check_pieces(real, name, events)
        failed += len(pieces_bad)
        total += pieces_ok + len(pieces_bad)
        for b in pieces_bad:
            print("  PIECES " + b, file=sys.stderr)
        missing = [w for w in want if w not in seen]
        total += len(want)
        failed += len(missing)
        print("%-40s %3d handshakes (tshark), %3d matched by sluice; piece bytes agree on %d flows" % (
            name, len(want), len(want) - len(missing), pieces_ok))
        for m in missing:
            print("  MISSING %s:%d info_hash %s peer_id %s" % m, file=sys.stderr)
    print("%d passed, %d failed" % (total - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
