/*
 * btcache.h - the endpoints of flows known to be BitTorrent, so a later flow
 * with no payload to read (a retried uTP SYN, a second socket to the same
 * peer) is named BitTorrent too.
 *
 * nDPI 4.2 keeps such a cache, but fills it only from its own BitTorrent
 * dissector and its struct is private: a flow that sluice's dissector
 * settles (ndpi.defer_to_dissectors) never reaches it.  This one is fed by
 * both and read where nDPI would otherwise end a flow Unknown or guessed.
 *
 * Direct-mapped, fixed size, allocated once: a new key takes its slot from
 * whatever held it, and that is counted as an eviction.
 */
#ifndef SLUICE_BTCACHE_H
#define SLUICE_BTCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"

/* As nDPI 4.2 sizes its own: 8 bytes each, 256 KiB per worker. */
#define SL_BTCACHE_ENTRIES 32768u

struct sl_btcache {
    uint64_t *slot; /* a key's fingerprint, 0: empty */
    uint64_t inserted, evicted, hits;
};

bool sl_btcache_init(struct sl_btcache *c);
void sl_btcache_fini(struct sl_btcache *c);

/*
 * `f` is BitTorrent: remember both endpoints, the pair of hosts, and the
 * client's next port (a client opens its sockets in sequence), as nDPI does.
 */
void sl_btcache_add(struct sl_btcache *c, const struct sl_flow *f);

/* Whether an endpoint of `f`, or its pair of hosts, was seen in BitTorrent. */
bool sl_btcache_match(struct sl_btcache *c, const struct sl_flow *f);

#endif
