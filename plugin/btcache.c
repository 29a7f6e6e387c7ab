/*
 * btcache.c - see btcache.h.  Keys are 64-bit fingerprints of an endpoint
 * (address, port, transport-independent) or of a pair of addresses; a
 * collision between two fingerprints can name a flow wrongly, at odds of
 * about one in 2^64 per lookup, where nDPI's 32-bit `ip + 3 * port` keys
 * collide on purpose-built traffic.
 */
#include <stdlib.h>
#include <string.h>

#include "btcache.h"

/* A 64-bit mix (splitmix64's finaliser): every input bit moves every output bit. */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

static uint64_t fold_addr(const uint8_t a[16], uint64_t seed)
{
    uint64_t hi, lo;
    memcpy(&hi, a, 8);
    memcpy(&lo, a + 8, 8);
    return mix(mix(seed ^ hi) ^ lo);
}

static uint64_t endpoint_key(const uint8_t a[16], uint16_t port)
{
    uint64_t k = mix(fold_addr(a, 0x45) ^ port);
    return k ? k : 1;
}

/* The same for (a, b) and (b, a): the pair has no direction. */
static uint64_t pair_key(const uint8_t a[16], const uint8_t b[16])
{
    uint64_t x = fold_addr(a, 0x50), y = fold_addr(b, 0x50);
    uint64_t k = mix(x + y) ^ mix(x ^ y);
    return k ? k : 1;
}

bool sl_btcache_init(struct sl_btcache *c)
{
    memset(c, 0, sizeof(*c));
    c->slot = calloc(SL_BTCACHE_ENTRIES, sizeof(*c->slot));
    return c->slot != NULL;
}

void sl_btcache_fini(struct sl_btcache *c)
{
    free(c->slot);
    c->slot = NULL;
}

static void put(struct sl_btcache *c, uint64_t k)
{
    uint64_t *s = &c->slot[k % SL_BTCACHE_ENTRIES];
    if (*s == k)
        return;
    if (*s)
        c->evicted++;
    *s = k;
    c->inserted++;
}

static bool has(const struct sl_btcache *c, uint64_t k)
{
    return c->slot[k % SL_BTCACHE_ENTRIES] == k;
}

void sl_btcache_add(struct sl_btcache *c, const struct sl_flow *f)
{
    if (!c->slot)
        return;
    const struct sl_flow_key *k = &f->key;
    bool client_a = f->flags & SL_FF_CLIENT_IS_A;
    const uint8_t *cli = client_a ? k->a : k->b;
    uint16_t cport = client_a ? k->pa : k->pb;
    put(c, endpoint_key(k->a, k->pa));
    put(c, endpoint_key(k->b, k->pb));
    put(c, pair_key(k->a, k->b));
    put(c, endpoint_key(cli, (uint16_t)(cport + 1)));
}

bool sl_btcache_match(struct sl_btcache *c, const struct sl_flow *f)
{
    if (!c->slot)
        return false;
    const struct sl_flow_key *k = &f->key;
    bool hit = has(c, pair_key(k->a, k->b)) || has(c, endpoint_key(k->a, k->pa)) ||
               has(c, endpoint_key(k->b, k->pb));
    if (hit)
        c->hits++;
    return hit;
}
