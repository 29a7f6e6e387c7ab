#!/usr/bin/env python3
"""e2e_report.py - sluice-report over real sluice events (plus hand-made
events carrying hostile strings), checked in its JSON summary and in a real
headless Chromium: the page renders without script errors, its charts and
tables are there, and no string from the events became markup.
Usage: e2e_report.py SLUICE SLUICE_REPORT WORKDIR SCREENSHOT CAPTURE...
Exit 77 when chromium is not installed (after the JSON checks).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HOSTILE = '<img src=x onerror="document.title=\'pwned\'">&amp;</td><script>window.pwned=1</script>'


def hostile_events():
    """A flow whose torrent name, client and Gnutella user agent are markup."""
    base = {"timestamp": "2024-03-01T12:00:01.000000+0000", "flow_id": 4242, "src_ip": "192.168.7.7",
            "src_port": 40000, "dest_ip": "198.51.100.77", "dest_port": 6881, "proto": "TCP",
            "app_proto": "bittorrent", "host": "t", "event_id": "0000000000000000-1"}
    bt = {"info_hash": "ab" * 20, "metadata": {"sent_by": "server", "name": HOSTILE, "files": []},
          "client": {"peer_id": HOSTILE, "client": HOSTILE, "client_version": "1<b>", "piece_bytes": 5000},
          "server": {"peer_id": "x", "piece_bytes": 100}}
    alert = dict(base, event_type="alert",
                 alert={"signature_id": 2292001, "signature": HOSTILE, "severity": 3},
                 p2p={"protocol": "bittorrent", "detection": "session", "bittorrent": bt},
                 flow={"start": "2024-03-01T12:00:00.500000+0000"})
    flow = dict(base, event_type="flow", timestamp="2024-03-01T12:00:02.000000+0000",
                p2p={"protocol": "bittorrent", "detection": "session", "bittorrent": bt,
                     "gnutella": {"client": {"user_agent": HOSTILE}}},
                flow={"start": "2024-03-01T12:00:00.500000+0000", "end": "2024-03-01T12:00:02.000000+0000",
                      "bytes_toserver": 7000, "bytes_toclient": 300})
    return [json.dumps(alert), json.dumps(flow), "this line is not an event"]


def chromium_cmd():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        return None
    return [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=" + tempfile.mkdtemp(prefix="sluice-chromium."), "--window-size=1200,2400"]


def main():
    sluice, report, work, screenshot = sys.argv[1:5]
    captures = sys.argv[5:]
    errors = []
    cmd = [sluice, "-q", "-l", work, "--set", "evidence.enabled=false"]
    for c in captures:
        cmd += ["-r", c]
    subprocess.run(cmd, check=True)
    eve = os.path.join(work, "eve.json")
    with open(eve) as f:
        events = [json.loads(l) for l in f]
    with open(eve, "a") as f:
        f.write("\n".join(hostile_events()) + "\n")
    html, summary = os.path.join(work, "report.html"), os.path.join(work, "summary.json")
    p = subprocess.run([report, "-o", html, "--json", summary, "--title", "replay <report>", eve],
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit("FAIL: sluice-report: exit %d: %s" % (p.returncode, p.stderr))
    if "not an event" not in p.stderr:
        errors.append("the bad line was not reported: %r" % p.stderr)
    with open(summary) as f:
        s = json.load(f)

    alerts = [e for e in events if e["event_type"] == "alert"]
    flows = [e for e in events if e["event_type"] == "flow"]
    if s["alerts"] != len(alerts) + 1:
        errors.append("summary alerts %d, events have %d + 1" % (s["alerts"], len(alerts)))
    if s["flows"] != len(flows) + 1:
        errors.append("summary flows %d, events have %d + 1" % (s["flows"], len(flows)))
    if s["skipped_lines"] != 1:
        errors.append("skipped_lines %d, want 1" % s["skipped_lines"])
    hashes = {a["p2p"]["bittorrent"]["info_hash"] for a in alerts if "bittorrent" in a.get("p2p", {})}
    got = {t["info_hash"] for t in s["torrents"]}
    if not hashes or not hashes <= got:
        errors.append("torrents %s lack %s" % (sorted(got), sorted(hashes - got)))
    sessions = sum(1 for e in flows if e.get("p2p", {}).get("detection") == "session")
    if s["p2p_sessions"] != sessions + 1:
        errors.append("p2p_sessions %d, flow events say %d + 1" % (s["p2p_sessions"], sessions))
    # upload per host, by the fallback rule (no egress object yet): bytes sent by the one internal end
    want = {}
    for e in flows:
        eg = e.get("egress")
        if eg:
            want[eg["internal_ip"]] = want.get(eg["internal_ip"], 0) + eg["bytes_out"]
            continue
        si, di = e["src_ip"].startswith("192.168."), e["dest_ip"].startswith("192.168.")
        if si != di:
            ip = e["src_ip"] if si else e["dest_ip"]
            want[ip] = want.get(ip, 0) + e["flow"]["bytes_toserver" if si else "bytes_toclient"]
    want["192.168.7.7"] = want.get("192.168.7.7", 0) + 7000
    have = {h["ip"]: h["bytes_out"] for h in s["hosts"] if h["bytes_out"]}
    if have != want:
        errors.append("bytes_out per host %s, events say %s" % (have, want))
    t = [t for t in s["torrents"] if t["info_hash"] == "ab" * 20]
    if not t or t[0]["bytes_sent"] != 5000 or t[0]["name"] != HOSTILE:
        errors.append("hostile torrent row wrong: %s" % t)
    print("ok: summary: %d alerts, %d flows, %d sessions, %d torrents, %d hosts"
          % (s["alerts"], s["flows"], s["p2p_sessions"], len(s["torrents"]), len(have)))

    with open(html) as f:
        page = f.read()
    if re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page):
        errors.append("the page refers to something on the network")
    if "<img" in page or page.count("<script") != 1:
        errors.append("an event string became markup in the page source")

    base = chromium_cmd()
    if base is None:
        print("\n".join("FAIL: " + e for e in errors))
        if errors:
            sys.exit(1)
        print("SKIP: chromium not installed")
        sys.exit(77)
    url = "file://" + os.path.abspath(html)
    p = subprocess.run(base + ["--enable-logging=stderr", "--v=0", "--dump-dom", url],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    dom = p.stdout
    if p.returncode != 0 or "<html" not in dom:
        errors.append("chromium --dump-dom: exit %d: %s" % (p.returncode, p.stderr[-500:]))
    console = [l for l in p.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    if console:
        errors.append("console messages from the page: %s" % console[:3])
    m = re.search(r'<html[^>]*data-render="(\w+)"', dom)
    if not m or m.group(1) != "ok":
        errors.append("self-check did not pass: %s" % (m.group(0) if m else "no data-render"))
    if not re.search(r"<title>ok: replay &lt;report&gt;</title>", dom):
        errors.append("title is not the self-checked one")
    charts = re.findall(r'<svg[^>]*class="chart[^"]*"[^>]*data-kind="(\w+)"', dom)
    uploads = re.findall(r'data-kind="upload" data-samples="(\d+)"', dom)
    if "timeline" not in charts or not uploads or not all(int(x) > 0 for x in uploads):
        errors.append("charts missing or empty: %s %s" % (charts, uploads))
    for what, pat in (("session bars", r'<rect class="session"'), ("alert dots", r'<circle class="alert'),
                      ("upload bars", r'<rect class="bar"')):
        if not re.search(pat, dom):
            errors.append("no %s in the SVG" % what)
    for table in ("signatures", "torrents", "clients", "destinations"):
        body = re.search(r'<table id="%s">.*?<tbody>(.*?)</tbody>' % table, dom, re.S)
        if not body or "<tr>" not in body.group(1):
            errors.append("table %s is empty" % table)
    if "pwned" in re.sub(r"&lt;script&gt;window\.pwned=1|document\.title=(&#39;|')pwned", "", dom) or "<img" in dom:
        errors.append("hostile strings became live markup in the DOM")
    if "&lt;img src=x" not in dom:
        errors.append("hostile torrent name not shown as text")
    subprocess.run(base + ["--screenshot=" + os.path.abspath(screenshot), url], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120)
    if not os.path.exists(screenshot) or os.path.getsize(screenshot) < 10000:
        errors.append("no screenshot at %s" % screenshot)
    if errors:
        print("\n".join("FAIL: " + e for e in errors))
        sys.exit(1)
    print("ok: chromium rendered the report: %d charts (%s), tables filled, no console errors; "
          "screenshot %s" % (len(charts), ",".join(sorted(set(charts))), screenshot))


if __name__ == "__main__":
    main()
