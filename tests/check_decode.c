/*
 * check_decode.c - the decoder on crafted packets of every supported link
 * type and layer, every truncation point of each, and invalid values.
 */
#include <string.h>

#include "decode.h"
#include "suites.h"

/* ---- packet assembly ---- */

struct pkt {
    uint8_t b[256];
    size_t n;
};

static void add(struct pkt *p, const void *d, size_t n)
{
    memcpy(p->b + p->n, d, n);
    p->n += n;
}

static void add16(struct pkt *p, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    add(p, x, 2);
}

static void add32(struct pkt *p, uint32_t v)
{
    add16(p, (uint16_t)(v >> 16));
    add16(p, (uint16_t)v);
}

static const uint8_t SRC4[4] = {192, 168, 1, 10}, DST4[4] = {203, 0, 113, 5};
static const uint8_t SRC6[16] = {0xfd, 0, 0, 1, [15] = 0x10};
static const uint8_t DST6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 5};

/* IPv4 header with `optlen` bytes of options, then `l4` of `l4len` bytes. */
static void ipv4(struct pkt *p, uint8_t proto, const uint8_t *l4, size_t l4len, size_t optlen,
                 uint16_t frag)
{
    size_t hlen = 20 + optlen;
    p->b[p->n] = (uint8_t)(0x40 | (hlen / 4));
    p->b[p->n + 1] = 0;
    p->n += 2;
    add16(p, (uint16_t)(hlen + l4len));
    add16(p, 1);
    add16(p, frag);
    uint8_t ttl_proto[2] = {64, proto};
    add(p, ttl_proto, 2);
    add16(p, 0);
    add(p, SRC4, 4);
    add(p, DST4, 4);
    for (size_t i = 0; i < optlen; i++)
        p->b[p->n++] = 1; /* NOP options */
    add(p, l4, l4len);
}

static void ipv6(struct pkt *p, uint8_t nh, const uint8_t *rest, size_t len)
{
    add32(p, 0x60000000);
    add16(p, (uint16_t)len);
    uint8_t nh_hop[2] = {nh, 64};
    add(p, nh_hop, 2);
    add(p, SRC6, 16);
    add(p, DST6, 16);
    add(p, rest, len);
}

static size_t tcp_hdr(uint8_t *out, uint8_t flags, const char *payload)
{
    struct pkt t = {0};
    add16(&t, 51413);
    add16(&t, 6881);
    add32(&t, 1000);
    add32(&t, 2000);
    uint8_t off_flags[2] = {6 << 4, flags}; /* 24 bytes: one 4-byte option */
    add(&t, off_flags, 2);
    add16(&t, 65535);
    add32(&t, 0);
    add32(&t, 0x01010101); /* NOP options */
    add(&t, payload, strlen(payload));
    memcpy(out, t.b, t.n);
    return t.n;
}

static size_t udp_hdr(uint8_t *out, const char *payload)
{
    struct pkt u = {0};
    add16(&u, 5353);
    add16(&u, 53);
    add16(&u, (uint16_t)(8 + strlen(payload)));
    add16(&u, 0);
    add(&u, payload, strlen(payload));
    memcpy(out, u.b, u.n);
    return u.n;
}

static void eth(struct pkt *p, uint16_t type)
{
    memset(p->b, 0x02, 12);
    p->n = 12;
    add16(p, type);
}

static enum sl_decode_result run(struct sl_packet *sp, int linktype, const uint8_t *b, size_t n)
{
    memset(sp, 0, sizeof(*sp));
    sp->linktype = linktype;
    sp->data = b;
    sp->caplen = (uint32_t)n;
    sp->wirelen = (uint32_t)n;
    return sl_decode_packet(sp);
}

static void assert_tcp4(const struct sl_packet *sp)
{
    ck_assert_uint_eq(sp->ip_version, 4);
    ck_assert_uint_eq(sp->l4proto, 6);
    ck_assert_mem_eq(sp->src.b, SRC4, 4);
    ck_assert_mem_eq(sp->dst.b, DST4, 4);
    ck_assert_uint_eq(sp->sport, 51413);
    ck_assert_uint_eq(sp->dport, 6881);
    ck_assert_uint_eq(sp->tcp_seq, 1000);
    ck_assert_uint_eq(sp->tcp_ack, 2000);
    ck_assert_uint_eq(sp->tcp_flags, 0x18);
    ck_assert_uint_eq(sp->payload_len, 5);
    ck_assert_uint_eq(sp->payload_caplen, 5);
    ck_assert_int_eq(memcmp(sp->payload, "hello", 5), 0);
}

/* ---- one well-formed packet per link type, all fields checked ---- */

struct link_case {
    const char *name;
    int linktype;
    uint8_t vlans;
};

static size_t build_link(int which, struct pkt *p, uint16_t *vlan0)
{
    uint8_t l4[64], ip[128];
    size_t l4n = tcp_hdr(l4, 0x18, "hello");
    struct pkt ipp = {0};
    ipv4(&ipp, 6, l4, l4n, 4, 0x4000);
    memcpy(ip, ipp.b, ipp.n);
    *vlan0 = 0;
    memset(p, 0, sizeof(*p));
    switch (which) {
    case 0: /* Ethernet with 2 bytes of padding after the IP packet */
        eth(p, 0x0800);
        add(p, ip, ipp.n);
        add16(p, 0);
        return 1;
    case 1: /* QinQ */
        eth(p, 0x88a8);
        add16(p, 200);
        add16(p, 0x8100);
        add16(p, 100);
        add16(p, 0x0800);
        add(p, ip, ipp.n);
        *vlan0 = 200;
        return 1;
    case 2: /* MPLS, two labels */
        eth(p, 0x8847);
        add32(p, 0x00010000);
        add32(p, 0x00020100);
        add(p, ip, ipp.n);
        return 1;
    case 3: /* Linux cooked */
        memset(p->b, 0, 14);
        p->n = 14;
        add16(p, 0x0800);
        add(p, ip, ipp.n);
        return 113;
    case 4: /* Linux cooked v2 */
        add16(p, 0x0800);
        memset(p->b + p->n, 0, 18);
        p->n += 18;
        add(p, ip, ipp.n);
        return 276;
    case 5: /* raw */
        add(p, ip, ipp.n);
        return 101;
    case 6: /* BSD loopback, host order little-endian */
        add32(p, 0x02000000);
        add(p, ip, ipp.n);
        return 0;
    case 7: /* NFLOG: header, a prefix TLV, then the payload TLV */
    {
        uint8_t hdr[4] = {2, 0, 0, 1};
        add(p, hdr, 4);
        uint8_t tlv_prefix[8] = {7, 0, 10, 0, 'a', 'b', 'c', 0}; /* len 7 (LE), type 10, padded */
        add(p, tlv_prefix, 8);
        uint16_t len = (uint16_t)(4 + ipp.n);
        uint8_t tlv[4] = {(uint8_t)len, (uint8_t)(len >> 8), 9, 0};
        add(p, tlv, 4);
        add(p, ip, ipp.n);
        return 239;
    }
    default: /* PPPoE session */
        eth(p, 0x8864);
        add16(p, 0x1100);
        add16(p, 1);
        add16(p, (uint16_t)(ipp.n + 2));
        add16(p, 0x0021);
        add(p, ip, ipp.n);
        return 1;
    }
}

START_TEST(every_link_type)
{
    struct pkt p;
    uint16_t vlan0;
    int lt = (int)build_link(_i, &p, &vlan0);
    struct sl_packet sp;
    ck_assert_int_eq(run(&sp, lt, p.b, p.n), SL_DECODE_OK);
    assert_tcp4(&sp);
    ck_assert_uint_eq(sp.ip_len, 20 + 4 + 24 + 5);
    ck_assert_uint_eq(sp.l3_caplen, sp.ip_len); /* padding is not part of the IP packet */
    if (vlan0) {
        ck_assert_uint_eq(sp.vlan_count, 2);
        ck_assert_uint_eq(sp.vlan[0], vlan0);
        ck_assert_uint_eq(sp.vlan[1], 100);
    }
    ck_assert(sl_decode_linktype_supported(lt));
}
END_TEST

START_TEST(every_truncation_point)
{
    /* Each prefix of each packet decodes without reading past it; a prefix that
     * ends inside a header reports that layer's "truncated" reason. */
    struct pkt p;
    uint16_t vlan0;
    int lt = (int)build_link(_i, &p, &vlan0);
    for (size_t len = 0; len < p.n; len++) {
        struct sl_packet sp;
        uint8_t copy[256];
        memcpy(copy, p.b, len);
        memset(&sp, 0, sizeof(sp));
        sp.linktype = lt;
        sp.data = copy;
        sp.caplen = (uint32_t)len;
        sp.wirelen = (uint32_t)p.n;
        enum sl_decode_result r = sl_decode_packet(&sp);
        const char *name = sl_decode_name(r);
        if (len == 0) {
            ck_assert_int_eq(r, SL_DECODE_EMPTY);
        } else if (r == SL_DECODE_OK) {
            /* Only once the TCP header is complete: then the payload is what was captured. */
            ck_assert_uint_eq(sp.sport, 51413);
            ck_assert_uint_le(sp.payload_caplen, 5);
            ck_assert_uint_eq(sp.payload_len, 5);
        } else {
            ck_assert_msg(strstr(name, "truncated") != NULL, "prefix %zu of case %d: %s", len, _i,
                          name);
        }
        if (r == SL_DECODE_TCP_TRUNCATED) {
            ck_assert_uint_eq(sp.ip_version, 4); /* addresses are known */
            ck_assert_mem_eq(sp.src.b, SRC4, 4);
        }
    }
}
END_TEST

START_TEST(ipv6_with_extension_headers_and_udp)
{
    uint8_t l4[64], rest[128];
    size_t l4n = udp_hdr(l4, "query");
    size_t n = 0;
    /* hop-by-hop (8 bytes) -> destination options (16 bytes) -> UDP */
    rest[n++] = 60, rest[n++] = 0;
    memset(rest + n, 1, 6), n += 6;
    rest[n++] = 17, rest[n++] = 1;
    memset(rest + n, 1, 14), n += 14;
    memcpy(rest + n, l4, l4n), n += l4n;
    struct pkt p = {0};
    eth(&p, 0x86dd);
    ipv6(&p, 0, rest, n);
    struct sl_packet sp;
    ck_assert_int_eq(run(&sp, 1, p.b, p.n), SL_DECODE_OK);
    ck_assert_uint_eq(sp.ip_version, 6);
    ck_assert_uint_eq(sp.l4proto, 17);
    ck_assert_mem_eq(sp.src.b, SRC6, 16);
    ck_assert_mem_eq(sp.dst.b, DST6, 16);
    ck_assert_uint_eq(sp.sport, 5353);
    ck_assert_uint_eq(sp.dport, 53);
    ck_assert_uint_eq(sp.payload_len, 5);
    ck_assert_uint_eq(sp.ip_len, 40 + n);
}
END_TEST

START_TEST(ipv6_too_many_extension_headers)
{
    uint8_t rest[128];
    size_t n = 0;
    for (int i = 0; i < 9; i++) {
        rest[n++] = 60, rest[n++] = 0;
        memset(rest + n, 1, 6), n += 6;
    }
    struct pkt p = {0};
    ipv6(&p, 60, rest, n);
    struct sl_packet sp;
    ck_assert_int_eq(run(&sp, 101, p.b, p.n), SL_DECODE_IPV6_EXTHDR_TOO_MANY);
}
END_TEST

START_TEST(fragments)
{
    uint8_t l4[64];
    size_t l4n = udp_hdr(l4, "x");
    struct pkt first = {0}, later = {0};
    ipv4(&first, 17, l4, l4n, 0, 0x2000); /* MF, offset 0 */
    ipv4(&later, 17, l4, l4n, 0, 0x0010); /* offset 128 bytes */
    struct sl_packet sp;
    ck_assert_int_eq(run(&sp, 101, first.b, first.n), SL_DECODE_OK);
    ck_assert(sp.fragment && !sp.later_fragment);
    ck_assert_uint_eq(sp.dport, 53);
    ck_assert_int_eq(run(&sp, 101, later.b, later.n), SL_DECODE_OK);
    ck_assert(sp.fragment && sp.later_fragment);
    ck_assert_uint_eq(sp.sport, 0); /* no transport header in a later fragment */
    ck_assert_uint_eq(sp.l4proto, 17);
}
END_TEST

START_TEST(icmp_port_equivalents)
{
    uint8_t echo[8] = {8, 0, 0, 0, 0, 1, 0, 1}, ttl[8] = {11, 0, 0, 0, 0, 0, 0, 0};
    struct pkt a = {0}, b = {0};
    ipv4(&a, 1, echo, 8, 0, 0);
    ipv4(&b, 1, ttl, 8, 0, 0);
    struct sl_packet sp;
    ck_assert_int_eq(run(&sp, 101, a.b, a.n), SL_DECODE_OK);
    ck_assert_uint_eq(sp.sport, 8);
    ck_assert_uint_eq(sp.dport, 0); /* echo request pairs with echo reply (0) */
    ck_assert(!sp.icmp_oneway);
    ck_assert_int_eq(run(&sp, 101, b.b, b.n), SL_DECODE_OK);
    ck_assert_uint_eq(sp.sport, 11);
    ck_assert_uint_eq(sp.dport, 0); /* the code */
    ck_assert(sp.icmp_oneway);
    uint8_t ns[8] = {135, 0, 0, 0, 0, 0, 0, 0};
    struct pkt c = {0};
    ipv6(&c, 58, ns, 8);
    ck_assert_int_eq(run(&sp, 101, c.b, c.n), SL_DECODE_OK);
    ck_assert_uint_eq(sp.sport, 135);
    ck_assert_uint_eq(sp.dport, 136);
}
END_TEST

START_TEST(invalid_values)
{
    uint8_t l4[64];
    struct sl_packet sp;
    struct pkt p = {0};
    size_t l4n = tcp_hdr(l4, 0x02, "");

    ipv4(&p, 6, l4, l4n, 0, 0);
    p.b[0] = 0x44; /* IHL 4 */
    ck_assert_int_eq(run(&sp, 101, p.b, p.n), SL_DECODE_IPV4_BAD_HLEN);

    p.n = 0;
    ipv4(&p, 6, l4, l4n, 0, 0);
    p.b[2] = 0, p.b[3] = 12; /* total length < header */
    ck_assert_int_eq(run(&sp, 101, p.b, p.n), SL_DECODE_IPV4_BAD_LEN);

    p.n = 0;
    ipv4(&p, 6, l4, l4n, 0, 0);
    p.b[3] = (uint8_t)(p.b[3] + 100); /* total length beyond the frame on the wire */
    ck_assert_int_eq(run(&sp, 101, p.b, p.n), SL_DECODE_IPV4_BAD_LEN);

    p.n = 0;
    l4[12] = 4 << 4; /* TCP data offset 4 */
    ipv4(&p, 6, l4, l4n, 0, 0);
    ck_assert_int_eq(run(&sp, 101, p.b, p.n), SL_DECODE_TCP_BAD_HLEN);

    p.n = 0;
    l4n = udp_hdr(l4, "abc");
    l4[5] = 7; /* UDP length 7 */
    ipv4(&p, 17, l4, l4n, 0, 0);
    ck_assert_int_eq(run(&sp, 101, p.b, p.n), SL_DECODE_UDP_BAD_LEN);

    p.n = 0;
    eth(&p, 0x8100);
    for (int i = 0; i < 8; i++) {
        add16(&p, (uint16_t)i);
        add16(&p, 0x8100);
    }
    add16(&p, 9);
    add16(&p, 0x0800);
    ck_assert_int_eq(run(&sp, 1, p.b, p.n), SL_DECODE_VLAN_TOO_DEEP);

    p.n = 0;
    uint8_t nflog[8] = {2, 0, 0, 0, 2, 0, 9, 0}; /* TLV length 2 < 4 */
    add(&p, nflog, 8);
    ck_assert_int_eq(run(&sp, 239, p.b, p.n), SL_DECODE_NFLOG_INVALID);

    p.n = 0;
    eth(&p, 0x0806); /* ARP */
    ck_assert_int_eq(run(&sp, 1, p.b, p.n), SL_DECODE_ETHERTYPE_UNKNOWN);
    ck_assert_int_eq(run(&sp, 147, p.b, p.n), SL_DECODE_LINK_UNSUPPORTED);
    ck_assert(!sl_decode_linktype_supported(147));
}
END_TEST

START_TEST(reason_names_are_stable)
{
    ck_assert_str_eq(sl_decode_name(SL_DECODE_OK), "ok");
    ck_assert_str_eq(sl_decode_name(SL_DECODE_IPV4_TRUNCATED), "ipv4.truncated");
    ck_assert_str_eq(sl_decode_name(SL_DECODE_ETHERTYPE_UNKNOWN), "ethertype.unknown");
    ck_assert_str_eq(sl_decode_name(SL_DECODE_MAX), "?");
    for (int r = 0; r < SL_DECODE_MAX; r++)
        for (int k = r + 1; k < SL_DECODE_MAX; k++)
            ck_assert_str_ne(sl_decode_name((enum sl_decode_result)r),
                             sl_decode_name((enum sl_decode_result)k));
}
END_TEST

Suite *suite_decode(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("layers");
    tcase_add_loop_test(tc, every_link_type, 0, 9);
    tcase_add_loop_test(tc, every_truncation_point, 0, 9);
    tcase_add_test(tc, ipv6_with_extension_headers_and_udp);
    tcase_add_test(tc, ipv6_too_many_extension_headers);
    tcase_add_test(tc, fragments);
    tcase_add_test(tc, icmp_port_equivalents);
    tcase_add_test(tc, invalid_values);
    tcase_add_test(tc, reason_names_are_stable);
    suite_add_tcase(s, tc);
    return s;
}
