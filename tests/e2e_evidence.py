#!/usr/bin/env python3
"""e2e_evidence.py - evidence pcaps: every alert names a file that tshark opens,
holding the packet the alert was raised at and, for handshake alerts, the
BitTorrent handshake with the alert's info_hash (as tshark dissects it).
The caps (evidence.max_bytes, evidence.max_flows) hold and are counted.
SCAN is a capture of many short flows, to run the rings out.
Usage: e2e_evidence.py SLUICE TSHARK WORKDIR SCAN CAPTURE...
"""
import json
import os
import struct
import subprocess
import sys

HANDSHAKE = 2292001
TSHARK_FILES = 12


def read_pcap(path):
    """Classic pcap records as (caplen bytes) list; None for pcapng (not re-read here)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\xd4\xc3\xb2\xa1":
        end = "<"
    elif data[:4] == b"\xa1\xb2\xc3\xd4":
        end = ">"
    else:
        return None
    out, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def run(sluice, cap, out, *sets):
    os.makedirs(out, exist_ok=True)
    cmd = [sluice, "-q", "-r", cap, "-l", out]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True)
    with open(os.path.join(out, "eve.json")) as f:
        return [json.loads(l) for l in f]


def tshark_fields(tshark, path, *fields):
    cmd = [tshark, "-n", "-r", path, "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def check_capture(sluice, tshark, cap, work, errors):
    base = os.path.basename(cap)
    out = os.path.join(work, base)
    events = run(sluice, cap, out)
    alerts = [e for e in events if e["event_type"] == "alert"]
    stats = [e for e in events if e["event_type"] == "stats"][-1]["stats"]["evidence"]
    orig = read_pcap(cap)
    files, handshakes = {}, 0
    for a in alerts:
        ev = a.get("evidence", {}).get("pcap")
        if not ev:
            errors.append("%s: alert %d at packet %s has no evidence" % (base, a["alert"]["signature_id"], a.get("pcap_cnt")))
            continue
        path = os.path.join(out, ev)
        recs = read_pcap(path)
        if recs is None or not recs:
            errors.append("%s: %s is not a classic pcap with packets" % (base, ev))
            continue
        # tshark on every handshake alert's file and on the first few others (it takes ~0.4 s a file)
        if ev not in files and a["alert"]["signature_id"] != HANDSHAKE and len(files) >= TSHARK_FILES:
            files[ev] = None
        if ev not in files or (files[ev] is None and a["alert"]["signature_id"] == HANDSHAKE):
            rc, text, err = tshark_fields(tshark, path, "frame.number", "bittorrent.info_hash")
            if rc != 0:
                errors.append("%s: tshark -r %s: exit %d: %s" % (base, ev, rc, err.strip()))
                continue
            files[ev] = {l.split("\t")[1] for l in text.splitlines() if "\t" in l and l.split("\t")[1]}
        if a["alert"]["signature_id"] == HANDSHAKE:
            want = a["p2p"]["bittorrent"]["info_hash"]
            if want not in files[ev]:
                errors.append("%s: %s lacks the handshake with info_hash %s (tshark saw %s)" % (base, ev, want, sorted(files[ev])))
            handshakes += 1
        if orig is not None and "pcap_cnt" in a:  # the alerting packet, snapped to 256 bytes
            pkt = orig[a["pcap_cnt"] - 1][:256]
            if pkt not in recs:
                errors.append("%s: %s lacks the alerting packet %d" % (base, ev, a["pcap_cnt"]))
    on_disk = sum(os.path.getsize(os.path.join(out, "evidence", f)) for f in os.listdir(os.path.join(out, "evidence"))) if files else 0
    if stats["files"] != len(os.listdir(os.path.join(out, "evidence"))) if files else stats["files"] != 0:
        errors.append("%s: stats.evidence.files %d" % (base, stats["files"]))
    if stats["bytes"] != on_disk:
        errors.append("%s: stats.evidence.bytes %d, files hold %d" % (base, stats["bytes"], on_disk))
    if stats["rings_in_use"] != 0:
        errors.append("%s: %d rings still in use after the replay" % (base, stats["rings_in_use"]))
    opened = sum(1 for v in files.values() if v is not None)
    print("ok: %s: %d alerts, %d evidence files (%d opened in tshark), %d handshake alerts matched, %d bytes"
          % (base, len(alerts), len(files), opened, handshakes, on_disk))
    return handshakes


def check_caps(sluice, cap, scan, work, errors):
    base = os.path.basename(cap)
    out = os.path.join(work, base + "-cap")
    events = run(sluice, cap, out, "evidence.max_bytes=3000")
    st = [e for e in events if e["event_type"] == "stats"][-1]["stats"]["evidence"]
    d = os.path.join(out, "evidence")
    on_disk = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)) if os.path.isdir(d) else 0
    if on_disk > 3000 or st["disk_cap_reached"] == 0:
        errors.append("%s: max_bytes 3000: %d bytes written, disk_cap_reached %d" % (base, on_disk, st["disk_cap_reached"]))
    for a in (e for e in events if e["event_type"] == "alert" and "evidence" in e):
        if not os.path.exists(os.path.join(out, a["evidence"]["pcap"])):
            errors.append("%s: alert names %s, not written" % (base, a["evidence"]["pcap"]))
    print("ok: %s with evidence.max_bytes=3000: %d bytes written, %d packets refused"
          % (base, on_disk, st["disk_cap_reached"]))
    base = os.path.basename(scan)
    out = os.path.join(work, base + "-rings")
    events = run(sluice, scan, out, "evidence.max_flows=16", "evidence.ring_packets=4")
    st = [e for e in events if e["event_type"] == "stats"][-1]["stats"]["evidence"]
    flows = sum(1 for e in events if e["event_type"] == "flow")
    print("ok: %s (%d flows) with evidence.max_flows=16: ring_full %d, capacity %d, in use at the end %d"
          % (base, flows, st["ring_full"], st["ring_capacity"], st["rings_in_use"]))
    if st["rings_in_use"] != 0:
        errors.append("%s: rings still in use at the end" % base)
    return st["ring_full"]


def main():
    sluice, tshark, work, scan = sys.argv[1:5]
    errors, handshakes = [], 0
    for cap in sys.argv[5:]:
        handshakes += check_capture(sluice, tshark, cap, work, errors)
    if handshakes == 0:
        errors.append("no handshake alert was checked")
    full = check_caps(sluice, sys.argv[-1], scan, work, errors)
    if full == 0:
        errors.append("%s: 16 rings never ran out" % scan)
    if errors:
        print("\n".join("FAIL: " + e for e in errors))
        sys.exit(1)
    print("evidence: every alert has a pcap (the ones opened in tshark all opened); %d handshakes found in them" % handshakes)


if __name__ == "__main__":
    main()
