/*
 * dissect.c - attach sluice's own dissectors to flows.  A flow's first
 * payloads (both ways) are probed: TCP for a BitTorrent handshake, UDP for a
 * KRPC (DHT) message or a uTP header.  A flow that matches gets state from a
 * pool capped at p2p.max_flows and is followed to its end; everything else
 * costs one probe per early packet, then nothing.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "bt-wire.h"
#include "cursor.h"
#include "dht.h"
#include "dissect.h"
#include "edonkey.h"
#include "gnutella.h"
#include "tracker.h"
#include "utp.h"

/* Payloads probed per flow before giving up on it. */
#define MAX_PROBES 8

enum kind { K_BT = 1, K_HTTP_TRACKER, K_UDP, K_ED2K, K_GNUT, K_GNUT_UDP };
_Static_assert(K_GNUT_UDP < SL_DISSECT_KINDS, "a free list per kind");

/* BitTorrent clients run DHT and uTP (and UDP tracker requests) on one UDP port. */
struct udp_p2p {
    struct sl_dht_flow dht;
    struct sl_utp_flow utp;
    struct sl_tracker trk;
};

/*
 * Each state is allocated at the size of its kind, not of the union: a DHT or
 * uTP flow (most P2P flows on a busy link) needs a quarter of a peer-wire
 * flow's reassembly buffer.  Only the member of `kind` is ever touched.
 */
struct sl_dissect_item {
    uint8_t kind;
    struct sl_dissect_item *next;
    union {
        struct sl_bt_flow bt;
        struct sl_tracker trk;
        struct udp_p2p udp;
        struct sl_ed2k_flow ed2k;
        struct sl_gnut_flow gnut;
        struct sl_gnut_udp gnut_udp;
    } u;
};

static size_t size_of(enum kind k)
{
    size_t head = offsetof(struct sl_dissect_item, u);
    switch (k) {
    case K_BT:
        return head + sizeof(struct sl_bt_flow);
    case K_HTTP_TRACKER:
        return head + sizeof(struct sl_tracker);
    case K_ED2K:
        return head + sizeof(struct sl_ed2k_flow);
    case K_GNUT:
        return head + sizeof(struct sl_gnut_flow);
    case K_GNUT_UDP:
        return head + sizeof(struct sl_gnut_udp);
    default:
        return head + sizeof(struct udp_p2p);
    }
}

void sl_dissect_pool_init(struct sl_dissect_pool *p, uint32_t max)
{
    memset(p, 0, sizeof(*p));
    p->max = max;
}

void sl_dissect_pool_free(struct sl_dissect_pool *p)
{
    for (unsigned k = 0; k < SL_DISSECT_KINDS; k++) {
        while (p->free_items[k]) {
            struct sl_dissect_item *it = p->free_items[k];
            p->free_items[k] = it->next;
            free(it);
        }
    }
}

static struct sl_dissect_item *acquire(struct sl_dissect_pool *p, enum kind k)
{
    struct sl_dissect_item *it = p->free_items[k];
    if (it) {
        p->free_items[k] = it->next;
    } else {
        /* The pool grows to its cap, then only recycles; at the cap a free state of another
         * kind is given up for one of this kind (the mix of a link changes slowly). */
        if (p->allocated >= p->max) {
            unsigned o = 0;
            while (o < SL_DISSECT_KINDS && !p->free_items[o])
                o++;
            if (o == SL_DISSECT_KINDS) {
                p->full++;
                return NULL;
            }
            struct sl_dissect_item *old = p->free_items[o];
            p->free_items[o] = old->next;
            p->bytes -= size_of((enum kind)old->kind);
            p->allocated--;
            free(old);
        }
        if (!(it = malloc(size_of(k)))) {
            p->full++;
            return NULL;
        }
        p->allocated++;
        p->bytes += size_of(k);
    }
    p->in_use++;
    memset(it, 0, size_of(k));
    it->kind = (uint8_t)k;
    return it;
}

void sl_dissect_end(struct sl_dissect_pool *p, struct sl_flow *f)
{
    struct sl_dissect_item *it = f->dis;
    if (!it)
        return;
    it->next = p->free_items[it->kind];
    p->free_items[it->kind] = it;
    p->in_use--;
    f->dis = NULL;
}

const struct sl_bt_flow *sl_dissect_bt(const struct sl_flow *f)
{
    return f->dis && f->dis->kind == K_BT ? &f->dis->u.bt : NULL;
}

const struct sl_dht_flow *sl_dissect_dht(const struct sl_flow *f)
{
    return f->dis && f->dis->kind == K_UDP && f->dis->u.udp.dht.messages ? &f->dis->u.udp.dht
                                                                         : NULL;
}

const struct sl_utp_flow *sl_dissect_utp(const struct sl_flow *f)
{
    const struct sl_utp_flow *u = f->dis && f->dis->kind == K_UDP ? &f->dis->u.udp.utp : NULL;
    return u && (u->packets[0] || u->packets[1]) ? u : NULL;
}

const struct sl_tracker *sl_dissect_tracker(const struct sl_flow *f)
{
    const struct sl_tracker *t = NULL;
    if (f->dis && f->dis->kind == K_HTTP_TRACKER)
        t = &f->dis->u.trk;
    else if (f->dis && f->dis->kind == K_UDP)
        t = &f->dis->u.udp.trk;
    return t && t->kind != SL_TRK_NONE ? t : NULL;
}

const struct sl_ed2k_flow *sl_dissect_ed2k(const struct sl_flow *f)
{
    return f->dis && f->dis->kind == K_ED2K ? &f->dis->u.ed2k : NULL;
}

const struct sl_gnut_flow *sl_dissect_gnut(const struct sl_flow *f)
{
    return f->dis && f->dis->kind == K_GNUT ? &f->dis->u.gnut : NULL;
}

const struct sl_gnut_udp *sl_dissect_gnut_udp(const struct sl_flow *f)
{
    return f->dis && f->dis->kind == K_GNUT_UDP ? &f->dis->u.gnut_udp : NULL;
}

uint16_t sl_dissect_protocol(const struct sl_flow *f)
{
    if (!f->dis)
        return NDPI_PROTOCOL_UNKNOWN;
    switch (f->dis->kind) {
    case K_ED2K:
        return NDPI_PROTOCOL_EDONKEY;
    case K_GNUT:
    case K_GNUT_UDP:
        return NDPI_PROTOCOL_GNUTELLA;
    default:
        return NDPI_PROTOCOL_BITTORRENT;
    }
}

bool sl_dissect_bt_handshake(const struct sl_flow *f)
{
    const struct sl_bt_flow *bt = sl_dissect_bt(f);
    return bt && (bt->dir[0].handshake || bt->dir[1].handshake);
}

const char *sl_dissect_evidence(const struct sl_flow *f)
{
    const struct sl_utp_flow *u = sl_dissect_utp(f);
    const struct sl_dht_flow *d = sl_dissect_dht(f);
    if (sl_dissect_bt_handshake(f) || (u && (u->have_hs[0] || u->have_hs[1])))
        return "handshake";
    if (u && u->confirmed)
        return "utp";
    if (d && d->messages)
        return "dht";
    const struct sl_tracker *t = sl_dissect_tracker(f);
    if (t && (t->announces || t->scrapes || t->connects))
        return t->kind == SL_TRK_LSD ? "lsd" : t->kind == SL_TRK_MAGNET ? "magnet" : "tracker";
    const struct sl_ed2k_flow *e = sl_dissect_ed2k(f);
    if (e && (e->side[0].hello || e->side[1].hello))
        return "hello";
    const struct sl_gnut_flow *g = sl_dissect_gnut(f);
    if (g && (g->side[0].seen || g->side[1].seen))
        return "handshake";
    const struct sl_gnut_udp *gu = sl_dissect_gnut_udp(f);
    if (gu && (gu->messages[0] || gu->messages[1]))
        return "message";
    return NULL;
}

bool sl_dissect_is_session(const struct sl_flow *f)
{
    const char *ev = sl_dissect_evidence(f);
    return ev && strcmp(ev, "tracker") && strcmp(ev, "lsd") && strcmp(ev, "magnet");
}

/* Which dissector, if any, wants a flow whose early payload this is. */
static enum kind probe(const struct sl_packet *pkt)
{
    if (pkt->l4proto == 6) {
        if (sl_bt_probe(pkt->payload, pkt->payload_caplen))
            return K_BT;
        if (sl_tracker_http_probe(pkt->payload, pkt->payload_caplen))
            return K_HTTP_TRACKER;
        if (sl_ed2k_probe(pkt->payload, pkt->payload_caplen))
            return K_ED2K;
        return sl_gnut_probe(pkt->payload, pkt->payload_caplen) ? K_GNUT : 0;
    }
    if (pkt->l4proto != 17)
        return 0;
    /* Before uTP: a message's first byte is its GUID's, and one in fifty passes for uTP's. */
    if (sl_gnut_udp_probe(pkt->payload, pkt->payload_caplen, pkt->payload_len))
        return K_GNUT_UDP;
    return sl_dht_probe(pkt->payload, pkt->payload_caplen) ||
                   sl_utp_probe(pkt->payload, pkt->payload_caplen) ||
                   sl_tracker_udp_probe(pkt->payload, pkt->payload_caplen)
               ? K_UDP
               : 0;
}

bool sl_dissect_packet(struct sl_dissect_pool *p, struct sl_flow *f, const struct sl_packet *pkt,
                       int dir)
{
    if (!pkt->payload_len)
        return false;
    if (!f->dis) {
        if (f->probes >= MAX_PROBES || (f->flags & SL_FF_P2P_SKIPPED))
            return false;
        enum kind k = probe(pkt);
        if (!k) {
            f->probes++;
            return false;
        }
        if (!(f->dis = acquire(p, k))) {
            f->flags |= SL_FF_P2P_SKIPPED;
            return false;
        }
    }
    const char *before = sl_dissect_evidence(f);
    struct sl_dissect_item *it = f->dis;
    switch (it->kind) {
    case K_BT: {
        bool had = it->u.bt.dir[dir].handshake;
        sl_bt_feed(&it->u.bt, dir, pkt->tcp_seq, pkt->payload, pkt->payload_caplen,
                   pkt->payload_len);
        return !had && it->u.bt.dir[dir].handshake;
    }
    case K_ED2K: {
        bool had = it->u.ed2k.side[dir].hello;
        sl_ed2k_feed(&it->u.ed2k, dir, pkt->payload, pkt->payload_caplen);
        return !had && it->u.ed2k.side[dir].hello;
    }
    case K_GNUT_UDP:
        sl_gnut_udp_feed(&it->u.gnut_udp, dir, pkt->payload, pkt->payload_caplen, pkt->payload_len);
        break;
    case K_GNUT: {
        bool had = it->u.gnut.side[dir].seen;
        sl_gnut_feed(&it->u.gnut, dir, pkt->payload, pkt->payload_caplen);
        return !had && it->u.gnut.side[dir].seen;
    }
    case K_HTTP_TRACKER:
        /* Requests go to the tracker; a keep-alive connection may carry several. */
        if (dir == 0 && sl_tracker_http_probe(pkt->payload, pkt->payload_caplen))
            sl_tracker_feed(&it->u.trk, pkt->payload, pkt->payload_caplen);
        break;
    default: {
        struct sl_cur pc = sl_cur_make(pkt->payload, pkt->payload_caplen);
        /* A KRPC message is a dictionary ("d..."); a uTP header never starts with 'd' (0x64
         * would be type 6, which does not exist). */
        struct udp_p2p *u = &it->u.udp;
        if (sl_cur_peek(&pc, 0) == 'd') {
            sl_dht_feed(&u->dht, dir, pkt->payload, pkt->payload_caplen);
        } else if (u->trk.kind != SL_TRK_NONE ||
                   sl_tracker_udp_probe(pkt->payload, pkt->payload_caplen)) {
            /* A tracker's flow: requests go one way, the answers are not uTP either. */
            if (dir == 0)
                sl_tracker_feed(&u->trk, pkt->payload, pkt->payload_caplen);
        } else {
            sl_utp_feed(&u->utp, dir, pkt->payload, pkt->payload_caplen, pkt->payload_len);
        }
        break;
    }
    }
    return sl_dissect_evidence(f) != before;
}

size_t sl_dissect_state_size(void)
{
    return sizeof(struct sl_dissect_item);
}

uint64_t sl_dissect_pool_bytes(const struct sl_dissect_pool *p)
{
    return p->bytes;
}
