/*
 * workers.c - worker threads and their queues.
 *
 * A worker sleeps on its doorbell (a mutex and condition variable) only
 * when all its queues are empty; a producer rings it only when it sleeps,
 * so a busy pipeline makes no system calls per packet.  Requests (reopen,
 * stats, new capture counters) are generation counters that the worker
 * compares at each safe point, between batches of packets.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "signals.h"
#include "thread.h"
#include "workers.h"

#define BATCH        64
#define IDLE_WAIT_MS 50
/*
 * A replay's reader rings a sleeping worker once this many packets wait for
 * it, not at every packet: when the workers outrun the reader (two of them
 * on bulk traffic) a ring per packet was a wake-up system call per packet on
 * each side.  The worker's timed wait and the final ring bound the delay.
 */
#define RING_BATCH 256
/* A replay's reader blocked on a full queue sleeps until it is half empty (or this long). */
#define ROOM_WAIT_MS 10
#define MAX_CAPTURE  16

struct worker {
    struct sl_workers *ws;
    unsigned id;
    pthread_t th;
    bool started;
    sluice_engine *eng;
    struct sl_spsc *q; /* one per producer */
    pthread_mutex_t lock;
    pthread_cond_t bell;
    atomic_int sleeping;
    pthread_cond_t room; /* replay: the reader waits on it for a full queue to drain */
    atomic_int reader_waiting;
    unsigned unrung;  /* replay: packets pushed to a sleeping worker since it was rung */
    int64_t clock_us; /* the newest reader clock given to the engine */
    int source;       /* the input its engine is told it reads */
    unsigned reopen_seen, stats_seen, capture_seen;
};

struct sl_workers {
    unsigned n, nprod;
    bool live;
    int64_t lag_us;
    size_t queue_bytes;
    struct worker *w;
    _Atomic uint64_t *drops; /* per producer */
    atomic_bool done;
    atomic_uint reopen_gen, stats_gen, capture_gen;
    char *const *sources;
    unsigned nsources;
    pthread_mutex_t cap_lock;
    unsigned ncap;
    sluice_capture_stats cap[MAX_CAPTURE];
    char cap_names[MAX_CAPTURE][32];
};

struct sl_workers *sl_workers_new(unsigned nworkers, unsigned nproducers, size_t queue_bytes,
                                  bool live, int64_t lag_us)
{
    struct sl_workers *ws = calloc(1, sizeof(*ws));
    if (!ws || nworkers == 0 || nproducers == 0)
        goto fail;
    ws->n = nworkers;
    ws->nprod = nproducers;
    ws->live = live;
    ws->lag_us = lag_us;
    ws->queue_bytes = queue_bytes;
    pthread_mutex_init(&ws->cap_lock, NULL);
    ws->w = calloc(nworkers, sizeof(*ws->w));
    ws->drops = calloc(nproducers, sizeof(*ws->drops));
    if (!ws->w || !ws->drops)
        goto fail;
    for (unsigned i = 0; i < nworkers; i++) {
        struct worker *w = &ws->w[i];
        w->ws = ws;
        w->id = i;
        w->source = -2;
        w->clock_us = INT64_MIN;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->bell, NULL);
        pthread_cond_init(&w->room, NULL);
        w->q = calloc(nproducers, sizeof(*w->q));
        if (!w->q)
            goto fail;
        for (unsigned p = 0; p < nproducers; p++)
            if (sl_spsc_init(&w->q[p], queue_bytes) != 0)
                goto fail;
    }
    return ws;
fail:
    sl_workers_free(ws);
    return NULL;
}

void sl_workers_free(struct sl_workers *ws)
{
    if (!ws)
        return;
    for (unsigned i = 0; ws->w && i < ws->n; i++) {
        struct worker *w = &ws->w[i];
        for (unsigned p = 0; w->q && p < ws->nprod; p++)
            sl_spsc_free(&w->q[p]);
        free(w->q);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->bell);
        pthread_cond_destroy(&w->room);
    }
    free(ws->w);
    free(ws->drops);
    pthread_mutex_destroy(&ws->cap_lock);
    free(ws);
}

unsigned sl_workers_count(const struct sl_workers *ws)
{
    return ws->n;
}

void sl_workers_set_engine(struct sl_workers *ws, unsigned i, sluice_engine *eng)
{
    ws->w[i].eng = eng;
}

sluice_engine *sl_workers_engine(const struct sl_workers *ws, unsigned i)
{
    return ws->w[i].eng;
}

void sl_workers_set_sources(struct sl_workers *ws, char *const *names, unsigned n)
{
    ws->sources = names;
    ws->nsources = n;
}

static void ring(struct worker *w)
{
    if (atomic_load(&w->sleeping)) {
        pthread_mutex_lock(&w->lock);
        pthread_cond_signal(&w->bell);
        pthread_mutex_unlock(&w->lock);
    }
}

/*
 * Until the worker has drained half the queue.  Waking at every packet it
 * freed (100 us naps) was a context switch each way every few hundred
 * packets, most of the cost of two workers sharing two cores with the reader.
 */
static void wait_for_room(struct worker *w, struct sl_spsc *q)
{
    struct timespec until = sl_deadline_in(ROOM_WAIT_MS);
    pthread_mutex_lock(&w->lock);
    atomic_store(&w->reader_waiting, 1);
    if (sl_spsc_used(q) > q->size / 2)
        pthread_cond_timedwait(&w->room, &w->lock, &until);
    atomic_store(&w->reader_waiting, 0);
    pthread_mutex_unlock(&w->lock);
}

/* The worker's side: a waiting reader is woken once its queue is half empty. */
static void give_room(struct worker *w, struct sl_spsc *q)
{
    if (atomic_load(&w->reader_waiting) && sl_spsc_used(q) <= q->size / 2) {
        pthread_mutex_lock(&w->lock);
        pthread_cond_signal(&w->room);
        pthread_mutex_unlock(&w->lock);
    }
}

enum sl_decode_result sl_workers_decode(const sluice_packet *in, struct sl_qdecoded *dec)
{
    struct sl_packet *p = &dec->pkt;
    enum sl_decode_result r = sl_decode_input(in, p);
    dec->l3_off = p->l3 ? (uint32_t)(p->l3 - in->data) : UINT32_MAX;
    dec->payload_off = p->payload ? (uint32_t)(p->payload - in->data) : UINT32_MAX;
    dec->result = (int32_t)r;
    p->data = p->l3 = p->payload = NULL; /* the queued copy is elsewhere */
    return r;
}

int sl_workers_push(struct sl_workers *ws, unsigned prod, unsigned wi, const struct sl_qpkt *hdr,
                    const struct sl_qdecoded *dec, const uint8_t *data, bool block)
{
    struct worker *w = &ws->w[wi];
    struct sl_spsc *q = &w->q[prod];
    size_t dlen = dec ? sizeof(*dec) : 0;
    if (hdr->caplen > sl_spsc_max_packet(q, dlen)) {
        atomic_fetch_add(&ws->drops[prod], 1);
        return -1;
    }
    while (!sl_spsc_push(q, hdr, dec, dlen, data)) {
        if (!block) {
            atomic_fetch_add(&ws->drops[prod], 1);
            return -1;
        }
        /* Replay: the reader waits for the worker; nothing is lost. */
        ring(w);
        w->unrung = 0;
        wait_for_room(w, q);
    }
    if (!block || ++w->unrung >= RING_BATCH) {
        ring(w);
        w->unrung = 0;
    }
    return 0;
}

bool sl_workers_behind(struct sl_workers *ws, unsigned prod, unsigned wi)
{
    struct sl_spsc *q = &ws->w[wi].q[prod];
    return sl_spsc_used(q) > q->size / 2;
}

uint64_t sl_workers_queue_drops(const struct sl_workers *ws, unsigned prod)
{
    return atomic_load(&ws->drops[prod]);
}

void sl_workers_request_reopen(struct sl_workers *ws)
{
    atomic_fetch_add(&ws->reopen_gen, 1);
    for (unsigned i = 0; i < ws->n; i++)
        ring(&ws->w[i]);
}

void sl_workers_request_stats(struct sl_workers *ws)
{
    atomic_fetch_add(&ws->stats_gen, 1);
    for (unsigned i = 0; i < ws->n; i++)
        ring(&ws->w[i]);
}

void sl_workers_poll_signals(struct sl_workers *ws)
{
    if (sl_signals_take_reopen())
        sl_workers_request_reopen(ws);
    if (sl_signals_take_stats())
        sl_workers_request_stats(ws);
}

void sl_workers_set_capture(struct sl_workers *ws, const sluice_capture_stats *src, unsigned n)
{
    pthread_mutex_lock(&ws->cap_lock);
    ws->ncap = n < MAX_CAPTURE ? n : MAX_CAPTURE;
    for (unsigned i = 0; i < ws->ncap; i++) {
        snprintf(ws->cap_names[i], sizeof(ws->cap_names[i]), "%s", src[i].name ? src[i].name : "");
        ws->cap[i] = src[i];
        ws->cap[i].name = ws->cap_names[i];
    }
    pthread_mutex_unlock(&ws->cap_lock);
    atomic_fetch_add(&ws->capture_gen, 1);
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One packet into the engine, with the reader's clock and the packet's place in its file. */
static void feed(struct worker *w, const struct sl_qpkt *h)
{
    struct sl_workers *ws = w->ws;
    if (h->source != w->source) {
        w->source = h->source;
        sluice_engine_set_source(w->eng, h->source >= 0 && (unsigned)h->source < ws->nsources
                                             ? ws->sources[h->source]
                                             : NULL);
    }
    /* Replay: the engine's clock is where a single engine's would be (the newest packet read
     * so far, whichever worker it went to), so timeouts and windows run the same. */
    if (h->clock_us > w->clock_us) {
        w->clock_us = h->clock_us;
        sluice_engine_advance(w->eng, h->clock_us / 1000000, (uint32_t)(h->clock_us % 1000000));
    }
    if (h->linktype < 0)
        return; /* a clock tick only */
    if (h->pcap_cnt)
        sluice_engine_set_packet_number(w->eng, h->pcap_cnt);
    sluice_packet p = {
        .ts_sec = h->ts_sec,
        .ts_usec = h->ts_usec,
        .linktype = h->linktype,
        .data = sl_qpkt_data(h),
        .caplen = h->caplen,
        .wirelen = h->wirelen,
    };
    if (h->extra < sizeof(struct sl_qdecoded)) {
        sluice_engine_packet(w->eng, &p);
        return;
    }
    const struct sl_qdecoded *d = sl_qpkt_extra(h);
    struct sl_packet pkt = d->pkt;
    pkt.data = p.data;
    pkt.l3 = d->l3_off == UINT32_MAX ? NULL : p.data + d->l3_off;
    pkt.payload = d->payload_off == UINT32_MAX ? NULL : p.data + d->payload_off;
    sl_engine_packet_decoded(w->eng, &p, &pkt, (enum sl_decode_result)d->result);
}

/* Up to `max` packets from each queue in turn; how many were processed. */
static unsigned drain(struct worker *w, unsigned max)
{
    unsigned n = 0;
    for (unsigned p = 0; p < w->ws->nprod; p++) {
        struct sl_spsc *q = &w->q[p];
        const struct sl_qpkt *h;
        for (unsigned k = 0; k < max && (h = sl_spsc_peek(q)); k++, n++) {
            feed(w, h);
            sl_spsc_pop(q, h);
        }
        give_room(w, q);
    }
    return n;
}

static bool all_empty(struct worker *w)
{
    for (unsigned p = 0; p < w->ws->nprod; p++)
        if (!sl_spsc_empty(&w->q[p]))
            return false;
    return true;
}

/* Requests from the main thread, taken between batches. */
static void safe_point(struct worker *w)
{
    struct sl_workers *ws = w->ws;
    unsigned g = atomic_load(&ws->capture_gen);
    if (g != w->capture_seen && w->id == 0) {
        pthread_mutex_lock(&ws->cap_lock);
        sluice_engine_set_capture_stats(w->eng, ws->cap, ws->ncap);
        pthread_mutex_unlock(&ws->cap_lock);
    }
    w->capture_seen = g;
    g = atomic_load(&ws->reopen_gen);
    if (g != w->reopen_seen) {
        w->reopen_seen = g;
        sluice_engine_reopen(w->eng);
    }
    g = atomic_load(&ws->stats_gen);
    if (g != w->stats_seen) {
        w->stats_seen = g;
        sluice_engine_write_stats(w->eng);
    }
}

static void sleep_on_bell(struct worker *w)
{
    struct timespec until = sl_deadline_in(IDLE_WAIT_MS);
    pthread_mutex_lock(&w->lock);
    atomic_store(&w->sleeping, 1);
    if (all_empty(w) && !atomic_load(&w->ws->done))
        pthread_cond_timedwait(&w->bell, &w->lock, &until);
    atomic_store(&w->sleeping, 0);
    pthread_mutex_unlock(&w->lock);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct sl_workers *ws = w->ws;
    for (;;) {
        unsigned n = drain(w, BATCH);
        safe_point(w);
        if (n)
            continue;
        if (atomic_load(&ws->done) && all_empty(w))
            break;
        if (ws->live) {
            /* A quiet link: time still passes, idle flows end and their events go out. */
            int64_t now = wall_us() - ws->lag_us;
            sluice_engine_advance(w->eng, now / 1000000, (uint32_t)(now % 1000000));
        }
        sleep_on_bell(w);
    }
    safe_point(w); /* the last capture counters, before the final stats */
    sluice_engine_flush(w->eng);
    sluice_engine_write_stats(w->eng);
    return NULL;
}

int sl_workers_start(struct sl_workers *ws)
{
    for (unsigned i = 0; i < ws->n; i++) {
        int r = pthread_create(&ws->w[i].th, NULL, worker_main, &ws->w[i]);
        if (r != 0) {
            errno = r;
            sl_workers_finish(ws);
            return -1;
        }
        ws->w[i].started = true;
    }
    return 0;
}

void sl_workers_finish(struct sl_workers *ws)
{
    atomic_store(&ws->done, true);
    for (unsigned i = 0; i < ws->n; i++) {
        struct worker *w = &ws->w[i];
        ring(w);
        if (w->started) {
            pthread_join(w->th, NULL);
            w->started = false;
        }
    }
}
