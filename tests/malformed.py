#!/usr/bin/env python3
"""malformed.py - sluice end to end on broken captures (tests/floodgen.c
malformed), each checked against what README.md documents:
  exit 0  the file was read to its end; anything odd in it was counted (a
          warning naming the file and the counts, decoder events in stats);
  exit 1  nothing processed: the file cannot be opened as a capture (a message
          naming it);
  exit 2  the file could not be read to its end (a message naming it and the
          byte offset); what came before was processed.
Never a crash (an exit by signal, or a sanitizer report, fails); every event
line strict JSON valid against the schema; the good packets around a fault
still raise their alerts.  Then every file in one run: processing goes on
past each bad one.  tests/check_capfile.c covers the reader's unit cases;
this runs the binary.
Usage: malformed.py SLUICE FLOODGEN SCHEMA WORKDIR
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evecheck  # noqa: E402

SESSION, HANDSHAKE = 2290001, 2292001
# file: (exit status, stderr regex (FILE is the path), packets, alerts, decoder events)
CASES = {
    "cut-file-header.pcap": (1, r"FILE: truncated file header", None, None, {}),
    "cut-record-header.pcap": (2, r"warning: FILE: offset 510: last packet cut short", 5,
                               [SESSION, HANDSHAKE], {}),
    "cut-record-data.pcap": (2, r"warning: FILE: offset 510: last packet cut short", 5,
                             [SESSION, HANDSHAKE], {}),
    "cut-block.pcapng": (2, r"warning: FILE: offset 624: last packet cut short", 5,
                         [SESSION, HANDSHAKE], {}),
    "caplen-over-snaplen.pcap": (0, r"warning: FILE: 0 records skipped .*, 2 captured lengths above", 5,
                                 [SESSION, HANDSHAKE], {}),
    "zero-length.pcap": (0, None, 10, [SESSION, HANDSHAKE], {"pkt.empty": 5}),
    "garbage-after-header.pcap": (2, r"FILE: offset 24: record length [0-9]+ exceeds 262144", 0, [], {}),
    "huge-record.pcap": (2, r"FILE: offset 164: record length 4294967280 exceeds 262144", 2, [], {}),
    "multi-interface.pcapng": (0, r"warning: FILE: 1 records skipped", 15, [SESSION, HANDSHAKE],
                               {"link.unsupported": 5}),
}


def replay(sluice, paths, out):
    os.makedirs(out, exist_ok=True)
    args = [sluice, "-q", "-l", out]
    for p in paths:
        args += ["-r", p]
    p = subprocess.run(args, capture_output=True, text=True, errors="replace")
    return p.returncode, p.stderr


def check_events(out, schema, errors, what):
    path = os.path.join(out, "eve.json")
    if not os.path.exists(path):
        return None
    try:
        return evecheck.load_events(path, schema)
    except evecheck.EveError as e:
        errors.append("%s: %s" % (what, e))
        return None


def main(argv):
    sluice, floodgen, schema, work = argv[1:5]
    if evecheck.jsonschema is None:
        print("SKIP: python3-jsonschema not installed")
        return 77
    caps = os.path.join(work, "caps")
    os.makedirs(caps, exist_ok=True)
    subprocess.run([floodgen, "malformed", caps], check=True)
    missing = set(CASES) ^ set(os.listdir(caps))
    if missing:
        print("FAIL: generator and test disagree on %s" % sorted(missing))
        return 1
    errors = []
    for name, (want_rc, pat, pkts, alerts, events) in sorted(CASES.items()):
        path = os.path.join(caps, name)
        out = os.path.join(work, name + ".out")
        rc, err = replay(sluice, [path], out)
        what = "%s (exit %d, stderr %r)" % (name, rc, err.strip())
        if rc < 0 or "Sanitizer" in err or "runtime error" in err:
            errors.append("%s: crashed" % what)
            continue
        if rc != want_rc:
            errors.append("%s: want exit %d" % (what, want_rc))
        if pat and not re.search(pat.replace("FILE", re.escape(path)), err):
            errors.append("%s: stderr does not match %r" % (what, pat))
        if not pat and err.strip():
            errors.append("%s: unexpected message" % what)
        evs = check_events(out, schema, errors, name)
        if pkts is None:
            if evs:
                errors.append("%s: events written though nothing could be processed" % what)
            continue
        if evs is None:
            errors.append("%s: no eve.json" % what)
            continue
        stats = [e["stats"] for e in evs if e["event_type"] == "stats"]
        if len(stats) != 1:
            errors.append("%s: %d stats events" % (what, len(stats)))
            continue
        dec = stats[0]["decoder"]
        if dec["pkts"] != pkts:
            errors.append("%s: decoder.pkts %d, want %d" % (what, dec["pkts"], pkts))
        for k, v in events.items():
            if dec["event"].get(k) != v:
                errors.append("%s: decoder event %s = %s, want %d" % (what, k, dec["event"].get(k), v))
        got = sorted(e["alert"]["signature_id"] for e in evs if e["event_type"] == "alert")
        for sid in alerts:
            if sid not in got:
                errors.append("%s: no alert %d (got %s)" % (what, sid, got))
        print("malformed: %-28s exit %d, %s packets, alerts %s" % (name, rc, dec["pkts"], got))

    # All of them but the unopenable one in one run: each fault is said and the rest read.
    names = sorted(n for n in CASES if CASES[n][2] is not None)
    out = os.path.join(work, "all.out")
    rc, err = replay(sluice, [os.path.join(caps, n) for n in names], out)
    total = sum(CASES[n][2] for n in names)
    evs = check_events(out, schema, errors, "all") or []
    stats = [e["stats"] for e in evs if e["event_type"] == "stats"]
    if rc != 2:
        errors.append("all files in one run: exit %d, want 2" % rc)
    if not stats or stats[0]["decoder"]["pkts"] != total:
        errors.append("all files in one run: decoder.pkts %s, want %d (every file read on)"
                      % (stats[0]["decoder"]["pkts"] if stats else None, total))
    for n in names:
        if CASES[n][1] and n not in err:
            errors.append("all files in one run: no message for %s" % n)
    print("malformed: all %d files in one run: exit %d, %d packets" % (len(names), rc, total))
    for e in errors:
        print("FAIL: %s" % e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
