/*
 * classify.c - nDPI 4.2 glue.  nDPI's per-flow state (struct ndpi_flow_struct,
 * ~700 bytes plus what its dissectors hang off it) is held only while a flow
 * is being classified: from a pool capped at ndpi.max_flows, returned as soon
 * as nDPI names the flow or its packet budget runs out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "btcache.h"
#include "classify.h"
#include "p2p.h"

/*
 * States in use are on a list ordered by their flow's last packet, so the
 * engine can give up on flows gone quiet before they time out (a DHT query
 * nobody answers would otherwise hold its state for the whole UDP timeout).
 * A state moves to the list's end at most once a TOUCH_US of packet time:
 * moving it touched its two neighbours, cold states of other flows, at
 * every packet.  The order is then right to within TOUCH_US, and a quiet
 * flow's classification ends at most that much late.
 */
#define TOUCH_US 1000000
/*
 * sluice's fields first: the touch at every packet then reads the cache line
 * nDPI reads first (its flow's detected protocols), not one of its own.
 */
struct sl_ndpi_slot {
    int64_t moved_us; /* the owner's last_us when the state last moved to the list's end */
    struct sl_ndpi_slot *prev, *next; /* the in-use list, least recently seen first */
    struct sl_flow *owner;
    struct sl_ndpi_slot *next_free;
    struct ndpi_flow_struct flow;
};

struct sl_classifier {
    struct ndpi_detection_module_struct *ndpi;
    struct sl_ndpi_slot *free_slots;
    struct sl_ndpi_slot *oldest, *newest;
    uint32_t allocated, max_states, in_use;
    struct sl_btcache bt;
};

static void unlink_slot(struct sl_classifier *c, struct sl_ndpi_slot *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        c->oldest = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        c->newest = s->prev;
    s->prev = s->next = NULL;
}

static void append_slot(struct sl_classifier *c, struct sl_ndpi_slot *s)
{
    s->prev = c->newest;
    s->next = NULL;
    if (c->newest)
        c->newest->next = s;
    else
        c->oldest = s;
    c->newest = s;
}

void sl_classify_touch(struct sl_classifier *c, struct sl_flow *f)
{
    struct sl_ndpi_slot *s = f->ndpi;
    if (s && s != c->newest && f->last_us - s->moved_us >= TOUCH_US) {
        unlink_slot(c, s);
        append_slot(c, s);
        s->moved_us = f->last_us;
    }
}

struct sl_flow *sl_classify_least_recent(const struct sl_classifier *c)
{
    return c->oldest ? c->oldest->owner : NULL;
}

struct sl_classifier *sl_classifier_new(uint32_t max_states, bool bt_cache, sluice_error *err)
{
    struct sl_classifier *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err->text, sizeof(err->text), "nDPI: out of memory");
        return NULL;
    }
    c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!c->ndpi) {
        snprintf(err->text, sizeof(err->text), "nDPI: cannot initialise the detection module");
        free(c);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
    ndpi_finalize_initialization(c->ndpi);
    if (bt_cache && !sl_btcache_init(&c->bt)) {
        snprintf(err->text, sizeof(err->text), "nDPI: out of memory for the BitTorrent cache");
        ndpi_exit_detection_module(c->ndpi);
        free(c);
        return NULL;
    }
    c->max_states = max_states;
    return c;
}

void sl_classifier_free(struct sl_classifier *c)
{
    if (!c)
        return;
    while (c->free_slots) {
        struct sl_ndpi_slot *s = c->free_slots;
        c->free_slots = s->next_free;
        free(s);
    }
    ndpi_exit_detection_module(c->ndpi);
    sl_btcache_fini(&c->bt);
    free(c);
}

bool sl_classify_begin(struct sl_classifier *c, struct sl_flow *f)
{
    struct sl_ndpi_slot *s = c->free_slots;
    if (s) {
        c->free_slots = s->next_free;
    } else {
        /* The pool grows to its cap and then only recycles: no allocation in steady state. */
        if (c->allocated >= c->max_states)
            return false;
        s = malloc(sizeof(*s));
        if (!s)
            return false;
        c->allocated++;
    }
    memset(&s->flow, 0, sizeof(s->flow));
    s->next_free = NULL;
    s->owner = f;
    s->moved_us = f->last_us;
    append_slot(c, s);
    f->ndpi = s;
    c->in_use++;
    return true;
}

static void release(struct sl_classifier *c, struct sl_flow *f)
{
    struct sl_ndpi_slot *s = f->ndpi;
    ndpi_free_flow_data(&s->flow);
    unlink_slot(c, s);
    s->owner = NULL;
    s->next_free = c->free_slots;
    c->free_slots = s;
    c->in_use--;
    f->ndpi = NULL;
    f->flags |= SL_FF_CLASSIFIED;
}

static void take_verdict(struct sl_flow *f, ndpi_protocol p)
{
    uint16_t master = p.master_protocol, app = p.app_protocol;
    if (app == NDPI_PROTOCOL_UNKNOWN) {
        app = master;
        master = NDPI_PROTOCOL_UNKNOWN;
    }
    if (master == app)
        master = NDPI_PROTOCOL_UNKNOWN;
    f->master_proto = master;
    f->app_proto = app;
    f->confidence = (uint8_t)f->ndpi->flow.confidence;
}

/*
 * A flow named from the endpoints in the BitTorrent cache.  It does not feed
 * the cache in turn: a guess that fed the guesses would walk a host's
 * sequential ports (53001, 53002, ...) into every flow it opens.
 */
static void cache_named(struct sl_flow *f)
{
    f->master_proto = NDPI_PROTOCOL_UNKNOWN;
    f->app_proto = NDPI_PROTOCOL_BITTORRENT;
    f->confidence = NDPI_CONFIDENCE_DPI_CACHE;
}

bool sl_classify_packet(struct sl_classifier *c, struct sl_flow *f, const struct sl_packet *pkt,
                        uint32_t max_packets, enum sl_extra extra)
{
    if (!f->ndpi)
        return false;
    /* nDPI takes an unsigned short length: an IPv6 jumbogram would not fit. */
    unsigned short len = pkt->l3_caplen > 65535 ? 65535 : (unsigned short)pkt->l3_caplen;
    uint64_t ms = pkt->ts_us > 0 ? (uint64_t)pkt->ts_us / 1000 : 0;
    ndpi_protocol p = ndpi_detection_process_packet(c->ndpi, &f->ndpi->flow, pkt->l3, len, ms);
    f->ndpi_pkts++;
    if (p.app_protocol != NDPI_PROTOCOL_UNKNOWN || p.master_protocol != NDPI_PROTOCOL_UNKNOWN) {
        take_verdict(f, p);
        /* As nDPI fills its own: from its BitTorrent dissector's payload verdicts, not from a
         * TLS or HTTP flow it named BitTorrent by hostname. */
        if (f->app_proto == NDPI_PROTOCOL_BITTORRENT && !f->master_proto &&
            f->confidence == NDPI_CONFIDENCE_DPI)
            sl_btcache_add(&c->bt, f);
        /* TLS, DNS, HTTP...: the hostname or SNI that names the application may still come. */
        /* A P2P verdict names the application: what nDPI would go on to read of it (BitTorrent's
         * info hash) sluice's own dissectors read. */
        bool carrier_only = !f->master_proto && !sl_p2p_lookup(f->app_proto);
        bool more = extra == SL_EXTRA_ALL || (extra == SL_EXTRA_UNNAMED && carrier_only);
        if (more && f->ndpi_pkts < max_packets &&
            ndpi_extra_dissection_possible(c->ndpi, &f->ndpi->flow))
            return false;
        release(c, f);
        return true;
    }
    /*
     * nDPI's BitTorrent dissector gives up at once on a UDP flow with a port below 1024, and
     * looks its cache up as it does: a uTP SYN to a peer's port 1 is named then, not guessed.
     */
    if (pkt->l4proto == 17 && (pkt->sport < 1024 || pkt->dport < 1024) && pkt->payload_len &&
        !(f->flags & SL_FF_BT_CACHE_LOOKED)) {
        f->flags |= SL_FF_BT_CACHE_LOOKED;
        if (sl_btcache_match(&c->bt, f)) {
            cache_named(f);
            release(c, f);
            return true;
        }
    }
    if (f->ndpi_pkts >= max_packets) {
        sl_classify_giveup(c, f);
        return true;
    }
    return false;
}

void sl_classify_settle(struct sl_classifier *c, struct sl_flow *f, uint16_t app)
{
    if (!f->ndpi)
        return;
    if (app == NDPI_PROTOCOL_BITTORRENT)
        sl_btcache_add(&c->bt, f);
    f->master_proto = NDPI_PROTOCOL_UNKNOWN;
    f->app_proto = app;
    f->confidence = NDPI_CONFIDENCE_DPI;
    f->flags |= SL_FF_BY_DISSECTOR;
    release(c, f);
}

void sl_classify_giveup(struct sl_classifier *c, struct sl_flow *f)
{
    if (!f->ndpi)
        return;
    if (f->app_proto != NDPI_PROTOCOL_UNKNOWN) {
        /* Already named, only extra dissection was pending: keep that verdict. */
        release(c, f);
        return;
    }
    uint8_t guessed = 0;
    ndpi_protocol p = ndpi_detection_giveup(c->ndpi, &f->ndpi->flow, 1, &guessed);
    take_verdict(f, p);
    if (f->confidence == NDPI_CONFIDENCE_UNKNOWN && !(f->flags & SL_FF_BT_CACHE_LOOKED) &&
        sl_btcache_match(&c->bt, f)) {
        /* What nDPI's own cache does here, for flows it never saw named: a guess from the
         * endpoints, not from this flow's payload. */
        cache_named(f);
        guessed = 1;
    }
    if (guessed)
        f->flags |= SL_FF_GUESSED;
    release(c, f);
}

const struct sl_btcache *sl_classify_btcache(const struct sl_classifier *c)
{
    return &c->bt;
}

const char *sl_classify_proto_name(const struct sl_classifier *c, uint16_t id)
{
    const char *n = ndpi_get_proto_name(c->ndpi, id);
    return n ? n : "Unknown";
}

const char *sl_classify_confidence_name(uint8_t confidence)
{
    switch (confidence) {
    case NDPI_CONFIDENCE_DPI:
        return "dpi";
    case NDPI_CONFIDENCE_DPI_CACHE:
        return "dpi-cache";
    case NDPI_CONFIDENCE_MATCH_BY_PORT:
        return "port";
    case NDPI_CONFIDENCE_MATCH_BY_IP:
        return "ip";
    default:
        return "unknown";
    }
}

uint32_t sl_classify_states_in_use(const struct sl_classifier *c)
{
    return c->in_use;
}

size_t sl_classify_state_size(void)
{
    return sizeof(struct sl_ndpi_slot);
}
