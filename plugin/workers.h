/*
 * workers.h - worker threads, one engine each (engines are single-threaded).
 *
 * Producers (the replay reader, or one capture thread per pcap handle) copy
 * packets into bounded single-producer queues, one per (producer, worker);
 * sl_dispatch_worker picks the worker.  A worker drains its queues into its
 * engine, and between batches (a safe point) reopens outputs, writes stats
 * and takes new capture counters when asked.  On a quiet live link it moves
 * its engine's clock with the wall clock, so idle flows still end on time.
 */
#ifndef SLUICE_WORKERS_H
#define SLUICE_WORKERS_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "packet.h"
#include "sluice.h"
#include "spsc.h"

/*
 * A packet as its producer decoded it, queued before the packet's bytes: a
 * replay's reader decodes each packet anyway to pick its worker, and a
 * worker that decodes it again does so on the busiest thread.  Pointers are
 * offsets from the packet's first byte (UINT32_MAX: none); the worker turns
 * them back into pointers into the queued copy.
 */
struct sl_qdecoded {
    struct sl_packet pkt; /* data, l3 and payload are left NULL */
    uint32_t l3_off, payload_off;
    int32_t result; /* enum sl_decode_result */
};

struct sl_workers;

/*
 * nworkers engines' threads, fed by nproducers producers, queue_bytes per
 * queue.  `live`: packets carry capture time and an idle worker advances
 * its engine to the wall clock less `lag_us` (what a packet may still be in
 * flight).  NULL when out of memory.
 */
struct sl_workers *sl_workers_new(unsigned nworkers, unsigned nproducers, size_t queue_bytes,
                                  bool live, int64_t lag_us);
void sl_workers_free(struct sl_workers *ws);

unsigned sl_workers_count(const struct sl_workers *ws);

/* Give worker i its engine (before start); the workers never free it. */
void sl_workers_set_engine(struct sl_workers *ws, unsigned i, sluice_engine *eng);
sluice_engine *sl_workers_engine(const struct sl_workers *ws, unsigned i);

/* Replay: the file names packets' `source` indexes (borrowed until sl_workers_finish). */
void sl_workers_set_sources(struct sl_workers *ws, char *const *names, unsigned n);

/* Start the threads; 0, or -1 (errno). */
int sl_workers_start(struct sl_workers *ws);

/*
 * Queue a packet from producer `prod` for worker `w`, with how it decoded
 * (NULL: the worker decodes it).  `block`: wait for room (replay: nothing is
 * dropped); otherwise a full queue drops the packet and counts it
 * (sl_workers_queue_drops).  0 queued, -1 dropped (or too large).
 */
int sl_workers_push(struct sl_workers *ws, unsigned prod, unsigned w, const struct sl_qpkt *hdr,
                    const struct sl_qdecoded *dec, const uint8_t *data, bool block);

/* Whether worker `w`'s queue from `prod` is over half full: the worker is the slower side. */
bool sl_workers_behind(struct sl_workers *ws, unsigned prod, unsigned w);

/* Decode a packet for sl_workers_push (what sl_decode_packet returns). */
enum sl_decode_result sl_workers_decode(const sluice_packet *in, struct sl_qdecoded *dec);

/* Packets producer `prod` could not queue, over all workers. */
uint64_t sl_workers_queue_drops(const struct sl_workers *ws, unsigned prod);

/* Ask every worker, at its next safe point, to reopen outputs / write a stats event. */
void sl_workers_request_reopen(struct sl_workers *ws);
void sl_workers_request_stats(struct sl_workers *ws);

/* Act on SIGHUP/SIGUSR1 received (signals.h): forwards them as requests. */
void sl_workers_poll_signals(struct sl_workers *ws);

/*
 * New capture counters (copied): worker 0 attaches them to its stats events,
 * so they are counted once for the whole sensor.
 */
void sl_workers_set_capture(struct sl_workers *ws, const sluice_capture_stats *src, unsigned n);

/*
 * No more packets: each worker drains its queues, ends every flow (flow
 * events), writes its final stats event and flushes; returns once all
 * threads have exited.
 */
void sl_workers_finish(struct sl_workers *ws);

#endif
