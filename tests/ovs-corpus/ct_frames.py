#!/usr/bin/env python3
"""Frames for the conntrack corpus (ct-cases.txt), and the frames a dummy port sent.

  ct_frames.py tcp SRC:PORT DST:PORT FLAGS SEQ ACK [DATA]   -> hex of an Ethernet/IPv4/TCP frame
  ct_frames.py udp SRC:PORT DST:PORT [DATA]
  ct_frames.py icmp SRC DST TYPE ID SEQ                      (echo request 8 / reply 0)
  ct_frames.py icmp-error SRC DST TYPE CODE QSRC:PORT QDST:PORT  (quoting a UDP datagram)
  ct_frames.py sent PCAP                                     -> the frames written since the last
                                                                call, one hex line each

MACs are fixed: 00:00:00:00:00:01 -> 00:00:00:00:00:02 (from p1's side; the reverse when the
source address is 10.0.0.2 or 192.168.0.2). Checksums are computed, IP id is 0, TTL 64,
window 65535, so both switches see the same bytes.
"""
import os
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def frame(src, dst, proto, l4):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, ip4(src), ip4(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    macs = bytes.fromhex("000000000002000000000001")  # dst, src: from p1's side
    if src.endswith(".2"):
        macs = bytes.fromhex("000000000001000000000002")
    return macs + b"\x08\x00" + ip + l4


def l4sum(src, dst, proto, l4):
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(l4))
    return csum(pseudo + l4)


def tcp(sp, dp, flags, seq, ack, data=b""):
    (s, sport), (d, dport) = sp.split(":"), dp.split(":")
    bits = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}
    f = sum(bits[c] for c in flags)
    h = struct.pack("!HHIIBBHHH", int(sport), int(dport), int(seq), int(ack), 5 << 4, f, 65535, 0, 0)
    seg = h + data
    seg = seg[:16] + struct.pack("!H", l4sum(s, d, 6, seg)) + seg[18:]
    return frame(s, d, 6, seg)


def udp(sp, dp, data=b""):
    (s, sport), (d, dport) = sp.split(":"), dp.split(":")
    seg = struct.pack("!HHHH", int(sport), int(dport), 8 + len(data), 0) + data
    seg = seg[:6] + struct.pack("!H", l4sum(s, d, 17, seg) or 0xFFFF) + seg[8:]
    return frame(s, d, 17, seg)


def icmp(s, d, typ, ident, seq):
    msg = struct.pack("!BBHHH", int(typ), 0, 0, int(ident), int(seq)) + b"abcdefgh"
    msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
    return frame(s, d, 1, msg)


def icmp_error(s, d, typ, code, qsrc, qdst):
    """An ICMP error from s to d quoting the IPv4 + UDP header of qsrc -> qdst."""
    quoted = udp(qsrc, qdst, b"query")[14:14 + 28]
    msg = struct.pack("!BBHI", int(typ), int(code), 0, 0) + quoted
    msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
    return frame(s, d, 1, msg)


def sent(path):
    mark = path + ".seen"
    seen = int(open(mark).read()) if os.path.exists(mark) else 0
    data = open(path, "rb").read() if os.path.exists(path) else b""
    off, n = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        n += 1
        if n > seen:
            print(pkt.hex())
    open(mark, "w").write(str(n))


def main(argv):
    kind, args = argv[1], argv[2:]
    if kind == "sent":
        return sent(args[0])
    if kind == "tcp":
        out = tcp(*args[:5], args[5].encode() if len(args) > 5 else b"")
    elif kind == "udp":
        out = udp(*args[:2], args[2].encode() if len(args) > 2 else b"")
    elif kind == "icmp":
        out = icmp(*args)
    elif kind == "icmp-error":
        out = icmp_error(*args)
    else:
        sys.exit("ct_frames.py: unknown kind " + kind)
    print(out.hex())


if __name__ == "__main__":
    main(sys.argv)
