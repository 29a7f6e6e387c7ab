/*
 * decode.h - link, network and transport decoding of one captured packet.
 *
 * One function per layer (decode-link.c, decode-ip.c, decode-l4.c), each
 * checking length first and reading only through struct sl_cur.  What cannot
 * be decoded is a reason from the table below: a stable dotted name and a
 * counter in stats events, never a crash.  "Truncated" (the capture cut the
 * packet short) is kept apart from "invalid" (the sender lied).
 */
#ifndef SLUICE_DECODE_H
#define SLUICE_DECODE_H

#include "packet.h"
#include "sluice.h"

/*
 * X(enum suffix, stable name).  The name appears in stats events as
 * decoder.<name>: never rename one, only add.
 */
#define SL_DECODE_REASONS(X)                                                                       \
    X(OK, "ok")                                                                                    \
    X(LINK_UNSUPPORTED, "link.unsupported")                                                        \
    X(ETH_TRUNCATED, "ethernet.truncated")                                                         \
    X(VLAN_TRUNCATED, "vlan.truncated")                                                            \
    X(VLAN_TOO_DEEP, "vlan.too_deep")                                                              \
    X(MPLS_TRUNCATED, "mpls.truncated")                                                            \
    X(MPLS_TOO_DEEP, "mpls.too_deep")                                                              \
    X(SLL_TRUNCATED, "sll.truncated")                                                              \
    X(SLL2_TRUNCATED, "sll2.truncated")                                                            \
    X(NULL_TRUNCATED, "null.truncated")                                                            \
    X(NFLOG_TRUNCATED, "nflog.truncated")                                                          \
    X(NFLOG_INVALID, "nflog.invalid")                                                              \
    X(PPPOE_TRUNCATED, "pppoe.truncated")                                                          \
    X(ETHERTYPE_UNKNOWN, "ethertype.unknown")                                                      \
    X(NOT_IP, "l3.not_ip")                                                                         \
    X(IPV4_TRUNCATED, "ipv4.truncated")                                                            \
    X(IPV4_BAD_VERSION, "ipv4.bad_version")                                                        \
    X(IPV4_BAD_HLEN, "ipv4.hlen_invalid")                                                          \
    X(IPV4_BAD_LEN, "ipv4.len_invalid")                                                            \
    X(IPV6_TRUNCATED, "ipv6.truncated")                                                            \
    X(IPV6_BAD_VERSION, "ipv6.bad_version")                                                        \
    X(IPV6_EXTHDR_TRUNCATED, "ipv6.exthdr_truncated")                                              \
    X(IPV6_EXTHDR_TOO_MANY, "ipv6.exthdr_too_many")                                                \
    X(IPV6_JUMBO, "ipv6.jumbogram")                                                                \
    X(TCP_TRUNCATED, "tcp.truncated")                                                              \
    X(TCP_BAD_HLEN, "tcp.hlen_invalid")                                                            \
    X(UDP_TRUNCATED, "udp.truncated")                                                              \
    X(UDP_BAD_LEN, "udp.len_invalid")                                                              \
    X(ICMP_TRUNCATED, "icmp.truncated")                                                            \
    X(ICMPV6_TRUNCATED, "icmpv6.truncated")                                                        \
    X(CAPLEN_EXCEEDS_WIRELEN, "pkt.caplen_exceeds_wirelen")                                        \
    X(EMPTY, "pkt.empty")

enum sl_decode_result {
#define SL_X(e, n) SL_DECODE_##e,
    SL_DECODE_REASONS(SL_X)
#undef SL_X
        SL_DECODE_MAX
};

/* Stable name of a result ("ipv4.truncated"); "?" for out-of-range values. */
const char *sl_decode_name(enum sl_decode_result r);

/*
 * Decode pkt->data (pkt->caplen bytes of link type pkt->linktype) and fill
 * the decoded fields of *pkt.  Returns SL_DECODE_OK when an IP packet was
 * found; L4 fields are set when the transport header was readable.
 *
 * Not every non-OK result means "nothing usable": an IP packet whose
 * transport header is truncated returns e.g. SL_DECODE_TCP_TRUNCATED with
 * ip_version, addresses and l4proto set and sport/dport zero; the caller
 * counts the reason and still may account the packet to a host.  Fragments
 * other than the first return OK with later_fragment set and no ports.
 * Unknown IP protocols (GRE, ESP, ...) return OK with l4proto set and no ports.
 */
enum sl_decode_result sl_decode_packet(struct sl_packet *pkt);

/* `pkt` zeroed but for in's link type, bytes and lengths, then decoded (sl_decode_packet). */
enum sl_decode_result sl_decode_input(const sluice_packet *in, struct sl_packet *pkt);

/* True when this link type is one sl_decode_packet understands. */
int sl_decode_linktype_supported(int linktype);

#endif
