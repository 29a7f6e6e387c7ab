/* bench.h - what the benchmark's read loops share: the sensor's file buffering. */
#ifndef SLUICE_BENCH_H
#define SLUICE_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* plugin/capfile.c's READ_BUFFER: the sensor reads through a 1 MiB stdio buffer. */
#define BENCH_READ_BUFFER (1u << 20)

static inline FILE *bench_fopen(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return NULL;
    }
    setvbuf(fp, NULL, _IOFBF, BENCH_READ_BUFFER);
    return fp;
}

#endif
