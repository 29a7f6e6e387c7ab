#!/usr/bin/env python3
"""fuzz-seed.py - write a libFuzzer seed corpus for one target of tools/fuzz.sh
from captures: pcaps/*.pcap and, when given, a folder of real captures (classic
pcap either byte order, micro or nano seconds, and pcapng with per-interface
link types).  The format is read from the magic number, not the extension.

Usage: fuzz-seed.py TARGET OUTDIR TOPDIR [REALDIR]
"""
import os
import struct
import sys

# The decoder target's first byte picks one of these (tests/fuzz/fuzz_decode.c).
DECODE_LTS = [0, 1, 12, 14, 101, 108, 113, 239, 276, 147]
PER_FILE = 40       # records per capture for the per-packet targets
ENGINE_RECS = 300   # records per capture for the engine's stream input


def records(data):
    """(linktype, frame) for each record of a classic pcap or pcapng buffer."""
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    elif magic == b"\x0a\x0d\x0d\x0a":
        yield from pcapng(data)
        return
    else:
        return
    lt = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        if incl > 262144:
            return
        yield lt, data[off + 16:off + 16 + incl]
        off += 16 + incl


def pcapng(data):
    e, off, ifaces = "<", 0, []
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 2:
            ifaces.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            ifid, _, _, caplen = struct.unpack(e + "IIII", body[:16])
            if ifid < len(ifaces):
                yield ifaces[ifid], body[20:20 + caplen]
        elif btype == 3 and len(body) >= 4 and ifaces:
            yield ifaces[0], body[4:]
        off += blen


def payload(lt, f):
    """The TCP or UDP payload of an Ethernet (optionally 802.1Q) IPv4 or IPv6 frame."""
    if lt != 1 or len(f) < 14:
        return b""
    off, et = 12, f[12:14]
    while et in (b"\x81\x00", b"\x88\xa8") and len(f) >= off + 6:
        off += 4
        et = f[off:off + 2]
    off += 2
    if et == b"\x08\x00" and len(f) > off + 20:
        proto, l4 = f[off + 9], off + (f[off] & 15) * 4
    elif et == b"\x86\xdd" and len(f) > off + 40:
        proto, l4 = f[off + 6], off + 40
    else:
        return b""
    if proto == 6 and len(f) > l4 + 12:
        return f[l4 + (f[l4 + 12] >> 4) * 4:]
    if proto == 17:
        return f[l4 + 8:]
    return b""


def capture_files(top, real):
    dirs = [os.path.join(top, "pcaps")] + ([real] if real and os.path.isdir(real) else [])
    for d in dirs:
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if os.path.isfile(path) and name.endswith((".pcap", ".pcapng")):
                yield name, path


def captures(top, real):
    for name, path in capture_files(top, real):
        with open(path, "rb") as fp:
            yield name, list(records(fp.read()))


def main():
    target, out, top = sys.argv[1:4]
    real = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    os.makedirs(out, exist_ok=True)

    def put(name, blob):
        if blob:
            with open(os.path.join(out, name), "wb") as fp:
                fp.write(blob[:4096])

    if target == "config":
        with open(os.path.join(top, "etc", "sluice.json"), "rb") as fp:
            put("sample", fp.read())
        put("set", b"flow.timeout.udp=30s")
        put("cidr", b'{"home_networks": ["10.0.0.0/8", "fd00::/8"], "flow": {"memcap": "4MiB"}}')
        return
    if target == "jpick":
        # Event lines as the engine writes them (tests/fuzz/jpick-seeds.jsonl), and broken ones.
        with open(os.path.join(top, "tests", "fuzz", "jpick-seeds.jsonl"), "rb") as fp:
            for i, line in enumerate(fp.read().splitlines()):
                put("line-%d" % i, line)
                put("cut-%d" % i, line[:len(line) // 2])
        return
    if target == "capfile":
        # Whole files, cut to the fuzzer's length: headers, records and a cut last one.
        for name, path in capture_files(top, real):
            with open(path, "rb") as fp:
                put(name, fp.read(4096))
        return
    for name, recs in captures(top, real):
        if target == "decode":
            for i, (lt, f) in enumerate(recs[:PER_FILE]):
                sel = DECODE_LTS.index(lt) if lt in DECODE_LTS else 1
                put("%s-%d" % (name, i), bytes([sel]) + f)
        elif target == "engine":
            blob = b"".join(struct.pack(">HB", len(f), 1) + f for lt, f in recs[:ENGINE_RECS] if lt == 1)
            put(name, blob)
            if len(blob) > 4096:  # the next window of the capture, too
                put(name + "-2", blob[4096:])
        else:
            n = 0
            for lt, f in recs:
                p = payload(lt, f)
                if p:
                    put("%s-%d" % (name, n), p)
                    n += 1
                    if n >= PER_FILE:
                        break
    if target == "urldecode":
        put("hand-1", b"info_hash=%12%34%56%78%9a%bc%de%f0%12%34%56%78%9a%bc%de%f0%12%34%56%78")
        put("hand-2", b"\x05%4%%zz%a%41%4G+%00")


if __name__ == "__main__":
    main()
