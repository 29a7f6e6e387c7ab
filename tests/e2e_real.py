#!/usr/bin/env python3
"""e2e_real.py - sluice over the real third-party captures, checked against
their oracle labels (MANIFEST.tsv and labels/ beside them).

For every capture in MANIFEST.tsv:
- sluice reads it and exits 0; every event is valid (evecheck.py, the schema);
- benign, tunnel and exfil-like captures raise no P2P alert at all;
- captures where nDPI 4.2 finds P2P raise a P2P alert for those flows (at
  least as many alerted flows per protocol as ndpiReader counts, less the
  flows ndpiReader splits differently: see MIN_COVERAGE);
- flows nDPI names only from a hostname or SNI (DNS.BitTorrent, TLS.BitTorrent)
  raise indicators, never sessions;
- every alert's community_id is one tshark computed for a flow of the capture;
- every flow event whose tuple and packet counts match a tshark flow has the
  same IP byte counts, per direction.
Usage: e2e_real.py SLUICE REAL_DIR SCHEMA WORKDIR
"""
import csv
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evecheck  # noqa: E402

# ndpiReader and sluice end flows differently (idle timeouts, TCP close), so a
# long capture can count a few flows more or fewer; coverage below this fails.
MIN_COVERAGE = 0.95
NO_P2P_KINDS = ("benign", "tunnel", "exfil-like")


def read_tsv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def ndpi_p2p_counts(field):
    out = {}
    if field and field != "-":
        for part in field.split(","):
            name, n = part.split(":")
            out[name.lower()] = int(n)
    return out


def hostname_only(real, name):
    """True when every P2P label ndpiReader gives in this capture has a non-P2P master."""
    path = os.path.join(real, "labels", name + ".ndpi42.csv")
    if not os.path.exists(path):
        return False
    labels = []
    with open(path, encoding="utf-8") as f:
        for row in csv.reader(f):
            if row and not row[0].startswith("#") and len(row) > 10:
                labels.append(row[10])
    p2p = [l for l in labels if any(p in l for p in ("BitTorrent", "Gnutella", "eDonkey", "Kontiki"))]
    return bool(p2p) and all("." in l for l in p2p)


def check_bytes(events, flows):
    """Compare flow events with tshark's flows; returns (matched, errors)."""
    by_cid = {}
    for fl in flows:
        by_cid.setdefault(fl["community_id"], []).append(fl)
    matched, errors = 0, []
    for ev in events:
        if ev["event_type"] != "flow" or ev["proto"] not in ("TCP", "UDP"):
            continue
        f = ev["flow"]
        for fl in by_cid.get(ev["community_id"], []):
            frames = int(fl["frames_a2b"]) + int(fl["frames_b2a"])
            if frames != f["pkts_toserver"] + f["pkts_toclient"]:
                continue
            client_is_a = fl["a_addr"] == ev["src_ip"] and int(fl["a_port"]) == ev["src_port"]
            ts, tc = ("ipbytes_a2b", "ipbytes_b2a") if client_is_a else ("ipbytes_b2a", "ipbytes_a2b")
            if int(fl[ts]) != f["bytes_toserver"] or int(fl[tc]) != f["bytes_toclient"]:
                errors.append("flow %s %s:%s -> %s:%s: sluice %d/%d IP bytes, tshark %s/%s" % (
                    ev["flow_id"], ev["src_ip"], ev.get("src_port"), ev["dest_ip"],
                    ev.get("dest_port"), f["bytes_toserver"], f["bytes_toclient"], fl[ts], fl[tc]))
            matched += 1
            break
    return matched, errors


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    sluice, real, schema, work = argv[1:]
    if evecheck.jsonschema is None:
        print("SKIP: python3-jsonschema not installed", file=sys.stderr)
        return 77
    rows = read_tsv(os.path.join(real, "MANIFEST.tsv"))
    failures, total_matched = [], 0
    for row in rows:
        name, kind = row["file"], row["kind"]
        out = os.path.join(work, name)
        os.makedirs(out, exist_ok=True)
        cmd = [sluice, "-q", "-r", os.path.join(real, name), "-l", out]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            failures.append("%s: exit %d: %s" % (name, r.returncode, r.stderr.strip()))
            continue
        try:
            events = evecheck.load_events(os.path.join(out, "eve.json"), schema)
        except evecheck.EveError as e:
            failures.append(str(e))
            continue
        alerts = [e for e in events if e["event_type"] == "alert"]
        sessions = [a for a in alerts if a["p2p"]["detection"] == "session"]
        expected = ndpi_p2p_counts(row["p2p_protocols_ndpi"])
        note = ""
        if kind in NO_P2P_KINDS and alerts:
            failures.append("%s (%s): %d P2P alerts, expected none: %s" % (
                name, kind, len(alerts), alerts[0]["alert"]["signature"]))
        for proto, n in expected.items():
            got = len({a["flow_id"] for a in alerts if a["p2p"]["protocol"] == proto})
            if got < MIN_COVERAGE * n:
                failures.append("%s: %d flows alerted as %s, ndpiReader finds %d" % (name, got, proto, n))
            note += " %s %d/%d flows" % (proto, got, n)
        if kind not in NO_P2P_KINDS and not expected:
            note += " (nDPI 4.2 finds no P2P here: %d alerts)" % len(alerts)
        if hostname_only(real, name) and sessions:
            failures.append("%s: hostname-only labels must be indicators, got %d sessions" % (
                name, len(sessions)))
        flows_tsv = os.path.join(real, "labels", name + ".flows.tsv")
        flows = read_tsv(flows_tsv) if os.path.exists(flows_tsv) else []
        cids = {fl["community_id"] for fl in flows}
        for a in alerts:
            if flows and a["community_id"] not in cids:
                failures.append("%s: alert community_id %s is not one tshark computes (%s:%s -> %s:%s)" % (
                    name, a["community_id"], a["src_ip"], a.get("src_port"), a["dest_ip"], a.get("dest_port")))
        matched, errs = check_bytes(events, flows)
        total_matched += matched
        failures.extend("%s: %s" % (name, e) for e in errs[:5])
        print("%-40s %-10s %3d alerts (%d sessions)%s; %d flows match tshark bytes" % (
            name, kind, len(alerts), len(sessions), note, matched))
    print("byte counters: %d flows compared with tshark" % total_matched)
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    print("%d passed, %d failed" % (len(rows) - len({f.split(":")[0] for f in failures}),
                                    len({f.split(":")[0] for f in failures})))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
