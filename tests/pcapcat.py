#!/usr/bin/env python3
"""pcapcat.py OUT IN... - classic Ethernet pcaps one after another in one file.

Each input is shifted in time to start a second after the previous one ends,
so the output holds the packets in the order tcpreplay sends the inputs
(several -r files would be merged by packet time instead).
"""
import struct
import sys


def main(argv):
    out, t_end, recs = argv[1], None, []
    for path in argv[2:]:
        with open(path, "rb") as f:
            data = f.read()
        e = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
        if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4") or struct.unpack(e + "I", data[20:24])[0] != 1:
            sys.exit("%s: not a classic microsecond Ethernet pcap" % path)
        off, first, shift = 24, None, 0
        while off + 16 <= len(data):
            sec, usec, cap, wire = struct.unpack(e + "IIII", data[off:off + 16])
            t = sec * 1000000 + usec
            if first is None:
                first = t
                shift = 0 if t_end is None else t_end + 1000000 - first
            t += shift
            recs.append(struct.pack("<IIII", t // 1000000, t % 1000000, cap, wire) + data[off + 16:off + 16 + cap])
            t_end = t if t_end is None else max(t_end, t)
            off += 16 + cap
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1) + b"".join(recs))


if __name__ == "__main__":
    main(sys.argv)
