#!/usr/bin/env python3
"""run.py - the benchmark runner behind `make bench` (standard library only).

Generates the captures (bench/benchgen) unless they are there, then measures,
interleaved and in several rounds (the machine is shared and noisy: read the
ratios, not the seconds), on each capture:

  readloop    bare libpcap loop (pcap_next_ex, counting), 1 MiB stdio buffer
              like the sensor's reader: THE baseline ("x bare")
  capread     the sensor's own reader (plugin/capfile.c) in a bare loop
  tuples      readloop + parsing + a bidirectional 5-tuple table
  ndpiReader  ndpiReader -q -i FILE (nDPI 4.2, Debian libndpi-bin)
  sluice      sluice -q -r FILE: JSON sink to a scratch dir, and no sink
              (outputs.eve.enabled=false); 2 workers when --workers exists;
              Redis unreachable; and without -q (the end-of-run summary)

It prints packets/s (median), ratios to the bare loop and to ndpiReader, the
best round of each against the best of the bare loop (best:bare), peak
RSS (wait4's rusage), instructions per packet from callgrind on the first
100k packets, the memory per tracked flow, and whether each target is met.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


BULK_REPEAT = 3


def die(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(1)


def run(cmd, out=None):
    """Run cmd; (wall seconds, stdout). Dies on a non-zero exit."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE if out is None else out,
                         stderr=subprocess.PIPE)
    stdout, stderr = p.communicate()
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        die("%s exited %d: %s" % (" ".join(cmd), p.returncode,
                                   (stderr or b"").decode(errors="replace")[-600:]))
    return wall, (stdout or b"").decode(errors="replace")


def run_rss(cmd):
    """Run cmd; (wall seconds, peak RSS KiB, stdout text)."""
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=so, stderr=se)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        so.seek(0)
        se.seek(0)
        if p.returncode != 0:
            die("%s exited %d: %s" % (" ".join(cmd), p.returncode,
                                       se.read().decode(errors="replace")[-600:]))
        return wall, ru.ru_maxrss, so.read().decode(errors="replace")


def packets_of(text):
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] == "packets":
            return int(f[1])
    die("no packet count in: " + text[:200])


def callgrind_ir(cmd, outfile):
    """Instructions executed by cmd under callgrind."""
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + outfile] + cmd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    with open(outfile) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    die("no totals in " + outfile)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def fmt_rate(x):
    return "%10.0f" % x if x is not None else "%10s" % "n/a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="build dir holding sluice and bench/*")
    ap.add_argument("--dir", required=True, help="where the captures go (outside the source tree)")
    ap.add_argument("--real", default="", help="directory of real captures to replicate")
    ap.add_argument("--scale", default="1")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--regen", action="store_true")
    ap.add_argument("--scratch", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                    help="where sluice writes its logs and evidence (default: /dev/shm, a tmpfs: "
                         "creating a file costs ~600 us on this machine's disk)")
    a = ap.parse_args()

    b = a.bin
    sluice = os.path.join(b, "sluice")
    tools = {t: os.path.join(b, "bench", t) for t in ("benchgen", "readloop", "capread", "tuples")}
    for p in [sluice] + list(tools.values()):
        if not os.access(p, os.X_OK):
            die("%s is not built (run make bench)" % p)
    ndpi = shutil.which("ndpiReader")
    if not ndpi:
        die("ndpiReader not found: install Debian's libndpi-bin (tools/deps.sh does)")
    if not a.no_callgrind and not shutil.which("valgrind"):
        die("valgrind not found: install Debian's valgrind, or pass --no-callgrind")
    if not a.real or not os.path.isdir(a.real):
        die("no directory of real captures (configure --with-real-pcaps=DIR): %r" % a.real)

    os.makedirs(a.dir, exist_ok=True)
    stamp = os.path.join(a.dir, "generated-scale")
    if a.regen or not os.path.exists(stamp) or open(stamp).read().strip() != a.scale:
        print("bench: generating captures in %s (scale %s)..." % (a.dir, a.scale), flush=True)
        subprocess.run([tools["benchgen"], "-s", a.scale, "-d", a.real, a.dir], check=True)
        with open(stamp, "w") as f:
            f.write(a.scale + "\n")
    caps = ["realmix", "bulk"]

    help_text = subprocess.run([sluice, "--help"], capture_output=True, text=True).stdout
    has_workers = "workers" in help_text
    help_cfg = subprocess.run([sluice, "--help-config"], capture_output=True, text=True).stdout
    has_redis = "redis.enabled" in help_cfg and "redis.port" in help_cfg

    scratch = tempfile.mkdtemp(prefix="sluice-bench.", dir=a.scratch)
    empty = os.path.join(scratch, "empty.pcap")
    with open(empty, "wb") as f:
        # A classic pcap header, no packet: the sensor's resident size before any flow.
        f.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))

    nosink = ["--set", "outputs.eve.enabled=false"]
    # name -> (label, command builder or None when not available)
    def sl(extra):
        return lambda cap: [sluice, "-q", "-r", cap, "-l", os.path.join(scratch, "log")] + extra

    variants = [
        ("readloop", "bare libpcap loop", lambda c: [tools["readloop"], c]),
        ("capread", "capfile.c bare loop", lambda c: [tools["capread"], c]),
        ("tuples", "loop + 5-tuple table", lambda c: [tools["tuples"], c]),
        ("ndpi", "ndpiReader -q", lambda c: [ndpi, "-q", "-i", c]),
        ("s1", "sluice 1w JSON sink", sl(["--set", "stats.interval=1"])),
        ("s1n", "sluice 1w no sink", sl(nosink)),
        # Without -q: the end-of-run summary tallies every alert and flow event as well.
        ("s1s", "sluice 1w JSON+summary",
         lambda cap: [sluice, "-r", cap, "-l", os.path.join(scratch, "log"), "--set",
                      "stats.interval=1"]),
        ("s2", "sluice 2w JSON sink",
         sl(["--workers", "2", "--set", "stats.interval=1"]) if has_workers else None),
        ("s1r", "sluice 1w redis down",
         sl(nosink + ["--set", "redis.enabled=true", "--set", "redis.port=1",
                      # Not the exit's wait for the server to come back: a fixed pause.
                      "--set", "redis.drain_timeout=0"])
         if has_redis else None),
    ]

    npk = {}
    for cap in caps:
        _, out = run([tools["readloop"], os.path.join(a.dir, cap + ".pcap")])
        npk[cap] = packets_of(out)

    times = {(v[0], c): [] for v in variants for c in caps}
    rss = {}
    stats = {}
    for r in range(a.rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for cap in caps:
            path = os.path.join(a.dir, cap + ".pcap")
            # Untimed: the file comes from the page cache for every timed run, not the disk.
            run([tools["readloop"], path])
            # bulk runs take a third of a second: three of each per round, or noise decides.
            reps = BULK_REPEAT if cap == "bulk" else 1
            for name, _, mk in [v for _ in range(reps) for v in order]:
                if mk is None:
                    continue
                os.makedirs(os.path.join(scratch, "log"), exist_ok=True)
                wall, kib, _ = run_rss(mk(path))
                times[(name, cap)].append(wall)
                rss[(name, cap)] = max(rss.get((name, cap), 0), kib)
                eve = os.path.join(scratch, "log", "eve.json")
                if name == "s1" and os.path.exists(eve):
                    pk = {"flows": 0, "ndpi": 0, "p2p": 0, "p2p_bytes": 0, "hosts": 0, "rings": 0}
                    last = None
                    with open(eve) as f:
                        for line in f:
                            if '"event_type":"stats"' not in line.replace(" ", ""):
                                continue
                            ev = json.loads(line)["stats"]
                            pk["flows"] = max(pk["flows"], ev["flow"]["active"])
                            pk["ndpi"] = max(pk["ndpi"], ev["ndpi"]["states_in_use"])
                            pk["p2p"] = max(pk["p2p"], ev["p2p"]["states_in_use"])
                            # States are sized per kind: their bytes, not count x the largest.
                            pk["p2p_bytes"] = max(pk["p2p_bytes"],
                                                  ev["p2p"].get("bytes_allocated", 0))
                            pk["hosts"] = max(pk["hosts"], ev["hosts"]["active"])
                            if "evidence" in ev:
                                pk["rings"] = max(pk["rings"], ev["evidence"]["rings_in_use"])
                            last = ev
                    stats[cap] = [pk, last]
                shutil.rmtree(os.path.join(scratch, "log"), ignore_errors=True)
        print("bench: round %d of %d done" % (r + 1, a.rounds), file=sys.stderr, flush=True)
    _, base_kib, _ = run_rss([sluice, "-q", "-r", empty] + nosink)
    _, ndpi_base_kib, _ = run_rss([ndpi, "-q", "-i", empty])

    ir = {}
    startup = {}
    if not a.no_callgrind:
        for cap in caps:
            sp = os.path.join(a.dir, cap + "-slice.pcap")
            _, out = run([tools["readloop"], sp])
            n = packets_of(out)
            for name, _, mk in variants:
                if mk is None or name in ("s1r", "s2"):
                    continue
                os.makedirs(os.path.join(scratch, "log"), exist_ok=True)
                cg = os.path.join(a.dir, "callgrind.%s.%s.out" % (name, cap))
                total = callgrind_ir(mk(sp), cg)
                # Start-up and exit (nDPI builds its tries, sluice its tables) are not per packet.
                if name not in startup:
                    startup[name] = callgrind_ir(mk(empty), cg + ".empty")
                ir[(name, cap)] = (total - startup[name]) / n
                shutil.rmtree(os.path.join(scratch, "log"), ignore_errors=True)
    shutil.rmtree(scratch, ignore_errors=True)

    rate, best = {}, {}
    for k, v in times.items():
        if v:
            rate[k] = npk[k[1]] / statistics.median(v)
            best[k] = npk[k[1]] / min(v)  # the least disturbed round

    print()
    print("sluice benchmark, %s UTC; nproc %d; CPU %s; %d rounds (bulk: %d runs each per "
          "round), median; shared machine: ratios from one run" % (
              time.strftime("%Y-%m-%d %H:%M", time.gmtime()), os.cpu_count(), cpu_model(),
              a.rounds, BULK_REPEAT))
    print("sluice writes its logs and evidence under %s" % (a.scratch or tempfile.gettempdir()))
    for cap in caps:
        path = os.path.join(a.dir, cap + ".pcap")
        print()
        print("%s: %d packets, %.0f MB (%s)" % (cap, npk[cap], os.path.getsize(path) / 1e6, path))
        print("  %-22s %10s %8s %8s %9s %8s %9s" % ("", "pkts/s", "x bare", "x ndpi", "RSS MiB",
                                                    "Ir/pkt", "best:bare"))
        bare = rate[("readloop", cap)]
        nd = rate.get(("ndpi", cap))
        for name, label, mk in variants:
            k = (name, cap)
            if k not in rate:
                print("  %-22s %10s" % (label, "n/a"))
                continue
            print("  %-22s %s %8.3f %8.2f %9.1f %8s %9.3f" % (
                label, fmt_rate(rate[k]), rate[k] / bare, rate[k] / nd, rss[k] / 1024,
                "%.0f" % ir[k] if k in ir else "-", best[k] / best[("readloop", cap)]))
        if cap in stats and stats[cap][1]:
            pk, last = stats[cap]
            pf = pk["flows"]
            delta = (rss[("s1", cap)] - base_kib) * 1024
            fl, nd, pp, ho = (last["flow"]["bytes_per_flow"], last["ndpi"]["bytes_per_state"],
                              last["p2p"]["bytes_per_state"], last["hosts"]["bytes_per_host"])
            rb = last.get("evidence", {}).get("bytes_per_ring", 0)
            # An older sluice without bytes_allocated: every state at the largest size.
            p2p_bytes = pk["p2p_bytes"] or pk["p2p"] * pp
            print("  sluice memory (JSON run, stats every second of packet time): peak RSS - "
                  "empty-run RSS (%d KiB) = %.1f MiB for a peak of %d tracked flows = %.0f B "
                  "per tracked flow" % (base_kib, delta / 2**20, pf, delta / pf if pf else 0))
            print("    per table at peak: flow table %d flows x %d B = %.1f MiB; nDPI states "
                  "(held only while classifying) %d x %d B = %.1f MiB; p2p dissector states "
                  "%d (sized per kind, largest %d B) = %.1f MiB; hosts %d x %d B = %.1f MiB; nDPI state_full (flows "
                  "not classified: pool at ndpi.max_flows) %d" % (
                      pf, fl, pf * fl / 2**20, pk["ndpi"], nd, pk["ndpi"] * nd / 2**20,
                      pk["p2p"], pp, p2p_bytes / 2**20, pk["hosts"], ho,
                      pk["hosts"] * ho / 2**20, last["ndpi"]["state_full"]))
            print("    evidence rings %d x %d B = %.1f MiB (a pool of evidence.max_flows; "
                  "ring_full %d)" % (pk["rings"], rb, pk["rings"] * rb / 2**20,
                                     last.get("evidence", {}).get("ring_full", 0)))
            if pf and delta > 8 * 2**20:  # below that, RSS is page-granular noise
                rest = (delta - pk["ndpi"] * nd - p2p_bytes - pk["hosts"] * ho -
                        pk["rings"] * rb)
                print("    once classified (without the nDPI, dissector, host and evidence "
                      "pools): %.0f B per tracked flow (the flow entry is %d B)" % (rest / pf, fl))
                stats[cap] += [delta / pf, rest / pf]
        tf = None
        try:
            _, out = run([tools["tuples"], path])
            tf = int(out.split()[3])
        except (IndexError, ValueError):
            pass
        if tf:
            print("  ndpiReader memory: (peak RSS - %d KiB empty-run RSS) / %d TCP/UDP flows "
                  "= %.0f B/flow" % (ndpi_base_kib, tf,
                                      (rss[("ndpi", cap)] - ndpi_base_kib) * 1024 / tf))

    def ok(c):
        return "MET" if c else "NOT MET"
    print()
    print("targets:")
    r1 = rate[("s1", "realmix")] / rate[("ndpi", "realmix")]
    print("  realmix 1 worker >= 3x ndpiReader pkts/s:  %.2fx  %s" % (r1, ok(r1 >= 3)))
    b1 = rate[("s1", "bulk")] / rate[("readloop", "bulk")]
    print("  bulk 1 worker >= 60%% of the bare loop:    %.0f%%  %s" % (100 * b1, ok(b1 >= 0.6)))
    if "realmix" in stats and len(stats["realmix"]) == 4:
        per, rest = stats["realmix"][2:]
        print("  <= 256 B resident per tracked flow once classified:  %.0f B  %s  (%.0f B with "
              "every pool at its realmix peak)" % (rest, ok(rest <= 256), per))
    if ("s2", "bulk") in rate:
        w2 = rate[("s2", "bulk")] / rate[("s1", "bulk")]
        # One reader thread feeds every worker: the reader alone is the ceiling.
        ceil = rate[("capread", "bulk")] / rate[("s1", "bulk")]
        print("  2 workers >= 1.7x 1 worker on bulk:       %.2fx  %s (nproc %d; the reader "
              "alone, capfile.c bare loop, runs at %.2fx one worker)" % (
                  w2, ok(w2 >= 1.7), os.cpu_count(), ceil))
    else:
        print("  2 workers >= 1.7x 1 worker on bulk:       n/a (this sluice has no --workers)")
    for cap in caps:
        ratios = [rate[("s1n", cap)] / rate[("s1", cap)]]
        line = "  sinks differ < 10%% (%s): no sink / JSON = %.3f" % (cap, ratios[0])
        if ("s1r", cap) in rate:
            ratios.append(rate[("s1r", cap)] / rate[("s1", cap)])
            line += ", redis down / JSON = %.3f" % ratios[1]
        else:
            line += ", redis sink: n/a (none in this sluice)"
        print(line + "  " + ok(max(abs(x - 1) for x in ratios) < 0.10))

if __name__ == "__main__":
    main()
