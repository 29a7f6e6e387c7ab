/*
 * spsc.c - the packet ring between a reader (or capture thread) and a worker.
 *
 * Acquire/release on head and tail is all the synchronisation: the
 * producer's release of head publishes the bytes it wrote before it, the
 * consumer's release of tail hands the space back.
 */
#include <stdlib.h>
#include <string.h>

#include "spsc.h"

#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

int sl_spsc_init(struct sl_spsc *q, size_t bytes)
{
    memset(q, 0, sizeof(*q));
    q->size = bytes & ~(size_t)7u;
    if (q->size < 4 * sizeof(struct sl_qpkt))
        return -1;
    q->buf = malloc(q->size);
    if (!q->buf)
        return -1;
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    return 0;
}

void sl_spsc_free(struct sl_spsc *q)
{
    free(q->buf);
    q->buf = NULL;
}

size_t sl_spsc_max_packet(const struct sl_spsc *q, size_t extra_len)
{
    return q->size / 2 - sizeof(struct sl_qpkt) - ALIGN8(extra_len);
}

bool sl_spsc_push(struct sl_spsc *q, const struct sl_qpkt *hdr, const void *extra, size_t extra_len,
                  const uint8_t *data)
{
    size_t xlen = ALIGN8(extra_len);
    size_t need = ALIGN8(sizeof(*hdr) + xlen + hdr->caplen);
    if (need > q->size / 2)
        return false;
    size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    size_t pos = head % q->size, contig = q->size - pos;
    size_t total = need > contig ? contig + need : need;
    if (q->size - (head - q->tail_seen) < total) {
        q->tail_seen = atomic_load_explicit(&q->tail, memory_order_acquire);
        if (q->size - (head - q->tail_seen) < total)
            return false;
    }
    if (need > contig) {
        /* Positions are 8-aligned, so at least a marker's 4 bytes fit before the end. */
        uint32_t zero = 0;
        memcpy(q->buf + pos, &zero, sizeof(zero));
        pos = 0;
    }
    struct sl_qpkt h = *hdr;
    h.size = (uint32_t)need;
    h.extra = (uint32_t)xlen;
    h.pad = 0;
    uint8_t *at = q->buf + pos;
    memcpy(at, &h, sizeof(h));
    at += sizeof(h);
    if (extra_len)
        memcpy(at, extra, extra_len);
    at += xlen;
    if (hdr->caplen)
        memcpy(at, data, hdr->caplen);
    atomic_store_explicit(&q->head, head + total, memory_order_release);
    return true;
}

const struct sl_qpkt *sl_spsc_peek(struct sl_spsc *q)
{
    size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (q->head_seen == tail) {
        q->head_seen = atomic_load_explicit(&q->head, memory_order_acquire);
        if (q->head_seen == tail)
            return NULL;
    }
    size_t head = q->head_seen;
    size_t pos = tail % q->size;
    uint32_t size;
    memcpy(&size, q->buf + pos, sizeof(size));
    if (size == 0) {
        /* A skip marker: the packet is at the ring's start. */
        tail += q->size - pos;
        atomic_store_explicit(&q->tail, tail, memory_order_release);
        if (head == tail)
            return NULL;
        pos = 0;
    }
    return (const struct sl_qpkt *)(void *)(q->buf + pos);
}

void sl_spsc_pop(struct sl_spsc *q, const struct sl_qpkt *p)
{
    size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    atomic_store_explicit(&q->tail, tail + p->size, memory_order_release);
}

bool sl_spsc_empty(struct sl_spsc *q)
{
    /* The consumer's question, asked before it sleeps: the true head, not its copy. */
    return sl_spsc_used(q) == 0;
}

size_t sl_spsc_used(struct sl_spsc *q)
{
    size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    return atomic_load_explicit(&q->head, memory_order_acquire) - tail;
}
