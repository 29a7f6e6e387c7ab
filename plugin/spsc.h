/*
 * spsc.h - a bounded single-producer, single-consumer queue of packets,
 * copied into one preallocated byte ring: nothing is allocated per packet.
 *
 * A packet takes a header and its bytes, rounded up to 8; a packet that
 * would straddle the ring's end is preceded by a skip marker and written at
 * its start.  The producer only moves `head`, the consumer only `tail`.
 */
#ifndef SLUICE_SPSC_H
#define SLUICE_SPSC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One queued packet; its captured bytes follow it. */
struct sl_qpkt {
    uint32_t size; /* header and bytes, rounded up to 8; 0 marks a skip to the ring's start */
    uint32_t caplen, wirelen;
    int32_t linktype; /* -1: no packet, only the reader's clock (the end of a replay) */
    int64_t ts_sec;
    uint32_t ts_usec;
    int32_t source;    /* replay: index of the input file; -1 live */
    uint64_t pcap_cnt; /* replay: number of the packet in its file */
    int64_t clock_us;  /* replay: the reader's clock before this packet (newest time seen) */
    uint32_t extra;    /* bytes between the header and the packet (a multiple of 8): what the
                          producer worked out for the worker (workers.h), 0: none */
    uint32_t pad;
};

/* The bytes a producer put after the header, and the packet after them. */
static inline const void *sl_qpkt_extra(const struct sl_qpkt *h)
{
    return h + 1;
}
static inline const uint8_t *sl_qpkt_data(const struct sl_qpkt *h)
{
    return (const uint8_t *)(h + 1) + h->extra;
}

/*
 * Each side's index sits on a cache line of its own, beside the copy it keeps
 * of the other's: a side reads the other's index only when its copy says the
 * ring is full (producer) or empty (consumer).  With both indices on one line
 * that line crossed between the cores at every packet.  Padding, not
 * alignas: the queues live in calloc'd arrays.
 */
#define SL_SPSC_LINE 64
struct sl_spsc {
    uint8_t *buf;
    size_t size; /* a multiple of 8 */
    char pad0[SL_SPSC_LINE];
    _Atomic size_t head; /* bytes ever written: the producer's */
    size_t tail_seen;    /* the producer's copy of tail */
    char pad1[SL_SPSC_LINE];
    _Atomic size_t tail; /* bytes ever consumed: the consumer's */
    size_t head_seen;    /* the consumer's copy of head */
    char pad2[SL_SPSC_LINE];
};

/* 0, or -1 when out of memory.  `bytes` is rounded down to a multiple of 8. */
int sl_spsc_init(struct sl_spsc *q, size_t bytes);
void sl_spsc_free(struct sl_spsc *q);

/* The largest packet a queue of this size takes. */
size_t sl_spsc_max_packet(const struct sl_spsc *q, size_t extra_len);

/* Copy a packet in (producer).  False when there is no room now. */
/* The header, `extra_len` bytes of `extra` (padded to 8) and hdr->caplen bytes of `data`; false
 * when there is no room (nothing written). */
bool sl_spsc_push(struct sl_spsc *q, const struct sl_qpkt *hdr, const void *extra, size_t extra_len,
                  const uint8_t *data);

/* The oldest packet, or NULL when empty (consumer); valid until sl_spsc_pop. */
const struct sl_qpkt *sl_spsc_peek(struct sl_spsc *q);
void sl_spsc_pop(struct sl_spsc *q, const struct sl_qpkt *p);

bool sl_spsc_empty(struct sl_spsc *q);

/* Bytes in use now (either side may ask). */
size_t sl_spsc_used(struct sl_spsc *q);

#endif
