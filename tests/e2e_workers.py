#!/usr/bin/env python3
"""e2e_workers.py - replaying with 1, 2 and 4 workers gives the same events.

Usage: e2e_workers.py SLUICE TMPDIR CAPTURE_OR_DIR...

Each set of inputs is replayed with --workers 1, 2 and 4.  Alert, flow and
flow_update events must be the same multiset (compared without event_id,
which is per worker by design); stats events are one per worker, so their
totals are compared instead: packets, flows created, alerts, by signature.
Every event is also checked to be unique by event_id across workers.

One documented difference is allowed: nDPI keeps a cache of endpoints seen
in BitTorrent inside each detection module (one per engine), and guesses
later flows from it (p2p.evidence "endpoint-cache").  An external endpoint
shared by two internal hosts on different workers is in one worker's cache
only, so that guess (and what the host's later inference does with it) can
differ.  Flows whose endpoint-cache guess differs between the runs, and the
other differing flows of the same hosts, are counted and reported; any
other difference fails.
"""
import collections
import json
import os
import subprocess
import sys

TOTALS = [("decoder", "pkts"), ("decoder", "bytes"), ("flow", "created"), ("flow", "ended"),
          ("alerts", "total"), ("p2p", "sessions"), ("p2p", "inferred")]


def run(sluice, tmp, inputs, workers):
    out = os.path.join(tmp, "w%d.json" % workers)
    if os.path.exists(out):
        os.unlink(out)
    # LOGDIR is the scratch directory too: evidence pcaps go there, not into the build tree.
    logdir = os.path.join(tmp, "w%d" % workers)
    os.makedirs(logdir, exist_ok=True)
    args = [sluice, "-q", "--workers", str(workers), "-l", logdir, "--set", "outputs.eve.filename=" + out]
    for i in inputs:
        args += ["-r", i]
    r = subprocess.run(args, stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 2):
        sys.exit("FAIL: %s exited %d: %s" % (" ".join(args), r.returncode, r.stderr))
    events = [json.loads(l) for l in open(out)]
    ids = [e["event_id"] for e in events]
    if len(ids) != len(set(ids)):
        sys.exit("FAIL: duplicate event_id with %d workers" % workers)
    rest = collections.Counter()
    totals = collections.Counter()
    nstats = 0
    cache_flows = set()
    for e in events:
        if e["event_type"] == "stats":
            nstats += 1
            s = e["stats"]
            for a, b in TOTALS:
                totals[a + "." + b] += s[a][b]
            for sid, n in s["alerts"]["by_signature"].items():
                totals["sid." + sid] += n
            continue
        del e["event_id"]
        rest[json.dumps(e, sort_keys=True)] += 1
        if e.get("p2p", {}).get("evidence") == "endpoint-cache":
            cache_flows.add(e["flow_id"])
    if nstats != workers:
        sys.exit("FAIL: %d stats events with %d workers (one per worker expected)" % (nstats, workers))
    return rest, totals, cache_flows


def by_flow(events):
    d = collections.defaultdict(collections.Counter)
    for line, n in events.items():
        d[json.loads(line).get("flow_id")][line] += n
    return d


def endpoints(lines):
    ips = set()
    for line in lines:
        e = json.loads(line)
        ips.update(x for x in (e.get("src_ip"), e.get("dest_ip")) if x)
    return ips


def compare(base, base_cache, got, got_cache, n):
    """Differing flows: (tolerated, failing) lists of flow ids."""
    a, b = by_flow(base), by_flow(got)
    differ = [f for f in set(a) | set(b) if a.get(f) != b.get(f)]
    cache = base_cache ^ got_cache
    hosts = set()
    for f in differ:
        if f in cache:
            hosts |= endpoints(list(a.get(f, {})) + list(b.get(f, {})))
    tolerated, failing = [], []
    for f in differ:
        ips = endpoints(list(a.get(f, {})) + list(b.get(f, {})))
        (tolerated if f in cache or ips & hosts else failing).append(f)
    for f in failing[:3]:
        for line in a.get(f, {}):
            print("only with 1 worker:", line[:600], file=sys.stderr)
        for line in b.get(f, {}):
            print("with %d workers:" % n, line[:600], file=sys.stderr)
    return tolerated, failing


def main():
    sluice, tmp, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
    base, base_totals, base_cache = run(sluice, tmp, inputs, 1)
    if not base:
        sys.exit("FAIL: no events from %s" % inputs)
    nflows = len(by_flow(base))
    notes = []
    for n in (2, 4):
        got, totals, got_cache = run(sluice, tmp, inputs, n)
        tolerated, failing = compare(base, base_cache, got, got_cache, n)
        if failing:
            sys.exit("FAIL: %d workers: %d of %d flows have different events from 1 worker"
                     % (n, len(failing), nflows))
        notes.append("%d workers: %d of %d flows differ by nDPI's per-engine endpoint cache"
                     % (n, len(tolerated), nflows))
        keys = ["decoder.pkts", "decoder.bytes", "flow.created", "flow.ended"]
        if any(totals[k] != base_totals[k] for k in keys):
            sys.exit("FAIL: %d workers: stats totals %s != %s" % (n, dict(totals), dict(base_totals)))
        if not tolerated and totals != base_totals:
            sys.exit("FAIL: %d workers: stats totals %s != %s" % (n, dict(totals), dict(base_totals)))
    kinds = collections.Counter(json.loads(k)["event_type"] for k in base.elements())
    print("workers: %s: 1, 2 and 4 workers: %d events compared (%s), stats totals %s; %s"
          % (" ".join(os.path.basename(i) for i in inputs), sum(base.values()),
             ", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())),
             ", ".join("%s=%d" % (k, v) for k, v in sorted(base_totals.items()) if not k.startswith("sid.")),
             "; ".join(notes)))


main()
