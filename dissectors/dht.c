/*
 * dht.c - KRPC (BEP 5): every message is one bencoded dictionary with
 *   "t" transaction id, "y" type (q query, r response, e error),
 *   "q" query name and "a" arguments (queries), "r" return values, "v" version.
 * Queries carry the sender's node "id" and, for get_peers and announce_peer,
 * the torrent's "info_hash" (find_node a "target"): the swarm a host is in.
 */
#include <string.h>

#include "bencode.h"
#include "dht.h"

/* The bencode document of one message: 10 KiB, kept off the callers' stacks. */
static __thread struct sl_bdoc doc;

/* Parse a KRPC message; the top dictionary, or NULL.  *has_t: it has a transaction id. */
static const struct sl_bnode *krpc(const uint8_t *payload, uint32_t caplen, char *type, bool *has_t)
{
    struct sl_cur c = sl_cur_make(payload, caplen);
    if (sl_cur_peek(&c, 0) != 'd' || sl_bencode_parse(&c, &doc) != SL_BENC_OK)
        return NULL;
    const struct sl_bnode *top = &doc.n[0];
    const struct sl_bnode *y = sl_bencode_str(&doc, top, "y", 1);
    *has_t = sl_bencode_str(&doc, top, "t", 0) != NULL;
    if (!y)
        return NULL;
    struct sl_cur yc = sl_cur_make(y->s, y->slen);
    *type = (char)sl_cur_u8(&yc);
    return (*type == 'q' || *type == 'r' || *type == 'e') ? top : NULL;
}

bool sl_dht_probe(const uint8_t *payload, uint32_t caplen)
{
    /* To claim a flow, the message must be complete: BEP 5 requires a transaction id. */
    char type;
    bool has_t;
    return krpc(payload, caplen, &type, &has_t) != NULL && has_t;
}

static bool str_is(const struct sl_bnode *n, const char *s)
{
    size_t len = strlen(s);
    return n && n->slen == len && memcmp(n->s, s, len) == 0;
}

static void add_hash(struct sl_dht_flow *d, const struct sl_bnode *h, bool target)
{
    if (!h)
        return;
    for (unsigned i = 0; i < d->hashes; i++)
        if (d->hash_is_target[i] == target && memcmp(d->hash[i], h->s, 20) == 0)
            return;
    if (d->hashes >= SL_DHT_MAX_HASHES)
        return;
    struct sl_cur c = sl_cur_make(h->s, h->slen);
    sl_cur_copy(&c, d->hash[d->hashes], 20);
    d->hash_is_target[d->hashes++] = target;
}

bool sl_dht_feed(struct sl_dht_flow *d, int dir, const uint8_t *payload, uint32_t caplen)
{
    char type;
    bool has_t;
    const struct sl_bnode *top = krpc(payload, caplen, &type, &has_t);
    dir = dir ? 1 : 0;
    if (!top) {
        d->bad++;
        return false;
    }
    d->messages++;
    if (!has_t)
        d->malformed++; /* a KRPC message all the same; counted, as Wireshark shows it */
    const struct sl_bnode *body = NULL;
    if (type == 'q') {
        d->queries++;
        const struct sl_bnode *q = sl_bencode_str(&doc, top, "q", 0);
        body = sl_bencode_get(&doc, top, "a");
        if (str_is(q, "ping"))
            d->q_ping++;
        else if (str_is(q, "find_node"))
            d->q_find_node++;
        else if (str_is(q, "get_peers"))
            d->q_get_peers++;
        else if (str_is(q, "announce_peer"))
            d->q_announce_peer++;
        else
            d->q_other++;
        add_hash(d, sl_bencode_str(&doc, body, "info_hash", 20), false);
        add_hash(d, sl_bencode_str(&doc, body, "target", 20), true);
    } else if (type == 'r') {
        d->responses++;
        body = sl_bencode_get(&doc, top, "r");
    } else {
        d->errors++;
    }
    const struct sl_bnode *id = sl_bencode_str(&doc, body, "id", 20);
    if (id && !d->have_id[dir]) {
        struct sl_cur c = sl_cur_make(id->s, id->slen);
        sl_cur_copy(&c, d->node_id[dir], 20);
        d->have_id[dir] = true;
    }
    const struct sl_bnode *t = sl_bencode_str(&doc, top, "t", 0);
    if (t) {
        struct sl_cur c = sl_cur_make(t->s, t->slen);
        d->t_len[dir] = (uint8_t)(t->slen < SL_DHT_V_MAX ? t->slen : SL_DHT_V_MAX);
        sl_cur_copy(&c, d->t[dir], d->t_len[dir]);
    }
    const struct sl_bnode *v = sl_bencode_str(&doc, top, "v", 0);
    if (v && !d->v_len[dir]) {
        struct sl_cur c = sl_cur_make(v->s, v->slen);
        d->v_len[dir] = (uint8_t)(v->slen < SL_DHT_V_MAX ? v->slen : SL_DHT_V_MAX);
        sl_cur_copy(&c, d->v[dir], d->v_len[dir]);
    }
    return true;
}
