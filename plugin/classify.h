/*
 * classify.h - nDPI behind a small interface: per-flow state from a bounded
 * pool, fed a flow's first packets until nDPI names it or a packet budget
 * runs out, then freed.
 */
#ifndef SLUICE_CLASSIFY_H
#define SLUICE_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "packet.h"
#include "sluice.h"

struct sl_classifier;

/*
 * After nDPI's first verdict, does the flow stay with nDPI while it says more
 * may come?  In the order of ndpi.extra_dissection's values.
 */
enum sl_extra {
    SL_EXTRA_ALL,     /* yes, as ndpiReader does */
    SL_EXTRA_UNNAMED, /* while the verdict names only a carrier (TLS, not TLS.BitTorrent or
                         BitTorrent) */
    SL_EXTRA_NONE,    /* no: classification ends at the first verdict */
};

/*
 * nDPI's module with every protocol enabled and at most `max_states` flows in
 * classification at once; with `bt_cache`, sluice's BitTorrent endpoint cache
 * (btcache.h) beside nDPI's, as ndpi.defer_to_dissectors needs.  NULL with
 * err filled.
 */
struct sl_classifier *sl_classifier_new(uint32_t max_states, bool bt_cache, sluice_error *err);

/* The BitTorrent endpoint cache, for its counters (slot NULL when off). */
const struct sl_btcache *sl_classify_btcache(const struct sl_classifier *c);
void sl_classifier_free(struct sl_classifier *c);

/* Give flow `f` an nDPI state.  False when all `max_states` are in use: the
 * flow goes unclassified (the caller counts it). */
bool sl_classify_begin(struct sl_classifier *c, struct sl_flow *f);

/*
 * Feed one packet of `f` to nDPI.  Returns true when classification ended
 * with this packet: nDPI named the flow (and, with `extra`, has nothing more
 * to learn of it), or `max_packets` were given and nDPI's guess was taken.  Then f->master_proto,
 * app_proto and confidence are set, SL_FF_CLASSIFIED is on and the state is back in the pool.
 */
bool sl_classify_packet(struct sl_classifier *c, struct sl_flow *f, const struct sl_packet *pkt,
                        uint32_t max_packets, enum sl_extra extra);

/*
 * End classification with sluice's own verdict: `app` (an nDPI id) found by a
 * dissector in the payload.  Sets SL_FF_BY_DISSECTOR and frees the state; a
 * BitTorrent verdict's endpoints go into the BitTorrent cache (btcache.h).
 */
void sl_classify_settle(struct sl_classifier *c, struct sl_flow *f, uint16_t app);

/* End classification now (flow ending or gone quiet): take nDPI's guess, free the state. */
void sl_classify_giveup(struct sl_classifier *c, struct sl_flow *f);

/* A packet of `f` was seen (f->last_us set): its state (if any) becomes the most recently
 * used, to within a second of packet time. */
void sl_classify_touch(struct sl_classifier *c, struct sl_flow *f);

/* The flow whose nDPI state has gone longest without a packet (to within a second), or NULL. */
struct sl_flow *sl_classify_least_recent(const struct sl_classifier *c);

/* nDPI's name for a protocol id ("BitTorrent"), "Unknown" for 0. */
const char *sl_classify_proto_name(const struct sl_classifier *c, uint16_t id);

/* "dpi", "dpi-cache", "port", "ip", "unknown": how nDPI decided. */
const char *sl_classify_confidence_name(uint8_t confidence);

/* States in use now and the most ever in use. */
uint32_t sl_classify_states_in_use(const struct sl_classifier *c);

/* Bytes one nDPI state takes (for stats and the README's memory table). */
size_t sl_classify_state_size(void);

#endif
