/*
 * tuples.c - the floor of any flow tracker: readloop.c plus Ethernet/VLAN/IP
 * /TCP/UDP parsing (through the bounds-checked cursor) and a bidirectional
 * 5-tuple table (open addressing, fixed size, packets and bytes per flow).
 *
 * Usage: tuples FILE   (prints "packets N flows N")
 */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdlib.h>

#include "bench.h"
#include "cursor.h"

#define TABLE_BITS 21 /* 2M slots: room for every flow of the benchmark's captures */

struct key {
    uint8_t a[16], b[16];
    uint16_t pa, pb;
    uint8_t proto, used;
    uint8_t pad[2];
};

struct slot {
    struct key k;
    uint64_t pkts, bytes;
};

static uint64_t mix(const struct key *k)
{
    uint64_t w[5], h = 0x9e3779b97f4a7c15ull;
    memcpy(w, k, sizeof(w));
    for (int i = 0; i < 5; i++) {
        h ^= w[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

/* Parse to a symmetric 5-tuple; false when the frame is not TCP/UDP over IP. */
static bool tuple(const uint8_t *data, uint32_t len, struct key *k)
{
    struct sl_cur c = sl_cur_make(data, len);
    sl_cur_skip(&c, 12);
    uint16_t et = sl_cur_u16be(&c);
    for (int v = 0; v < 2 && (et == 0x8100 || et == 0x88a8); v++) {
        sl_cur_skip(&c, 2);
        et = sl_cur_u16be(&c);
    }
    uint8_t src[16] = {0}, dst[16] = {0}, proto;
    if (et == 0x0800) {
        uint8_t vihl = sl_cur_u8(&c);
        size_t hl = (size_t)(vihl & 15) * 4;
        if ((vihl >> 4) != 4 || hl < 20)
            return false;
        sl_cur_skip(&c, 5);
        sl_cur_skip(&c, 2);
        sl_cur_skip(&c, 1);
        proto = sl_cur_u8(&c);
        sl_cur_skip(&c, 2);
        sl_cur_copy(&c, src, 4);
        sl_cur_copy(&c, dst, 4);
        sl_cur_skip(&c, hl - 20);
    } else if (et == 0x86dd) {
        sl_cur_skip(&c, 6);
        proto = sl_cur_u8(&c);
        sl_cur_skip(&c, 1);
        sl_cur_copy(&c, src, 16);
        sl_cur_copy(&c, dst, 16);
    } else {
        return false;
    }
    if (proto != 6 && proto != 17)
        return false;
    uint16_t sp = sl_cur_u16be(&c), dp = sl_cur_u16be(&c);
    if (!sl_cur_ok(&c))
        return false;
    memset(k, 0, sizeof(*k));
    int o = memcmp(src, dst, 16);
    bool fwd = o < 0 || (o == 0 && sp <= dp);
    memcpy(k->a, fwd ? src : dst, 16);
    memcpy(k->b, fwd ? dst : src, 16);
    k->pa = fwd ? sp : dp;
    k->pb = fwd ? dp : sp;
    k->proto = proto;
    k->used = 1;
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "Usage: tuples FILE\n");
        return 1;
    }
    pcap_t *p = bench_pcap_open("tuples", argv[1]);
    if (!p)
        return 1;
    const size_t mask = ((size_t)1 << TABLE_BITS) - 1;
    /* calloc: untouched slots cost no resident memory. */
    struct slot *t = calloc(mask + 1, sizeof(*t));
    if (!t) {
        fprintf(stderr, "tuples: out of memory\n");
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long long n = 0, flows = 0, full = 0;
    int r;
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        n++;
        struct key k;
        if (!tuple(data, h->caplen, &k))
            continue;
        size_t i = mix(&k) & mask, probes = 0;
        while (t[i].k.used && memcmp(&t[i].k, &k, sizeof(k)) != 0 && ++probes <= mask)
            i = (i + 1) & mask;
        if (probes > mask) {
            full++;
            continue;
        }
        if (!t[i].k.used) {
            t[i].k = k;
            flows++;
        }
        t[i].pkts++;
        t[i].bytes += h->len;
    }
    if (r == PCAP_ERROR) {
        fprintf(stderr, "tuples: %s: %s\n", argv[1], pcap_geterr(p));
        return 1;
    }
    printf("packets %llu flows %llu table_full %llu\n", n, flows, full);
    free(t);
    pcap_close(p);
    return 0;
}
