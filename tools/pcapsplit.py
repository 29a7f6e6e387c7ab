#!/usr/bin/env python3
"""pcapsplit.py - split a classic pcap into several files, for testing merged replay.

Usage: pcapsplit.py IN.pcap OUTDIR PARTS [--seed N] [--reverse-names] [--overlap K]

Cuts at seeded random packet boundaries (every part gets at least one packet).
--reverse-names names the parts so that name order is the reverse of time order
(part-00 holds the last packets).  --overlap K interleaves the K packets on each
side of a cut between the two neighbouring parts (alternately), as rotated
captures overlap in time; cuts are then placed where those 2K packets have
strictly increasing timestamps, so the merge can only restore one order.
Prints one line per part: "NAME FIRST_INDEX COUNT" (index of the part's
packets in the input, 1-based; with --overlap, COUNT and the packet list are in
OUTDIR/index.txt as "NAME idx,idx,...").
"""
import os
import random
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit("pcapsplit: %s: not a classic pcap (magic %s)" % (path, magic.hex()))
    header, off, recs = data[:24], 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
        if off + 16 + incl > len(data):
            break
        recs.append(((sec, frac), data[off:off + 16 + incl]))
        off += 16 + incl
    return header, recs


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    opts = dict(a.lstrip("-").split("=", 1) if "=" in a else (a.lstrip("-"), "1")
                for a in argv if a.startswith("--"))
    if len(args) != 3:
        sys.exit(__doc__)
    src, outdir, parts = args[0], args[1], int(args[2])
    seed, overlap = int(opts.get("seed", "1")), int(opts.get("overlap", "0"))
    header, recs = read_pcap(src)
    n = len(recs)
    if parts < 1 or n < parts * (2 * overlap + 1):
        sys.exit("pcapsplit: %d packets cannot make %d parts" % (n, parts))
    rnd = random.Random(seed)

    def ok(c):  # a cut before packet c, its overlap window strictly increasing in time
        lo, hi = c - overlap, c + overlap
        if lo < 1 or hi > n - 1:
            return overlap == 0 and 0 < c < n
        return all(recs[i][0] < recs[i + 1][0] for i in range(lo - 1, hi))

    candidates = [c for c in range(1, n) if ok(c)]
    cuts = []
    for c in rnd.sample(candidates, len(candidates)):
        if all(abs(c - d) > 2 * overlap for d in cuts):
            cuts.append(c)
        if len(cuts) == parts - 1:
            break
    if len(cuts) != parts - 1:
        sys.exit("pcapsplit: no room for %d cuts" % (parts - 1))
    cuts.sort()
    bounds = [0] + cuts + [n]
    members = [list(range(bounds[k], bounds[k + 1])) for k in range(parts)]
    for k, c in enumerate(cuts):  # swap alternate packets across each cut
        for j in range(overlap):
            a, b = c - overlap + j, c + j
            if j % 2 == 0:
                members[k].remove(a)
                members[k + 1].append(a)
                members[k + 1].remove(b)
                members[k].append(b)
    os.makedirs(outdir, exist_ok=True)
    lines = []
    for k in range(parts):
        name = "part-%02d.pcap" % (parts - 1 - k if "reverse-names" in opts else k)
        idx = sorted(members[k])
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(header)
            for i in idx:
                f.write(recs[i][1])
        lines.append("%s %s" % (name, ",".join(str(i + 1) for i in idx)))
        print("%s %d %d" % (name, idx[0] + 1, len(idx)))
    with open(os.path.join(outdir, "index.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
