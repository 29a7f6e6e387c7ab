/*
 * capread.c - the sensor's own reader (plugin/capfile.c) in a bare loop:
 * the limit for sluice, which reads through it rather than libpcap.
 *
 * Usage: capread FILE   (prints "packets N bytes N")
 */
#include <stdio.h>

#include "capfile.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "Usage: capread FILE\n");
        return 1;
    }
    char err[512];
    struct sl_capfile *f = sl_capfile_open(argv[1], err, sizeof(err));
    if (!f) {
        fprintf(stderr, "capread: %s\n", err);
        return 1;
    }
    struct sl_capfile_pkt p;
    unsigned long long n = 0, bytes = 0;
    int r;
    while ((r = sl_capfile_next(f, &p)) == 1) {
        n++;
        bytes += p.caplen;
    }
    if (r < 0) {
        fprintf(stderr, "capread: %s\n", sl_capfile_error(f));
        return 1;
    }
    printf("packets %llu bytes %llu\n", n, bytes);
    sl_capfile_close(f);
    return 0;
}
