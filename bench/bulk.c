/*
 * bulk.c - long-lived full-size TCP flows: BitTorrent peer-wire (real
 * handshakes, bitfield, unchoke, requests and 16 KiB piece messages),
 * HTTPS-like (TLS 1.2 hello exchange, then application-data records),
 * SSH-like (banners, KEXINIT, then ciphertext) and plain HTTP uploads and
 * downloads.  1460-byte segments one way, an ACK (or a BitTorrent request)
 * back every eighth segment, flows interleaved round-robin, real sequence
 * numbers and checksums.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define MSS      1460
#define PEND     65536
#define T0_US    1735776000000000LL /* 2025-01-02T00:00:00Z */
#define STEP_US  8                  /* one packet every 8 us: ~1.5 Gbit/s */
#define BLOCK    16384
#define TORRENTS 10

enum kind { K_BT, K_TLS, K_SSH, K_UPLOAD, K_DOWNLOAD };

struct chunk {
    uint8_t dir;
    uint32_t len;
};

struct gf {
    enum kind kind;
    uint8_t ip[2][4];
    uint16_t port[2];
    uint32_t seq[2];
    uint8_t bulk_dir; /* 0: client to server */
    int phase;        /* 0 SYN, 1 SYN-ACK, 2 ACK, 3 opening, 4 bulk, 5.. closing */
    uint64_t sent, budget;
    uint8_t pend[2][PEND];
    uint32_t plen[2], ppos[2];
    struct chunk chunks[16];
    unsigned nchunks, cur;
    uint32_t cur_left;
    uint32_t piece, begin, segs;
    uint8_t info_hash[20];
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void put32be(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* Append a message to direction `dir`'s pending bytes; it is sent as its own segments. */
static void say(struct gf *f, int dir, const void *p, size_t n)
{
    if (f->plen[dir] + n > PEND || f->nchunks >= 16)
        abort(); /* the scripts below are far smaller */
    memcpy(f->pend[dir] + f->plen[dir], p, n);
    f->plen[dir] += (uint32_t)n;
    if (f->nchunks && f->chunks[f->nchunks - 1].dir == dir)
        f->chunks[f->nchunks - 1].len += (uint32_t)n;
    else
        f->chunks[f->nchunks++] = (struct chunk){(uint8_t)dir, (uint32_t)n};
}

static void sayf(struct gf *f, int dir, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void sayf(struct gf *f, int dir, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    say(f, dir, buf, (size_t)n);
}

static void bt_handshake(struct gf *f, int dir, unsigned id)
{
    uint8_t h[68];
    h[0] = 19;
    memcpy(h + 1, "BitTorrent protocol", 19);
    static const uint8_t reserved[8] = {0, 0, 0, 0, 0, 0x10, 0, 0x05};
    memcpy(h + 20, reserved, 8);
    memcpy(h + 28, f->info_hash, 20);
    static const char *clients[] = {"-qB4650-", "-TR3000-", "-UT355W-", "-DE211s-"};
    memcpy(h + 48, clients[id % 4], 8);
    for (int i = 56; i < 68; i++)
        h[i] = (uint8_t)('0' + gen_rand(&rng) % 10);
    say(f, dir, h, sizeof(h));
}

static void tls_hellos(struct gf *f, unsigned id)
{
    char sni[64];
    int sn = snprintf(sni, sizeof(sni), "cdn%u.media.example.com", id);
    uint8_t b[512], *p = b + 9;
    put16(p, 0x0303), p += 2;
    gen_fill(&rng, p, 32), p += 32;
    *p++ = 32, gen_fill(&rng, p, 32), p += 32;
    put16(p, 4), put16(p + 2, 0xc02f), put16(p + 4, 0xc030), p += 6;
    *p++ = 1, *p++ = 0;
    uint8_t *ext = p;
    p += 2;
    put16(p, 0), put16(p + 2, (uint16_t)(sn + 5)), put16(p + 4, (uint16_t)(sn + 3));
    p[6] = 0, put16(p + 7, (uint16_t)sn), memcpy(p + 9, sni, (size_t)sn), p += 9 + sn;
    static const uint8_t more[] = {0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d, /* groups */
                                   0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, /* point formats */
                                   0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x01, /* sig algs */
                                   0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h',  '2'}; /* ALPN */
    memcpy(p, more, sizeof(more)), p += sizeof(more);
    put16(ext, (uint16_t)(p - ext - 2));
    size_t body = (size_t)(p - b) - 9;
    b[0] = 0x16, put16(b + 1, 0x0301), put16(b + 3, (uint16_t)(body + 4));
    b[5] = 1, b[6] = 0, put16(b + 7, (uint16_t)body);
    say(f, 0, b, (size_t)(p - b));

    /* ServerHello and ServerHelloDone in one record. */
    p = b + 9;
    put16(p, 0x0303), p += 2;
    gen_fill(&rng, p, 32), p += 32;
    *p++ = 32, gen_fill(&rng, p, 32), p += 32;
    put16(p, 0xc02f), p += 2;
    *p++ = 0;
    put16(p, 6), p += 2;
    static const uint8_t sext[] = {0x00, 0x0b, 0x00, 0x02, 0x01, 0x00};
    memcpy(p, sext, sizeof(sext)), p += sizeof(sext);
    body = (size_t)(p - b) - 9;
    b[5] = 2, b[6] = 0, put16(b + 7, (uint16_t)body);
    p[0] = 0x0e, p[1] = p[2] = p[3] = 0, p += 4;
    b[0] = 0x16, put16(b + 1, 0x0303), put16(b + 3, (uint16_t)(p - b - 5));
    say(f, 1, b, (size_t)(p - b));

    /* ClientKeyExchange, ChangeCipherSpec, Finished; then the server's. */
    uint8_t k[5 + 4 + 33 + 6 + 45];
    k[0] = 0x16, put16(k + 1, 0x0303), put16(k + 3, 37);
    k[5] = 0x10, k[6] = 0, put16(k + 7, 33), k[9] = 32, gen_fill(&rng, k + 10, 32);
    static const uint8_t ccs[6] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    memcpy(k + 42, ccs, 6);
    k[48] = 0x16, put16(k + 49, 0x0303), put16(k + 51, 40), gen_fill(&rng, k + 53, 40);
    say(f, 0, k, 93);
    memcpy(k, ccs, 6);
    k[6] = 0x16, put16(k + 7, 0x0303), put16(k + 9, 40), gen_fill(&rng, k + 11, 40);
    say(f, 1, k, 51);
}

static void ssh_hello(struct gf *f)
{
    static const char *banner[2] = {"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
                                    "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n"};
    static const char *lists[] = {"curve25519-sha256,ecdh-sha2-nistp256",
                                  "ssh-ed25519,rsa-sha2-512",
                                  "chacha20-poly1305@openssh.com,aes128-ctr",
                                  "chacha20-poly1305@openssh.com,aes128-ctr",
                                  "umac-64-etm@openssh.com,hmac-sha2-256",
                                  "umac-64-etm@openssh.com,hmac-sha2-256",
                                  "none,zlib@openssh.com",
                                  "none,zlib@openssh.com",
                                  "",
                                  ""};
    for (int dir = 0; dir < 2; dir++) {
        say(f, dir, banner[dir], strlen(banner[dir]));
        uint8_t b[1024], *p = b + 5;
        *p++ = 20; /* SSH_MSG_KEXINIT */
        gen_fill(&rng, p, 16), p += 16;
        for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
            size_t n = strlen(lists[i]);
            put32be(p, (uint32_t)n), memcpy(p + 4, lists[i], n), p += 4 + n;
        }
        *p++ = 0, put32be(p, 0), p += 4;
        uint8_t pad = (uint8_t)(8 - (p - b) % 8 + 4);
        memset(p, 0, pad), p += pad;
        put32be(b, (uint32_t)(p - b - 4)), b[4] = pad;
        say(f, dir, b, (size_t)(p - b));
    }
}

static void init_flow(struct gf *f, unsigned id, uint64_t budget)
{
    memset(f, 0, sizeof(*f));
    static const enum kind kinds[10] = {K_BT,  K_BT,  K_BT,  K_BT,     K_TLS,
                                        K_TLS, K_SSH, K_SSH, K_UPLOAD, K_DOWNLOAD};
    f->kind = kinds[id % 10];
    f->budget = budget;
    uint8_t cli[4] = {10, 1, (uint8_t)(id / 250), (uint8_t)(1 + id % 250)};
    uint8_t srv[4] = {203, 0, (uint8_t)(113 + id / 250 % 2), (uint8_t)(1 + id % 250)};
    memcpy(f->ip[0], cli, 4);
    memcpy(f->ip[1], srv, 4);
    f->port[0] = (uint16_t)(40000 + id);
    f->seq[0] = (uint32_t)gen_rand(&rng);
    f->seq[1] = (uint32_t)gen_rand(&rng);
    uint64_t total = budget * MSS;
    switch (f->kind) {
    case K_BT: {
        f->port[1] = (uint16_t)(id % 3 ? 51413 : 6881 + id % 9);
        uint64_t t = id % TORRENTS, s = 0x1234567ull + t;
        gen_fill(&s, f->info_hash, 20);
        f->bulk_dir = id % 4 == 3 ? 0 : 1; /* a quarter: the internal client seeds */
        bt_handshake(f, 0, id);
        bt_handshake(f, 1, id + 1);
        uint8_t bf[4 + 1 + 64];
        put32be(bf, 65), bf[4] = 5, memset(bf + 5, 0xff, 64);
        say(f, 1 - f->bulk_dir, bf, 4); /* the downloader says it has nothing: an empty bitfield */
        say(f, f->bulk_dir, bf, sizeof(bf));
        static const uint8_t interested[5] = {0, 0, 0, 1, 2}, unchoke[5] = {0, 0, 0, 1, 1};
        say(f, 1 - f->bulk_dir, interested, 5);
        say(f, f->bulk_dir, unchoke, 5);
        break;
    }
    case K_TLS:
        f->port[1] = 443;
        f->bulk_dir = id % 4 == 0 ? 0 : 1;
        tls_hellos(f, id);
        break;
    case K_SSH:
        f->port[1] = 22;
        f->bulk_dir = id % 3 == 0 ? 0 : 1;
        ssh_hello(f);
        break;
    case K_UPLOAD:
        f->port[1] = 80;
        f->bulk_dir = 0;
        sayf(f, 0,
             "POST /upload/backup-%u.tar HTTP/1.1\r\nHost: files%u.example.net\r\n"
             "User-Agent: curl/7.88.1\r\nContent-Type: application/octet-stream\r\n",
             id, id % 7);
        sayf(f, 0, "Content-Length: %llu\r\n\r\n", (unsigned long long)total);
        break;
    case K_DOWNLOAD:
        f->port[1] = 80;
        f->bulk_dir = 1;
        sayf(f, 0,
             "GET /images/debian-%u.iso HTTP/1.1\r\nHost: mirror%u.example.org\r\n"
             "User-Agent: Wget/1.21.3\r\nAccept: */*\r\n\r\n",
             id, id % 5);
        sayf(f, 1,
             "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: "
             "application/octet-stream\r\nContent-Length: %llu\r\n\r\n",
             (unsigned long long)total);
        break;
    }
    f->cur_left = f->nchunks ? f->chunks[0].len : 0;
}

/* More bulk bytes in the bulk direction. */
static void refill(struct gf *f)
{
    int d = f->bulk_dir;
    f->plen[d] = f->ppos[d] = 0;
    uint8_t *p = f->pend[d];
    switch (f->kind) {
    case K_BT:
        put32be(p, 9 + BLOCK), p[4] = 7, put32be(p + 5, f->piece), put32be(p + 9, f->begin);
        gen_fill(&rng, p + 13, BLOCK);
        f->plen[d] = 13 + BLOCK;
        f->begin += BLOCK;
        if (f->begin == 16 * BLOCK)
            f->begin = 0, f->piece++;
        break;
    case K_TLS:
        p[0] = 0x17, put16(p + 1, 0x0303), put16(p + 3, BLOCK + 24);
        gen_fill(&rng, p + 5, BLOCK + 24);
        f->plen[d] = 5 + BLOCK + 24;
        break;
    default:
        gen_fill(&rng, p, 2 * BLOCK);
        f->plen[d] = 2 * BLOCK;
        break;
    }
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static int emit(struct pw *w, int64_t ts, struct gf *f, int dir, uint8_t flags, const uint8_t *data,
                uint32_t n)
{
    static uint8_t frame[14 + 20 + 20 + MSS];
    static uint16_t ipid;
    static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    memcpy(frame, mac, 12);
    frame[12] = 0x08, frame[13] = 0x00;
    uint8_t *ip = frame + 14, *tcp = ip + 20;
    ip[0] = 0x45, ip[1] = 0, put16(ip + 2, (uint16_t)(40 + n)), put16(ip + 4, ipid++);
    put16(ip + 6, 0x4000), ip[8] = 64, ip[9] = 6;
    memcpy(ip + 12, f->ip[dir], 4);
    memcpy(ip + 16, f->ip[1 - dir], 4);
    gen_ipv4_checksum(ip, 20);
    put16(tcp, f->port[dir]), put16(tcp + 2, f->port[1 - dir]);
    put32be(tcp + 4, f->seq[dir]);
    put32be(tcp + 8, (flags & 0x10) ? f->seq[1 - dir] : 0);
    tcp[12] = 5 << 4, tcp[13] = flags, put16(tcp + 14, 65535), put16(tcp + 16, 0),
    put16(tcp + 18, 0);
    if (n)
        memcpy(tcp + 20, data, n);
    uint32_t s = sum16(ip + 12, 8, 6 + 20 + n);
    s = sum16(tcp, 20 + n, s);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    put16(tcp + 16, (uint16_t)~s);
    f->seq[dir] += n + ((flags & 0x03) ? 1 : 0); /* SYN and FIN take a sequence number */
    f->sent++;
    return pw_write(w, ts, frame, 54 + n, 54 + n);
}

/* One packet of flow f; *done when it was the last. 0 or -1 (write error). */
static int step(struct pw *w, int64_t ts, struct gf *f, bool *done)
{
    enum { ACK = 0x10, PSH = 0x08, SYN = 0x02, FIN = 0x01 };
    *done = false;
    if (f->phase < 3) {
        static const uint8_t fl[3] = {SYN, SYN | ACK, ACK};
        int p = f->phase++;
        return emit(w, ts, f, p == 1, fl[p], NULL, 0);
    }
    if (f->phase == 3) {
        struct chunk *c = &f->chunks[f->cur];
        uint32_t n = c->len < MSS ? c->len : MSS;
        if (f->cur_left < n)
            n = f->cur_left;
        int rc = emit(w, ts, f, c->dir, ACK | PSH, f->pend[c->dir] + f->ppos[c->dir], n);
        f->ppos[c->dir] += n;
        f->cur_left -= n;
        if (!f->cur_left && ++f->cur < f->nchunks)
            f->cur_left = f->chunks[f->cur].len;
        if (f->cur >= f->nchunks) {
            f->plen[0] = f->plen[1] = f->ppos[0] = f->ppos[1] = 0;
            f->phase = 4;
        }
        return rc;
    }
    if (f->phase == 4 && f->sent + 3 >= f->budget)
        f->phase = 5;
    if (f->phase == 4) {
        int d = f->bulk_dir;
        if (++f->segs % 8 == 0) {
            if (f->kind == K_BT && f->segs % 88 == 0) {
                /* About one 16 KiB block per 11 segments: ask for the next one. */
                uint8_t rq[17];
                put32be(rq, 13), rq[4] = 6, put32be(rq + 5, f->piece + 4), put32be(rq + 9, 0);
                put32be(rq + 13, BLOCK);
                return emit(w, ts, f, 1 - d, ACK | PSH, rq, sizeof(rq));
            }
            return emit(w, ts, f, 1 - d, ACK, NULL, 0);
        }
        if (f->ppos[d] == f->plen[d])
            refill(f);
        uint32_t n = f->plen[d] - f->ppos[d];
        if (n > MSS)
            n = MSS;
        int rc = emit(w, ts, f, d, ACK, f->pend[d] + f->ppos[d], n);
        f->ppos[d] += n;
        return rc;
    }
    /* Closing: FIN, FIN-ACK, ACK. */
    int p = f->phase++ - 5;
    if (p == 2)
        *done = true;
    return emit(w, ts, f, p == 1, p == 2 ? ACK : FIN | ACK, NULL, 0);
}

int gen_bulk(unsigned nflows, uint64_t target, struct pw *w)
{
    struct gf *fl = calloc(nflows, sizeof(*fl));
    bool *over = calloc(nflows, sizeof(*over));
    if (!fl || !over) {
        fprintf(stderr, "benchgen: out of memory\n");
        return -1;
    }
    uint64_t per = target / nflows;
    if (per < 40)
        per = 40;
    for (unsigned i = 0; i < nflows; i++)
        init_flow(&fl[i], i, per / 2 + gen_rand(&rng) % (per + 1));
    int64_t ts = T0_US;
    unsigned live = nflows;
    while (live) {
        for (unsigned i = 0; i < nflows; i++) {
            if (over[i])
                continue;
            bool done;
            if (step(w, ts, &fl[i], &done) != 0)
                return -1;
            ts += STEP_US;
            if (done) {
                over[i] = true;
                live--;
            }
        }
    }
    free(fl);
    free(over);
    return 0;
}
