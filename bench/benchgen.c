/*
 * benchgen.c - writes the benchmark's captures (never into the source tree).
 *
 * Usage: benchgen [-s SCALE] [-d REALDIR] OUTDIR
 *
 *   OUTDIR/realmix.pcap  the captures of REALDIR (default ../shared/pcaps/real)
 *                        replicated, each copy with its own address map and
 *                        start time, merged in time order: ~3M packets x SCALE
 *   OUTDIR/bulk.pcap     ~200 long full-size TCP flows: ~2M packets x SCALE
 *   OUTDIR/{realmix,bulk}-slice.pcap  their first 100k packets, for callgrind
 *
 * Every packet is re-framed as Ethernet (DLT_EN10MB) so that libpcap, ndpiReader
 * and sluice all read the same files.  The output is deterministic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen.h"

#define SLICE_PACKETS 100000

uint64_t gen_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

void gen_fill(uint64_t *s, uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t r = gen_rand(s);
        memcpy(p, &r, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t r = gen_rand(s);
        memcpy(p, &r, n);
    }
}

void gen_ipv4_checksum(uint8_t *ip, unsigned hlen)
{
    ip[10] = ip[11] = 0;
    uint32_t sum = 0;
    for (unsigned i = 0; i + 1 < hlen; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* the writer's byte order: the magic number tells readers */
}

static FILE *open_out(const char *path)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        fprintf(stderr, "benchgen: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    setvbuf(fp, NULL, _IOFBF, 1u << 20);
    uint8_t h[24];
    put32(h, 0xa1b2c3d4u);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4 (little-endian u16s) */
    memset(h + 8, 0, 8);                    /* thiszone, sigfigs */
    put32(h + 16, 262144);                  /* snaplen */
    put32(h + 20, 1);                       /* DLT_EN10MB */
    if (fwrite(h, 1, sizeof(h), fp) != sizeof(h)) {
        fprintf(stderr, "benchgen: %s: write error\n", path);
        fclose(fp);
        return NULL;
    }
    return fp;
}

int pw_open(struct pw *w, const char *path, const char *slice_path, uint64_t slice_max)
{
    memset(w, 0, sizeof(*w));
    w->slice_max = slice_max;
    w->fp = open_out(path);
    if (!w->fp)
        return -1;
    w->slice = open_out(slice_path);
    if (!w->slice) {
        fclose(w->fp);
        return -1;
    }
    return 0;
}

static int put_rec(FILE *fp, int64_t ts_us, const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    uint8_t r[16];
    put32(r, (uint32_t)(ts_us / 1000000));
    put32(r + 4, (uint32_t)(ts_us % 1000000));
    put32(r + 8, caplen);
    put32(r + 12, wirelen);
    return fwrite(r, 1, 16, fp) == 16 && fwrite(frame, 1, caplen, fp) == caplen ? 0 : -1;
}

int pw_write(struct pw *w, int64_t ts_us, const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    if (put_rec(w->fp, ts_us, frame, caplen, wirelen) != 0) {
        fprintf(stderr, "benchgen: write error: %s\n", strerror(errno));
        return -1;
    }
    if (w->packets < w->slice_max && put_rec(w->slice, ts_us, frame, caplen, wirelen) != 0) {
        fprintf(stderr, "benchgen: write error: %s\n", strerror(errno));
        return -1;
    }
    w->packets++;
    w->bytes += caplen;
    return 0;
}

int pw_close(struct pw *w)
{
    int rc = 0;
    if (fclose(w->fp) != 0)
        rc = -1;
    if (fclose(w->slice) != 0)
        rc = -1;
    if (rc)
        fprintf(stderr, "benchgen: write error: %s\n", strerror(errno));
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "Usage: benchgen [-s SCALE] [-d REALDIR] OUTDIR\n"
                    "  -s SCALE   packets relative to 3M (realmix) and 2M (bulk); default 1\n"
                    "  -d DIR     real captures to replicate; default ../shared/pcaps/real\n");
    return 1;
}

int main(int argc, char **argv)
{
    double scale = 1.0;
    const char *real = "../shared/pcaps/real";
    int opt;
    while ((opt = getopt(argc, argv, "s:d:")) != -1) {
        if (opt == 's') {
            char *end;
            scale = strtod(optarg, &end);
            if (*end || !(scale > 0) || scale > 100) {
                fprintf(stderr, "benchgen: -s %s: want a number in (0, 100]\n", optarg);
                return 1;
            }
        } else if (opt == 'd') {
            real = optarg;
        } else {
            return usage();
        }
    }
    if (optind + 1 != argc)
        return usage();
    const char *out = argv[optind];
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "benchgen: %s: %s\n", out, strerror(errno));
        return 1;
    }
    char p[4096], s[4096];
    struct pw w;

    snprintf(p, sizeof(p), "%s/realmix.pcap", out);
    snprintf(s, sizeof(s), "%s/realmix-slice.pcap", out);
    if (pw_open(&w, p, s, SLICE_PACKETS) != 0)
        return 1;
    if (gen_realmix(real, (uint64_t)(3e6 * scale), &w) != 0 || pw_close(&w) != 0)
        return 1;
    printf("realmix %s %llu packets %llu bytes\n", p, (unsigned long long)w.packets,
           (unsigned long long)w.bytes);

    snprintf(p, sizeof(p), "%s/bulk.pcap", out);
    snprintf(s, sizeof(s), "%s/bulk-slice.pcap", out);
    if (pw_open(&w, p, s, SLICE_PACKETS) != 0)
        return 1;
    unsigned flows = scale >= 0.1 ? 200 : 20;
    if (gen_bulk(flows, (uint64_t)(2e6 * scale), &w) != 0 || pw_close(&w) != 0)
        return 1;
    printf("bulk %s %llu packets %llu bytes\n", p, (unsigned long long)w.packets,
           (unsigned long long)w.bytes);
    return 0;
}
