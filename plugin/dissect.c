/*
 * dissect.c - attach sluice's own dissectors to flows.  A TCP flow's first
 * payload segments (both ways) are probed; one that opens with a BitTorrent
 * handshake gets peer-wire state from a pool capped at p2p.max_flows and is
 * followed to its end.  Everything else costs one probe per early segment.
 */
#include <stdlib.h>

#include "bt-wire.h"
#include "dissect.h"

/* Payload segments probed per flow before giving up on it. */
#define MAX_PROBES 8

struct sl_dissect_item {
    struct sl_bt_flow bt; /* first member: a flow's pointer is the item's */
    struct sl_dissect_item *next;
};

void sl_dissect_pool_init(struct sl_dissect_pool *p, uint32_t max)
{
    p->free_items = NULL;
    p->allocated = p->in_use = 0;
    p->max = max;
    p->full = 0;
}

void sl_dissect_pool_free(struct sl_dissect_pool *p)
{
    while (p->free_items) {
        struct sl_dissect_item *it = p->free_items;
        p->free_items = it->next;
        free(it);
    }
}

static struct sl_bt_flow *acquire(struct sl_dissect_pool *p)
{
    struct sl_dissect_item *it = p->free_items;
    if (it) {
        p->free_items = it->next;
    } else {
        /* The pool grows to its cap, then only recycles. */
        if (p->allocated >= p->max || !(it = malloc(sizeof(*it)))) {
            p->full++;
            return NULL;
        }
        p->allocated++;
    }
    p->in_use++;
    sl_bt_flow_init(&it->bt);
    return &it->bt;
}

void sl_dissect_end(struct sl_dissect_pool *p, struct sl_flow *f)
{
    if (!f->bt)
        return;
    struct sl_dissect_item *it = (struct sl_dissect_item *)f->bt;
    it->next = p->free_items;
    p->free_items = it;
    p->in_use--;
    f->bt = NULL;
}

bool sl_dissect_tcp(struct sl_dissect_pool *p, struct sl_flow *f, const struct sl_packet *pkt,
                    int dir)
{
    if (!pkt->payload_len)
        return false;
    if (!f->bt) {
        if (f->probes >= MAX_PROBES || (f->flags & SL_FF_P2P_SKIPPED))
            return false;
        if (!sl_bt_probe(pkt->payload, pkt->payload_caplen)) {
            f->probes++;
            return false;
        }
        if (!(f->bt = acquire(p))) {
            f->flags |= SL_FF_P2P_SKIPPED;
            return false;
        }
    }
    bool before = f->bt->dir[dir].handshake;
    sl_bt_feed(f->bt, dir, pkt->tcp_seq, pkt->payload, pkt->payload_caplen, pkt->payload_len);
    return !before && f->bt->dir[dir].handshake;
}

bool sl_dissect_bt_handshake(const struct sl_flow *f)
{
    return f->bt && (f->bt->dir[0].handshake || f->bt->dir[1].handshake);
}

size_t sl_dissect_state_size(void)
{
    return sizeof(struct sl_dissect_item);
}
