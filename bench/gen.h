/*
 * gen.h - the benchmark generator's parts: a classic-pcap writer (DLT_EN10MB,
 * microseconds) that also copies the first packets into a "slice" file for
 * callgrind, and the two captures it writes.
 */
#ifndef SLUICE_BENCH_GEN_H
#define SLUICE_BENCH_GEN_H

#include <stdint.h>
#include <stdio.h>

struct pw {
    FILE *fp, *slice;
    uint64_t packets, bytes;
    uint64_t slice_max;
};

/* Open `path` and `slice_path` (the first `slice_max` packets); 0 or -1 (message printed). */
int pw_open(struct pw *w, const char *path, const char *slice_path, uint64_t slice_max);
/* One Ethernet frame of `caplen` bytes, `wirelen` on the wire, at `ts_us`. */
int pw_write(struct pw *w, int64_t ts_us, const uint8_t *frame, uint32_t caplen, uint32_t wirelen);
int pw_close(struct pw *w);

/* A deterministic PRNG (xorshift64*), the same bytes on every machine. */
uint64_t gen_rand(uint64_t *s);
void gen_fill(uint64_t *s, uint8_t *p, size_t n);

/* The internet checksum of an IPv4 header (written into it). */
void gen_ipv4_checksum(uint8_t *ip, unsigned hlen);

/* realmix.c: the captures of `dir` replicated to ~`target` packets.  0 or -1. */
int gen_realmix(const char *dir, uint64_t target, struct pw *w);
/* bulk.c: ~`flows` long TCP flows of ~`target` packets in all.  0 or -1. */
int gen_bulk(unsigned flows, uint64_t target, struct pw *w);

#endif
