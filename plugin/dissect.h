/*
 * dissect.h - the engine's side of sluice's own P2P dissectors: which flows
 * get one, the bounded pool their per-flow state comes from, and what that
 * state says.
 */
#ifndef SLUICE_DISSECT_H
#define SLUICE_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "packet.h"

struct sl_bt_flow;
struct sl_dht_flow;
struct sl_utp_flow;
struct sl_tracker;
struct sl_ed2k_flow;
struct sl_gnut_flow;
struct sl_gnut_udp;

#define SL_DISSECT_KINDS 7

struct sl_dissect_pool {
    struct sl_dissect_item *free_items[SL_DISSECT_KINDS]; /* one free list per kind (size) */
    uint32_t allocated, max, in_use;
    uint64_t bytes; /* allocated: states stay resident once the pool has grown */
    uint64_t full;  /* flows a dissector matched while every state was in use */
};

void sl_dissect_pool_init(struct sl_dissect_pool *p, uint32_t max);
void sl_dissect_pool_free(struct sl_dissect_pool *p);

/*
 * Give one TCP segment or UDP datagram of `f` (direction `dir`: 0 to server)
 * to the dissectors: the first payloads are probed (BitTorrent peer wire on
 * TCP; DHT and uTP on UDP), and a flow that matches gets state and is followed
 * from then on.  Returns true when this packet gave new evidence: a BitTorrent
 * handshake completed, the first DHT message, a uTP connection confirmed.
 */
bool sl_dissect_packet(struct sl_dissect_pool *p, struct sl_flow *f, const struct sl_packet *pkt,
                       int dir);

/* Return the flow's dissector state to the pool (flow ending). */
void sl_dissect_end(struct sl_dissect_pool *p, struct sl_flow *f);

/* The flow's state of each kind, or NULL. */
const struct sl_bt_flow *sl_dissect_bt(const struct sl_flow *f);
const struct sl_dht_flow *sl_dissect_dht(const struct sl_flow *f);
const struct sl_utp_flow *sl_dissect_utp(const struct sl_flow *f);
const struct sl_tracker *sl_dissect_tracker(const struct sl_flow *f);
const struct sl_ed2k_flow *sl_dissect_ed2k(const struct sl_flow *f);
const struct sl_gnut_flow *sl_dissect_gnut(const struct sl_flow *f);
const struct sl_gnut_udp *sl_dissect_gnut_udp(const struct sl_flow *f);

/* The nDPI protocol id of what sluice's own dissector found (BitTorrent, eDonkey, Gnutella). */
uint16_t sl_dissect_protocol(const struct sl_flow *f);

/*
 * sluice's own evidence of the flow's P2P protocol: "handshake" (BitTorrent
 * peer wire over TCP or uTP, or Gnutella's), "utp" (a confirmed uTP
 * connection), "dht" (KRPC messages), "hello" (eDonkey), "message" (Gnutella
 * over UDP), "tracker", "lsd" or "magnet"; or NULL.
 */
const char *sl_dissect_evidence(const struct sl_flow *f);

/* True when that evidence is of a session with a peer (not a tracker, LSD or magnet link). */
bool sl_dissect_is_session(const struct sl_flow *f);

/* True when a BitTorrent peer-wire handshake was seen either way (TCP). */
bool sl_dissect_bt_handshake(const struct sl_flow *f);

/* Bytes the largest dissector state takes (a peer-wire flow's); others are smaller. */
size_t sl_dissect_state_size(void);
/* Bytes the pool holds (states in use and free ones kept for reuse). */
uint64_t sl_dissect_pool_bytes(const struct sl_dissect_pool *p);

#endif
