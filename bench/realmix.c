/*
 * realmix.c - real traffic, many short flows: every capture of a directory,
 * read with sluice's own reader (pcapng, big-endian, nanoseconds, NFLOG...),
 * re-framed as Ethernet, replicated with a per-copy address map and start
 * time, and merged in time order.
 *
 * The address map keeps what an IDS cares about: private stays private (10/8,
 * 172.16/12, 192.168/16 and 169.254/16 keep their prefix, other IPv4 their
 * first octet), multicast and broadcast stay as they are (LSD, SSDP, mDNS),
 * and two hosts of one copy, or one host in two copies, never share an
 * address while a prefix has room.  IPv4 header checksums are recomputed;
 * TCP/UDP checksums are left stale (neither nDPI nor sluice checks them).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "capfile.h"
#include "decode.h"
#include "gen.h"

#define GAP_MAX_US   10000000LL /* longer pauses (captures merged across years) shrink to this */
#define COPY_STRIDE  1000000LL  /* copy k starts k seconds after copy 0 */
#define FILE_STAGGER 20000LL    /* file i of a copy starts i*20 ms after the copy */
#define T0_US        1735689600000000LL /* 2025-01-01T00:00:00Z */
#define NGROUPS      260

struct rec {
    int64_t t;               /* microseconds since the start of its file */
    uint32_t off, len, wlen; /* IP packet in the arena; its length on the wire */
    uint32_t src, dst;       /* address indices */
    uint8_t family;
};

struct addr {
    uint8_t b[16];
    uint8_t family, keep_bits; /* prefix kept; 0: address kept as it is */
    uint16_t group;
    uint32_t rank; /* among the addresses of its group */
};

struct set {
    struct rec *r;
    size_t nr, cap_r;
    uint8_t *arena;
    size_t used, cap_a;
    struct addr *a;
    size_t na, cap_aa;
    uint32_t *hash; /* open addressing: address index + 1 */
    size_t hcap;
    uint32_t group_n[NGROUPS];
    size_t file_first[1024];
    unsigned nfiles;
};

static void *grow_arr(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * elem);
    if (!q) {
        fprintf(stderr, "benchgen: out of memory\n");
        exit(1);
    }
    *cap = c;
    return q;
}

static uint32_t ahash(const uint8_t *b)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static void classify_addr(struct set *s, struct addr *a)
{
    const uint8_t *b = a->b;
    if (a->family == 4) {
        if (b[0] == 0 || b[0] >= 224)
            return; /* unspecified, multicast, broadcast: kept */
        if (b[0] == 172 && (b[1] & 0xf0) == 16)
            a->keep_bits = 12, a->group = 256;
        else if (b[0] == 192 && b[1] == 168)
            a->keep_bits = 16, a->group = 257;
        else if (b[0] == 169 && b[1] == 254)
            a->keep_bits = 16, a->group = 258;
        else
            a->keep_bits = 8, a->group = b[0];
    } else {
        static const uint8_t zero12[12];
        if (b[0] == 0xff || !memcmp(b, zero12, 12))
            return; /* multicast, ::, ::1, IPv4-compatible: kept */
        a->keep_bits = 96, a->group = 259;
    }
    a->rank = s->group_n[a->group]++;
}

static uint32_t addr_index(struct set *s, const uint8_t *b, uint8_t family)
{
    if (s->na * 2 >= s->hcap) {
        size_t nc = s->hcap ? s->hcap * 2 : 4096;
        uint32_t *nh = calloc(nc, sizeof(*nh));
        if (!nh) {
            fprintf(stderr, "benchgen: out of memory\n");
            exit(1);
        }
        for (size_t i = 0; i < s->na; i++) {
            size_t j = ahash(s->a[i].b) & (nc - 1);
            while (nh[j])
                j = (j + 1) & (nc - 1);
            nh[j] = (uint32_t)i + 1;
        }
        free(s->hash);
        s->hash = nh;
        s->hcap = nc;
    }
    size_t j = ahash(b) & (s->hcap - 1);
    while (s->hash[j]) {
        struct addr *a = &s->a[s->hash[j] - 1];
        if (a->family == family && !memcmp(a->b, b, 16))
            return s->hash[j] - 1;
        j = (j + 1) & (s->hcap - 1);
    }
    s->a = grow_arr(s->a, &s->cap_aa, s->na + 1, sizeof(*s->a));
    struct addr *a = &s->a[s->na];
    memset(a, 0, sizeof(*a));
    memcpy(a->b, b, 16);
    a->family = family;
    classify_addr(s, a);
    s->hash[j] = (uint32_t)s->na + 1;
    return (uint32_t)s->na++;
}

static int cmp_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void load_file(struct set *s, const char *path)
{
    char err[512];
    struct sl_capfile *f = sl_capfile_open(path, err, sizeof(err));
    if (!f)
        return; /* README.md, MANIFEST.tsv, ...: not captures */
    if (s->nfiles >= sizeof(s->file_first) / sizeof(s->file_first[0]) - 1) {
        sl_capfile_close(f);
        return;
    }
    s->file_first[s->nfiles++] = s->nr;
    struct sl_capfile_pkt p;
    int64_t prev = 0, t = 0;
    bool first = true;
    while (sl_capfile_next(f, &p) == 1) {
        struct sl_packet pkt;
        memset(&pkt, 0, sizeof(pkt));
        pkt.linktype = p.linktype;
        pkt.data = p.data;
        pkt.caplen = p.caplen;
        pkt.wirelen = p.wirelen;
        sl_decode_packet(&pkt);
        if (!pkt.ip_version || !pkt.l3 || pkt.l3_caplen < (pkt.ip_version == 4 ? 20u : 40u))
            continue; /* not IP (ARP, STP...): no flow to track for anyone */
        int64_t ts = p.ts_sec * 1000000 + p.ts_usec;
        if (!first) {
            int64_t d = ts - prev;
            t += d < 0 ? 0 : d > GAP_MAX_US ? GAP_MAX_US : d;
        }
        first = false;
        prev = ts;
        s->r = grow_arr(s->r, &s->cap_r, s->nr + 1, sizeof(*s->r));
        s->arena = grow_arr(s->arena, &s->cap_a, s->used + pkt.l3_caplen, 1);
        struct rec *r = &s->r[s->nr++];
        r->t = t;
        r->off = (uint32_t)s->used;
        r->len = pkt.l3_caplen;
        r->wlen = pkt.ip_len > pkt.l3_caplen ? pkt.ip_len : pkt.l3_caplen;
        r->family = pkt.ip_version;
        r->src = addr_index(s, pkt.src.b, pkt.ip_version);
        r->dst = addr_index(s, pkt.dst.b, pkt.ip_version);
        memcpy(s->arena + s->used, pkt.l3, pkt.l3_caplen);
        s->used += pkt.l3_caplen;
    }
    sl_capfile_close(f);
}

static int load(struct set *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "benchgen: %s: cannot open the directory of real captures\n", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        names = grow_arr(names, &cap, n + 1, sizeof(*names));
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_name);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        load_file(s, path);
        free(names[i]);
    }
    free(names);
    s->file_first[s->nfiles] = s->nr;
    if (!s->nr) {
        fprintf(stderr, "benchgen: %s: no IP packets in any capture\n", dir);
        return -1;
    }
    return 0;
}

/* The address of index `i` in copy `k`. */
static void map_addr(const struct set *s, uint32_t i, uint32_t k, uint8_t *out, unsigned len)
{
    const struct addr *a = &s->a[i];
    memcpy(out, a->b, len);
    if (!a->keep_bits)
        return;
    uint32_t u = k * s->group_n[a->group] + a->rank;
    if (a->family == 4) {
        uint32_t v =
            (uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 | (uint32_t)out[2] << 8 | out[3];
        uint32_t host_mask = 0xffffffffu >> a->keep_bits;
        /* Host part: u, with the last octet in 1..254 (never .0 or .255). */
        uint32_t h = (u / 254) << 8 | (1 + u % 254);
        v = (v & ~host_mask) | (h & host_mask);
        out[0] = (uint8_t)(v >> 24), out[1] = (uint8_t)(v >> 16);
        out[2] = (uint8_t)(v >> 8), out[3] = (uint8_t)v;
    } else {
        out[12] = (uint8_t)(u >> 24), out[13] = (uint8_t)(u >> 16);
        out[14] = (uint8_t)(u >> 8), out[15] = (uint8_t)(u | 1);
    }
}

struct stream {
    int64_t next_ts;
    uint32_t copy, file;
    size_t pos;
};

static bool before(const struct stream *x, const struct stream *y)
{
    if (x->next_ts != y->next_ts)
        return x->next_ts < y->next_ts;
    return x->copy != y->copy ? x->copy < y->copy : x->file < y->file;
}

static void sift_down(struct stream *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && before(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && before(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        struct stream t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

int gen_realmix(const char *dir, uint64_t target, struct pw *w)
{
    static struct set s;
    if (load(&s, dir) != 0)
        return -1;
    uint32_t copies = (uint32_t)((target + s.nr / 2) / s.nr);
    if (!copies)
        copies = 1;
    fprintf(stderr, "benchgen: realmix: %zu IP packets in %u captures, %zu addresses, %u copies\n",
            s.nr, s.nfiles, s.na, copies);

    size_t nh = 0;
    struct stream *h = calloc((size_t)copies * s.nfiles, sizeof(*h));
    if (!h) {
        fprintf(stderr, "benchgen: out of memory\n");
        return -1;
    }
    for (uint32_t k = 0; k < copies; k++)
        for (uint32_t i = 0; i < s.nfiles; i++) {
            if (s.file_first[i] == s.file_first[i + 1])
                continue;
            struct stream *st = &h[nh++];
            st->copy = k;
            st->file = i;
            st->pos = s.file_first[i];
            st->next_ts = T0_US + k * COPY_STRIDE + i * FILE_STAGGER + s.r[st->pos].t;
        }
    for (size_t i = nh; i-- > 0;)
        sift_down(h, nh, i);

    uint8_t frame[14 + SL_CAPFILE_MAX_RECORD];
    while (nh) {
        struct stream *st = &h[0];
        const struct rec *r = &s.r[st->pos];
        static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
        memcpy(frame, mac, 12);
        frame[12] = r->family == 4 ? 0x08 : 0x86;
        frame[13] = r->family == 4 ? 0x00 : 0xdd;
        uint8_t *ip = frame + 14;
        memcpy(ip, s.arena + r->off, r->len);
        if (r->family == 4) {
            map_addr(&s, r->src, st->copy, ip + 12, 4);
            map_addr(&s, r->dst, st->copy, ip + 16, 4);
            unsigned hl = (ip[0] & 15u) * 4;
            if (hl >= 20 && hl <= r->len)
                gen_ipv4_checksum(ip, hl);
        } else {
            map_addr(&s, r->src, st->copy, ip + 8, 16);
            map_addr(&s, r->dst, st->copy, ip + 24, 16);
        }
        if (pw_write(w, st->next_ts, frame, 14 + r->len, 14 + r->wlen) != 0)
            return -1;
        st->pos++;
        if (st->pos == s.file_first[st->file + 1]) {
            h[0] = h[--nh];
        } else {
            st->next_ts = T0_US + st->copy * COPY_STRIDE + st->file * FILE_STAGGER + s.r[st->pos].t;
        }
        sift_down(h, nh, 0);
    }
    free(h);
    return 0;
}
