/*
 * readloop.c - the physical limit: libpcap reads a capture and counts its
 * packets, nothing else.  The file is opened with the same stdio buffer the
 * sensor's reader uses (1 MiB, plugin/capfile.c), so the two differ only in
 * the reader.
 *
 * Usage: readloop FILE   (prints "packets N bytes N")
 */
#include <pcap/pcap.h>
#include <stdio.h>

#include "bench.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "Usage: readloop FILE\n");
        return 1;
    }
    pcap_t *p = bench_pcap_open("readloop", argv[1]);
    if (!p)
        return 1;
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long long n = 0, bytes = 0;
    int r;
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        n++;
        bytes += h->caplen;
    }
    if (r == PCAP_ERROR) {
        fprintf(stderr, "readloop: %s: %s\n", argv[1], pcap_geterr(p));
        return 1;
    }
    printf("packets %llu bytes %llu\n", n, bytes);
    pcap_close(p);
    return 0;
}
