/*
 * hosts.c - the internal host table: preallocated, seeded hash, LRU eviction.
 */
#include <stdlib.h>
#include <string.h>

#include "hosts.h"

#define LRU_MOVE_US 1000000

struct sl_host_table {
    struct sl_host *hosts;
    uint32_t max, count, free_head, mask;
    uint32_t *buckets;
    uint32_t head, tail; /* least recently seen at head */
    uint64_t seed, evicted;
};

static struct sl_host *at(struct sl_host_table *t, uint32_t i)
{
    return i ? &t->hosts[i - 1] : NULL;
}

static uint32_t idx(const struct sl_host_table *t, const struct sl_host *h)
{
    return (uint32_t)(h - t->hosts) + 1;
}

struct sl_host_table *sl_host_table_new(uint32_t max_hosts, uint64_t seed)
{
    struct sl_host_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    uint32_t buckets = 16;
    while (buckets < max_hosts && buckets < (1u << 30))
        buckets <<= 1;
    t->hosts = calloc(max_hosts ? max_hosts : 1, sizeof(struct sl_host));
    t->buckets = calloc(buckets, sizeof(uint32_t));
    if (!t->hosts || !t->buckets) {
        sl_host_table_free(t);
        return NULL;
    }
    t->max = max_hosts;
    t->mask = buckets - 1;
    t->seed = seed;
    return t;
}

void sl_host_table_free(struct sl_host_table *t)
{
    if (!t)
        return;
    free(t->hosts);
    free(t->buckets);
    free(t);
}

static uint32_t hash(const struct sl_host_table *t, int family, const uint8_t *addr)
{
    uint64_t h = t->seed ^ (uint64_t)family;
    for (int i = 0; i < (family == 6 ? 16 : 4); i++)
        h = (h ^ addr[i]) * 0x100000001b3ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return (uint32_t)(h ^ (h >> 32));
}

static bool same(const struct sl_host *h, int family, const uint8_t *addr)
{
    return h->family == family && memcmp(h->addr, addr, family == 6 ? 16 : 4) == 0;
}

struct sl_host *sl_host_find(struct sl_host_table *t, int family, const uint8_t *addr)
{
    for (uint32_t i = t->buckets[hash(t, family, addr) & t->mask]; i; i = at(t, i)->hnext)
        if (same(at(t, i), family, addr))
            return at(t, i);
    return NULL;
}

static void unlink_lru(struct sl_host_table *t, struct sl_host *h)
{
    if (h->lprev)
        at(t, h->lprev)->lnext = h->lnext;
    else
        t->head = h->lnext;
    if (h->lnext)
        at(t, h->lnext)->lprev = h->lprev;
    else
        t->tail = h->lprev;
    h->lprev = h->lnext = 0;
}

static void append_lru(struct sl_host_table *t, struct sl_host *h)
{
    h->lprev = t->tail;
    h->lnext = 0;
    if (t->tail)
        at(t, t->tail)->lnext = idx(t, h);
    else
        t->head = idx(t, h);
    t->tail = idx(t, h);
}

/*
 * Seen at now_us: to the LRU's end, at most once a second of packet time.
 * Moving touched two neighbours, cold hosts, at every packet; the host
 * evicted is then the one seen longest ago to within that second.
 */
static void touch_lru(struct sl_host_table *t, struct sl_host *h, int64_t now_us)
{
    if (t->tail != idx(t, h) && now_us - h->lru_us >= LRU_MOVE_US) {
        unlink_lru(t, h);
        append_lru(t, h);
        h->lru_us = now_us;
    }
}

static void remove_host(struct sl_host_table *t, struct sl_host *h)
{
    uint32_t *link = &t->buckets[hash(t, h->family, h->addr) & t->mask];
    while (*link && *link != idx(t, h))
        link = &at(t, *link)->hnext;
    if (*link)
        *link = h->hnext;
    unlink_lru(t, h);
    h->hnext = t->free_head;
    h->family = 0; /* free: no hint matches it */
    t->free_head = idx(t, h);
    t->count--;
}

struct sl_host *sl_host_get(struct sl_host_table *t, int family, const uint8_t *addr,
                            int64_t now_us)
{
    struct sl_host *h = sl_host_find(t, family, addr);
    if (!h) {
        if (t->max == 0)
            return NULL;
        if (t->count == t->max) {
            remove_host(t, at(t, t->head)); /* the host seen longest ago */
            t->evicted++;
        }
        if (t->free_head) {
            h = at(t, t->free_head);
            t->free_head = h->hnext;
        } else {
            h = &t->hosts[t->count]; /* never used yet: slots fill in order */
        }
        memset(h, 0, sizeof(*h));
        h->lru_us = now_us;
        h->family = (uint8_t)family;
        memcpy(h->addr, addr, family == 6 ? 16 : 4);
        uint32_t b = hash(t, family, addr) & t->mask;
        h->hnext = t->buckets[b];
        t->buckets[b] = idx(t, h);
        append_lru(t, h);
        t->count++;
    } else {
        touch_lru(t, h, now_us);
    }
    if (now_us > h->last_seen_us)
        h->last_seen_us = now_us;
    return h;
}

struct sl_host *sl_host_get_hint(struct sl_host_table *t, int family, const uint8_t *addr,
                                 int64_t now_us, uint32_t *hint)
{
    struct sl_host *h = *hint && *hint <= t->max ? at(t, *hint) : NULL;
    if (h && same(h, family, addr)) {
        touch_lru(t, h, now_us);
        if (now_us > h->last_seen_us)
            h->last_seen_us = now_us;
        return h;
    }
    h = sl_host_get(t, family, addr, now_us);
    *hint = h ? idx(t, h) : 0;
    return h;
}

static uint64_t peer_key(int family, const uint8_t *addr, uint16_t port)
{
    uint64_t k = 0xcbf29ce484222325ull ^ (uint64_t)family;
    for (int i = 0; i < (family == 6 ? 16 : 4); i++)
        k = (k ^ addr[i]) * 0x100000001b3ull;
    k = (k ^ port) * 0x100000001b3ull;
    return k ? k : 1;
}

void sl_host_add_peer(struct sl_host *h, int family, const uint8_t *addr, uint16_t port)
{
    if (sl_host_has_peer(h, family, addr, port))
        return;
    h->peer[h->next_peer] = peer_key(family, addr, port);
    h->next_peer = (uint8_t)((h->next_peer + 1) % SL_HOST_PEERS);
    if (h->npeers < SL_HOST_PEERS)
        h->npeers++;
}

bool sl_host_has_peer(const struct sl_host *h, int family, const uint8_t *addr, uint16_t port)
{
    uint64_t k = peer_key(family, addr, port);
    for (unsigned i = 0; i < h->npeers; i++)
        if (h->peer[i] == k)
            return true;
    return false;
}

void sl_host_add_port(struct sl_host *h, uint16_t port)
{
    if (!port || sl_host_has_port(h, port))
        return;
    if (h->nports == SL_HOST_PORTS) {
        memmove(h->listen_port, h->listen_port + 1, (SL_HOST_PORTS - 1) * sizeof(uint16_t));
        h->nports--;
    }
    h->listen_port[h->nports++] = port;
}

bool sl_host_has_port(const struct sl_host *h, uint16_t port)
{
    for (unsigned i = 0; i < h->nports; i++)
        if (h->listen_port[i] == port)
            return true;
    return false;
}

bool sl_host_rate_ok(struct sl_host *h, uint64_t key, int64_t now_us, int64_t interval_us,
                     uint32_t *suppressed)
{
    if (!key)
        key = 1; /* 0 marks a free slot */
    struct sl_rate_slot *slot = NULL;
    for (unsigned i = 0; i < SL_HOST_RATE_SLOTS && !slot; i++)
        if (h->rate[i].key == key)
            slot = &h->rate[i];
    if (slot && interval_us > 0 && now_us - slot->last_us < interval_us) {
        slot->suppressed++;
        return false;
    }
    if (!slot) {
        /* A new key takes a free slot, else the one written longest ago. */
        slot = &h->rate[0];
        for (unsigned i = 0; i < SL_HOST_RATE_SLOTS; i++) {
            if (!h->rate[i].key) {
                slot = &h->rate[i];
                break;
            }
            if (h->rate[i].last_us < slot->last_us)
                slot = &h->rate[i];
        }
        slot->key = key;
        slot->suppressed = 0;
    }
    *suppressed = slot->suppressed;
    slot->suppressed = 0;
    slot->last_us = now_us;
    return true;
}

uint32_t sl_host_count(const struct sl_host_table *t)
{
    return t->count;
}

uint64_t sl_host_evicted(const struct sl_host_table *t)
{
    return t->evicted;
}

uint64_t sl_host_table_bytes(const struct sl_host_table *t)
{
    return (uint64_t)t->max * sizeof(struct sl_host) + ((uint64_t)t->mask + 1) * 4;
}
