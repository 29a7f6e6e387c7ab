/*
 * hosts.h - per internal host state: what P2P a host has been seen doing, so
 * its other flows can be judged in that light, and which alerts about it were
 * written lately, so repeats can be rate-limited.
 *
 * A fixed array under a cap (hosts.max), a hash of chained indices, and one
 * least-recently-seen list: when the table is full the host seen longest ago
 * is forgotten and counted.  Nothing is allocated per packet.
 */
#ifndef SLUICE_HOSTS_H
#define SLUICE_HOSTS_H

#include <stdbool.h>
#include <stdint.h>

#include "egress.h"

#define SL_HOST_PORTS      4
#define SL_HOST_RATE_SLOTS 8
#define SL_HOST_SERVED     16
#define SL_HOST_PEERS      16

struct sl_rate_slot {
    uint64_t key; /* hash of (signature, info_hash); 0 = free */
    int64_t last_us;
    uint32_t suppressed;
};

struct sl_host {
    uint8_t addr[16];
    uint8_t family;
    uint8_t nports;
    uint16_t listen_port[SL_HOST_PORTS]; /* ports its P2P client accepts peers on */
    uint32_t hnext, lprev, lnext;        /* index + 1; 0 = none */
    int64_t last_seen_us;
    int64_t lru_us;      /* last_seen_us when it last moved to the LRU's end (hosts.c) */
    int64_t p2p_last_us; /* last payload evidence of P2P from or to it; 0 = never */
    uint32_t p2p_flows;
    uint16_t p2p_proto; /* the nDPI id of the P2P protocol last seen from it */
    uint32_t inferred_flows;
    uint8_t nserved;                 /* torrents it served (answered peers for) */
    uint64_t served[SL_HOST_SERVED]; /* their info_hashes' first 8 bytes */
    uint8_t npeers, next_peer;
    uint64_t peer[SL_HOST_PEERS]; /* recent P2P peers (a hash of address and port), a ring */
    struct sl_rate_slot rate[SL_HOST_RATE_SLOTS];
    struct sl_egress_host egress; /* upload windows and destinations (egress.h) */
};

struct sl_host_table;

struct sl_host_table *sl_host_table_new(uint32_t max_hosts, uint64_t seed);
void sl_host_table_free(struct sl_host_table *t);

/*
 * The host with this address, marked seen at `now_us`; created when missing
 * (evicting the least recently seen host when full).  NULL only if max is 0.
 */
struct sl_host *sl_host_get(struct sl_host_table *t, int family, const uint8_t *addr,
                            int64_t now_us);

/*
 * sl_host_get with a hint: `*hint` (0 at first) remembers where the host was,
 * so a flow finds its host again without hashing; a stale hint (the host was
 * forgotten since) falls back to the lookup and is updated.
 */
struct sl_host *sl_host_get_hint(struct sl_host_table *t, int family, const uint8_t *addr,
                                 int64_t now_us, uint32_t *hint);

/* The host if known, without touching it. */
struct sl_host *sl_host_find(struct sl_host_table *t, int family, const uint8_t *addr);

/* Remember an external peer (address and port) of one of the host's P2P flows. */
void sl_host_add_peer(struct sl_host *h, int family, const uint8_t *addr, uint16_t port);
bool sl_host_has_peer(const struct sl_host *h, int family, const uint8_t *addr, uint16_t port);

/* Remember a port the host's P2P client listens on (at most SL_HOST_PORTS, oldest dropped). */
void sl_host_add_port(struct sl_host *h, uint16_t port);
bool sl_host_has_port(const struct sl_host *h, uint16_t port);

/*
 * Rate limiting: true when an alert with this key may be written now (and
 * *suppressed gets how many were held back since the last one written);
 * false when one was written less than `interval_us` ago (counted).
 */
bool sl_host_rate_ok(struct sl_host *h, uint64_t key, int64_t now_us, int64_t interval_us,
                     uint32_t *suppressed);

uint32_t sl_host_count(const struct sl_host_table *t);
uint64_t sl_host_evicted(const struct sl_host_table *t);
uint64_t sl_host_table_bytes(const struct sl_host_table *t);

#endif
