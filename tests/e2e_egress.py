#!/usr/bin/env python3
"""e2e_egress.py - the egress tracker end to end.

    e2e_egress.py SLUICE PCAPS_DIR SCHEMA TMPDIR [REAL_DIR TSHARK]

1. The generated egress-*.pcap scenarios: an oracle written here from the
   rules in README.md ("Egress"), reading the captures itself, says which
   egress alert fires on which packet; sluice must write exactly those (and
   no others), with the same window, threshold and byte counts.
2. The same capture split into three files gives the same alerts.
3. The allowlist and a network group silence what they should.
4. With REAL_DIR: every flow of the exfil-like real captures has egress
   counters equal to tshark's (frames from `tshark -z conv`, IP bytes from
   the labels' flows.tsv), and no benign capture raises an egress alert.
"""
import ipaddress
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evecheck  # noqa: E402

MIB = 1 << 20
HOME = [ipaddress.ip_network(n) for n in
        ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "fc00::/7", "fe80::/10")]
# The defaults of egress.* (etc/sluice.json).
FLOW_T = 100 * MIB
WINDOWS = [(300, 300 * MIB), (3600, 1024 * MIB), (86400, 1536 * MIB)]
ASYM_RATIO, ASYM_MIN = 10, 200 * MIB
FANOUT_N, FANOUT_MIN, FANOUT_WIN = 16, 1 * MIB, 3600
P2P_T = 100 * MIB
SID = {"flow": 2293001, "budget": 2293002, "asym": 2293003, "fanout": 2293004, "p2p": 2293005}


def read_pcap(path):
    """(ts_us, src, dst, proto, sport, dport, ip_len) of each packet of a classic pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic == 0xA1B2C3D4, "%s: not a little-endian microsecond pcap" % path
    linktype = struct.unpack("<I", data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        sec, usec, cap, _ = struct.unpack("<IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + cap]
        off += 16 + cap
        ip = frame[14:] if linktype == 1 else frame
        assert ip[0] >> 4 == 4
        ihl = (ip[0] & 15) * 4
        iplen = struct.unpack(">H", ip[2:4])[0]
        sport, dport = struct.unpack(">HH", ip[ihl:ihl + 4])
        out.append((sec * 1000000 + usec, ipaddress.ip_address(ip[12:16]),
                    ipaddress.ip_address(ip[16:20]), ip[9], sport, dport, iplen))
    return out


def internal(a):
    return any(a in n for n in HOME)


class Window:
    """A window of eight aligned buckets, as README.md describes it."""

    def __init__(self, seconds):
        self.blen = seconds * 1000000 // 8
        self.buckets = {}

    def add(self, t, out, inb, p2p):
        e = t // self.blen
        b = self.buckets.setdefault(e, [0, 0, 0])
        b[0] += out
        b[1] += inb
        b[2] += p2p
        for k in [k for k in self.buckets if k <= e - 8]:
            del self.buckets[k]

    def total(self, i):
        return sum(b[i] for b in self.buckets.values())


def oracle(pkts, p2p_from):
    """Expected egress alerts: (kind, packet number, window seconds or None, threshold).

    p2p_from: {flow key: packet number of its P2P session alert} (sluice's own
    detection, tested elsewhere): from that packet its upload is P2P upload,
    the bytes it sent before included."""
    flows, hosts, alerts = {}, {}, []
    for n, (t, src, dst, proto, sp, dp, iplen) in enumerate(pkts, 1):
        if internal(src) == internal(dst):
            continue
        out = internal(src)
        host, ext = (src, dst) if out else (dst, src)
        key = frozenset([(src, sp), (dst, dp)])
        fl = flows.setdefault(key, {"out": 0, "fired": 0, "p2p": False})
        h = hosts.setdefault(host, {"win": [Window(s) for s, _ in WINDOWS], "budget": set(),
                                    "asym": False, "p2p": False, "fan": False, "dest": {}})
        p2p = 0
        if not fl["p2p"] and key in p2p_from and n >= p2p_from[key]:
            fl["p2p"] = True
            p2p = fl["out"]
        if out:
            fl["out"] += iplen
            if fl["p2p"]:
                p2p += iplen
        longest = max(range(len(WINDOWS)), key=lambda i: WINDOWS[i][0])
        for i, (secs, budget) in enumerate(WINDOWS):
            w = h["win"][i]
            w.add(t, iplen if out else 0, 0 if out else iplen, p2p)
            wout, win, wp2p = w.total(0), w.total(1), w.total(2)
            if i in h["budget"] and wout < budget // 2:
                h["budget"].discard(i)
            if i == longest and h["asym"] and wout < ASYM_MIN // 2:
                h["asym"] = False
            if i == longest and h["p2p"] and wp2p < P2P_T // 2:
                h["p2p"] = False
            if not out:
                continue
            if i not in h["budget"] and wout >= budget:
                h["budget"].add(i)
                alerts.append(("budget", n, secs, budget))
            if i == longest and not h["asym"] and wout >= ASYM_MIN and win * ASYM_RATIO <= wout:
                h["asym"] = True
                alerts.append(("asym", n, secs, ASYM_MIN))
            if i == longest and not h["p2p"] and wp2p >= P2P_T:
                h["p2p"] = True
                alerts.append(("p2p", n, secs, P2P_T))
        if not out:
            continue
        d = h["dest"].setdefault(ext, [0, t])
        if t - d[1] >= FANOUT_WIN * 1000000:
            d[0] = 0
        before = d[0]
        d[0] += iplen
        d[1] = t
        if before < FANOUT_MIN <= d[0]:
            live = sum(1 for b, last in h["dest"].values()
                       if b >= FANOUT_MIN and t - last < FANOUT_WIN * 1000000)
            if live < FANOUT_N:
                h["fan"] = False
            elif not h["fan"]:
                h["fan"] = True
                alerts.append(("fanout", n, None, FANOUT_N))
        thr = FLOW_T << fl["fired"]
        if fl["out"] >= thr:
            while fl["out"] >= FLOW_T << (fl["fired"] + 1):
                fl["fired"] += 1
            alerts.append(("flow", n, None, FLOW_T << fl["fired"]))
            fl["fired"] += 1
    return alerts


def flow_updates(pkts, interval=300):
    """flow_update events: a flow's packets where its age passes another multiple of the interval."""
    first, last, n = {}, {}, 0
    for t, src, dst, proto, sp, dp, _ in pkts:
        key = frozenset([(src, sp), (dst, dp)])
        if key in first and (t - first[key]) // (interval * 10**6) > (last[key] - first[key]) // (interval * 10**6):
            n += 1
        first.setdefault(key, t)
        last[key] = t
    return n


def run(sluice, inputs, out, schema, *sets):
    os.makedirs(out, exist_ok=True)
    eve = os.path.join(out, "eve.json")
    if os.path.exists(eve):
        os.unlink(eve)
    cmd = [sluice, "-q", "-l", out]
    for i in inputs:
        cmd += ["-r", i]
    for s in sets:
        cmd += ["--set", s]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (" ".join(cmd), r.returncode, r.stderr))
    return evecheck.load_events(eve, schema)


def flow_key(ev):
    return frozenset([(ipaddress.ip_address(ev["src_ip"]), ev.get("src_port", 0)),
                      (ipaddress.ip_address(ev["dest_ip"]), ev.get("dest_port", 0))])


def egress_alerts(events):
    inv = {v: k for k, v in SID.items()}
    got = []
    for ev in events:
        if ev["event_type"] == "alert" and ev["alert"]["signature_id"] in inv:
            eg = ev["egress"]
            got.append((inv[ev["alert"]["signature_id"]], ev["pcap_cnt"],
                        eg.get("window_seconds"), eg["threshold"]))
    return got


def check_scenario(sluice, pcaps, schema, tmp, name, expect_counts, other_alerts):
    path = os.path.join(pcaps, name)
    pkts = read_pcap(path)
    events = run(sluice, [path], os.path.join(tmp, name), schema)
    p2p_from = {}
    for ev in events:
        if ev["event_type"] == "alert" and ev["alert"]["signature_id"] == 2290001:
            p2p_from[flow_key(ev)] = ev["pcap_cnt"]
    want = oracle(pkts, p2p_from)
    got = egress_alerts(events)
    assert got == want, "%s: egress alerts differ:\n  sluice %s\n  oracle %s" % (name, got, want)
    kinds = {}
    for k, *_ in want:
        kinds[k] = kinds.get(k, 0) + 1
    assert kinds == expect_counts, "%s: oracle found %s, the scenario is for %s" % (name, kinds, expect_counts)
    others = {}
    for ev in events:
        if ev["event_type"] == "alert" and ev["alert"]["signature_id"] not in SID.values():
            sid = ev["alert"]["signature_id"]
            others[sid] = others.get(sid, 0) + 1
    assert others == other_alerts, "%s: other alerts %s, expected %s" % (name, others, other_alerts)
    # Flow events count what the capture holds.
    sent = {}
    for t, src, dst, proto, sp, dp, iplen in pkts:
        if internal(src) != internal(dst):
            key = frozenset([(src, sp), (dst, dp)])
            sent.setdefault(key, [0, 0])[0 if internal(src) else 1] += iplen
    for ev in events:
        if ev["event_type"] == "flow":
            eg = ev["egress"]
            assert [eg["bytes_out"], eg["bytes_in"]] == sent[flow_key(ev)], (name, eg)
    ups = sum(1 for ev in events if ev["event_type"] == "flow_update")
    assert ups == flow_updates(pkts), "%s: %d flow_update events, expected %d" % (name, ups, flow_updates(pkts))
    desc = ", ".join("%s@%d" % (k, n) for k, n, *_ in want) or "none"
    print("%-24s %6d packets; egress alerts: %s; flow_update: %d" % (name, len(pkts), desc, ups))
    return events


def split_pcap(path, parts, outdir):
    with open(path, "rb") as f:
        data = f.read()
    recs, off = [], 24
    while off + 16 <= len(data):
        cap = struct.unpack("<I", data[off + 8:off + 12])[0]
        recs.append(data[off:off + 16 + cap])
        off += 16 + cap
    names = []
    for i in range(parts):
        p = os.path.join(outdir, "part%d.pcap" % i)
        with open(p, "wb") as f:
            f.write(data[:24] + b"".join(recs[i * len(recs) // parts:(i + 1) * len(recs) // parts]))
        names.append(p)
    return names


def strip(ev):
    return {k: v for k, v in ev.items() if k not in ("pcap_cnt", "pcap_filename", "event_id")}


def check_split(sluice, pcaps, schema, tmp):
    src = os.path.join(pcaps, "egress-seeding.pcap")
    whole = run(sluice, [src], os.path.join(tmp, "whole"), schema)
    d = os.path.join(tmp, "split")
    os.makedirs(d, exist_ok=True)
    parts = split_pcap(src, 3, d)
    split = run(sluice, parts, os.path.join(tmp, "split-out"), schema)
    a = [strip(e) for e in whole if e["event_type"] != "stats"]
    b = [strip(e) for e in split if e["event_type"] != "stats"]
    assert a == b, "split replay differs from the whole capture"
    n = sum(1 for e in a if e["event_type"] == "alert")
    print("split in 3 files          same %d events (%d alerts) as the whole capture" % (len(a), n))


def check_silencers(sluice, pcaps, schema, tmp):
    backup = os.path.join(pcaps, "egress-backup.pcap")
    ev = run(sluice, [backup], os.path.join(tmp, "allow"), schema, "egress.allowlist=198.51.100.250")
    assert not [e for e in ev if e["event_type"] == "alert"], "allowlisted backup alerted"
    st = [e for e in ev if e["event_type"] == "stats"][-1]["stats"]["egress"]
    sent = sum(p[6] for p in read_pcap(backup) if internal(p[1]))
    assert st["allowlisted_bytes_out"] == sent, (st, sent)
    fl = [e for e in ev if e["event_type"] == "flow"][0]["egress"]
    assert fl["allowlisted"] is True and fl["bytes_out"] == sent
    print("allowlisted backup        no alert; %d bytes still counted" % sent)
    up = os.path.join(pcaps, "egress-upload.pcap")
    ev = run(sluice, [up], os.path.join(tmp, "group"), schema, "egress.group1.name=media",
             "egress.group1.networks=192.168.1.100/32", "egress.group1.flow_upload_bytes=200MiB")
    assert not [e for e in ev if e["event_type"] == "alert"], "group threshold ignored"
    ev = run(sluice, [up], os.path.join(tmp, "group2"), schema, "egress.group1.name=media",
             "egress.group1.networks=192.168.1.100/32", "egress.group1.flow_upload_bytes=50MiB")
    a = [e for e in ev if e["event_type"] == "alert"]
    assert len(a) == 2 and all(e["egress"]["group"] == "media" for e in a), a
    assert [e["egress"]["threshold"] for e in a] == [50 * MIB, 100 * MIB]
    print("network group             its own threshold: none at 200MiB, 50MiB and 100MiB at 50MiB")


def tshark_frames(tshark, path):
    """{frozenset of (ip, port) pairs: (frames a->b, frames b->a, a)} from tshark -z conv."""
    r = subprocess.run([tshark, "-r", path, "-q", "-z", "conv,tcp", "-z", "conv,udp"],
                       capture_output=True, text=True, check=True)
    out = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) > 4 and f[1] == "<->":
            a, b = f[0].rsplit(":", 1), f[2].rsplit(":", 1)
            ka = (ipaddress.ip_address(a[0]), int(a[1]))
            kb = (ipaddress.ip_address(b[0]), int(b[1]))
            # A <-> B, then "<-" (B to A) frames, bytes and unit, then "->" (A to B) the same.
            out[frozenset([ka, kb])] = (int(f[6]), int(f[3]), ka)
    return out


def check_real(sluice, real, schema, tmp, tshark):
    compared = 0
    manifest = [l.rstrip("\n").split("\t") for l in open(os.path.join(real, "MANIFEST.tsv"))][1:]
    for row in manifest:
        name, kind = row[0], row[5]
        path = os.path.join(real, name)
        if kind == "benign":
            ev = run(sluice, [path], os.path.join(tmp, "real", name), schema)
            bad = [e for e in ev if e["event_type"] == "alert" and e["alert"]["signature_id"] in SID.values()]
            assert not bad, "%s: benign capture raised egress alerts: %s" % (name, bad)
            continue
        if kind != "exfil-like":
            continue
        rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(real, "labels", name + ".flows.tsv"))]
        cols, rows = rows[0], rows[1:]
        rows = [dict(zip(cols, r)) for r in rows]
        # The hosts that only start flows inside, everything else outside (else the first
        # flow's initiator); loopback-only captures have no outside.
        if all(r["a_addr"] == r["b_addr"] for r in rows):
            print("%-34s skipped: every flow is between one address and itself" % name)
            continue
        inside = sorted({r["a_addr"] for r in rows} - {r["b_addr"] for r in rows}) or [rows[0]["a_addr"]]
        nets = ",".join(a + ("/128" if ":" in a else "/32") for a in inside)
        ev = run(sluice, [path], os.path.join(tmp, "real", name), schema, "home_networks=" + nets)
        flows = {flow_key(e): e for e in ev if e["event_type"] == "flow"}
        conv = tshark_frames(tshark, path)
        n = unmatched = 0
        for r in rows:
            ka = (ipaddress.ip_address(r["a_addr"]), int(r["a_port"]))
            kb = (ipaddress.ip_address(r["b_addr"]), int(r["b_port"]))
            key = frozenset([ka, kb])
            if r["a_addr"] == r["b_addr"]:
                continue
            if key not in flows:
                unmatched += 1
                continue
            eg = flows[key].get("egress")
            a_inside = r["a_addr"] in inside
            if a_inside == (r["b_addr"] in inside):
                assert eg is None, (name, r)
                continue
            out_i, in_i = ("a2b", "b2a") if a_inside else ("b2a", "a2b")
            assert eg is not None, "%s: flow %s not tracked" % (name, r)
            assert eg["bytes_out"] == int(r["ipbytes_" + out_i]) and eg["bytes_in"] == int(r["ipbytes_" + in_i]), \
                "%s: %s: sluice %s, tshark ip bytes %s/%s" % (name, key, eg, r["ipbytes_" + out_i], r["ipbytes_" + in_i])
            assert eg["packets_out"] == int(r["frames_" + out_i]) and eg["packets_in"] == int(r["frames_" + in_i]), (name, eg, r)
            if key in conv:
                fa2b, fb2a, ca = conv[key]
                if ca != ka:
                    fa2b, fb2a = fb2a, fa2b
                assert (fa2b, fb2a) == (int(r["frames_a2b"]), int(r["frames_b2a"])), (name, conv[key], r)
            n += 1
        compared += n
        assert unmatched == 0, "%s: %d of tshark's flows have no sluice flow event" % (name, unmatched)
        print("%-34s %d flows: egress bytes and packets each way = tshark's" % (name, n))
    assert compared > 0
    print("real captures: %d exfil-like flows compared with tshark; benign captures: no egress alert" % compared)


def main(argv):
    if len(argv) not in (5, 7):
        print(__doc__)
        return 2
    sluice, pcaps, schema, tmp = argv[1:5]
    scenarios = [
        ("egress-upload.pcap", {"flow": 1}, {}),
        ("egress-slow-leak.pcap", {"asym": 1, "budget": 1}, {}),
        ("egress-seeding.pcap", {"fanout": 1, "p2p": 1, "asym": 1}, {2290001: 200, 2292001: 4}),
        ("egress-download.pcap", {}, {}),
        ("egress-backup.pcap", {"flow": 3, "budget": 1, "asym": 1}, {}),
    ]
    failed = 0
    for name, counts, others in scenarios:
        try:
            check_scenario(sluice, pcaps, schema, tmp, name, counts, others)
        except (AssertionError, evecheck.EveError) as e:
            print("FAIL: %s" % e)
            failed += 1
    for check in (check_split, check_silencers):
        try:
            check(sluice, pcaps, schema, tmp)
        except (AssertionError, evecheck.EveError) as e:
            print("FAIL: %s" % e)
            failed += 1
    total = len(scenarios) + 2
    if len(argv) == 7:
        total += 1
        try:
            check_real(sluice, argv[5], schema, tmp, argv[6])
        except (AssertionError, evecheck.EveError, subprocess.CalledProcessError) as e:
            print("FAIL: %s" % e)
            failed += 1
    print("%d passed, %d failed" % (total - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
