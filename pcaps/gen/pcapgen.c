/*
 * pcapgen.c - writes the project's own test captures (the .pcap files in pcaps/).
 *
 * Usage: pcapgen OUTDIR
 *
 * Every capture is deterministic: fixed timestamps from 2024-03-01T12:00:00Z,
 * a seeded PRNG for payload bytes, correct IPv4/TCP/UDP checksums, real TCP
 * sequence numbers.  Running it twice gives the same bytes; a test checks the
 * committed files are exactly what it writes; pcaps/README.md says what each
 * capture holds and what an IDS should report.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapgen.h"

uint64_t rng_state = 0x243f6a8885a308d3ull;

uint32_t rng(void)
{
    /* xorshift64*: deterministic filler bytes */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

void die(const char *what)
{
    perror(what);
    exit(1);
}

void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int linktype_of(enum link l)
{
    return l == L_SLL ? 113 : l == L_RAW ? 101 : 1;
}

struct out open_out(const char *dir, const char *name, enum link link)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct out o = {fopen(path, "wb"), link, BASE_TIME * 1000000ull, 1};
    /* Each capture seeds its own filler bytes, so changing one leaves the others as they are. */
    rng_state = 0xcbf29ce484222325ull;
    for (const char *c = name; *c; c++)
        rng_state = (rng_state ^ (uint8_t)*c) * 0x100000001b3ull;
    if (!o.fp)
        die(path);
    uint8_t h[24];
    le32(h, 0xa1b2c3d4);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4, little-endian */
    le32(h + 8, 0);
    le32(h + 12, 0);
    le32(h + 16, 65535);
    le32(h + 20, (uint32_t)linktype_of(link));
    if (fwrite(h, 1, sizeof(h), o.fp) != sizeof(h))
        die(path);
    return o;
}

void close_out(struct out *o)
{
    if (fclose(o->fp) != 0)
        die("close");
}

void write_record_cut(struct out *o, const uint8_t *frame, size_t caplen, size_t len)
{
    uint8_t h[16];
    le32(h, (uint32_t)(o->ts_us / 1000000));
    le32(h + 4, (uint32_t)(o->ts_us % 1000000));
    le32(h + 8, (uint32_t)caplen);
    le32(h + 12, (uint32_t)len);
    if (fwrite(h, 1, 16, o->fp) != 16 || fwrite(frame, 1, caplen, o->fp) != caplen)
        die("write");
    o->ts_us += 1000; /* 1 ms between packets unless a scenario says otherwise */
}

void write_record(struct out *o, const uint8_t *frame, size_t len)
{
    write_record_cut(o, frame, len, len);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

struct addr v4(int a, int b, int c, int d)
{
    struct addr x = {4, {(uint8_t)a, (uint8_t)b, (uint8_t)c, (uint8_t)d}};
    return x;
}

struct addr v6(uint16_t w0, uint16_t w1, uint16_t last)
{
    struct addr x = {6, {0}};
    put16(x.b, w0);
    put16(x.b + 2, w1);
    put16(x.b + 14, last);
    return x;
}

/*
 * Emit one IP packet (l4 header + payload already built in `l4`) from src to
 * dst with protocol `proto`, wrapped in the output's link layer.  Fills in the
 * transport checksum at `csum_off` inside l4.
 */
void emit_ip_cut(struct out *o, const struct addr *src, const struct addr *dst, uint8_t proto,
                 uint8_t *l4, size_t l4cap, size_t l4len, size_t csum_off)
{
    static uint8_t frame[70000];
    size_t n = 0;
    int v6 = src->family == 6;
    uint16_t ethertype = v6 ? 0x86dd : 0x0800;
    switch (o->link) {
    case L_ETH:
    case L_VLAN:
    case L_QINQ: {
        static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
        memcpy(frame, macs, 12);
        n = 12;
        if (o->link == L_QINQ) {
            put16(frame + n, 0x88a8);
            put16(frame + n + 2, 200);
            n += 4;
        }
        if (o->link != L_ETH) {
            put16(frame + n, 0x8100);
            put16(frame + n + 2, 100);
            n += 4;
        }
        put16(frame + n, ethertype);
        n += 2;
        break;
    }
    case L_SLL:
        memset(frame, 0, 16);
        put16(frame, 0);     /* packet type: to us */
        put16(frame + 2, 1); /* ARPHRD_ETHER */
        put16(frame + 4, 6); /* address length */
        frame[6] = 0x02;     /* address */
        put16(frame + 14, ethertype);
        n = 16;
        break;
    case L_RAW:
        break;
    }
    /* Pseudo-header checksum, then the IP header. */
    uint32_t s = 0;
    s = sum16(src->b, v6 ? 16 : 4, s);
    s = sum16(dst->b, v6 ? 16 : 4, s);
    s += proto;
    s += (uint32_t)l4len;
    put16(l4 + csum_off, 0);
    /* Bytes past l4cap are zeros: they add nothing to the sum. */
    uint16_t c = fold(sum16(l4, l4cap, s));
    if (proto == 17 && c == 0)
        c = 0xffff;
    put16(l4 + csum_off, c);
    uint8_t *ip = frame + n;
    if (v6) {
        memset(ip, 0, 40);
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)l4len);
        ip[6] = proto;
        ip[7] = 64;
        memcpy(ip + 8, src->b, 16);
        memcpy(ip + 24, dst->b, 16);
        n += 40;
    } else {
        memset(ip, 0, 20);
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(20 + l4len));
        put16(ip + 4, o->ipid++);
        put16(ip + 6, 0x4000); /* don't fragment */
        ip[8] = 64;
        ip[9] = proto;
        memcpy(ip + 12, src->b, 4);
        memcpy(ip + 16, dst->b, 4);
        put16(ip + 10, fold(sum16(ip, 20, 0)));
        n += 20;
    }
    memcpy(frame + n, l4, l4cap);
    write_record_cut(o, frame, n + l4cap, n + l4len);
}

void emit_ip(struct out *o, const struct addr *src, const struct addr *dst, uint8_t proto,
             uint8_t *l4, size_t l4len, size_t csum_off)
{
    emit_ip_cut(o, src, dst, proto, l4, l4len, l4len, csum_off);
}

void udp(struct out *o, const struct addr *src, uint16_t sport, const struct addr *dst,
         uint16_t dport, const void *payload, size_t len)
{
    static uint8_t l4[70000];
    put16(l4, sport);
    put16(l4 + 2, dport);
    put16(l4 + 4, (uint16_t)(8 + len));
    memcpy(l4 + 8, payload, len);
    emit_ip(o, src, dst, 17, l4, 8 + len, 6);
}

/* ---- TCP conversations ---- */

void tcp_seg(struct conv *cv, int from_server, uint8_t flags, const uint8_t *data, size_t len)
{
    static uint8_t l4[70000];
    memset(l4, 0, 20);
    put16(l4, from_server ? cv->sport : cv->cport);
    put16(l4 + 2, from_server ? cv->cport : cv->sport);
    put32(l4 + 4, cv->seq[from_server]);
    put32(l4 + 8, (flags & F_ACK) ? cv->seq[!from_server] : 0);
    l4[12] = 5 << 4;
    l4[13] = flags;
    put16(l4 + 14, 65535);
    if (len)
        memcpy(l4 + 20, data, len);
    emit_ip(cv->o, from_server ? &cv->s : &cv->c, from_server ? &cv->c : &cv->s, 6, l4, 20 + len,
            16);
    cv->seq[from_server] += (uint32_t)len + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
}

struct conv tcp_open(struct out *o, struct addr c, uint16_t cport, struct addr s, uint16_t sport)
{
    struct conv cv = {o, c, s, cport, sport, {1000000u + cport, 2000000u + sport}};
    tcp_seg(&cv, 0, F_SYN, NULL, 0);
    tcp_seg(&cv, 1, F_SYN | F_ACK, NULL, 0);
    tcp_seg(&cv, 0, F_ACK, NULL, 0);
    return cv;
}

/* Send `len` bytes from one side in MSS segments, each acknowledged. */
void tcp_send(struct conv *cv, int from_server, const uint8_t *data, size_t len)
{
    while (len > 0) {
        size_t n = len > MSS ? MSS : len;
        tcp_seg(cv, from_server, F_PSH | F_ACK, data, n);
        tcp_seg(cv, !from_server, F_ACK, NULL, 0);
        data += n;
        len -= n;
    }
}

void tcp_close(struct conv *cv)
{
    tcp_seg(cv, 0, F_FIN | F_ACK, NULL, 0);
    tcp_seg(cv, 1, F_FIN | F_ACK, NULL, 0);
    tcp_seg(cv, 0, F_ACK, NULL, 0);
}

/* ---- BitTorrent ---- */

/* Append a peer-wire message: length, id, body. */
size_t bt_msg(uint8_t *out, uint8_t id, const void *body, size_t blen)
{
    put32(out, (uint32_t)(1 + blen));
    out[4] = id;
    if (blen)
        memcpy(out + 5, body, blen);
    return 5 + blen;
}

size_t bt_handshake(uint8_t *out, const uint8_t info_hash[20], const uint8_t peer_id[20])
{
    out[0] = 19;
    memcpy(out + 1, "BitTorrent protocol", 19);
    memset(out + 20, 0, 8);
    out[25] = 0x10; /* BEP 10 extension protocol */
    out[27] = 0x05; /* DHT and fast extension */
    memcpy(out + 28, info_hash, 20);
    memcpy(out + 48, peer_id, 20);
    return 68;
}

/* BEP 10 extension handshake with client version string `v` (any bytes). */
static size_t bt_ext_handshake(uint8_t *out, const uint8_t *v, size_t vlen, int port)
{
    uint8_t body[512];
    size_t n = 0;
    body[n++] = 0; /* extended message id 0: handshake */
    n += (size_t)sprintf((char *)body + n, "d1:md11:ut_metadatai1e6:ut_pexi2ee1:pi%de1:v%zu:", port,
                         vlen);
    memcpy(body + n, v, vlen);
    n += vlen;
    body[n++] = 'e';
    return bt_msg(out, 20, body, n);
}

struct bt_spec {
    const uint8_t *info_hash;
    const uint8_t *client_id, *server_id; /* 20 bytes each */
    const uint8_t *client_v;
    size_t client_vlen;
    const char *server_v;
    unsigned pieces_up, pieces_down; /* 16 KiB blocks client->server, server->client */
};

static void bt_conversation(struct out *o, struct addr c, uint16_t cport, struct addr s,
                            uint16_t sport, const struct bt_spec *sp)
{
    static uint8_t buf[70000];
    struct conv cv = tcp_open(o, c, cport, s, sport);
    tcp_send(&cv, 0, buf, bt_handshake(buf, sp->info_hash, sp->client_id));
    tcp_send(&cv, 1, buf, bt_handshake(buf, sp->info_hash, sp->server_id));
    tcp_send(&cv, 0, buf, bt_ext_handshake(buf, sp->client_v, sp->client_vlen, cport));
    tcp_send(&cv, 1, buf,
             bt_ext_handshake(buf, (const uint8_t *)sp->server_v, strlen(sp->server_v), sport));
    static const uint8_t bitfield[2] = {0xff, 0xff};
    tcp_send(&cv, 0, buf, bt_msg(buf, 5, bitfield, 2));
    tcp_send(&cv, 1, buf, bt_msg(buf, 5, bitfield, 2));
    tcp_send(&cv, 0, buf, bt_msg(buf, 2, NULL, 0)); /* interested */
    tcp_send(&cv, 1, buf, bt_msg(buf, 2, NULL, 0));
    tcp_send(&cv, 0, buf, bt_msg(buf, 1, NULL, 0)); /* unchoke */
    tcp_send(&cv, 1, buf, bt_msg(buf, 1, NULL, 0));
    /* The peer requests blocks and the client (the internal host) sends them: seeding. */
    for (unsigned dir = 0; dir < 2; dir++) {
        unsigned count = dir == 0 ? sp->pieces_up : sp->pieces_down;
        int sender = dir == 0 ? 0 : 1;
        for (unsigned i = 0; i < count; i++) {
            uint8_t req[12];
            put32(req, i);
            put32(req + 4, 0);
            put32(req + 8, 16384);
            tcp_send(&cv, !sender, buf, bt_msg(buf, 6, req, 12));
            uint8_t piece[8 + 16384];
            put32(piece, i);
            put32(piece + 4, 0);
            for (size_t k = 8; k < sizeof(piece); k += 4) {
                uint32_t r = rng();
                memcpy(piece + k, &r, 4);
            }
            tcp_send(&cv, sender, buf, bt_msg(buf, 7, piece, sizeof(piece)));
        }
    }
    tcp_close(&cv);
}

void fill_hash(uint8_t h[20], uint8_t first)
{
    for (int i = 0; i < 20; i++)
        h[i] = (uint8_t)(first + i);
}

/* `up`/`down`: 16 KiB piece blocks the internal client sends and receives. */
static void gen_bt(const char *dir, const char *name, enum link link, int family, uint8_t hash0,
                   unsigned up, unsigned down)
{
    struct out o = open_out(dir, name, link);
    uint8_t ih[20];
    fill_hash(ih, hash0);
    struct bt_spec sp = {ih,
                         (const uint8_t *)"-qB4650-a1b2c3d4e5f6",
                         (const uint8_t *)"-TR3000-z9y8x7w6v5u4",
                         (const uint8_t *)"qBittorrent/4.6.5",
                         17,
                         "Transmission 3.00",
                         up,
                         down};
    if (family == 6)
        bt_conversation(&o, v6(0xfd00, 1, 0x10), 51413, v6(0x2001, 0xdb8, 5), 6881, &sp);
    else
        bt_conversation(&o, v4(192, 168, 1, 10), 51413, v4(203, 0, 113, 5), 6881, &sp);
    close_out(&o);
}

/* ---- TLS, HTTP, DNS, DHT ---- */

static size_t tls_client_hello(uint8_t *out, const char *sni)
{
    uint8_t *p = out;
    size_t sl = strlen(sni);
    uint8_t hs[512];
    size_t n = 0;
    hs[n++] = 1; /* ClientHello */
    n += 3;      /* length, set below */
    hs[n++] = 3, hs[n++] = 3;
    for (int i = 0; i < 32; i++)
        hs[n++] = (uint8_t)rng();
    hs[n++] = 0; /* no session id */
    static const uint8_t suites[] = {0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f, 0xc0, 0x2b};
    put16(hs + n, sizeof(suites));
    n += 2;
    memcpy(hs + n, suites, sizeof(suites));
    n += sizeof(suites);
    hs[n++] = 1, hs[n++] = 0; /* compression: null */
    size_t ext_len_at = n;
    n += 2;
    /* server_name */
    put16(hs + n, 0);
    put16(hs + n + 2, (uint16_t)(sl + 5));
    put16(hs + n + 4, (uint16_t)(sl + 3));
    hs[n + 6] = 0;
    put16(hs + n + 7, (uint16_t)sl);
    memcpy(hs + n + 9, sni, sl);
    n += 9 + sl;
    /* ALPN: h2 */
    static const uint8_t alpn[] = {0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2'};
    memcpy(hs + n, alpn, sizeof(alpn));
    n += sizeof(alpn);
    /* supported_versions: TLS 1.3, 1.2 */
    static const uint8_t sv[] = {0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03};
    memcpy(hs + n, sv, sizeof(sv));
    n += sizeof(sv);
    put16(hs + ext_len_at, (uint16_t)(n - ext_len_at - 2));
    hs[1] = 0, put16(hs + 2, (uint16_t)(n - 4));
    p[0] = 22, p[1] = 3, p[2] = 1;
    put16(p + 3, (uint16_t)n);
    memcpy(p + 5, hs, n);
    return 5 + n;
}

static size_t tls_server_hello(uint8_t *out)
{
    uint8_t hs[128];
    size_t n = 0;
    hs[n++] = 2;
    n += 3;
    hs[n++] = 3, hs[n++] = 3;
    for (int i = 0; i < 32; i++)
        hs[n++] = (uint8_t)rng();
    hs[n++] = 0;
    hs[n++] = 0xc0, hs[n++] = 0x2f; /* chosen suite */
    hs[n++] = 0;                    /* compression */
    put16(hs + n, 0);               /* no extensions */
    n += 2;
    hs[1] = 0, put16(hs + 2, (uint16_t)(n - 4));
    out[0] = 22, out[1] = 3, out[2] = 3;
    put16(out + 3, (uint16_t)n);
    memcpy(out + 5, hs, n);
    return 5 + n;
}

/* Opaque application-data records totalling about `total` bytes. */
static void tls_app_data(struct conv *cv, int from_server, size_t total)
{
    static uint8_t rec[4096 + 5];
    while (total > 0) {
        size_t n = total > 4096 ? 4096 : total;
        rec[0] = 23, rec[1] = 3, rec[2] = 3;
        put16(rec + 3, (uint16_t)n);
        for (size_t i = 0; i < n; i++)
            rec[5 + i] = (uint8_t)rng();
        tcp_send(cv, from_server, rec, 5 + n);
        total -= n;
    }
}

static void https_conversation(struct out *o)
{
    uint8_t buf[1024];
    struct conv cv = tcp_open(o, v4(192, 168, 1, 20), 50000, v4(198, 51, 100, 7), 443);
    tcp_send(&cv, 0, buf, tls_client_hello(buf, "www.example.com"));
    tcp_send(&cv, 1, buf, tls_server_hello(buf));
    tls_app_data(&cv, 0, 20000);
    tls_app_data(&cv, 1, 20000);
    tcp_close(&cv);
}

static void http_download(struct out *o)
{
    static uint8_t body[102400 + 256];
    static const char req[] = "GET /files/report.pdf HTTP/1.1\r\nHost: downloads.example.net\r\n"
                              "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
    struct conv cv = tcp_open(o, v4(192, 168, 1, 30), 50100, v4(198, 51, 100, 80), 80);
    tcp_send(&cv, 0, (const uint8_t *)req, sizeof(req) - 1);
    int h = sprintf((char *)body, "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n"
                                  "Content-Length: 102400\r\n\r\n");
    for (size_t i = 0; i < 102400; i++)
        body[h + i] = (uint8_t)rng();
    tcp_send(&cv, 1, body, (size_t)h + 102400);
    tcp_close(&cv);
}

static void gen_https(const char *dir)
{
    struct out o = open_out(dir, "https-benign.pcap", L_ETH);
    https_conversation(&o);
    close_out(&o);
}

static void gen_dns(const char *dir)
{
    struct out o = open_out(dir, "dns-bt-lookup.pcap", L_ETH);
    uint8_t q[512];
    size_t n = 0;
    put16(q, 0x4d2a);
    put16(q + 2, 0x0100); /* recursion desired */
    put16(q + 4, 1);
    put16(q + 6, 0);
    put16(q + 8, 0);
    put16(q + 10, 0);
    n = 12;
    static const uint8_t qname[] = "\x08utorrent\3com";
    memcpy(q + n, qname, sizeof(qname)); /* includes the final 0 */
    n += sizeof(qname);
    put16(q + n, 1);
    put16(q + n + 2, 1);
    n += 4;
    struct addr c = v4(192, 168, 1, 10), s = v4(198, 51, 100, 53);
    udp(&o, &c, 53000, &s, 53, q, n);
    put16(q + 2, 0x8180); /* response, no error */
    put16(q + 6, 1);
    static const uint8_t answer[] = {0xc0, 0x0c, 0, 1, 0,   1, 0,   0,
                                     0x0e, 0x10, 0, 4, 203, 0, 113, 80};
    memcpy(q + n, answer, sizeof(answer));
    udp(&o, &s, 53, &c, 53000, q, n + sizeof(answer));
    close_out(&o);
}

/* A bencoded KRPC message from pieces of text and binary strings. */
static size_t krpc(uint8_t *out, const char *fmt, const uint8_t *id, const uint8_t *hash,
                   const char *t)
{
    /* fmt uses %I for the 20-byte node id, %H for the info_hash, %T for the 2-byte transaction id.
     */
    size_t n = 0;
    for (const char *f = fmt; *f; f++) {
        if (*f == '%' && f[1]) {
            const uint8_t *src = f[1] == 'I' ? id : f[1] == 'H' ? hash : (const uint8_t *)t;
            size_t len = f[1] == 'T' ? 2 : 20;
            memcpy(out + n, src, len);
            n += len;
            f++;
        } else {
            out[n++] = (uint8_t)*f;
        }
    }
    return n;
}

static void gen_dht(const char *dir)
{
    struct out o = open_out(dir, "dht.pcap", L_ETH);
    uint8_t me[20], node[20], ih[20], m[512];
    fill_hash(me, 0x40);
    fill_hash(ih, 0x01);
    struct addr c = v4(192, 168, 1, 10);
    for (int k = 0; k < 4; k++) {
        struct addr s = v4(203, 0, 113, 20 + k);
        fill_hash(node, (uint8_t)(0x80 + k));
        char t[3] = {'a', (char)('a' + k), 0};
        size_t n;
        switch (k) {
        case 0:
            n = krpc(m,
                     "d1:ad2:id20:%Ie1:q4:ping1:t2:%T1:v4:UT\x01\x02"
                     "1:y1:qe",
                     me, ih, t);
            udp(&o, &c, 51413, &s, 6881, m, n);
            n = krpc(m,
                     "d1:rd2:id20:%Ie1:t2:%T1:v4:LT\x01\x02"
                     "1:y1:re",
                     node, ih, t);
            udp(&o, &s, 6881, &c, 51413, m, n);
            break;
        case 1:
            n = krpc(m, "d1:ad2:id20:%I6:target20:%He1:q9:find_node1:t2:%T1:y1:qe", me, ih, t);
            udp(&o, &c, 51413, &s, 6881, m, n);
            n = krpc(m, "d1:rd2:id20:%I5:nodes0:e1:t2:%T1:y1:re", node, ih, t);
            udp(&o, &s, 6881, &c, 51413, m, n);
            break;
        case 2: {
            n = krpc(m, "d1:ad2:id20:%I9:info_hash20:%He1:q9:get_peers1:t2:%T1:y1:qe", me, ih, t);
            udp(&o, &c, 51413, &s, 6881, m, n);
            /* values: two compact peers (6 bytes each) */
            n = krpc(m, "d1:rd2:id20:%I5:token8:tok12345", node, ih, t);
            n += (size_t)sprintf((char *)m + n, "6:values");
            static const uint8_t peers[] = {'l', '6', ':', 198, 51,  100, 9,    0x1a, 0xe1,
                                            '6', ':', 203, 0,   113, 77,  0xc8, 0xd5, 'e'};
            memcpy(m + n, peers, sizeof(peers));
            n += sizeof(peers);
            n += krpc(m + n, "e1:t2:%T1:y1:re", node, ih, t);
            udp(&o, &s, 6881, &c, 51413, m, n);
            break;
        }
        default:
            n = krpc(
                m,
                "d1:ad2:id20:%I12:implied_porti1e9:info_hash20:%H4:porti51413e5:token8:tok12345"
                "e1:q13:announce_peer1:t2:%T1:y1:qe",
                me, ih, t);
            udp(&o, &c, 51413, &s, 6881, m, n);
            n = krpc(m, "d1:rd2:id20:%Ie1:t2:%T1:y1:re", node, ih, t);
            udp(&o, &s, 6881, &c, 51413, m, n);
            break;
        }
    }
    close_out(&o);
}

static void gen_mixed(const char *dir)
{
    struct out o = open_out(dir, "mixed.pcap", L_ETH);
    uint8_t ih[20];
    fill_hash(ih, 0x01);
    struct bt_spec sp = {ih,
                         (const uint8_t *)"-qB4650-a1b2c3d4e5f6",
                         (const uint8_t *)"-TR3000-z9y8x7w6v5u4",
                         (const uint8_t *)"qBittorrent/4.6.5",
                         17,
                         "Transmission 3.00",
                         16,
                         4};
    https_conversation(&o);
    bt_conversation(&o, v4(192, 168, 1, 10), 51413, v4(203, 0, 113, 5), 6881, &sp);
    http_download(&o);
    close_out(&o);
}

static void gen_hostile(const char *dir)
{
    struct out o = open_out(dir, "hostile-peerid.pcap", L_ETH);
    uint8_t ih[20];
    fill_hash(ih, 0x61);
    static const uint8_t evil_id[20] = {'-',  'q', 'B',  '4',  '6',  '5',  '0',  '-',  0x00, 0x01,
                                        0x1b, '"', '\\', 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 'z'};
    static const uint8_t evil_v[] = {'e',  'v',  'i',  'l',  0x00, 0x1b, '"',
                                     '\\', 0xff, 0xc3, 0x28, 0xe2, 0x80, 0xa8};
    struct bt_spec sp = {ih,
                         evil_id,
                         (const uint8_t *)"-TR3000-z9y8x7w6v5u4",
                         evil_v,
                         sizeof(evil_v),
                         "Transmission 3.00",
                         1,
                         1};
    bt_conversation(&o, v4(192, 168, 1, 66), 40000, v4(203, 0, 113, 66), 6881, &sp);
    close_out(&o);
}

static void gen_scan(const char *dir)
{
    struct out o = open_out(dir, "udp-scan.pcap", L_ETH);
    struct addr c = v4(192, 168, 1, 50);
    static const uint8_t probe[] = "\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00";
    for (int i = 0; i < 2000; i++) {
        struct addr d = i % 2 ? v4(203, 0, 113, 1 + i % 250) : v4(198, 51, 100, 1 + i % 250);
        udp(&o, &c, (uint16_t)(40000 + i % 1000), &d, (uint16_t)(1000 + i), probe,
            sizeof(probe) - 1);
    }
    for (int i = 0; i < 300; i++) {
        struct conv cv = {&o,
                          c,
                          v4(203, 0, 113, 200),
                          (uint16_t)(30000 + i),
                          (uint16_t)(1 + i),
                          {5000u + (uint32_t)i, 0}};
        tcp_seg(&cv, 0, F_SYN, NULL, 0);
    }
    close_out(&o);
}

/*
 * BEP 9 metadata exchange: an internal host fetches a torrent's info
 * dictionary from a peer, and the torrent holds "movie.avi.exe".
 */
static void gen_metadata(const char *dir)
{
    static uint8_t buf[4096];
    struct out o = open_out(dir, "bt-metadata.pcap", L_ETH);
    uint8_t ih[20], pieces[20];
    fill_hash(ih, 0xc1);
    fill_hash(pieces, 0xe1);
    struct conv cv = tcp_open(&o, v4(192, 168, 1, 12), 52000, v4(203, 0, 113, 12), 6881);
    tcp_send(&cv, 0, buf, bt_handshake(buf, ih, (const uint8_t *)"-qB4650-m1m2m3m4m5m6"));
    tcp_send(&cv, 1, buf, bt_handshake(buf, ih, (const uint8_t *)"-TR3000-n1n2n3n4n5n6"));
    tcp_send(&cv, 0, buf, bt_ext_handshake(buf, (const uint8_t *)"qBittorrent/4.6.5", 17, 52000));
    tcp_send(&cv, 1, buf, bt_ext_handshake(buf, (const uint8_t *)"Transmission 3.00", 17, 6881));
    /* Both sides take ut_metadata as extended id 1 (bt_ext_handshake's "m"). */
    static const char req[] = "\x01"
                              "d8:msg_typei0e5:piecei0ee";
    tcp_send(&cv, 0, buf, bt_msg(buf, 20, req, sizeof(req) - 1));
    static const char info_start[] = "d5:filesld6:lengthi700000000e4:pathl13:movie.avi.exeee"
                                     "d6:lengthi100e4:pathl10:readme.txteee4:name9:Top Movie"
                                     "12:piece lengthi262144e6:pieces20:";
    static const char info_end[] = "e";
    char data[512];
    int n = sprintf(data, "%cd8:msg_typei1e5:piecei0e10:total_sizei%zuee%s", 1,
                    sizeof(info_start) - 1 + 20 + 1, info_start);
    memcpy(data + n, pieces, 20);
    memcpy(data + n + 20, info_end, 1);
    tcp_send(&cv, 1, buf, bt_msg(buf, 20, data, (size_t)n + 21));
    tcp_close(&cv);
    close_out(&o);
}

/*
 * An internal host answering external peers for six different torrents: a
 * shared folder far larger than anyone meant to share.
 */
static void gen_overshare(const char *dir)
{
    struct out o = open_out(dir, "bt-overshare.pcap", L_ETH);
    for (int i = 0; i < 6; i++) {
        uint8_t ih[20];
        fill_hash(ih, (uint8_t)(0x10 * i + 3));
        char peer[21];
        snprintf(peer, sizeof(peer), "-UT355W-peer%08d", i);
        struct bt_spec sp = {ih,
                             (const uint8_t *)peer,
                             (const uint8_t *)"-qB4650-shared000001",
                             (const uint8_t *)"uTorrent/3.5.5",
                             14,
                             "qBittorrent/4.6.5",
                             0,
                             1};
        bt_conversation(&o, v4(198, 51, 100, 100 + i), (uint16_t)(40000 + i), v4(192, 168, 1, 70),
                        51413, &sp);
    }
    close_out(&o);
}

/*
 * A host with a BitTorrent session, then flows nothing identifies: one to
 * the same peer, one opening like an MSE key exchange to another peer, and
 * one of random bytes to port 443 (which inference must leave alone).
 */
static void gen_encrypted(const char *dir)
{
    static uint8_t buf[2048];
    struct out o = open_out(dir, "bt-encrypted.pcap", L_ETH);
    uint8_t ih[20];
    fill_hash(ih, 0x91);
    struct bt_spec sp = {ih,
                         (const uint8_t *)"-qB4650-e1e2e3e4e5e6",
                         (const uint8_t *)"-TR3000-f1f2f3f4f5f6",
                         (const uint8_t *)"qBittorrent/4.6.5",
                         17,
                         "Transmission 3.00",
                         1,
                         1};
    bt_conversation(&o, v4(192, 168, 1, 80), 53000, v4(203, 0, 113, 80), 6881, &sp);
    static const struct {
        int last;
        uint16_t cport, sport;
        size_t len;
    } later[] = {{80, 53001, 6881, 300}, {81, 53002, 6881, 200}, {82, 53003, 443, 200}};
    for (size_t k = 0; k < sizeof(later) / sizeof(later[0]); k++) {
        for (size_t i = 0; i < later[k].len; i++)
            buf[i] = (uint8_t)rng();
        struct conv cv = tcp_open(&o, v4(192, 168, 1, 80), later[k].cport,
                                  v4(203, 0, 113, later[k].last), later[k].sport);
        tcp_send(&cv, 0, buf, later[k].len);
        for (size_t i = 0; i < 500; i++)
            buf[i] = (uint8_t)rng();
        tcp_send(&cv, 1, buf, 500);
        tcp_close(&cv);
    }
    close_out(&o);
}

/* An eDonkey message: protocol 0xE3, length (little-endian), opcode, body. */
static size_t ed2k_msg(uint8_t *out, uint8_t op, const uint8_t *body, size_t len)
{
    out[0] = 0xe3;
    le32(out + 1, (uint32_t)(1 + len));
    out[5] = op;
    memcpy(out + 6, body, len);
    return 6 + len;
}

/* An eDonkey hello (opcode 0x01, or 0x4C for the answer) with a nickname tag. */
static size_t ed2k_hello(uint8_t *out, bool answer, uint8_t hash_byte, const char *nick)
{
    uint8_t b[256];
    size_t n = 0, nl = strlen(nick);
    if (!answer)
        b[n++] = 16;
    memset(b + n, hash_byte, 16), n += 16;
    le32(b + n, 0x0a000001), n += 4;
    b[n++] = 0x9b, b[n++] = 0x12; /* port 4763 */
    le32(b + n, 2), n += 4;       /* two tags: the nickname and the version */
    b[n++] = 0x02, b[n++] = 1, b[n++] = 0, b[n++] = 0x01;
    b[n++] = (uint8_t)nl, b[n++] = 0;
    memcpy(b + n, nick, nl), n += nl;
    b[n++] = 0x03, b[n++] = 1, b[n++] = 0, b[n++] = 0x11;
    le32(b + n, 60), n += 4;
    memset(b + n, 0, 6), n += 6; /* server address and port: none */
    return ed2k_msg(out, answer ? 0x4c : 0x01, b, n);
}

/*
 * Downloads over eDonkey and Gnutella with names malware uses, and an
 * eDonkey client offering its server 600 files (an over-shared folder).
 */
static void gen_downloads(const char *dir)
{
    static uint8_t buf[4096];
    struct out o = open_out(dir, "p2p-downloads.pcap", L_ETH);
    struct conv cv = tcp_open(&o, v4(192, 168, 1, 90), 4662, v4(203, 0, 113, 90), 4662);
    tcp_send(&cv, 0, buf, ed2k_hello(buf, false, 0x5a, "internal"));
    tcp_send(&cv, 1, buf, ed2k_hello(buf, true, 0xa5, "remote"));
    uint8_t body[64];
    memset(body, 0x77, 16); /* the file's hash */
    static const char name[] = "song.mp3.scr";
    body[16] = (uint8_t)(sizeof(name) - 1), body[17] = 0;
    memcpy(body + 18, name, sizeof(name) - 1);
    tcp_send(&cv, 1, buf, ed2k_msg(buf, 0x59, body, 18 + sizeof(name) - 1));
    tcp_close(&cv);

    cv = tcp_open(&o, v4(192, 168, 1, 90), 4663, v4(198, 51, 100, 90), 4661);
    tcp_send(&cv, 0, buf, ed2k_hello(buf, false, 0x5a, "internal"));
    /* OP_OFFERFILES: 600 files, each a hash, client id, port and no tags. */
    static uint8_t offer[4 + 600 * 26];
    le32(offer, 600);
    for (int i = 0; i < 600; i++) {
        uint8_t *e = offer + 4 + i * 26;
        memset(e, (uint8_t)i, 16);
        le32(e + 16, 0x0a000001);
        e[20] = 0x36, e[21] = 0x12;
        le32(e + 22, 0);
    }
    static uint8_t big[sizeof(offer) + 8];
    tcp_send(&cv, 0, big, ed2k_msg(big, 0x15, offer, sizeof(offer)));
    tcp_close(&cv);

    static const char get[] = "GET /get/7/Holiday%20Photos.zip.exe HTTP/1.1\r\n"
                              "User-Agent: LimeWire/5.5.16\r\nHost: 203.0.113.91:6346\r\n\r\n";
    cv = tcp_open(&o, v4(192, 168, 1, 91), 50600, v4(203, 0, 113, 91), 6346);
    tcp_send(&cv, 0, (const uint8_t *)get, sizeof(get) - 1);
    static const char ok[] =
        "HTTP/1.1 200 OK\r\nServer: LimeWire/5.5.16\r\nContent-Length: 0\r\n\r\n";
    tcp_send(&cv, 1, (const uint8_t *)ok, sizeof(ok) - 1);
    tcp_close(&cv);

    /* A magnet link followed from a torrent site, encoded inside the query. */
    static const char magnet[] =
        "GET /go?u=magnet%3A%3Fxt%3Durn%3Abtih%3A0102030405060708090a0b0c0d0e0f1011121314"
        "%26dn%3DFree.Movie.2024.mkv.exe%26tr%3Dudp%253A%252F%252Ftracker.example%253A6969 "
        "HTTP/1.1\r\n"
        "Host: torrents.example\r\n\r\n";
    cv = tcp_open(&o, v4(192, 168, 1, 92), 50700, v4(198, 51, 100, 92), 80);
    tcp_send(&cv, 0, (const uint8_t *)magnet, sizeof(magnet) - 1);
    static const char moved[] = "HTTP/1.1 204 No Content\r\n\r\n";
    tcp_send(&cv, 1, (const uint8_t *)moved, sizeof(moved) - 1);
    tcp_close(&cv);
    close_out(&o);
}

/*
 * Traffic that looks a little like P2P and must not be called P2P: Windows
 * Delivery Optimization on TCP 7680 (a BitTorrent-derived handshake,
 * "\x0eSwarm protocol") and WebRTC/Zoom media (STUN, then RTP) on high UDP ports.
 */
static void gen_lookalikes(const char *dir)
{
    struct out o = open_out(dir, "wdo-7680.pcap", L_ETH);
    uint8_t buf[2048];
    size_t n = 0;
    buf[n++] = 14;
    memcpy(buf + n, "Swarm protocol", 14), n += 14;
    memset(buf + n, 0, 8), n += 8;
    for (int i = 0; i < 64; i++) /* content id and peer id */
        buf[n++] = (uint8_t)rng();
    struct conv cv = tcp_open(&o, v4(192, 168, 1, 40), 50500, v4(203, 0, 113, 90), 7680);
    tcp_send(&cv, 0, buf, n);
    tcp_send(&cv, 1, buf, n);
    for (int k = 0; k < 8; k++) {
        for (size_t i = 0; i < 1400; i++)
            buf[i] = (uint8_t)rng();
        tcp_send(&cv, 1, buf, 1400);
    }
    tcp_close(&cv);
    close_out(&o);

    o = open_out(dir, "webrtc-media.pcap", L_ETH);
    struct addr c = v4(192, 168, 1, 41), s = v4(198, 51, 100, 41);
    uint8_t stun[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
    for (int i = 8; i < 20; i++)
        stun[i] = (uint8_t)rng();
    udp(&o, &c, 50000, &s, 8801, stun, sizeof(stun));
    stun[0] = 0x01, stun[1] = 0x01; /* binding success response */
    udp(&o, &s, 8801, &c, 50000, stun, sizeof(stun));
    for (int i = 0; i < 200; i++) {
        uint8_t rtp[172];
        rtp[0] = 0x80, rtp[1] = 0x6f; /* version 2, payload type 111 (Opus) */
        put16(rtp + 2, (uint16_t)(1000 + i / 2));
        put32(rtp + 4, (uint32_t)(960 * (i / 2)));
        put32(rtp + 8, i % 2 ? 0x11223344u : 0x55667788u);
        for (size_t k = 12; k < sizeof(rtp); k++)
            rtp[k] = (uint8_t)rng();
        if (i % 2)
            udp(&o, &s, 8801, &c, 50000, rtp, sizeof(rtp));
        else
            udp(&o, &c, 50000, &s, 8801, rtp, sizeof(rtp));
        o.ts_us += 19000; /* 20 ms between packets each way */
    }
    close_out(&o);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pcapgen OUTDIR\n");
        return 2;
    }
    const char *dir = argv[1];
    gen_bt(dir, "bt-handshake.pcap", L_ETH, 4, 0x01, 16, 4);
    gen_bt(dir, "bt-handshake-vlan.pcap", L_VLAN, 4, 0x21, 2, 1);
    gen_bt(dir, "bt-handshake-qinq.pcap", L_QINQ, 4, 0x41, 2, 1);
    gen_bt(dir, "bt-handshake-ipv6.pcap", L_ETH, 6, 0x61, 2, 1);
    gen_bt(dir, "bt-handshake-sll.pcap", L_SLL, 4, 0x81, 2, 1);
    gen_bt(dir, "bt-handshake-raw.pcap", L_RAW, 4, 0xa1, 2, 1);
    gen_https(dir);
    gen_dht(dir);
    gen_dns(dir);
    gen_mixed(dir);
    gen_hostile(dir);
    gen_scan(dir);
    gen_lookalikes(dir);
    gen_metadata(dir);
    gen_overshare(dir);
    gen_encrypted(dir);
    gen_downloads(dir);
    gen_egress(dir);
    return 0;
}
