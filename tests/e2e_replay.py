#!/usr/bin/env python3
"""e2e_replay.py - a capture split into several files replays to exactly the
events of the unsplit capture.

Each capture is split with tools/pcapsplit.py (at seeded random packet
boundaries; with parts named against time order; with packets interleaved
across each cut as rotated captures overlap) and replayed as a directory or
as several -r files given in the wrong order.  The EVE lines must equal the
unsplit run's byte for byte, except pcap_filename and pcap_cnt (which must
name the same packet: its file and its number there) and the run id part of
event_id (derived from the input names).
Usage: e2e_replay.py SLUICE SPLITTER WORKDIR CAPTURE...
"""
import json
import os
import re
import subprocess
import sys

PCAP_FIELDS = re.compile(r'"pcap_cnt":\d+,|,"pcap_filename":"(?:[^"\\]|\\.)*"')
RUN_ID = re.compile(r'"event_id":"[0-9a-f]{16}-')


def run(sluice, inputs, logdir):
    os.makedirs(logdir, exist_ok=True)
    cmd = [sluice, "-q", "-l", logdir, "--set", "evidence.enabled=false"]
    for i in inputs:
        cmd += ["-r", i]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit("FAIL: %s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr))
    with open(os.path.join(logdir, "eve.json")) as f:
        return f.read().splitlines()


def normalise(lines):
    return [RUN_ID.sub('"event_id":"RUN-', PCAP_FIELDS.sub("", l)) for l in lines]


def packet_index(outdir):
    """part name -> list of the input's packet numbers it holds, in file order."""
    idx = {}
    with open(os.path.join(outdir, "index.txt")) as f:
        for line in f:
            name, nums = line.split()
            idx[name] = [int(x) for x in nums.split(",")]
    return idx


def main():
    sluice, splitter, work = sys.argv[1:4]
    captures = sys.argv[4:]
    errors, checked = [], 0
    for cap in captures:
        base = os.path.basename(cap)
        ref = run(sluice, [cap], os.path.join(work, base, "whole"))
        again = run(sluice, [cap], os.path.join(work, base, "again"))
        if ref != again:
            errors.append("%s: two runs differ" % base)
        ref_alerts = [json.loads(l) for l in ref if '"event_type":"alert"' in l]
        cases = [
            ("dir", 3, ["--seed=1"], "dir"),
            ("reversed-dir", 4, ["--seed=2", "--reverse-names"], "dir"),
            ("overlap-files", 3, ["--seed=3", "--reverse-names", "--overlap=2"], "files"),
        ]
        for name, parts, opts, how in cases:
            outdir = os.path.join(work, base, name + "-parts")
            subprocess.run([sys.executable, splitter, cap, outdir, str(parts)] + opts, check=True,
                           stdout=subprocess.DEVNULL)
            files = sorted(f for f in os.listdir(outdir) if f.endswith(".pcap"))
            inputs = [outdir] if how == "dir" else [os.path.join(outdir, f) for f in files]
            if how == "dir":  # the directory holds only the parts
                os.rename(os.path.join(outdir, "index.txt"), outdir + ".index")
            got = run(sluice, inputs, os.path.join(work, base, name))
            if how == "dir":
                os.rename(outdir + ".index", os.path.join(outdir, "index.txt"))
            a, b = normalise(ref), normalise(got)
            if a != b:
                diff = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), None)
                errors.append("%s/%s: %d events vs %d unsplit; first difference at line %s:\n  %s\n  %s"
                              % (base, name, len(b), len(a), diff,
                                 b[diff] if diff is not None else "", a[diff] if diff is not None else ""))
                continue
            idx = packet_index(outdir)
            got_alerts = [json.loads(l) for l in got if '"event_type":"alert"' in l]
            for r, g in zip(ref_alerts, got_alerts):
                if "pcap_cnt" not in r:
                    continue
                part = os.path.basename(g.get("pcap_filename", ""))
                if part not in idx or not 0 < g["pcap_cnt"] <= len(idx[part]):
                    errors.append("%s/%s: alert names %s packet %s" % (base, name, part, g.get("pcap_cnt")))
                elif idx[part][g["pcap_cnt"] - 1] != r["pcap_cnt"]:
                    errors.append("%s/%s: alert at %s#%d is input packet %d, unsplit says %d"
                                  % (base, name, part, g["pcap_cnt"], idx[part][g["pcap_cnt"] - 1], r["pcap_cnt"]))
            checked += 1
            print("ok: %s as %d parts (%s): %d events identical, %d alerts point at the same packets"
                  % (base, parts, name, len(b), len(got_alerts)))
    if errors:
        print("\n".join("FAIL: " + e for e in errors))
        sys.exit(1)
    print("split-vs-unsplit: %d cases, all identical" % checked)


if __name__ == "__main__":
    main()
