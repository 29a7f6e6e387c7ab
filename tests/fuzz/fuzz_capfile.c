/*
 * fuzz_capfile.c - libFuzzer target: the capture file reader (classic pcap
 * and pcapng) on any file, read to its end.  tools/fuzz.sh builds it with a
 * 64-byte read window (SL_CAPFILE_WINDOW), so records straddle the window and
 * make it grow on nearly every input, as they do only past 256 KiB otherwise.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("capfile", 0);
        if (fd < 0)
            return 0;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    char err[256];
    struct sl_capfile *f = sl_capfile_open(path, err, sizeof(err));
    if (!f)
        return 0;
    static volatile unsigned sink;
    struct sl_capfile_pkt p;
    unsigned sum = 0;
    while (sl_capfile_next(f, &p) == 1) {
        for (uint32_t i = 0; i < p.caplen; i++) /* every byte handed out must be readable */
            sum += p.data[i];
        (void)sl_capfile_linktype(f);
    }
    struct sl_capfile_stats st;
    sl_capfile_stats(f, &st);
    (void)sl_capfile_error(f);
    (void)sl_capfile_truncated(f);
    sl_capfile_close(f);
    sink = sum;
    return 0;
}
