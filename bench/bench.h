/* bench.h - what the benchmark's read loops share: the sensor's file buffering. */
#ifndef SLUICE_BENCH_H
#define SLUICE_BENCH_H

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

/* plugin/capfile.c's SL_CAPFILE_WINDOW: the sensor reads the file 256 KiB at a time, so
 * libpcap's stdio reads that much too. */
#define BENCH_READ_BUFFER (256u << 10)

static inline FILE *bench_fopen(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return NULL;
    }
    /* The buffer given, as the sensor's reader does: glibc ignores the size of a NULL one. */
    static char buf[BENCH_READ_BUFFER];
    setvbuf(fp, buf, _IOFBF, sizeof(buf));
    return fp;
}

/* libpcap reading `path` through that buffer; NULL with the error printed as "prog: path: ...". */
static inline pcap_t *bench_pcap_open(const char *prog, const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    FILE *fp = bench_fopen(path);
    if (!fp)
        return NULL;
    pcap_t *p = pcap_fopen_offline(fp, err);
    if (!p) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, err);
        fclose(fp);
    }
    return p;
}

#endif
