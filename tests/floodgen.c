/*
 * floodgen.c - hostile captures written at test time (too big, or too broken,
 * to commit).
 *
 *   floodgen flood FILE NPACKETS
 *       A flow-table flood: NPACKETS packets, each a new 5-tuple (half a SYN
 *       flood from distinct sources at the internal 192.168.1.0/24, half a
 *       UDP scan by 192.168.1.50 of distinct external addresses), with one
 *       BitTorrent TCP session (192.168.1.10:51413 -> 203.0.113.5:6881:
 *       handshakes both ways with info_hash 0102..14, an extension handshake,
 *       bitfield, interested, unchoke, a request and a piece) mixed into it.
 *       Prints "packets N tuples N" (distinct 5-tuples, the BitTorrent one
 *       included) on stdout.
 *   floodgen malformed DIR
 *       Small malformed captures, one per case; tests/malformed.py says what
 *       sluice must do with each.
 *   floodgen rss OUTFILE COMMAND [ARG...]
 *       Runs COMMAND and writes its peak resident set size (KiB, getrusage's
 *       ru_maxrss) and exit status to OUTFILE.  A process forked from a big
 *       one (python) starts with the parent's high-water mark; this one is small.
 *
 * Deterministic: fixed times from 2024-03-01T12:00:00Z and a fixed PRNG seed.
 * Tuples are distinct by construction (an odd multiplier is a bijection on
 * 24-bit numbers), so the number of flows to expect is exact.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define BASE_TIME 1709294400u

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    be16(p, v >> 16);
    be16(p + 2, v & 0xffff);
}

static void le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v & 0xffff);
    le16(p + 2, v >> 16);
}

static FILE *create(const char *path)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        exit(1);
    }
    return fp;
}

static void put(FILE *fp, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, fp) != n) {
        perror("write");
        exit(1);
    }
}

static void finish(FILE *fp, const char *path)
{
    if (fclose(fp) != 0) {
        perror(path);
        exit(1);
    }
}

/* Classic pcap, little-endian, microseconds. */
static void pcap_header(FILE *fp, uint32_t snaplen, uint32_t linktype)
{
    uint8_t h[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
    le32(h + 16, snaplen);
    le32(h + 20, linktype);
    put(fp, h, sizeof(h));
}

static void pcap_record(FILE *fp, uint32_t sec, uint32_t usec, const uint8_t *data, uint32_t incl,
                        uint32_t orig)
{
    uint8_t r[16];
    le32(r, sec);
    le32(r + 4, usec);
    le32(r + 8, incl);
    le32(r + 12, orig);
    put(fp, r, sizeof(r));
    put(fp, data, incl);
}

/* ---- packets: Ethernet, IPv4, TCP or UDP, with correct checksums ---- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

enum { TH_FIN = 1, TH_SYN = 2, TH_RST = 4, TH_PSH = 8, TH_ACK = 16 };

/* Writes the frame into out (at least 54 + len bytes); returns its length. */
static size_t frame(uint8_t *out, int proto, uint32_t src, uint32_t dst, uint16_t sport,
                    uint16_t dport, uint32_t seq, uint32_t ack, int flags, const uint8_t *pl,
                    size_t len)
{
    static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
    static uint16_t ipid;
    memcpy(out, macs, 12);
    be16(out + 12, 0x0800);
    uint8_t *ip = out + 14, *l4 = ip + 20;
    size_t l4len = (proto == 6 ? 20 : 8) + len;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    be16(ip + 2, (uint32_t)(20 + l4len));
    be16(ip + 4, ipid++);
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    be32(ip + 12, src);
    be32(ip + 16, dst);
    be16(ip + 10, fold(sum16(ip, 20, 0)));
    be16(l4, sport);
    be16(l4 + 2, dport);
    size_t hl;
    if (proto == 6) {
        hl = 20;
        be32(l4 + 4, seq);
        be32(l4 + 8, ack);
        l4[12] = 5 << 4;
        l4[13] = (uint8_t)flags;
        be16(l4 + 14, 64240);
        be16(l4 + 16, 0);
        be16(l4 + 18, 0);
    } else {
        hl = 8;
        be16(l4 + 4, (uint32_t)l4len);
        be16(l4 + 6, 0);
    }
    if (len)
        memcpy(l4 + hl, pl, len);
    uint32_t s = sum16(ip + 12, 8, 0) + (uint32_t)proto + (uint32_t)l4len;
    uint16_t ck = fold(sum16(l4, l4len, s));
    be16(l4 + (proto == 6 ? 16 : 6), proto == 17 && ck == 0 ? 0xffff : ck);
    return 14 + 20 + l4len;
}

/* ---- the BitTorrent session ---- */

#define IP(a, b, c, d)                                                                             \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

struct bt_msg {
    int dir; /* 0 client to server, 1 back */
    int flags;
    size_t len;
    uint8_t data[1200];
};

static size_t handshake(uint8_t *o, const char *peer_id)
{
    o[0] = 19;
    memcpy(o + 1, "BitTorrent protocol", 19);
    memset(o + 20, 0, 8);
    o[25] = 0x10; /* BEP 10 extension protocol */
    for (int i = 0; i < 20; i++)
        o[28 + i] = (uint8_t)(i + 1); /* info_hash 0102..14 */
    memcpy(o + 48, peer_id, 20);
    return 68;
}

static size_t message(uint8_t *o, int id, const void *body, size_t n)
{
    be32(o, (uint32_t)(n + 1));
    o[4] = (uint8_t)id;
    if (n)
        memcpy(o + 5, body, n);
    return 5 + n;
}

/* The session as a list of segments; the TCP handshake and close included. */
static int bt_session(struct bt_msg *m)
{
    int n = 0;
    m[n++] = (struct bt_msg){0, TH_SYN, 0, {0}};
    m[n++] = (struct bt_msg){1, TH_SYN | TH_ACK, 0, {0}};
    m[n++] = (struct bt_msg){0, TH_ACK, 0, {0}};
    m[n] = (struct bt_msg){0, TH_PSH | TH_ACK, 0, {0}};
    m[n].len = handshake(m[n].data, "-qB4650-a1b2c3d4e5f6");
    n++;
    m[n] = (struct bt_msg){1, TH_PSH | TH_ACK, 0, {0}};
    m[n].len = handshake(m[n].data, "-TR3000-z9y8x7w6v5u4");
    n++;
    static const char ext[] = "d1:md11:ut_metadatai1ee1:pi51413e1:v17:qBittorrent/4.6.5e";
    uint8_t body[200];
    body[0] = 0;
    memcpy(body + 1, ext, sizeof(ext) - 1);
    m[n] = (struct bt_msg){0, TH_PSH | TH_ACK, 0, {0}};
    m[n].len = message(m[n].data, 20, body, sizeof(ext));
    n++;
    uint8_t bits[16];
    memset(bits, 0xff, sizeof(bits));
    m[n] = (struct bt_msg){1, TH_PSH | TH_ACK, 0, {0}};
    m[n].len = message(m[n].data, 5, bits, sizeof(bits));
    n++;
    m[n] = (struct bt_msg){0, TH_PSH | TH_ACK, 0, {0}};
    m[n].len = message(m[n].data, 2, NULL, 0); /* interested */
    n++;
    m[n] = (struct bt_msg){1, TH_PSH | TH_ACK, 0, {0}};
    m[n].len = message(m[n].data, 1, NULL, 0); /* unchoke */
    n++;
    uint8_t req[12] = {0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 4, 0}; /* piece 3, offset 0, 1024 bytes */
    m[n] = (struct bt_msg){0, TH_PSH | TH_ACK, 0, {0}};
    m[n].len = message(m[n].data, 6, req, sizeof(req));
    n++;
    uint8_t piece[8 + 1024];
    memcpy(piece, req, 8);
    for (size_t i = 8; i < sizeof(piece); i++)
        piece[i] = (uint8_t)rng();
    m[n] = (struct bt_msg){1, TH_PSH | TH_ACK, 0, {0}};
    m[n].len = message(m[n].data, 7, piece, sizeof(piece));
    n++;
    m[n++] = (struct bt_msg){0, TH_FIN | TH_ACK, 0, {0}};
    m[n++] = (struct bt_msg){1, TH_FIN | TH_ACK, 0, {0}};
    m[n++] = (struct bt_msg){0, TH_ACK, 0, {0}};
    return n;
}

static int flood(const char *path, unsigned long npackets)
{
    FILE *fp = create(path);
    static char buf[1 << 20];
    setvbuf(fp, buf, _IOFBF, sizeof(buf));
    pcap_header(fp, 65535, 1);
    static struct bt_msg bt[24];
    int nbt = bt_session(bt), next_bt = 0;
    uint32_t cseq = 1000000, sseq = 5000000; /* next sequence number, client and server */
    /* The session's segments are spread over ~3000 flood packets in the middle, fewer
     * than a small flow table holds: the flood evicts around it, not it. */
    unsigned long bt_start = npackets / 2, bt_every = 200;
    uint8_t pkt[1600];
    uint64_t t_us = (uint64_t)BASE_TIME * 1000000u;
    for (unsigned long i = 0; i < npackets; i++) {
        t_us += 20; /* 50,000 packets a second */
        if (next_bt < nbt && i >= bt_start && (i - bt_start) % bt_every == 0) {
            struct bt_msg *m = &bt[next_bt++];
            uint32_t c = IP(192, 168, 1, 10), s = IP(203, 0, 113, 5);
            size_t n;
            if (m->dir == 0)
                n = frame(pkt, 6, c, s, 51413, 6881, cseq, m->flags & TH_ACK ? sseq : 0, m->flags,
                          m->data, m->len);
            else
                n = frame(pkt, 6, s, c, 6881, 51413, sseq, cseq, m->flags, m->data, m->len);
            uint32_t adv = (uint32_t)m->len + ((m->flags & (TH_SYN | TH_FIN)) ? 1 : 0);
            if (m->dir == 0)
                cseq += adv;
            else
                sseq += adv;
            pcap_record(fp, (uint32_t)(t_us / 1000000), (uint32_t)(t_us % 1000000), pkt,
                        (uint32_t)n, (uint32_t)n);
            t_us += 20;
        }
        /* A distinct 24-bit number per packet: i times an odd constant, modulo 2^24. */
        uint32_t u = (uint32_t)((i * 0x9e3779b1ul) & 0xffffff);
        size_t n;
        if (i & 1) {
            uint8_t probe[8];
            be32(probe, rng());
            be32(probe + 4, rng());
            n = frame(pkt, 17, IP(192, 168, 1, 50), IP(185, 0, 0, 0) | u, 40000,
                      1 + (rng() % 65535), 0, 0, 0, probe, sizeof(probe));
        } else {
            n = frame(pkt, 6, IP(45, 0, 0, 0) | u, IP(192, 168, 1, 1 + rng() % 254),
                      (uint16_t)(1024 + rng() % 64000), (uint16_t)(1 + rng() % 1024), rng(), 0,
                      TH_SYN, NULL, 0);
        }
        pcap_record(fp, (uint32_t)(t_us / 1000000), (uint32_t)(t_us % 1000000), pkt, (uint32_t)n,
                    (uint32_t)n);
    }
    finish(fp, path);
    if (next_bt < nbt) {
        fprintf(stderr, "floodgen: %lu packets are too few for the BitTorrent session\n", npackets);
        return 1;
    }
    printf("packets %lu tuples %lu\n", npackets + (unsigned long)nbt, npackets + 1);
    return 0;
}

/* ---- malformed captures ---- */

/* A few valid frames: a UDP packet, then the BitTorrent handshakes (so an alert shows
 * that what came before a fault was processed). */
static size_t good_frames(uint8_t frames[][1600], size_t lens[])
{
    static struct bt_msg bt[24];
    bt_session(bt);
    uint32_t c = IP(192, 168, 1, 10), s = IP(203, 0, 113, 5);
    uint32_t cseq = 1000, sseq = 9000;
    size_t k = 0;
    for (int i = 0; i < 5; i++) { /* SYN, SYN-ACK, ACK, both handshakes */
        struct bt_msg *m = &bt[i];
        if (m->dir == 0)
            lens[k] = frame(frames[k], 6, c, s, 51413, 6881, cseq, m->flags & TH_ACK ? sseq : 0,
                            m->flags, m->data, m->len);
        else
            lens[k] = frame(frames[k], 6, s, c, 6881, 51413, sseq, cseq, m->flags, m->data, m->len);
        uint32_t adv = (uint32_t)m->len + ((m->flags & TH_SYN) ? 1 : 0);
        if (m->dir == 0)
            cseq += adv;
        else
            sseq += adv;
        k++;
    }
    return k;
}

static void write_good(FILE *fp, uint8_t frames[][1600], size_t lens[], size_t n)
{
    for (size_t i = 0; i < n; i++)
        pcap_record(fp, BASE_TIME, (uint32_t)i, frames[i], (uint32_t)lens[i], (uint32_t)lens[i]);
}

/* pcapng blocks, little-endian */
static void ng_block(FILE *fp, uint32_t type, const uint8_t *body, size_t n)
{
    uint8_t h[8], pad[3] = {0};
    size_t padded = (n + 3) & ~(size_t)3;
    le32(h, type);
    le32(h + 4, (uint32_t)(12 + padded));
    put(fp, h, 8);
    put(fp, body, n);
    put(fp, pad, padded - n);
    put(fp, h + 4, 4);
}

static void ng_shb(FILE *fp)
{
    uint8_t b[16] = {0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0};
    memset(b + 8, 0xff, 8); /* section length unknown */
    ng_block(fp, 0x0a0d0d0a, b, sizeof(b));
}

static void ng_idb(FILE *fp, uint32_t linktype)
{
    uint8_t b[8] = {0};
    le16(b, linktype);
    le32(b + 4, 65535);
    ng_block(fp, 1, b, sizeof(b));
}

static void ng_epb(FILE *fp, uint32_t ifid, uint64_t ts_us, const uint8_t *data, uint32_t len)
{
    static uint8_t b[20 + 1600];
    le32(b, ifid);
    le32(b + 4, (uint32_t)(ts_us >> 32));
    le32(b + 8, (uint32_t)ts_us);
    le32(b + 12, len);
    le32(b + 16, len);
    memcpy(b + 20, data, len);
    ng_block(fp, 6, b, 20 + len);
}

static int malformed(const char *dir)
{
    static uint8_t f[8][1600];
    size_t len[8];
    size_t nf = good_frames(f, len);
    char path[4096];
    FILE *fp;
#define OPEN(name) (snprintf(path, sizeof(path), "%s/%s", dir, name), fp = create(path))

    /* A file header cut short. */
    OPEN("cut-file-header.pcap");
    pcap_header(fp, 65535, 1);
    finish(fp, path);
    if (truncate(path, 20) != 0)
        return perror(path), 1;

    /* Cut inside the last record's header, then inside the last record's data. */
    OPEN("cut-record-header.pcap");
    pcap_header(fp, 65535, 1);
    write_good(fp, f, len, nf);
    put(fp, "\x00\x00\x00\x00\x01\x00\x00", 7);
    finish(fp, path);
    OPEN("cut-record-data.pcap");
    pcap_header(fp, 65535, 1);
    write_good(fp, f, len, nf);
    uint8_t r[16];
    le32(r, BASE_TIME + 1);
    le32(r + 4, 0);
    le32(r + 8, (uint32_t)len[0]);
    le32(r + 12, (uint32_t)len[0]);
    put(fp, r, 16);
    put(fp, f[0], len[0] / 2);
    finish(fp, path);

    /* Records captured longer than the snap length (64) and longer than on the wire. */
    OPEN("caplen-over-snaplen.pcap");
    pcap_header(fp, 64, 1);
    for (size_t i = 0; i < nf; i++)
        pcap_record(fp, BASE_TIME, (uint32_t)i, f[i], (uint32_t)len[i],
                    i == 3 ? (uint32_t)len[i] - 10 : (uint32_t)len[i]);
    finish(fp, path);

    /* Zero-length records (one claiming 60 bytes on the wire) among good ones. */
    OPEN("zero-length.pcap");
    pcap_header(fp, 65535, 1);
    for (size_t i = 0; i < nf; i++) {
        pcap_record(fp, BASE_TIME, (uint32_t)i, f[i], 0, i == 2 ? 60 : 0);
        pcap_record(fp, BASE_TIME, (uint32_t)i, f[i], (uint32_t)len[i], (uint32_t)len[i]);
    }
    finish(fp, path);

    /* A valid header, then garbage. */
    OPEN("garbage-after-header.pcap");
    pcap_header(fp, 65535, 1);
    for (int i = 0; i < 2000; i++) {
        uint8_t g = (uint8_t)rng();
        put(fp, &g, 1);
    }
    finish(fp, path);

    /* A record claiming 4 GiB after two good ones. */
    OPEN("huge-record.pcap");
    pcap_header(fp, 65535, 1);
    write_good(fp, f, len, 2);
    le32(r + 8, 0xfffffff0u);
    le32(r + 12, 0xfffffff0u);
    put(fp, r, 16);
    put(fp, f[2], len[2]);
    finish(fp, path);

    /* pcapng: interfaces Ethernet, USER0 (147, unknown), raw IP; packets on each, then one
     * on an interface never described. */
    OPEN("multi-interface.pcapng");
    ng_shb(fp);
    ng_idb(fp, 1);
    ng_idb(fp, 147);
    ng_idb(fp, 101);
    uint64_t ts = (uint64_t)BASE_TIME * 1000000u;
    for (size_t i = 0; i < nf; i++) {
        ng_epb(fp, 0, ts + i * 10, f[i], (uint32_t)len[i]);
        ng_epb(fp, 1, ts + i * 10 + 1, f[i], (uint32_t)len[i]);
        ng_epb(fp, 2, ts + i * 10 + 2, f[i] + 14, (uint32_t)len[i] - 14); /* raw IP */
    }
    ng_epb(fp, 7, ts + 100, f[0], (uint32_t)len[0]);
    finish(fp, path);

    /* pcapng cut inside a block. */
    OPEN("cut-block.pcapng");
    ng_shb(fp);
    ng_idb(fp, 1);
    for (size_t i = 0; i < nf; i++)
        ng_epb(fp, 0, ts + i, f[i], (uint32_t)len[i]);
    uint8_t h[8];
    le32(h, 6);
    le32(h + 4, 200);
    put(fp, h, 8);
    put(fp, f[0], 40);
    finish(fp, path);
    return 0;
}

static int rss(const char *out, char **argv)
{
    pid_t pid = fork();
    if (pid < 0)
        return perror("fork"), 1;
    if (pid == 0) {
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return perror("wait4"), 1;
    FILE *fp = create(out);
    fprintf(fp, "maxrss_kib %ld status %d\n", ru.ru_maxrss,
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    finish(fp, out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "rss"))
        return rss(argv[2], argv + 3);
    if (argc == 4 && !strcmp(argv[1], "flood"))
        return flood(argv[2], strtoul(argv[3], NULL, 10));
    if (argc == 3 && !strcmp(argv[1], "malformed"))
        return malformed(argv[2]);
    fprintf(
        stderr,
        "usage: floodgen flood FILE NPACKETS | floodgen malformed DIR | floodgen rss OUT CMD...\n");
    return 2;
}
