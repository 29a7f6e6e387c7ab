/*
 * decode.c - link layer to transport header, one function per layer.
 *
 * Each layer checks its length first, fills what it learns into the packet
 * and hands a cursor over the rest to the next one.  A cursor is clamped to
 * each PDU's own length field (IP total length, UDP length), so an inner
 * layer never reads an outer trailer such as Ethernet padding.  What is cut
 * short by the capture is "truncated"; what contradicts itself is "invalid".
 */
#include <string.h>

#include "cursor.h"
#include "decode.h"

/* Link types (libpcap DLT_ / LINKTYPE_ numbers). */
#define LT_NULL       0
#define LT_EN10MB     1
#define LT_RAW_12     12
#define LT_RAW_14     14
#define LT_RAW        101
#define LT_LOOP       108
#define LT_LINUX_SLL  113
#define LT_NFLOG      239
#define LT_LINUX_SLL2 276

#define ETH_IPV4     0x0800
#define ETH_IPV6     0x86dd
#define ETH_VLAN     0x8100
#define ETH_QINQ     0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_MPLS     0x8847
#define ETH_MPLS_MC  0x8848
#define ETH_PPPOE    0x8864

#define MAX_TAGS    8 /* VLAN tags or MPLS labels: more is a crafted packet */
#define MAX_EXTHDRS 8

static const char *const names[] = {
#define SL_X(e, n) n,
    SL_DECODE_REASONS(SL_X)
#undef SL_X
};

const char *sl_decode_name(enum sl_decode_result r)
{
    return (unsigned)r < SL_DECODE_MAX ? names[r] : "?";
}

int sl_decode_linktype_supported(int lt)
{
    switch (lt) {
    case LT_NULL:
    case LT_EN10MB:
    case LT_RAW_12:
    case LT_RAW_14:
    case LT_RAW:
    case LT_LOOP:
    case LT_LINUX_SLL:
    case LT_NFLOG:
    case LT_LINUX_SLL2:
        return 1;
    default:
        return 0;
    }
}

/* ---- transport ---- */

static enum sl_decode_result decode_tcp(struct sl_packet *p, struct sl_cur *c, uint32_t l4_wire)
{
    struct sl_cur t = *c;
    if (!sl_cur_has(&t, 20))
        return SL_DECODE_TCP_TRUNCATED;
    uint16_t sport = sl_cur_u16be(&t), dport = sl_cur_u16be(&t);
    uint32_t seq = sl_cur_u32be(&t), ack = sl_cur_u32be(&t);
    uint8_t off = sl_cur_u8(&t) >> 4;
    uint8_t flags = sl_cur_u8(&t);
    uint32_t hlen = (uint32_t)off * 4;
    if (off < 5 || hlen > l4_wire)
        return SL_DECODE_TCP_BAD_HLEN;
    struct sl_cur h = *c;
    if (!sl_cur_skip(&h, hlen))
        return SL_DECODE_TCP_TRUNCATED; /* options cut by the snaplen */
    p->sport = sport;
    p->dport = dport;
    p->tcp_seq = seq;
    p->tcp_ack = ack;
    p->tcp_flags = flags;
    p->payload = h.p;
    p->payload_caplen = (uint32_t)sl_cur_left(&h);
    p->payload_len = l4_wire - hlen;
    return SL_DECODE_OK;
}

static enum sl_decode_result decode_udp(struct sl_packet *p, struct sl_cur *c, uint32_t l4_wire)
{
    struct sl_cur t = *c;
    if (!sl_cur_has(&t, 8))
        return SL_DECODE_UDP_TRUNCATED;
    uint16_t sport = sl_cur_u16be(&t), dport = sl_cur_u16be(&t);
    uint16_t ulen = sl_cur_u16be(&t);
    sl_cur_skip(&t, 2);
    if (ulen < 8 || ulen > l4_wire)
        return SL_DECODE_UDP_BAD_LEN;
    sl_cur_clamp(&t, ulen - 8u); /* fails only when truncated: then read what exists */
    p->sport = sport;
    p->dport = dport;
    p->payload = t.p;
    p->payload_caplen = (uint32_t)sl_cur_left(&t);
    p->payload_len = ulen - 8u;
    return SL_DECODE_OK;
}

/*
 * ICMP types that come in request/reply pairs map to their counterpart as the
 * "destination port" (Community ID v1, after Zeek); others keep their code.
 */
static int icmp_counterpart(uint8_t proto, uint8_t type)
{
    static const uint8_t v4[][2] = {{8, 0},   {0, 8},  {13, 14}, {14, 13}, {15, 16},
                                    {16, 15}, {10, 9}, {9, 10},  {17, 18}, {18, 17}};
    static const uint8_t v6[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133},
                                    {135, 136}, {136, 135}, {130, 131}, {131, 130},
                                    {139, 140}, {140, 139}, {144, 145}, {145, 144}};
    const uint8_t(*t)[2] = proto == 1 ? v4 : v6;
    size_t n = proto == 1 ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]);
    for (size_t i = 0; i < n; i++)
        if (t[i][0] == type)
            return t[i][1];
    return -1;
}

static enum sl_decode_result decode_icmp(struct sl_packet *p, struct sl_cur *c, uint32_t l4_wire)
{
    struct sl_cur t = *c;
    if (!sl_cur_has(&t, 4))
        return p->l4proto == 1 ? SL_DECODE_ICMP_TRUNCATED : SL_DECODE_ICMPV6_TRUNCATED;
    p->icmp_type = sl_cur_u8(&t);
    p->icmp_code = sl_cur_u8(&t);
    sl_cur_skip(&t, 2);
    int cp = icmp_counterpart(p->l4proto, p->icmp_type);
    p->sport = p->icmp_type;
    p->dport = cp >= 0 ? (uint16_t)cp : p->icmp_code;
    p->icmp_oneway = cp < 0;
    p->payload = t.p;
    p->payload_caplen = (uint32_t)sl_cur_left(&t);
    p->payload_len = l4_wire >= 4 ? l4_wire - 4 : 0;
    return SL_DECODE_OK;
}

static enum sl_decode_result decode_l4(struct sl_packet *p, struct sl_cur *c, uint32_t l4_wire)
{
    switch (p->l4proto) {
    case 6:
        return decode_tcp(p, c, l4_wire);
    case 17:
        return decode_udp(p, c, l4_wire);
    case 1:
    case 58:
        return decode_icmp(p, c, l4_wire);
    default:
        return SL_DECODE_OK; /* GRE, ESP, SCTP...: tracked by addresses and protocol */
    }
}

/* ---- network ---- */

/* Bytes the frame had on the wire from the cursor on: an IP length beyond them is a lie. */
static uint32_t wire_left(const struct sl_packet *p, const struct sl_cur *c)
{
    uint32_t consumed = p->caplen - (uint32_t)sl_cur_left(c);
    uint32_t wire = p->wirelen > p->caplen ? p->wirelen : p->caplen;
    return wire - consumed;
}

static enum sl_decode_result decode_ipv4(struct sl_packet *p, struct sl_cur c)
{
    struct sl_cur h = c;
    if (!sl_cur_has(&h, 20))
        return SL_DECODE_IPV4_TRUNCATED;
    uint8_t vhl = sl_cur_u8(&h);
    if (vhl >> 4 != 4)
        return SL_DECODE_IPV4_BAD_VERSION;
    uint32_t hlen = (vhl & 0x0f) * 4u;
    sl_cur_skip(&h, 1);
    uint32_t total = sl_cur_u16be(&h);
    sl_cur_skip(&h, 2);
    uint16_t frag = sl_cur_u16be(&h);
    sl_cur_skip(&h, 1);
    uint8_t proto = sl_cur_u8(&h);
    sl_cur_skip(&h, 2);
    if (hlen < 20)
        return SL_DECODE_IPV4_BAD_HLEN;
    /* Total length 0 comes from TCP segmentation offload on the capturing host. */
    if (total == 0)
        total = (uint32_t)sl_cur_left(&c);
    if (total < hlen || total > wire_left(p, &c))
        return SL_DECODE_IPV4_BAD_LEN;
    p->ip_version = 4;
    sl_cur_copy(&h, p->src.b, 4);
    sl_cur_copy(&h, p->dst.b, 4);
    p->l4proto = proto;
    p->ip_len = total;
    p->l3 = c.p;
    struct sl_cur ip = c;
    sl_cur_clamp(&ip, total); /* Ethernet padding is not IP; a snaplen cut keeps what exists */
    p->l3_caplen = (uint32_t)sl_cur_left(&ip);
    if (!sl_cur_skip(&ip, hlen))
        return SL_DECODE_IPV4_TRUNCATED;
    if (frag & 0x3fff) {
        p->fragment = true;
        if (frag & 0x1fff) {
            p->later_fragment = true;
            return SL_DECODE_OK;
        }
    }
    return decode_l4(p, &ip, total - hlen);
}

static bool is_ext_header(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60 || nh == 135;
}

static enum sl_decode_result decode_ipv6(struct sl_packet *p, struct sl_cur c)
{
    struct sl_cur h = c;
    if (!sl_cur_has(&h, 40))
        return SL_DECODE_IPV6_TRUNCATED;
    if (sl_cur_u8(&h) >> 4 != 6)
        return SL_DECODE_IPV6_BAD_VERSION;
    sl_cur_skip(&h, 3);
    uint32_t plen = sl_cur_u16be(&h);
    uint8_t nh = sl_cur_u8(&h);
    sl_cur_skip(&h, 1);
    p->ip_version = 6;
    sl_cur_copy(&h, p->src.b, 16);
    sl_cur_copy(&h, p->dst.b, 16);
    if (plen == 0 && nh == 0)
        return SL_DECODE_IPV6_JUMBO; /* jumbograms need the hop-by-hop option: not on a SPAN */
    if (40 + plen > wire_left(p, &c))
        return SL_DECODE_IPV6_TRUNCATED;
    p->ip_len = 40 + plen;
    p->l3 = c.p;
    struct sl_cur ip = c;
    sl_cur_clamp(&ip, 40 + plen);
    p->l3_caplen = (uint32_t)sl_cur_left(&ip);
    sl_cur_skip(&ip, 40);
    uint32_t left = plen; /* wire bytes after the headers read so far */
    unsigned n = 0;
    while (is_ext_header(nh)) {
        if (++n > MAX_EXTHDRS) {
            p->l4proto = nh;
            return SL_DECODE_IPV6_EXTHDR_TOO_MANY;
        }
        if (!sl_cur_has(&ip, 8)) {
            p->l4proto = nh;
            return SL_DECODE_IPV6_EXTHDR_TRUNCATED;
        }
        struct sl_cur e = ip;
        uint8_t next = sl_cur_u8(&e);
        uint8_t len8 = sl_cur_u8(&e);
        uint32_t elen;
        if (nh == 44) {
            uint16_t off = sl_cur_u16be(&e);
            p->fragment = true;
            elen = 8;
            if (off & 0xfff8) {
                p->later_fragment = true;
                p->l4proto = next;
                return SL_DECODE_OK;
            }
        } else if (nh == 51) {
            elen = (len8 + 2u) * 4; /* AH counts 4-byte units, less two */
        } else {
            elen = (len8 + 1u) * 8;
        }
        if (elen > left) {
            p->l4proto = nh;
            return SL_DECODE_IPV6_EXTHDR_TRUNCATED;
        }
        if (!sl_cur_skip(&ip, elen)) {
            p->l4proto = nh;
            return SL_DECODE_IPV6_EXTHDR_TRUNCATED;
        }
        left -= elen;
        nh = next;
    }
    p->l4proto = nh;
    if (nh == 59) /* no next header */
        return SL_DECODE_OK;
    return decode_l4(p, &ip, left);
}

static enum sl_decode_result decode_ip_by_version(struct sl_packet *p, struct sl_cur c,
                                                  enum sl_decode_result empty)
{
    int b = sl_cur_peek(&c, 0);
    if (b < 0)
        return empty;
    if (b >> 4 == 4)
        return decode_ipv4(p, c);
    if (b >> 4 == 6)
        return decode_ipv6(p, c);
    return SL_DECODE_NOT_IP;
}

/* ---- link ---- */

static enum sl_decode_result decode_ethertype(struct sl_packet *p, struct sl_cur c, uint16_t type);

static enum sl_decode_result decode_mpls(struct sl_packet *p, struct sl_cur c)
{
    for (unsigned n = 0;; n++) {
        if (n >= MAX_TAGS)
            return SL_DECODE_MPLS_TOO_DEEP;
        if (!sl_cur_has(&c, 4))
            return SL_DECODE_MPLS_TRUNCATED;
        uint32_t label = sl_cur_u32be(&c);
        if (label & 0x100) /* bottom of stack */
            break;
    }
    /* MPLS does not say what it carries: the IP version nibble does. */
    return decode_ip_by_version(p, c, SL_DECODE_MPLS_TRUNCATED);
}

static enum sl_decode_result decode_pppoe(struct sl_packet *p, struct sl_cur c)
{
    if (!sl_cur_has(&c, 8))
        return SL_DECODE_PPPOE_TRUNCATED;
    sl_cur_skip(&c, 6); /* version/type, code, session id, length */
    uint16_t proto = sl_cur_u16be(&c);
    if (proto == 0x0021)
        return decode_ipv4(p, c);
    if (proto == 0x0057)
        return decode_ipv6(p, c);
    return SL_DECODE_NOT_IP;
}

/* After an ethertype: VLAN tags, MPLS, PPPoE or IP. */
static enum sl_decode_result decode_ethertype(struct sl_packet *p, struct sl_cur c, uint16_t type)
{
    unsigned tags = 0;
    while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
        if (++tags > MAX_TAGS)
            return SL_DECODE_VLAN_TOO_DEEP;
        if (!sl_cur_has(&c, 4))
            return SL_DECODE_VLAN_TRUNCATED;
        uint16_t tci = sl_cur_u16be(&c);
        if (p->vlan_count < SL_MAX_VLAN)
            p->vlan[p->vlan_count++] = tci & 0x0fff;
        type = sl_cur_u16be(&c);
    }
    switch (type) {
    case ETH_IPV4:
        return decode_ipv4(p, c);
    case ETH_IPV6:
        return decode_ipv6(p, c);
    case ETH_MPLS:
    case ETH_MPLS_MC:
        return decode_mpls(p, c);
    case ETH_PPPOE:
        return decode_pppoe(p, c);
    default:
        return SL_DECODE_ETHERTYPE_UNKNOWN;
    }
}

static enum sl_decode_result decode_ethernet(struct sl_packet *p, struct sl_cur c)
{
    if (!sl_cur_skip(&c, 12) || !sl_cur_has(&c, 2))
        return SL_DECODE_ETH_TRUNCATED;
    uint16_t type = sl_cur_u16be(&c);
    if (type < 0x0600) /* an 802.3 length: LLC frames (STP, ...) carry no IP here */
        return SL_DECODE_ETHERTYPE_UNKNOWN;
    return decode_ethertype(p, c, type);
}

static enum sl_decode_result decode_null(struct sl_packet *p, struct sl_cur c)
{
    if (!sl_cur_has(&c, 4))
        return SL_DECODE_NULL_TRUNCATED;
    /* The address family is in the capturing host's byte order: accept either. */
    uint32_t le = sl_cur_u32le(&c);
    uint32_t af = le > 0xffff ? __builtin_bswap32(le) : le;
    switch (af) {
    case 2:
        return decode_ipv4(p, c);
    case 10: /* Linux */
    case 24: /* NetBSD, OpenBSD */
    case 28: /* FreeBSD */
    case 30: /* macOS */
        return decode_ipv6(p, c);
    default:
        return SL_DECODE_NOT_IP;
    }
}

static enum sl_decode_result decode_sll(struct sl_packet *p, struct sl_cur c)
{
    if (!sl_cur_skip(&c, 14) || !sl_cur_has(&c, 2))
        return SL_DECODE_SLL_TRUNCATED;
    return decode_ethertype(p, c, sl_cur_u16be(&c));
}

static enum sl_decode_result decode_sll2(struct sl_packet *p, struct sl_cur c)
{
    if (!sl_cur_has(&c, 20))
        return SL_DECODE_SLL2_TRUNCATED;
    uint16_t type = sl_cur_u16be(&c);
    sl_cur_skip(&c, 18);
    return decode_ethertype(p, c, type);
}

/* NFLOG: a 4-byte header, then TLVs in host (little-endian) order; type 9 holds the packet. */
static enum sl_decode_result decode_nflog(struct sl_packet *p, struct sl_cur c)
{
    if (!sl_cur_has(&c, 4))
        return SL_DECODE_NFLOG_TRUNCATED;
    uint8_t family = sl_cur_u8(&c);
    sl_cur_skip(&c, 3);
    while (sl_cur_left(&c) > 0) {
        if (!sl_cur_has(&c, 4))
            return SL_DECODE_NFLOG_TRUNCATED;
        uint16_t len = sl_cur_u16le(&c);
        uint16_t type = sl_cur_u16le(&c);
        if (len < 4)
            return SL_DECODE_NFLOG_INVALID;
        if (type == 9) {
            /* The packet itself: a snaplen may have cut it, decode what is there. */
            struct sl_cur v = c;
            sl_cur_clamp(&v, len - 4u);
            if (family == 2)
                return decode_ipv4(p, v);
            if (family == 10)
                return decode_ipv6(p, v);
            return decode_ip_by_version(p, v, SL_DECODE_NFLOG_TRUNCATED);
        }
        if (!sl_cur_skip(&c, len - 4u))
            return SL_DECODE_NFLOG_TRUNCATED;
        if (!sl_cur_skip(&c, (4 - len % 4) % 4))
            break; /* the padding after the last TLV may be cut */
    }
    /* No payload TLV: cut off by the snaplen, or a log message without a packet. */
    return p->caplen < p->wirelen ? SL_DECODE_NFLOG_TRUNCATED : SL_DECODE_NOT_IP;
}

enum sl_decode_result sl_decode_packet(struct sl_packet *p)
{
    if (p->caplen == 0)
        return SL_DECODE_EMPTY;
    struct sl_cur c = sl_cur_make(p->data, p->caplen);
    switch (p->linktype) {
    case LT_EN10MB:
        return decode_ethernet(p, c);
    case LT_RAW:
    case LT_RAW_12:
    case LT_RAW_14:
        return decode_ip_by_version(p, c, SL_DECODE_EMPTY);
    case LT_NULL:
    case LT_LOOP:
        return decode_null(p, c);
    case LT_LINUX_SLL:
        return decode_sll(p, c);
    case LT_LINUX_SLL2:
        return decode_sll2(p, c);
    case LT_NFLOG:
        return decode_nflog(p, c);
    default:
        return SL_DECODE_LINK_UNSUPPORTED;
    }
}

enum sl_decode_result sl_decode_input(const sluice_packet *in, struct sl_packet *pkt)
{
    memset(pkt, 0, sizeof(*pkt));
    pkt->linktype = in->linktype;
    pkt->data = in->data;
    pkt->caplen = in->caplen;
    pkt->wirelen = in->wirelen;
    return sl_decode_packet(pkt);
}
