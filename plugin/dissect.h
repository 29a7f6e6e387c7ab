/*
 * dissect.h - the engine's side of sluice's own P2P dissectors: which flows
 * get one, and the bounded pool their per-flow state comes from.
 */
#ifndef SLUICE_DISSECT_H
#define SLUICE_DISSECT_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "packet.h"

struct sl_dissect_pool {
    struct sl_dissect_item *free_items;
    uint32_t allocated, max, in_use;
    uint64_t full; /* flows a dissector matched while every state was in use */
};

void sl_dissect_pool_init(struct sl_dissect_pool *p, uint32_t max);
void sl_dissect_pool_free(struct sl_dissect_pool *p);

/*
 * Give one TCP segment of `f` (direction `dir`: 0 to server) to the
 * dissectors: the first payload segments are probed, and a flow that matches
 * gets state and is followed from then on.  Returns true when this segment
 * completed a BitTorrent handshake.
 */
bool sl_dissect_tcp(struct sl_dissect_pool *p, struct sl_flow *f, const struct sl_packet *pkt,
                    int dir);

/* Return the flow's dissector state to the pool (flow ending). */
void sl_dissect_end(struct sl_dissect_pool *p, struct sl_flow *f);

/* True when the flow's BitTorrent state has seen a handshake either way. */
bool sl_dissect_bt_handshake(const struct sl_flow *f);

/* Bytes one flow's dissector state takes. */
size_t sl_dissect_state_size(void);

#endif
