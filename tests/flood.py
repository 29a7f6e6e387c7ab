#!/usr/bin/env python3
"""flood.py - a flow-table flood replayed with small caps.

The capture (tests/floodgen.c) holds N packets that are each a new 5-tuple
(a SYN flood and a UDP scan) and one BitTorrent session in the middle.  With
flow.memcap=4MiB, ndpi.max_flows=1024, p2p.max_flows=256 and hosts.max=1024:
  - every tuple makes a flow (stats.flow.created == distinct tuples) and the
    table evicts and counts (stats.flow.evicted >= created - capacity);
  - nDPI states that could not be had are counted (stats.ndpi.state_full);
  - the BitTorrent session and handshake alerts still fire, with the
    session's info_hash;
  - every event line is strict UTF-8 JSON valid against the schema (alert
    and stats events: a million flow events would only measure the disk);
  - peak resident memory (ru_maxrss, measured by floodgen's rss mode) stays under
        bound = base + flow.memcap + ndpi.max_flows * (bytes_per_state + 4 KiB)
                + p2p.max_flows * p2p bytes_per_state + hosts.max * bytes_per_host
                + evidence ring_capacity * bytes_per_ring + 8 MiB
    where base is the peak RSS of the same sensor and caps on a one-flow
    capture (nDPI's and the C library's fixed costs), 4 KiB per nDPI state
    is an allowance for what nDPI's dissectors attach, and 8 MiB is slack for
    the allocator and stdio.  Under ASan (SLUICE_SANITIZERS) the caps are
    counted twice (redzones, shadow) and ASan's quarantine (capped at 16 MiB
    here) is added.  Without the caps, a million flows alone take 160 MB.
Usage: flood.py SLUICE FLOODGEN SCHEMA PCAPS WORKDIR NPACKETS
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evecheck  # noqa: E402

CAPS = {"flow.memcap": "4MiB", "ndpi.max_flows": "1024", "p2p.max_flows": "256", "hosts.max": "1024"}
MEMCAP = 4 << 20
INFO_HASH = "0102030405060708090a0b0c0d0e0f1011121314"


def run(floodgen, sluice, pcap, logdir, asan):
    """Replay; (exit status, peak RSS in bytes, stderr)."""
    os.makedirs(logdir, exist_ok=True)
    rssfile = os.path.join(logdir, "rss")
    args = [floodgen, "rss", rssfile, sluice, "-r", pcap, "-l", logdir, "--set", "outputs.eve.types=alert,stats"]
    for k, v in CAPS.items():
        args += ["--set", "%s=%s" % (k, v)]
    env = dict(os.environ)
    if asan:
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16"
    with open(os.path.join(logdir, "stderr"), "wb") as err:
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=err, env=env, check=True)
    with open(os.path.join(logdir, "stderr"), encoding="utf-8", errors="replace") as f:
        text = f.read()
    with open(rssfile) as f:
        w = f.read().split()
    return int(w[3]), int(w[1]) * 1024, text


def main(argv):
    sluice, floodgen, schema, pcaps, work, npackets = argv[1:7]
    asan = bool(os.environ.get("SLUICE_SANITIZERS"))
    if evecheck.jsonschema is None:
        print("SKIP: python3-jsonschema not installed")
        return 77
    pcap = os.path.join(work, "flood.pcap")
    try:
        out = subprocess.run([floodgen, "flood", pcap, npackets], check=True, capture_output=True,
                             text=True).stdout.split()
        packets, tuples = int(out[1]), int(out[3])

        rc, base, err = run(floodgen, sluice, os.path.join(pcaps, "bt-handshake.pcap"), os.path.join(work, "base"), asan)
        if rc != 0:
            print("FAIL: baseline run exited %d: %s" % (rc, err))
            return 1
        rc, peak, err = run(floodgen, sluice, pcap, os.path.join(work, "flood"), asan)
    finally:
        if os.path.exists(pcap):
            os.unlink(pcap)
    errors = []
    if rc != 0:
        errors.append("sluice exited %d: %s" % (rc, err.strip()))
    try:
        events = evecheck.load_events(os.path.join(work, "flood", "eve.json"), schema)
    except evecheck.EveError as e:
        print("FAIL: %s" % e)
        return 1
    stats = [e["stats"] for e in events if e["event_type"] == "stats"]
    if len(stats) != 1:
        print("FAIL: %d stats events" % len(stats))
        return 1
    s = stats[0]
    fl, nd, p2p, hosts = s["flow"], s["ndpi"], s["p2p"], s["hosts"]

    def check(cond, msg):
        if not cond:
            errors.append(msg)

    check(s["decoder"]["pkts"] == packets, "decoder.pkts %d, capture has %d" % (s["decoder"]["pkts"], packets))
    check(fl["created"] == tuples, "flow.created %d, distinct tuples %d" % (fl["created"], tuples))
    check(fl["evicted"] > 0 and fl["evicted"] >= fl["created"] - fl["capacity"],
          "flow.evicted %d: want >= created - capacity = %d" % (fl["evicted"], fl["created"] - fl["capacity"]))
    check(fl["capacity"] * fl["bytes_per_flow"] <= MEMCAP, "flow capacity %d x %d B exceeds the memcap"
          % (fl["capacity"], fl["bytes_per_flow"]))
    check(nd["state_full"] > 0, "ndpi.state_full is 0 with ndpi.max_flows=1024 and a flood")
    check(fl["ended"] == fl["created"], "flow.ended %d != created %d" % (fl["ended"], fl["created"]))
    check(s["output"]["undelivered"] == 0, "undelivered events")
    bt = [e for e in events if e["event_type"] == "alert" and e["src_ip"] == "192.168.1.10"
          and e["dest_ip"] == "203.0.113.5" and e["dest_port"] == 6881]
    sids = sorted(e["alert"]["signature_id"] for e in bt)
    check(2290001 in sids and 2292001 in sids, "BitTorrent session and handshake alerts: got %s" % sids)
    check(INFO_HASH in "".join(str(e.get("p2p", {}).get("bittorrent", "")) for e in bt), "the info_hash is not in the alerts")

    caps = (MEMCAP + int(CAPS["ndpi.max_flows"]) * (nd["bytes_per_state"] + 4096)
            + int(CAPS["p2p.max_flows"]) * p2p["bytes_per_state"]
            + int(CAPS["hosts.max"]) * hosts["bytes_per_host"]
            + (s["evidence"]["ring_capacity"] * s["evidence"]["bytes_per_ring"] if "evidence" in s else 0))
    bound = base + (2 * caps + (16 << 20) if asan else caps) + (8 << 20)
    check(peak < bound, "peak RSS %.1f MiB over the bound %.1f MiB" % (peak / 2**20, bound / 2**20))
    print("flood: %d packets, %d flows created, %d evicted (capacity %d), ndpi state_full %d; "
          "peak RSS %.1f MiB, baseline %.1f MiB, bound %.1f MiB%s"
          % (packets, fl["created"], fl["evicted"], fl["capacity"], nd["state_full"], peak / 2**20,
             base / 2**20, bound / 2**20, " (ASan)" if asan else ""))
    for e in errors:
        print("FAIL: %s" % e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
