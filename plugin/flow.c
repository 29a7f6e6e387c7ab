/*
 * flow.c - the flow table: a preallocated array of flows, a seeded hash of
 * chained indices, and one idle list per timeout class.
 *
 * Links are 32-bit indices (plus one, so 0 means "none") rather than
 * pointers: half the size, and the array can be moved or dumped as it is.
 */
#include <stdlib.h>
#include <string.h>

#include "flow.h"

struct sl_flow_table {
    struct sl_flow *flows;
    uint32_t max_flows;
    uint32_t count;
    uint32_t free_head; /* free list through hnext: index + 1 */
    uint32_t mask;      /* buckets - 1 */
    uint32_t *buckets;  /* index + 1 of the first flow in the chain */
    uint64_t seed;
    uint32_t head[SL_FC_MAX], tail[SL_FC_MAX]; /* idle lists, oldest at head */
};

static uint32_t idx(const struct sl_flow_table *t, const struct sl_flow *f)
{
    return (uint32_t)(f - t->flows) + 1;
}

static struct sl_flow *at(struct sl_flow_table *t, uint32_t i)
{
    return i ? &t->flows[i - 1] : NULL;
}

struct sl_flow_table *sl_flow_table_new(uint32_t max_flows, uint32_t hash_size, uint64_t seed)
{
    if (max_flows == 0)
        return NULL;
    uint32_t buckets = 1;
    while (buckets < hash_size && buckets < (1u << 30))
        buckets <<= 1;

    struct sl_flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    /* calloc: pages of flows never used stay untouched, so RSS follows use, not the cap. */
    t->flows = calloc(max_flows, sizeof(struct sl_flow));
    t->buckets = calloc(buckets, sizeof(uint32_t));
    if (!t->flows || !t->buckets) {
        sl_flow_table_free(t);
        return NULL;
    }
    t->max_flows = max_flows;
    t->mask = buckets - 1;
    t->seed = seed;
    /* The free list is implicit: flows past `count` high-water are handed out in order. */
    t->free_head = 0;
    return t;
}

void sl_flow_table_free(struct sl_flow_table *t)
{
    if (!t)
        return;
    free(t->flows);
    free(t->buckets);
    free(t);
}

static int addr_cmp(const uint8_t *x, uint16_t xp, const uint8_t *y, uint16_t yp)
{
    int c = memcmp(x, y, 16);
    if (c)
        return c;
    return (int)xp - (int)yp;
}

void sl_flow_key_from_packet(const struct sl_packet *pkt, struct sl_flow_key *key, bool *a_to_b)
{
    memset(key, 0, sizeof(*key));
    key->proto = pkt->l4proto;
    key->family = pkt->ip_version;
    key->vlan = pkt->vlan_count ? pkt->vlan[0] : 0;
    if (addr_cmp(pkt->src.b, pkt->sport, pkt->dst.b, pkt->dport) <= 0) {
        memcpy(key->a, pkt->src.b, 16);
        memcpy(key->b, pkt->dst.b, 16);
        key->pa = pkt->sport;
        key->pb = pkt->dport;
        *a_to_b = true;
    } else {
        memcpy(key->a, pkt->dst.b, 16);
        memcpy(key->b, pkt->src.b, 16);
        key->pa = pkt->dport;
        key->pb = pkt->sport;
        *a_to_b = false;
    }
}

/* 64x64 -> 128 multiply folded to 64 bits: a fast, well-mixing step. */
static uint64_t fold_mul(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * A keyed hash of the 40-byte key.  The seed is random per engine, so an
 * attacker who controls addresses and ports cannot aim at one bucket.
 */
static uint32_t key_hash(const struct sl_flow_table *t, const struct sl_flow_key *k)
{
    uint64_t w[5];
    _Static_assert(sizeof(struct sl_flow_key) == sizeof(w), "flow key is 40 bytes, no padding");
    memcpy(w, k, sizeof(w));
    uint64_t s = t->seed;
    uint64_t h = fold_mul(w[0] ^ s ^ 0xa0761d6478bd642full, w[1] ^ 0xe7037ed1a0b428dbull);
    h ^= fold_mul(w[2] ^ s ^ 0x8ebc6af09c88c6e3ull, w[3] ^ 0x589965cc75374cc3ull);
    h = fold_mul(h ^ w[4] ^ s, 0x1d8e4e27c47d124full);
    return (uint32_t)(h ^ (h >> 32));
}

static bool key_eq(const struct sl_flow_key *x, const struct sl_flow_key *y)
{
    /* Five words, no call: a lookup's compare runs once per packet. */
    uint64_t a[5], b[5];
    memcpy(a, x, sizeof(a));
    memcpy(b, y, sizeof(b));
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
}

struct sl_flow *sl_flow_find(struct sl_flow_table *t, const struct sl_flow_key *key)
{
    uint32_t i = t->buckets[key_hash(t, key) & t->mask];
    while (i) {
        struct sl_flow *f = at(t, i);
        if (key_eq(&f->key, key))
            return f;
        i = f->hnext;
    }
    return NULL;
}

static void list_unlink(struct sl_flow_table *t, struct sl_flow *f)
{
    unsigned c = f->fclass;
    if (f->lprev)
        at(t, f->lprev)->lnext = f->lnext;
    else
        t->head[c] = f->lnext;
    if (f->lnext)
        at(t, f->lnext)->lprev = f->lprev;
    else
        t->tail[c] = f->lprev;
    f->lprev = f->lnext = 0;
}

static void list_append(struct sl_flow_table *t, struct sl_flow *f, enum sl_flow_class c)
{
    uint32_t i = idx(t, f);
    f->fclass = (uint8_t)c;
    f->lnext = 0;
    f->lprev = t->tail[c];
    if (t->tail[c])
        at(t, t->tail[c])->lnext = i;
    else
        t->head[c] = i;
    t->tail[c] = i;
}

struct sl_flow *sl_flow_insert(struct sl_flow_table *t, const struct sl_flow_key *key,
                               enum sl_flow_class fclass)
{
    struct sl_flow *f;
    if (t->free_head) {
        f = at(t, t->free_head);
        t->free_head = f->hnext;
    } else if (t->count < t->max_flows) {
        /* Nothing freed yet: the next never-used slot is at `count`. */
        f = &t->flows[t->count];
    } else {
        return NULL;
    }
    memset(f, 0, sizeof(*f));
    f->key = *key;
    f->in_use = 1;
    uint32_t b = key_hash(t, key) & t->mask;
    f->hnext = t->buckets[b];
    t->buckets[b] = idx(t, f);
    list_append(t, f, fclass);
    t->count++;
    return f;
}

void sl_flow_touch(struct sl_flow_table *t, struct sl_flow *f, enum sl_flow_class fclass)
{
    if (f->fclass == fclass && t->tail[fclass] == idx(t, f))
        return;
    list_unlink(t, f);
    list_append(t, f, fclass);
}

void sl_flow_remove(struct sl_flow_table *t, struct sl_flow *f)
{
    uint32_t i = idx(t, f);
    uint32_t *link = &t->buckets[key_hash(t, &f->key) & t->mask];
    while (*link && *link != i)
        link = &at(t, *link)->hnext;
    if (*link)
        *link = f->hnext;
    list_unlink(t, f);
    f->in_use = 0;
    f->hnext = t->free_head;
    t->free_head = i;
    t->count--;
}

struct sl_flow *sl_flow_oldest(struct sl_flow_table *t, enum sl_flow_class fclass)
{
    return at(t, t->head[fclass]);
}

struct sl_flow *sl_flow_lru(struct sl_flow_table *t)
{
    struct sl_flow *best = NULL;
    for (unsigned c = 0; c < SL_FC_MAX; c++) {
        struct sl_flow *f = at(t, t->head[c]);
        if (f && (!best || f->last_us < best->last_us))
            best = f;
    }
    return best;
}

struct sl_flow *sl_flow_any(struct sl_flow_table *t)
{
    for (unsigned c = 0; c < SL_FC_MAX; c++)
        if (t->head[c])
            return at(t, t->head[c]);
    return NULL;
}

uint32_t sl_flow_count(const struct sl_flow_table *t)
{
    return t->count;
}

uint32_t sl_flow_capacity(const struct sl_flow_table *t)
{
    return t->max_flows;
}

uint64_t sl_flow_table_bytes(const struct sl_flow_table *t)
{
    return (uint64_t)t->max_flows * sizeof(struct sl_flow) + ((uint64_t)t->mask + 1) * 4;
}
