#!/usr/bin/env python3
"""e2e_progress.py - the progress line and the end summary on standard error.

Through a pseudo-terminal (stderr is a tty) the progress line appears and
ends at 100% of the bytes and the packet count; with stderr redirected to a
file, or with -q on the terminal, it is absent.  The summary's lines match
what the events say (packets, flows, sessions by protocol, alerts by
signature, top uploading hosts).
Usage: e2e_progress.py SLUICE WORKDIR CAPTURE...
"""
import json
import os
import pty
import re
import subprocess
import sys


def on_pty(cmd):
    """Run cmd with stdin/stdout/stderr on a new pseudo-terminal; its output and exit status."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(cmd[0], cmd)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return out.decode("utf-8", "replace"), os.waitstatus_to_exitcode(status)


def main():
    sluice, work = sys.argv[1:3]
    caps = sys.argv[3:]
    errors = []
    args = []
    for c in caps:
        args += ["-r", c]
    total = sum(os.path.getsize(c) for c in caps)
    os.makedirs(os.path.join(work, "a"))
    out, rc = on_pty([sluice, "-l", os.path.join(work, "a"), "--set", "evidence.enabled=false"] + args)
    with open(os.path.join(work, "a", "eve.json")) as f:
        events = [json.loads(l) for l in f]
    stats = [e for e in events if e["event_type"] == "stats"][-1]["stats"]
    packets = stats["decoder"]["pkts"]
    line = re.findall(r"\rsluice: +100\.0% [^\r\n]* of [^\r\n]*, (\d+) packets, [^\r\n]*", out)
    if rc != 0 or not line:
        errors.append("no progress line at 100%% on the terminal (exit %d): %r" % (rc, out[:300]))
    elif int(line[-1]) != packets:
        errors.append("progress says %s packets, stats say %d" % (line[-1], packets))
    if "\r" in out and "of %s" % human(total) not in out:
        errors.append("progress total is not the sum of the file sizes (%s)" % human(total))

    # the summary, checked against the events
    alerts = [e for e in events if e["event_type"] == "alert"]
    flows = [e for e in events if e["event_type"] == "flow"]
    sessions = {}
    for e in flows:
        p = e.get("p2p", {})
        if p.get("detection") == "session":
            sessions[p["protocol"]] = sessions.get(p["protocol"], 0) + 1
    want = "sluice: summary: %d packets, %d flows, %d P2P sessions, %d alerts" % (
        packets, len(flows), sum(sessions.values()), len(alerts))
    if want not in out:
        errors.append("summary line %r missing" % want)
    for proto, n in sessions.items():
        if not re.search(r"P2P sessions by protocol:.*\b%s %d\b" % (proto, n), out):
            errors.append("sessions of %s (%d) missing" % (proto, n))
    sigs = {}
    for a in alerts:
        sigs[a["alert"]["signature_id"]] = sigs.get(a["alert"]["signature_id"], 0) + 1
    for sid, n in sigs.items():
        if not re.search(r"sluice: +%d  %d SLUICE" % (n, sid), out):
            errors.append("alerts of %d (%d) missing" % (sid, n))
    up = {}
    for e in flows:
        si, di = e["src_ip"].startswith("192.168."), e["dest_ip"].startswith("192.168.")
        if si != di:
            ip = e["src_ip"] if si else e["dest_ip"]
            up[ip] = up.get(ip, 0) + e["flow"]["bytes_toserver" if si else "bytes_toclient"]
    top = max(up, key=lambda k: (up[k], k)) if up else None
    if top and not re.search(r"top uploading internal hosts.*\n.*sluice:   %s +%d\r?\n" % (re.escape(top), up[top]), out):
        errors.append("top uploader %s %d missing" % (top, up[top]))

    # no progress when stderr is a file, nor with -q on a terminal
    os.makedirs(os.path.join(work, "b"))
    with open(os.path.join(work, "b", "stderr"), "w+") as err:
        subprocess.run([sluice, "-l", os.path.join(work, "b"), "--set", "evidence.enabled=false"] + args,
                       stderr=err, check=True)
        err.seek(0)
        text = err.read()
    if "\r" in text or "%" in text:
        errors.append("progress drawn with stderr redirected: %r" % text[:200])
    if "sluice: summary:" not in text:
        errors.append("no summary with stderr redirected")
    os.makedirs(os.path.join(work, "c"))
    out, rc = on_pty([sluice, "-q", "-l", os.path.join(work, "c"), "--set", "evidence.enabled=false"] + args)
    if rc != 0 or out.strip():
        errors.append("-q on a terminal printed %r" % out[:200])
    # -q tallies nothing for a summary, yet the stats events list the same sinks, same counts
    def sinks(d):
        with open(os.path.join(work, d, "eve.json")) as f:
            last = [json.loads(l) for l in f if '"event_type":"stats"' in l][-1]
        return [(s["name"], s["written"], s["failed"]) for s in last["stats"]["output"]["sinks"]]
    if sinks("a") != sinks("c"):
        errors.append("stats sinks differ with -q: %r against %r" % (sinks("c"), sinks("a")))
    if errors:
        print("\n".join("FAIL: " + e for e in errors))
        sys.exit(1)
    print("ok: progress line on a terminal (%d packets, 100%%), none when redirected or -q; "
          "summary matches the events (%d alerts, %d signatures)" % (packets, len(alerts), len(sigs)))


def human(v):
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    d, i = float(v), 0
    while d >= 1024 and i < 4:
        d /= 1024
        i += 1
    return ("%.1f %s" % (d, units[i])) if i else ("%.0f %s" % (d, units[i]))


if __name__ == "__main__":
    main()
