#!/usr/bin/env python3
"""What ndpi.defer_to_dissectors changes: run sluice on every capture of a
directory with the option true and false, and compare the alerts and the
flows' nDPI labels.

usage: tools/defer-diff.py SLUICE DIR [CAPTURE ...]

Per capture it prints the alerts only one run raised, the flows alerted in
one run and not the other, and each label change as (protocol, confidence)
before -> after; then the totals.  Flows are matched by their 5-tuple.
"""
import collections
import json
import os
import subprocess
import sys
import tempfile


def run(sluice, path, defer):
    # Evidence files go to the log directory: a scratch one, not the caller's.
    with tempfile.TemporaryDirectory(prefix="defer-diff.") as logdir:
        return run_in(sluice, path, defer, logdir)


def run_in(sluice, path, defer, logdir):
    out = subprocess.run([sluice, "-q", "-r", path, "-l", logdir, "--set", "outputs.eve.filename=-",
                          "--set", "ndpi.defer_to_dissectors=%s" % ("true" if defer else "false")],
                         capture_output=True, text=True, check=True)
    alerts, labels = collections.Counter(), {}
    for line in out.stdout.splitlines():
        ev = json.loads(line)
        key = (ev.get("src_ip"), ev.get("src_port"), ev.get("dest_ip"), ev.get("dest_port"),
               ev.get("proto"))
        if ev["event_type"] == "alert":
            alerts[(ev["alert"]["signature"],) + key] += 1
        elif ev["event_type"] == "flow":
            n = ev.get("ndpi", {})
            labels[key] = (n.get("protocol"), n.get("confidence"))
    return alerts, labels


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    sluice, top, only = argv[1], argv[2], set(argv[3:])
    tot = collections.Counter()
    changes = collections.Counter()
    for name in sorted(os.listdir(top)):
        if not name.endswith((".pcap", ".pcapng")) or (only and name not in only):
            continue
        path = os.path.join(top, name)
        on_alerts, on_labels = run(sluice, path, True)
        off_alerts, off_labels = run(sluice, path, False)
        lost, gained = off_alerts - on_alerts, on_alerts - off_alerts
        on_flows, off_flows = {k[1:] for k in on_alerts}, {k[1:] for k in off_alerts}
        moved = [(off_labels.get(k), on_labels.get(k)) for k in set(on_labels) | set(off_labels)
                 if on_labels.get(k) != off_labels.get(k)]
        for m in moved:
            changes[m] += 1
        tot["alerts only with false"] += sum(lost.values())
        tot["alerts only with true"] += sum(gained.values())
        tot["flows alerted only with false"] += len(off_flows - on_flows)
        tot["flows alerted only with true"] += len(on_flows - off_flows)
        tot["labels changed"] += len(moved)
        if not (lost or gained or moved):
            continue
        print("%s: %d alerts only with false, %d only with true; %d labels changed"
              % (name, sum(lost.values()), sum(gained.values()), len(moved)))
        for k in sorted(off_flows - on_flows):
            print("  flow alerted only with false:", k)
        for k in sorted(on_flows - off_flows):
            print("  flow alerted only with true:", k)
        for k in sorted(lost):
            print("  - %s" % (k,))
        for k in sorted(gained):
            print("  + %s" % (k,))
    print("label changes (false -> true):")
    for (a, b), n in changes.most_common():
        print("  %5d  %s -> %s" % (n, a, b))
    for k, v in tot.items():
        print("%s: %d" % (k, v))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
